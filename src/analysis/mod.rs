//! Model + workspace → diagnostics. Pure: no I/O, no LSP types, no clock.
//!
//! Entry point: [`diagnostics`]. Each document kind has its own module; shared pieces are
//! [`shape`] (validation against the catalogue's schemas, with errors mapped to ranges),
//! [`expression`] (`{{ … }}`) and [`scopes`] (what a connection's M2M app was granted).

pub mod expression;
pub mod flow;
pub mod form;
pub mod ide;
pub mod least_privilege;
mod reuse;
pub mod rules;
pub mod scopes;
pub mod shape;
pub mod tenant;
pub mod terraform;
pub mod vault;

use crate::model::DocKind;
use crate::syntax::{SyntaxSeverity, TextRange};
use crate::workspace::{SourceFile, Workspace};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "info",
            Severity::Hint => "hint",
        }
    }
}

/// Declares each code once: its constant, and `ALL` in the same order.
macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal,)*) => {
        $($(#[$doc])* pub const $name: &str = $code;)*
        /// Every code (each has its rule in `analysis::rules`).
        pub const ALL: &[&str] = &[$($name),*];
    };
}

/// The stable diagnostic codes (docs/diagnostics.md).
pub mod code {
    codes! {
        SYNTAX = "syntax",
        SCHEMA = "schema",
        UNKNOWN_ACTION = "unknown-action",
        DUPLICATE_ACTION_ID = "duplicate-action-id",
        UNRESOLVED_CONNECTION = "unresolved-connection",
        CONNECTION_APP_MISMATCH = "connection-app-mismatch",
        CONNECTION_NOT_NEEDED = "connection-not-needed",
        MISSING_SCOPE = "missing-scope",
        SCOPES_UNKNOWN = "scopes-unknown",
        EXCESS_SCOPE = "excess-scope",
        VAULT_SETUP = "vault-setup",
        PLAINTEXT_SECRET = "plaintext-secret",
        UNUSED_CONNECTION = "unused-connection",
        EXPRESSION = "expression",
        /// A `SEND_REQUEST` whose endpoint flowls cannot look up.
    UNKNOWN_ENDPOINT = "unknown-endpoint",
        /// Two vault connections with one name.
    DUPLICATE_CONNECTION = "duplicate-connection",
        /// A problem in `flowls.toml`.
    CONFIG = "config",
        UNRESOLVED_FLOW = "unresolved-flow",
        FORM_GRAPH = "form-graph",
        UNKNOWN_FIELD = "unknown-field",
        /// A literal tenant id (`ac_…`, `af_…`, `ap_…`) in a `.tf` file where a reference belongs.
    TENANT_SPECIFIC_ID = "tenant-specific-id",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub range: TextRange,
    pub severity: Severity,
    pub code: &'static str,
    /// For people: free to change. Fixes read [`Diagnostic::fix`], never this.
    pub message: String,
    /// What the diagnostic's quick fixes need, set where it is made.
    pub fix: Fixable,
    /// Other places that explain the finding (LSP's `relatedInformation`): the vault
    /// connection a `connection-*` finding is about, the grant behind a `missing-scope`, the
    /// first of two duplicates.
    pub related: Vec<Related>,
}

/// A place that explains a finding, in this file or another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Related {
    pub path: std::path::PathBuf,
    pub range: TextRange,
    pub message: String,
}

/// The data a diagnostic carries for its quick fixes (rust-analyzer's diagnostics carry their
/// fixes, ruff's violations typed fields): set where the diagnostic is made, so that rewording
/// a message can never break a fix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Fixable {
    #[default]
    Nothing,
    /// The range names something unknown; this known name is the nearest ("did you mean").
    Replace(String),
    /// The range is the key of a member the schema does not allow: remove it, or rename it to
    /// the nearest allowed key when there is one.
    UnknownKey { nearest: Option<String> },
    /// An action lacks required params (or its `params` altogether): add them.
    MissingParams,
    /// Replace the range by this text, as it is (a Terraform reference where a literal id is).
    ReplaceText(String),
}

impl Fixable {
    /// [`Fixable::Replace`] by the nearest name, when there is one.
    pub fn nearest(name: Option<&str>) -> Fixable {
        name.map_or(Fixable::Nothing, |n| Fixable::Replace(n.to_string()))
    }
}

impl Diagnostic {
    pub fn new(
        range: TextRange,
        severity: Severity,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            range,
            severity,
            code,
            message: message.into(),
            fix: Fixable::Nothing,
            related: Vec::new(),
        }
    }

    /// The same diagnostic, with one more place that explains it.
    pub fn with_related(
        mut self,
        path: &std::path::Path,
        range: TextRange,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            path: path.to_path_buf(),
            range,
            message: message.into(),
        });
        self
    }

    /// The same diagnostic, carrying what its fixes need.
    pub fn with_fix(mut self, fix: Fixable) -> Self {
        self.fix = fix;
        self
    }
    pub fn error(range: TextRange, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(range, Severity::Error, code, message)
    }
    pub fn warning(range: TextRange, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(range, Severity::Warning, code, message)
    }
}

/// Every diagnostic of one file, in document order.
pub fn diagnostics(ws: &Workspace, path: &Path) -> Vec<Diagnostic> {
    diagnostics_and_secrets(ws, path).0
}

/// [`diagnostics`], and the ranges of the literal secrets in the file (whether or not
/// `plaintext-secret` is reported), for printers that must never show them.
pub fn diagnostics_and_secrets(ws: &Workspace, path: &Path) -> (Vec<Diagnostic>, Vec<TextRange>) {
    let Some(file) = ws.file(path) else {
        return (Vec::new(), Vec::new());
    };
    // a JSON file a `.tf` resource reads as an attribute (`actions = file(…)`) is checked as
    // what the resource receives, not as a document of its own
    let read = terraform::is_read(ws, file);
    let mut out = syntax_diagnostics(file, read);
    match file.kind {
        _ if read => terraform::check_read(ws, file, &mut out),
        DocKind::Flow => flow::check(ws, file, &mut out),
        DocKind::Bundle => {
            // each flow an export bundle holds, checked like any flow, and its form
            if let Some(root) = &file.parse.root {
                for f in crate::workspace::bundle_flows(root) {
                    flow::check_flow(ws, file, f, &mut out);
                }
                if let Some(form) = root.get("form").filter(|f| f.as_object().is_some()) {
                    form::check_form(ws, file, form, root.get("flows"), &mut out);
                }
                vault::check_bundle_connections(ws, file, root, &mut out);
            }
        }
        DocKind::Form => form::check(ws, file, &mut out),
        DocKind::Tenant => tenant::check(ws, file, &mut out),
        DocKind::Terraform => terraform::check(ws, file, &mut out),
        DocKind::Vault => vault::check(ws, file, &mut out),
        DocKind::Grant => scopes::check_grant(ws, file, &mut out),
        DocKind::ProjectConfig => scopes::check_project(ws, file, &mut out),
        DocKind::KeywordMappings | DocKind::Other => {}
    }
    // a value the parser could not read is reported once, by `syntax`: not again by the
    // checks that find it is no string or object
    let unreadable = unreadable_values(file);
    if !unreadable.is_empty() {
        out.retain(|d| d.code == code::SYNTAX || !unreadable.contains(&d.range));
    }
    let secrets = out
        .iter()
        .filter(|d| d.code == code::PLAINTEXT_SECRET)
        .map(|d| d.range)
        .collect();
    if !ws.settings.plaintext_secrets {
        out.retain(|d| d.code != code::PLAINTEXT_SECRET);
    }
    out.sort_by(|a, b| {
        (a.range.start, a.range.end, a.code).cmp(&(b.range.start, b.range.end, b.code))
    });
    out.dedup();
    (out, secrets)
}

/// The ranges of the values the parser could not read (`NodeKind::Error`).
fn unreadable_values(file: &SourceFile) -> Vec<TextRange> {
    let mut out = Vec::new();
    if file.parse.errors.is_empty() {
        return out;
    }
    let mut stack: Vec<&crate::syntax::Node> = file.parse.root.iter().collect();
    while let Some(n) = stack.pop() {
        match &n.kind {
            crate::syntax::NodeKind::Error => out.push(n.range),
            crate::syntax::NodeKind::Object(ms) => {
                stack.extend(ms.iter().filter_map(|m| m.value.as_ref()))
            }
            crate::syntax::NodeKind::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out
}

fn syntax_diagnostics(file: &SourceFile, read: bool) -> Vec<Diagnostic> {
    if !file.kind.is_checked() && !read {
        return Vec::new();
    }
    file.parse
        .errors
        .iter()
        .map(|e| {
            let severity = match e.severity {
                SyntaxSeverity::Error => Severity::Error,
                SyntaxSeverity::Warning => Severity::Warning,
            };
            Diagnostic::new(e.range, severity, code::SYNTAX, e.message.clone())
        })
        .collect()
}

/// The document's root object, or a `schema` finding that says what it should be.
pub(crate) fn root_object<'a>(
    file: &'a SourceFile,
    shape: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<&'a crate::syntax::Node> {
    let root = file.parse.root.as_ref()?;
    if root.as_object().is_none() {
        out.push(Diagnostic::error(
            opening(root.range),
            code::SCHEMA,
            shape.to_string(),
        ));
        return None;
    }
    Some(root)
}

/// A `schema` finding on every key of `node` not in `allowed`, with a did-you-mean.
pub(crate) fn unknown_keys(
    node: &crate::syntax::Node,
    allowed: &[&str],
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    for m in node.as_object().unwrap_or_default() {
        if !allowed.contains(&m.key.as_str()) {
            let hint = crate::catalogue::nearest(&m.key, allowed.iter().copied())
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            out.push(Diagnostic::error(
                m.key_range,
                code::SCHEMA,
                format!("unknown field `{}` in {what}: remove it{hint}", m.key),
            ));
        }
    }
}

/// A short, narrow range to anchor a finding about a whole object: its opening brace.
pub fn opening(range: TextRange) -> TextRange {
    TextRange {
        start: range.start,
        end: range.start + 1.min(range.end - range.start),
    }
}

#[cfg(test)]
pub(crate) mod tests;
