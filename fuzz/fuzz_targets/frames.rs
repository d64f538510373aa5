//! The LSP frame filter on any bytes: never panics, and passes on only well-formed frames.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let mut out = Vec::new();
    rt.block_on(flowls::lsp::transport::filter(data, &mut out));
    // what comes out is a sequence of frames with exact lengths
    let mut rest = &out[..];
    while !rest.is_empty() {
        let end = rest.windows(4).position(|w| w == b"\r\n\r\n").expect("a header");
        let head = std::str::from_utf8(&rest[..end]).unwrap();
        let n: usize = head.trim_start_matches("Content-Length: ").parse().unwrap();
        let body = &rest[end + 4..end + 4 + n];
        assert!(serde_json_is_object(body));
        rest = &rest[end + 4 + n..];
    }
});

fn serde_json_is_object(b: &[u8]) -> bool {
    b.first() == Some(&b'{') && b.last() == Some(&b'}')
}
