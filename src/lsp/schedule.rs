//! What to recompute after a change, when: the edited file at once, the rest in the
//! background in short turns under the lock, and pull clients told to pull again.

use super::*;

impl Backend {
    /// Recomputes what the edits applied since the last call affect.
    pub(super) fn recompute_pending(&self) {
        let affected = std::mem::take(&mut lock(&self.state).pending);
        self.recompute(affected);
    }

    /// Recomputes `now` on the spot and `later` in the background, in chunks, giving the lock
    /// back between chunks so edits are never kept waiting.
    pub(super) fn recompute(&self, affected: Affected) {
        let mut st = lock(&self.state);
        let pull = st.caps.pull;
        if !pull {
            for p in &affected.now {
                st.publish(p);
            }
        }
        if affected.later.is_empty() {
            return;
        }
        if pull {
            // pull clients re-pull the files that changed
            let _ = st.out.send(Outgoing::Refresh);
            return;
        }
        let generation = st.generation;
        drop(st);
        let state = self.state.clone();
        tokio::spawn(async move {
            // a few milliseconds under the lock at a time, so edits, requests and the
            // publications already queued are never kept waiting
            let mut files = affected.later.iter().peekable();
            while files.peek().is_some() {
                {
                    let mut st = lock(&state);
                    if affected.all && st.generation != generation {
                        return; // a newer pass covers every file
                    }
                    let start = std::time::Instant::now();
                    for p in files.by_ref() {
                        st.publish(p);
                        if start.elapsed() > std::time::Duration::from_millis(2) {
                            break;
                        }
                    }
                }
                tokio::task::yield_now().await;
            }
        });
    }

    pub(super) fn document_report(&self, path: &std::path::Path) -> Vec<lsp::Diagnostic> {
        let mut st = lock(&self.state);
        let diags = if !st.on_type()
            && let Some((_, saved)) = st.published.get(path)
        {
            saved.clone()
        } else {
            let d = st.diagnostics(path);
            if !st.on_type() {
                let v = st.version(path);
                st.published.insert(path.to_path_buf(), (v, d.clone()));
            }
            d
        };
        st.lsp_diagnostics(path, &diags)
    }
}
