//! Values from the environment are never displayed (docs/SECURITY.md): a workspace whose
//! keyword markers resolve to canaries from the environment, in every place a resolved value
//! is used (connection names that resolve to nothing, methods, paths, setups, grants, params
//! of the wrong kind, form flow ids), and every feature asked at every offset of every file.
//! No answer may hold a canary.

use super::{completion, fixes, navigation, symbols};
use crate::analysis::tests::workspace_with;
use crate::syntax::TextRange;

const FIXTURE: &str = r###"
//- flows/a.json
{"name": "A", "actions": [
  {"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "##CONN##", "user_id": "u"}},
  {"id": "w", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "@@WHOLE@@", "user_id": "u", "changes": {}}},
  {"id": "p", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "pre-##PART##", "user_id": "u", "changes": {}}},
  {"id": "r", "type": "AUTH0", "action": "SEND_REQUEST", "params": {"connection_id": "Users", "method": "##METHOD##", "pathname": "##PATH##"}},
  {"id": "q", "type": "AUTH0", "action": "SEND_REQUEST", "params": {"connection_id": "Users", "method": "##GOODMETHOD##", "pathname": "/api/v2/users"}},
  {"id": "h", "type": "HTTP", "action": "SEND_REQUEST", "params": {"url": "https://x.example", "method": "##HTTPMETHOD##", "headers": {"a": "##HDR##"}}},
  {"id": "e", "type": "EMAIL", "action": "VERIFY_EMAIL", "params": {"email": "##MAIL##", "rules": "##RULES##"}},
  {"id": "s", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "##SLACKCONN##", "text": "hi ##TEXT##"}}
]}
//- flow-vault-connections/users.json
{ "name": "Users", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "##CID##", "client_secret": "##SECRET##", "domain": "##DOMAIN##", "audience": "https://##AUD##/api/v2/" } }
//- flow-vault-connections/bad.json
{ "name": "Bad", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "c", "client_secret": "##SECRET##", "domain": "##BADDOMAIN##" } }
//- flow-vault-connections/whole.json
{ "name": "Whole", "app_id": "HTTP", "setup": "@@SETUP@@" }
//- flow-vault-connections/typed.json
{ "name": "Typed", "app_id": "HTTP", "setup": { "type": "##SETUPTYPE##", "token": "##SECRET##" } }
//- flow-vault-connections/enum.json
{ "name": "Enum", "app_id": "HTTP", "setup": { "type": "API_KEY", "name": "k", "value": "##SECRET##", "in": "##IN##" } }
//- flow-vault-connections/unquoted.json
{ "name": "Unquoted", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "c", "client_secret": ##USECRET##, "domain": ##UDOMAIN## } }
//- flow-vault-connections/unquoted-setup.json
{ "name": "UnquotedSetup", "app_id": "AUTH0", "setup": ##USETUP## }
//- flows/unquoted.json
{"name": "U", "actions": [
  {"id": "g", "type": "AUTH0", "action": "GET_USER", "params": ##UPARAMS##},
  {"id": "h", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "UnquotedSetup", "user_id": "u", "extra": @@UEXTRA@@}}
]}
//- tenant.yaml
flowVaultConnections:
  - name: Y
    app_id: AUTH0
    setup:
      type: OAUTH_APP
      client_id: c
      client_secret: "##SECRET##"
      domain: t##YDOM##.us.auth0.com
clientGrants:
  - client_id: c
    audience: h
    scope: [read:users]
//- flow-vault-connections/slack.json
{ "name": "Slack", "app_id": "SLACK", "setup": { "url": "##SLACKURL##" } }
//- exports/bundle.json
{ "version": "4.0.0", "form": { "name": "B", "nodes": [{ "id": "f", "type": "FLOW", "config": { "flow_id": "##BFLOW##", "next_node": "$ending" } }], "start": { "next_node": "f" } },
  "flows": { "#FLOW-1#": { "name": "One", "actions": [
    { "id": "u", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "#CONN-1#", "user_id": "##BUSER##", "changes": {} } },
    { "id": "v", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "##BCONN##", "user_id": "u" } } ] } },
  "connections": { "#CONN-1#": { "id": "ac_1", "app_id": "AUTH0", "name": "Bundled" } } }
//- grants/g.json
{ "client_id": "##GRANTCLIENT##", "audience": "https://##GRANTAUD##/api/v2/", "scope": ["read:users", "##SCOPE##"] }
//- forms/f.json
{ "name": "F", "start": {"next_node": "n"}, "nodes": [{"id": "n", "type": "FLOW", "config": {"flow_id": "##FLOWID##", "next_node": "$ending"}}], "ending": {} }
"###;

/// Every canary, and the environment that holds them.
fn env() -> Vec<(String, String)> {
    [
        ("CONN", "cnry-conn-a1"),
        ("WHOLE", "cnry-whole-b2"),
        ("PART", "cnry-part-c3"),
        ("METHOD", "cnry-method-d4"),
        ("PATH", "/cnry-path-e5"),
        ("GOODMETHOD", "get"),
        ("HTTPMETHOD", "cnry-httpmethod-f6"),
        ("HDR", "cnry-hdr-g7"),
        ("MAIL", "cnry-mail-h8"),
        ("RULES", "cnry-rules-i9"),
        ("SLACKCONN", "cnry-slackconn-j1"),
        ("TEXT", "cnry-text-k2"),
        ("CID", "cnry-cid-l3"),
        ("SECRET", "cnry-secret-m4"),
        ("DOMAIN", "cnry-domain-n5.example.com"),
        ("AUD", "cnry-aud-o6.example.com"),
        ("BADDOMAIN", "cnry-baddomain-p7:notaport"),
        ("SETUP", "cnry-setup-q8"),
        ("SLACKURL", "http://cnry-slackurl-r9"),
        ("GRANTCLIENT", "cnry-grantclient-s1"),
        ("GRANTAUD", "cnry-grantaud-t2"),
        ("SCOPE", "cnry-scope-u3"),
        ("FLOWID", "cnry-flowid-v4"),
        ("SETUPTYPE", "cnry-setuptype-w5"),
        ("BFLOW", "cnry-bflow-y7"),
        ("BUSER", "cnry-buser-z8"),
        ("BCONN", "cnry-bconn-a9"),
        ("USECRET", "cnry-usecret-b1"),
        ("UDOMAIN", "cnry-udomain-c2.us.auth0.com"),
        (
            "USETUP",
            r#"{"type": "OAUTH_APP", "client_id": "cnry-usetupid-d3", "client_secret": "cnry-usetupsecret-e4", "domain": "cnry-usetupdomain-f5.us.auth0.com", "cnry-usetupkey-g6": 1}"#,
        ),
        ("UPARAMS", r#"{"connection_id": "Users", "user_id": "cnry-uparamuser-h7", "cnry-uparamkey-i8": {"cnry-deep-j9": 1}}"#),
        ("UEXTRA", "cnry-uextra-k1"),
        ("YDOM", "cnry-ydom-l2"),
        ("IN", "cnry-in-x6"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn assert_no_canary(what: &str, answer: &str) {
    let lower = answer.to_ascii_lowercase();
    if let Some(i) = lower.find("cnry-") {
        panic!(
            "{what} shows a value from the environment: …{}…",
            &answer[i.saturating_sub(80)..(i + 40).min(answer.len())]
        );
    }
}

#[test]
fn no_feature_displays_a_value_from_the_environment() {
    let ws = workspace_with(FIXTURE, env());
    // the canaries do reach the analysis: the workspace resolves them
    assert_eq!(
        ws.index().mappings.text("CONN").as_deref(),
        Some("cnry-conn-a1")
    );
    let mut diagnostics = 0;
    for f in ws.files() {
        let path = &f.path;
        let rel = &f.rel;
        let ds = crate::analysis::diagnostics(&ws, path);
        diagnostics += ds.len();
        for d in &ds {
            assert_no_canary(&format!("{rel}: diagnostic"), &format!("{d:?}"));
        }
        let whole = TextRange::new(0, f.text.len());
        for fix in fixes::fixes(&ws, path, whole) {
            assert_no_canary(&format!("{rel}: fix"), &format!("{fix:?}"));
        }
        assert_no_canary(
            &format!("{rel}: exact grants"),
            &format!("{:?}", fixes::exact_grants(&ws, path)),
        );
        assert_no_canary(
            &format!("{rel}: lenses"),
            &format!("{:?}", super::lens::lenses(&ws, path)),
        );
        assert_no_canary(
            &format!("{rel}: inlay hints"),
            &format!("{:?}", super::inlay_hints::inlay_hints(&ws, path, whole)),
        );
        assert_no_canary(
            &format!("{rel}: symbols"),
            &format!("{:?}", symbols::document_symbols(&ws, path)),
        );
        for offset in (0..=f.text.len()).filter(|&o| f.text.is_char_boundary(o)) {
            let at = format!("{rel} at {offset}");
            assert_no_canary(
                &format!("{at}: hover"),
                &format!("{:?}", super::hover::hover(&ws, path, offset)),
            );
            assert_no_canary(
                &format!("{at}: completion"),
                &format!("{:?}", completion::complete(&ws, path, offset, true)),
            );
            assert_no_canary(
                &format!("{at}: prepare rename"),
                &format!("{:?}", navigation::prepare_rename(&ws, path, offset)),
            );
        }
    }
    assert!(
        diagnostics > 10,
        "the fixture raises findings ({diagnostics})"
    );
    assert_no_canary(
        "workspace symbols",
        &format!("{:?}", symbols::workspace_symbols(&ws, "", 1000)),
    );
    assert_no_canary(
        "least privilege",
        &format!("{:?}", crate::analysis::least_privilege::report(&ws)),
    );
}
