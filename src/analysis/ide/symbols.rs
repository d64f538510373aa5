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
    /// A form's node (`STEP`, `FLOW`, `ROUTER`).
    FormNode,
    /// A component of a form's `STEP` (a field, a block, a widget).
    Component,
    /// A client grant (a deploy-cli YAML's `clientGrants:` entry).
    Grant,
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
        DocKind::Form => form_symbols(root),
        DocKind::Tenant => tenant_symbols(root),
        _ => Vec::new(),
    }
}

/// A form's outline: its nodes in order, a `STEP`'s components under it.
fn form_symbols(root: &Node) -> Vec<Symbol> {
    let nodes = root
        .get("nodes")
        .and_then(Node::as_array)
        .unwrap_or_default();
    nodes
        .iter()
        .filter(|n| n.as_object().is_some())
        .map(|n| {
            let id = n.get("id");
            let type_ = n.get("type").and_then(Node::as_str).unwrap_or("?");
            let config = n.get("config");
            let detail = match type_ {
                "FLOW" => config
                    .and_then(|c| c.get("flow_id")?.as_str())
                    .map(|f| format!("FLOW → {f}")),
                _ => n
                    .get("alias")
                    .and_then(Node::as_str)
                    .map(|a| format!("{type_} · {a}")),
            }
            .or_else(|| Some(type_.to_string()));
            let children = config
                .and_then(|c| c.get("components"))
                .and_then(Node::as_array)
                .unwrap_or_default()
                .iter()
                .filter(|c| c.as_object().is_some())
                .map(|c| {
                    let cid = c.get("id");
                    let kind = [c.get("category"), c.get("type")]
                        .iter()
                        .filter_map(|n| n.and_then(Node::as_str))
                        .collect::<Vec<_>>()
                        .join(" ");
                    Symbol {
                        name: cid.and_then(Node::as_str).unwrap_or("(no id)").to_string(),
                        detail: (!kind.is_empty()).then_some(kind),
                        kind: SymbolKind::Component,
                        range: c.range,
                        selection: cid.map_or(c.range, |i| i.range),
                        children: Vec::new(),
                    }
                })
                .collect();
            Symbol {
                name: id.and_then(Node::as_str).unwrap_or("(no id)").to_string(),
                detail,
                kind: SymbolKind::FormNode,
                range: n.range,
                selection: id.map_or(n.range, |i| i.range),
                children,
            }
        })
        .collect()
}

/// A deploy-cli YAML's outline: its flows, forms, vault connections and grants.
fn tenant_symbols(root: &Node) -> Vec<Symbol> {
    let t = crate::model::tenant::Tenant::new(root);
    let entry = |n: &&Node, key: &str, kind: SymbolKind, detail: Option<String>| Symbol {
        name: n
            .get(key)
            .and_then(Node::as_str)
            .unwrap_or("(no name)")
            .to_string(),
        detail,
        kind,
        range: n.range,
        selection: n.get(key).map_or(n.range, |k| k.range),
        children: Vec::new(),
    };
    let mut out = Vec::new();
    let body = |n: &Node| n.get("body").and_then(Node::as_str).map(str::to_string);
    out.extend(
        t.flows
            .iter()
            .map(|n| entry(n, "name", SymbolKind::Flow, body(n))),
    );
    out.extend(
        t.forms
            .iter()
            .map(|n| entry(n, "name", SymbolKind::Flow, body(n))),
    );
    out.extend(t.vaults.iter().map(|n| {
        let app = n.get("app_id").and_then(Node::as_str).map(str::to_string);
        entry(n, "name", SymbolKind::Connection, app)
    }));
    out.extend(t.grants.iter().map(|n| {
        let aud = n.get("audience").and_then(Node::as_str).map(str::to_string);
        entry(n, "client_id", SymbolKind::Grant, aud)
    }));
    out.sort_by_key(|s| s.range.start);
    out
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
                let flow_name = ws.flow_name(f, root).unwrap_or(&f.rel).to_string();
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
            DocKind::Vault | DocKind::Tenant => {
                // every connection the file holds (one, or a YAML file's entries)
                for v in ws.vaults_in(&f.path) {
                    if let Some(name) = v.name.as_deref()
                        && hit(name)
                    {
                        out.push(WorkspaceSymbol {
                            name: name.to_string(),
                            kind: SymbolKind::Connection,
                            container: v.app_id.clone(),
                            path: f.path.clone(),
                            range: v.name_range,
                        });
                    }
                }
            }
            DocKind::Form => {
                if let Some(n) = root.get("name")
                    && let Some(name) = n.as_str()
                    && hit(name)
                {
                    out.push(WorkspaceSymbol {
                        name: name.to_string(),
                        kind: SymbolKind::FormNode,
                        container: Some("form".into()),
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
