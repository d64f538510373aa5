//! Terraform `.tf` text → the same `Node` tree as JSON and YAML, with byte ranges into the
//! `.tf` file.
//!
//! The HCL grammar is `hcl-edit`'s (spans on every expression). What we add: **recovery**
//! (hcl-edit stops at the first error; we report it where it is, blank the top-level block that
//! holds it — same length, so every offset stays true — and read again, at most
//! [`MAX_RECOVERIES`] times), and the **tree** of the resources flowls checks: one member per
//! `resource "auth0_flow" "NAME"` (and `auth0_form`, `auth0_flow_vault_connection`,
//! `auth0_client_grant`, `auth0_client`), keyed `TYPE.NAME`, holding the body the provider sends
//! to the Management API — the JSON-string attributes (`actions`, `nodes`, …) read where they are
//! written ([`eval`]) —, `$imports` (the `import` blocks) and `$exports` (attributes that read an
//! export bundle through `file()`, which the analysis resolves in the workspace: nothing here
//! reads a file).

mod eval;

use super::{Marker, Member, Node, NodeKind, Parse, SyntaxError, SyntaxSeverity, Text, TextRange};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use std::collections::HashMap;

pub use eval::UNKNOWN_KEY;

/// How many syntax errors are recovered from before the rest of the file is given up.
pub const MAX_RECOVERIES: usize = 16;

/// The resource types flowls reads.
pub const RESOURCE_TYPES: &[&str] = &[FLOW, FORM, VAULT_CONNECTION, CLIENT_GRANT, CLIENT];
pub const FLOW: &str = "auth0_flow";
pub const FORM: &str = "auth0_form";
pub const VAULT_CONNECTION: &str = "auth0_flow_vault_connection";
pub const CLIENT_GRANT: &str = "auth0_client_grant";
pub const CLIENT: &str = "auth0_client";

/// The root member that lists the `import` blocks: `[{id, to}]`.
pub const IMPORTS: &str = "$imports";
/// The root member that lists the attributes read from an export bundle.
pub const EXPORTS: &str = "$exports";
/// The root member that lists the JSON texts (strings, heredocs) whose JSON the tree holds.
pub const JSON_TEXTS: &str = "$json_texts";
/// The root member that lists the references to vault resources written anywhere in the file
/// but `import`, `moved` and `removed` blocks (`auth0_flow_vault_connection.NAME`, in an
/// expression flowls evaluates or not): the address, at the reference.
pub const REFERENCES: &str = "$references";
/// The root member that lists the resource blocks of the types flowls reads that a syntax error
/// made unreadable: the file is still one of those resources' (its error reported, completion
/// offered while it is typed).
pub const BROKEN: &str = "$broken";
/// The root member that lists the locals and variable defaults a file declares, `local.NAME` /
/// `var.NAME` → the range of the expression (the other files of the module read them,
/// [`declarations`]).
pub const DECLARATIONS: &str = "$declarations";
/// The root member that holds the fingerprint of the other files' declarations the tree was
/// read with ([`read_with`]).
pub const READ_WITH: &str = "$read_with";

/// The attributes of each resource type that become members of its body, and which of them the
/// provider keeps as JSON strings. Others (`depends_on`, `lifecycle`, …) are Terraform's.
fn attributes_of(resource: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match resource {
        FLOW => (&["name", "actions"], &["actions"]),
        FORM => (
            &[
                "name",
                "start",
                "nodes",
                "ending",
                "style",
                "translations",
                "languages",
                "messages",
            ],
            &["start", "nodes", "ending", "style", "translations"],
        ),
        VAULT_CONNECTION => (&["name", "app_id", "environment", "setup"], &[]),
        CLIENT_GRANT => (&["client_id", "audience", "scopes"], &[]),
        CLIENT => (&["name", "app_type"], &[]),
        _ => (&[], &[]),
    }
}

/// Parses a `.tf` file. Never fails: a syntax error is reported where it is, and the blocks
/// before and after it are still read.
pub fn parse_hcl(text: &str) -> Parse {
    parse_hcl_with(text, &Variables::new())
}

/// The values of a module's variables that its `.tfvars` files give, by name (see
/// [`module_variables`]).
pub type Variables = HashMap<String, Node>;

/// [`parse_hcl`], with the values the module folder's `.tfvars` files give its variables
/// (they win over a variable's `default`).
pub fn parse_hcl_with(text: &str, values: &Variables) -> Parse {
    parse_hcl_in(text, values, &[])
}

/// One declaration of another `.tf` file of the module: `local.NAME` or `var.NAME`, and the
/// text of its expression (the local's value, the variable's `default`).
pub type Declaration<'a> = (&'a str, &'a str);

/// [`parse_hcl_with`], in a module whose other `.tf` files declare `others` (in the order of
/// their paths, [`declarations`]): the locals and variable defaults this file uses, directly or
/// through them, are known here as in the file that declares them (this file's own win), and
/// the tree records what it was read with ([`read_with`]).
pub fn parse_hcl_in(text: &str, values: &Variables, others: &[Declaration]) -> Parse {
    let module = module_text(&used_declarations(text, others));
    let mut parse = parse_module_file(text, values, &module);
    if !module.is_empty()
        && let Some(NodeKind::Object(members)) = parse.root.as_mut().map(|r| &mut r.kind)
    {
        let mut all = std::mem::take(members).into_vec();
        all.push(Member {
            key: READ_WITH.into(),
            key_range: TextRange::empty(0),
            value: Some(Node {
                range: TextRange::empty(0),
                kind: NodeKind::String(fingerprint(&module).into()),
            }),
        });
        *members = all.into_boxed_slice();
    }
    parse
}

/// Whether a `.tf` text may declare `locals` or variables (a line that starts a `locals` or
/// `variable` block): cheap, for the order files are read in.
pub fn may_declare(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("locals") || l.starts_with("variable"))
}

/// A short summary of the other files' declarations a `.tf` text uses: what [`read_with`] of
/// its tree is when it was read with `others` (empty: none).
pub fn module_fingerprint(text: &str, others: &[Declaration]) -> String {
    fingerprint(&module_text(&used_declarations(text, others)))
}

fn fingerprint(module: &str) -> String {
    use std::hash::{Hash, Hasher};
    if module.is_empty() {
        return String::new();
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    module.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// The fingerprint ([`module_fingerprint`]) of the other files' declarations a `.tf` tree was
/// read with (empty: none).
pub fn read_with(root: &Node) -> &str {
    root.get(READ_WITH)
        .and_then(Node::as_str)
        .unwrap_or_default()
}

/// A `.tf` file's declarations (what the other files of its module read of it), in its order.
pub fn declarations<'a>(root: &'a Node, text: &'a str) -> Vec<Declaration<'a>> {
    root.get(DECLARATIONS)
        .and_then(Node::as_object)
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            Some((
                m.key.as_str(),
                text.get(m.value.as_ref()?.range.as_usize())?,
            ))
        })
        .collect()
}

/// The declarations of `others` that `text` uses, directly or through other ones (the first of
/// each name), in the order of their names. Over-approximated from the text: a name in a
/// comment counts too.
fn used_declarations<'a>(text: &str, others: &[Declaration<'a>]) -> Vec<Declaration<'a>> {
    if others.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Declaration<'a>> = Vec::new();
    let mut todo = vec![text];
    while let Some(t) = todo.pop() {
        for key in references(t) {
            // a file uses few names: a look-up along the list, no map of every declaration
            if out.iter().any(|(k, _)| *k == key) {
                continue;
            }
            if let Some(&(k, e)) = others.iter().find(|(k, _)| *k == key) {
                out.push((k, e));
                todo.push(e);
            }
        }
    }
    out.sort_unstable();
    out
}

/// `local.NAME` and `var.NAME` as written in a text.
fn references(text: &str) -> impl Iterator<Item = &str> {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let bytes = text.as_bytes();
    ["local.", "var."].into_iter().flat_map(move |prefix| {
        text.match_indices(prefix).filter_map(move |(at, _)| {
            if at > 0 && (ident(bytes[at - 1]) || bytes[at - 1] == b'.') {
                return None;
            }
            let start = at + prefix.len();
            let len = bytes[start..].iter().take_while(|b| ident(**b)).count();
            (len > 0).then(|| &text[at..start + len])
        })
    })
}

/// The text that declares `used`: one block each.
fn module_text(used: &[Declaration]) -> String {
    let mut out = String::new();
    for (key, expr) in used {
        if let Some(name) = key.strip_prefix("local.") {
            out.push_str(&format!("locals {{\n  {name} = {expr}\n}}\n"));
        } else if let Some(name) = key.strip_prefix("var.") {
            out.push_str(&format!("variable \"{name}\" {{\n  default = {expr}\n}}\n"));
        }
    }
    out
}

fn parse_module_file(text: &str, values: &Variables, module: &str) -> Parse {
    let mut work: Option<String> = None;
    let mut errors = Vec::new();
    let mut broken = Vec::new();
    for _ in 0..=MAX_RECOVERIES {
        let current = work.as_deref().unwrap_or(text);
        match hcl_edit::parser::parse_body(current) {
            Ok(body) => {
                let mut root = convert(&body, text, values, module, &mut errors);
                if !broken.is_empty()
                    && let NodeKind::Object(members) = &mut root.kind
                {
                    let mut all = std::mem::take(members).into_vec();
                    all.push(broken_member(broken, text.len()));
                    *members = all.into_boxed_slice();
                }
                errors.sort_by_key(|e| e.range.start);
                return Parse {
                    root: Some(root),
                    errors,
                };
            }
            Err(e) => {
                let at = e.location().offset().min(text.len());
                // a string left open is reported where it opens, not where the parser stopped,
                // and its block is the one set aside
                let quote = unclosed_quote(current, at);
                let (range, message) = match quote {
                    Some(q) => (
                        q,
                        "HCL syntax error: this string is not closed on its line: end it with `\"`"
                            .to_string(),
                    ),
                    None => (
                        token_at(text, at),
                        format!("HCL syntax error: {}", e.message()),
                    ),
                };
                errors.push(SyntaxError {
                    range,
                    message,
                    severity: SyntaxSeverity::Error,
                });
                let mut next = current.to_string();
                let from = quote.map_or(at, |q| q.start as usize);
                let blanked = blank_block(&mut next, from);
                if declares_resource(&current[blanked.as_usize()]) {
                    broken.push(blanked);
                }
                work = Some(next);
            }
        }
    }
    errors.sort_by_key(|e| e.range.start);
    let members = if broken.is_empty() {
        Vec::new()
    } else {
        vec![broken_member(broken, text.len())]
    };
    Parse {
        root: Some(Node {
            range: TextRange::new(0, text.len()),
            kind: NodeKind::Object(members.into_boxed_slice()),
        }),
        errors,
    }
}

/// Whether a block's text starts a resource of a type flowls reads: `resource "auth0_flow" …`.
fn declares_resource(block: &str) -> bool {
    let Some(rest) = block.strip_prefix("resource") else {
        return false;
    };
    let rest = rest.trim_start().trim_start_matches('"');
    RESOURCE_TYPES.iter().any(|t| {
        rest.strip_prefix(t)
            .is_some_and(|after| after.starts_with(['"', ' ', '\t']))
    })
}

fn broken_member(ranges: Vec<TextRange>, len: usize) -> Member {
    let items: Vec<Node> = ranges
        .into_iter()
        .map(|range| Node {
            range,
            kind: NodeKind::Null,
        })
        .collect();
    Member {
        key: BROKEN.into(),
        key_range: TextRange::empty(0),
        value: Some(Node {
            range: TextRange::new(0, len),
            kind: NodeKind::Array(items.into_boxed_slice()),
        }),
    }
}

/// The addresses (`TYPE.NAME`) of the resource blocks of a `.tf` tree that a syntax error made
/// unreadable, read from their labels in `text`.
pub fn broken_addresses<'a>(root: &'a Node, text: &'a str) -> impl Iterator<Item = String> + 'a {
    let blocks = root
        .get(BROKEN)
        .and_then(Node::as_array)
        .unwrap_or_default();
    blocks.iter().filter_map(move |b| {
        let block = text.get(b.range.as_usize())?;
        let rest = block.strip_prefix("resource")?;
        let mut labels = rest.split('"').skip(1).step_by(2);
        let (kind, name) = (labels.next()?, labels.next()?);
        (!kind.is_empty() && !name.is_empty()).then(|| format!("{kind}.{name}"))
    })
}

/// Whether a `.tf` tree holds a resource flowls reads that a syntax error made unreadable.
pub fn has_broken_resource(root: &Node) -> bool {
    root.get(BROKEN)
        .and_then(Node::as_array)
        .is_some_and(|a| !a.is_empty())
}

/// The first `"` before `at` that opens a string its line does not close (HCL's quoted
/// strings end on their line, but the parser reads on and stops far from it, even blocks
/// later): the range from it to the line's end. Comments and heredocs are skipped.
fn unclosed_quote(text: &str, at: usize) -> Option<TextRange> {
    let at = at.min(text.len());
    let upto = text[at..].find('\n').map_or(text.len(), |p| at + p);
    let mut heredoc: Option<&str> = None;
    let mut comment = false;
    let mut start = 0;
    for line in text[..upto].split('\n') {
        let here = start;
        start += line.len() + 1;
        if let Some(end) = heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let bytes = line.as_bytes();
        let mut open = None;
        let mut i = 0;
        while i < bytes.len() {
            let next = bytes.get(i + 1).copied();
            match (open, comment, bytes[i]) {
                (_, true, b'*') if next == Some(b'/') => {
                    comment = false;
                    i += 1;
                }
                (_, true, _) => {}
                (None, _, b'#') => break,
                (None, _, b'/') if next == Some(b'/') => break,
                (None, _, b'/') if next == Some(b'*') => {
                    comment = true;
                    i += 1;
                }
                (None, _, b'<') if next == Some(b'<') => {
                    let name = line[i + 2..].trim_start_matches('-').trim();
                    if !name.is_empty()
                        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        heredoc = Some(name);
                        break;
                    }
                    i += 1;
                }
                (None, _, b'"') => open = Some(i),
                (Some(_), _, b'\\') => i += 1,
                (Some(_), _, b'"') => open = None,
                _ => {}
            }
            i += 1;
        }
        if let Some(q) = open {
            let line = line.trim_end();
            return Some(TextRange::new(here + q, here + line.len().max(q + 1)));
        }
    }
    None
}

/// The range of the token at `at`: up to the next white space, at least one character.
fn token_at(text: &str, at: usize) -> TextRange {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let rest = &text[at..];
    let len = rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(rest.len(), |(i, _)| i);
    let len = if len == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        len.min(200)
    };
    let mut end = at + len;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    TextRange::new(at, end)
}

/// Blanks (spaces, line ends kept) the top-level block that holds `at`: from the last line at
/// or before it that starts with a letter to the next such line after it. Returns that range.
fn blank_block(work: &mut String, at: usize) -> TextRange {
    let bytes = work.as_bytes();
    let at = at.min(bytes.len());
    let line_start = |i: usize| {
        bytes[..i]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
    };
    let starts_block = |i: usize| bytes.get(i).is_some_and(|b| b.is_ascii_alphabetic());
    let mut start = line_start(at);
    while start > 0 && !starts_block(start) {
        start = line_start(start - 1);
    }
    if !starts_block(start) {
        start = line_start(at);
    }
    let mut end = bytes.len();
    let mut i = at;
    while let Some(p) = bytes[i..].iter().position(|&b| b == b'\n') {
        i += p + 1;
        if starts_block(i) {
            end = i;
            break;
        }
    }
    let blanked: Vec<u8> = bytes
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (start..end).contains(&i) && b != b'\n' && b != b'\r' {
                b' '
            } else {
                b
            }
        })
        .collect();
    // every byte of the range became a space: still UTF-8
    *work = String::from_utf8(blanked).unwrap_or_default();
    TextRange::new(start, end)
}

fn span(of: &impl Span, fallback: TextRange) -> TextRange {
    of.span()
        .map_or(fallback, |r| TextRange::new(r.start, r.end))
}

/// The resources, imports and exports of a body, as the root of the tree. `module`: the
/// declarations of the module's other files that this one uses ([`module_text`]).
fn convert(
    body: &Body,
    text: &str,
    values: &Variables,
    module: &str,
    errors: &mut Vec<SyntaxError>,
) -> Node {
    let whole = TextRange::new(0, text.len());
    // the other files' declarations parse: they are expressions that parsed in their own file
    let other = (!module.is_empty())
        .then(|| hcl_edit::parser::parse_body(module).ok())
        .flatten();
    let mut scope = eval::Scope {
        values: Some(values),
        texts: vec![text, module],
        ..eval::Scope::default()
    };
    let mut declared = Vec::new();
    // this file's own declarations first: they win over another file's of the same name
    for (source, body) in std::iter::once(body).chain(other.as_ref()).enumerate() {
        for s in body.iter() {
            let Structure::Block(b) = s else { continue };
            match b.ident.as_str() {
                "locals" => {
                    for s in b.body.iter() {
                        if let Structure::Attribute(a) = s {
                            let name = a.key.as_str();
                            scope
                                .locals
                                .entry(name.to_string())
                                .or_insert((&a.value, source));
                            if source == eval::OWN {
                                declared.push((
                                    format!("local.{name}"),
                                    span(&a.key, whole),
                                    span(&a.value, whole),
                                ));
                            }
                        }
                    }
                }
                "variable" => {
                    let Some(name) = b.labels.first() else {
                        continue;
                    };
                    let default = b.body.iter().find_map(|s| match s {
                        Structure::Attribute(a) if a.key.as_str() == "default" => Some(&a.value),
                        _ => None,
                    });
                    if let Some(d) = default {
                        scope
                            .variables
                            .entry(name.as_str().to_string())
                            .or_insert((d, source));
                        if source == eval::OWN {
                            declared.push((
                                format!("var.{}", name.as_str()),
                                span(name, whole),
                                span(d, whole),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut ev = eval::Evaluator::new(text, scope);
    let mut members = Vec::new();
    let mut imports = Vec::new();
    for s in body.iter() {
        let Structure::Block(b) = s else { continue };
        match b.ident.as_str() {
            "resource" => {
                if let Some(m) = resource(b, &mut ev, whole) {
                    members.push(m);
                }
            }
            "import" => {
                let range = span(b, whole);
                let mut fields = Vec::new();
                for s in b.body.iter() {
                    let Structure::Attribute(a) = s else { continue };
                    let key = a.key.as_str();
                    if key != "id" && key != "to" {
                        continue;
                    }
                    let value = if key == "to" {
                        let r = span(&a.value, range);
                        Node {
                            range: r,
                            kind: NodeKind::String(text[r.as_usize()].trim().into()),
                        }
                    } else {
                        ev.value(&a.value)
                    };
                    fields.push(Member {
                        key: key.into(),
                        key_range: span(&a.key, range),
                        value: Some(value),
                    });
                }
                imports.push(Node {
                    range,
                    kind: NodeKind::Object(fields.into_boxed_slice()),
                });
            }
            _ => {}
        }
    }
    let references = vault_references(body);
    if !references.is_empty() {
        members.push(Member {
            key: REFERENCES.into(),
            key_range: TextRange::empty(0),
            value: Some(Node {
                range: whole,
                kind: NodeKind::Array(references.into_boxed_slice()),
            }),
        });
    }
    let (exports, json_texts, notes) = ev.finish();
    errors.extend(notes);
    if !json_texts.is_empty() {
        let ranges: Vec<Node> = json_texts
            .into_iter()
            .map(|range| Node {
                range,
                kind: NodeKind::Null,
            })
            .collect();
        members.push(Member {
            key: JSON_TEXTS.into(),
            key_range: TextRange::empty(0),
            value: Some(Node {
                range: whole,
                kind: NodeKind::Array(ranges.into_boxed_slice()),
            }),
        });
    }
    if !imports.is_empty() {
        members.push(Member {
            key: IMPORTS.into(),
            key_range: TextRange::empty(0),
            value: Some(Node {
                range: whole,
                kind: NodeKind::Array(imports.into_boxed_slice()),
            }),
        });
    }
    if !declared.is_empty() {
        let names: Vec<Member> = declared
            .into_iter()
            .map(|(key, key_range, range)| Member {
                key: key.into(),
                key_range,
                value: Some(Node {
                    range,
                    kind: NodeKind::Null,
                }),
            })
            .collect();
        members.push(Member {
            key: DECLARATIONS.into(),
            key_range: TextRange::empty(0),
            value: Some(Node {
                range: whole,
                kind: NodeKind::Object(names.into_boxed_slice()),
            }),
        });
    }
    if !exports.is_empty() {
        members.push(Member {
            key: EXPORTS.into(),
            key_range: TextRange::empty(0),
            value: Some(Node {
                range: whole,
                kind: NodeKind::Array(exports.into_boxed_slice()),
            }),
        });
    }
    Node {
        range: whole,
        kind: NodeKind::Object(members.into_boxed_slice()),
    }
}

/// The references to vault resources in a body (see [`REFERENCES`]). hcl-edit's parser bounds
/// the nesting, so the visit is bounded too.
fn vault_references(body: &Body) -> Vec<Node> {
    use hcl_edit::visit::{Visit, visit_block, visit_traversal};
    struct Found(Vec<Node>);
    impl Visit for Found {
        fn visit_block(&mut self, b: &Block) {
            // what these blocks name is an address, not a use
            if !matches!(b.ident.as_str(), "import" | "moved" | "removed") {
                visit_block(self, b);
            }
        }
        fn visit_traversal(&mut self, t: &hcl_edit::expr::Traversal) {
            if let Expression::Variable(root) = &t.expr
                && root.as_str() == VAULT_CONNECTION
                && let Some(hcl_edit::expr::TraversalOperator::GetAttr(name)) =
                    t.operators.first().map(|o| o.value())
            {
                let range = span(t, TextRange::empty(0));
                self.0.push(Node {
                    range,
                    kind: NodeKind::String(format!("{VAULT_CONNECTION}.{}", name.as_str()).into()),
                });
            }
            visit_traversal(self, t);
        }
    }
    let mut found = Found(Vec::new());
    found.visit_body(body);
    found.0
}

/// The references to vault resources a `.tf` tree holds: (address, range).
pub fn vault_resource_references(root: &Node) -> impl Iterator<Item = (&str, TextRange)> + '_ {
    root.get(REFERENCES)
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| Some((n.as_str()?, n.range)))
}

/// One `resource "TYPE" "NAME" { … }` of a type flowls reads, as `TYPE.NAME` → its body.
fn resource(b: &Block, ev: &mut eval::Evaluator, whole: TextRange) -> Option<Member> {
    let [kind, name, ..] = b.labels.as_slice() else {
        return None;
    };
    let kind_str = kind.as_str();
    if !RESOURCE_TYPES.contains(&kind_str) {
        return None;
    }
    let range = span(b, whole);
    let name_range = span(name, range);
    let labels = span(kind, range).cover(name_range);
    let address = format!("{kind_str}.{}", name.as_str());
    let (attributes, json_strings) = attributes_of(kind_str);
    let mut fields = Vec::new();
    for s in b.body.iter() {
        let (key, key_range, value) = match s {
            Structure::Attribute(a) => {
                let key = a.key.as_str();
                if !attributes.contains(&key) {
                    continue;
                }
                // `x = null` is "not set" (generated config writes it for optional
                // attributes); a vault's `setup = null` is its own case (the tenant's is kept)
                if matches!(a.value, Expression::Null(_))
                    && !(kind_str == VAULT_CONNECTION && key == "setup")
                {
                    continue;
                }
                let value = if json_strings.contains(&key) {
                    ev.json_attribute(&a.value, &address, key, span(&a.key, range))
                } else if kind_str == VAULT_CONNECTION && key == "setup" {
                    whole_setup(ev.value(&a.value))
                } else {
                    ev.value(&a.value)
                };
                (key, span(&a.key, range), value)
            }
            // the form's `languages { … }` and `messages { … }` blocks
            Structure::Block(inner) if attributes.contains(&inner.ident.as_str()) => {
                let key = inner.ident.as_str();
                let mut members = Vec::new();
                for s in inner.body.iter() {
                    let Structure::Attribute(a) = s else { continue };
                    let k = a.key.as_str();
                    let v = if key == "messages" {
                        ev.json_attribute(&a.value, &address, k, span(&a.key, range))
                    } else {
                        ev.value(&a.value)
                    };
                    members.push(Member {
                        key: k.into(),
                        key_range: span(&a.key, range),
                        value: Some(v),
                    });
                }
                let r = span(inner, range);
                let node = Node {
                    range: r,
                    kind: NodeKind::Object(members.into_boxed_slice()),
                };
                (key, span(&inner.ident, r), node)
            }
            Structure::Block(_) => continue,
        };
        // the provider's `scopes` is the Management API's `scope`
        let key = if kind_str == CLIENT_GRANT && key == "scopes" {
            "scope"
        } else {
            key
        };
        fields.push(Member {
            key: key.into(),
            key_range,
            value: Some(value),
        });
    }
    // what a reference to the resource reads (`auth0_flow.NAME.id`): the index finds the
    // resource by it as by an `af_…` / `ac_…` id
    let (id_key, id) = match kind_str {
        CLIENT => ("client_id", format!("{address}.client_id")),
        CLIENT_GRANT => ("$address", address.clone()),
        _ => ("id", format!("{address}.id")),
    };
    fields.push(Member {
        key: id_key.into(),
        key_range: name_range,
        value: Some(Node {
            range: name_range,
            kind: NodeKind::String(Text::from(id)),
        }),
    });
    Some(Member {
        key: address.into(),
        key_range: labels,
        value: Some(Node {
            range,
            kind: NodeKind::Object(fields.into_boxed_slice()),
        }),
    })
}

/// A value flowls cannot know (`var.X` without a value, `data.*`, a function it does not
/// evaluate): an unmapped keyword marker, which every check leaves alone.
pub fn unknown(range: TextRange) -> Node {
    Node {
        range,
        kind: NodeKind::Marker(Box::new(Marker {
            key: UNKNOWN_KEY.into(),
            whole_value: false,
        })),
    }
}

/// `var.NAME` without a known value: an unknown that names its variable (the marker key
/// `FLOWLS_TERRAFORM_UNKNOWN:var.NAME`, which no mapping or environment variable has).
pub fn unknown_variable(range: TextRange, name: &str) -> Node {
    Node {
        range,
        kind: NodeKind::Marker(Box::new(Marker {
            key: format!("{UNKNOWN_KEY}:var.{name}").into(),
            whole_value: false,
        })),
    }
}

/// A vault's `setup` as the check reads it: one that is unknown as a whole (`var.setup`,
/// `merge(…)`, a conditional) or `null` (what `terraform plan -generate-config-out` and
/// `auth0 tf generate` write for the sensitive value they cannot read: the tenant's setup is
/// kept) is a whole-value unknown marker, which every check leaves alone, as an unresolved
/// `"@@SETUP@@"` is.
fn whole_setup(value: Node) -> Node {
    let key = match &value.kind {
        NodeKind::Marker(m) if m.key.starts_with(UNKNOWN_KEY) => m.key.clone(),
        NodeKind::Null => UNKNOWN_KEY.into(),
        _ => return value,
    };
    Node {
        range: value.range,
        kind: NodeKind::Marker(Box::new(Marker {
            key,
            whole_value: true,
        })),
    }
}

/// Whether a node is a value flowls cannot know in a Terraform file.
pub fn is_unknown(node: &Node) -> bool {
    matches!(&node.kind, NodeKind::Marker(m) if m.key.starts_with(UNKNOWN_KEY))
}

/// The variable an unknown value is (`var.NAME` without a default or `.tfvars` value).
pub fn unknown_variable_name(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Marker(m) => m.key.strip_prefix(UNKNOWN_KEY)?.strip_prefix(":var."),
        _ => None,
    }
}

/// Whether a file name is one Terraform reads variable values from by itself:
/// `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars`, `*.auto.tfvars.json`.
pub fn is_tfvars(name: &str) -> bool {
    name == "terraform.tfvars"
        || name == "terraform.tfvars.json"
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

/// The values a module folder's `.tfvars` files give, in Terraform's order: `terraform.tfvars`,
/// `terraform.tfvars.json`, then the `*.auto.tfvars` / `*.auto.tfvars.json` files in lexical
/// order of their names, a later file's value winning. `files`: (file name, text). Only
/// literal values are read (Terraform allows nothing else there); a file that does not parse
/// gives nothing.
pub fn module_variables<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Variables {
    let mut files: Vec<(&str, &str)> = files.into_iter().filter(|(n, _)| is_tfvars(n)).collect();
    files.sort_by_key(|(name, _)| {
        let rank = match *name {
            "terraform.tfvars" => 0,
            "terraform.tfvars.json" => 1,
            _ => 2,
        };
        (rank, *name)
    });
    let mut out = Variables::new();
    for (name, text) in files {
        if name.ends_with(".json") {
            let parsed = crate::syntax::parse(text);
            if parsed
                .errors
                .iter()
                .any(|e| e.severity == SyntaxSeverity::Error)
            {
                continue;
            }
            for m in parsed
                .root
                .as_ref()
                .and_then(Node::as_object)
                .unwrap_or_default()
            {
                if let Some(v) = &m.value {
                    out.insert(m.key.to_string(), v.clone());
                }
            }
            continue;
        }
        let Ok(body) = hcl_edit::parser::parse_body(text) else {
            continue;
        };
        let mut ev = eval::Evaluator::new(text, eval::Scope::default());
        for s in body.iter() {
            if let Structure::Attribute(a) = s {
                let v = ev.value(&a.value);
                if !is_unknown(&v) {
                    out.insert(a.key.as_str().to_string(), v);
                }
            }
        }
    }
    out
}

/// The resources of a `.tf` tree: (type, address, body).
pub fn resources(root: &Node) -> impl Iterator<Item = (&str, &str, &Node)> {
    root.as_object().unwrap_or_default().iter().filter_map(|m| {
        let (kind, _) = m.key.split_once('.')?;
        let kind = RESOURCE_TYPES.iter().find(|t| **t == kind)?;
        Some((*kind, m.key.as_str(), m.value.as_ref()?))
    })
}

/// The `import` blocks of a `.tf` tree: (id, to).
pub fn imports(root: &Node) -> Vec<(&str, &str)> {
    root.get(IMPORTS)
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| Some((i.get("id")?.as_str()?, i.get("to")?.as_str()?)))
        .collect()
}

/// The ranges of the JSON texts (strings, heredocs) of a `.tf` tree.
pub fn json_texts(root: &Node) -> impl Iterator<Item = TextRange> + '_ {
    root.get(JSON_TEXTS)
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .map(|n| n.range)
}

/// A map from names to expressions, each with the index of the text it is written in.
pub(crate) type Exprs<'a> = HashMap<String, (&'a Expression, usize)>;

#[cfg(test)]
mod tests;
