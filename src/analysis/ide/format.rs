//! Formatting in deploy-cli's style (`JSON.stringify(value, null, 2)`): two-space indents,
//! keys in their order, scalars exactly as written. A document with syntax errors or
//! comments is left alone (formatting would lose what the tree does not hold).

use crate::syntax::{Node, NodeKind, SyntaxSeverity, TextRange};
use crate::workspace::Workspace;
use std::path::Path;

fn print(n: &Node, text: &str, depth: usize, out: &mut String) {
    match &n.kind {
        NodeKind::Object(ms) => container(ms, ('{', '}'), depth, out, |m, out| {
            out.push_str(&text[m.key_range.as_usize()]);
            out.push_str(": ");
            if let Some(v) = &m.value {
                print(v, text, depth + 1, out);
            }
        }),
        NodeKind::Array(items) => container(items, ('[', ']'), depth, out, |v, out| {
            print(v, text, depth + 1, out)
        }),
        _ => out.push_str(&text[n.range.as_usize()]),
    }
}

/// An object's members or an array's items, one a line, indented; `{}` / `[]` when empty.
fn container<T>(
    items: &[T],
    (open, close): (char, char),
    depth: usize,
    out: &mut String,
    mut item: impl FnMut(&T, &mut String),
) {
    let pad = |d: usize| "  ".repeat(d);
    out.push(open);
    if items.is_empty() {
        out.push(close);
        return;
    }
    out.push('\n');
    for (i, x) in items.iter().enumerate() {
        out.push_str(&pad(depth + 1));
        item(x, out);
        if i + 1 < items.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&pad(depth));
    out.push(close);
}

fn formattable<'a>(ws: &'a Workspace, path: &Path) -> Option<(&'a Node, &'a str)> {
    let file = ws.file(path)?;
    // JSON only: a YAML file is left as its author wrote it, a `.tf` file to Terraform's own
    // formatter (`terraform fmt`, terraform-ls)
    if crate::model::is_yaml(&file.rel) || file.kind == crate::model::DocKind::Terraform {
        return None;
    }
    let root = file.parse.root.as_ref()?;
    let text = &*file.text;
    let clean = file.parse.errors.iter().all(|e| {
        e.severity == SyntaxSeverity::Warning && !text[e.range.as_usize()].starts_with('/')
    });
    clean.then_some((root, text))
}

/// The whole document formatted, as one edit, or `None` when it cannot be (or is already).
pub fn document(ws: &Workspace, path: &Path) -> Option<(TextRange, String)> {
    let (root, text) = formattable(ws, path)?;
    let mut out = String::new();
    print(root, text, 0, &mut out);
    out.push('\n');
    (out != text).then(|| (TextRange::new(0, text.len()), out))
}

/// The smallest object or array holding `range`, formatted in place.
pub fn range(ws: &Workspace, path: &Path, range: TextRange) -> Option<(TextRange, String)> {
    let (root, text) = formattable(ws, path)?;
    let mut best = root;
    let mut depth = 0;
    let mut cur = root;
    let mut d = 0;
    loop {
        let next = match &cur.kind {
            NodeKind::Object(ms) => ms
                .iter()
                .filter_map(|m| m.value.as_ref())
                .find(|v| covers(v, range)),
            NodeKind::Array(items) => items.iter().find(|v| covers(v, range)),
            _ => None,
        };
        match next {
            Some(n) => {
                d += 1;
                if matches!(n.kind, NodeKind::Object(_) | NodeKind::Array(_)) {
                    best = n;
                    depth = d;
                }
                cur = n;
            }
            None => break,
        }
    }
    let mut out = String::new();
    print(best, text, depth, &mut out);
    (out != text[best.range.as_usize()]).then_some((best.range, out))
}

fn covers(n: &Node, r: TextRange) -> bool {
    n.range.start <= r.start && r.end <= n.range.end
}
