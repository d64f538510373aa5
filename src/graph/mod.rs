//! The picture of what runs: each form's nodes and the flows they start, each flow's actions in
//! order (`BOOLEAN_CONDITION` branches as forks), the vault connection each action uses and, for
//! AUTH0 connections, the M2M application with the scopes needed, granted, missing and excess;
//! every node with its source place and the findings on it.
//!
//! Built once from the workspace's index, the catalogue and the analysis's own answers
//! ([`crate::analysis::diagnostics`], [`crate::analysis::least_privilege::report`],
//! [`Workspace::forms_starting`], [`Workspace::flow_entry`], [`Workspace::resolve_use`]), so
//! every layout — directory, YAML, bundles, Terraform resources — gives the same picture. Pure:
//! no I/O, no LSP types. The writers ([`text`] for mermaid and dot, [`svg`] laid out by
//! `layout-rs`, [`html`]) only render this model.

/// What an empty graph says (the command line says it too).
pub const NOTHING_TO_DRAW: &str = "nothing to draw: no form, flow or vault connection was found";

pub mod html;
pub mod metrics;
pub mod svg;
pub mod text;

use crate::analysis::least_privilege::{self, Report};
use crate::analysis::{self, Severity};
use crate::display::escape_control;
use crate::model::DocKind;
use crate::model::flow::{Action, Flow};
use crate::model::form::{ENDING, Form, Via};
use crate::model::need::Need;
use crate::syntax::hcl;
use crate::syntax::line_index::ColumnUnit;
use crate::syntax::{Node as Tree, TextRange};
use crate::workspace::{ConnectionRef, SourceFile, VaultInfo, Workspace};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What a node of the graph stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Form,
    /// A form's `STEP` node (or a node of a type flowls does not know).
    Step,
    Router,
    /// A form's `FLOW` node.
    FlowStep,
    /// A form's `$ending`, or the end of a flow that a condition's branch reaches.
    Ending,
    Flow,
    Action,
    /// A run of plain actions shown as one node.
    Fold,
    Connection,
    /// The M2M application behind AUTH0 connections.
    Application,
    /// Something a reference names that the workspace does not hold (a node id, a flow, a
    /// connection).
    Missing,
}

impl Kind {
    /// The name in classes and results (`class="node flow"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Form => "form",
            Kind::Step => "step",
            Kind::Router => "router",
            Kind::FlowStep => "flow-step",
            Kind::Ending => "ending",
            Kind::Flow => "flow",
            Kind::Action => "action",
            Kind::Fold => "fold",
            Kind::Connection => "connection",
            Kind::Application => "application",
            Kind::Missing => "missing",
        }
    }
}

/// What an edge means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// The next node or action.
    Next,
    /// A condition's `then` / `else` branch.
    Then,
    Else,
    /// A router rule, or a component's jump.
    Route,
    Fallback,
    /// A form (its `FLOW` node, or a resend button) starts a flow.
    Starts,
    /// An action uses a vault connection.
    Uses,
    /// A connection stands for an M2M application.
    App,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Next => "next",
            EdgeKind::Then => "then",
            EdgeKind::Else => "else",
            EdgeKind::Route => "route",
            EdgeKind::Fallback => "fallback",
            EdgeKind::Starts => "starts",
            EdgeKind::Uses => "uses",
            EdgeKind::App => "app",
        }
    }
}

/// A mark on a node, also its CSS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mark {
    /// An action whose application lacks a scope it needs; an application lacking one.
    MissingScope,
    /// An application granted a scope no action needs.
    ExcessScope,
    /// An action with `allow_failure`.
    AllowFailure,
    /// A reference to something the workspace does not hold.
    Unresolved,
    HasError,
    HasWarning,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::MissingScope => "missing-scope",
            Mark::ExcessScope => "excess-scope",
            Mark::AllowFailure => "allow-failure",
            Mark::Unresolved => "unresolved",
            Mark::HasError => "has-error",
            Mark::HasWarning => "has-warning",
        }
    }
}

/// The findings on a node: errors and warnings (hints and information are not shown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub errors: usize,
    pub warnings: usize,
    /// The first error's message, else the first warning's (control characters escaped).
    pub first: Option<String>,
}

impl Findings {
    pub fn count(&self) -> usize {
        self.errors + self.warnings
    }
    /// "2 errors: no flow named …" for labels.
    pub fn summary(&self) -> Option<String> {
        let first = self.first.as_deref()?;
        let mut parts = Vec::new();
        for (n, what) in [(self.errors, "error"), (self.warnings, "warning")] {
            match n {
                0 => {}
                1 => parts.push(format!("1 {what}")),
                n => parts.push(format!("{n} {what}s")),
            }
        }
        Some(format!("{}: {}", parts.join(", "), shorten(first, 64)))
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    /// Stable: made of the kind and the names on the way to it (`flow_onboard__get_user`);
    /// only `[a-z0-9_]`, so it is safe in every format and attribute.
    pub id: String,
    pub kind: Kind,
    /// The first line of the label (control characters escaped, like every label text), at
    /// most [`TITLE_MAX`] characters.
    pub title: String,
    /// The title whole, up to [`NAME_MAX`] characters (for a tooltip).
    pub name: String,
    /// The other lines: fields, the action's type, scopes.
    pub lines: Vec<String>,
    pub path: PathBuf,
    /// Workspace-relative, `/`-separated, control characters escaped.
    pub rel: String,
    /// The same path as it is (not escaped), for links to the file.
    pub file: String,
    /// Where the node's source is (the place a click jumps to).
    pub range: TextRange,
    /// 1-based line and column (characters) of `range.start`.
    pub line: usize,
    pub column: usize,
    pub findings: Findings,
    pub marks: Vec<Mark>,
    /// Index in [`Graph::groups`].
    pub group: usize,
}

impl Node {
    /// The node's CSS classes: `node`, its kind, its marks.
    pub fn classes(&self) -> String {
        let mut out = format!("node {}", self.kind.as_str());
        for m in &self.marks {
            out.push(' ');
            out.push_str(m.as_str());
        }
        out
    }
    /// Every line of the label, the findings' summary last.
    pub fn label_lines(&self) -> Vec<String> {
        let mut out = vec![self.title.clone()];
        out.extend(self.lines.iter().cloned());
        out.extend(self.findings.summary());
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// Shown on the edge: a rule's alias, `then`, `else`, `starts`…; none for `next`.
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Form,
    Flow,
    Connections,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub kind: GroupKind,
    pub title: String,
    /// For a flow: the index of the form group whose form starts it first.
    pub parent: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub groups: Vec<Group>,
}

impl Graph {
    /// Adds another graph's nodes, edges and groups after this one's (several workspaces in
    /// one picture); ids stay unique.
    pub fn append(&mut self, other: Graph) {
        if self.nodes.is_empty() && self.groups.is_empty() {
            *self = other;
            return;
        }
        let (nodes, groups) = (self.nodes.len(), self.groups.len());
        let mut ids: HashSet<String> = self.nodes.iter().map(|n| n.id.clone()).collect();
        let group_ids: HashSet<String> = self.groups.iter().map(|g| g.id.clone()).collect();
        for mut n in other.nodes {
            let base = n.id.clone();
            let mut k = 2;
            while !ids.insert(n.id.clone()) {
                n.id = format!("{base}_{k}");
                k += 1;
            }
            n.group += groups;
            self.nodes.push(n);
        }
        for mut e in other.edges {
            e.from += nodes;
            e.to += nodes;
            self.edges.push(e);
        }
        for mut g in other.groups {
            g.parent = g.parent.map(|p| p + groups);
            if group_ids.contains(&g.id) {
                g.id = format!("{}_{}", g.id, self.groups.len());
            }
            self.groups.push(g);
        }
    }
}

/// Which part of the workspace to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Select {
    /// Everything.
    Workspace,
    /// These forms (with the flows they start) and these flows, by name.
    Named {
        forms: Vec<String>,
        flows: Vec<String>,
    },
    /// The forms and flows a document holds or takes part in (the whole workspace when none).
    Document(PathBuf),
    /// The forms and flows of the files below a folder (with the flows those forms start).
    Under(PathBuf),
    /// What any of these selects (several paths of one workspace: one picture, each form,
    /// flow and connection in it once).
    Any(Vec<Select>),
}

impl Select {
    /// Whether this draws the whole workspace (then also the connections no flow uses).
    fn whole(&self) -> bool {
        match self {
            Select::Workspace => true,
            Select::Any(each) => each.iter().any(Select::whole),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Runs of more than [`FOLD_RUN`] plain actions are shown as one node.
    pub fold: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { fold: true }
    }
}

/// Titles of nodes and groups are cut to this many characters (`…` at the end).
pub const TITLE_MAX: usize = 64;
/// A node's whole name is kept up to this many characters.
pub const NAME_MAX: usize = 1000;

/// The length of a run of plain actions (no branch, no connection, no finding, no
/// `allow_failure`) from which its middle is folded into one node.
pub const FOLD_RUN: usize = 8;

/// A form of the workspace: a forms file's, an export bundle's `form`, or an `auth0_form`
/// resource of a `.tf` file.
#[derive(Clone, Copy)]
struct FormUnit<'a> {
    /// The file that holds the form's nodes (for a resource reading an export bundle with
    /// `jsondecode(file(…))`, the bundle: where the analysis finds them).
    file: &'a SourceFile,
    root: &'a Tree,
    /// The bundle's `flows`, whose tokens its `FLOW` nodes name.
    bundle_flows: Option<&'a Tree>,
    /// The `auth0_form` resource it is.
    resource: Option<Resource<'a>>,
}

/// A flow of the workspace: a flow file's, one of an export bundle's `flows`, or an
/// `auth0_flow` resource of a `.tf` file.
#[derive(Clone, Copy)]
struct FlowUnit<'a> {
    /// The file that holds the flow's actions (see [`FormUnit::file`]).
    file: &'a SourceFile,
    root: &'a Tree,
    /// In a bundle: its `#FLOW-n#` token.
    token: Option<&'a str>,
    /// The `auth0_flow` resource it is.
    resource: Option<Resource<'a>>,
}

/// A resource of a `.tf` file that a form or flow is.
#[derive(Clone, Copy)]
struct Resource<'a> {
    file: &'a SourceFile,
    /// Its body (`TYPE.NAME` → body in the file's tree).
    body: &'a Tree,
    /// `auth0_flow.NAME`.
    address: &'a str,
    /// For a resource reading an export bundle: the `replace` list of its `$exports` entry
    /// (`[{token, with}]`: `#FLOW-1#` → `auth0_flow.x.id`).
    replaces: Option<&'a Tree>,
}

impl<'a> Resource<'a> {
    /// Its `name`, when the module writes it so that it is known.
    fn name(&self) -> Option<&'a str> {
        self.body.get("name").and_then(Tree::as_str)
    }

    /// The place of its head node (its `name`, else its block's start) and the span whose
    /// findings are its own (the block).
    fn place(&self) -> (TextRange, TextRange) {
        let place = self
            .body
            .get("name")
            .map_or(analysis::opening(self.body.range), |n| n.range);
        (place, self.body.range)
    }
}

impl<'a> Resource<'a> {
    /// The name a unit drawn from this resource shows: the resource's `name`, else the name of
    /// the exported content it reads (`root`, when that is not its own body), else its address.
    fn unit_name(&self, root: &'a Tree) -> &'a str {
        self.name()
            .or_else(|| {
                let exported = !std::ptr::eq(self.body, root);
                exported.then(|| root.get("name").and_then(Tree::as_str))?
            })
            .unwrap_or(self.address)
    }
}

impl<'a> FormUnit<'a> {
    fn name(&self, ws: &'a Workspace) -> Option<&'a str> {
        match &self.resource {
            Some(r) => Some(r.unit_name(self.root)),
            None => ws.flow_name(self.file, self.root),
        }
    }
}

impl<'a> FlowUnit<'a> {
    fn name(&self, ws: &'a Workspace) -> Option<&'a str> {
        match &self.resource {
            Some(r) => Some(r.unit_name(self.root)),
            None => ws.flow_name(self.file, self.root).or(self.token),
        }
    }
}
/// The `auth0_form` (`want` = [`hcl::FORM`], attribute `nodes`) or `auth0_flow` ([`hcl::FLOW`],
/// `actions`) resources of the workspace's `.tf` files: (resource, the file and node that hold
/// its content). A resource that reads an export bundle (`jsondecode(file(…))`, the provider
/// guide's pattern) has its content in the bundle, at the `$exports` entry's pointer (less its
/// last step, the attribute itself); one whose bundle the workspace does not hold, its own body.
fn resources_of<'a>(
    ws: &'a Workspace,
    want: &str,
    attribute: &str,
) -> Vec<(Resource<'a>, &'a SourceFile, &'a Tree)> {
    let mut out = Vec::new();
    for f in ws.files().filter(|f| f.kind == DocKind::Terraform) {
        let Some(root) = f.parse.root.as_ref() else {
            continue;
        };
        // the file's exports of that attribute, by resource (one look-up per resource)
        let exports: HashMap<&str, &Tree> = root
            .get(hcl::EXPORTS)
            .and_then(Tree::as_array)
            .unwrap_or_default()
            .iter()
            .filter(|e| e.get("attribute").and_then(Tree::as_str) == Some(attribute))
            .filter_map(|e| Some((e.get("resource")?.as_str()?, e)))
            .collect();
        for (kind, address, body) in hcl::resources(root) {
            if kind != want || body.as_object().is_none() {
                continue;
            }
            let export = exports.get(address).copied();
            let from_bundle = export.and_then(|e| {
                let written = e.get("file").and_then(Tree::as_str)?;
                let dir = f.path.parent().unwrap_or(&ws.root);
                let bundle = ws.file(&crate::workspace::body_path(dir, written))?;
                let steps = e.get("pointer").and_then(Tree::as_array)?;
                let content = bundle.parse.root.as_ref()?;
                // a JSON file that is the attribute's whole value: a bare `actions` list
                if steps.is_empty() && want == hcl::FLOW {
                    return content.as_array().is_some().then_some((bundle, content));
                }
                let (_, parent) = steps.split_last()?;
                let node = crate::workspace::follow_pointer(content, parent)?;
                node.as_object().is_some().then_some((bundle, node))
            });
            let resource = Resource {
                file: f,
                body,
                address,
                replaces: export
                    .filter(|_| from_bundle.is_some())
                    .and_then(|e| e.get("replace")),
            };
            let (file, node) = from_bundle.unwrap_or((f, body));
            out.push((resource, file, node));
        }
    }
    out
}

fn forms_of(ws: &Workspace) -> Vec<FormUnit<'_>> {
    let mut out: Vec<FormUnit> = resources_of(ws, hcl::FORM, "nodes")
        .into_iter()
        .map(|(r, file, root)| FormUnit {
            file,
            root,
            bundle_flows: (!std::ptr::eq(file, r.file))
                .then(|| file.parse.root.as_ref()?.get("flows"))
                .flatten(),
            resource: Some(r),
        })
        .collect();
    // a bundle's form that a resource reads is drawn as that resource
    let taken: HashSet<usize> = out.iter().map(|u| u.root as *const Tree as usize).collect();
    for f in ws.files() {
        let Some(root) = f.parse.root.as_ref().filter(|r| r.as_object().is_some()) else {
            continue;
        };
        match f.kind {
            DocKind::Form => out.push(FormUnit {
                file: f,
                root,
                bundle_flows: None,
                resource: None,
            }),
            DocKind::Bundle => {
                if let Some(form) = root.get("form").filter(|f| f.as_object().is_some())
                    && !taken.contains(&(form as *const Tree as usize))
                {
                    out.push(FormUnit {
                        file: f,
                        root: form,
                        bundle_flows: root.get("flows"),
                        resource: None,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

fn flows_of(ws: &Workspace) -> Vec<FlowUnit<'_>> {
    let mut out: Vec<FlowUnit> = resources_of(ws, hcl::FLOW, "actions")
        .into_iter()
        .map(|(r, file, root)| FlowUnit {
            file,
            root,
            token: None,
            resource: Some(r),
        })
        .collect();
    // a bundle's flow that a resource reads is drawn as that resource
    let taken: HashSet<usize> = out.iter().map(|u| u.root as *const Tree as usize).collect();
    for f in ws.files() {
        let Some(root) = f.parse.root.as_ref().filter(|r| r.as_object().is_some()) else {
            continue;
        };
        match f.kind {
            DocKind::Flow => out.push(FlowUnit {
                file: f,
                root,
                token: None,
                resource: None,
            }),
            DocKind::Bundle => {
                for m in root
                    .get("flows")
                    .and_then(Tree::as_object)
                    .unwrap_or_default()
                {
                    if let Some(v) = m.value.as_ref().filter(|v| v.as_object().is_some())
                        && !taken.contains(&(v as *const Tree as usize))
                    {
                        out.push(FlowUnit {
                            file: f,
                            root: v,
                            token: Some(m.key.as_str()),
                            resource: None,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The names of the workspace's forms and flows, for `--form` / `--flow` and suggestions.
pub fn names(ws: &Workspace) -> (Vec<String>, Vec<String>) {
    let forms = forms_of(ws)
        .iter()
        .filter_map(|u| u.name(ws).map(str::to_string))
        .collect();
    let flows = flows_of(ws)
        .iter()
        .filter_map(|u| u.name(ws).map(str::to_string))
        .collect();
    (forms, flows)
}

/// What a form's `flow_id` starts: a flow of the selection's list (by index), or nothing known.
enum Started {
    Flow(usize),
    /// Names no flow (`unresolved-flow`): shown as missing.
    Missing(String),
    /// A marker, an expression: nothing to draw.
    Unknown,
}

struct Units<'a> {
    forms: Vec<FormUnit<'a>>,
    flows: Vec<FlowUnit<'a>>,
    /// Flow units by (file, root node address).
    flow_at: HashMap<(&'a Path, usize), usize>,
}

impl<'a> Units<'a> {
    fn new(ws: &'a Workspace) -> Units<'a> {
        let flows = flows_of(ws);
        let mut flow_at = HashMap::new();
        for (i, u) in flows.iter().enumerate() {
            flow_at.insert((u.file.path.as_path(), u.root as *const Tree as usize), i);
            // a resource reading a bundle is also found by its own body
            if let Some(r) = &u.resource {
                flow_at.insert((r.file.path.as_path(), r.body as *const Tree as usize), i);
            }
        }
        Units {
            forms: forms_of(ws),
            flows,
            flow_at,
        }
    }

    fn started(&self, ws: &'a Workspace, form: &FormUnit<'a>, flow_id: &'a Tree) -> Started {
        // a bundle's token that the resource reading it replaces by a reference
        // (`#FLOW-1#` → `auth0_flow.x.id`) names the flow that reference names
        let replaced = form
            .resource
            .and_then(|r| r.replaces)
            .and_then(Tree::as_array)
            .zip(flow_id.as_str())
            .and_then(|(replaces, token)| {
                replaces
                    .iter()
                    .find(|r| r.get("token").and_then(Tree::as_str) == Some(token))?
                    .get("with")?
                    .as_str()
            });
        if let Some(with) = replaced {
            return self.flow_entry(ws, with);
        }
        let Some(name) = analysis::form::flow_id_name(&ws.index().mappings, flow_id).or_else(
            // a marker (`##FLOW##`) names the flow whose `name` is that same marker, as it is
            || {
                flow_id
                    .as_str()
                    .filter(|_| crate::model::is_marker(flow_id) && form.bundle_flows.is_none())
                    .filter(|raw| ws.flow_named(raw).is_some())
            },
        ) else {
            return Started::Unknown;
        };
        match form.bundle_flows {
            Some(flows) => {
                let found = flows.get(name).and_then(|root| {
                    self.flow_at
                        .get(&(form.file.path.as_path(), root as *const Tree as usize))
                });
                match found {
                    Some(&i) => Started::Flow(i),
                    None => Started::Missing(name.to_string()),
                }
            }
            None => self.flow_entry(ws, name),
        }
    }

    /// The flow unit a name, id or reference (`auth0_flow.x.id`) names.
    fn flow_entry(&self, ws: &'a Workspace, name: &str) -> Started {
        let found = ws.flow_entry(name).and_then(|(f, node)| {
            self.flow_at
                .get(&(f.path.as_path(), node as *const Tree as usize))
        });
        match found {
            Some(&i) => Started::Flow(i),
            None => Started::Missing(name.to_string()),
        }
    }

    /// The forms (by index) and flows (by index) to draw.
    fn select(&self, ws: &'a Workspace, select: &Select) -> (Vec<usize>, Vec<usize>) {
        let all = || {
            (
                (0..self.forms.len()).collect(),
                (0..self.flows.len()).collect(),
            )
        };
        let (forms, flows): (Vec<usize>, Vec<usize>) = match select {
            Select::Workspace => all(),
            Select::Named { forms, flows } => (
                self.forms
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.name(ws).is_some_and(|n| forms.iter().any(|f| f == n)))
                    .map(|(i, _)| i)
                    .collect(),
                self.flows
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.name(ws).is_some_and(|n| flows.iter().any(|f| f == n)))
                    .map(|(i, _)| i)
                    .collect(),
            ),
            Select::Under(dir) => {
                let under = |file: &SourceFile, r: &Option<Resource>| {
                    file.path.starts_with(dir) || r.is_some_and(|r| r.file.path.starts_with(dir))
                };
                (
                    (0..self.forms.len())
                        .filter(|&i| under(self.forms[i].file, &self.forms[i].resource))
                        .collect(),
                    (0..self.flows.len())
                        .filter(|&i| under(self.flows[i].file, &self.flows[i].resource))
                        .collect(),
                )
            }
            Select::Document(path) => {
                let (forms, flows) = self.of_document(ws, path);
                if forms.is_empty() && flows.is_empty() {
                    all()
                } else {
                    (forms, flows)
                }
            }
            Select::Any(each) => {
                let (mut forms, mut flows) = (Vec::new(), Vec::new());
                for one in each {
                    let (fo, fl) = self.select(ws, one);
                    forms.extend(fo);
                    flows.extend(fl);
                }
                (forms, flows)
            }
        };
        // a form is drawn with every flow it starts
        let mut flows = flows;
        for &fi in &forms {
            let form = &self.forms[fi];
            for n in Form::new(form.root).nodes {
                for id in n.flow_ids {
                    if let Started::Flow(i) = self.started(ws, form, id) {
                        flows.push(i);
                    }
                }
            }
        }
        let mut forms = forms;
        forms.sort_unstable();
        forms.dedup();
        let mut seen = HashSet::new();
        flows.retain(|i| seen.insert(*i));
        (forms, flows)
    }

    /// The forms and flows a document holds or takes part in: a flow's forms that start it, a
    /// vault's flows that use it, a YAML's entries' bodies.
    fn of_document(&self, ws: &'a Workspace, path: &Path) -> (Vec<usize>, Vec<usize>) {
        let mut flows: Vec<usize> = Vec::new();
        let mut forms: Vec<usize> = Vec::new();
        let form_files = |files: Vec<&SourceFile>| -> Vec<usize> {
            let paths: HashSet<&Path> = files.iter().map(|f| f.path.as_path()).collect();
            self.forms
                .iter()
                .enumerate()
                .filter(|(_, u)| paths.contains(u.file.path.as_path()))
                .map(|(i, _)| i)
                .collect()
        };
        let Some(file) = ws.file(path) else {
            return (forms, flows);
        };
        match file.kind {
            DocKind::Tenant => {
                let bodies: HashSet<&Path> = ws
                    .index()
                    .bodies
                    .iter()
                    .filter(|(_, b)| b.tenant == path)
                    .map(|(p, _)| p.as_path())
                    .collect();
                forms.extend(
                    (0..self.forms.len())
                        .filter(|&i| bodies.contains(self.forms[i].file.path.as_path())),
                );
                flows.extend(
                    (0..self.flows.len())
                        .filter(|&i| bodies.contains(self.flows[i].file.path.as_path())),
                );
            }
            DocKind::Vault => {
                let users: HashSet<&Path> = ws
                    .vaults_in(path)
                    .flat_map(|v| ws.uses_of(v).map(|(f, _)| f.path.as_path()))
                    .collect();
                flows.extend(
                    (0..self.flows.len())
                        .filter(|&i| users.contains(self.flows[i].file.path.as_path())),
                );
            }
            _ => {
                // the units the file holds; a `.tf` file's resources, and those whose content
                // a bundle holds
                let here = |file: &SourceFile, r: &Option<Resource>| {
                    file.path == path || r.is_some_and(|r| r.file.path == path)
                };
                forms.extend(
                    (0..self.forms.len())
                        .filter(|&i| here(self.forms[i].file, &self.forms[i].resource)),
                );
                flows.extend(
                    (0..self.flows.len())
                        .filter(|&i| here(self.flows[i].file, &self.flows[i].resource)),
                );
                if file.kind == DocKind::Terraform && ws.vaults_in(path).next().is_some() {
                    // the flows that use its vault connections: each use's flow found among
                    // its file's flows (in the order of their places, which do not overlap)
                    let mut by_file: HashMap<&Path, Vec<usize>> = HashMap::new();
                    for (i, u) in self.flows.iter().enumerate() {
                        by_file.entry(u.file.path.as_path()).or_default().push(i);
                    }
                    for units in by_file.values_mut() {
                        units.sort_by_key(|&i| self.flows[i].root.range.start);
                    }
                    for v in ws.vaults_in(path) {
                        for (f, u) in ws.uses_of(v) {
                            let at = u.action_range;
                            let Some(units) = by_file.get(f.path.as_path()) else {
                                continue;
                            };
                            let k = units
                                .partition_point(|&i| self.flows[i].root.range.start <= at.start);
                            if let Some(&i) = k.checked_sub(1).and_then(|k| units.get(k))
                                && at.end <= self.flows[i].root.range.end
                            {
                                flows.push(i);
                            }
                        }
                    }
                }
            }
        }
        // the forms that start these flows take part too
        for &i in &flows.clone() {
            let u = &self.flows[i];
            let (name, id) = match &u.resource {
                Some(r) => (u.name(ws), r.body.get("id").and_then(Tree::as_str)),
                None if u.token.is_none() => (
                    u.root.get("name").and_then(Tree::as_str).or(u.name(ws)),
                    u.root.get("id").and_then(Tree::as_str),
                ),
                None => continue,
            };
            // form files (a `.tf` file's form resources are found by reference below)
            let starting = ws.forms_starting(name, id).into_iter();
            forms.extend(form_files(
                starting
                    .filter(|(f, _)| f.kind != DocKind::Terraform)
                    .map(|(f, _)| f)
                    .collect(),
            ));
        }
        // and the resources' forms that start them (by reference, or by a bundle's token)
        if flows.iter().any(|&i| self.flows[i].resource.is_some()) {
            let wanted: HashSet<usize> = flows.iter().copied().collect();
            for (fi, form) in self.forms.iter().enumerate() {
                if form.resource.is_none() {
                    continue;
                }
                let starts = Form::new(form.root).nodes.iter().any(|n| {
                    n.flow_ids.iter().any(|id| {
                        matches!(self.started(ws, form, id), Started::Flow(i) if wanted.contains(&i))
                    })
                });
                if starts {
                    forms.push(fi);
                }
            }
        }
        (forms, flows)
    }
}

/// The graph of the selection.
pub fn build(ws: &Workspace, select: &Select, options: &Options) -> Graph {
    build_with(ws, select, options, &least_privilege::report(ws))
}

/// [`build`] with the workspace's least-privilege report computed already (the language
/// server keeps it per snapshot).
pub fn build_with(ws: &Workspace, select: &Select, options: &Options, report: &Report) -> Graph {
    let units = Units::new(ws);
    let (forms, flows) = units.select(ws, select);
    let mut b = Builder {
        ws,
        options,
        graph: Graph::default(),
        ids: HashSet::new(),
        files: HashMap::new(),
        connections: HashMap::new(),
        flow_nodes: HashMap::new(),
        report,
        connections_group: None,
        missing_at: HashMap::new(),
        missing_connections: HashMap::new(),
    };
    b.index_report();
    // the findings of the files the drawn forms and flows are in, on every core (the rest, a
    // vault's or a grant's, as their nodes come)
    let mut files: Vec<&SourceFile> = Vec::new();
    for u in forms.iter().map(|&i| &units.forms[i]) {
        files.push(u.file);
        files.extend(u.resource.map(|r| r.file));
    }
    for u in flows.iter().map(|&i| &units.flows[i]) {
        files.push(u.file);
        files.extend(u.resource.map(|r| r.file));
    }
    if select.whole() {
        files.extend(ws.index().vaults.iter().filter_map(|v| ws.file(&v.path)));
    }
    b.prefetch(files);
    // groups in reading order: each form, then the flows it starts first, then the others
    let mut placed: HashSet<usize> = HashSet::new();
    let mut form_groups = Vec::new();
    for &fi in &forms {
        let group = b.form_group(&units.forms[fi]);
        form_groups.push((fi, group));
    }
    for &(fi, group) in &form_groups {
        let form = &units.forms[fi];
        for n in Form::new(form.root).nodes {
            for id in n.flow_ids {
                if let Started::Flow(i) = units.started(ws, form, id)
                    && flows.contains(&i)
                    && placed.insert(i)
                {
                    b.flow(&units.flows[i], Some(group));
                }
            }
        }
    }
    for &i in &flows {
        if placed.insert(i) {
            b.flow(&units.flows[i], None);
        }
    }
    // the forms' nodes, now that the flows they start are drawn
    for &(fi, group) in &form_groups {
        b.form_nodes(&units, &units.forms[fi], group);
    }
    if select.whole() {
        // connections no drawn flow uses are part of the workspace's picture too
        for v in &ws.index().vaults {
            b.connection(v);
        }
    }
    b.applications();
    b.finish();
    b.graph
}

struct Builder<'a> {
    ws: &'a Workspace,
    options: &'a Options,
    graph: Graph,
    ids: HashSet<String>,
    /// Per file (by the address of its [`SourceFile`] in the workspace): its findings and
    /// the spans whose findings go to a node.
    files: HashMap<usize, FileFindings>,
    /// Connection nodes by vault (file, entry, name range).
    connections: HashMap<(PathBuf, Option<TextRange>, TextRange), usize>,
    /// Flow nodes by (file, root start).
    flow_nodes: HashMap<(PathBuf, u32), usize>,
    report: &'a Report,
    connections_group: Option<usize>,
    /// The scopes an action (file, `action` range) needs and its application was not granted.
    missing_at: HashMap<PathBuf, HashMap<TextRange, Vec<String>>>,
    /// The nodes of connections no vault holds, by name (one node however many actions use it).
    missing_connections: HashMap<String, usize>,
}

/// A file's errors and warnings (computed once per file, sorted by start), and the byte spans
/// whose findings go to a node.
struct FileFindings {
    diags: Vec<analysis::Diagnostic>,
    spans: Vec<(TextRange, usize)>,
}

/// The key of a file in [`Builder::files`].
fn file_key(file: &SourceFile) -> usize {
    file as *const SourceFile as usize
}

/// A file's errors and warnings.
fn errors_and_warnings(ws: &Workspace, file: &SourceFile) -> Vec<analysis::Diagnostic> {
    let mut d = analysis::diagnostics(ws, &file.path);
    d.retain(|d| matches!(d.severity, Severity::Error | Severity::Warning));
    d
}

impl<'a> Builder<'a> {
    /// Computes the findings of these files, on the machine's cores.
    fn prefetch(&mut self, mut files: Vec<&SourceFile>) {
        files.sort_by_key(|f| file_key(f));
        files.dedup_by_key(|f| file_key(f));
        files.retain(|f| !self.files.contains_key(&file_key(f)));
        let ws = self.ws;
        let found = in_parallel(&files, |f| errors_and_warnings(ws, f));
        for (f, diags) in files.iter().zip(found) {
            self.files.insert(
                file_key(f),
                FileFindings {
                    diags,
                    spans: Vec::new(),
                },
            );
        }
    }

    fn index_report(&mut self) {
        let report = self.report;
        for app in &report.applications {
            if app.granted.is_none() {
                continue;
            }
            for n in app.needed.iter().filter(|n| n.held.is_none()) {
                for a in &n.actions {
                    if !self.missing_at.contains_key(&a.path) {
                        self.missing_at.insert(a.path.clone(), HashMap::new());
                    }
                    if let Some(at) = self.missing_at.get_mut(&a.path) {
                        at.entry(a.range).or_default().push(n.scope.clone());
                    }
                }
            }
        }
    }

    fn unique_id(&mut self, base: String) -> String {
        let mut id = base.clone();
        let mut n = 2;
        while !self.ids.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        id
    }

    fn group(&mut self, kind: GroupKind, title: String, parent: Option<usize>) -> usize {
        let prefix = match kind {
            GroupKind::Form => "group_form",
            GroupKind::Flow => "group_flow",
            GroupKind::Connections => "group_connections",
        };
        let id = format!("{prefix}_{}", self.graph.groups.len());
        self.graph.groups.push(Group {
            id,
            kind,
            title: shorten(&shown(&title), TITLE_MAX),
            parent,
        });
        self.graph.groups.len() - 1
    }

    /// Adds a node at `range` of `file`; findings inside `span` are its own.
    #[allow(clippy::too_many_arguments)]
    fn node(
        &mut self,
        id: String,
        kind: Kind,
        title: String,
        lines: Vec<String>,
        file: &SourceFile,
        range: TextRange,
        span: Option<TextRange>,
        group: usize,
    ) -> usize {
        let id = self.unique_id(id);
        let (line, column) =
            file.line_index()
                .position(&file.text, range.start as usize, ColumnUnit::Char);
        let idx = self.graph.nodes.len();
        let title = shown(&title);
        self.graph.nodes.push(Node {
            id,
            kind,
            name: shorten(&title, NAME_MAX),
            title: shorten(&title, TITLE_MAX),
            lines: lines.iter().map(|l| shown(l)).collect(),
            path: file.path.clone(),
            rel: shown(&file.rel),
            file: file.rel.clone(),
            range,
            line: line + 1,
            column: column + 1,
            findings: Findings::default(),
            marks: Vec::new(),
            group,
        });
        if let Some(span) = span {
            self.findings_of(file).spans.push((span, idx));
        }
        idx
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: Option<String>) {
        let label = label.map(|l| shown(&l));
        self.graph.edges.push(Edge {
            from,
            to,
            kind,
            label,
        });
    }

    /// The errors and warnings of a file (computed once) and its spans.
    fn findings_of(&mut self, file: &SourceFile) -> &mut FileFindings {
        let ws = self.ws;
        self.files
            .entry(file_key(file))
            .or_insert_with(|| FileFindings {
                diags: errors_and_warnings(ws, file),
                spans: Vec::new(),
            })
    }

    /// Whether a finding (error or warning) starts inside `range`.
    fn has_finding(&mut self, file: &SourceFile, range: TextRange) -> bool {
        let d = &self.findings_of(file).diags;
        // sorted by start
        let i = d.partition_point(|d| d.range.start < range.start);
        d.get(i).is_some_and(|d| d.range.start < range.end)
    }

    fn form_group(&mut self, form: &FormUnit) -> usize {
        let name = form.name(self.ws).unwrap_or("(no name)").to_string();
        let group = self.group(GroupKind::Form, format!("form {name}"), None);
        self.head(
            format!("form_{}", slug(&name)),
            Kind::Form,
            format!("form {name}"),
            (form.file, form.root),
            form.resource,
            group,
        );
        group
    }

    /// The node a form or flow starts with: at its resource in the `.tf` file when it is one
    /// (the resource's findings its own, and those of the part of a bundle it reads outside
    /// what other nodes show), else at its `name` in its file.
    fn head(
        &mut self,
        id: String,
        kind: Kind,
        title: String,
        (file, root): (&SourceFile, &Tree),
        resource: Option<Resource>,
        group: usize,
    ) -> usize {
        match resource {
            Some(r) => {
                let (place, span) = r.place();
                let idx = self.node(
                    id,
                    kind,
                    title,
                    vec![r.address.to_string()],
                    r.file,
                    place,
                    Some(span),
                    group,
                );
                if !std::ptr::eq(file, r.file) {
                    self.findings_of(file).spans.push((root.range, idx));
                }
                idx
            }
            None => {
                let place = root
                    .get("name")
                    .map_or(analysis::opening(root.range), |n| n.range);
                self.node(
                    id,
                    kind,
                    title,
                    Vec::new(),
                    file,
                    place,
                    Some(root.range),
                    group,
                )
            }
        }
    }

    fn form_nodes(&mut self, units: &Units<'a>, form: &FormUnit<'a>, group: usize) {
        let ws = self.ws;
        let name = form.name(ws).unwrap_or("(no name)");
        let base = format!("form_{}", slug(name));
        let form_node = self
            .graph
            .nodes
            .iter()
            .rposition(|n| n.group == group && n.kind == Kind::Form)
            .unwrap_or_default();
        let model = Form::new(form.root);
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        let mut idxs = Vec::new();
        for (i, n) in model.nodes.iter().enumerate() {
            let id = n.id.and_then(Tree::as_str);
            let (kind, what) = match n.type_ {
                Some("STEP") => (Kind::Step, "STEP".to_string()),
                Some("ROUTER") => (Kind::Router, "ROUTER".to_string()),
                Some("FLOW") => (Kind::FlowStep, "FLOW".to_string()),
                Some(other) => (Kind::Step, other.to_string()),
                None => (Kind::Step, "node".to_string()),
            };
            let mut lines = Vec::new();
            let alias = n.node.get("alias").and_then(Tree::as_str);
            lines.push(match alias {
                Some(a) => format!("{what} · {a}"),
                None => what,
            });
            if !n.fields.is_empty() {
                lines.extend(wrap_list("fields: ", &n.fields, 48));
            }
            let place = n.id.map_or(analysis::opening(n.node.range), |i| i.range);
            let idx = self.node(
                format!("{base}__{}", slug(id.unwrap_or(&format!("node_{i}")))),
                kind,
                id.unwrap_or("(no id)").to_string(),
                lines,
                form.file,
                place,
                Some(n.node.range),
                group,
            );
            if let Some(id) = id {
                by_id.entry(id).or_insert(idx);
            }
            idxs.push(idx);
        }
        let mut ending = None;
        let mut target = |b: &mut Self, t: &'a Tree| -> Option<usize> {
            let to = t.as_str()?;
            if crate::model::is_marker(t) || to.contains("{{") {
                return None;
            }
            if to == ENDING {
                let e = *ending.get_or_insert_with(|| {
                    let place = form
                        .root
                        .get("ending")
                        .map_or(t.range, |e| analysis::opening(e.range));
                    b.node(
                        format!("{base}__ending"),
                        Kind::Ending,
                        ENDING.to_string(),
                        Vec::new(),
                        form.file,
                        place,
                        form.root.get("ending").map(|e| e.range),
                        group,
                    )
                });
                return Some(e);
            }
            if let Some(&i) = by_id.get(to) {
                return Some(i);
            }
            let idx = b.node(
                format!("{base}__missing_{}", slug(to)),
                Kind::Missing,
                to.to_string(),
                vec!["no node of the form has this id".into()],
                form.file,
                t.range,
                None,
                group,
            );
            b.graph.nodes[idx].marks.push(Mark::Unresolved);
            Some(idx)
        };
        if let Some(start) = model.start
            && let Some(to) = target(self, start)
        {
            self.edge(form_node, to, EdgeKind::Next, Some("start".into()));
        }
        for (n, &idx) in model.nodes.iter().zip(&idxs) {
            for t in &n.targets {
                let Some(to) = target(self, t.node) else {
                    continue;
                };
                let (kind, label) = match t.via {
                    Via::Next => (EdgeKind::Next, None),
                    Via::Fallback => (EdgeKind::Fallback, Some("fallback".to_string())),
                    Via::Rule(l) => (EdgeKind::Route, Some(l.unwrap_or("rule").to_string())),
                    Via::Component(l) => (EdgeKind::Route, Some(l.unwrap_or("button").to_string())),
                };
                self.edge(idx, to, kind, label);
            }
            for flow_id in &n.flow_ids {
                match units.started(ws, form, flow_id) {
                    Started::Flow(i) => {
                        let u = &units.flows[i];
                        let key = (u.file.path.clone(), u.root.range.start);
                        if let Some(&to) = self.flow_nodes.get(&key) {
                            self.edge(idx, to, EdgeKind::Starts, Some("starts".into()));
                        }
                    }
                    Started::Missing(name) => {
                        let m = self.node(
                            format!("{base}__missing_flow_{}", slug(&name)),
                            Kind::Missing,
                            format!("flow {name}"),
                            vec!["no flow of this name in the workspace".into()],
                            form.file,
                            flow_id.range,
                            None,
                            group,
                        );
                        self.graph.nodes[m].marks.push(Mark::Unresolved);
                        self.edge(idx, m, EdgeKind::Starts, Some("starts".into()));
                    }
                    Started::Unknown => {}
                }
            }
        }
    }

    fn flow(&mut self, flow: &FlowUnit<'a>, parent: Option<usize>) {
        let ws = self.ws;
        let name = flow.name(ws).unwrap_or("(no name)").to_string();
        let group = self.group(GroupKind::Flow, format!("flow {name}"), parent);
        let base = format!("flow_{}", slug(&name));
        let idx = self.head(
            base,
            Kind::Flow,
            format!("flow {name}"),
            (flow.file, flow.root),
            flow.resource,
            group,
        );
        self.flow_nodes
            .insert((flow.file.path.clone(), flow.root.range.start), idx);
        let base = self.graph.nodes[idx].id.clone();
        let uses: HashMap<TextRange, &ConnectionRef> =
            flow.file.uses.iter().map(|u| (u.action_range, u)).collect();
        let model = if flow.root.as_array().is_some() {
            Flow::of_actions(flow.root)
        } else {
            Flow::new(flow.root)
        };
        let mut walk = Walk {
            file: flow.file,
            base,
            group,
            uses,
            count: 0,
        };
        let exits = self.actions(&mut walk, &model.actions, vec![(idx, EdgeKind::Next)]);
        // a condition's branch that ends the flow (an `else` not given, a `then` with nothing
        // after): drawn to the flow's end, so the fork shows
        if exits
            .iter()
            .any(|(_, k)| matches!(k, EdgeKind::Then | EdgeKind::Else))
        {
            let (file, place) = {
                let head = &self.graph.nodes[idx];
                (head.path.clone(), head.range)
            };
            let file = ws.file(&file).unwrap_or(flow.file);
            let end = self.node(
                format!("{}__end", walk.base),
                Kind::Ending,
                "end of flow".into(),
                Vec::new(),
                file,
                place,
                None,
                group,
            );
            self.connect(&exits, end);
        }
    }

    /// Draws a list of actions after `entries`; returns where the list leaves off.
    fn actions(
        &mut self,
        w: &mut Walk<'a>,
        list: &[Action<'a>],
        entries: Vec<(usize, EdgeKind)>,
    ) -> Vec<(usize, EdgeKind)> {
        let mut pending = entries;
        let mut i = 0;
        // from each action: how many plain actions run from it (one pass from the end)
        let mut runs = vec![0usize; list.len() + 1];
        if self.options.fold {
            for k in (0..list.len()).rev() {
                if self.is_plain(w, &list[k]) {
                    runs[k] = runs[k + 1] + 1;
                }
            }
        }
        while i < list.len() {
            // a long run of plain actions: its first and last drawn, its middle folded
            let run = runs[i];
            if run >= FOLD_RUN {
                let first = self.action(w, &list[i]);
                self.connect(&pending, first);
                let middle = &list[i + 1..i + run - 1];
                let ids: Vec<String> = middle
                    .iter()
                    .enumerate()
                    .map(|(k, a)| {
                        a.id_str()
                            .map_or_else(|| format!("#{}", w.count + k + 1), str::to_string)
                    })
                    .collect();
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let a0 = &middle[0];
                let fold = self.node(
                    format!("{}__fold_{}", w.base, w.count),
                    Kind::Fold,
                    format!("{} more actions", middle.len()),
                    {
                        // six lines of ids at most; the rest said to be left out
                        let mut lines = wrap_list("", &ids, 48);
                        if lines.len() > 6 {
                            lines.truncate(6);
                            let shown: usize = lines
                                .iter()
                                .map(|l| l.split(", ").filter(|s| !s.trim().is_empty()).count())
                                .sum();
                            let last = &mut lines[5];
                            *last = last.trim_end().trim_end_matches(',').to_string();
                            last.push_str(&format!(
                                " … and {} more",
                                ids.len().saturating_sub(shown)
                            ));
                        }
                        lines
                    },
                    w.file,
                    a0.id.map_or(analysis::opening(a0.node.range), |n| n.range),
                    None,
                    w.group,
                );
                w.count += middle.len();
                self.edge(first, fold, EdgeKind::Next, None);
                let last = self.action(w, &list[i + run - 1]);
                self.edge(fold, last, EdgeKind::Next, None);
                pending = vec![(last, EdgeKind::Next)];
                i += run;
                continue;
            }
            let a = &list[i];
            let idx = self.action(w, a);
            self.connect(&pending, idx);
            if a.is_condition() {
                let mut exits = Vec::new();
                for (key, kind) in [("then", EdgeKind::Then), ("else", EdgeKind::Else)] {
                    match a.branches.iter().find(|b| b.key == key) {
                        Some(b) if !b.actions.is_empty() => {
                            exits.extend(self.actions(w, &b.actions, vec![(idx, kind)]));
                        }
                        _ => exits.push((idx, kind)),
                    }
                }
                pending = exits;
            } else {
                pending = vec![(idx, EdgeKind::Next)];
            }
            i += 1;
        }
        pending
    }

    fn connect(&mut self, pending: &[(usize, EdgeKind)], to: usize) {
        for &(from, kind) in pending {
            let label = match kind {
                EdgeKind::Then => Some("then".to_string()),
                EdgeKind::Else => Some("else".to_string()),
                _ => None,
            };
            self.edge(from, to, kind, label);
        }
    }

    /// An action with nothing to show but its id and type.
    fn is_plain(&mut self, w: &Walk, a: &Action) -> bool {
        a.branches.is_empty()
            && !a.is_condition()
            && a.action.is_none_or(|n| !w.uses.contains_key(&n.range))
            && !w.uses.contains_key(&a.node.range)
            && a.node.get("allow_failure").and_then(Tree::as_bool) != Some(true)
            && !self.has_finding(w.file, a.node.range)
    }

    fn action(&mut self, w: &mut Walk<'a>, a: &Action<'a>) -> usize {
        w.count += 1;
        let ws = self.ws;
        let id = a.id_str();
        let what = a
            .spec()
            .map_or_else(|| a.label(), |s| s.label().to_string());
        let mut lines = vec![what];
        let u = w
            .uses
            .get(&a.action.map_or(a.node.range, |n| n.range))
            .copied();
        if let Some(u) = u {
            match &u.need {
                Need::AnyOf { scopes, .. } if !scopes.is_empty() => {
                    let mut need = format!("needs {}", scopes[0]);
                    if scopes.len() > 1 {
                        need.push_str(&format!(" (or {})", scopes[1..].join(", ")));
                    }
                    lines.push(shorten(&need, 60));
                }
                Need::Unknown { .. } => lines.push("needs: not known here".into()),
                _ => {}
            }
        }
        let allow_failure = a.node.get("allow_failure").and_then(Tree::as_bool) == Some(true);
        if allow_failure {
            lines.push("allow_failure".into());
        }
        let missing = u.and_then(|u| {
            self.missing_at
                .get(w.file.path.as_path())?
                .get(&u.action_range)
        });
        if let Some(m) = missing {
            lines.push(format!("missing {}", m.join(", ")));
        }
        let missing = missing.is_some();
        let place = a.id.map_or(analysis::opening(a.node.range), |n| n.range);
        let title = id.map_or_else(|| format!("action #{}", w.count), str::to_string);
        let idx = self.node(
            format!(
                "{}__{}",
                w.base,
                id.map_or_else(|| format!("action_{}", w.count), slug)
            ),
            Kind::Action,
            title,
            lines,
            w.file,
            place,
            Some(a.node.range),
            w.group,
        );
        if allow_failure {
            self.graph.nodes[idx].marks.push(Mark::AllowFailure);
        }
        if missing {
            self.graph.nodes[idx].marks.push(Mark::MissingScope);
        }
        // a `##KEY##` marker of unknown value names only a connection named by the same marker
        let u = u.filter(|u| !u.unknown || ws.resolve_use(w.file, u).is_some());
        // a token a `.tf` file replaces by an unknown value names no connection flowls knows
        let u = u.filter(|u| {
            ws.replaced_use(&w.file.path, u)
                .is_none_or(|r| r.reference.is_some())
        });
        if let Some(u) = u {
            // a tenant's literal id that an `import` block maps to a resource is that resource
            // (as `tenant-specific-id` says)
            let imported = || {
                let to = ws.index().imports.get(&u.connection)?;
                ws.resolve_connection(&format!("{to}.id"))
            };
            let to = match ws.resolve_use(w.file, u).or_else(imported) {
                Some(v) => self.connection(v),
                None if self.missing_connections.contains_key(&u.shown) => {
                    self.missing_connections[&u.shown]
                }
                None => {
                    let group = self.connections_group();
                    let m = self.node(
                        format!("connection_missing_{}", slug(&u.shown)),
                        Kind::Missing,
                        format!("connection {}", u.shown),
                        vec!["no vault connection of this name".into()],
                        w.file,
                        u.range,
                        None,
                        group,
                    );
                    self.graph.nodes[m].marks.push(Mark::Unresolved);
                    self.missing_connections.insert(u.shown.clone(), m);
                    m
                }
            };
            self.edge(idx, to, EdgeKind::Uses, Some("uses".into()));
        }
        idx
    }

    /// The group of the connections and applications, made on first use (and then kept: a
    /// search of the groups per action would be quadratic in a big workspace).
    fn connections_group(&mut self) -> usize {
        if let Some(g) = self.connections_group {
            return g;
        }
        let g = self.group(
            GroupKind::Connections,
            "vault connections and M2M applications".into(),
            None,
        );
        self.connections_group = Some(g);
        g
    }

    /// The node of a vault connection, added on first use.
    fn connection(&mut self, v: &VaultInfo) -> usize {
        let key = (v.path.clone(), v.entry, v.name_range);
        if let Some(&i) = self.connections.get(&key) {
            return i;
        }
        let Some(file) = self.ws.file(&v.path) else {
            // the index names a file the workspace holds: never reached
            return 0;
        };
        let group = self.connections_group();
        let name = v.name.as_deref().unwrap_or("(no name)");
        let mut lines = vec![match (&v.app_id, v.declared) {
            (Some(app), false) => format!("{app} connection"),
            (Some(app), true) => format!("{app} connection, in the tenant (flowls.toml)"),
            (None, _) => "connection".to_string(),
        }];
        if let Some(d) = &v.domain_shown {
            lines.push(d.clone());
        }
        let span = match (v.entry, v.declared) {
            (_, true) => v.name_range,
            (Some(e), _) => e,
            (None, _) => file.parse.root.as_ref().map_or(v.name_range, |r| r.range),
        };
        let idx = self.node(
            format!("connection_{}", slug(name)),
            Kind::Connection,
            name.to_string(),
            lines,
            file,
            v.name_range,
            Some(span),
            group,
        );
        self.connections.insert(key, idx);
        idx
    }

    /// The M2M applications behind the drawn AUTH0 connections, with their scopes.
    fn applications(&mut self) {
        let ws = self.ws;
        let report = self.report;
        // the drawn connections by name (one look-up per connection of each application)
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for &i in self.connections.values() {
            by_name
                .entry(&self.graph.nodes[i].title)
                .or_default()
                .push(i);
        }
        let by_name: HashMap<String, Vec<usize>> = by_name
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        // every drawn AUTH0 connection's application, also one nothing is needed from
        for app in report.applications.iter().chain(&report.idle) {
            let mut members: Vec<usize> = app
                .connections
                .iter()
                .flat_map(|c| by_name.get(&shown(c)).into_iter().flatten().copied())
                .collect();
            members.sort_unstable();
            members.dedup();
            if members.is_empty() {
                continue;
            }
            let title = match &app.client {
                Some(c) => format!("M2M application {c}"),
                None => format!("M2M application of {}", app.connections.join(", ")),
            };
            let names: Vec<&str> = app.needed.iter().map(|n| n.scope.as_str()).collect();
            let mut lines = Vec::new();
            if names.is_empty() {
                lines.push("needs no scope".to_string());
            } else {
                lines.extend(wrap_list("needs: ", &names, 48));
            }
            if !app.unknown.is_empty() {
                lines.push(format!(
                    "{} action(s) whose need is not known here",
                    app.unknown.len()
                ));
            }
            match &app.granted {
                Some(g) => {
                    let granted: Vec<&str> = g.scopes.iter().map(String::as_str).collect();
                    let head = format!("granted ({}): ", g.source);
                    if granted.is_empty() {
                        lines.push(format!("{head}none"));
                    } else {
                        lines.extend(wrap_list(&head, &granted, 48));
                    }
                }
                None => lines.push("granted: not known (see flowls.toml)".to_string()),
            }
            let missing: Vec<&str> = app.missing.iter().map(String::as_str).collect();
            if !missing.is_empty() {
                lines.extend(wrap_list("missing: ", &missing, 48));
            }
            let excess: Vec<&str> = app.excess.iter().map(String::as_str).collect();
            if !excess.is_empty() {
                lines.extend(wrap_list("excess: ", &excess, 48));
            }
            // its place: the grant (or flowls.toml entry) its scopes were read from, else its
            // first connection
            let (path, range, span) = self.app_place(app).unwrap_or_else(|| {
                let n = &self.graph.nodes[members[0]];
                (n.path.clone(), n.range, None)
            });
            let Some(file) = ws.file(&path) else {
                continue;
            };
            let group = self.connections_group();
            let idx = self.node(
                format!(
                    "app_{}",
                    slug(app.client.as_deref().unwrap_or(&app.connections.join("_")))
                ),
                Kind::Application,
                title,
                lines,
                file,
                range,
                span,
                group,
            );
            if !app.missing.is_empty() {
                self.graph.nodes[idx].marks.push(Mark::MissingScope);
            }
            if !app.excess.is_empty() {
                self.graph.nodes[idx].marks.push(Mark::ExcessScope);
            }
            for m in members {
                self.edge(m, idx, EdgeKind::App, None);
            }
        }
    }

    /// Where an application's granted scopes were read: a grant (its entry), or its
    /// `flowls.toml` entry; with the span whose findings are the application's.
    fn app_place(
        &self,
        app: &least_privilege::Application,
    ) -> Option<(PathBuf, TextRange, Option<TextRange>)> {
        let g = app.granted.as_ref()?;
        let index = self.ws.index();
        match g.source {
            "grant" => {
                let grant = index
                    .grants
                    .iter()
                    .find(|x| Some(&x.rel) == g.file.as_ref() && x.entry == g.entry)?;
                let file = self.ws.file(&grant.path)?;
                let span = grant
                    .entry
                    .or_else(|| file.parse.root.as_ref().map(|r| r.range))?;
                Some((grant.path.clone(), analysis::opening(span), Some(span)))
            }
            "flowls.toml" => {
                let (path, config) = index.project.as_ref()?;
                let config = config.as_ref().ok()?;
                let c = app
                    .connections
                    .iter()
                    .find_map(|name| config.connections.get(name))?;
                Some((path.clone(), c.name_range, None))
            }
            _ => None,
        }
    }

    /// Gives each node the findings that start inside its innermost span.
    fn finish(&mut self) {
        for FileFindings { diags, mut spans } in std::mem::take(&mut self.files).into_values() {
            // outer spans first at one start, so the innermost is on top of the stack
            spans.sort_by(|a, b| {
                (a.0.start, std::cmp::Reverse(a.0.end))
                    .cmp(&(b.0.start, std::cmp::Reverse(b.0.end)))
            });
            let mut stack: Vec<(TextRange, usize)> = Vec::new();
            let mut j = 0;
            for d in &diags {
                let at = d.range.start;
                while j < spans.len() && spans[j].0.start <= at {
                    while stack.last().is_some_and(|(s, _)| s.end <= spans[j].0.start) {
                        stack.pop();
                    }
                    stack.push(spans[j]);
                    j += 1;
                }
                while stack
                    .last()
                    .is_some_and(|(s, _)| s.end <= at && !(s.is_empty() && s.start == at))
                {
                    stack.pop();
                }
                let Some(&(_, idx)) = stack.last() else {
                    continue;
                };
                let f = &mut self.graph.nodes[idx].findings;
                match d.severity {
                    Severity::Error => f.errors += 1,
                    _ => f.warnings += 1,
                }
                let replace = f.first.is_none() || (d.severity == Severity::Error && f.errors == 1);
                if replace {
                    f.first = Some(escape_control(&d.message, false).into_owned());
                }
            }
        }
        for n in &mut self.graph.nodes {
            if n.findings.errors > 0 {
                n.marks.push(Mark::HasError);
            } else if n.findings.warnings > 0 {
                n.marks.push(Mark::HasWarning);
            }
            n.marks.sort();
            n.marks.dedup();
        }
    }
}

struct Walk<'a> {
    file: &'a SourceFile,
    /// The flow node's id, which its actions' ids begin with.
    base: String,
    group: usize,
    /// The file's connection uses by their action's `action` range.
    uses: HashMap<TextRange, &'a ConnectionRef>,
    /// Actions drawn so far (for ids and titles of actions without an id).
    count: usize,
}

/// Text from the repository as it may be shown: control characters and bidirectional
/// overrides escaped.
fn shown(s: &str) -> String {
    escape_control(s, false).into_owned()
}

/// At most `max` characters, with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `head` then the items joined by ", ", in lines of about `width` characters.
fn wrap_list(head: &str, items: &[&str], width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = head.to_string();
    let mut first = true;
    for item in items {
        let item = shorten(item, width);
        if !first && line.chars().count() + item.chars().count() + 2 > width {
            line.push(',');
            out.push(std::mem::take(&mut line));
            line.push_str("  ");
            first = true;
        }
        if !first {
            line.push_str(", ");
        }
        line.push_str(&item);
        first = false;
    }
    out.push(line);
    out
}

/// `f` of each item, on the machine's cores (at most 4 threads), in order.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            break;
                        };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// A name as a part of an id: lowercase ASCII letters and digits, other runs as one `_` (parts
/// of an id are joined by `__`).
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_matches('_');
    if out.is_empty() {
        "x".to_string()
    } else {
        out.to_string()
    }
}

#[cfg(test)]
mod tests;
