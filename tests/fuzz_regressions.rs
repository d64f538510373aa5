//! Inputs the fuzzers found (fuzz/regressions/) and the seed corpus, replayed through the
//! parser, the whole analysis with every editing feature, and the frame filter: none may
//! panic.

use flowls::analysis::{self, ide};
use flowls::workspace::{Settings, Workspace};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn inputs() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in [
        "regressions",
        "corpus/parse",
        "corpus/frames",
        "corpus/yaml",
    ] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            for e in entries.flatten() {
                out.push(std::fs::read(e.path()).unwrap());
            }
        }
    }
    assert!(!out.is_empty());
    out
}

#[test]
fn replayed_inputs_do_not_panic() {
    for data in inputs() {
        let text: Arc<str> = String::from_utf8_lossy(&data).into();
        let _ = flowls::syntax::parse(&text);
        // every YAML range inside the text, on character boundaries
        let yaml = flowls::syntax::parse_yaml(&text);
        let mut nodes: Vec<&flowls::syntax::Node> = yaml.root.iter().collect();
        let mut ranges: Vec<flowls::syntax::TextRange> =
            yaml.errors.iter().map(|e| e.range).collect();
        while let Some(n) = nodes.pop() {
            ranges.push(n.range);
            match &n.kind {
                flowls::syntax::NodeKind::Object(ms) => {
                    for m in ms.iter() {
                        ranges.push(m.key_range);
                        nodes.extend(m.value.as_ref());
                    }
                }
                flowls::syntax::NodeKind::Array(items) => nodes.extend(items.iter()),
                _ => {}
            }
        }
        for r in ranges {
            assert!(text.get(r.as_usize()).is_some(), "{r:?}");
        }
        let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
        ws.set_files(vec![
            (PathBuf::from("/ws/flows/f.json"), text.clone()),
            (
                PathBuf::from("/ws/flow-vault-connections/v.json"),
                text.clone(),
            ),
            (PathBuf::from("/ws/tenant.yaml"), text.clone()),
        ]);
        for p in [
            "/ws/flows/f.json",
            "/ws/flow-vault-connections/v.json",
            "/ws/tenant.yaml",
        ] {
            let path = PathBuf::from(p);
            let _ = analysis::diagnostics(&ws, &path);
            for o in [0, text.len() / 2, text.len()] {
                let mut o = o;
                while !text.is_char_boundary(o) {
                    o -= 1;
                }
                let _ = ide::completion::complete(&ws, &path, o, true);
                let _ = ide::hover::hover(&ws, &path, o);
            }
            let _ = ide::format::document(&ws, &path);
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut out = Vec::new();
        rt.block_on(flowls::lsp::transport::filter(&data[..], &mut out));
        // every frame passed on is read by the JSON-RPC layer without error
        let mut rest = &out[..];
        while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&rest[..end]).unwrap();
            let n: usize = head.trim_start_matches("Content-Length: ").parse().unwrap();
            let body = &rest[end + 4..end + 4 + n];
            assert!(flowls::lsp::transport::layer_accepts(body));
            rest = &rest[end + 4 + n..];
        }
        assert!(rest.is_empty());
    }
}
