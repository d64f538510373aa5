//! How text that comes from a repository (file names, source lines) is shown to people: with
//! control characters escaped, so that a file name or a line cannot move a terminal's cursor,
//! change its colours, or start a CI workflow command on a line of its own.

use std::borrow::Cow;
use std::path::Path;

/// The text with every control character (C0, DEL, C1), line or paragraph separator and
/// bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069: they reorder
/// what a terminal or a review shows) written as an escape: `\n`, `\r`, `\t`, `\e` for ESC, `\u{…}` for the rest. Tabs are kept
/// when `keep_tabs` (source lines).
pub fn escape_control(text: &str, keep_tabs: bool) -> Cow<'_, str> {
    let needs = |c: char| {
        (c.is_control() && !(keep_tabs && c == '\t'))
            || matches!(c, '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// A path relative to `base` (itself when outside it), `/`-separated, with bytes that are not
/// UTF-8 shown as U+FFFD and control characters escaped.
pub fn path(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let joined = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    escape_control(&joined, false).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("flows/a.json", false), "flows/a.json");
        assert_eq!(
            escape_control(
                "a\n::error file=x::pwned\r\u{1b}[31m\u{9b}\u{2028}\tz",
                false
            ),
            "a\\n::error file=x::pwned\\r\\e[31m\\u{9b}\\u{2028}\\tz"
        );
        assert_eq!(escape_control("\tkeep", true), "\tkeep");
        assert_eq!(
            escape_control("a\u{202a}\u{202e}\u{2066}\u{2069}\u{2065}\u{202f}", false),
            "a\\u{202a}\\u{202e}\\u{2066}\\u{2069}\u{2065}\u{202f}"
        );
    }
}
