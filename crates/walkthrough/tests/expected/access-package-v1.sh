#!/usr/bin/env bash
# Build an access package with entitlement management (v1.0 API)
# Exported from graphwalk. Needs curl and jq.
set -euo pipefail

# Sends a request with curl (its arguments as given). 429 and 503 are retried as graphwalk retries them:
# after the Retry-After seconds (at least 0.25), else after 1, 2, 4... seconds (at most 32), 10 attempts in all.
# Any other status of 400 or more fails, with the body on stderr.
graph() {
  local attempt=1 backoff=1 head reply status wait
  head=$(mktemp)
  while :; do
    reply=$(curl -sS -D "$head" -w '\n%{http_code}' "$@") || { rm -f "$head"; return 1; }
    status=${reply##*$'\n'}
    reply=${reply%$'\n'*}
    if { [ "$status" != 429 ] && [ "$status" != 503 ]; } || [ "$attempt" -ge 10 ]; then break; fi
    wait=$(tr -d '\r' <"$head" | awk -F': *' 'tolower($1) == "retry-after" { print $2 }' | tail -n 1)
    if ! [[ "$wait" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then wait=$backoff; fi
    if awk -v w="$wait" 'BEGIN { exit !(w < 0.25) }'; then wait=0.25; fi
    echo "HTTP $status: waiting ${wait} s before attempt $((attempt + 1))" >&2
    sleep "$wait"
    attempt=$((attempt + 1))
    backoff=$((backoff < 32 ? backoff * 2 : 32))
  done
  rm -f "$head"
  printf '%s' "$reply"
  if [ "$status" -ge 400 ]; then
    echo "HTTP $status: $reply" >&2
    return 22
  fi
}

cleanup=yes
for arg in "$@"; do
  case "$arg" in
    --no-cleanup) cleanup=no ;;
    *) echo "usage: $0 [--no-cleanup]" >&2; exit 2 ;;
  esac
done

TOKEN="${TOKEN:?set TOKEN to an access token}"
# Some requests run as the requestor, an account this script creates: set TOKEN_REQUESTOR to their access token,
# or the script asks for it when it gets there.
TOKEN_REQUESTOR="${TOKEN_REQUESTOR:-}"
run_password="${RUN_PASSWORD:?set RUN_PASSWORD to a strong password for the test accounts}"
base="https://graph.microsoft.com/v1.0"
run_tag="demo01"
input_admin_role="45d8d3c5-c802-45c6-b32a-1d70b5e1e86e"
input_path="requestor"

# Look up the tenant's domain
response=$(graph -X GET "${base}/organization?\$select=id,verifiedDomains" \
  -H "Authorization: Bearer ${TOKEN}")
domain=$(jq -r '[.value[0].verifiedDomains[] | select(.isDefault == true) | .name][0] // empty' <<<"$response")

# Create the test administrator
json_run_tag=$(jq -rn --arg v "${run_tag}" '$v | tojson | .[1:-1]')
json_domain=$(jq -rn --arg v "${domain}" '$v | tojson | .[1:-1]')
json_run_password=$(jq -rn --arg v "${run_password}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/users" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"accountEnabled\": true,
  \"displayName\": \"Admin1 ${json_run_tag}\",
  \"mailNickname\": \"admin1-${json_run_tag}\",
  \"userPrincipalName\": \"admin1-${json_run_tag}@${json_domain}\",
  \"passwordProfile\": {
    \"password\": \"${json_run_password}\",
    \"forceChangePasswordNextSignIn\": true
  }
}")
jq -e --arg run_tag "$run_tag" --arg domain "$domain" '([.userPrincipalName][0]) == ("admin1-" + $run_tag + "@" + $domain)' >/dev/null <<<"$response" || { echo "admin: expected jsonpath .userPrincipalName == admin1-{{run.tag}}@{{domain}}" >&2; exit 1; }
admin_id=$(jq -r '[.id][0] // empty' <<<"$response")

# Create the requestor account
json_run_tag=$(jq -rn --arg v "${run_tag}" '$v | tojson | .[1:-1]')
json_domain=$(jq -rn --arg v "${domain}" '$v | tojson | .[1:-1]')
json_run_password=$(jq -rn --arg v "${run_password}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/users" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"accountEnabled\": true,
  \"displayName\": \"Requestor1 ${json_run_tag}\",
  \"mailNickname\": \"requestor1-${json_run_tag}\",
  \"userPrincipalName\": \"requestor1-${json_run_tag}@${json_domain}\",
  \"passwordProfile\": {
    \"password\": \"${json_run_password}\",
    \"forceChangePasswordNextSignIn\": true
  }
}")
requestor_id=$(jq -r '[.id][0] // empty' <<<"$response")
requestor_upn=$(jq -r '[.userPrincipalName][0] // empty' <<<"$response")

# Find the administrator role by its template id
response=$(graph -X GET "${base}/roleManagement/directory/roleDefinitions?\$filter=templateId%20eq%20'${input_admin_role}'" \
  -H "Authorization: Bearer ${TOKEN}")
jq -e --arg input_admin_role "$input_admin_role" '([.value[0].templateId][0]) == ($input_admin_role)' >/dev/null <<<"$response" || { echo "role: expected jsonpath .value[0].templateId == {{input.admin_role}}" >&2; exit 1; }
role_id=$(jq -r '[.value[0].id][0] // empty' <<<"$response")

# Give the administrator the role
json_role_id=$(jq -rn --arg v "${role_id}" '$v | tojson | .[1:-1]')
json_admin_id=$(jq -rn --arg v "${admin_id}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/roleManagement/directory/roleAssignments" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"@odata.type\": \"#microsoft.graph.unifiedRoleAssignment\",
  \"roleDefinitionId\": \"${json_role_id}\",
  \"principalId\": \"${json_admin_id}\",
  \"directoryScopeId\": \"/\"
}")
jq -e --arg admin_id "$admin_id" '([.principalId][0]) == ($admin_id)' >/dev/null <<<"$response" || { echo "role-assignment: expected jsonpath .principalId == {{admin_id}}" >&2; exit 1; }
role_assignment_id=$(jq -r '[.id][0] // empty' <<<"$response")

# Create the resource group
json_run_tag=$(jq -rn --arg v "${run_tag}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/groups" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"displayName\": \"Marketing resources ${json_run_tag}\",
  \"description\": \"Group handed out by the marketing access package\",
  \"mailEnabled\": false,
  \"mailNickname\": \"marketing-${json_run_tag}\",
  \"securityEnabled\": true
}")
group_id=$(jq -r '[.id][0] // empty' <<<"$response")

# Find the General catalog
response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/catalogs?\$filter=(displayName%20eq%20'General')" \
  -H "Authorization: Bearer ${TOKEN}")
catalog_id=$(jq -r '[.value[0].id][0] // empty' <<<"$response")

# Add the group to the catalog
json_group_id=$(jq -rn --arg v "${group_id}" '$v | tojson | .[1:-1]')
json_catalog_id=$(jq -rn --arg v "${catalog_id}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/identityGovernance/entitlementManagement/resourceRequests" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"requestType\": \"adminAdd\",
  \"resource\": {
    \"originId\": \"${json_group_id}\",
    \"originSystem\": \"AadGroup\"
  },
  \"catalog\": {
    \"id\": \"${json_catalog_id}\"
  }
}")
jq -e '([.state][0]) == ("delivered")' >/dev/null <<<"$response" || { echo "add-resource: expected jsonpath .state == delivered" >&2; exit 1; }

# Read the group's catalog resource
for attempt in $(seq 1 60); do
  response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/catalogs/${catalog_id}/resources?\$filter=originId%20eq%20'${group_id}'" \
    -H "Authorization: Bearer ${TOKEN}")
  if jq -e --arg group_id "$group_id" '([.value[] | select(.originId == $group_id) | .id][0]) != null' >/dev/null <<<"$response"; then break; fi
  sleep 1
done
resource_id=$(jq -r --arg group_id "$group_id" '[.value[] | select(.originId == $group_id) | .id][0] // empty' <<<"$response")

# Find the group's Member role
for attempt in $(seq 1 60); do
  response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/catalogs/${catalog_id}/resourceRoles?\$filter=(originSystem%20eq%20'AadGroup'%20and%20resource/id%20eq%20'${resource_id}'%20and%20displayName%20eq%20'Member')&\$expand=resource" \
    -H "Authorization: Bearer ${TOKEN}")
  if jq -e '([.value[0].originId][0]) != null' >/dev/null <<<"$response"; then break; fi
  sleep 1
done
member_role_origin_id=$(jq -r '[.value[0].originId][0] // empty' <<<"$response")

# Create the access package
json_run_tag=$(jq -rn --arg v "${run_tag}" '$v | tojson | .[1:-1]')
json_catalog_id=$(jq -rn --arg v "${catalog_id}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/identityGovernance/entitlementManagement/accessPackages" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"displayName\": \"Marketing Campaign ${json_run_tag}\",
  \"description\": \"Membership of the marketing resources group\",
  \"isHidden\": false,
  \"catalog\": {
    \"id\": \"${json_catalog_id}\"
  }
}")
package_id=$(jq -r '[.id][0] // empty' <<<"$response")

# Put the Member role in the package
json_member_role_origin_id=$(jq -rn --arg v "${member_role_origin_id}" '$v | tojson | .[1:-1]')
json_resource_id=$(jq -rn --arg v "${resource_id}" '$v | tojson | .[1:-1]')
json_group_id=$(jq -rn --arg v "${group_id}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/identityGovernance/entitlementManagement/accessPackages/${package_id}/resourceRoleScopes" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"role\": {
    \"originId\": \"${json_member_role_origin_id}\",
    \"displayName\": \"Member\",
    \"originSystem\": \"AadGroup\",
    \"resource\": {
      \"id\": \"${json_resource_id}\",
      \"originId\": \"${json_group_id}\",
      \"originSystem\": \"AadGroup\"
    }
  },
  \"scope\": {
    \"originId\": \"${json_group_id}\",
    \"originSystem\": \"AadGroup\",
    \"isRootScope\": true
  }
}")
role_scope_id=$(jq -r '[.id][0] // empty' <<<"$response")

# Create the assignment policy
json_run_tag=$(jq -rn --arg v "${run_tag}" '$v | tojson | .[1:-1]')
json_requestor_id=$(jq -rn --arg v "${requestor_id}" '$v | tojson | .[1:-1]')
json_package_id=$(jq -rn --arg v "${package_id}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/identityGovernance/entitlementManagement/assignmentPolicies" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"displayName\": \"Requestor policy ${json_run_tag}\",
  \"description\": \"The requestor may ask for the package, or an administrator assigns it; no approval\",
  \"allowedTargetScope\": \"specificDirectoryUsers\",
  \"specificAllowedTargets\": [
    {
      \"@odata.type\": \"#microsoft.graph.singleUser\",
      \"userId\": \"${json_requestor_id}\",
      \"description\": \"Requestor1 ${json_run_tag}\"
    }
  ],
  \"expiration\": {
    \"type\": \"afterDuration\",
    \"duration\": \"P30D\"
  },
  \"requestorSettings\": {
    \"enableTargetsToSelfAddAccess\": true,
    \"enableTargetsToSelfUpdateAccess\": false,
    \"enableTargetsToSelfRemoveAccess\": true,
    \"allowCustomAssignmentSchedule\": false
  },
  \"requestApprovalSettings\": {
    \"isApprovalRequiredForAdd\": false,
    \"isApprovalRequiredForUpdate\": false,
    \"stages\": []
  },
  \"accessPackage\": {
    \"id\": \"${json_package_id}\"
  }
}")
policy_id=$(jq -r '[.id][0] // empty' <<<"$response")

# Read the policy back
response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/assignmentPolicies/${policy_id}" \
  -H "Authorization: Bearer ${TOKEN}")
jq -e --arg policy_id "$policy_id" '([.id][0]) == ($policy_id)' >/dev/null <<<"$response" || { echo "get-policy: expected jsonpath .id == {{policy_id}}" >&2; exit 1; }

# The requestor looks for packages they may request
if [ -z "$TOKEN_REQUESTOR" ]; then
  echo "The next requests run as the requestor, ${requestor_upn}: sign in as that account and give its access token." >&2
  if [ -t 0 ]; then read -rsp "Access token of the requestor: " TOKEN_REQUESTOR; echo >&2; fi
  [ -n "$TOKEN_REQUESTOR" ] || { echo "set TOKEN_REQUESTOR to an access token of the requestor" >&2; exit 1; }
fi
for attempt in $(seq 1 60); do
  response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/accessPackages/filterByCurrentUser(on='allowedRequestor')" \
    -H "Authorization: Bearer ${TOKEN_REQUESTOR}")
  if jq -e --arg package_id "$package_id" '([.value[] | select(.id == $package_id)][0]) != null' >/dev/null <<<"$response"; then break; fi
  sleep 1
done
jq -e --arg package_id "$package_id" '([.value[] | select(.id == $package_id) | .id][0]) == ($package_id)' >/dev/null <<<"$response" || { echo "requestable: expected jsonpath .value[?@.id == '{{package_id}}'].id == {{package_id}}" >&2; exit 1; }

# The requestor asks for the package
json_requestor_id=$(jq -rn --arg v "${requestor_id}" '$v | tojson | .[1:-1]')
json_policy_id=$(jq -rn --arg v "${policy_id}" '$v | tojson | .[1:-1]')
json_package_id=$(jq -rn --arg v "${package_id}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/identityGovernance/entitlementManagement/assignmentRequests" \
  -H "Authorization: Bearer ${TOKEN_REQUESTOR}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"requestType\": \"userAdd\",
  \"assignment\": {
    \"targetId\": \"${json_requestor_id}\",
    \"assignmentPolicyId\": \"${json_policy_id}\",
    \"accessPackageId\": \"${json_package_id}\"
  }
}")
jq -e '([.state][0]) as $x | ["submitted", "accepted", "delivering", "delivered"] | index([$x]) != null' >/dev/null <<<"$response" || { echo "self-request: expected jsonpath .state in [submitted,accepted,delivering,delivered]" >&2; exit 1; }
request_id=$(jq -r '[.id][0] // empty' <<<"$response")

# The requestor follows the request
for attempt in $(seq 1 150); do
  response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/assignmentRequests/filterByCurrentUser(on='target')" \
    -H "Authorization: Bearer ${TOKEN_REQUESTOR}")
  if jq -e --arg request_id "$request_id" '([.value[] | select(.id == $request_id) | .state][0]) as $x | ["deliveryFailed", "denied", "canceled", "partiallyDelivered"] | index([$x]) != null' >/dev/null <<<"$response"; then echo "self-request-status: terminal state" >&2; exit 1; fi
  if jq -e --arg request_id "$request_id" '([.value[] | select(.id == $request_id) | .state][0]) == ("delivered")' >/dev/null <<<"$response"; then break; fi
  sleep 2
done
jq -e --arg request_id "$request_id" '([.value[] | select(.id == $request_id) | .state][0]) == ("delivered")' >/dev/null <<<"$response" || { echo "self-request-status: expected jsonpath .value[?@.id == '{{request_id}}'].state == delivered" >&2; exit 1; }

# Check the group's members
for attempt in $(seq 1 60); do
  response=$(graph -X GET "${base}/groups/${group_id}/members" \
    -H "Authorization: Bearer ${TOKEN}")
  if jq -e --arg requestor_id "$requestor_id" '([.value[] | select(.id == $requestor_id)][0]) != null' >/dev/null <<<"$response"; then break; fi
  sleep 1
done
jq -e --arg requestor_id "$requestor_id" '([.value[] | select(.id == $requestor_id) | .id][0]) == ($requestor_id)' >/dev/null <<<"$response" || { echo "members: expected jsonpath .value[?@.id == '{{requestor_id}}'].id == {{requestor_id}}" >&2; exit 1; }

# The requestor sees their assignment
for attempt in $(seq 1 60); do
  response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/assignments/filterByCurrentUser(on='target')?\$expand=accessPackage" \
    -H "Authorization: Bearer ${TOKEN_REQUESTOR}")
  if jq -e --arg package_id "$package_id" '([.value[] | select(.accessPackage.id == $package_id) | .state][0]) == ("delivered")' >/dev/null <<<"$response"; then break; fi
  sleep 1
done
jq -e --arg package_id "$package_id" '([.value[] | select(.accessPackage.id == $package_id) | .state][0]) == ("delivered")' >/dev/null <<<"$response" || { echo "my-assignment: expected jsonpath .value[?@.accessPackage.id == '{{package_id}}'].state == delivered" >&2; exit 1; }

# Find the requestor's assignment
for attempt in $(seq 1 60); do
  response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/assignments?\$filter=assignmentPolicy/id%20eq%20'${policy_id}'&\$expand=target" \
    -H "Authorization: Bearer ${TOKEN}")
  if jq -e --arg requestor_id "$requestor_id" '([.value[] | select(.target.objectId == $requestor_id) | .id][0]) != null' >/dev/null <<<"$response"; then break; fi
  sleep 1
done
assignment_id=$(jq -r --arg requestor_id "$requestor_id" '[.value[] | select(.target.objectId == $requestor_id) | .id][0] // empty' <<<"$response")

if [ "$cleanup" = no ]; then
  echo "Left in the tenant (--no-cleanup): everything this script created." >&2
  exit 0
fi

# Clean up, newest first. Run this part again if it stops half way.
set +e
# Clean up: Find the requestor's assignment
json_assignment_id=$(jq -rn --arg v "${assignment_id}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/identityGovernance/entitlementManagement/assignmentRequests" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"requestType\": \"adminRemove\",
  \"assignment\": {
    \"id\": \"${json_assignment_id}\"
  }
}")
cleanup_removal_id=$(jq -r '[.id][0] // empty' <<<"$response")
for attempt in $(seq 1 150); do
  response=$(graph -X GET "${base}/identityGovernance/entitlementManagement/assignmentRequests/${cleanup_removal_id}" \
    -H "Authorization: Bearer ${TOKEN}")
  if jq -e '([.state][0]) == ("delivered")' >/dev/null <<<"$response"; then break; fi
  sleep 2
done
# Clean up: Create the assignment policy
response=$(graph -X DELETE "${base}/identityGovernance/entitlementManagement/assignmentPolicies/${policy_id}" \
  -H "Authorization: Bearer ${TOKEN}")
# Clean up: Put the Member role in the package
response=$(graph -X DELETE "${base}/identityGovernance/entitlementManagement/accessPackages/${package_id}/resourceRoleScopes/${role_scope_id}" \
  -H "Authorization: Bearer ${TOKEN}")
# Clean up: Create the access package
response=$(graph -X DELETE "${base}/identityGovernance/entitlementManagement/accessPackages/${package_id}" \
  -H "Authorization: Bearer ${TOKEN}")
# Clean up: Read the group's catalog resource
json_resource_id=$(jq -rn --arg v "${resource_id}" '$v | tojson | .[1:-1]')
json_group_id=$(jq -rn --arg v "${group_id}" '$v | tojson | .[1:-1]')
json_catalog_id=$(jq -rn --arg v "${catalog_id}" '$v | tojson | .[1:-1]')
response=$(graph -X POST "${base}/identityGovernance/entitlementManagement/resourceRequests" \
  -H "Authorization: Bearer ${TOKEN}" \
  -H "Content-Type: application/json" \
  --data-binary "{
  \"requestType\": \"adminRemove\",
  \"resource\": {
    \"id\": \"${json_resource_id}\",
    \"originId\": \"${json_group_id}\",
    \"originSystem\": \"AadGroup\"
  },
  \"catalog\": {
    \"id\": \"${json_catalog_id}\"
  }
}")
# Clean up: Create the resource group
response=$(graph -X DELETE "${base}/groups/${group_id}" \
  -H "Authorization: Bearer ${TOKEN}")
# Clean up: Give the administrator the role
response=$(graph -X DELETE "${base}/roleManagement/directory/roleAssignments/${role_assignment_id}" \
  -H "Authorization: Bearer ${TOKEN}")
# Clean up: Create the requestor account
response=$(graph -X DELETE "${base}/users/${requestor_id}" \
  -H "Authorization: Bearer ${TOKEN}")
# Clean up: Create the test administrator
response=$(graph -X DELETE "${base}/users/${admin_id}" \
  -H "Authorization: Bearer ${TOKEN}")
