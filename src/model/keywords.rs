//! auth0-deploy-cli keyword replacement: `@@KEY@@` stands for a whole JSON value, `##KEY##` is
//! text substituted anywhere. Mappings come from `AUTH0_KEYWORD_REPLACE_MAPPINGS` in
//! `config.json`, and (as deploy-cli does on import) from environment variables.
//!
//! Resolved values may be secrets: nothing here formats them into text for people.

use crate::syntax::{Node, NodeKind};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeywordMappings {
    values: BTreeMap<String, Value>,
    /// Keys whose value came from an environment variable (never displayed).
    from_env: std::collections::BTreeSet<String>,
    /// Tokens a deploy step replaces, declared in `flowls.toml`.
    placeholders: Vec<Placeholder>,
}

/// What a placeholder token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceholderKind {
    /// The vault connection named `{name}`.
    Connection,
    /// The flow named `{name}`.
    Flow,
    /// A value known only at deploy time: never a finding.
    Unknown,
}

/// A token a repository's own deploy step replaces (`"__TF_VAULT__{name}__" = "connection"` in
/// `flowls.toml`'s `[placeholders]`): text around one `{name}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholder {
    prefix: String,
    suffix: String,
    pub kind: PlaceholderKind,
}

impl Placeholder {
    /// `None` unless the pattern holds exactly one `{name}` and some text around it.
    pub fn new(pattern: &str, kind: PlaceholderKind) -> Option<Placeholder> {
        let (prefix, suffix) = pattern.split_once("{name}")?;
        if suffix.contains("{name}") || (prefix.is_empty() && suffix.is_empty()) {
            return None;
        }
        Some(Placeholder {
            prefix: prefix.to_string(),
            suffix: suffix.to_string(),
            kind,
        })
    }

    /// The `{name}` of a value that is this token.
    pub fn name_in<'a>(&self, value: &'a str) -> Option<&'a str> {
        let name = value
            .strip_prefix(&self.prefix)?
            .strip_suffix(&self.suffix)?;
        (!name.is_empty()).then_some(name)
    }
}

impl KeywordMappings {
    /// Reads `AUTH0_KEYWORD_REPLACE_MAPPINGS` from a parsed `config.json`.
    pub fn from_config(root: Option<&Node>) -> KeywordMappings {
        let mut values = BTreeMap::new();
        if let Some(members) = root
            .and_then(|r| r.get("AUTH0_KEYWORD_REPLACE_MAPPINGS"))
            .and_then(Node::as_object)
        {
            let empty = KeywordMappings::default();
            for m in members {
                if let Some(v) = &m.value {
                    values.insert(m.key.to_string(), to_value(v, &empty).0);
                }
            }
        }
        KeywordMappings {
            values,
            from_env: Default::default(),
            placeholders: Vec::new(),
        }
    }

    /// Adds environment variables, which fill in keys the file does not set.
    pub fn with_env(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        for (k, v) in vars {
            if let std::collections::btree_map::Entry::Vacant(e) = self.values.entry(k.clone()) {
                e.insert(Value::String(v));
                self.from_env.insert(k);
            }
        }
        self
    }

    /// With the placeholders `flowls.toml` declares.
    pub fn with_placeholders(mut self, mut placeholders: Vec<Placeholder>) -> Self {
        // where patterns overlap, the most specific (the most text around `{name}`) decides
        placeholders.sort_by_key(|p| std::cmp::Reverse(p.prefix.len() + p.suffix.len()));
        self.placeholders = placeholders;
        self
    }

    /// The placeholder a whole value is, and the name it stands for.
    pub fn placeholder<'a>(&self, value: &'a str) -> Option<(PlaceholderKind, &'a str)> {
        self.placeholders
            .iter()
            .find_map(|p| Some((p.kind, p.name_in(value)?)))
    }

    /// Whether a key's value comes from the environment (not from the mappings file).
    pub fn is_from_env(&self, key: &str) -> bool {
        self.from_env.contains(key)
    }

    /// The keys of the markers in `raw` (a whole `@@KEY@@` value, or `##KEY##` anywhere)
    /// whose values come from the environment.
    pub fn env_keys<'a>(&self, raw: &'a str) -> Vec<&'a str> {
        match whole_value_marker(raw) {
            Some(k) => vec![k],
            None => text_markers(raw).into_iter().map(|(k, _)| k).collect(),
        }
        .into_iter()
        .filter(|k| self.is_from_env(k))
        .collect()
    }

    /// How a value written as `raw` may be shown: no resolved keyword value is ever displayed
    /// (it may be a secret), so a value with markers shows as written — with `(environment)`
    /// when an environment variable takes part in it —, and one without is itself.
    pub fn shown(&self, raw: &str, resolved: &str) -> String {
        let has_markers = whole_value_marker(raw).is_some() || !text_markers(raw).is_empty();
        if !has_markers {
            resolved.to_string()
        } else if self.env_keys(raw).is_empty() {
            raw.to_string()
        } else {
            format!("{raw} (environment)")
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// The text a `##KEY##` marker is replaced by.
    pub fn text(&self, key: &str) -> Option<String> {
        self.values.get(key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// `s` with every known `##KEY##` replaced; `None` when some marker is unknown, or when the
    /// whole value is a placeholder known only at deploy time. (A connection or flow
    /// placeholder stands for a name only where a connection or a flow is named: the callers
    /// there ask [`KeywordMappings::placeholder`].)
    pub fn substitute(&self, s: &str) -> Option<String> {
        if let Some((PlaceholderKind::Unknown, _)) = self.placeholder(s) {
            return None;
        }
        let markers = text_markers(s);
        if markers.is_empty() {
            return Some(s.to_string());
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (key, range) in markers {
            out.push_str(&s[last..range.start]);
            out.push_str(&self.text(key)?);
            last = range.end;
        }
        out.push_str(&s[last..]);
        Some(out)
    }
}

/// The text a value was written as, markers kept: a string's text, or an unquoted marker
/// (`##KEY##` or `@@KEY@@` outside a string, which the tree holds as a marker node). Display and
/// provenance read this, never a resolved value.
pub fn written_text(node: &Node) -> Option<std::borrow::Cow<'_, str>> {
    match &node.kind {
        NodeKind::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        NodeKind::Marker(m) if m.whole_value => Some(format!("@@{}@@", m.key).into()),
        NodeKind::Marker(m) => Some(format!("##{}##", m.key).into()),
        _ => None,
    }
}

/// A keyword name made from free text: letters and digits upper-cased, the rest `_`.
pub fn keyword_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The key of a string that is exactly `@@KEY@@`.
pub fn whole_value_marker(s: &str) -> Option<&str> {
    let key = s.strip_prefix("@@")?.strip_suffix("@@")?;
    is_key(key).then_some(key)
}

fn is_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Every `##KEY##` in `s`, with its byte range in `s`.
pub fn text_markers(s: &str) -> Vec<(&str, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find("##") {
        let start = from + i;
        let rest = &s[start + 2..];
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if len > 0 && rest[len..].starts_with("##") {
            out.push((&rest[..len], start..start + 2 + len + 2));
            from = start + 2 + len + 2;
        } else {
            from = start + 2;
        }
    }
    out
}

/// A node as a `serde_json::Value` with keyword markers substituted, and the JSON pointers of
/// the values that could not be known (unknown markers, syntax errors, missing values), so
/// that validation can leave them alone.
pub fn to_value(node: &Node, mappings: &KeywordMappings) -> (Value, Vec<String>) {
    let mut unknown = Vec::new();
    let v = convert(node, mappings, &mut String::new(), &mut unknown);
    (v, unknown)
}

/// Long: one `match` over the node kinds, each arm its JSON value with markers substituted.
fn convert(
    node: &Node,
    map: &KeywordMappings,
    ptr: &mut String,
    unknown: &mut Vec<String>,
) -> Value {
    match &node.kind {
        NodeKind::Object(members) => {
            let mut obj = Map::new();
            for m in members {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&m.key.replace('~', "~0").replace('/', "~1"));
                let v = match &m.value {
                    Some(v) => convert(v, map, ptr, unknown),
                    None => {
                        unknown.push(ptr.clone());
                        Value::Null
                    }
                };
                ptr.truncate(len);
                obj.insert(m.key.to_string(), v);
            }
            Value::Object(obj)
        }
        NodeKind::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&i.to_string());
                    let v = convert(v, map, ptr, unknown);
                    ptr.truncate(len);
                    v
                })
                .collect(),
        ),
        NodeKind::String(s) => {
            if let Some(key) = whole_value_marker(s) {
                return match map.get(key) {
                    Some(v) => v.clone(),
                    None => {
                        unknown.push(ptr.clone());
                        Value::String(s.to_string())
                    }
                };
            }
            match map.substitute(s) {
                Some(t) => Value::String(t),
                None => {
                    unknown.push(ptr.clone());
                    Value::String(s.to_string())
                }
            }
        }
        NodeKind::Number(n) => serde_json::from_str(n).unwrap_or_else(|_| {
            unknown.push(ptr.clone());
            Value::Null
        }),
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Null => Value::Null,
        NodeKind::Marker(m) => {
            let resolved = if m.whole_value {
                map.get(&m.key).cloned()
            } else {
                map.text(&m.key)
                    .map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
            };
            resolved.unwrap_or_else(|| {
                unknown.push(ptr.clone());
                Value::Null
            })
        }
        NodeKind::Error => {
            unknown.push(ptr.clone());
            Value::Null
        }
    }
}

/// The node a JSON pointer (as written by [`to_value`] and by `jsonschema`) leads to, or the
/// deepest node on the way (a marker stands for everything below it), and the key range of
/// the last member passed.
pub fn node_at_pointer<'a>(
    root: &'a Node,
    pointer: &str,
) -> (&'a Node, Option<crate::syntax::TextRange>) {
    let (node, key, _) = walk_pointer(root, pointer);
    (node, key)
}

/// [`node_at_pointer`], and whether every step of the pointer is written in the file (false
/// when it goes on inside a value a keyword marker stands for).
pub fn walk_pointer<'a>(
    root: &'a Node,
    pointer: &str,
) -> (&'a Node, Option<crate::syntax::TextRange>, bool) {
    let mut cur = root;
    let mut key = None;
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let next = match &cur.kind {
            NodeKind::Object(_) => cur.member(&seg).and_then(|m| {
                key = Some(m.key_range);
                m.value.as_ref()
            }),
            NodeKind::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return (cur, key, false),
        }
    }
    (cur, key, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn markers_are_found_in_text() {
        let s = "https://##DOMAIN##/api/v2/##X";
        let m = text_markers(s);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].0, "DOMAIN");
        assert_eq!(&s[m[0].1.clone()], "##DOMAIN##");
        assert_eq!(whole_value_marker("@@SETUP@@"), Some("SETUP"));
        assert_eq!(whole_value_marker("@@SE TUP@@"), None);
        assert_eq!(whole_value_marker("x@@SETUP@@"), None);
    }

    #[test]
    fn substitution_uses_config_then_env() {
        let cfg = parse(r#"{"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"DOMAIN": "a.auth0.com", "N": 3}}"#);
        let map = KeywordMappings::from_config(cfg.root.as_ref()).with_env([
            ("DOMAIN".to_string(), "env.example".to_string()),
            ("E".into(), "e".into()),
        ]);
        assert_eq!(
            map.substitute("https://##DOMAIN##/").as_deref(),
            Some("https://a.auth0.com/")
        );
        assert_eq!(map.substitute("##N##-##E##").as_deref(), Some("3-e"));
        assert_eq!(map.substitute("##MISSING##"), None);
    }

    #[test]
    fn to_value_resolves_and_records_unknowns() {
        let cfg = parse(r#"{"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"SETUP": {"type": "OAUTH_APP"}}}"#);
        let map = KeywordMappings::from_config(cfg.root.as_ref());
        let doc = parse(r#"{"a": "@@SETUP@@", "b": "@@NOPE@@", "c": [##N##], "d": "x/y"}"#);
        let (v, unknown) = to_value(doc.root.as_ref().unwrap(), &map);
        assert_eq!(v["a"]["type"], "OAUTH_APP");
        assert_eq!(unknown, ["/b", "/c/0"]);
        let root = doc.root.as_ref().unwrap();
        assert_eq!(
            node_at_pointer(root, "/a/type").0.range,
            root.get("a").unwrap().range
        );
        assert_eq!(
            node_at_pointer(root, "/c/0").0.kind,
            NodeKind::Marker(Box::new(crate::syntax::Marker {
                key: "N".into(),
                whole_value: false
            }))
        );
    }
}
