//! The server's state: the workspace, the open documents, what the client can do,
//! and what was last published. Guarded by one mutex that is never held across an `.await`.

use super::convert::{apply_change, splice, to_lsp_diagnostic};
use super::settings::{ServerSettings, Trigger};
use crate::analysis::{self, Diagnostic};
use crate::model::DocKind;
use crate::syntax::line_index::ColumnUnit;
use crate::syntax::line_index::LineIndex;
use crate::workspace::{Change, Invalidation, Workspace};
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
    /// `flowls/documentKinds` (see `kinds`).
    pub document_kinds: bool,
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
    /// `flowls/documentKinds`: open documents whose kind is new to the client.
    Kinds(Vec<super::kinds::DocumentKind>),
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
            Ok(d) => d,
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
    /// The state's [`ReportCache`].
    reports: ReportCache,
}

/// The least-privilege report of the latest revision it was asked for (by `flowls.graph`,
/// which the Show Graph panel asks for on every change and every time it is shown again, and
/// by `flowls.showScopes`): the report reads every flow of the workspace, so it is computed
/// once per revision.
pub type ReportCache =
    Arc<std::sync::Mutex<Option<(u64, Arc<crate::analysis::least_privilege::Report>)>>>;

impl Snapshot {
    /// The workspace's least-privilege report at this snapshot's revision, computed once.
    pub fn least_privilege(&self) -> Arc<crate::analysis::least_privilege::Report> {
        let cached = |c: &Option<(u64, Arc<_>)>| {
            c.as_ref()
                .filter(|(revision, _)| *revision == self.revision)
                .map(|(_, r)| Arc::clone(r))
        };
        if let Some(r) = cached(&self.reports.lock().unwrap_or_else(|e| e.into_inner())) {
            return r;
        }
        // computed without the lock: another request meanwhile computes its own
        let report = Arc::new(crate::analysis::least_privilege::report(&self.ws));
        let mut c = self.reports.lock().unwrap_or_else(|e| e.into_inner());
        // an older snapshot's report never replaces a newer one's
        if c.as_ref()
            .is_none_or(|(revision, _)| *revision <= self.revision)
        {
            *c = Some((self.revision, Arc::clone(&report)));
        }
        report
    }
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
    pub out: UnboundedSender<Outgoing>,
    /// How many files the start-up scan read, once it has ended. Until then nothing is
    /// published (a connection defined in a file not yet read would show as missing) and
    /// requests that need the whole workspace wait (`Backend::wait_indexed`).
    pub scanned: tokio::sync::watch::Sender<Option<usize>>,
    /// The last warning about an unusable keyword mappings file (shown once per problem).
    pub mappings_warning: Option<String>,
    /// The least-privilege report of a revision (see [`ReportCache`]).
    reports: ReportCache,
    /// The kind last told the client of each open document (`flowls/documentKinds`).
    kinds_told: HashMap<PathBuf, DocKind>,
}

impl State {
    pub fn new(out: UnboundedSender<Outgoing>) -> State {
        State {
            ws: Workspace::rootless(Default::default(), std::env::vars().collect()),
            docs: HashMap::new(),
            unit: ColumnUnit::Utf16,
            caps: ClientCaps::default(),
            settings: ServerSettings::default(),
            published: HashMap::new(),
            generation: 0,
            revision: 0,
            published_at: HashMap::new(),
            out,
            scanned: tokio::sync::watch::channel(None).0,
            mappings_warning: None,
            reports: ReportCache::default(),
            kinds_told: HashMap::new(),
        }
    }

    /// Whether the start-up scan has ended.
    pub fn indexed(&self) -> bool {
        self.scanned.borrow().is_some()
    }

    /// The start-up scan has ended, having read `count` files.
    pub fn set_indexed(&mut self, count: usize) {
        self.scanned.send_replace(Some(count));
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
            reports: Arc::clone(&self.reports),
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
    pub fn update(&mut self, path: &Path, text: Arc<str>) -> Invalidation {
        self.applied(Change::Set(path.to_path_buf(), text))
    }

    pub fn remove(&mut self, path: &Path) -> Invalidation {
        let inv = self.applied(Change::Remove(path.to_path_buf()));
        // no answer computed before the removal may bring the file back (`clear` empties it)
        self.published_at.insert(path.to_path_buf(), self.revision);
        inv
    }

    /// Applies a change to the workspace: a new revision, and a new generation (older
    /// background passes stop) when every file may have changed.
    fn applied(&mut self, change: Change) -> Invalidation {
        self.revision += 1;
        let inv = self.ws.apply(change);
        if inv.all {
            self.generation += 1;
        }
        self.tell_kinds();
        inv
    }

    /// Sends `flowls/documentKinds` for the open documents whose kind the client has not been
    /// told yet (when it asked for them). Looks at the open documents only, not the workspace:
    /// a change can make another open file a YAML's body, or a settings change the mappings
    /// file, so all of them, each a look-up.
    fn tell_kinds(&mut self) {
        if !self.caps.document_kinds {
            return;
        }
        let mut told = Vec::new();
        for (path, doc) in &self.docs {
            let kind = self.ws.file(path).map_or(DocKind::Other, |f| f.kind);
            if self.kinds_told.get(path) != Some(&kind) {
                self.kinds_told.insert(path.clone(), kind);
                told.push(super::kinds::DocumentKind::new(doc.uri.clone(), kind));
            }
        }
        if told.is_empty() {
            return;
        }
        let _ = self.out.send(Outgoing::Kinds(told));
    }

    /// Everything may have changed (settings, the scan, proven scopes): older background
    /// passes stop, what was published is forgotten, every checked file is recomputed.
    pub fn invalidate_all(&mut self) -> Invalidation {
        self.generation += 1;
        self.revision += 1;
        self.published.clear();
        self.tell_kinds();
        self.ws.everything()
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
        if self.caps.pull || !self.indexed() || self.ws.file(path).is_none() {
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
        if self.caps.pull || !self.indexed() {
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

    /// Applies an edit strictly in arrival order; returns the files whose diagnostics it may
    /// change. Stale versions are ignored.
    pub fn change(
        &mut self,
        doc_id: &lsp::VersionedTextDocumentIdentifier,
        changes: Vec<lsp::TextDocumentContentChangeEvent>,
    ) -> Invalidation {
        let path = Self::path_of(&doc_id.uri);
        let unit = self.unit;
        let Some(doc) = self.docs.get_mut(&path) else {
            return Invalidation::default();
        };
        if doc_id.version <= doc.version {
            return Invalidation::default();
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
        self.update(&path, text)
    }

    /// Opens a document; returns its path and the files whose diagnostics it may change.
    pub fn open(&mut self, uri: Uri, version: i32, text: String) -> (PathBuf, Invalidation) {
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
        // the line index the first edit is placed with, made now rather than on that keystroke
        if let Some(f) = self.ws.file(&path) {
            let _ = f.line_index();
        }
        // an opened vault or grant may differ from the disk: everything that depends on it
        let affected = if affected.all {
            affected
        } else {
            self.ws.dependents(&path)
        };
        (path, affected)
    }

    /// Closes a document, in arrival order. A file the workspace may not read from disk (not
    /// a workspace file, or another scheme) goes at once; a workspace file keeps the editor's
    /// text until the disk's is read (see `did_close`). Returns the files whose diagnostics
    /// the closing changes at once.
    pub fn close(&mut self, uri: &Uri) -> Invalidation {
        let path = Self::path_of(uri);
        let Some(doc) = self.docs.get(&path) else {
            return Invalidation::default();
        };
        // what a large document's versions and their analyses took is free once it is gone
        let large = doc.text.len() > LARGE;
        // opened again, it is told again
        self.kinds_told.remove(&path);
        let from_disk = path.starts_with(&self.ws.root)
            && crate::workspace::disk::is_candidate(&path)
            && doc.uri.scheme().as_str() == "file";
        let affected = if from_disk {
            self.docs.remove(&path);
            self.published.remove(&path);
            Invalidation::default()
        } else {
            let affected = self.remove(&path);
            self.clear(&path);
            self.docs.remove(&path);
            self.published.remove(&path);
            affected
        };
        if large {
            crate::background::release_free_memory();
        }
        affected
    }

    /// Whether edits publish at once (else only on save).
    pub fn on_type(&self) -> bool {
        self.settings.trigger == Trigger::OnType
    }
}

/// A document this large leaves much memory free after its analysis.
const LARGE: usize = 1024 * 1024;
