//! Reading a workspace from disk: the only file-system code the analysis depends on.

use super::{Settings, Workspace};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are not read (a clear message is given by the caller).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Folders never scanned.
const SKIPPED_DIRS: &[&str] = &["node_modules", ".git", "target", ".hg", ".svn", ".venv"];

/// Whether flowls reads this file at all.
pub fn is_candidate(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".json") || name == "flowls.toml"
}

/// Every candidate file below `root`, sorted, without following symlinked folders.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if ft.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_ref()) {
                    stack.push(path);
                }
            } else if (ft.is_file() || ft.is_symlink()) && is_candidate(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Reads a file as text. Invalid UTF-8 is replaced (U+FFFD); binary files are refused.
pub fn read_text(path: &Path) -> std::io::Result<Arc<str>> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB, not read",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let bytes = std::fs::read(path)?;
    if bytes.contains(&0) {
        return Err(std::io::Error::other(
            "a binary file (it holds NUL bytes), not read",
        ));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned().into(),
    })
}

/// Loads every candidate file below `root` into a new workspace. Files that cannot be read
/// are returned with the reason.
pub fn load(
    root: &Path,
    settings: Settings,
    env: Vec<(String, String)>,
) -> (Workspace, Vec<(PathBuf, String)>) {
    let mut ws = Workspace::new(root, settings, env);
    let mut skipped = Vec::new();
    let mut texts = Vec::new();
    for path in discover(root) {
        match read_text(&path) {
            Ok(text) => texts.push((path, text)),
            Err(e) => skipped.push((path, e.to_string())),
        }
    }
    ws.set_files(texts);
    (ws, skipped)
}
