//! Edits in arrival order: `tower-lsp-server` runs handlers concurrently, so document
//! notifications are applied to the state here, in `Ordered::call`, which the transport calls
//! once per message in arrival order, before the handler runs; what each one invalidates goes
//! to the one task that recomputes diagnostics (`schedule::recompute_edits`).

use super::{Shared, lock, state::State, transport, workers};
use crate::workspace::Invalidation;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::jsonrpc::Request;
use tower_lsp_server::jsonrpc::Response;
use tower_lsp_server::ls_types::*;

/// The messages a user waits for as they type: from arrival to answer, workspace-wide work
/// waits (`workers::pause_for_typing`).
const AT_CURSOR_METHODS: &[&str] = &[
    "textDocument/didChange",
    "textDocument/completion",
    "completionItem/resolve",
    "textDocument/hover",
    "textDocument/signatureHelp",
    "textDocument/definition",
    "textDocument/documentHighlight",
    "textDocument/diagnostic",
    "textDocument/codeAction",
];

/// Applies `didOpen` / `didChange` / `didSave` to the state in arrival order, then hands
/// the message on.
pub(super) struct Ordered<S> {
    pub(super) inner: S,
    pub(super) state: Shared,
    /// Document notifications read by the transport filter.
    pub(super) docs: transport::Stash,
    /// What each applied notification invalidates, to the task that recomputes it.
    pub(super) edits: tokio::sync::mpsc::UnboundedSender<Invalidation>,
    /// Set when `initialized` arrives.
    pub(super) initialized: Arc<tokio::sync::watch::Sender<bool>>,
    /// Who waits for the layer underneath to be ready again (see `poll_ready`).
    pub(super) waiting: Arc<std::sync::Mutex<Option<std::task::Waker>>>,
}

impl<S> Ordered<S> {
    /// Applies a document notification to the state. The document text moves into the state
    /// (no copy); the notification handed on carries the params without it (the handlers
    /// need only the document's uri); what it invalidates goes to [`Ordered::edits`].
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
                        let (path, affected) =
                            st.open(p.text_document.uri.clone(), p.text_document.version, text);
                        if !st.on_type() {
                            st.hold_until_save(&path);
                        }
                        let _ = self.edits.send(affected);
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
                        let affected = st.change(&p.text_document, changes);
                        // on-save: recomputed when the document is saved
                        if st.on_type() {
                            let _ = self.edits.send(affected);
                        }
                        serde_json::to_value(p).ok()
                    })
                }
                "textDocument/didClose" => {
                    if let Ok(p) =
                        <DidCloseTextDocumentParams as serde::Deserialize>::deserialize(&params)
                    {
                        let _ = self.edits.send(st.close(&p.text_document.uri));
                    }
                    Some(params)
                }
                _ => {
                    if let Ok(p) =
                        <DidSaveTextDocumentParams as serde::Deserialize>::deserialize(&params)
                        && !st.on_type()
                    {
                        st.hold_until_save(&State::path_of(&p.text_document.uri));
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
        // `LspService` says it is not ready while in its `Initializing` state without arranging
        // to wake the reader (0.23 never enters that state, but a later version may): the
        // reader is then woken when the answer to `initialize` is out (`call`), not polled
        *self.waiting.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        let ready = self.inner.poll_ready(cx);
        if ready.is_ready() {
            self.waiting
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
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
        // workspace-wide work waits while this is handled (see `workers`)
        let at_cursor = AT_CURSOR_METHODS
            .contains(&method.as_str())
            .then(workers::AtCursor::begin);
        let req = match method.as_str() {
            "textDocument/didOpen"
            | "textDocument/didChange"
            | "textDocument/didSave"
            | "textDocument/didClose" => self.apply(req),
            _ => req,
        };
        let fut = self.inner.call(req);
        let waiting = (method == "initialize").then(|| self.waiting.clone());
        Box::pin(async move {
            let answer = std::panic::AssertUnwindSafe(fut).catch_unwind().await;
            drop(at_cursor);
            if let Some(waker) =
                waiting.and_then(|w| w.lock().unwrap_or_else(|e| e.into_inner()).take())
            {
                waker.wake();
            }
            match answer {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
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
            edits: tokio::sync::mpsc::unbounded_channel().0,
            initialized: Arc::new(tokio::sync::watch::channel(false).0),
            waiting: Default::default(),
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
