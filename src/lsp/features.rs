//! The editing features: LSP requests in, the analysis's answers out, translated.

use super::state::{Snapshot, State, View};
use crate::analysis::ide::completion::{self, ItemKind};
use crate::analysis::ide::navigation::{self, FileEdit};
use crate::analysis::ide::symbols::{self, SymbolKind as Kind};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{self as lsp, *};

pub fn completion(st: &Snapshot, params: CompletionParams) -> Option<CompletionResponse> {
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
                // a leading space sorts flowls's items (which know the action's type and the
                // workspace) before what other providers offer for the same place, such as the
                // JSON language server's items from the bundled schema (quoted labels)
                sort_text: Some(format!(" {}", i.sort)),
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

pub fn hover(st: &Snapshot, params: HoverParams) -> Option<Hover> {
    let pos = params.text_document_position_params;
    let (path, offset) = st.offset(&pos.text_document.uri, pos.position)?;
    let (range, md) = hover::hover(&st.ws, &path, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: md,
        }),
        range: st.range_in(&path, range),
    })
}

pub fn definition(st: &Snapshot, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let pos = params.text_document_position_params;
    let (path, offset) = st.offset(&pos.text_document.uri, pos.position)?;
    let loc = navigation::definition(&st.ws, &path, offset)?;
    Some(GotoDefinitionResponse::Scalar(
        st.location(&loc.path, loc.range)?,
    ))
}

pub fn references(st: &Snapshot, params: ReferenceParams) -> Option<Vec<lsp::Location>> {
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
    st: &Snapshot,
    params: TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let (path, offset) = st.offset(&params.text_document.uri, params.position)?;
    let (range, name) = navigation::prepare_rename(&st.ws, &path, offset)?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: st.range_in(&path, range)?,
        placeholder: name,
    })
}

pub fn rename(st: &Snapshot, params: RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let pos = params.text_document_position;
    let Some((path, offset)) = st.offset(&pos.text_document.uri, pos.position) else {
        return Ok(None);
    };
    let edits = navigation::rename(&st.ws, &path, offset, &params.new_name)?;
    Ok(Some(workspace_edit(st, &edits)))
}

/// Edits grouped by document, versioned for open documents.
pub fn workspace_edit(st: &Snapshot, edits: &[FileEdit]) -> WorkspaceEdit {
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
        Kind::FormNode => lsp::SymbolKind::CLASS,
        Kind::Component => lsp::SymbolKind::FIELD,
        Kind::Grant => lsp::SymbolKind::KEY,
    }
}

#[allow(deprecated)]
fn document_symbol(
    st: &Snapshot,
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
    st: &Snapshot,
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
    st: &Snapshot,
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

use crate::analysis::ide::{
    fixes, format, hover, inlay_hints, lens, links, semantic_tokens, structure,
};

pub fn code_actions(st: &Snapshot, params: CodeActionParams) -> Option<CodeActionResponse> {
    let (path, range) = st.text_range(&params.text_document.uri, params.range)?;
    let mut found = fixes::fixes(&st.ws, &path, range);
    found.extend(fixes::exact_grants(&st.ws, &path));
    let mut out = Vec::new();
    for fix in found {
        let diag = fix.diagnostic.as_ref().and_then(|d| {
            st.lsp_diagnostics(&path, std::slice::from_ref(d))
                .into_iter()
                .next()
        });
        let mut edit = workspace_edit(st, &fix.edits);
        if let Some((target, content)) = &fix.create {
            let Some(target_uri) = Uri::from_file_path(target) else {
                continue;
            };
            let mut ops: Vec<DocumentChangeOperation> = vec![DocumentChangeOperation::Op(
                ResourceOp::Create(CreateFile {
                    uri: target_uri.clone(),
                    options: Some(CreateFileOptions {
                        overwrite: Some(false),
                        ignore_if_exists: Some(true),
                    }),
                    annotation_id: None,
                }),
            )];
            ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: target_uri,
                    version: None,
                },
                edits: vec![OneOf::Left(TextEdit {
                    range: Range::default(),
                    new_text: content.clone(),
                })],
            }));
            if let Some(DocumentChanges::Edits(edits)) = edit.document_changes.take() {
                ops.extend(edits.into_iter().map(DocumentChangeOperation::Edit));
            }
            edit.document_changes = Some(DocumentChanges::Operations(ops));
        }
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: diag.map(|d| vec![d]),
            edit: Some(edit),
            is_preferred: Some(fix.preferred),
            ..Default::default()
        }));
    }
    Some(out)
}

pub fn formatting(st: &Snapshot, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let path = State::path_of(&params.text_document.uri);
    let (range, text) = format::document(&st.ws, &path)?;
    Some(vec![TextEdit {
        range: st.range_in(&path, range)?,
        new_text: text,
    }])
}

pub fn range_formatting(
    st: &Snapshot,
    params: DocumentRangeFormattingParams,
) -> Option<Vec<TextEdit>> {
    let (path, range) = st.text_range(&params.text_document.uri, params.range)?;
    let (range, text) = format::range(&st.ws, &path, range)?;
    Some(vec![TextEdit {
        range: st.range_in(&path, range)?,
        new_text: text,
    }])
}

pub fn folding(st: &Snapshot, params: FoldingRangeParams) -> Option<Vec<FoldingRange>> {
    let path = State::path_of(&params.text_document.uri);
    let ranges = structure::folding(&st.ws, &path);
    Some(
        ranges
            .into_iter()
            .filter_map(|r| st.range_in(&path, r))
            .filter(|r| r.end.line > r.start.line)
            .map(|r| FoldingRange {
                start_line: r.start.line,
                end_line: r.end.line,
                kind: Some(FoldingRangeKind::Region),
                ..Default::default()
            })
            .collect(),
    )
}

pub fn selection_ranges(
    st: &Snapshot,
    params: SelectionRangeParams,
) -> Option<Vec<SelectionRange>> {
    let uri = &params.text_document.uri;
    let mut out = Vec::new();
    for pos in params.positions {
        let (path, offset) = st.offset(uri, pos)?;
        let ranges = structure::selection(&st.ws, &path, offset);
        let mut parent: Option<Box<SelectionRange>> = None;
        for r in ranges.into_iter().rev() {
            let range = st.range_in(&path, r)?;
            parent = Some(Box::new(SelectionRange { range, parent }));
        }
        out.push(parent.map(|b| *b).unwrap_or(SelectionRange {
            range: Range::new(pos, pos),
            parent: None,
        }));
    }
    Some(out)
}

pub const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::MACRO,
];

pub fn semantic_tokens(
    st: &Snapshot,
    params: SemanticTokensParams,
) -> Option<SemanticTokensResult> {
    let path = State::path_of(&params.text_document.uri);
    let tokens = semantic_tokens::semantic_tokens(&st.ws, &path);
    let mut data = Vec::new();
    let (mut last_line, mut last_col) = (0u32, 0u32);
    for (range, kind) in tokens {
        let Some(r) = st.range_in(&path, range) else {
            continue;
        };
        if r.start.line != r.end.line || r.end.character <= r.start.character {
            continue;
        }
        let delta_line = r.start.line - last_line;
        let delta_start = if delta_line == 0 {
            r.start.character - last_col
        } else {
            r.start.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: r.end.character - r.start.character,
            token_type: match kind {
                semantic_tokens::TokenKind::Root => 0,
                semantic_tokens::TokenKind::ActionId => 1,
                semantic_tokens::TokenKind::Function => 2,
                semantic_tokens::TokenKind::Property => 3,
                semantic_tokens::TokenKind::Keyword => 4,
            },
            token_modifiers_bitset: 0,
        });
        last_line = r.start.line;
        last_col = r.start.character;
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    }))
}

pub fn document_links(st: &Snapshot, params: DocumentLinkParams) -> Option<Vec<DocumentLink>> {
    let path = State::path_of(&params.text_document.uri);
    Some(
        links::links(&st.ws, &path)
            .into_iter()
            .filter_map(|(range, target)| {
                Some(DocumentLink {
                    range: st.range_in(&path, range)?,
                    target: Uri::from_file_path(&target),
                    tooltip: None,
                    data: None,
                })
            })
            .collect(),
    )
}

pub fn inlay_hints(st: &Snapshot, params: InlayHintParams) -> Option<Vec<InlayHint>> {
    let (path, range) = st.text_range(&params.text_document.uri, params.range)?;
    let hints = inlay_hints::inlay_hints(&st.ws, &path, range);
    Some(
        hints
            .into_iter()
            .filter_map(|(offset, label)| {
                Some(InlayHint {
                    position: st
                        .range_in(&path, crate::syntax::TextRange::empty(offset))?
                        .start,
                    label: InlayHintLabel::String(label),
                    kind: None,
                    text_edits: None,
                    tooltip: None,
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                })
            })
            .collect(),
    )
}

pub fn code_lenses(st: &Snapshot, params: CodeLensParams) -> Option<Vec<CodeLens>> {
    let path = State::path_of(&params.text_document.uri);
    Some(
        lens::lenses(&st.ws, &path)
            .into_iter()
            .filter_map(|lens| {
                let command = if lens.test_connection {
                    Command {
                        title: lens.title,
                        command: super::TEST_CONNECTION.into(),
                        arguments: Some(vec![match &lens.connection {
                            None => serde_json::json!({ "uri": params.text_document.uri.as_str() }),
                            Some(c) => serde_json::json!({
                                "uri": params.text_document.uri.as_str(),
                                "connection": c,
                            }),
                        }]),
                    }
                } else {
                    // informational: nothing to run
                    Command {
                        title: lens.title,
                        command: String::new(),
                        arguments: None,
                    }
                };
                Some(CodeLens {
                    range: st.range_in(&path, lens.range)?,
                    command: Some(command),
                    data: None,
                })
            })
            .collect(),
    )
}
