//! The language server: LSP 3.17 over stdio. The only module that knows LSP types.
//!
//! Ordering: `tower-lsp-server` runs handlers concurrently, so document edits are applied in
//! [`Ordered::call`], which the transport calls once per message in arrival order, before the
//! handler runs; what each invalidates goes to one task (`Backend::recompute_edits`). Requests
//! compute on snapshots; every publication goes through one channel, so the client sees them
//! in order. The whole model: docs/ARCHITECTURE.md, `src/lsp`.

mod capabilities;
pub mod convert;
mod features;
mod files;
mod graph;
mod handlers;
pub mod kinds;
mod ordered;
mod schedule;
pub mod settings;
mod startup;
pub mod state;
mod test_connection;
pub mod transport;
mod workers;

use ordered::Ordered;
use state::{Outgoing, Snapshot, State, View};

use std::sync::{Arc, Mutex, MutexGuard};
use tower_lsp_server::{Client, LspService, Server};

use crate::workspace::disk;

type Shared = Arc<Mutex<State>>;

/// The command that runs Test connection; argument `{ "uri": …, "connection"?: … }`.
pub const TEST_CONNECTION: &str = "flowls.testConnection";
/// The command that returns the least-privilege report of the workspace (no argument).
pub const SHOW_SCOPES: &str = "flowls.showScopes";
/// The command that returns the graph of a document (`{ "uri", "format" }`, see `graph`).
pub const GRAPH: &str = "flowls.graph";

impl Backend {
    /// Answers a request on a snapshot of the state: the lock is held only to take it, and
    /// the work runs where it may block (the runtime hands this worker's other tasks to a new
    /// one), so edits go on being applied however long the answer takes.
    fn on_snapshot<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> T {
        let snap = lock(&self.state).snapshot();
        blocking(|| f(&snap))
    }

    /// Answers a workspace-wide request on the low-priority pool (see [`workers`]): not
    /// started when cancelled meanwhile, nor when `about` (the document whose position it
    /// names) was edited after it was asked (`ContentModified`); computed on the workspace as
    /// it is when its turn comes (other files may have changed meanwhile).
    async fn on_pool<T: Send + 'static>(
        &self,
        about: Option<&tower_lsp_server::ls_types::Uri>,
        f: impl FnOnce(&Snapshot) -> T + Send + 'static,
    ) -> tower_lsp_server::jsonrpc::Result<T> {
        let (snap, about) = {
            let st = lock(&self.state);
            let about = about.map(|u| {
                let p = State::path_of(u);
                let v = st.version(&p);
                (p, v)
            });
            (st.snapshot(), about)
        };
        let (state, current) = (self.state.clone(), self.state.clone());
        let unedited = move || {
            about
                .as_ref()
                .is_none_or(|(p, v)| lock(&current).version(p) == *v)
        };
        workers::run(unedited, move || {
            let fresh = {
                let st = lock(&state);
                (st.revision != snap.revision).then(|| st.snapshot())
            };
            f(fresh.as_ref().unwrap_or(&snap))
        })
        .await
        .map_err(Into::into)
    }
}

/// Runs work that may take long where it may block: on the server's runtime the worker hands
/// its other tasks to a new one first (so the transport goes on reading and applying edits).
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    // a panic while holding the lock must not take the server down with it
    state.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Clone)]
pub struct Backend {
    client: Client,
    state: Shared,
    /// Set when the client's `initialized` arrives (see `Ordered::call`).
    initialized: Arc<tokio::sync::watch::Sender<bool>>,
    /// The start-up scan's reading of the disk, begun at `initialize`.
    scan: Arc<Mutex<Option<tokio::task::JoinHandle<disk::Scanned>>>>,
    /// Set by `shutdown`: `exit` after it ends the process with 0, without it with 1 (LSP).
    shut_down: Arc<std::sync::atomic::AtomicBool>,
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

/// How long the start-up waits for `initialized` before it indexes all the same.
const INITIALIZED_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
/// How long the start-up waits for the client's answer to `workspace/configuration`.
const CONFIGURATION_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Files per snapshot in a `workspace/diagnostic` answer (a cancellation is seen between them).
const PULL_CHUNK: usize = 256;

/// How long requests in flight may still be answered once stdin has closed.
const ANSWER_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// Runs the server on stdin/stdout until the client says `exit` (or closes stdin). Returns
/// whether `shutdown` came first.
pub fn run() -> std::io::Result<bool> {
    // a document's text is a large allocation replaced on every edit: it is taken from the
    // heap, where the previous version's freed block is reused, rather than from a mapping of
    // its own (a fresh mapping per keystroke costs a page fault per 4 KiB — most of an edit's
    // time at 3 MB) — and the heap is not trimmed on every free; memory goes back to the system
    // when a large document is closed (`background::release_free_memory`)
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes tuning parameters of the allocator.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let clean = rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Outgoing>();
        let state: Shared = Arc::new(Mutex::new(State::new(tx)));
        let shared = state.clone();
        let initialized = Arc::new(tokio::sync::watch::channel(false).0);
        let seen = initialized.clone();
        let shut_down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let said_shutdown = shut_down.clone();
        let (service, socket) = LspService::new(move |client| {
            let sender = client.clone();
            // `workspace/diagnostic/refresh` is a request: waiting for the client's answer in
            // the queue below would hold every notification after it (a client slow to answer
            // would never learn what its documents are); asked for again while one is out,
            // one more follows its answer
            let refresh = Arc::new(tokio::sync::Notify::new());
            let refresher = client.clone();
            let wanted = refresh.clone();
            tokio::spawn(async move {
                loop {
                    wanted.notified().await;
                    let _ = refresher.workspace_diagnostic_refresh().await;
                }
            });
            tokio::spawn(async move {
                while let Some(msg) = rx.recv().await {
                    match msg {
                        Outgoing::Publish {
                            uri,
                            diagnostics,
                            version,
                        } => sender.publish_diagnostics(uri, diagnostics, version).await,
                        Outgoing::Refresh => refresh.notify_one(),
                        Outgoing::Kinds(documents) => {
                            sender
                                .send_notification::<kinds::DocumentKinds>(
                                    kinds::DocumentKindsParams { documents },
                                )
                                .await
                        }
                    }
                }
            });
            Backend {
                client,
                state: shared,
                initialized: seen,
                scan: Arc::default(),
                shut_down: said_shutdown,
                tests: Arc::new(tokio::sync::Semaphore::new(MAX_TEST_CONNECTIONS)),
            }
        });
        let docs = transport::Stash::default();
        let (edits, applied) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(service.inner().clone().recompute_edits(applied));
        let service = Ordered {
            inner: service,
            state,
            docs: docs.clone(),
            edits,
            initialized: initialized.clone(),
            waiting: Default::default(),
        };
        // well-formed frames only (see `transport`)
        let (frames_in, frames_out) = tokio::io::duplex(256 * 1024);
        let input = tokio::spawn(transport::filter_with(
            tokio::io::stdin(),
            frames_in,
            Some(docs),
        ));
        let serve = Server::new(frames_out, tokio::io::stdout(), socket)
            .concurrency_level(MAX_REQUESTS_IN_FLIGHT)
            .serve(service);
        tokio::pin!(serve);
        // the layer returns only once every request in flight has been answered, and a
        // stalled tenant holds a Test connection for its whole timeout: a client that has
        // gone away waits for none of them (they are dropped with the runtime)
        tokio::select! {
            () = &mut serve => {}
            _ = input => {
                let _ = tokio::time::timeout(ANSWER_GRACE, &mut serve).await;
            }
        }
        shut_down.load(std::sync::atomic::Ordering::SeqCst)
    });
    // the stdin reader thread is blocked in a read the client may never end: do not wait
    rt.shutdown_background();
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::LanguageServer;
    use tower_lsp_server::ls_types::{self as lsp, *};

    fn backend(state: &Shared) -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
        let shared = state.clone();
        LspService::new(move |client| Backend {
            client,
            state: shared,
            initialized: Arc::new(tokio::sync::watch::channel(true).0),
            scan: Arc::default(),
            shut_down: Arc::default(),
            tests: Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    /// A workspace-wide request queued behind other work: edited meanwhile, the document whose
    /// position it names makes it stale (not computed, `ContentModified`); a request about no
    /// document is answered on the workspace as it is when its turn comes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_workspace_request_an_edit_made_stale_is_not_computed() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let state: Shared = Arc::new(Mutex::new(State::new(tx)));
        let uri: lsp::Uri = "file:///ws/flows/a.json".parse().unwrap();
        let text = r#"{"name": "A", "actions": [{"id": "x", "type": "FLOW", "action": "STORE_VARS", "params": {"vars": {"a": "{{actions.x.y}}"}}}]}"#;
        {
            let mut st = lock(&state);
            st.set_indexed(1);
            st.open(uri.clone(), 1, text.into());
        }
        let (service, _socket) = backend(&state);
        let backend = service.inner();
        let (busy, release) = workers::tests::occupy_pool();
        let at = text.find("\"x\"").unwrap() as u32 + 1;
        let references = backend.references(ReferenceParams {
            text_document_position: TextDocumentPositionParams {
                text_document: TextDocumentIdentifier { uri: uri.clone() },
                position: lsp::Position::new(0, at),
            },
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
            context: ReferenceContext {
                include_declaration: true,
            },
        });
        let symbols = backend.symbol(WorkspaceSymbolParams {
            query: String::new(),
            ..Default::default()
        });
        tokio::pin!(references, symbols);
        // both have taken their snapshot and wait for their turn
        let wait = std::time::Duration::from_millis(30);
        assert!(tokio::time::timeout(wait, &mut references).await.is_err());
        assert!(tokio::time::timeout(wait, &mut symbols).await.is_err());
        // an edit of the document comes first
        lock(&state).change(
            &VersionedTextDocumentIdentifier {
                uri: uri.clone(),
                version: 2,
            },
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: text.replace("\"A\"", "\"B\""),
            }],
        );
        drop(release);
        for h in busy {
            h.await.unwrap();
        }
        assert_eq!(
            references.await.unwrap_err().code,
            tower_lsp_server::jsonrpc::ErrorCode::ContentModified
        );
        let answer = symbols.await.unwrap();
        assert!(format!("{answer:?}").contains("\"B\""), "{answer:?}");
    }
}
