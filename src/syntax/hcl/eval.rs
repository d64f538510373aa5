//! HCL expressions → `Node`s, evaluated only as far as flowls needs to know what a resource
//! receives: literals, `jsonencode`, JSON strings and heredocs (parsed where they are written),
//! `locals`, `var.X` with a `default`, references to the resources flowls reads, index and
//! attribute access, and the guide's `jsondecode(file(…))` + nested `replace` (kept as an
//! export the analysis resolves in the workspace). Everything else is unknown.
//!
//! Bounded: evaluation depth, one visit per `local` at a time (a cycle is unknown), a total
//! number of steps, a size for evaluated text. It never runs or reads anything.

use super::super::{Member, Node, NodeKind, SyntaxError, SyntaxSeverity, Text, TextRange};
use super::{Exprs, span, unknown};
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Element, Template};
use std::collections::HashSet;

/// The keyword-marker key that stands for a value flowls cannot know in a `.tf` file (no
/// mapping has it, so every check leaves the value alone).
pub const UNKNOWN_KEY: &str = "FLOWLS_TERRAFORM_UNKNOWN";

/// How deep evaluation goes through calls, locals and accesses.
const MAX_DEPTH: usize = 64;
/// How many expressions one file's evaluation visits in all.
const MAX_STEPS: usize = 200_000;
/// The longest text evaluation builds (a `replace` chain that grows stops here).
const MAX_TEXT: usize = 1024 * 1024;
/// How much text one file's evaluation builds in all.
const MAX_BUILT: usize = 64 * 1024 * 1024;

#[derive(Default)]
pub(crate) struct Scope<'a> {
    /// The module's `locals`, from every `.tf` file of its folder.
    pub locals: Exprs<'a>,
    /// The variables' `default`s, from every `.tf` file of the module's folder.
    pub variables: Exprs<'a>,
    /// The values the module folder's `.tfvars` files give (they win over a `default`).
    pub values: Option<&'a super::Variables>,
    /// The texts the expressions are written in: [`OWN`] is the file being read, the others
    /// the declarations of the other `.tf` files of its module.
    pub texts: Vec<&'a str>,
}

/// The index in [`Scope::texts`] of the file being read.
pub(crate) const OWN: usize = 0;

/// What an expression evaluates to.
#[derive(Debug, Clone)]
enum Val {
    Known(Node),
    /// `file("…")`: a path relative to the module folder, not read here.
    File(String, TextRange),
    /// Text of an export bundle: `jsondecode(file(…))`, accessed, maybe `jsonencode`d and
    /// `replace`d.
    Export(Box<Export>),
    Unknown,
}

#[derive(Debug, Clone)]
struct Export {
    file: String,
    file_range: TextRange,
    pointer: Vec<Node>,
    encoded: bool,
    replaces: Vec<Node>,
}

impl Export {
    /// The text of a file as it is (`file(…)`, not decoded).
    fn text_of(file: String, file_range: TextRange) -> Export {
        Export {
            file,
            file_range,
            pointer: Vec::new(),
            encoded: true,
            replaces: Vec::new(),
        }
    }
}

pub(crate) struct Evaluator<'a> {
    /// The text the expression being evaluated is written in (`scope.texts[current]`).
    text: &'a str,
    current: usize,
    /// Where, in the file being read, the evaluation of another file's declaration was asked
    /// for (its notes are found there).
    anchor: Option<TextRange>,
    scope: Scope<'a>,
    visiting: HashSet<String>,
    depth: usize,
    steps: usize,
    exports: Vec<Node>,
    json_texts: Vec<TextRange>,
    notes: Vec<SyntaxError>,
    /// Evaluated locals, so that each is evaluated once.
    done: std::collections::HashMap<String, Val>,
    /// Bytes of text built so far (every `replace` and template counts).
    built: usize,
}

impl<'a> Evaluator<'a> {
    pub fn new(text: &'a str, mut scope: Scope<'a>) -> Self {
        if scope.texts.is_empty() {
            scope.texts.push(text);
        }
        scope.texts[OWN] = text;
        Evaluator {
            text,
            current: OWN,
            anchor: None,
            scope,
            visiting: HashSet::new(),
            depth: 0,
            steps: 0,
            exports: Vec::new(),
            json_texts: Vec::new(),
            notes: Vec::new(),
            done: std::collections::HashMap::new(),
            built: 0,
        }
    }

    /// The exports found, the JSON texts read, and the notes about evaluation that stopped at
    /// a bound.
    pub fn finish(self) -> (Vec<Node>, Vec<TextRange>, Vec<SyntaxError>) {
        (self.exports, self.json_texts, self.notes)
    }

    fn note(&mut self, range: TextRange, message: String) {
        // a note about another file's declaration is found where this file uses it
        let range = match self.anchor {
            Some(at) if self.current != OWN => at,
            _ => range,
        };
        if !self.notes.iter().any(|n| n.message == message) {
            self.notes.push(SyntaxError {
                range,
                message,
                severity: SyntaxSeverity::Warning,
            });
        }
    }

    /// A value as a node (unknown where it cannot be known; a variable without a value is an
    /// unknown that names it, for Test connection's `TF_VAR_X`).
    pub fn value(&mut self, expr: &Expression) -> Node {
        let range = self.range(expr);
        match self.eval(expr) {
            Val::Known(n) => n,
            _ => match variable_named(expr) {
                Some(name) => super::unknown_variable(range, name),
                None => unknown(range),
            },
        }
    }

    fn range(&self, expr: &Expression) -> TextRange {
        span(expr, TextRange::empty(0))
    }

    /// An attribute the provider keeps as a JSON string (`actions`, `nodes`, …): the JSON inside
    /// a string or heredoc (ranges inside it), an HCL value from `jsonencode` (ranges at its HCL
    /// keys and values), or an export bundle's text (recorded in `$exports`).
    pub fn json_attribute(
        &mut self,
        expr: &Expression,
        address: &str,
        attribute: &str,
        key_range: TextRange,
    ) -> Node {
        let range = self.range(expr);
        if matches!(
            expr,
            Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_)
        ) {
            self.json_texts.push(range);
        }
        match expr {
            Expression::String(s) => {
                let r = range;
                let inner = TextRange::new(
                    (r.start as usize + 1).min(r.end as usize),
                    (r.end as usize).saturating_sub(1).max(r.start as usize),
                );
                let mut v = Virtual::default();
                v.literal(self.text, inner, s.value(), true);
                return self.parse_virtual(v, range);
            }
            Expression::StringTemplate(t) => return self.json_template(t, true, range),
            Expression::HeredocTemplate(h) => return self.json_template(&h.template, false, range),
            _ => {}
        }
        match self.eval(expr) {
            Val::Known(n) => match &n.kind {
                // a string from a variable or local: its JSON, found at the reference
                NodeKind::String(s) => {
                    let parsed = crate::syntax::parse(s);
                    if let Some(e) = parsed
                        .errors
                        .iter()
                        .find(|e| e.severity == SyntaxSeverity::Error)
                    {
                        self.note(
                            range,
                            format!("the JSON this evaluates to is malformed: {}", e.message),
                        );
                    }
                    let mut root = parsed.root.unwrap_or_else(|| unknown(range));
                    collapse(&mut root, range);
                    root
                }
                _ => n,
            },
            // `file(…)` itself: the file's text is the JSON string
            Val::File(file, file_range) => {
                let e = Export::text_of(file, file_range);
                let node = export_node(&e, address, attribute, key_range, range);
                self.exports.push(node);
                unknown(range)
            }
            Val::Export(e) => {
                let node = export_node(&e, address, attribute, key_range, range);
                self.exports.push(node);
                unknown(range)
            }
            _ => unknown(range),
        }
    }

    /// JSON written in a template: its text with each interpolation's value in place (unknown
    /// values as an unknown marker), parsed, and its ranges moved back into the `.tf` file.
    fn json_template(&mut self, t: &Template, quoted: bool, range: TextRange) -> Node {
        let mut v = Virtual::default();
        for el in t.iter() {
            match el {
                Element::Literal(l) => {
                    let r = span(l, range);
                    v.literal(self.text, r, l.value(), quoted);
                }
                Element::Interpolation(i) => {
                    let r = span(i, range);
                    let text = match self.eval(&i.expr) {
                        Val::Known(n) => match &n.kind {
                            NodeKind::String(s) if !s.contains(['"', '\\']) => s.to_string(),
                            NodeKind::Number(n) => n.to_string(),
                            NodeKind::Bool(b) => b.to_string(),
                            _ => format!("##{UNKNOWN_KEY}##"),
                        },
                        _ => format!("##{UNKNOWN_KEY}##"),
                    };
                    v.inserted(&text, r);
                }
                Element::Directive(_) => return unknown(range),
            }
        }
        self.parse_virtual(v, range)
    }

    fn parse_virtual(&mut self, v: Virtual, range: TextRange) -> Node {
        if v.text.len() > MAX_TEXT {
            self.note(range, "this JSON is too large to be checked".into());
            return unknown(range);
        }
        let mut parsed = crate::syntax::parse(&v.text);
        for e in &mut parsed.errors {
            e.range = v.map(e.range);
            e.message = format!("in this JSON string: {}", e.message);
        }
        self.notes.extend(parsed.errors);
        match parsed.root {
            Some(mut root) => {
                remap(&mut root, &v);
                root
            }
            None => unknown(range),
        }
    }

    /// Long: one `match` over the expression kinds, each arm what flowls knows of it.
    fn eval(&mut self, expr: &Expression) -> Val {
        let range = self.range(expr);
        self.steps += 1;
        if self.depth >= MAX_DEPTH || self.steps > MAX_STEPS {
            self.note(
                range,
                "this expression is nested too deeply for flowls to evaluate: its value is unknown"
                    .into(),
            );
            return Val::Unknown;
        }
        self.depth += 1;
        let v = match expr {
            Expression::Null(_) => known(range, NodeKind::Null),
            Expression::Bool(b) => known(range, NodeKind::Bool(*b.value())),
            Expression::Number(_) => known(
                range,
                NodeKind::Number(
                    self.text
                        .get(range.as_usize())
                        .unwrap_or_default()
                        .trim()
                        .into(),
                ),
            ),
            Expression::String(s) => known(range, NodeKind::String(s.value().as_str().into())),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.value(item));
                }
                known(range, NodeKind::Array(out.into_boxed_slice()))
            }
            Expression::Object(obj) => {
                let mut members = Vec::with_capacity(obj.len());
                for (k, v) in obj.iter() {
                    let (key, key_range) = match k {
                        ObjectKey::Ident(i) => (Text::from(i.as_str()), span(i, range)),
                        ObjectKey::Expression(e) => {
                            let r = self.range(e);
                            match self.eval(e) {
                                Val::Known(Node {
                                    kind: NodeKind::String(s),
                                    ..
                                }) => (s, r),
                                _ => (Text::from(format!("##{UNKNOWN_KEY}##")), r),
                            }
                        }
                    };
                    let value = self.value(v.expr());
                    // `x = null` in HCL is "not set" (what `terraform plan
                    // -generate-config-out` writes for an optional attribute): absent
                    if matches!(value.kind, NodeKind::Null) {
                        continue;
                    }
                    members.push(Member {
                        key,
                        key_range,
                        value: Some(value),
                    });
                }
                known(range, NodeKind::Object(members.into_boxed_slice()))
            }
            Expression::StringTemplate(t) => self.template(t, range),
            Expression::HeredocTemplate(h) => self.template(&h.template, range),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Traversal(t) => {
                let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                let mut next = 0;
                let base = match &t.expr {
                    Expression::Variable(v) => {
                        self.root_reference(v.as_str(), &ops, &mut next, range)
                    }
                    other => self.eval(other),
                };
                let mut cur = base;
                for op in &ops[next.min(ops.len())..] {
                    cur = self.access(cur, op);
                }
                cur
            }
            Expression::FuncCall(call) => self.call(call, range),
            _ => Val::Unknown,
        };
        self.depth -= 1;
        v
    }

    /// A string template: its text when every part is known.
    fn template(&mut self, t: &Template, range: TextRange) -> Val {
        let mut out = String::new();
        let mut single = None;
        let parts = t.iter().count();
        for el in t.iter() {
            match el {
                Element::Literal(l) => out.push_str(l.value()),
                Element::Interpolation(i) => match self.eval(&i.expr) {
                    Val::Known(n) if parts == 1 => single = Some(Val::Known(n)),
                    Val::Known(n) => match &n.kind {
                        NodeKind::String(s) => out.push_str(s),
                        NodeKind::Number(x) => out.push_str(x),
                        NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                        _ => return Val::Unknown,
                    },
                    _ => return Val::Unknown,
                },
                Element::Directive(_) => return Val::Unknown,
            }
            if out.len() > MAX_TEXT {
                self.note(
                    range,
                    "this text grows too large for flowls to evaluate".into(),
                );
                return Val::Unknown;
            }
        }
        // `"${x}"` is x itself
        single.unwrap_or_else(|| known(range, NodeKind::String(out.into())))
    }

    /// `var.X`, `local.X`, `path.module`, `auth0_flow.NAME.id`, …: the value of a name, taking
    /// the operators it needs off `ops`.
    fn root_reference(
        &mut self,
        root: &str,
        all: &[&TraversalOperator],
        next: &mut usize,
        range: TextRange,
    ) -> Val {
        let mut ops = Ops { all, next };
        let attr = |ops: &mut Ops| ops.attr();
        match root {
            "var" => {
                let Some(name) = attr(&mut ops) else {
                    return Val::Unknown;
                };
                // a `.tfvars` value wins over the `default`
                if let Some(v) = self.scope.values.and_then(|vs| vs.get(&name)) {
                    let mut n = v.clone();
                    collapse(&mut n, range);
                    return Val::Known(n);
                }
                let Some((expr, source)) = self.scope.variables.get(&name).copied() else {
                    return Val::Unknown;
                };
                match self.eval_in(source, expr, range) {
                    // a variable's value is where it is used
                    Val::Known(mut n) => {
                        collapse(&mut n, range);
                        Val::Known(n)
                    }
                    _ => Val::Unknown,
                }
            }
            "local" => {
                let Some(name) = attr(&mut ops) else {
                    return Val::Unknown;
                };
                let Some((expr, source)) = self.scope.locals.get(&name).copied() else {
                    return Val::Unknown;
                };
                let v = if let Some(v) = self.done.get(&name) {
                    v.clone()
                } else {
                    if !self.visiting.insert(name.clone()) {
                        self.note(
                            range,
                            format!(
                                "`local.{name}` refers to itself (a cycle): its value is unknown"
                            ),
                        );
                        return Val::Unknown;
                    }
                    let v = self.eval_in(source, expr, range);
                    self.visiting.remove(&name);
                    self.done.insert(name, v.clone());
                    v
                };
                // a value written in another file is found where this one uses it
                if source == self.current {
                    v
                } else {
                    collapse_val(v, range)
                }
            }
            "path" => match attr(&mut ops).as_deref() {
                Some("module") | Some("root") => known(range, NodeKind::String(".".into())),
                _ => Val::Unknown,
            },
            kind if super::RESOURCE_TYPES.contains(&kind) => {
                let Some(name) = attr(&mut ops) else {
                    return Val::Unknown;
                };
                // `count` / `for_each` instances are the same resource to flowls
                while matches!(
                    ops.all.get(*ops.next),
                    Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_))
                ) {
                    *ops.next += 1;
                }
                let Some(field) = attr(&mut ops) else {
                    return Val::Unknown;
                };
                let field = match (kind, field.as_str()) {
                    // a client's `id` is its client id
                    (super::CLIENT, "id" | "client_id") => "client_id",
                    (_, "id") => "id",
                    _ => return Val::Unknown,
                };
                known(
                    range,
                    NodeKind::String(format!("{kind}.{name}.{field}").into()),
                )
            }
            _ => Val::Unknown,
        }
    }

    /// An expression written in `source` (one of [`Scope::texts`]), asked for at `at` in the
    /// current text: evaluated in its own text, its value's ranges in that text.
    fn eval_in(&mut self, source: usize, expr: &Expression, at: TextRange) -> Val {
        if source == self.current {
            return self.eval(expr);
        }
        let Some(text) = self.scope.texts.get(source).copied() else {
            return Val::Unknown;
        };
        let (outer_text, outer, outer_anchor) = (self.text, self.current, self.anchor);
        if outer == OWN {
            self.anchor = Some(at);
        }
        self.text = text;
        self.current = source;
        let v = self.eval(expr);
        self.text = outer_text;
        self.current = outer;
        self.anchor = outer_anchor;
        v
    }

    fn access(&mut self, cur: Val, op: &TraversalOperator) -> Val {
        let key: Option<Node> = match op {
            TraversalOperator::GetAttr(name) => Some(Node {
                range: span(name, TextRange::empty(0)),
                kind: NodeKind::String(name.as_str().into()),
            }),
            TraversalOperator::Index(e) => match self.eval(e) {
                Val::Known(n) => Some(n),
                _ => None,
            },
            TraversalOperator::LegacyIndex(i) => Some(Node {
                range: span(i, TextRange::empty(0)),
                kind: NodeKind::Number(i.value().to_string().into()),
            }),
            _ => None,
        };
        let Some(key) = key else { return Val::Unknown };
        match cur {
            Val::Known(n) => {
                let found = match (&n.kind, &key.kind) {
                    (NodeKind::Object(_), NodeKind::String(k)) => n.get(k).cloned(),
                    (NodeKind::Array(items), NodeKind::Number(i)) => {
                        i.parse::<usize>().ok().and_then(|i| items.get(i).cloned())
                    }
                    _ => None,
                };
                found.map_or(Val::Unknown, Val::Known)
            }
            Val::Export(mut e) if !e.encoded && e.replaces.is_empty() => {
                e.pointer.push(key);
                Val::Export(e)
            }
            _ => Val::Unknown,
        }
    }

    fn call(&mut self, call: &hcl_edit::expr::FuncCall, range: TextRange) -> Val {
        if call.name.is_namespaced() {
            return Val::Unknown;
        }
        let args: Vec<&Expression> = call.args.iter().collect();
        match (call.name.name.as_str(), args.as_slice()) {
            ("jsonencode", [x]) => match self.eval(x) {
                Val::Export(mut e) if !e.encoded => {
                    e.encoded = true;
                    Val::Export(e)
                }
                Val::Known(n) => Val::Known(n),
                _ => Val::Unknown,
            },
            ("jsondecode", [x]) => match self.eval(x) {
                Val::File(file, file_range) => Val::Export(Box::new(Export {
                    file,
                    file_range,
                    pointer: Vec::new(),
                    encoded: false,
                    replaces: Vec::new(),
                })),
                Val::Known(Node {
                    kind: NodeKind::String(s),
                    ..
                }) => {
                    let parsed = crate::syntax::parse(&s);
                    match parsed.root {
                        Some(mut root) if parsed.errors.is_empty() => {
                            collapse(&mut root, range);
                            Val::Known(root)
                        }
                        _ => Val::Unknown,
                    }
                }
                _ => Val::Unknown,
            },
            ("file", [p]) => match self.eval(p) {
                Val::Known(Node {
                    kind: NodeKind::String(s),
                    ..
                }) => Val::File(s.to_string(), range),
                _ => Val::Unknown,
            },
            ("replace", [s, from, to]) => {
                let subject = self.eval(s);
                let from_v = self.eval(from);
                let to_v = self.eval(to);
                let token = match from_v {
                    Val::Known(n) if n.as_str().is_some() => n,
                    _ => return Val::Unknown,
                };
                let subject = match subject {
                    Val::File(file, file_range) => {
                        Val::Export(Box::new(Export::text_of(file, file_range)))
                    }
                    v => v,
                };
                match subject {
                    Val::Export(mut e) if e.encoded => {
                        let with = match to_v {
                            Val::Known(n) if n.as_str().is_some() => n,
                            _ => unknown(self.range(to)),
                        };
                        e.replaces.push(Node {
                            range,
                            kind: NodeKind::Object(Box::new([
                                member("token", token),
                                member("with", with),
                            ])),
                        });
                        Val::Export(e)
                    }
                    Val::Known(Node {
                        kind: NodeKind::String(text),
                        ..
                    }) => {
                        let (
                            Some(a),
                            Val::Known(Node {
                                kind: NodeKind::String(b),
                                ..
                            }),
                        ) = (token.as_str(), to_v)
                        else {
                            return Val::Unknown;
                        };
                        if a.is_empty() {
                            return Val::Unknown;
                        }
                        let grows = b.len().saturating_sub(a.len());
                        let count = text.matches(a).count();
                        let len = text.len() + grows.saturating_mul(count);
                        self.built = self.built.saturating_add(len);
                        if len > MAX_TEXT || self.built > MAX_BUILT {
                            self.note(
                                range,
                                "this `replace` grows the text too large for flowls to evaluate: its value is unknown"
                                    .into(),
                            );
                            return Val::Unknown;
                        }
                        known(range, NodeKind::String(text.replace(a, &b).into()))
                    }
                    _ => Val::Unknown,
                }
            }
            _ => Val::Unknown,
        }
    }
}

/// The name of the variable an expression is: `var.X` or `"${var.X}"`.
fn variable_named(expr: &Expression) -> Option<&str> {
    let expr = match expr {
        Expression::StringTemplate(t) => match t.iter().collect::<Vec<_>>().as_slice() {
            [Element::Interpolation(i)] => &i.expr,
            _ => return None,
        },
        e => e,
    };
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    match t
        .operators
        .iter()
        .map(|o| o.value())
        .collect::<Vec<_>>()
        .as_slice()
    {
        [TraversalOperator::GetAttr(name)] if root.as_str() == "var" => Some(name.as_str()),
        _ => None,
    }
}

/// The operators of a traversal, and how many of them are taken.
struct Ops<'o, 'n> {
    all: &'o [&'o TraversalOperator],
    next: &'n mut usize,
}

impl Ops<'_, '_> {
    /// `.name`, taken.
    fn attr(&mut self) -> Option<String> {
        match self.all.get(*self.next) {
            Some(TraversalOperator::GetAttr(name)) => {
                *self.next += 1;
                Some(name.as_str().to_string())
            }
            _ => None,
        }
    }
}

fn known(range: TextRange, kind: NodeKind) -> Val {
    Val::Known(Node { range, kind })
}

fn member(key: &str, value: Node) -> Member {
    Member {
        key: key.into(),
        key_range: value.range,
        value: Some(value),
    }
}

fn string(range: TextRange, s: &str) -> Node {
    Node {
        range,
        kind: NodeKind::String(s.into()),
    }
}

/// An attribute read from an export bundle, for `$exports`: `{resource, attribute, file,
/// pointer, replace: [{token, with}]}`, its range the attribute's value.
fn export_node(
    e: &Export,
    address: &str,
    attribute: &str,
    key_range: TextRange,
    range: TextRange,
) -> Node {
    Node {
        range,
        kind: NodeKind::Object(Box::new([
            member("resource", string(key_range, address)),
            member("attribute", string(key_range, attribute)),
            member("file", string(e.file_range, &e.file)),
            member(
                "pointer",
                Node {
                    range,
                    kind: NodeKind::Array(e.pointer.clone().into_boxed_slice()),
                },
            ),
            member(
                "replace",
                Node {
                    range,
                    kind: NodeKind::Array(e.replaces.clone().into_boxed_slice()),
                },
            ),
        ])),
    }
}

/// A value with every range set to `range` (a value that is found where it is used).
fn collapse_val(v: Val, range: TextRange) -> Val {
    match v {
        Val::Known(mut n) => {
            collapse(&mut n, range);
            Val::Known(n)
        }
        Val::File(f, _) => Val::File(f, range),
        Val::Export(mut e) => {
            e.file_range = range;
            for n in e.pointer.iter_mut().chain(e.replaces.iter_mut()) {
                collapse(n, range);
            }
            Val::Export(e)
        }
        Val::Unknown => Val::Unknown,
    }
}

/// Every range in a tree set to `range` (a value that is found where it is used).
fn collapse(node: &mut Node, range: TextRange) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        n.range = range;
        match &mut n.kind {
            NodeKind::Object(ms) => {
                for m in ms.iter_mut() {
                    m.key_range = range;
                    if let Some(v) = &mut m.value {
                        stack.push(v);
                    }
                }
            }
            NodeKind::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// The text a JSON parse sees, and for each of its bytes the offset in the `.tf` file.
#[derive(Default)]
struct Virtual {
    text: String,
    /// `to_file[i]`: where byte `i` of `text` is in the file; one more entry for the end.
    to_file: Vec<u32>,
    end: u32,
}

impl Virtual {
    /// A template literal: `decoded` is its value, `raw` (at `at` in the file) what is written.
    fn literal(&mut self, file: &str, at: TextRange, decoded: &str, quoted: bool) {
        let raw = file.get(at.as_usize()).unwrap_or_default().as_bytes();
        let base = at.start;
        let d = decoded.as_bytes();
        let (mut i, mut j) = (0usize, 0usize);
        while i < d.len() {
            let here = base + j.min(raw.len()) as u32;
            if quoted && raw.get(j) == Some(&b'\\') {
                // one escape: all the bytes of the character it gives are at the backslash
                let esc = match raw.get(j + 1) {
                    Some(b'u') => 6,
                    Some(b'U') => 10,
                    _ => 2,
                };
                let clen = decoded[i..].chars().next().map_or(1, char::len_utf8);
                for _ in 0..clen {
                    self.to_file.push(here);
                }
                i += clen;
                j += esc;
            } else if raw[j.min(raw.len())..].starts_with(b"$${")
                || raw[j.min(raw.len())..].starts_with(b"%%{")
            {
                self.to_file.push(here);
                self.to_file.push(here + 1);
                i += 2;
                j += 3;
            } else {
                // a heredoc's stripped indentation is skipped
                while !quoted && j < raw.len() && raw[j] != d[i] {
                    j += 1;
                }
                self.to_file.push(base + j.min(raw.len()) as u32);
                i += 1;
                j += 1;
            }
        }
        self.text.push_str(decoded);
        self.end = at.end;
    }

    /// Text that stands for an interpolation at `at`.
    fn inserted(&mut self, text: &str, at: TextRange) {
        for _ in 0..text.len() {
            self.to_file.push(at.start);
        }
        self.text.push_str(text);
        self.end = at.end;
    }

    fn offset(&self, i: u32) -> u32 {
        self.to_file.get(i as usize).copied().unwrap_or(self.end)
    }

    fn map(&self, r: TextRange) -> TextRange {
        let start = self.offset(r.start);
        let end = if r.end > r.start {
            // the end of the last byte: after it in the file
            let last = self.offset(r.end - 1);
            self.offset(r.end).max(last + 1)
        } else {
            start
        };
        TextRange { start, end }
    }
}

fn remap(node: &mut Node, v: &Virtual) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        n.range = v.map(n.range);
        match &mut n.kind {
            NodeKind::Object(ms) => {
                for m in ms.iter_mut() {
                    m.key_range = v.map(m.key_range);
                    if let Some(v) = &mut m.value {
                        stack.push(v);
                    }
                }
            }
            NodeKind::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}
