//! `{{ … }}` expressions inside string values: finding them in the raw text (so ranges are
//! exact), parsing the small JavaScript-like language, and collecting the paths they read.

use crate::syntax::TextRange;

/// One `{{ … }}` found in a string literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// The whole `{{ … }}`.
    pub range: TextRange,
    /// What is between the braces.
    pub inner: TextRange,
    pub parsed: Result<Vec<Reference>, ExprError>,
}

/// A read such as `actions.get_user.email` or a call `functions.uuid()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The root identifier and the property names after it (string literals in brackets
    /// count; computed indexes end the path).
    pub segments: Vec<(String, TextRange)>,
    pub called: bool,
}

impl Reference {
    pub fn root(&self) -> &str {
        &self.segments[0].0
    }
    pub fn range(&self) -> TextRange {
        self.segments[0]
            .1
            .cover(self.segments[self.segments.len() - 1].1)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    pub range: TextRange,
    pub message: String,
}

/// Every `{{ … }}` in a JSON string literal. `raw` is the literal's source text including its
/// quotes, starting at byte `base` of the document.
pub fn find(raw: &str, base: usize) -> Vec<Expression> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = raw[from..].find("{{") {
        let open = from + i;
        match raw[open + 2..].find("}}") {
            Some(j) => {
                let close = open + 2 + j;
                let inner = TextRange::new(base + open + 2, base + close);
                let range = TextRange::new(base + open, base + close + 2);
                let parsed = parse(&raw[open + 2..close], base + open + 2).map_err(|e| {
                    if e.range.is_empty() && e.range.start as usize == base + close {
                        ExprError { range, ..e }
                    } else {
                        e
                    }
                });
                out.push(Expression {
                    range,
                    inner,
                    parsed,
                });
                from = close + 2;
            }
            None => {
                // stop before the closing quote of the literal
                let end = raw
                    .len()
                    .saturating_sub(usize::from(raw.ends_with('"') && raw.len() > 1));
                let end = end.max(open + 2);
                let range = TextRange::new(base + open, base + end);
                out.push(Expression {
                    range,
                    inner: TextRange::new(base + open + 2, base + end),
                    parsed: Err(ExprError {
                        range,
                        message: "unclosed expression: add `}}`".into(),
                    }),
                });
                break;
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num,
    Str(String),
    Punct(&'static str),
}

const PUNCT: &[&str] = &[
    "===", "!==", "?.", "??", "||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/",
    "%", "!", "?", ":", ".", "[", "]", "(", ")", ",",
];

fn lex(src: &str, base: usize) -> Result<Vec<(Tok, TextRange)>, ExprError> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                i += 1;
            }
            out.push((
                Tok::Ident(src[start..i].to_string()),
                TextRange::new(base + start, base + i),
            ));
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            out.push((Tok::Num, TextRange::new(base + start, base + i)));
            continue;
        }
        // a quote: ' or " or \" (a double quote escaped in the JSON source)
        let quote: Option<&[u8]> = match c {
            b'\'' => Some(b"'"),
            b'"' => Some(b"\""),
            b'\\' if b.get(i + 1) == Some(&b'"') => Some(b"\\\""),
            _ => None,
        };
        if let Some(q) = quote {
            i += q.len();
            let content_start = i;
            loop {
                if i >= b.len() {
                    return Err(ExprError {
                        range: TextRange::new(base + start, base + i),
                        message: "unclosed string in expression".into(),
                    });
                }
                if b[i..].starts_with(q) {
                    break;
                }
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            let text = src[content_start..i.min(b.len())].to_string();
            i += q.len();
            out.push((Tok::Str(text), TextRange::new(base + start, base + i)));
            continue;
        }
        match PUNCT.iter().find(|p| src[i..].starts_with(**p)) {
            Some(p) => {
                i += p.len();
                out.push((Tok::Punct(p), TextRange::new(base + start, base + i)));
            }
            None => {
                let len = src[i..].chars().next().map_or(1, char::len_utf8);
                return Err(ExprError {
                    range: TextRange::new(base + i, base + i + len),
                    message: format!("unexpected `{}` in expression", &src[i..i + len]),
                });
            }
        }
    }
    Ok(out)
}

/// Parses the text between `{{` and `}}` (starting at document byte `base`).
pub fn parse(src: &str, base: usize) -> Result<Vec<Reference>, ExprError> {
    let toks = lex(src, base)?;
    let end = base + src.len();
    if toks.is_empty() {
        return Err(ExprError {
            range: TextRange::empty(end),
            message: "empty expression: write a value such as {{context.user.email}}".into(),
        });
    }
    let mut p = ExprParser {
        toks,
        pos: 0,
        end,
        refs: Vec::new(),
        depth: 0,
    };
    p.expr()?;
    if p.pos < p.toks.len() {
        return Err(p.err("expected the end of the expression"));
    }
    Ok(p.refs)
}

struct ExprParser {
    toks: Vec<(Tok, TextRange)>,
    pos: usize,
    end: usize,
    refs: Vec<Reference>,
    depth: usize,
}

const BINARY: &[&str] = &[
    "??", "||", "&&", "===", "!==", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%",
];

impl ExprParser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn is(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }
    fn err(&self, what: &str) -> ExprError {
        match self.toks.get(self.pos) {
            Some((_, r)) => ExprError {
                range: *r,
                message: format!("{what} in expression"),
            },
            None => ExprError {
                range: TextRange::empty(self.end),
                message: format!("{what}: the expression ends too soon"),
            },
        }
    }
    fn expect(&mut self, p: &str) -> Result<(), ExprError> {
        if self.is(p) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected `{p}`")))
        }
    }

    fn expr(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(self.err("expression nested too deeply"));
        }
        self.binary()?;
        if self.is("?") {
            self.pos += 1;
            self.expr()?;
            self.expect(":")?;
            self.expr()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn binary(&mut self) -> Result<(), ExprError> {
        self.unary()?;
        while matches!(self.peek(), Some(Tok::Punct(p)) if BINARY.contains(p)) {
            self.pos += 1;
            self.unary()?;
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<(), ExprError> {
        while self.is("!") || self.is("-") || self.is("+") {
            self.pos += 1;
        }
        self.postfix()
    }

    /// Long: the grammar's postfix rule (member, index, call), one arm per operator, as a
    /// recursive-descent parser keeps them.
    fn postfix(&mut self) -> Result<(), ExprError> {
        let Some((tok, range)) = self.toks.get(self.pos).cloned() else {
            return Err(self.err("expected a value"));
        };
        self.pos += 1;
        let mut reference = None;
        match tok {
            Tok::Ident(name)
                if matches!(name.as_str(), "true" | "false" | "null" | "undefined") => {}
            Tok::Ident(name) => {
                reference = Some(Reference {
                    segments: vec![(name, range)],
                    called: false,
                })
            }
            Tok::Num | Tok::Str(_) => {}
            Tok::Punct("(") => {
                self.expr()?;
                self.expect(")")?;
            }
            Tok::Punct("[") => {
                if !self.is("]") {
                    self.expr()?;
                    while self.is(",") {
                        self.pos += 1;
                        self.expr()?;
                    }
                }
                self.expect("]")?;
            }
            _ => {
                self.pos -= 1;
                return Err(self.err("expected a value"));
            }
        }
        // member access, indexing, calls
        let mut open_path = reference.is_some();
        loop {
            if self.is(".") || self.is("?.") {
                self.pos += 1;
                match self.toks.get(self.pos).cloned() {
                    Some((Tok::Ident(name), r)) => {
                        self.pos += 1;
                        if open_path && let Some(rf) = reference.as_mut() {
                            rf.segments.push((name, r));
                        }
                    }
                    _ => return Err(self.err("expected a property name after `.`")),
                }
            } else if self.is("[") {
                self.pos += 1;
                match self.toks.get(self.pos).cloned() {
                    Some((Tok::Str(s), r))
                        if matches!(self.toks.get(self.pos + 1), Some((Tok::Punct("]"), _))) =>
                    {
                        self.pos += 2;
                        if open_path && let Some(rf) = reference.as_mut() {
                            rf.segments.push((s, r));
                        }
                    }
                    _ => {
                        self.expr()?;
                        self.expect("]")?;
                        open_path = false;
                    }
                }
            } else if self.is("(") {
                self.pos += 1;
                if open_path && let Some(rf) = reference.as_mut() {
                    rf.called = true;
                }
                open_path = false;
                if !self.is(")") {
                    self.expr()?;
                    while self.is(",") {
                        self.pos += 1;
                        self.expr()?;
                    }
                }
                self.expect(")")?;
            } else {
                break;
            }
        }
        if let Some(r) = reference {
            self.refs.push(r);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        parse(src, 0)
            .unwrap()
            .iter()
            .map(|r| {
                let path: Vec<&str> = r.segments.iter().map(|s| s.0.as_str()).collect();
                format!("{}{}", path.join("."), if r.called { "()" } else { "" })
            })
            .collect()
    }

    #[test]
    fn collects_paths_and_calls() {
        assert_eq!(refs("context.user.email"), ["context.user.email"]);
        assert_eq!(refs(" fields.a ?? vars['b'] "), ["fields.a", "vars.b"]);
        assert_eq!(
            refs("functions.toUpperCase(actions.get.email) == 'X'"),
            ["actions.get.email", "functions.toUpperCase()"]
        );
        assert_eq!(refs("a ? [1, 2] : -b.c"), ["a", "b.c"]);
        assert_eq!(refs("actions.x.items[0].id"), ["actions.x.items"]);
    }

    #[test]
    fn reports_parse_errors_with_ranges() {
        let e = parse("context.", 10).unwrap_err();
        assert!(e.message.contains("property name"), "{}", e.message);
        assert_eq!(e.range, TextRange::empty(18));
        let e = parse("a b", 0).unwrap_err();
        assert_eq!(e.range, TextRange::new(2, 3));
        assert!(parse("", 0).unwrap_err().message.contains("empty"));
        assert!(parse("f(", 0).is_err());
        assert!(parse("a # b", 0).is_err());
    }

    #[test]
    fn finds_expressions_in_raw_literals() {
        let raw = r#""Hi {{context.user.name}}, {{ vars.x }}""#;
        let found = find(raw, 100);
        assert_eq!(found.len(), 2);
        assert_eq!(
            &raw[(found[0].range.start - 100) as usize..(found[0].range.end - 100) as usize],
            "{{context.user.name}}"
        );
        let raw = r#""{{ context.user.name ""#;
        let found = find(raw, 0);
        assert!(
            found[0]
                .parsed
                .as_ref()
                .unwrap_err()
                .message
                .contains("unclosed")
        );
        assert_eq!(found[0].range, TextRange::new(1, raw.len() - 1));
        let raw = r#""{{ functions.replace(fields.a, \"x\", \"y\") }}""#;
        assert!(find(raw, 0)[0].parsed.is_ok());
    }
}
