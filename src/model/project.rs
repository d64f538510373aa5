//! `flowls.toml`: which M2M application stands behind a vault connection.
//!
//! ```toml
//! [connections."Users M2M"]
//! client = "Flows M2M"            # the client_id of a grant in grants/
//!
//! [connections."Support M2M"]
//! granted_scopes = ["read:users"] # declared by hand
//! ```

use crate::syntax::TextRange;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectConfig {
    pub connections: BTreeMap<String, ConnectionConfig>,
    /// Tokens a deploy step replaces (`[placeholders]`).
    pub placeholders: Vec<crate::model::keywords::Placeholder>,
    /// The `[placeholders]` entries that could not be read, each with its range (the others
    /// still count).
    pub placeholder_errors: Vec<ConfigError>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionConfig {
    pub name_range: TextRange,
    /// A connection that lives only in the tenant, declared with its app (`app_id = "AUTH0"`).
    pub app_id: Option<(String, TextRange)>,
    pub client: Option<(String, TextRange)>,
    pub granted_scopes: Option<Vec<(String, TextRange)>>,
    /// The range of the `granted_scopes` array, brackets included.
    pub granted_range: Option<TextRange>,
}

/// A problem in `flowls.toml`, with its range.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub range: TextRange,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    connections: BTreeMap<Spanned<String>, RawConnection>,
    #[serde(default)]
    placeholders: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnection {
    app_id: Option<Spanned<String>>,
    client: Option<Spanned<String>>,
    granted_scopes: Option<Spanned<Vec<Spanned<String>>>>,
}

fn range(r: std::ops::Range<usize>) -> TextRange {
    TextRange::new(r.start, r.end)
}

impl ProjectConfig {
    pub fn parse(text: &str) -> Result<ProjectConfig, ConfigError> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let r = e.span().unwrap_or(0..0);
            // the first line of toml's message; the rest repeats the source text
            let message = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_string();
            ConfigError {
                range: range(r),
                message: format!("flowls.toml: {message}"),
            }
        })?;
        let connections = raw
            .connections
            .into_iter()
            .map(|(name, c)| {
                let name_range = range(name.span());
                (
                    name.into_inner(),
                    ConnectionConfig {
                        name_range,
                        app_id: c.app_id.map(|s| (s.get_ref().clone(), range(s.span()))),
                        client: c.client.map(|s| (s.get_ref().clone(), range(s.span()))),
                        granted_range: c.granted_scopes.as_ref().map(|v| range(v.span())),
                        granted_scopes: c.granted_scopes.map(|v| {
                            v.into_inner()
                                .into_iter()
                                .map(|s| (s.get_ref().clone(), range(s.span())))
                                .collect()
                        }),
                    },
                )
            })
            .collect();
        let mut placeholders = Vec::new();
        let mut placeholder_errors = Vec::new();
        for (pattern, kind) in raw.placeholders {
            let kind_of = match kind.get_ref().as_str() {
                "connection" => crate::model::keywords::PlaceholderKind::Connection,
                "flow" => crate::model::keywords::PlaceholderKind::Flow,
                "unknown" => crate::model::keywords::PlaceholderKind::Unknown,
                other => {
                    placeholder_errors.push(ConfigError {
                        range: range(kind.span()),
                        message: format!(
                            "flowls.toml: a placeholder stands for \"connection\", \"flow\" or \"unknown\", found \"{other}\""
                        ),
                    });
                    continue;
                }
            };
            match crate::model::keywords::Placeholder::new(pattern.get_ref(), kind_of) {
                Some(p) => placeholders.push(p),
                None => placeholder_errors.push(ConfigError {
                    range: range(pattern.span()),
                    message: "flowls.toml: a placeholder is text around one `{name}`, such as \"__TF_VAULT__{name}__\" or \"env:{name}\"".into(),
                }),
            }
        }
        Ok(ProjectConfig {
            connections,
            placeholders,
            placeholder_errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_links_and_declared_scopes_with_ranges() {
        let text = "[connections.\"Users M2M\"]\nclient = \"Flows M2M\"\n\n[connections.\"Support\"]\ngranted_scopes = [\"read:users\"]\n";
        let cfg = ProjectConfig::parse(text).unwrap();
        let users = &cfg.connections["Users M2M"];
        assert_eq!(users.client.as_ref().unwrap().0, "Flows M2M");
        assert_eq!(
            &text[users.client.as_ref().unwrap().1.as_usize()],
            "\"Flows M2M\""
        );
        let support = &cfg.connections["Support"];
        let scopes = support.granted_scopes.as_ref().unwrap();
        assert_eq!(&text[scopes[0].1.as_usize()], "\"read:users\"");
    }

    #[test]
    fn unknown_keys_and_bad_toml_are_errors_with_ranges() {
        let err = ProjectConfig::parse("[connections.\"A\"]\nclinet = \"x\"\n").unwrap_err();
        assert!(err.message.contains("clinet"), "{}", err.message);
        assert!(!err.range.is_empty());
        assert!(ProjectConfig::parse("[connections\n").is_err());
    }
}
