//! The language server: LSP 3.17 over stdio. The only module that knows LSP types.
//!
//! Ordering: `tower-lsp-server` runs handlers concurrently, so document edits are applied in
//! [`Ordered::call`], which the transport calls once per message in arrival order, before the
//! handler runs. Handlers then only compute and publish from the current state; every
//! publication goes through one channel, so the client sees them in order.

pub mod convert;
mod features;
pub mod settings;
pub mod state;
pub mod transport;

use state::{Affected, ClientCaps, Outgoing, State};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tower_lsp_server::jsonrpc::{self, Request, Response};
use tower_lsp_server::ls_types::{self as lsp, *};
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::syntax::line_index::ColumnUnit;
use crate::workspace::disk;

type Shared = Arc<Mutex<State>>;

/// The command that runs Test connection; argument `{ "uri": …, "connection"?: … }`.
pub const TEST_CONNECTION: &str = "flowls.testConnection";

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    // a panic while holding the lock must not take the server down with it
    state.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Clone)]
pub struct Backend {
    client: Client,
    state: Shared,
    /// Whether the start-up scan is done, for requests that need the whole workspace.
    indexed: Arc<tokio::sync::watch::Sender<bool>>,
    /// Set when the client's `initialized` arrives (see `Ordered::call`).
    initialized: Arc<tokio::sync::watch::Sender<bool>>,
    /// The start-up scan's reading of the disk, begun at `initialize`.
    scan: Arc<Mutex<Option<tokio::task::JoinHandle<disk::Scanned>>>>,
    /// How many files the start-up scan read (for its progress report).
    indexed_files: Arc<Mutex<usize>>,
    /// Places for Test connections (network I/O runs apart from the editing state).
    tests: Arc<tokio::sync::Semaphore>,
}

/// Requests handled at once. Test connections are bounded far below it
/// ([`MAX_TEST_CONNECTIONS`]), so tenants that stall never take every place from editing.
const MAX_REQUESTS_IN_FLIGHT: usize = 64;
/// Test connections running at once; one more is answered at once with `cancelled`.
const MAX_TEST_CONNECTIONS: usize = 8;
/// How long a request that needs the whole workspace waits for the start-up scan.
const SCAN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long a confirmation to send credentials to an untrusted host may take.
const CONFIRM_WAIT: std::time::Duration = std::time::Duration::from_secs(300);

/// The user's answer about an untrusted host.
enum Confirmed {
    Send,
    /// Cancel, dismissed, or no answer in time.
    No,
    /// The client cannot ask (it does not support `window/showMessageRequest`).
    CannotAsk,
}

/// How long the start-up waits for `initialized` before it indexes all the same.
const INITIALIZED_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
/// How long the start-up waits for the client's answer to `workspace/configuration`.
const CONFIGURATION_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Set by `shutdown`: `exit` after it ends the process with 0, without it with 1 (LSP).
static SHUT_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Runs the server on stdin/stdout until the client says `exit` (or closes stdin). Returns
/// whether `shutdown` came first.
pub fn run() -> std::io::Result<bool> {
    // a document's text is a large allocation that is replaced on every edit: give each its
    // own mapping, returned to the system when freed (by default the threshold rises after the
    // first such free, and freed texts then stay in the heap)
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a tuning parameter of the allocator.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Outgoing>();
        let state: Shared = Arc::new(Mutex::new(State::new(tx)));
        let shared = state.clone();
        let initialized = Arc::new(tokio::sync::watch::channel(false).0);
        let seen = initialized.clone();
        let (service, socket) = LspService::new(move |client| {
            let sender = client.clone();
            tokio::spawn(async move {
                while let Some(msg) = rx.recv().await {
                    match msg {
                        Outgoing::Publish {
                            uri,
                            diagnostics,
                            version,
                        } => sender.publish_diagnostics(uri, diagnostics, version).await,
                        Outgoing::Refresh => {
                            let _ = sender.workspace_diagnostic_refresh().await;
                        }
                    }
                }
            });
            Backend {
                client,
                state: shared,
                indexed: Arc::new(tokio::sync::watch::channel(false).0),
                initialized: seen,
                scan: Arc::default(),
                indexed_files: Arc::default(),
                tests: Arc::new(tokio::sync::Semaphore::new(MAX_TEST_CONNECTIONS)),
            }
        });
        let docs = transport::Stash::default();
        let service = Ordered {
            inner: service,
            state,
            docs: docs.clone(),
            initialized: initialized.clone(),
        };
        // well-formed frames only (see `transport`)
        let (frames_in, frames_out) = tokio::io::duplex(256 * 1024);
        tokio::spawn(transport::filter_with(
            tokio::io::stdin(),
            frames_in,
            Some(docs),
        ));
        Server::new(frames_out, tokio::io::stdout(), socket)
            .concurrency_level(MAX_REQUESTS_IN_FLIGHT)
            .serve(service)
            .await;
    });
    // the stdin reader thread is blocked in a read the client may never end: do not wait
    rt.shutdown_background();
    Ok(SHUT_DOWN.load(std::sync::atomic::Ordering::SeqCst))
}

/// Applies `didOpen` / `didChange` / `didSave` to the state in arrival order, then hands
/// the message on.
struct Ordered<S> {
    inner: S,
    state: Shared,
    /// Document notifications read by the transport filter.
    docs: transport::Stash,
    /// Set when `initialized` arrives.
    initialized: Arc<tokio::sync::watch::Sender<bool>>,
}

impl<S> Ordered<S> {
    /// Applies a document notification to the state. The document text moves into the state
    /// (no copy); the notification handed on carries the params without it (the handlers
    /// need only the document's uri).
    fn apply(&self, req: Request) -> Request {
        let (method, id, params) = req.into_parts();
        let mut rebuilt = Request::build(method.clone());
        if let Some(id) = id {
            rebuilt = rebuilt.id(id);
        }
        let Some(params) = params else {
            return rebuilt.finish();
        };
        // a panic while applying an edit must not end the server
        let handed_on = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut st = lock(&self.state);
            let stashed = self.docs.take(&params);
            match &*method {
                "textDocument/didOpen" => {
                    let p = match stashed {
                        Some(transport::Stashed::Open(p)) => Some(p),
                        _ => serde_json::from_value::<DidOpenTextDocumentParams>(params).ok(),
                    };
                    p.and_then(|mut p| {
                        let text = std::mem::take(&mut p.text_document.text);
                        let path =
                            st.open(p.text_document.uri.clone(), p.text_document.version, text);
                        if !st.on_type() {
                            st.snapshot(&path);
                        }
                        serde_json::to_value(p).ok()
                    })
                }
                "textDocument/didChange" => {
                    let p = match stashed {
                        Some(transport::Stashed::Change(p)) => Some(p),
                        _ => serde_json::from_value::<DidChangeTextDocumentParams>(params).ok(),
                    };
                    p.and_then(|mut p| {
                        let changes = std::mem::take(&mut p.content_changes);
                        st.change(&p.text_document, changes);
                        serde_json::to_value(p).ok()
                    })
                }
                "textDocument/didClose" => {
                    if let Ok(p) =
                        <DidCloseTextDocumentParams as serde::Deserialize>::deserialize(&params)
                    {
                        st.close(&p.text_document.uri);
                    }
                    Some(params)
                }
                _ => {
                    if let Ok(p) =
                        <DidSaveTextDocumentParams as serde::Deserialize>::deserialize(&params)
                        && !st.on_type()
                    {
                        st.snapshot(&State::path_of(&p.text_document.uri));
                    }
                    Some(params)
                }
            }
        }));
        match handed_on {
            Ok(Some(p)) => rebuilt.params(p).finish(),
            // params that do not fit: the handler layer answers them as invalid
            _ => rebuilt.finish(),
        }
    }
}

impl<S> tower::Service<Request> for Ordered<S>
where
    S: tower::Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = futures::future::BoxFuture<'static, Result<Option<Response>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let ready = self.inner.poll_ready(cx);
        if ready.is_pending() {
            // `LspService` is not ready while `initialize` runs, and says so without arranging
            // to wake the reader: without this, messages sent right after `initialize` could
            // wait forever
            let waker = cx.waker().clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                waker.wake();
            });
        }
        ready
    }

    fn call(&mut self, req: Request) -> Self::Future {
        use futures::FutureExt;
        let id = req.id().cloned();
        let method = req.method().to_string();
        if method == "initialized" {
            // on arrival: the layer underneath drops it when it comes before the answer to
            // `initialize` is out (as impatient clients send it), and the start-up waits on it
            self.initialized.send_replace(true);
        }
        let req = match method.as_str() {
            "textDocument/didOpen"
            | "textDocument/didChange"
            | "textDocument/didSave"
            | "textDocument/didClose" => self.apply(req),
            _ => req,
        };
        let fut = self.inner.call(req);
        Box::pin(async move {
            match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
                Ok(r) => r,
                // a panic in a handler becomes an error answer, not a dead server
                Err(_) => Ok(id.map(|id| {
                    let mut e = jsonrpc::Error::internal_error();
                    e.message =
                        format!("flowls failed while handling {method}; please report it").into();
                    Response::from_error(id, e)
                })),
            }
        })
    }
}

impl Backend {
    /// Runs Test connection for a vault document (or a named connection), and makes its
    /// granted scopes the most trusted source for the rest of the session.
    async fn test_connection(
        &self,
        uri: &Uri,
        connection: Option<&str>,
    ) -> crate::tenant::TestResult {
        let planned = {
            let st = lock(&self.state);
            let path = State::path_of(uri);
            let settings = st.settings.test.resolve(&st.ws.root);
            match crate::tenant::find_vault(&st.ws, &path, connection) {
                None => Err(Box::new(crate::tenant::TestResult {
                    ok: false,
                    connection: connection.unwrap_or_default().to_string(),
                    error: Some("invalid_setup".into()),
                    error_description: Some(match connection {
                        Some(c) => format!("no vault connection named `{c}` in the workspace"),
                        None => "this document is not a vault connection: run Test connection on a vault file, or pass \"connection\"".into(),
                    }),
                    ..Default::default()
                })),
                Some(vault) => crate::tenant::plan(&st.ws, vault, &settings).map(|p| (p, settings)),
            }
        };
        let (plan, settings) = match planned {
            Ok(p) => p,
            Err(result) => return *result,
        };
        if !plan.trusted {
            match self.confirm_untrusted(&plan).await {
                Confirmed::Send => {}
                Confirmed::No => return crate::tenant::untrusted(&plan, "cancelled"),
                Confirmed::CannotAsk => return crate::tenant::untrusted(&plan, "untrusted_host"),
            }
        }
        let result = crate::tenant::run(&plan, &settings).await;
        if result.ok
            && plan.management_api
            && let Some(granted) = &result.granted_scopes
        {
            let later = {
                let mut st = lock(&self.state);
                st.ws
                    .live_scopes
                    .insert(plan.connection.clone(), granted.clone());
                st.generation += 1;
                st.published.clear();
                st.checked_paths()
            };
            self.recompute(Affected {
                now: Vec::new(),
                later,
                all: true,
            });
        }
        result
    }

    /// Asks the user whether credentials may go to a host they have not trusted, naming the
    /// host and the environment variables whose values would be sent (never the values).
    async fn confirm_untrusted(&self, plan: &crate::tenant::Plan) -> Confirmed {
        let env = if plan.env_vars.is_empty() {
            String::new()
        } else {
            format!(
                " The request would carry the values of the environment variables {}.",
                plan.env_vars.join(", ")
            )
        };
        let message = format!(
            "Test connection `{}` would send its client credentials to {}, which is not a trusted host (trusted: *.auth0.com and the hosts in testConnection.trustedHosts).{env} Send them?",
            plan.connection, plan.host_shown
        );
        let actions = ["Send", "Cancel"]
            .map(|t| MessageActionItem {
                title: t.into(),
                properties: Default::default(),
            })
            .to_vec();
        let asked = tokio::time::timeout(
            CONFIRM_WAIT,
            self.client
                .show_message_request(MessageType::WARNING, message, Some(actions)),
        )
        .await;
        match asked {
            Ok(Ok(Some(item))) if item.title == "Send" => Confirmed::Send,
            Ok(Ok(_)) | Err(_) => Confirmed::No,
            Ok(Err(_)) => Confirmed::CannotAsk,
        }
    }

    /// Waits (at most [`SCAN_WAIT`]) for the start-up scan of the workspace: requests that
    /// need the whole workspace would answer wrongly before it ends.
    async fn wait_indexed(&self) {
        let mut ready = self.indexed.subscribe();
        let _ = tokio::time::timeout(SCAN_WAIT, ready.wait_for(|done| *done)).await;
    }

    /// Reads workspace files after an event, off the async runtime and through the reading
    /// policy (regular files inside the root, up to the size limit). A file that may not be
    /// read is as if it were gone, with one note in the log.
    async fn read_from_disk(&self, paths: Vec<PathBuf>) -> Vec<(PathBuf, Option<Arc<str>>)> {
        let root = lock(&self.state).ws.root.clone();
        let results = tokio::task::spawn_blocking(move || {
            let roots = disk::Roots::new([root.as_path()]);
            paths
                .into_iter()
                .map(|p| {
                    let r = if p.starts_with(&root) && disk::is_candidate(&p) {
                        disk::read_in(&p, &roots)
                    } else {
                        Err(disk::Unread::LeavesRoot)
                    };
                    (p, r)
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let mut out = Vec::new();
        let mut skipped = Vec::new();
        for (p, r) in results {
            match r {
                Ok(t) => out.push((p, Some(t))),
                Err(disk::Unread::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                    out.push((p, None))
                }
                Err(why) => {
                    out.push((p.clone(), None));
                    skipped.push((p, why));
                }
            }
        }
        self.note_unread(&skipped).await;
        out
    }

    /// Recomputes what the edits applied since the last call affect.
    fn recompute_pending(&self) {
        let affected = std::mem::take(&mut lock(&self.state).pending);
        self.recompute(affected);
    }

    /// Registers file watchers, reads the configuration and indexes the workspace, once the
    /// client has said `initialized` (requests to it come only after that; a client that never
    /// says it still gets its workspace indexed, after [`INITIALIZED_WAIT`]). Runs in its own
    /// task: a client that never answers must not keep `exit` waiting.
    async fn start_up(&self) {
        let mut seen = self.initialized.subscribe();
        let said = tokio::time::timeout(INITIALIZED_WAIT, seen.wait_for(|s| *s))
            .await
            .is_ok();
        if !said {
            // no requests to a client that has not said it is ready for them
            let mut st = lock(&self.state);
            st.caps.watch_dynamic = false;
            st.caps.configuration = false;
            st.caps.progress = false;
        }
        let (watch, root) = {
            let st = lock(&self.state);
            (st.caps.watch_dynamic, st.ws.root.clone())
        };
        if watch {
            // in its own task: the scan does not wait for the client's answer
            let this = self.clone();
            tokio::spawn(async move { this.register_watchers().await });
        }
        // settings (the keyword mappings file, Test connection's) come before the first answer
        let _ = tokio::time::timeout(CONFIGURATION_WAIT, self.pull_configuration()).await;
        if root != std::path::Path::new("/") {
            self.index_workspace().await;
        } else {
            lock(&self.state).indexed = true;
            self.indexed.send_replace(true);
        }
    }

    async fn register_watchers(&self) {
        let watchers = ["**/*.json", "**/flowls.toml"]
            .into_iter()
            .map(|g| FileSystemWatcher {
                glob_pattern: GlobPattern::String(g.into()),
                kind: None,
            })
            .collect();
        let reg = Registration {
            id: "flowls-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        let _ = self.client.register_capability(vec![reg]).await;
    }

    /// Starts reading the workspace from disk, off the async runtime (at `initialize`, so the
    /// reading overlaps the rest of the handshake).
    fn begin_scan(&self, root: PathBuf, settings: crate::workspace::Settings) {
        let handle = tokio::task::spawn_blocking(move || disk::scan(&root, &settings));
        *self.scan.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }

    /// Logs the files that were not read (one line each, once).
    async fn note_unread(&self, skipped: &[(PathBuf, disk::Unread)]) {
        if skipped.is_empty() {
            return;
        }
        let root = lock(&self.state).ws.root.clone();
        let lines: Vec<String> = skipped
            .iter()
            .map(|(p, why)| format!("{}: {why}", crate::display::path(p, &root)))
            .collect();
        self.client
            .log_message(
                MessageType::WARNING,
                format!(
                    "flowls skipped {} file(s):\n{}",
                    lines.len(),
                    lines.join("\n")
                ),
            )
            .await;
    }

    /// Recomputes `now` on the spot and `later` in the background, in chunks, giving the lock
    /// back between chunks so edits are never kept waiting.
    fn recompute(&self, affected: Affected) {
        let mut st = lock(&self.state);
        let pull = st.caps.pull;
        if !pull {
            for p in &affected.now {
                st.publish(p);
            }
        }
        if affected.later.is_empty() {
            return;
        }
        if pull {
            // pull clients re-pull the files that changed
            let _ = st.out.send(Outgoing::Refresh);
            return;
        }
        let generation = st.generation;
        drop(st);
        let state = self.state.clone();
        tokio::spawn(async move {
            // a few milliseconds under the lock at a time, so edits, requests and the
            // publications already queued are never kept waiting
            let mut files = affected.later.iter().peekable();
            while files.peek().is_some() {
                {
                    let mut st = lock(&state);
                    if affected.all && st.generation != generation {
                        return; // a newer pass covers every file
                    }
                    let start = std::time::Instant::now();
                    for p in files.by_ref() {
                        st.publish(p);
                        if start.elapsed() > std::time::Duration::from_millis(2) {
                            break;
                        }
                    }
                }
                tokio::task::yield_now().await;
            }
        });
    }

    async fn index_workspace(&self) {
        if lock(&self.state).caps.progress {
            // in its own task: a client slow to answer does not hold the scan
            let this = self.clone();
            tokio::spawn(async move { this.report_indexing().await });
        }
        let handle = self.scan.lock().unwrap_or_else(|e| e.into_inner()).take();
        let (files, skipped) = match handle {
            Some(h) => h.await.unwrap_or_default(),
            None => Default::default(),
        };
        let count = files.len();
        let affected = {
            let mut st = lock(&self.state);
            // the editor's text wins over the disk; so does an outside mappings file read
            // again after a settings change
            let files: Vec<_> = files
                .into_iter()
                .filter(|(p, _)| !st.docs.contains_key(p) && st.ws.file(p).is_none())
                .collect();
            st.ws.set_files(files);
            st.generation += 1;
            st.indexed = true;
            Affected {
                now: Vec::new(),
                later: st.checked_paths(),
                all: true,
            }
        };
        *self.indexed_files.lock().unwrap_or_else(|e| e.into_inner()) = count;
        self.recompute(affected);
        self.indexed.send_replace(true);
        self.note_unread(&skipped).await;
    }

    /// `$/progress` for the start-up scan: begins once the client has created the token, ends
    /// when the scan has.
    async fn report_indexing(&self) {
        let token = NumberOrString::String("flowls/indexing".into());
        if self
            .client
            .create_work_done_progress(token.clone())
            .await
            .is_err()
        {
            return;
        }
        let progress = self
            .client
            .progress(token, "flowls")
            .with_message("Indexing the workspace")
            .begin()
            .await;
        let mut ready = self.indexed.subscribe();
        let _ = ready.wait_for(|done| *done).await;
        let count = *self.indexed_files.lock().unwrap_or_else(|e| e.into_inner());
        progress
            .finish_with_message(format!("Indexed {count} files"))
            .await;
    }

    async fn pull_configuration(&self) {
        if !lock(&self.state).caps.configuration {
            return;
        }
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("flowls".into()),
        };
        if let Ok(values) = self.client.configuration(vec![item]).await
            && let Some(v) = values.into_iter().next()
        {
            self.apply_settings(&v);
        }
    }

    fn apply_settings(&self, value: &serde_json::Value) {
        let (affected, outside) = {
            let mut st = lock(&self.state);
            let new = settings::read(value, &st.settings);
            if new == st.settings {
                return;
            }
            let root = st.ws.root.clone();
            let before = disk::outside_mappings(&root, &st.ws.settings);
            let outside = disk::outside_mappings(&root, &new.analysis);
            if let Some(old) = before.filter(|b| Some(b) != outside.as_ref()) {
                st.ws.remove_file(&old);
            }
            st.ws.set_settings(new.analysis.clone());
            st.settings = new;
            st.generation += 1;
            st.published.clear();
            if !st.on_type() {
                // on-save from now on: open documents keep what they show at this moment
                let open: Vec<PathBuf> = st.docs.keys().cloned().collect();
                for p in open {
                    st.snapshot(&p);
                }
            }
            let affected = Affected {
                now: Vec::new(),
                later: st.checked_paths(),
                all: true,
            };
            (affected, outside)
        };
        self.recompute(affected);
        if let Some(path) = outside {
            // a mappings file outside the workspace (an absolute path in the setting)
            let this = self.clone();
            tokio::spawn(async move {
                let read = path.clone();
                let text = tokio::task::spawn_blocking(move || disk::read_named(&read)).await;
                match text {
                    Ok(Ok(text)) => {
                        let affected = lock(&this.state).update(&path, text);
                        this.recompute(affected);
                    }
                    Ok(Err(why)) => this.note_unread(&[(path, why)]).await,
                    Err(_) => {}
                }
            });
        }
    }

    fn document_report(&self, path: &std::path::Path) -> Vec<lsp::Diagnostic> {
        let mut st = lock(&self.state);
        let diags = if !st.on_type()
            && let Some((_, saved)) = st.published.get(path)
        {
            saved.clone()
        } else {
            let d = st.diagnostics(path);
            if !st.on_type() {
                let v = st.version(path);
                st.published.insert(path.to_path_buf(), (v, d.clone()));
            }
            d
        };
        st.lsp_diagnostics(path, &diags)
    }
}

fn client_caps(params: &InitializeParams) -> (ClientCaps, ColumnUnit) {
    let caps = &params.capabilities;
    let unit = match caps
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref())
    {
        Some(encs) if encs.contains(&PositionEncodingKind::UTF8) => ColumnUnit::Utf8,
        _ => ColumnUnit::Utf16,
    };
    let ws = caps.workspace.as_ref();
    (
        ClientCaps {
            // pull only where the client also re-pulls when told to: without
            // `workspace/diagnostic/refresh` (Neovim 0.11) a vault edited elsewhere could not
            // update an open flow, so such clients get pushed diagnostics
            pull: caps
                .text_document
                .as_ref()
                .and_then(|t| t.diagnostic.as_ref())
                .is_some()
                && ws
                    .and_then(|w| w.diagnostics.as_ref())
                    .and_then(|d| d.refresh_support)
                    == Some(true),
            progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            watch_dynamic: ws
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            configuration: ws.and_then(|w| w.configuration).unwrap_or(false),
            snippets: caps
                .text_document
                .as_ref()
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.snippet_support)
                .unwrap_or(false),
            hierarchical_symbols: caps
                .text_document
                .as_ref()
                .and_then(|t| t.document_symbol.as_ref())
                .and_then(|d| d.hierarchical_document_symbol_support)
                .unwrap_or(false),
        },
        unit,
    )
}

fn root_of(params: &InitializeParams) -> Option<PathBuf> {
    if let Some(folders) = &params.workspace_folders
        && let Some(f) = folders.first()
    {
        return f.uri.to_file_path().map(|p| p.into_owned());
    }
    #[allow(deprecated)]
    params
        .root_uri
        .as_ref()
        .and_then(|u| u.to_file_path().map(|p| p.into_owned()))
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> jsonrpc::Result<InitializeResult> {
        // the catalogue and its validators are ready before the first document comes
        crate::background::run(|| crate::catalogue::Catalogue::get().warm_up());
        let (caps, unit) = client_caps(&params);
        let root = root_of(&params);
        {
            let mut st = lock(&self.state);
            st.caps = caps;
            st.unit = unit;
            if let Some(opts) = &params.initialization_options {
                st.settings = settings::read(opts, &st.settings);
            }
            let analysis_settings = st.settings.analysis.clone();
            let env: Vec<(String, String)> = std::env::vars().collect();
            st.ws = crate::workspace::Workspace::new(
                root.clone().unwrap_or_else(|| PathBuf::from("/")),
                analysis_settings,
                env,
            );
            // documents opened before `initialize` was handled (messages are applied on
            // arrival) stay open
            let open: Vec<(PathBuf, std::sync::Arc<str>)> = st
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), d.text.clone()))
                .collect();
            st.ws.set_files(open);
            if let Some(root) = root.clone().filter(|r| r != std::path::Path::new("/")) {
                self.begin_scan(root, st.ws.settings.clone());
            }
        }
        let this = self.clone();
        tokio::spawn(async move { this.start_up().await });
        let encoding = match unit {
            ColumnUnit::Utf8 => PositionEncodingKind::UTF8,
            _ => PositionEncodingKind::UTF16,
        };
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "flowls".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..Default::default()
                    },
                )),
                diagnostic_provider: caps.pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("flowls".into()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: true,
                        work_done_progress_options: Default::default(),
                    })
                }),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec!["\"".into(), ":".into(), ".".into(), "{".into()]),
                    ..Default::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                document_formatting_provider: Some(OneOf::Left(true)),
                document_range_formatting_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: SemanticTokensLegend {
                                token_types: features::TOKEN_TYPES.to_vec(),
                                token_modifiers: Vec::new(),
                            },
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: Default::default(),
                        },
                    ),
                ),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: Default::default(),
                }),
                inlay_hint_provider: Some(OneOf::Left(true)),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![TEST_CONNECTION.into()],
                    work_done_progress_options: Default::default(),
                }),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: None,
                    file_operations: None,
                }),
                ..Default::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // the start-up began at `initialize` and waits for this notification's arrival
    }

    async fn shutdown(&self) -> jsonrpc::Result<()> {
        SHUT_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, _: DidOpenTextDocumentParams) {
        // the text is already in the state (see `Ordered`)
        self.recompute_pending();
    }

    async fn did_change(&self, _: DidChangeTextDocumentParams) {
        // the edit is already applied (see `Ordered`); on-save waits for the save
        let affected = {
            let mut st = lock(&self.state);
            let pending = std::mem::take(&mut st.pending);
            if !st.on_type() {
                return;
            }
            pending
        };
        self.recompute(affected);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        // the saved file itself was re-checked on arrival (see `Ordered`)
        let path = State::path_of(&params.text_document.uri);
        let affected = lock(&self.state).dependents(&path);
        self.recompute(affected);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        // the document is closed already (see `Ordered`); a workspace file now shows what the
        // disk holds, read off the runtime (the editor's text stays until then)
        let path = State::path_of(&params.text_document.uri);
        let mut affected = std::mem::take(&mut lock(&self.state).pending);
        if lock(&self.state).ws.file(&path).is_some() {
            let disk_text = self
                .read_from_disk(vec![path.clone()])
                .await
                .pop()
                .and_then(|(_, t)| t);
            let mut st = lock(&self.state);
            if !st.docs.contains_key(&path) {
                affected.merge(match disk_text {
                    Some(t) => st.update(&path, t),
                    None => {
                        let a = st.remove(&path);
                        st.clear(&path);
                        a
                    }
                });
            }
        }
        self.recompute(affected);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut paths = Vec::new();
        let mut deleted = Vec::new();
        for change in params.changes {
            let path = State::path_of(&change.uri);
            if !disk::is_candidate(&path) {
                continue;
            }
            if change.typ == FileChangeType::DELETED {
                deleted.push(path);
            } else {
                paths.push(path);
            }
        }
        let mut read = self.read_from_disk(paths).await;
        read.extend(deleted.into_iter().map(|p| (p, None)));
        let mut all = Affected::default();
        let mut st = lock(&self.state);
        for (path, text) in read {
            if st.docs.contains_key(&path) {
                continue; // the editor's text wins over the disk
            }
            let a = match text {
                Some(t) => st.update(&path, t),
                None => {
                    let a = st.remove(&path);
                    st.clear(&path);
                    a
                }
            };
            all.now.extend(a.now);
            all.later.extend(a.later);
            all.all |= a.all;
        }
        drop(st);
        all.later.retain(|p| !all.now.contains(p));
        all.later.sort();
        all.later.dedup();
        self.recompute(all);
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if params.settings.is_object() && !params.settings.as_object().is_some_and(|o| o.is_empty())
        {
            self.apply_settings(&params.settings);
        } else {
            let this = self.clone();
            tokio::spawn(async move { this.pull_configuration().await });
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> jsonrpc::Result<DocumentDiagnosticReportResult> {
        // a connection in a file not yet indexed would show as unresolved: wait for the scan
        self.wait_indexed().await;
        let path = State::path_of(&params.text_document.uri);
        let items = self.document_report(&path);
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn workspace_diagnostic(
        &self,
        _: WorkspaceDiagnosticParams,
    ) -> jsonrpc::Result<WorkspaceDiagnosticReportResult> {
        self.wait_indexed().await;
        let paths = lock(&self.state).checked_paths();
        let mut items = Vec::new();
        for path in paths {
            let diags = self.document_report(&path);
            let st = lock(&self.state);
            let Some(uri) = st.uri_of(&path) else {
                continue;
            };
            items.push(WorkspaceDocumentDiagnosticReport::Full(
                WorkspaceFullDocumentDiagnosticReport {
                    uri,
                    version: st.version(&path).map(i64::from),
                    full_document_diagnostic_report: FullDocumentDiagnosticReport {
                        result_id: None,
                        items: diags,
                    },
                },
            ));
        }
        Ok(WorkspaceDiagnosticReportResult::Report(
            WorkspaceDiagnosticReport { items },
        ))
    }

    async fn completion(
        &self,
        params: CompletionParams,
    ) -> jsonrpc::Result<Option<CompletionResponse>> {
        self.wait_indexed().await;
        Ok(features::completion(&lock(&self.state), params))
    }

    async fn hover(&self, params: HoverParams) -> jsonrpc::Result<Option<Hover>> {
        self.wait_indexed().await;
        Ok(features::hover(&lock(&self.state), params))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> jsonrpc::Result<Option<GotoDefinitionResponse>> {
        self.wait_indexed().await;
        Ok(features::definition(&lock(&self.state), params))
    }

    async fn references(
        &self,
        params: ReferenceParams,
    ) -> jsonrpc::Result<Option<Vec<lsp::Location>>> {
        self.wait_indexed().await;
        Ok(features::references(&lock(&self.state), params))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> jsonrpc::Result<Option<PrepareRenameResponse>> {
        self.wait_indexed().await;
        Ok(features::prepare_rename(&lock(&self.state), params))
    }

    async fn rename(&self, params: RenameParams) -> jsonrpc::Result<Option<WorkspaceEdit>> {
        self.wait_indexed().await;
        features::rename(&lock(&self.state), params).map_err(jsonrpc::Error::invalid_params)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> jsonrpc::Result<Option<DocumentSymbolResponse>> {
        self.wait_indexed().await;
        Ok(features::document_symbols(&lock(&self.state), params))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> jsonrpc::Result<Option<WorkspaceSymbolResponse>> {
        self.wait_indexed().await;
        Ok(features::workspace_symbols(&lock(&self.state), params))
    }

    async fn code_action(
        &self,
        params: CodeActionParams,
    ) -> jsonrpc::Result<Option<CodeActionResponse>> {
        self.wait_indexed().await;
        Ok(features::code_actions(&lock(&self.state), params))
    }

    async fn formatting(
        &self,
        params: DocumentFormattingParams,
    ) -> jsonrpc::Result<Option<Vec<TextEdit>>> {
        Ok(features::formatting(&lock(&self.state), params))
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> jsonrpc::Result<Option<Vec<TextEdit>>> {
        Ok(features::range_formatting(&lock(&self.state), params))
    }

    async fn folding_range(
        &self,
        params: FoldingRangeParams,
    ) -> jsonrpc::Result<Option<Vec<FoldingRange>>> {
        Ok(features::folding(&lock(&self.state), params))
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> jsonrpc::Result<Option<Vec<SelectionRange>>> {
        Ok(features::selection_ranges(&lock(&self.state), params))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> jsonrpc::Result<Option<SemanticTokensResult>> {
        Ok(features::semantic_tokens(&lock(&self.state), params))
    }

    async fn document_link(
        &self,
        params: DocumentLinkParams,
    ) -> jsonrpc::Result<Option<Vec<DocumentLink>>> {
        Ok(features::document_links(&lock(&self.state), params))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> jsonrpc::Result<Option<Vec<InlayHint>>> {
        self.wait_indexed().await;
        Ok(features::inlay_hints(&lock(&self.state), params))
    }

    async fn code_lens(&self, params: CodeLensParams) -> jsonrpc::Result<Option<Vec<CodeLens>>> {
        self.wait_indexed().await;
        Ok(features::code_lenses(&lock(&self.state), params))
    }

    async fn execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> jsonrpc::Result<Option<serde_json::Value>> {
        self.wait_indexed().await;
        if params.command != TEST_CONNECTION {
            return Err(jsonrpc::Error::invalid_params(format!(
                "unknown command `{}`",
                params.command
            )));
        }
        let arg = params.arguments.first().cloned().unwrap_or_default();
        let Some(uri) = arg
            .get("uri")
            .and_then(|u| u.as_str())
            .and_then(|u| u.parse::<Uri>().ok())
        else {
            return Err(jsonrpc::Error::invalid_params(
                "flowls.testConnection takes { \"uri\": <vault document uri> } (or a flow's uri and \"connection\")",
            ));
        };
        let connection = arg
            .get("connection")
            .and_then(|c| c.as_str())
            .map(str::to_string);
        let result = match self.tests.clone().try_acquire_owned() {
            Ok(_place) => self.test_connection(&uri, connection.as_deref()).await,
            Err(_) => crate::tenant::TestResult {
                ok: false,
                connection: connection.unwrap_or_default(),
                error: Some("cancelled".into()),
                error_description: Some(format!(
                    "{MAX_TEST_CONNECTIONS} Test connections are already running: try again when one has ended"
                )),
                ..Default::default()
            },
        };
        let typ = match (&result.ok, result.missing_scopes.is_empty()) {
            (true, true) => MessageType::INFO,
            (true, false) => MessageType::WARNING,
            _ => MessageType::ERROR,
        };
        self.client.show_message(typ, result.summary()).await;
        Ok(serde_json::to_value(&result).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::Service;

    #[tokio::test]
    async fn a_panic_in_a_handler_becomes_an_error_answer() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let state: Shared = Arc::new(Mutex::new(State::new(tx)));
        let inner = tower::service_fn(|req: Request| async move {
            if req.method() == "textDocument/hover" {
                panic!("a handler bug");
            }
            Ok::<_, std::convert::Infallible>(Some(Response::from_ok(
                req.id().cloned().unwrap_or(jsonrpc::Id::Null),
                serde_json::json!("fine"),
            )))
        });
        let mut svc = Ordered {
            inner,
            state,
            docs: Default::default(),
            initialized: Arc::new(tokio::sync::watch::channel(false).0),
        };
        let hover = Request::build("textDocument/hover")
            .id(7)
            .params(serde_json::json!({}))
            .finish();
        let answer = svc.call(hover).await.unwrap().expect("an answer");
        let error = answer.error().expect("an error");
        assert_eq!(error.code, jsonrpc::ErrorCode::InternalError);
        assert!(error.message.contains("textDocument/hover"));
        // the service goes on
        let next = Request::build("workspace/symbol").id(8).finish();
        let answer = svc.call(next).await.unwrap().expect("an answer");
        assert_eq!(answer.result(), Some(&serde_json::json!("fine")));
    }
}
