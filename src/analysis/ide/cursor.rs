//! Where a cursor is in a document: at a key, at a value, at an array item or inside a
//! `{{ … }}` expression — also in half-typed documents — and what the enclosing objects are
//! (a flow, an action, its params, a vault, its setup).

use crate::model::DocKind;
use crate::model::flow::Action;
use crate::syntax::{Node, NodeKind, TextRange};

/// One step from the root: a key or an index, with the node it leads to.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    pub key: Option<&'a str>,
    pub node: &'a Node,
}

#[derive(Debug, Clone)]
pub enum Slot<'a> {
    /// Where a key goes (or is being typed) in `object`; `replace` covers the partial key.
    Key {
        object: &'a Node,
        replace: TextRange,
    },
    /// The value of `key` (`node` when something is there already).
    Value {
        object: &'a Node,
        key: &'a str,
        node: Option<&'a Node>,
        replace: TextRange,
    },
    /// An element of an array.
    Item {
        array: &'a Node,
        replace: TextRange,
    },
    /// Inside `{{ … }}` in a string: `prefix` is the expression text before the cursor.
    Expression {
        string: &'a Node,
        start: usize,
        prefix: String,
    },
    /// An empty document.
    Empty,
    None,
}

#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    pub offset: usize,
    /// The containers from the root down to the slot's object or array.
    pub path: Vec<Step<'a>>,
    pub slot: Slot<'a>,
}

fn prev_significant(text: &str, offset: usize) -> Option<u8> {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        .copied()
}

/// Whether a container's range holds `offset` inside its brackets.
fn inside(node: &Node, text: &str, offset: usize) -> bool {
    let (s, e) = (node.range.start as usize, node.range.end as usize);
    if offset <= s {
        return false;
    }
    if offset < e {
        return true;
    }
    // an unclosed container ends at its last child: the cursor after it is still inside,
    // across white space, `:` and `,`
    !matches!(text.as_bytes().get(e.wrapping_sub(1)), Some(b'}' | b']'))
        && text.get(e..offset).is_some_and(|gap| {
            gap.bytes()
                .all(|b| b.is_ascii_whitespace() || b == b':' || b == b',')
        })
}

/// Where the scan of an array's items for `offset` may begin: the items are in text order,
/// and one that ends before the last item starting before the cursor cannot hold it (that
/// item's text lies between); empty items (what recovery puts for a missing value) hold no
/// text, so the scan begins before them too. An array of 20,000 actions is not walked.
fn first_candidate(items: &[Node], offset: usize) -> usize {
    let mut from = items
        .partition_point(|v| (v.range.start as usize) < offset)
        .saturating_sub(1);
    while from > 0 && items[from].range.start == items[from].range.end {
        from -= 1;
    }
    from.saturating_sub(1)
}

fn scalar_holds(node: &Node, offset: usize) -> bool {
    let r = node.range;
    match node.kind {
        NodeKind::String(_) => (r.start as usize) < offset && offset <= r.end as usize,
        _ => (r.start as usize) <= offset && offset <= r.end as usize,
    }
}

/// The cursor at byte `offset` of `text`. Long: one walk down the tree that tells key, value,
/// array item, expression and half-typed text apart, in one place so their order is clear.
pub fn at<'a>(root: Option<&'a Node>, text: &'a str, offset: usize) -> Cursor<'a> {
    let Some(root) = root else {
        return Cursor {
            offset,
            path: Vec::new(),
            slot: if text.trim().is_empty() {
                Slot::Empty
            } else {
                Slot::None
            },
        };
    };
    let mut path = vec![Step {
        key: None,
        node: root,
    }];
    if !inside(root, text, offset) {
        return Cursor {
            offset,
            path: Vec::new(),
            slot: Slot::None,
        };
    }
    let mut cur = root;
    loop {
        match &cur.kind {
            NodeKind::Object(members) => {
                let mut next = None;
                for m in members {
                    if scalar_holds_key(m.key_range, offset) {
                        return Cursor {
                            offset,
                            path,
                            slot: Slot::Key {
                                object: cur,
                                replace: m.key_range,
                            },
                        };
                    }
                    if let Some(v) = &m.value {
                        if matches!(v.kind, NodeKind::Object(_) | NodeKind::Array(_)) {
                            if inside(v, text, offset) {
                                next = Some((m.key.as_str(), v));
                                break;
                            }
                        } else if scalar_holds(v, offset) {
                            let slot = value_slot(cur, &m.key, v, text, offset);
                            return Cursor { offset, path, slot };
                        }
                    }
                }
                match next {
                    Some((key, v)) => {
                        path.push(Step {
                            key: Some(key),
                            node: v,
                        });
                        cur = v;
                    }
                    None => {
                        let slot = match prev_significant(text, offset) {
                            Some(b':') => {
                                // the member whose key comes last before the cursor
                                match members
                                    .iter()
                                    .rev()
                                    .find(|m| (m.key_range.end as usize) <= offset)
                                {
                                    Some(m) => Slot::Value {
                                        object: cur,
                                        key: &m.key,
                                        node: None,
                                        replace: TextRange::empty(offset),
                                    },
                                    None => Slot::None,
                                }
                            }
                            _ => Slot::Key {
                                object: cur,
                                replace: TextRange::empty(offset),
                            },
                        };
                        return Cursor { offset, path, slot };
                    }
                }
            }
            NodeKind::Array(items) => {
                let mut next = None;
                for v in &items[first_candidate(items, offset)..] {
                    if matches!(v.kind, NodeKind::Object(_) | NodeKind::Array(_)) {
                        if inside(v, text, offset) {
                            next = Some(v);
                            break;
                        }
                    } else if scalar_holds(v, offset) {
                        return Cursor {
                            offset,
                            path,
                            slot: Slot::Item {
                                array: cur,
                                replace: v.range,
                            },
                        };
                    }
                }
                match next {
                    Some(v) => {
                        path.push(Step { key: None, node: v });
                        cur = v;
                    }
                    None => {
                        return Cursor {
                            offset,
                            path,
                            slot: Slot::Item {
                                array: cur,
                                replace: TextRange::empty(offset),
                            },
                        };
                    }
                }
            }
            _ => {
                return Cursor {
                    offset,
                    path,
                    slot: Slot::None,
                };
            }
        }
    }
}

fn scalar_holds_key(r: TextRange, offset: usize) -> bool {
    (r.start as usize) < offset && offset <= r.end as usize
}

fn value_slot<'a>(
    object: &'a Node,
    key: &'a str,
    v: &'a Node,
    text: &str,
    offset: usize,
) -> Slot<'a> {
    if let NodeKind::String(_) = v.kind {
        let raw = &text[v.range.as_usize()];
        let rel = offset - v.range.start as usize;
        if let Some(open) = raw[..rel].rfind("{{")
            && !raw[open..rel].contains("}}")
        {
            let start = v.range.start as usize + open + 2;
            return Slot::Expression {
                string: v,
                start,
                prefix: text[start..offset].to_string(),
            };
        }
    }
    Slot::Value {
        object,
        key,
        node: Some(v),
        replace: v.range,
    }
}

/// What an object in a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    FlowRoot,
    Action,
    /// The `params` of an action (the action object is given separately).
    Params,
    VaultRoot,
    Setup,
    /// Entries of a deploy-cli YAML: `clientGrants:`, `flows:`, `forms:`.
    GrantEntry,
    FlowEntry,
    FormEntry,
    Other,
}

impl<'a> Cursor<'a> {
    /// The role of the innermost container, and the action that encloses it (if any).
    pub fn role(&self, kind: DocKind) -> (Role, Option<Action<'a>>) {
        let mut role = Role::Other;
        let mut action: Option<&'a Node> = None;
        for (i, step) in self.path.iter().enumerate() {
            let parent_key = step.key;
            role = match (kind, i, role, parent_key) {
                (DocKind::Flow, 0, _, _) => Role::FlowRoot,
                (DocKind::Vault, 0, _, _) => Role::VaultRoot,
                (DocKind::Vault | DocKind::Tenant, _, Role::VaultRoot, Some("setup")) => {
                    Role::Setup
                }
                // the entries of a deploy-cli YAML's sections
                (DocKind::Tenant, 2, _, None) => match self.path[1].key {
                    Some(crate::model::tenant::VAULTS) => Role::VaultRoot,
                    Some(crate::model::tenant::GRANTS) => Role::GrantEntry,
                    Some("flows") => Role::FlowEntry,
                    Some("forms") => Role::FormEntry,
                    _ => Role::Other,
                },
                // `actions` of the root, or `then` / `else` of a condition's params
                (DocKind::Flow, _, Role::Other, None) if self.is_action_list(i) => {
                    action = Some(step.node);
                    Role::Action
                }
                (DocKind::Flow, _, Role::Action, Some("params")) => Role::Params,
                _ => Role::Other,
            };
        }
        (role, action.map(Action::new))
    }

    fn is_action_list(&self, i: usize) -> bool {
        // path[i] is an element of the array path[i-1], reached by key from path[i-2]
        if i < 2 || self.path[i].key.is_some() {
            return false;
        }
        let list_key = self.path[i - 1].key;
        match list_key {
            Some("actions") => i == 2,
            Some("then" | "else") => {
                i >= 4 && self.path[i - 2].key == Some("params") && {
                    let a = Action::new(self.path[i - 3].node);
                    a.is_condition()
                }
            }
            _ => false,
        }
    }

    /// The list of actions the slot's array is, if it is one (`actions`, `then`, `else`).
    pub fn in_action_list(&self) -> bool {
        let n = self.path.len();
        if n == 0 {
            return false;
        }
        match self.path[n - 1].key {
            Some("actions") => n == 2,
            Some("then" | "else") => n >= 3 && self.path[n - 2].key == Some("params"),
            _ => false,
        }
    }
}

/// A resource block of a `.tf` file: its labels, the start of its body and its tree.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    /// The resource type (`auth0_flow`, …).
    pub kind: &'a str,
    /// `TYPE.NAME`.
    pub address: &'a str,
    /// `"TYPE" "NAME"`.
    pub labels: TextRange,
    /// The body's `{`.
    pub body_start: usize,
    pub node: &'a Node,
}

impl Resource<'_> {
    /// What its body reads as: the document kind of the same JSON elsewhere.
    pub fn doc_kind(&self) -> DocKind {
        use crate::syntax::hcl;
        match self.kind {
            hcl::FLOW => DocKind::Flow,
            hcl::FORM => DocKind::Form,
            hcl::VAULT_CONNECTION => DocKind::Vault,
            hcl::CLIENT_GRANT => DocKind::Grant,
            _ => DocKind::Other,
        }
    }
}

/// The resource block of a `.tf` tree that holds `offset` (its labels or its body).
pub fn resource_at<'a>(root: &'a Node, text: &str, offset: usize) -> Option<Resource<'a>> {
    use crate::syntax::hcl;
    hcl::resources(root).find_map(|(kind, address, node)| {
        let r = node.range;
        if offset < r.start as usize || offset > r.end as usize {
            return None;
        }
        let labels = root.member(address)?.key_range;
        let after = labels.end as usize;
        let body_start = after + text.get(after..)?.find('{')?;
        Some(Resource {
            kind,
            address,
            labels,
            body_start,
            node,
        })
    })
}

/// The cursor at `offset` of a document, and the kind of document it is in: a `.tf` file's
/// resource body reads as the JSON document it stands for (an `auth0_flow` as a flow, …), so
/// every feature finds the same roles there; elsewhere in a `.tf` file there is nothing.
pub fn in_document<'a>(
    kind: DocKind,
    root: Option<&'a Node>,
    text: &'a str,
    offset: usize,
) -> (DocKind, Cursor<'a>) {
    if kind != DocKind::Terraform {
        return (kind, at(root, text, offset));
    }
    let none = Cursor {
        offset,
        path: Vec::new(),
        slot: Slot::None,
    };
    let Some(res) = root.and_then(|r| resource_at(r, text, offset)) else {
        return (DocKind::Terraform, none);
    };
    if offset <= res.body_start {
        return (res.doc_kind(), none);
    }
    (res.doc_kind(), at(Some(res.node), text, offset))
}

/// The flow at `offset` of a file: a flow document's root, or the `auth0_flow` resource of a
/// `.tf` file that holds the offset.
pub fn flow_root(file: &crate::workspace::SourceFile, offset: usize) -> Option<&Node> {
    let root = file.parse.root.as_ref()?;
    if file.kind != DocKind::Terraform {
        return Some(root);
    }
    let res = resource_at(root, &file.text, offset)?;
    (res.kind == crate::syntax::hcl::FLOW).then_some(res.node)
}
