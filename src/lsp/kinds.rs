//! The notification `flowls/documentKinds` (docs/ARCHITECTURE.md, `src/lsp`): what each open
//! document is to flowls, so that a client can offer what fits it — VS Code shows the Show
//! Graph button on the documents it names `graphable`, wherever they sit (an export bundle at
//! the workspace's root as much as a flow in `flows/`). Sent only to a client that asks for it
//! with the capability `experimental.flowls.documentKinds: true`; for a document when it is
//! opened and whenever its kind changes (an edit, a settings change, the start-up scan), never
//! twice the same.

use crate::model::DocKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::ls_types::{ClientCapabilities, Uri, notification::Notification};

pub enum DocumentKinds {}

impl Notification for DocumentKinds {
    type Params = DocumentKindsParams;
    const METHOD: &'static str = "flowls/documentKinds";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentKindsParams {
    pub documents: Vec<DocumentKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentKind {
    pub uri: Uri,
    /// `flow`, `form`, `bundle`, `tenant`, `terraform`, `vault`, `grant`, `keywordMappings`,
    /// `projectConfig` or `other` ([`DocKind::as_str`]).
    pub kind: String,
    /// Whether Show Graph draws it ([`DocKind::is_graphable`]).
    pub graphable: bool,
}

impl DocumentKind {
    pub fn new(uri: Uri, kind: DocKind) -> DocumentKind {
        DocumentKind {
            uri,
            kind: kind.as_str().to_string(),
            graphable: kind.is_graphable(),
        }
    }
}

/// Whether the client asked for the notification.
pub fn wanted(caps: &ClientCapabilities) -> bool {
    caps.experimental
        .as_ref()
        .and_then(|e| e.pointer("/flowls/documentKinds"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::state::{Outgoing, State};
    use crate::workspace::Workspace;
    use tokio::sync::mpsc::UnboundedReceiver;

    const BUNDLE: &str = r#"{"version": "4.0.0", "form": {"name": "Signup", "nodes": [], "start": {}}, "flows": {}, "connections": {}}"#;

    fn uri(rel: &str) -> Uri {
        format!("file:///ws/{rel}").parse().unwrap()
    }

    fn told(rx: &mut UnboundedReceiver<Outgoing>) -> Vec<(String, String, bool)> {
        let mut all = Vec::new();
        while let Ok(msg) = rx.try_recv() {
            if let Outgoing::Kinds(docs) = msg {
                all.extend(
                    docs.into_iter()
                        .map(|d| (d.uri.as_str().to_string(), d.kind, d.graphable)),
                );
            }
        }
        all.sort();
        all
    }

    fn state(wanted: bool) -> (State, UnboundedReceiver<Outgoing>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut st = State::new(tx);
        st.caps.document_kinds = wanted;
        st.ws = Workspace::new(
            std::path::PathBuf::from("/ws"),
            Default::default(),
            Vec::new(),
        );
        (st, rx)
    }

    /// A bundle at the workspace's root is graphable, a JSON file of no kind is not; an edit
    /// that keeps the kind says nothing, one that changes it says so; a closed document
    /// opened again is told again.
    #[test]
    fn open_documents_are_told_once_per_kind() {
        let (mut st, mut rx) = state(true);
        st.open(uri("signup-export.json"), 1, BUNDLE.to_string());
        st.open(uri("package.json"), 1, r#"{"name": "x"}"#.to_string());
        assert_eq!(
            told(&mut rx),
            vec![
                ("file:///ws/package.json".into(), "other".into(), false),
                (
                    "file:///ws/signup-export.json".into(),
                    "bundle".into(),
                    true
                ),
            ]
        );
        let change = |st: &mut State, version: i32, text: &str| {
            let id = tower_lsp_server::ls_types::VersionedTextDocumentIdentifier {
                uri: uri("signup-export.json"),
                version,
            };
            st.change(
                &id,
                vec![tower_lsp_server::ls_types::TextDocumentContentChangeEvent {
                    range: None,
                    range_length: None,
                    text: text.to_string(),
                }],
            );
        };
        change(&mut st, 2, &BUNDLE.replace("Signup", "Sign up"));
        assert_eq!(told(&mut rx), vec![]);
        change(&mut st, 3, r#"{"name": "not a bundle"}"#);
        assert_eq!(
            told(&mut rx),
            vec![(
                "file:///ws/signup-export.json".into(),
                "other".into(),
                false
            )]
        );
        change(&mut st, 4, BUNDLE);
        assert_eq!(
            told(&mut rx),
            vec![(
                "file:///ws/signup-export.json".into(),
                "bundle".into(),
                true
            )]
        );
        st.close(&uri("package.json"));
        st.open(uri("package.json"), 1, r#"{"name": "x"}"#.to_string());
        assert_eq!(
            told(&mut rx),
            vec![("file:///ws/package.json".into(), "other".into(), false)]
        );
    }

    #[test]
    fn a_client_that_did_not_ask_is_told_nothing() {
        let (mut st, mut rx) = state(false);
        st.open(uri("signup-export.json"), 1, BUNDLE.to_string());
        st.invalidate_all();
        assert_eq!(told(&mut rx), vec![]);
    }

    #[test]
    fn the_capability_is_read_under_experimental_flowls() {
        let caps = |v: Value| ClientCapabilities {
            experimental: Some(v),
            ..Default::default()
        };
        assert!(wanted(&caps(
            serde_json::json!({"flowls": {"documentKinds": true}})
        )));
        assert!(!wanted(&caps(
            serde_json::json!({"flowls": {"documentKinds": false}})
        )));
        assert!(!wanted(&caps(serde_json::json!({"documentKinds": true}))));
        assert!(!wanted(&ClientCapabilities::default()));
    }
}
