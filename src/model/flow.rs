//! Views of a flow document and its actions (a tree: `FLOW/BOOLEAN_CONDITION` nests `then`
//! and `else` lists).

use crate::catalogue::{ActionSpec, Catalogue};
use crate::syntax::Node;

#[derive(Debug)]
pub struct Flow<'a> {
    pub root: &'a Node,
    pub name: Option<&'a Node>,
    pub actions_node: Option<&'a Node>,
    pub actions: Vec<Action<'a>>,
}

#[derive(Debug)]
pub struct Action<'a> {
    pub node: &'a Node,
    pub id: Option<&'a Node>,
    pub ty: Option<&'a Node>,
    pub action: Option<&'a Node>,
    pub params: Option<&'a Node>,
    pub branches: Vec<Branch<'a>>,
    /// The catalogue entry of `type` + `action`, looked up once.
    spec: Option<&'static ActionSpec>,
}

/// A nested list of actions: `then` or `else` of a condition.
#[derive(Debug)]
pub struct Branch<'a> {
    pub key: &'static str,
    pub actions: Vec<Action<'a>>,
}

/// The action ids that have run before a point of the flow: surely, or only in some branch
/// of an earlier condition. One value for a whole walk: what a list or branch adds is taken
/// back when the walk leaves it, so nested conditions cost no copies.
#[derive(Debug, Clone, Default)]
pub struct Before<'a> {
    /// In execution order.
    pub surely: Vec<&'a str>,
    pub maybe: Vec<&'a str>,
    /// How many times each id is in `surely` / `maybe` (ids may repeat).
    surely_count: foldhash::HashMap<&'a str, u32>,
    maybe_count: foldhash::HashMap<&'a str, u32>,
}

impl<'a> Before<'a> {
    pub fn has_run(&self, id: &str) -> bool {
        self.surely_count.contains_key(id)
    }
    pub fn may_have_run(&self, id: &str) -> bool {
        self.maybe_count.contains_key(id)
    }
    fn ran(&mut self, id: Option<&'a str>) {
        if let Some(id) = id {
            self.surely.push(id);
            *self.surely_count.entry(id).or_default() += 1;
        }
    }
    fn ran_maybe(&mut self, ids: Vec<&'a str>) {
        for id in ids {
            self.maybe.push(id);
            *self.maybe_count.entry(id).or_default() += 1;
        }
    }
    fn mark(&self) -> (usize, usize) {
        (self.surely.len(), self.maybe.len())
    }
    /// Takes back everything added since `mark`.
    fn rollback(&mut self, (surely, maybe): (usize, usize)) {
        fn pop<'a>(
            list: &mut Vec<&'a str>,
            count: &mut foldhash::HashMap<&'a str, u32>,
            to: usize,
        ) {
            for id in list.drain(to..) {
                if let Some(n) = count.get_mut(id) {
                    *n -= 1;
                    if *n == 0 {
                        count.remove(id);
                    }
                }
            }
        }
        pop(&mut self.surely, &mut self.surely_count, surely);
        pop(&mut self.maybe, &mut self.maybe_count, maybe);
    }
}

impl<'a> Flow<'a> {
    /// Calls `f` for every action in execution order with what has run before it. Inside a
    /// condition's `then` / `else`, the condition itself counts as run.
    pub fn visit<'b>(&'b self, f: &mut impl FnMut(&'b Action<'a>, &Before<'a>)) {
        // the outermost list's record is dropped, not taken back id by id
        let n = self.actions.len();
        let mut before = Before {
            surely: Vec::with_capacity(n),
            surely_count: foldhash::HashMap::with_capacity_and_hasher(n, Default::default()),
            ..Default::default()
        };
        visit_list(&self.actions, &mut before, f, false);
    }

    pub fn new(root: &'a Node) -> Flow<'a> {
        let actions_node = root.get("actions");
        Flow {
            root,
            name: root.get("name"),
            actions_node,
            actions: actions_node.map(actions_of).unwrap_or_default(),
        }
    }

    /// The flow a bare `actions` list is (a JSON file a `.tf` resource reads as its `actions`,
    /// `actions = file("flows/x.json")`): no name, those actions.
    pub fn of_actions(list: &'a Node) -> Flow<'a> {
        Flow {
            root: list,
            name: None,
            actions_node: Some(list),
            actions: actions_of(list),
        }
    }

    /// The first action with this id, at any depth.
    pub fn action(&self, id: &str) -> Option<&Action<'a>> {
        self.all_actions()
            .into_iter()
            .find(|a| a.id_str() == Some(id))
    }

    /// Every action, depth first in execution order.
    pub fn all_actions(&self) -> Vec<&Action<'a>> {
        fn walk<'b, 'a>(list: &'b [Action<'a>], out: &mut Vec<&'b Action<'a>>) {
            for a in list {
                out.push(a);
                for b in &a.branches {
                    walk(&b.actions, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.actions, &mut out);
        out
    }
}

/// Visits `list`; `nested`: whether what it ran is then taken back for the list it is in.
fn visit_list<'a, 'b>(
    list: &'b [Action<'a>],
    before: &mut Before<'a>,
    f: &mut impl FnMut(&'b Action<'a>, &Before<'a>),
    nested: bool,
) {
    let start = before.mark();
    for a in list {
        f(a, before);
        for branch in &a.branches {
            let inside = before.mark();
            before.ran(a.id_str());
            visit_list(&branch.actions, before, f, true);
            before.rollback(inside);
        }
        before.ran(a.id_str());
        let mut nested = Vec::new();
        for b in &a.branches {
            nested_ids(&b.actions, &mut nested);
        }
        before.ran_maybe(nested);
    }
    // what this list ran is not seen by the list it is nested in
    if nested {
        before.rollback(start);
    }
}

fn nested_ids<'a>(list: &[Action<'a>], out: &mut Vec<&'a str>) {
    for a in list {
        out.extend(a.id_str());
        for b in &a.branches {
            nested_ids(&b.actions, out);
        }
    }
}

fn actions_of(list: &Node) -> Vec<Action<'_>> {
    let items = list.as_array().unwrap_or_default();
    let mut out = Vec::with_capacity(items.len());
    out.extend(
        items
            .iter()
            .filter(|n| n.as_object().is_some())
            .map(Action::new),
    );
    out
}

impl<'a> Action<'a> {
    pub fn new(node: &'a Node) -> Action<'a> {
        // one pass over the members; the last of a repeated key counts, as in `Node::get`
        let (mut id, mut ty, mut name, mut params) = (None, None, None, None);
        for m in node.as_object().unwrap_or_default().iter().rev() {
            let slot = match m.key.as_str() {
                "id" => &mut id,
                "type" => &mut ty,
                "action" => &mut name,
                "params" => &mut params,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(m.value.as_ref());
            }
        }
        let (ty, name): (Option<&Node>, Option<&Node>) = (ty.flatten(), name.flatten());
        let spec = match (ty.and_then(Node::as_str), name.and_then(Node::as_str)) {
            (Some(t), Some(a)) => Catalogue::get().action(t, a),
            _ => None,
        };
        let params = params.flatten();
        let mut action = Action {
            node,
            id: id.flatten(),
            ty,
            action: name,
            params,
            branches: Vec::new(),
            spec,
        };
        if action.is_condition()
            && let Some(p) = params
        {
            for key in ["then", "else"] {
                if let Some(list) = p.get(key) {
                    action.branches.push(Branch {
                        key,
                        actions: actions_of(list),
                    });
                }
            }
        }
        action
    }

    pub fn id_str(&self) -> Option<&'a str> {
        self.id.and_then(Node::as_str)
    }
    pub fn type_str(&self) -> Option<&'a str> {
        self.ty.and_then(Node::as_str)
    }
    pub fn action_str(&self) -> Option<&'a str> {
        self.action.and_then(Node::as_str)
    }
    pub fn spec(&self) -> Option<&'static ActionSpec> {
        self.spec
    }
    /// `FLOW/BOOLEAN_CONDITION`, whose params hold `then` / `else` action lists.
    pub fn is_condition(&self) -> bool {
        self.spec().is_some_and(ActionSpec::is_boolean_condition)
    }
    pub fn param(&self, key: &str) -> Option<&'a Node> {
        self.params?.get(key)
    }
    /// `TYPE/ACTION` for messages.
    pub fn label(&self) -> String {
        format!(
            "{}/{}",
            self.type_str().unwrap_or("?"),
            self.action_str().unwrap_or("?")
        )
    }
}
