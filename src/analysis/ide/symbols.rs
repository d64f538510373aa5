//! Document symbols (a flow's actions as a tree, with `then` / `else`) and workspace symbols
//! (flows, actions, vault connections).

use crate::model::DocKind;
use crate::model::flow::{Action, Flow};
use crate::model::vault::VaultDoc;
use crate::syntax::{Node, TextRange};
use crate::workspace::Workspace;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    Flow,
    Action,
    Branch,
    Connection,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole thing.
    pub range: TextRange,
    /// The part to select (its name or id).
    pub selection: TextRange,
    pub children: Vec<Symbol>,
}

fn action_symbol(a: &Action) -> Symbol {
    let name = a
        .id_str()
        .map(str::to_string)
        .unwrap_or_else(|| "(no id)".into());
    let selection = a.id.map_or(a.node.range, |n| n.range);
    let children = a
        .branches
        .iter()
        .map(|b| {
            let range = a
                .params
                .and_then(|p| p.member(b.key))
                .map_or(a.node.range, |m| m.range());
            let key = a
                .params
                .and_then(|p| p.member(b.key))
                .map_or(range, |m| m.key_range);
            Symbol {
                name: b.key.to_string(),
                detail: None,
                kind: SymbolKind::Branch,
                range,
                selection: key,
                children: b.actions.iter().map(action_symbol).collect(),
            }
        })
        .collect();
    Symbol {
        name,
        detail: Some(a.label()),
        kind: SymbolKind::Action,
        range: a.node.range,
        selection,
        children,
    }
}

pub fn document_symbols(ws: &Workspace, path: &Path) -> Vec<Symbol> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    let Some(root) = &file.parse.root else {
        return Vec::new();
    };
    match file.kind {
        DocKind::Flow => Flow::new(root).actions.iter().map(action_symbol).collect(),
        DocKind::Vault => {
            let v = VaultDoc::new(root);
            let Some(name) = v.name_str() else {
                return Vec::new();
            };
            vec![Symbol {
                name: name.to_string(),
                detail: v.app_id_str().map(str::to_string),
                kind: SymbolKind::Connection,
                range: root.range,
                selection: v.name.map_or(root.range, |n| n.range),
                children: Vec::new(),
            }]
        }
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: SymbolKind,
    /// Where it is, e.g. the flow an action belongs to.
    pub container: Option<String>,
    pub path: PathBuf,
    pub range: TextRange,
}

/// Flows, actions and connections whose name holds `query` (case-insensitive), at most `limit`.
pub fn workspace_symbols(ws: &Workspace, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
    let q = query.to_lowercase();
    let hit = |s: &str| s.to_lowercase().contains(&q);
    let mut out = Vec::new();
    for f in ws.files() {
        let Some(root) = &f.parse.root else { continue };
        match f.kind {
            DocKind::Flow => {
                let flow = Flow::new(root);
                let flow_name = flow
                    .name
                    .and_then(Node::as_str)
                    .unwrap_or(&f.rel)
                    .to_string();
                if hit(&flow_name) {
                    out.push(WorkspaceSymbol {
                        name: flow_name.clone(),
                        kind: SymbolKind::Flow,
                        container: None,
                        path: f.path.clone(),
                        range: flow.name.map_or(root.range, |n| n.range),
                    });
                }
                for a in flow.all_actions() {
                    if let (Some(id), Some(n)) = (a.id_str(), a.id)
                        && (hit(id) || hit(&a.label()))
                    {
                        out.push(WorkspaceSymbol {
                            name: id.to_string(),
                            kind: SymbolKind::Action,
                            container: Some(format!("{flow_name} · {}", a.label())),
                            path: f.path.clone(),
                            range: n.range,
                        });
                    }
                }
            }
            DocKind::Vault => {
                let v = VaultDoc::new(root);
                if let (Some(name), Some(n)) = (v.name_str(), v.name)
                    && hit(name)
                {
                    out.push(WorkspaceSymbol {
                        name: name.to_string(),
                        kind: SymbolKind::Connection,
                        container: v.app_id_str().map(str::to_string),
                        path: f.path.clone(),
                        range: n.range,
                    });
                }
            }
            _ => {}
        }
        if out.len() >= limit {
            out.truncate(limit);
            break;
        }
    }
    out
}
