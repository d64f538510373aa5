//! Files read after an event (a closed document, a watched file), through the reading policy
//! of `workspace::disk` and off the async runtime.

use super::{Backend, lock};
use crate::workspace::disk;
use std::path::PathBuf;
use std::sync::Arc;
use tower_lsp_server::ls_types::*;

impl Backend {
    /// Reads workspace files after an event, off the async runtime and through the reading
    /// policy (regular files inside the root, up to the size limit). A file that may not be
    /// read is as if it were gone, with one note in the log.
    pub(super) async fn read_from_disk(
        &self,
        paths: Vec<PathBuf>,
    ) -> Vec<(PathBuf, Option<Arc<str>>)> {
        let (root, mappings) = {
            let st = lock(&self.state);
            let root = st.ws.root.clone();
            let mappings = root.join(&st.ws.settings.keyword_mappings_file);
            (root, mappings)
        };
        let results = tokio::task::spawn_blocking(move || {
            let roots = disk::Roots::new([root.as_path()]);
            paths
                .into_iter()
                .map(|p| {
                    let r = if p == mappings {
                        // wherever the settings put it, whatever its name
                        disk::read_mappings(&root, &p)
                    } else if p.starts_with(&root) && disk::is_candidate(&p) {
                        disk::read_in(&p, &roots)
                    } else {
                        Err(disk::Unread::LeavesRoot)
                    };
                    (p, r)
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let mut out = Vec::new();
        let mut skipped = Vec::new();
        for (p, r) in results {
            match r {
                Ok(t) => out.push((p, Some(t))),
                Err(disk::Unread::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                    out.push((p, None))
                }
                Err(why) => {
                    out.push((p.clone(), None));
                    skipped.push((p, why));
                }
            }
        }
        self.note_unread(&skipped).await;
        out
    }

    /// Logs the files that were not read (one line each, once).
    pub(super) async fn note_unread(&self, skipped: &[(PathBuf, disk::Unread)]) {
        if skipped.is_empty() {
            return;
        }
        let root = lock(&self.state).ws.root.clone();
        let lines: Vec<String> = skipped
            .iter()
            .map(|(p, why)| format!("{}: {why}", crate::display::path(p, &root)))
            .collect();
        self.client
            .log_message(
                MessageType::WARNING,
                format!(
                    "flowls skipped {} file(s):\n{}",
                    lines.len(),
                    lines.join("\n")
                ),
            )
            .await;
    }
}
