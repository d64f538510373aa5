//! A deploy-cli YAML (`tenant.yaml`): its `flowVaultConnections:` entries checked like vault
//! files and its `clientGrants:` entries like grant files, with findings at their lines; its
//! `flows:` / `forms:` entries checked for a body file that exists in the workspace (the flows
//! and forms themselves are checked in their body files, where their text is).

use super::{Diagnostic, Severity, code, opening, unknown_keys};
use crate::model::DocKind;
use crate::model::tenant::Tenant;
use crate::syntax::Node;
use crate::workspace::{SourceFile, Workspace, body_path};

/// Long: one pass per section of tenant.yaml (unknown sections, vault entries, grants, body
/// files), in the file's order.
pub fn check(ws: &Workspace, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let Some(root) = &file.parse.root else {
        return;
    };
    for &key in crate::model::tenant::SECTIONS {
        let Some(list) = root.get(key) else { continue };
        if matches!(list.kind, crate::syntax::NodeKind::Null) {
            continue;
        }
        match list.as_array() {
            None => out.push(Diagnostic::error(
                list.range,
                code::SCHEMA,
                format!("`{key}` must be a list of entries (`- name: …`)"),
            )),
            Some(items) => {
                for item in items.iter().filter(|i| i.as_object().is_none()) {
                    out.push(Diagnostic::error(
                        item.range,
                        code::SCHEMA,
                        format!(
                            "an entry of `{key}` must be a mapping (`name: …`), {}",
                            crate::analysis::shape::found(item)
                        ),
                    ));
                }
            }
        }
    }
    let tenant = Tenant::new(root);
    for &entry in &tenant.vaults {
        super::vault::check_entry(ws, file, entry, Some(entry.range), out);
    }
    if !tenant.grants.is_empty() {
        let links = super::scopes::grant_links(ws);
        for &entry in &tenant.grants {
            super::scopes::check_grant_entry(ws, &links, file, Some(entry.range), out);
        }
    }
    let dir = file.path.parent().unwrap_or(&ws.root);
    for (kind, entry) in tenant.bodies() {
        let what = if kind == DocKind::Flow {
            "flow"
        } else {
            "form"
        };
        unknown_keys(
            entry.node,
            &["name", "body"],
            &format!("a {what} entry"),
            out,
        );
        match entry.name {
            None => out.push(Diagnostic::error(
                opening(entry.node.range),
                code::SCHEMA,
                format!("missing required field `name` in the {what} entry: add name: …"),
            )),
            Some(n) => super::flow::check_name(n, what, out),
        }
        let Some(body) = entry.body else {
            out.push(Diagnostic::error(
                opening(entry.node.range),
                code::SCHEMA,
                format!(
                    "missing required field `body` in the {what} entry: add body: ./{what}s/<name>.json (the file that holds the {what})"
                ),
            ));
            continue;
        };
        let Some(target) = body.as_str() else {
            if !crate::model::is_marker(body) {
                out.push(Diagnostic::error(
                    body.range,
                    code::SCHEMA,
                    format!("`body` must be the path of the {what}'s JSON file"),
                ));
            }
            continue;
        };
        body_file(
            ws,
            kind,
            what,
            entry.name,
            body,
            &body_path(dir, target),
            out,
        );
    }
}

/// The body file an entry names: in the workspace, of the right kind, and named alike.
fn body_file(
    ws: &Workspace,
    kind: DocKind,
    what: &str,
    name: Option<&Node>,
    body: &Node,
    path: &std::path::Path,
    out: &mut Vec<Diagnostic>,
) {
    let target = body.as_str().unwrap_or_default();
    if !path.starts_with(&ws.root) {
        out.push(Diagnostic::error(
            body.range,
            code::SCHEMA,
            format!("`{target}` is outside the workspace: flowls does not read it (and deploy-cli will refuse it): move the {what} inside"),
        ));
        return;
    }
    let Some(f) = ws.file(path) else {
        out.push(Diagnostic::error(
            body.range,
            code::SCHEMA,
            format!(
                "no file `{target}` in the workspace: deploy-cli reads the {what} from it (paths are relative to this YAML file's folder)"
            ),
        ));
        return;
    };
    if f.kind != kind {
        out.push(Diagnostic::error(
            body.range,
            code::SCHEMA,
            format!(
                "`{target}` is not a {what}: it is read as {}",
                match f.kind {
                    DocKind::Bundle => "a Dashboard export bundle",
                    DocKind::Vault => "a vault connection",
                    DocKind::Grant => "a client grant",
                    _ => "something else",
                }
            ),
        ));
        return;
    }
    let own = f
        .parse
        .root
        .as_ref()
        .and_then(|r| r.get("name"))
        .and_then(Node::as_str);
    if let (Some(own), Some(n)) = (own, name)
        && let Some(entry_name) = n.as_str()
        && own != entry_name
    {
        out.push(Diagnostic::new(
            n.range,
            Severity::Warning,
            code::SCHEMA,
            format!(
                "the body file names this {what} `{own}`, and deploy-cli deploys it under that name, not `{entry_name}`: make the two agree"
            ),
        ));
    }
}
