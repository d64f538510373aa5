//! Validation of a value against a catalogue schema with the `jsonschema` crate, the errors
//! mapped back to the narrowest range and phrased for people. A message quotes the value it
//! found as written in the file (`found "COOKIE"`), never a value a keyword marker resolved to
//! (it may come from the environment) nor the value of a secret field.

use super::{Diagnostic, Fixable, Severity};
use crate::model::keywords::{KeywordMappings, to_value, walk_pointer};
use crate::syntax::{Node, NodeKind, TextRange};
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

/// What is being validated, for messages: "param" / "setup field", and the owner's label.
pub struct Subject<'a> {
    pub field_word: &'a str,
    pub owner: &'a str,
    pub code: &'static str,
    /// Where a finding about the whole value goes (e.g. the `params` key).
    pub anchor: TextRange,
    /// The value is an action's `params` (a missing required member is then fixable).
    pub is_params: bool,
    /// Errors not to report: `(instance path, error)` → skip.
    pub skip: fn(&str, &ValidationErrorKind) -> bool,
    /// Fields (by their last key) whose value is a secret, never quoted in a message.
    pub secret_fields: &'a [String],
}

/// Keys whose values are credentials wherever they stand (params have no list of their own).
fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "secret",
        "password",
        "token",
        "api_key",
        "apikey",
        "authorization",
        "private_key",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// Reports every error (for [`Subject::skip`]).
pub fn report_all(_: &str, _: &ValidationErrorKind) -> bool {
    false
}

/// Validates `node` and reports each error at its narrowest range. Long: one `match` over the
/// validator's error kinds, each worded for people; splitting it would scatter the wording.
pub fn validate(
    node: &Node,
    schema: &Value,
    validator: &jsonschema::Validator,
    mappings: &KeywordMappings,
    subject: &Subject,
    out: &mut Vec<Diagnostic>,
) {
    let (value, unknown) = to_value(node, mappings);
    if unknown.iter().any(String::is_empty) {
        return;
    }
    for err in validator.iter_errors(&value) {
        let path = err.instance_path().as_str().to_string();
        if unknown.iter().any(|u| is_under(&path, u)) || (subject.skip)(&path, err.kind()) {
            continue;
        }
        let (target, key_range, within_file) = walk_pointer(node, &path);
        let from_marker = crate::model::is_marker(target);
        let names_mapped_keys =
            from_marker && matches!(err.kind(), ValidationErrorKind::AdditionalProperties { .. });
        if !within_file || names_mapped_keys {
            // the error is inside a value a keyword marker gave: its keys and values are the
            // mapping's (maybe the environment's), so the finding names only the marker
            let written = crate::model::keywords::written_text(target)
                .map(|w| mappings.shown(&w, &w))
                .unwrap_or_else(|| "the keyword".into());
            let what = match err.kind() {
                ValidationErrorKind::Required { .. } => "a required field is missing".to_string(),
                ValidationErrorKind::AdditionalProperties { .. } => {
                    "it has a field that is not allowed".to_string()
                }
                _ => format!(
                    "a value must be {}",
                    parent_schema(schema, err.schema_path().as_str())
                        .map(describe)
                        .unwrap_or_else(|| "different".into())
                ),
            };
            let d = Diagnostic::error(
                target.range,
                subject.code,
                format!(
                    "the value of `{written}` does not fit {}: {what}",
                    subject.owner
                ),
            );
            if !out.contains(&d) {
                out.push(d);
            }
            continue;
        }
        let at = if path.is_empty() {
            subject.anchor
        } else {
            target.range
        };
        let field = field_name(&path, subject);
        let schema_path = err.schema_path().as_str().to_string();
        let sub = parent_schema(schema, &schema_path);
        match err.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or("?");
                let what = if path.is_empty() {
                    format!("{} `{name}` for {}", subject.field_word, subject.owner)
                } else {
                    format!("field `{name}` in {field}")
                };
                let at = if path.is_empty() {
                    subject.anchor
                } else {
                    key_range.unwrap_or(super::opening(target.range))
                };
                let fix = if path.is_empty() && subject.is_params {
                    Fixable::MissingParams
                } else {
                    Fixable::Nothing
                };
                out.push(
                    Diagnostic::error(at, subject.code, format!("missing required {what}: add it"))
                        .with_fix(fix),
                );
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let known: Vec<&str> = sub
                    .and_then(|s| s.get("properties"))
                    .and_then(Value::as_object)
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                for key in unexpected {
                    let range = target.member(key).map_or(target.range, |m| m.key_range);
                    let nearest = crate::catalogue::nearest(key, known.iter().copied());
                    let hint = match nearest {
                        Some(n) => format!(" (did you mean `{n}`?)"),
                        None if known.is_empty() => String::new(),
                        None => {
                            format!(" ({} allows: {})", where_(&path, subject), known.join(", "))
                        }
                    };
                    let noun = if path.is_empty() {
                        subject.field_word
                    } else {
                        "field"
                    };
                    out.push(
                        Diagnostic::error(
                            range,
                            subject.code,
                            format!(
                                "unknown {noun} `{key}` in {}: remove it{hint}",
                                where_(&path, subject)
                            ),
                        )
                        .with_fix(Fixable::UnknownKey {
                            nearest: nearest.map(str::to_string),
                        }),
                    );
                }
            }
            kind => {
                let expected = sub
                    .map(describe)
                    .unwrap_or_else(|| "a different value".into());
                let message = match kind {
                    ValidationErrorKind::Type { .. }
                    | ValidationErrorKind::AnyOf { .. }
                    | ValidationErrorKind::OneOfNotValid { .. }
                    | ValidationErrorKind::Enum { .. }
                    | ValidationErrorKind::Constant { .. } => {
                        let last_key = path.rsplit('/').next().unwrap_or_default();
                        let secret = subject.secret_fields.iter().any(|f| f == last_key)
                            || looks_secret(last_key);
                        let found = if from_marker {
                            match target.as_str() {
                                Some(raw) if !secret => format!(
                                    "found {} once its keyword markers are replaced",
                                    quote(raw)
                                ),
                                _ => "the keyword's value does not fit".to_string(),
                            }
                        } else {
                            found_text(target, secret)
                        };
                        // a value close to one the enum allows
                        let near = match (kind, target.as_str()) {
                            (ValidationErrorKind::Enum { options }, Some(raw))
                                if !from_marker && !secret =>
                            {
                                let allowed: Vec<&str> = options
                                    .as_array()
                                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                                    .unwrap_or_default();
                                crate::catalogue::nearest(raw, allowed.iter().copied())
                                    .map(|n| format!(": did you mean \"{n}\"?"))
                            }
                            _ => None,
                        };
                        format!(
                            "{field} must be {expected}; {found}{}",
                            near.unwrap_or_default()
                        )
                    }
                    ValidationErrorKind::MinLength { limit } => {
                        if *limit == 1 {
                            format!("{field} must not be empty")
                        } else {
                            format!("{field} must be at least {limit} characters long")
                        }
                    }
                    ValidationErrorKind::MaxLength { limit } => {
                        format!("{field} must be at most {limit} characters long: shorten it")
                    }
                    ValidationErrorKind::Minimum { limit } => {
                        format!("{field} must be at least {limit}")
                    }
                    ValidationErrorKind::Maximum { limit } => {
                        format!("{field} must be at most {limit}")
                    }
                    ValidationErrorKind::MinItems { limit } => {
                        format!(
                            "{field} needs at least {limit} item{}",
                            if *limit == 1 { "" } else { "s" }
                        )
                    }
                    ValidationErrorKind::MaxItems { limit } => {
                        format!("{field} takes at most {limit} items")
                    }
                    _ => format!("{field} must be {expected}"),
                };
                out.push(Diagnostic::new(at, Severity::Error, subject.code, message));
            }
        }
    }
}

fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

fn field_name(path: &str, subject: &Subject) -> String {
    if path.is_empty() {
        return format!("{} of {}", subject.field_word, subject.owner);
    }
    let dotted: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    format!("`{}`", dotted.join("."))
}

fn where_(path: &str, subject: &Subject) -> String {
    if path.is_empty() {
        subject.owner.to_string()
    } else {
        field_name(path, subject)
    }
}

/// "found …" for a value that is not a secret, as every message of that kind says it.
pub fn found(node: &Node) -> String {
    found_text(node, false)
}

/// What was found, for a message: the value as written (`found "COOKIE"`, `found 12`), or only
/// its kind when it is a secret or too large to quote.
fn found_text(node: &Node, secret: bool) -> String {
    let kind = match &node.kind {
        NodeKind::String(s) if s.is_empty() => return "found an empty string".into(),
        NodeKind::String(s) if !secret => return format!("found {}", quote(s)),
        NodeKind::Number(n) if !secret => return format!("found {n}"),
        NodeKind::Bool(b) if !secret => return format!("found {b}"),
        NodeKind::String(_) => "a string",
        NodeKind::Number(_) => "a number",
        NodeKind::Bool(_) => "a boolean",
        NodeKind::Null => "null",
        NodeKind::Object(_) => "an object",
        NodeKind::Array(_) => "an array",
        NodeKind::Marker(_) => "a keyword marker",
        NodeKind::Error => "an invalid value",
    };
    format!("found {kind}")
}

/// A string for a message: in quotes, escaped, cut after 40 characters.
pub fn quote(s: &str) -> String {
    const MOST: usize = 40;
    let cut: String = s.chars().take(MOST).collect();
    let more = if s.chars().count() > MOST { "…" } else { "" };
    let escaped = serde_json::to_string(&cut).unwrap_or_else(|_| "\"".into());
    let open = escaped.strip_suffix('"').unwrap_or(&escaped);
    format!("{}{more}\"", crate::display::escape_control(open, false))
}

/// The schema object holding the keyword that failed (the schema path without its last step).
fn parent_schema<'a>(schema: &'a Value, schema_path: &str) -> Option<&'a Value> {
    let mut segs: Vec<&str> = schema_path.split('/').skip(1).collect();
    segs.pop();
    let mut cur = schema;
    for s in segs {
        let s = s.replace("~1", "/").replace("~0", "~");
        cur = match cur {
            Value::Object(o) => o.get(&s)?,
            Value::Array(a) => a.get(s.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// A schema in words: "a string of at most 250 characters or an integer ≥ 0".
pub fn describe(schema: &Value) -> String {
    if let Some(alts) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        let mut parts: Vec<String> = Vec::new();
        for a in alts {
            let d = describe(a);
            if !parts.contains(&d) {
                parts.push(d);
            }
        }
        return parts.join(" or ");
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values
            .iter()
            .map(|v| {
                v.as_str()
                    .map_or_else(|| v.to_string(), |s| format!("\"{s}\""))
            })
            .collect();
        return format!("one of {}", names.join(", "));
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return "any value".into(),
    };
    let mut parts = Vec::new();
    for t in types {
        let mut s = match t {
            "string" => "a string".to_string(),
            "integer" => "an integer".to_string(),
            "number" => "a number".to_string(),
            "boolean" => "true or false".to_string(),
            "object" => "an object".to_string(),
            "array" => "an array".to_string(),
            "null" => "null".to_string(),
            other => other.to_string(),
        };
        let n = |k: &str| schema.get(k).and_then(Value::as_u64);
        match t {
            "string" => match (n("minLength").filter(|&m| m > 0), n("maxLength")) {
                (Some(lo), Some(hi)) => s.push_str(&format!(" of {lo} to {hi} characters")),
                (Some(1), None) => s = "a non-empty string".into(),
                (Some(lo), None) => s.push_str(&format!(" of at least {lo} characters")),
                (None, Some(hi)) => s.push_str(&format!(" of at most {hi} characters")),
                (None, None) => {}
            },
            "integer" | "number" => {
                if let Some(lo) = schema.get("minimum") {
                    s.push_str(&format!(" ≥ {lo}"));
                }
                if let Some(hi) = schema.get("maximum") {
                    s.push_str(&format!(" ≤ {hi}"));
                }
            }
            _ => {}
        }
        parts.push(s);
    }
    parts.join(" or ")
}
