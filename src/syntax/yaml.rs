//! YAML text → the same tree as JSON ([`Node`], byte ranges on every key and value), for
//! deploy-cli's `tenant.yaml`.
//!
//! The YAML grammar is saphyr-parser's (a maintained, YAML 1.2 compliant event parser that
//! passes the yaml-test-suite and gives a span to every event); this module builds the tree
//! from its events and adds what an editor needs:
//! - **Recovery.** saphyr stops at the first error. The error is reported, the text it is
//!   about is blanked (as many bytes, so every byte offset stays true) and the text parsed
//!   again, up to [`MAX_RECOVERIES`] times: one bad line costs that line, not the rest of the
//!   file. An unclosed `{` / `[` is reported, and blanked, at the bracket.
//! - **Keyword markers as deploy-cli reads them.** deploy-cli replaces `@@KEY@@` and
//!   `##KEY##` in the raw text *before* parsing YAML, so `secret: ##SECRET##` (a comment to a
//!   YAML parser) and an unquoted `@@SETUP@@` (not valid YAML) are values there. They are
//!   rewritten here to text of the same length that YAML reads as a scalar, and turned back
//!   into markers in the tree.
//! - **js-yaml's reading of values** (deploy-cli loads YAML with js-yaml): plain `true`,
//!   `null`, `~`, numbers; merge keys (`<<: *base`); a duplicated key is an error there.
//! - **Bounds.** Nesting deeper than [`MAX_DEPTH`] is skipped with one error; aliases expand
//!   to at most [`MAX_EXPANDED`] values in all (no "billion laughs").

use super::{
    MAX_DEPTH, Marker, Member, Node, NodeKind, Parse, SyntaxError, SyntaxSeverity, Text, TextRange,
};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// How many errors the parser recovers from before it keeps the tree it has.
pub const MAX_RECOVERIES: usize = 16;

/// How many values aliases may add to the tree, all together.
pub const MAX_EXPANDED: usize = 100_000;

/// Parses a YAML document (the first one of the stream).
pub fn parse_yaml(text: &str) -> Parse {
    let (mut work, patches) = patch_markers(text);
    // each reading's fatal error; the problems a reading reports and goes on from (duplicate
    // keys, aliases not expanded) are the last reading's
    let mut fatal = Vec::new();
    let mut blanked: Vec<(usize, usize)> = Vec::new();
    loop {
        // characters → bytes for this reading: a blank replaces a character by as many spaces
        // as it has bytes, so byte offsets stay those of `text` and character indices move
        let offsets = Offsets::new(&work);
        let mut b = Builder::new(&work, &offsets, &patches, &blanked);
        let failed = b.run();
        let mut errors = std::mem::take(&mut b.errors);
        let root = b.finish();
        let stop = match failed {
            Some(stop) if fatal.len() < MAX_RECOVERIES => stop,
            last => {
                errors.extend(last.map(|f| f.error));
                errors.append(&mut fatal);
                errors.sort_by_key(|e| e.range.start);
                return Parse { root, errors };
            }
        };
        // blank what the error is about (from it to the end of its line; the whole line when
        // that was tried already) and read again
        let (line_start, line_end) = line_around(&work, stop.from);
        let tried = blanked
            .iter()
            .any(|&(s, e)| line_start <= s && e <= line_end);
        let (from, to) = if tried {
            (line_start, line_end)
        } else {
            (stop.from, line_end)
        };
        fatal.push(stop.error);
        if work[from..to].bytes().all(|c| c == b' ') {
            errors.append(&mut fatal);
            errors.sort_by_key(|e| e.range.start);
            return Parse { root, errors };
        }
        work.replace_range(from..to, &" ".repeat(to - from));
        blanked.push((from, to));
    }
}

/// A reading that stopped: its error, and where the text to blank starts.
struct Stop {
    error: SyntaxError,
    from: usize,
}

/// The line holding byte `at`, without its line break.
fn line_around(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i);
    (start, end)
}

/// A keyword marker rewritten so that YAML reads it as (part of) a scalar.
#[derive(Debug, Clone)]
struct Patch {
    /// Byte offset of the marker.
    at: usize,
    key: Text,
    whole_value: bool,
}

/// Rewrites the markers YAML would not read as values: `##KEY##` where a `#` would start a
/// comment becomes `~#KEY##`; an unquoted `@@KEY@@` becomes `"@KEY@"`. Same lengths.
fn patch_markers(text: &str) -> (String, Vec<Patch>) {
    let bytes = text.as_bytes();
    let mut out = text.to_string();
    let mut patches = Vec::new();
    let mut i = 0;
    while let Some(found) = memchr::memchr2(b'#', b'@', &bytes[i..]) {
        let at = i + found;
        let c = bytes[at];
        let Some(len) = marker_len(&bytes[at..], c) else {
            i = at + 1;
            continue;
        };
        let before = at.checked_sub(1).map(|p| bytes[p]);
        let after = bytes.get(at + len).copied();
        let key = Text::from(&text[at + 2..at + len - 2]);
        if c == b'#' && matches!(before, None | Some(b' ' | b'\t' | b'\n' | b'\r')) {
            // SAFETY of the slice: ASCII replaced by ASCII
            out.replace_range(at..at + 1, "~");
            patches.push(Patch {
                at,
                key,
                whole_value: false,
            });
        } else if c == b'@'
            && !matches!(before, Some(b'\'' | b'"'))
            && !matches!(after, Some(b'\'' | b'"'))
        {
            let quoted = format!("\"@{key}@\"");
            out.replace_range(at..at + len, &quoted);
            patches.push(Patch {
                at,
                key,
                whole_value: true,
            });
        }
        i = at + len;
    }
    (out, patches)
}

/// The length of `##KEY##` / `@@KEY@@` at the start of `s` (KEY: letters, digits, `_`).
fn marker_len(s: &[u8], c: u8) -> Option<usize> {
    if s.len() < 5 || s[1] != c {
        return None;
    }
    let key = s[2..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    (key > 0 && s.get(2 + key) == Some(&c) && s.get(3 + key) == Some(&c)).then_some(key + 4)
}

/// saphyr's positions are in characters; the tree's are in bytes.
struct Offsets {
    /// The byte offset of each character, when the text is not all ASCII.
    table: Option<Vec<u32>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let table =
            (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b as u32).collect());
        Offsets {
            table,
            len: text.len(),
        }
    }
    fn byte(&self, char_index: usize) -> usize {
        match &self.table {
            None => char_index.min(self.len),
            Some(t) => t.get(char_index).map_or(self.len, |b| *b as usize),
        }
    }
    fn range(&self, span: Span) -> TextRange {
        TextRange::new(self.byte(span.start.index()), self.byte(span.end.index()))
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        members: Vec<Member>,
        key: Option<(Text, TextRange)>,
    },
}

struct Builder<'a> {
    text: &'a str,
    offsets: &'a Offsets,
    patches: &'a [Patch],
    /// Text blanked after an error: a value found empty there is not null but unknown.
    blanked: &'a [(usize, usize)],
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, (Node, usize)>,
    expanded: usize,
    /// Containers entered beyond [`MAX_DEPTH`] and not left yet.
    skipping: usize,
    documents: usize,
    errors: Vec<SyntaxError>,
}

impl<'a> Builder<'a> {
    fn new(
        text: &'a str,
        offsets: &'a Offsets,
        patches: &'a [Patch],
        blanked: &'a [(usize, usize)],
    ) -> Self {
        Builder {
            text,
            offsets,
            patches,
            blanked,
            stack: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            expanded: 0,
            skipping: 0,
            documents: 0,
            errors: Vec::new(),
        }
    }

    /// Reads every event; on an error, reports it and returns the text to blank before reading
    /// again: the error's line, or — for a `{` / `[` left open on an earlier line, which YAML
    /// reports only where it gives up — that bracket to the end of its line.
    fn run(&mut self) -> Option<Stop> {
        let mut parser = Parser::new_from_str(self.text);
        loop {
            match parser.next_event() {
                None => return None,
                Some(Ok((event, span))) => {
                    if !self.event(event, span) {
                        return None;
                    }
                }
                Some(Err(e)) => {
                    let at = self.offsets.byte(e.marker().index());
                    let (line_start, line_end) = line_around(self.text, at);
                    if let Some(open) = self.open_bracket()
                        && open < line_start
                    {
                        let bracket = &self.text[open..open + 1];
                        return Some(Stop {
                            error: SyntaxError {
                                range: TextRange::new(open, open + 1),
                                message: format!(
                                    "YAML: this `{bracket}` is not closed where it should be ({})",
                                    e.info()
                                ),
                                severity: SyntaxSeverity::Error,
                            },
                            from: open,
                        });
                    }
                    let end = if line_end > at { line_end } else { at };
                    return Some(Stop {
                        error: SyntaxError {
                            range: TextRange::new(at, end),
                            message: format!("YAML: {}", e.info()),
                            severity: SyntaxSeverity::Error,
                        },
                        from: at,
                    });
                }
            }
        }
    }

    /// The character at byte `at` (none at the end), for a finding about what starts there.
    fn char_at(&self, at: usize) -> TextRange {
        let len = self
            .text
            .get(at..)
            .and_then(|t| t.chars().next())
            .map_or(0, char::len_utf8);
        TextRange::new(at, at + len)
    }

    /// The byte offset of the innermost flow-style collection (`{` or `[`) still open.
    fn open_bracket(&self) -> Option<usize> {
        self.stack.iter().rev().find_map(|f| {
            let start = match f {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            matches!(self.text.as_bytes().get(start), Some(b'{' | b'[')).then_some(start)
        })
    }

    /// Takes one event; false once the first document has ended.
    /// Long: one `match` over saphyr's event kinds, each arm a few lines of tree building.
    fn event(&mut self, event: Event, span: Span) -> bool {
        let range = self.offsets.range(span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    self.errors.push(SyntaxError {
                        range: self.char_at(range.start as usize),
                        message: "a second YAML document: deploy-cli reads one document per file, so flowls checks the first".into(),
                        severity: SyntaxSeverity::Error,
                    });
                    return false;
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _)
                if self.skipping > 0 || self.stack.len() >= MAX_DEPTH =>
            {
                let _ = anchor;
                if self.skipping == 0 {
                    self.errors.push(SyntaxError {
                        range: self.char_at(range.start as usize),
                        message: format!(
                            "nested deeper than {MAX_DEPTH} levels: flowls does not read further in"
                        ),
                        severity: SyntaxSeverity::Error,
                    });
                }
                self.skipping += 1;
            }
            Event::SequenceEnd | Event::MappingEnd if self.skipping > 0 => {
                self.skipping -= 1;
                if self.skipping == 0 {
                    self.value(Node {
                        range: TextRange::empty(range.end as usize),
                        kind: NodeKind::Error,
                    });
                }
            }
            _ if self.skipping > 0 => {}
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                start: range.start as usize,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                start: range.start as usize,
                anchor,
                members: Vec::new(),
                key: None,
            }),
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start,
                    anchor,
                    items,
                }) = self.stack.pop()
                {
                    let end = self.closing(range, b']', items.last().map(|n| n.range.end));
                    let node = Node {
                        range: TextRange::new(start, end as usize),
                        kind: NodeKind::Array(items.into_boxed_slice()),
                    };
                    self.anchored(anchor, &node);
                    self.value(node);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start,
                    anchor,
                    members,
                    ..
                }) = self.stack.pop()
                {
                    let end = self.closing(range, b'}', members.last().map(|m| m.range().end));
                    let members = merge_keys(members);
                    let node = Node {
                        range: TextRange::new(start, end as usize),
                        kind: NodeKind::Object(members.into_boxed_slice()),
                    };
                    self.anchored(anchor, &node);
                    self.value(node);
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let range = if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    let body = &self.text[range.as_usize()];
                    TextRange::new(
                        range.start as usize,
                        range.start as usize + body.trim_end().len(),
                    )
                } else {
                    range
                };
                let node =
                    self.scalar(&value, style, range, tag.is_some_and(|t| t.suffix == "str"));
                self.anchored(anchor, &node);
                self.value(node);
            }
            Event::Alias(id) => {
                let node = match self.anchors.get(&id) {
                    Some((node, size)) if self.expanded + size <= MAX_EXPANDED => {
                        self.expanded += size;
                        Node {
                            range,
                            kind: node.kind.clone(),
                        }
                    }
                    Some(_) => {
                        self.errors.push(SyntaxError {
                            range,
                            message: format!(
                                "aliases here expand to more than {MAX_EXPANDED} values: flowls does not expand this one"
                            ),
                            severity: SyntaxSeverity::Error,
                        });
                        Node {
                            range,
                            kind: NodeKind::Error,
                        }
                    }
                    None => Node {
                        range,
                        kind: NodeKind::Error,
                    },
                };
                self.value(node);
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        true
    }

    /// Where a container ends: after its `]` / `}` in flow style, else after its last value.
    fn closing(&self, end_event: TextRange, bracket: u8, last: Option<u32>) -> u32 {
        if self.text.as_bytes().get(end_event.start as usize) == Some(&bracket) {
            end_event.end
        } else {
            last.unwrap_or(end_event.start)
        }
    }

    fn anchored(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size(node)));
        }
    }

    /// A scalar's value as js-yaml reads it, keyword markers restored.
    fn scalar(&self, value: &str, style: ScalarStyle, range: TextRange, tagged_str: bool) -> Node {
        let patched: Vec<&Patch> = self
            .patches
            .iter()
            .filter(|p| range.contains(p.at) && (p.at as u32) < range.end)
            .collect();
        let kind = if patched.is_empty() {
            if style == ScalarStyle::Plain && !tagged_str {
                plain(value)
            } else {
                NodeKind::String(Text::from(value))
            }
        } else if let [p] = patched.as_slice()
            && (p.whole_value && value == format!("@{}@", p.key)
                || !p.whole_value
                    && style == ScalarStyle::Plain
                    && value == format!("~#{}##", p.key))
        {
            NodeKind::Marker(Box::new(Marker {
                key: p.key.clone(),
                whole_value: p.whole_value,
            }))
        } else {
            let mut s = value.to_string();
            for p in patched {
                if p.whole_value {
                    s = s.replace(&format!("\"@{}@\"", p.key), &format!("@@{}@@", p.key));
                } else {
                    s = s.replace(&format!("~#{}##", p.key), &format!("##{}##", p.key));
                }
            }
            NodeKind::String(Text::from(s))
        };
        Node { range, kind }
    }

    /// Puts a finished value where it belongs: a sequence item, a key, a member's value, or
    /// the root.
    fn value(&mut self, node: Node) {
        let first_char = self.char_at(node.range.start as usize);
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { members, key, .. }) => {
                match key.take() {
                    None => {
                        let k = match &node.kind {
                            NodeKind::String(s) => s.clone(),
                            NodeKind::Number(n) => Text::from(&**n),
                            NodeKind::Bool(b) => Text::from(if *b { "true" } else { "false" }),
                            NodeKind::Null => Text::from("null"),
                            NodeKind::Marker(m) => Text::from(if m.whole_value {
                                format!("@@{}@@", m.key)
                            } else {
                                format!("##{}##", m.key)
                            }),
                            _ => {
                                self.errors.push(SyntaxError {
                                range: first_char,
                                message: "a key that is a list or a mapping: deploy-cli's keys are text".into(),
                                severity: SyntaxSeverity::Error,
                            });
                                Text::default()
                            }
                        };
                        if k != "<<"
                            && let Some(dup) = members.iter().find(|m| m.key == k)
                        {
                            let first = dup.key_range;
                            self.errors.push(SyntaxError {
                            range: node.range,
                            message: format!(
                                "duplicated key `{k}` (first at byte {}): deploy-cli refuses a YAML file with one",
                                first.start
                            ),
                            severity: SyntaxSeverity::Error,
                        });
                        }
                        *key = Some((k, node.range));
                    }
                    Some((k, key_range)) => {
                        // `key:` with nothing after it is null; findings about that null go
                        // on the key (an empty range at the line's end shows nowhere)
                        let node = if node.range.is_empty() && node.kind == NodeKind::Null {
                            // blanked after an error: unknown (no finding), not null
                            // (a blank that starts right after `key:`)
                            let from = key_range.end as usize;
                            let lost = self.blanked.iter().any(|&(s, _)| {
                                s >= from
                                    && self.text[from..s].trim_matches([' ', '\t', ':']).is_empty()
                            });
                            Node {
                                range: key_range,
                                kind: if lost {
                                    NodeKind::Error
                                } else {
                                    NodeKind::Null
                                },
                            }
                        } else {
                            node
                        };
                        members.push(Member {
                            key: k,
                            key_range,
                            value: Some(node),
                        })
                    }
                }
            }
        }
    }

    /// The tree so far: containers still open (after an error) are closed where they are.
    fn finish(mut self) -> Option<Node> {
        while let Some(frame) = self.stack.pop() {
            let node = match frame {
                Frame::Seq { start, items, .. } => {
                    let end = items.last().map_or(start, |n| n.range.end as usize);
                    Node {
                        range: TextRange::new(start, end),
                        kind: NodeKind::Array(items.into_boxed_slice()),
                    }
                }
                Frame::Map {
                    start,
                    mut members,
                    key,
                    ..
                } => {
                    if let Some((k, key_range)) = key {
                        members.push(Member {
                            key: k,
                            key_range,
                            value: None,
                        });
                    }
                    let end = members.last().map_or(start, |m| m.range().end as usize);
                    Node {
                        range: TextRange::new(start, end),
                        kind: NodeKind::Object(merge_keys(members).into_boxed_slice()),
                    }
                }
            };
            self.value(node);
        }
        self.root
    }
}

/// How many values a node holds (itself included).
fn size(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Object(ms) => ms.iter().filter_map(|m| m.value.as_ref()).map(size).sum(),
        NodeKind::Array(items) => items.iter().map(size).sum(),
        _ => 0,
    }
}

/// js-yaml's merge keys: `<<: *base` (or a list of them) adds the keys the mapping does not
/// set itself.
fn merge_keys(members: Vec<Member>) -> Vec<Member> {
    if !members.iter().any(|m| m.key == "<<") {
        return members;
    }
    let (merges, mut own): (Vec<Member>, Vec<Member>) =
        members.into_iter().partition(|m| m.key == "<<");
    let mut sources = Vec::new();
    for m in &merges {
        match m.value.as_ref().map(|v| &v.kind) {
            Some(NodeKind::Object(ms)) => sources.push(ms.clone()),
            Some(NodeKind::Array(items)) => sources.extend(
                items
                    .iter()
                    .filter_map(|i| i.as_object().map(Box::<[Member]>::from)),
            ),
            _ => {}
        }
    }
    for src in sources {
        for m in src.iter() {
            if !own.iter().any(|o| o.key == m.key) {
                own.push(m.clone());
            }
        }
    }
    own
}

/// A plain scalar as js-yaml's default schema reads it.
fn plain(value: &str) -> NodeKind {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        _ => {}
    }
    if is_json_number(value) {
        return NodeKind::Number(value.into());
    }
    let unsigned = value.trim_start_matches(['-', '+']);
    let sign = if value.starts_with('-') { -1i128 } else { 1 };
    let radix = |prefix: &str, radix: u32| {
        unsigned
            .strip_prefix(prefix)
            .and_then(|d| i128::from_str_radix(&d.replace('_', ""), radix).ok())
    };
    if let Some(n) = radix("0x", 16)
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2))
    {
        return NodeKind::Number((sign * n).to_string().into());
    }
    if value.starts_with('+') && is_json_number(unsigned) {
        return NodeKind::Number(unsigned.into());
    }
    NodeKind::String(Text::from(value))
}

fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text each value's range covers, with its path.
    fn slices(text: &str) -> Vec<String> {
        fn walk(text: &str, path: &str, n: &Node, out: &mut Vec<String>) {
            out.push(format!("{path} = {:?}", &text[n.range.as_usize()]));
            match &n.kind {
                NodeKind::Object(ms) => {
                    for m in ms.iter() {
                        let p = format!("{path}.{}", m.key);
                        out.push(format!("{p} (key) = {:?}", &text[m.key_range.as_usize()]));
                        if let Some(v) = &m.value {
                            walk(text, &p, v, out);
                        }
                    }
                }
                NodeKind::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        walk(text, &format!("{path}[{i}]"), v, out);
                    }
                }
                _ => {}
            }
        }
        let p = parse_yaml(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let mut out = Vec::new();
        walk(text, "", p.root.as_ref().unwrap(), &mut out);
        out
    }

    fn value<'a>(p: &'a Parse, path: &[&str]) -> &'a Node {
        let mut n = p.root.as_ref().unwrap();
        for k in path {
            n = match k.parse::<usize>() {
                Ok(i) => &n.as_array().unwrap()[i],
                Err(_) => n.get(k).unwrap(),
            };
        }
        n
    }

    #[test]
    fn every_key_and_value_has_its_byte_range() {
        let text = "flowVaultConnections:\n  - name: 'Users M2M'\n    app_id: AUTH0\n    setup: {domain: t.eu.auth0.com, client_id: \"abc\"}\n";
        expect_test::expect![[r#"
            [
                " = \"flowVaultConnections:\\n  - name: 'Users M2M'\\n    app_id: AUTH0\\n    setup: {domain: t.eu.auth0.com, client_id: \\\"abc\\\"}\"",
                ".flowVaultConnections (key) = \"flowVaultConnections\"",
                ".flowVaultConnections = \"- name: 'Users M2M'\\n    app_id: AUTH0\\n    setup: {domain: t.eu.auth0.com, client_id: \\\"abc\\\"}\"",
                ".flowVaultConnections[0] = \"name: 'Users M2M'\\n    app_id: AUTH0\\n    setup: {domain: t.eu.auth0.com, client_id: \\\"abc\\\"}\"",
                ".flowVaultConnections[0].name (key) = \"name\"",
                ".flowVaultConnections[0].name = \"'Users M2M'\"",
                ".flowVaultConnections[0].app_id (key) = \"app_id\"",
                ".flowVaultConnections[0].app_id = \"AUTH0\"",
                ".flowVaultConnections[0].setup (key) = \"setup\"",
                ".flowVaultConnections[0].setup = \"{domain: t.eu.auth0.com, client_id: \\\"abc\\\"}\"",
                ".flowVaultConnections[0].setup.domain (key) = \"domain\"",
                ".flowVaultConnections[0].setup.domain = \"t.eu.auth0.com\"",
                ".flowVaultConnections[0].setup.client_id (key) = \"client_id\"",
                ".flowVaultConnections[0].setup.client_id = \"\\\"abc\\\"\"",
            ]
        "#]]
        .assert_debug_eq(&slices(text));
    }

    #[test]
    fn multi_line_strings_keep_their_values_and_ranges() {
        let text = "a: |\n  line one\n  line two\nb: >-\n  folded\n  text\nc: \"double\n  quoted\"\nd: plain\n  continued\ne: é ünïcode\n";
        let p = parse_yaml(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let at = |k: &str| {
            let n = value(&p, &[k]);
            (
                n.as_str().unwrap().to_string(),
                text[n.range.as_usize()].to_string(),
            )
        };
        assert_eq!(
            at("a"),
            ("line one\nline two\n".into(), "line one\n  line two".into())
        );
        assert_eq!(at("b"), ("folded text".into(), "folded\n  text".into()));
        assert_eq!(
            at("c"),
            ("double quoted".into(), "\"double\n  quoted\"".into())
        );
        assert_eq!(
            at("d"),
            ("plain continued".into(), "plain\n  continued".into())
        );
        assert_eq!(at("e"), ("é ünïcode".into(), "é ünïcode".into()));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "base: &setup\n  domain: t.auth0.com\n  client_id: abc\nvaults:\n  - name: A\n    setup: *setup\n  - name: B\n    setup:\n      <<: *setup\n      client_id: own\n";
        let p = parse_yaml(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let a = value(&p, &["vaults", "0", "setup"]);
        assert_eq!(
            &text[a.range.as_usize()],
            "*setup",
            "the alias is where it is used"
        );
        let domain = a.get("domain").unwrap();
        assert_eq!(domain.as_str(), Some("t.auth0.com"));
        assert_eq!(&text[domain.range.as_usize()], "t.auth0.com");
        assert!(
            domain.range.start < a.range.start,
            "its values are where they are written"
        );
        let b = value(&p, &["vaults", "1", "setup"]);
        assert_eq!(
            b.get("client_id").and_then(Node::as_str),
            Some("own"),
            "own keys win"
        );
        assert_eq!(b.get("domain").and_then(Node::as_str), Some("t.auth0.com"));
        assert!(b.member("<<").is_none());
    }

    #[test]
    fn crlf_line_ends_and_flow_style() {
        let text = "flows:\r\n  - {name: Update KYC, body: ./flows/kyc.json}\r\nclientGrants:\r\n  - client_id: M2M\r\n    scope: [read:users, 'update:users']\r\n";
        let p = parse_yaml(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let body = value(&p, &["flows", "0", "body"]);
        assert_eq!(&text[body.range.as_usize()], "./flows/kyc.json");
        let scope = value(&p, &["clientGrants", "0", "scope", "1"]);
        assert_eq!(scope.as_str(), Some("update:users"));
        assert_eq!(&text[scope.range.as_usize()], "'update:users'");
        let client = value(&p, &["clientGrants", "0", "client_id"]);
        assert_eq!(&text[client.range.as_usize()], "M2M");
    }

    #[test]
    fn values_read_as_js_yaml_reads_them() {
        let text = "a: true\nb: ~\nc: 42\nd: -1.5e3\ne: 0x1F\nf: '42'\ng: !!str 7\nh: yes\ni:\n";
        let p = parse_yaml(text);
        let kind = |k: &str| value(&p, &[k]).kind.clone();
        assert_eq!(kind("a"), NodeKind::Bool(true));
        assert_eq!(kind("b"), NodeKind::Null);
        assert_eq!(kind("c"), NodeKind::Number("42".into()));
        assert_eq!(kind("d"), NodeKind::Number("-1.5e3".into()));
        assert_eq!(kind("e"), NodeKind::Number("31".into()));
        assert_eq!(kind("f"), NodeKind::String("42".into()));
        assert_eq!(kind("g"), NodeKind::String("7".into()));
        assert_eq!(
            kind("h"),
            NodeKind::String("yes".into()),
            "YAML 1.2: yes is text"
        );
        assert_eq!(kind("i"), NodeKind::Null);
    }

    #[test]
    fn keyword_markers_as_deploy_cli_replaces_them() {
        let text = "a: ##SECRET##\nb: '@@SETUP@@'\nc: @@SETUP@@\nd: \"https://##ENV##.example.com\"\ne: x ##ENV## y # a comment\n# ##NOT## a value\n";
        let p = parse_yaml(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let marker = |key: &str, whole_value| {
            NodeKind::Marker(Box::new(Marker {
                key: key.into(),
                whole_value,
            }))
        };
        assert_eq!(value(&p, &["a"]).kind, marker("SECRET", false));
        assert_eq!(&text[value(&p, &["a"]).range.as_usize()], "##SECRET##");
        assert_eq!(value(&p, &["b"]).as_str(), Some("@@SETUP@@"));
        assert_eq!(value(&p, &["c"]).kind, marker("SETUP", true));
        assert_eq!(&text[value(&p, &["c"]).range.as_usize()], "@@SETUP@@");
        assert_eq!(
            value(&p, &["d"]).as_str(),
            Some("https://##ENV##.example.com")
        );
        assert_eq!(value(&p, &["e"]).as_str(), Some("x ##ENV## y"));
        assert_eq!(p.root.as_ref().unwrap().as_object().unwrap().len(), 5);
    }

    #[test]
    fn an_error_costs_its_line_not_the_rest() {
        let text = "flows:\n  - name: A\n    body: \"unterminated\n  - name: B\n    body: ./b.json\nflowVaultConnections:\n  - name: V\n    app_id: AUTH0\n";
        let p = parse_yaml(text);
        assert!(!p.errors.is_empty());
        let e = &p.errors[0];
        assert!(e.message.starts_with("YAML: "), "{}", e.message);
        let vaults = p.root.as_ref().and_then(|r| r.get("flowVaultConnections"));
        assert_eq!(
            vaults.and_then(|v| v.as_array()).map(<[Node]>::len),
            Some(1),
            "entries after the bad line are read: {:?}",
            p.errors
        );
    }

    #[test]
    fn no_input_crashes_hangs_or_explodes() {
        // a billion laughs
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        let p = parse_yaml(&text);
        assert!(p.errors.iter().any(|e| e.message.contains("expand")));
        // deep nesting
        let deep = "[".repeat(100_000);
        let p = parse_yaml(&deep);
        assert!(!p.errors.is_empty());
        let deep = "- ".repeat(50_000) + "x";
        let p = parse_yaml(&deep);
        assert!(p.errors.iter().any(|e| e.message.contains("nested deeper")));
        for s in [
            "",
            "\u{feff}a: 1",
            ":",
            "- - -",
            "{",
            "a: [",
            "? [a]\n: b",
            "\t",
            "a: 1\n---\nb: 2",
            "%YAML 9.9\n---\na",
            "&a *a",
            "a: *nope",
        ] {
            let _ = parse_yaml(s);
        }
    }
}
