use super::*;
use crate::syntax::NodeKind;

fn at(text: &str, r: TextRange) -> &str {
    &text[r.as_usize()]
}

fn flow<'a>(root: &'a Node, address: &str) -> &'a Node {
    root.get(address).expect("resource")
}

#[test]
fn jsonencode_values_are_found_at_their_hcl_keys_and_values() {
    let text = r#"
resource "auth0_flow" "onboard" {
  name = "Onboard"
  actions = jsonencode([
    {
      id     = "get"
      type   = "AUTH0"
      action = "GET_USER"
      params = {
        connection_id = auth0_flow_vault_connection.users.id
        user_id       = "{{context.user.user_id}}"
      }
    }
  ])
}
"#;
    let p = parse_hcl(text);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let root = p.root.unwrap();
    let f = flow(&root, "auth0_flow.onboard");
    assert_eq!(f.get("name").unwrap().as_str(), Some("Onboard"));
    assert_eq!(f.get("id").unwrap().as_str(), Some("auth0_flow.onboard.id"));
    let action = &f.get("actions").unwrap().as_array().unwrap()[0];
    let a = action.member("action").unwrap();
    assert_eq!(at(text, a.key_range), "action");
    assert_eq!(at(text, a.value.as_ref().unwrap().range), "\"GET_USER\"");
    let c = action.get("params").unwrap().get("connection_id").unwrap();
    assert_eq!(c.as_str(), Some("auth0_flow_vault_connection.users.id"));
    assert_eq!(at(text, c.range), "auth0_flow_vault_connection.users.id");
}

#[test]
fn json_in_strings_and_heredocs_is_found_inside_them() {
    let text = "resource \"auth0_flow\" \"h\" {\r\n  name = \"Hé 🚀\"\r\n  actions = <<-EOT\r\n    [{\"id\": \"x\", \"type\": \"FLOW\", \"action\": \"DO_NOTHINGG\", \"params\": {\"c\": \"${auth0_flow_vault_connection.v.id}\"}}]\r\n  EOT\r\n}\r\nresource \"auth0_flow\" \"q\" {\r\n  # a comment\r\n  actions = \"[{\\\"id\\\": \\\"é\\\", \\\"action\\\": \\\"GET_USER\\\"}]\"\r\n}\r\n";
    let p = parse_hcl(text);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let root = p.root.unwrap();
    let h = &flow(&root, "auth0_flow.h")
        .get("actions")
        .unwrap()
        .as_array()
        .unwrap()[0];
    assert_eq!(at(text, h.get("action").unwrap().range), "\"DO_NOTHINGG\"");
    let c = h.get("params").unwrap().get("c").unwrap();
    assert_eq!(c.as_str(), Some("auth0_flow_vault_connection.v.id"));
    assert_eq!(at(text, c.range), "\"${auth0_flow_vault_connection.v.id}\"");
    let q = &flow(&root, "auth0_flow.q")
        .get("actions")
        .unwrap()
        .as_array()
        .unwrap()[0];
    assert_eq!(q.get("id").unwrap().as_str(), Some("é"));
    assert_eq!(at(text, q.get("id").unwrap().range), "\\\"é\\\"");
    assert_eq!(at(text, q.get("action").unwrap().range), "\\\"GET_USER\\\"");
}

#[test]
fn a_syntax_error_is_reported_where_it_is_and_the_other_blocks_are_read() {
    let text = r#"resource "auth0_flow" "a" {
  name = "A"
}

resource "auth0_flow" "broken" {
  name = "B" +
}

resource "auth0_flow" "c" {
  name = "C"
}
"#;
    let p = parse_hcl(text);
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    let line = text[..p.errors[0].range.start as usize].lines().count();
    assert!((6..=7).contains(&line), "error at line {line}");
    let root = p.root.unwrap();
    assert!(root.get("auth0_flow.a").is_some());
    assert!(root.get("auth0_flow.c").is_some());
    assert!(root.get("auth0_flow.broken").is_none());
}

#[test]
fn a_string_left_open_is_reported_at_its_quote() {
    // the parser stops on the next line (or at the name before it): the error is at the `"`
    // that opens the string, whichever; a `"` in a comment or escaped is no opening
    for (text, quote) in [
        (
            "resource \"auth0_flow\" \"f\" {\n  name = \"oops\n  actions = \"[]\"\n}\n",
            "\"oops",
        ),
        (
            "resource \"auth0_flow\" \"f\" {\r\n  name = \"oops\r\n}\r\n",
            "\"oops",
        ),
        (
            "resource \"auth0_flow\" \"f\" {\n  # a \"quote\n  name = \"a\\\"b\n  // and \"one\n}\n",
            "\"a\\\"b",
        ),
        // a heredoc's lines are no HCL strings
        (
            "resource \"auth0_flow\" \"f\" {\n  actions = <<-EOT\n    [\"a\n  EOT\n  name = \"oops\n}\n",
            "\"oops",
        ),
    ] {
        let p = parse_hcl(text);
        let p = Parse {
            errors: p
                .errors
                .into_iter()
                .filter(|e| !e.message.starts_with("in this JSON"))
                .collect(),
            ..p
        };
        assert_eq!(p.errors.len(), 1, "{text:?}: {:?}", p.errors);
        let e = &p.errors[0];
        assert_eq!(
            e.range.start as usize,
            text.find(quote).unwrap(),
            "{text:?}"
        );
        assert!(at(text, e.range).starts_with(quote), "{text:?}");
        assert!(e.message.contains("not closed"), "{}", e.message);
    }
    // a line that closes its strings keeps the parser's own message
    let p = parse_hcl("resource \"auth0_flow\" \"f\" {\n  name = \"a\" +\n}\n");
    assert!(
        !p.errors[0].message.contains("not closed"),
        "{:?}",
        p.errors
    );
}

#[test]
fn locals_variables_and_the_guide_pattern_are_evaluated() {
    let text = r##"
variable "domain" {
  default = "example.auth0.com"
}
variable "secret" {}
locals {
  form = jsondecode(file("${path.module}/exported_forms/kyc.json"))
  flow = local.form.flows["#FLOW-1#"]
  a = local.b
  b = local.a
}
resource "auth0_flow_vault_connection" "v" {
  name   = "V"
  app_id = "AUTH0"
  setup = {
    domain        = var.domain
    client_secret = var.secret
    loop          = local.a
  }
}
resource "auth0_flow" "f" {
  name = "F"
  actions = replace(replace(jsonencode(local.flow["actions"]), "#CONN-1#", auth0_flow_vault_connection.v.id), "#CONN-2#", var.secret)
}
"##;
    let p = parse_hcl(text);
    let root = p.root.unwrap();
    let setup = flow(&root, "auth0_flow_vault_connection.v")
        .get("setup")
        .unwrap();
    assert_eq!(
        setup.get("domain").unwrap().as_str(),
        Some("example.auth0.com")
    );
    assert_eq!(at(text, setup.get("domain").unwrap().range), "var.domain");
    assert!(is_unknown(setup.get("client_secret").unwrap()));
    assert!(is_unknown(setup.get("loop").unwrap()));
    assert!(
        p.errors.iter().any(|e| e.message.contains("cycle")),
        "{:?}",
        p.errors
    );
    assert!(is_unknown(
        flow(&root, "auth0_flow.f").get("actions").unwrap()
    ));
    let export = &root.get(EXPORTS).unwrap().as_array().unwrap()[0];
    assert_eq!(
        export.get("file").unwrap().as_str(),
        Some("./exported_forms/kyc.json")
    );
    let pointer: Vec<_> = export
        .get("pointer")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    assert_eq!(pointer, ["flows", "#FLOW-1#", "actions"]);
    let replaces = export.get("replace").unwrap().as_array().unwrap();
    assert_eq!(replaces.len(), 2);
    assert_eq!(
        replaces[0].get("with").unwrap().as_str(),
        Some("auth0_flow_vault_connection.v.id")
    );
    assert!(at(text, replaces[0].range).starts_with("replace(jsonencode"));
    assert!(is_unknown(replaces[1].get("with").unwrap()));
}

#[test]
fn hostile_input_is_bounded() {
    // 10,000-deep nesting
    let deep = format!(
        "resource \"auth0_flow\" \"d\" {{\n  actions = jsonencode({}1{})\n}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let p = parse_hcl(&deep);
    assert!(!p.errors.is_empty());
    // a replace chain through locals that doubles each time
    let mut text = String::from(
        "locals {\n  l0 = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n",
    );
    for i in 1..20 {
        text.push_str(&format!(
            "  l{i} = replace(local.l{}, \"x\", \"xx\")\n",
            i - 1
        ));
    }
    text.push_str("}\nresource \"auth0_flow\" \"g\" {\n  name = local.l19\n}\n");
    let p = parse_hcl(&text);
    let root = p.root.unwrap();
    assert!(is_unknown(
        root.get("auth0_flow.g").unwrap().get("name").unwrap()
    ));
    assert!(
        p.errors.iter().any(|e| e.message.contains("too large")),
        "{:?}",
        p.errors
    );
    // any bytes: no panic
    for s in [
        "resource",
        "resource \"auth0_flow\" {",
        "}}}",
        "\u{feff}x = <<EOT\n",
        "a = \"${",
        "é = 1\n\x00",
    ] {
        let _ = parse_hcl(s);
    }
}

#[test]
fn imports_and_grants_are_read() {
    let text = r#"
import {
  id = "ac_123"
  to = auth0_flow_vault_connection.users
}
resource "auth0_client_grant" "g" {
  client_id = auth0_client.m2m.id
  audience  = "https://example.auth0.com/api/v2/"
  scopes    = ["read:users"]
}
"#;
    let root = parse_hcl(text).root.unwrap();
    assert_eq!(
        imports(&root),
        [("ac_123", "auth0_flow_vault_connection.users")]
    );
    let g = root.get("auth0_client_grant.g").unwrap();
    assert_eq!(
        g.get("client_id").unwrap().as_str(),
        Some("auth0_client.m2m.client_id")
    );
    assert!(matches!(g.get("scope").unwrap().kind, NodeKind::Array(_)));
}

#[test]
fn tfvars_values_win_in_terraforms_order() {
    let vars = module_variables([
        ("z.auto.tfvars", "a = \"z\"\n"),
        ("prod.tfvars", "a = \"prod\"\nb = \"prod\"\n"),
        (
            "terraform.tfvars",
            "a = \"t\"\nb = \"t\"\nc = { k = [1, true] }\n",
        ),
        ("b.auto.tfvars.json", r#"{"a": "b-json", "d": "json"}"#),
        ("broken.auto.tfvars", "a = = \n"),
        ("terraform.tfvars.json", r#"{"b": "t-json"}"#),
    ]);
    let get = |k: &str| vars.get(k).and_then(Node::as_str);
    assert_eq!(
        get("a"),
        Some("z"),
        "the last auto file in lexical order wins"
    );
    assert_eq!(
        get("b"),
        Some("t-json"),
        "terraform.tfvars.json after terraform.tfvars"
    );
    assert_eq!(get("d"), Some("json"));
    assert!(
        vars.get("c")
            .unwrap()
            .get("k")
            .unwrap()
            .as_array()
            .is_some()
    );
    // a variable's default loses to them; without either, the reference is an unknown that
    // names its variable
    let text = "variable \"a\" { default = \"default\" }\nresource \"auth0_flow_vault_connection\" \"v\" {\n  setup = { x = var.a, y = var.none, z = \"${var.none}\" }\n}\n";
    let p = parse_hcl_with(text, &vars);
    let setup = p
        .root
        .as_ref()
        .unwrap()
        .get("auth0_flow_vault_connection.v")
        .unwrap()
        .get("setup")
        .unwrap();
    let x = setup.get("x").unwrap();
    assert_eq!(x.as_str(), Some("z"));
    assert_eq!(at(text, x.range), "var.a", "found where it is used");
    assert_eq!(unknown_variable_name(setup.get("y").unwrap()), Some("none"));
    assert_eq!(unknown_variable_name(setup.get("z").unwrap()), Some("none"));
    assert!(is_unknown(setup.get("y").unwrap()));
    let p = parse_hcl(text);
    let setup = p
        .root
        .as_ref()
        .unwrap()
        .get("auth0_flow_vault_connection.v")
        .unwrap()
        .get("setup")
        .unwrap();
    assert_eq!(setup.get("x").unwrap().as_str(), Some("default"));
}

#[test]
fn vault_references_are_listed_wherever_written_but_in_import_and_moved_blocks() {
    let text = r#"
import {
  id = "ac_1"
  to = auth0_flow_vault_connection.imported
}
moved {
  from = auth0_flow_vault_connection.old
  to   = auth0_flow_vault_connection.renamed
}
output "id" {
  value = auth0_flow_vault_connection.out.id
}
resource "auth0_flow" "f" {
  name    = "F"
  actions = jsonencode(concat([{ p = { connection_id = auth0_flow_vault_connection.counted[0].id } }], []))
}
module "m" {
  conn = "${auth0_flow_vault_connection.each["k"].id}"
}
"#;
    let root = parse_hcl(text).root.unwrap();
    let found: Vec<(&str, &str)> = vault_resource_references(&root)
        .map(|(a, r)| (a, at(text, r)))
        .collect();
    assert_eq!(
        found,
        [
            (
                "auth0_flow_vault_connection.out",
                "auth0_flow_vault_connection.out.id"
            ),
            (
                "auth0_flow_vault_connection.counted",
                "auth0_flow_vault_connection.counted[0].id"
            ),
            (
                "auth0_flow_vault_connection.each",
                "auth0_flow_vault_connection.each[\"k\"].id"
            ),
        ]
    );
}

#[test]
fn a_vault_setup_unknown_as_a_whole_or_null_is_a_whole_value_unknown() {
    let text = r#"
resource "auth0_flow_vault_connection" "a" {
  setup = var.s
}
resource "auth0_flow_vault_connection" "b" {
  setup = null # sensitive
}
resource "auth0_flow_vault_connection" "c" {
  setup = { type = "WEBHOOK", url = var.u }
}
"#;
    let root = parse_hcl(text).root.unwrap();
    let setup = |r: &str| root.get(r).unwrap().get("setup").unwrap();
    for r in [
        "auth0_flow_vault_connection.a",
        "auth0_flow_vault_connection.b",
    ] {
        let s = setup(r);
        assert!(is_unknown(s), "{r}");
        assert!(
            matches!(&s.kind, NodeKind::Marker(m) if m.whole_value),
            "{r}"
        );
    }
    assert_eq!(
        unknown_variable_name(setup("auth0_flow_vault_connection.a")),
        Some("s")
    );
    // an object stays an object, its unknown fields unknown one by one
    let c = setup("auth0_flow_vault_connection.c");
    assert!(c.as_object().is_some());
    assert!(is_unknown(c.get("url").unwrap()));
}

#[test]
fn the_other_files_of_a_module_declare_its_locals_and_variables() {
    // variables.tf and locals.tf, as their declarations reach flows.tf
    let variables = "variable \"domain\" {\n  default = \"d.auth0.com\"\n}\nvariable \"port\" { default = 8443 }\n";
    let locals = "# a comment\nlocals {\n  kyc  = jsondecode(file(\"${path.module}/exported/kyc.json\"))\n  flow = local.kyc[\"flows\"][\"#FLOW-1#\"]\n  url  = \"https://${var.domain}:${var.port}/\"\n  mine = \"theirs\"\n  actions = [{ id = \"a\", type = \"AUTH0\", action = \"GET_USER\" }]\n  spare = 1\n}\nresource \"auth0_flow\" \"other\" {\n  name = \"Other\"\n}\n";
    let (pv, pl) = (parse_hcl(variables), parse_hcl(locals));
    let others: Vec<Declaration> = declarations(pv.root.as_ref().unwrap(), variables)
        .into_iter()
        .chain(declarations(pl.root.as_ref().unwrap(), locals))
        .collect();
    let keys: Vec<&str> = others.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        [
            "var.domain",
            "var.port",
            "local.kyc",
            "local.flow",
            "local.url",
            "local.mine",
            "local.actions",
            "local.spare"
        ],
        "only the declarations"
    );
    assert_eq!(others[4].1, "\"https://${var.domain}:${var.port}/\"");
    let none = "resource \"auth0_flow\" \"x\" {\n  name = \"X\"\n}\n";
    assert!(declarations(parse_hcl(none).root.as_ref().unwrap(), none).is_empty());
    let text = "locals {\n  mine = \"own\"\n}\nresource \"auth0_flow\" \"kyc\" {\n  name    = local.url\n  actions = replace(jsonencode(local.flow[\"actions\"]), \"#CONN-1#\", auth0_flow_vault_connection.v.id)\n}\nresource \"auth0_flow\" \"own\" {\n  name    = local.mine\n  actions = jsonencode(local.actions)\n}\n";
    let p = parse_hcl_in(text, &Variables::new(), &others);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let root = p.root.unwrap();
    let kyc = flow(&root, "auth0_flow.kyc");
    let name = kyc.get("name").unwrap();
    // a number written in another file is read in that file's text
    assert_eq!(name.as_str(), Some("https://d.auth0.com:8443/"));
    assert_eq!(at(text, name.range), "local.url", "found where it is used");
    // the export chain of a local in another file: the bundle is the module folder's, and
    // every range is in this file
    let e = &root.get(EXPORTS).unwrap().as_array().unwrap()[0];
    assert_eq!(e.get("file").unwrap().as_str(), Some("./exported/kyc.json"));
    assert_eq!(
        at(text, e.get("file").unwrap().range),
        "local.flow[\"actions\"]"
    );
    let r = &e.get("replace").unwrap().as_array().unwrap()[0];
    assert!(at(text, r.range).starts_with("replace(jsonencode"));
    // this file's own local wins; another file's value is at its use
    let own = flow(&root, "auth0_flow.own");
    assert_eq!(own.get("name").unwrap().as_str(), Some("own"));
    let action = &own.get("actions").unwrap().as_array().unwrap()[0];
    assert_eq!(action.get("action").unwrap().as_str(), Some("GET_USER"));
    assert_eq!(
        at(text, action.get("action").unwrap().range),
        "local.actions"
    );
    // what the tree was read with
    assert_eq!(read_with(&root), module_fingerprint(text, &others));
    assert_ne!(read_with(&root), "");
    assert_eq!(read_with(parse_hcl(text).root.as_ref().unwrap()), "");
    // only what the file uses counts: a change to another local changes nothing here
    let mut changed = others.clone();
    changed[7].1 = "2";
    assert_eq!(
        module_fingerprint(text, &changed),
        module_fingerprint(text, &others)
    );
    changed[2].1 = "jsondecode(file(\"other.json\"))";
    assert_ne!(
        module_fingerprint(text, &changed),
        module_fingerprint(text, &others)
    );
    assert_eq!(
        module_fingerprint("resource \"auth0_flow\" \"f\" {}\n", &others),
        ""
    );
    // a .tfvars value still wins over another file's default
    let mut values = Variables::new();
    values.insert(
        "domain".into(),
        Node {
            range: TextRange::empty(0),
            kind: NodeKind::String("t.auth0.com".into()),
        },
    );
    let p = parse_hcl_in(text, &values, &others);
    let root = p.root.unwrap();
    assert_eq!(
        flow(&root, "auth0_flow.kyc").get("name").unwrap().as_str(),
        Some("https://t.auth0.com:8443/")
    );
}

#[test]
fn a_locals_cycle_across_files_is_unknown_with_a_note_in_this_file() {
    let others = [
        ("local.a", "local.b"),
        ("local.b", "replace(local.c, \"x\", \"y\")"),
    ];
    let text = "locals {\n  c = local.a\n}\nresource \"auth0_flow\" \"f\" {\n  name = local.a\n}\n";
    let p = parse_hcl_in(text, &Variables::new(), &others);
    let root = p.root.unwrap();
    assert!(is_unknown(flow(&root, "auth0_flow.f").get("name").unwrap()));
    let note = p
        .errors
        .iter()
        .find(|e| e.message.contains("cycle"))
        .expect("a note");
    // inside this file's text: at the reference that led into the other files
    assert!(
        text.get(note.range.as_usize())
            .is_some_and(|s| s.starts_with("local."))
    );
    // a declaration that does not parse is left out, nothing else
    let p = parse_hcl_in(text, &Variables::new(), &[("local.a", "{")]);
    assert!(is_unknown(
        flow(p.root.as_ref().unwrap(), "auth0_flow.f")
            .get("name")
            .unwrap()
    ));
}
