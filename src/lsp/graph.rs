//! The command `flowls.graph`: argument `{ "uri", "format": "mermaid"|"dot"|"svg"|"html",
//! "fold"?: bool }`; result `{ "format", "text", "nodes": [{ "id", "uri", "range", "kind",
//! "label" }] }` — the graph of the forms and flows the document holds or takes part in (the
//! whole workspace when none), with each node's source place. Computed on a snapshot.

use super::state::{Snapshot, State, View};
use crate::graph::{self, Options, Select};
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::Uri;

/// Answers the command on a snapshot.
pub fn command(st: &Snapshot, arg: &Value) -> jsonrpc::Result<Value> {
    let uri: Uri = arg
        .get("uri")
        .and_then(Value::as_str)
        .and_then(|u| u.parse().ok())
        .ok_or_else(|| {
            jsonrpc::Error::invalid_params("flowls.graph needs { \"uri\": <a document uri> }")
        })?;
    let format = match arg.get("format") {
        None | Some(Value::Null) => "mermaid",
        Some(f) => f.as_str().unwrap_or_default(),
    };
    if !matches!(format, "mermaid" | "dot" | "svg" | "html") {
        return Err(jsonrpc::Error::invalid_params(
            "\"format\" is one of \"mermaid\", \"dot\", \"svg\", \"html\"",
        ));
    }
    let options = Options {
        fold: arg.get("fold").and_then(Value::as_bool).unwrap_or(true),
    };
    let path = State::path_of(&uri);
    // the least-privilege report is the workspace's, kept per revision: a redraw in another
    // format, or of another document, does not compute it again
    let report = st.least_privilege();
    let g = graph::build_with(&st.ws, &Select::Document(path), &options, &report);
    let text = match format {
        "dot" => graph::text::dot(&g),
        "svg" => graph::svg::layout(&g).svg().to_string(),
        "html" => {
            let title = format!(
                "flowls graph · {}",
                crate::display::escape_control(
                    &st.ws
                        .root
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    false
                )
            );
            graph::html::page(&g, &title, &st.ws.root)
        }
        _ => graph::text::mermaid(&g),
    };
    let nodes: Vec<Value> = g
        .nodes
        .iter()
        .filter_map(|n| {
            let place = st.location(&n.path, n.range)?;
            Some(json!({
                "id": n.id,
                "uri": place.uri,
                "range": place.range,
                "kind": n.kind.as_str(),
                "label": n.title,
            }))
        })
        .collect();
    Ok(json!({ "format": format, "text": text, "nodes": nodes }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;
    use std::sync::Arc;
    use tower_lsp_server::ls_types as lsp;

    const CONNECTION: &str = r###"{"name": "Users", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "c1", "client_secret": "##S##", "domain": "t.auth0.com"}}"###;
    const GRANT: &str = r#"{"client_id": "c1", "audience": "https://t.auth0.com/api/v2/", "scope": ["read:users"]}"#;
    const FLOW: &str = r#"{"name": "Upd", "actions": [{"id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "params": {"connection_id": "Users", "user_id": "u", "changes": {}}}]}"#;

    fn uri(rel: &str) -> Uri {
        format!("file:///ws/{rel}").parse().unwrap()
    }

    fn mermaid(st: &Snapshot) -> String {
        let answer = command(st, &json!({ "uri": uri("flows/Upd.json").as_str() })).unwrap();
        answer["text"].as_str().unwrap().to_string()
    }

    /// The least-privilege report is computed once per revision: two graphs of one revision
    /// are one answer on one report; after an edit (the grant gains the scope) the graph is
    /// drawn on the new report.
    #[test]
    fn the_report_is_kept_per_revision_and_made_anew_after_an_edit() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut st = State::new(tx);
        st.ws = Workspace::new(
            std::path::PathBuf::from("/ws"),
            Default::default(),
            Vec::new(),
        );
        for (rel, text) in [
            ("flow-vault-connections/Users.json", CONNECTION),
            ("grants/c1.json", GRANT),
            ("flows/Upd.json", FLOW),
        ] {
            st.open(uri(rel), 1, text.to_string());
        }
        let first = st.snapshot();
        let before = mermaid(&first);
        assert!(before.contains("missing update:users"), "{before}");
        let again = st.snapshot();
        assert_eq!(mermaid(&again), before);
        assert!(Arc::ptr_eq(
            &first.least_privilege(),
            &again.least_privilege()
        ));

        st.change(
            &lsp::VersionedTextDocumentIdentifier {
                uri: uri("grants/c1.json"),
                version: 2,
            },
            vec![lsp::TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: GRANT.replace(r#"["read:users"]"#, r#"["read:users", "update:users"]"#),
            }],
        );
        let edited = st.snapshot();
        let after = mermaid(&edited);
        assert!(!after.contains("missing update:users"), "{after}");
        assert!(
            after.contains("granted (grant): read:users, update:users"),
            "{after}"
        );
        assert!(!Arc::ptr_eq(
            &first.least_privilege(),
            &edited.least_privilege()
        ));
        // the older snapshot's report is not the newer one's
        assert!(mermaid(&first).contains("missing update:users"));
    }
}
