//! Tree → the domain: which kind of document a file is, and typed views of flows, actions,
//! vault connections, client grants, keyword mappings and `flowls.toml`.
//!
//! Views borrow the syntax tree; building one is cheap and does no I/O.

pub mod flow;
pub mod form;
pub mod grant;
pub mod host;
pub mod keywords;
pub mod layout;
pub mod need;
pub mod project;
pub mod tenant;
pub mod vault;

use crate::syntax::{Node, NodeKind};

/// What a file is to flowls (the kinds README.md and docs/ARCHITECTURE.md describe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    Flow,
    Vault,
    /// deploy-cli `config.json` with `AUTH0_KEYWORD_REPLACE_MAPPINGS`.
    KeywordMappings,
    /// deploy-cli `grants/*.json`.
    Grant,
    /// `flowls.toml`.
    ProjectConfig,
    /// A form: deploy-cli `forms/*.json`, `*.form.json`, or an object with `nodes` and `start`.
    Form,
    /// A deploy-cli YAML (`tenant.yaml`): `flows:` / `forms:` entries naming body files,
    /// inline `flowVaultConnections:` and `clientGrants:`.
    Tenant,
    /// A Dashboard export: `{version, form, flows: {"#FLOW-1#": flow}, connections:
    /// {"#CONN-1#": {id, app_id, name}}}`, recognised by its shape wherever it sits.
    Bundle,
    /// A Terraform `.tf` file declaring `auth0_flow`, `auth0_form`,
    /// `auth0_flow_vault_connection`, `auth0_client_grant` or `auth0_client` resources (or
    /// `import` blocks of them).
    Terraform,
    Other,
}

impl DocKind {
    /// Files the analysis checks (every kind flowls knows).
    pub fn is_checked(self) -> bool {
        !matches!(self, DocKind::Other)
    }

    /// Files Show Graph draws: flows, forms, bundles, deploy-cli YAML and Terraform (the
    /// forms and flows they hold; see `graph::Select::Document`).
    pub fn is_graphable(self) -> bool {
        matches!(
            self,
            DocKind::Flow | DocKind::Form | DocKind::Bundle | DocKind::Tenant | DocKind::Terraform
        )
    }

    /// The kind's name in `flowls/documentKinds` (docs/LSP.md).
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Flow => "flow",
            DocKind::Vault => "vault",
            DocKind::KeywordMappings => "keywordMappings",
            DocKind::Grant => "grant",
            DocKind::ProjectConfig => "projectConfig",
            DocKind::Form => "form",
            DocKind::Tenant => "tenant",
            DocKind::Bundle => "bundle",
            DocKind::Terraform => "terraform",
            DocKind::Other => "other",
        }
    }

    /// Files whose content other files' diagnostics depend on.
    pub fn is_global(self) -> bool {
        matches!(
            self,
            DocKind::Vault
                | DocKind::Grant
                | DocKind::KeywordMappings
                | DocKind::ProjectConfig
                | DocKind::Bundle
                | DocKind::Form
                | DocKind::Tenant
                | DocKind::Terraform
        )
    }
}

/// Classifies a file from its workspace-relative path (with `/` separators) and, for JSON,
/// its parsed root. Rules, first match wins: the bundle's shape, `$schema`, content that fits
/// one kind only ([`clear_kind`]), the folder, the file name, the content's weaker marks.
pub fn classify(rel_path: &str, root: Option<&Node>, mappings_file: &str) -> DocKind {
    let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    if rel_path == layout::PROJECT_CONFIG {
        return DocKind::ProjectConfig;
    }
    if rel_path == mappings_file {
        // the file the settings name, whatever its name (`config.json.example`)
        return DocKind::KeywordMappings;
    }
    if is_yaml(name) {
        return match root {
            Some(r) if tenant::SECTIONS.iter().any(|k| r.member(k).is_some()) => DocKind::Tenant,
            _ => DocKind::Other,
        };
    }
    if name.ends_with(layout::TERRAFORM_SUFFIX) {
        return match root {
            Some(r)
                if crate::syntax::hcl::resources(r).next().is_some()
                    || !crate::syntax::hcl::imports(r).is_empty()
                    || crate::syntax::hcl::has_broken_resource(r) =>
            {
                DocKind::Terraform
            }
            _ => DocKind::Other,
        };
    }
    if !name.ends_with(".json") {
        return DocKind::Other;
    }
    if let Some(root) = root
        && root.get("form").is_some()
        && root.get("flows").and_then(Node::as_object).is_some()
    {
        return DocKind::Bundle;
    }
    if let Some(schema) = root.and_then(|r| r.get("$schema")).and_then(Node::as_str) {
        if schema.ends_with("flow.schema.json") && !schema.ends_with("vault-connection.schema.json")
        {
            return DocKind::Flow;
        }
        if schema.ends_with("vault-connection.schema.json") {
            return DocKind::Vault;
        }
    }
    // content that settles what a file is wins over where it sits: repositories keep flow
    // exports beside their forms (`forms/x.flow-y.json`), which the folder would misread
    if let Some(kind) = root.and_then(clear_kind) {
        return kind;
    }
    let folders: Vec<&str> = rel_path.split('/').rev().skip(1).collect();
    if folders.first() == Some(&layout::FORMS_DIR) || name.ends_with(layout::FORM_SUFFIX) {
        return DocKind::Form;
    }
    if folders.contains(&layout::FLOWS_DIR) {
        return DocKind::Flow;
    }
    if folders.contains(&layout::VAULTS_DIR) {
        return DocKind::Vault;
    }
    if folders.first() == Some(&layout::GRANTS_DIR) {
        return DocKind::Grant;
    }
    if name.ends_with(layout::FLOW_SUFFIX) {
        return DocKind::Flow;
    }
    if name.ends_with(layout::VAULT_SUFFIX) {
        return DocKind::Vault;
    }
    if let Some(root) = root {
        if root.get("nodes").and_then(Node::as_array).is_some() && root.get("start").is_some() {
            return DocKind::Form;
        }
        if has_typed_actions(root) {
            return DocKind::Flow;
        }
        if root.get("app_id").is_some() {
            return DocKind::Vault;
        }
    }
    DocKind::Other
}

/// A non-empty `actions` array whose items all have a `type` or an `action`.
fn has_typed_actions(root: &Node) -> bool {
    root.get("actions")
        .and_then(Node::as_array)
        .is_some_and(|actions| !actions.is_empty() && actions.iter().all(is_typed_action))
}

/// An element of a flow's `actions` that says what it is (`type` or `action`): what
/// [`classify`] reads of each action.
pub fn is_typed_action(action: &Node) -> bool {
    action.get("type").is_some() || action.get("action").is_some()
}

/// What a document's content alone says it is, when only one kind fits: typed `actions` and
/// no form keys (a flow); `nodes` and `start` and no `actions` (a form); an `app_id` and
/// neither (a vault connection). A document with the marks of two kinds settles nothing.
fn clear_kind(root: &Node) -> Option<DocKind> {
    let typed_actions = has_typed_actions(root);
    let has = |key: &str| root.get(key).is_some();
    let form_keys = has("nodes") || has("start");
    let form = root.get("nodes").and_then(Node::as_array).is_some() && has("start");
    match (typed_actions, form, has("app_id")) {
        (true, _, false) if !form_keys => Some(DocKind::Flow),
        (false, true, false) if !has("actions") => Some(DocKind::Form),
        (false, false, true) if !form_keys && !has("actions") => Some(DocKind::Vault),
        _ => None,
    }
}

/// A YAML file, by its name.
pub fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// The string value of a node, if it is a plain string.
pub fn string_of(node: Option<&Node>) -> Option<&str> {
    node.and_then(Node::as_str)
}

/// Whether a value is masked, as documentation and the Dashboard show a secret: `*` and nothing
/// else, at least three of them. It is no value (neither a secret written in plain text nor a
/// malformed domain), only a place where one goes.
pub fn is_masked(s: &str) -> bool {
    let s = s.trim();
    s.len() >= 3 && s.bytes().all(|b| b == b'*')
}

/// True for a string holding a `{{ … }}` expression anywhere.
pub fn has_expression(s: &str) -> bool {
    s.contains("{{")
}

/// True for a node that a keyword marker stands in for (its value is known only at deploy time).
/// Whether a value is a token of a Dashboard export (`#CONN-1#`, `#FLOW-2#`), which stands for
/// an id inside its export bundle.
pub fn is_export_token(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('#').and_then(|r| r.strip_suffix('#')) else {
        return false;
    };
    let (kind, n) = inner.split_once('-').unwrap_or((inner, ""));
    matches!(kind, "CONN" | "FLOW") && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
}

pub fn is_marker(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Marker(_) => true,
        NodeKind::String(s) => keywords::whole_value_marker(s).is_some() || s.contains("##"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn kind(path: &str, text: &str) -> DocKind {
        classify(path, parse(text).root.as_ref(), "config.json")
    }

    #[test]
    fn classification_follows_the_contract() {
        assert_eq!(kind("flows/a.json", "{}"), DocKind::Flow);
        // an export bundle, wherever it sits
        let bundle = r##"{"version": "4.0.0", "form": {}, "flows": {"#FLOW-1#": {"name": "F", "actions": []}}}"##;
        assert_eq!(kind("flows/kyc.json", bundle), DocKind::Bundle);
        assert_eq!(kind("terraform/kyc.json", bundle), DocKind::Bundle);
        assert_eq!(kind("tenant/flows/a.json", "{}"), DocKind::Flow);
        assert_eq!(kind("flow-vault-connections/a.json", "{}"), DocKind::Vault);
        assert_eq!(kind("grants/a.json", "{}"), DocKind::Grant);
        assert_eq!(kind("x/a.flow.json", "{}"), DocKind::Flow);
        assert_eq!(kind("x/a.vault.json", "{}"), DocKind::Vault);
        assert_eq!(kind("config.json", "{}"), DocKind::KeywordMappings);
        assert_eq!(kind("flowls.toml", ""), DocKind::ProjectConfig);
        assert_eq!(
            kind(
                "flows/a.json",
                r#"{"$schema": "../schemas/vault-connection.schema.json"}"#
            ),
            DocKind::Vault
        );
        assert_eq!(
            kind(
                "misc/a.json",
                r#"{"actions": [{"type": "FLOW", "action": "DO_NOTHING"}]}"#
            ),
            DocKind::Flow
        );
        assert_eq!(
            kind("misc/a.json", r#"{"app_id": "AUTH0"}"#),
            DocKind::Vault
        );
        assert_eq!(kind("misc/a.json", r#"{"actions": []}"#), DocKind::Other);
        assert_eq!(kind("package.json", r#"{"name": "x"}"#), DocKind::Other);
        assert_eq!(kind("flows/readme.md", ""), DocKind::Other);
    }

    /// The documents Show Graph's button is on (`flowls/documentKinds`): flows, forms,
    /// bundles wherever they sit, deploy-cli YAML and Terraform files with auth0 resources.
    #[test]
    fn graphable_documents_are_flows_forms_bundles_yaml_and_terraform() {
        let kind = |path: &str, text: &str| {
            let parsed = if is_yaml(path) {
                crate::syntax::parse_yaml(text)
            } else if path.ends_with(layout::TERRAFORM_SUFFIX) {
                crate::syntax::hcl::parse_hcl(text)
            } else {
                parse(text)
            };
            classify(path, parsed.root.as_ref(), "config.json")
        };
        let bundle = r##"{"version": "4.0.0", "form": {}, "flows": {"#FLOW-1#": {"name": "F", "actions": []}}}"##;
        let tf = "resource \"auth0_flow\" \"f\" {\n  name = \"F\"\n}\n";
        for (path, text) in [
            ("flows/Onboard.json", "{}"),
            ("forms/Signup.json", "{}"),
            ("x/Onboard.flow.json", "{}"),
            ("Signup.form.json", "{}"),
            ("export.json", bundle),
            ("exports/kyc.json", bundle),
            ("tenant.yaml", "flows:\n  - name: F\n"),
            ("tenant.yml", "forms: []\n"),
            ("main.tf", tf),
        ] {
            assert!(kind(path, text).is_graphable(), "{path}");
        }
        for (path, text) in [
            ("flow-vault-connections/Users.json", "{}"),
            ("grants/g.json", "{}"),
            ("flowsx/a.json", "{}"),
            ("flows/sub/a.txt", ""),
            ("package.json", r#"{"name": "x"}"#),
            ("config.json", "{}"),
            ("main.tfvars", "x = 1\n"),
            ("infra.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
            ("docker-compose.yaml", "services: {}\n"),
        ] {
            assert!(!kind(path, text).is_graphable(), "{path}");
        }
    }

    #[test]
    fn content_that_clearly_says_what_a_file_is_decides_over_its_folder() {
        // a Terragrunt repository keeps flow exports beside the forms: forms/x.flow-y.json
        let flow =
            r#"{"name": "F", "actions": [{"id": "a", "type": "FLOW", "action": "DO_NOTHING"}]}"#;
        assert_eq!(kind("env/forms/x.flow-update.json", flow), DocKind::Flow);
        assert_eq!(kind("forms/x.form.json", flow), DocKind::Flow);
        let form = r#"{"name": "K", "nodes": [], "start": {"next_node": "$ending"}}"#;
        assert_eq!(kind("flows/k.json", form), DocKind::Form);
        assert_eq!(kind("x/k.flow.json", form), DocKind::Form);
        let vault = r#"{"name": "V", "app_id": "AUTH0", "setup": {}}"#;
        assert_eq!(kind("forms/v.vault.json", vault), DocKind::Vault);
        // what the content does not settle stays with the folder
        assert_eq!(
            kind("forms/a.json", r#"{"name": "x", "actions": []}"#),
            DocKind::Form
        );
        assert_eq!(kind("forms/a.json", "{}"), DocKind::Form);
        assert_eq!(kind("flows/a.json", r#"{"name": "x"}"#), DocKind::Flow);
        // both shapes at once: the folder decides
        let both =
            r#"{"actions": [{"type": "FLOW", "action": "DO_NOTHING"}], "nodes": [], "start": {}}"#;
        assert_eq!(kind("forms/a.json", both), DocKind::Form);
        assert_eq!(kind("flows/a.json", both), DocKind::Flow);
    }
}
