//! The bytes from the client, before the JSON-RPC layer: frames are checked here and only
//! well-formed ones are passed on. A frame whose body is not a JSON object, a missing or
//! absurd `Content-Length`, or a length that does not match the body is dropped with a
//! line on stderr, and reading resumes at the next header — one bad message never ends the
//! session (the framing layer underneath would stop reading at its first error).
//!
//! Document notifications (`didOpen`, `didChange`) are read into their typed params here, once,
//! and kept in a [`Stash`]; what is passed on is a stand-in that names the stash entry, which
//! the server takes in arrival order. A large document is then not copied through the
//! JSON-RPC layer's buffers and generic values.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower_lsp_server::ls_types::{DidChangeTextDocumentParams, DidOpenTextDocumentParams};

/// The key of the stand-in params: `{"flowls/stash": N}`.
pub const STASH_KEY: &str = "flowls/stash";

/// A document notification's params, read by the filter.
#[derive(Debug)]
pub enum Stashed {
    Open(DidOpenTextDocumentParams),
    Change(DidChangeTextDocumentParams),
}

/// Params read by the filter, by stash number, until the server takes them.
#[derive(Debug, Clone, Default)]
pub struct Stash {
    entries: Arc<Mutex<(u64, HashMap<u64, Stashed>)>>,
}

impl Stash {
    fn put(&self, params: Stashed) -> u64 {
        let mut e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        e.0 += 1;
        let n = e.0;
        e.1.insert(n, params);
        n
    }

    /// The params a stand-in names (each is taken once).
    pub fn take(&self, params: &serde_json::Value) -> Option<Stashed> {
        let n = params.get(STASH_KEY)?.as_u64()?;
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .remove(&n)
    }
}

/// A document notification's typed params and the stand-in message to pass on, or `None` to
/// pass the message as it is (another method, or params that do not fit: the server reports
/// those as usual).
fn stash(body: &[u8], method: &str, stash: &Stash) -> Option<Vec<u8>> {
    #[derive(serde::Deserialize)]
    struct Params<P> {
        params: P,
    }
    let params = match method {
        "textDocument/didOpen" => {
            Stashed::Open(serde_json::from_slice::<Params<_>>(body).ok()?.params)
        }
        "textDocument/didChange" => {
            Stashed::Change(serde_json::from_slice::<Params<_>>(body).ok()?.params)
        }
        _ => return None,
    };
    let n = stash.put(params);
    serde_json::to_vec(&serde_json::json!({
        "jsonrpc": "2.0",
        "method": method,
        "params": { STASH_KEY: n },
    }))
    .ok()
}

/// The largest message accepted; larger ones are skipped.
pub const MAX_MESSAGE: usize = 256 * 1024 * 1024;
const MAX_HEADER: usize = 8 * 1024;

/// Copies well-formed frames from `input` to `output` until `input` ends.
pub async fn filter<R, W>(input: R, output: W)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    filter_with(input, output, None).await
}

/// [`filter`], keeping document notifications in `stash` when one is given.
pub async fn filter_with<R, W>(mut input: R, mut output: W, docs: Option<Stash>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    const READ: usize = 64 * 1024;
    let mut buf: Vec<u8> = Vec::with_capacity(READ);
    let mut skip = 0usize; // body bytes of an oversized message still to drop
    loop {
        // take every complete frame from the buffer
        loop {
            if skip > 0 {
                let n = skip.min(buf.len());
                buf.drain(..n);
                skip -= n;
                if skip > 0 {
                    break;
                }
            }
            let Some(end) = find(&buf, b"\r\n\r\n") else {
                if buf.len() > MAX_HEADER {
                    eprintln!(
                        "flowls: dropped {} bytes that are not a message header",
                        buf.len()
                    );
                    resync(&mut buf, 1);
                    continue;
                }
                break;
            };
            let length = header_length(&buf[..end]);
            let body_start = end + 4;
            let Some(length) = length else {
                eprintln!("flowls: dropped a message without a valid Content-Length");
                resync(&mut buf, body_start);
                continue;
            };
            if length > MAX_MESSAGE {
                eprintln!(
                    "flowls: dropped a message of {length} bytes (the limit is {MAX_MESSAGE})"
                );
                buf.drain(..body_start);
                skip = length;
                continue;
            }
            if buf.len() < body_start + length {
                // wait for the rest of the body, in a buffer of the right size from the start
                buf.reserve(body_start + length - buf.len());
                break;
            }
            let body = &buf[body_start..body_start + length];
            let checked = check(body);
            let stand_in = match (&checked, &docs) {
                (Checked::Pass(Some(method)), Some(docs)) => stash(body, method, docs),
                _ => None,
            };
            let message: &[u8] = match &checked {
                Checked::Pass(_) => stand_in.as_deref().unwrap_or(body),
                Checked::StandIn(v) => v,
                Checked::Drop => {
                    eprintln!("flowls: dropped a message whose body is not a JSON object");
                    // the length may have been wrong: resume at the next header inside the body
                    match find(&buf[body_start..body_start + length], b"Content-Length") {
                        Some(p) => {
                            buf.drain(..body_start + p);
                        }
                        None => {
                            buf.drain(..body_start + length);
                        }
                    }
                    continue;
                }
            };
            let head = format!("Content-Length: {}\r\n\r\n", message.len());
            if output.write_all(head.as_bytes()).await.is_err()
                || output.write_all(message).await.is_err()
            {
                return;
            }
            buf.drain(..body_start + length);
            if buf.capacity() > 4 * READ && buf.len() < READ {
                buf.shrink_to(READ); // a large document came: do not keep its buffer
            }
        }
        if buf.capacity() - buf.len() < READ / 4 {
            buf.reserve(READ);
        }
        match input.read_buf(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = output.shutdown().await;
                return;
            }
            Ok(_) => {}
        }
    }
}

/// What to pass on for a body.
enum Checked {
    /// The body itself: a JSON-RPC request, notification or response; with its method when
    /// that is a document notification the filter reads itself.
    Pass(Option<&'static str>),
    /// A malformed request that has an id: a stand-in request with that id, which the server
    /// answers with an error (so the client is not left waiting).
    StandIn(Vec<u8>),
    Drop,
}

/// The shape `tower-lsp-server` accepts (its `Request`, which also accepts every `Response`),
/// read without building the params: one pass, no allocation for a large document.
#[derive(serde::Deserialize)]
#[allow(dead_code)] // read only to check the shape
struct Probe<'a> {
    #[serde(borrow)]
    jsonrpc: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    method: std::borrow::Cow<'a, str>,
    #[serde(default)]
    params: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    id: Option<tower_lsp_server::jsonrpc::Id>,
}

fn check(body: &[u8]) -> Checked {
    if let Ok(p) = serde_json::from_slice::<Probe>(body)
        && p.jsonrpc == "2.0"
    {
        let doc = ["textDocument/didOpen", "textDocument/didChange"]
            .into_iter()
            .find(|m| *m == p.method);
        return Checked::Pass(doc);
    }
    let Some(id) = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("id")
                .filter(|id| id.is_number() || id.is_string())
                .cloned()
        })
    else {
        return Checked::Drop;
    };
    eprintln!("flowls: answered a malformed request with an error");
    match serde_json::to_vec(
        &serde_json::json!({ "jsonrpc": "2.0", "id": id, "method": "flowls/malformedRequest" }),
    ) {
        Ok(v) => Checked::StandIn(v),
        Err(_) => Checked::Drop,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Drops bytes up to the next `Content-Length` header at or after `from`.
fn resync(buf: &mut Vec<u8>, from: usize) {
    let from = from.min(buf.len());
    match find(&buf[from..], b"Content-Length") {
        Some(p) => {
            buf.drain(..from + p);
        }
        None => buf.clear(),
    }
}

fn header_length(head: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(head).ok()?;
    text.split("\r\n").find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    async fn run(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        filter(input, &mut out).await;
        out
    }

    const GOOD: &str = r#"{"jsonrpc":"2.0","method":"x"}"#;

    #[test]
    fn the_probe_accepts_exactly_what_the_json_rpc_layer_accepts() {
        use tower_lsp_server::jsonrpc::{Request, Response};
        let bodies = [
            GOOD,
            r#"{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":[1,2,{"b":null}]}}"#,
            r#"{"jsonrpc":"2.0","id":"x","method":"m","params":null}"#,
            r#"{"jsonrpc":"2.0","id":null,"method":"m"}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{"x":1}}"#,
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"no"}}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":"m"}"#,
            r#"{"jsonrpc":"2.0","id":[1],"method":"m"}"#,
            r#"{"jsonrpc":"1.0","method":"m"}"#,
            r#"{"jsonrpc":2,"method":"m"}"#,
            r#"{"jsonrpc":"2.0","method":3}"#,
            r#"{"jsonrpc":"2.0","method":"m","method":"n"}"#,
            r#"{"jsonrpc":"2.0","method":"m","params":[1,}"#,
            r#"{"jsonrpc":"2.\u0030","method":"m"}"#,
            r#"{"method":"m"}"#,
            r#"{}"#,
            r#"[]"#,
            r#"{"jsonrpc":"2.0","method":"m"} x"#,
            "",
        ];
        for body in bodies {
            let layer = serde_json::from_slice::<Request>(body.as_bytes()).is_ok()
                || serde_json::from_slice::<Response>(body.as_bytes()).is_ok();
            let probe = matches!(check(body.as_bytes()), Checked::Pass(_));
            assert_eq!(probe, layer, "{body}");
        }
    }

    #[tokio::test]
    async fn passes_good_frames_and_drops_bad_ones() {
        let good = frame(GOOD);
        let mut input = Vec::new();
        input.extend_from_slice(b"Content-Length: 5\r\n\r\n{oops");
        input.extend_from_slice(&good);
        input.extend_from_slice(&frame("[]"));
        input.extend_from_slice(b"X-Other: 1\r\n\r\n");
        input.extend_from_slice(&frame("{}"));
        // a length too large: once enough bytes came, the next header inside is found again
        input.extend_from_slice(b"Content-Length: 90\r\n\r\n{\"a\":");
        for _ in 0..3 {
            input.extend_from_slice(&good);
        }
        input.extend_from_slice(b"Content-Length: 999999999999\r\n\r\n");
        let out = run(&input).await;
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(good.repeat(4)).unwrap()
        );
    }

    #[tokio::test]
    async fn split_reads_lowercase_headers_and_malformed_requests() {
        let (mut w, r) = tokio::io::duplex(8);
        let task = tokio::spawn(async move {
            let mut out = Vec::new();
            filter(r, &mut out).await;
            out
        });
        let head = format!("content-length: {}\r\nContent-Type: x\r\n\r\n", GOOD.len());
        w.write_all(head.as_bytes()).await.unwrap();
        w.write_all(GOOD.as_bytes()).await.unwrap();
        w.write_all(&frame(r#"{"jsonrpc":2,"id":7}"#))
            .await
            .unwrap();
        drop(w);
        let out = String::from_utf8(task.await.unwrap()).unwrap();
        let stand_in = r#"{"jsonrpc":"2.0","id":7,"method":"flowls/malformedRequest"}"#;
        assert_eq!(
            out,
            format!(
                "Content-Length: 30\r\n\r\n{GOOD}Content-Length: {}\r\n\r\n{stand_in}",
                stand_in.len()
            )
        );
    }
}
