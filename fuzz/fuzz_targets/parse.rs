//! The parser on any bytes: never panics, ranges stay in bounds and on char boundaries.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parse = flowls::syntax::parse(&text);
    for e in &parse.errors {
        assert!(e.range.end as usize <= text.len());
        assert!(text.is_char_boundary(e.range.start as usize) && text.is_char_boundary(e.range.end as usize));
    }
    let index = flowls::syntax::line_index::LineIndex::new(&text);
    for e in parse.errors.iter().take(16) {
        for unit in [
            flowls::syntax::line_index::ColumnUnit::Utf8,
            flowls::syntax::line_index::ColumnUnit::Utf16,
        ] {
            let (l, c) = index.position(&text, e.range.start as usize, unit);
            let _ = index.offset(&text, l, c, unit);
        }
    }
});
