//! A change to the workspace and what it invalidates. Which files' diagnostics a change may
//! alter is a fact about the workspace (who uses which connection, which files are cross-file
//! facts), so it is decided here, where those facts live, and not by a caller.

use super::Workspace;
use crate::model::DocKind;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One change to the files of a workspace.
#[derive(Debug, Clone)]
pub enum Change {
    /// A file's new text (added or replaced).
    Set(PathBuf, Arc<str>),
    /// A file gone.
    Remove(PathBuf),
}

/// Files whose diagnostics a change may have altered: `now` first (the edited file), `later`
/// after it (in the order given), and whether every file may have changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Invalidation {
    pub now: Vec<PathBuf>,
    pub later: Vec<PathBuf>,
    /// Every file may have changed (a vault, grant, mapping or `flowls.toml` changed).
    pub all: bool,
}

impl Invalidation {
    /// What two changes together invalidate: each file once, the newer's order of `later`
    /// first (it may put some files first).
    pub fn merge(&mut self, other: Invalidation) {
        for p in other.now {
            if !self.now.contains(&p) {
                self.now.push(p);
            }
        }
        let mut later = other.later;
        later.append(&mut self.later);
        let mut seen = HashSet::new();
        let now = &self.now;
        later.retain(|p| !now.contains(p) && seen.insert(p.clone()));
        self.later = later;
        self.all |= other.all;
    }

    fn only(path: &Path) -> Invalidation {
        Invalidation {
            now: vec![path.to_path_buf()],
            later: Vec::new(),
            all: false,
        }
    }
}

impl Workspace {
    /// Applies a change and says what it invalidates: the file itself; when it was or is a
    /// cross-file fact, every checked file (the flows using its connection first); when a
    /// flow's connection uses changed, the vaults, grants and `flowls.toml` that count them.
    pub fn apply(&mut self, change: Change) -> Invalidation {
        match change {
            Change::Set(path, text) if super::is_tfvars(&path) => {
                self.replace_file(path.clone(), text);
                self.tfvars_changed(path)
            }
            Change::Remove(path) if super::is_tfvars(&path) => {
                self.remove_file(&path);
                let mut inv = self.tfvars_changed(path.clone());
                inv.now.retain(|p| *p != path);
                inv
            }
            Change::Set(path, text) => {
                let was = self.file(&path).map(|f| f.kind);
                let mut names = self.connection_names(&path);
                let declared = self.own_declarations(&path);
                let replaced = self.replace_file(path.clone(), text);
                // a `.tf` file's `locals` or variables changed: the module's other files read
                // them (a keystroke inside a resource changes none, and reads nothing again)
                let reread = self.own_declarations(&path) != declared
                    && self.complete_modules(std::slice::from_ref(&path));
                let global = replaced.global || reread;
                let mut inv = self.invalidation(&path, global, replaced.uses_changed, was);
                if inv.all {
                    names.extend(self.connection_names(&path));
                    self.users_first(&mut inv.later, &names);
                }
                inv
            }
            Change::Remove(path) => {
                let had_uses = self.file(&path).is_some_and(|f| !f.uses.is_empty());
                let was = self.file(&path).map(|f| f.kind);
                let declared = !self.own_declarations(&path).is_empty();
                let global = self.remove_file(&path);
                let global =
                    global | (declared && self.complete_modules(std::slice::from_ref(&path)));
                let mut inv = self.invalidation(&path, global, had_uses, was);
                inv.now.retain(|p| *p != path);
                inv
            }
        }
    }

    /// A `.tfvars` file changed: the `.tf` files of its folder are read again with the new
    /// values, and then every file may have changed (they are cross-file facts); without any,
    /// only the file itself.
    fn tfvars_changed(&mut self, path: PathBuf) -> Invalidation {
        if self.reload_modules(std::slice::from_ref(&path), &[]) {
            self.dependents_of(&path, true)
        } else {
            Invalidation::only(&path)
        }
    }

    /// The file itself now, and later what depends on it: every file for a vault, grant,
    /// mapping file or `flowls.toml`; the vaults, grants and `flowls.toml` for a flow.
    pub fn dependents(&self, path: &Path) -> Invalidation {
        self.dependents_of(path, self.file(path).is_some_and(|f| f.kind.is_global()))
    }

    /// Everything (settings, the scan, proven scopes changed): every checked file.
    pub fn everything(&self) -> Invalidation {
        Invalidation {
            now: Vec::new(),
            later: self.checked_paths(),
            all: true,
        }
    }

    /// The files the analysis checks (flows, forms, vaults, grants, …).
    pub fn checked_paths(&self) -> Vec<PathBuf> {
        self.files()
            .filter(|f| f.kind.is_checked())
            .map(|f| f.path.clone())
            .collect()
    }

    fn invalidation(
        &self,
        path: &Path,
        global: bool,
        uses_changed: bool,
        was: Option<DocKind>,
    ) -> Invalidation {
        if global {
            return self.dependents_of(path, true);
        }
        let is_flow =
            self.file(path).map(|f| f.kind) == Some(DocKind::Flow) || was == Some(DocKind::Flow);
        if is_flow && uses_changed {
            return self.dependents(path);
        }
        Invalidation::only(path)
    }

    fn dependents_of(&self, path: &Path, global: bool) -> Invalidation {
        let later = self
            .files()
            .filter(|f| f.path != path && f.kind.is_checked())
            .filter(|f| {
                global
                    || matches!(
                        f.kind,
                        DocKind::Vault | DocKind::Grant | DocKind::ProjectConfig
                    )
            })
            .map(|f| f.path.clone())
            .collect();
        Invalidation {
            now: vec![path.to_path_buf()],
            later,
            all: global,
        }
    }

    /// The name and id of the vault connection in `path`, if it is one.
    fn connection_names(&self, path: &Path) -> Vec<String> {
        self.index()
            .vaults
            .iter()
            .filter(|v| v.path == path)
            .flat_map(|v| v.name.iter().chain(v.id.iter()).cloned())
            .collect()
    }

    /// Orders a pass so that the flows using one of `names` come first, then the other
    /// cross-file documents, then the rest: the files a vault edit is about are shown first.
    fn users_first(&self, later: &mut [PathBuf], names: &[String]) {
        later.sort_by_cached_key(|p| match self.file(p) {
            Some(f) if f.uses.iter().any(|u| names.contains(&u.connection)) => 0,
            Some(f) if f.kind != DocKind::Flow => 1,
            _ => 2,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::uses_index_tests::flow;
    use super::*;

    #[test]
    fn a_vault_edit_rechecks_the_flows_using_it_first() {
        let mut ws = Workspace::new("/ws", Default::default(), Vec::new());
        let vault = PathBuf::from("/ws/flow-vault-connections/v.json");
        ws.apply(Change::Set(
            vault.clone(),
            r#"{"name": "Old", "app_id": "AUTH0"}"#.into(),
        ));
        for i in 0..50 {
            let conn = match i {
                17 => "Old",
                33 => "New",
                _ => "Other",
            };
            ws.apply(Change::Set(
                PathBuf::from(format!("/ws/flows/f{i:02}.json")),
                flow(conn),
            ));
        }
        let a = ws.apply(Change::Set(
            vault,
            r#"{"name": "New", "app_id": "AUTH0"}"#.into(),
        ));
        assert!(a.all);
        assert_eq!(a.later.len(), 50, "every flow is still rechecked");
        let mut first: Vec<_> = a.later[..2].to_vec();
        first.sort();
        assert_eq!(
            first,
            [
                PathBuf::from("/ws/flows/f17.json"),
                PathBuf::from("/ws/flows/f33.json")
            ],
            "the flows using the old or the new name come first"
        );
        // merging keeps that order
        let mut pending = Invalidation::default();
        pending.merge(Invalidation {
            now: Vec::new(),
            later: vec![PathBuf::from("/ws/flows/f00.json")],
            all: false,
        });
        pending.merge(a);
        assert_eq!(pending.later.len(), 50);
        assert!(pending.later[..2].contains(&PathBuf::from("/ws/flows/f17.json")));
    }

    #[test]
    fn a_tfvars_edit_reads_its_modules_tf_files_again() {
        let mut ws = Workspace::new("/ws", Default::default(), Vec::new());
        let tf = PathBuf::from("/ws/infra/main.tf");
        let other = PathBuf::from("/ws/other/main.tf");
        let vault = |var: &str| -> Arc<str> {
            format!(
                "variable \"domain\" {{ default = \"d.auth0.com\" }}\nresource \"auth0_flow_vault_connection\" \"{var}\" {{\n  name = \"{var}\"\n  app_id = \"AUTH0\"\n  setup = {{ domain = var.domain }}\n}}\n"
            )
            .into()
        };
        ws.apply(Change::Set(tf.clone(), vault("a")));
        ws.apply(Change::Set(other.clone(), vault("b")));
        let domain = |ws: &Workspace, name: &str| {
            ws.index()
                .vaults
                .iter()
                .find(|v| v.name.as_deref() == Some(name))
                .and_then(|v| v.domain.clone())
        };
        assert_eq!(domain(&ws, "a").as_deref(), Some("d.auth0.com"));
        let tfvars = PathBuf::from("/ws/infra/terraform.tfvars");
        let inv = ws.apply(Change::Set(
            tfvars.clone(),
            "domain = \"t.auth0.com\"\n".into(),
        ));
        assert!(inv.all, "the module's .tf files are cross-file facts");
        assert!(inv.later.contains(&tf), "{inv:?}");
        assert_eq!(domain(&ws, "a").as_deref(), Some("t.auth0.com"));
        // another folder is another module
        assert_eq!(domain(&ws, "b").as_deref(), Some("d.auth0.com"));
        // an auto file after it wins; removed, the earlier value is back
        let auto = PathBuf::from("/ws/infra/z.auto.tfvars");
        ws.apply(Change::Set(
            auto.clone(),
            "domain = \"z.auth0.com\"\n".into(),
        ));
        assert_eq!(domain(&ws, "a").as_deref(), Some("z.auth0.com"));
        let gone = ws.apply(Change::Remove(auto.clone()));
        assert!(gone.all && !gone.now.contains(&auto));
        assert_eq!(domain(&ws, "a").as_deref(), Some("t.auth0.com"));
        ws.apply(Change::Remove(tfvars));
        assert_eq!(domain(&ws, "a").as_deref(), Some("d.auth0.com"));
        // a tfvars file in a folder without .tf files changes nothing else
        let lone = PathBuf::from("/ws/empty/terraform.tfvars");
        assert_eq!(
            ws.apply(Change::Set(lone.clone(), "x = 1\n".into())),
            Invalidation::only(&lone)
        );
    }

    #[test]
    fn a_locals_edit_reads_the_modules_other_tf_files_again() {
        let mut ws = Workspace::new("/ws", Default::default(), Vec::new());
        let locals = PathBuf::from("/ws/infra/locals.tf");
        let flows = PathBuf::from("/ws/infra/flows.tf");
        let other = PathBuf::from("/ws/other/flows.tf");
        let flow: Arc<str> = "resource \"auth0_flow\" \"f\" {\n  name    = \"F\"\n  actions = jsonencode(local.actions)\n}\n".into();
        let locals_with = |ty: &str, extra: &str| -> Arc<str> {
            format!("locals {{\n  actions = [{{ id = \"a\", type = \"{ty}\", action = \"NOPE\" }}]\n}}\n{extra}").into()
        };
        let codes = |ws: &Workspace, p: &Path| -> Vec<(&'static str, usize)> {
            let file = ws.file(p).unwrap();
            crate::analysis::diagnostics(ws, p)
                .iter()
                .map(|d| {
                    let line = file.text[..d.range.start as usize].matches('\n').count() + 1;
                    (d.code, line)
                })
                .collect()
        };
        ws.apply(Change::Set(flows.clone(), flow.clone()));
        ws.apply(Change::Set(other.clone(), flow.clone()));
        assert_eq!(codes(&ws, &flows), [], "local.actions is unknown");
        // declared in another file of the folder: known in flows.tf, found at its use
        let inv = ws.apply(Change::Set(locals.clone(), locals_with("WRONG", "")));
        assert!(inv.all && inv.later.contains(&flows), "{inv:?}");
        assert_eq!(codes(&ws, &flows), [("unknown-action", 3)]);
        // another folder is another module
        assert_eq!(codes(&ws, &other), []);
        // a keystroke outside the declarations reads no other file again
        let before = ws.files.get(&flows).unwrap().clone();
        ws.apply(Change::Set(
            locals.clone(),
            locals_with(
                "WRONG",
                "resource \"auth0_flow\" \"g\" {\n  name = \"G\"\n}\n",
            ),
        ));
        assert!(Arc::ptr_eq(&before, ws.files.get(&flows).unwrap()));
        // the local changed: read again
        ws.apply(Change::Set(locals.clone(), locals_with("AUTH0", "")));
        assert!(!Arc::ptr_eq(&before, ws.files.get(&flows).unwrap()));
        assert_eq!(codes(&ws, &flows), [("unknown-action", 3)]);
        let message = crate::analysis::diagnostics(&ws, &flows)[0].message.clone();
        assert!(message.contains("AUTH0/NOPE"), "{message}");
        // gone: unknown again
        ws.apply(Change::Remove(locals.clone()));
        assert_eq!(codes(&ws, &flows), []);
        // a batch reads each file with the declarations of the whole batch, whatever its order
        // (here each file declares what the other uses)
        let mut fresh = Workspace::new("/ws", Default::default(), Vec::new());
        fresh.set_files(vec![
            (
                flows.clone(),
                format!("{flow}locals {{\n  t = \"WRONG\"\n}}\n").into(),
            ),
            (locals.clone(), locals_with("${local.t}", "")),
        ]);
        assert_eq!(codes(&fresh, &flows), [("unknown-action", 3)]);
        let message = crate::analysis::diagnostics(&fresh, &flows)[0]
            .message
            .clone();
        assert!(message.contains("`WRONG`"), "{message}");
    }

    #[test]
    fn a_flow_edit_invalidates_itself_or_what_counts_its_uses() {
        let mut ws = Workspace::new("/ws", Default::default(), Vec::new());
        let vault = PathBuf::from("/ws/flow-vault-connections/v.json");
        let grant = PathBuf::from("/ws/grants/g.json");
        let f = PathBuf::from("/ws/flows/f.json");
        let other = PathBuf::from("/ws/flows/other.json");
        ws.apply(Change::Set(
            vault.clone(),
            r#"{"name": "C", "app_id": "AUTH0"}"#.into(),
        ));
        ws.apply(Change::Set(
            grant.clone(),
            r#"{"client_id": "x", "audience": "https://t.auth0.com/api/v2/", "scope": []}"#.into(),
        ));
        ws.apply(Change::Set(other.clone(), flow("C")));
        let first = ws.apply(Change::Set(f.clone(), flow("C")));
        assert!(!first.all);
        assert_eq!(first.now, std::slice::from_ref(&f));
        let mut later = first.later.clone();
        later.sort();
        assert_eq!(
            later,
            [vault.clone(), grant.clone()],
            "a new use is counted by them"
        );

        // the same uses, other text: only the file itself
        let same = ws.apply(Change::Set(
            f.clone(),
            flow("C").replace("\"u\"", "\"v\"").into(),
        ));
        assert_eq!(same, Invalidation::only(&f));

        // removed: what counted its uses, not the file itself
        let gone = ws.apply(Change::Remove(f.clone()));
        assert!(gone.now.is_empty());
        assert!(gone.later.contains(&vault) && !gone.later.contains(&other));

        // a vault removed: everything
        let all = ws.apply(Change::Remove(vault));
        assert!(all.all);
        assert!(all.later.contains(&other));
    }
}
