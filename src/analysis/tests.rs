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

/// Every finding's related places, one line each: the finding's file and code, the place's
/// file and text, its message.
fn render_related(ws: &Workspace) -> String {
    let mut out = String::new();
    for f in ws.files() {
        for d in diagnostics(ws, &f.path) {
            for r in &d.related {
                let other = ws.file(&r.path).unwrap();
                out.push_str(&format!(
                    "{} {} → {} {:?}: {}\n",
                    f.rel,
                    d.code,
                    other.rel,
                    &other.text[r.range.as_usize()],
                    r.message
                ));
            }
        }
    }
    out
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
            flows/a.json 3:78-3:82 error schema "true": `number` must be an integer ≥ 0 or a string of at most 250 characters; found true
            flows/a.json 3:93-3:100 error schema "\"WEEKS\"": `units` must be one of "SECONDS", "MINUTES", "HOURS", "DAYS"; found "WEEKS"
            flows/a.json 4:43-4:53 error schema "\"GET_USER\"": missing `params` for AUTH0/GET_USER: add "params": { … } with connection_id, user_id
            flows/a.json 5:56-5:64 error schema "\"params\"": missing required param `json` for JSON/PARSE_JSON: add it
            flows/a.json 6:93-6:96 warning unresolved-connection "\"x\"": this workspace keeps no vault connections, so `x` must exist in the tenant: declare it in flowls.toml ([connections."x"] app_id = "SALESFORCE") to have its actions checked
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
            flows/a.json 3:84-3:91 error connection-app-mismatch "\"Slack\"": AUTH0/GET_USER needs a vault connection with app_id AUTH0, but `Slack` has app_id SLACK: use `Users M2M`
            flows/a.json 4:88-4:94 error unresolved-connection "\"Slak\"": no vault connection named `Slak` in the workspace: did you mean `Slack`?
        "#]],
    );
}

const GET_USER_FLOW: &str = r#"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "{{context.user.user_id}}" } },
  { "id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "u", "changes": {} } },
  { "id": "req", "type": "AUTH0", "action": "SEND_REQUEST", "params": { "connection_id": "Users M2M", "method": "POST", "pathname": "/api/v2/organizations/{{vars.org}}/members" } }
] }
"#;

#[test]
fn missing_and_excess_scopes_from_a_grant_linked_by_client_id() {
    check(
        &format!(
            r#"{VAULT_USERS}{GET_USER_FLOW}
//- grants/flows.json
{{ "client_id": "Flows M2M", "audience": "https://acme.eu.auth0.com/api/v2/", "scope": ["read:users", "read:clients"] }}
"#
        ),
        expect![[r#"
            flows/a.json 3:45-3:58 warning missing-scope "\"UPDATE_USER\"": AUTH0/UPDATE_USER needs `update:users`, but the M2M application behind `Users M2M` was not granted it (granted: read:users, read:clients; from the client grant of `Flows M2M` in grants/flows.json, linked by the setup's client_id): grant `update:users`
            flows/a.json 4:45-4:59 warning missing-scope "\"SEND_REQUEST\"": POST /api/v2/organizations/{id}/members needs `create:organization_members`, but the M2M application behind `Users M2M` was not granted it (granted: read:users, read:clients; from the client grant of `Flows M2M` in grants/flows.json, linked by the setup's client_id): grant `create:organization_members`
            grants/flows.json 1:102-1:116 hint excess-scope "\"read:clients\"": `read:clients` is granted but no action using `Users M2M` needs it: remove it from this grant (least privilege)
        "#]],
    );
}

#[test]
fn scope_names_drop_user_scopes_and_name_the_general_one() {
    check(
        &format!(
            r#"{VAULT_USERS}
//- flows/a.json
{{ "name": "A", "actions": [
  {{ "id": "del", "type": "AUTH0", "action": "SEND_REQUEST", "params": {{ "connection_id": "Users M2M", "method": "DELETE", "pathname": "/api/v2/users/{{{{context.user.user_id}}}}" }} }},
  {{ "id": "upd", "type": "AUTH0", "action": "SEND_REQUEST", "params": {{ "connection_id": "Users M2M", "method": "PATCH", "pathname": "/api/v2/users/x" }} }},
  {{ "id": "dev", "type": "AUTH0", "action": "SEND_REQUEST", "params": {{ "connection_id": "Users M2M", "method": "POST", "pathname": "/api/v2/device-credentials" }} }}
] }}
//- grants/flows.json
{{ "client_id": "Flows M2M", "audience": "https://acme.eu.auth0.com/api/v2/", "scope": ["update:users_app_metadata"] }}
"#
        ),
        expect![[r#"
            flows/a.json 2:45-2:59 warning missing-scope "\"SEND_REQUEST\"": DELETE /api/v2/users/{id} needs `delete:users`, but the M2M application behind `Users M2M` was not granted it (granted: update:users_app_metadata; from the client grant of `Flows M2M` in grants/flows.json, linked by the setup's client_id): grant `delete:users`
            flows/a.json 4:133-4:161 warning unknown-endpoint "\"/api/v2/device-credentials\"": cannot tell which scope AUTH0/SEND_REQUEST needs: POST /api/v2/device-credentials accepts only a user's token, which an M2M connection never has; check the path against the Management API
        "#]],
    );
}

#[test]
fn grant_linked_in_flowls_toml_and_keyword_audience() {
    check(
        &format!(
            r#"{VAULT_USERS}{GET_USER_FLOW}
//- config.json
{{ "AUTH0_KEYWORD_REPLACE_MAPPINGS": {{ "AUTH0_DOMAIN": "acme.eu.auth0.com" }} }}
//- grants/flows.json
{{ "client_id": "Flows App", "audience": "https://##AUTH0_DOMAIN##/api/v2/", "scope": ["read:users", "update:users", "create:organization_members"] }}
//- flowls.toml
[connections."Users M2M"]
client = "Flows App"
"#
        ),
        expect![[""]],
    );
}

#[test]
fn scopes_unknown_lists_what_is_needed_and_declared_scopes_count() {
    let base = format!("{VAULT_USERS}{GET_USER_FLOW}");
    check(
        &base,
        expect![[r#"
            flow-vault-connections/Users M2M.json 2:11-2:22 info scopes-unknown "\"Users M2M\"": 3 AUTH0 actions use `Users M2M` and need create:organization_members, read:users, update:users, but nothing in the workspace says what its M2M application was granted: link its client grant in flowls.toml ([connections."Users M2M"] client = "…"), declare granted_scopes there, or run Test connection
        "#]],
    );
    check(
        &format!(
            "{base}\n//- flowls.toml\n[connections.\"Users M2M\"]\ngranted_scopes = [\"read:users\", \"update:users\", \"create:organization_members\", \"delete:users\"]\n"
        ),
        expect![[r#"
            flowls.toml 2:80-2:94 hint excess-scope "\"delete:users\"": `delete:users` is granted but no action using `Users M2M` needs it: remove it from granted_scopes (least privilege)
        "#]],
    );
}

#[test]
fn flowls_toml_problems() {
    check(
        &format!(
            "{VAULT_USERS}\n//- flowls.toml\n[connections.\"Nope\"]\ngranted_scopes = []\n[connections.\"Users M2M\"]\nclient = \"Ghost\"\n"
        ),
        expect![[r#"
            flow-vault-connections/Users M2M.json 2:11-2:22 hint unused-connection "\"Users M2M\"": no flow uses the connection `Users M2M`: remove it if it is not needed
            flowls.toml 1:14-1:20 warning config "\"Nope\"": no vault connection is named `Nope`: check the name (it is the vault file's "name"), or declare one that lives only in the tenant with app_id = "AUTH0"
            flowls.toml 4:10-4:17 error config "\"Ghost\"": no client grant (in grants/, or under clientGrants: in a deploy-cli YAML) has client_id `Ghost`: use the client's name as deploy-cli writes it there
        "#]],
    );
    check(
        "//- flowls.toml\n[connections.\"A\"]\nclinet = \"x\"\n",
        expect![[r#"
            flowls.toml 2:1-2:7 error config "clinet": flowls.toml: unknown field `clinet`, expected one of `app_id`, `client`, `granted_scopes`
        "#]],
    );
}

#[test]
fn unknown_endpoints_are_warned_not_guessed() {
    check(
        &format!(
            r#"{VAULT_USERS}
//- flows/a.json
{{ "name": "A", "actions": [
  {{ "id": "r", "type": "AUTH0", "action": "SEND_REQUEST", "params": {{ "connection_id": "Users M2M", "pathname": "/api/v2/nothing" }} }},
  {{ "id": "s", "type": "AUTH0", "action": "SEND_REQUEST", "params": {{ "connection_id": "Users M2M", "pathname": "{{{{vars.path}}}}" }} }}
] }}
"#
        ),
        expect![[r#"
            flows/a.json 2:113-2:130 warning unknown-endpoint "\"/api/v2/nothing\"": cannot tell which scope AUTH0/SEND_REQUEST needs: `GET /api/v2/nothing` is not a Management API endpoint flowls knows; check the path against the Management API
            flows/a.json 3:113-3:128 warning unknown-endpoint "\"{{vars.path}}\"": cannot tell which scope AUTH0/SEND_REQUEST needs: its `pathname` is an expression; check the path against the Management API
        "#]],
    );
}

#[test]
fn vault_setup_checks() {
    check(
        r###"
//- flow-vault-connections/a.json
{ "name": "A", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "id", "client_secret": "s3cr3t", "domain": "https://acme.auth0.com/", "audience": "http://x" } }
//- flow-vault-connections/b.json
{ "name": "B", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_secret": "##SECRET##" } }
//- flow-vault-connections/c.json
{ "name": "C", "app_id": "SLACKK", "colour": 1 }
//- flow-vault-connections/d.json
{ "name": "D", "app_id": "HTTP", "setup": { "type": "BEAR", "token": "t" } }
//- flow-vault-connections/e.json
{ "name": "E", "app_id": "TELEGRAM", "setup": { "type": "TOKEN", "token": 5 } }
"###,
        expect![[r###"
            flow-vault-connections/a.json 1:11-1:14 hint unused-connection "\"A\"": no flow uses the connection `A`: remove it if it is not needed
            flow-vault-connections/a.json 1:103-1:111 warning plaintext-secret "\"s3cr3t\"": `client_secret` is written in plain text: replace it by a keyword marker such as "##CLIENT_SECRET##" and put the value in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or an environment variable
            flow-vault-connections/a.json 1:123-1:148 error vault-setup "\"https://acme.auth0.com/\"": `domain` must be a bare host such as my-tenant.us.auth0.com: remove the scheme (found "https://acme.auth0.com/")
            flow-vault-connections/a.json 1:162-1:172 error vault-setup "\"http://x\"": `audience` must be an https URL, such as https://my-tenant.us.auth0.com/api/v2/ (found "http://x")
            flow-vault-connections/b.json 1:11-1:14 hint unused-connection "\"B\"": no flow uses the connection `B`: remove it if it is not needed
            flow-vault-connections/b.json 1:35-1:42 error vault-setup "\"setup\"": missing required setup field `client_id` for the AUTH0 OAUTH_APP setup: add it
            flow-vault-connections/b.json 1:35-1:42 error vault-setup "\"setup\"": missing required setup field `domain` for the AUTH0 OAUTH_APP setup: add it
            flow-vault-connections/c.json 1:11-1:14 hint unused-connection "\"C\"": no flow uses the connection `C`: remove it if it is not needed
            flow-vault-connections/c.json 1:26-1:34 error schema "\"SLACKK\"": unknown app_id `SLACKK`: did you mean `SLACK`?
            flow-vault-connections/c.json 1:36-1:44 error schema "\"colour\"": unknown field `colour` in a vault connection: remove it
            flow-vault-connections/d.json 1:11-1:14 hint unused-connection "\"D\"": no flow uses the connection `D`: remove it if it is not needed
            flow-vault-connections/d.json 1:53-1:59 error vault-setup "\"BEAR\"": `BEAR` is not a setup type of HTTP: use "API_KEY" or "BASIC_AUTH" or "BEARER" or "OAUTH_CLIENT_CREDENTIALS"
            flow-vault-connections/e.json 1:11-1:14 hint unused-connection "\"E\"": no flow uses the connection `E`: remove it if it is not needed
            flow-vault-connections/e.json 1:75-1:76 error vault-setup "5": `token` must be a string; found a number
        "###]],
    );
}

#[test]
fn setup_from_a_keyword_marker_is_validated_on_the_marker() {
    let fixture = r###"
//- config.json
{ "AUTH0_KEYWORD_REPLACE_MAPPINGS": { "SETUP": { "type": "OAUTH_APP", "client_id": "x", "domain": "https://bad" } } }
//- flow-vault-connections/a.json
{ "name": "A", "app_id": "AUTH0", "setup": "@@SETUP@@" }
//- flow-vault-connections/b.json
{ "name": "B", "app_id": "AUTH0", "setup": "@@UNKNOWN_SETUP@@" }
"###;
    let rendered = render(&workspace(fixture));
    expect![[r#"
        flow-vault-connections/a.json 1:11-1:14 hint unused-connection "\"A\"": no flow uses the connection `A`: remove it if it is not needed
        flow-vault-connections/a.json 1:44-1:55 error vault-setup "\"@@SETUP@@\"": missing required setup field `client_secret` for the AUTH0 OAUTH_APP setup: add it
        flow-vault-connections/a.json 1:44-1:55 error vault-setup "\"@@SETUP@@\"": `domain` must be a bare host such as my-tenant.us.auth0.com: remove the scheme
        flow-vault-connections/b.json 1:11-1:14 hint unused-connection "\"B\"": no flow uses the connection `B`: remove it if it is not needed
    "#]]
    .assert_eq(&rendered);
}

#[test]
fn nested_conditions_see_only_their_own_branch() {
    check(
        r###"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "c1", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": { "if": true,
    "then": [
      { "id": "a1", "type": "JSON", "action": "CREATE_JSON", "params": { "object": {} } },
      { "id": "c2", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": { "if": "{{actions.a1.object}}",
        "then": [ { "id": "b1", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{actions.a1.object}} {{actions.c1.result}} {{actions.c2.result}}" } } ],
        "else": [ { "id": "b2", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{actions.b1.object}}" } } ] } },
      { "id": "a2", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{actions.b1.object}} {{actions.a1.object}}" } } ],
    "else": [ { "id": "e1", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{actions.a1.object}}" } } ] } },
  { "id": "z", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{actions.c1.result}} {{actions.a2.object}} {{actions.b2.object}}" } }
] }
"###,
        expect![[r#"
            flows/a.json 5:100-5:106 warning expression "object": `object` is not an output of JSON/CREATE_JSON (a1); it has result
            flows/a.json 6:107-6:113 warning expression "object": `object` is not an output of JSON/CREATE_JSON (a1); it has result
            flows/a.json 7:104-7:106 error expression "b1": `b1` has not run at this point (it comes later, or in another branch): an expression can read only earlier actions
            flows/a.json 8:84-8:101 warning expression "actions.b1.object": `b1` runs only in one branch of an earlier condition, so it may not have run here: read it inside that branch, or guard with ??
            flows/a.json 8:117-8:123 warning expression "object": `object` is not an output of JSON/CREATE_JSON (a1); it has result
            flows/a.json 9:100-9:102 error expression "a1": `a1` has not run at this point (it comes later, or in another branch): an expression can read only earlier actions
            flows/a.json 10:101-10:118 warning expression "actions.a2.object": `a2` runs only in one branch of an earlier condition, so it may not have run here: read it inside that branch, or guard with ??
            flows/a.json 10:123-10:140 warning expression "actions.b2.object": `b2` runs only in one branch of an earlier condition, so it may not have run here: read it inside that branch, or guard with ??
        "#]],
    );
}

#[test]
fn expressions_read_only_earlier_actions() {
    check(
        r###"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "first", "type": "OTP", "action": "GENERATE_CODE", "params": { "reference": "{{actions.later.code}}", "length": 6 } },
  { "id": "cond", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": { "if": "{{actions.first.code == 1}}",
    "then": [ { "id": "inner", "type": "JSON", "action": "CREATE_JSON", "params": { "object": { "a": "{{actions.cond.result}} {{actions.first.cod}}" } } } ],
    "else": [ { "id": "other", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{actions.inner.result}}" } } ] } },
  { "id": "later", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{ actions.inner.result }} {{actions.ghost.x}} {{ actions.later.object }}" } },
  { "id": "fx", "type": "JSON", "action": "PARSE_JSON", "params": { "json": "{{functions.toUppercase(fields.a)}} {{functions.uuid}} {{ctx.user}} {{context.usr.x}} {{ fields. }} {{ unclosed" } },
  { "id": "mail", "type": "AUTH0", "action": "SEND_EMAIL", "params": { "to": "{{context.user.email}}", "subject": "{{ custom_vars.x }}", "body": "{% for x in y %}{{ x.name | upcase }}{% endfor %} {{actions.nothing.x}}" } }
] }
"###,
        expect![[r#"
            flows/a.json 2:98-2:103 error expression "later": `later` has not run at this point (it comes later, or in another branch): an expression can read only earlier actions
            flows/a.json 4:143-4:146 warning expression "cod": `cod` is not an output of OTP/GENERATE_CODE (first); it has code
            flows/a.json 5:103-5:108 error expression "inner": `inner` has not run at this point (it comes later, or in another branch): an expression can read only earlier actions
            flows/a.json 6:84-6:104 warning expression "actions.inner.result": `inner` runs only in one branch of an earlier condition, so it may not have run here: read it inside that branch, or guard with ??
            flows/a.json 6:118-6:123 error expression "ghost": no action with id `ghost` in this flow
            flows/a.json 6:131-6:151 error expression "actions.later.object": `actions.later` reads this action's own output, which does not exist yet: read an earlier action
            flows/a.json 7:90-7:101 error expression "toUppercase": unknown function `toUppercase` (did you mean `toUpperCase`?)
            flows/a.json 7:116-7:130 warning expression "functions.uuid": `functions.uuid` is a function: call it, like functions.uuid(…)
            flows/a.json 7:135-7:138 error expression "ctx": unknown root `ctx`: expressions start with context, fields, vars, actions or functions
            flows/a.json 7:156-7:159 warning expression "usr": `context.usr` is not part of the context (did you mean `user`?)
            flows/a.json 7:164-7:177 error expression "{{ fields. }}": expected a property name after `.`: the expression ends too soon: expressions look like {{context.user.email}}
            flows/a.json 7:178-7:189 error expression "{{ unclosed": unclosed expression: add `}}`: expressions look like {{context.user.email}}
            flows/a.json 8:207-8:214 error expression "nothing": no action with id `nothing` in this flow
        "#]],
    );
}

#[test]
fn keyword_markers_stand_in_for_values() {
    check(
        r###"
//- flows/a.json
{ "name": "##FLOW_NAME##", "actions": [
  { "id": "a", "type": "OTP", "action": "GENERATE_CODE", "params": { "reference": "r", "length": @@LEN@@ } },
  { "id": "b", "type": "OTP", "action": "GENERATE_CODE", "params": "@@PARAMS@@" }
] }
"###,
        expect![[r#""#]],
    );
}

#[test]
fn plaintext_secret_in_http_request_and_setting_turns_it_off() {
    let fixture = r###"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "a", "type": "HTTP", "action": "SEND_REQUEST", "params": { "url": "https://x", "headers": { "Authorization": "Bearer abc" }, "basic": { "username": "u", "password": "##PW##" } } }
] }
"###;
    let mut ws = workspace(fixture);
    expect![[r###"
        flows/a.json 2:120-2:132 warning plaintext-secret "\"Bearer abc\"": this header's credential is written in plain text: move it to an HTTP vault connection, or use a keyword marker such as "##API_TOKEN##" with the value in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or an environment variable
    "###]].assert_eq(&render(&ws));
    ws.set_settings(Settings {
        plaintext_secrets: false,
        ..Settings::default()
    });
    expect![[""]].assert_eq(&render(&ws));
}

#[test]
fn deeply_nested_conditions_and_garbage_do_not_crash() {
    let mut text = String::from(r#"{"name": "N", "actions": ["#);
    for i in 0..60 {
        text.push_str(&format!(r#"{{"id": "c{i}", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": {{"if": 1, "then": ["#));
    }
    let ws = workspace(&format!("//- flows/deep.json\n{text}"));
    assert!(!render(&ws).is_empty());
    for garbage in [
        "[]",
        "1",
        "\"x\"",
        "null",
        "{\"actions\": {}}",
        "{\"actions\": [1, [], {\"params\": 3}]}",
        "\u{feff}{}",
    ] {
        let ws = workspace(&format!(
            "//- flows/g.json\n{garbage}\n//- flow-vault-connections/g.json\n{garbage}\n"
        ));
        let _ = render(&ws);
    }
}

#[test]
fn api_shaped_files_resolve_connections_by_id() {
    check(
        r###"
//- tenant/users.vault.json
{ "id": "ac_driHxZHbTWt3zCyXRqsDFo", "name": "Users", "app_id": "AUTH0", "ready": true, "fingerprint": "f", "created_at": "2024-01-01T00:00:00.000Z", "updated_at": "2024-01-01T00:00:00.000Z", "refreshed_at": null }
//- tenant/onboard.flow.json
{ "id": "af_aj9fK5JBVy9Uo1eSnwCeMS", "name": "Onboard", "created_at": "2024-01-01T00:00:00.000Z", "updated_at": "2024-01-01T00:00:00.000Z", "executed_at": null, "actions": [
  { "id": "get", "type": "AUTH0", "action": "GET_USER", "allow_failure": false, "mask_output": false, "params": { "connection_id": "ac_driHxZHbTWt3zCyXRqsDFo", "user_id": "{{context.user.user_id}}" } },
  { "id": "mail", "type": "AUTH0", "action": "SEND_EMAIL", "params": { "to": "{{actions.get.email}}", "subject": "s {{actions.get.last_ip}}", "body": "b" } },
  { "id": "req", "type": "HTTP", "action": "SEND_REQUEST", "params": { "url": "https://x.example/{{actions.get.user_id}}", "headers": { "Authorization": "Bearer {{vars.token}}" } } },
  { "id": "other", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "ac_0000000000000000000000", "user_id": "u" } }
] }
"###,
        expect![[r#"
            tenant/onboard.flow.json 5:88-5:115 error unresolved-connection "\"ac_0000000000000000000000\"": no vault connection named `ac_0000000000000000000000` in the workspace: AUTH0 connections: `Users`
            tenant/users.vault.json 1:46-1:53 info scopes-unknown "\"Users\"": 1 AUTH0 action uses `Users` and needs read:users, but nothing in the workspace says what its M2M application was granted: link its client grant in flowls.toml ([connections."Users"] client = "…"), declare granted_scopes there, or run Test connection
        "#]],
    );
}

#[test]
fn duplicate_connection_names() {
    check(
        r###"
//- flow-vault-connections/a.json
{ "name": "Same", "app_id": "ZAPIER" }
//- flow-vault-connections/b.json
{ "name": "Same", "app_id": "ZAPIER" }
//- flows/f.json
{ "name": "F", "actions": [ { "id": "z", "type": "ZAPIER", "action": "TRIGGER_WEBHOOK", "params": { "connection_id": "Same" } } ] }
"###,
        expect![[r#"
            flow-vault-connections/a.json 1:11-1:17 error duplicate-connection "\"Same\"": another vault connection is also named `Same`: deploy-cli needs unique names
            flow-vault-connections/b.json 1:11-1:17 error duplicate-connection "\"Same\"": another vault connection is also named `Same`: deploy-cli needs unique names
        "#]],
    );
}

/// The least-privilege report, one line per application and per needed scope.
fn report_text(ws: &Workspace) -> String {
    let r = crate::analysis::least_privilege::report(ws);
    let mut s = String::new();
    for a in &r.applications {
        s.push_str(&format!(
            "{} [{}] granted={} missing={:?} excess={:?} exact={:?}\n",
            a.client.as_deref().unwrap_or("?"),
            a.connections.join(", "),
            a.granted
                .as_ref()
                .map_or("unknown".to_string(), |g| format!(
                    "{:?} from {} {:?}",
                    g.scopes, g.source, g.file
                )),
            a.missing,
            a.excess,
            a.exact_scopes()
        ));
        for n in &a.needed {
            let by: Vec<String> = n
                .actions
                .iter()
                .map(|x| format!("{}:{}", x.file, x.line))
                .collect();
            s.push_str(&format!(
                "  {} {:?} held={:?} by {}\n",
                n.scope,
                n.alternatives,
                n.held,
                by.join(" ")
            ));
        }
    }
    s
}

const TWO_VAULTS_FLOWS: &str = r###"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "u" } },
  { "id": "patch", "type": "AUTH0", "action": "SEND_REQUEST", "params": { "connection_id": "Support M2M", "method": "PATCH", "pathname": "/api/v2/users/u" } }
] }
//- flows/b.json
{ "name": "B", "actions": [
  { "id": "del", "type": "AUTH0", "action": "SEND_REQUEST", "params": { "connection_id": "Support M2M", "method": "DELETE", "pathname": "/api/v2/users/u" } }
] }
"###;

#[test]
fn connections_group_by_application_through_grants_flowls_toml_and_literal_ids() {
    // the same client through the grant (linked by client_id) and through flowls.toml
    let ws = workspace(&format!(
        r###"{VAULT_USERS}{TWO_VAULTS_FLOWS}
//- flow-vault-connections/Support M2M.json
{{ "name": "Support M2M", "app_id": "AUTH0", "setup": {{ "type": "OAUTH_APP", "client_id": "##SUPPORT_CLIENT##", "client_secret": "##S##", "domain": "acme.eu.auth0.com" }} }}
//- flowls.toml
[connections."Support M2M"]
client = "Flows M2M"
//- grants/flows.json
{{ "client_id": "Flows M2M", "audience": "https://acme.eu.auth0.com/api/v2/", "scope": ["read:users", "update:users_app_metadata", "read:clients"] }}
"###
    ));
    expect![[r#"
        Flows M2M [Support M2M, Users M2M] granted=["read:users", "update:users_app_metadata", "read:clients"] from grant Some("grants/flows.json") missing=["delete:users"] excess=["read:clients"] exact=["delete:users", "read:users", "update:users_app_metadata"]
          delete:users [] held=None by flows/b.json:2
          read:users [] held=Some("read:users") by flows/a.json:2
          update:users ["update:users_app_metadata"] held=Some("update:users_app_metadata") by flows/a.json:3
    "#]]
    .assert_eq(&report_text(&ws));
    // the same literal client_id, with no grant in the repository; a keyword-resolved id
    // groups too, and a connection with nothing known stands alone
    let ws = workspace_with(
        &format!(
            r###"{VAULT_USERS}{TWO_VAULTS_FLOWS}
//- flow-vault-connections/Support M2M.json
{{ "name": "Support M2M", "app_id": "AUTH0", "setup": {{ "type": "OAUTH_APP", "client_id": "Flows M2M", "client_secret": "##S##", "domain": "acme.eu.auth0.com" }} }}
//- flow-vault-connections/Other.json
{{ "name": "Other", "app_id": "AUTH0", "setup": {{ "type": "OAUTH_APP", "client_id": "##OTHER_CLIENT##", "client_secret": "##S##", "domain": "acme.eu.auth0.com" }} }}
//- config.json
{{ "AUTH0_KEYWORD_REPLACE_MAPPINGS": {{ "OTHER_CLIENT": "Flows M2M" }} }}
//- flows/c.json
{{ "name": "C", "actions": [ {{ "id": "mk", "type": "AUTH0", "action": "CREATE_USER", "params": {{ "connection_id": "Other", "connection": "db", "email": "a@b.c" }} }} ] }}
//- flow-vault-connections/Lone.json
{{ "name": "Lone", "app_id": "AUTH0", "setup": "@@LONE@@" }}
//- flows/d.json
{{ "name": "D", "actions": [ {{ "id": "g", "type": "AUTH0", "action": "GET_USER", "params": {{ "connection_id": "Lone", "user_id": "u" }} }} ] }}
"###
        ),
        vec![("OTHER_ENV_CLIENT".into(), "x".into())],
    );
    expect![[r#"
        ? [Lone] granted=unknown missing=[] excess=[] exact=["read:users"]
          read:users [] held=None by flows/d.json:1
        Flows M2M [Other, Support M2M, Users M2M] granted=unknown missing=[] excess=[] exact=["create:users", "delete:users", "read:users", "update:users"]
          create:users [] held=None by flows/c.json:1
          delete:users [] held=None by flows/b.json:2
          read:users [] held=None by flows/a.json:2
          update:users ["update:users_app_metadata"] held=None by flows/a.json:3
    "#]]
    .assert_eq(&report_text(&ws));
}

#[test]
fn connections_that_live_only_in_the_tenant() {
    // declared in flowls.toml with their app: checked, not unresolved; their scopes from
    // granted_scopes; an unknown app_id is a config error
    check(
        r###"
//- flows/a.json
{ "name": "A", "actions": [
  { "id": "get", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Auth0 Forms Connector", "user_id": "u", "changes": {} } },
  { "id": "post", "type": "SLACK", "action": "POST_MESSAGE", "params": { "connection_id": "Auth0 Forms Connector" } },
  { "id": "other", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Elsewhere", "user_id": "u" } }
] }
//- flowls.toml
[connections."Auth0 Forms Connector"]
app_id = "AUTH0"
granted_scopes = ["read:users"]

[connections."Typo"]
app_id = "AUTHO"
"###,
        expect![[r#"
            flowls.toml 3:19-3:31 hint excess-scope "\"read:users\"": `read:users` is granted but no action using `Auth0 Forms Connector` needs it: remove it from granted_scopes (least privilege)
            flowls.toml 6:10-6:17 error config "\"AUTHO\"": unknown app_id `AUTHO`: did you mean `AUTH0`?
            flows/a.json 2:45-2:58 warning missing-scope "\"UPDATE_USER\"": AUTH0/UPDATE_USER needs `update:users`, but the M2M application behind `Auth0 Forms Connector` was not granted it (granted: read:users; from granted_scopes in flowls.toml): grant `update:users`
            flows/a.json 3:91-3:114 error connection-app-mismatch "\"Auth0 Forms Connector\"": SLACK/POST_MESSAGE needs a vault connection with app_id SLACK, but `Auth0 Forms Connector` has app_id AUTH0: add a vault connection with app_id SLACK
            flows/a.json 4:88-4:99 warning unresolved-connection "\"Elsewhere\"": this workspace keeps no vault connections, so `Elsewhere` must exist in the tenant: declare it in flowls.toml ([connections."Elsewhere"] app_id = "AUTH0") to have its actions checked
        "#]],
    );
}

#[test]
fn forms_graph_flows_and_fields() {
    check(
        r###"
//- forms/kyc.json
{
  "name": "KYC",
  "nodes": [
    { "id": "step_1", "type": "STEP", "config": { "components": [ { "id": "full_name", "category": "FIELD", "type": "TEXT" } ], "next_node": "flow_1" } },
    { "id": "flow_1", "type": "FLOW", "config": { "flow_id": "Update KYC Name", "next_node": "router_1" } },
    { "id": "router_1", "type": "ROUTER", "config": { "rules": [ { "id": "r", "next_node": "step_9" } ], "fallback": "$ending" } },
    { "id": "flow_2", "type": "FLOW", "config": { "flow_id": "Update KYC Nmae", "next_node": "$ending" } }
  ],
  "start": { "next_node": "step_1" },
  "ending": {}
}
//- flows/kyc.json
{ "name": "Update KYC Name", "actions": [
  { "id": "s", "type": "FLOW", "action": "STORE_VARS", "params": { "vars": { "a": "{{fields.full_name}}", "b": "{{fields.fullname}}" } } }
] }
//- flows/other.json
{ "name": "Other", "actions": [
  { "id": "s", "type": "FLOW", "action": "STORE_VARS", "params": { "vars": { "a": "{{fields.anything}}" } } }
] }
"###,
        expect![[r#"
            flows/kyc.json 2:115-2:130 warning unknown-field "fields.fullname": no form that starts this flow has a field `fullname`: did you mean `full_name`?
            forms/kyc.json 6:92-6:100 error form-graph "\"step_9\"": no node of the form has the id `step_9`: did you mean `step_1`?
            forms/kyc.json 7:13-7:21 hint form-graph "\"flow_2\"": no path from the start reaches the node `flow_2`: point a `next_node` at it, or remove it
            forms/kyc.json 7:62-7:79 error unresolved-flow "\"Update KYC Nmae\"": no flow named `Update KYC Nmae` in the workspace: did you mean `Update KYC Name`?
        "#]],
    );
}

#[test]
fn a_bundles_form_starts_its_own_flows_by_token() {
    check(
        r###"
//- terraform/kyc.json
{ "version": "4.0.0",
  "form": { "name": "F", "nodes": [
    { "id": "s", "type": "STEP", "config": { "components": [ { "id": "email", "category": "FIELD", "type": "EMAIL" } ], "next_node": "f" } },
    { "id": "f", "type": "FLOW", "config": { "flow_id": "#FLOW-2#", "next_node": "$ending" } }
  ], "start": { "next_node": "s" } },
  "flows": { "#FLOW-1#": { "name": "One", "actions": [
    { "id": "v", "type": "FLOW", "action": "STORE_VARS", "params": { "vars": { "e": "{{fields.emial}}" } } }
  ] } },
  "connections": {}
}
"###,
        expect![[r##"
            terraform/kyc.json 4:57-4:67 error unresolved-flow "\"#FLOW-2#\"": no flow named `#FLOW-2#` in the bundle: did you mean `#FLOW-1#`?
        "##]],
    );
}

#[test]
fn a_deploy_cli_yaml_tenant_is_checked_where_its_text_is() {
    check(
        r###"
//- tenant.yaml
clientGrants:
  - client_id: Flows M2M
    audience: https://acme.eu.auth0.com/api/v2/
    scope:
      - read:users
      - delete:users
flows:
  - name: Update KYC Name
    body: ./flows/Update KYC Name.json
  - name: Missing
    body: ./flows/missing.json
  - name: Unnamed body
    body: ./other/unnamed.json
forms:
  - {name: KYC, body: ./forms/kyc.json}
flowVaultConnections:
  - name: Users M2M
    app_id: AUTH0
    setup:
      type: OAUTH_APP
      client_id: Flows M2M
      client_secret: s3cr3t-literal
      domain: acme.eu.auth0.com
  - name: Broken
    app_id: AUTH0
    setup: {type: OAUTH_APP, client_id: x, client_secret: '##S##', domain: "https://acme.eu.auth0.com"}
  - name: Slack
    app_id: SLAKC
    setup: '@@SLACK_SETUP@@'
//- flows/Update KYC Name.json
{ "name": "Update KYC Name", "actions": [
  { "id": "u", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "{{context.user.user_id}}", "changes": { "name": "{{fields.full_nme}}" } } },
  { "id": "g", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M3M", "user_id": "x" } }
] }
//- other/unnamed.json
{ "actions": [
  { "id": "s", "type": "FLOW", "action": "STORE_VARS", "params": { "vars": {} } }
] }
//- forms/kyc.json
{ "name": "KYC", "nodes": [
  { "id": "step", "type": "STEP", "config": { "components": [ { "id": "full_name", "category": "FIELD", "type": "TEXT" } ], "next_node": "flow" } },
  { "id": "flow", "type": "FLOW", "config": { "flow_id": "Update KYC Name", "next_node": "$ending" } },
  { "id": "flow2", "type": "FLOW", "config": { "flow_id": "Unnamed body", "next_node": "nowhere" } }
], "start": { "next_node": "step" } }
"###,
        expect![[r###"
            flows/Update KYC Name.json 2:43-2:56 warning missing-scope "\"UPDATE_USER\"": AUTH0/UPDATE_USER needs `update:users`, but the M2M application behind `Users M2M` was not granted it (granted: read:users, delete:users; from the client grant of `Flows M2M` in tenant.yaml, linked by the setup's client_id): grant `update:users`
            flows/Update KYC Name.json 2:163-2:178 warning unknown-field "fields.full_nme": no form that starts this flow has a field `full_nme`: did you mean `full_name`?
            flows/Update KYC Name.json 3:84-3:95 error unresolved-connection "\"Users M3M\"": no vault connection named `Users M3M` in the workspace: did you mean `Users M2M`?
            forms/kyc.json 4:11-4:18 hint form-graph "\"flow2\"": no path from the start reaches the node `flow2`: point a `next_node` at it, or remove it
            forms/kyc.json 4:88-4:97 error form-graph "\"nowhere\"": no node of the form has the id `nowhere`: use a node's id or "$ending"
            tenant.yaml 5:9-5:19 hint excess-scope "read:users": `read:users` is granted but no action using `Users M2M` needs it: remove it from this grant (least privilege)
            tenant.yaml 6:9-6:21 hint excess-scope "delete:users": `delete:users` is granted but no action using `Users M2M` needs it: remove it from this grant (least privilege)
            tenant.yaml 11:11-11:31 error schema "./flows/missing.json": no file `./flows/missing.json` in the workspace: deploy-cli reads the flow from it (paths are relative to this YAML file's folder)
            tenant.yaml 22:22-22:36 warning plaintext-secret "s3cr3t-literal": `client_secret` is written in plain text: replace it by a keyword marker such as "##CLIENT_SECRET##" and put the value in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or an environment variable
            tenant.yaml 24:11-24:17 hint unused-connection "Broken": no flow uses the connection `Broken`: remove it if it is not needed
            tenant.yaml 26:76-26:103 error vault-setup "\"https://acme.eu.auth0.com\"": `domain` must be a bare host such as my-tenant.us.auth0.com: remove the scheme (found "https://acme.eu.auth0.com")
            tenant.yaml 27:11-27:16 hint unused-connection "Slack": no flow uses the connection `Slack`: remove it if it is not needed
            tenant.yaml 28:13-28:18 error schema "SLAKC": unknown app_id `SLAKC`: did you mean `SLACK`?
        "###]],
    );
}

#[test]
fn forms_are_checked_against_the_form_catalogue() {
    check(
        r###"
//- forms/signup.json
{ "name": "Signup", "nodez": [],
  "nodes": [
    { "id": "s", "type": "STEP", "config": { "components": [
      { "id": "email", "category": "FIELD", "type": "EMIAL" },
      { "id": "email", "category": "FIELD", "type": "TEXT" },
      { "category": "BLOCK", "type": "NEXT_BUTTON", "config": {} },
      { "id": "jump", "category": "BLOCK", "type": "JUMP_BUTTON", "config": { "text": "Skip", "next_node": "nowhere" } },
      { "id": "cap", "category": "WIDGT", "type": "RECAPTCHA" }
    ], "next_node": "f" } },
    { "id": "f", "type": "FLOW", "alias": "x", "colour": "red" },
    { "id": "r", "type": "ROUTR" }
  ],
  "start": { "next_node": "s", "hidden_fields": [ { "key": "ref" } ] },
  "ending": { "resume_flow": true }
}
"###,
        expect![[r#"
            forms/signup.json 1:21-1:28 error schema "\"nodez\"": unknown field `nodez` in a form: remove it (did you mean `nodes`?)
            forms/signup.json 4:53-4:60 error schema "\"EMIAL\"": unknown FIELD component type `EMIAL`: did you mean `EMAIL`?
            forms/signup.json 5:15-5:22 error schema "\"email\"": another node or component of the form has the id `email`: ids must be unique
            forms/signup.json 6:7-6:8 error schema "{": missing required field `id` in the component: add "id": "…"
            forms/signup.json 6:63-6:64 error schema "{": missing required field `text` in the config of a BLOCK NEXT_BUTTON component: add it
            forms/signup.json 7:108-7:117 error form-graph "\"nowhere\"": no node of the form has the id `nowhere`: use a node's id or "$ending"
            forms/signup.json 8:34-8:41 error schema "\"WIDGT\"": unknown component category `WIDGT`: did you mean `WIDGET`?
            forms/signup.json 10:5-10:6 error schema "{": missing required field `config` in a FLOW node: add it with `flow_id`
            forms/signup.json 10:48-10:56 error schema "\"colour\"": unknown field `colour` in a FLOW node: remove it
            forms/signup.json 11:13-11:16 hint form-graph "\"r\"": no path from the start reaches the node `r`: point a `next_node` at it, or remove it
            forms/signup.json 11:26-11:33 error schema "\"ROUTR\"": unknown node type `ROUTR`: did you mean `ROUTER`?
        "#]],
    );
}

#[test]
fn yaml_findings_keep_their_lines_with_crlf_anchors_and_flow_maps() {
    let yaml = "base: &setup\r\n  type: OAUTH_APP\r\n  client_id: c\r\n  client_secret: '##S##'\r\n  domain: https://acme.auth0.com\r\nflowVaultConnections:\r\n  - name: A\r\n    app_id: AUTH0\r\n    setup: *setup\r\n  - {name: B, app_id: SLAKC}\r\n  - name: C\r\n    app_id: AUTH0\r\n    setup:\r\n      <<: *setup\r\n      domain: c.auth0.com\r\n      colour: |\r\n        multi\r\n        line\r\n";
    let ws = workspace(&format!("//- tenant.yaml\n{yaml}"));
    expect![[r#"
        tenant.yaml 5:11-5:33 error vault-setup "https://acme.auth0.com": `domain` must be a bare host such as my-tenant.us.auth0.com: remove the scheme (found "https://acme.auth0.com")
        tenant.yaml 7:11-7:12 hint unused-connection "A": no flow uses the connection `A`: remove it if it is not needed
        tenant.yaml 10:12-10:13 hint unused-connection "B": no flow uses the connection `B`: remove it if it is not needed
        tenant.yaml 10:23-10:28 error schema "SLAKC": unknown app_id `SLAKC`: did you mean `SLACK`?
        tenant.yaml 11:11-11:12 hint unused-connection "C": no flow uses the connection `C`: remove it if it is not needed
        tenant.yaml 16:7-16:13 error vault-setup "colour": unknown setup field `colour` in the AUTH0 OAUTH_APP setup: remove it (the AUTH0 OAUTH_APP setup allows: type, client_id, client_secret, domain, audience)
    "#]]
    .assert_eq(&render(&ws));
}

#[test]
fn a_yaml_syntax_error_is_reported_once_at_its_cause() {
    // an unclosed `{` is reported at the bracket (YAML notices it lines later), an unclosed
    // quote at the quote; what follows is still read, and the values lost to the errors raise
    // nothing more
    check(
        r###"
//- tenant.yaml
flowVaultConnections:
  - name: A
    app_id: AUTH0
    setup: {type: OAUTH_APP, client_id: c
  - name: B
    app_id: "SLACK
    setup: x
clientGrants:
  - client_id: c
    scope: [read:users
  - client_id: d
    scope: [read:users]
"###,
        expect![[r#"
            tenant.yaml 2:11-2:12 hint unused-connection "A": no flow uses the connection `A`: remove it if it is not needed
            tenant.yaml 4:12-4:13 error syntax "{": YAML: this `{` is not closed where it should be (while parsing a flow mapping, did not find expected ',' or '}')
            tenant.yaml 5:11-5:12 hint unused-connection "B": no flow uses the connection `B`: remove it if it is not needed
            tenant.yaml 6:13-6:19 error syntax "\"SLACK": YAML: invalid indentation in quoted scalar
            tenant.yaml 10:12-10:13 error syntax "[": YAML: this `[` is not closed where it should be (illegal placement of ':' indicator)
        "#]],
    );
}

#[test]
fn messages_say_what_they_found() {
    // issue 20.12: "found a string" hid the value; `env:AUTH0_DOMAIN` was told to remove a
    // port; a mismatch listed every connection of the right app
    let mut fixture = String::from(
        r###"
//- flow-vault-connections/k.json
{ "name": "K", "app_id": "HTTP", "setup": { "type": "API_KEY", "name": "x-key", "value": "##KEY##", "in": "COOKIE" } }
//- flow-vault-connections/h.json
{ "name": "H", "app_id": "HTTP", "setup": { "type": "API_KEY", "name": "x-key", "value": 12345678, "in": "HEADR" } }
//- flow-vault-connections/d.json
{ "name": "D", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "c", "client_secret": "##S##", "domain": "env:AUTH0_DOMAIN" } }
//- flow-vault-connections/slack.json
{ "name": "Slack", "app_id": "SLACK" }
//- flows/a.json
{"name": "A", "actions": [{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "Slack", "user_id": "u"}}]}
//- flows/b.json
{"name": "B", "actions": [{"id": 7, "type": "FLOW", "action": "DO_NOTHING", "allow_failure": "yes", "params": {}}]}
"###,
    );
    for name in [
        "Audit M2M",
        "Legacy M2M",
        "Marketing M2M",
        "Ops M2M",
        "Sales M2M",
        "Slack M2M",
        "Support M2M",
        "Users M2M",
    ] {
        fixture.push_str(&format!(
            "//- flow-vault-connections/{name}.json\n{{ \"name\": \"{name}\", \"app_id\": \"AUTH0\" }}\n"
        ));
    }
    let ws = workspace(&fixture);
    let found: Vec<String> = render(&ws)
        .lines()
        .filter(|l| {
            l.contains("vault-setup")
                || l.contains("connection-app-mismatch")
                || l.starts_with("flows/b.json")
        })
        .map(str::to_string)
        .collect();
    expect![[r#"
        flow-vault-connections/d.json 1:121-1:139 error vault-setup "\"env:AUTH0_DOMAIN\"": `domain` must be a host name such as my-tenant.us.auth0.com, and a `:` that starts no port has no place in one: if a deploy step replaces this value, write a keyword marker such as ##AUTH0_DOMAIN## instead (found "env:AUTH0_DOMAIN")
        flow-vault-connections/h.json 1:90-1:98 error vault-setup "12345678": `value` must be a string of 1 to 255 characters; found a number
        flow-vault-connections/h.json 1:106-1:113 error vault-setup "\"HEADR\"": `in` must be one of "HEADER", "QUERY"; found "HEADR": did you mean "HEADER"?
        flow-vault-connections/k.json 1:107-1:115 error vault-setup "\"COOKIE\"": `in` must be one of "HEADER", "QUERY"; found "COOKIE"
        flows/a.json 1:106-1:113 error connection-app-mismatch "\"Slack\"": AUTH0/GET_USER needs a vault connection with app_id AUTH0, but `Slack` has app_id SLACK: use `Slack M2M` or `D` (or one of 7 others)
        flows/b.json 1:34-1:35 error schema "7": the action `id` must be a string, found 7
        flows/b.json 1:94-1:99 error schema "\"yes\"": `allow_failure` must be true or false, found "yes"
    "#]]
    .assert_eq(&(found.join("\n") + "\n"));
}

#[test]
fn findings_point_to_the_places_that_explain_them() {
    // issue 20.14: relatedInformation for the vault a connection-* finding is about, the grant
    // behind a missing-scope, the first of two duplicates
    let ws = workspace(
        r###"
//- flow-vault-connections/users.json
{ "name": "Users", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "cid", "client_secret": "##S##", "domain": "acme.auth0.com" } }
//- flow-vault-connections/slack.json
{ "name": "Slack", "app_id": "SLACK" }
//- flow-vault-connections/slack2.json
{ "name": "Slack", "app_id": "SLACK" }
//- grants/g.json
{ "client_id": "cid", "audience": "https://acme.auth0.com/api/v2/", "scope": ["read:users"] }
//- flows/a.json
{"name": "A", "actions": [
{"id": "u", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "Users", "user_id": "u", "changes": {}}},
{"id": "u", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "Slack", "user_id": "u"}}
]}
"###,
    );
    let out = render_related(&ws);
    expect![[r#"
        flow-vault-connections/slack.json duplicate-connection → flow-vault-connections/slack2.json "\"Slack\"": the other vault connection named `Slack`
        flow-vault-connections/slack2.json duplicate-connection → flow-vault-connections/slack.json "\"Slack\"": the other vault connection named `Slack`
        flows/a.json missing-scope → flow-vault-connections/users.json "\"Users\"": the vault connection `Users`
        flows/a.json missing-scope → grants/g.json "\"read:users\"": the scopes granted to `Users`
        flows/a.json duplicate-action-id → flows/a.json "\"u\"": the first action with the id `u`
        flows/a.json connection-app-mismatch → flow-vault-connections/slack.json "\"Slack\"": the vault connection `Slack` (app_id SLACK)
    "#]].assert_eq(&out);
}

#[test]
fn a_bundles_connections_are_checked_like_vault_files() {
    // the stub used by AUTH0 actions: scopes-unknown, as a vault file in its place gets; an
    // unused stub; a stub of an unknown app; a stub without a name — each on the stub
    check(
        r###"
//- exports/kyc.json
{ "version": "4.0.0",
  "form": { "name": "F", "nodes": [
    { "id": "f", "type": "FLOW", "config": { "flow_id": "#FLOW-1#", "next_node": "$ending" } }
  ], "start": { "next_node": "f" } },
  "flows": { "#FLOW-1#": { "name": "One", "actions": [
    { "id": "u1", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "#CONN-1#", "user_id": "{{context.user.user_id}}", "changes": {} } },
    { "id": "u2", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "#CONN-1#", "user_id": "{{context.user.user_id}}", "changes": {} } }
  ] } },
  "connections": {
    "#CONN-1#": { "id": "ac_1", "app_id": "AUTH0", "name": "Users M2M" },
    "#CONN-2#": { "id": "ac_2", "app_id": "AUTH0", "name": "Spare" },
    "#CONN-3#": { "id": "ac_3", "app_id": "SLAKC", "name": "Alerts" },
    "#CONN-4#": { "id": "ac_4", "app_id": "AUTH0" }
  }
}
"###,
        expect![[r##"
            exports/kyc.json 10:60-10:71 info scopes-unknown "\"Users M2M\"": 2 AUTH0 actions use `Users M2M` and need update:users, but nothing in the workspace says what its M2M application was granted: link its client grant in flowls.toml ([connections."Users M2M"] client = "…"), declare granted_scopes there, or run Test connection
            exports/kyc.json 11:60-11:67 hint unused-connection "\"Spare\"": no flow uses the connection `Spare`: remove it if it is not needed
            exports/kyc.json 12:43-12:50 error schema "\"SLAKC\"": unknown app_id `SLAKC`: did you mean `SLACK`?
            exports/kyc.json 12:60-12:68 hint unused-connection "\"Alerts\"": no flow uses the connection `Alerts`: remove it if it is not needed
            exports/kyc.json 13:5-13:15 error schema "\"#CONN-4#\"": the connection `#CONN-4#` of the bundle has no `name`: add the name of the tenant's vault connection
        "##]],
    );
}

#[test]
fn related_places_from_every_source_of_granted_scopes() {
    // issue 20.14: flowls.toml (with an empty granted_scopes), a YAML clientGrants: entry, a
    // grant file with no scope; a connection_id that is not needed; duplicate form ids
    let ws = workspace(
        r###"
//- flowls.toml
[connections."Declared"]
granted_scopes = []
//- tenant.yaml
flowVaultConnections:
  - name: Yaml
    app_id: AUTH0
    setup:
      type: OAUTH_APP
      client_id: ycid
      client_secret: "##S##"
      domain: acme.auth0.com
clientGrants:
  - client_id: ycid
    audience: https://acme.auth0.com/api/v2/
    scope: [read:users]
//- flow-vault-connections/declared.json
{ "name": "Declared", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "dcid", "client_secret": "##S##", "domain": "acme.auth0.com" } }
//- flow-vault-connections/empty.json
{ "name": "Empty", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "ecid", "client_secret": "##S##", "domain": "acme.auth0.com" } }
//- grants/e.json
{ "client_id": "ecid", "audience": "https://acme.auth0.com/api/v2/", "scope": [] }
//- flows/a.json
{"name": "A", "actions": [
{"id": "d", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "Declared", "user_id": "u"}},
{"id": "y", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "Yaml", "user_id": "u", "changes": {}}},
{"id": "e", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "Empty", "user_id": "u"}},
{"id": "m", "type": "AUTH0", "action": "SEND_EMAIL", "params": {"connection_id": "Empty", "from": {"email": "a@b.c"}, "to": "x@y.z", "subject": "s", "body": "b"}}
]}
//- forms/f.json
{ "name": "F", "start": { "next_node": "s" }, "nodes": [
  { "id": "s", "type": "STEP", "config": { "components": [{ "id": "s", "category": "FIELD", "type": "EMAIL" }], "next_node": "$ending" } }
], "ending": {} }
"###,
    );
    let out = render_related(&ws);
    expect![[r#"
        flows/a.json missing-scope → flow-vault-connections/declared.json "\"Declared\"": the vault connection `Declared`
        flows/a.json missing-scope → flowls.toml "[]": the scopes granted to `Declared`
        flows/a.json missing-scope → tenant.yaml "Yaml": the vault connection `Yaml`
        flows/a.json missing-scope → tenant.yaml "client_id: ycid\n    audience: https://acme.auth0.com/api/v2/\n    scope: [read:users]": the scopes granted to `Yaml`
        flows/a.json missing-scope → flow-vault-connections/empty.json "\"Empty\"": the vault connection `Empty`
        flows/a.json missing-scope → grants/e.json "\"scope\"": the scopes granted to `Empty`
        flows/a.json connection-not-needed → flow-vault-connections/empty.json "\"Empty\"": the vault connection `Empty`
        forms/f.json schema → forms/f.json "\"s\"": the first with the id `s`
    "#]].assert_eq(&out);
}

#[test]
fn a_bundles_token_is_its_own_stub_whatever_shares_its_name() {
    // two stubs of one name and different apps, and a vault file of another app sharing a
    // stub's name: each token is checked against its own stub's app
    let ws = workspace(
        r###"
//- flow-vault-connections/bundled.json
{ "name": "Bundled", "app_id": "SLACK" }
//- exports/e.json
{ "version": "4.0.0",
  "form": { "name": "F", "nodes": [ { "id": "f", "type": "FLOW", "config": { "flow_id": "#FLOW-1#", "next_node": "$ending" } } ], "start": { "next_node": "f" } },
  "flows": { "#FLOW-1#": { "name": "One", "actions": [
    { "id": "u", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "#CONN-1#", "user_id": "u", "changes": {} } },
    { "id": "s", "type": "SLACK", "action": "POST_MESSAGE", "params": { "connection_id": "#CONN-2#", "text": "hi" } },
    { "id": "b", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "#CONN-3#", "user_id": "u" } }
  ] } },
  "connections": {
    "#CONN-1#": { "id": "ac_1", "app_id": "AUTH0", "name": "Users M2M" },
    "#CONN-2#": { "id": "ac_2", "app_id": "SLACK", "name": "Users M2M" },
    "#CONN-3#": { "id": "ac_3", "app_id": "AUTH0", "name": "Bundled" }
  } }
"###,
    );
    let found = render(&ws);
    assert!(
        !found.contains("connection-app-mismatch"),
        "each token is its own stub: {found}"
    );
}

#[test]
fn a_token_endpoint_is_held_to_the_host_rule() {
    // the endpoint receives the credentials: an IP literal or a port there is a finding, as the
    // refusal of Test connection is
    let ws = workspace(
        r###"
//- flow-vault-connections/a.json
{ "name": "A", "app_id": "HTTP", "setup": { "type": "OAUTH_CLIENT_CREDENTIALS", "client_id": "c", "client_secret": "##S##", "token_endpoint": "https://2130706433/oauth/token" } }
//- flow-vault-connections/b.json
{ "name": "B", "app_id": "HTTP", "setup": { "type": "OAUTH_CLIENT_CREDENTIALS", "client_id": "c", "client_secret": "##S##", "token_endpoint": "https://evil.example:8443/oauth/token" } }
//- flow-vault-connections/c.json
{ "name": "C", "app_id": "HTTP", "setup": { "type": "OAUTH_CLIENT_CREDENTIALS", "client_id": "c", "client_secret": "##S##", "token_endpoint": "https://login.example.com/oauth/token" } }
"###,
    );
    let found: Vec<String> = render(&ws)
        .lines()
        .filter(|l| l.contains("vault-setup"))
        .map(str::to_string)
        .collect();
    expect![[r#"
        flow-vault-connections/a.json 1:143-1:175 error vault-setup "\"https://2130706433/oauth/token\"": `token_endpoint` has a host that must be a host name, not an IP address (found "https://2130706433/oauth/token")
        flow-vault-connections/b.json 1:143-1:182 error vault-setup "\"https://evil.example:8443/oauth/token\"": `token_endpoint` has a host that must be a bare host such as my-tenant.us.auth0.com: remove the port (found "https://evil.example:8443/oauth/token")
    "#]].assert_eq(&(found.join("\n") + "\n"));
}

#[test]
fn an_export_token_outside_its_bundle_is_said_to_be_one() {
    let ws = workspace(
        r###"
//- forms/p.flow-update.json
{"name": "P", "actions": [{"id": "u", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "#CONN-1#", "user_id": "u", "changes": {}}}]}
"###,
    );
    expect![[r##"
        forms/p.flow-update.json 1:109-1:119 warning unresolved-connection "\"#CONN-1#\"": `#CONN-1#` is a token of a Dashboard export, which names a connection only inside its export bundle: write the connection's name here, or have the deploy step replace the token by the connection's id
    "##]]
    .assert_eq(&render(&ws));
}

#[test]
fn a_reference_a_deploy_step_replaces_is_no_plaintext_secret() {
    // ac-iam-sandbox/auth0-terraform-starter keeps `"client_secret": "env:AUTH0_MGMT_CLIENT_SECRET"`
    for (value, secret) in [
        ("env:AUTH0_MGMT_CLIENT_SECRET", false),
        ("${CLIENT_SECRET}", false),
        ("$CLIENT_SECRET", false),
        ("__TF_SECRET__", false),
        ("s3cr3t-literal", true),
        ("env:lower-case-is-a-value", true),
        // masked, as documentation shows a secret: a place for one, not a value
        ("*****************", false),
        ("**", true),
    ] {
        let ws = workspace(&format!(
            "//- flow-vault-connections/v.json\n{{ \"name\": \"V\", \"app_id\": \"AUTH0\", \"setup\": {{ \"type\": \"OAUTH_APP\", \"client_id\": \"c\", \"client_secret\": \"{value}\", \"domain\": \"acme.auth0.com\" }} }}\n"
        ));
        assert_eq!(
            render(&ws).contains("plaintext-secret"),
            secret,
            "{value}: {}",
            render(&ws)
        );
    }
}

#[test]
fn placeholders_a_deploy_step_replaces_are_checked_as_deployed() {
    // ac-iam-sandbox/auth0-terraform-starter's journeys: Terragrunt replaces __TF_VAULT__x__,
    // __TF_FLOW__x__ and env:X before deploying; declared, they are what they stand for
    let fixture = r###"
//- flowls.toml
[placeholders]
"__TF_VAULT__{name}__" = "connection"
"__TF_FLOW__{name}__" = "flow"
"env:{name}" = "unknown"
//- journeys/vaults/mgmt.vault.json
{ "name": "auth0_mgmt", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "env:AUTH0_MGMT_CLIENT_ID", "client_secret": "env:AUTH0_MGMT_CLIENT_SECRET", "domain": "env:AUTH0_DOMAIN" } }
//- journeys/flows/send.flow.json
{ "name": "send_email", "actions": [{"id": "u", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "__TF_VAULT__auth0_mgmt__", "user_id": "u", "changes": {}}}] }
//- journeys/forms/verify.form.json
{ "name": "V", "start": { "next_node": "f" }, "nodes": [
  { "id": "f", "type": "FLOW", "config": { "flow_id": "__TF_FLOW__send_email__", "next_node": "$ending" } },
  { "id": "g", "type": "FLOW", "config": { "flow_id": "__TF_FLOW__missing__", "next_node": "$ending" } }
], "ending": {} }
"###;
    let ws = workspace(fixture);
    expect![[r#"
        journeys/forms/verify.form.json 3:11-3:14 hint form-graph "\"g\"": no path from the start reaches the node `g`: point a `next_node` at it, or remove it
        journeys/forms/verify.form.json 3:55-3:77 error unresolved-flow "\"__TF_FLOW__missing__\"": no flow named `missing` in the workspace: add it under flows/, or correct the name
        journeys/vaults/mgmt.vault.json 1:11-1:23 info scopes-unknown "\"auth0_mgmt\"": 1 AUTH0 action uses `auth0_mgmt` and needs update:users, but nothing in the workspace says what its M2M application was granted: link its client grant in flowls.toml ([connections."auth0_mgmt"] client = "…"), declare granted_scopes there, or run Test connection
    "#]].assert_eq(&render(&ws));
}

#[test]
fn placeholders_count_only_where_their_kind_belongs() {
    // an unknown token in an HTTP header is no plaintext secret; a flow's token as a
    // connection_id and a connection's token as a flow_id name nothing; bad patterns are
    // config findings
    let ws = workspace(
        r###"
//- flowls.toml
[placeholders]
"__TF_SECRET__{name}__" = "unknown"
"__TF_FLOW__{name}__" = "flow"
"__TF_VAULT__{name}__" = "connection"
//- flow-vault-connections/m.json
{ "name": "m", "app_id": "AUTH0" }
//- flows/f.json
{"name": "f", "actions": [
{"id": "h", "type": "HTTP", "action": "SEND_REQUEST", "params": {"url": "https://x.example", "headers": {"Authorization": "__TF_SECRET__api__"}}},
{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "__TF_FLOW__m__", "user_id": "u"}}
]}
//- forms/v.json
{ "name": "V", "start": { "next_node": "f" }, "nodes": [
  { "id": "f", "type": "FLOW", "config": { "flow_id": "__TF_VAULT__f__", "next_node": "$ending" } }
], "ending": {} }
"###,
    );
    let found = render(&ws);
    assert!(!found.contains("plaintext-secret"), "{found}");
    assert!(
        found.contains("unresolved-connection \"\\\"__TF_FLOW__m__\\\"\""),
        "{found}"
    );
    assert!(
        found.contains("unresolved-flow \"\\\"__TF_VAULT__f__\\\"\""),
        "{found}"
    );
    for (pattern, kind) in [
        ("{name}", "connection"),
        ("__{name}__{name}", "flow"),
        ("__X__", "unknown"),
        ("__{name}__", "secret"),
    ] {
        let ws = workspace(&format!(
            "//- flowls.toml\n[placeholders]\n\"{pattern}\" = \"{kind}\"\n"
        ));
        assert!(
            render(&ws).contains("config"),
            "{pattern} = {kind}: {}",
            render(&ws)
        );
    }
}

#[test]
fn a_bad_placeholder_is_reported_and_the_others_still_count() {
    let ws = workspace(
        r###"
//- flowls.toml
[placeholders]
"x{nam" = "flow"
"__TF_VAULT__{name}__" = "connection"
"y{name}" = "bogus"
//- flow-vault-connections/u.json
{ "name": "Users", "app_id": "AUTH0" }
//- flows/f.json
{"name": "f", "actions": [{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "__TF_VAULT__Users__", "user_id": "u"}}]}
"###,
    );
    let found = render(&ws);
    assert_eq!(found.matches(" config ").count(), 2, "{found}");
    assert!(!found.contains("unresolved-connection"), "{found}");
}

#[test]
fn a_connection_named_by_a_marker_is_used_by_the_same_marker() {
    // `##VNAME##` as the vault's name and as the action's `connection_id`: the same connection,
    // whether the marker's value is unknown (no unused-connection, no unresolved-connection)
    // or known (both stand for "Team Slack")
    let base = r###"
//- flow-vault-connections/v.json
{"name": "##VNAME##", "app_id": "SLACK", "setup": {"type": "WEBHOOK", "url": "https://hooks.slack.com/services/x"}}
//- flows/f.json
{"name": "F", "actions": [{"id": "n", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "##VNAME##", "text": "hi"}}]}
"###;
    check(base, expect![[""]]);
    check(
        &format!(
            "{base}//- config.json\n{{ \"AUTH0_KEYWORD_REPLACE_MAPPINGS\": {{ \"VNAME\": \"Team Slack\" }} }}\n"
        ),
        expect![[""]],
    );
    // a marker of unknown value that no connection's name writes: unknown, no finding
    check(
        r###"
//- flow-vault-connections/v.json
{"name": "Team Slack", "app_id": "SLACK", "setup": {"type": "WEBHOOK", "url": "https://hooks.slack.com/services/x"}}
//- flows/f.json
{"name": "F", "actions": [{"id": "n", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "##OTHER##", "text": "hi"}}, {"id": "m", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "Team Slack", "text": "hi"}}]}
"###,
        expect![[""]],
    );
}

#[test]
fn a_plain_files_replaced_token_follows_edits_of_the_file() {
    // `replace(file("flows/x.json"), "#CONN-1#", auth0_flow_vault_connection.slack.id)`: the
    // bare list's actions are the Slack connection's uses; an edit that moves them keeps them so
    // (the replaced token's place is the index's), and a wrong-app one is on the replace call
    let tf = r###"
//- main.tf
resource "auth0_flow_vault_connection" "slack" {
  name   = "Team Slack"
  app_id = "SLACK"
  setup  = { type = "WEBHOOK", url = var.url }
}

resource "auth0_flow" "x" {
  name    = "X"
  actions = replace(file("${path.module}/flows/x.json"), "#CONN-1#", auth0_flow_vault_connection.slack.id)
}
//- flows/x.json
"###;
    let post = r##"{"id": "n", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "#CONN-1#", "text": "hi"}}"##;
    let mut ws = workspace(&format!("{tf}[{post}]\n"));
    expect![[""]].assert_eq(&render(&ws));
    ws.set_file(
        PathBuf::from("/ws/flows/x.json"),
        Arc::from(format!(
            "[\n  {post},\n  {}\n]\n",
            post.replace("\"n\"", "\"m\"")
        )),
    );
    expect![[""]].assert_eq(&render(&ws));
    let get = r##"{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "#CONN-1#", "user_id": "u"}}"##;
    ws.set_file(
        PathBuf::from("/ws/flows/x.json"),
        Arc::from(format!("[\n\n  {post},\n  {get}\n]\n")),
    );
    expect![[r##"
        main.tf 9:13-9:107 error connection-app-mismatch "replace(file(\"${path.module}/flows/x.json\"), \"#CONN-1#\", auth0_flow_vault_connection.slack.id)": #CONN-1# stands for an AUTH0 connection in flows/x.json, but `auth0_flow_vault_connection.slack.id` is a SLACK connection: replace it by an AUTH0 connection
    "##]]
    .assert_eq(&render(&ws));
}

#[test]
fn file_of_a_file_over_the_document_size_setting_says_so_at_the_call() {
    // the workspace holds the file but does not parse it (over maxDocumentSizeMB): the call
    // says so, rather than that it names no file
    let settings = Settings {
        max_document_bytes: 1024 * 1024,
        ..Settings::default()
    };
    let mut ws = Workspace::new("/ws", settings, Vec::new());
    let tf = "resource \"auth0_flow\" \"f\" {\n  name    = \"F\"\n  actions = file(\"flows/x.json\")\n}\n";
    ws.set_files(vec![
        (PathBuf::from("/ws/main.tf"), Arc::from(tf)),
        (
            PathBuf::from("/ws/flows/x.json"),
            Arc::from(format!("[{}]", " ".repeat(2 * 1024 * 1024))),
        ),
    ]);
    let found = diagnostics(&ws, std::path::Path::new("/ws/main.tf"));
    let d = found
        .iter()
        .find(|d| d.code == code::SYNTAX)
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(&tf[d.range.as_usize()], "file(\"flows/x.json\")");
    assert_eq!(
        d.message,
        "file(\"flows/x.json\") is larger than 1 MiB (the setting maxDocumentSizeMB): what this attribute receives is not checked"
    );
}
