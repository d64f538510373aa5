//! How text that comes from a repository or a tenant (file names, source lines, names in
//! messages, a tenant's error texts) is shown to people: with control characters and
//! bidirectional overrides escaped, so that it cannot move a terminal's cursor, change its
//! colours, start a CI workflow command on a line of its own, or reorder what is shown.

use std::borrow::Cow;
use std::path::Path;

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they
/// reorder the text around them (a file name that reads `txt.exe` backwards).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The text with every control character (C0, DEL, C1), line or paragraph separator and
/// bidirectional override written as an escape: `\n`, `\r`, `\t`, `\e` for ESC, `\u{…}` for
/// the rest. Tabs are kept when `keep_tabs` (source lines).
pub fn escape_control(text: &str, keep_tabs: bool) -> Cow<'_, str> {
    let needs = |c: char| {
        (c.is_control() && !(keep_tabs && c == '\t'))
            || matches!(c, '\u{2028}' | '\u{2029}')
            || is_bidi_control(c)
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
    // a path outside `base` is shown whole: `/tmp/x`, not `//tmp/x`
    let joined = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::RootDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let joined = if rel.has_root() {
        format!("/{joined}")
    } else {
        joined
    };
    escape_control(&joined, false).into_owned()
}

/// Serialised JSON with the characters a JSON writer leaves as they are but a terminal acts on
/// (DEL, C1 controls such as U+009B, the 8-bit CSI; line separators; bidirectional overrides)
/// written as `\uXXXX` escapes: the same JSON value, harmless when printed. Such characters
/// stand only inside strings in serialised JSON, where the escape means the same character.
pub fn json_for_terminal(json: String) -> String {
    let needs =
        |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}') || is_bidi_control(c);
    if !json.chars().any(needs) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_path_is_shown_from_its_base_or_whole() {
        let base = Path::new("/work/ws");
        assert_eq!(
            path(Path::new("/work/ws/flows/a.json"), base),
            "flows/a.json"
        );
        assert_eq!(path(Path::new("/tmp/x/a.json"), base), "/tmp/x/a.json");
        assert_eq!(
            path(Path::new("flows/a.json"), Path::new("")),
            "flows/a.json"
        );
    }

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
            escape_control("flows/\u{202e}nosj.exe\u{2066}", false),
            "flows/\\u{202e}nosj.exe\\u{2066}"
        );
        assert_eq!(
            escape_control("a\u{202a}\u{202e}\u{2066}\u{2069}\u{2065}\u{202f}", false),
            "a\\u{202a}\\u{202e}\\u{2066}\\u{2069}\u{2065}\u{202f}"
        );
    }

    #[test]
    fn json_for_a_terminal_escapes_what_json_writers_leave() {
        let value = "a\u{9b}31m\u{202e}b\u{7f}é";
        let json = json_for_terminal(serde_json::to_string(value).unwrap());
        assert_eq!(json, r#""a\u009b31m\u202eb\u007fé""#);
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), value);
    }
}
