//! Forms: `form-graph` (a `next_node`, router rule or fallback that names no node; a node no
//! path from the start reaches) and `unresolved-flow` (a `FLOW` node naming no flow of the
//! workspace — or, in an export bundle, no flow of the bundle). `unknown-field`, the flows'
//! side, is in `flow`.

use super::{Diagnostic, Fixable, Severity, code};
use crate::catalogue::nearest;
use crate::model::DocKind;
use crate::model::form::{ENDING, Form};
use crate::syntax::{Node, TextRange};
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
    check_form(ws, file, root, None, out);
}

/// Checks a form: of a forms file, or the `form` of an export bundle whose `flows` map its
/// `FLOW` nodes name by token (`bundle_flows`).
/// Long: three passes over the same node list (targets, reachability from the start,
/// `flow_id`s), sharing the ids and edges built at the top.
pub fn check_form(
    ws: &Workspace,
    file: &SourceFile,
    root: &Node,
    bundle_flows: Option<&Node>,
    out: &mut Vec<Diagnostic>,
) {
    shape(&file.path, root, bundle_flows.is_some(), out);
    let form = Form::new(root);
    let ids: Vec<&str> = form
        .nodes
        .iter()
        .filter_map(|n| n.id.and_then(Node::as_str))
        .collect();
    // every target names a node, or the ending (unless the nodes are unknown: a `.tf`
    // resource's `nodes` from a file or a variable)
    let nodes_unknown = root.get("nodes").is_some_and(crate::model::is_marker);
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, target) in
        form.start
            .into_iter()
            .map(|t| (None, t))
            .chain(form.nodes.iter().flat_map(|n| {
                let from = n.id.and_then(Node::as_str);
                n.targets.iter().map(move |t| (from, t.node))
            }))
    {
        let Some(to) = target.as_str() else { continue };
        if nodes_unknown || crate::model::is_marker(target) || to.contains("{{") {
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
    // every flow_id names a flow
    let mappings = &ws.index().mappings;
    for flow_id in form.flow_id_nodes() {
        let Some(name) = flow_id_name(mappings, flow_id) else {
            continue;
        };
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
            // the names for a suggestion only when there is something to suggest for
            None => match ws.flow_named(name) {
                Some(_) => (true, Vec::new()),
                None => (false, ws.flow_names()),
            },
        };
        if !found && super::terraform::names_broken_block(ws, name) {
            continue;
        }
        if !found
            && bundle_flows.is_none()
            && let Some(why) =
                super::terraform::unresolved_reference(ws, name, crate::syntax::hcl::FLOW)
        {
            // a Terraform reference: quoted as a reference, and no name is put in its place
            out.push(Diagnostic::error(flow_id.range, code::UNRESOLVED_FLOW, why));
            continue;
        }
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

/// The flow a `flow_id` names, as it may be looked up: its text, or the flow a deploy step's
/// token stands for; `None` when nothing can be known here (a keyword marker, an expression, a
/// token of a value known only at deploy time).
pub fn flow_id_name<'a>(
    mappings: &crate::model::keywords::KeywordMappings,
    flow_id: &'a Node,
) -> Option<&'a str> {
    use crate::model::keywords::PlaceholderKind;
    let written = flow_id.as_str()?;
    // a token a deploy step replaces: the flow it names, or nothing to check
    let name = match mappings.placeholder(written) {
        Some((PlaceholderKind::Flow, name)) => name,
        Some((PlaceholderKind::Unknown, _)) => return None,
        // a connection's token where a flow belongs names no flow: reported as written
        Some((PlaceholderKind::Connection, _)) | None => written,
    };
    (!crate::model::is_marker(flow_id) && !name.contains("{{")).then_some(name)
}

/// The form against the catalogue of node-auth0's types: its keys, each node's `id`, `type`
/// and required config, each component's `id`, `category`, `type` and required config; ids
/// unique. `in_bundle`: the form of an export bundle (which may carry more keys, such as its
/// `id`).
/// Long: the form's keys, then each node's keys against the catalogue, in document order.
fn shape<'a>(path: &std::path::Path, root: &'a Node, in_bundle: bool, out: &mut Vec<Diagnostic>) {
    let cat = &crate::catalogue::Catalogue::get().forms;
    fn keys(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).chain(["$schema"]).collect()
    }
    if !in_bundle {
        super::unknown_keys(root, &keys(&cat.form_keys), "a form", out);
    }
    for (key, allowed) in [("start", &cat.start_keys), ("ending", &cat.ending_keys)] {
        if let Some(n) = root.get(key).filter(|n| n.as_object().is_some()) {
            super::unknown_keys(n, &keys(allowed), &format!("the form's `{key}`"), out);
        }
    }
    let Some(nodes) = root.get("nodes") else {
        return;
    };
    let Some(nodes) = nodes.as_array() else {
        if !crate::model::is_marker(nodes) {
            out.push(Diagnostic::error(
                nodes.range,
                code::SCHEMA,
                "`nodes` must be a list of nodes",
            ));
        }
        return;
    };
    let mut seen: HashMap<&str, TextRange> = HashMap::new();
    let node_types: Vec<&str> = cat.nodes.iter().map(|n| n.type_.as_str()).collect();
    for node in nodes {
        if node.as_object().is_none() {
            out.push(Diagnostic::error(
                node.range,
                code::SCHEMA,
                format!(
                    "a form node must be an object, {}",
                    crate::analysis::shape::found(node)
                ),
            ));
            continue;
        }
        unique_id(path, node, "node", &mut seen, out);
        let Some(spec) = part(node, "type", &node_types, "node type", out, |t| cat.node(t)) else {
            continue;
        };
        super::unknown_keys(
            node,
            &keys(&spec.keys),
            &format!("a {} node", spec.type_),
            out,
        );
        let config = config_of(node, spec, &format!("a {} node", spec.type_), out);
        let components = config
            .and_then(|c| c.get("components"))
            .and_then(Node::as_array)
            .unwrap_or_default();
        for c in components {
            if c.as_object().is_none() {
                continue;
            }
            unique_id(path, c, "component", &mut seen, out);
            let categories = cat.categories();
            let known = |x: &'a str| categories.contains(&x).then_some(x);
            let Some(category) = part(c, "category", &categories, "component category", out, known)
            else {
                continue;
            };
            let types: Vec<&str> = cat
                .components
                .iter()
                .filter(|x| x.category.as_deref() == Some(category))
                .map(|x| x.type_.as_str())
                .collect();
            let what = format!("{category} component type");
            let Some(spec) = part(c, "type", &types, &what, out, |t| {
                cat.component(category, t)
            }) else {
                continue;
            };
            let what = format!("a {category} {} component", spec.type_);
            super::unknown_keys(c, &keys(&spec.keys), &what, out);
            config_of(c, spec, &what, out);
        }
    }
}

/// A missing `id`, or one another node or component of the form has already.
fn unique_id<'a>(
    path: &std::path::Path,
    n: &'a Node,
    what: &str,
    seen: &mut HashMap<&'a str, TextRange>,
    out: &mut Vec<Diagnostic>,
) {
    match n.get("id") {
        None => out.push(Diagnostic::error(
            super::opening(n.range),
            code::SCHEMA,
            format!("missing required field `id` in the {what}: add \"id\": \"…\""),
        )),
        Some(id) => {
            let Some(s) = id.as_str() else { return };
            match seen.get(s) {
                Some(first) => out.push(
                    Diagnostic::error(
                        id.range,
                        code::SCHEMA,
                        format!(
                            "another node or component of the form has the id `{s}`: ids must be unique"
                        ),
                    )
                    .with_related(path, *first, format!("the first with the id `{s}`")),
                ),
                None => {
                    seen.insert(s, id.range);
                }
            }
        }
    }
}

/// The catalogue entry `key` (`type`, `category`) names, reporting a missing or unknown one.
fn part<'a, T>(
    n: &'a Node,
    key: &str,
    known: &[&str],
    what: &str,
    out: &mut Vec<Diagnostic>,
    find: impl Fn(&'a str) -> Option<T>,
) -> Option<T> {
    let Some(v) = n.get(key) else {
        out.push(Diagnostic::error(
            super::opening(n.range),
            code::SCHEMA,
            format!(
                "missing required field `{key}`: add one of {}",
                known.join(", ")
            ),
        ));
        return None;
    };
    let s = v.as_str().filter(|_| !crate::model::is_marker(v))?;
    let found = find(s);
    if found.is_none() {
        let near = nearest(s, known.iter().copied());
        out.push(
            Diagnostic::error(
                v.range,
                code::SCHEMA,
                match near {
                    Some(x) => format!("unknown {what} `{s}`: did you mean `{x}`?"),
                    None => format!("unknown {what} `{s}`: use one of {}", known.join(", ")),
                },
            )
            .with_fix(Fixable::nearest(near)),
        );
    }
    found
}

/// The `config` of a node or component: required when the catalogue says so, with its
/// required keys.
fn config_of<'a>(
    n: &'a Node,
    spec: &crate::catalogue::FormPartSpec,
    what: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<&'a Node> {
    let config = n.get("config");
    match config {
        None if spec.config_required == Some(true) => {
            let need = spec.config_required_keys.join("`, `");
            out.push(Diagnostic::error(
                super::opening(n.range),
                code::SCHEMA,
                if need.is_empty() {
                    format!("missing required field `config` in {what}: add \"config\": {{}}")
                } else {
                    format!("missing required field `config` in {what}: add it with `{need}`")
                },
            ));
        }
        Some(c) if c.as_object().is_some() => {
            for key in &spec.config_required_keys {
                if c.member(key).is_none() {
                    out.push(Diagnostic::error(
                        super::opening(c.range),
                        code::SCHEMA,
                        format!("missing required field `{key}` in the config of {what}: add it"),
                    ));
                }
            }
        }
        _ => {}
    }
    config
}

/// The field ids of the forms that start the flow `root` of `file`, or `None` when no form
/// of the workspace starts it, or when the fields of one that does are not known (an unknown
/// Terraform value): then `fields.X` is not checked.
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
            if form.fields_unknown() {
                return None;
            }
            started = true;
            fields.extend(form.fields().map(str::to_string));
        }
    } else {
        let name = root.get("name").and_then(Node::as_str);
        let id = root.get("id").and_then(Node::as_str);
        // through the workspace's index: a scan of every file per flow is quadratic
        for (_, form_root) in ws.forms_starting(name, id) {
            let form = Form::new(form_root);
            // a form whose fields are not all known may have any field
            if form.fields_unknown() {
                return None;
            }
            started = true;
            fields.extend(form.fields().map(str::to_string));
        }
    }
    started.then_some(fields)
}
