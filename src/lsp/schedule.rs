//! What to recompute after a change, when: the edited file at once, the rest in the
//! background in chunks on the pool, each on a fresh snapshot, and pull clients told to pull
//! again.

use super::{Backend, Shared, blocking, lock, state::Outgoing, state::View, workers};
use crate::workspace::Invalidation;
use std::path::PathBuf;
use tower_lsp_server::ls_types::{self as lsp, *};

/// Files checked per turn of a background pass.
const BACKGROUND_CHUNK: usize = 64;

/// Computes the diagnostics of `paths` on a snapshot, off the lock, and publishes them.
fn publish_on_snapshot(state: &Shared, paths: &[PathBuf]) {
    if paths.is_empty() {
        return;
    }
    let snap = {
        let st = lock(state);
        if st.caps.pull || !st.indexed() {
            return;
        }
        st.snapshot()
    };
    // converted to positions on the text they were computed on, not on a newer one
    type Computed = (
        Option<i32>,
        Vec<crate::analysis::Diagnostic>,
        Vec<lsp::Diagnostic>,
    );
    let computed: Vec<Computed> = blocking(|| {
        paths
            .iter()
            .map(|p| {
                workers::pause_for_typing();
                let diags = snap.diagnostics(p);
                let lsp = snap.lsp_diagnostics(p, &diags);
                (snap.version(p), diags, lsp)
            })
            .collect()
    });
    let mut st = lock(state);
    for (p, (version, diags, lsp)) in paths.iter().zip(computed) {
        st.publish_computed(p, snap.revision, version, diags, lsp);
    }
}

impl Backend {
    /// Recomputes what the document notifications applied in arrival order (`Ordered`)
    /// invalidate, a batch at a time: the notifications that arrive while one batch is
    /// computed make the next, so a burst of keystrokes is checked once, at its last version.
    pub(super) async fn recompute_edits(
        self,
        mut edits: tokio::sync::mpsc::UnboundedReceiver<Invalidation>,
    ) {
        while let Some(mut affected) = edits.recv().await {
            while let Ok(more) = edits.try_recv() {
                affected.merge(more);
            }
            // the edited files' diagnostics are what the user waits for
            let _typing = workers::AtCursor::begin();
            self.recompute(affected);
        }
    }

    /// Recomputes `now` at once and `later` in the background, both on snapshots: the lock is
    /// taken to snapshot and to publish, never to compute, so edits are never kept waiting.
    pub(super) fn recompute(&self, affected: Invalidation) {
        let (pull, generation) = {
            let st = lock(&self.state);
            (st.caps.pull, st.generation)
        };
        if !pull {
            publish_on_snapshot(&self.state, &affected.now);
        }
        if affected.later.is_empty() {
            return;
        }
        if pull {
            // pull clients re-pull the files that changed
            let _ = lock(&self.state).out.send(Outgoing::Refresh);
            return;
        }
        let state = self.state.clone();
        tokio::spawn(async move {
            // in chunks, each on a fresh snapshot; a newer pass over every file ends this one
            for chunk in affected.later.chunks(BACKGROUND_CHUNK) {
                if affected.all && lock(&state).generation != generation {
                    return;
                }
                let (state, chunk) = (state.clone(), chunk.to_vec());
                let _ = workers::run(|| true, move || publish_on_snapshot(&state, &chunk)).await;
            }
        });
    }

    /// Pulled diagnostics of `paths`, each with its uri and version: computed on one snapshot,
    /// off the lock; with the on-save trigger, what a document showed at its last save.
    pub(super) fn pulled(
        &self,
        paths: &[PathBuf],
    ) -> Vec<(Option<Uri>, Option<i32>, Vec<lsp::Diagnostic>)> {
        let (snap, on_type, held) = {
            let st = lock(&self.state);
            let on_type = st.on_type();
            let held: Vec<Option<Vec<crate::analysis::Diagnostic>>> = paths
                .iter()
                .map(|p| {
                    (!on_type)
                        .then(|| st.published.get(p).map(|(_, d)| d.clone()))
                        .flatten()
                })
                .collect();
            (st.snapshot(), on_type, held)
        };
        let computed: Vec<Vec<crate::analysis::Diagnostic>> = blocking(|| {
            paths
                .iter()
                .zip(&held)
                .map(|(p, h)| {
                    workers::pause_for_typing();
                    h.clone().unwrap_or_else(|| snap.diagnostics(p))
                })
                .collect()
        });
        if !on_type {
            // what an unsaved document shows from now until its next save
            let mut st = lock(&self.state);
            for ((p, h), d) in paths.iter().zip(&held).zip(&computed) {
                if h.is_none() {
                    // a save meanwhile holds what it showed: that one stays
                    st.published
                        .entry(p.clone())
                        .or_insert_with(|| (snap.version(p), d.clone()));
                }
            }
        }
        paths
            .iter()
            .zip(computed)
            .map(|(p, d)| (snap.uri_of(p), snap.version(p), snap.lsp_diagnostics(p, &d)))
            .collect()
    }
}
