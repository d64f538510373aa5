//! Completion in `.tf` files: the text being typed read as the HCL it will be, and the
//! references by which Terraform names connections and flows
//! (`auth0_flow_vault_connection.NAME.id`, `auth0_flow.NAME.id`).
//!
//! `connection_id = ` or a half-typed key is not HCL yet, and the parser drops the block that
//! holds it. As rust-analyzer does, completion reads the text with an identifier inserted at the
//! cursor (`connection_id = <id>`, or `<id> = 0` where a key goes) and maps the ranges back.

use super::{CompletionItem, ItemKind, Out, Syntax};
use crate::model::DocKind;
use crate::syntax::{Parse, SyntaxSeverity, TextRange, hcl};
use crate::workspace::{SourceFile, Workspace};

/// Inserted at the cursor: an HCL identifier that no file holds.
const CURSOR: &str = "flowlsCursor";

/// The largest `.tf` text read again for a completion (twice at most): a module's file is far
/// smaller, and a huge one is not parsed anew at every keystroke.
const MAX_PATCHED: usize = 4 << 20;

/// The text with what was inserted at the cursor, and its parse.
pub(super) struct Patched {
    pub text: String,
    pub parse: Parse,
    /// How many bytes were inserted at the cursor.
    pub inserted: usize,
}

fn errors(p: &Parse) -> usize {
    p.errors
        .iter()
        .filter(|e| e.severity == SyntaxSeverity::Error)
        .count()
}

/// The `.tf` text read with an identifier at `offset`, when that mends a syntax error there
/// (a value or a key being typed); `None` when the file reads as it is.
pub(super) fn patch(file: &SourceFile, offset: usize) -> Option<Patched> {
    if file.kind != DocKind::Terraform || errors(&file.parse) == 0 || file.text.len() > MAX_PATCHED
    {
        return None;
    }
    let text = &*file.text;
    if !text.is_char_boundary(offset) {
        return None;
    }
    [CURSOR.to_string(), format!("{CURSOR} = 0")]
        .into_iter()
        .find_map(|insert| {
            let patched = format!("{}{insert}{}", &text[..offset], &text[offset..]);
            let parse = hcl::parse_hcl(&patched);
            (errors(&parse) < errors(&file.parse)).then(|| Patched {
                text: patched,
                parse,
                inserted: insert.len(),
            })
        })
}

/// Whether a key at the cursor is the patch's own `<id> = 0`: the value is not the user's.
pub(super) fn is_patched_key(text: &str, key: TextRange, offset: usize) -> bool {
    key.contains(offset)
        && text
            .get(offset..)
            .is_some_and(|rest| rest.starts_with(&format!("{CURSOR} = 0")))
}

/// A range of the patched text as a range of the file's text.
pub(super) fn unshift(r: TextRange, offset: usize, inserted: usize) -> TextRange {
    let back = |x: u32| {
        let x = x as usize;
        if x >= offset + inserted {
            x - inserted
        } else {
            x.min(offset)
        }
    };
    TextRange::new(back(r.start), back(r.end))
}

/// `connection_id`: the references of the `.tf` files' vault connections of the action's app.
pub(super) fn connections(
    ws: &Workspace,
    app: Option<&str>,
    syntax: Syntax,
    replace: TextRange,
    out: &mut Out,
) {
    for v in &ws.index().vaults {
        let Some(reference) = v.id.as_deref().filter(|id| {
            id.starts_with(&format!("{}.", hcl::VAULT_CONNECTION))
                && ws
                    .file(&v.path)
                    .is_some_and(|f| f.kind == DocKind::Terraform)
        }) else {
            continue;
        };
        if v.app_id.as_deref() != app {
            continue;
        }
        let name = v.name.as_deref().unwrap_or("?");
        let mut detail = format!("{name} · {}", v.app_id.as_deref().unwrap_or("?"));
        if let Some(d) = &v.domain_shown {
            detail.push_str(&format!(" · {d}"));
        }
        push_reference(
            out,
            reference,
            detail,
            format!("Vault connection in {}", v.rel),
            syntax,
            replace,
        );
    }
}

/// `flow_id`: the references of the `.tf` files' flows.
pub(super) fn flows(ws: &Workspace, syntax: Syntax, replace: TextRange, out: &mut Out) {
    for f in ws.files().filter(|f| f.kind == DocKind::Terraform) {
        let flows = f
            .parse
            .root
            .as_ref()
            .into_iter()
            .flat_map(crate::workspace::terraform_flows);
        for flow in flows {
            let Some(reference) = flow.get("id").and_then(crate::syntax::Node::as_str) else {
                continue;
            };
            let name = flow
                .get("name")
                .and_then(crate::syntax::Node::as_str)
                .unwrap_or("?");
            push_reference(
                out,
                reference,
                format!("flow {name}"),
                format!("Flow in {}", f.rel),
                syntax,
                replace,
            );
        }
    }
}

fn push_reference(
    out: &mut Out,
    reference: &str,
    detail: String,
    documentation: String,
    syntax: Syntax,
    replace: TextRange,
) {
    let insert = syntax.reference(reference);
    out.items.push(CompletionItem {
        label: reference.to_string(),
        kind: ItemKind::Reference,
        detail: Some(detail),
        documentation: Some(documentation),
        filter: insert.trim_end_matches('"').to_string(),
        insert,
        snippet: false,
        replace,
        sort: format!("0{reference}"),
    });
}

/// An item for JSON written inside a `.tf` string literal: its quotes and backslashes escaped
/// as HCL needs them (`\"GET_USER\"`), and again as snippet syntax needs a literal backslash.
pub(super) fn escape_for_string(item: &mut CompletionItem) {
    let hcl = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    item.insert = if item.snippet {
        hcl(&item.insert).replace('\\', "\\\\")
    } else {
        hcl(&item.insert)
    };
    item.filter = hcl(&item.filter);
}
