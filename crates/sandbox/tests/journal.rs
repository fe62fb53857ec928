//! The tenant a page keeps as its journal: a reload rebuilds the same tenant, the journal starts again once
//! a run has been cleaned up (so it does not grow run after run), and no token is ever written into it.

use sandbox::journal::{Answer, Exchange, JournaledTenant};
use sandbox::Faults;
use serde_json::Value;

const T0: u64 = 1_700_000_000_000;

fn exchange(method: &str, uri: &str, body: &str) -> Exchange {
    Exchange {
        method: method.into(),
        uri: uri.into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.into(),
        as_upn: None,
    }
}

fn create_user(tenant: &mut JournaledTenant, nickname: &str, at_ms: u64) -> String {
    let domain = tenant.tenant().default_domain().to_string();
    let body = format!(
        r#"{{"accountEnabled":true,"displayName":"{nickname}","mailNickname":"{nickname}",
            "userPrincipalName":"{nickname}@{domain}","passwordProfile":{{"password":"Xy7!long-enough-pass"}}}}"#
    );
    let created = tenant.handle(
        exchange("POST", "https://graph.microsoft.com/v1.0/users", &body),
        at_ms,
    );
    assert_eq!(created.status, 201, "{}", created.body);
    id_of(&created)
}

fn delete_user(tenant: &mut JournaledTenant, id: &str, at_ms: u64) {
    let uri = format!("https://graph.microsoft.com/v1.0/users/{id}");
    let deleted = tenant.handle(exchange("DELETE", &uri, ""), at_ms);
    assert_eq!(deleted.status, 204, "{}", deleted.body);
}

fn get_user(tenant: &mut JournaledTenant, id: &str, at_ms: u64) -> Answer {
    let uri = format!("https://graph.microsoft.com/v1.0/users/{id}");
    tenant.handle(exchange("GET", &uri, ""), at_ms)
}

fn id_of(answer: &Answer) -> String {
    serde_json::from_str::<Value>(&answer.body).expect("json")["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

#[test]
fn a_saved_journal_rebuilds_the_same_tenant() {
    let mut tenant = JournaledTenant::open(None, 3, 0);
    let id = create_user(&mut tenant, "kept", T0);
    let saved = tenant.journal().expect("a journal to save");

    let mut reloaded = JournaledTenant::open(Some(&saved), 99, 0);
    assert_eq!(get_user(&mut reloaded, &id, T0 + 10).status, 200);
    // Both make the same next id: the reloaded tenant kept the saved seed, not the one passed now.
    assert_eq!(
        create_user(&mut tenant, "next", T0 + 20),
        create_user(&mut reloaded, "next", T0 + 20)
    );
}

#[test]
fn a_journal_that_cannot_be_read_gives_a_fresh_tenant() {
    let mut tenant = JournaledTenant::open(Some("{not json"), 5, 0);
    assert_eq!(tenant.journal_len(), 0);
    let mut fresh = JournaledTenant::open(None, 5, 0);
    assert_eq!(
        create_user(&mut tenant, "a", T0),
        create_user(&mut fresh, "a", T0)
    );
}

#[test]
fn the_journal_starts_again_when_the_tenant_is_back_to_its_seed() {
    let mut tenant = JournaledTenant::open(None, 7, 0);
    let id = create_user(&mut tenant, "journal-test", T0);
    assert_eq!(
        tenant.journal_len(),
        1,
        "a user beyond the seed keeps its history"
    );
    delete_user(&mut tenant, &id, T0 + 10);
    assert_eq!(
        tenant.journal_len(),
        0,
        "nothing beyond the seed: the journal starts again"
    );
}

#[test]
fn what_is_created_after_the_journal_starts_again_is_there_after_a_reload() {
    // A run that creates and removes, then another run without a save in between.
    let mut tenant = JournaledTenant::open(None, 11, 0);
    let first = create_user(&mut tenant, "first-run", T0);
    delete_user(&mut tenant, &first, T0 + 10);
    let second = create_user(&mut tenant, "second-run", T0 + 20);

    let saved = tenant.journal().expect("a journal");
    let mut reloaded = JournaledTenant::open(Some(&saved), 0, 0);
    let found = get_user(&mut reloaded, &second, T0 + 30);
    assert_eq!(found.status, 200, "{}", found.body);
}

#[test]
fn fault_settings_survive_the_journal_starting_again_and_a_reload() {
    let mut tenant = JournaledTenant::open(None, 13, 0);
    let faults = Faults {
        replication_lag_ms: 1,
        ..Faults::default()
    };
    tenant.set_faults(faults.clone());
    let id = create_user(&mut tenant, "lagging", T0);
    delete_user(&mut tenant, &id, T0 + 10);
    assert_eq!(tenant.journal_len(), 1, "only the fault settings are left");

    let reloaded = JournaledTenant::open(tenant.journal().as_deref(), 0, 0);
    assert_eq!(reloaded.faults(), &faults);
}

#[test]
fn a_reset_is_replayed() {
    let mut tenant = JournaledTenant::open(None, 17, 0);
    let id = create_user(&mut tenant, "gone", T0);
    tenant.reset();
    let mut reloaded = JournaledTenant::open(tenant.journal().as_deref(), 0, 0);
    assert_eq!(get_user(&mut reloaded, &id, T0 + 10).status, 404);
}

#[test]
fn no_token_is_written_into_the_journal() {
    let mut tenant = JournaledTenant::open(None, 19, 0);
    let mut with_token = exchange("GET", "https://graph.microsoft.com/v1.0/me", "");
    with_token
        .headers
        .push(("authorization".into(), "Bearer secret-token-value".into()));
    let request = with_token.to_request().expect("valid HTTP");
    let answer = tenant.handle(Exchange::of(&request), T0);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let journal = tenant.journal().expect("a journal");
    assert!(!journal.contains("secret-token-value"), "{journal}");
    assert!(
        !journal.to_ascii_lowercase().contains("bearer"),
        "{journal}"
    );
}

#[test]
fn a_request_that_is_not_http_is_answered_400_and_not_recorded() {
    let mut tenant = JournaledTenant::open(None, 23, 0);
    let answer = tenant.handle(exchange("GET", "not a uri at all", ""), T0);
    assert_eq!(answer.status, 400);
    assert!(
        answer.body.contains("not a valid HTTP request"),
        "{}",
        answer.body
    );
    assert_eq!(tenant.journal_len(), 0);
}

#[test]
fn counts_name_every_kind_of_object() {
    let mut tenant = JournaledTenant::open(None, 29, 0);
    let before = tenant.counts();
    create_user(&mut tenant, "counted", T0);
    let after = tenant.counts();
    let users = |counts: &[(String, usize)]| {
        counts
            .iter()
            .find(|(name, _)| name == "users")
            .map(|(_, n)| *n)
    };
    assert_eq!(users(&after), users(&before).map(|n| n + 1));
    assert_eq!(after.len(), 8);
}

#[test]
fn an_answer_goes_back_to_the_same_http_response() {
    let mut tenant = JournaledTenant::open(None, 31, 0);
    let answer = tenant.handle(
        exchange("GET", "https://graph.microsoft.com/v1.0/organization", ""),
        T0,
    );
    let response = answer.clone().into_response().expect("valid HTTP");
    assert_eq!(response.status().as_u16(), answer.status);
    assert_eq!(Answer::of(&response), answer);
    assert!(response.headers().contains_key("content-type"));
}

#[test]
fn the_page_signs_in_as_a_seeded_account_and_a_reload_keeps_it_and_what_it_was_refused() {
    use sandbox::Account;
    let mut tenant = JournaledTenant::open(None, 3, 0);
    assert_eq!(tenant.account(), Account::GlobalAdmin);
    // A user with no directory role may not create users: Graph's 403, and nothing is created.
    tenant.sign_in(Account::Member);
    let domain = tenant.tenant().default_domain().to_string();
    let body = format!(
        r#"{{"accountEnabled":true,"displayName":"n","mailNickname":"n",
            "userPrincipalName":"n@{domain}","passwordProfile":{{"password":"Xy7!long-enough-pass"}}}}"#
    );
    let refused = tenant.handle(
        exchange("POST", "https://graph.microsoft.com/v1.0/users", &body),
        T0,
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("Authorization_RequestDenied"),
        "{}",
        refused.body
    );
    // The least-privilege administrator may, as the Global Administrator may.
    tenant.sign_in(Account::LeastPrivilegeAdmin);
    let id = create_user(&mut tenant, "allowed", T0 + 1);

    // Replayed after a reload, each request is signed as it was: the refused one stays refused, the
    // allowed one is there, and the page is still signed in as the account it chose.
    let saved = tenant.journal().expect("a journal to save");
    assert!(!saved.contains("eyJ"), "no token in the journal");
    let mut reloaded = JournaledTenant::open(Some(&saved), 99, 0);
    assert_eq!(reloaded.account(), Account::LeastPrivilegeAdmin);
    assert_eq!(get_user(&mut reloaded, &id, T0 + 10).status, 200);
    assert_eq!(
        reloaded.tenant().snapshot().beyond_seed().len(),
        tenant.tenant().snapshot().beyond_seed().len()
    );
}

#[test]
fn the_licence_and_the_delivery_time_are_replayed_and_survive_the_journal_starting_again() {
    let mut tenant = JournaledTenant::open(None, 4, 2_000);
    let catalogs =
        "https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement/catalogs";
    assert_eq!(tenant.handle(exchange("GET", catalogs, ""), T0).status, 200);
    tenant.set_governance_licence(false);
    tenant.set_delivery_delay_ms(25_000);
    let refused = tenant.handle(exchange("GET", catalogs, ""), T0 + 1);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("NoLicense"), "{}", refused.body);

    // A reload rebuilds the tenant without its licence and with the slower delivery.
    let saved = tenant.journal().expect("a journal to save");
    let reloaded = JournaledTenant::open(Some(&saved), 4, 2_000);
    assert!(!reloaded.governance_licence());
    assert_eq!(reloaded.delivery_delay_ms(), 25_000);

    // After a run is cleaned up the journal starts again, and keeps both settings.
    let id = create_user(&mut tenant, "gone", T0 + 2);
    delete_user(&mut tenant, &id, T0 + 3);
    let saved = tenant.journal().expect("a journal to save");
    assert!(
        !saved.contains("\"Request\""),
        "the journal started again: {saved}"
    );
    let reloaded = JournaledTenant::open(Some(&saved), 4, 2_000);
    assert!(!reloaded.governance_licence());
    assert_eq!(reloaded.delivery_delay_ms(), 25_000);

    tenant.set_governance_licence(true);
    assert_eq!(
        tenant.handle(exchange("GET", catalogs, ""), T0 + 4).status,
        200
    );
}

#[test]
fn a_request_can_run_as_a_user_the_tenant_created_and_a_reload_replays_it_as_that_user() {
    let mut tenant = JournaledTenant::open(None, 6, 0);
    let id = create_user(&mut tenant, "requestor", T0);
    let upn = format!("requestor@{}", tenant.tenant().default_domain());
    let as_user = |method: &str, uri: &str, body: &str, upn: &str| Exchange {
        as_upn: Some(upn.to_string()),
        ..exchange(method, uri, body)
    };
    // The new user holds no directory role: creating a user as them is refused.
    let domain = tenant.tenant().default_domain().to_string();
    let body = format!(
        r#"{{"accountEnabled":true,"displayName":"x","mailNickname":"x",
            "userPrincipalName":"x@{domain}","passwordProfile":{{"password":"Xy7!long-enough-pass"}}}}"#
    );
    let refused = tenant.handle(
        as_user(
            "POST",
            "https://graph.microsoft.com/v1.0/users",
            &body,
            &upn,
        ),
        T0 + 1,
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    // Reading themselves works, and says who they are.
    let me = tenant.handle(
        as_user("GET", "https://graph.microsoft.com/v1.0/me", "", &upn),
        T0 + 2,
    );
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(me.body.contains(&id), "{}", me.body);
    // A name the tenant does not know is refused, never answered as the administrator.
    let stranger = tenant.handle(
        as_user(
            "GET",
            "https://graph.microsoft.com/v1.0/me",
            "",
            "nobody@example.com",
        ),
        T0 + 3,
    );
    assert_eq!(stranger.status, 401, "{}", stranger.body);

    let saved = tenant.journal().expect("a journal");
    assert!(!saved.contains("eyJ"), "no token in the journal");
    let reloaded = JournaledTenant::open(Some(&saved), 6, 0);
    assert!(reloaded
        .tenant()
        .snapshot()
        .users
        .iter()
        .all(|u| u.display_name != "x"));
    assert_eq!(
        reloaded.tenant().snapshot().beyond_seed().len(),
        tenant.tenant().snapshot().beyond_seed().len()
    );
}
