//! Whole-document analysis and every editing feature on any text, as a flow and as a vault
//! next to a small workspace: never panics.
#![no_main]
use flowls::analysis::{self, ide};
use flowls::workspace::{Settings, Workspace};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let text: Arc<str> = String::from_utf8_lossy(data).into();
    let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
    ws.set_files(vec![
        (
            PathBuf::from("/ws/flow-vault-connections/u.json"),
            r#"{"name": "Users M2M", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "c", "client_secret": "s", "domain": "a.auth0.com"}}"#.into(),
        ),
        (PathBuf::from("/ws/grants/g.json"), r#"{"client_id": "c", "audience": "https://a.auth0.com/api/v2/", "scope": ["read:users"]}"#.into()),
        (PathBuf::from("/ws/flows/f.json"), text.clone()),
        (PathBuf::from("/ws/flow-vault-connections/v.json"), text.clone()),
    ]);
    for p in ["/ws/flows/f.json", "/ws/flow-vault-connections/v.json"] {
        let path = PathBuf::from(p);
        let _ = analysis::diagnostics(&ws, &path);
        let len = text.len();
        for offset in [0, len / 3, len / 2, len.saturating_sub(1), len] {
            let mut o = offset.min(len);
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            let _ = ide::completion::complete(&ws, &path, o, true);
            let _ = ide::hover::hover(&ws, &path, o);
            let _ = ide::navigation::references(&ws, &path, o, true);
            let _ = ide::navigation::rename(&ws, &path, o, "renamed");
            let _ = ide::structure::selection(&ws, &path, o);
        }
        let _ = ide::fixes::fixes(&ws, &path, flowls::syntax::TextRange::new(0, len));
        let _ = ide::format::document(&ws, &path);
        let _ = ide::semantic_tokens::semantic_tokens(&ws, &path);
        let _ = ide::symbols::document_symbols(&ws, &path);
    }
});
