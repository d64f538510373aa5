//! Semantic tokens for expressions and keyword markers.

use crate::analysis::expression;
use crate::model::DocKind;
use crate::model::keywords::{text_markers, whole_value_marker};
use crate::syntax::{NodeKind, TextRange};
use crate::workspace::Workspace;
use std::path::Path;

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
