//! View of a deploy-cli client grant (`grants/*.json`): `{client_id, audience, scope: []}`,
//! where `client_id` holds the client's *name*.

use crate::syntax::{Node, TextRange};

#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub client_id: Option<String>,
    pub audience: Option<String>,
    pub scopes: Vec<(String, TextRange)>,
    /// The scopes are not known here: a Terraform `scopes` whose list or some element is an
    /// unknown value (`var.more_scopes`, `concat([…], var.x)`). `scopes` holds the known ones.
    pub scopes_unknown: bool,
}

impl Grant {
    pub fn new(root: &Node) -> Grant {
        let scope = root.get("scope");
        let scopes_unknown = scope.is_some_and(|s| {
            crate::syntax::hcl::is_unknown(s)
                || s.as_array()
                    .unwrap_or_default()
                    .iter()
                    .any(crate::syntax::hcl::is_unknown)
        });
        Grant {
            client_id: root
                .get("client_id")
                .and_then(Node::as_str)
                .map(str::to_string),
            audience: root
                .get("audience")
                .and_then(Node::as_str)
                .map(str::to_string),
            scopes: scope
                .and_then(Node::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(|n| Some((n.as_str()?.to_string(), n.range)))
                .collect(),
            scopes_unknown,
        }
    }
}
