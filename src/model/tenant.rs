//! View of a deploy-cli YAML file (`tenant.yaml`): the sections flowls reads. `flows:` and
//! `forms:` entries are `{name, body: ./path.json}` (the body file holds the rest, and
//! deploy-cli keeps the body's own `name` when it has one); `flowVaultConnections:` entries are
//! whole vault connections and `clientGrants:` entries whole grants, inline.

use super::DocKind;
use crate::syntax::Node;

/// The top-level keys flowls reads, each named once.
pub const FLOWS: &str = "flows";
pub const FORMS: &str = "forms";
pub const VAULTS: &str = "flowVaultConnections";
pub const GRANTS: &str = "clientGrants";
pub const SECTIONS: &[&str] = &[FLOWS, FORMS, VAULTS, GRANTS];

/// A `flows:` / `forms:` entry.
#[derive(Debug, Clone, Copy)]
pub struct BodyEntry<'a> {
    pub node: &'a Node,
    pub name: Option<&'a Node>,
    pub body: Option<&'a Node>,
}

#[derive(Debug, Clone, Default)]
pub struct Tenant<'a> {
    pub flows: Vec<&'a Node>,
    pub forms: Vec<&'a Node>,
    pub vaults: Vec<&'a Node>,
    pub grants: Vec<&'a Node>,
}

impl<'a> Tenant<'a> {
    pub fn new(root: &'a Node) -> Tenant<'a> {
        let list = |key: &str| -> Vec<&'a Node> {
            root.get(key)
                .and_then(Node::as_array)
                .unwrap_or_default()
                .iter()
                .filter(|n| n.as_object().is_some())
                .collect()
        };
        Tenant {
            flows: list(FLOWS),
            forms: list(FORMS),
            vaults: list(VAULTS),
            grants: list(GRANTS),
        }
    }

    /// Every `flows:` and `forms:` entry, with the kind its body file is.
    pub fn bodies(&self) -> impl Iterator<Item = (DocKind, BodyEntry<'a>)> + '_ {
        let flows = self.flows.iter().map(|n| (DocKind::Flow, *n));
        let forms = self.forms.iter().map(|n| (DocKind::Form, *n));
        flows.chain(forms).map(|(kind, node)| {
            (
                kind,
                BodyEntry {
                    node,
                    name: node.get("name"),
                    body: node.get("body"),
                },
            )
        })
    }
}
