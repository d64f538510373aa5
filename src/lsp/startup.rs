//! Start-up: the scan of the workspace (begun at `initialize`), the client's configuration,
//! file watchers, `$/progress`; and settings changes later on.

use super::{Backend, CONFIGURATION_WAIT, INITIALIZED_WAIT, SCAN_WAIT, lock, settings};
use crate::workspace::disk;
use std::path::PathBuf;
use tower_lsp_server::ls_types::*;

impl Backend {
    /// Waits (at most [`SCAN_WAIT`]) for the start-up scan of the workspace: requests that
    /// need the whole workspace would answer wrongly before it ends.
    pub(super) async fn wait_indexed(&self) {
        let mut ready = lock(&self.state).scanned.subscribe();
        let _ = tokio::time::timeout(SCAN_WAIT, ready.wait_for(Option::is_some)).await;
    }

    /// Registers file watchers, reads the configuration and indexes the workspace, once the
    /// client has said `initialized` (requests to it come only after that; a client that never
    /// says it still gets its workspace indexed, after [`INITIALIZED_WAIT`]). Runs in its own
    /// task: a client that never answers must not keep `exit` waiting.
    pub(super) async fn start_up(&self) {
        let mut seen = self.initialized.subscribe();
        let said = tokio::time::timeout(INITIALIZED_WAIT, seen.wait_for(|s| *s))
            .await
            .is_ok();
        if !said {
            // no requests to a client that has not said it is ready for them
            let mut st = lock(&self.state);
            st.caps.watch_dynamic = false;
            st.caps.configuration = false;
            st.caps.progress = false;
        }
        let (watch, rooted) = {
            let st = lock(&self.state);
            (st.caps.watch_dynamic, st.ws.has_root())
        };
        if watch {
            // in its own task: the scan does not wait for the client's answer
            let this = self.clone();
            tokio::spawn(async move { this.register_watchers().await });
        }
        // settings (the keyword mappings file, Test connection's) come before the first answer
        let _ = tokio::time::timeout(CONFIGURATION_WAIT, self.pull_configuration()).await;
        if rooted {
            self.index_workspace().await;
        } else {
            lock(&self.state).set_indexed(0);
        }
    }

    pub(super) async fn register_watchers(&self) {
        let watchers = crate::model::layout::watch_globs()
            .into_iter()
            .map(|g| FileSystemWatcher {
                glob_pattern: GlobPattern::String(g),
                kind: None,
            })
            .collect();
        let reg = Registration {
            id: "flowls-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        let _ = self.client.register_capability(vec![reg]).await;
    }

    /// Starts reading the workspace from disk, off the async runtime (at `initialize`, so the
    /// reading overlaps the rest of the handshake).
    pub(super) fn begin_scan(&self, root: PathBuf, settings: crate::workspace::Settings) {
        let handle = tokio::task::spawn_blocking(move || disk::scan(&root, &settings));
        *self.scan.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
    }

    pub(super) async fn index_workspace(&self) {
        if lock(&self.state).caps.progress {
            // in its own task: a client slow to answer does not hold the scan
            let this = self.clone();
            tokio::spawn(async move { this.report_indexing().await });
        }
        let handle = self.scan.lock().unwrap_or_else(|e| e.into_inner()).take();
        let (files, skipped) = match handle {
            Some(h) => h.await.unwrap_or_default(),
            None => Default::default(),
        };
        let count = files.len();
        let (root, wanted) = {
            let mut st = lock(&self.state);
            // the editor's text wins over the disk; so does an outside mappings file read
            // again after a settings change
            let files: Vec<_> = files
                .into_iter()
                .filter(|(p, _)| !st.docs.contains_key(p) && st.ws.file(p).is_none())
                .collect();
            st.ws.set_files(files);
            (st.ws.root.clone(), st.ws.unheld_file_arguments())
        };
        // why the files `.tf` resources name are not held: read off the lock
        let (reasons, skipped) = if wanted.is_empty() {
            (None, skipped)
        } else {
            let read = tokio::task::spawn_blocking(move || {
                (disk::unread_reasons(&root, wanted, &skipped), skipped)
            });
            match read.await {
                Ok((reasons, skipped)) => (Some(reasons), skipped),
                Err(_) => (None, Vec::new()),
            }
        };
        let affected = {
            let mut st = lock(&self.state);
            if let Some(reasons) = reasons {
                st.ws.set_unread(reasons);
            }
            st.set_indexed(count);
            st.invalidate_all()
        };
        self.recompute(affected);
        self.note_unread(&skipped).await;
        self.warn_unusable_mappings().await;
    }

    /// `$/progress` for the start-up scan: begins once the client has created the token, ends
    /// when the scan has.
    pub(super) async fn report_indexing(&self) {
        let token = NumberOrString::String("flowls/indexing".into());
        if self
            .client
            .create_work_done_progress(token.clone())
            .await
            .is_err()
        {
            return;
        }
        let progress = self
            .client
            .progress(token, "flowls")
            .with_message("Indexing the workspace")
            .begin()
            .await;
        let mut ready = lock(&self.state).scanned.subscribe();
        let count = ready.wait_for(Option::is_some).await.ok().and_then(|c| *c);
        let count = count.unwrap_or_default();
        progress
            .finish_with_message(format!("Indexed {count} files"))
            .await;
    }

    pub(super) async fn pull_configuration(&self) {
        if !lock(&self.state).caps.configuration {
            return;
        }
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("flowls".into()),
        };
        if let Ok(values) = self.client.configuration(vec![item]).await
            && let Some(v) = values.into_iter().next()
        {
            self.apply_settings(&v).await;
        }
    }

    pub(super) async fn apply_settings(&self, value: &serde_json::Value) {
        let (affected, unread) = {
            let mut st = lock(&self.state);
            let new = settings::read(value, &st.settings);
            if new == st.settings {
                return;
            }
            let root = st.ws.root.clone();
            let before = disk::named_mappings(&root, &st.ws.settings);
            let named = disk::named_mappings(&root, &new.analysis);
            if let Some(old) = before.filter(|b| Some(b) != named.as_ref()) {
                st.ws.remove_file(&old);
            }
            st.ws.set_settings(new.analysis.clone());
            st.settings = new;
            let affected = st.invalidate_all();
            if !st.on_type() {
                // on-save from now on: open documents keep what they show at this moment
                let open: Vec<PathBuf> = st.docs.keys().cloned().collect();
                for p in open {
                    st.hold_until_save(&p);
                }
            }
            // a mappings file the scan does not read (outside the workspace, or another name)
            let unread = named.filter(|p| st.ws.file(p).is_none());
            (affected, unread.map(|p| (root, p)))
        };
        self.recompute(affected);
        if let Some((root, path)) = unread {
            let read = path.clone();
            let text = tokio::task::spawn_blocking(move || disk::read_mappings(&root, &read)).await;
            match text {
                Ok(Ok(text)) => {
                    let affected = lock(&self.state).update(&path, text);
                    self.recompute(affected);
                }
                Ok(Err(disk::Unread::Io(e))) if e.kind() == std::io::ErrorKind::NotFound => {}
                Ok(Err(why)) => self.note_unread(&[(path, why)]).await,
                Err(_) => {}
            }
        }
        self.warn_unusable_mappings().await;
    }

    /// A keyword mappings file that cannot be used (missing, unreadable, not JSON, without an
    /// `AUTH0_KEYWORD_REPLACE_MAPPINGS` object) would leave every marker unresolved without a
    /// word: the user is told once, with `window/showMessage`, each time the problem changes.
    pub(super) async fn warn_unusable_mappings(&self) {
        let message = {
            let mut st = lock(&self.state);
            if !st.indexed() {
                return; // the scan may still bring the file
            }
            let problem = st.ws.mappings_problem().map(|problem| {
                let path = st.ws.root.join(&st.ws.settings.keyword_mappings_file);
                format!(
                    "flowls cannot use the keyword mappings file {}: {problem}. `##KEY##` and `@@KEY@@` markers are resolved from the environment alone; set flowls.keywordMappingsFile to a deploy-cli config.json with an AUTH0_KEYWORD_REPLACE_MAPPINGS object.",
                    crate::display::path(&path, &st.ws.root)
                )
            });
            if problem == st.mappings_warning {
                return;
            }
            st.mappings_warning.clone_from(&problem);
            problem
        };
        if let Some(message) = message {
            self.client
                .show_message(MessageType::WARNING, message)
                .await;
        }
    }
}
