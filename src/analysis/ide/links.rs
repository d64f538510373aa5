//! Document links: `connection_id` values linked to their vault files.

use crate::model::DocKind;
use crate::syntax::TextRange;
use crate::workspace::Workspace;
use std::path::{Path, PathBuf};

/// `connection_id` values linked to their vault files.
pub fn links(ws: &Workspace, path: &Path) -> Vec<(TextRange, PathBuf)> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    if file.kind == DocKind::Tenant
        && let Some(root) = &file.parse.root
    {
        // a YAML entry's `body:` to its file
        let dir = file.path.parent().unwrap_or(&ws.root);
        return crate::model::tenant::Tenant::new(root)
            .bodies()
            .filter_map(|(_, e)| {
                let body = e.body?;
                let target = crate::workspace::body_path(dir, body.as_str()?);
                ws.file(&target).map(|_| (body.range, target))
            })
            .collect();
    }
    file.uses
        .iter()
        .filter_map(|u| Some((u.range, ws.resolve_connection(&u.connection)?.path.clone())))
        .collect()
}
