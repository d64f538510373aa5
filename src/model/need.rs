//! What an action needs of the Management API: the scopes of its call, from the catalogue.

use crate::model;
use crate::model::flow::Action;
use crate::model::keywords::KeywordMappings;
use crate::syntax::Node;

/// What one action needs of the Management API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// No Management API call (third-party connectors, notifications).
    Nothing,
    /// Any one of these scopes is enough; `what` names the call for messages.
    AnyOf {
        scopes: &'static [String],
        what: std::borrow::Cow<'static, str>,
    },
    /// The endpoint cannot be known here (an expression or unknown path).
    Unknown { why: String },
}

impl Action<'_> {
    /// The Management API scopes this action needs (a custom request's from its method and
    /// path, with keyword values substituted; never displayed when they come from the
    /// environment).
    pub fn need(&self, mappings: &KeywordMappings) -> Need {
        let Some(spec) = self.spec() else {
            return Need::Nothing;
        };
        if !spec.is_management_api() {
            return Need::Nothing;
        }
        if !spec.scopes.is_empty() {
            return Need::AnyOf {
                scopes: &spec.scopes,
                what: std::borrow::Cow::Borrowed(spec.label()),
            };
        }
        if spec.action != "SEND_REQUEST" {
            return Need::Nothing;
        }
        // the method as it may be shown: one from the environment is not displayed
        let mut method_shown = None;
        let method = match self.param("method") {
            None => "GET".to_string(),
            Some(n) => match n.as_str().and_then(|m| mappings.substitute(m)) {
                Some(m) if !model::has_expression(&m) => {
                    let raw = n.as_str().unwrap_or_default();
                    if !mappings.env_keys(raw).is_empty() {
                        method_shown = Some(mappings.shown(raw, &m));
                    }
                    m.to_ascii_uppercase()
                }
                _ => {
                    return Need::Unknown {
                        why: "its `method` is known only at run time".into(),
                    };
                }
            },
        };
        let raw_path = self.param("pathname").and_then(Node::as_str);
        let Some(path) = raw_path.and_then(|p| mappings.substitute(p)) else {
            return Need::Unknown {
                why: "its `pathname` is not a known string".into(),
            };
        };
        if path.trim_start().starts_with("{{") && !path.contains('/') {
            return Need::Unknown {
                why: "its `pathname` is an expression".into(),
            };
        }
        let catalogue = crate::catalogue::Catalogue::get();
        let lookup = catalogue.endpoint_scopes(&method, &path).or_else(|| {
            catalogue.endpoint_scopes(
                &method,
                &format!("/api/v2/{}", path.trim_start_matches('/')),
            )
        });
        let method_shown = method_shown.unwrap_or_else(|| method.clone());
        match lookup {
            Some(e) if e.any_of.is_empty() => Need::Unknown {
                why: format!(
                    "{method_shown} {} accepts only a user's token, which an M2M connection never has",
                    e.path
                ),
            },
            Some(e) => Need::AnyOf {
                scopes: e.any_of,
                what: format!("{method_shown} {}", e.path).into(),
            },
            None => Need::Unknown {
                // the path as written: substituted keyword values never reach messages
                why: format!(
                    "`{method_shown} {}` is not a Management API endpoint flowls knows",
                    raw_path.unwrap_or_default()
                ),
            },
        }
    }
}
