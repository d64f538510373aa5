//! The server's state: the workspace, the open documents (ropes), what the client can do,
//! and what was last published. Guarded by one mutex that is never held across an `.await`.

use super::convert::{apply_change, splice, to_lsp_diagnostic};
use super::settings::{ServerSettings, Trigger};
use crate::analysis::{self, Diagnostic};
use crate::model::DocKind;
use crate::syntax::line_index::ColumnUnit;
use crate::syntax::line_index::LineIndex;
use crate::workspace::Workspace;
use ropey::Rope;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;
use tower_lsp_server::ls_types::{self as lsp, Uri};

/// What the client said it supports.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientCaps {
    /// Pull diagnostics (the client supports them and their refresh).
    pub pull: bool,
    pub progress: bool,
    pub watch_dynamic: bool,
    pub configuration: bool,
    pub snippets: bool,
    pub hierarchical_symbols: bool,
}

pub struct OpenDoc {
    pub uri: Uri,
    /// The editor's text: the same allocation as the workspace file's.
    pub text: Arc<str>,
    pub version: i32,
}

/// Messages to the client, sent in order by one task.
pub enum Outgoing {
    Publish {
        uri: Uri,
        diagnostics: Vec<lsp::Diagnostic>,
        version: Option<i32>,
    },
    /// `workspace/diagnostic/refresh`, for pull clients.
    Refresh,
}

/// What requests read: the workspace, the open documents, the position encoding. The state
/// and a [`Snapshot`] of it both answer through this one set of conversions.
pub trait View {
    fn ws(&self) -> &Workspace;
    /// An open document's uri and version.
    fn open_doc(&self, path: &Path) -> Option<(&Uri, i32)>;
    fn unit(&self) -> ColumnUnit;

    fn uri_of(&self, path: &Path) -> Option<Uri> {
        match self.open_doc(path) {
            Some((uri, _)) => Some(uri.clone()),
            None => Uri::from_file_path(path),
        }
    }
    /// Diagnostics of one file; a panic in the analysis becomes one diagnostic, not a dead server.
    fn diagnostics(&self, path: &Path) -> Vec<Diagnostic> {
        if self.ws().file(path).is_none() {
            return Vec::new();
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            analysis::diagnostics(self.ws(), path)
        })) {
            Ok(d) => {
                if self.ws().file(path).is_some_and(|f| f.text.len() > LARGE) {
                    crate::background::release_free_memory();
                }
                d
            }
            Err(_) => vec![Diagnostic::error(
                crate::syntax::TextRange::empty(0),
                analysis::code::SYNTAX,
                "flowls failed to analyse this file; please report it (the rest of the workspace is still checked)",
            )],
        }
    }
    fn lsp_diagnostics(&self, path: &Path, diags: &[Diagnostic]) -> Vec<lsp::Diagnostic> {
        let Some(file) = self.ws().file(path) else {
            return Vec::new();
        };
        let index = file.line_index();
        let locate = |path: &Path, range: crate::syntax::TextRange| {
            let other = self.ws().file(path)?;
            Some(lsp::Location {
                uri: self.uri_of(path)?,
                range: super::convert::to_lsp_range(
                    &other.text,
                    other.line_index(),
                    range,
                    self.unit(),
                ),
            })
        };
        diags
            .iter()
            .map(|d| to_lsp_diagnostic(&file.text, index, d, self.unit(), &locate))
            .collect()
    }
    /// The file and byte range of an LSP range (an inverted range is empty at its start).
    fn text_range(
        &self,
        uri: &Uri,
        range: lsp::Range,
    ) -> Option<(PathBuf, crate::syntax::TextRange)> {
        let (path, start) = self.offset(uri, range.start)?;
        let (_, end) = self.offset(uri, range.end)?;
        Some((path, crate::syntax::TextRange::new(start, end.max(start))))
    }
    /// The file and byte offset of an LSP position.
    fn offset(&self, uri: &Uri, pos: lsp::Position) -> Option<(PathBuf, usize)> {
        let path = State::path_of(uri);
        let file = self.ws().file(&path)?;
        let index = file.line_index();
        let offset = index.offset(
            &file.text,
            pos.line as usize,
            pos.character as usize,
            self.unit(),
        );
        Some((path, offset))
    }
    fn range_in(&self, path: &Path, range: crate::syntax::TextRange) -> Option<lsp::Range> {
        let file = self.ws().file(path)?;
        let index = file.line_index();
        Some(super::convert::to_lsp_range(
            &file.text,
            index,
            range,
            self.unit(),
        ))
    }
    fn location(&self, path: &Path, range: crate::syntax::TextRange) -> Option<lsp::Location> {
        Some(lsp::Location {
            uri: self.uri_of(path)?,
            range: self.range_in(path, range)?,
        })
    }
    fn version(&self, path: &Path) -> Option<i32> {
        self.open_doc(path).map(|(_, version)| version)
    }
}

impl View for State {
    fn ws(&self) -> &Workspace {
        &self.ws
    }
    fn open_doc(&self, path: &Path) -> Option<(&Uri, i32)> {
        self.docs.get(path).map(|d| (&d.uri, d.version))
    }
    fn unit(&self) -> ColumnUnit {
        self.unit
    }
}

/// The state as a request found it: taken under the lock (cheap: the workspace shares its
/// files and index), computed on without it, so a long request never holds up an edit.
#[derive(Clone)]
pub struct Snapshot {
    /// The state's [`State::revision`] when it was taken.
    pub revision: u64,
    pub ws: Workspace,
    docs: HashMap<PathBuf, (Uri, i32)>,
    pub unit: ColumnUnit,
    pub caps: ClientCaps,
}

impl View for Snapshot {
    fn ws(&self) -> &Workspace {
        &self.ws
    }
    fn open_doc(&self, path: &Path) -> Option<(&Uri, i32)> {
        self.docs.get(path).map(|(uri, version)| (uri, *version))
    }
    fn unit(&self) -> ColumnUnit {
        self.unit
    }
}

pub struct State {
    pub ws: Workspace,
    pub docs: HashMap<PathBuf, OpenDoc>,
    pub unit: ColumnUnit,
    pub caps: ClientCaps,
    pub settings: ServerSettings,
    /// Last diagnostics sent (push) or shown at save (on-save trigger), with the version.
    pub published: HashMap<PathBuf, (Option<i32>, Vec<Diagnostic>)>,
    /// Bumped on every change that affects all files, so stale background passes stop.
    pub generation: u64,
    /// Bumped on every change applied to the workspace: what a snapshot was taken at.
    pub revision: u64,
    /// The revision each file's last publication was computed at: an answer computed on an
    /// older snapshot never replaces one computed on a newer.
    published_at: HashMap<PathBuf, u64>,
    /// What the edits applied on arrival affect, until a handler recomputes it.
    pub pending: Affected,
    pub out: UnboundedSender<Outgoing>,
    /// Whether the start-up scan has ended. Until then nothing is published: a connection
    /// defined in a file not yet read would show as missing.
    pub indexed: bool,
    /// The last warning about an unusable keyword mappings file (shown once per problem).
    pub mappings_warning: Option<String>,
}

impl State {
    pub fn new(out: UnboundedSender<Outgoing>) -> State {
        State {
            ws: Workspace::new("/", Default::default(), std::env::vars().collect()),
            docs: HashMap::new(),
            unit: ColumnUnit::Utf16,
            caps: ClientCaps::default(),
            settings: ServerSettings::default(),
            published: HashMap::new(),
            generation: 0,
            revision: 0,
            published_at: HashMap::new(),
            pending: Affected::default(),
            out,
            indexed: false,
            mappings_warning: None,
        }
    }

    /// What a request computes on (see [`Snapshot`]).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            revision: self.revision,
            ws: self.ws.clone(),
            docs: self
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), (d.uri.clone(), d.version)))
                .collect(),
            unit: self.unit,
            caps: self.caps,
        }
    }

    /// Whether `path` is the keyword mappings file the settings name.
    pub fn is_mappings_file(&self, path: &Path) -> bool {
        path == self.ws.root.join(&self.ws.settings.keyword_mappings_file)
    }

    /// The key a document is kept under: its file path, or a stand-in for other schemes.
    pub fn path_of(uri: &Uri) -> PathBuf {
        match uri.to_file_path() {
            Some(p) => p.into_owned(),
            None => {
                let safe: String = uri
                    .as_str()
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                PathBuf::from("/.flowls-virtual").join(safe)
            }
        }
    }

    /// Puts a file's text in the workspace; returns the files whose diagnostics may change.
    pub fn update(&mut self, path: &Path, text: Arc<str>) -> Affected {
        self.revision += 1;
        let was_checked = self.ws.file(path).map(|f| f.kind);
        let mut names = self.connection_names(path);
        let r = self.ws.replace_file(path.to_path_buf(), text);
        let mut affected = self.affected(path, r.global, r.uses_changed, was_checked);
        if affected.all {
            names.extend(self.connection_names(path));
            self.users_first(&mut affected.later, &names);
        }
        affected
    }

    /// The name and id of the vault connection in `path`, if it is one.
    fn connection_names(&self, path: &Path) -> Vec<String> {
        self.ws
            .index()
            .vaults
            .iter()
            .filter(|v| v.path == path)
            .flat_map(|v| v.name.iter().chain(v.id.iter()).cloned())
            .collect()
    }

    /// Orders a background pass so that the flows using one of `names` come first, then the
    /// other cross-file documents, then the rest: the files a vault edit is about are shown
    /// first, and the rest of the pass (which changes nothing for them) follows.
    fn users_first(&self, later: &mut [PathBuf], names: &[String]) {
        later.sort_by_cached_key(|p| match self.ws.file(p) {
            Some(f) if f.uses.iter().any(|u| names.contains(&u.connection)) => 0,
            Some(f) if f.kind != DocKind::Flow => 1,
            _ => 2,
        });
    }

    pub fn remove(&mut self, path: &Path) -> Affected {
        self.revision += 1;
        let had_uses = self.ws.file(path).is_some_and(|f| !f.uses.is_empty());
        let was = self.ws.file(path).map(|f| f.kind);
        let global = self.ws.remove_file(path);
        // no answer computed before the removal may bring the file back (`clear` empties it)
        self.published_at.insert(path.to_path_buf(), self.revision);
        let mut a = self.affected(path, global, had_uses, was);
        a.now.retain(|p| p != path);
        a
    }

    fn affected(
        &mut self,
        path: &Path,
        global: bool,
        uses_changed: bool,
        was: Option<DocKind>,
    ) -> Affected {
        if global {
            self.generation += 1;
            return self.dependents_of(path, true);
        }
        let is_flow =
            self.ws.file(path).map(|f| f.kind) == Some(DocKind::Flow) || was == Some(DocKind::Flow);
        if is_flow && uses_changed {
            return self.dependents(path);
        }
        Affected {
            now: vec![path.to_path_buf()],
            later: Vec::new(),
            all: false,
        }
    }

    /// The file itself now, and later what depends on it: every file for a vault, grant,
    /// mapping file or `flowls.toml`; the vaults, grants and `flowls.toml` for a flow.
    pub fn dependents(&self, path: &Path) -> Affected {
        self.dependents_of(path, self.ws.file(path).is_some_and(|f| f.kind.is_global()))
    }

    fn dependents_of(&self, path: &Path, global: bool) -> Affected {
        let later = self
            .ws
            .files()
            .filter(|f| f.path != path && analysis::is_checked(f.kind))
            .filter(|f| {
                global
                    || matches!(
                        f.kind,
                        DocKind::Vault | DocKind::Grant | DocKind::ProjectConfig
                    )
            })
            .map(|f| f.path.clone())
            .collect();
        Affected {
            now: vec![path.to_path_buf()],
            later,
            all: global,
        }
    }

    /// Everything may have changed (settings, the scan, proven scopes): older background
    /// passes stop, what was published is forgotten, every checked file is recomputed.
    pub fn invalidate_all(&mut self) -> Affected {
        self.generation += 1;
        self.revision += 1;
        self.published.clear();
        Affected {
            now: Vec::new(),
            later: self.checked_paths(),
            all: true,
        }
    }

    pub fn checked_paths(&self) -> Vec<PathBuf> {
        self.ws
            .files()
            .filter(|f| analysis::is_checked(f.kind))
            .map(|f| f.path.clone())
            .collect()
    }

    /// Pushes a file's diagnostics when they (or its version) changed since the last push.
    /// Publishes diagnostics computed on a snapshot (off the lock), unless a publication
    /// computed on a newer snapshot went out already; `version` is the document's version in
    /// that snapshot.
    pub fn publish_computed(
        &mut self,
        path: &Path,
        revision: u64,
        version: Option<i32>,
        diags: Vec<Diagnostic>,
        lsp: Vec<lsp::Diagnostic>,
    ) {
        if self.caps.pull || !self.indexed || self.ws.file(path).is_none() {
            return;
        }
        if !self.on_type() && self.docs.contains_key(path) && self.published.contains_key(path) {
            return; // on-save: an open document shows what its last open or save showed
        }
        if self.published_at.get(path).is_some_and(|&at| at > revision) {
            return;
        }
        self.published_at.insert(path.to_path_buf(), revision);
        self.send_publication(path, version, diags, Some(lsp));
    }

    /// Records and sends a file's diagnostics, unless they are what was sent last. `lsp`: the
    /// same converted on the text they were computed on (else on the current one).
    fn send_publication(
        &mut self,
        path: &Path,
        version: Option<i32>,
        diags: Vec<Diagnostic>,
        lsp: Option<Vec<lsp::Diagnostic>>,
    ) {
        let Some(uri) = self.uri_of(path) else { return };
        if self.published.get(path) == Some(&(version, diags.clone())) {
            return;
        }
        let lsp = lsp.unwrap_or_else(|| self.lsp_diagnostics(path, &diags));
        self.published.insert(path.to_path_buf(), (version, diags));
        let _ = self.out.send(Outgoing::Publish {
            uri,
            diagnostics: lsp,
            version,
        });
    }

    pub fn publish(&mut self, path: &Path) {
        if self.caps.pull || !self.indexed {
            return;
        }
        if !self.on_type() && self.docs.contains_key(path) && self.published.contains_key(path) {
            return; // on-save: an open document shows what its last open or save showed
        }
        let version = self.version(path);
        let diags = if self.ws.file(path).is_some() {
            self.diagnostics(path)
        } else {
            Vec::new()
        };
        self.published_at.insert(path.to_path_buf(), self.revision);
        self.send_publication(path, version, diags, None);
    }

    /// On-save trigger: what a document shows from now until its next save.
    pub fn hold_until_save(&mut self, path: &Path) {
        self.published.remove(path);
        if self.caps.pull {
            let d = self.diagnostics(path);
            let v = self.version(path);
            self.published.insert(path.to_path_buf(), (v, d));
        } else {
            self.publish(path);
        }
    }

    /// Clears what was pushed for a file that is gone.
    pub fn clear(&mut self, path: &Path) {
        if self.caps.pull {
            return;
        }
        if let Some(uri) = self.uri_of(path)
            && self.published.remove(path).is_some()
        {
            let _ = self.out.send(Outgoing::Publish {
                uri,
                diagnostics: Vec::new(),
                version: None,
            });
        }
    }

    /// Applies an edit strictly in arrival order. Stale versions are ignored.
    pub fn change(
        &mut self,
        doc_id: &lsp::VersionedTextDocumentIdentifier,
        changes: Vec<lsp::TextDocumentContentChangeEvent>,
    ) -> Option<PathBuf> {
        let path = Self::path_of(&doc_id.uri);
        let unit = self.unit;
        let doc = self.docs.get_mut(&path)?;
        if doc_id.version <= doc.version {
            return None;
        }
        doc.version = doc_id.version;
        let text: Arc<str> = match changes.as_slice() {
            // the common case, one change: spliced into the text with its line index
            [change] => {
                let index = match self.ws.file(&path) {
                    Some(f) if Arc::ptr_eq(&f.text, &doc.text) => Cow::Borrowed(f.line_index()),
                    _ => Cow::Owned(LineIndex::new(&doc.text)),
                };
                splice(&doc.text, &index, change, unit)
            }
            // several changes, each relative to the text the previous one left: on a rope
            _ => {
                let mut rope = Rope::from_str(&doc.text);
                for change in &changes {
                    apply_change(&mut rope, change, unit);
                }
                rope.to_string().into()
            }
        };
        doc.text = text.clone();
        let affected = self.update(&path, text);
        self.pending.merge(affected);
        Some(path)
    }

    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> PathBuf {
        let path = Self::path_of(&uri);
        let text: Arc<str> = text.into();
        self.docs.insert(
            path.clone(),
            OpenDoc {
                uri,
                text: text.clone(),
                version,
            },
        );
        self.published.remove(&path);
        let affected = self.update(&path, text);
        // an opened vault or grant may differ from the disk: everything that depends on it
        let affected = if affected.all {
            affected
        } else {
            self.dependents(&path)
        };
        self.pending.merge(affected);
        path
    }

    /// Closes a document, in arrival order. A file the workspace may not read from disk (not
    /// a workspace file, or another scheme) goes at once; a workspace file keeps the editor's
    /// text until the disk's is read (see `did_close`).
    pub fn close(&mut self, uri: &Uri) {
        let path = Self::path_of(uri);
        let Some(doc) = self.docs.get(&path) else {
            return;
        };
        let from_disk = path.starts_with(&self.ws.root)
            && crate::workspace::disk::is_candidate(&path)
            && doc.uri.scheme().as_str() == "file";
        if from_disk {
            self.docs.remove(&path);
            self.published.remove(&path);
            return;
        }
        let affected = self.remove(&path);
        self.clear(&path);
        self.docs.remove(&path);
        self.published.remove(&path);
        self.pending.merge(affected);
    }

    /// Whether edits publish at once (else only on save).
    pub fn on_type(&self) -> bool {
        self.settings.trigger == Trigger::OnType
    }
}

/// A document this large leaves much memory free after its analysis.
const LARGE: usize = 1024 * 1024;

/// Files whose diagnostics need recomputing: `now` on the edit path, `later` in the background.
#[derive(Debug, Default)]
pub struct Affected {
    pub now: Vec<PathBuf>,
    pub later: Vec<PathBuf>,
    /// Every file may have changed (a vault, grant, mapping or flowls.toml changed).
    pub all: bool,
}

impl Affected {
    pub fn merge(&mut self, other: Affected) {
        for p in other.now {
            if !self.now.contains(&p) {
                self.now.push(p);
            }
        }
        // the newer pass's order first (it may put some files first), each file once
        let mut later = other.later;
        later.append(&mut self.later);
        let mut seen = std::collections::HashSet::new();
        let now = &self.now;
        later.retain(|p| !now.contains(p) && seen.insert(p.clone()));
        self.later = later;
        self.all |= other.all;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vault_edit_rechecks_the_flows_using_it_first() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut st = State::new(tx);
        st.ws = Workspace::new("/ws", Default::default(), Vec::new());
        let vault = PathBuf::from("/ws/flow-vault-connections/v.json");
        st.update(&vault, r#"{"name": "Old", "app_id": "AUTH0"}"#.into());
        let flow = |conn: &str| -> Arc<str> {
            format!(r#"{{"name": "F", "actions": [{{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {{"connection_id": "{conn}", "user_id": "u"}}}}]}}"#).into()
        };
        for i in 0..50 {
            let conn = match i {
                17 => "Old",
                33 => "New",
                _ => "Other",
            };
            st.update(
                &PathBuf::from(format!("/ws/flows/f{i:02}.json")),
                flow(conn),
            );
        }
        let a = st.update(&vault, r#"{"name": "New", "app_id": "AUTH0"}"#.into());
        assert!(a.all);
        assert_eq!(a.later.len(), 50, "every flow is still rechecked");
        let mut first: Vec<_> = a.later[..2].to_vec();
        first.sort();
        assert_eq!(
            first,
            [
                PathBuf::from("/ws/flows/f17.json"),
                PathBuf::from("/ws/flows/f33.json")
            ],
            "the flows using the old or the new name come first"
        );
        // merging keeps that order
        let mut pending = Affected::default();
        pending.merge(Affected {
            now: Vec::new(),
            later: vec![PathBuf::from("/ws/flows/f00.json")],
            all: false,
        });
        pending.merge(a);
        assert_eq!(pending.later.len(), 50);
        assert!(pending.later[..2].contains(&PathBuf::from("/ws/flows/f17.json")));
    }
}
