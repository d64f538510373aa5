//! Per-action results reused between versions of a flow document, so that a keystroke in a
//! flow of thousands of actions re-checks the action it touched, not all of them: an action
//! whose text and place in the flow are unchanged, in an unchanged context, gets the
//! diagnostics it had, moved to where it now is.
//!
//! The context of an action's checks is the workspace index (connections, grants, mappings,
//! `flowls.toml`), the scopes a Test connection proved, the settings, the field ids of the forms
//! that start the flow, and the flow's skeleton — every action's id and nesting, which decide
//! which ids exist and what has run before each action. A change to any of them makes every
//! action be checked again. What an action's checks read of another action beyond that (the
//! catalogue entry of an action its expressions name) is kept with its result and compared
//! before the result is reused. A result that points outside its action (a related place
//! elsewhere in the file) is not kept. Only flow documents of their own (not the flows of an
//! export bundle) keep results; a test checks reuse against a fresh check after random edits.

use super::Diagnostic;
use crate::catalogue::ActionSpec;
use crate::model::DocKind;
use crate::model::flow::{Action, Flow};
use crate::syntax::{Node, TextRange};
use crate::workspace::{SourceFile, Workspace};
use std::hash::{BuildHasher, Hash, Hasher};

/// An action's place in execution order, the hash of its text and the text's length.
type Key = (u32, u64, u32);

/// The results of a version, by place in execution order (what a key's first part indexes:
/// a look-up is an index, not a hash, and the walk reads them in order).
type ByPlace = Vec<Option<Entry>>;

/// The catalogue entry an action's checks read for another action id (`None`: none).
type SpecSeen = (Box<str>, usize);

struct Entry {
    /// The key's hash of the action's text and its length.
    text: (u64, u32),
    start: u32,
    diags: Vec<Diagnostic>,
    specs: Vec<SpecSeen>,
}

/// What a flow document keeps between versions (in its `analysis_cache`).
#[derive(Default)]
struct Memo {
    context: u64,
    entries: ByPlace,
}

/// The results of one check of a flow document: those reused, and those to keep.
pub(super) struct Reuse<'f> {
    file: &'f SourceFile,
    old: Memo,
    kept: ByPlace,
    context: u64,
}

fn hasher() -> impl Hasher {
    foldhash::fast::FixedState::with_seed(0x666c_6f77_6c73).build_hasher()
}

fn spec_id(spec: Option<&'static ActionSpec>) -> usize {
    spec.map_or(0, |s| s as *const ActionSpec as usize)
}

impl<'f> Reuse<'f> {
    /// Begins a check of `root`, the flow of `file`; `None` where results are not kept.
    pub fn begin(
        ws: &Workspace,
        file: &'f SourceFile,
        root: &Node,
        flow: &Flow,
        fields: Option<&std::collections::HashSet<String>>,
    ) -> Option<Reuse<'f>> {
        let own = file
            .parse
            .root
            .as_ref()
            .is_some_and(|r| std::ptr::eq(r, root));
        if file.kind != DocKind::Flow || !own {
            return None;
        }
        let mut h = hasher();
        ws.index().version.hash(&mut h);
        format!("{:?}", ws.settings).hash(&mut h);
        let mut live: Vec<_> = ws.live_scopes.iter().collect();
        live.sort();
        live.hash(&mut h);
        let mut fields: Option<Vec<&String>> = fields.map(|f| f.iter().collect());
        if let Some(f) = &mut fields {
            f.sort();
        }
        fields.hash(&mut h);
        skeleton(&flow.actions, &mut h);
        let context = h.finish();
        let old = file
            .analysis_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .and_then(|b| b.downcast::<Memo>().ok())
            .map(|m| *m)
            .unwrap_or_default();
        let old = if old.context == context {
            old
        } else {
            Memo::default()
        };
        Some(Reuse {
            file,
            kept: Vec::with_capacity(old.entries.len()),
            old,
            context,
        })
    }

    /// The key of the action at `place` in execution order.
    pub fn key(&self, place: usize, a: &Action) -> Key {
        let r = a.node.range;
        let text = self
            .file
            .text
            .get(r.start as usize..r.end as usize)
            .unwrap_or_default();
        let mut h = hasher();
        text.hash(&mut h);
        (place as u32, h.finish(), r.len() as u32)
    }

    /// Whether a result for `key` can be reused: its action reads the same catalogue entries
    /// for the ids it names (`spec_of`) as when it was checked.
    pub fn has(&self, key: &Key, spec_of: impl Fn(&str) -> Option<&'static ActionSpec>) -> bool {
        self.entry(key).is_some_and(|e| {
            e.specs
                .iter()
                .all(|(id, spec)| spec_id(spec_of(id)) == *spec)
        })
    }

    /// The previous version's result for `key`: the one at its place, for the same text.
    fn entry(&self, key: &Key) -> Option<&Entry> {
        let (place, hash, len) = *key;
        self.old
            .entries
            .get(place as usize)?
            .as_ref()
            .filter(|e| e.text == (hash, len))
    }

    /// The result kept for `key`, moved to where the action `a` now starts.
    pub fn take(&mut self, key: Key, a: &Action) -> Vec<Diagnostic> {
        if self.entry(&key).is_none() {
            return Vec::new();
        }
        let Some(mut entry) = self.old.entries[key.0 as usize].take() else {
            return Vec::new();
        };
        let delta = i64::from(a.node.range.start) - i64::from(entry.start);
        if delta != 0 {
            for d in &mut entry.diags {
                d.range = moved(d.range, delta);
                for r in d.related.iter_mut().filter(|r| r.path == self.file.path) {
                    r.range = moved(r.range, delta);
                }
            }
        }
        entry.start = a.node.range.start;
        let diags = entry.diags.clone();
        self.put(key, entry);
        diags
    }

    /// Keeps the result of checking `a`, unless it points outside the action.
    pub fn keep(
        &mut self,
        key: Key,
        a: &Action,
        diags: &[Diagnostic],
        specs: &[(&str, Option<&'static ActionSpec>)],
    ) {
        let within = |r: TextRange| a.node.range.start <= r.start && r.end <= a.node.range.end;
        let inside = diags.iter().all(|d| {
            within(d.range)
                && d.related
                    .iter()
                    .all(|r| r.path != self.file.path || within(r.range))
        });
        if inside {
            self.put(
                key,
                Entry {
                    text: (key.1, key.2),
                    start: a.node.range.start,
                    diags: diags.to_vec(),
                    specs: specs
                        .iter()
                        .map(|(id, s)| (Box::from(*id), spec_id(*s)))
                        .collect(),
                },
            );
        }
    }

    fn put(&mut self, key: Key, entry: Entry) {
        let place = key.0 as usize;
        if self.kept.len() <= place {
            self.kept.resize_with(place + 1, || None);
        }
        self.kept[place] = Some(entry);
    }

    /// Keeps this check's results for the next version of the file (only those of actions
    /// that still exist).
    pub fn finish(self) {
        let memo = Memo {
            context: self.context,
            entries: self.kept,
        };
        *self
            .file
            .analysis_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Box::new(memo));
    }
}

fn moved(r: TextRange, delta: i64) -> TextRange {
    TextRange::new(
        (i64::from(r.start) + delta) as usize,
        (i64::from(r.end) + delta) as usize,
    )
}

/// Every action's id, whether it is a condition, and its branches, in execution order.
fn skeleton(list: &[Action], h: &mut impl Hasher) {
    list.len().hash(h);
    for a in list {
        a.id_str().hash(h);
        a.branches.len().hash(h);
        for b in &a.branches {
            b.key.hash(h);
            skeleton(&b.actions, h);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::workspace::{Settings, Workspace};
    use std::path::PathBuf;
    use std::sync::Arc;

    /// Action texts of every kind the checks treat differently: known and unknown actions,
    /// connections of the right and the wrong app, references to earlier, later and unknown
    /// actions and to their outputs, conditions with branches, duplicates, broken params.
    const ACTIONS: &[&str] = &[
        r#"{"id": "get", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "Users", "user_id": "{{context.user.user_id}}"}}"#,
        r#"{"id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "Users", "user_id": "{{actions.get.user_id}}", "changes": {"name": "{{actions.otp.code}}"}}}"#,
        r#"{"id": "otp", "type": "OTP", "action": "GENERATE_CODE", "params": {"reference": "{{actions.get.email}}", "length": 6}}"#,
        r#"{"id": "slack", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "Users", "text": "{{actions.nope.x}}"}}"#,
        r#"{"id": "cond", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": {"operands": [], "then": [{"id": "inner", "type": "FLOW", "action": "STORE_VARS", "params": {"vars": {"a": "{{actions.get.nothing}}"}}}], "else": []}}"#,
        r#"{"id": "after", "type": "FLOW", "action": "STORE_VARS", "params": {"vars": {"a": "{{actions.inner.x}}", "b": "{{actions.cond.result}}", "c": "{{fields.email}}"}}}"#,
        r#"{"id": "get", "type": "AUTH0", "action": "GET_USR", "params": {}}"#,
        r#"{"id": "http", "type": "HTTP", "action": "SEND_REQUEST", "params": {"url": "http://1.2.3.4:80/x", "method": "PUT", "headers": {"Authorization": "Bearer abcdefghijklmnop1234"}}}"#,
        r#"{"id": "m", "type": "AUTH0", "action": "SEND_REQUEST", "params": {"connection_id": "Users", "method": "GET", "pathname": "/api/v2/users"}}"#,
    ];

    fn workspace() -> Workspace {
        let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
        ws.set_file(
            "/ws/flow-vault-connections/users.json".into(),
            r###"{"name": "Users", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "c", "client_secret": "##S##", "domain": "t.auth0.com"}}"###.into(),
        );
        ws.set_file(
            "/ws/grants/g.json".into(),
            r#"{"client_id": "c", "audience": "https://t.auth0.com/api/v2/", "scope": ["read:users"]}"#.into(),
        );
        ws.set_file(
            "/ws/forms/f.json".into(),
            r#"{"name": "F", "start": {"next_node": "s"}, "nodes": [{"id": "s", "type": "STEP", "config": {"components": [{"id": "email", "category": "FIELD", "type": "EMAIL"}], "next_node": "fl"}}, {"id": "fl", "type": "FLOW", "config": {"flow_id": "Reused", "next_node": "$ending"}}], "ending": {}}"#.into(),
        );
        ws
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// After any sequence of edits, the diagnostics of a flow whose earlier results are
        /// reused are those of a fresh check of the same text.
        #[test]
        fn reused_results_are_those_of_a_fresh_check(
            picks in proptest::collection::vec(0usize..ACTIONS.len(), 1..12),
            edits in proptest::collection::vec((0usize..2000, 0usize..3, "[a-z\"{}:,.\\[\\] ]{0,3}"), 1..8),
            by_content in proptest::bool::ANY,
        ) {
            // in `flows/` the folder says what the file is; elsewhere only its content does
            let path = PathBuf::from(if by_content { "/ws/reused.json" } else { "/ws/flows/reused.json" });
            let body: Vec<&str> = picks.iter().map(|&i| ACTIONS[i]).collect();
            let mut text = format!("{{\"name\": \"Reused\", \"actions\": [\n  {}\n]}}", body.join(",\n  "));
            let mut ws = workspace();
            ws.set_file(path.clone(), text.clone().into());
            let _ = crate::analysis::diagnostics(&ws, &path);
            for (at, remove, insert) in edits {
                let mut at = at % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + remove).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                text.replace_range(at..end, &insert);
                let t: Arc<str> = text.clone().into();
                ws.set_file(path.clone(), t.clone());
                let reused = crate::analysis::diagnostics(&ws, &path);
                let mut fresh_ws = workspace();
                fresh_ws.set_file(path.clone(), t);
                let fresh = crate::analysis::diagnostics(&fresh_ws, &path);
                proptest::prop_assert_eq!(reused, fresh, "after editing to {}", text);
                // and what the file is read as (an edit may keep the kind it had)
                proptest::prop_assert_eq!(
                    ws.file(&path).unwrap().kind,
                    fresh_ws.file(&path).unwrap().kind,
                    "after editing to {}",
                    text
                );
                // the connection uses found again around the edit are those of a whole reading
                proptest::prop_assert_eq!(
                    &ws.file(&path).unwrap().uses,
                    &fresh_ws.file(&path).unwrap().uses,
                    "after editing to {}",
                    text
                );
            }
        }
    }

    #[test]
    fn an_edit_in_one_action_keeps_the_others_results() {
        let path = PathBuf::from("/ws/flows/reused.json");
        let body: Vec<&str> = ACTIONS.to_vec();
        let text = format!(
            "{{\"name\": \"Reused\", \"actions\": [\n  {}\n]}}",
            body.join(",\n  ")
        );
        let mut ws = workspace();
        ws.set_file(path.clone(), text.clone().into());
        let before = crate::analysis::diagnostics(&ws, &path);
        let kept = |ws: &Workspace| {
            let file = ws.file(&path).unwrap();
            let memo = file.analysis_cache.lock().unwrap();
            memo.as_ref()
                .and_then(|b| b.downcast_ref::<super::Memo>())
                .map_or(0, |m| m.entries.len())
        };
        let all = kept(&ws);
        assert!(all >= ACTIONS.len() - 1, "{all}");
        // a space typed before the length of the OTP action
        let at = text.find("\"length\": 6").unwrap() + "\"length\": ".len();
        let edited = format!("{} {}", &text[..at], &text[at..]);
        ws.set_file(path.clone(), edited.clone().into());
        let after = crate::analysis::diagnostics(&ws, &path);
        assert_eq!(kept(&ws), all);
        // the same findings, those after the edit one byte later
        assert_eq!(before.len(), after.len());
        let moved = |d: &crate::analysis::Diagnostic| d.range.start as usize > at;
        assert!(after.iter().any(moved), "some findings come after the edit");
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(b.message, a.message);
            assert_eq!(a.range.start, b.range.start + u32::from(moved(a)));
        }
        let mut fresh = workspace();
        fresh.set_file(path.clone(), edited.into());
        assert_eq!(after, crate::analysis::diagnostics(&fresh, &path));
    }

    #[test]
    fn a_change_elsewhere_in_the_workspace_is_seen() {
        let path = PathBuf::from("/ws/flows/reused.json");
        let text = format!(
            "{{\"name\": \"Reused\", \"actions\": [\n  {}\n]}}",
            ACTIONS.join(",\n  ")
        );
        let mut ws = workspace();
        ws.set_file(path.clone(), text.into());
        let codes = |ws: &Workspace| -> Vec<&'static str> {
            crate::analysis::diagnostics(ws, &path)
                .iter()
                .map(|d| d.code)
                .collect()
        };
        assert!(codes(&ws).contains(&"missing-scope"));
        // the grant now gives what the update needs
        ws.set_file(
            "/ws/grants/g.json".into(),
            r#"{"client_id": "c", "audience": "https://t.auth0.com/api/v2/", "scope": ["read:users", "update:users"]}"#.into(),
        );
        assert!(!codes(&ws).contains(&"missing-scope"));
        // the form that starts the flow no longer has the field `email`
        let before = crate::analysis::diagnostics(&ws, &path);
        ws.set_file(
            "/ws/forms/f.json".into(),
            r#"{"name": "F", "start": {"next_node": "fl"}, "nodes": [{"id": "fl", "type": "FLOW", "config": {"flow_id": "Reused", "next_node": "$ending"}}], "ending": {}}"#.into(),
        );
        let after = crate::analysis::diagnostics(&ws, &path);
        assert_ne!(
            before, after,
            "`fields.email` is no longer a field of a form that starts it"
        );
        let mut fresh = workspace();
        fresh.set_file(
            "/ws/grants/g.json".into(),
            r#"{"client_id": "c", "audience": "https://t.auth0.com/api/v2/", "scope": ["read:users", "update:users"]}"#.into(),
        );
        fresh.set_file(
            "/ws/forms/f.json".into(),
            r#"{"name": "F", "start": {"next_node": "fl"}, "nodes": [{"id": "fl", "type": "FLOW", "config": {"flow_id": "Reused", "next_node": "$ending"}}], "ending": {}}"#.into(),
        );
        fresh.set_file(path.clone(), ws.file(&path).unwrap().text.clone());
        assert_eq!(after, crate::analysis::diagnostics(&fresh, &path));
    }
}
