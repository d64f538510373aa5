//! Reading from disk: the one place that decides which files flowls may read. Every reader —
//! the start-up scan, `flowls check`, file events, closing a document, the keyword mappings
//! file, CA certificates — goes through [`read_in`] or [`read_named`].
//!
//! The policy (docs/SECURITY.md): only regular files, each up to [`MAX_FILE_BYTES`]; inside a
//! workspace only what lies inside its root once symbolic links are resolved. A FIFO, a
//! device, a socket or a folder is never read (it is opened without blocking and looked at
//! through the open handle, so nothing can swap it between the look and the read), and a
//! link that leaves the root is never followed.

use super::{Settings, Workspace};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are not read (a clear message is given by the caller).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Folders never scanned.
const SKIPPED_DIRS: &[&str] = &["node_modules", ".git", "target", ".hg", ".svn", ".venv"];

/// Why a file was not read. The text is what users see after the file's name.
#[derive(Debug, thiserror::Error)]
pub enum Unread {
    #[error("a symbolic link that leaves the workspace: not followed")]
    LeavesRoot,
    #[error("{0}, not a regular file")]
    NotRegular(&'static str),
    #[error("larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("a binary file (it holds NUL bytes)")]
    Binary,
    #[error("its name is not valid UTF-8")]
    NameNotUtf8,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The folders files may be read from, resolved once (symbolic links in the roots themselves
/// are the user's choice).
#[derive(Debug, Clone)]
pub struct Roots(Vec<PathBuf>);

impl Roots {
    pub fn new<'a>(roots: impl IntoIterator<Item = &'a Path>) -> Roots {
        Roots(
            roots
                .into_iter()
                .map(|r| std::fs::canonicalize(r).unwrap_or_else(|_| r.to_path_buf()))
                .collect(),
        )
    }

    /// Whether `path`, with every symbolic link resolved, lies inside a root.
    fn contain(&self, path: &Path) -> Result<PathBuf, Unread> {
        let real = std::fs::canonicalize(path)?;
        if self.0.iter().any(|r| real.starts_with(r)) {
            Ok(real)
        } else {
            Err(Unread::LeavesRoot)
        }
    }
}

/// Whether flowls reads this file at all (by its name).
pub fn is_candidate(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.as_encoded_bytes())
        .unwrap_or(b"");
    crate::model::layout::is_candidate(name)
}

/// Every candidate file below `root`, sorted, without following symlinked folders; and the
/// files found that can never be read (a name that is not UTF-8).
pub fn discover(root: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, Unread)>) {
    let mut out = Vec::new();
    let mut refused = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            let name = entry.file_name();
            if ft.is_dir() {
                if !SKIPPED_DIRS.iter().any(|d| name == *d) {
                    stack.push(path);
                }
            } else if is_candidate(&path) {
                if name.to_str().is_none() {
                    refused.push((path, Unread::NameNotUtf8));
                } else {
                    // FIFOs, devices and links are refused by `read_in`, with a note
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    refused.sort_by(|a, b| a.0.cmp(&b.0));
    (out, refused)
}

/// Reads a file of a workspace as text: a regular file inside one of the roots (after
/// resolving links), up to the size limit. Invalid UTF-8 is replaced (U+FFFD); binary files
/// are refused.
pub fn read_in(path: &Path, roots: &Roots) -> Result<Arc<str>, Unread> {
    let real = roots.contain(path)?;
    read_regular(&real)
}

/// Reads a file the user named in a setting or an argument (keyword mappings, a CA
/// certificate), which may lie anywhere: a regular file, up to the size limit.
pub fn read_named(path: &Path) -> Result<Arc<str>, Unread> {
    read_regular(path)
}

/// [`read_named`], as bytes.
pub fn read_named_bytes(path: &Path) -> Result<Vec<u8>, Unread> {
    regular_bytes(path)
}

fn read_regular(path: &Path) -> Result<Arc<str>, Unread> {
    let bytes = regular_bytes(path)?;
    if bytes.contains(&0) {
        return Err(Unread::Binary);
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned().into(),
    })
}

/// The bytes of a regular file up to the limit. The file is opened without blocking (a FIFO
/// with no writer would otherwise wait forever) and without making it the controlling
/// terminal, and what it is is read from the open handle.
fn regular_bytes(path: &Path) -> Result<Vec<u8>, Unread> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    let ft = meta.file_type();
    if !ft.is_file() {
        return Err(Unread::NotRegular(kind_of(&ft)));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Unread::TooLarge);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // the limit holds even for a file that grows while it is read
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Unread::TooLarge);
    }
    Ok(bytes)
}

fn kind_of(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// The keyword mappings file when the scan does not pick it up by itself: outside the root (an
/// absolute path in the setting), or with a name flowls does not read otherwise
/// (`config.json.example`). The workspace holds it like its own files.
pub fn named_mappings(root: &Path, settings: &Settings) -> Option<PathBuf> {
    let path = root.join(&settings.keyword_mappings_file);
    (!path.starts_with(root) || !is_candidate(&path)).then_some(path)
}

/// Reads the keyword mappings file: inside the root by the workspace's policy ([`read_in`]),
/// outside it as a file the user named ([`read_named`]).
pub fn read_mappings(root: &Path, path: &Path) -> Result<Arc<str>, Unread> {
    if path.starts_with(root) {
        read_in(path, &Roots::new([root]))
    } else {
        read_named(path)
    }
}

/// Records in the workspace why each file its `.tf` files name with `file()` is not held, by
/// this policy: the reason the scan gave (`skipped`: a link out of the root, not a regular file,
/// over the size limit), else what reading it by the same policy finds (it does not exist; its
/// name is none flowls reads and its text is not JSON, with where it fails; …). A path outside
/// the root is never looked at. Nothing of a file's text is kept or shown.
pub fn note_unread(ws: &mut Workspace, skipped: &[(PathBuf, Unread)]) {
    let wanted = ws.unheld_file_arguments();
    if wanted.is_empty() {
        return;
    }
    let reasons = unread_reasons(&ws.root, wanted, skipped);
    ws.set_unread(reasons);
}

/// [`note_unread`]'s reading, apart from the workspace (the editor does it off its state's
/// lock): why each of `wanted` is not held, as the scan's `skipped` or the reading policy says.
pub fn unread_reasons(
    root: &Path,
    wanted: Vec<PathBuf>,
    skipped: &[(PathBuf, Unread)],
) -> Vec<(PathBuf, String)> {
    let roots = Roots::new([root]);
    wanted
        .into_iter()
        .map(|path| {
            let why = match skipped.iter().find(|(p, _)| *p == path) {
                Some((_, e)) => unread_reason(e),
                None => match read_in(&path, &roots) {
                    Err(e) => unread_reason(&e),
                    Ok(text) if is_candidate(&path) => {
                        drop(text);
                        format!(
                            "lies in a folder flowls does not read ({})",
                            SKIPPED_DIRS.join(", ")
                        )
                    }
                    Ok(text) => not_json_reason(&text),
                },
            };
            (path, why)
        })
        .collect()
}

/// Why a file was not read, as a predicate of the file: "is larger than 16 MiB".
fn unread_reason(e: &Unread) -> String {
    match e {
        Unread::Io(io) if io.kind() == std::io::ErrorKind::NotFound => "does not exist".into(),
        Unread::Io(io) => format!("cannot be read ({io})"),
        e => format!("is {e}"),
    }
}

/// Why a file whose name flowls does not read is not used as JSON: where its text stops being
/// JSON (line:column, never the text), or that it is JSON under another name.
fn not_json_reason(text: &str) -> String {
    let parsed = crate::syntax::parse(text);
    let error = parsed
        .errors
        .iter()
        .find(|e| e.severity == crate::syntax::SyntaxSeverity::Error);
    match (error, &parsed.root) {
        (Some(e), _) => {
            let before = &text[..(e.range.start as usize).min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("is not JSON (it fails at {line}:{col})")
        }
        (None, None) => "is not JSON (it is empty)".into(),
        (None, Some(_)) => {
            "is not named *.json, and flowls reads only .json files with file()".into()
        }
    }
}

/// What a scan read, and what it did not read with the reason.
pub type Scanned = (Texts, Vec<(PathBuf, Unread)>);

/// Files read, with their texts.
pub type Texts = Vec<(PathBuf, Arc<str>)>;

/// Reads every candidate file below `root` (and the keyword mappings file, wherever the
/// settings put it). Files that cannot be read are returned with the reason.
pub fn scan(root: &Path, settings: &Settings) -> Scanned {
    let roots = Roots::new([root]);
    let (paths, mut skipped) = discover(root);
    let mut texts = Vec::new();
    for path in paths {
        match read_in(&path, &roots) {
            Ok(text) => texts.push((path, text)),
            Err(e) => skipped.push((path, e)),
        }
    }
    if let Some(path) = named_mappings(root, settings) {
        match read_mappings(root, &path) {
            Ok(text) => texts.push((path, text)),
            // a missing file is not a file skipped (`Workspace::mappings_problem` says it)
            Err(Unread::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => skipped.push((path, e)),
        }
    }
    skipped.sort_by(|a, b| a.0.cmp(&b.0));
    (texts, skipped)
}

/// The deploy-cli roots below `root` that `files` show: the folder holding a `flows/`,
/// `flow-vault-connections/`, `forms/` or `grants/` folder, a `tenant.yaml` or a
/// `flowls.toml`. A repository may keep several (one per environment, or an example of each
/// layout), each deployed on its own.
pub fn deploy_roots(root: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    use crate::model::layout;
    let mut roots: Vec<PathBuf> = Vec::new();
    for f in files {
        let Ok(rel) = f.strip_prefix(root) else {
            continue;
        };
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let mut found = if layout::ROOT_MARKERS.contains(&name) {
            f.parent().map(Path::to_path_buf)
        } else {
            None
        };
        // the nearest folder of the layout above the file: its parent is the root
        for dir in rel.ancestors().skip(1) {
            let d = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if found.is_none()
                && [
                    layout::FLOWS_DIR,
                    layout::VAULTS_DIR,
                    layout::FORMS_DIR,
                    layout::GRANTS_DIR,
                ]
                .contains(&d)
            {
                found = dir.parent().map(|p| root.join(p));
            }
        }
        if let Some(r) = found
            && !roots.contains(&r)
        {
            roots.push(r);
        }
    }
    roots.sort();
    roots
}

/// Loads every candidate file below `root`, a workspace for each deploy-cli root found there
/// ([`deploy_roots`]; a file belongs to the nearest above it, a file under none to `root`'s
/// own), so that two environments' connections of one name are not one connection twice.
/// Files that cannot be read are returned with the reason.
pub fn load_each_root(
    root: &Path,
    settings: Settings,
    env: Vec<(String, String)>,
) -> (Vec<Workspace>, Vec<(PathBuf, Unread)>) {
    let (texts, skipped) = scan(root, &settings);
    let paths: Vec<PathBuf> = texts.iter().map(|(p, _)| p.clone()).collect();
    let mut roots = deploy_roots(root, &paths);
    roots.retain(|r| r != root);
    // a `flowls.toml` says where the workspace is: the folder that holds it is one
    let declared = root.join(crate::model::layout::PROJECT_CONFIG).is_file();
    if roots.is_empty() || declared {
        let mut ws = Workspace::new(root, settings, env);
        ws.set_files(texts);
        note_unread(&mut ws, &skipped);
        return (vec![ws], skipped);
    }
    // the mappings file: one the user named is read by every root; the default one is each
    // root's own, else the top folder's
    let top_mappings = root.join(&settings.keyword_mappings_file);
    let top_text = texts
        .iter()
        .find(|(t, _)| *t == top_mappings)
        .map(|(_, t)| t.clone());
    let mut groups: Vec<(PathBuf, Texts)> = std::iter::once(root.to_path_buf())
        .chain(roots)
        .map(|r| (r, Vec::new()))
        .collect();
    for (path, text) in texts {
        // the deepest root above the file (roots sort before the folders below them)
        let at = groups
            .iter()
            .rposition(|(r, _)| path.starts_with(r))
            .unwrap_or(0);
        groups[at].1.push((path, text));
    }
    let workspaces = groups
        .into_iter()
        .filter(|(_, files)| !files.is_empty())
        .map(|(r, mut files)| {
            let mut settings = settings.clone();
            let own = r.join(&settings.keyword_mappings_file);
            let has_own = !settings.keyword_mappings_named && files.iter().any(|(p, _)| *p == own);
            if let Some(text) = &top_text
                && !has_own
                && r != root
            {
                settings.keyword_mappings_file = top_mappings.to_string_lossy().into_owned();
                files.push((top_mappings.clone(), text.clone()));
            }
            let mut ws = Workspace::new(r, settings, env.clone());
            ws.set_files(files);
            note_unread(&mut ws, &skipped);
            ws
        })
        .collect();
    (workspaces, skipped)
}

/// Loads every candidate file below `root` into a new workspace. Files that cannot be read
/// are returned with the reason.
pub fn load(
    root: &Path,
    settings: Settings,
    env: Vec<(String, String)>,
) -> (Workspace, Vec<(PathBuf, Unread)>) {
    let (texts, skipped) = scan(root, &settings);
    let mut ws = Workspace::new(root, settings, env);
    ws.set_files(texts);
    note_unread(&mut ws, &skipped);
    (ws, skipped)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("flowls-disk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("ws/flows")).unwrap();
        dir
    }

    #[test]
    fn only_regular_files_inside_the_root_are_read() {
        let dir = tmp("policy");
        let ws = dir.join("ws");
        std::fs::write(dir.join("secret.json"), "{\"token\": \"s3cr3t\"}").unwrap();
        std::fs::write(ws.join("flows/ok.json"), "{}").unwrap();
        std::os::unix::fs::symlink(dir.join("secret.json"), ws.join("flows/leak.json")).unwrap();
        std::os::unix::fs::symlink(ws.join("flows/ok.json"), ws.join("flows/inside.json")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", ws.join("flows/zero.json")).unwrap();
        let fifo = ws.join("flows/fifo.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let bad_name = ws.join(
            <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"flows/\xff.json"),
        );
        std::fs::write(&bad_name, "{}").unwrap();

        let (texts, skipped) = scan(&ws, &Settings::default());
        let read: Vec<_> = texts
            .iter()
            .map(|(p, _)| p.strip_prefix(&ws).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            read,
            [
                PathBuf::from("flows/inside.json"),
                PathBuf::from("flows/ok.json")
            ]
        );
        let why: Vec<String> = skipped
            .iter()
            .map(|(p, e)| format!("{}: {e}", p.strip_prefix(&ws).unwrap().to_string_lossy()))
            .collect();
        assert_eq!(
            why,
            [
                "flows/fifo.json: a FIFO, not a regular file",
                "flows/leak.json: a symbolic link that leaves the workspace: not followed",
                "flows/zero.json: a symbolic link that leaves the workspace: not followed",
                "flows/\u{fffd}.json: its name is not valid UTF-8",
            ]
        );
        // named files may lie anywhere, but must be regular
        assert!(read_named(&dir.join("secret.json")).is_ok());
        assert!(matches!(
            read_named(Path::new("/dev/zero")),
            Err(Unread::NotRegular("a device"))
        ));
        assert!(matches!(
            read_named(&fifo),
            Err(Unread::NotRegular("a FIFO"))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
