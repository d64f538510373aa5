//! A document's structure: folding ranges and selection ranges.

use crate::syntax::{Node, NodeKind, TextRange};
use crate::workspace::Workspace;
use std::path::Path;

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
