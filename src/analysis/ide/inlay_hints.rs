//! Inlay hints: the app and domain after a `connection_id`, the needed scope after an
//! AUTH0 action.

use crate::model::DocKind;
use crate::model::flow::Flow;
use crate::model::need::Need;
use crate::syntax::TextRange;
use crate::workspace::Workspace;
use std::path::Path;

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
