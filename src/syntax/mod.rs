//! Text → an error-tolerant JSON tree with byte ranges.
//!
//! Owns tokenizing and parsing. It never fails: every input, any bytes included, gives a tree
//! (possibly partial) and a list of syntax problems. Comments and trailing commas are accepted
//! with a warning; unquoted deploy-cli keyword markers (`##KEY##`, `@@KEY@@`) are values of
//! their own. It knows nothing of flows, vaults or LSP.

pub mod hcl;
mod lexer;
pub mod line_index;
mod parser;
mod reparse;
mod yaml;

pub use hcl::parse_hcl;
pub use parser::parse;
pub use reparse::{Edit, edit_between, reparse, reparse_edit};
pub use yaml::parse_yaml;

/// Text in the tree: keys, string values, numbers as written. Short text (24 bytes or less,
/// most keys and values in flows) is kept inline, without an allocation of its own.
pub type Text = compact_str::CompactString;

/// A half-open byte range `[start, end)` into the document text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        TextRange {
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn empty(at: usize) -> Self {
        TextRange::new(at, at)
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
    pub fn contains(self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset <= (self.end as usize)
    }
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn as_usize(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A JSON value with the range it covers in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub range: TextRange,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Object(Box<[Member]>),
    Array(Box<[Node]>),
    /// A string literal: its decoded value (the range includes the quotes).
    String(Text),
    /// A number literal, as written (boxed: rarer than strings, and so a node stays small).
    Number(Box<str>),
    Bool(bool),
    Null,
    /// An unquoted deploy-cli keyword marker, `##KEY##` or `@@KEY@@`.
    Marker(Box<Marker>),
    /// Something that is not a value; a syntax problem was reported for it.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub key: Text,
    /// `@@KEY@@` (a whole JSON value) rather than `##KEY##` (text).
    pub whole_value: bool,
}

/// `"key": value` in an object. `value` is `None` while it is being typed (`"action": `).
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: Text,
    pub key_range: TextRange,
    pub value: Option<Node>,
}

impl Member {
    /// The range from the key to the end of the value (or the key alone).
    pub fn range(&self) -> TextRange {
        match &self.value {
            Some(v) => self.key_range.cover(v.range),
            None => self.key_range,
        }
    }
}

impl Node {
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            NodeKind::Object(m) => Some(m),
            _ => None,
        }
    }
    /// The node with exactly this range, found by descending through the containers that hold
    /// it (by binary search on their items: the cost of the depth, not of the document).
    pub fn with_range(&self, range: TextRange) -> Option<&Node> {
        let mut node = self;
        loop {
            if node.range == range {
                return Some(node);
            }
            let holds = |n: &Node| n.range.start <= range.start && range.end <= n.range.end;
            node = match &node.kind {
                NodeKind::Array(items) => {
                    let i = items.partition_point(|n| n.range.end < range.start);
                    items.get(i).filter(|n| holds(n))?
                }
                NodeKind::Object(members) => {
                    let i = members.partition_point(|m| {
                        m.value.as_ref().is_none_or(|v| v.range.end < range.start)
                            && m.key_range.end < range.start
                    });
                    members.get(i)?.value.as_ref().filter(|n| holds(n))?
                }
                _ => return None,
            };
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Array(items) => Some(items),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }
    /// The first member with this key (JSON keeps the last on duplicates; we report them).
    pub fn member(&self, key: &str) -> Option<&Member> {
        self.as_object()?.iter().rev().find(|m| m.key == key)
    }
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key)?.value.as_ref()
    }
    /// The JSON type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Object(_) => "object",
            NodeKind::Array(_) => "array",
            NodeKind::String(_) => "string",
            NodeKind::Number(_) => "number",
            NodeKind::Bool(_) => "boolean",
            NodeKind::Null => "null",
            NodeKind::Marker(_) => "keyword marker",
            NodeKind::Error => "invalid value",
        }
    }

    /// The innermost node whose range contains `offset`, with the path of nodes leading to it.
    pub fn covering_path(&self, offset: usize) -> Vec<&Node> {
        let mut path = vec![self];
        let mut cur = self;
        'outer: loop {
            match &cur.kind {
                NodeKind::Object(members) => {
                    for m in members {
                        if let Some(v) = &m.value
                            && v.range.contains(offset)
                        {
                            path.push(v);
                            cur = v;
                            continue 'outer;
                        }
                    }
                }
                NodeKind::Array(items) => {
                    for v in items {
                        if v.range.contains(offset) {
                            path.push(v);
                            cur = v;
                            continue 'outer;
                        }
                    }
                }
                _ => {}
            }
            return path;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxSeverity {
    Error,
    /// Accepted here, rejected by the Management API: comments and trailing commas.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
    pub severity: SyntaxSeverity,
}

/// The result of parsing a document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parse {
    /// `None` only for a document with no value at all (empty, or only comments).
    pub root: Option<Node>,
    pub errors: Vec<SyntaxError>,
}

/// How deep arrays and objects may nest before the parser stops descending (it then skips
/// the rest of that value with one error), so no input can overflow the stack.
pub const MAX_DEPTH: usize = 128;

#[cfg(test)]
mod tests;
