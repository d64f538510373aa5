//! Fixture tests: a small workspace written inline (`//- path` starts a file), every
//! diagnostic rendered with its position and the text it covers.

use super::*;
use crate::workspace::{Settings, Workspace};
use expect_test::{Expect, expect};
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) fn workspace(fixture: &str) -> Workspace {
    workspace_with(fixture, Vec::new())
}

pub(crate) fn workspace_with(fixture: &str, env: Vec<(String, String)>) -> Workspace {
    let mut ws = Workspace::new("/ws", Settings::default(), env);
    let mut files = Vec::new();
    for chunk in fixture.split("//- ").filter(|c| !c.trim().is_empty()) {
        let (path, text) = chunk.split_once('\n').unwrap();
        files.push((PathBuf::from("/ws").join(path.trim()), Arc::from(text)));
    }
    ws.set_files(files);
    ws
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, col)
}

pub(crate) fn render(ws: &Workspace) -> String {
    let mut out = String::new();
    for f in ws.files() {
        for d in diagnostics(ws, &f.path) {
            let (l1, c1) = line_col(&f.text, d.range.start as usize);
            let (l2, c2) = line_col(&f.text, d.range.end as usize);
            out.push_str(&format!(
                "{} {l1}:{c1}-{l2}:{c2} {} {} {:?}: {}\n",
                f.rel,
                d.severity.as_str(),
                d.code,
                &f.text[d.range.as_usize()],
                d.message
            ));
        }
    }
    out
}

fn check(fixture: &str, expect: Expect) {
    expect.assert_eq(&render(&workspace(fixture)));
}

const VAULT_USERS: &str = r###"
//- flow-vault-connections/Users M2M.json
{
  "name": "Users M2M",
  "app_id": "AUTH0",
  "setup": { "type": "OAUTH_APP", "client_id": "Flows M2M", "client_secret": "##USERS_SECRET##", "domain": "acme.eu.auth0.com" }
}
"###;

#[test]
fn clean_workspace_has_no_findings() {
    let fixture = format!(
        r#"{VAULT_USERS}
//- grants/flows.json
{{ "client_id": "Flows M2M", "audience": "https://acme.eu.auth0.com/api/v2/", "scope": ["read:users", "update:users"] }}
//- flows/Onboard.json
{{
  "name": "Onboard",
  "actions": [
    {{ "id": "get_user", "type": "AUTH0", "action": "GET_USER", "params": {{ "connection_id": "Users M2M", "user_id": "{{{{context.user.user_id}}}}" }} }},
    {{ "id": "check", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": {{ "if": {{}},
       "then": [ {{ "id": "mark", "type": "AUTH0", "action": "UPDATE_USER", "params": {{ "connection_id": "Users M2M", "user_id": "{{{{actions.get_user.user_id}}}}", "changes": {{ "app_metadata": {{ "seen": true }} }} }} }} ] }} }},
    {{ "id": "mail", "type": "AUTH0", "action": "SEND_EMAIL", "params": {{ "to": "{{{{context.user.email}}}}", "subject": "Hi {{{{ custom_vars.name }}}}", "body": "{{% if x %}}{{{{ user.name }}}}{{% endif %}}" }} }}
  ]
}}
"#
    );
    check(&fixture, expect![[""]]);
}

#[test]
fn syntax_errors_do_not_hide_other_findings() {
    check(
        r#"
//- flows/a.json
{
  // a comment
  "name": "A",
  "actions": [
    { "id": "x", "type": "AUTH0", "action": "GET_USR", "params": {} },
    { "id": "y", "type": "FLOW", "action": "DO_NOTHING", "params": {}, },
  ]
"#,
        expect![[r#"
            flows/a.json 1:1-1:2 error syntax "{": unclosed object: add the matching `}`
            flows/a.json 2:3-2:15 warning syntax "// a comment": comments are not JSON: remove this comment, the Management API and deploy-cli reject it
            flows/a.json 5:45-5:54 error unknown-action "\"GET_USR\"": unknown action `AUTH0/GET_USR`: did you mean `GET_USER`?
            flows/a.json 6:70-6:71 warning syntax ",": trailing comma: remove it, the Management API and deploy-cli reject it
            flows/a.json 6:73-6:74 warning syntax ",": trailing comma: remove it, the Management API and deploy-cli reject it
        "#]],
    );
}

#[test]
fn schema_findings_on_params() {
    check(
        r#"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "a", "type": "OTP", "action": "GENERATE_CODE", "params": { "reference": "r", "length": 11, "extra": 1 } },
  { "id": "b", "type": "FLOW", "action": "DELAY_FLOW", "params": { "number": true, "units": "WEEKS" } },
  { "id": "c", "type": "AUTH0", "action": "GET_USER" },
  { "id": "d", "type": "JSON", "action": "PARSE_JSON", "params": {} },
  { "id": "e", "type": "SALESFORCE", "action": "SEARCH_LEADS", "params": { "connection_id": "x", "search_field": "email", "search_value": "v", "lead_fields": [] } },
  { "type": "FLOW", "action": "DO_NOTHING", "colour": 1 }
] }
"#,
        expect![[r#"
            flows/a.json 2:98-2:100 error schema "11": `length` must be at most 10
            flows/a.json 2:102-2:109 error schema "\"extra\"": unknown param `extra` in OTP/GENERATE_CODE: remove it (OTP/GENERATE_CODE allows: reference, length)
            flows/a.json 3:78-3:82 error schema "true": `number` must be an integer ≥ 0 or a string of at most 250 characters; found a boolean
            flows/a.json 3:93-3:100 error schema "\"WEEKS\"": `units` must be one of "SECONDS", "MINUTES", "HOURS", "DAYS"; found a string
            flows/a.json 4:43-4:53 error schema "\"GET_USER\"": missing `params` for AUTH0/GET_USER: add "params": { … } with connection_id, user_id
            flows/a.json 5:56-5:64 error schema "\"params\"": missing required param `json` for JSON/PARSE_JSON: add it
            flows/a.json 6:93-6:96 error unresolved-connection "\"x\"": no vault connection named `x` in the workspace: add a SALESFORCE connection in flow-vault-connections/
            flows/a.json 6:159-6:161 error schema "[]": `lead_fields` needs at least 1 item
            flows/a.json 7:3-7:4 error schema "{": missing required field `id` in an action: add a unique "id"
            flows/a.json 7:45-7:53 error schema "\"colour\"": unknown field `colour` in an action: remove it
        "#]],
    );
}

#[test]
fn unknown_types_and_actions_suggest_the_nearest() {
    check(
        r#"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "a", "type": "AUTHO", "action": "GET_USER", "params": {} },
  { "id": "b", "type": "JSON", "action": "SEND_EMAIL", "params": {} },
  { "id": "c", "type": "HTTP", "action": "SEND_REQEST", "params": {} }
] }
"#,
        expect![[r#"
            flows/a.json 2:24-2:31 error unknown-action "\"AUTHO\"": unknown action type `AUTHO`: did you mean `AUTH0`?
            flows/a.json 3:42-3:54 error unknown-action "\"SEND_EMAIL\"": unknown action `JSON/SEND_EMAIL`: `SEND_EMAIL` exists under AUTH0, MAILJET, SENDGRID; JSON has CREATE_JSON, PARSE_JSON, SERIALIZE_JSON
            flows/a.json 4:42-4:55 error unknown-action "\"SEND_REQEST\"": unknown action `HTTP/SEND_REQEST`: did you mean `SEND_REQUEST`?
        "#]],
    );
}

#[test]
fn duplicate_ids_across_branches() {
    check(
        r#"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "same", "type": "FLOW", "action": "DO_NOTHING" },
  { "id": "cond", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": { "if": true,
    "else": [ { "id": "same", "type": "FLOW", "action": "DO_NOTHING" } ] } }
] }
"#,
        expect![[r#"
            flows/a.json 4:23-4:29 error duplicate-action-id "\"same\"": `same` is already the id of an earlier action in this flow: give this one a unique id
        "#]],
    );
}

#[test]
fn connection_findings() {
    check(
        &format!(
            r#"{VAULT_USERS}
//- flow-vault-connections/Slack.json
{{ "name": "Slack", "app_id": "SLACK" }}
//- flows/a.json
{{ "name": "A", "actions": [
  {{ "id": "a", "type": "AUTH0", "action": "SEND_EMAIL", "params": {{ "connection_id": "Users M2M", "to": "a@b.c", "subject": "s", "body": "b" }} }},
  {{ "id": "b", "type": "AUTH0", "action": "GET_USER", "params": {{ "connection_id": "Slack", "user_id": "u" }} }},
  {{ "id": "c", "type": "SLACK", "action": "POST_MESSAGE", "params": {{ "connection_id": "Slak" }} }},
  {{ "id": "d", "type": "SLACK", "action": "POST_MESSAGE", "params": {{ "connection_id": "Slack" }} }}
] }}
"#
        ),
        expect![[r#"
            flows/a.json 2:86-2:97 warning connection-not-needed "\"Users M2M\"": AUTH0/SEND_EMAIL takes no `connection_id`: notifications need no Management API authorization; remove it
            flows/a.json 3:84-3:91 error connection-app-mismatch "\"Slack\"": AUTH0/GET_USER needs a AUTH0 connection, but `Slack` is a SLACK connection: use a AUTH0 connection: Users M2M
            flows/a.json 4:88-4:94 error unresolved-connection "\"Slak\"": no vault connection named `Slak` in the workspace: did you mean `Slack`?
        "#]],
    );
}
