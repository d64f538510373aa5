//! The LSP handlers: each forwards to the analysis through `features`, or to the start-up,
//! scheduling and Test connection parts of the backend.

use super::{
    Backend, GRAPH, PULL_CHUNK, SHOW_SCOPES, TEST_CONNECTION, capabilities::client_caps,
    capabilities::root_of, capabilities::server_capabilities, features, graph, lock, settings,
    state::State, workers,
};
use crate::workspace::Invalidation;
use crate::workspace::disk;
use std::path::PathBuf;
use tower_lsp_server::LanguageServer;
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{self as lsp, *};

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> jsonrpc::Result<InitializeResult> {
        // the catalogue and its validators are ready before the first document comes
        crate::background::run(|| crate::catalogue::Catalogue::get().warm_up());
        let (caps, unit) = client_caps(&params);
        let root = root_of(&params);
        {
            let mut st = lock(&self.state);
            st.caps = caps;
            st.unit = unit;
            if let Some(opts) = &params.initialization_options {
                st.settings = settings::read(opts, &st.settings);
            }
            let analysis_settings = st.settings.analysis.clone();
            let env: Vec<(String, String)> = std::env::vars().collect();
            // the file system's root is no workspace to scan
            // a new workspace: a new revision (what was computed on the old one is stale)
            st.revision += 1;
            st.ws = match root.filter(|r| r.parent().is_some()) {
                Some(root) => crate::workspace::Workspace::new(root, analysis_settings, env),
                None => crate::workspace::Workspace::rootless(analysis_settings, env),
            };
            // documents opened before `initialize` was handled (messages are applied on
            // arrival) stay open
            let open: Vec<(PathBuf, std::sync::Arc<str>)> = st
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), d.text.clone()))
                .collect();
            st.ws.set_files(open);
            if st.ws.has_root() {
                self.begin_scan(st.ws.root.clone(), st.ws.settings.clone());
            }
        }
        let this = self.clone();
        tokio::spawn(async move { this.start_up().await });
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "flowls".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: server_capabilities(&caps, unit),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // the start-up began at `initialize` and waits for this notification's arrival
    }

    async fn shutdown(&self) -> jsonrpc::Result<()> {
        self.shut_down
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, _: DidOpenTextDocumentParams) {
        // the text is already in the state, its diagnostics on their way (see `Ordered`)
    }

    async fn did_change(&self, _: DidChangeTextDocumentParams) {
        // the edit is already applied, its diagnostics on their way (see `Ordered`)
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        // the saved file itself was re-checked on arrival (see `Ordered`)
        let path = State::path_of(&params.text_document.uri);
        let affected = lock(&self.state).ws.dependents(&path);
        self.recompute(affected);
        self.warn_unusable_mappings().await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        // the document is closed already (see `Ordered`); a workspace file now shows what the
        // disk holds, read off the runtime (the editor's text stays until then)
        let path = State::path_of(&params.text_document.uri);
        let mut affected = Invalidation::default();
        if lock(&self.state).ws.file(&path).is_some() {
            let disk_text = self
                .read_from_disk(vec![path.clone()])
                .await
                .pop()
                .and_then(|(_, t)| t);
            let mut st = lock(&self.state);
            if !st.docs.contains_key(&path) {
                affected.merge(match disk_text {
                    Some(t) => st.update(&path, t),
                    None => {
                        let a = st.remove(&path);
                        st.clear(&path);
                        a
                    }
                });
            }
        }
        self.recompute(affected);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut paths = Vec::new();
        let mut deleted = Vec::new();
        for change in params.changes {
            let path = State::path_of(&change.uri);
            if !disk::is_candidate(&path) && !lock(&self.state).is_mappings_file(&path) {
                continue;
            }
            if change.typ == FileChangeType::DELETED {
                deleted.push(path);
            } else {
                paths.push(path);
            }
        }
        let mut read = self.read_from_disk(paths).await;
        read.extend(deleted.into_iter().map(|p| (p, None)));
        let mut all = Invalidation::default();
        {
            let mut st = lock(&self.state);
            for (path, text) in read {
                if st.docs.contains_key(&path) {
                    continue; // the editor's text wins over the disk
                }
                let a = match text {
                    Some(t) => st.update(&path, t),
                    None => {
                        let a = st.remove(&path);
                        st.clear(&path);
                        a
                    }
                };
                all.now.extend(a.now);
                all.later.extend(a.later);
                all.all |= a.all;
            }
        }
        all.later.retain(|p| !all.now.contains(p));
        all.later.sort();
        all.later.dedup();
        self.recompute(all);
        self.warn_unusable_mappings().await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if params.settings.is_object() && !params.settings.as_object().is_some_and(|o| o.is_empty())
        {
            self.apply_settings(&params.settings).await;
        } else {
            let this = self.clone();
            tokio::spawn(async move { this.pull_configuration().await });
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> jsonrpc::Result<DocumentDiagnosticReportResult> {
        // a connection in a file not yet indexed would show as unresolved: wait for the scan
        self.wait_indexed().await;
        let path = State::path_of(&params.text_document.uri);
        let items = self
            .pulled(&[path])
            .pop()
            .map(|(_, _, d)| d)
            .unwrap_or_default();
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn workspace_diagnostic(
        &self,
        _: WorkspaceDiagnosticParams,
    ) -> jsonrpc::Result<WorkspaceDiagnosticReportResult> {
        self.wait_indexed().await;
        // the list of every checked path (10,000 and more) is made on the pool: not under the
        // lock, nor on the task that reads the requests behind this one
        let paths = self.on_pool(None, |st| st.ws.checked_paths()).await?;
        let mut items = Vec::new();
        // in chunks, each on a snapshot, on the pool; a cancelled request starts no more chunks
        for chunk in paths.chunks(PULL_CHUNK) {
            let (this, chunk) = (self.clone(), chunk.to_vec());
            let pulled = workers::run(|| true, move || this.pulled(&chunk)).await?;
            for (uri, version, diags) in pulled {
                let Some(uri) = uri else { continue };
                items.push(WorkspaceDocumentDiagnosticReport::Full(
                    WorkspaceFullDocumentDiagnosticReport {
                        uri,
                        version: version.map(i64::from),
                        full_document_diagnostic_report: FullDocumentDiagnosticReport {
                            result_id: None,
                            items: diags,
                        },
                    },
                ));
            }
        }
        Ok(WorkspaceDiagnosticReportResult::Report(
            WorkspaceDiagnosticReport { items },
        ))
    }

    async fn completion(
        &self,
        params: CompletionParams,
    ) -> jsonrpc::Result<Option<CompletionResponse>> {
        self.wait_indexed().await;
        Ok(self.on_snapshot(move |st| features::completion(st, params)))
    }

    async fn hover(&self, params: HoverParams) -> jsonrpc::Result<Option<Hover>> {
        self.wait_indexed().await;
        Ok(self.on_snapshot(move |st| features::hover(st, params)))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> jsonrpc::Result<Option<GotoDefinitionResponse>> {
        self.wait_indexed().await;
        Ok(self.on_snapshot(move |st| features::definition(st, params)))
    }

    async fn references(
        &self,
        params: ReferenceParams,
    ) -> jsonrpc::Result<Option<Vec<lsp::Location>>> {
        self.wait_indexed().await;
        let about = params.text_document_position.text_document.uri.clone();
        self.on_pool(Some(&about), move |st| features::references(st, params))
            .await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> jsonrpc::Result<Option<PrepareRenameResponse>> {
        self.wait_indexed().await;
        Ok(self.on_snapshot(move |st| features::prepare_rename(st, params)))
    }

    async fn rename(&self, params: RenameParams) -> jsonrpc::Result<Option<WorkspaceEdit>> {
        self.wait_indexed().await;
        self.on_snapshot(move |st| features::rename(st, params))
            .map_err(jsonrpc::Error::invalid_params)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> jsonrpc::Result<Option<DocumentSymbolResponse>> {
        self.wait_indexed().await;
        Ok(self.on_snapshot(move |st| features::document_symbols(st, params)))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> jsonrpc::Result<Option<WorkspaceSymbolResponse>> {
        self.wait_indexed().await;
        self.on_pool(None, move |st| features::workspace_symbols(st, params))
            .await
    }

    async fn code_action(
        &self,
        params: CodeActionParams,
    ) -> jsonrpc::Result<Option<CodeActionResponse>> {
        self.wait_indexed().await;
        Ok(self.on_snapshot(move |st| features::code_actions(st, params)))
    }

    async fn formatting(
        &self,
        params: DocumentFormattingParams,
    ) -> jsonrpc::Result<Option<Vec<TextEdit>>> {
        Ok(self.on_snapshot(move |st| features::formatting(st, params)))
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> jsonrpc::Result<Option<Vec<TextEdit>>> {
        Ok(self.on_snapshot(move |st| features::range_formatting(st, params)))
    }

    async fn folding_range(
        &self,
        params: FoldingRangeParams,
    ) -> jsonrpc::Result<Option<Vec<FoldingRange>>> {
        Ok(self.on_snapshot(move |st| features::folding(st, params)))
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> jsonrpc::Result<Option<Vec<SelectionRange>>> {
        Ok(self.on_snapshot(move |st| features::selection_ranges(st, params)))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> jsonrpc::Result<Option<SemanticTokensResult>> {
        Ok(self.on_snapshot(move |st| features::semantic_tokens(st, params)))
    }

    async fn document_link(
        &self,
        params: DocumentLinkParams,
    ) -> jsonrpc::Result<Option<Vec<DocumentLink>>> {
        Ok(self.on_snapshot(move |st| features::document_links(st, params)))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> jsonrpc::Result<Option<Vec<InlayHint>>> {
        self.wait_indexed().await;
        Ok(self.on_snapshot(move |st| features::inlay_hints(st, params)))
    }

    async fn code_lens(&self, params: CodeLensParams) -> jsonrpc::Result<Option<Vec<CodeLens>>> {
        self.wait_indexed().await;
        Ok(self.on_snapshot(move |st| features::code_lenses(st, params)))
    }

    async fn execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> jsonrpc::Result<Option<serde_json::Value>> {
        self.wait_indexed().await;
        match params.command.as_str() {
            TEST_CONNECTION => {
                let arg = params.arguments.first().cloned().unwrap_or_default();
                let result = self.test_connection_command(&arg).await?;
                Ok(serde_json::to_value(&result).ok())
            }
            SHOW_SCOPES => {
                // the least-privilege report of the workspace, as `flowls scopes --format json`
                let report = self.on_snapshot(|st| st.least_privilege());
                Ok(serde_json::to_value(&*report).ok())
            }
            GRAPH => {
                // a large graph takes long: on the pool, where a cancelled one is not started and
                // none delays the answers at the cursor
                let arg = params.arguments.first().cloned().unwrap_or_default();
                self.on_pool(None, move |st| graph::command(st, &arg))
                    .await?
                    .map(Some)
            }
            other => Err(jsonrpc::Error::invalid_params(format!(
                "unknown command `{other}`"
            ))),
        }
    }
}
