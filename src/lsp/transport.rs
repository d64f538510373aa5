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

/// What to do with the bytes at the front of the buffer.
enum Step {
    /// Pass on this message, then drop `consumed` bytes.
    Message { message: Vec<u8>, consumed: usize },
    /// Drop this many bytes (with a line on stderr already written).
    Skip(usize),
    /// Skip a message body larger than the limit: drop the header now and this many bytes
    /// as they come.
    SkipBody { header: usize, body: usize },
    /// Not enough bytes yet.
    Wait,
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
    let mut scanned = 0usize; // how far a body still arriving was searched for a header
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
            match next_step(&buf, &mut scanned, docs.as_ref()) {
                Step::Wait => break,
                Step::Skip(n) => {
                    buf.drain(..n.min(buf.len()));
                    scanned = 0;
                }
                Step::SkipBody { header, body } => {
                    buf.drain(..header);
                    skip = body;
                    scanned = 0;
                }
                Step::Message { message, consumed } => {
                    let head = format!("Content-Length: {}\r\n\r\n", message.len());
                    if output.write_all(head.as_bytes()).await.is_err()
                        || output.write_all(&message).await.is_err()
                    {
                        return;
                    }
                    buf.drain(..consumed.min(buf.len()));
                    scanned = 0;
                    if buf.capacity() > 4 * READ && buf.len() < READ {
                        buf.shrink_to(READ); // a large document came: do not keep its buffer
                    }
                }
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

/// Decides what the bytes at the front of `buf` are: a frame to pass on, bytes to drop, or
/// an incomplete frame.
fn next_step(buf: &[u8], scanned: &mut usize, docs: Option<&Stash>) -> Step {
    // whitespace left between frames (after a body whose length was wrong) is not a header
    let lead = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
    if lead > 0 {
        return Step::Skip(lead);
    }
    let Some(end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > MAX_HEADER {
            eprintln!(
                "flowls: dropped {} bytes that are not a message header",
                buf.len()
            );
            return Step::Skip(next_header(buf, 1).unwrap_or(buf.len()));
        }
        return Step::Wait;
    };
    let body_start = end + 4;
    let Some((at, length)) = header_length(&buf[..end + 2]) else {
        eprintln!("flowls: dropped a message without a valid Content-Length");
        return Step::Skip(next_header(buf, body_start).unwrap_or(buf.len()));
    };
    if at > 0 {
        // the end of a body whose length was counted short, or noise: resume at the header
        eprintln!("flowls: dropped {at} bytes before a message header");
        return Step::Skip(at);
    }
    if length > MAX_MESSAGE {
        eprintln!("flowls: dropped a message of {length} bytes (the limit is {MAX_MESSAGE})");
        return Step::SkipBody {
            header: body_start,
            body: length,
        };
    }
    if buf.len() < body_start + length {
        // a header where the body should be shows that the length was counted long (the
        // sender may be waiting for an answer to the message after it)
        let from = (*scanned).max(body_start);
        if let Some(h) = next_header(buf, from) {
            return recover(buf, body_start, Some(h), docs);
        }
        *scanned = buf.len().saturating_sub(32).max(body_start);
        return Step::Wait;
    }
    let body = &buf[body_start..body_start + length];
    match check(body) {
        Checked::Pass(method, message) => {
            message_step(pass(method, message, docs), body_start + length)
        }
        Checked::StandIn(v) => Step::Message {
            message: v,
            consumed: body_start + length,
        },
        Checked::Drop => {
            // the length may have been wrong: the message is what comes before the next header
            let next = next_header(buf, body_start);
            recover(buf, body_start, next, docs)
        }
    }
}

/// A frame whose `Content-Length` does not fit its body: the first JSON value after the
/// header, when it is a message and nothing but whitespace follows it before the next header
/// (`next`), is passed on; otherwise the bytes up to that header are dropped.
fn recover(buf: &[u8], body_start: usize, next: Option<usize>, docs: Option<&Stash>) -> Step {
    let region = &buf[body_start..next.unwrap_or(buf.len())];
    let mut values =
        serde_json::Deserializer::from_slice(region).into_iter::<serde::de::IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => {
            let e = values.byte_offset();
            if region[e..].iter().all(u8::is_ascii_whitespace) {
                eprintln!(
                    "flowls: a message's Content-Length did not match its body; read it to its end"
                );
                match check(&region[..e]) {
                    Checked::Pass(method, message) => {
                        return message_step(pass(method, message, docs), body_start + e);
                    }
                    Checked::StandIn(v) => {
                        return Step::Message {
                            message: v,
                            consumed: body_start + e,
                        };
                    }
                    Checked::Drop => {}
                }
            }
        }
        // the rest of the message has not come yet
        Some(Err(e)) if e.is_eof() && next.is_none() => return Step::Wait,
        _ => {}
    }
    eprintln!("flowls: dropped a message whose body is not a JSON-RPC message");
    Step::Skip(next.unwrap_or(buf.len()))
}

/// The bytes to pass on for a checked message: the stand-in of a document notification (see
/// [`Stash`]), or the message itself.
fn pass(
    method: Option<&'static str>,
    message: std::borrow::Cow<'_, [u8]>,
    docs: Option<&Stash>,
) -> Option<Vec<u8>> {
    if let (Some(method), Some(docs)) = (method, docs)
        && let Some(stand_in) = stash(&message, method, docs)
    {
        return Some(stand_in);
    }
    // params that do not fit: passed on only when the layer reads them (it answers them as
    // invalid), else dropped
    if method.is_some() && !layer_accepts(&message) {
        eprintln!("flowls: dropped a document notification that could not be read");
        return None;
    }
    Some(message.into_owned())
}

/// A message to pass on, or the bytes to drop when there is none.
fn message_step(message: Option<Vec<u8>>, consumed: usize) -> Step {
    match message {
        Some(message) => Step::Message { message, consumed },
        None => Step::Skip(consumed),
    }
}

/// What to pass on for a body.
enum Checked<'a> {
    /// A JSON-RPC request, notification or response that the JSON-RPC layer reads without
    /// error (after [`repair`]); with its method when that is a document notification the
    /// filter reads itself.
    Pass(Option<&'static str>, std::borrow::Cow<'a, [u8]>),
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

/// Only the id of a message, whatever the rest holds.
#[derive(serde::Deserialize)]
struct IdOnly {
    id: Option<serde_json::Value>,
}

/// Whether the JSON-RPC layer reads this body without error (it builds a generic value of the
/// params, which refuses nesting past 128 levels, and stops reading at its first error).
pub fn layer_accepts(body: &[u8]) -> bool {
    use tower_lsp_server::jsonrpc::{Request, Response};
    serde_json::from_slice::<Response>(body).is_ok()
        || serde_json::from_slice::<Request>(body).is_ok()
}

fn check(body: &[u8]) -> Checked<'_> {
    let body = repair(body);
    if let Ok(p) = serde_json::from_slice::<Probe>(&body)
        && p.jsonrpc == "2.0"
    {
        let doc = ["textDocument/didOpen", "textDocument/didChange"]
            .into_iter()
            .find(|m| *m == p.method);
        // a document notification is read into its typed params by `stash`; anything else is
        // read once more the way the layer reads it
        if doc.is_some() || layer_accepts(&body) {
            return Checked::Pass(doc, body);
        }
    }
    let Some(id) = serde_json::from_slice::<IdOnly>(&body)
        .ok()
        .and_then(|v| v.id)
        .filter(|id| id.is_number() || id.is_string())
    else {
        return Checked::Drop;
    };
    // the stand-in must carry an id the layer can hold (a 64-bit integer or a string): one it
    // cannot decode ends its reading for good. Any other number (`1.5`, `1e300`, past 64 bits)
    // is an id that cannot be detected, answered with `null` as JSON-RPC says.
    let id = serde_json::from_value::<tower_lsp_server::jsonrpc::Id>(id)
        .unwrap_or(tower_lsp_server::jsonrpc::Id::Null);
    eprintln!("flowls: answered a malformed request with an error");
    match serde_json::to_vec(
        &serde_json::json!({ "jsonrpc": "2.0", "id": id, "method": "flowls/malformedRequest" }),
    ) {
        Ok(v) => Checked::StandIn(v),
        Err(_) => Checked::Drop,
    }
}

/// Makes a body that JavaScript clients may send readable: bytes that are not UTF-8 become
/// U+FFFD, and so do `\uXXXX` escapes of lone surrogates (a JavaScript string may hold one;
/// `JSON.stringify` writes it as an escape, which strict JSON readers refuse). Both keep
/// UTF-16 positions: one unit before, one unit after.
fn repair(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    let text: Cow<'_, [u8]> = match std::str::from_utf8(body) {
        Ok(_) => Cow::Borrowed(body),
        Err(_) => {
            eprintln!("flowls: a message held bytes that are not UTF-8; read them as U+FFFD");
            Cow::Owned(String::from_utf8_lossy(body).into_owned().into_bytes())
        }
    };
    if !has_surrogate_escape(&text) {
        return text;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    let mut in_string = false;
    while i < text.len() {
        let b = text[i];
        if !in_string {
            in_string = b == b'"';
            out.push(b);
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = false;
                out.push(b);
                i += 1;
            }
            b'\\' if text.get(i + 1) == Some(&b'u') => {
                let unit = hex4(&text[i + 2..]);
                match unit {
                    Some(high @ 0xD800..=0xDBFF) => {
                        let low = (text.get(i + 6) == Some(&b'\\')
                            && text.get(i + 7) == Some(&b'u'))
                        .then(|| hex4(&text[i + 8..]))
                        .flatten();
                        if matches!(low, Some(0xDC00..=0xDFFF)) {
                            out.extend_from_slice(&text[i..i + 12]); // a pair
                            i += 12;
                        } else {
                            let _ = high;
                            out.extend_from_slice(b"\\ufffd");
                            i += 6;
                        }
                    }
                    Some(0xDC00..=0xDFFF) => {
                        out.extend_from_slice(b"\\ufffd");
                        i += 6;
                    }
                    _ => {
                        out.extend_from_slice(&text[i..(i + 2).min(text.len())]);
                        i += 2;
                    }
                }
            }
            b'\\' => {
                out.extend_from_slice(&text[i..(i + 2).min(text.len())]);
                i += 2;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// Whether the text has a `\uD800`–`\uDFFF` escape anywhere (a quick test before [`repair`]).
fn has_surrogate_escape(text: &[u8]) -> bool {
    memchr::memmem::find_iter(text, b"\\u").any(|i| {
        matches!(text.get(i + 2), Some(b'd' | b'D'))
            && matches!(
                text.get(i + 3),
                Some(b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
            )
    })
}

fn hex4(b: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(b.get(..4)?).ok()?;
    u32::from_str_radix(s, 16)
        .ok()
        .filter(|_| s.bytes().all(|c| c.is_ascii_hexdigit()))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// The start of the next `Content-Length: N\r\n` header line at or after `from`. Such a line
/// never stands inside a JSON body (raw line breaks cannot be in a string, and the words
/// cannot be outside one), so finding one inside a body proves its length wrong.
fn next_header(buf: &[u8], from: usize) -> Option<usize> {
    let from = from.min(buf.len());
    let mut at = from;
    while let Some(p) = memchr::memchr2(b'C', b'c', &buf[at..]) {
        let i = at + p;
        if header_line_at(&buf[i..]).is_some() {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// The length of a `Content-Length: N\r\n` line at the start of `b`.
fn header_line_at(b: &[u8]) -> Option<usize> {
    const NAME: &[u8] = b"content-length";
    if b.len() < NAME.len() || !b[..NAME.len()].eq_ignore_ascii_case(NAME) {
        return None;
    }
    let rest = &b[NAME.len()..];
    let line_end = find(rest, b"\r\n")?;
    let (k, v) = std::str::from_utf8(&rest[..line_end])
        .ok()?
        .split_once(':')?;
    if !k.trim().is_empty() {
        return None;
    }
    v.trim().parse().ok()
}

/// Where the header block holding the last `Content-Length` line starts, and its value, in
/// `head` (the header bytes with the line break after the last line). Bytes before the block
/// that are no header line (the tail of a body counted short, or noise) put the start past 0.
fn header_length(head: &[u8]) -> Option<(usize, usize)> {
    let mut found = None;
    let mut from = 0;
    while let Some(p) = next_header(head, from) {
        found = Some(p);
        from = p + 1;
    }
    let p = found?;
    let n = header_line_at(&head[p..])?;
    let before = &head[..p];
    let clean = before.is_empty()
        || (before.ends_with(b"\r\n")
            && before[..before.len() - 2]
                .split(|&b| b == b'\n')
                .all(is_header_line));
    Some((if clean { 0 } else { p }, n))
}

/// `Name: value` with a token name (headers other than the length, such as `Content-Type`).
fn is_header_line(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && line[..colon]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
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
            let probe = matches!(check(body.as_bytes()), Checked::Pass(..));
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

    #[tokio::test]
    async fn ids_the_layer_cannot_hold_are_answered_with_null() {
        let mut input = Vec::new();
        let ids = [
            "1.5",
            "1e300",
            "-0.0",
            "18446744073709551617",
            "-9223372036854775809",
            "9223372036854775808",
        ];
        for id in ids {
            input.extend_from_slice(&frame(&format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"textDocument/hover","params":{{}}}}"#
            )));
            input.extend_from_slice(&frame(&format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"textDocument/didSave"}}"#
            )));
        }
        // the largest ids the layer holds keep their value
        for id in ["9223372036854775807", "-9223372036854775808", r#""1.5""#] {
            input.extend_from_slice(&frame(&format!(r#"{{"jsonrpc":2,"id":{id}}}"#)));
        }
        let null = r#"{"jsonrpc":"2.0","id":null,"method":"flowls/malformedRequest"}"#;
        let mut expected = vec![null.to_string(); 2 * ids.len()];
        for id in ["9223372036854775807", "-9223372036854775808", r#""1.5""#] {
            expected.push(format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"flowls/malformedRequest"}}"#
            ));
        }
        assert_eq!(bodies(&run(&input).await), expected);
    }

    /// The bodies of the frames in `out`, each checked to be read by the JSON-RPC layer
    /// without error (what the fuzz target `frames` asserts for any input).
    fn bodies(out: &[u8]) -> Vec<String> {
        let mut rest = out;
        let mut bodies = Vec::new();
        while !rest.is_empty() {
            let end = find(rest, b"\r\n\r\n").expect("a header");
            let head = std::str::from_utf8(&rest[..end]).unwrap();
            let n: usize = head.trim_start_matches("Content-Length: ").parse().unwrap();
            let body = &rest[end + 4..end + 4 + n];
            assert!(layer_accepts(body), "{}", String::from_utf8_lossy(body));
            bodies.push(String::from_utf8(body.to_vec()).unwrap());
            rest = &rest[end + 4 + n..];
        }
        bodies
    }

    #[tokio::test]
    async fn lone_surrogates_and_bytes_that_are_not_utf8_are_read_as_replacement_characters() {
        let mut input = Vec::new();
        for body in [
            r#"{"jsonrpc":"2.0","method":"a","params":{"text":"x\ud800y"}}"#,
            r#"{"jsonrpc":"2.0","method":"b","params":{"text":"\udc00\ud83d\ude00\\ud800"}}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"c","params":{"t":"\uD800\u0041"}}"#,
        ] {
            input.extend_from_slice(&frame(body));
        }
        let raw = b"{\"jsonrpc\":\"2.0\",\"method\":\"d\",\"params\":{\"t\":\"\xff\xfe\"}}";
        input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", raw.len()).as_bytes());
        input.extend_from_slice(raw);
        let bodies = bodies(&run(&input).await);
        assert_eq!(
            bodies,
            [
                r#"{"jsonrpc":"2.0","method":"a","params":{"text":"x\ufffdy"}}"#,
                r#"{"jsonrpc":"2.0","method":"b","params":{"text":"\ufffd\ud83d\ude00\\ud800"}}"#,
                r#"{"jsonrpc":"2.0","id":3,"method":"c","params":{"t":"\ufffd\u0041"}}"#,
                "{\"jsonrpc\":\"2.0\",\"method\":\"d\",\"params\":{\"t\":\"\u{fffd}\u{fffd}\"}}",
            ]
        );
    }

    #[tokio::test]
    async fn params_nested_past_the_layers_limit_are_answered_or_dropped() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let mut input = Vec::new();
        input.extend_from_slice(&frame(&format!(
            r#"{{"jsonrpc":"2.0","id":9,"method":"workspace/executeCommand","params":{deep}}}"#
        )));
        input.extend_from_slice(&frame(&format!(
            r#"{{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{deep}}}"#
        )));
        input.extend_from_slice(&frame(&format!(
            r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{deep}}}"#
        )));
        input.extend_from_slice(&frame(GOOD));
        let bodies = bodies(&run(&input).await);
        assert_eq!(
            bodies,
            [
                r#"{"jsonrpc":"2.0","id":9,"method":"flowls/malformedRequest"}"#,
                GOOD
            ]
        );
    }

    #[tokio::test]
    async fn a_length_counted_in_characters_is_resynchronised() {
        let body = r#"{"jsonrpc":"2.0","method":"didOpen","params":{"text":"é😀 naïve"}}"#;
        let chars = body.chars().count();
        assert!(chars < body.len());
        let mut input = format!("Content-Length: {chars}\r\n\r\n{body}").into_bytes();
        input.extend_from_slice(&frame(GOOD));
        // a length counted long, followed by a request the client waits on
        let long = format!("Content-Length: {}\r\n\r\n{GOOD}", GOOD.len() + 7);
        input.extend_from_slice(long.as_bytes());
        let request = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        input.extend_from_slice(&frame(request));
        // noise between frames
        input.extend_from_slice(b"}}garbage\r\n");
        input.extend_from_slice(&frame(GOOD));
        let bodies = bodies(&run(&input).await);
        assert_eq!(bodies, [body, GOOD, GOOD, request, GOOD]);
    }

    #[tokio::test]
    async fn a_length_counted_long_does_not_wait_for_bytes_that_never_come() {
        let (mut w, r) = tokio::io::duplex(1024);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        struct Sink(tokio::sync::mpsc::UnboundedSender<Vec<u8>>);
        impl AsyncWrite for Sink {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
                b: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let _ = self.0.send(b.to_vec());
                std::task::Poll::Ready(Ok(b.len()))
            }
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
        }
        tokio::spawn(filter(r, Sink(tx)));
        let request = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let long = format!("Content-Length: {}\r\n\r\n{GOOD}", GOOD.len() + 500);
        w.write_all(long.as_bytes()).await.unwrap();
        w.write_all(&frame(request)).await.unwrap();
        // the writer stays open: both messages come through without more input
        let mut out = Vec::new();
        while bodies_complete(&out) < 2 {
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
                .await
                .expect("the filter waited for bytes that never come")
                .unwrap();
            out.extend_from_slice(&chunk);
        }
        assert_eq!(bodies(&out), [GOOD, request]);
        drop(w);
    }

    fn bodies_complete(out: &[u8]) -> usize {
        let mut rest = out;
        let mut n = 0;
        while let Some(end) = find(rest, b"\r\n\r\n") {
            let head = std::str::from_utf8(&rest[..end]).unwrap();
            let len: usize = head.trim_start_matches("Content-Length: ").parse().unwrap();
            if rest.len() < end + 4 + len {
                break;
            }
            n += 1;
            rest = &rest[end + 4 + len..];
        }
        n
    }
}
