//! Between the core's byte offsets and LSP positions, in the negotiated encoding; between
//! the core's diagnostics and LSP's. The only place that converts positions.

use crate::analysis::{Diagnostic, Severity};
use crate::syntax::TextRange;
use crate::syntax::line_index::{ColumnUnit, LineIndex};
use ropey::Rope;
use std::sync::Arc;
use tower_lsp_server::ls_types::{self as lsp, NumberOrString};

pub fn to_lsp_range(
    text: &str,
    index: &LineIndex,
    range: TextRange,
    unit: ColumnUnit,
) -> lsp::Range {
    let (l1, c1) = index.position(text, range.start as usize, unit);
    let (l2, c2) = index.position(text, range.end as usize, unit);
    lsp::Range {
        start: lsp::Position::new(l1 as u32, c1 as u32),
        end: lsp::Position::new(l2 as u32, c2 as u32),
    }
}

/// A diagnostic in LSP's terms; `locate` turns each of its related places (in any file of the
/// workspace) into a location, or drops it when the file is gone.
pub fn to_lsp_diagnostic(
    text: &str,
    index: &LineIndex,
    d: &Diagnostic,
    unit: ColumnUnit,
    locate: &dyn Fn(&std::path::Path, TextRange) -> Option<lsp::Location>,
) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            Some(lsp::DiagnosticRelatedInformation {
                location: locate(&r.path, r.range)?,
                message: r.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        related_information: (!related.is_empty()).then_some(related),
        range: to_lsp_range(text, index, d.range, unit),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Information => lsp::DiagnosticSeverity::INFORMATION,
            Severity::Hint => lsp::DiagnosticSeverity::HINT,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("flowls".into()),
        message: d.message.clone(),
        tags: (d.code == crate::analysis::code::UNUSED_CONNECTION)
            .then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
        ..Default::default()
    }
}

/// The char index in `rope` of an LSP position (clamped like [`LineIndex::offset`]).
pub fn rope_char(rope: &Rope, pos: lsp::Position, unit: ColumnUnit) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let slice = rope.line(line);
    // the line's content, without its line break
    let mut content_chars = slice.len_chars();
    while content_chars > 0 && matches!(slice.char(content_chars - 1), '\n' | '\r') {
        content_chars -= 1;
    }
    let content = slice.slice(..content_chars);
    let col = pos.character as usize;
    let char_col = match unit {
        ColumnUnit::Utf16 => content.utf16_cu_to_char(col.min(content.len_utf16_cu())),
        ColumnUnit::Utf8 => content.byte_to_char(col.min(content.len_bytes())),
        ColumnUnit::Char => col.min(content_chars),
    };
    rope.line_to_char(line) + char_col
}

/// The text after one content change: the changed range is found with the text's line index
/// and the rest is copied around the new text, straight into the shared allocation the
/// workspace keeps (no rope, no intermediate string: one copy of a large text at a time).
pub fn splice(
    text: &str,
    index: &LineIndex,
    change: &lsp::TextDocumentContentChangeEvent,
    unit: ColumnUnit,
) -> Arc<str> {
    let Some(range) = change.range else {
        return change.text.as_str().into();
    };
    let offset = |p: lsp::Position| index.offset(text, p.line as usize, p.character as usize, unit);
    let start = offset(range.start);
    let end = offset(range.end).max(start);
    concat(&[&text[..start], &change.text, &text[end..]])
}

/// `parts` one after the other, in one shared allocation.
fn concat(parts: &[&str]) -> Arc<str> {
    let len = parts.iter().map(|p| p.len()).sum();
    let mut buf: Arc<[std::mem::MaybeUninit<u8>]> = Arc::new_uninit_slice(len);
    let dst = Arc::get_mut(&mut buf).expect("a new allocation has no other owner");
    let mut at = 0;
    for p in parts {
        dst[at..at + p.len()].write_copy_of_slice(p.as_bytes());
        at += p.len();
    }
    // SAFETY: every byte was written just above (the parts fill the `len` bytes exactly).
    let bytes: Arc<[u8]> = unsafe { buf.assume_init() };
    // SAFETY: the bytes are `str`s one after the other, so they are UTF-8, and `str` has the
    // layout of `[u8]`.
    unsafe { Arc::from_raw(Arc::into_raw(bytes) as *const str) }
}

/// Applies one content change to the rope.
pub fn apply_change(
    rope: &mut Rope,
    change: &lsp::TextDocumentContentChangeEvent,
    unit: ColumnUnit,
) {
    match change.range {
        None => *rope = Rope::from_str(&change.text),
        Some(range) => {
            let start = rope_char(rope, range.start, unit);
            let end = rope_char(rope, range.end, unit).max(start);
            rope.remove(start..end);
            rope.insert(start, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        l1: u32,
        c1: u32,
        l2: u32,
        c2: u32,
        text: &str,
    ) -> lsp::TextDocumentContentChangeEvent {
        lsp::TextDocumentContentChangeEvent {
            range: Some(lsp::Range::new(
                lsp::Position::new(l1, c1),
                lsp::Position::new(l2, c2),
            )),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn edits_after_emoji_and_cjk_in_both_encodings() {
        let mut rope = Rope::from_str("{\"a\": \"😀漢\"}\r\n");
        // utf-16: 😀 is 2 units, so `漢` starts at 9
        apply_change(&mut rope, &change(0, 9, 0, 10, "字"), ColumnUnit::Utf16);
        assert_eq!(rope.to_string(), "{\"a\": \"😀字\"}\r\n");
        // utf-8: 😀 is 4 bytes, 字 3, so the closing quote is at 14
        apply_change(&mut rope, &change(0, 14, 0, 14, "!"), ColumnUnit::Utf8);
        assert_eq!(rope.to_string(), "{\"a\": \"😀字!\"}\r\n");
        // past the end of the line: at its end, before CRLF
        apply_change(&mut rope, &change(0, 99, 0, 99, " "), ColumnUnit::Utf16);
        assert_eq!(rope.to_string(), "{\"a\": \"😀字!\"} \r\n");
        // past the last line: appended
        apply_change(&mut rope, &change(9, 0, 9, 0, "x"), ColumnUnit::Utf16);
        assert_eq!(rope.to_string(), "{\"a\": \"😀字!\"} \r\nx");
    }

    #[test]
    fn diagnostic_ranges_in_both_encodings() {
        let text = "😀\r\n  \"漢\": 1";
        let index = LineIndex::new(text);
        let start = text.find('"').unwrap();
        let r = TextRange::new(start, start + "\"漢\"".len());
        let utf16 = to_lsp_range(text, &index, r, ColumnUnit::Utf16);
        assert_eq!(
            (utf16.start.line, utf16.start.character, utf16.end.character),
            (1, 2, 5)
        );
        let utf8 = to_lsp_range(text, &index, r, ColumnUnit::Utf8);
        assert_eq!((utf8.start.character, utf8.end.character), (2, 7));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Random edits applied to a rope one by one, with positions in either encoding,
        /// give the same text — and so the same tree and diagnostics — as editing the
        /// string directly and parsing the result.
        #[test]
        fn incremental_edits_match_the_final_text(
            start in "(\\PC|\r\n|\n|😀|漢){0,60}",
            edits in proptest::collection::vec((0usize..100, 0usize..100, "(\\PC|\r\n|😀){0,8}", proptest::bool::ANY), 1..20),
        ) {
            let mut text = start.clone();
            let mut rope = Rope::from_str(&start);
            let mut spliced = start.clone();
            for (a, b, insert, utf8) in edits {
                let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                let (mut s, mut e) = (chars[a % chars.len()], chars[b % chars.len()]);
                if s > e {
                    std::mem::swap(&mut s, &mut e);
                }
                // a position between \r and \n is not addressable in LSP: move before the \r
                let fix = |o: usize| if o > 0 && text.as_bytes()[o - 1] == b'\r' && text.as_bytes().get(o) == Some(&b'\n') { o - 1 } else { o };
                let (s, e) = (fix(s), fix(e).max(fix(s)));
                let unit = if utf8 { ColumnUnit::Utf8 } else { ColumnUnit::Utf16 };
                let index = LineIndex::new(&text);
                let (l1, c1) = index.position(&text, s, unit);
                let (l2, c2) = index.position(&text, e, unit);
                let change = lsp::TextDocumentContentChangeEvent {
                    range: Some(lsp::Range::new(lsp::Position::new(l1 as u32, c1 as u32), lsp::Position::new(l2 as u32, c2 as u32))),
                    range_length: None,
                    text: insert.clone(),
                };
                apply_change(&mut rope, &change, unit);
                spliced = splice(&spliced, &LineIndex::new(&spliced), &change, unit).to_string();
                text.replace_range(s..e, &insert);
                proptest::prop_assert_eq!(rope.to_string(), text.clone());
                proptest::prop_assert_eq!(&spliced, &text);
            }
            let incremental = crate::syntax::parse(&rope.to_string());
            let whole = crate::syntax::parse(&text);
            proptest::prop_assert_eq!(incremental, whole);
            // and the same diagnostics, as a flow
            let diagnostics = |t: String| {
                let mut ws = crate::workspace::Workspace::new("/ws", Default::default(), Vec::new());
                let path = std::path::PathBuf::from("/ws/flows/f.json");
                ws.set_file(path.clone(), t.into());
                crate::analysis::diagnostics(&ws, &path)
            };
            proptest::prop_assert_eq!(diagnostics(rope.to_string()), diagnostics(text.clone()));
        }
    }
}
