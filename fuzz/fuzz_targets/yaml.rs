//! A deploy-cli YAML: any text parsed as YAML (ranges inside the text, on char boundaries),
//! then analysed as `tenant.yaml` beside a flow and a form, with every editing feature at a few
//! offsets: never panics, never hangs.
#![no_main]
use flowls::analysis::{self, ide};
use flowls::workspace::{Settings, Workspace};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let text: Arc<str> = String::from_utf8_lossy(data).into();
    let parsed = flowls::syntax::parse_yaml(&text);
    let mut stack: Vec<&flowls::syntax::Node> = parsed.root.iter().collect();
    while let Some(n) = stack.pop() {
        assert!(text.get(n.range.as_usize()).is_some(), "a range outside the text or off a char boundary");
        match &n.kind {
            flowls::syntax::NodeKind::Object(ms) => {
                for m in ms.iter() {
                    assert!(text.get(m.key_range.as_usize()).is_some());
                    stack.extend(m.value.as_ref());
                }
            }
            flowls::syntax::NodeKind::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    for e in &parsed.errors {
        assert!(text.get(e.range.as_usize()).is_some());
    }
    let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
    ws.set_files(vec![
        (PathBuf::from("/ws/tenant.yaml"), text.clone()),
        (
            PathBuf::from("/ws/flows/f.json"),
            r#"{"name": "F", "actions": [{"id": "u", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "Users M2M", "user_id": "x", "changes": {"a": "{{fields.a}}"}}}]}"#.into(),
        ),
        (
            PathBuf::from("/ws/forms/k.json"),
            r#"{"name": "K", "nodes": [{"id": "f", "type": "FLOW", "config": {"flow_id": "F", "next_node": "$ending"}}], "start": {"next_node": "f"}}"#.into(),
        ),
    ]);
    for p in ["/ws/tenant.yaml", "/ws/flows/f.json", "/ws/forms/k.json"] {
        let path = PathBuf::from(p);
        let _ = analysis::diagnostics(&ws, &path);
        let _ = ide::lens::lenses(&ws, &path);
        let _ = ide::links::links(&ws, &path);
    }
    let path = PathBuf::from("/ws/tenant.yaml");
    let len = text.len();
    for offset in [0, len / 3, len / 2, len.saturating_sub(1), len] {
        let mut o = offset.min(len);
        while !text.is_char_boundary(o) {
            o -= 1;
        }
        let _ = ide::completion::complete(&ws, &path, o, true);
        let _ = ide::hover::hover(&ws, &path, o);
        let _ = ide::navigation::references(&ws, &path, o, true);
        let _ = ide::navigation::rename(&ws, &path, o, "renamed: #x");
        let _ = ide::structure::selection(&ws, &path, o);
    }
    let _ = ide::fixes::fixes(&ws, &path, flowls::syntax::TextRange::new(0, len));
    let _ = ide::symbols::document_symbols(&ws, &path);
    let _ = ide::format::document(&ws, &path);
});
