//! The editing features: LSP requests in, the analysis's answers out, translated.

use super::state::State;
use crate::analysis::ide::completion::{self, ItemKind};
use crate::analysis::ide::navigation::{self, FileEdit};
use crate::analysis::ide::symbols::{self, SymbolKind as Kind};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{self as lsp, *};

pub fn completion(st: &State, params: CompletionParams) -> Option<CompletionResponse> {
    let pos = params.text_document_position;
    let (path, offset) = st.offset(&pos.text_document.uri, pos.position)?;
    let items = completion::complete(&st.ws, &path, offset, st.caps.snippets);
    let items = items
        .into_iter()
        .filter_map(|i| {
            let range = st.range_in(&path, i.replace)?;
            Some(lsp::CompletionItem {
                label: i.label,
                kind: Some(match i.kind {
                    ItemKind::Property => CompletionItemKind::PROPERTY,
                    ItemKind::Value => CompletionItemKind::VALUE,
                    ItemKind::EnumMember => CompletionItemKind::ENUM_MEMBER,
                    ItemKind::Snippet => CompletionItemKind::SNIPPET,
                    ItemKind::Function => CompletionItemKind::FUNCTION,
                    ItemKind::Variable => CompletionItemKind::VARIABLE,
                    ItemKind::Reference => CompletionItemKind::REFERENCE,
                    ItemKind::Module => CompletionItemKind::MODULE,
                    ItemKind::Field => CompletionItemKind::FIELD,
                }),
                detail: i.detail,
                documentation: i.documentation.map(|d| {
                    Documentation::MarkupContent(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: d,
                    })
                }),
                sort_text: Some(i.sort),
                filter_text: Some(i.filter),
                insert_text_format: Some(if i.snippet {
                    InsertTextFormat::SNIPPET
                } else {
                    InsertTextFormat::PLAIN_TEXT
                }),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range,
                    new_text: i.insert,
                })),
                ..Default::default()
            })
        })
        .collect();
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items,
    }))
}

pub fn hover(st: &State, params: HoverParams) -> Option<Hover> {
    let pos = params.text_document_position_params;
    let (path, offset) = st.offset(&pos.text_document.uri, pos.position)?;
    let (range, md) = navigation::hover(&st.ws, &path, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md,
        }),
        range: st.range_in(&path, range),
    })
}

pub fn definition(st: &State, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let pos = params.text_document_position_params;
    let (path, offset) = st.offset(&pos.text_document.uri, pos.position)?;
    let loc = navigation::definition(&st.ws, &path, offset)?;
    Some(GotoDefinitionResponse::Scalar(
        st.location(&loc.path, loc.range)?,
    ))
}

pub fn references(st: &State, params: ReferenceParams) -> Option<Vec<lsp::Location>> {
    let pos = params.text_document_position;
    let (path, offset) = st.offset(&pos.text_document.uri, pos.position)?;
    let locs = navigation::references(&st.ws, &path, offset, params.context.include_declaration);
    Some(
        locs.iter()
            .filter_map(|l| st.location(&l.path, l.range))
            .collect(),
    )
}

pub fn prepare_rename(
    st: &State,
    params: TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let (path, offset) = st.offset(&params.text_document.uri, params.position)?;
    let (range, name) = navigation::prepare_rename(&st.ws, &path, offset)?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: st.range_in(&path, range)?,
        placeholder: name,
    })
}

pub fn rename(st: &State, params: RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let pos = params.text_document_position;
    let Some((path, offset)) = st.offset(&pos.text_document.uri, pos.position) else {
        return Ok(None);
    };
    let edits = navigation::rename(&st.ws, &path, offset, &params.new_name)?;
    Ok(Some(workspace_edit(st, &edits)))
}

/// Edits grouped by document, versioned for open documents.
pub fn workspace_edit(st: &State, edits: &[FileEdit]) -> WorkspaceEdit {
    let mut by_file: HashMap<std::path::PathBuf, Vec<TextEdit>> = HashMap::new();
    for e in edits {
        if let Some(range) = st.range_in(&e.path, e.range) {
            by_file.entry(e.path.clone()).or_default().push(TextEdit {
                range,
                new_text: e.new_text.clone(),
            });
        }
    }
    let mut paths: Vec<_> = by_file.keys().cloned().collect();
    paths.sort();
    let changes = paths
        .into_iter()
        .filter_map(|p| {
            let uri = st.uri_of(&p)?;
            let edits = by_file.remove(&p)?;
            Some(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri,
                    version: st.version(&p),
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            })
        })
        .collect();
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Edits(changes)),
        ..Default::default()
    }
}

fn symbol_kind(k: Kind) -> lsp::SymbolKind {
    match k {
        Kind::Flow => lsp::SymbolKind::MODULE,
        Kind::Action => lsp::SymbolKind::FUNCTION,
        Kind::Branch => lsp::SymbolKind::NAMESPACE,
        Kind::Connection => lsp::SymbolKind::INTERFACE,
    }
}

#[allow(deprecated)]
fn document_symbol(
    st: &State,
    path: &std::path::Path,
    s: symbols::Symbol,
) -> Option<DocumentSymbol> {
    Some(DocumentSymbol {
        name: s.name,
        detail: s.detail,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: st.range_in(path, s.range)?,
        selection_range: st.range_in(path, s.selection)?,
        children: Some(
            s.children
                .into_iter()
                .filter_map(|c| document_symbol(st, path, c))
                .collect(),
        ),
    })
}

#[allow(deprecated)]
pub fn document_symbols(
    st: &State,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let path = State::path_of(&params.text_document.uri);
    let syms = symbols::document_symbols(&st.ws, &path);
    if st.caps.hierarchical_symbols {
        return Some(DocumentSymbolResponse::Nested(
            syms.into_iter()
                .filter_map(|s| document_symbol(st, &path, s))
                .collect(),
        ));
    }
    // flat, with the branch path as container
    fn flatten(
        s: symbols::Symbol,
        container: Option<String>,
        out: &mut Vec<(symbols::Symbol, Option<String>)>,
    ) {
        let mut s = s;
        let children = std::mem::take(&mut s.children);
        let name = s.name.clone();
        out.push((s, container));
        for c in children {
            flatten(c, Some(name.clone()), out);
        }
    }
    let mut flat = Vec::new();
    for s in syms {
        flatten(s, None, &mut flat);
    }
    Some(DocumentSymbolResponse::Flat(
        flat.into_iter()
            .filter_map(|(s, container)| {
                Some(SymbolInformation {
                    name: s.name,
                    kind: symbol_kind(s.kind),
                    tags: None,
                    deprecated: None,
                    location: st.location(&path, s.range)?,
                    container_name: container,
                })
            })
            .collect(),
    ))
}

#[allow(deprecated)]
pub fn workspace_symbols(
    st: &State,
    params: WorkspaceSymbolParams,
) -> Option<WorkspaceSymbolResponse> {
    let found = symbols::workspace_symbols(&st.ws, &params.query, 500);
    Some(WorkspaceSymbolResponse::Flat(
        found
            .into_iter()
            .filter_map(|s| {
                Some(SymbolInformation {
                    name: s.name,
                    kind: symbol_kind(s.kind),
                    tags: None,
                    deprecated: None,
                    location: st.location(&s.path, s.range)?,
                    container_name: s.container,
                })
            })
            .collect(),
    ))
}
