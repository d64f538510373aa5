//! Fixture tests for the editing features: `$0` marks the cursor.

use super::completion::complete;
use crate::analysis::tests::workspace;
use expect_test::{Expect, expect};
use std::path::PathBuf;

/// The fixture with `$0` removed, the cursor's file and offset.
fn cursor(fixture: &str) -> (crate::workspace::Workspace, PathBuf, usize) {
    let mut at = None;
    let mut clean = String::new();
    for chunk in fixture.split("//- ").filter(|c| !c.trim().is_empty()) {
        let (path, text) = chunk.split_once('\n').unwrap();
        if let Some(i) = text.find("$0") {
            at = Some((PathBuf::from("/ws").join(path.trim()), i));
        }
        clean.push_str("//- ");
        clean.push_str(path);
        clean.push('\n');
        clean.push_str(&text.replace("$0", ""));
    }
    let (path, offset) = at.expect("a $0 cursor");
    (workspace(&clean), path, offset)
}

fn check_completion(fixture: &str, expect: Expect) {
    expect.assert_eq(&completion_text(fixture));
}

/// The completion at the fixture's cursor, one line an item (the first 12).
fn completion_text(fixture: &str) -> String {
    let (ws, path, offset) = cursor(fixture);
    let text = ws.file(&path).unwrap().text.clone();
    let mut items = complete(&ws, &path, offset, true);
    items.sort_by(|a, b| a.sort.cmp(&b.sort));
    let rendered: Vec<String> = items
        .iter()
        .take(12)
        .map(|i| {
            format!(
                "{} [{:?}] {:?} replaces {:?}{}",
                i.label,
                i.kind,
                i.insert,
                &text[i.replace.as_usize()],
                i.detail
                    .as_ref()
                    .map(|d| format!(" — {d}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let more = items.len().saturating_sub(12);
    let mut s = rendered.join("\n");
    if more > 0 {
        s.push_str(&format!("\n… {more} more"));
    }
    s.push('\n');
    s
}

const VAULTS: &str = r###"
//- flow-vault-connections/users.json
{ "name": "Users M2M", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "x", "client_secret": "##S##", "domain": "acme.auth0.com" } }
//- flow-vault-connections/slack.json
{ "name": "Alerts", "app_id": "SLACK" }
"###;

#[test]
fn action_values_for_the_chosen_type() {
    // right after the colon, with or without an id before it, or with a prefix typed (which the
    // client filters, each item replacing it): the same actions of the type
    let empty = completion_text(
        r#"
//- flows/a.json
{"name": "A", "actions": [{"type": "AUTH0", "action": $0"#,
    );
    let after_id = completion_text(
        r#"
//- flows/a.json
{ "name": "A", "actions": [ { "id": "x", "type": "AUTH0", "action": $0"#,
    );
    let typed = completion_text(
        r#"
//- flows/a.json
{ "name": "A", "actions": [ { "id": "x", "type": "AUTH0", "action": "GE$0" } ] }
"#,
    );
    assert_eq!(after_id, empty);
    assert_eq!(
        typed.replace(r#"replaces "\"GE\"""#, r#"replaces """#),
        empty
    );
    assert!(typed.contains(r#"replaces "\"GE\"""#));
    expect![[r#"
        CREATE_USER [EnumMember] "\"CREATE_USER\"" replaces "" — Create a user with the Management API (POST /api/v2/users). Needs create:users.
        GET_USER [EnumMember] "\"GET_USER\"" replaces "" — Get a user with the Management API (GET /api/v2/users/{id}). Needs read:users.
        MAKE_CALL [EnumMember] "\"MAKE_CALL\"" replaces "" — Make a voice call through the tenant's phone provider.
        SEND_EMAIL [EnumMember] "\"SEND_EMAIL\"" replaces "" — Send an email through the tenant's email provider.
        SEND_REQUEST [EnumMember] "\"SEND_REQUEST\"" replaces "" — Call any Management API endpoint with the connection's M2M application.
        SEND_SMS [EnumMember] "\"SEND_SMS\"" replaces "" — Send a text message through the tenant's phone provider.
        UPDATE_USER [EnumMember] "\"UPDATE_USER\"" replaces "" — Update a user with the Management API (PATCH /api/v2/users/{id}). Needs update:users.
    "#]]
    .assert_eq(&empty);
}

#[test]
fn half_typed_type_value() {
    check_completion(
        r#"
//- flows/a.json
{ "name": "A", "actions": [ { "id": "x", "type": "AU$0", "action": "GET_USER" } ] }
"#,
        expect![[r#"
            ACTIVECAMPAIGN [Module] "\"ACTIVECAMPAIGN\"" replaces "\"AU\"" — ActiveCampaign · 2 actions
            AIRTABLE [Module] "\"AIRTABLE\"" replaces "\"AU\"" — Airtable · 3 actions
            AUTH0 [Module] "\"AUTH0\"" replaces "\"AU\"" — Auth0 · 7 actions
            BIGQUERY [Module] "\"BIGQUERY\"" replaces "\"AU\"" — BigQuery · 1 action
            CLEARBIT [Module] "\"CLEARBIT\"" replaces "\"AU\"" — Clearbit · 2 actions
            EMAIL [Module] "\"EMAIL\"" replaces "\"AU\"" — EMAIL · 1 action
            FLOW [Module] "\"FLOW\"" replaces "\"AU\"" — FLOW · 7 actions
            GOOGLE_SHEETS [Module] "\"GOOGLE_SHEETS\"" replaces "\"AU\"" — Google Sheets · 1 action
            HTTP [Module] "\"HTTP\"" replaces "\"AU\"" — HTTP · 1 action
            HUBSPOT [Module] "\"HUBSPOT\"" replaces "\"AU\"" — HubSpot · 3 actions
            JSON [Module] "\"JSON\"" replaces "\"AU\"" — JSON · 3 actions
            JWT [Module] "\"JWT\"" replaces "\"AU\"" — JSON Web Token · 3 actions
            … 13 more
        "#]],
    );
}

#[test]
fn connection_ids_are_filtered_by_app() {
    check_completion(
        &format!(
            r#"{VAULTS}
//- flows/a.json
{{ "name": "A", "actions": [ {{ "id": "x", "type": "AUTH0", "action": "GET_USER", "params": {{ "connection_id": "$0" }} }} ] }}
"#
        ),
        expect![[r#"
            Users M2M [Reference] "\"Users M2M\"" replaces "\"\"" — AUTH0 · acme.auth0.com
        "#]],
    );
}

#[test]
fn params_keys_required_first_with_skeletons() {
    check_completion(
        r#"
//- flows/a.json
{ "name": "A", "actions": [ { "id": "x", "type": "FLOW", "action": "DELAY_FLOW", "params": { $0 } } ] }
"#,
        expect![[r#"
            number [Property] "\"number\": ${1:0}" replaces "" — required · an integer ≥ 0 or a string of at most 250 characters
            units [Property] "\"units\": ${1:\"SECONDS\"}" replaces "" — one of "SECONDS", "MINUTES", "HOURS", "DAYS"
        "#]],
    );
}

#[test]
fn keys_in_a_nested_then_branch_and_after_emoji() {
    check_completion(
        r#"
//- flows/a.json
{ "name": "😀 A", "actions": [ { "id": "c", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": { "if": true, "then": [
  { "id": "😀", "type": "OTP", "action": "GENERATE_CODE", "params": { "reference": "r", "$0" } }
] } } ] }
"#,
        expect![[r#"
            length [Property] "\"length\": ${1:0}" replaces "\"\"" — required · an integer ≥ 1 ≤ 10
        "#]],
    );
}

#[test]
fn enum_values_of_params() {
    check_completion(
        r#"
//- flows/a.json
{ "name": "A", "actions": [ { "id": "x", "type": "HTTP", "action": "SEND_REQUEST", "params": { "url": "u", "method": "$0" } } ] }
"#,
        expect![[r#"
            DELETE [EnumMember] "\"DELETE\"" replaces "\"\""
            GET [EnumMember] "\"GET\"" replaces "\"\""
            PATCH [EnumMember] "\"PATCH\"" replaces "\"\""
            POST [EnumMember] "\"POST\"" replaces "\"\""
            PUT [EnumMember] "\"PUT\"" replaces "\"\""
        "#]],
    );
}

#[test]
fn action_snippets_in_action_lists() {
    check_completion(
        r#"
//- flows/a.json
{ "name": "A", "actions": [ { "id": "get_user", "type": "FLOW", "action": "DO_NOTHING" }, $0 ] }
"#,
        expect![[r#"
            ACTIVECAMPAIGN/LIST_CONTACTS [Snippet] "{\n  \"id\": \"${1:list_contacts}\",\n  \"type\": \"ACTIVECAMPAIGN\",\n  \"action\": \"LIST_CONTACTS\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"email\": \"$3\"\n  }\n}" replaces "" — List ActiveCampaign contacts with an email address.
            ACTIVECAMPAIGN/UPSERT_CONTACT [Snippet] "{\n  \"id\": \"${1:upsert_contact}\",\n  \"type\": \"ACTIVECAMPAIGN\",\n  \"action\": \"UPSERT_CONTACT\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"email\": \"$3\"\n  }\n}" replaces "" — Create or update an ActiveCampaign contact.
            AIRTABLE/CREATE_RECORD [Snippet] "{\n  \"id\": \"${1:create_record}\",\n  \"type\": \"AIRTABLE\",\n  \"action\": \"CREATE_RECORD\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"base_id\": \"$3\",\n    \"table_name\": \"$4\"\n  }\n}" replaces "" — Create a record in an Airtable table.
            AIRTABLE/LIST_RECORDS [Snippet] "{\n  \"id\": \"${1:list_records}\",\n  \"type\": \"AIRTABLE\",\n  \"action\": \"LIST_RECORDS\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"base_id\": \"$3\",\n    \"table_name\": \"$4\"\n  }\n}" replaces "" — List records of an Airtable table.
            AIRTABLE/UPDATE_RECORD [Snippet] "{\n  \"id\": \"${1:update_record}\",\n  \"type\": \"AIRTABLE\",\n  \"action\": \"UPDATE_RECORD\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"base_id\": \"$3\",\n    \"table_name\": \"$4\",\n    \"record_id\": \"$5\"\n  }\n}" replaces "" — Update a record in an Airtable table.
            AUTH0/CREATE_USER [Snippet] "{\n  \"id\": \"${1:create_user}\",\n  \"type\": \"AUTH0\",\n  \"action\": \"CREATE_USER\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"payload\": {$3}\n  }\n}" replaces "" — Create a user with the Management API (POST /api/v2/users).
            AUTH0/GET_USER [Snippet] "{\n  \"id\": \"${1:get_user_2}\",\n  \"type\": \"AUTH0\",\n  \"action\": \"GET_USER\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"user_id\": \"$3\"\n  }\n}" replaces "" — Get a user with the Management API (GET /api/v2/users/{id}).
            AUTH0/MAKE_CALL [Snippet] "{\n  \"id\": \"${1:make_call}\",\n  \"type\": \"AUTH0\",\n  \"action\": \"MAKE_CALL\",\n  \"params\": {\n    \"to\": \"$2\",\n    \"message\": \"$3\"\n  }\n}" replaces "" — Make a voice call through the tenant's phone provider.
            AUTH0/SEND_EMAIL [Snippet] "{\n  \"id\": \"${1:send_email}\",\n  \"type\": \"AUTH0\",\n  \"action\": \"SEND_EMAIL\",\n  \"params\": {\n    \"to\": \"$2\",\n    \"subject\": \"$3\",\n    \"body\": \"$4\"\n  }\n}" replaces "" — Send an email through the tenant's email provider.
            AUTH0/SEND_REQUEST [Snippet] "{\n  \"id\": \"${1:send_request}\",\n  \"type\": \"AUTH0\",\n  \"action\": \"SEND_REQUEST\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"pathname\": \"$3\"\n  }\n}" replaces "" — Call any Management API endpoint with the connection's M2M application.
            AUTH0/SEND_SMS [Snippet] "{\n  \"id\": \"${1:send_sms}\",\n  \"type\": \"AUTH0\",\n  \"action\": \"SEND_SMS\",\n  \"params\": {\n    \"to\": \"$2\",\n    \"message\": \"$3\"\n  }\n}" replaces "" — Send a text message through the tenant's phone provider.
            AUTH0/UPDATE_USER [Snippet] "{\n  \"id\": \"${1:update_user}\",\n  \"type\": \"AUTH0\",\n  \"action\": \"UPDATE_USER\",\n  \"params\": {\n    \"connection_id\": \"$2\",\n    \"user_id\": \"$3\",\n    \"changes\": {$4}\n  }\n}" replaces "" — Update a user with the Management API (PATCH /api/v2/users/{id}).
            … 49 more
        "#]],
    );
}

#[test]
fn expressions_offer_earlier_actions_and_outputs() {
    check_completion(
        r#"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "otp", "type": "OTP", "action": "GENERATE_CODE", "params": { "reference": "r", "length": 6 } },
  { "id": "vars", "type": "FLOW", "action": "STORE_VARS", "params": { "vars": { "plan": "pro" } } },
  { "id": "json", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{ actions.$0" } },
  { "id": "later", "type": "FLOW", "action": "DO_NOTHING" }
] }
"#,
        expect![[r#"
            otp [Variable] "otp" replaces "" — OTP/GENERATE_CODE
            vars [Variable] "vars" replaces "" — FLOW/STORE_VARS
        "#]],
    );
    check_completion(
        r#"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "otp", "type": "OTP", "action": "GENERATE_CODE", "params": { "reference": "r", "length": 6 } },
  { "id": "json", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{actions.otp.c$0}}" } }
] }
"#,
        expect![[r#"
            code [Field] "code" replaces "c" — output of OTP/GENERATE_CODE
        "#]],
    );
    check_completion(
        r#"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "json", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{ functions.to$0 }}" } }
] }
"#,
        expect![[r#"
            encodeURIComponent [Function] "encodeURIComponent($1)" replaces "to" — encodeURIComponent(value)
            includes [Function] "includes($1)" replaces "to" — includes(value, search)
            indexOf [Function] "indexOf($1)" replaces "to" — indexOf(value, search)
            length [Function] "length($1)" replaces "to" — length(value)
            mask [Function] "mask($1)" replaces "to" — mask(value)
            md5 [Function] "md5($1)" replaces "to" — md5(value)
            merge [Function] "merge($1)" replaces "to" — merge(a, b)
            now [Function] "now()" replaces "to" — now()
            random [Function] "random($1)" replaces "to" — random(min, max, float?)
            replace [Function] "replace($1)" replaces "to" — replace(value, search, replacement)
            replaceAll [Function] "replaceAll($1)" replaces "to" — replaceAll(value, search, replacement)
            sha1 [Function] "sha1($1)" replaces "to" — sha1(value)
            … 13 more
        "#]],
    );
}

#[test]
fn empty_document_and_vault_setup() {
    check_completion(
        "//- flows/new.json\n$0",
        expect![[r#"
        flow [Snippet] "{\n  \"name\": \"$1\",\n  \"actions\": [\n    $0\n  ]\n}" replaces "" — An Auth0 Forms flow
    "#]],
    );
    check_completion(
        r#"
//- flow-vault-connections/v.json
{ "name": "V", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", $0 } }
"#,
        expect![[r###"
            client_id [Property] "\"client_id\": \"$1\"" replaces "" — required
            client_secret [Property] "\"client_secret\": \"##${1:CLIENT_SECRET}##\"" replaces "" — required
            domain [Property] "\"domain\": \"$1\"" replaces "" — required
            audience [Property] "\"audience\": \"$1\"" replaces "" — optional
        "###]],
    );
}

#[test]
fn clients_without_snippets_get_plain_text() {
    let (ws, path, offset) = cursor(
        r#"
//- flows/a.json
{ "name": "A", "actions": [ { "id": "x", "type": "FLOW", "action": "DELAY_FLOW", "params": { $0 } } ] }
"#,
    );
    let items = complete(&ws, &path, offset, false);
    assert!(
        items.iter().all(|i| !i.snippet && !i.insert.contains('$')),
        "{items:?}"
    );
    assert!(items.iter().any(|i| i.insert == "\"number\": 0"));
}

const NAV: &str = r###"
//- flow-vault-connections/users.json
{ "name": "Users M2M", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "Flows M2M", "client_secret": "##S##", "domain": "acme.auth0.com" } }
//- grants/g.json
{ "client_id": "Flows M2M", "audience": "https://acme.auth0.com/api/v2/", "scope": ["read:users"] }
//- flowls.toml
[connections."Users M2M"]
client = "Flows M2M"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "u" } },
  { "id": "cond", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": { "if": "{{actions.get.email}}", "then": [
    { "id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "{{ actions.get.user_id }}", "changes": {} } }
  ] } }
] }
//- flows/b.json
{ "name": "B", "actions": [ { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "u" } } ] }
"###;

fn with_cursor(
    fixture: &str,
    file: &str,
    needle: &str,
    nth: usize,
) -> (crate::workspace::Workspace, PathBuf, usize) {
    let ws = workspace(fixture);
    let path = PathBuf::from("/ws").join(file);
    let text = ws.file(&path).unwrap().text.clone();
    let mut at = 0;
    for _ in 0..=nth {
        at = text[at..].find(needle).map(|i| at + i + 1).unwrap();
    }
    (ws, path, at)
}

fn render_locations(
    ws: &crate::workspace::Workspace,
    locs: &[super::navigation::Location],
) -> String {
    locs.iter()
        .map(|l| {
            let f = ws.file(&l.path).unwrap();
            format!("{} {:?}\n", f.rel, &f.text[l.range.as_usize()])
        })
        .collect()
}

#[test]
fn definition_and_references_of_a_connection() {
    let (ws, path, at) = with_cursor(NAV, "flows/a.json", "\"Users M2M\"", 1);
    let def = super::navigation::definition(&ws, &path, at).unwrap();
    assert_eq!(
        ws.file(&def.path).unwrap().rel,
        "flow-vault-connections/users.json"
    );
    let refs = super::navigation::references(&ws, &path, at, true);
    expect![[r#"
        flow-vault-connections/users.json "\"Users M2M\""
        flows/a.json "\"Users M2M\""
        flows/a.json "\"Users M2M\""
        flows/b.json "\"Users M2M\""
    "#]]
    .assert_eq(&render_locations(&ws, &refs));
    let without = super::navigation::references(&ws, &path, at, false);
    assert_eq!(without.len(), refs.len() - 1);
}

#[test]
fn definition_and_references_of_an_action_id() {
    let (ws, path, at) = with_cursor(NAV, "flows/a.json", "get.user_id", 0);
    let def = super::navigation::definition(&ws, &path, at).unwrap();
    let f = ws.file(&def.path).unwrap();
    assert_eq!(&f.text[def.range.as_usize()], "\"get\"");
    let refs = super::navigation::references(&ws, &path, at, true);
    expect![[r#"
        flows/a.json "\"get\""
        flows/a.json "get"
        flows/a.json "get"
    "#]]
    .assert_eq(&render_locations(&ws, &refs));
}

#[test]
fn rename_a_connection_everywhere_but_not_beyond() {
    let (ws, path, at) = with_cursor(NAV, "flow-vault-connections/users.json", "Users M2M", 0);
    let (range, name) = super::navigation::prepare_rename(&ws, &path, at).unwrap();
    assert_eq!(name, "Users M2M");
    assert_eq!(&ws.file(&path).unwrap().text[range.as_usize()], "Users M2M");
    let edits = super::navigation::rename(&ws, &path, at, "People \"M2M\"").unwrap();
    let mut out = String::new();
    for e in &edits {
        let f = ws.file(&e.path).unwrap();
        out.push_str(&format!(
            "{} {:?} -> {:?}\n",
            f.rel,
            &f.text[e.range.as_usize()],
            e.new_text
        ));
    }
    expect![[r#"
        flow-vault-connections/users.json "Users M2M" -> "People \\\"M2M\\\""
        flows/a.json "Users M2M" -> "People \\\"M2M\\\""
        flows/a.json "Users M2M" -> "People \\\"M2M\\\""
        flows/b.json "Users M2M" -> "People \\\"M2M\\\""
        flowls.toml "\"Users M2M\"" -> "\"People \\\"M2M\\\"\""
    "#]]
    .assert_eq(&out);
    assert!(super::navigation::rename(&ws, &path, at, "").is_err());
}

#[test]
fn rename_an_action_id_and_its_reads() {
    let (ws, path, at) = with_cursor(NAV, "flows/a.json", "\"get\"", 0);
    let edits = super::navigation::rename(&ws, &path, at, "load_user").unwrap();
    let f = ws.file(&path).unwrap();
    let mut text = f.text.to_string();
    let mut sorted = edits.clone();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.range.start));
    for e in &sorted {
        assert_eq!(e.path, path, "only this flow changes");
        text.replace_range(e.range.as_usize(), &e.new_text);
    }
    assert_eq!(text.matches("load_user").count(), 3);
    assert!(!text.contains("\"get\""));
    // flows/b.json has its own `get`: untouched
    assert!(super::navigation::rename(&ws, &path, at, "cond").is_err());
    assert!(super::navigation::rename(&ws, &path, at, "bad id").is_err());
}

#[test]
fn hovers() {
    let (ws, path, at) = with_cursor(NAV, "flows/a.json", "\"UPDATE_USER\"", 0);
    let (_, md) = super::hover::hover(&ws, &path, at).unwrap();
    expect![[r#"
        **AUTH0/UPDATE_USER** — Update a user with the Management API (PATCH /api/v2/users/{id}).

        Required params: `connection_id`, `user_id`, `changes`

        Connection: a vault connection with app_id AUTH0

        Needs `update:users` for AUTH0/UPDATE_USER

        ✗ not granted to `Users M2M`: read:users (from the client grant of `Flows M2M` in grants/g.json, linked in flowls.toml)"#]].assert_eq(&md);
    let (ws, path, at) = with_cursor(NAV, "flows/a.json", "\"Users M2M\"", 0);
    let (_, md) = super::hover::hover(&ws, &path, at).unwrap();
    expect![[r#"
        **Users M2M** · vault connection

        app_id: `AUTH0` · domain: `acme.auth0.com`

        In `flow-vault-connections/users.json`

        Used by 3 actions in 2 flows

        Needs: read:users, update:users

        Granted: read:users (from the client grant of `Flows M2M` in grants/g.json, linked in flowls.toml)"#]].assert_eq(&md);
    let (ws, path, at) = with_cursor(NAV, "flow-vault-connections/users.json", "Users M2M", 0);
    let (_, md) = super::hover::hover(&ws, &path, at).unwrap();
    expect![[r#"
        **Users M2M** · vault connection

        app_id: `AUTH0` · domain: `acme.auth0.com`

        In `flow-vault-connections/users.json`

        Used by 3 actions in 2 flows
        - `get` AUTH0/GET_USER in flows/a.json
        - `upd` AUTH0/UPDATE_USER in flows/a.json
        - `get` AUTH0/GET_USER in flows/b.json

        Needs: read:users, update:users

        Granted: read:users (from the client grant of `Flows M2M` in grants/g.json, linked in flowls.toml)"#]].assert_eq(&md);
    let (ws, path, at) = with_cursor(NAV, "flows/a.json", "email}}", 0);
    let (_, md) = super::hover::hover(&ws, &path, at).unwrap();
    expect!["`email`: output of the action `get`"].assert_eq(&md);
}

/// A document's symbols as an indented tree: name, kind, detail.
fn render_symbols(ws: &crate::workspace::Workspace, path: &str) -> String {
    fn walk(s: &[super::symbols::Symbol], depth: usize, out: &mut String) {
        for x in s {
            out.push_str(&format!(
                "{}{} {:?} {:?}\n",
                "  ".repeat(depth),
                x.name,
                x.kind,
                x.detail
            ));
            walk(&x.children, depth + 1, out);
        }
    }
    let mut out = String::new();
    walk(
        &super::symbols::document_symbols(ws, &PathBuf::from("/ws").join(path)),
        0,
        &mut out,
    );
    out
}

#[test]
fn document_and_workspace_symbols() {
    let ws = workspace(NAV);
    let out = render_symbols(&ws, "flows/a.json");
    expect![[r#"
        get Action Some("AUTH0/GET_USER")
        cond Action Some("FLOW/BOOLEAN_CONDITION")
          then Branch None
            upd Action Some("AUTH0/UPDATE_USER")
    "#]]
    .assert_eq(&out);
    let found = super::symbols::workspace_symbols(&ws, "get", 100);
    let names: Vec<String> = found
        .iter()
        .map(|s| format!("{} {:?} {:?}", s.name, s.kind, s.container))
        .collect();
    expect![[r#"
        get Action Some("A · AUTH0/GET_USER")
        get Action Some("B · AUTH0/GET_USER")"#]]
    .assert_eq(&names.join("\n"));
}

/// Applies a fix to a copy of the workspace.
fn apply(ws: &crate::workspace::Workspace, fix: &super::fixes::Fix) -> crate::workspace::Workspace {
    let mut files: Vec<(PathBuf, std::sync::Arc<str>)> = ws
        .files()
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect();
    for (path, text) in files.iter_mut() {
        let mut edits: Vec<_> = fix.edits.iter().filter(|e| &e.path == path).collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.range.start));
        let mut t = text.to_string();
        for e in edits {
            t.replace_range(e.range.as_usize(), &e.new_text);
        }
        *text = t.into();
    }
    if let Some((p, content)) = &fix.create {
        files.push((p.clone(), content.as_str().into()));
    }
    let mut out = crate::workspace::Workspace::new("/ws", Default::default(), Vec::new());
    out.set_files(files);
    out
}

fn findings(ws: &crate::workspace::Workspace, path: &std::path::Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = crate::analysis::diagnostics(ws, path)
        .into_iter()
        .map(|d| (d.code.to_string(), d.message))
        .collect();
    v.sort();
    v
}

const PLANTED: &str = r###"
//- flow-vault-connections/users.json
{
  "name": "Users M2M",
  "app_id": "AUTH0",
  "setup": { "type": "OAUTH_APP", "client_id": "Flows M2M", "client_secret": "s3cr3t-value", "domain": "acme.auth0.com" }
}
//- flow-vault-connections/slack.json
{ "name": "Alerts", "app_id": "SLACK" }
//- grants/g.json
{ "client_id": "Flows M2M", "audience": "https://acme.auth0.com/api/v2/", "scope": ["read:users"] }
//- flows/a.json
{
  "name": "A",
  "actions": [
    { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "u" } },
    { "id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "u", "changes": {} } },
    { "id": "mail", "type": "AUTH0", "action": "SEND_EMAIL", "params": { "connection_id": "Users M2M", "to": "a@b.c", "subject": "s", "body": "b" } },
    { "id": "bad", "type": "AUTH0", "action": "GET_USR", "params": { "connection_id": "Users M2M", "user_id": "u" } },
    { "id": "bad2", "type": "OTP", "action": "GENERATE_COD", "params": { "reference": "r" } },
    { "id": "slack", "type": "SLACK", "action": "POST_MESSAGE", "params": { "connection_id": "Users M2M" } },
    { "id": "ghost", "type": "SLACK", "action": "POST_MESSAGE", "params": { "connection_id": "Nowhere" } },
    {
      "id": "otp",
      "type": "OTP",
      "action": "GENERATE_CODE",
      "params": {
        "reference": "r"
      }
    },
    { "id": "lead", "type": "SALESFORCE", "action": "CREATE_LEAD" },
    { "id": "sum", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{functions.toUppercase(fields.a)}}", "objet": 1 } }
  ]
}
"###;

#[test]
fn every_quick_fix_removes_its_diagnostic_and_adds_none() {
    expect![[r#"
        flow-vault-connections/users.json [plaintext-secret] Replace with the keyword marker ##USERS_M2M_CLIENT_SECRET## (map USERS_M2M_CLIENT_SECRET in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or the environment)
        flows/a.json [missing-scope] Grant `update:users` in grants/g.json
        flows/a.json [connection-not-needed] Remove `connection_id`
        flows/a.json [unknown-action] Change to `GET_USER`
        flows/a.json [unknown-action] Change to `GENERATE_CODE`
        flows/a.json [connection-app-mismatch] Use the SLACK connection `Alerts`
        flows/a.json [unresolved-connection] Create the SLACK vault connection `Nowhere` in flow-vault-connections/
        flows/a.json [schema] Add the missing params of OTP/GENERATE_CODE
        flows/a.json [schema] Add the missing params of SALESFORCE/CREATE_LEAD (with a new vault connection `Salesforce`)
        flows/a.json [expression] Change to `toUpperCase`
        flows/a.json [schema] Remove `objet`
    "#]]
    .assert_eq(&checked_fixes(PLANTED));
}

#[test]
fn quick_fixes_in_a_deploy_cli_yaml_keep_it_yaml() {
    expect![[r#"
        flows/a.json [missing-scope] Grant `update:users` in tenant.yaml
        flows/a.json [unresolved-connection] Create the SLACK vault connection `Nowhere` in tenant.yaml
        tenant.yaml [plaintext-secret] Replace with the keyword marker ##USERS_M2M_CLIENT_SECRET## (map USERS_M2M_CLIENT_SECRET in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or the environment)
        tenant.yaml [vault-setup] Change to `domain`
        tenant.yaml [vault-setup] Remove `domian`
        tenant.yaml [schema] Change to `SLACK`
    "#]]
    .assert_eq(&checked_fixes(
        r###"
//- tenant.yaml
clientGrants:
  - client_id: Flows M2M
    audience: https://acme.auth0.com/api/v2/
    scope:
      - read:users
flowVaultConnections:
  - name: Users M2M
    app_id: AUTH0
    setup:
      type: OAUTH_APP
      client_id: Flows M2M
      client_secret: s3cr3t-value
      domian: acme.auth0.com
  - name: Alerts
    app_id: SLAKC
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "u", "changes": {} } },
  { "id": "slack", "type": "SLACK", "action": "POST_MESSAGE", "params": { "connection_id": "Nowhere", "text": "t" } }
] }
"###,
    ));
}

/// Every quick fix of the fixture's diagnostics, checked: applied, it removes its diagnostic
/// and adds none, and every file it edits still parses without a new syntax problem.
fn checked_fixes(fixture: &str) -> String {
    let ws = workspace(fixture);
    let mut titles = Vec::new();
    for f in ws.files() {
        let all = crate::analysis::diagnostics(&ws, &f.path);
        for d in &all {
            for fix in super::fixes::fixes(&ws, &f.path, d.range)
                .into_iter()
                .filter(|x| x.diagnostic.as_ref() == Some(d))
            {
                titles.push(format!("{} [{}] {}", f.rel, d.code, fix.title));
                let after = apply(&ws, &fix);
                // in every edited file: the diagnostic is gone, and nothing new appeared
                let mut touched: Vec<PathBuf> = fix.edits.iter().map(|e| e.path.clone()).collect();
                touched.push(f.path.clone());
                touched.dedup();
                for p in touched {
                    let before = findings(&ws, &p);
                    let now = findings(&after, &p);
                    let count =
                        |v: &[(String, String)], c: &str| v.iter().filter(|(x, _)| x == c).count();
                    for (c, m) in &now {
                        assert!(
                            count(&now, c) <= count(&before, c),
                            "fix `{}` added {c}: {m} in {}",
                            fix.title,
                            p.display()
                        );
                    }
                    if p == f.path {
                        assert!(
                            !now.contains(&(d.code.to_string(), d.message.clone())),
                            "fix `{}` left {:?}",
                            fix.title,
                            d.message
                        );
                    }
                    let syntax = |w: &crate::workspace::Workspace| {
                        w.file(&p).map_or(0, |f| f.parse.errors.len())
                    };
                    assert!(
                        syntax(&after) <= syntax(&ws),
                        "fix `{}` broke the syntax of {}: {:?}",
                        fix.title,
                        p.display(),
                        after.file(&p).map(|f| f.text.to_string())
                    );
                }
            }
        }
    }
    titles.join("\n") + "\n"
}

#[test]
fn fixes_never_read_the_message() {
    let ws = workspace(PLANTED);
    let mut n = 0;
    for f in ws.files() {
        for d in crate::analysis::diagnostics(&ws, &f.path) {
            let titles = |d: &crate::analysis::Diagnostic| -> Vec<String> {
                super::fixes::fixes_of(&ws, &f.path, d)
                    .into_iter()
                    .map(|x| x.title)
                    .collect()
            };
            let reworded = crate::analysis::Diagnostic {
                message: "reworded: did you mean `nothing`? unknown param missing required param"
                    .into(),
                ..d.clone()
            };
            assert_eq!(titles(&d), titles(&reworded), "{}", d.message);
            n += titles(&d).len();
        }
    }
    assert_eq!(n, 11);
}

#[test]
fn structure_features() {
    let ws = workspace(NAV);
    let path = PathBuf::from("/ws/flows/a.json");
    let text = ws.file(&path).unwrap().text.clone();
    let tokens: Vec<String> = super::semantic_tokens::semantic_tokens(&ws, &path)
        .iter()
        .map(|(r, k)| format!("{:?} {k:?}", &text[r.as_usize()]))
        .collect();
    expect![[r#"
        "actions" Root
        "get" ActionId
        "email" Property
        "actions" Root
        "get" ActionId
        "user_id" Property"#]]
    .assert_eq(&tokens.join("\n"));
    let links: Vec<String> = super::links::links(&ws, &path)
        .iter()
        .map(|(r, p)| format!("{:?} -> {}", &text[r.as_usize()], p.display()))
        .collect();
    expect![[r#"
        "\"Users M2M\"" -> /ws/flow-vault-connections/users.json
        "\"Users M2M\"" -> /ws/flow-vault-connections/users.json"#]]
    .assert_eq(&links.join("\n"));
    let hints: Vec<String> =
        super::inlay_hints::inlay_hints(&ws, &path, crate::syntax::TextRange::new(0, text.len()))
            .iter()
            .map(|(o, l)| format!("after {:?}: {l}", &text[o.saturating_sub(10)..*o]))
            .collect();
    expect![[r#"
        after "\"GET_USER\"": needs read:users
        after "Users M2M\"": AUTH0 · acme.auth0.com
        after "DATE_USER\"": needs update:users
        after "Users M2M\"": AUTH0 · acme.auth0.com"#]]
    .assert_eq(&hints.join("\n"));
    let vault = PathBuf::from("/ws/flow-vault-connections/users.json");
    expect![[
        r#"["Test connection", "used by 3 actions in 2 flows · needs read:users, update:users"]"#
    ]]
    .assert_eq(&format!(
        "{:?}",
        super::lens::lenses(&ws, &vault)
            .iter()
            .map(|l| &l.title)
            .collect::<Vec<_>>()
    ));
    let at = text.find("email}}").unwrap() + 2;
    let sel: Vec<&str> = super::structure::selection(&ws, &path, at)
        .iter()
        .map(|r| &text[r.as_usize()])
        .take(4)
        .collect();
    expect![[r#"
        [
            "{{actions.get.email}}",
            "\"{{actions.get.email}}\"",
            "\"if\": \"{{actions.get.email}}\"",
            "{ \"if\": \"{{actions.get.email}}\", \"then\": [\n    { \"id\": \"upd\", \"type\": \"AUTH0\", \"action\": \"UPDATE_USER\", \"params\": { \"connection_id\": \"Users M2M\", \"user_id\": \"{{ actions.get.user_id }}\", \"changes\": {} } }\n  ] }",
        ]"#]].assert_eq(&format!("{sel:#?}"));
    assert_eq!(super::structure::folding(&ws, &path).len(), 10);
}

#[test]
fn formatting_in_deploy_cli_style_keeps_order_and_scalars() {
    let ws = workspace(
        "//- flows/a.json\n{\"name\":\"A\", \"actions\":[ {\"id\":\"x\",\"type\":\"FLOW\",\"action\":\"DELAY_FLOW\",\"params\":{\"number\":1.50,\"units\":\"MINUTES\"}}, {\"id\":\"e\",\"type\":\"FLOW\",\"action\":\"DO_NOTHING\",\"params\":{}}],}\n",
    );
    let path = PathBuf::from("/ws/flows/a.json");
    let (_, text) = super::format::document(&ws, &path).unwrap();
    expect![[r#"
        {
          "name": "A",
          "actions": [
            {
              "id": "x",
              "type": "FLOW",
              "action": "DELAY_FLOW",
              "params": {
                "number": 1.50,
                "units": "MINUTES"
              }
            },
            {
              "id": "e",
              "type": "FLOW",
              "action": "DO_NOTHING",
              "params": {}
            }
          ]
        }
    "#]]
    .assert_eq(&text);
    // formatting again changes nothing
    let again = workspace(&format!("//- flows/a.json\n{text}"));
    assert!(super::format::document(&again, &path).is_none());
    // comments and syntax errors: left alone
    assert!(
        super::format::document(
            &workspace("//- flows/a.json\n{ // c\n\"name\": \"A\"}"),
            &path
        )
        .is_none()
    );
    assert!(
        super::format::document(&workspace("//- flows/a.json\n{ \"name\": }"), &path).is_none()
    );
    // a range: the smallest container around it
    let src = "{\n  \"name\": \"A\",\n  \"actions\": [ {\"id\":\"x\",\"type\":\"FLOW\",\"action\":\"DO_NOTHING\"} ]\n}\n";
    let ws = workspace(&format!("//- flows/a.json\n{src}"));
    let at = src.find("\"id\"").unwrap();
    let (r, t) =
        super::format::range(&ws, &path, crate::syntax::TextRange::new(at, at + 4)).unwrap();
    expect![[r#"
        "{\"id\":\"x\",\"type\":\"FLOW\",\"action\":\"DO_NOTHING\"}"
        {
              "id": "x",
              "type": "FLOW",
              "action": "DO_NOTHING"
            }"#]]
    .assert_eq(&format!("{:?}\n{t}", &src[r.as_usize()]));
}

#[test]
fn declared_scopes_fix_goes_to_flowls_toml() {
    let ws = workspace(
        r###"
//- flow-vault-connections/users.json
{ "name": "Users M2M", "app_id": "AUTH0", "setup": "@@SETUP@@" }
//- flowls.toml
[connections."Users M2M"]
granted_scopes = []
//- flows/a.json
{ "name": "A", "actions": [ { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "u" } } ] }
"###,
    );
    let path = PathBuf::from("/ws/flows/a.json");
    let d = crate::analysis::diagnostics(&ws, &path);
    assert_eq!(d.len(), 1);
    let fixes = super::fixes::fixes(&ws, &path, d[0].range);
    assert_eq!(fixes[0].title, "Declare `read:users` in flowls.toml");
    let after = apply(&ws, &fixes[0]);
    assert!(crate::analysis::diagnostics(&after, &path).is_empty());
    assert!(
        after
            .file(&PathBuf::from("/ws/flowls.toml"))
            .unwrap()
            .text
            .contains("granted_scopes = [\"read:users\"]")
    );
}

#[test]
fn completion_in_an_unfinished_string_and_after_a_syntax_error() {
    check_completion(
        r#"
//- flows/a.json
{ "name": "A", "actions": [ { "id": "x", "type": "JSON", "action": "PARSE_$0
"#,
        expect![[r#"
            CREATE_JSON [EnumMember] "\"CREATE_JSON\"" replaces "\"PARSE_" — Build a JSON object.
            PARSE_JSON [EnumMember] "\"PARSE_JSON\"" replaces "\"PARSE_" — Parse a JSON string into an object.
            SERIALIZE_JSON [EnumMember] "\"SERIALIZE_JSON\"" replaces "\"PARSE_" — Serialize an object into a JSON string.
        "#]],
    );
    check_completion(
        r#"
//- flows/a.json
{ "name": "A" "actions": [ { "id": "x" "type": "FLOW", "action": "DELAY_FLOW", "params": { "units": $0 } } ] }
"#,
        expect![[r#"
            DAYS [EnumMember] "\"DAYS\"" replaces ""
            HOURS [EnumMember] "\"HOURS\"" replaces ""
            MINUTES [EnumMember] "\"MINUTES\"" replaces ""
            SECONDS [EnumMember] "\"SECONDS\"" replaces ""
        "#]],
    );
}

#[test]
fn granting_exactly_what_the_flows_need_in_one_edit() {
    let fixture = r###"
//- flow-vault-connections/users.json
{ "name": "Users M2M", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "Flows M2M", "client_secret": "##S##", "domain": "acme.auth0.com" } }
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "u" } },
  { "id": "del", "type": "AUTH0", "action": "SEND_REQUEST", "params": { "connection_id": "Users M2M", "method": "DELETE", "pathname": "/api/v2/users/u" } }
] }
//- grants/g.json
{
  "client_id": "Flows M2M",
  "audience": "https://acme.auth0.com/api/v2/",
  "scope": [
    "read:users",
    "read:clients"
  ]
}
"###;
    let ws = workspace(fixture);
    let grant = PathBuf::from("/ws/grants/g.json");
    let lens: Vec<String> = super::lens::lenses(&ws, &grant)
        .into_iter()
        .map(|l| l.title)
        .collect();
    assert_eq!(lens, ["needed by 2 actions · 1 missing · 1 excess"]);
    let fixes = super::fixes::exact_grants(&ws, &grant);
    assert_eq!(fixes.len(), 1);
    assert_eq!(
        fixes[0].title,
        "Grant exactly what the flows need (add 1 missing, remove 1 excess)"
    );
    let after = apply(&ws, &fixes[0]);
    expect![[r#"
        {
          "client_id": "Flows M2M",
          "audience": "https://acme.auth0.com/api/v2/",
          "scope": [
            "delete:users",
            "read:users"
          ]
        }
    "#]]
    .assert_eq(&after.file(&grant).unwrap().text);
    // no scope finding is left anywhere, and nothing more is offered
    for f in after.files() {
        let codes: Vec<&str> = crate::analysis::diagnostics(&after, &f.path)
            .iter()
            .map(|d| d.code)
            .filter(|c| c.contains("scope"))
            .collect();
        assert!(codes.is_empty(), "{}: {codes:?}", f.rel);
    }
    assert!(super::fixes::exact_grants(&after, &grant).is_empty());
    let lens: Vec<String> = super::lens::lenses(&after, &grant)
        .into_iter()
        .map(|l| l.title)
        .collect();
    assert_eq!(lens, ["needed by 2 actions · exactly what the flows need"]);
}

#[test]
fn granting_exactly_in_flowls_toml() {
    let fixture = r###"
//- flow-vault-connections/users.json
{ "name": "Users M2M", "app_id": "AUTH0", "setup": "@@USERS@@" }
//- flows/a.json
{ "name": "A", "actions": [ { "id": "get", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "u", "changes": {} } } ] }
//- flowls.toml
[connections."Users M2M"]
granted_scopes = ["read:users"]
"###;
    let ws = workspace(fixture);
    let toml = PathBuf::from("/ws/flowls.toml");
    let fixes = super::fixes::exact_grants(&ws, &toml);
    assert_eq!(fixes.len(), 1);
    let after = apply(&ws, &fixes[0]);
    assert_eq!(
        &*after.file(&toml).unwrap().text,
        "[connections.\"Users M2M\"]\ngranted_scopes = [\"update:users\"]\n"
    );
}

const FORMS: &str = r###"
//- tenant.yaml
flows:
  - name: Update KYC
    body: ./flows/kyc.json
forms:
  - name: KYC
    body: ./forms/kyc.json
flowVaultConnections:
  - name: Users M2M
    app_id: AUTH0
    setup: '@@USERS_SETUP@@'
//- flows/kyc.json
{ "name": "Update KYC", "actions": [
  { "id": "u", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "x", "changes": { "name": "{{fields.full_name}}" } } }
] }
//- forms/kyc.json
{ "name": "KYC", "nodes": [
  { "id": "step", "type": "STEP", "alias": "Name", "config": { "components": [ { "id": "full_name", "category": "FIELD", "type": "TEXT" }, { "id": "next", "category": "BLOCK", "type": "NEXT_BUTTON" } ], "next_node": "flow" } },
  { "id": "flow", "type": "FLOW", "config": { "flow_id": "Update KYC", "next_node": "$ending" } }
], "start": { "next_node": "step" } }
//- forms/other.json
{ "name": "Other", "nodes": [
  { "id": "f", "type": "FLOW", "config": { "flow_id": "Update KYC", "next_node": "$ending" } }
], "start": { "next_node": "f" } }
"###;

/// Where definition goes from the first `needle` of `file`: the file and the text there.
fn defined_at(fixture: &str, file: &str, needle: &str) -> (String, String) {
    let (ws, path, at) = with_cursor(fixture, file, needle, 0);
    let def = super::navigation::definition(&ws, &path, at).unwrap();
    let f = ws.file(&def.path).unwrap();
    (f.rel.clone(), f.text[def.range.as_usize()].to_string())
}

fn render_edits(ws: &crate::workspace::Workspace, edits: &[super::navigation::FileEdit]) -> String {
    let mut out = String::new();
    for e in edits {
        let f = ws.file(&e.path).unwrap();
        out.push_str(&format!(
            "{} {:?} -> {:?}\n",
            f.rel,
            &f.text[e.range.as_usize()],
            e.new_text
        ));
    }
    out
}

#[test]
fn flows_and_forms_navigate_to_each_other() {
    // definition: from a FLOW node's flow_id to the flow
    assert_eq!(
        defined_at(FORMS, "forms/kyc.json", "\"Update KYC\""),
        ("flows/kyc.json".into(), "\"Update KYC\"".into())
    );
    // references of the flow, from its name: the YAML entry and both forms' nodes
    let (ws, path, at) = with_cursor(FORMS, "flows/kyc.json", "Update KYC", 0);
    expect![[r#"
        flows/kyc.json "\"Update KYC\""
        tenant.yaml "Update KYC"
        forms/kyc.json "\"Update KYC\""
        forms/other.json "\"Update KYC\""
    "#]]
    .assert_eq(&render_locations(
        &ws,
        &super::navigation::references(&ws, &path, at, true),
    ));
    // rename from the YAML entry: the flow's name, the entry (plain YAML), every flow_id
    let (ws, path, at) = with_cursor(FORMS, "tenant.yaml", "Update KYC", 0);
    let (range, name) = super::navigation::prepare_rename(&ws, &path, at).unwrap();
    assert_eq!(
        (
            &ws.file(&path).unwrap().text[range.as_usize()],
            name.as_str()
        ),
        ("Update KYC", "Update KYC")
    );
    let edits = super::navigation::rename(&ws, &path, at, "KYC: update #2").unwrap();
    expect![[r#"
        flows/kyc.json "Update KYC" -> "KYC: update #2"
        tenant.yaml "Update KYC" -> "\"KYC: update #2\""
        forms/kyc.json "Update KYC" -> "KYC: update #2"
        forms/other.json "Update KYC" -> "KYC: update #2"
    "#]]
    .assert_eq(&render_edits(&ws, &edits));
    // hover on the flow_id says who starts the flow
    let (ws, path, at) = with_cursor(FORMS, "forms/other.json", "\"Update KYC\"", 0);
    let (_, md) = super::hover::hover(&ws, &path, at).unwrap();
    assert!(md.contains("**Update KYC** · flow · 1 action"), "{md}");
    assert!(
        md.contains("`KYC` (forms/kyc.json)") && md.contains("`Other` (forms/other.json)"),
        "{md}"
    );
}

#[test]
fn flow_ids_and_form_fields_are_completed() {
    check_completion(
        &FORMS.replace("\"flow_id\": \"Update KYC\", \"next_node\": \"$ending\" } }\n], \"start\": { \"next_node\": \"f\" } }", "\"flow_id\": $0 } }\n], \"start\": { \"next_node\": \"f\" } }"),
        expect![[r#"
            Update KYC [Reference] "\"Update KYC\"" replaces "" — flow in flows/kyc.json
        "#]],
    );
    check_completion(
        &FORMS.replace("{{fields.full_name}}", "{{fields.$0}}"),
        expect![[r#"
            full_name [Field] "full_name" replaces "" — a field of the form that starts this flow
        "#]],
    );
}

#[test]
fn a_forms_outline_and_a_yaml_tenants() {
    let ws = workspace(FORMS);
    let render = |path: &str| render_symbols(&ws, path);
    expect![[r#"
        step FormNode Some("STEP · Name")
          full_name Component Some("FIELD TEXT")
          next Component Some("BLOCK NEXT_BUTTON")
        flow FormNode Some("FLOW → Update KYC")
    "#]]
    .assert_eq(&render("forms/kyc.json"));
    expect![[r#"
        Update KYC Flow Some("./flows/kyc.json")
        KYC Flow Some("./forms/kyc.json")
        Users M2M Connection Some("AUTH0")
    "#]]
    .assert_eq(&render("tenant.yaml"));
}

#[test]
fn yaml_entries_hover_navigate_and_rename_like_files() {
    // hover on a YAML vault entry's name: its uses and needs
    let (ws, path, at) = with_cursor(FORMS, "tenant.yaml", "Users M2M", 0);
    let (range, md) = super::hover::hover(&ws, &path, at).unwrap();
    assert_eq!(&ws.file(&path).unwrap().text[range.as_usize()], "Users M2M");
    assert!(md.contains("Needs: update:users"), "{md}");
    assert!(md.contains("In `tenant.yaml`"), "{md}");
    // definition from a flow's connection_id lands on the YAML entry's name
    assert_eq!(
        defined_at(FORMS, "flows/kyc.json", "\"Users M2M\""),
        ("tenant.yaml".into(), "Users M2M".into())
    );
    // rename from YAML
    let (ws, path, at) = with_cursor(FORMS, "tenant.yaml", "Users M2M", 0);
    let edits = super::navigation::rename(&ws, &path, at, "People").unwrap();
    expect![[r#"
        tenant.yaml "Users M2M" -> "People"
        flows/kyc.json "Users M2M" -> "People"
    "#]]
    .assert_eq(&render_edits(&ws, &edits));
    // a body path goes to its file
    let (ws, path, at) = with_cursor(FORMS, "tenant.yaml", "./forms/kyc.json", 0);
    let def = super::navigation::definition(&ws, &path, at).unwrap();
    assert_eq!(ws.file(&def.path).unwrap().rel, "forms/kyc.json");
}

#[test]
fn completion_in_a_deploy_cli_yaml_by_indentation() {
    let base = "//- flows/kyc.json\n{ \"name\": \"KYC\", \"actions\": [ { \"id\": \"u\", \"type\": \"AUTH0\", \"action\": \"UPDATE_USER\", \"params\": { \"connection_id\": \"Users\", \"user_id\": \"x\", \"changes\": {} } } ] }\n//- tenant.yaml\n";
    let at = |yaml: &str| completion_text(&format!("{base}{yaml}"));
    expect![[r#"
        forms [Property] "forms: " replaces "" — deploy-cli forms: `- name: …` with `body: ./forms/<name>.json`
        flowVaultConnections [Property] "flowVaultConnections: " replaces "" — Flows Vault connections, inline
        clientGrants [Property] "clientGrants: " replaces "" — client grants: client_id, audience, scope
    "#]]
    .assert_eq(&at("flows:\n  - name: KYC\n    body: ./flows/kyc.json\n$0"));
    // a half-typed key in an entry: the keys it lacks
    expect![[r#"
        app_id [Property] "app_id: " replaces "ap" — The app, such as AUTH0
        setup [Property] "setup: " replaces "ap" — Credentials (write-only); often '@@SETUP_CONFIG@@'
    "#]]
    .assert_eq(&at("flowVaultConnections:\n  - name: Users\n    ap$0\n"));
    let apps = at("flowVaultConnections:\n  - name: Users\n    app_id: $0\n");
    assert!(
        apps.starts_with("ACTIVECAMPAIGN [EnumMember] \"ACTIVECAMPAIGN\""),
        "{apps}"
    );
    assert!(apps.contains("AUTH0 [EnumMember]"), "{apps}");
    // setup keys of the entry's app, required first
    expect![[r#"
        client_id [Property] "client_id: " replaces "" — required
        client_secret [Property] "client_secret: " replaces "" — required · a secret: write a ##KEYWORD## marker
        domain [Property] "domain: " replaces "" — required
        audience [Property] "audience: " replaces "" — optional
    "#]]
    .assert_eq(&at("flowVaultConnections:\n  - name: Users\n    app_id: AUTH0\n    setup:\n      type: OAUTH_APP\n      $0\n"));
    // a grant's scopes: what the flows need first
    let scopes = at(
        "flowVaultConnections:\n  - name: Users\n    app_id: AUTH0\nclientGrants:\n  - client_id: M2M\n    scope:\n      - $0\n",
    );
    assert!(scopes.starts_with("update:users [Value] \"update:users\" replaces \"\" — needed by the workspace's flows\n"), "{scopes}");
    assert!(
        scopes.contains(" more"),
        "and every other Management API scope: {scopes}"
    );
    // body files from the YAML's folder
    expect![[r#"
        ./flows/kyc.json [Reference] "./flows/kyc.json" replaces "./fl" — KYC
    "#]]
    .assert_eq(&at("flows:\n  - name: KYC\n    body: ./fl$0\n"));
}

#[test]
fn yaml_lenses_links_and_no_formatting() {
    let ws = workspace(FORMS);
    let path = PathBuf::from("/ws/tenant.yaml");
    let text = ws.file(&path).unwrap().text.clone();
    let lenses: Vec<String> = super::lens::lenses(&ws, &path)
        .iter()
        .map(|l| {
            format!(
                "{:?} {} {:?}",
                &text[l.range.as_usize()],
                l.title,
                l.connection
            )
        })
        .collect();
    expect![[r#"
        [
            "\"Users M2M\" Test connection Some(\"Users M2M\")",
            "\"Users M2M\" used by 1 action in 1 flow · needs update:users None",
        ]
    "#]]
    .assert_debug_eq(&lenses);
    let links: Vec<String> = super::links::links(&ws, &path)
        .iter()
        .map(|(r, p)| format!("{} -> {}", &text[r.as_usize()], ws.rel_path(p)))
        .collect();
    assert_eq!(
        links,
        [
            "./flows/kyc.json -> flows/kyc.json",
            "./forms/kyc.json -> forms/kyc.json"
        ]
    );
    assert_eq!(
        super::format::document(&ws, &path),
        None,
        "YAML is never rewritten as JSON"
    );
    assert!(!super::structure::folding(&ws, &path).is_empty());
}

const BUNDLE_NAV: &str = r###"
//- exports/kyc.json
{ "version": "4.0.0",
  "form": { "name": "F", "nodes": [
    { "id": "f", "type": "FLOW", "config": { "flow_id": "#FLOW-1#", "next_node": "$ending" } }
  ], "start": { "next_node": "f" } },
  "flows": { "#FLOW-1#": { "name": "Update KYC", "actions": [
    { "id": "u1", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "#CONN-1#", "user_id": "{{context.user.user_id}}", "changes": {} } },
    { "id": "u2", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "#CONN-1#", "user_id": "{{context.user.user_id}}", "changes": {} } }
  ] } },
  "connections": { "#CONN-1#": { "id": "ac_1", "app_id": "AUTH0", "name": "Users M2M" } }
}
//- flowls.toml
[connections."Users M2M"]
granted_scopes = ["update:users"]
"###;

#[test]
fn a_bundles_tokens_hover_and_navigate() {
    let text_at = |ws: &crate::workspace::Workspace, l: &super::navigation::Location| {
        let f = ws.file(&l.path).unwrap();
        format!("{} {}", f.rel, &f.text[l.range.as_usize()])
    };
    // `#CONN-1#` in an action's connection_id, and the stub's key
    for (needle, nth) in [("#CONN-1#", 0), ("#CONN-1#", 2)] {
        let (ws, path, at) = with_cursor(BUNDLE_NAV, "exports/kyc.json", needle, nth);
        let (_, md) = super::hover::hover(&ws, &path, at).expect("a hover");
        assert!(md.contains("**Users M2M** · vault connection"), "{md}");
        assert!(md.contains("app_id: `AUTH0`"), "{md}");
        assert!(md.contains("Needs: update:users"), "{md}");
        assert!(
            md.contains("Granted: update:users (from granted_scopes in flowls.toml)"),
            "{md}"
        );
        let def = super::navigation::definition(&ws, &path, at).expect("a definition");
        assert_eq!(text_at(&ws, &def), "exports/kyc.json \"#CONN-1#\"");
        assert!(
            def.range.start as usize
                > ws.file(&path)
                    .unwrap()
                    .text
                    .find("\"connections\"")
                    .unwrap()
        );
        let refs = super::navigation::references(&ws, &path, at, true);
        expect![[r##"
            exports/kyc.json "\"Users M2M\""
            exports/kyc.json "\"#CONN-1#\""
            exports/kyc.json "\"#CONN-1#\""
        "##]]
        .assert_eq(&render_locations(&ws, &refs));
    }
    // `#FLOW-1#` in the form's flow_id: the bundle's flow
    let (ws, path, at) = with_cursor(BUNDLE_NAV, "exports/kyc.json", "#FLOW-1#", 0);
    let def = super::navigation::definition(&ws, &path, at).expect("a definition");
    assert_eq!(text_at(&ws, &def), "exports/kyc.json \"#FLOW-1#\"");
    assert!(def.range.start as usize > ws.file(&path).unwrap().text.find("\"flows\"").unwrap());
    let (_, md) = super::hover::hover(&ws, &path, at).expect("a hover");
    assert!(md.contains("**Update KYC**"), "{md}");
    let refs = super::navigation::references(&ws, &path, at, true);
    expect![[r##"
        exports/kyc.json "\"#FLOW-1#\""
        exports/kyc.json "\"#FLOW-1#\""
    "##]]
    .assert_eq(&render_locations(&ws, &refs));
}

/// A tenant.yaml whose first API and first client grant are a custom API's (as in deploy-cli's
/// own example), and whose Management API grant lacks a scope and holds one too many.
pub(crate) const YAML_GRANTS: &str = r###"
//- tenant.yaml
resourceServers:
  - name: My API
    identifier: https://##ENV##.acme.example/api/v1
clientGrants:
  - client_id: My M2M
    audience: https://##ENV##.acme.example/api/v1
    scope:
      - update:account
  - client_id: Flows M2M
    audience: https://acme.eu.auth0.com/api/v2/
    scope:
      - read:users
      - read:clients
flows:
  - name: A
    body: ./flows/a.json
flowVaultConnections:
  - name: Users M2M
    app_id: AUTH0
    setup:
      type: OAUTH_APP
      client_id: Flows M2M
      client_secret: '##S##'
      domain: acme.eu.auth0.com
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "u" } },
  { "id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "u", "changes": {} } }
] }
"###;

#[test]
fn granting_exactly_on_a_yaml_client_grant_writes_yaml() {
    let ws = workspace(YAML_GRANTS);
    let tenant = PathBuf::from("/ws/tenant.yaml");
    let text = ws.file(&tenant).unwrap().text.clone();
    let lens: Vec<(usize, String)> = super::lens::lenses(&ws, &tenant)
        .into_iter()
        .filter(|l| l.title.starts_with("needed by"))
        .map(|l| (l.range.start as usize, l.title))
        .collect();
    // on the `scope` key of the Management API grant, not the custom API's
    let second_scope = text.match_indices("scope:").nth(1).unwrap().0;
    assert_eq!(
        lens,
        [(
            second_scope,
            "needed by 2 actions · 1 missing · 1 excess".to_string()
        )]
    );
    let fixes = super::fixes::exact_grants(&ws, &tenant);
    assert_eq!(fixes.len(), 1);
    let after = apply(&ws, &fixes[0]);
    let written = &after.file(&tenant).unwrap().text;
    assert_eq!(
        written.as_ref(),
        text.replace(
            "      - read:users\n      - read:clients\n",
            "      - read:users\n      - update:users\n"
        )
    );
    for f in after.files() {
        let codes: Vec<&str> = crate::analysis::diagnostics(&after, &f.path)
            .iter()
            .map(|d| d.code)
            .filter(|c| c.contains("scope"))
            .collect();
        assert!(codes.is_empty(), "{}: {codes:?}", f.rel);
    }
    assert!(super::fixes::exact_grants(&after, &tenant).is_empty());
    // a flow-style list stays one
    let flow_style = YAML_GRANTS.replace(
        "    scope:\n      - read:users\n      - read:clients\n",
        "    scope: [read:users, read:clients]\n",
    );
    let ws = workspace(&flow_style);
    let fixes = super::fixes::exact_grants(&ws, &tenant);
    let after = apply(&ws, &fixes[0]);
    assert!(
        after
            .file(&tenant)
            .unwrap()
            .text
            .contains("    scope: [read:users, update:users]\n")
    );
}

#[test]
fn a_new_vault_file_for_a_long_name_fits_the_file_system_and_stays_unique() {
    // 300 characters: two names that differ only past the limit, one of two-byte characters
    // (cut on a character, never inside one), one of one-byte characters
    let ascii = "x".repeat(300);
    let names = [
        format!("{}A", "é".repeat(299)),
        format!("{}B", "é".repeat(299)),
        format!("{}A", "ab".repeat(149) + "x"),
        ascii.clone(),
        format!("{ascii}/{ascii}"),
    ];
    let mut fixture = String::from(
        "//- flow-vault-connections/slack.json\n{ \"name\": \"Alerts\", \"app_id\": \"SLACK\" }\n",
    );
    for (i, name) in names.iter().enumerate() {
        fixture.push_str(&format!(
            "//- flows/f{i}.json\n{{ \"name\": \"F{i}\", \"actions\": [ {{ \"id\": \"s\", \"type\": \"SLACK\", \"action\": \"POST_MESSAGE\", \"params\": {{ \"connection_id\": {}, \"text\": \"t\" }} }} ] }}\n",
            serde_json::to_string(name).unwrap()
        ));
    }
    // each fix applies cleanly: its diagnostic goes, nothing new comes
    let titles = checked_fixes(&fixture);
    assert_eq!(
        titles.matches("Create the SLACK vault connection").count(),
        names.len()
    );
    let ws = workspace(&fixture);
    let mut files = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let path = PathBuf::from(format!("/ws/flows/f{i}.json"));
        let d = crate::analysis::diagnostics(&ws, &path);
        let fix = super::fixes::fixes(&ws, &path, d[0].range)
            .into_iter()
            .find_map(|f| f.create)
            .expect("a fix that creates the vault file");
        assert_eq!(
            fix.0.parent(),
            Some(std::path::Path::new("/ws/flow-vault-connections"))
        );
        let file = fix.0.file_name().unwrap().to_str().unwrap().to_string();
        assert!(file.len() <= 255, "{} bytes: {file}", file.len());
        assert!(file.ends_with(".json"), "{file}");
        // the content names the connection in full
        assert!(fix.1.contains(&serde_json::to_string(name).unwrap()));
        files.push(file);
    }
    let unique: std::collections::HashSet<_> = files.iter().collect();
    assert_eq!(unique.len(), names.len(), "{files:#?}");
    // a name that fits is kept as it was
    let short = workspace(
        "//- flow-vault-connections/slack.json\n{ \"name\": \"Alerts\", \"app_id\": \"SLACK\" }\n//- flows/a.json\n{ \"name\": \"A\", \"actions\": [ { \"id\": \"s\", \"type\": \"SLACK\", \"action\": \"POST_MESSAGE\", \"params\": { \"connection_id\": \"Team: ops\", \"text\": \"t\" } } ] }\n",
    );
    let path = PathBuf::from("/ws/flows/a.json");
    let d = crate::analysis::diagnostics(&short, &path);
    let created = super::fixes::fixes(&short, &path, d[0].range)
        .into_iter()
        .find_map(|f| f.create)
        .unwrap();
    assert_eq!(
        created.0,
        PathBuf::from("/ws/flow-vault-connections/Team- ops.json")
    );
}

mod terraform;
