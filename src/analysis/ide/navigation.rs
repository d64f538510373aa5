//! What a position names (a vault connection, an action id), and from that: definition,
//! references and rename.

use super::cursor::{self, Role, Slot};
use crate::analysis::expression;
use crate::model::DocKind;
use crate::model::flow::{Action, Flow};
use crate::syntax::{Node, NodeKind, TextRange};
use crate::workspace::{SourceFile, VaultInfo, Workspace};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub range: TextRange,
}

/// What the cursor names.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A vault connection, by its name (from a `connection_id` or the vault's own `name`).
    Connection { name: String, range: TextRange },
    /// An action id in this flow (its `id`, or `actions.<id>` in an expression).
    ActionId { id: String, range: TextRange },
    /// The `type` or `action` of an action.
    Action { node: TextRange, range: TextRange },
    /// Some other reference in an expression.
    Read {
        segments: Vec<String>,
        range: TextRange,
    },
    /// A key of an action's params.
    Param { name: String, range: TextRange },
    /// A flow, by its name (a flow's `name`, a form's `flow_id`, a YAML `flows:` entry).
    Flow { name: String, range: TextRange },
    /// The body file of a YAML `flows:` / `forms:` entry.
    Body { path: PathBuf, range: TextRange },
    /// An export bundle's `#CONN-n#` token: in an action's `connection_id`, or its stub's key.
    Stub { token: String, range: TextRange },
    /// An export bundle's `#FLOW-n#` token: in the form's `flow_id`, or its flow's key.
    BundleFlow { token: String, range: TextRange },
    /// `local.NAME` in a `.tf` resource: the local declared in a `locals` block of the module
    /// (this file, or another `.tf` file of its folder).
    Local { name: String, range: TextRange },
}

fn inner(range: TextRange) -> TextRange {
    // a string literal's contents, without the quotes
    TextRange {
        start: range.start + 1,
        end: range.end.saturating_sub(1).max(range.start + 1),
    }
}

/// The target at `offset` in `file`.
/// Long: one `match` over what the cursor is on (connection, flow, action id, bundle token),
/// each arm a short look-up.
pub fn target(ws: &Workspace, file: &SourceFile, offset: usize) -> Option<Target> {
    if file.kind == DocKind::Bundle {
        return bundle_target(file, offset);
    }
    let text = &*file.text;
    if file.kind == DocKind::Terraform
        && let Some(t) = resource_label_target(file, offset).or_else(|| local_target(file, offset))
    {
        return Some(t);
    }
    let (kind, c) = cursor::in_document(file.kind, file.parse.root.as_ref(), text, offset);
    let (role, action) = c.role(kind);
    match &c.slot {
        Slot::Value {
            key, node: Some(n), ..
        } => {
            let s = n.as_str()?;
            match (kind, role, *key) {
                (DocKind::Flow, Role::Params, "connection_id") => {
                    let name = ws
                        .resolve_connection(s)
                        .and_then(|v| v.name.clone())
                        .unwrap_or_else(|| s.to_string());
                    Some(Target::Connection {
                        name,
                        range: n.range,
                    })
                }
                (DocKind::Vault | DocKind::Tenant, Role::VaultRoot, "name") => {
                    Some(Target::Connection {
                        name: s.to_string(),
                        range: n.range,
                    })
                }
                (DocKind::Flow, Role::FlowRoot, "name")
                | (DocKind::Tenant, Role::FlowEntry, "name") => Some(Target::Flow {
                    name: s.to_string(),
                    range: n.range,
                }),
                (DocKind::Form, _, "flow_id") => {
                    // by name, or by the `af_…` id of an API-shaped flow (a reference
                    // `auth0_flow.NAME.id` in a `.tf` file)
                    let name = ws
                        .flow_entry(s)
                        .and_then(|(f, node)| ws.flow_name(f, node))
                        .unwrap_or(s);
                    Some(Target::Flow {
                        name: name.to_string(),
                        range: n.range,
                    })
                }
                (DocKind::Tenant, Role::FlowEntry | Role::FormEntry, "body") => {
                    let dir = file.path.parent()?;
                    Some(Target::Body {
                        path: crate::workspace::body_path(dir, s),
                        range: n.range,
                    })
                }
                (DocKind::Flow, Role::Action, "id") => Some(Target::ActionId {
                    id: s.to_string(),
                    range: n.range,
                }),
                (DocKind::Flow, Role::Action, "type" | "action") => Some(Target::Action {
                    node: action.map_or(n.range, |a| a.node.range),
                    range: n.range,
                }),
                _ => None,
            }
        }
        Slot::Key { object, replace } if kind == DocKind::Flow && role == Role::Params => {
            let m = object
                .as_object()?
                .iter()
                .find(|m| m.key_range == *replace)?;
            Some(Target::Param {
                name: m.key.to_string(),
                range: m.key_range,
            })
        }
        Slot::Expression { string, .. } => {
            let raw = &text[string.range.as_usize()];
            let e = expression::find(raw, string.range.start as usize)
                .into_iter()
                .find(|e| e.range.contains(offset))?;
            let refs = e.parsed.ok()?;
            let r = refs
                .iter()
                .find(|r| r.segments.iter().any(|(_, sr)| sr.contains(offset)))?;
            let hit = r.segments.iter().position(|(_, sr)| sr.contains(offset))?;
            if r.root() == "actions" && hit >= 1 && r.segments.len() >= 2 {
                let (id, range) = &r.segments[1];
                if hit == 1 {
                    return Some(Target::ActionId {
                        id: id.clone(),
                        range: *range,
                    });
                }
            }
            Some(Target::Read {
                segments: r
                    .segments
                    .iter()
                    .take(hit + 1)
                    .map(|(s, _)| s.clone())
                    .collect(),
                range: r.segments[hit].1,
            })
        }
        _ => None,
    }
}

/// On the labels of a `.tf` file's `auth0_flow_vault_connection` or `auth0_flow` block: the
/// connection or the flow it declares (by its `name`).
fn resource_label_target(file: &SourceFile, offset: usize) -> Option<Target> {
    let res = cursor::resource_at(file.parse.root.as_ref()?, &file.text, offset)?;
    if !res.labels.contains(offset) {
        return None;
    }
    let name = res.node.get("name")?.as_str()?.to_string();
    let range = res.labels;
    match res.doc_kind() {
        DocKind::Vault => Some(Target::Connection { name, range }),
        DocKind::Flow => Some(Target::Flow { name, range }),
        _ => None,
    }
}

/// `local.NAME` at the offset, inside a resource flowls reads (as written: in HCL or in a
/// `${…}` interpolation).
fn local_target(file: &SourceFile, offset: usize) -> Option<Target> {
    let root = file.parse.root.as_ref()?;
    cursor::resource_at(root, &file.text, offset)?;
    let text = file.text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
    let mut start = offset.min(text.len());
    while start > 0 && word(text[start - 1]) {
        start -= 1;
    }
    let rest = file.text.get(start..)?.strip_prefix("local.")?;
    let name_len = rest
        .bytes()
        .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .count();
    let end = start + "local.".len() + name_len;
    if name_len == 0 || offset > end || (start > 0 && text[start - 1] == b'.') {
        return None;
    }
    Some(Target::Local {
        name: file.text[start..end].to_string(),
        range: TextRange::new(start, end),
    })
}

/// Where a module declares `local.NAME` (as [`Target::Local`] names it): this file's own
/// `locals`, else those of the other `.tf` files of its folder, in the order of their paths (as
/// the module's evaluation reads them). The file, the name's range and the expression's range.
pub fn local_declaration<'a>(
    ws: &'a Workspace,
    file: &'a SourceFile,
    name: &str,
) -> Option<(&'a SourceFile, TextRange, TextRange)> {
    let declared = |f: &'a SourceFile| {
        let m = f
            .parse
            .root
            .as_ref()?
            .get(crate::syntax::hcl::DECLARATIONS)?
            .as_object()?
            .iter()
            .find(|m| m.key == name)?;
        Some((f, m.key_range, m.value.as_ref()?.range))
    };
    declared(file).or_else(|| {
        let dir = file.path.parent();
        let mut others: Vec<&SourceFile> = ws
            .files()
            .filter(|f| {
                f.rel.ends_with(crate::model::layout::TERRAFORM_SUFFIX)
                    && f.path.parent() == dir
                    && f.path != file.path
            })
            .collect();
        others.sort_by(|a, b| a.path.cmp(&b.path));
        others.into_iter().find_map(declared)
    })
}

/// What a position names in an export bundle, whose tokens stand for the ids of its
/// connections and flows: a `#CONN-n#` / `#FLOW-n#` where it is used or declared, or a stub's
/// `name` (the connection itself).
fn bundle_target(file: &SourceFile, offset: usize) -> Option<Target> {
    let root = file.parse.root.as_ref()?;
    let c = cursor::at(Some(root), &file.text, offset);
    // the section of the bundle the cursor is in: `form`, `flows` or `connections`
    let section = c.path.get(1).and_then(|s| s.key);
    let declares = |section: &str, token: &str| {
        root.get(section)
            .and_then(Node::as_object)
            .is_some_and(|ms| ms.iter().any(|m| m.key == token))
    };
    match &c.slot {
        Slot::Key { object, replace } if c.path.len() == 2 => {
            let m = object
                .as_object()?
                .iter()
                .find(|m| m.key_range == *replace)?;
            let (token, range) = (m.key.to_string(), m.key_range);
            match section? {
                "connections" => Some(Target::Stub { token, range }),
                "flows" => Some(Target::BundleFlow { token, range }),
                _ => None,
            }
        }
        Slot::Value {
            key, node: Some(n), ..
        } => {
            let s = n.as_str()?;
            let range = n.range;
            match (section?, *key) {
                ("flows", "connection_id") if declares("connections", s) => Some(Target::Stub {
                    token: s.to_string(),
                    range,
                }),
                ("form", "flow_id") if declares("flows", s) => Some(Target::BundleFlow {
                    token: s.to_string(),
                    range,
                }),
                ("connections", "name") if c.path.len() == 3 => Some(Target::Connection {
                    name: s.to_string(),
                    range,
                }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The member of a bundle's `section` (`flows` or `connections`) that declares `token`.
pub(super) fn bundle_member<'a>(
    file: &'a SourceFile,
    section: &str,
    token: &str,
) -> Option<&'a crate::syntax::Member> {
    file.parse
        .root
        .as_ref()?
        .get(section)?
        .as_object()?
        .iter()
        .find(|m| m.key == token)
}

/// The vault connection a bundle's `#CONN-n#` stands for: its stub's name, as the index knows
/// it (a vault file of that name, or the first stub of that name).
pub(super) fn stub_connection<'a>(
    ws: &'a Workspace,
    file: &SourceFile,
    token: &str,
) -> Option<&'a VaultInfo> {
    let stub = bundle_member(file, "connections", token)?.value.as_ref()?;
    ws.resolve_connection(stub.get("name")?.as_str()?)
}

/// Every place in a bundle that names its flow `token`: its key in `flows`, each `flow_id`.
pub(super) fn bundle_flow_places(file: &SourceFile, token: &str) -> Vec<Location> {
    let mut out: Vec<Location> = bundle_member(file, "flows", token)
        .map(|m| Location {
            path: file.path.clone(),
            range: m.key_range,
        })
        .into_iter()
        .collect();
    if let Some(form) = file.parse.root.as_ref().and_then(|r| r.get("form")) {
        for (r, range) in crate::model::form::Form::new(form).flow_refs() {
            if r == token {
                out.push(Location {
                    path: file.path.clone(),
                    range,
                });
            }
        }
    }
    out
}

/// Every place that names the vault connection: its `name` and each `connection_id`.
/// Where the vault connections of this name are declared (their `name`).
fn connection_declarations(ws: &Workspace, name: &str) -> Vec<Location> {
    ws.index()
        .vaults
        .iter()
        .filter(|v| v.name.as_deref() == Some(name))
        .map(|v| Location {
            path: v.path.clone(),
            range: v.name_range,
        })
        .collect()
}

pub fn connection_places(ws: &Workspace, name: &str) -> Vec<Location> {
    let mut out = Vec::new();
    let vaults: Vec<&VaultInfo> = ws
        .index()
        .vaults
        .iter()
        .filter(|v| v.name.as_deref() == Some(name))
        .collect();
    for v in &vaults {
        out.push(Location {
            path: v.path.clone(),
            range: v.name_range,
        });
    }
    for f in ws.files() {
        for u in &f.uses {
            let hits = u.connection == name
                || vaults
                    .iter()
                    .any(|v| v.id.as_deref() == Some(u.connection.as_str()));
            if hits {
                out.push(Location {
                    path: f.path.clone(),
                    range: u.range,
                });
            }
        }
    }
    out
}

/// Where a flow is declared: its `name`, or (for a body without one) its YAML entry's.
pub fn flow_declarations(ws: &Workspace, name: &str) -> Vec<Location> {
    let Some((f, flow)) = ws.flow_entry(name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(n) = flow.get("name") {
        out.push(Location {
            path: f.path.clone(),
            range: n.range,
        });
    }
    out.extend(body_entry_names(ws, &f.path));
    out
}

/// The `name`s of the YAML entries whose body is `path`.
fn body_entry_names(ws: &Workspace, path: &Path) -> Vec<Location> {
    let Some(body) = ws.index().bodies.get(path) else {
        return Vec::new();
    };
    let Some(tenant) = ws.file(&body.tenant) else {
        return Vec::new();
    };
    let root = tenant.parse.root.as_ref();
    root.map(crate::model::tenant::Tenant::new)
        .into_iter()
        .flat_map(|t| t.flows)
        .filter(|e| e.range == body.entry)
        .filter_map(|e| e.get("name"))
        .map(|n| Location {
            path: body.tenant.clone(),
            range: n.range,
        })
        .collect()
}

/// Every place that names the flow: its declarations and each form's `flow_id` naming it (by
/// name; `by_id` too: `flow_id`s holding its `af_…` id).
pub fn flow_places(ws: &Workspace, name: &str, by_id: bool) -> Vec<Location> {
    let mut out = flow_declarations(ws, name);
    let id = ws
        .flow_entry(name)
        .and_then(|(_, flow)| flow.get("id")?.as_str());
    for f in ws.files() {
        let Some(root) = &f.parse.root else { continue };
        let forms: Vec<&Node> = match f.kind {
            DocKind::Form => vec![root],
            // a `.tf` file's `auth0_form` resources
            DocKind::Terraform => crate::syntax::hcl::resources(root)
                .filter(|(kind, _, _)| *kind == crate::syntax::hcl::FORM)
                .map(|(_, _, node)| node)
                .collect(),
            _ => continue,
        };
        for (r, range) in forms
            .into_iter()
            .flat_map(|form| crate::model::form::Form::new(form).flow_refs())
        {
            if r == name || (by_id && id == Some(r)) {
                out.push(Location {
                    path: f.path.clone(),
                    range,
                });
            }
        }
    }
    out
}

/// The edit that puts `new` where `range` of `file` holds a name: inside JSON or YAML quotes,
/// or in place of a plain YAML scalar (quoted when YAML would not read it as plain text).
pub fn name_edit(file: &SourceFile, range: TextRange, new: &str) -> FileEdit {
    let (range, new_text) = match file.text.as_bytes().get(range.start as usize) {
        Some(b'"') => {
            let escaped = serde_json::to_string(new).unwrap_or_default();
            (inner(range), escaped[1..escaped.len() - 1].to_string())
        }
        Some(b'\'') => (inner(range), new.replace('\'', "''")),
        _ if crate::model::is_yaml(&file.rel) => (range, yaml_scalar(new)),
        _ => (range, new.to_string()),
    };
    FileEdit {
        path: file.path.clone(),
        range,
        new_text,
    }
}

/// Text as a YAML scalar: plain when YAML reads it back as the same text, else quoted.
pub fn yaml_scalar(s: &str) -> String {
    let plain = crate::syntax::parse_yaml(&format!("k: {s}"));
    let same = plain.errors.is_empty()
        && plain
            .root
            .as_ref()
            .and_then(|r| r.get("k"))
            .and_then(Node::as_str)
            == Some(s);
    if same && !s.contains('#') && !s.contains('@') {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// Every place in a flow that names an action id: the `id` and each `actions.<id>` read.
pub fn action_id_places(file: &SourceFile, root: &Node, id: &str) -> Vec<Location> {
    let mut out = Vec::new();
    let flow = Flow::new(root);
    for a in flow.all_actions() {
        if a.id_str() == Some(id)
            && let Some(n) = a.id
        {
            out.push(Location {
                path: file.path.clone(),
                range: n.range,
            });
        }
        if let Some(p) = a.params {
            for s in strings_outside_branches(a, p) {
                let raw = &file.text[s.range.as_usize()];
                for e in expression::find(raw, s.range.start as usize) {
                    for r in e.parsed.into_iter().flatten() {
                        if r.root() == "actions"
                            && let Some((seg, range)) = r.segments.get(1)
                            && seg == id
                        {
                            out.push(Location {
                                path: file.path.clone(),
                                range: *range,
                            });
                        }
                    }
                }
            }
        }
    }
    out.sort_by_key(|l| l.range.start);
    out
}

/// String nodes with `{{` in an action's params, not descending into nested actions.
fn strings_outside_branches<'a>(a: &Action, params: &'a Node) -> Vec<&'a Node> {
    let condition = a.is_condition();
    let mut out = Vec::new();
    let mut stack = vec![(params, true)];
    while let Some((n, top)) = stack.pop() {
        match &n.kind {
            NodeKind::Object(ms) => {
                for m in ms {
                    if top && condition && (m.key == "then" || m.key == "else") {
                        continue;
                    }
                    if let Some(v) = &m.value {
                        stack.push((v, false));
                    }
                }
            }
            NodeKind::Array(items) => stack.extend(items.iter().map(|v| (v, false))),
            NodeKind::String(s) if s.contains("{{") => out.push(n),
            _ => {}
        }
    }
    out
}

pub fn definition(ws: &Workspace, path: &Path, offset: usize) -> Option<Location> {
    let file = ws.file(path)?;
    match target(ws, file, offset)? {
        Target::Local { name, .. } => {
            let (f, key, _) = local_declaration(ws, file, &name)?;
            Some(Location {
                path: f.path.clone(),
                range: key,
            })
        }
        Target::Connection { name, .. } => {
            let v = ws
                .index()
                .vaults
                .iter()
                .find(|v| v.name.as_deref() == Some(&name))?;
            Some(resource_block(
                ws,
                Location {
                    path: v.path.clone(),
                    range: v.name_range,
                },
            ))
        }
        Target::ActionId { id, .. } => {
            let root = cursor::flow_root(file, offset)?;
            let flow = Flow::new(root);
            let a = flow.action(&id)?;
            Some(Location {
                path: path.to_path_buf(),
                range: a.id?.range,
            })
        }
        Target::Flow { name, .. } => {
            let f = ws.flow_named(&name)?;
            let decl = flow_declarations(ws, &name);
            // the flow's own name; a body without one: its file's start
            decl.into_iter()
                .find(|l| l.path == f.path)
                .map(|l| resource_block(ws, l))
                .or(Some(Location {
                    path: f.path.clone(),
                    range: f
                        .parse
                        .root
                        .as_ref()
                        .map_or(TextRange::empty(0), |r| crate::analysis::opening(r.range)),
                }))
        }
        Target::Body { path, .. } => {
            let f = ws.file(&path)?;
            Some(Location {
                path,
                range: f
                    .parse
                    .root
                    .as_ref()
                    .map_or(TextRange::empty(0), |r| crate::analysis::opening(r.range)),
            })
        }
        // a bundle's token: its declaration in the same bundle
        Target::Stub { token, .. } => Some(Location {
            path: path.to_path_buf(),
            range: bundle_member(file, "connections", &token)?.key_range,
        }),
        Target::BundleFlow { token, .. } => Some(Location {
            path: path.to_path_buf(),
            range: bundle_member(file, "flows", &token)?.key_range,
        }),
        _ => None,
    }
}

/// A declaration in a `.tf` file is its resource block (its labels, `"TYPE" "NAME"`); elsewhere
/// the place itself.
fn resource_block(ws: &Workspace, at: Location) -> Location {
    let block = ws
        .file(&at.path)
        .filter(|f| f.kind == DocKind::Terraform)
        .and_then(|f| {
            cursor::resource_at(f.parse.root.as_ref()?, &f.text, at.range.start as usize)
        });
    match block {
        Some(res) => Location {
            path: at.path,
            range: res.labels,
        },
        None => at,
    }
}

pub fn references(
    ws: &Workspace,
    path: &Path,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    let (mut places, decl) = match target(ws, file, offset) {
        Some(Target::Connection { name, .. }) => (
            connection_places(ws, &name),
            connection_declarations(ws, &name),
        ),
        Some(Target::ActionId { id, .. }) => {
            let Some(root) = cursor::flow_root(file, offset) else {
                return Vec::new();
            };
            let places = action_id_places(file, root, &id);
            let decl = Flow::new(root)
                .all_actions()
                .into_iter()
                .filter(|a| a.id_str() == Some(&id))
                .filter_map(|a| {
                    a.id.map(|n| Location {
                        path: path.to_path_buf(),
                        range: n.range,
                    })
                })
                .collect();
            (places, decl)
        }
        Some(Target::Flow { name, .. }) => {
            (flow_places(ws, &name, true), flow_declarations(ws, &name))
        }
        Some(Target::Stub { token, .. }) => {
            let Some(name) = stub_connection(ws, file, &token).and_then(|v| v.name.clone()) else {
                return Vec::new();
            };
            (
                connection_places(ws, &name),
                connection_declarations(ws, &name),
            )
        }
        Some(Target::BundleFlow { token, .. }) => {
            let places = bundle_flow_places(file, &token);
            let decl = places.first().cloned().into_iter().collect();
            (places, decl)
        }
        _ => return Vec::new(),
    };
    if !include_declaration {
        places.retain(|p| !decl.contains(p));
    }
    places
}

/// A text edit in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    pub path: PathBuf,
    pub range: TextRange,
    pub new_text: String,
}

/// The range to rename and the current name, if the position names something renamable.
pub fn prepare_rename(ws: &Workspace, path: &Path, offset: usize) -> Option<(TextRange, String)> {
    let file = ws.file(path)?;
    match target(ws, file, offset)? {
        Target::Connection { name, range } => {
            // renaming through an `ac_` id is not a rename of the name
            let edit = name_edit(file, range, &name);
            (file.text[edit.range.as_usize()] == edit.new_text).then_some((edit.range, name))
        }
        Target::Flow { name, range } => {
            // renaming through an `af_…` id is not a rename of the name
            let edit = name_edit(file, range, &name);
            (file.text[edit.range.as_usize()] == edit.new_text && ws.flow_named(&name).is_some())
                .then_some((edit.range, name))
        }
        Target::ActionId { id, range } => {
            let r = if file.text.as_bytes().get(range.start as usize) == Some(&b'"') {
                inner(range)
            } else {
                range
            };
            Some((r, id))
        }
        _ => None,
    }
}

/// The edits that rename what is at `offset` to `new_name`, or why it cannot be done.
/// Long: one `match` over what is renamed (a connection, a flow, an action id), each arm the
/// edits of its places.
pub fn rename(
    ws: &Workspace,
    path: &Path,
    offset: usize,
    new_name: &str,
) -> Result<Vec<FileEdit>, String> {
    let file = ws.file(path).ok_or("the file is not in the workspace")?;
    match target(ws, file, offset) {
        Some(Target::Connection { name, .. }) => {
            if new_name.trim().is_empty() || new_name.chars().count() > 150 {
                return Err("a connection name has 1 to 150 characters".into());
            }
            if ws
                .index()
                .vaults
                .iter()
                .any(|v| v.name.as_deref() == Some(new_name))
            {
                return Err(format!("a vault connection is already named `{new_name}`"));
            }
            let mut edits: Vec<FileEdit> = Vec::new();
            for loc in connection_places(ws, &name) {
                let f = ws.file(&loc.path).ok_or("a file went away")?;
                // `ac_` ids stay as they are
                let same = name_edit(f, loc.range, &name);
                if f.text[same.range.as_usize()] != same.new_text {
                    continue;
                }
                edits.push(name_edit(f, loc.range, new_name));
            }
            if let Some((toml_path, Ok(config))) = &ws.index().project
                && let Some(c) = config.connections.get(&name)
            {
                let toml_escaped = toml_key(new_name);
                edits.push(FileEdit {
                    path: toml_path.clone(),
                    range: c.name_range,
                    new_text: toml_escaped,
                });
            }
            Ok(edits)
        }
        Some(Target::ActionId { id, .. }) => {
            if new_name.is_empty()
                || !new_name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(
                    "an action id read by expressions uses letters, digits and _ only".into(),
                );
            }
            let root = cursor::flow_root(file, offset).ok_or("no flow here")?;
            if Flow::new(root)
                .all_actions()
                .iter()
                .any(|a| a.id_str() == Some(new_name))
            {
                return Err(format!(
                    "an action in this flow already has the id `{new_name}`"
                ));
            }
            Ok(action_id_places(file, root, &id)
                .into_iter()
                .map(|loc| {
                    let quoted = file.text.as_bytes().get(loc.range.start as usize) == Some(&b'"');
                    FileEdit {
                        path: loc.path,
                        range: if quoted { inner(loc.range) } else { loc.range },
                        new_text: new_name.to_string(),
                    }
                })
                .collect())
        }
        Some(Target::Flow { name, .. }) => {
            if new_name.trim().is_empty() || new_name.chars().count() > 150 {
                return Err("a flow name has 1 to 150 characters".into());
            }
            if ws.flow_named(new_name).is_some() {
                return Err(format!("a flow is already named `{new_name}`"));
            }
            let mut edits = Vec::new();
            for loc in flow_places(ws, &name, false) {
                let f = ws.file(&loc.path).ok_or("a file went away")?;
                edits.push(name_edit(f, loc.range, new_name));
            }
            Ok(edits)
        }
        _ => Err(
            "there is nothing to rename here: rename a vault connection's name, a flow's name or an action id"
                .into(),
        ),
    }
}

fn toml_key(name: &str) -> String {
    // a TOML basic string: the JSON escapes are valid there too
    serde_json::to_string(name).unwrap_or_else(|_| format!("\"{name}\""))
}
