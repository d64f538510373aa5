//! Which Management API scopes a vault connection's M2M application was granted, from the
//! most trusted source that says so: the last Test connection, a client grant in `grants/`
//! linked by `flowls.toml` or by a literal client id, or `granted_scopes` in `flowls.toml`.
//! Never guesses a link. Also the grant-file and `flowls.toml` findings (`excess-scope`,
//! `config`).

use super::{Diagnostic, Severity, code};
use crate::model::need::Need;
use crate::syntax::TextRange;
use crate::workspace::{GrantInfo, SourceFile, VaultInfo, Workspace};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The token of the last successful Test connection.
    Tenant,
    /// A client grant file; `by_config` when `flowls.toml` links it, else the literal client id.
    Grant {
        rel: String,
        /// The grant's entry in `rel`, when it holds several (a YAML `clientGrants:`).
        entry: Option<TextRange>,
        client: String,
        by_config: bool,
    },
    /// `granted_scopes` in `flowls.toml`.
    Declared,
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Tenant => "the last Test connection".into(),
            Source::Grant {
                rel,
                client,
                by_config: true,
                ..
            } => {
                format!("the client grant of `{client}` in {rel}, linked in flowls.toml")
            }
            Source::Grant {
                rel,
                client,
                by_config: false,
                ..
            } => {
                format!("the client grant of `{client}` in {rel}, linked by the setup's client_id")
            }
            Source::Declared => "granted_scopes in flowls.toml".into(),
        }
    }
    /// `missing-scope` is an error when the tenant said so, a warning when files did.
    pub fn severity(&self) -> Severity {
        match self {
            Source::Tenant => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// Each scope with where it is written (file and range), when it is in a file.
    pub scopes: Vec<(String, Option<(PathBuf, TextRange)>)>,
    pub source: Source,
}

impl Granted {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|(s, _)| s == scope)
    }
    pub fn names(&self) -> Vec<&str> {
        self.scopes.iter().map(|(s, _)| s.as_str()).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Known(Granted),
    /// `grant_unknown`: a grant is linked to the connection but what it grants is not known
    /// here (its `scopes` is an unknown Terraform value): no check can be made, and nothing is
    /// said (no `scopes-unknown`: the workspace does say where the scopes are).
    Unknown {
        why: String,
        grant_unknown: bool,
    },
}

/// A linked grant: what it grants, or unknown when its scopes are.
fn resolve_grant(grant: &GrantInfo, by_config: bool) -> Resolution {
    if grant.grant.scopes_unknown {
        let client = grant.grant.client_id.as_deref().unwrap_or_default();
        return Resolution::Unknown {
            why: format!(
                "the scopes of the client grant of `{client}` in {} are a value flowls cannot know",
                grant.rel
            ),
            grant_unknown: true,
        };
    }
    Resolution::Known(from_grant(grant, by_config))
}

fn audience_fits(grant: &GrantInfo, vault: &VaultInfo) -> bool {
    let norm = |s: &str| s.trim_end_matches('/').to_string();
    match (&grant.audience, &vault.audience) {
        (Some(g), Some(v)) => norm(g) == norm(v),
        // the vault's domain is known only at deploy time: any Management API grant fits
        (Some(g), None) => g.trim_end_matches('/').ends_with("/api/v2"),
        (None, _) => false,
    }
}

/// A Terraform grant and vault resource of one module whose audience and domain are unknown
/// alike (`audience = "https://${var.domain}/api/v2/"`, `domain = var.domain`): the grant is
/// for the connection's Management API whatever the value.
fn written_alike(ws: &Workspace, grant: &GrantInfo, vault: &VaultInfo) -> bool {
    grant.audience.is_none()
        && vault.audience.is_none()
        && grant.path.parent() == vault.path.parent()
        && super::terraform::audiences_written_alike(ws, grant, vault)
}

fn from_grant(grant: &GrantInfo, by_config: bool) -> Granted {
    Granted {
        scopes: grant
            .grant
            .scopes
            .iter()
            .map(|(s, r)| (s.clone(), Some((grant.path.clone(), *r))))
            .collect(),
        source: Source::Grant {
            rel: grant.rel.clone(),
            entry: grant.entry,
            client: grant.grant.client_id.clone().unwrap_or_default(),
            by_config,
        },
    }
}

/// Why the scopes are unknown when nothing links a grant to the connection.
pub const NOTHING_SAYS: &str = "nothing in the workspace says what its M2M application was granted";

/// What the M2M application behind an AUTH0 vault connection was granted.
pub fn granted(ws: &Workspace, vault: &VaultInfo) -> Resolution {
    let name = vault.name.as_deref().unwrap_or_default();
    if let Some(scopes) = ws.live_scopes.get(name) {
        return Resolution::Known(Granted {
            scopes: scopes.iter().map(|s| (s.clone(), None)).collect(),
            source: Source::Tenant,
        });
    }
    let index = ws.index();
    let config = index
        .project
        .as_ref()
        .and_then(|(path, c)| Some((path, c.as_ref().ok()?.connections.get(name)?)));
    let mut why = Vec::new();
    let audience = vault
        .audience_shown
        .clone()
        .unwrap_or_else(|| "its Management API audience".into());
    if let Some((_, c)) = config
        && let Some((client, _)) = &c.client
    {
        let of_client: Vec<&GrantInfo> = index
            .grants
            .iter()
            .filter(|g| g.grant.client_id.as_deref() == Some(client))
            .collect();
        match of_client
            .iter()
            .find(|g| audience_fits(g, vault) || written_alike(ws, g, vault))
        {
            Some(g) => return resolve_grant(g, true),
            None if of_client.is_empty() => why.push(format!(
                "flowls.toml links it to client `{client}`, but no client grant (grants/, or clientGrants: in a deploy-cli YAML) has that client_id"
            )),
            None => why.push(format!(
                "the grants of client `{client}` are for other audiences, not {audience}"
            )),
        }
    }
    if let Some(client_id) = &vault.client_id
        && let Some(g) = index.grants.iter().find(|g| {
            g.grant.client_id.as_deref() == Some(client_id)
                && (audience_fits(g, vault) || written_alike(ws, g, vault))
        })
    {
        return resolve_grant(g, false);
    }
    if let Some((path, c)) = config
        && let Some(scopes) = &c.granted_scopes
    {
        return Resolution::Known(Granted {
            scopes: scopes
                .iter()
                .map(|(s, r)| (s.clone(), Some(((*path).clone(), *r))))
                .collect(),
            source: Source::Declared,
        });
    }
    if why.is_empty() {
        why.push(NOTHING_SAYS.into());
    }
    Resolution::Unknown {
        why: why.join("; "),
        grant_unknown: false,
    }
}

/// What the actions using some vault connections need of the Management API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// The distinct scope sets (any one scope of a set is enough), sorted.
    pub sets: Vec<Vec<String>>,
    /// How many actions need a Management API scope.
    pub count: usize,
    /// How many actions use the connections at all.
    pub uses: usize,
    /// Some action's need cannot be known (an endpoint flowls cannot look up).
    pub unknown: bool,
}

impl Needs {
    pub fn of(ws: &Workspace, vaults: &[&VaultInfo]) -> Needs {
        let mut needs = Needs::default();
        for v in vaults {
            for (_, u) in ws.uses_of(v) {
                needs.uses += 1;
                match &u.need {
                    Need::AnyOf { scopes, .. } => {
                        needs.count += 1;
                        if !needs.sets.iter().any(|s| s == scopes) {
                            needs.sets.push(scopes.to_vec());
                        }
                    }
                    Need::Unknown { .. } => needs.unknown = true,
                    Need::Nothing => {}
                }
            }
        }
        needs.sets.sort();
        needs
    }

    /// Whether some action needs this scope (as one of its set).
    pub fn covers(&self, scope: &str) -> bool {
        self.sets.iter().any(|set| set.iter().any(|s| s == scope))
    }

    /// Each set for people: its scope name, with the alternatives after it; sorted.
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = self.sets.iter().map(|set| describe_set(set)).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The scope each set names (its general scope), sorted: what to grant.
    pub fn names(&self) -> Vec<String> {
        names_of(self.sets.iter())
    }
}

/// The scope each set of alternatives names (its first: the general scope), sorted, without
/// repeats. Never a joined string: these are what to grant.
pub fn names_of<'a>(sets: impl Iterator<Item = &'a Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = sets.filter_map(|s| s.first().cloned()).collect();
    out.sort();
    out.dedup();
    out
}

/// A set of alternatives (as `catalogue::m2m_scope_names` orders them) for people: the scope
/// to grant, then the others that would do as well: `update:users (or update:users_app_metadata)`.
pub fn describe_set(set: &[String]) -> String {
    match set {
        [] => String::new(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} (or {})", rest.join(", ")),
    }
}

/// "used by N actions in M flows".
pub fn usage_line(ws: &Workspace, vault: &VaultInfo) -> String {
    let uses: Vec<_> = ws.uses_of(vault).collect();
    // a flow is a file, or one `auth0_flow` resource of a `.tf` file that holds several
    let mut flows: Vec<(&str, Option<&str>)> = uses
        .iter()
        .map(|(f, u)| {
            let resource = (f.kind == crate::model::DocKind::Terraform)
                .then(|| {
                    crate::syntax::hcl::resources(f.parse.root.as_ref()?)
                        .find(|(_, _, n)| n.range.contains(u.range.start as usize))
                        .map(|(_, address, _)| address)
                })
                .flatten();
            (f.rel.as_str(), resource)
        })
        .collect();
    flows.sort_unstable();
    flows.dedup();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    format!(
        "used by {} action{} in {} flow{}",
        uses.len(),
        plural(uses.len()),
        flows.len(),
        plural(flows.len())
    )
}

fn excess(
    ws: &Workspace,
    vaults: &[&VaultInfo],
    scopes: &[(String, TextRange)],
    where_: &str,
    out: &mut Vec<Diagnostic>,
) {
    let needs = Needs::of(ws, vaults);
    if needs.unknown || needs.uses == 0 {
        return;
    }
    // an action whose connection flowls cannot know may be one of these connections'
    if vaults.iter().any(|v| {
        v.app_id
            .as_deref()
            .is_some_and(|app| super::terraform::unknown_use_of_app(ws, app))
    }) {
        return;
    }
    let names: Vec<String> = vaults
        .iter()
        .map(|v| format!("`{}`", v.shown_name()))
        .collect();
    for (scope, range) in scopes {
        if !needs.covers(scope) {
            out.push(Diagnostic::new(
                *range,
                Severity::Hint,
                code::EXCESS_SCOPE,
                format!(
                    "`{scope}` is granted but no action using {} needs it: remove it from {where_} (least privilege)",
                    names.join(", ")
                ),
            ));
        }
    }
}

/// `excess-scope` on the scope entries of a client grant file.
pub fn check_grant(ws: &Workspace, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let links = grant_links(ws);
    check_grant_entry(ws, &links, file, None, out);
}

/// The AUTH0 vault connections whose granted scopes each client grant supplies, by the grant's
/// file and entry: `granted` is resolved once per connection, so that checking every grant of
/// a YAML holding thousands stays quadratic at worst.
pub fn grant_links(ws: &Workspace) -> GrantLinks<'_> {
    let mut links: GrantLinks = HashMap::new();
    for v in ws.index().vaults.iter().filter(|v| v.is_management_api()) {
        if let Resolution::Known(Granted {
            source: Source::Grant { rel, entry, .. },
            ..
        }) = granted(ws, v)
        {
            links.entry((rel, entry)).or_default().push(v);
        }
    }
    links
}

/// [`grant_links`]: (the grant's workspace-relative path, its entry) → connections.
pub type GrantLinks<'a> = HashMap<(String, Option<TextRange>), Vec<&'a VaultInfo>>;

/// `excess-scope` on the scope entries of one client grant: a grant file, or an entry of a
/// deploy-cli YAML's `clientGrants:` (`entry`: its range).
pub fn check_grant_entry(
    ws: &Workspace,
    links: &GrantLinks,
    file: &SourceFile,
    entry: Option<TextRange>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(grant) = ws
        .index()
        .grants
        .iter()
        .find(|g| g.path == file.path && g.entry == entry)
    else {
        return;
    };
    let Some(vaults) = links.get(&(grant.rel.clone(), grant.entry)) else {
        return;
    };
    excess(ws, vaults, &grant.grant.scopes, "this grant", out);
}

/// `flowls.toml`: parse errors, links to nothing, and `excess-scope` on declared scopes.
pub fn check_project(ws: &Workspace, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let Some((_, parsed)) = &ws.index().project else {
        return;
    };
    let config = match parsed {
        Ok(c) => c,
        Err(e) => {
            out.push(Diagnostic::error(e.range, code::CONFIG, e.message.clone()));
            return;
        }
    };
    let _ = file;
    for e in &config.placeholder_errors {
        out.push(Diagnostic::error(e.range, code::CONFIG, e.message.clone()));
    }
    for (name, c) in &config.connections {
        if let Some((app_id, range)) = &c.app_id
            && crate::catalogue::Catalogue::get().app(app_id).is_none()
        {
            let cat = crate::catalogue::Catalogue::get();
            let near = crate::catalogue::nearest(app_id, cat.apps.keys().map(String::as_str));
            out.push(
                Diagnostic::error(
                    *range,
                    code::CONFIG,
                    match near {
                        Some(n) => format!("unknown app_id `{app_id}`: did you mean `{n}`?"),
                        None => format!("unknown app_id `{app_id}`"),
                    },
                )
                .with_fix(super::Fixable::nearest(near)),
            );
        }
        let vault = ws
            .index()
            .vaults
            .iter()
            .find(|v| v.name.as_deref() == Some(name));
        let Some(vault) = vault else {
            out.push(Diagnostic::warning(
                c.name_range,
                code::CONFIG,
                format!("no vault connection is named `{name}`: check the name (it is the vault file's \"name\"), or declare one that lives only in the tenant with app_id = \"AUTH0\""),
            ));
            continue;
        };
        if let Some((client, range)) = &c.client
            && !ws
                .index()
                .grants
                .iter()
                .any(|g| g.grant.client_id.as_deref() == Some(client))
        {
            out.push(Diagnostic::error(
                *range,
                code::CONFIG,
                format!("no client grant (in grants/, or under clientGrants: in a deploy-cli YAML) has client_id `{client}`: use the client's name as deploy-cli writes it there"),
            ));
        }
        if let (
            Some(scopes),
            Resolution::Known(Granted {
                source: Source::Declared,
                ..
            }),
        ) = (&c.granted_scopes, granted(ws, vault))
        {
            excess(ws, &[vault], scopes, "granted_scopes", out);
        }
    }
}
