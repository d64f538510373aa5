//! View of a Flows Vault connection document, with its `setup` resolved through keyword
//! mappings where it is a marker.

use super::keywords::{KeywordMappings, to_value, whole_value_marker};
use crate::syntax::{Node, NodeKind, TextRange};
use serde_json::Value;

#[derive(Debug)]
pub struct VaultDoc<'a> {
    pub root: &'a Node,
    pub name: Option<&'a Node>,
    pub app_id: Option<&'a Node>,
    pub id: Option<&'a Node>,
    pub setup: Option<&'a Node>,
}

/// What is known of `setup`.
#[derive(Debug, Clone, PartialEq)]
pub enum Setup {
    /// No `setup`: the connection is not configured.
    Absent,
    /// A keyword marker with no mapping: its content is known only at deploy time.
    Unknown { marker: TextRange },
    /// The setup object, keyword markers substituted; `unknown` lists the JSON pointers of the
    /// values that stayed unknown; `marker` is set when the whole setup came from one marker.
    Known {
        value: Value,
        unknown: Vec<String>,
        marker: Option<TextRange>,
    },
}

impl<'a> VaultDoc<'a> {
    pub fn new(root: &'a Node) -> VaultDoc<'a> {
        VaultDoc {
            root,
            name: root.get("name"),
            app_id: root.get("app_id"),
            id: root.get("id"),
            setup: root.get("setup"),
        }
    }
    pub fn name_str(&self) -> Option<&'a str> {
        self.name.and_then(Node::as_str)
    }
    pub fn app_id_str(&self) -> Option<&'a str> {
        self.app_id.and_then(Node::as_str)
    }
    pub fn id_str(&self) -> Option<&'a str> {
        self.id.and_then(Node::as_str)
    }

    pub fn resolve_setup(&self, mappings: &KeywordMappings) -> Setup {
        let Some(node) = self.setup else {
            return Setup::Absent;
        };
        let whole_marker = match &node.kind {
            NodeKind::String(s) => whole_value_marker(s).is_some(),
            NodeKind::Marker(m) => m.whole_value,
            _ => false,
        };
        let (value, unknown) = to_value(node, mappings);
        if whole_marker && unknown.iter().any(String::is_empty) {
            return Setup::Unknown { marker: node.range };
        }
        Setup::Known {
            value,
            unknown,
            marker: whole_marker.then_some(node.range),
        }
    }
}

impl Setup {
    /// A string field of the resolved setup, when known.
    pub fn field(&self, key: &str) -> Option<&str> {
        match self {
            Setup::Known { value, unknown, .. } => {
                let ptr = format!("/{key}");
                if unknown.contains(&ptr) {
                    return None;
                }
                value.get(key)?.as_str()
            }
            _ => None,
        }
    }
}

/// The audience a token for this connection is requested for: `audience`, or the tenant's
/// Management API, `https://{domain}/api/v2/`.
pub fn effective_audience(domain: Option<&str>, audience: Option<&str>) -> Option<String> {
    match audience {
        Some(a) => Some(a.to_string()),
        // a domain written with a scheme is a `vault-setup` finding of its own: the audience is
        // still its host's (no stacked scope finding)
        None => domain.map(|d| format!("https://{}/api/v2/", bare_host(d))),
    }
}

/// A `domain` as written, without the scheme and trailing slashes a malformed one carries
/// (`"https://acme.auth0.com/"`, a `vault-setup` finding of its own): the host the audience needs.
pub fn bare_host(domain: &str) -> &str {
    let lower = domain.to_ascii_lowercase();
    let rest = ["https://", "http://"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .map_or(domain, |p| &domain[p.len()..]);
    rest.trim_end_matches('/')
}

/// The text a setup value was written as: the field's own string, or the whole-value marker
/// the setup is (`"setup": "@@SETUP@@"`), markers kept. Display and provenance read this, never
/// the resolved value.
pub fn written_field<'a>(setup: &'a Node, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    use crate::model::keywords::written_text;
    written_text(setup).or_else(|| written_text(setup.get(key)?))
}
