//! Bytes → tokens. Comments are skipped (with a warning); every byte ends up in some token,
//! so the parser always makes progress.

use super::{SyntaxError, SyntaxSeverity, Text, TextRange};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Colon,
    Comma,
    /// Decoded value.
    Str(Text),
    Number,
    True,
    False,
    Null,
    /// `##KEY##` (false) or `@@KEY@@` (true), unquoted.
    Marker(Text, bool),
    /// A word that is not `true`, `false` or `null`.
    Word,
    /// A character that starts no token.
    Unknown,
    Eof,
}

pub(crate) struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    pub(crate) errors: Vec<SyntaxError>,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut lexer = Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            errors: Vec::new(),
        };
        // a byte order mark: one error that says what it is, and the rest read as JSON
        if text.starts_with('\u{feff}') {
            lexer.pos = '\u{feff}'.len_utf8();
            lexer.error(
                0,
                lexer.pos,
                "the file starts with a byte order mark (U+FEFF), which JSON does not allow and the Management API rejects: save the file as UTF-8 without one",
            );
        }
        lexer
    }

    pub(crate) fn slice(&self, range: TextRange) -> &'a str {
        &self.text[range.as_usize()]
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.errors.push(SyntaxError {
            range: TextRange::new(start, end),
            message: message.into(),
            severity: SyntaxSeverity::Error,
        });
    }

    fn skip_trivia(&mut self) {
        loop {
            while self.pos < self.bytes.len()
                && matches!(self.bytes[self.pos], b' ' | b'\t' | b'\n' | b'\r')
            {
                self.pos += 1;
            }
            if self.bytes[self.pos..].starts_with(b"//") {
                let start = self.pos;
                while self.pos < self.bytes.len() && !matches!(self.bytes[self.pos], b'\n' | b'\r')
                {
                    self.pos += 1;
                }
                self.comment_warning(start, self.pos);
            } else if self.bytes[self.pos..].starts_with(b"/*") {
                let start = self.pos;
                match find(&self.bytes[self.pos + 2..], b"*/") {
                    Some(i) => self.pos += 2 + i + 2,
                    None => {
                        self.pos = self.bytes.len();
                        self.error(start, start + 2, "unclosed comment: add `*/`");
                    }
                }
                self.comment_warning(start, self.pos);
            } else {
                return;
            }
        }
    }

    fn comment_warning(&mut self, start: usize, end: usize) {
        self.errors.push(SyntaxError {
            range: TextRange::new(start, end),
            message: "comments are not JSON: remove this comment, the Management API and deploy-cli reject it".into(),
            severity: SyntaxSeverity::Warning,
        });
    }

    /// The next token and its range.
    pub(crate) fn next(&mut self) -> (Tok, TextRange) {
        self.skip_trivia();
        let start = self.pos;
        let Some(&b) = self.bytes.get(self.pos) else {
            return (Tok::Eof, TextRange::empty(start));
        };
        let tok = match b {
            b'{' => self.single(Tok::LBrace),
            b'}' => self.single(Tok::RBrace),
            b'[' => self.single(Tok::LBracket),
            b']' => self.single(Tok::RBracket),
            b':' => self.single(Tok::Colon),
            b',' => self.single(Tok::Comma),
            b'"' => self.string(),
            b'-' | b'0'..=b'9' => self.number(),
            b'#' | b'@' => self.marker(b),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => self.word(),
            _ => {
                // one whole character, so ranges stay on char boundaries
                let len = self.text[self.pos..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                self.pos += len;
                Tok::Unknown
            }
        };
        (tok, TextRange::new(start, self.pos))
    }

    fn single(&mut self, tok: Tok) -> Tok {
        self.pos += 1;
        tok
    }

    fn word(&mut self) -> Tok {
        let start = self.pos;
        while self.pos < self.bytes.len()
            && (self.bytes[self.pos].is_ascii_alphanumeric()
                || matches!(self.bytes[self.pos], b'_' | b'$'))
        {
            self.pos += 1;
        }
        match &self.text[start..self.pos] {
            "true" => Tok::True,
            "false" => Tok::False,
            "null" => Tok::Null,
            _ => Tok::Word,
        }
    }

    fn marker(&mut self, delim: u8) -> Tok {
        let start = self.pos;
        let bytes = self.bytes;
        if bytes.get(start + 1) == Some(&delim) {
            let mut i = start + 2;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if i > start + 2 && bytes.get(i) == Some(&delim) && bytes.get(i + 1) == Some(&delim) {
                self.pos = i + 2;
                return Tok::Marker(Text::from(&self.text[start + 2..i]), delim == b'@');
            }
        }
        self.pos += 1;
        Tok::Unknown
    }

    fn number(&mut self) -> Tok {
        let start = self.pos;
        while self.pos < self.bytes.len()
            && matches!(
                self.bytes[self.pos],
                b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
            )
        {
            self.pos += 1;
        }
        if !valid_number(&self.bytes[start..self.pos]) {
            self.error(
                start,
                self.pos,
                "invalid number: write digits with an optional fraction and exponent, like 12, -3.5 or 1e6",
            );
        }
        Tok::Number
    }

    fn string(&mut self) -> Tok {
        let start = self.pos;
        self.pos += 1;
        let bytes = self.bytes;
        let chunk_start = self.pos;
        // the common case: no escape, so the value is a slice of the text
        while self.pos < bytes.len() && !matches!(bytes[self.pos], b'"' | b'\\' | 0..=0x1f) {
            self.pos += 1;
        }
        if bytes.get(self.pos) == Some(&b'"') {
            let value = Text::from(&self.text[chunk_start..self.pos]);
            self.pos += 1;
            return Tok::Str(value);
        }
        self.pos = chunk_start;
        Tok::Str(Text::from(self.string_slow(start)))
    }

    /// A string with escapes or problems, from just after its opening quote.
    fn string_slow(&mut self, start: usize) -> String {
        let bytes = self.bytes;
        let mut out = String::new();
        let mut chunk_start = self.pos;
        loop {
            // fast scan to the next byte that needs attention
            while self.pos < bytes.len() && !matches!(bytes[self.pos], b'"' | b'\\' | 0..=0x1f) {
                self.pos += 1;
            }
            let Some(&b) = bytes.get(self.pos) else {
                out.push_str(&self.text[chunk_start..self.pos]);
                self.error(start, self.pos, "unterminated string: add the closing `\"`");
                return out;
            };
            match b {
                b'"' => {
                    out.push_str(&self.text[chunk_start..self.pos]);
                    self.pos += 1;
                    return out;
                }
                b'\n' | b'\r' => {
                    out.push_str(&self.text[chunk_start..self.pos]);
                    self.error(
                        start,
                        self.pos,
                        "unterminated string: add the closing `\"` before the end of the line",
                    );
                    return out;
                }
                b'\\' => {
                    out.push_str(&self.text[chunk_start..self.pos]);
                    self.escape(&mut out);
                    chunk_start = self.pos;
                }
                _ => {
                    // a raw control character: keep it, report it
                    self.error(
                        self.pos,
                        self.pos + 1,
                        "control character in a string: write it as an escape such as \\t or \\u0009",
                    );
                    self.pos += 1;
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) {
        let start = self.pos;
        let Some(&c) = self.bytes.get(self.pos + 1) else {
            self.pos += 1;
            self.error(start, self.pos, "unfinished escape at the end of the text");
            return;
        };
        self.pos += 2;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => match self.hex4() {
                Some(hi @ 0xD800..=0xDBFF) => {
                    let lo = if self.bytes[self.pos..].starts_with(b"\\u") {
                        let save = self.pos;
                        self.pos += 2;
                        match self.hex4() {
                            Some(lo @ 0xDC00..=0xDFFF) => Some(lo),
                            _ => {
                                self.pos = save;
                                None
                            }
                        }
                    } else {
                        None
                    };
                    match lo {
                        Some(lo) => {
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        None => out.push('\u{FFFD}'),
                    }
                }
                Some(cp) => out.push(char::from_u32(cp).unwrap_or('\u{FFFD}')),
                None => self.error(
                    start,
                    self.pos,
                    "invalid \\u escape: it needs four hex digits, like \\u00e9",
                ),
            },
            _ => {
                // keep the position on a char boundary
                self.pos -= 1;
                let len = self.text[self.pos..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
                self.pos += len;
                if c.is_ascii() && c >= 0x20 {
                    out.push(c as char);
                }
                self.error(
                    start,
                    self.pos,
                    "invalid escape: JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
                );
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4)?;
        let mut v = 0u32;
        for &d in digits {
            v = v * 16 + (d as char).to_digit(16)?;
        }
        self.pos += 4;
        Some(v)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn valid_number(s: &[u8]) -> bool {
    // the index after a run of digits starting at `i`
    let digits = |mut i: usize| {
        while matches!(s.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        i
    };
    let mut i = usize::from(s.first() == Some(&b'-'));
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(i),
        _ => return false,
    }
    if s.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return false;
        }
        i = end;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return false;
        }
        i = end;
    }
    i == s.len()
}
