//! Tokens → tree, recovering from every error so that the rest of the document still parses.

use super::lexer::{Lexer, Tok};
use super::{
    MAX_DEPTH, Marker, Member, Node, NodeKind, Parse, SyntaxError, SyntaxSeverity, Text, TextRange,
};

/// Parses JSON text (with comments, trailing commas and keyword markers tolerated).
pub fn parse(text: &str) -> Parse {
    let mut p = Parser::new(text);
    let root = if p.tok == Tok::Eof { None } else { p.value(0) };
    if root.is_none() && p.tok != Tok::Eof {
        p.error(p.range, "expected a JSON value such as `{ … }`");
    }
    if p.tok != Tok::Eof {
        let start = p.range;
        let mut end = start;
        while p.tok != Tok::Eof {
            end = p.range;
            p.bump();
        }
        p.error(
            start.cover(end),
            "unexpected content after the document's value: a file holds one JSON value",
        );
    }
    let mut errors = p.lexer.errors;
    errors.extend(p.errors);
    errors.sort_by_key(|e| e.range.start);
    Parse { root, errors }
}

/// `text` as one value nested `depth` levels deep, when it parses without any problem
/// (warnings included) and nothing follows it.
pub(crate) fn parse_value_at(text: &str, depth: usize) -> Option<Node> {
    let mut p = Parser::new(text);
    let value = p.value(depth)?;
    (p.tok == Tok::Eof && p.errors.is_empty() && p.lexer.errors.is_empty()).then_some(value)
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    tok: Tok,
    range: TextRange,
    errors: Vec<SyntaxError>,
    /// The members of the objects being parsed, innermost last; each object takes its own
    /// off the top when it closes, in one allocation of the exact size.
    members: Vec<Member>,
    /// The same for the elements of arrays.
    items: Vec<Node>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let mut p = Parser {
            lexer: Lexer::new(text),
            tok: Tok::Eof,
            range: TextRange::default(),
            errors: Vec::new(),
            members: Vec::new(),
            items: Vec::new(),
        };
        p.bump();
        p
    }

    fn bump(&mut self) -> (Tok, TextRange) {
        let (tok, range) = self.lexer.next();
        let prev_tok = std::mem::replace(&mut self.tok, tok);
        let prev_range = std::mem::replace(&mut self.range, range);
        (prev_tok, prev_range)
    }

    fn error(&mut self, range: TextRange, message: impl Into<String>) {
        self.errors.push(SyntaxError {
            range,
            message: message.into(),
            severity: SyntaxSeverity::Error,
        });
    }

    fn starts_value(&self) -> bool {
        matches!(
            self.tok,
            Tok::LBrace
                | Tok::LBracket
                | Tok::Str(_)
                | Tok::Number
                | Tok::True
                | Tok::False
                | Tok::Null
                | Tok::Marker(..)
                | Tok::Word
        )
    }

    /// A value, or `None` (nothing consumed) when the current token cannot start one.
    fn value(&mut self, depth: usize) -> Option<Node> {
        let range = self.range;
        let kind = match &self.tok {
            Tok::LBrace | Tok::LBracket if depth >= MAX_DEPTH => return Some(self.too_deep()),
            Tok::LBrace => return Some(self.object(depth + 1)),
            Tok::LBracket => return Some(self.array(depth + 1)),
            Tok::Str(_) => match self.bump().0 {
                Tok::Str(s) => NodeKind::String(s),
                _ => unreachable!("current token was a string"),
            },
            Tok::Number => {
                self.bump();
                NodeKind::Number(self.lexer.slice(range).into())
            }
            Tok::True => {
                self.bump();
                NodeKind::Bool(true)
            }
            Tok::False => {
                self.bump();
                NodeKind::Bool(false)
            }
            Tok::Null => {
                self.bump();
                NodeKind::Null
            }
            Tok::Marker(key, whole) => {
                let marker = Marker {
                    key: key.clone(),
                    whole_value: *whole,
                };
                self.bump();
                NodeKind::Marker(Box::new(marker))
            }
            Tok::Word => {
                let word = self.lexer.slice(range).to_string();
                self.bump();
                self.error(
                    range,
                    format!(
                        "`{word}` is not a JSON value: write text in double quotes, \"{word}\""
                    ),
                );
                NodeKind::Error
            }
            _ => return None,
        };
        Some(Node { range, kind })
    }

    /// Skips a value nested deeper than [`MAX_DEPTH`] without recursing.
    fn too_deep(&mut self) -> Node {
        let start = self.range;
        let mut level = 0usize;
        let mut end = start;
        loop {
            match self.tok {
                Tok::LBrace | Tok::LBracket => level += 1,
                Tok::RBrace | Tok::RBracket => level -= 1,
                Tok::Eof => break,
                _ => {}
            }
            end = self.range;
            self.bump();
            if level == 0 {
                break;
            }
        }
        self.error(
            start,
            format!(
                "nesting deeper than {MAX_DEPTH} levels: flowls does not look inside this value"
            ),
        );
        Node {
            range: start.cover(end),
            kind: NodeKind::Error,
        }
    }

    fn object(&mut self, depth: usize) -> Node {
        let (_, open) = self.bump();
        let base = self.members.len();
        let mut end = open;
        loop {
            match &self.tok {
                Tok::RBrace => {
                    end = self.bump().1;
                    break;
                }
                Tok::Eof => {
                    self.error(open, "unclosed object: add the matching `}`");
                    break;
                }
                Tok::Comma | Tok::Colon | Tok::RBracket | Tok::Unknown => {
                    let (tok, range) = self.bump();
                    end = range;
                    self.unexpected(&tok, range, "a key in double quotes or `}`");
                    continue;
                }
                Tok::LBrace | Tok::LBracket => {
                    // a value where a key should be: parse it to stay in step, then drop it
                    let range = self.range;
                    let v = self.value(depth);
                    end = v.map_or(range, |v| v.range);
                    self.error(range, "expected a key in double quotes before this value");
                    self.separator(&mut end);
                    continue;
                }
                _ => {}
            }
            let key_range = self.range;
            let key = match self.bump().0 {
                Tok::Str(s) => s,
                _ => {
                    let word = Text::from(self.lexer.slice(key_range));
                    self.error(key_range, "keys must be strings in double quotes");
                    word
                }
            };
            end = key_range;
            let mut value = None;
            if self.tok == Tok::Colon {
                end = self.bump().1;
                if self.starts_value() {
                    value = self.value(depth);
                } else {
                    self.error(
                        TextRange::empty(end.end as usize),
                        format!("expected a value for `{key}`"),
                    );
                }
            } else if self.starts_value() && !matches!(self.tok, Tok::Str(_)) {
                self.error(
                    TextRange::empty(key_range.end as usize),
                    format!("expected `:` after the key `{key}`"),
                );
                value = self.value(depth);
            } else {
                self.error(
                    TextRange::empty(key_range.end as usize),
                    format!("expected `:` and a value after the key `{key}`"),
                );
            }
            if let Some(v) = &value {
                end = v.range;
            }
            self.members.push(Member {
                key,
                key_range,
                value,
            });
            self.separator(&mut end);
        }
        let members: Box<[Member]> = self.members.drain(base..).collect();
        Node {
            range: open.cover(end),
            kind: NodeKind::Object(members),
        }
    }

    /// After a member or an element: a comma, the closer, or a missing comma.
    fn separator(&mut self, end: &mut TextRange) {
        match self.tok {
            Tok::Comma => {
                let (_, comma) = self.bump();
                *end = comma;
                if matches!(self.tok, Tok::RBrace | Tok::RBracket) {
                    self.errors.push(SyntaxError {
                        range: comma,
                        message:
                            "trailing comma: remove it, the Management API and deploy-cli reject it"
                                .into(),
                        severity: SyntaxSeverity::Warning,
                    });
                }
            }
            Tok::RBrace | Tok::RBracket | Tok::Eof => {}
            _ if self.starts_value() => {
                self.error(
                    TextRange::empty(end.end as usize),
                    "expected `,` between values",
                );
            }
            _ => {}
        }
    }

    fn unexpected(&mut self, tok: &Tok, range: TextRange, expected: &str) {
        let what = match tok {
            Tok::Comma => "`,`".to_string(),
            Tok::Colon => "`:`".to_string(),
            Tok::RBracket => "`]`".to_string(),
            Tok::RBrace => "`}`".to_string(),
            _ => format!("`{}`", self.lexer.slice(range)),
        };
        self.error(range, format!("unexpected {what}: expected {expected}"));
    }

    fn array(&mut self, depth: usize) -> Node {
        let (_, open) = self.bump();
        let base = self.items.len();
        let mut end = open;
        loop {
            match &self.tok {
                Tok::RBracket => {
                    end = self.bump().1;
                    break;
                }
                Tok::Eof => {
                    self.error(open, "unclosed array: add the matching `]`");
                    break;
                }
                Tok::Comma | Tok::Colon | Tok::RBrace | Tok::Unknown => {
                    let (tok, range) = self.bump();
                    end = range;
                    self.unexpected(&tok, range, "a value or `]`");
                    continue;
                }
                _ => {}
            }
            match self.value(depth) {
                Some(v) => {
                    end = v.range;
                    self.items.push(v);
                }
                None => {
                    let (tok, range) = self.bump();
                    end = range;
                    self.unexpected(&tok, range, "a value or `]`");
                    continue;
                }
            }
            self.separator(&mut end);
        }
        let items: Box<[Node]> = self.items.drain(base..).collect();
        Node {
            range: open.cover(end),
            kind: NodeKind::Array(items),
        }
    }
}
