//! Tree → the domain: which kind of document a file is, and typed views of flows, actions,
//! vault connections, client grants, keyword mappings and `flowls.toml`.
//!
//! Views borrow the syntax tree; building one is cheap and does no I/O.

pub mod flow;
pub mod form;
pub mod grant;
pub mod host;
pub mod keywords;
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
    Other,
}

impl DocKind {
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
        )
    }
}

/// Classifies a file from its workspace-relative path (with `/` separators) and, for JSON,
/// its parsed root. Rules, first match wins: `$schema`, the folder, the file name, the content.
pub fn classify(rel_path: &str, root: Option<&Node>, mappings_file: &str) -> DocKind {
    let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    if rel_path == "flowls.toml" {
        return DocKind::ProjectConfig;
    }
    if rel_path == mappings_file {
        // the file the settings name, whatever its name (`config.json.example`)
        return DocKind::KeywordMappings;
    }
    if is_yaml(name) {
        let keys = ["flows", "forms", "flowVaultConnections", "clientGrants"];
        return match root {
            Some(r) if keys.iter().any(|k| r.member(k).is_some()) => DocKind::Tenant,
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
    let folders: Vec<&str> = rel_path.split('/').rev().skip(1).collect();
    if folders.first() == Some(&"forms") || name.ends_with(".form.json") {
        return DocKind::Form;
    }
    if let Some(root) = root
        && root.get("nodes").and_then(Node::as_array).is_some()
        && root.get("start").is_some()
    {
        return DocKind::Form;
    }
    if folders.contains(&"flows") {
        return DocKind::Flow;
    }
    if folders.contains(&"flow-vault-connections") {
        return DocKind::Vault;
    }
    if folders.first() == Some(&"grants") {
        return DocKind::Grant;
    }
    if name.ends_with(".flow.json") {
        return DocKind::Flow;
    }
    if name.ends_with(".vault.json") {
        return DocKind::Vault;
    }
    if let Some(root) = root {
        if let Some(actions) = root.get("actions").and_then(Node::as_array)
            && !actions.is_empty()
            && actions
                .iter()
                .all(|a| a.get("type").is_some() || a.get("action").is_some())
        {
            return DocKind::Flow;
        }
        if root.get("app_id").is_some() {
            return DocKind::Vault;
        }
    }
    DocKind::Other
}

/// A YAML file, by its name.
pub fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// The string value of a node, if it is a plain string.
pub fn string_of(node: Option<&Node>) -> Option<&str> {
    node.and_then(Node::as_str)
}

/// True for a string holding a `{{ … }}` expression anywhere.
pub fn has_expression(s: &str) -> bool {
    s.contains("{{")
}

/// True for a node that a keyword marker stands in for (its value is known only at deploy time).
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
}
