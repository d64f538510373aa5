//! A view of a form (deploy-cli `forms/*.json`, or the `form` of an export bundle): its nodes
//! (`STEP` with components, `FLOW` naming a flow, `ROUTER` with rules and a fallback), where
//! each goes next, and the field ids its components define.

use crate::syntax::{Node, TextRange};

/// The end of a form, which `next_node` may name besides a node id.
pub const ENDING: &str = "$ending";

#[derive(Debug)]
pub struct Form<'a> {
    pub root: &'a Node,
    pub nodes: Vec<FormNode<'a>>,
    /// `start.next_node`.
    pub start: Option<&'a Node>,
    /// `start.hidden_fields[].key`: fields a flow reads too (`{{fields.KEY}}`).
    pub hidden_fields: Vec<&'a str>,
    /// `ending.after_submit.flow_id`: the flow that runs when the form is submitted.
    pub ending_flow: Option<&'a Node>,
}

#[derive(Debug)]
pub struct FormNode<'a> {
    /// The node's object.
    pub node: &'a Node,
    pub id: Option<&'a Node>,
    pub type_: Option<&'a str>,
    /// Every `next_node`, router rule target and fallback of the node (and of its jump
    /// buttons), as written, with the way it is taken.
    pub targets: Vec<Target<'a>>,
    /// Every `flow_id` the node holds: a `FLOW` node's, and its components' (a resend button
    /// starts a flow too; deploy-cli names flows by name in all of them).
    pub flow_ids: Vec<&'a Node>,
    /// The ids of a `STEP` node's components.
    pub fields: Vec<&'a str>,
}

/// One way out of a form node.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub via: Via<'a>,
    /// The target as written (a node id, or [`ENDING`]).
    pub node: &'a Node,
}

/// How a [`Target`] is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via<'a> {
    /// `config.next_node`.
    Next,
    /// A router rule, by its `alias` (else its `id`).
    Rule(Option<&'a str>),
    /// A router's `fallback`.
    Fallback,
    /// A component's (jump button's) `next_node`, by the component's `id`.
    Component(Option<&'a str>),
}

impl<'a> Form<'a> {
    pub fn new(root: &'a Node) -> Form<'a> {
        let nodes = root
            .get("nodes")
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .map(FormNode::new)
            .collect();
        let start = root.get("start");
        Form {
            root,
            nodes,
            start: start.and_then(|s| s.get("next_node")),
            hidden_fields: start
                .and_then(|s| s.get("hidden_fields"))
                .and_then(Node::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(|h| h.get("key")?.as_str())
                .collect(),
            ending_flow: root
                .get("ending")
                .and_then(|e| e.get("after_submit"))
                .and_then(|a| a.get("flow_id")),
        }
    }

    /// Every `flow_id` node of the form: its `FLOW` nodes' and components', and its ending's.
    pub fn flow_id_nodes(&self) -> impl Iterator<Item = &'a Node> + '_ {
        self.nodes
            .iter()
            .flat_map(|n| n.flow_ids.iter().copied())
            .chain(self.ending_flow)
    }

    /// Every field id the form defines: its components', and its start's hidden fields.
    pub fn fields(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.nodes
            .iter()
            .flat_map(|n| n.fields.iter().copied())
            .chain(self.hidden_fields.iter().copied())
    }

    /// Whether some of the form's fields are not known here: its `nodes`, a node, a node's
    /// `components`, a component or its `id`, or the start's `hidden_fields` (or one of them)
    /// is an unknown Terraform value (`components = var.comps`).
    pub fn fields_unknown(&self) -> bool {
        use crate::syntax::hcl::is_unknown;
        let unknown_in = |list: Option<&Node>, key: &str| {
            list.is_some_and(|l| {
                is_unknown(l)
                    || l.as_array()
                        .unwrap_or_default()
                        .iter()
                        .any(|c| is_unknown(c) || c.get(key).is_some_and(is_unknown))
            })
        };
        let nodes = self.root.get("nodes");
        nodes.is_some_and(is_unknown)
            || self.nodes.iter().any(|n| {
                is_unknown(n.node)
                    || n.node
                        .get("config")
                        .is_some_and(|c| is_unknown(c) || unknown_in(c.get("components"), "id"))
            })
            || unknown_in(
                self.root.get("start").and_then(|s| s.get("hidden_fields")),
                "key",
            )
    }

    /// Every `flow_id` of the form (its `FLOW` nodes', its components' and its ending's), with
    /// its range.
    pub fn flow_refs(&self) -> Vec<(&'a str, TextRange)> {
        self.flow_id_nodes()
            .filter_map(|f| Some((f.as_str()?, f.range)))
            .collect()
    }
}

impl<'a> FormNode<'a> {
    fn new(node: &'a Node) -> FormNode<'a> {
        let config = node.get("config");
        let mut targets: Vec<Target> = Vec::new();
        let str_of = |n: &'a Node, key: &str| n.get(key).and_then(Node::as_str);
        if let Some(c) = config {
            let mut push = |via, t: Option<&'a Node>| {
                targets.extend(t.map(|node| Target { via, node }));
            };
            push(Via::Next, c.get("next_node"));
            push(Via::Fallback, c.get("fallback"));
            for rule in c.get("rules").and_then(Node::as_array).unwrap_or_default() {
                let label = str_of(rule, "alias").or_else(|| str_of(rule, "id"));
                push(Via::Rule(label), rule.get("next_node"));
            }
        }
        let components = config
            .and_then(|c| c.get("components"))
            .and_then(Node::as_array)
            .unwrap_or_default();
        let fields = components
            .iter()
            .filter(|c| c.get("category").and_then(Node::as_str) != Some("BLOCK"))
            .filter_map(|c| c.get("id").and_then(Node::as_str))
            .collect();
        for c in components {
            if let Some(next) = c.get("config").and_then(|cc| cc.get("next_node")) {
                targets.push(Target {
                    via: Via::Component(str_of(c, "id")),
                    node: next,
                });
            }
        }
        let component_configs = components.iter().filter_map(|c| c.get("config"));
        let flow_ids = config
            .and_then(|c| c.get("flow_id"))
            .into_iter()
            .chain(component_configs.filter_map(|c| c.get("flow_id")))
            .collect();
        FormNode {
            node,
            id: node.get("id"),
            type_: node.get("type").and_then(Node::as_str),
            targets,
            flow_ids,
            fields,
        }
    }
}
