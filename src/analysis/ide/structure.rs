//! Features that describe a document's structure: folding, selection ranges, semantic
//! tokens for expressions and keyword markers, document links, inlay hints, code lenses.

use crate::analysis::expression;
use crate::model::DocKind;
use crate::model::flow::Flow;
use crate::model::keywords::{text_markers, whole_value_marker};
use crate::model::need::Need;
use crate::syntax::{Node, NodeKind, TextRange};
use crate::workspace::Workspace;
use std::path::{Path, PathBuf};

/// Every object and array, for folding (the adapter keeps those spanning lines).
pub fn folding(ws: &Workspace, path: &Path) -> Vec<TextRange> {
    let mut out = Vec::new();
    if let Some(root) = ws.file(path).and_then(|f| f.parse.root.as_ref()) {
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            match &n.kind {
                NodeKind::Object(ms) => {
                    out.push(n.range);
                    stack.extend(ms.iter().filter_map(|m| m.value.as_ref()));
                }
                NodeKind::Array(items) => {
                    out.push(n.range);
                    stack.extend(items.iter());
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// The ranges around `offset`, innermost first: a string's contents, the value, its member
/// (key and value), the enclosing container, its member, … the document.
pub fn selection(ws: &Workspace, path: &Path, offset: usize) -> Vec<TextRange> {
    let Some(root) = ws.file(path).and_then(|f| f.parse.root.as_ref()) else {
        return Vec::new();
    };
    let mut out: Vec<TextRange> = Vec::new();
    let mut push = |r: TextRange| {
        if out.last() != Some(&r) {
            out.push(r);
        }
    };
    fn walk(n: &Node, offset: usize, push: &mut dyn FnMut(TextRange)) -> bool {
        if !n.range.contains(offset) {
            return false;
        }
        match &n.kind {
            NodeKind::Object(ms) => {
                for m in ms {
                    if m.key_range.contains(offset) {
                        if m.key_range.len() >= 2 {
                            push(TextRange {
                                start: m.key_range.start + 1,
                                end: m.key_range.end - 1,
                            });
                        }
                        push(m.key_range);
                        push(m.range());
                        push(n.range);
                        return true;
                    }
                    if let Some(v) = &m.value
                        && walk(v, offset, push)
                    {
                        push(m.range());
                        push(n.range);
                        return true;
                    }
                }
            }
            NodeKind::Array(items) => {
                for v in items {
                    if walk(v, offset, push) {
                        push(n.range);
                        return true;
                    }
                }
            }
            NodeKind::String(_) if n.range.len() >= 2 => {
                push(TextRange {
                    start: n.range.start + 1,
                    end: n.range.end - 1,
                });
            }
            _ => {}
        }
        push(n.range);
        true
    }
    walk(root, offset, &mut push);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `context`, `fields`, `vars`, `actions`, `functions`.
    Root,
    /// An action id after `actions.`.
    ActionId,
    Function,
    Property,
    /// A deploy-cli keyword marker.
    Keyword,
}

/// Tokens for expressions and keyword markers, in document order.
pub fn semantic_tokens(ws: &Workspace, path: &Path) -> Vec<(TextRange, TokenKind)> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    let Some(root) = &file.parse.root else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::Object(ms) => stack.extend(ms.iter().filter_map(|m| m.value.as_ref())),
            NodeKind::Array(items) => stack.extend(items.iter()),
            NodeKind::Marker(_) => out.push((n.range, TokenKind::Keyword)),
            NodeKind::String(s) => {
                let raw = &file.text[n.range.as_usize()];
                let base = n.range.start as usize;
                if whole_value_marker(s).is_some() {
                    out.push((
                        TextRange {
                            start: n.range.start + 1,
                            end: n.range.end - 1,
                        },
                        TokenKind::Keyword,
                    ));
                    continue;
                }
                for (_, r) in text_markers(raw) {
                    out.push((
                        TextRange::new(base + r.start, base + r.end),
                        TokenKind::Keyword,
                    ));
                }
                if file.kind == DocKind::Flow && s.contains("{{") {
                    for e in expression::find(raw, base) {
                        for r in e.parsed.into_iter().flatten() {
                            for (i, (_, range)) in r.segments.iter().enumerate() {
                                let kind = match (i, r.root()) {
                                    (0, root) if crate::catalogue::expressions::is_root(root) => {
                                        TokenKind::Root
                                    }
                                    (0, _) => continue,
                                    (1, "actions") => TokenKind::ActionId,
                                    (1, "functions") => TokenKind::Function,
                                    _ => TokenKind::Property,
                                };
                                out.push((*range, kind));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|(r, _)| r.start);
    out.dedup_by_key(|(r, _)| r.start);
    out
}

/// `connection_id` values linked to their vault files.
pub fn links(ws: &Workspace, path: &Path) -> Vec<(TextRange, PathBuf)> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    if file.kind == DocKind::Tenant
        && let Some(root) = &file.parse.root
    {
        // a YAML entry's `body:` to its file
        let dir = file.path.parent().unwrap_or(&ws.root);
        return crate::model::tenant::Tenant::new(root)
            .bodies()
            .filter_map(|(_, e)| {
                let body = e.body?;
                let target = crate::workspace::body_path(dir, body.as_str()?);
                ws.file(&target).map(|_| (body.range, target))
            })
            .collect();
    }
    file.uses
        .iter()
        .filter_map(|u| Some((u.range, ws.resolve_connection(&u.connection)?.path.clone())))
        .collect()
}

/// Inlay hints: the app and domain after a `connection_id`, the needed scope after an
/// AUTH0 action.
pub fn inlay_hints(ws: &Workspace, path: &Path, within: TextRange) -> Vec<(usize, String)> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for u in &file.uses {
        if !within.contains(u.range.start as usize) {
            continue;
        }
        if let Some(v) = ws.resolve_connection(&u.connection) {
            let mut label = v.app_id.clone().unwrap_or_default();
            if let Some(d) = &v.domain_shown {
                label.push_str(&format!(" · {d}"));
            }
            out.push((u.range.end as usize, label));
        }
    }
    if let Some(root) = &file.parse.root
        && file.kind == DocKind::Flow
    {
        let flow = Flow::new(root);
        for a in flow.all_actions() {
            let Some(n) = a.action else { continue };
            if !within.contains(n.range.start as usize) {
                continue;
            }
            if let Need::AnyOf { scopes, .. } = a.need(&ws.index().mappings) {
                out.push((
                    n.range.end as usize,
                    format!("needs {}", crate::analysis::scopes::describe_set(scopes)),
                ));
            }
        }
    }
    out.sort();
    out
}

/// A code lens: informational, or the "Test connection" command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lens {
    pub range: TextRange,
    pub title: String,
    pub test_connection: bool,
    /// The connection to test, where the document holds several (a YAML file's entries).
    pub connection: Option<String>,
}

/// On a client grant (a grant file, or a `clientGrants:` entry of a YAML: `entry`): what the
/// flows of the application it grants need of it, "needed by N actions · 2 missing · 1 excess",
/// on its `scope` key.
fn grant_lenses(
    ws: &Workspace,
    report: &crate::analysis::least_privilege::Report,
    file: &crate::workspace::SourceFile,
    entry: Option<TextRange>,
) -> Vec<Lens> {
    let Some(grant) = ws.entry_node(&file.path, entry) else {
        return Vec::new();
    };
    let at = grant.member("scope").map_or(grant.range, |m| m.key_range);
    report
        .applications
        .iter()
        .filter(|a| {
            a.granted
                .as_ref()
                .is_some_and(|g| g.file.as_deref() == Some(file.rel.as_str()) && g.entry == entry)
        })
        .map(|a| {
            let n = a.action_count();
            let mut title = format!("needed by {n} action{}", if n == 1 { "" } else { "s" });
            if !a.missing.is_empty() {
                title.push_str(&format!(" · {} missing", a.missing.len()));
            }
            if !a.excess.is_empty() {
                title.push_str(&format!(" · {} excess", a.excess.len()));
            }
            if a.missing.is_empty() && a.excess.is_empty() {
                title.push_str(" · exactly what the flows need");
            }
            Lens {
                range: at,
                title,
                test_connection: false,
                connection: None,
            }
        })
        .collect()
}

/// The code lenses of a vault document: "Test connection" (for connections it can test), and
/// where it is used with the scopes its actions need.
pub fn lenses(ws: &Workspace, path: &Path) -> Vec<Lens> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    match file.kind {
        DocKind::Grant => {
            let report = crate::analysis::least_privilege::report(ws);
            grant_lenses(ws, &report, file, None)
        }
        DocKind::Vault => ws
            .vaults_in(path)
            .take(1)
            .flat_map(|v| vault_lenses(ws, v, None))
            .collect(),
        DocKind::Tenant => {
            let mut out: Vec<Lens> = ws
                .vaults_in(path)
                .flat_map(|v| vault_lenses(ws, v, v.name.clone()))
                .collect();
            // the `clientGrants:` entries, as grant files
            let entries: Vec<TextRange> = ws
                .index()
                .grants
                .iter()
                .filter(|g| g.path == file.path)
                .filter_map(|g| g.entry)
                .collect();
            if !entries.is_empty() {
                let report = crate::analysis::least_privilege::report(ws);
                for entry in entries {
                    out.extend(grant_lenses(ws, &report, file, Some(entry)));
                }
            }
            out.sort_by_key(|l| l.range.start);
            out
        }
        _ => Vec::new(),
    }
}

fn vault_lenses(
    ws: &Workspace,
    v: &crate::workspace::VaultInfo,
    connection: Option<String>,
) -> Vec<Lens> {
    let mut title = crate::analysis::scopes::usage_line(ws, v);
    let needed = crate::analysis::scopes::Needs::of(ws, &[v]).describe();
    if !needed.is_empty() {
        title.push_str(&format!(" · needs {}", needed.join(", ")));
    }
    let mut out = Vec::new();
    let testable = match (v.app_id.as_deref(), &v.setup) {
        _ if v.is_management_api() => true,
        (Some("HTTP"), crate::model::vault::Setup::Known { value, .. }) => {
            value.get("type").and_then(|t| t.as_str()) == Some("OAUTH_CLIENT_CREDENTIALS")
        }
        _ => false,
    };
    if testable {
        out.push(Lens {
            range: v.name_range,
            title: "Test connection".into(),
            test_connection: true,
            connection: connection.clone(),
        });
    }
    out.push(Lens {
        range: v.name_range,
        title,
        test_connection: false,
        connection: None,
    });
    out
}
