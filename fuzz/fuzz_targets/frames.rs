//! The LSP frame filter on any bytes: never panics, and passes on only frames that the
//! JSON-RPC layer reads without error (a decoding error there would end the session). The
//! input is also cut into whole messages (lone surrogate escapes, bytes that are not UTF-8,
//! deep nesting, lengths counted in characters) by framing parts of it as bodies.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for input in [data.to_vec(), as_messages(data)] {
        let mut out = Vec::new();
        rt.block_on(flowls::lsp::transport::filter(&input[..], &mut out));
        // what comes out is a sequence of frames with exact lengths, each read by the layer
        let mut rest = &out[..];
        while !rest.is_empty() {
            let end = rest.windows(4).position(|w| w == b"\r\n\r\n").expect("a header");
            let head = std::str::from_utf8(&rest[..end]).unwrap();
            let n: usize = head.trim_start_matches("Content-Length: ").parse().unwrap();
            let body = &rest[end + 4..end + 4 + n];
            assert!(flowls::lsp::transport::layer_accepts(body));
            rest = &rest[end + 4 + n..];
        }
    }
});

/// Parts of the input (split at 0x00) as message bodies: each wrapped in a JSON-RPC envelope
/// and framed with its length in bytes, or in characters when the part starts with 0x01.
fn as_messages(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, part) in data.split(|&b| b == 0).enumerate() {
        let mut body = Vec::new();
        match i % 3 {
            0 => body.extend_from_slice(part),
            1 => {
                body.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":");
                body.extend_from_slice(part);
                body.push(b'}');
            }
            _ => {
                body.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"file:///a.json\",\"languageId\":\"json\",\"version\":1,\"text\":\"");
                body.extend_from_slice(part);
                body.extend_from_slice(b"\"}}}");
            }
        }
        let len = if part.first() == Some(&1) {
            String::from_utf8_lossy(&body).chars().count()
        } else {
            body.len()
        };
        out.extend_from_slice(format!("Content-Length: {len}\r\n\r\n").as_bytes());
        out.extend_from_slice(&body);
    }
    out
}
