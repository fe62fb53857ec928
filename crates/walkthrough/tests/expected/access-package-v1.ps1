# Build an access package with entitlement management (v1.0 API)
# Exported from graphwalk. Needs the Microsoft Graph PowerShell SDK.
$ErrorActionPreference = 'Stop'
# Sign in interactively; no token is stored in this script.
Connect-MgGraph -Scopes 'User.Read', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'EntitlementManagement.Read.All', 'EntitlementManagement.ReadWrite.All', 'EntitlementMgmt-SubjectAccess.ReadWrite'
$run_password = $env:RUN_PASSWORD
if (-not $run_password) { throw 'Set RUN_PASSWORD to a strong password for the test accounts' }
$base = 'https://graph.microsoft.com/v1.0'
$run_tag = 'demo01'
$input_admin_role = '45d8d3c5-c802-45c6-b32a-1d70b5e1e86e'
$input_path = 'requestor'

# Look up the tenant's domain
$response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/organization?$select=id,verifiedDomains') -OutputType PSObject
$domain = @(@(@($response.value)[0].verifiedDomains | Where-Object { $_.isDefault -eq $true }).name)[0]

# Create the test administrator
$json_run_tag = (ConvertTo-Json -InputObject ([string]$run_tag) -Compress) -replace '^"|"$', ''
$json_domain = (ConvertTo-Json -InputObject ([string]$domain) -Compress) -replace '^"|"$', ''
$json_run_password = (ConvertTo-Json -InputObject ([string]$run_password) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/users') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "accountEnabled": true,
  "displayName": "Admin1 ' + $json_run_tag + '",
  "mailNickname": "admin1-' + $json_run_tag + '",
  "userPrincipalName": "admin1-' + $json_run_tag + '@' + $json_domain + '",
  "passwordProfile": {
    "password": "' + $json_run_password + '",
    "forceChangePasswordNextSignIn": true
  }
}')
if (-not (@($response.userPrincipalName)[0] -eq ('admin1-' + $run_tag + '@' + $domain))) { throw 'admin: expected jsonpath "$.userPrincipalName" == "admin1-{{run.tag}}@{{domain}}"' }
$admin_id = @($response.id)[0]

# Create the requestor account
$json_run_tag = (ConvertTo-Json -InputObject ([string]$run_tag) -Compress) -replace '^"|"$', ''
$json_domain = (ConvertTo-Json -InputObject ([string]$domain) -Compress) -replace '^"|"$', ''
$json_run_password = (ConvertTo-Json -InputObject ([string]$run_password) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/users') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "accountEnabled": true,
  "displayName": "Requestor1 ' + $json_run_tag + '",
  "mailNickname": "requestor1-' + $json_run_tag + '",
  "userPrincipalName": "requestor1-' + $json_run_tag + '@' + $json_domain + '",
  "passwordProfile": {
    "password": "' + $json_run_password + '",
    "forceChangePasswordNextSignIn": true
  }
}')
$requestor_id = @($response.id)[0]
$requestor_upn = @($response.userPrincipalName)[0]

# Find the administrator role by its template id
$response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/roleManagement/directory/roleDefinitions?$filter=templateId eq ''' + $input_admin_role + '''') -OutputType PSObject
if (-not (@(@($response.value)[0].templateId)[0] -eq ($input_admin_role))) { throw 'role: expected jsonpath "$.value[0].templateId" == "{{input.admin_role}}"' }
$role_id = @(@($response.value)[0].id)[0]

# Give the administrator the role
$json_role_id = (ConvertTo-Json -InputObject ([string]$role_id) -Compress) -replace '^"|"$', ''
$json_admin_id = (ConvertTo-Json -InputObject ([string]$admin_id) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/roleManagement/directory/roleAssignments') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "@odata.type": "#microsoft.graph.unifiedRoleAssignment",
  "roleDefinitionId": "' + $json_role_id + '",
  "principalId": "' + $json_admin_id + '",
  "directoryScopeId": "/"
}')
if (-not (@($response.principalId)[0] -eq ($admin_id))) { throw 'role-assignment: expected jsonpath "$.principalId" == "{{admin_id}}"' }
$role_assignment_id = @($response.id)[0]

# Create the resource group
$json_run_tag = (ConvertTo-Json -InputObject ([string]$run_tag) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/groups') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "displayName": "Marketing resources ' + $json_run_tag + '",
  "description": "Group handed out by the marketing access package",
  "mailEnabled": false,
  "mailNickname": "marketing-' + $json_run_tag + '",
  "securityEnabled": true
}')
$group_id = @($response.id)[0]

# Find the General catalog
$response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/catalogs?$filter=(displayName eq ''General'')') -OutputType PSObject
$catalog_id = @(@($response.value)[0].id)[0]

# Add the group to the catalog
$json_group_id = (ConvertTo-Json -InputObject ([string]$group_id) -Compress) -replace '^"|"$', ''
$json_catalog_id = (ConvertTo-Json -InputObject ([string]$catalog_id) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/identityGovernance/entitlementManagement/resourceRequests') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "requestType": "adminAdd",
  "resource": {
    "originId": "' + $json_group_id + '",
    "originSystem": "AadGroup"
  },
  "catalog": {
    "id": "' + $json_catalog_id + '"
  }
}')
if (-not (@($response.state)[0] -eq ('delivered'))) { throw 'add-resource: expected jsonpath "$.state" == "delivered"' }

# Read the group's catalog resource
for ($attempt = 1; $attempt -le 60; $attempt++) {
    $response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/catalogs/' + $catalog_id + '/resources?$filter=originId eq ''' + $group_id + '''') -OutputType PSObject
    if (($null -ne @(@($response.value | Where-Object { $_.originId -eq ($group_id) }).id)[0])) { break }
    Start-Sleep -Milliseconds 1000
}
$resource_id = @(@($response.value | Where-Object { $_.originId -eq ($group_id) }).id)[0]

# Find the group's Member role
for ($attempt = 1; $attempt -le 60; $attempt++) {
    $response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/catalogs/' + $catalog_id + '/resourceRoles?$filter=(originSystem eq ''AadGroup'' and resource/id eq ''' + $resource_id + ''' and displayName eq ''Member'')&$expand=resource') -OutputType PSObject
    if (($null -ne @(@($response.value)[0].originId)[0])) { break }
    Start-Sleep -Milliseconds 1000
}
$member_role_origin_id = @(@($response.value)[0].originId)[0]

# Create the access package
$json_run_tag = (ConvertTo-Json -InputObject ([string]$run_tag) -Compress) -replace '^"|"$', ''
$json_catalog_id = (ConvertTo-Json -InputObject ([string]$catalog_id) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/identityGovernance/entitlementManagement/accessPackages') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "displayName": "Marketing Campaign ' + $json_run_tag + '",
  "description": "Membership of the marketing resources group",
  "isHidden": false,
  "catalog": {
    "id": "' + $json_catalog_id + '"
  }
}')
$package_id = @($response.id)[0]

# Put the Member role in the package
$json_member_role_origin_id = (ConvertTo-Json -InputObject ([string]$member_role_origin_id) -Compress) -replace '^"|"$', ''
$json_resource_id = (ConvertTo-Json -InputObject ([string]$resource_id) -Compress) -replace '^"|"$', ''
$json_group_id = (ConvertTo-Json -InputObject ([string]$group_id) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/identityGovernance/entitlementManagement/accessPackages/' + $package_id + '/resourceRoleScopes') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "role": {
    "originId": "' + $json_member_role_origin_id + '",
    "displayName": "Member",
    "originSystem": "AadGroup",
    "resource": {
      "id": "' + $json_resource_id + '",
      "originId": "' + $json_group_id + '",
      "originSystem": "AadGroup"
    }
  },
  "scope": {
    "originId": "' + $json_group_id + '",
    "originSystem": "AadGroup",
    "isRootScope": true
  }
}')
$role_scope_id = @($response.id)[0]

# Create the assignment policy
$json_run_tag = (ConvertTo-Json -InputObject ([string]$run_tag) -Compress) -replace '^"|"$', ''
$json_requestor_id = (ConvertTo-Json -InputObject ([string]$requestor_id) -Compress) -replace '^"|"$', ''
$json_package_id = (ConvertTo-Json -InputObject ([string]$package_id) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/identityGovernance/entitlementManagement/assignmentPolicies') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "displayName": "Requestor policy ' + $json_run_tag + '",
  "description": "The requestor may ask for the package, or an administrator assigns it; no approval",
  "allowedTargetScope": "specificDirectoryUsers",
  "specificAllowedTargets": [
    {
      "@odata.type": "#microsoft.graph.singleUser",
      "userId": "' + $json_requestor_id + '",
      "description": "Requestor1 ' + $json_run_tag + '"
    }
  ],
  "expiration": {
    "type": "afterDuration",
    "duration": "P30D"
  },
  "requestorSettings": {
    "enableTargetsToSelfAddAccess": true,
    "enableTargetsToSelfUpdateAccess": false,
    "enableTargetsToSelfRemoveAccess": true,
    "allowCustomAssignmentSchedule": false
  },
  "requestApprovalSettings": {
    "isApprovalRequiredForAdd": false,
    "isApprovalRequiredForUpdate": false,
    "stages": []
  },
  "accessPackage": {
    "id": "' + $json_package_id + '"
  }
}')
$policy_id = @($response.id)[0]

# Read the policy back
$response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/assignmentPolicies/' + $policy_id) -OutputType PSObject
if (-not (@($response.id)[0] -eq ($policy_id))) { throw 'get-policy: expected jsonpath "$.id" == "{{policy_id}}"' }

# The requestor looks for packages they may request
Disconnect-MgGraph | Out-Null
Write-Host ("Sign in as the requestor: " + ($requestor_upn))
Connect-MgGraph -Scopes 'EntitlementMgmt-SubjectAccess.ReadWrite'
for ($attempt = 1; $attempt -le 60; $attempt++) {
    $response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/accessPackages/filterByCurrentUser(on=''allowedRequestor'')') -OutputType PSObject
    if (($null -ne @(@($response.value | Where-Object { $_.id -eq ($package_id) }))[0])) { break }
    Start-Sleep -Milliseconds 1000
}
if (-not (@(@($response.value | Where-Object { $_.id -eq ($package_id) }).id)[0] -eq ($package_id))) { throw 'requestable: expected jsonpath "$.value[?@.id == ''{{package_id}}''].id" == "{{package_id}}"' }

# The requestor asks for the package
$json_requestor_id = (ConvertTo-Json -InputObject ([string]$requestor_id) -Compress) -replace '^"|"$', ''
$json_policy_id = (ConvertTo-Json -InputObject ([string]$policy_id) -Compress) -replace '^"|"$', ''
$json_package_id = (ConvertTo-Json -InputObject ([string]$package_id) -Compress) -replace '^"|"$', ''
$response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/identityGovernance/entitlementManagement/assignmentRequests') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "requestType": "userAdd",
  "assignment": {
    "targetId": "' + $json_requestor_id + '",
    "assignmentPolicyId": "' + $json_policy_id + '",
    "accessPackageId": "' + $json_package_id + '"
  }
}')
if (-not (@(('submitted'), ('accepted'), ('delivering'), ('delivered')) -contains @($response.state)[0])) { throw 'self-request: expected jsonpath "$.state" in ["submitted","accepted","delivering","delivered"]' }
$request_id = @($response.id)[0]

# The requestor follows the request
for ($attempt = 1; $attempt -le 150; $attempt++) {
    $response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/assignmentRequests/filterByCurrentUser(on=''target'')') -OutputType PSObject
    if (@(('deliveryFailed'), ('denied'), ('canceled'), ('partiallyDelivered')) -contains @(@($response.value | Where-Object { $_.id -eq ($request_id) }).state)[0]) { throw 'self-request-status: terminal state' }
    if ((@(@($response.value | Where-Object { $_.id -eq ($request_id) }).state)[0] -eq ('delivered'))) { break }
    Start-Sleep -Milliseconds 2000
}
if (-not (@(@($response.value | Where-Object { $_.id -eq ($request_id) }).state)[0] -eq ('delivered'))) { throw 'self-request-status: expected jsonpath "$.value[?@.id == ''{{request_id}}''].state" == "delivered"' }

# Check the group's members
Disconnect-MgGraph | Out-Null
Write-Host 'Sign in again as the administrator'
Connect-MgGraph -Scopes 'User.Read', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'EntitlementManagement.Read.All', 'EntitlementManagement.ReadWrite.All', 'EntitlementMgmt-SubjectAccess.ReadWrite'
for ($attempt = 1; $attempt -le 60; $attempt++) {
    $response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/groups/' + $group_id + '/members') -OutputType PSObject
    if (($null -ne @(@($response.value | Where-Object { $_.id -eq ($requestor_id) }))[0])) { break }
    Start-Sleep -Milliseconds 1000
}
if (-not (@(@($response.value | Where-Object { $_.id -eq ($requestor_id) }).id)[0] -eq ($requestor_id))) { throw 'members: expected jsonpath "$.value[?@.id == ''{{requestor_id}}''].id" == "{{requestor_id}}"' }

# The requestor sees their assignment
Disconnect-MgGraph | Out-Null
Write-Host ("Sign in as the requestor: " + ($requestor_upn))
Connect-MgGraph -Scopes 'EntitlementMgmt-SubjectAccess.ReadWrite'
for ($attempt = 1; $attempt -le 60; $attempt++) {
    $response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/assignments/filterByCurrentUser(on=''target'')?$expand=accessPackage') -OutputType PSObject
    if ((@(@($response.value | Where-Object { $_.accessPackage.id -eq ($package_id) }).state)[0] -eq ('delivered'))) { break }
    Start-Sleep -Milliseconds 1000
}
if (-not (@(@($response.value | Where-Object { $_.accessPackage.id -eq ($package_id) }).state)[0] -eq ('delivered'))) { throw 'my-assignment: expected jsonpath "$.value[?@.accessPackage.id == ''{{package_id}}''].state" == "delivered"' }

# Find the requestor's assignment
Disconnect-MgGraph | Out-Null
Write-Host 'Sign in again as the administrator'
Connect-MgGraph -Scopes 'User.Read', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.Read.All', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'EntitlementManagement.Read.All', 'EntitlementManagement.ReadWrite.All', 'EntitlementMgmt-SubjectAccess.ReadWrite'
for ($attempt = 1; $attempt -le 60; $attempt++) {
    $response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/assignments?$filter=assignmentPolicy/id eq ''' + $policy_id + '''&$expand=target') -OutputType PSObject
    if (($null -ne @(@($response.value | Where-Object { $_.target.objectId -eq ($requestor_id) }).id)[0])) { break }
    Start-Sleep -Milliseconds 1000
}
$assignment_id = @(@($response.value | Where-Object { $_.target.objectId -eq ($requestor_id) }).id)[0]

# Clean up: Find the requestor's assignment
try {
    $json_assignment_id = (ConvertTo-Json -InputObject ([string]$assignment_id) -Compress) -replace '^"|"$', ''
    $response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/identityGovernance/entitlementManagement/assignmentRequests') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "requestType": "adminRemove",
  "assignment": {
    "id": "' + $json_assignment_id + '"
  }
}')
    $cleanup_removal_id = @($response.id)[0]
    for ($attempt = 1; $attempt -le 150; $attempt++) {
        $response = Invoke-MgGraphRequest -Method GET -Uri ($base + '/identityGovernance/entitlementManagement/assignmentRequests/' + $cleanup_removal_id) -OutputType PSObject
        if ((@($response.state)[0] -eq ('delivered'))) { break }
        Start-Sleep -Milliseconds 2000
    }
} catch { Write-Warning $_ }

# Clean up: Create the assignment policy
try {
    $response = Invoke-MgGraphRequest -Method DELETE -Uri ($base + '/identityGovernance/entitlementManagement/assignmentPolicies/' + $policy_id) -OutputType PSObject
} catch { Write-Warning $_ }

# Clean up: Put the Member role in the package
try {
    $response = Invoke-MgGraphRequest -Method DELETE -Uri ($base + '/identityGovernance/entitlementManagement/accessPackages/' + $package_id + '/resourceRoleScopes/' + $role_scope_id) -OutputType PSObject
} catch { Write-Warning $_ }

# Clean up: Create the access package
try {
    $response = Invoke-MgGraphRequest -Method DELETE -Uri ($base + '/identityGovernance/entitlementManagement/accessPackages/' + $package_id) -OutputType PSObject
} catch { Write-Warning $_ }

# Clean up: Read the group's catalog resource
try {
    $json_resource_id = (ConvertTo-Json -InputObject ([string]$resource_id) -Compress) -replace '^"|"$', ''
    $json_group_id = (ConvertTo-Json -InputObject ([string]$group_id) -Compress) -replace '^"|"$', ''
    $json_catalog_id = (ConvertTo-Json -InputObject ([string]$catalog_id) -Compress) -replace '^"|"$', ''
    $response = Invoke-MgGraphRequest -Method POST -Uri ($base + '/identityGovernance/entitlementManagement/resourceRequests') -OutputType PSObject -ContentType ('application/json') -Body ('{
  "requestType": "adminRemove",
  "resource": {
    "id": "' + $json_resource_id + '",
    "originId": "' + $json_group_id + '",
    "originSystem": "AadGroup"
  },
  "catalog": {
    "id": "' + $json_catalog_id + '"
  }
}')
} catch { Write-Warning $_ }

# Clean up: Create the resource group
try {
    $response = Invoke-MgGraphRequest -Method DELETE -Uri ($base + '/groups/' + $group_id) -OutputType PSObject
} catch { Write-Warning $_ }

# Clean up: Give the administrator the role
try {
    $response = Invoke-MgGraphRequest -Method DELETE -Uri ($base + '/roleManagement/directory/roleAssignments/' + $role_assignment_id) -OutputType PSObject
} catch { Write-Warning $_ }

# Clean up: Create the requestor account
try {
    $response = Invoke-MgGraphRequest -Method DELETE -Uri ($base + '/users/' + $requestor_id) -OutputType PSObject
} catch { Write-Warning $_ }

# Clean up: Create the test administrator
try {
    $response = Invoke-MgGraphRequest -Method DELETE -Uri ($base + '/users/' + $admin_id) -OutputType PSObject
} catch { Write-Warning $_ }
