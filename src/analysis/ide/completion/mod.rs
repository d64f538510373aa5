//! Completion: keys and values from the catalogue, connection names that fit the action,
//! whole-action snippets, and expression completion inside `{{ }}`.

mod terraform;
mod yaml;

use super::cursor::{self, Role, Slot};
use crate::catalogue::{Catalogue, ConnectionUse, expressions as exprs};
use crate::model::DocKind;
use crate::model::flow::{Action, Flow};
use crate::syntax::{Node, TextRange};
use crate::workspace::Workspace;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Property,
    Value,
    EnumMember,
    Snippet,
    Function,
    Variable,
    Reference,
    Module,
    Field,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: ItemKind,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    /// Replaces `replace`. With `snippet`, it holds `$1`-style placeholders.
    pub insert: String,
    pub snippet: bool,
    pub replace: TextRange,
    /// What the client matches the typed text against.
    pub filter: String,
    pub sort: String,
}

struct Out {
    items: Vec<CompletionItem>,
    snippets: bool,
}

impl Out {
    /// Adds an item; `insert` is snippet text when it holds `$` placeholders (plain text for
    /// clients without snippet support).
    fn push(
        &mut self,
        label: &str,
        kind: ItemKind,
        detail: Option<String>,
        insert: String,
        replace: TextRange,
        sort: &str,
    ) {
        let has_placeholders = insert.contains('$');
        let (insert, snippet) = match (has_placeholders, self.snippets) {
            (true, true) => (insert, true),
            (true, false) => (strip_placeholders(&insert), false),
            (false, _) => (insert, false),
        };
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind,
            detail,
            documentation: None,
            filter: if insert.starts_with('"') {
                format!("\"{label}")
            } else {
                label.to_string()
            },
            insert,
            snippet,
            replace,
            sort: format!("{sort}{label}"),
        });
    }
}

/// A snippet without its placeholders, for clients without snippet support.
pub fn strip_placeholders(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            match chars.peek() {
                Some('{') => {
                    chars.next();
                    // ${N:default} → default
                    let mut inner = String::new();
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                        inner.push(c);
                    }
                    if let Some((_, d)) = inner.split_once(':') {
                        out.push_str(d);
                    }
                }
                Some(d) if d.is_ascii_digit() => {
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A value skeleton for a schema, as snippet text.
fn skeleton(schema: Option<&Value>, n: usize) -> String {
    let Some(schema) = schema else {
        return format!("${n}");
    };
    if let Some(first) = schema
        .get("anyOf")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return skeleton(Some(first), n);
    }
    if let Some(e) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return format!("${{{n}:{}}}", e);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => format!("\"${n}\""),
        Some("integer") | Some("number") => format!("${{{n}:0}}"),
        Some("boolean") => format!("${{{n}:false}}"),
        Some("object") => format!("{{${n}}}"),
        Some("array") => format!("[${n}]"),
        Some("null") => "null".into(),
        _ => format!("${n}"),
    }
}

/// Completions at byte `offset` of a file. `snippets`: the client takes snippet syntax.
pub fn complete(ws: &Workspace, path: &Path, offset: usize, snippets: bool) -> Vec<CompletionItem> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    let text = &*file.text;
    let offset = offset.min(text.len());
    let mut out = Out {
        items: Vec::new(),
        snippets,
    };
    if file.kind == DocKind::Tenant {
        yaml::complete(
            ws,
            file,
            offset,
            &mut |label, kind, detail, insert, replace, sort| {
                out.push(label, kind, detail, insert, replace, sort)
            },
        );
        return out.items;
    }
    // a `.tf` file being typed is often not HCL yet (`connection_id = `): read it as it will be
    let patched: terraform::Patched;
    let (text, parse, inserted) = match terraform::patch(file, offset) {
        Some(p) => {
            patched = p;
            (patched.text.as_str(), &patched.parse, patched.inserted)
        }
        None => (text, &file.parse, 0),
    };
    let (kind, c) = cursor::in_document(file.kind, parse.root.as_ref(), text, offset);
    let (role, action) = c.role(kind);
    // the JSON text (a string or heredoc) of a `.tf` file that holds the cursor
    let json_text = parse
        .root
        .as_ref()
        .filter(|_| file.kind == DocKind::Terraform)
        .and_then(|r| crate::syntax::hcl::json_texts(r).find(|t| t.contains(offset)));
    let syntax = if file.kind == DocKind::Terraform && json_text.is_none() {
        Syntax::Hcl
    } else {
        Syntax::Json
    };
    // JSON in a `.tf` string literal (not a heredoc) has its quotes escaped for HCL
    let escaped = json_text.is_some_and(|t| text.as_bytes().get(t.start as usize) == Some(&b'"'));
    let terraform = file.kind == DocKind::Terraform;
    let site = Site {
        ws,
        kind,
        role,
        action: action.as_ref(),
        cursor: &c,
        syntax,
        terraform,
    };
    // the flow the cursor is in: the document's root, or a `.tf` file's `auth0_flow` resource
    let flow_root = if terraform {
        c.path.first().map(|s| s.node)
    } else {
        parse.root.as_ref()
    };
    match &c.slot {
        Slot::Empty => empty_document(kind, offset, &mut out),
        Slot::Key { object, replace } => {
            let has_value = object
                .as_object()
                .unwrap_or_default()
                .iter()
                .any(|m| m.key_range == *replace && m.value.is_some())
                && !terraform::is_patched_key(text, *replace, offset);
            keys(&site, object, *replace, has_value, &mut out)
        }
        Slot::Value {
            object,
            key,
            replace,
            ..
        } => values(&site, object, key, *replace, &mut out),
        Slot::Item { replace, .. } if kind == DocKind::Flow && c.in_action_list() => {
            action_snippets(flow_root, syntax, *replace, &mut out)
        }
        // other arrays' elements: no catalogue array has enumerated items
        Slot::Item { .. } => {}
        Slot::Expression { prefix, .. } => {
            if let Some(root) = flow_root {
                let fields = (kind == DocKind::Flow)
                    .then(|| crate::analysis::form::fields_for_flow(ws, file, root))
                    .flatten();
                expression(root, offset, prefix, fields, &mut out)
            }
        }
        Slot::None => {}
    }
    if inserted > 0 {
        for i in &mut out.items {
            i.replace = terraform::unshift(i.replace, offset, inserted);
        }
    }
    if escaped {
        for i in &mut out.items {
            terraform::escape_for_string(i);
        }
    }
    out.items
}

/// The syntax of the text at the cursor: JSON (a JSON file, a `.tf` file's JSON string or
/// heredoc) or HCL (a `.tf` file's `jsonencode(…)` and attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Json,
    Hcl,
}

impl Syntax {
    /// A member `key: value` (JSON) or `key = value` (HCL).
    fn member(self, key: &str, value: &str) -> String {
        match self {
            Syntax::Json => format!("{}: {value}", quoted(key)),
            Syntax::Hcl => format!("{} = {value}", hcl_key(key)),
        }
    }

    /// Just the key of a member.
    fn key(self, key: &str) -> String {
        match self {
            Syntax::Json => quoted(key),
            Syntax::Hcl => hcl_key(key),
        }
    }

    /// A reference to a Terraform resource's attribute as a value: bare in HCL, interpolated
    /// in a JSON string.
    fn reference(self, reference: &str) -> String {
        match self {
            Syntax::Json => quoted(&format!("${{{reference}}}")),
            Syntax::Hcl => reference.to_string(),
        }
    }

    /// What separates the members of an object written one a line.
    fn separator(self) -> &'static str {
        match self {
            Syntax::Json => ",",
            Syntax::Hcl => "",
        }
    }
}

/// An object key in HCL: bare when it is an identifier, else quoted.
fn hcl_key(key: &str) -> String {
    let ident = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident { key.to_string() } else { quoted(key) }
}

fn empty_document(kind: DocKind, offset: usize, out: &mut Out) {
    let r = TextRange::empty(offset);
    match kind {
        DocKind::Vault => out.push(
            "vault connection",
            ItemKind::Snippet,
            Some("A Flows Vault connection".into()),
            "{\n  \"name\": \"$1\",\n  \"app_id\": \"${2:AUTH0}\",\n  \"setup\": \"@@${3:SETUP_CONFIG}@@\"\n}".into(),
            r,
            "0",
        ),
        _ => out.push(
            "flow",
            ItemKind::Snippet,
            Some("An Auth0 Forms flow".into()),
            "{\n  \"name\": \"$1\",\n  \"actions\": [\n    $0\n  ]\n}".into(),
            r,
            "0",
        ),
    }
}

/// Where a completion is asked for: the document kind, the role of the enclosing object and
/// the action around it.
#[derive(Clone, Copy)]
struct Site<'a> {
    ws: &'a Workspace,
    kind: DocKind,
    role: Role,
    action: Option<&'a Action<'a>>,
    cursor: &'a cursor::Cursor<'a>,
    syntax: Syntax,
    /// In a `.tf` file: connections and flows are named by their resources' references.
    terraform: bool,
}

/// Keys for the object at the cursor. Long: one arm per kind of object (flow, action, params,
/// vault, setup, grant), each listing its keys from the catalogue.
fn keys(site: &Site, object: &Node, replace: TextRange, has_value: bool, out: &mut Out) {
    let Site {
        kind,
        role,
        action,
        cursor: c,
        syntax,
        ..
    } = *site;
    let present: Vec<&str> = object
        .as_object()
        .unwrap_or_default()
        .iter()
        .filter(|m| m.key_range != replace)
        .map(|m| m.key.as_str())
        .collect();
    let add = |out: &mut Out, key: &str, skel: String, detail: Option<String>, sort: &str| {
        if present.contains(&key) {
            return;
        }
        let insert = if has_value {
            syntax.key(key)
        } else {
            syntax.member(key, &skel)
        };
        out.push(key, ItemKind::Property, detail, insert, replace, sort);
    };
    match (kind, role) {
        (DocKind::Flow, Role::FlowRoot) => {
            add(
                out,
                "name",
                "\"$1\"".into(),
                Some("The flow's name (required)".into()),
                "0",
            );
            add(
                out,
                "actions",
                "[\n  $1\n]".into(),
                Some("The flow's actions, in order".into()),
                "1",
            );
        }
        (DocKind::Flow, Role::Action) => {
            for (i, f) in crate::catalogue::envelope::ACTION_FIELDS.iter().enumerate() {
                let (k, skel, doc) = (&f.key, &f.snippet, &f.doc);
                add(
                    out,
                    k,
                    skel.to_string(),
                    Some(doc.to_string()),
                    &i.to_string(),
                );
            }
        }
        (DocKind::Flow, Role::Params) => {
            let Some(spec) = action.and_then(Action::spec) else {
                return;
            };
            let required = spec.required_params();
            for name in spec.param_names() {
                let req = required.contains(&name);
                let schema = spec.param_schema(name);
                let detail = format!(
                    "{}{}",
                    if req { "required · " } else { "" },
                    schema
                        .map(crate::analysis::shape::describe)
                        .unwrap_or_default()
                );
                add(
                    out,
                    name,
                    skeleton(schema, 1),
                    Some(detail),
                    if req { "0" } else { "1" },
                );
            }
        }
        (DocKind::Flow, Role::Other) => {
            // a nested object inside params: follow the schema down
            if let Some(schema) = nested_schema(action, c) {
                let required: Vec<&str> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (name, s) in schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let req = required.contains(&name.as_str());
                    add(
                        out,
                        name,
                        skeleton(Some(s), 1),
                        Some(crate::analysis::shape::describe(s)),
                        if req { "0" } else { "1" },
                    );
                }
            }
        }
        (DocKind::Vault, Role::VaultRoot) => {
            add(
                out,
                "name",
                "\"$1\"".into(),
                Some("The connection's name; flows refer to it by this name".into()),
                "0",
            );
            add(
                out,
                "app_id",
                "\"$1\"".into(),
                Some("The app, such as AUTH0".into()),
                "1",
            );
            add(
                out,
                "setup",
                "{\n  $1\n}".into(),
                Some("Credentials (write-only); often \"@@SETUP_CONFIG@@\"".into()),
                "2",
            );
            add(out, "environment", "\"$1\"".into(), None, "3");
        }
        (DocKind::Vault, Role::Setup) => {
            let root = &c.path[0].node;
            let app = root.get("app_id").and_then(Node::as_str);
            let ty = object.get("type").and_then(Node::as_str);
            let Some(app) = app.and_then(|a| Catalogue::get().app(a)) else {
                return;
            };
            let variant = app.setups.iter().find(|s| Some(s.type_.as_str()) == ty).or(
                if app.setups.len() == 1 {
                    app.setups.first()
                } else {
                    None
                },
            );
            match variant {
                Some(v) => {
                    let req = v.required();
                    for (name, s) in v
                        .schema
                        .get("properties")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        let secret = v.secrets.contains(name);
                        let skel = if secret {
                            format!("\"##${{1:{}}}##\"", name.to_ascii_uppercase())
                        } else {
                            skeleton(Some(s), 1)
                        };
                        add(
                            out,
                            name,
                            skel,
                            Some(if req.contains(&name.as_str()) {
                                "required".into()
                            } else {
                                "optional".into()
                            }),
                            if req.contains(&name.as_str()) {
                                "0"
                            } else {
                                "1"
                            },
                        );
                    }
                }
                None => add(
                    out,
                    "type",
                    "\"$1\"".into(),
                    Some("The setup type".into()),
                    "0",
                ),
            }
        }
        _ => {}
    }
}

/// The schema of the object the cursor is in, below an action's params.
fn nested_schema<'a>(action: Option<&Action>, c: &cursor::Cursor) -> Option<&'a Value> {
    let spec = action?.spec()?;
    let params_at = c.path.iter().position(|s| s.key == Some("params"))?;
    let mut schema: &Value = &spec.params;
    for step in &c.path[params_at + 1..] {
        schema = match step.key {
            Some(k) => property(schema, k)?,
            None => items(schema)?,
        };
    }
    Some(schema)
}

fn alternatives(schema: &Value) -> Vec<&Value> {
    match schema.get("anyOf").and_then(Value::as_array) {
        Some(a) => a.iter().collect(),
        None => vec![schema],
    }
}

fn property<'a>(schema: &'a Value, key: &str) -> Option<&'a Value> {
    alternatives(schema)
        .into_iter()
        .find_map(|s| s.get("properties")?.get(key))
}

fn items(schema: &Value) -> Option<&Value> {
    alternatives(schema)
        .into_iter()
        .find_map(|s| s.get("items"))
}

/// Values for `key` in the object at the cursor. Long: one arm per key that has values to offer
/// (types, actions, connections, enums, app ids, booleans).
fn values(site: &Site, object: &Node, key: &str, replace: TextRange, out: &mut Out) {
    let Site {
        ws,
        kind,
        role,
        action,
        cursor: c,
        syntax,
        terraform,
    } = *site;
    let cat = Catalogue::get();
    match (kind, role, key) {
        (DocKind::Flow, Role::Action, "type") => {
            for t in cat.types() {
                let app = cat.app(t).map(|a| a.title.clone());
                let n = cat.actions_of(t).count();
                out.push(
                    t,
                    ItemKind::Module,
                    Some(format!(
                        "{} · {n} action{}",
                        app.unwrap_or_else(|| t.to_string()),
                        if n == 1 { "" } else { "s" }
                    )),
                    quoted(t),
                    replace,
                    "0",
                );
            }
        }
        (DocKind::Flow, Role::Action, "action") => {
            let ty = object.get("type").and_then(Node::as_str);
            for s in cat
                .actions
                .iter()
                .filter(|s| ty.is_none_or(|t| s.type_ == t))
            {
                let label = if ty.is_some() {
                    s.action.clone()
                } else {
                    s.label().to_string()
                };
                let mut item_detail = s.summary.clone();
                if !s.scopes.is_empty() {
                    item_detail.push_str(&format!(" Needs {}.", s.scopes.join(" or ")));
                }
                out.push(
                    &label,
                    ItemKind::EnumMember,
                    Some(item_detail),
                    quoted(&s.action),
                    replace,
                    "0",
                );
            }
        }
        (DocKind::Flow, Role::Action, "allow_failure" | "mask_output") => bools(replace, out),
        (DocKind::Flow, Role::Params, "connection_id") => {
            let Some(spec) = action.and_then(Action::spec) else {
                return;
            };
            if spec.connection == ConnectionUse::None {
                return;
            }
            let app = spec.app();
            if terraform {
                terraform::connections(ws, app, syntax, replace, out);
                return;
            }
            for v in &ws.index().vaults {
                let Some(name) = &v.name else { continue };
                if v.app_id.as_deref() != app {
                    continue;
                }
                let mut detail = v.app_id.clone().unwrap_or_default();
                if let Some(d) = &v.domain_shown {
                    detail.push_str(&format!(" · {d}"));
                }
                let mut item = CompletionItem {
                    label: name.clone(),
                    kind: ItemKind::Reference,
                    detail: Some(detail),
                    documentation: Some(format!("Vault connection in {}", v.rel)),
                    insert: quoted(name),
                    snippet: false,
                    replace,
                    filter: format!("\"{name}"),
                    sort: format!("0{name}"),
                };
                if v.ready == Some(false) {
                    item.detail = item.detail.map(|d| format!("{d} · not ready"));
                }
                out.items.push(item);
            }
        }
        (DocKind::Flow, Role::Params, k) => {
            let Some(spec) = action.and_then(Action::spec) else {
                return;
            };
            enum_values(spec.param_schema(k), replace, out);
        }
        (DocKind::Flow, Role::Other, k) => {
            if let Some(s) = nested_schema(action, c).and_then(|s| property(s, k)) {
                enum_values(Some(s), replace, out);
            }
        }
        (DocKind::Vault, Role::VaultRoot, "app_id") => {
            for (id, app) in &cat.apps {
                out.push(
                    id,
                    ItemKind::EnumMember,
                    Some(app.title.clone()),
                    quoted(id),
                    replace,
                    "0",
                );
            }
        }
        (DocKind::Vault, Role::VaultRoot, "ready") => bools(replace, out),
        (DocKind::Form, _, "flow_id") if terraform => terraform::flows(ws, syntax, replace, out),
        (DocKind::Form, _, "flow_id") => {
            let mut names = ws.flow_names();
            names.sort();
            names.dedup();
            for name in names {
                let rel = ws.flow_named(&name).map(|f| f.rel.clone());
                out.push(
                    &name,
                    ItemKind::Reference,
                    rel.map(|r| format!("flow in {r}")),
                    quoted(&name),
                    replace,
                    "0",
                );
            }
        }
        (DocKind::Vault, Role::Setup, "type") => {
            let app = c.path[0]
                .node
                .get("app_id")
                .and_then(Node::as_str)
                .and_then(|a| cat.app(a));
            for s in app.map(|a| a.setups.as_slice()).unwrap_or_default() {
                out.push(
                    &s.type_,
                    ItemKind::EnumMember,
                    Some(format!("fields: {}", s.required().join(", "))),
                    quoted(&s.type_),
                    replace,
                    "0",
                );
            }
        }
        _ => {}
    }
}

fn bools(replace: TextRange, out: &mut Out) {
    for b in ["true", "false"] {
        out.push(b, ItemKind::Value, None, b.into(), replace, "0");
    }
}

fn enum_values(schema: Option<&Value>, replace: TextRange, out: &mut Out) {
    let Some(schema) = schema else { return };
    for alt in alternatives(schema) {
        if let Some(values) = alt.get("enum").and_then(Value::as_array) {
            for v in values {
                let label = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                out.push(
                    &label,
                    ItemKind::EnumMember,
                    None,
                    v.to_string(),
                    replace,
                    "0",
                );
            }
        }
        if alt.get("type").and_then(Value::as_str) == Some("boolean") {
            bools(replace, out);
        }
    }
}

/// A fresh id for a new action: `<action>` or `<action>_<n>`, unused in the flow.
fn fresh_id(base: &str, used: &[&str]) -> String {
    let base = base.to_ascii_lowercase();
    if !used.contains(&base.as_str()) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|id| !used.contains(&id.as_str()))
        .unwrap_or(base)
}

fn action_snippets(root: Option<&Node>, syntax: Syntax, replace: TextRange, out: &mut Out) {
    let flow = root.map(Flow::new);
    let used: Vec<&str> = flow
        .as_ref()
        .map(|f| f.all_actions().iter().filter_map(|a| a.id_str()).collect())
        .unwrap_or_default();
    for spec in &Catalogue::get().actions {
        let id = fresh_id(&spec.action, &used);
        let sep = syntax.separator();
        let mut body = format!(
            "{{\n  {}{sep}\n  {}{sep}\n  {}",
            syntax.member("id", &format!("\"${{1:{id}}}\"")),
            syntax.member("type", &quoted(&spec.type_)),
            syntax.member("action", &quoted(&spec.action)),
        );
        let required = spec.required_params();
        if spec.params_required || !required.is_empty() {
            body.push_str(&format!("{sep}\n  {}", syntax.member("params", "{")));
            let mut n = 2;
            let fields: Vec<String> = required
                .iter()
                .map(|p| {
                    let s = format!(
                        "\n    {}",
                        syntax.member(p, &skeleton(spec.param_schema(p), n))
                    );
                    n += 1;
                    s
                })
                .collect();
            body.push_str(&fields.join(sep));
            if !fields.is_empty() {
                body.push_str("\n  ");
            }
            body.push('}');
        }
        body.push_str("\n}");
        out.push(
            spec.label(),
            ItemKind::Snippet,
            Some(spec.summary.clone()),
            body,
            replace,
            "0",
        );
    }
}

/// Completion inside `{{ … }}`: roots, earlier actions and their outputs, functions,
/// context fields, stored vars. Long: one arm per root, as the expression grammar has them.
/// `fields`: the field ids of the forms that start this flow, when some form does.
fn expression(
    root: &Node,
    offset: usize,
    prefix: &str,
    fields: Option<std::collections::HashSet<String>>,
    out: &mut Out,
) {
    // the member chain being typed at the end of the prefix: `actions.get_us`
    let chain_start = prefix
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.' | '?'))
        .last()
        .map_or(prefix.len(), |(i, _)| i);
    let chain = &prefix[chain_start..];
    let mut segs: Vec<&str> = chain.split('.').map(|s| s.trim_end_matches('?')).collect();
    let partial = segs.pop().unwrap_or("");
    let replace = TextRange::new(offset - partial.len(), offset);
    let flow = Flow::new(root);
    // what ran before the innermost action around the cursor
    let mut before = None;
    flow.visit(&mut |a, b| {
        if a.node.range.contains(offset) {
            before = Some(b.clone());
        }
    });
    let before = before.unwrap_or_default();
    let all = flow.all_actions();
    let spec_of = |id: &str| {
        all.iter()
            .find(|a| a.id_str() == Some(id))
            .and_then(|a| a.spec())
    };
    match segs.as_slice() {
        [] => {
            for (r, doc) in exprs::ROOTS {
                out.push(
                    r,
                    ItemKind::Module,
                    Some(doc.to_string()),
                    r.to_string(),
                    replace,
                    "0",
                );
            }
        }
        ["actions"] => {
            for id in &before.surely {
                let detail = spec_of(id).map(|s| s.label().to_string());
                out.push(id, ItemKind::Variable, detail, id.to_string(), replace, "0");
            }
            for id in &before.maybe {
                let detail = spec_of(id).map(|s| format!("{} · runs only in a branch", s.label()));
                out.push(id, ItemKind::Variable, detail, id.to_string(), replace, "1");
            }
        }
        ["actions", id] => {
            if let Some(spec) = spec_of(id) {
                for o in &spec.outputs {
                    out.push(
                        o,
                        ItemKind::Field,
                        Some(format!("output of {}", spec.label())),
                        o.clone(),
                        replace,
                        "0",
                    );
                }
            }
        }
        ["functions"] => {
            for (name, sig) in exprs::FUNCTIONS {
                let takes_args = !sig.ends_with("()");
                let insert = if takes_args {
                    format!("{name}($1)")
                } else {
                    format!("{name}()")
                };
                out.push(
                    name,
                    ItemKind::Function,
                    Some(sig.to_string()),
                    insert,
                    replace,
                    "0",
                );
            }
        }
        ["context"] => {
            for (obj, _) in exprs::CONTEXT {
                out.push(obj, ItemKind::Module, None, obj.to_string(), replace, "0");
            }
        }
        ["context", obj] => {
            if let Some((_, fields)) = exprs::CONTEXT.iter().find(|(o, _)| o == obj) {
                for f in *fields {
                    out.push(
                        f,
                        ItemKind::Field,
                        Some(format!("context.{obj}.{f}")),
                        f.to_string(),
                        replace,
                        "0",
                    );
                }
            }
        }
        ["fields"] => {
            let mut ids: Vec<String> = fields.into_iter().flatten().collect();
            ids.sort();
            for id in ids {
                out.push(
                    &id,
                    ItemKind::Field,
                    Some("a field of the form that starts this flow".into()),
                    id.clone(),
                    replace,
                    "0",
                );
            }
        }
        ["vars"] => {
            // keys stored by STORE_VARS actions that run before this point
            let mut seen = Vec::new();
            for a in &all {
                let ran = a
                    .id_str()
                    .is_some_and(|id| before.has_run(id) || before.may_have_run(id));
                if !ran || a.type_str() != Some("FLOW") || a.action_str() != Some("STORE_VARS") {
                    continue;
                }
                for m in a
                    .param("vars")
                    .and_then(Node::as_object)
                    .unwrap_or_default()
                {
                    if !seen.contains(&m.key) {
                        seen.push(m.key.clone());
                        out.push(
                            &m.key,
                            ItemKind::Variable,
                            Some(format!("stored by {}", a.id_str().unwrap_or("?"))),
                            m.key.to_string(),
                            replace,
                            "0",
                        );
                    }
                }
            }
        }
        _ => {}
    }
}
