//! What the workspace knows of Terraform modules beyond each `.tf` file: the values its
//! `.tfvars` files give a module's variables (read from the workspace's own files, so through
//! the one reading policy of [`super::disk`]), and the bundle connections an export's
//! `replace(…, "#CONN-n#", auth0_flow_vault_connection.x.id)` wires to a resource.

use super::{ConnectionRef, UsesIndex, Workspace, body_path};
use crate::syntax::hcl::{self, EXPORTS, Variables};
use crate::syntax::{Node, NodeKind, TextRange};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A connection token (`#CONN-1#`) a `.tf` file replaces by a reference to a resource, in the
/// text it reads with `file()`: an export bundle's, or a plain JSON file's (`actions =
/// replace(file("flows/x.json"), "#CONN-1#", …)`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReplacement {
    /// The file read (an export bundle, or a plain JSON file), and for a bundle the range of the
    /// stub its token names (a plain file has none: its uses of the token are replaced).
    pub bundle: PathBuf,
    pub stub: Option<TextRange>,
    /// The token replaced.
    pub token: String,
    /// The part of the bundle the resource receives (the uses inside it are the resource's).
    pub within: TextRange,
    /// What replaces the token: `auth0_flow_vault_connection.x.id`; `None` when it is an
    /// unknown value (`var.conn_id`, `data.…`): the token stands for a connection flowls cannot
    /// know (neither the stub's nor any resource's).
    pub reference: Option<String>,
}

fn is_tf(f: &super::SourceFile) -> bool {
    f.rel.ends_with(crate::model::layout::TERRAFORM_SUFFIX)
}

/// A JSON file (not an export bundle) that a `.tf` resource reads as an attribute's value
/// (`actions = file("flows/x.json")`, `jsondecode(file(…))`): the file is checked as what the
/// resource receives, not as a document of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRead {
    /// The JSON file.
    pub file: PathBuf,
    /// The `.tf` file, and the place of the read in its `$exports`.
    pub tf: PathBuf,
    pub export: usize,
    /// What the resource makes of it: [`DocKind::Flow`](crate::model::DocKind) for an
    /// `auth0_flow`'s attribute, `Form` for an `auth0_form`'s.
    pub kind: crate::model::DocKind,
}

/// Whether a path is a `.tfvars` file Terraform reads by itself.
pub fn is_tfvars(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(hcl::is_tfvars)
}

impl Workspace {
    /// The values the `.tfvars` files beside a `.tf` file give its module's variables: only
    /// files the workspace holds (read by its reading policy: regular files inside the root,
    /// up to the size limit), inside the root.
    pub(super) fn module_values(&self, tf: &Path) -> Variables {
        let Some(dir) = tf.parent() else {
            return Variables::new();
        };
        let limit = self.settings.max_document_bytes;
        let files = self
            .files
            .range(dir.to_path_buf()..)
            .take_while(|(p, _)| p.starts_with(dir))
            .filter(|(p, f)| {
                p.parent() == Some(dir)
                    && is_tfvars(p)
                    && f.text.len() <= limit
                    && (!self.has_root() || p.starts_with(&self.root))
            })
            .filter_map(|(p, f)| Some((p.file_name()?.to_str()?, &*f.text)));
        hcl::module_variables(files)
    }

    /// The declarations (locals and variable defaults, [`hcl::declarations`]) of the other
    /// `.tf` files of a `.tf` file's folder, in the order of their paths: a module's scope is
    /// its folder. Only files the workspace holds, inside the root.
    pub(super) fn module_declarations(&self, tf: &Path) -> Vec<hcl::Declaration<'_>> {
        let Some(dir) = tf.parent() else {
            return Vec::new();
        };
        self.files
            .range(dir.to_path_buf()..)
            .take_while(|(p, _)| p.starts_with(dir))
            .filter(|(p, f)| {
                p.parent() == Some(dir)
                    && p.as_path() != tf
                    && is_tf(f)
                    && (!self.has_root() || p.starts_with(&self.root))
            })
            .filter_map(|(_, f)| Some(hcl::declarations(f.parse.root.as_ref()?, &f.text)))
            .flatten()
            .collect()
    }

    /// What the other files of its module read of a `.tf` file the workspace holds (empty for
    /// any other file): its declarations, as one text to compare.
    pub(super) fn own_declarations(&self, path: &Path) -> String {
        let Some(f) = self.file(path).filter(|f| is_tf(f)) else {
            return String::new();
        };
        let Some(root) = &f.parse.root else {
            return String::new();
        };
        let mut out = String::new();
        for (k, e) in hcl::declarations(root, &f.text) {
            out.push_str(k);
            out.push('=');
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// The `.tf` files of the folders of `changed` that were read with other declarations of
    /// their module's other files than those they use now ([`hcl::read_with`]), read again (a
    /// `local.X` or a variable's `default` in one file is known in all of them). Whether any
    /// was. One pass: every file is read again with the others as they are, and a file's
    /// declarations are its own text, so reading it again changes none.
    pub(super) fn complete_modules(&mut self, changed: &[PathBuf]) -> bool {
        let mut dirs: Vec<&Path> = changed
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .filter_map(|p| p.parent())
            .collect();
        dirs.sort();
        dirs.dedup();
        let mut again: Vec<(PathBuf, Arc<str>)> = Vec::new();
        for dir in dirs {
            for f in self
                .files
                .range(dir.to_path_buf()..)
                .take_while(|(p, _)| p.starts_with(dir))
                .map(|(_, f)| f)
                .filter(|f| f.path.parent() == Some(dir) && is_tf(f))
            {
                let Some(root) = &f.parse.root else { continue };
                let now = hcl::module_fingerprint(&f.text, &self.module_declarations(&f.path));
                if hcl::read_with(root) != now {
                    again.push((f.path.clone(), f.text.clone()));
                }
            }
        }
        if again.is_empty() {
            return false;
        }
        // parsed afresh (the same text means something else now), each with the others as they
        // are, then put in
        let mut fresh = Vec::with_capacity(again.len());
        for (p, text) in again {
            let (mut file, _) = self.load(p.clone(), text, None);
            file.uses = super::uses_of_file(&file, &self.index.mappings);
            fresh.push((p, Arc::new(file)));
        }
        for (p, f) in fresh {
            self.files_mut().insert(p, f);
        }
        self.rebuild_index();
        true
    }

    /// The `.tf` files of the folders of these `.tfvars` files (but those in `skip`), read
    /// again with their new values (a `.tfvars` change changes what they hold). Whether any was.
    pub(super) fn reload_modules(&mut self, tfvars: &[PathBuf], skip: &[PathBuf]) -> bool {
        let dirs: Vec<&Path> = tfvars.iter().filter_map(|p| p.parent()).collect();
        let again: Vec<(PathBuf, Arc<str>)> = self
            .files
            .values()
            .filter(|f| f.rel.ends_with(crate::model::layout::TERRAFORM_SUFFIX))
            .filter(|f| f.path.parent().is_some_and(|d| dirs.contains(&d)))
            .filter(|f| !skip.contains(&f.path))
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        if again.is_empty() {
            return false;
        }
        for (p, _) in &again {
            // parsed afresh: the same text means something else now
            self.files_mut().remove(p);
        }
        self.set_files(again);
        true
    }

    /// The files the `.tf` files name with `file()` that the workspace does not hold, inside its
    /// root (a path outside it is never looked at), in order.
    pub fn unheld_file_arguments(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .files
            .values()
            .filter(|f| is_tf(f))
            .filter_map(|f| Some((f, f.parse.root.as_ref()?)))
            .flat_map(|(f, root)| {
                let dir = f.path.parent().unwrap_or(&self.root).to_path_buf();
                root.get(EXPORTS)
                    .and_then(Node::as_array)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(move |e| Some(body_path(&dir, e.get("file")?.as_str()?)))
            })
            .filter(|p| {
                !self.files.contains_key(p) && (!self.has_root() || p.starts_with(&self.root))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Why a file a `.tf` file names with `file()` was not read, as the reading policy said.
    pub fn unread(&self, path: &Path) -> Option<&str> {
        self.index.unread.get(path).map(String::as_str)
    }

    /// Records why files named with `file()` were not read (from [`super::disk::note_unread`]).
    pub fn set_unread(&mut self, reasons: Vec<(PathBuf, String)>) {
        if reasons.is_empty() {
            return;
        }
        let mut index = (*self.index).clone();
        index.unread.extend(reasons);
        self.index = Arc::new(index);
        self.rebuild_index();
    }

    /// An environment variable's value (for Test connection only: never for diagnostics).
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The connection tokens of the files `.tf` files read (export bundles, and plain JSON files
/// read as an attribute's value) that they replace by a reference, for the index. Only files
/// the workspace holds, inside the root.
pub(super) fn export_replacements(
    files: &super::Files,
    root: &Path,
    has_root: bool,
) -> Vec<ExportReplacement> {
    let mut out = Vec::new();
    for f in files.values() {
        if f.kind != crate::model::DocKind::Terraform {
            continue;
        }
        let Some(tree) = &f.parse.root else { continue };
        let dir = f.path.parent().unwrap_or(root);
        for e in tree
            .get(EXPORTS)
            .and_then(Node::as_array)
            .unwrap_or_default()
        {
            let Some(written) = e.get("file").and_then(Node::as_str) else {
                continue;
            };
            let path = body_path(dir, written);
            let Some(read) = files
                .get(&path)
                .filter(|_| !has_root || path.starts_with(root))
            else {
                continue;
            };
            let is_bundle = read.own_kind == crate::model::DocKind::Bundle;
            if !is_bundle && !is_plain_json(read) {
                continue;
            }
            let Some(target) = read.parse.root.as_ref().and_then(|r| export_target(r, e)) else {
                continue;
            };
            let stubs = if is_bundle {
                super::bundle_stubs(read.parse.root.as_ref().unwrap_or(target))
            } else {
                Vec::new()
            };
            for r in e
                .get("replace")
                .and_then(Node::as_array)
                .unwrap_or_default()
            {
                let (Some(token), Some(with)) =
                    (r.get("token").and_then(Node::as_str), r.get("with"))
                else {
                    continue;
                };
                let reference = match with.as_str() {
                    Some(reference) => Some(reference.to_string()),
                    None if hcl::is_unknown(with) => None,
                    None => continue,
                };
                let stub = if is_bundle {
                    match stubs.iter().find(|(t, _)| *t == token) {
                        Some((_, stub)) => Some(stub.range),
                        None => continue,
                    }
                } else if crate::model::is_export_token(token) {
                    None
                } else {
                    continue;
                };
                out.push(ExportReplacement {
                    bundle: path.clone(),
                    stub,
                    token: token.to_string(),
                    within: target.range,
                    reference,
                });
            }
        }
    }
    out
}

/// Whether a file a `.tf` resource reads is a plain JSON file (not an export bundle, nor
/// another `.tf` file): what the attribute receives is the file's text.
fn is_plain_json(f: &super::SourceFile) -> bool {
    !matches!(
        f.own_kind,
        crate::model::DocKind::Bundle | crate::model::DocKind::Terraform
    ) && f.rel.ends_with(".json")
}

/// The JSON files (not export bundles) that `.tf` resources read as attribute values, for the
/// index: only files the workspace holds, inside the root.
pub(super) fn file_reads(files: &super::Files, root: &Path, has_root: bool) -> Vec<FileRead> {
    let mut out = Vec::new();
    for f in files.values() {
        if f.kind != crate::model::DocKind::Terraform {
            continue;
        }
        let Some(tree) = &f.parse.root else { continue };
        let dir = f.path.parent().unwrap_or(root);
        let exports = tree
            .get(EXPORTS)
            .and_then(Node::as_array)
            .unwrap_or_default();
        for (i, e) in exports.iter().enumerate() {
            let Some(written) = e.get("file").and_then(Node::as_str) else {
                continue;
            };
            let path = body_path(dir, written);
            let read = files.get(&path).is_some_and(|j| is_plain_json(j));
            let resource = e.get("resource").and_then(Node::as_str).unwrap_or_default();
            let kind = match resource.split_once('.') {
                Some((hcl::FLOW, _)) => crate::model::DocKind::Flow,
                Some((hcl::FORM, _)) => crate::model::DocKind::Form,
                _ => continue,
            };
            if read && (!has_root || path.starts_with(root)) {
                out.push(FileRead {
                    file: path,
                    tf: f.path.clone(),
                    export: i,
                    kind,
                });
            }
        }
    }
    out
}

/// What a JSON file that no folder or content makes a flow or form is when a `.tf` resource
/// reads it (so it is checked, as that resource's attribute).
pub(super) fn read_kind(
    own: crate::model::DocKind,
    reads: &[FileRead],
    path: &Path,
) -> crate::model::DocKind {
    match reads.iter().find(|r| r.file == path) {
        Some(r) if own == crate::model::DocKind::Other => r.kind,
        _ => own,
    }
}

/// The part of an export bundle an `$exports` entry reads (its `pointer` followed), if the
/// bundle has it.
pub fn export_target<'a>(bundle: &'a Node, export: &Node) -> Option<&'a Node> {
    follow_pointer(
        bundle,
        export
            .get("pointer")
            .and_then(Node::as_array)
            .unwrap_or_default(),
    )
}

/// The node a pointer's steps (object keys, array indices) lead to from `node`.
pub fn follow_pointer<'a>(mut node: &'a Node, steps: &[Node]) -> Option<&'a Node> {
    for step in steps {
        node = match (&node.kind, &step.kind) {
            (NodeKind::Object(_), NodeKind::String(k)) => node.get(k)?,
            (NodeKind::Array(items), NodeKind::Number(i)) => items.get(i.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The uses of a bundle's connection token that a `.tf` file replaces by a reference are also
/// the uses of the resource it names (so it is used, and its scopes count them).
pub(super) fn add_export_uses(
    replacements: &[ExportReplacement],
    files: &super::Files,
    index: &mut UsesIndex,
) {
    for r in replacements {
        // a token replaced by an unknown value is no resource's use
        let (Some(bundle), Some(reference)) = (files.get(&r.bundle), &r.reference) else {
            continue;
        };
        for (i, u) in bundle.uses.iter().enumerate() {
            if is_replaced(u, r) {
                let at = index.entry(reference.clone()).or_default();
                if !at.contains(&(r.bundle.clone(), i)) {
                    at.push((r.bundle.clone(), i));
                }
            }
        }
    }
}

/// The replacement of a bundle's stub, if a `.tf` file replaces its token (by any resource
/// that reads it: a stub stands for one connection).
pub fn replaced_stub<'a>(
    replacements: &'a [ExportReplacement],
    bundle: &Path,
    stub: TextRange,
) -> Option<&'a ExportReplacement> {
    replacements
        .iter()
        .find(|r| r.bundle == bundle && r.stub == Some(stub))
}

/// The replacement of a use's token in a file a `.tf` file reads: a bundle's use of the stub
/// its token names, or a plain JSON file's use of the token itself; the one of the resource
/// that receives the part of the file where the action is (two flows of one export may
/// replace the same token by different connections).
pub fn replaced<'a>(
    replacements: &'a [ExportReplacement],
    path: &Path,
    u: &ConnectionRef,
) -> Option<&'a ExportReplacement> {
    replacements
        .iter()
        .find(|r| r.bundle == path && is_replaced(u, r))
}

fn is_replaced(u: &ConnectionRef, r: &ExportReplacement) -> bool {
    let same = match r.stub {
        Some(stub) => u.stub == Some(stub),
        None => u.stub.is_none() && u.connection == r.token,
    };
    same && r.within.start <= u.object.start && u.object.end <= r.within.end
}

impl super::VaultInfo {
    /// The connection's name for people: its `name`, else (a Terraform resource whose name is
    /// unknown) its address, else `?`.
    pub fn shown_name(&self) -> &str {
        self.name
            .as_deref()
            .or_else(|| {
                self.id
                    .as_deref()?
                    .strip_suffix(".id")
                    .filter(|a| a.starts_with(hcl::VAULT_CONNECTION))
            })
            .unwrap_or("?")
    }
}
