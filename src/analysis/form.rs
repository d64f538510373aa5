//! Forms: `form-graph` (a `next_node`, router rule or fallback that names no node; a node no
//! path from the start reaches) and `unresolved-flow` (a `FLOW` node naming no flow of the
//! workspace — or, in an export bundle, no flow of the bundle). `unknown-field`, the flows'
//! side, is in `flow`.

use super::{Diagnostic, Fixable, Severity, code};
use crate::catalogue::nearest;
use crate::model::DocKind;
use crate::model::form::{ENDING, Form};
use crate::syntax::Node;
use crate::workspace::{SourceFile, Workspace};
use std::collections::{HashMap, HashSet};

pub fn check(ws: &Workspace, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let Some(root) = super::root_object(
        file,
        "a form is a JSON object with \"name\", \"nodes\" and \"start\"",
        out,
    ) else {
        return;
    };
    check_form(ws, root, None, out);
}

/// Checks a form: of a forms file, or the `form` of an export bundle whose `flows` map its
/// `FLOW` nodes name by token (`bundle_flows`).
pub fn check_form(
    ws: &Workspace,
    root: &Node,
    bundle_flows: Option<&Node>,
    out: &mut Vec<Diagnostic>,
) {
    let form = Form::new(root);
    let ids: Vec<&str> = form
        .nodes
        .iter()
        .filter_map(|n| n.id.and_then(Node::as_str))
        .collect();
    // every target names a node, or the ending
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, target) in
        form.start
            .into_iter()
            .map(|t| (None, t))
            .chain(form.nodes.iter().flat_map(|n| {
                let from = n.id.and_then(Node::as_str);
                n.targets.iter().map(move |t| (from, *t))
            }))
    {
        let Some(to) = target.as_str() else { continue };
        if crate::model::is_marker(target) || to.contains("{{") {
            continue;
        }
        if to != ENDING && !ids.contains(&to) {
            let near = nearest(to, ids.iter().copied().chain([ENDING]));
            out.push(
                Diagnostic::error(
                    target.range,
                    code::FORM_GRAPH,
                    format!(
                        "no node of the form has the id `{to}`: {}",
                        match near {
                            Some(n) => format!("did you mean `{n}`?"),
                            None => format!("use a node's id or \"{ENDING}\""),
                        }
                    ),
                )
                .with_fix(Fixable::nearest(near)),
            );
        }
        edges.entry(from.unwrap_or("")).or_default().push(to);
    }
    // every node is reached from the start
    let mut reached: HashSet<&str> = HashSet::new();
    let mut todo: Vec<&str> = edges.get("").cloned().unwrap_or_default();
    while let Some(n) = todo.pop() {
        if reached.insert(n) {
            todo.extend(edges.get(n).into_iter().flatten().copied());
        }
    }
    if form.start.is_some() {
        for n in &form.nodes {
            if let Some(id) = n.id
                && let Some(name) = id.as_str()
                && !reached.contains(name)
            {
                out.push(Diagnostic::new(
                    id.range,
                    Severity::Hint,
                    code::FORM_GRAPH,
                    format!("no path from the start reaches the node `{name}`: point a `next_node` at it, or remove it"),
                ));
            }
        }
    }
    // every FLOW node names a flow
    for n in form.nodes.iter().filter(|n| n.type_ == Some("FLOW")) {
        let Some(flow_id) = n.flow_id else { continue };
        let Some(name) = flow_id.as_str() else {
            continue;
        };
        if crate::model::is_marker(flow_id) || name.contains("{{") {
            continue;
        }
        let (found, known): (bool, Vec<String>) = match bundle_flows {
            Some(flows) => {
                let tokens: Vec<String> = flows
                    .as_object()
                    .unwrap_or_default()
                    .iter()
                    .map(|m| m.key.to_string())
                    .collect();
                (tokens.iter().any(|t| t == name), tokens)
            }
            None => (ws.flow_named(name).is_some(), ws.flow_names()),
        };
        if !found {
            let near = nearest(name, known.iter().map(String::as_str));
            out.push(
                Diagnostic::error(
                    flow_id.range,
                    code::UNRESOLVED_FLOW,
                    format!(
                        "no flow named `{name}` in the {}: {}",
                        if bundle_flows.is_some() {
                            "bundle"
                        } else {
                            "workspace"
                        },
                        match near {
                            Some(n) => format!("did you mean `{n}`?"),
                            None => "add it under flows/, or correct the name".into(),
                        }
                    ),
                )
                .with_fix(Fixable::nearest(near)),
            );
        }
    }
}

/// The field ids of the forms that start the flow `root` of `file`, or `None` when no form
/// of the workspace starts it (then `fields.X` is not checked).
pub fn fields_for_flow(ws: &Workspace, file: &SourceFile, root: &Node) -> Option<HashSet<String>> {
    let mut fields = HashSet::new();
    let mut started = false;
    if file.kind == DocKind::Bundle {
        // the bundle's form starts the bundle's flows by token
        let bundle = file.parse.root.as_ref()?;
        let token = bundle
            .get("flows")?
            .as_object()?
            .iter()
            .find(|m| m.value.as_ref().is_some_and(|v| std::ptr::eq(v, root)))?
            .key
            .to_string();
        let form = Form::new(bundle.get("form")?);
        if form.flow_refs().iter().any(|(f, _)| *f == token) {
            started = true;
            fields.extend(form.fields().map(str::to_string));
        }
    } else {
        let name = root.get("name").and_then(Node::as_str);
        let id = root.get("id").and_then(Node::as_str);
        for f in ws.files().filter(|f| f.kind == DocKind::Form) {
            let Some(form_root) = &f.parse.root else {
                continue;
            };
            let form = Form::new(form_root);
            if form
                .flow_refs()
                .iter()
                .any(|(r, _)| Some(*r) == name || Some(*r) == id)
            {
                started = true;
                fields.extend(form.fields().map(str::to_string));
            }
        }
    }
    started.then_some(fields)
}
