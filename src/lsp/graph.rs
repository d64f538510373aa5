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
    let g = graph::build(&st.ws, &Select::Document(path), &options);
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
