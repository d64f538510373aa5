//! Hover: what a flow, an action, a connection, a scope or a keyword marker is.

use super::cursor;
use super::navigation::{
    Target, action_id_places, bundle_flow_places, bundle_member, flow_places, stub_connection,
    target,
};
use crate::analysis::scopes::{Needs, Resolution, granted, usage_line};
use crate::catalogue::{ConnectionUse, expressions as exprs};
use crate::model::DocKind;
use crate::model::flow::{Action, Flow};
use crate::model::need::Need;
use crate::syntax::{Node, TextRange};
use crate::workspace::{VaultInfo, Workspace};
use std::path::Path;

/// Hover text (markdown) and the range it is about.
/// Long: one `match` over what the cursor is on (action, param, connection, expression,
/// scope), each with its own text.
pub fn hover(ws: &Workspace, path: &Path, offset: usize) -> Option<(TextRange, String)> {
    let file = ws.file(path)?;
    let t = target(ws, file, offset)?;
    match t {
        Target::Local { name, range } => {
            let md = match super::navigation::local_declaration(ws, file, &name) {
                Some((f, key, value)) => {
                    let (line, _) = f.line_index().position(
                        &f.text,
                        key.start as usize,
                        crate::syntax::line_index::ColumnUnit::Char,
                    );
                    let written = f.text.get(value.as_usize()).unwrap_or_default();
                    // its first lines as written, each line's control characters escaped
                    let lines: Vec<String> = written
                        .lines()
                        .take(12)
                        .map(|l| crate::display::escape_control(l, true).into_owned())
                        .collect();
                    let mut shown = lines.join("\n");
                    if written.lines().count() > lines.len() {
                        shown.push_str("\n…");
                    }
                    let fence = if shown.contains("```") { "````" } else { "```" };
                    format!(
                        "**{name}** · declared in {}, line {}\n\n{fence}hcl\n{} = {shown}\n{fence}",
                        f.rel,
                        line + 1,
                        name.trim_start_matches("local.")
                    )
                }
                None => {
                    format!("**{name}**: no `locals` block of this folder's .tf files declares it")
                }
            };
            Some((range, md))
        }
        Target::Action { node, range } => {
            // the action's own object, found by its range: no model of the whole flow
            let root = file.parse.root.as_ref()?;
            let a = Action::new(root.with_range(node)?);
            Some((range, action_hover(ws, &a)?))
        }
        Target::Connection { name, range } => {
            let v = ws
                .index()
                .vaults
                .iter()
                .find(|v| v.name.as_deref() == Some(&name));
            let md = match v {
                None => format!("**{name}**: no vault connection with this name in the workspace"),
                Some(v) => {
                    // on the connection's own declaration: its file, or its `.tf` resource block
                    let own = file.kind == DocKind::Vault
                        || (file.kind == DocKind::Terraform
                            && v.path == file.path
                            && file.parse.root.as_ref().is_some_and(|r| {
                                cursor::resource_at(r, &file.text, offset).is_some_and(|res| {
                                    res.node.range.contains(v.name_range.start as usize)
                                })
                            }));
                    connection_hover(ws, v, own)
                }
            };
            Some((range, md))
        }
        Target::ActionId { id, range } => {
            let root = cursor::flow_root(file, offset)?;
            let flow = Flow::new(root);
            let a = flow.action(&id)?;
            let spec = a.spec();
            let mut md = format!("**{id}** · {}", a.label());
            if let Some(s) = spec {
                md.push_str(&format!("\n\n{}", s.summary));
                if !s.outputs.is_empty() {
                    md.push_str(&format!(
                        "\n\nOutputs: {}",
                        s.outputs
                            .iter()
                            .map(|o| format!("`{o}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            let uses = action_id_places(file, root, &id).len().saturating_sub(1);
            md.push_str(&format!(
                "\n\nRead by {uses} expression{} in this flow",
                if uses == 1 { "" } else { "s" }
            ));
            Some((range, md))
        }
        Target::Read { segments, range } => {
            let md = match segments
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                ["functions", name, ..] => exprs::FUNCTIONS
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, sig)| format!("`functions.{sig}`: a helper function"))?,
                [root] => exprs::ROOTS
                    .iter()
                    .find(|(r, _)| r == root)
                    .map(|(r, d)| format!("`{r}`: {d}"))?,
                ["actions", id, field, ..] => format!("`{field}`: output of the action `{id}`"),
                ["vars", key, ..] => {
                    format!("`vars.{key}`: a shared variable stored by FLOW/STORE_VARS")
                }
                ["fields", key, ..] => format!("`fields.{key}`: a form field"),
                ["context", rest @ ..] => format!(
                    "`context.{}`: from the transaction's context",
                    rest.join(".")
                ),
                _ => return None,
            };
            Some((range, md))
        }
        Target::Flow { name, range } => Some((range, flow_hover(ws, &name))),
        Target::Stub { token, range } => {
            let md = match stub_connection(ws, file, &token) {
                Some(v) => format!(
                    "`{token}` stands for this export's connection:\n\n{}",
                    connection_hover(ws, v, false)
                ),
                None => format!("`{token}`: a connection of this export without a `name`"),
            };
            Some((range, md))
        }
        Target::BundleFlow { token, range } => {
            let flow = bundle_member(file, "flows", &token)?.value.as_ref()?;
            let name = flow.get("name").and_then(Node::as_str).unwrap_or("?");
            let n = Flow::new(flow).all_actions().len();
            let starts = bundle_flow_places(file, &token).len().saturating_sub(1);
            Some((
                range,
                format!(
                    "**{name}** · flow of this export (`{token}`)\n\n{n} action{} · started by {starts} node{} of its form",
                    if n == 1 { "" } else { "s" },
                    if starts == 1 { "" } else { "s" }
                ),
            ))
        }
        Target::Body { path, range } => {
            let rel = ws.rel_path(&path);
            let md = match ws.file(&path) {
                None => format!("`{rel}`: no such file in the workspace"),
                Some(f) => match f.parse.root.as_ref().and_then(|r| ws.flow_name(f, r)) {
                    Some(n) if f.kind == DocKind::Flow => format!("`{rel}`: the flow **{n}**"),
                    _ => match f.parse.root.as_ref().and_then(|r| r.get("name")?.as_str()) {
                        Some(n) => format!("`{rel}`: **{n}**"),
                        None => format!("`{rel}`"),
                    },
                },
            };
            Some((range, md))
        }
        Target::Param { name, range } => {
            let (kind, c) =
                cursor::in_document(file.kind, file.parse.root.as_ref(), &file.text, offset);
            let (_, action) = c.role(kind);
            let spec = action.as_ref().and_then(Action::spec)?;
            let schema = spec.param_schema(&name)?;
            let req = spec.required_params().contains(&name.as_str());
            Some((
                range,
                format!(
                    "**{name}** ({}) — {}\n\n{}",
                    if req { "required" } else { "optional" },
                    crate::analysis::shape::describe(schema),
                    spec.label()
                ),
            ))
        }
    }
}

/// A flow: where it is, how many actions, and the forms that start it.
fn flow_hover(ws: &Workspace, name: &str) -> String {
    let Some((f, flow)) = ws.flow_entry(name) else {
        return format!("**{name}**: no flow with this name in the workspace");
    };
    let actions = Flow::new(flow).all_actions().len();
    let mut md = format!(
        "**{name}** · flow · {actions} action{}\n\nIn `{}`",
        if actions == 1 { "" } else { "s" },
        f.rel
    );
    let starts: Vec<String> = flow_places(ws, name, true)
        .into_iter()
        .filter_map(|l| {
            let form = ws.file(&l.path)?;
            let node = match form.kind {
                DocKind::Form => form.parse.root.as_ref()?,
                // the `auth0_form` resource that holds the `flow_id`
                DocKind::Terraform => {
                    let res = cursor::resource_at(
                        form.parse.root.as_ref()?,
                        &form.text,
                        l.range.start as usize,
                    )?;
                    (res.kind == crate::syntax::hcl::FORM).then_some(res.node)?
                }
                _ => return None,
            };
            let form_name = node.get("name").and_then(Node::as_str).unwrap_or("?");
            Some(format!("`{form_name}` ({})", form.rel))
        })
        .collect();
    if starts.is_empty() {
        md.push_str("\n\nNo form of the workspace starts it");
    } else {
        md.push_str(&format!(
            "\n\nStarted by the form{} {}",
            if starts.len() == 1 { "" } else { "s" },
            starts.join(", ")
        ));
    }
    md
}

fn action_hover(ws: &Workspace, a: &Action) -> Option<String> {
    let spec = a.spec()?;
    let mut md = format!("**{}** — {}", spec.label(), spec.summary);
    let req = spec.required_params();
    if !req.is_empty() {
        md.push_str(&format!(
            "\n\nRequired params: {}",
            req.iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    match spec.connection {
        ConnectionUse::None if spec.is_management_api() => md.push_str(
            "\n\nNo vault connection: notifications need no Management API authorization.",
        ),
        ConnectionUse::None => {}
        _ => md.push_str(&format!(
            "\n\nConnection: a vault connection with app_id {}",
            spec.type_
        )),
    }
    let mappings = &ws.index().mappings;
    if let Need::AnyOf { scopes, what } = a.need(mappings) {
        md.push_str(&format!(
            "\n\nNeeds {} for {what}",
            scopes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
        let vault = a
            .param("connection_id")
            .and_then(Node::as_str)
            .and_then(|c| ws.resolve_connection(c));
        if let Some(v) = vault {
            let name = v.name.as_deref().unwrap_or("?");
            match granted(ws, v) {
                Resolution::Known(g) => {
                    let has = scopes.iter().any(|s| g.has(s));
                    md.push_str(&format!(
                        "\n\n{} `{name}`: {} (from {})",
                        if has {
                            "✓ granted to"
                        } else {
                            "✗ not granted to"
                        },
                        if g.scopes.is_empty() {
                            "no scopes".to_string()
                        } else {
                            g.names().join(", ")
                        },
                        g.source.describe()
                    ));
                }
                Resolution::Unknown { why, .. } => {
                    md.push_str(&format!("\n\n? `{name}`: granted scopes unknown ({why})"))
                }
            }
        }
    }
    Some(md)
}

fn connection_hover(ws: &Workspace, v: &VaultInfo, on_vault: bool) -> String {
    let name = v.name.as_deref().unwrap_or("?");
    let mut md = format!("**{name}** · vault connection");
    md.push_str(&format!(
        "\n\napp_id: `{}`",
        v.app_id.as_deref().unwrap_or("?")
    ));
    if let Some(d) = &v.domain_shown {
        md.push_str(&format!(" · domain: `{d}`"));
    }
    match v.ready {
        Some(true) => md.push_str(" · ready"),
        Some(false) => md.push_str(" · not ready (no setup)"),
        None => {}
    }
    md.push_str(&format!("\n\nIn `{}`", v.rel));
    let mut usage = usage_line(ws, v);
    if let Some(first) = usage.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    md.push_str(&format!("\n\n{usage}"));
    let uses: Vec<_> = ws.uses_of(v).collect();
    if on_vault {
        for (f, u) in uses.iter().take(10) {
            md.push_str(&format!(
                "\n- `{}` {} in {}",
                u.action_id.as_deref().unwrap_or("?"),
                u.label,
                f.rel
            ));
        }
    }
    if v.is_management_api() {
        let needed = Needs::of(ws, &[v]).describe();
        if !needed.is_empty() {
            md.push_str(&format!("\n\nNeeds: {}", needed.join(", ")));
        }
        match granted(ws, v) {
            Resolution::Known(g) => md.push_str(&format!(
                "\n\nGranted: {} (from {})",
                g.names().join(", "),
                g.source.describe()
            )),
            Resolution::Unknown { why, .. } => {
                md.push_str(&format!("\n\nGranted scopes unknown: {why}"))
            }
        }
    }
    md
}
