//! The editing features in `.tf` files: only inside the resources flowls reads, in HCL syntax
//! inside `jsonencode(…)` and in JSON syntax inside JSON strings and heredocs.

use super::{check_completion, completion_text, render_locations, with_cursor};
use crate::analysis::ide::{hover, lens, navigation};
use crate::analysis::tests::workspace;
use expect_test::expect;
use std::path::PathBuf;

const TF_VAULTS: &str = r###"
//- vault.tf
resource "auth0_flow_vault_connection" "users" {
  name   = "Users M2M"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = "acme.auth0.com"
    client_id     = "abc"
    client_secret = var.secret
  }
}

resource "auth0_flow_vault_connection" "alerts" {
  name   = "Alerts"
  app_id = "SLACK"
}

variable "region" {
  default = "eu"
}
"###;

/// A module with a flow written in `jsonencode`, one in a heredoc, and a form starting the first.
const TF_MODULE: &str = r###"
//- vault.tf
resource "auth0_flow_vault_connection" "users" {
  name   = "Users M2M"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = "acme.auth0.com"
    client_id     = "abc"
    client_secret = var.secret
  }
}

resource "auth0_flow_vault_connection" "known" {
  name   = "Known"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = "acme.auth0.com"
    client_id     = "abc"
    client_secret = "literal"
  }
}
//- flow.tf
resource "auth0_flow" "onboard" {
  name = "Onboard"
  actions = jsonencode([{
    id     = "get"
    type   = "AUTH0"
    action = "GET_USER"
    params = {
      connection_id = auth0_flow_vault_connection.users.id
      user_id       = "{{context.user.user_id}}"
    }
  }])
}

resource "auth0_flow" "heredoc" {
  name    = "Heredoc"
  actions = <<-EOT
    [
      {"id": "upd", "type": "AUTH0", "action": "UPDATE_USER",
       "params": {"connection_id": "${auth0_flow_vault_connection.users.id}", "user_id": "u", "changes": {}}}
    ]
  EOT
}
//- form.tf
resource "auth0_form" "kyc" {
  name  = "KYC"
  start = jsonencode({ next_node = "f" })
  nodes = jsonencode([{
    id   = "f"
    type = "FLOW"
    config = {
      flow_id   = auth0_flow.onboard.id
      next_node = "$ending"
    }
  }])
}
"###;

#[test]
fn param_keys_in_jsonencode_are_hcl() {
    check_completion(
        &format!(
            "{TF_VAULTS}{}",
            r#"
//- flow.tf
resource "auth0_flow" "f" {
  name = "F"
  actions = jsonencode([{
    id     = "get"
    type   = "AUTH0"
    action = "GET_USER"
    params = {
      $0
    }
  }])
}
"#
        ),
        expect![[r#"
            connection_id [Property] "connection_id = \"$1\"" replaces "" — required · a string of at most 30 characters
            user_id [Property] "user_id = \"$1\"" replaces "" — required · a string
        "#]],
    );
}

#[test]
fn connection_id_offers_references_of_the_right_app() {
    // being typed: `connection_id = ` is not HCL yet
    let typing = completion_text(&format!(
        "{TF_VAULTS}{}",
        r#"
//- flow.tf
resource "auth0_flow" "f" {
  name = "F"
  actions = jsonencode([{
    id     = "get"
    type   = "AUTH0"
    action = "GET_USER"
    params = {
      connection_id = $0
      user_id       = "u"
    }
  }])
}
"#
    ));
    expect![[r#"
        auth0_flow_vault_connection.users.id [Reference] "auth0_flow_vault_connection.users.id" replaces "" — Users M2M · AUTH0 · acme.auth0.com
    "#]]
    .assert_eq(&typing);
    // in a heredoc's JSON: the reference interpolated in a JSON string
    check_completion(
        &format!(
            "{TF_VAULTS}{}",
            r#"
//- flow.tf
resource "auth0_flow" "f" {
  name    = "F"
  actions = <<-EOT
    [{"id": "s", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "$0"}}]
  EOT
}
"#
        ),
        expect![[r#"
            auth0_flow_vault_connection.alerts.id [Reference] "\"${auth0_flow_vault_connection.alerts.id}\"" replaces "\"\"" — Alerts · SLACK
        "#]],
    );
}

#[test]
fn catalogue_values_in_jsonencode() {
    check_completion(
        r#"
//- flow.tf
resource "auth0_flow" "f" {
  name = "F"
  actions = jsonencode([{
    id     = "get"
    type   = "JWT"
    action = "$0"
  }])
}
"#,
        expect![[r#"
            DECODE_JWT [EnumMember] "\"DECODE_JWT\"" replaces "\"\"" — Decode a JSON Web Token without verifying it.
            SIGN_JWT [EnumMember] "\"SIGN_JWT\"" replaces "\"\"" — Sign a JSON Web Token with the connection's key.
            VERIFY_JWT [EnumMember] "\"VERIFY_JWT\"" replaces "\"\"" — Verify a JSON Web Token's signature and claims.
        "#]],
    );
}

#[test]
fn flow_id_offers_flow_references() {
    let fixture = TF_MODULE.replace("flow_id   = auth0_flow.onboard.id\n", "flow_id   = $0\n");
    check_completion(
        &fixture,
        expect![[r#"
            auth0_flow.heredoc.id [Reference] "auth0_flow.heredoc.id" replaces "" — flow Heredoc
            auth0_flow.onboard.id [Reference] "auth0_flow.onboard.id" replaces "" — flow Onboard
        "#]],
    );
}

#[test]
fn nothing_outside_the_resources_flowls_reads() {
    for fixture in [
        // a variable block
        TF_VAULTS.replace("default = \"eu\"", "default = \"eu\"\n  $0"),
        // another provider's resource, with the same keys
        r#"
//- main.tf
resource "aws_instance" "web" {
  params = {
    $0
  }
}
"#
        .to_string(),
        // between resources
        r#"
//- main.tf
resource "auth0_flow" "f" {
  name = "F"
}
$0
resource "auth0_form" "g" {
  name = "G"
}
"#
        .to_string(),
    ] {
        assert_eq!(completion_text(&fixture), "\n", "{fixture}");
        let (ws, path, at) = super::cursor(&fixture);
        assert_eq!(hover::hover(&ws, &path, at), None, "{fixture}");
    }
}

#[test]
fn hover_on_actions_and_references() {
    // an action in jsonencode
    let (ws, path, at) = with_cursor(TF_MODULE, "flow.tf", "\"GET_USER\"", 0);
    let (range, md) = hover::hover(&ws, &path, at).unwrap();
    assert_eq!(
        &ws.file(&path).unwrap().text[range.as_usize()],
        "\"GET_USER\""
    );
    assert!(md.starts_with("**AUTH0/GET_USER**"), "{md}");
    assert!(md.contains("Needs `read:users`"), "{md}");
    // in a heredoc
    let (ws, path, at) = with_cursor(TF_MODULE, "flow.tf", "\"UPDATE_USER\"", 0);
    let (_, md) = hover::hover(&ws, &path, at).unwrap();
    assert!(md.starts_with("**AUTH0/UPDATE_USER**"), "{md}");
    // a reference: its connection, app and scopes
    let (ws, path, at) = with_cursor(TF_MODULE, "flow.tf", "auth0_flow_vault_connection.users", 0);
    let (range, md) = hover::hover(&ws, &path, at).unwrap();
    assert_eq!(
        &ws.file(&path).unwrap().text[range.as_usize()],
        "auth0_flow_vault_connection.users.id"
    );
    expect![[r#"
        **Users M2M** · vault connection

        app_id: `AUTH0` · domain: `acme.auth0.com`

        In `vault.tf`

        Used by 2 actions in 2 flows

        Needs: read:users, update:users

        Granted scopes unknown: nothing in the workspace says what its M2M application was granted"#]]
    .assert_eq(&md);
    // the same reference interpolated in the heredoc
    let (ws, path, at) = with_cursor(TF_MODULE, "flow.tf", "auth0_flow_vault_connection.users", 1);
    let (_, md) = hover::hover(&ws, &path, at).unwrap();
    assert!(md.starts_with("**Users M2M** · vault connection"), "{md}");
    // on the vault block's labels: the connection with the actions that use it
    let (ws, path, at) = with_cursor(TF_MODULE, "vault.tf", "\"users\"", 0);
    let (_, md) = hover::hover(&ws, &path, at).unwrap();
    assert!(md.contains("- `get` AUTH0/GET_USER in flow.tf"), "{md}");
    assert!(md.contains("- `upd` AUTH0/UPDATE_USER in flow.tf"), "{md}");
    // a param key: its schema
    let (ws, path, at) = with_cursor(TF_MODULE, "flow.tf", "user_id ", 0);
    let (_, md) = hover::hover(&ws, &path, at).unwrap();
    assert!(md.contains("user_id"), "{md}");
    // a form's flow_id: the flow, and the form that starts it
    let (ws, path, at) = with_cursor(TF_MODULE, "form.tf", "auth0_flow.onboard", 0);
    let (_, md) = hover::hover(&ws, &path, at).unwrap();
    assert!(md.starts_with("**Onboard** · flow · 1 action"), "{md}");
    assert!(md.contains("`KYC` (form.tf)"), "{md}");
}

#[test]
fn definition_of_a_reference_is_its_resource_block() {
    for (file, needle, nth) in [
        ("flow.tf", "auth0_flow_vault_connection.users", 0),
        ("flow.tf", "auth0_flow_vault_connection.users", 1),
    ] {
        let (ws, path, at) = with_cursor(TF_MODULE, file, needle, nth);
        let def = navigation::definition(&ws, &path, at).unwrap();
        expect![[r#"
            vault.tf "\"auth0_flow_vault_connection\" \"users\""
        "#]]
        .assert_eq(&render_locations(&ws, &[def]));
    }
    let (ws, path, at) = with_cursor(TF_MODULE, "form.tf", "auth0_flow.onboard", 0);
    let def = navigation::definition(&ws, &path, at).unwrap();
    expect![[r#"
        flow.tf "\"auth0_flow\" \"onboard\""
    "#]]
    .assert_eq(&render_locations(&ws, &[def]));
}

#[test]
fn references_of_a_resource() {
    // from the vault block's labels: the declaration and each reference
    let (ws, path, at) = with_cursor(TF_MODULE, "vault.tf", "\"users\"", 0);
    expect![[r#"
        vault.tf "\"Users M2M\""
        flow.tf "auth0_flow_vault_connection.users.id"
        flow.tf "\"${auth0_flow_vault_connection.users.id}\""
    "#]]
    .assert_eq(&render_locations(
        &ws,
        &navigation::references(&ws, &path, at, true),
    ));
    // from a flow's labels: its name and the form node that starts it
    let (ws, path, at) = with_cursor(TF_MODULE, "flow.tf", "\"onboard\"", 0);
    expect![[r#"
        flow.tf "\"Onboard\""
        form.tf "auth0_flow.onboard.id"
    "#]]
    .assert_eq(&render_locations(
        &ws,
        &navigation::references(&ws, &path, at, true),
    ));
}

#[test]
fn vault_lenses_test_only_known_setups() {
    let ws = workspace(TF_MODULE);
    let path = PathBuf::from("/ws/vault.tf");
    let text = ws.file(&path).unwrap().text.clone();
    let lenses: Vec<String> = lens::lenses(&ws, &path)
        .iter()
        .map(|l| {
            format!(
                "{:?} {} test={} {:?}",
                &text[l.range.as_usize()],
                l.title,
                l.test_connection,
                l.connection
            )
        })
        .collect();
    expect![[r#"
        [
            "\"\\\"Users M2M\\\"\" used by 2 actions in 2 flows · needs read:users, update:users test=false None",
            "\"\\\"Known\\\"\" Test connection test=true Some(\"Known\")",
            "\"\\\"Known\\\"\" used by 0 actions in 0 flows test=false None",
        ]
    "#]]
    .assert_debug_eq(&lenses);
    assert_eq!(crate::analysis::ide::format::document(&ws, &path), None);
}

#[test]
fn positions_survive_crlf_non_ascii_and_templates() {
    // CRLF line ends, a non-ASCII name before the cursor, and a string template in a param
    let fixture = TF_MODULE
        .replace("name = \"Onboard\"", "name = \"Onboard ✓ für alle\"")
        .replace(
            "user_id       = \"{{context.user.user_id}}\"",
            "user_id       = \"${var.prefix}-{{context.user.user_id}}\"",
        )
        .replace('\n', "\r\n");
    let (ws, path, at) = with_cursor(&fixture, "flow.tf", "\"GET_USER\"", 0);
    let (range, md) = hover::hover(&ws, &path, at).unwrap();
    assert_eq!(
        &ws.file(&path).unwrap().text[range.as_usize()],
        "\"GET_USER\""
    );
    assert!(md.starts_with("**AUTH0/GET_USER**"), "{md}");
    let (ws, path, at) = with_cursor(&fixture, "flow.tf", "auth0_flow_vault_connection.users", 1);
    let (range, _) = hover::hover(&ws, &path, at).unwrap();
    assert_eq!(
        &ws.file(&path).unwrap().text[range.as_usize()],
        "\"${auth0_flow_vault_connection.users.id}\""
    );
    let def = navigation::definition(&ws, &path, at).unwrap();
    assert_eq!(
        render_locations(&ws, &[def]),
        "vault.tf \"\\\"auth0_flow_vault_connection\\\" \\\"users\\\"\"\n"
    );
    // completion keeps working after the CRLF lines and the non-ASCII text
    let typing = fixture.replace(
        "connection_id = auth0_flow_vault_connection.users.id\r\n",
        "connection_id = $0\r\n",
    );
    assert!(
        completion_text(&typing).starts_with("auth0_flow_vault_connection.known.id [Reference]"),
        "{}",
        completion_text(&typing)
    );
}

#[test]
fn a_lone_resource_being_typed_is_still_read() {
    // its only auth0 resource broken by a half-typed line: the error is reported where it is
    let ws = workspace(
        r#"
//- flow.tf
resource "auth0_flow" "f" {
  name = "F"
  actions = jsonencode([{ id = "a", type = "AUTH0", action = "GET_USER", params = { connection_id =  } }])
}
//- other.tf
resource "aws_instance" "web" {
  ami = 
}
"#,
    );
    let flow = PathBuf::from("/ws/flow.tf");
    let found = crate::analysis::diagnostics(&ws, &flow);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.starts_with("HCL syntax error"),
        "{found:?}"
    );
    let text = &ws.file(&flow).unwrap().text;
    assert_eq!(found[0].range.start as usize, text.find("} }])").unwrap());
    // a file of other resources only is not flowls' to report on
    let other = PathBuf::from("/ws/other.tf");
    assert_eq!(ws.file(&other).unwrap().kind, crate::model::DocKind::Other);
    assert!(crate::analysis::diagnostics(&ws, &other).is_empty());
}

#[test]
fn action_ids_navigate_within_their_resource() {
    let fixture = r#"
//- flow.tf
resource "auth0_flow" "a" {
  name = "A"
  actions = jsonencode([
    { id = "get", type = "JSON", action = "CREATE_JSON", params = { json = {} } },
    { id = "use", type = "JSON", action = "CREATE_JSON", params = { json = { x = "{{actions.get.json}}" } } },
  ])
}

resource "auth0_flow" "b" {
  name = "B"
  actions = jsonencode([
    { id = "get", type = "JSON", action = "CREATE_JSON", params = { json = {} } },
  ])
}
"#;
    let (ws, path, at) = with_cursor(fixture, "flow.tf", "actions.get", 0);
    let at = at + "actions.".len();
    let def = navigation::definition(&ws, &path, at).unwrap();
    let text = &ws.file(&path).unwrap().text;
    assert_eq!(def.range.start as usize, text.find("\"get\"").unwrap());
    let (_, md) = hover::hover(&ws, &path, at).unwrap();
    assert!(md.contains("Read by 1 expression in this flow"), "{md}");
    // references and rename stay inside `auth0_flow.a`
    expect![[r#"
        flow.tf "\"get\""
        flow.tf "get"
    "#]]
    .assert_eq(&render_locations(
        &ws,
        &navigation::references(&ws, &path, at, true),
    ));
    let edits = navigation::rename(&ws, &path, at, "fetch").unwrap();
    assert_eq!(edits.len(), 2);
    assert!(
        edits
            .iter()
            .all(|e| (e.range.start as usize) < text.find("\"b\"").unwrap())
    );
}

#[test]
fn no_feature_answers_outside_the_auth0_resources() {
    // the module, with other blocks around its resources (and a JSON-looking string in them)
    let fixture = TF_MODULE
        .replace(
            "//- flow.tf\n",
            "//- flow.tf\nvariable \"prefix\" {\n  default = \"{\\\"action\\\": \\\"GET_USER\\\"}\"\n}\n\n",
        )
        .replace(
            "//- form.tf\n",
            "resource \"aws_lambda_function\" \"f\" {\n  environment = jsonencode({ action = \"GET_USER\", connection_id = auth0_flow_vault_connection.users.id })\n}\n//- form.tf\n",
        );
    let ws = workspace(&fixture);
    let path = PathBuf::from("/ws/flow.tf");
    let file = ws.file(&path).unwrap();
    let text = file.text.to_string();
    let root = file.parse.root.as_ref().unwrap();
    let inside =
        |offset: usize| crate::analysis::ide::cursor::resource_at(root, &text, offset).is_some();
    let within = |r: crate::syntax::TextRange| inside(r.start as usize) && inside(r.end as usize);
    let mut answered_inside = 0;
    for offset in (0..=text.len()).filter(|o| text.is_char_boundary(*o)) {
        let hover = hover::hover(&ws, &path, offset);
        let def = navigation::definition(&ws, &path, offset);
        let items = crate::analysis::ide::completion::complete(&ws, &path, offset, true);
        if inside(offset) {
            answered_inside += usize::from(hover.is_some());
            continue;
        }
        assert_eq!(hover, None, "hover at {offset}: {:?}", &text[offset..]);
        assert_eq!(def, None, "definition at {offset}");
        assert!(items.is_empty(), "completion at {offset}: {items:?}");
        assert!(navigation::references(&ws, &path, offset, true).is_empty());
    }
    assert!(answered_inside > 0);
    // the whole-document features stay inside the resources too
    for (r, _) in crate::analysis::ide::semantic_tokens::semantic_tokens(&ws, &path) {
        assert!(within(r), "semantic token {:?}", &text[r.as_usize()]);
    }
    for (at, hint) in crate::analysis::ide::inlay_hints::inlay_hints(
        &ws,
        &path,
        crate::syntax::TextRange::new(0, text.len()),
    ) {
        assert!(inside(at), "inlay hint {hint} at {at}");
    }
    for (r, _) in crate::analysis::ide::links::links(&ws, &path) {
        assert!(within(r), "link {:?}", &text[r.as_usize()]);
    }
    for l in lens::lenses(&ws, &path) {
        assert!(within(l.range), "lens {}", l.title);
    }
    assert_eq!(crate::analysis::ide::format::document(&ws, &path), None);
    for d in crate::analysis::diagnostics(&ws, &path) {
        assert!(within(d.range), "{d:?}");
    }
}

#[test]
fn the_test_connection_lens_runs_on_the_block_it_is_on() {
    // what the lens's command does: a plan for the known setup, none for the unknown one
    let ws = workspace(TF_MODULE);
    let path = PathBuf::from("/ws/vault.tf");
    let settings = crate::test_connection::Settings::default();
    let lens = lens::lenses(&ws, &path)
        .into_iter()
        .find(|l| l.test_connection)
        .unwrap();
    let plan =
        crate::test_connection::prepare(&ws, &path, lens.connection.as_deref(), &settings).unwrap();
    assert_eq!(plan.connection, "Known");
    assert_eq!(plan.token_url, "https://acme.auth0.com/oauth/token");
    assert_eq!(
        plan.audience.as_deref(),
        Some("https://acme.auth0.com/api/v2/")
    );
    let unknown = crate::test_connection::prepare(&ws, &path, Some("Users M2M"), &settings);
    assert_eq!(unknown.unwrap_err().error.as_deref(), Some("invalid_setup"));
}

#[test]
fn completion_in_a_heredoc_is_json_at_the_right_place() {
    let fixture = r#"
//- flow.tf
resource "auth0_flow" "f" {
  name    = "Ünïcode ✓"
  actions = <<-EOT
    [
      {"id": "get", "type": "AUTH0", "action": "GET_USER",
       "params": {"user_id": "u", $0}}
    ]
  EOT
}
"#;
    let lf = completion_text(fixture);
    expect![[r#"
        connection_id [Property] "\"connection_id\": \"$1\"" replaces "" — required · a string of at most 30 characters
    "#]]
    .assert_eq(&lf);
    // the same with CRLF line ends
    assert_eq!(completion_text(&fixture.replace('\n', "\r\n")), lf);
    // a value in the heredoc: the type's actions, replacing the quotes typed
    let value = fixture
        .replace("\"action\": \"GET_USER\"", "\"action\": \"$0\"")
        .replace(", $0}", "}");
    let items = completion_text(&value);
    assert!(
        items.starts_with("CREATE_USER [EnumMember] \"\\\"CREATE_USER\\\"\" replaces \"\\\"\\\"\""),
        "{items}"
    );
}

#[test]
fn the_nearest_action_fix_fits_each_way_json_is_written() {
    for actions in [
        // jsonencode, a heredoc, a JSON string literal (its quotes escaped for HCL)
        r#"jsonencode([{ id = "a", type = "AUTH0", action = "GET_USR", params = { connection_id = "x", user_id = "u" } }])"#,
        "<<-EOT\n    [{\"id\": \"a\", \"type\": \"AUTH0\", \"action\": \"GET_USR\", \"params\": {\"connection_id\": \"x\", \"user_id\": \"u\"}}]\n  EOT",
        r#""[{\"id\": \"a\", \"type\": \"AUTH0\", \"action\": \"GET_USR\", \"params\": {\"connection_id\": \"x\", \"user_id\": \"u\"}}]""#,
    ] {
        let ws = workspace(&format!(
            "\n//- flow.tf\nresource \"auth0_flow\" \"f\" {{\n  name    = \"F\"\n  actions = {actions}\n}}\n"
        ));
        let path = PathBuf::from("/ws/flow.tf");
        let codes = |ws: &crate::workspace::Workspace| -> Vec<String> {
            crate::analysis::diagnostics(ws, &path)
                .into_iter()
                .map(|d| d.code.to_string())
                .collect()
        };
        assert!(
            codes(&ws).contains(&"unknown-action".to_string()),
            "{actions}"
        );
        let len = ws.file(&path).unwrap().text.len();
        let fix =
            crate::analysis::ide::fixes::fixes(&ws, &path, crate::syntax::TextRange::new(0, len))
                .into_iter()
                .find(|f| f.title.contains("GET_USER"))
                .unwrap_or_else(|| panic!("no fix for {actions}"));
        let after = super::apply(&ws, &fix);
        let left = codes(&after);
        assert!(
            !left.iter().any(|c| c == "unknown-action" || c == "syntax"),
            "{actions}: {left:?}\n{}",
            after.file(&path).unwrap().text
        );
    }
}

#[test]
fn completion_in_a_json_string_literal_escapes_its_quotes() {
    let fixture = format!(
        "{TF_VAULTS}{}",
        r#"
//- flow.tf
resource "auth0_flow" "f" {
  name    = "F"
  actions = "[{\"id\": \"a\", \"type\": \"AUTH0\", \"action\": \"GET_USER\", \"params\": {\"user_id\": \"u\", \"connection_id\": \"$0\"}}]"
}
"#
    );
    let value = completion_text(&fixture);
    let key = completion_text(&fixture.replace(r#"\"connection_id\": \"$0\""#, "$0"));
    expect![[r#"
        auth0_flow_vault_connection.users.id [Reference] "\\\"${auth0_flow_vault_connection.users.id}\\\"" replaces "\\\"\\\"" — Users M2M · AUTH0 · acme.auth0.com
        connection_id [Property] "\\\\\"connection_id\\\\\": \\\\\"$1\\\\\"" replaces "" — required · a string of at most 30 characters
    "#]]
    .assert_eq(&format!("{value}{key}"));
    // a client without snippets gets the plain text
    let (ws, path, at) = super::cursor(&fixture.replace(r#"\"connection_id\": \"$0\""#, "$0"));
    let plain = crate::analysis::ide::completion::complete(&ws, &path, at, false);
    assert_eq!(plain[0].insert, r#"\"connection_id\": \"\""#);
}

#[test]
fn a_huge_broken_tf_file_is_not_parsed_again_for_completion() {
    // over the bound: the half-typed line is not mended (no references), and nothing breaks
    let padding = format!("# {}\n", "x".repeat(5 << 20));
    let fixture = format!(
        "{TF_VAULTS}\n//- flow.tf\n{padding}{}",
        r#"resource "auth0_flow" "f" {
  name = "F"
  actions = jsonencode([{
    id     = "get"
    type   = "AUTH0"
    action = "GET_USER"
    params = {
      connection_id = $0
    }
  }])
}
"#
    );
    assert_eq!(completion_text(&fixture), "\n");
    // the same file under the bound gets them
    let small = fixture.replace(&padding, "");
    assert!(completion_text(&small).starts_with("auth0_flow_vault_connection.users.id"));
}

#[test]
fn a_literal_connection_name_is_reported_with_the_fix_to_its_reference() {
    // the provider sends `connection_id` as written, and the API wants an id: a name (what
    // deploy-cli resolves) names no connection there. The fix writes the reference, in HCL and
    // inside a heredoc's JSON; a name near a declared one gets the same, a placeholder nothing
    for (actions, written) in [
        (
            r#"jsonencode([{ id = "a", type = "AUTH0", action = "GET_USER", params = { connection_id = "Users M2M", user_id = "u" } }])"#,
            "\"Users M2M\"",
        ),
        (
            "<<-EOT\n    [{\"id\": \"a\", \"type\": \"AUTH0\", \"action\": \"GET_USER\", \"params\": {\"connection_id\": \"Users M2N\", \"user_id\": \"u\"}}]\n  EOT",
            "\"Users M2N\"",
        ),
    ] {
        let ws = workspace(&format!(
            "{TF_VAULTS}\n//- flow.tf\nresource \"auth0_flow\" \"f\" {{\n  name    = \"F\"\n  actions = {actions}\n}}\n"
        ));
        let path = PathBuf::from("/ws/flow.tf");
        let found = crate::analysis::diagnostics(&ws, &path);
        let d = found
            .iter()
            .find(|d| d.code == "unresolved-connection")
            .unwrap_or_else(|| panic!("{actions}: {found:?}"));
        let text = &ws.file(&path).unwrap().text;
        assert_eq!(&text[d.range.as_usize()], written);
        assert!(
            d.message.contains("the API expects the connection's id")
                && d.message.contains("`auth0_flow_vault_connection.users.id`"),
            "{}",
            d.message
        );
        let fix = crate::analysis::ide::fixes::fixes(&ws, &path, d.range)
            .into_iter()
            .find(|f| f.title.contains("auth0_flow_vault_connection.users.id"))
            .unwrap_or_else(|| panic!("no fix for {actions}"));
        let after = super::apply(&ws, &fix);
        let left: Vec<String> = crate::analysis::diagnostics(&after, &path)
            .into_iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(
            !left
                .iter()
                .any(|c| c.starts_with("unresolved-connection") || c.starts_with("syntax")),
            "{actions}: {left:?}\n{}",
            after.file(&path).unwrap().text
        );
    }
    // the provider's examples' placeholder: the reference advised, no name suggested, no fix
    let ws = workspace(&format!(
        "{TF_VAULTS}\n//- flow.tf\nresource \"auth0_flow\" \"f\" {{\n  name    = \"F\"\n  actions = jsonencode([{{ id = \"a\", type = \"AUTH0\", action = \"GET_USER\", params = {{ connection_id = \"<vault_connection_id>\", user_id = \"u\" }} }}])\n}}\n"
    ));
    let path = PathBuf::from("/ws/flow.tf");
    let found = crate::analysis::diagnostics(&ws, &path);
    let d = found
        .iter()
        .find(|d| d.code == "unresolved-connection")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert!(
        d.message.contains("auth0_flow_vault_connection.NAME.id")
            && !d.message.contains("Users M2M")
            && !d.message.contains("Alerts"),
        "{}",
        d.message
    );
    assert!(
        crate::analysis::ide::fixes::fixes(&ws, &path, d.range)
            .iter()
            .all(|f| !f.title.contains("Change to")),
    );
}

#[test]
fn a_literal_connection_name_in_a_file_read_by_file_is_reported_without_a_fix() {
    // `actions = file("flows/x.json")`: the provider sends the file's text as written, so a
    // connection's name there names none either; the text `file()` reads is not interpolated,
    // so no reference can be written in it: the advice is a token the `replace` replaces
    for (written, advised) in [
        ("Users M2M", "`Users M2M` is the name of the connection"),
        (
            "Users M2N",
            "did you mean `auth0_flow_vault_connection.users.id`?",
        ),
    ] {
        let ws = workspace(&format!(
            "{TF_VAULTS}\n//- flow.tf\nresource \"auth0_flow\" \"f\" {{\n  name    = \"F\"\n  actions = file(\"${{path.module}}/flows/x.json\")\n}}\n//- flows/x.json\n[{{\"id\": \"a\", \"type\": \"AUTH0\", \"action\": \"GET_USER\", \"params\": {{\"connection_id\": \"{written}\", \"user_id\": \"u\"}}}}]\n"
        ));
        let path = PathBuf::from("/ws/flows/x.json");
        let found = crate::analysis::diagnostics(&ws, &path);
        let d = found
            .iter()
            .find(|d| d.code == "unresolved-connection")
            .unwrap_or_else(|| panic!("{written}: {found:?}"));
        let text = &ws.file(&path).unwrap().text;
        assert_eq!(&text[d.range.as_usize()], format!("\"{written}\""));
        assert!(
            d.message.contains("the API expects the connection's id")
                && d.message.contains("flow.tf reads this file with file()")
                && d.message.contains(advised)
                && d.message.contains(
                    "replace(file(…), \"#CONN-1#\", auth0_flow_vault_connection.users.id)"
                ),
            "{}",
            d.message
        );
        assert!(
            crate::analysis::ide::fixes::fixes(&ws, &path, d.range)
                .iter()
                .all(|f| !f.title.contains("auth0_flow_vault_connection")
                    && !f.title.contains("Change to")),
            "{written}"
        );
        // nothing else is said of the use (no missing-scope, no app check on a name that names
        // no connection there)
        assert_eq!(found.len(), 1, "{found:?}");
    }
}

#[test]
fn hover_and_definition_of_a_local_declared_in_another_file_of_the_folder() {
    // a module is its folder: `local.X` used in flow.tf and declared in locals.tf (this file's
    // own declaration wins); another folder's is not the module's
    let fixture = r###"
//- locals.tf
locals {
  flow_name = "Onboard"
  text      = "from locals.tf"
}
//- flow.tf
locals {
  text = "from flow.tf"
}

resource "auth0_flow" "onboard" {
  name = local.flow_name
  actions = jsonencode([{
    id     = "n"
    type   = "FLOW"
    action = "DO_NOTHING"
    alias  = "${local.text} ${local.other}"
  }])
}
//- other/locals.tf
locals {
  other = "another module"
}
"###;
    let (ws, path, at) = with_cursor(fixture, "flow.tf", "local.flow_name", 0);
    let (range, md) = hover::hover(&ws, &path, at + 8).unwrap();
    let text = &ws.file(&path).unwrap().text;
    assert_eq!(&text[range.as_usize()], "local.flow_name");
    expect![[r#"
        **local.flow_name** · declared in locals.tf, line 2

        ```hcl
        flow_name = "Onboard"
        ```"#]]
    .assert_eq(&md);
    let def = navigation::definition(&ws, &path, at).unwrap();
    expect![[r#"
        locals.tf "flow_name"
    "#]]
    .assert_eq(&render_locations(&ws, &[def]));
    // inside an interpolation; the file's own declaration first
    let (ws, path, at) = with_cursor(fixture, "flow.tf", "local.text", 0);
    let def = navigation::definition(&ws, &path, at + 7).unwrap();
    assert_eq!(def.path, path);
    let (_, md) = hover::hover(&ws, &path, at).unwrap();
    assert!(md.contains("declared in flow.tf, line 2"), "{md}");
    // declared only in another folder: not this module's
    let (ws, path, at) = with_cursor(fixture, "flow.tf", "local.other", 0);
    assert!(navigation::definition(&ws, &path, at).is_none());
    let (_, md) = hover::hover(&ws, &path, at).unwrap();
    assert!(md.contains("no `locals` block of this folder"), "{md}");
}
