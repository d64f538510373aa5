//! Incremental reparsing: after an edit, parse again only the innermost object or array that
//! holds it, and splice the result into the previous tree.
//!
//! JSON tokens never cross the braces of a container, so an object or array whose new text
//! parses on its own, without any problem, and ends exactly where its text ends, is what a
//! whole-document parse would produce for it; everything after it only moves. When that does
//! not hold (the edit touches a brace, the container had or now has a problem, nesting is too
//! deep), the caller parses the whole document.

use super::parser::parse_value_at;
use super::{Node, NodeKind, Parse, TextRange};

/// The one edit that turns a text into its next version: the changed byte range of the old
/// text (`start..old_end`) and the length of its replacement. Found once per version, by
/// comparing the texts (so it holds for any set of changes), and handed to everything that
/// moves with it (the tree, the line index, the connection uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub old_end: usize,
    pub inserted: usize,
}

impl Edit {
    pub fn between(old: &str, new: &str) -> Edit {
        let (start, old_end, inserted) = edit_between(old, new);
        Edit {
            start,
            old_end,
            inserted,
        }
    }
    /// Where the replacement ends in the new text.
    pub fn new_end(&self) -> usize {
        self.start + self.inserted
    }
    /// The change in length.
    pub fn delta(&self) -> i64 {
        self.inserted as i64 - (self.old_end - self.start) as i64
    }
    pub fn is_none(&self) -> bool {
        self.start == self.old_end && self.inserted == 0
    }
}

/// The edit that turns `old` into `new`: the changed byte range of `old` and the length of its
/// replacement, found by comparing the texts (so it holds for any set of changes).
pub fn edit_between(old: &str, new: &str) -> (usize, usize, usize) {
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let prefix = common_len(a.iter(), b.iter(), a.chunks(64).zip(b.chunks(64)));
    let (a_rest, b_rest) = (&a[prefix..], &b[prefix..]);
    let suffix = common_len(
        a_rest.iter().rev(),
        b_rest.iter().rev(),
        a_rest.rchunks(64).zip(b_rest.rchunks(64)),
    );
    (prefix, a.len() - suffix, b.len() - prefix - suffix)
}

/// How many leading items two byte sequences share: whole equal chunks are skipped with one
/// comparison each (vectorised), then the rest byte by byte.
fn common_len<'a>(
    a: impl Iterator<Item = &'a u8>,
    b: impl Iterator<Item = &'a u8>,
    chunks: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> usize {
    let mut same = 0;
    for (x, y) in chunks {
        if x.len() != y.len() || x != y {
            break;
        }
        same += x.len();
    }
    same + a
        .skip(same)
        .zip(b.skip(same))
        .take_while(|(x, y)| x == y)
        .count()
}

/// Updates `old_parse` (of `old`) to `new` by reparsing one container; returns `false`, with
/// `old_parse` untouched, when only a whole parse can tell.
pub fn reparse(old_parse: &mut Parse, old: &str, new: &str) -> bool {
    reparse_edit(old_parse, Edit::between(old, new), new).is_some()
}

/// [`reparse`] with the edit already known: the child indices leading to the container that
/// was parsed again (empty for the root or an unchanged text), or `None` as `reparse`'s `false`.
pub fn reparse_edit(old_parse: &mut Parse, edit: Edit, new: &str) -> Option<Vec<usize>> {
    let Edit {
        start,
        old_end: end,
        inserted,
    } = edit;
    if start == end && inserted == 0 {
        return Some(Vec::new()); // the same text
    }
    let root = old_parse.root.as_ref()?;
    // the innermost container whose braces hold the edit strictly inside
    let path = container_path(root, start, end)?;
    let container = follow(root, &path);
    let old_range = container.range;
    if old_parse
        .errors
        .iter()
        .any(|e| e.range.start < old_range.end && e.range.end > old_range.start)
    {
        return None; // a problem inside: recovery may have shaped it differently
    }
    let delta = inserted as i64 - (end - start) as i64;
    let new_end = (old_range.end as i64 + delta) as usize;
    let slice = new.get(old_range.start as usize..new_end)?;
    let mut fresh = parse_value_at(slice, path.len())?;
    if fresh.range != TextRange::new(0, slice.len())
        || std::mem::discriminant(&fresh.kind) != std::mem::discriminant(&container.kind)
    {
        return None;
    }
    shift(&mut fresh, 0, old_range.start as i64);
    let root = old_parse.root.as_mut().expect("checked above");
    if delta != 0 {
        // everything from the old end of the container on moves by the change in length
        shift(root, old_range.end, delta);
        for e in &mut old_parse.errors {
            e.range = shift_range(e.range, old_range.end, delta);
        }
    }
    *follow_mut(root, &path) = fresh;
    Some(path)
}

/// The child indices leading to the innermost object or array that holds `[start, end)`
/// strictly inside its braces (empty for the root).
fn container_path(root: &Node, start: usize, end: usize) -> Option<Vec<usize>> {
    let inside = |n: &Node| {
        matches!(n.kind, NodeKind::Object(_) | NodeKind::Array(_))
            && (n.range.start as usize) < start
            && end < n.range.end as usize
    };
    if !inside(root) {
        return None;
    }
    let mut path = Vec::new();
    let mut cur = root;
    loop {
        let next = match &cur.kind {
            NodeKind::Object(members) => members
                .iter()
                .position(|m| m.value.as_ref().is_some_and(inside)),
            NodeKind::Array(items) => items.iter().position(inside),
            _ => None,
        };
        let Some(i) = next else {
            return Some(path);
        };
        path.push(i);
        cur = child(cur, i);
    }
}

fn child(node: &Node, i: usize) -> &Node {
    match &node.kind {
        NodeKind::Object(members) => members[i].value.as_ref().expect("a value was found"),
        NodeKind::Array(items) => &items[i],
        _ => unreachable!("only containers have children"),
    }
}

fn follow<'a>(root: &'a Node, path: &[usize]) -> &'a Node {
    path.iter().fold(root, |n, &i| child(n, i))
}

fn follow_mut<'a>(root: &'a mut Node, path: &[usize]) -> &'a mut Node {
    let mut cur = root;
    for &i in path {
        cur = match &mut cur.kind {
            NodeKind::Object(members) => members[i].value.as_mut().expect("a value was found"),
            NodeKind::Array(items) => &mut items[i],
            _ => unreachable!("only containers have children"),
        };
    }
    cur
}

fn shift_range(r: TextRange, at: u32, delta: i64) -> TextRange {
    let f = |p: u32| {
        if p >= at {
            (p as i64 + delta) as u32
        } else {
            p
        }
    };
    TextRange {
        start: f(r.start),
        end: f(r.end),
    }
}

/// Moves every position at or after `at` by `delta`.
fn shift(node: &mut Node, at: u32, delta: i64) {
    if node.range.end < at {
        return; // ends before `at`: nothing in it moves
    }
    node.range = shift_range(node.range, at, delta);
    match &mut node.kind {
        NodeKind::Object(members) => {
            for m in members {
                m.key_range = shift_range(m.key_range, at, delta);
                if let Some(v) = &mut m.value {
                    shift(v, at, delta);
                }
            }
        }
        NodeKind::Array(items) => {
            for v in items {
                shift(v, at, delta);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn edited(old: &str, at: usize, remove: usize, insert: &str) -> String {
        format!("{}{insert}{}", &old[..at], &old[at + remove..])
    }

    const FLOW: &str = r#"{
  "name": "F",
  "actions": [
    { "id": "a", "type": "AUTH0", "action": "GET_USER", "params": { "user_id": "u" } },
    { "id": "b", "type": "OTP", "action": "GENERATE_CODE", "params": { "length": 6 } }
  ]
}"#;

    #[test]
    fn an_edit_inside_one_action_reparses_only_it() {
        let at = FLOW.find("GET_USER").unwrap();
        for (remove, insert) in [(0, "X"), (3, ""), (8, "UPDATE_USER"), (0, "\\n")] {
            let new = edited(FLOW, at, remove, insert);
            let mut p = parse(FLOW);
            assert!(reparse(&mut p, FLOW, &new), "{new}");
            assert_eq!(p, parse(&new));
        }
    }

    #[test]
    fn edits_that_touch_structure_or_problems_parse_the_whole_document() {
        let brace = FLOW.find("{ \"id\": \"b\"").unwrap();
        let quote = FLOW.find("GET_USER").unwrap() - 1;
        for new in [
            edited(FLOW, brace, 1, ""),            // the action's own brace
            edited(FLOW, quote, 0, "\""),          // a stray quote: a problem in the action
            edited(FLOW, quote, 0, "/* c */"),     // a comment: a warning
            edited(FLOW, 0, FLOW.len(), "[1, 2]"), // everything
        ] {
            let mut p = parse(FLOW);
            assert!(!reparse(&mut p, FLOW, &new), "{new}");
            assert_eq!(p, parse(FLOW), "left untouched");
        }
        // the same text: nothing to do
        let mut p = parse(FLOW);
        assert!(reparse(&mut p, FLOW, FLOW));
        assert_eq!(p, parse(FLOW));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Reparsing after any edit gives exactly what a whole parse gives, or declines and
        /// leaves the tree as it was.
        #[test]
        fn reparse_agrees_with_a_whole_parse(
            base in proptest::sample::select(vec![
                FLOW.to_string(),
                r#"{"a": [1, {"b": "x\"y", "c": [true, null]}, "@@K@@"], "d": {"e": {}}}"#.to_string(),
                "[ {\"k\": 1,}, // c\n {\"k\": 2} ]".to_string(),
                "{ \"a\": { \"b\": [ [ [ ] ] ] }, \"c\": 1e5 }".to_string(),
            ]),
            at in 0usize..200,
            remove in 0usize..4,
            insert in r#"[\[\]{}:,"a-z0-9 \\\n]{0,3}"#,
        ) {
            let at = at % (base.len() + 1);
            let remove = remove.min(base.len() - at);
            proptest::prop_assume!(base.is_char_boundary(at) && base.is_char_boundary(at + remove));
            let new = edited(&base, at, remove, &insert);
            let mut p = parse(&base);
            if reparse(&mut p, &base, &new) {
                proptest::prop_assert_eq!(p, parse(&new));
            } else {
                proptest::prop_assert_eq!(p, parse(&base));
            }
        }

        /// A sequence of edits, each reparsed on the tree the previous one left (as an editor
        /// session does), ends with the tree of a whole parse.
        #[test]
        fn reparse_after_reparse_agrees_with_a_whole_parse(
            edits in proptest::collection::vec(
                (0usize..400, 0usize..3, r#"[\[\]{}:,"a-z0-9 ]{0,2}"#),
                1..30,
            ),
        ) {
            let mut text = FLOW.to_string();
            let mut tree = parse(&text);
            for (at, remove, insert) in edits {
                let at = at % (text.len() + 1);
                let remove = remove.min(text.len() - at);
                if !text.is_char_boundary(at) || !text.is_char_boundary(at + remove) {
                    continue;
                }
                let new = edited(&text, at, remove, &insert);
                if !reparse(&mut tree, &text, &new) {
                    tree = parse(&new);
                }
                text = new;
                proptest::prop_assert_eq!(&tree, &parse(&text));
            }
        }
    }
}
