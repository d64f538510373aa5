use super::*;
use expect_test::{Expect, expect};

/// A compact dump of the tree and the problems, for snapshots.
fn dump(text: &str) -> String {
    let parse = parse(text);
    let mut out = String::new();
    match &parse.root {
        Some(root) => write_node(text, root, 0, &mut out),
        None => out.push_str("<no value>\n"),
    }
    for e in &parse.errors {
        let sev = match e.severity {
            SyntaxSeverity::Error => "error",
            SyntaxSeverity::Warning => "warning",
        };
        out.push_str(&format!(
            "{sev} {}..{} {:?}: {}\n",
            e.range.start,
            e.range.end,
            &text[e.range.as_usize()],
            e.message
        ));
    }
    out
}

fn write_node(text: &str, node: &Node, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    let r = node.range;
    match &node.kind {
        NodeKind::Object(members) => {
            out.push_str(&format!("{pad}object {}..{}\n", r.start, r.end));
            for m in members {
                out.push_str(&format!(
                    "{pad}  key {:?} {}..{}\n",
                    m.key, m.key_range.start, m.key_range.end
                ));
                match &m.value {
                    Some(v) => write_node(text, v, indent + 2, out),
                    None => out.push_str(&format!("{pad}    <missing>\n")),
                }
            }
        }
        NodeKind::Array(items) => {
            out.push_str(&format!("{pad}array {}..{}\n", r.start, r.end));
            for v in items {
                write_node(text, v, indent + 1, out);
            }
        }
        other => out.push_str(&format!(
            "{pad}{other:?} {}..{} {:?}\n",
            r.start,
            r.end,
            &text[r.as_usize()]
        )),
    }
}

fn check(text: &str, expect: Expect) {
    expect.assert_eq(&dump(text));
}

#[test]
fn simple_document() {
    check(
        r#"{"a": [1, true, null], "b": "x\u00e9"}"#,
        expect![[r#"
            object 0..38
              key "a" 1..4
                array 6..21
                  Number("1") 7..8 "1"
                  Bool(true) 10..14 "true"
                  Null 16..20 "null"
              key "b" 23..26
                String("xé") 28..37 "\"x\\u00e9\""
        "#]],
    );
}

#[test]
fn half_typed_action_still_has_its_keys() {
    check(
        r#"{"type": "AUTH0", "action": "#,
        expect![[r#"
            object 0..27
              key "type" 1..7
                String("AUTH0") 9..16 "\"AUTH0\""
              key "action" 18..26
                <missing>
            error 0..1 "{": unclosed object: add the matching `}`
            error 27..27 "": expected a value for `action`
        "#]],
    );
}

#[test]
fn error_in_one_member_keeps_the_next() {
    check(
        r#"{"a": tru, "b": 2 "c": 3}"#,
        expect![[r#"
            object 0..25
              key "a" 1..4
                Error 6..9 "tru"
              key "b" 11..14
                Number("2") 16..17 "2"
              key "c" 18..21
                Number("3") 23..24 "3"
            error 6..9 "tru": `tru` is not a JSON value: write text in double quotes, "tru"
            error 17..17 "": expected `,` between values
        "#]],
    );
}

#[test]
fn comments_and_trailing_commas_are_warnings() {
    check(
        "{\n // note\n \"a\": [1,],\n}",
        expect![[r#"
            object 0..24
              key "a" 12..15
                array 17..21
                  Number("1") 18..19 "1"
            warning 3..10 "// note": comments are not JSON: remove this comment, the Management API and deploy-cli reject it
            warning 19..20 ",": trailing comma: remove it, the Management API and deploy-cli reject it
            warning 21..22 ",": trailing comma: remove it, the Management API and deploy-cli reject it
        "#]],
    );
}

#[test]
fn keyword_markers_quoted_and_bare() {
    let text = r##"{"setup": "@@SETUP@@", "n": ##COUNT##, "o": @@OBJ@@}"##;
    let parse = parse(text);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    let root = parse.root.unwrap();
    assert_eq!(root.get("setup").unwrap().as_str(), Some("@@SETUP@@"));
    let n = root.get("n").unwrap();
    assert_eq!(
        n.kind,
        NodeKind::Marker(Box::new(Marker {
            key: "COUNT".into(),
            whole_value: false
        }))
    );
    assert_eq!(&text[n.range.as_usize()], "##COUNT##");
    let o = root.get("o").unwrap();
    assert_eq!(
        o.kind,
        NodeKind::Marker(Box::new(Marker {
            key: "OBJ".into(),
            whole_value: true
        }))
    );
}

#[test]
fn unterminated_string_stops_at_line_end() {
    check(
        "{\"a\": \"abc\n, \"b\": 1}",
        expect![[r#"
            object 0..20
              key "a" 1..4
                String("abc") 6..10 "\"abc"
              key "b" 13..16
                Number("1") 18..19 "1"
            error 6..10 "\"abc": unterminated string: add the closing `"` before the end of the line
        "#]],
    );
}

#[test]
fn empty_and_garbage_documents() {
    check(
        "",
        expect![[r#"
        <no value>
    "#]],
    );
    check(
        "  // only a comment",
        expect![[r#"
        <no value>
        warning 2..19 "// only a comment": comments are not JSON: remove this comment, the Management API and deploy-cli reject it
    "#]],
    );
    check(
        "}{",
        expect![[r#"
        <no value>
        error 0..1 "}": expected a JSON value such as `{ … }`
        error 0..2 "}{": unexpected content after the document's value: a file holds one JSON value
    "#]],
    );
}

#[test]
fn invalid_numbers_and_escapes() {
    check(
        r#"[01, 1., -, "\q", "\ud800"]"#,
        expect![[r#"
        array 0..27
          Number("01") 1..3 "01"
          Number("1.") 5..7 "1."
          Number("-") 9..10 "-"
          String("q") 12..16 "\"\\q\""
          String("�") 18..26 "\"\\ud800\""
        error 1..3 "01": invalid number: write digits with an optional fraction and exponent, like 12, -3.5 or 1e6
        error 5..7 "1.": invalid number: write digits with an optional fraction and exponent, like 12, -3.5 or 1e6
        error 9..10 "-": invalid number: write digits with an optional fraction and exponent, like 12, -3.5 or 1e6
        error 13..15 "\\q": invalid escape: JSON allows \" \\ \/ \b \f \n \r \t and \uXXXX
    "#]],
    );
}

#[test]
fn deep_nesting_is_cut_without_recursion() {
    let text = "[".repeat(100_000) + &"]".repeat(100_000);
    let parse = parse(&text);
    assert!(parse.root.is_some());
    assert_eq!(parse.errors.len(), 1, "{:?}", parse.errors);
    assert!(parse.errors[0].message.contains("nesting deeper"));
    let unclosed = "{\"a\":".repeat(50_000);
    let parse = super::parse(&unclosed);
    assert!(
        parse
            .errors
            .iter()
            .any(|e| e.message.contains("nesting deeper"))
    );
}

#[test]
fn covering_path_finds_innermost_value() {
    let text = r#"{"a": {"b": [1, "xy"]}}"#;
    let parse = parse(text);
    let root = parse.root.unwrap();
    let path = root.covering_path(17);
    assert_eq!(path.last().unwrap().as_str(), Some("xy"));
    assert_eq!(path.len(), 4);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn never_panics_and_ranges_are_in_bounds(s in "\\PC*") {
        let parse = parse(&s);
        for e in &parse.errors {
            proptest::prop_assert!(e.range.end as usize <= s.len());
            proptest::prop_assert!(s.is_char_boundary(e.range.start as usize));
            proptest::prop_assert!(s.is_char_boundary(e.range.end as usize));
        }
        if let Some(root) = &parse.root {
            proptest::prop_assert!(root.range.end as usize <= s.len());
        }
    }

    #[test]
    fn json_like_input_never_panics(s in r#"[\[\]{}:,"a-z0-9@# \\\n/\*.-]{0,64}"#) {
        let _ = parse(&s);
    }

    #[test]
    fn valid_json_has_no_errors_and_agrees_with_serde(v in arb_json()) {
        let text = serde_json::to_string_pretty(&v).unwrap();
        let parse = parse(&text);
        proptest::prop_assert!(parse.errors.is_empty(), "{:?}", parse.errors);
        let back = to_serde(parse.root.as_ref().unwrap());
        proptest::prop_assert_eq!(back, v);
    }
}

fn arb_json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i32>().prop_map(|n| serde_json::json!(n)),
        "\\PC{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn to_serde(node: &Node) -> serde_json::Value {
    match &node.kind {
        NodeKind::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|m| {
                    (
                        m.key.to_string(),
                        m.value.as_ref().map_or(serde_json::Value::Null, to_serde),
                    )
                })
                .collect(),
        ),
        NodeKind::Array(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
        NodeKind::String(s) => serde_json::Value::String(s.to_string()),
        NodeKind::Number(n) => serde_json::from_str(n).unwrap(),
        NodeKind::Bool(b) => serde_json::Value::Bool(*b),
        _ => serde_json::Value::Null,
    }
}

#[test]
fn tree_nodes_stay_small() {
    // the tree is most of a large document's memory: a member is its key, a range and a node
    assert_eq!(std::mem::size_of::<Node>(), 32);
    assert_eq!(std::mem::size_of::<crate::syntax::Member>(), 64);
}

#[test]
fn a_byte_order_mark_is_one_error_that_names_it() {
    let text = "\u{feff}{\"name\": \"F\", \"actions\": []}";
    let p = crate::syntax::parse(text);
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert!(p.errors[0].message.contains("byte order mark"));
    assert_eq!(p.errors[0].range, crate::syntax::TextRange::new(0, 3));
    assert_eq!(
        p.root
            .as_ref()
            .and_then(|r| r.get("name"))
            .and_then(|n| n.as_str()),
        Some("F")
    );
}

proptest::proptest! {
    /// Every node of a document is found by its range.
    #[test]
    fn every_node_is_found_by_its_range(v in arb_json()) {
        let text = serde_json::to_string_pretty(&v).unwrap();
        let parse = parse(&text);
        let root = parse.root.as_ref().unwrap();
        let mut todo = vec![root];
        while let Some(n) = todo.pop() {
            let found = root.with_range(n.range);
            proptest::prop_assert!(found.is_some_and(|f| f.range == n.range), "{:?}", n.range);
            match &n.kind {
                NodeKind::Array(items) => todo.extend(items.iter()),
                NodeKind::Object(members) => todo.extend(members.iter().filter_map(|m| m.value.as_ref())),
                _ => {}
            }
        }
    }
}
