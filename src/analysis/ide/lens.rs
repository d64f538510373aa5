//! Code lenses: "Test connection" on vault connections, and what a connection or grant is
//! used for ("used by N actions · needs …").

use crate::model::DocKind;
use crate::syntax::TextRange;
use crate::workspace::Workspace;
use std::path::Path;

/// A code lens: informational, or the "Test connection" command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lens {
    pub range: TextRange,
    pub title: String,
    pub test_connection: bool,
    /// The connection to test, where the document holds several (a YAML file's entries).
    pub connection: Option<String>,
}

/// On a client grant (a grant file, or a `clientGrants:` entry of a YAML: `entry`): what the
/// flows of the application it grants need of it, "needed by N actions · 2 missing · 1 excess",
/// on its `scope` key.
fn grant_lenses(
    ws: &Workspace,
    report: &crate::analysis::least_privilege::Report,
    file: &crate::workspace::SourceFile,
    entry: Option<TextRange>,
) -> Vec<Lens> {
    let Some(grant) = ws.entry_node(&file.path, entry) else {
        return Vec::new();
    };
    let at = grant.member("scope").map_or(grant.range, |m| m.key_range);
    report
        .applications
        .iter()
        .filter(|a| {
            a.granted
                .as_ref()
                .is_some_and(|g| g.file.as_deref() == Some(file.rel.as_str()) && g.entry == entry)
        })
        .map(|a| {
            let n = a.action_count();
            let mut title = format!("needed by {n} action{}", if n == 1 { "" } else { "s" });
            if !a.missing.is_empty() {
                title.push_str(&format!(" · {} missing", a.missing.len()));
            }
            if !a.excess.is_empty() {
                title.push_str(&format!(" · {} excess", a.excess.len()));
            }
            if a.missing.is_empty() && a.excess.is_empty() {
                title.push_str(" · exactly what the flows need");
            }
            Lens {
                range: at,
                title,
                test_connection: false,
                connection: None,
            }
        })
        .collect()
}

/// The code lenses of a vault document: "Test connection" (for connections it can test), and
/// where it is used with the scopes its actions need.
pub fn lenses(ws: &Workspace, path: &Path) -> Vec<Lens> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    match file.kind {
        DocKind::Grant => {
            let report = crate::analysis::least_privilege::report(ws);
            grant_lenses(ws, &report, file, None)
        }
        DocKind::Vault => ws
            .vaults_in(path)
            .take(1)
            .flat_map(|v| vault_lenses(ws, v, None))
            .collect(),
        DocKind::Tenant | DocKind::Terraform => {
            let mut out: Vec<Lens> = ws
                .vaults_in(path)
                .flat_map(|v| vault_lenses(ws, v, v.name.clone()))
                .collect();
            // the `clientGrants:` entries, as grant files
            let entries: Vec<TextRange> = ws
                .index()
                .grants
                .iter()
                .filter(|g| g.path == file.path)
                .filter_map(|g| g.entry)
                .collect();
            if !entries.is_empty() {
                let report = crate::analysis::least_privilege::report(ws);
                for entry in entries {
                    out.extend(grant_lenses(ws, &report, file, Some(entry)));
                }
            }
            out.sort_by_key(|l| l.range.start);
            out
        }
        _ => Vec::new(),
    }
}

fn vault_lenses(
    ws: &Workspace,
    v: &crate::workspace::VaultInfo,
    connection: Option<String>,
) -> Vec<Lens> {
    let mut title = crate::analysis::scopes::usage_line(ws, v);
    let needed = crate::analysis::scopes::Needs::of(ws, &[v]).describe();
    if !needed.is_empty() {
        title.push_str(&format!(" · needs {}", needed.join(", ")));
    }
    let mut out = Vec::new();
    // in a `.tf` file only a setup whose values are all known (no `var.X` without a value,
    // no `data.*`): Terraform supplies the others at plan time
    let in_terraform = ws
        .file(&v.path)
        .is_some_and(|f| f.kind == DocKind::Terraform);
    let known =
        matches!(&v.setup, crate::model::vault::Setup::Known { unknown, .. } if unknown.is_empty());
    let testable = match (v.app_id.as_deref(), &v.setup) {
        _ if in_terraform && !known => false,
        _ if v.is_management_api() => true,
        (Some("HTTP"), crate::model::vault::Setup::Known { value, .. }) => {
            value.get("type").and_then(|t| t.as_str()) == Some("OAUTH_CLIENT_CREDENTIALS")
        }
        _ => false,
    };
    if testable {
        out.push(Lens {
            range: v.name_range,
            title: "Test connection".into(),
            test_connection: true,
            connection: connection.clone(),
        });
    }
    out.push(Lens {
        range: v.name_range,
        title,
        test_connection: false,
        connection: None,
    });
    out
}
