//! The files the analysis reads, parsed and classified, and the cross-file index derived from
//! them: vault connections by name and id, client grants, keyword mappings, `flowls.toml`, and
//! each flow's connection uses.
//!
//! Pure data: callers put text in ([`Workspace::set_file`]); only [`disk`] reads from disk.

mod change;
pub mod disk;
mod terraform;

pub use change::{Change, Invalidation};
pub use terraform::{ExportReplacement, export_target, follow_pointer, is_tfvars};

use crate::model::flow::Flow;
use crate::model::grant::Grant;
use crate::model::keywords::KeywordMappings;
use crate::model::project::{ConfigError, ProjectConfig};
use crate::model::vault::{Setup, VaultDoc, effective_audience};
use crate::model::{self, DocKind};
use crate::syntax::{Node, Parse, TextRange, parse};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a keyword mappings file cannot be used (see [`Workspace::mappings_problem`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MappingsProblem {
    #[error("not found, or not a file flowls may read")]
    Missing,
    #[error("not JSON")]
    NotJson,
    #[error("it holds no AUTH0_KEYWORD_REPLACE_MAPPINGS object")]
    NoMappings,
    #[error("its AUTH0_KEYWORD_REPLACE_MAPPINGS is not an object")]
    NotAnObject,
}

/// User settings that change what the analysis reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Workspace-relative path of the deploy-cli config with keyword mappings.
    pub keyword_mappings_file: String,
    /// Whether the user named that file (a setting, `--keyword-mappings`): then it must be
    /// there and hold mappings ([`Workspace::mappings_problem`]); `config.json` by default
    /// need not.
    pub keyword_mappings_named: bool,
    pub plaintext_secrets: bool,
    /// Larger documents are not analysed (one warning says so).
    pub max_document_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            keyword_mappings_file: "config.json".into(),
            keyword_mappings_named: false,
            plaintext_secrets: true,
            max_document_bytes: 16 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Relative to the workspace root, with `/` separators (the absolute path when outside).
    pub rel: String,
    pub text: Arc<str>,
    pub parse: Parse,
    /// What the file is: by its own path and content ([`model::classify`]), unless a deploy-cli
    /// YAML names it as the body of a flow or form.
    pub kind: DocKind,
    /// What [`model::classify`] says of it alone.
    own_kind: DocKind,
    /// For flows: every `connection_id` used, with what its action needs.
    pub uses: Vec<ConnectionRef>,
    line_index: std::sync::OnceLock<crate::syntax::line_index::LineIndex>,
    /// What the analysis keeps of this file between its versions (see
    /// `analysis::reuse`): carried from each version to the next, opaque here.
    pub analysis_cache: AnalysisCache,
}

/// A slot the analysis keeps its per-file results in, shared by a file's versions.
pub type AnalysisCache = Arc<std::sync::Mutex<Option<Box<dyn std::any::Any + Send>>>>;

impl SourceFile {
    /// Lines and columns of the text, computed once.
    pub fn line_index(&self) -> &crate::syntax::line_index::LineIndex {
        self.line_index
            .get_or_init(|| crate::syntax::line_index::LineIndex::new(&self.text))
    }
}

/// One action's use of a vault connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionRef {
    /// The `connection_id` as written (keyword markers substituted when known).
    pub connection: String,
    /// The `connection_id` as it may be shown to people: the substituted name, or the text as
    /// written with `(environment)` when an environment variable takes part in it
    /// (`KeywordMappings::shown`). Messages use this, never `connection`.
    pub shown: String,
    /// An environment variable takes part in the name: no suggestion may be derived from it
    /// either (a "did you mean" would tell how close the value is to a name).
    pub from_env: bool,
    /// In an export bundle: the range of the connection stub its `#CONN-n#` token names. The
    /// token stands for that stub, whatever else shares its name.
    pub stub: Option<TextRange>,
    /// That stub's `app_id`: what the token's connection is, even where a connection of
    /// another file shares its name (and so stands for it in the index).
    pub stub_app: Option<String>,
    /// The name holds a `##KEY##` marker whose value is not known: it names only a connection
    /// whose name is the same marker, and naming none is no finding (the value is unknown).
    pub unknown: bool,
    /// Range of the `connection_id` value.
    pub range: TextRange,
    /// `TYPE/ACTION`.
    pub label: std::borrow::Cow<'static, str>,
    pub action_id: Option<crate::syntax::Text>,
    /// Range of the action's `action` value (where `missing-scope` goes).
    pub action_range: TextRange,
    /// Range of the whole action object.
    pub object: TextRange,
    /// The vault app the action needs, when the pair is known.
    pub app: Option<&'static str>,
    pub need: crate::model::need::Need,
}

#[derive(Debug, Clone)]
pub struct VaultInfo {
    pub path: PathBuf,
    pub rel: String,
    /// The entry's range when the file holds several (a YAML `flowVaultConnections:` entry).
    pub entry: Option<TextRange>,
    pub name: Option<String>,
    pub name_range: TextRange,
    pub app_id: Option<String>,
    pub id: Option<String>,
    pub setup: Setup,
    pub domain: Option<String>,
    pub client_id: Option<String>,
    /// `setup.audience`, or `https://{domain}/api/v2/`.
    pub audience: Option<String>,
    /// The domain and audience as they may be shown: as written, with `(environment)`, when
    /// an environment variable takes part in them (`KeywordMappings::shown`).
    pub domain_shown: Option<String>,
    pub audience_shown: Option<String>,
    pub ready: Option<bool>,
    /// Declared in `flowls.toml` with its `app_id`: it lives only in the tenant, and no file
    /// of the workspace holds it.
    pub declared: bool,
}

impl VaultInfo {
    /// A connection to the Management API (an AUTH0 connection), whose M2M application needs
    /// scopes.
    pub fn is_management_api(&self) -> bool {
        self.app_id.as_deref() == Some(crate::catalogue::MANAGEMENT_API_APP)
    }

    /// A connection known only by its name and app (a bundle's stub, or one `flowls.toml`
    /// declares): no setup, so nothing about its credentials.
    fn by_name_only(
        path: PathBuf,
        rel: String,
        name: &str,
        name_range: TextRange,
        app_id: Option<&str>,
        id: Option<&str>,
        declared: bool,
    ) -> VaultInfo {
        VaultInfo {
            path,
            rel,
            entry: None,
            name: Some(name.to_string()),
            name_range,
            app_id: app_id.map(str::to_string),
            id: id.map(str::to_string),
            setup: Setup::Absent,
            domain: None,
            client_id: None,
            audience: None,
            domain_shown: None,
            audience_shown: None,
            ready: None,
            declared,
        }
    }
}

#[derive(Debug, Clone)]
pub struct GrantInfo {
    pub path: PathBuf,
    pub rel: String,
    /// The entry's range when the file holds several (a YAML `clientGrants:` entry).
    pub entry: Option<TextRange>,
    pub grant: Grant,
    /// The audience with `##KEY##` markers substituted where known.
    pub audience: Option<String>,
}

/// A `flows:` or `forms:` entry of a deploy-cli YAML: `{name, body: ./path.json}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// [`DocKind::Flow`] or [`DocKind::Form`].
    pub kind: DocKind,
    /// The YAML file and the entry's range in it.
    pub tenant: PathBuf,
    pub entry: TextRange,
    /// The entry's `name` (deploy-cli uses it when the body has none of its own).
    pub name: Option<String>,
}

/// What replacing a file changed beyond the file itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    /// Cross-file facts (a vault, grant, mapping or `flowls.toml`): every file may change.
    pub global: bool,
    /// Which connections the file's actions use, or what for.
    pub uses_changed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub mappings: KeywordMappings,
    pub vaults: Vec<VaultInfo>,
    pub grants: Vec<GrantInfo>,
    /// The body files deploy-cli YAML entries name (`flows:` / `forms:`), by path.
    pub bodies: HashMap<PathBuf, Body>,
    pub project: Option<(PathBuf, Result<ProjectConfig, ConfigError>)>,
    /// Different for every index built (in any workspace): what a result computed from the
    /// index may be reused with.
    pub version: u64,
    /// Terraform `import` blocks: a tenant id (`ac_…`, `af_…`) → the resource address it is
    /// imported to (`auth0_flow_vault_connection.users`).
    pub imports: HashMap<String, String>,
    /// The export bundles' connection tokens that `.tf` files replace by a reference.
    pub export_replacements: Vec<ExportReplacement>,
    /// The JSON files `.tf` resources read as attribute values (checked as what they receive).
    pub file_reads: Vec<terraform::FileRead>,
    /// Why a file a `.tf` file names with `file()` is not held, as the reading policy said when
    /// the files were read from disk ([`disk::note_unread`]): "is larger than 16 MiB", "is not
    /// JSON (it fails at 3:7)". Kept until the file is held.
    pub unread: HashMap<PathBuf, String>,
}

/// Each flow by name and id: its file, and its resource's range in a `.tf` file.
type FlowsIndex = HashMap<String, (PathBuf, Option<TextRange>)>;

/// The forms that start each flow, by the name or id their `flow_id`s give: the form's file,
/// and its resource's range in a `.tf` file.
type FormsIndex = HashMap<String, Vec<(PathBuf, Option<TextRange>)>>;

/// Which flows use each connection name or id: (file, index in its uses).
type UsesIndex = HashMap<String, Vec<(PathBuf, usize)>>;

/// The workspace. Cheap to clone — the files, each file, the index and the derived look-ups
/// are shared behind `Arc`s and copied only when a change meets a clone still in use — so a
/// clone is the immutable snapshot a request computes on, away from the editing state.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The folder the workspace is (`/` for a workspace of loose documents: see
    /// [`Workspace::rootless`]).
    pub root: PathBuf,
    /// Whether `root` is a folder the user opened (else nothing is read from disk).
    rooted: bool,
    pub settings: Settings,
    /// Environment variables used as keyword mappings (deploy-cli merges them too).
    env: Arc<[(String, String)]>,
    /// A persistent map: a snapshot's copy is a pointer, and an edit while a snapshot is read
    /// copies the path to one entry, not the map of every file.
    files: Files,
    index: Arc<Index>,
    /// Granted scopes proven by a Test connection, by vault name (the most trusted source).
    pub live_scopes: HashMap<String, Vec<String>>,
    /// Which flows use each connection name or id: (file, index in its uses), built when
    /// first asked for after a change, so checking every vault stays linear.
    uses_index: Arc<std::sync::OnceLock<UsesIndex>>,
    /// The flow files by name and by `id` (the first in file order for each), built when first
    /// asked for after a change.
    flows_index: Arc<std::sync::OnceLock<FlowsIndex>>,
    /// The forms (files and `.tf` resources) that start each flow, by the name or id their
    /// `flow_id`s give, built when first asked for after a change: checking every flow stays
    /// linear.
    forms_index: Arc<std::sync::OnceLock<FormsIndex>>,
}

impl Workspace {
    pub fn new(
        root: impl Into<PathBuf>,
        settings: Settings,
        env: Vec<(String, String)>,
    ) -> Workspace {
        let mut ws = Workspace {
            root: root.into(),
            rooted: true,
            settings,
            env: env.into(),
            files: Files::new(),
            index: Arc::default(),
            live_scopes: HashMap::new(),
            uses_index: Arc::default(),
            flows_index: Arc::default(),
            forms_index: Arc::default(),
        };
        ws.rebuild_index();
        ws
    }

    /// A workspace of the documents an editor opens outside any folder: nothing is read from
    /// disk, and paths are shown whole.
    pub fn rootless(settings: Settings, env: Vec<(String, String)>) -> Workspace {
        Workspace {
            rooted: false,
            ..Workspace::new("/", settings, env)
        }
    }

    /// Whether the workspace is a folder (see [`Workspace::rootless`]).
    pub fn has_root(&self) -> bool {
        self.rooted
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.values().map(|f| &**f)
    }

    pub fn file(&self, path: &Path) -> Option<&SourceFile> {
        self.files.get(path).map(|f| &**f)
    }

    /// The files, to change (a snapshot sharing them keeps its own version).
    fn files_mut(&mut self) -> &mut Files {
        &mut self.files
    }

    /// Takes a file out to be replaced: its previous version whole when nothing else holds it
    /// (for the incremental reparse), else only what the replacement compares with.
    fn take_file(&mut self, path: &Path) -> Option<Result<SourceFile, Arc<SourceFile>>> {
        self.files_mut().remove(path).map(Arc::try_unwrap)
    }

    pub fn rel_path(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Why the keyword mappings file cannot be used, when it cannot: a file the user named
    /// must be there, be JSON and hold an `AUTH0_KEYWORD_REPLACE_MAPPINGS` object; the default
    /// `config.json` only must not hold mappings that are not an object.
    pub fn mappings_problem(&self) -> Option<MappingsProblem> {
        let named = self.settings.keyword_mappings_named;
        let path = self.root.join(&self.settings.keyword_mappings_file);
        let Some(file) = self.file(&path) else {
            return named.then_some(MappingsProblem::Missing);
        };
        let errors = file
            .parse
            .errors
            .iter()
            .any(|e| e.severity == crate::syntax::SyntaxSeverity::Error);
        let root = file.parse.root.as_ref().filter(|r| r.as_object().is_some());
        match root.and_then(|r| r.get("AUTH0_KEYWORD_REPLACE_MAPPINGS")) {
            Some(m) if m.as_object().is_none() => Some(MappingsProblem::NotAnObject),
            _ if named && (errors || root.is_none()) => Some(MappingsProblem::NotJson),
            None if named => Some(MappingsProblem::NoMappings),
            _ => None,
        }
    }

    /// The keyword mappings file as [`Workspace::rel_path`] names it: the setting may be
    /// relative to the root or absolute (inside the root or not).
    fn mappings_rel(&self) -> String {
        self.rel_path(&self.root.join(&self.settings.keyword_mappings_file))
    }

    /// Adds or replaces a file. Returns whether cross-file facts changed (so that every
    /// flow's and vault's diagnostics may have changed), as opposed to this file's alone.
    pub fn set_file(&mut self, path: PathBuf, text: Arc<str>) -> bool {
        self.replace_file(path, text).global
    }

    /// [`Workspace::set_file`], also telling whether the file's connection uses changed.
    pub fn replace_file(&mut self, path: PathBuf, text: Arc<str>) -> Replaced {
        let (was_global, old_uses, old) = match self.take_file(&path) {
            None => (false, Vec::new(), None),
            Some(Ok(mut f)) => (f.kind.is_global(), std::mem::take(&mut f.uses), Some(Ok(f))),
            // a snapshot still reads the previous version: parsed afresh
            Some(Err(shared)) => (
                shared.kind.is_global(),
                shared.uses.clone(),
                Some(Err(shared)),
            ),
        };
        let was_flow = matches!(&old, Some(Ok(f)) if f.kind == DocKind::Flow);
        let keys_before = match &old {
            None => Some(LookupKeys::default()),
            Some(Ok(f)) => self.lookup_keys(f),
            Some(Err(f)) => self.lookup_keys(f),
        };
        let (mut file, edit) = self.load(path.clone(), text, old);
        let keys_after = self.lookup_keys(&file);
        let (uses, uses_changed) = match edit {
            // after an edit that one container's reparse covered: only the actions it touched
            // (and only in a document without syntax errors: recovery elsewhere may read the same
            // actions differently)
            Some(edit)
                if was_flow && file.kind == DocKind::Flow && file.parse.errors.is_empty() =>
            {
                uses_after_edit(old_uses, &file, edit, &self.index.mappings)
            }
            _ => {
                let uses = uses_of_file(&file, &self.index.mappings);
                let changed = !same_uses(&old_uses, &uses);
                (uses, changed)
            }
        };
        file.uses = uses;
        // the ranges of the replaced tokens of a file a `.tf` file reads are in the index
        let replaced_in = self
            .index
            .export_replacements
            .iter()
            .any(|r| r.bundle == path);
        let global = file.kind.is_global() || was_global || replaced_in;
        self.files_mut().insert(path, Arc::new(file));
        // the look-ups derived from every file are made again only when what they read of this
        // one changed: a keystroke in a flow costs the flow, not the workspace
        let (same_flows, same_forms) = match (&keys_before, &keys_after) {
            (Some(a), Some(b)) => (a.flow == b.flow, a.form_refs == b.form_refs),
            _ => (false, false),
        };
        if !same_flows {
            self.flows_index = Arc::default();
        }
        if !same_forms {
            self.forms_index = Arc::default();
        }
        if uses_changed {
            self.uses_index = Arc::default();
        }
        if global {
            self.rebuild_index();
        }
        Replaced {
            global,
            uses_changed,
        }
    }

    /// Parses and classifies a file (its `uses` are left empty). With the file's previous
    /// version, only the part the edit touched is parsed again when that is enough (when no
    /// snapshot still reads that version), and its line index and analysis cache carry over.
    /// Returns the edit from the previous version when the tree was reparsed around it.
    fn load(
        &self,
        path: PathBuf,
        text: Arc<str>,
        old: Option<Result<SourceFile, Arc<SourceFile>>>,
    ) -> (SourceFile, Option<crate::syntax::Edit>) {
        let rel = self.rel_path(&path);
        let limit = self.settings.max_document_bytes;
        let mut reparsed = None;
        let line_index = std::sync::OnceLock::new();
        let mut analysis_cache = AnalysisCache::default();
        let mut edit = None;
        let mut kept_kind = None;
        let mut carry = |old: &SourceFile, cache: &mut AnalysisCache| {
            let e = crate::syntax::Edit::between(&old.text, &text);
            // the line index, where it was made, is moved around the edit rather than made anew
            if let Some(index) = old.line_index.get() {
                let _ = line_index.set(index.after(e, &old.text, &text));
            }
            *cache = old.analysis_cache.clone();
            edit = Some(e);
        };
        match old {
            None => {}
            Some(Err(shared)) => carry(&shared, &mut analysis_cache),
            Some(Ok(old)) => {
                carry(&old, &mut analysis_cache);
                let mut old_parse = old.parse;
                // whether the top-level action the edit falls in was typed before it
                let was_typed = edit.and_then(|e| {
                    let items = old_parse.root.as_ref()?.get("actions")?.as_array()?;
                    let i = items.partition_point(|a| (a.range.end as usize) <= e.start);
                    let a = items.get(i)?;
                    ((a.range.start as usize) < e.start && e.old_end < a.range.end as usize)
                        .then(|| model::is_typed_action(a))
                });
                if let Some(e) = edit
                    && text.len() <= limit
                    && old.text.len() <= limit
                    && rel.ends_with(".json")
                    && let Some(path) = crate::syntax::reparse_edit(&mut old_parse, e, &text)
                {
                    if old.own_kind == DocKind::Flow
                        && rel != self.mappings_rel()
                        && edit_keeps_flow(old_parse.root.as_ref(), &path, was_typed)
                    {
                        kept_kind = Some(old.own_kind);
                    }
                    reparsed = Some(old_parse);
                } else if old.text.len() > 64 * 1024 {
                    // a large tree is freed off the edit path
                    crate::background::drop_later(old_parse);
                }
            }
        }
        let edit = edit.filter(|_| reparsed.is_some());
        let parse = if let Some(p) = reparsed {
            p
        } else if text.len() > limit {
            Parse {
                root: None,
                errors: vec![crate::syntax::SyntaxError {
                    range: TextRange::empty(0),
                    message: format!(
                        "this file is larger than {} MiB, so flowls does not check it (the limit is the setting maxDocumentSizeMB)",
                        limit / (1024 * 1024)
                    ),
                    severity: crate::syntax::SyntaxSeverity::Warning,
                }],
            }
        } else if rel.ends_with(".json") || rel == self.mappings_rel() {
            // the mappings file is deploy-cli's JSON config whatever its name
            parse(&text)
        } else if model::is_yaml(&rel) {
            crate::syntax::parse_yaml(&text)
        } else if rel.ends_with(model::layout::TERRAFORM_SUFFIX) {
            crate::syntax::hcl::parse_hcl_in(
                &text,
                &self.module_values(&path),
                &self.module_declarations(&path),
            )
        } else {
            Parse::default()
        };
        let own_kind = kept_kind
            .unwrap_or_else(|| model::classify(&rel, parse.root.as_ref(), &self.mappings_rel()));
        let kind = terraform::read_kind(
            body_kind(own_kind, self.index.bodies.get(&path)),
            &self.index.file_reads,
            &path,
        );
        let file = SourceFile {
            path,
            rel,
            text,
            parse,
            kind,
            own_kind,
            uses: Vec::new(),
            line_index,
            analysis_cache,
        };
        (file, edit)
    }

    /// Adds many files at once, building the index once (global files first, so that flows
    /// see the keyword mappings).
    pub fn set_files(&mut self, mut files: Vec<(PathBuf, Arc<str>)>) {
        // a module's `.tfvars` before its `.tf` files, which read them, and the `.tf` files that
        // declare `locals` or variables before those that may use them
        files.sort_by_cached_key(|(p, t)| {
            let declares =
                p.extension().is_some_and(|e| e == "tf") && crate::syntax::hcl::may_declare(t);
            (!is_tfvars(p), !declares)
        });
        let tfvars: Vec<PathBuf> = files
            .iter()
            .map(|(p, _)| p.clone())
            .filter(|p| is_tfvars(p))
            .collect();
        let batch: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
        let mut any_global = false;
        for (path, text) in files {
            let old = self.take_file(&path);
            if let Some(Ok(f)) = &old {
                any_global |= f.kind.is_global();
            } else if let Some(Err(shared)) = &old {
                any_global |= shared.kind.is_global();
            }
            let (file, _) = self.load(path.clone(), text, old);
            any_global |= file.kind.is_global();
            self.files_mut().insert(path, Arc::new(file));
        }
        if any_global {
            self.rebuild_index();
        }
        let mappings = self.index.mappings.clone();
        let changed: Vec<(PathBuf, Vec<ConnectionRef>)> = self
            .files
            .values()
            .filter_map(|f| {
                let uses = uses_of_file(f, &mappings);
                (uses != f.uses).then(|| (f.path.clone(), uses))
            })
            .collect();
        for (path, uses) in changed {
            if let Some(f) = self.files.get_mut(&path) {
                Arc::make_mut(f).uses = uses;
            }
        }
        self.touched();
        if !tfvars.is_empty() {
            self.reload_modules(&tfvars, &batch);
        }
        self.complete_modules(&batch);
    }

    /// Removes a file; returns whether cross-file facts changed.
    pub fn remove_file(&mut self, path: &Path) -> bool {
        self.touched();
        match self.files_mut().remove(path) {
            Some(f) if f.kind.is_global() => {
                self.rebuild_index();
                true
            }
            _ => false,
        }
    }

    pub fn set_settings(&mut self, settings: Settings) {
        if settings != self.settings {
            let reclassify = settings.keyword_mappings_file != self.settings.keyword_mappings_file
                || settings.max_document_bytes != self.settings.max_document_bytes;
            self.settings = settings;
            if reclassify {
                let files: Vec<(PathBuf, Arc<str>)> = self
                    .files
                    .values()
                    .map(|f| (f.path.clone(), f.text.clone()))
                    .collect();
                let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
                for (p, t) in files {
                    self.files_mut().remove(&p); // parsed afresh under the new settings
                    self.set_file(p, t);
                }
                self.complete_modules(&paths);
            }
            self.rebuild_index();
        }
    }

    /// Long: the index is built in one pass over the files, in the order its parts depend on
    /// each other (mappings, vaults, grants, bundles, declared connections, YAML bodies).
    fn rebuild_index(&mut self) {
        self.touched();
        let mappings_root = self
            .files
            .values()
            .find(|f| f.kind == DocKind::KeywordMappings)
            .and_then(|f| f.parse.root.as_ref());
        // `flowls.toml` (one, at the root), read once: its placeholders take part in the mappings
        let project = self
            .files
            .values()
            .find(|f| f.kind == DocKind::ProjectConfig)
            .map(|f| (f.path.clone(), ProjectConfig::parse(&f.text)));
        let placeholders = project
            .as_ref()
            .and_then(|(_, c)| c.as_ref().ok())
            .map(|c| c.placeholders.clone())
            .unwrap_or_default();
        let mappings = KeywordMappings::from_config(mappings_root)
            .with_env(self.env.iter().cloned())
            .with_placeholders(placeholders);
        let mappings_changed = mappings != self.index.mappings;
        static BUILT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut unread = self.index.unread.clone();
        unread.retain(|p, _| !self.files.contains_key(p));
        let mut index = Index {
            mappings,
            project,
            unread,
            version: BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ..Index::default()
        };
        let mut bundle_connections = Vec::new();
        for f in self.files.values() {
            let Some(root) = &f.parse.root else {
                continue;
            };
            match f.kind {
                DocKind::Vault => index
                    .vaults
                    .push(vault_info(f, root, None, &index.mappings)),
                DocKind::Bundle => bundle_connections.push((f, root)),
                DocKind::Terraform => {
                    use crate::syntax::hcl;
                    for (kind, _, node) in hcl::resources(root) {
                        match kind {
                            hcl::VAULT_CONNECTION => index.vaults.push(vault_info(
                                f,
                                node,
                                Some(node.range),
                                &index.mappings,
                            )),
                            hcl::CLIENT_GRANT => index.grants.push(grant_info(
                                f,
                                node,
                                Some(node.range),
                                &index.mappings,
                            )),
                            _ => {}
                        }
                    }
                    for (id, to) in hcl::imports(root) {
                        index.imports.insert(id.to_string(), to.to_string());
                    }
                }
                DocKind::Grant => {
                    let grant = grant_info(f, root, None, &index.mappings);
                    index.grants.push(grant);
                }
                DocKind::Tenant => {
                    let tenant = crate::model::tenant::Tenant::new(root);
                    for &entry in &tenant.vaults {
                        let v = vault_info(f, entry, Some(entry.range), &index.mappings);
                        index.vaults.push(v);
                    }
                    for &entry in &tenant.grants {
                        let g = grant_info(f, entry, Some(entry.range), &index.mappings);
                        index.grants.push(g);
                    }
                    let dir = f.path.parent().unwrap_or(&self.root);
                    for (kind, entry) in tenant.bodies() {
                        let Some(target) = entry.body.and_then(Node::as_str) else {
                            continue;
                        };
                        index.bodies.entry(body_path(dir, target)).or_insert(Body {
                            kind,
                            tenant: f.path.clone(),
                            entry: entry.node.range,
                            name: entry.name.and_then(Node::as_str).map(str::to_string),
                        });
                    }
                }
                _ => {}
            }
        }
        // a bundle's connection stubs, after the vault files (a file of the same name wins); a
        // stub whose token a `.tf` file replaces by a reference is that resource
        let replacements = terraform::export_replacements(&self.files, &self.root, self.has_root());
        for (f, root) in bundle_connections {
            for (_, stub) in bundle_stubs(root) {
                let Some(name) = stub.get("name").and_then(Node::as_str) else {
                    continue;
                };
                if terraform::replaced_stub(&replacements, &f.path, stub.range).is_some() {
                    continue;
                }
                if index.vaults.iter().any(|v| v.name.as_deref() == Some(name)) {
                    continue;
                }
                let mut v = VaultInfo::by_name_only(
                    f.path.clone(),
                    f.rel.clone(),
                    name,
                    stub.get("name").map_or(stub.range, |n| n.range),
                    stub.get("app_id").and_then(Node::as_str),
                    stub.get("id").and_then(Node::as_str),
                    false,
                );
                // a bundle holds several: each stub is known by its range
                v.entry = Some(stub.range);
                index.vaults.push(v);
            }
        }
        declared_connections(&mut index);
        index.export_replacements = replacements;
        index.file_reads = terraform::file_reads(&self.files, &self.root, self.has_root());
        self.index = Arc::new(index);
        // a file named as a YAML entry's body is what the entry says it is
        let index = self.index.clone();
        let changed: Vec<(PathBuf, DocKind, Vec<ConnectionRef>)> = self
            .files
            .values()
            .filter_map(|f| {
                let own = body_kind(f.own_kind, index.bodies.get(&f.path));
                let kind = terraform::read_kind(own, &index.file_reads, &f.path);
                (kind != f.kind || mappings_changed)
                    .then(|| (f.path.clone(), kind, uses_of_file(f, &index.mappings)))
            })
            .collect();
        for (path, kind, uses) in changed {
            if let Some(f) = self.files.get_mut(&path) {
                let f = Arc::make_mut(f);
                f.kind = kind;
                f.uses = uses;
            }
        }
    }

    /// A flow's name as deploy-cli deploys it: its own `name`, else the YAML entry's that
    /// names the file as its body.
    pub fn flow_name<'a>(&'a self, file: &'a SourceFile, root: &'a Node) -> Option<&'a str> {
        root.get("name").and_then(Node::as_str).or_else(|| {
            let body = self.index.bodies.get(&file.path)?;
            (std::ptr::eq(root, file.parse.root.as_ref()?)).then_some(body.name.as_deref()?)
        })
    }

    /// A vault connection's `setup` as its file writes it (none for a connection known by name
    /// only).
    pub fn written_setup(&self, vault: &VaultInfo) -> Option<&Node> {
        self.entry_node(&vault.path, vault.entry)?.get("setup")
    }

    /// The node of an entry: the file's root, or the entry of a file that holds several.
    pub fn entry_node(&self, path: &Path, entry: Option<TextRange>) -> Option<&Node> {
        let root = self.file(path)?.parse.root.as_ref()?;
        match entry {
            None => Some(root),
            Some(range) => {
                let t = crate::model::tenant::Tenant::new(root);
                let stubs = bundle_stubs(root).into_iter().map(|(_, stub)| stub);
                let resources = crate::syntax::hcl::resources(root).map(|(_, _, n)| n);
                t.vaults
                    .into_iter()
                    .chain(t.grants)
                    .chain(stubs)
                    .chain(resources)
                    .find(|n| n.range == range)
            }
        }
    }

    /// The vault connections a file holds (one, or a YAML file's entries).
    pub fn vaults_in<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a VaultInfo> {
        self.index.vaults.iter().filter(move |v| v.path == path)
    }

    /// The flow file a form's `flow_id` names: by the flow's `name`, or its `af_…` id.
    pub fn flow_named(&self, name: &str) -> Option<&SourceFile> {
        self.flow_entry(name).map(|(f, _)| f)
    }

    /// The flow a name or id names, and its node: a flow file's root, or an `auth0_flow`
    /// resource of a `.tf` file (found by its `name` or its reference `auth0_flow.NAME.id`).
    pub fn flow_entry(&self, name: &str) -> Option<(&SourceFile, &Node)> {
        let index = self.flows_index.get_or_init(|| {
            let mut index: FlowsIndex = HashMap::new();
            for f in self.files() {
                let Some(r) = f.parse.root.as_ref() else {
                    continue;
                };
                let flows: Vec<(&Node, Option<TextRange>)> = match f.kind {
                    DocKind::Flow => vec![(r, None)],
                    DocKind::Terraform => terraform_flows(r).map(|n| (n, Some(n.range))).collect(),
                    _ => continue,
                };
                for (flow, entry) in flows {
                    let id = flow.get("id").and_then(Node::as_str);
                    for key in [self.flow_name(f, flow), id].into_iter().flatten() {
                        index
                            .entry(key.to_string())
                            .or_insert_with(|| (f.path.clone(), entry));
                    }
                }
            }
            index
        });
        let (path, entry) = index.get(name)?;
        let file = self.file(path)?;
        let node = match entry {
            None => file.parse.root.as_ref()?,
            Some(range) => {
                terraform_flows(file.parse.root.as_ref()?).find(|n| n.range == *range)?
            }
        };
        Some((file, node))
    }

    /// The forms (files of forms and `auth0_form` resources, not bundles) with a `flow_id`
    /// naming the flow by `name` or by `id`, each with its node (a form file's root, or the
    /// resource), in file order.
    pub fn forms_starting(
        &self,
        name: Option<&str>,
        id: Option<&str>,
    ) -> Vec<(&SourceFile, &Node)> {
        let index = self.forms_index.get_or_init(|| {
            let mut index: FormsIndex = HashMap::new();
            for f in self.files() {
                let Some(root) = &f.parse.root else {
                    continue;
                };
                let forms: Vec<(&Node, Option<TextRange>)> = match f.kind {
                    DocKind::Form => vec![(root, None)],
                    DocKind::Terraform => {
                        terraform_forms(root).map(|n| (n, Some(n.range))).collect()
                    }
                    _ => continue,
                };
                for (form, entry) in forms {
                    let mut refs: Vec<&str> = crate::model::form::Form::new(form)
                        .flow_refs()
                        .iter()
                        .map(|(r, _)| *r)
                        .collect();
                    refs.sort_unstable();
                    refs.dedup();
                    for r in refs {
                        index
                            .entry(r.to_string())
                            .or_default()
                            .push((f.path.clone(), entry));
                    }
                }
            }
            index
        });
        let mut at: Vec<&(PathBuf, Option<TextRange>)> = [name, id]
            .into_iter()
            .flatten()
            .flat_map(|key| index.get(key).into_iter().flatten())
            .collect();
        at.sort();
        at.dedup();
        at.into_iter()
            .filter_map(|(p, entry)| {
                let file = self.file(p)?;
                let root = file.parse.root.as_ref()?;
                let node = match entry {
                    None => root,
                    Some(range) => terraform_forms(root).find(|n| n.range == *range)?,
                };
                Some((file, node))
            })
            .collect()
    }

    /// The names of the workspace's flows (for suggestions).
    pub fn flow_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .files()
            .filter(|f| f.kind == DocKind::Flow)
            .filter_map(|f| Some(self.flow_name(f, f.parse.root.as_ref()?)?.to_string()))
            .collect();
        for f in self.files().filter(|f| f.kind == DocKind::Terraform) {
            let flows = f.parse.root.as_ref().into_iter().flat_map(terraform_flows);
            names.extend(flows.filter_map(|n| Some(n.get("name")?.as_str()?.to_string())));
        }
        names
    }

    /// The vault connection a use in `file` names: a bundle's own stub for its token, else as
    /// [`Workspace::resolve_connection`] finds it.
    pub fn resolve_use(&self, file: &SourceFile, u: &ConnectionRef) -> Option<&VaultInfo> {
        if let Some(r) = self.replaced_use(&file.path, u) {
            // replaced by an unknown value: a connection flowls cannot know
            return self.resolve_connection(r.reference.as_deref()?);
        }
        u.stub
            .and_then(|stub| {
                self.index
                    .vaults
                    .iter()
                    .find(|v| v.path == file.path && v.entry == Some(stub))
            })
            .or_else(|| self.resolve_connection(&u.connection))
    }

    /// What replaces a use's `#CONN-n#` token where a `.tf` file reads its text
    /// (`replace(…, "#CONN-1#", auth0_flow_vault_connection.x.id)`), in an export bundle or a
    /// plain JSON file read as an attribute's value: the use is that reference's, whatever the
    /// bundle's stub for the token is named. The one place that decides it, for
    /// [`Workspace::resolve_use`] and [`Workspace::uses_of`] alike.
    pub fn replaced_use(
        &self,
        path: &Path,
        u: &ConnectionRef,
    ) -> Option<&terraform::ExportReplacement> {
        terraform::replaced(&self.index.export_replacements, path, u)
    }

    /// The vault connection a `connection_id` names: by name, or by `ac_…` id (also the id an
    /// `import` block maps to a resource).
    pub fn resolve_connection(&self, connection: &str) -> Option<&VaultInfo> {
        let by_id = |id: &str| {
            self.index
                .vaults
                .iter()
                .find(|v| v.id.as_deref() == Some(id))
        };
        let mappings = &self.index.mappings;
        self.index
            .vaults
            .iter()
            .find(|v| v.name.as_deref() == Some(connection))
            .or_else(|| {
                // a name written with `##KEY##` markers: what it stands for
                self.index.vaults.iter().find(|v| {
                    v.name.as_deref().is_some_and(|n| {
                        n.contains("##")
                            && connection_key(n, mappings).as_deref() == Some(connection)
                    })
                })
            })
            .or_else(|| by_id(connection))
            .or_else(|| by_id(&format!("{}.id", self.index.imports.get(connection)?)))
    }

    /// Every action in every flow that uses this vault connection, in file order.
    pub fn uses_of<'a>(
        &'a self,
        vault: &'a VaultInfo,
    ) -> impl Iterator<Item = (&'a SourceFile, &'a ConnectionRef)> {
        let index = self.uses_index.get_or_init(|| {
            let mut index: UsesIndex = HashMap::new();
            for f in self.files.values() {
                for (i, u) in f.uses.iter().enumerate() {
                    index
                        .entry(u.connection.clone())
                        .or_default()
                        .push((f.path.clone(), i));
                }
            }
            terraform::add_export_uses(&self.index.export_replacements, &self.files, &mut index);
            index
        });
        // a literal id an `import` block maps to a resource names that resource
        let address = vault.id.as_deref().and_then(|id| id.strip_suffix(".id"));
        let imported = self
            .index
            .imports
            .iter()
            .filter(move |(_, to)| address == Some(to.as_str()))
            .map(|(id, _)| id.as_str());
        // a name written with `##KEY##` markers is also named by what it stands for
        let key = vault
            .name
            .as_deref()
            .filter(|n| n.contains("##"))
            .and_then(|n| connection_key(n, &self.index.mappings));
        let mut at: Vec<&(PathBuf, usize)> = [vault.name.as_deref(), vault.id.as_deref()]
            .into_iter()
            .flatten()
            .chain(key.as_deref())
            .chain(imported)
            .flat_map(|key| index.get(key).into_iter().flatten())
            .collect();
        at.sort();
        at.dedup();
        // a use whose token a `.tf` file replaces is the replacing resource's only (the stub's
        // name may be another connection's)
        let keys = [vault.name.as_deref(), vault.id.as_deref()];
        at.into_iter().filter_map(move |(path, ui)| {
            let f = self.file(path)?;
            let u = f.uses.get(*ui)?;
            match self.replaced_use(path, u) {
                Some(r) if r.reference.is_none() || !keys.contains(&r.reference.as_deref()) => None,
                _ => Some((f, u)),
            }
        })
    }

    /// What the look-ups derived from the files ([`Workspace::flow_entry`],
    /// [`Workspace::forms_starting`]) read of one file; `None` when any edit of it may change
    /// them (a `.tf` file's flows are found again by their ranges).
    fn lookup_keys(&self, f: &SourceFile) -> Option<LookupKeys> {
        let root = f.parse.root.as_ref();
        match f.kind {
            DocKind::Terraform => None,
            DocKind::Flow => Some(LookupKeys {
                flow: root.map(|r| {
                    let id = r.get("id").and_then(Node::as_str);
                    (
                        self.flow_name(f, r).map(str::to_string),
                        id.map(str::to_string),
                    )
                }),
                form_refs: Vec::new(),
            }),
            DocKind::Form => Some(LookupKeys {
                flow: None,
                form_refs: root.map_or_else(Vec::new, |r| {
                    let mut refs: Vec<String> = crate::model::form::Form::new(r)
                        .flow_refs()
                        .iter()
                        .map(|(r, _)| r.to_string())
                        .collect();
                    refs.sort_unstable();
                    refs.dedup();
                    refs
                }),
            }),
            _ => Some(LookupKeys::default()),
        }
    }

    /// Forgets what is derived from the files (after any change to them).
    fn touched(&mut self) {
        self.uses_index = Arc::default();
        self.flows_index = Arc::default();
        self.forms_index = Arc::default();
    }
}

/// The files of a workspace by path, in path order.
type Files = imbl::OrdMap<PathBuf, Arc<SourceFile>>;

/// See [`Workspace::lookup_keys`]: a flow file's name and id, a form's `flow_id`s.
#[derive(Debug, Default, PartialEq)]
struct LookupKeys {
    flow: Option<(Option<String>, Option<String>)>,
    form_refs: Vec<String>,
}

/// What a file is, given the YAML entry (if any) that names it as a body: a flow or form
/// body stays a bundle, vault or grant if that is what it is by itself.
fn body_kind(own: DocKind, body: Option<&Body>) -> DocKind {
    match body {
        Some(b) if matches!(own, DocKind::Other | DocKind::Flow | DocKind::Form) => b.kind,
        _ => own,
    }
}

/// A body path of a YAML entry, from the YAML file's folder (as deploy-cli resolves it), with
/// `.` and `..` resolved without touching the disk; an absolute path is itself.
pub fn body_path(dir: &Path, target: &str) -> PathBuf {
    // an absolute path is that path (`file("/etc/x.json")`), not one inside `dir`
    let written = Path::new(target);
    let (mut out, rest) = if written.is_absolute() || target.starts_with('/') {
        use std::path::Component;
        let root: PathBuf = written
            .components()
            .take_while(|c| matches!(c, Component::Prefix(_) | Component::RootDir))
            .collect();
        let prefix = match written.components().next() {
            Some(Component::Prefix(p)) => p.as_os_str().len(),
            _ => 0,
        };
        let root = if root.as_os_str().is_empty() {
            PathBuf::from("/")
        } else {
            root
        };
        (root, target.get(prefix..).unwrap_or_default())
    } else {
        (dir.to_path_buf(), target)
    };
    for part in rest.replace('\\', "/").split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out
}

fn grant_info(
    f: &SourceFile,
    root: &Node,
    entry: Option<TextRange>,
    mappings: &KeywordMappings,
) -> GrantInfo {
    let grant = Grant::new(root);
    let audience = grant
        .audience
        .as_deref()
        .map(|a| mappings.substitute(a).unwrap_or_else(|| a.to_string()));
    GrantInfo {
        path: f.path.clone(),
        rel: f.rel.clone(),
        entry,
        grant,
        audience,
    }
}

fn vault_info(
    f: &SourceFile,
    root: &Node,
    entry: Option<TextRange>,
    mappings: &KeywordMappings,
) -> VaultInfo {
    let doc = VaultDoc::new(root);
    let setup = doc.resolve_setup(mappings);
    let domain = setup.field("domain").map(str::to_string);
    let audience = effective_audience(domain.as_deref(), setup.field("audience"));
    // the text each value was written as: its own field, or the marker the whole setup is
    let raw_setup = root.get("setup");
    let raw = |key: &str| -> Option<String> {
        crate::model::vault::written_field(raw_setup?, key).map(|t| t.into_owned())
    };
    let domain_shown = domain
        .as_deref()
        .map(|d| raw("domain").map_or_else(|| d.to_string(), |r| mappings.shown(&r, d)));
    let audience_shown = match (setup.field("audience"), &domain_shown) {
        (Some(a), _) => {
            Some(raw("audience").map_or_else(|| a.to_string(), |r| mappings.shown(&r, a)))
        }
        (None, Some(d)) => effective_audience(Some(d.trim_end_matches(" (environment)")), None)
            .map(|a| {
                if d.ends_with(" (environment)") {
                    format!("{a} (environment)")
                } else {
                    a
                }
            }),
        (None, None) => None,
    };
    VaultInfo {
        declared: false,
        entry,
        domain_shown,
        audience_shown,
        path: f.path.clone(),
        rel: f.rel.clone(),
        name: doc.name_str().map(str::to_string),
        name_range: doc
            .name
            .map_or(TextRange::empty(root.range.start as usize), |n| n.range),
        app_id: doc.app_id_str().map(str::to_string),
        id: doc.id_str().map(str::to_string),
        client_id: setup.field("client_id").map(str::to_string),
        domain,
        audience,
        setup,
        ready: root.get("ready").and_then(Node::as_bool),
    }
}

/// The connections `flowls.toml` declares with an `app_id` (they live only in the tenant) and
/// no vault file defines: known by name, at their entry in `flowls.toml`.
fn declared_connections(index: &mut Index) {
    let Some((path, Ok(config))) = &index.project else {
        return;
    };
    for (name, c) in &config.connections {
        let Some((app_id, _)) = &c.app_id else {
            continue;
        };
        if index.vaults.iter().any(|v| v.name.as_deref() == Some(name)) {
            continue;
        }
        index.vaults.push(VaultInfo::by_name_only(
            path.clone(),
            "flowls.toml".into(),
            name,
            c.name_range,
            Some(app_id),
            None,
            true,
        ));
    }
}

/// The connection uses of a file: a flow's, or those of every flow an export bundle holds (its
/// `#CONN-n#` tokens read as the names of the bundle's connection stubs).
fn uses_of_file(f: &SourceFile, mappings: &KeywordMappings) -> Vec<ConnectionRef> {
    let Some(root) = &f.parse.root else {
        return Vec::new();
    };
    match f.kind {
        DocKind::Flow => flow_uses(root, mappings),
        DocKind::Terraform => terraform_flows(root)
            .flat_map(|flow| flow_uses(flow, mappings))
            .collect(),
        DocKind::Bundle => {
            let stubs = bundle_stubs(root);
            bundle_flows(root)
                .flat_map(|flow| flow_uses(flow, mappings))
                .map(|mut u| {
                    if let Some((_, stub)) = stubs.iter().find(|(token, _)| *token == u.connection)
                    {
                        u.stub = Some(stub.range);
                        u.stub_app = stub
                            .get("app_id")
                            .and_then(Node::as_str)
                            .map(str::to_string);
                        if let Some(name) = stub.get("name").and_then(Node::as_str) {
                            u.connection = name.to_string();
                            u.shown = name.to_string();
                        }
                    }
                    u
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The `auth0_flow` resources of a Terraform file's tree.
pub fn terraform_flows(root: &Node) -> impl Iterator<Item = &Node> {
    crate::syntax::hcl::resources(root)
        .filter(|(kind, _, _)| *kind == crate::syntax::hcl::FLOW)
        .map(|(_, _, node)| node)
}

/// The `auth0_form` resources of a `.tf` file.
pub fn terraform_forms(root: &Node) -> impl Iterator<Item = &Node> {
    crate::syntax::hcl::resources(root)
        .filter(|(kind, _, _)| *kind == crate::syntax::hcl::FORM)
        .map(|(_, _, node)| node)
}

/// The flows of an export bundle (`flows`: token → flow).
pub fn bundle_flows(root: &Node) -> impl Iterator<Item = &Node> {
    root.get("flows")
        .and_then(Node::as_object)
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.value.as_ref())
}

/// The connection stubs of an export bundle, by token (`#CONN-1#`).
pub fn bundle_stubs(root: &Node) -> Vec<(&str, &Node)> {
    root.get("connections")
        .and_then(Node::as_object)
        .unwrap_or_default()
        .iter()
        .filter_map(|m| Some((m.key.as_str(), m.value.as_ref()?)))
        .collect()
}

/// The uses of a flow document after an edit that reparsing one container covered (so its
/// tree and text are the previous ones outside the edit, moved): the uses of the top-level
/// actions the edit touches are found again, the others are the previous ones, moved.
fn uses_after_edit(
    old: Vec<ConnectionRef>,
    file: &SourceFile,
    edit: crate::syntax::Edit,
    mappings: &KeywordMappings,
) -> (Vec<ConnectionRef>, bool) {
    let Some(root) = &file.parse.root else {
        return (Vec::new(), !old.is_empty());
    };
    let start = edit.start;
    let new_end = edit.new_end();
    let delta = edit.delta();
    // only an edit strictly inside the `actions` array leaves the rest of the flow as it was
    let list = root
        .get("actions")
        .filter(|list| (list.range.start as usize) < start && new_end < list.range.end as usize);
    let Some(items) = list.and_then(Node::as_array) else {
        let uses = flow_uses(root, mappings);
        let changed = !same_uses(&old, &uses);
        return (uses, changed);
    };
    // the top-level actions that touch the edit (found by their ranges: nothing else of the
    // flow is read), and the region of the new text they and the edit cover (no action
    // straddles it)
    let first = items.partition_point(|a| (a.range.end as usize) < start);
    let last = first + items[first..].partition_point(|a| (a.range.start as usize) <= new_end);
    let touched = &items[first..last];
    let from = touched
        .first()
        .map_or(start, |a| start.min(a.range.start as usize));
    let to = touched
        .last()
        .map_or(new_end, |a| new_end.max(a.range.end as usize));
    let old_to = (to as i64 - delta) as usize;
    let touched: Vec<crate::model::flow::Action> = touched
        .iter()
        .filter(|n| n.as_object().is_some())
        .map(crate::model::flow::Action::new)
        .collect();
    let mut inside = Vec::new();
    for a in &touched {
        let mut nested = vec![a];
        let mut i = 0;
        while i < nested.len() {
            let n = nested[i];
            i += 1;
            nested.splice(i..i, n.branches.iter().flat_map(|b| b.actions.iter()));
        }
        inside.extend(actions_uses(nested, mappings));
    }
    let moved = |r: TextRange| {
        TextRange::new(
            (r.start as i64 + delta) as usize,
            (r.end as i64 + delta) as usize,
        )
    };
    // the old uses, moved rather than copied: those before the region, those in it (replaced
    // by `inside`), those after it (moved by the change in length)
    let (mut out, mut replaced, mut after) =
        (Vec::with_capacity(old.len()), Vec::new(), Vec::new());
    for u in old {
        if (u.object.end as usize) < from {
            out.push(u);
        } else if (u.object.start as usize) > old_to {
            after.push(u);
        } else {
            replaced.push(u);
        }
    }
    // the uses before and after are the same ones in the same order, so the list changed only
    // where the region's did
    let changed = !same_uses(&replaced, &inside);
    out.append(&mut inside);
    out.extend(after.into_iter().map(|mut u| {
        u.range = moved(u.range);
        u.action_range = moved(u.action_range);
        u.object = moved(u.object);
        u
    }));
    (out, changed)
}

/// Whether a flow reparsed around an edit inside one of its top-level actions (`path` leads
/// from the root to the container parsed again) is still what [`model::classify`] said it was:
/// below the action's own members nothing its kind is told by changed; in the action object
/// itself, only whether it is typed could, so it must be typed before and after.
fn edit_keeps_flow(root: Option<&Node>, path: &[usize], was_typed: Option<bool>) -> bool {
    let Some(members) = root.and_then(Node::as_object) else {
        return false;
    };
    let [list, item, rest @ ..] = path else {
        return false;
    };
    let Some(m) = members.get(*list).filter(|m| m.key.as_str() == "actions") else {
        return false;
    };
    let action = m
        .value
        .as_ref()
        .and_then(Node::as_array)
        .and_then(|a| a.get(*item));
    !rest.is_empty() || (was_typed == Some(true) && action.is_some_and(model::is_typed_action))
}

/// Whether two lists of uses name the same connections with the same needs, in order (what
/// the files that count a connection's uses read).
fn same_uses(a: &[ConnectionRef], b: &[ConnectionRef]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| a.connection == b.connection && a.need == b.need)
}

/// Every `connection_id` in a flow, with what its action needs.
pub fn flow_uses(root: &Node, mappings: &KeywordMappings) -> Vec<ConnectionRef> {
    // a bare `actions` list: a file a `.tf` resource reads as its `actions` (`file(…)`)
    if root.as_array().is_some() {
        let wrapped = Node {
            range: root.range,
            kind: crate::syntax::NodeKind::Object(Box::new([crate::syntax::Member {
                key: "actions".into(),
                key_range: root.range,
                value: Some(root.clone()),
            }])),
        };
        return actions_uses(Flow::new(&wrapped).all_actions(), mappings);
    }
    let flow = Flow::new(root);
    actions_uses(flow.all_actions(), mappings)
}

/// What a connection's name, or a `connection_id` naming one, stands for, so that the two are
/// compared alike: the text with its `##KEY##` markers substituted when their values are known,
/// else as written (a marker of unknown value matches the same marker). `None` for a
/// placeholder known only at deploy time. The one function that decides, for the uses
/// ([`flow_uses`]) and the connections they name ([`Workspace::resolve_connection`],
/// [`Workspace::uses_of`]).
pub fn connection_key(written: &str, mappings: &KeywordMappings) -> Option<String> {
    if let Some((crate::model::keywords::PlaceholderKind::Unknown, _)) =
        mappings.placeholder(written)
    {
        return None;
    }
    Some(
        mappings
            .substitute(written)
            .unwrap_or_else(|| written.to_string()),
    )
}

/// The uses of these actions, in their order.
fn actions_uses<'a>(
    actions: impl IntoIterator<Item = &'a crate::model::flow::Action<'a>>,
    mappings: &KeywordMappings,
) -> Vec<ConnectionRef> {
    let mut out = Vec::new();
    for a in actions {
        let Some(node) = a.param("connection_id") else {
            continue;
        };
        let Some(raw) = node.as_str() else { continue };
        let substituted = mappings.substitute(raw);
        let connection = match mappings.placeholder(raw) {
            // a token a deploy step replaces by the connection named in it
            Some((crate::model::keywords::PlaceholderKind::Connection, name)) => name.to_string(),
            Some((crate::model::keywords::PlaceholderKind::Unknown, _)) => continue,
            // a flow's token where a connection belongs: the value as written names none
            Some((crate::model::keywords::PlaceholderKind::Flow, _)) => raw.to_string(),
            None => match crate::model::keywords::whole_value_marker(raw) {
                Some(key) => match mappings.get(key).and_then(|v| v.as_str()) {
                    Some(s) => s.to_string(),
                    None => continue,
                },
                // as `connection_key` gives it (no placeholder here)
                None => substituted.clone().unwrap_or_else(|| raw.to_string()),
            },
        };
        // a marker whose value is not known names the connection whose name is the same marker
        let unknown = substituted.is_none();
        if model::has_expression(&connection) {
            continue;
        }
        let from_env = !mappings.env_keys(raw).is_empty();
        out.push(ConnectionRef {
            shown: if unknown {
                raw.to_string()
            } else {
                mappings.shown(raw, &connection)
            },
            from_env,
            unknown,
            stub: None,
            stub_app: None,
            connection,
            range: node.range,
            label: match a.spec() {
                Some(spec) => std::borrow::Cow::Borrowed(spec.label()),
                None => a.label().into(),
            },
            action_id: a.id_str().map(Into::into),
            action_range: a.action.map_or(a.node.range, |n| n.range),
            object: a.node.range,
            app: a.spec().and_then(|s| s.app()),
            need: a.need(mappings),
        });
    }
    out
}

#[cfg(test)]
mod uses_index_tests {
    use super::*;

    /// A flow with one action that uses the connection `conn`.
    pub(super) fn flow(conn: &str) -> Arc<str> {
        format!(r#"{{"name": "F", "actions": [{{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {{"connection_id": "{conn}", "user_id": "u"}}}}]}}"#).into()
    }

    #[test]
    fn uses_of_follows_every_change() {
        let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
        ws.set_file(
            "/ws/flow-vault-connections/v.json".into(),
            r#"{"name": "A", "id": "ac_1", "app_id": "AUTH0"}"#.into(),
        );
        let count = |ws: &Workspace| {
            let v = ws.index().vaults[0].clone();
            ws.uses_of(&v)
                .map(|(f, _)| f.rel.clone())
                .collect::<Vec<_>>()
        };
        assert!(count(&ws).is_empty());
        ws.set_file("/ws/flows/b.json".into(), flow("A"));
        ws.set_file("/ws/flows/a.json".into(), flow("ac_1"));
        assert_eq!(
            count(&ws),
            ["flows/a.json", "flows/b.json"],
            "by name and id, in file order"
        );
        ws.set_file("/ws/flows/b.json".into(), flow("Other"));
        assert_eq!(count(&ws), ["flows/a.json"]);
        ws.remove_file(Path::new("/ws/flows/a.json"));
        assert!(count(&ws).is_empty());
        ws.set_files(vec![("/ws/flows/c.json".into(), flow("A"))]);
        assert_eq!(count(&ws), ["flows/c.json"]);
    }
}

#[cfg(test)]
mod kind_after_edit_tests {
    use super::*;

    /// The kind an edited file is read as is the kind of a fresh reading, whether it was kept
    /// (an edit below an action's own members) or found again.
    #[test]
    fn an_edit_keeps_the_kind_only_where_nothing_it_is_told_by_changed() {
        let path = PathBuf::from("/ws/loose.json");
        let typed = r#"{"actions": [{"type": "FLOW", "params": {"a": 1}}, {"action": "X"}]}"#;
        let cases = [
            // below the action's own members: the kind is kept
            (
                typed,
                r#"{"actions": [{"type": "FLOW", "params": {"a": 12}}, {"action": "X"}]}"#,
            ),
            // the action loses its `type`: it is no longer a flow by content
            (
                typed,
                r#"{"actions": [{"tipe": "FLOW", "params": {"a": 1}}, {"action": "X"}]}"#,
            ),
            // an untyped action gains one: now it is
            (
                r#"{"actions": [{"tipe": "FLOW", "params": {"a": 1}}, {"action": "X"}]}"#,
                typed,
            ),
        ];
        for (before, after) in cases {
            let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
            ws.set_file(path.clone(), before.into());
            ws.set_file(path.clone(), after.into());
            let mut fresh = Workspace::new("/ws", Settings::default(), Vec::new());
            fresh.set_file(path.clone(), after.into());
            assert_eq!(
                ws.file(&path).unwrap().kind,
                fresh.file(&path).unwrap().kind,
                "{before} -> {after}"
            );
        }
        let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
        ws.set_file(path.clone(), typed.into());
        assert_eq!(ws.file(&path).unwrap().kind, DocKind::Flow);
        ws.set_file(path.clone(), cases[1].1.into());
        assert_ne!(ws.file(&path).unwrap().kind, DocKind::Flow);
    }

    /// A JSON file no folder or content makes a flow is one while a `.tf` resource's `file()`
    /// reads it as its `actions`, and only then (before or after the `.tf` file is read).
    #[test]
    fn a_file_read_by_a_flow_resource_is_a_flow_while_it_is_read() {
        let part = PathBuf::from("/ws/parts/a.json");
        let tf = PathBuf::from("/ws/main.tf");
        let reads = |file: &str| -> Arc<str> {
            format!("resource \"auth0_flow\" \"a\" {{\n  name = \"A\"\n  actions = file(\"{file}\")\n}}\n").into()
        };
        let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
        ws.set_file(part.clone(), r#"[{"id": "a"}]"#.into());
        assert_eq!(ws.file(&part).unwrap().kind, DocKind::Other);
        ws.set_file(tf.clone(), reads("parts/a.json"));
        assert_eq!(ws.file(&part).unwrap().kind, DocKind::Flow);
        // an edit of the part keeps what the resource makes of it
        ws.set_file(part.clone(), r#"[{"id": "b"}]"#.into());
        assert_eq!(ws.file(&part).unwrap().kind, DocKind::Flow);
        ws.set_file(tf.clone(), reads("parts/b.json"));
        assert_eq!(ws.file(&part).unwrap().kind, DocKind::Other);
    }
}

#[cfg(test)]
mod lookup_tests {
    use super::*;

    fn form(flow: &str) -> Arc<str> {
        format!(r#"{{"name": "Fm", "start": {{"next_node": "f"}}, "nodes": [{{"id": "f", "type": "FLOW", "config": {{"flow_id": "{flow}", "next_node": "$ending"}}}}], "ending": {{}}}}"#).into()
    }

    /// The flows-by-name and forms-by-flow look-ups follow every edit, and an edit that does
    /// not change what they read keeps them (a keystroke does not rebuild them over the
    /// workspace).
    #[test]
    fn look_ups_follow_edits_and_are_kept_when_untouched() {
        let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
        let flow = |name: &str, user: &str| -> Arc<str> {
            format!(r#"{{"name": "{name}", "actions": [{{"id": "a", "type": "AUTH0", "action": "GET_USER", "params": {{"connection_id": "C", "user_id": "{user}"}}}}]}}"#).into()
        };
        ws.set_file("/ws/flows/a.json".into(), flow("A", "u"));
        ws.set_file("/ws/forms/f.json".into(), form("A"));
        let starts = |ws: &Workspace, name: &str| ws.forms_starting(Some(name), None).len();
        assert!(ws.flow_named("A").is_some());
        assert_eq!(starts(&ws, "A"), 1);
        // an edit of the flow's body: both look-ups kept
        ws.set_file("/ws/flows/a.json".into(), flow("A", "v"));
        assert!(ws.flows_index.get().is_some() && ws.forms_index.get().is_some());
        assert!(ws.flow_named("A").is_some());
        // a rename: found by its new name only
        ws.set_file("/ws/flows/a.json".into(), flow("B", "v"));
        assert!(ws.flow_named("A").is_none());
        assert!(ws.flow_named("B").is_some());
        assert!(
            ws.forms_index.get().is_some(),
            "a flow edit keeps the forms' look-up"
        );
        // the form now starts B (a form is a cross-file fact: everything is derived again)
        ws.set_file("/ws/forms/f.json".into(), form("B"));
        assert_eq!((starts(&ws, "A"), starts(&ws, "B")), (0, 1));
        // a new flow file, and one that stops being a flow
        ws.set_file("/ws/flows/c.json".into(), flow("C", "u"));
        assert!(ws.flow_named("C").is_some());
        ws.set_file("/ws/flows/c.json".into(), "{".into());
        assert!(ws.flow_named("C").is_none());
        ws.remove_file(Path::new("/ws/flows/a.json"));
        assert!(ws.flow_named("B").is_none());
    }
}
