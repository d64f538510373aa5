//! Least privilege for the whole workspace: per M2M application, the vault connections that
//! stand for it, every scope its flows' actions need (with the actions), what it was granted
//! and where that was read, and what is missing or excess. Pure, like the rest of the
//! analysis; `flowls scopes`, the `flowls.showScopes` command, the grant code lens and the
//! "Grant exactly what the flows need" fix all read it.
//!
//! Grouping: connections stand for one application when their grants name the same client
//! (a grant linked in `flowls.toml` or by the setup's literal `client_id`), when `flowls.toml`
//! names the same `client`, or when their literal `client_id`s are equal. A connection with no
//! known application is a group of its own.

use super::scopes::{Granted, Resolution, Source, granted};
use crate::model::need::Need;
use crate::syntax::TextRange;
use crate::workspace::{VaultInfo, Workspace};
use serde::Serialize;
use std::path::PathBuf;

/// The report: one entry per M2M application.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub applications: Vec<Application>,
    /// The applications behind AUTH0 connections that no action needs a scope from and that
    /// nothing says was granted: nothing to report on (not listed above), but they stand behind
    /// a connection all the same (the graph draws them).
    #[serde(skip)]
    pub idle: Vec<Application>,
    /// The connection tokens of files `.tf` resources read that an unknown value replaces
    /// (`replace(…, "#CONN-1#", var.conn_id)`), used by actions that need Management API
    /// scopes: `#CONN-1# of exported/v.json`. Their connections (and grants) are not known.
    #[serde(skip)]
    pub unknown_connections: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Application {
    /// The client (its name in deploy-cli files, or its id); `None` when no connection says.
    pub client: Option<String>,
    /// The vault connections that stand for it, by name.
    pub connections: Vec<String>,
    /// The Management API audience as written in the files (keyword markers kept, their
    /// values never shown): the grant's, else the setup's, else `https://{domain}/api/v2/`.
    pub audience: Option<String>,
    /// Every scope the actions need, by name, with the actions that need it.
    pub needed: Vec<NeededScope>,
    /// Actions whose need cannot be known (an endpoint flowls cannot look up).
    pub unknown: Vec<ActionRef>,
    /// What it was granted, when something says.
    pub granted: Option<GrantedScopes>,
    /// Why what it was granted is not known though its grant is linked (its `scopes` is an
    /// unknown Terraform value): nothing is missing or excess.
    #[serde(skip)]
    pub granted_unknown: Option<String>,
    /// Needed scopes it was not granted.
    pub missing: Vec<String>,
    /// Granted scopes no action needs (only when every need is known).
    pub excess: Vec<String>,
    /// Its connections are kept in a deploy-cli YAML (or its grant is a `clientGrants:`
    /// entry): the grant to paste is a YAML entry.
    #[serde(skip)]
    pub yaml: bool,
    /// Its connections are Terraform resources: the `auth0_client_grant` to write, with
    /// references.
    #[serde(skip)]
    pub terraform: Option<super::terraform::TerraformGrant>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NeededScope {
    /// The scope to grant (the general one of its alternatives).
    pub scope: String,
    /// Other scopes that would do as well (any one is enough).
    pub alternatives: Vec<String>,
    /// The scope of the set the application holds, when it holds one.
    pub held: Option<String>,
    pub actions: Vec<ActionRef>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActionRef {
    /// Workspace-relative path of the flow.
    pub file: String,
    /// 1-based line of the action's `action` value.
    pub line: usize,
    pub id: Option<String>,
    /// `TYPE/ACTION`, or the method and path of a custom request.
    pub what: String,
    #[serde(skip)]
    pub path: PathBuf,
    #[serde(skip)]
    pub range: TextRange,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GrantedScopes {
    pub scopes: Vec<String>,
    /// Where it was read: `grant` (a file in grants/), `flowls.toml`, or `tenant` (the last
    /// Test connection).
    pub source: &'static str,
    /// The file it was read from, workspace-relative (grant file or `flowls.toml`).
    pub file: Option<String>,
    /// The grant's entry in `file`, when the file holds several (a YAML `clientGrants:`).
    #[serde(skip)]
    pub entry: Option<TextRange>,
    /// For people: "the client grant of `Flows M2M` in grants/…, linked in flowls.toml".
    pub described: String,
}

/// A connection of an application, with what it was granted (when something says), or why
/// its linked grant's scopes are unknown.
type Member<'a> = (&'a VaultInfo, Option<Granted>, Option<String>);

/// The report of the workspace.
pub fn report(ws: &Workspace) -> Report {
    // each connection with what it was granted (resolved once)
    let mut groups: Vec<(Option<String>, Vec<Member>)> = Vec::new();
    for v in ws.index().vaults.iter().filter(|v| v.is_management_api()) {
        let (resolved, unknown_why) = match granted(ws, v) {
            Resolution::Known(g) => (Some(g), None),
            Resolution::Unknown {
                why,
                grant_unknown: true,
            } => (None, Some(why)),
            Resolution::Unknown { .. } => (None, None),
        };
        let client = client_of(ws, v, resolved.as_ref());
        match groups
            .iter_mut()
            .find(|(c, _)| client.is_some() && *c == client)
        {
            Some((_, vs)) => vs.push((v, resolved, unknown_why)),
            None => groups.push((client, vec![(v, resolved, unknown_why)])),
        }
    }
    let (mut applications, mut idle): (Vec<Application>, Vec<Application>) = groups
        .into_iter()
        .map(|(client, members)| application(ws, client, members))
        .partition(|a| {
            !a.needed.is_empty()
                || !a.unknown.is_empty()
                || a.granted.is_some()
                || a.granted_unknown.is_some()
        });
    let order = |a: &Application, b: &Application| {
        (&a.client, &a.connections).cmp(&(&b.client, &b.connections))
    };
    applications.sort_by(order);
    idle.sort_by(order);
    Report {
        applications,
        idle,
        unknown_connections: unknown_connections(ws),
    }
}

/// [`Report::unknown_connections`].
fn unknown_connections(ws: &Workspace) -> Vec<String> {
    let mut out: Vec<String> = ws
        .files()
        .flat_map(|f| f.uses.iter().map(move |u| (f, u)))
        .filter(|(_, u)| matches!(&u.need, Need::AnyOf { scopes, .. } if !scopes.is_empty()))
        .filter_map(|(f, u)| {
            let r = ws.replaced_use(&f.path, u)?;
            r.reference
                .is_none()
                .then(|| format!("{} of {}", r.token, f.rel))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The application behind a connection: the grant's client, `flowls.toml`'s `client`, or a
/// literal `client_id` (never one that comes from the environment).
fn client_of(ws: &Workspace, v: &VaultInfo, resolved: Option<&Granted>) -> Option<String> {
    if let Some(Granted {
        source: Source::Grant { client, .. },
        ..
    }) = resolved
    {
        return Some(client.clone());
    }
    let name = v.name.as_deref()?;
    let config = ws
        .index()
        .project
        .as_ref()
        .and_then(|(_, c)| c.as_ref().ok())
        .and_then(|c| c.connections.get(name));
    if let Some((client, _)) = config.and_then(|c| c.client.as_ref()) {
        return Some(client.clone());
    }
    let raw = ws
        .written_setup(v)?
        .get("client_id")
        .and_then(crate::syntax::Node::as_str)?;
    ws.index()
        .mappings
        .env_keys(raw)
        .is_empty()
        .then(|| v.client_id.clone())
        .flatten()
}

/// Long: builds one report row in the order it is read (needed, missing, excess, where granted,
/// the YAML to paste); each step uses the ones before.
fn application(ws: &Workspace, client: Option<String>, members: Vec<Member>) -> Application {
    let vaults: Vec<&VaultInfo> = members.iter().map(|(v, _, _)| *v).collect();
    let granted_unknown = members.iter().find_map(|(_, _, why)| why.clone());
    let vaults = vaults.as_slice();
    let mut needed: Vec<(Vec<String>, NeededScope)> = Vec::new();
    let mut unknown = Vec::new();
    for v in vaults {
        for (file, u) in ws.uses_of(v) {
            let action = ActionRef {
                file: file.rel.clone(),
                line: file
                    .line_index()
                    .position(
                        &file.text,
                        u.action_range.start as usize,
                        crate::syntax::line_index::ColumnUnit::Char,
                    )
                    .0
                    + 1,
                id: u.action_id.as_ref().map(|s| s.to_string()),
                what: match &u.need {
                    Need::AnyOf { what, .. } => what.to_string(),
                    _ => u.label.to_string(),
                },
                path: file.path.clone(),
                range: u.action_range,
            };
            match &u.need {
                Need::AnyOf { scopes, .. } if !scopes.is_empty() => {
                    match needed.iter_mut().find(|(set, _)| set.as_slice() == *scopes) {
                        Some((_, n)) => n.actions.push(action),
                        None => needed.push((
                            scopes.to_vec(),
                            NeededScope {
                                scope: scopes[0].clone(),
                                alternatives: scopes[1..].to_vec(),
                                held: None,
                                actions: vec![action],
                            },
                        )),
                    }
                }
                Need::Unknown { .. } => unknown.push(action),
                _ => {}
            }
        }
    }
    // the most trusted source among the connections (they stand for one application)
    let resolved = members.into_iter().find_map(|(_, g, _)| g);
    let mut missing = Vec::new();
    for (set, n) in &mut needed {
        n.held = resolved
            .as_ref()
            .and_then(|g| set.iter().find(|s| g.has(s)).cloned());
        if resolved.is_some() && n.held.is_none() {
            missing.push(n.scope.clone());
        }
    }
    // an action whose connection flowls cannot know may be one of these connections'
    // (a walk of the workspace: asked only where excess scopes could be claimed)
    let unknown_use = || {
        vaults.iter().any(|v| {
            v.app_id
                .as_deref()
                .is_some_and(|app| super::terraform::unknown_use_of_app(ws, app))
        })
    };
    let excess = match &resolved {
        Some(g) if unknown.is_empty() && !unknown_use() => g
            .names()
            .into_iter()
            .filter(|s| !needed.iter().any(|(set, _)| set.iter().any(|x| x == s)))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let mut needed: Vec<NeededScope> = needed.into_iter().map(|(_, n)| n).collect();
    needed.sort_by(|a, b| a.scope.cmp(&b.scope));
    missing.sort();
    missing.dedup();
    let mut connections: Vec<String> = vaults.iter().filter_map(|v| v.name.clone()).collect();
    connections.sort();
    let in_yaml = |path: &std::path::Path| {
        ws.file(path)
            .is_some_and(|f| f.kind == crate::model::DocKind::Tenant)
    };
    let yaml = match &resolved {
        Some(Granted {
            source: Source::Grant { entry, .. },
            ..
        }) => entry.is_some(),
        _ => vaults.iter().any(|v| in_yaml(&v.path)),
    };
    let linked = match &resolved {
        Some(Granted {
            source: Source::Grant { rel, entry, .. },
            ..
        }) => Some((rel.as_str(), *entry)),
        _ => None,
    };
    let terraform = super::terraform::grant_for(ws, vaults, client.as_deref(), linked);
    Application {
        terraform,
        client,
        connections,
        yaml,
        audience: written_audience(ws, vaults, resolved.as_ref()),
        needed,
        unknown,
        granted: resolved.map(|g| GrantedScopes {
            scopes: g.names().into_iter().map(str::to_string).collect(),
            source: match g.source {
                Source::Tenant => "tenant",
                Source::Grant { .. } => "grant",
                Source::Declared => "flowls.toml",
            },
            file: match &g.source {
                Source::Grant { rel, .. } => Some(rel.clone()),
                Source::Declared => ws.index().project.as_ref().map(|(p, _)| ws.rel_path(p)),
                Source::Tenant => None,
            },
            entry: match &g.source {
                Source::Grant { entry, .. } => *entry,
                _ => None,
            },
            described: g.source.describe(),
        }),
        granted_unknown,
        missing,
        excess,
    }
}

/// The audience as the files write it (see [`Application::audience`]): the linked grant's own
/// (a grant counts only for the connection's effective audience), found by its file and entry —
/// a YAML holds the grants of every API, and the first of them may be a custom API's.
fn written_audience(ws: &Workspace, vaults: &[&VaultInfo], g: Option<&Granted>) -> Option<String> {
    if let Some(Granted {
        source: Source::Grant { rel, entry, .. },
        ..
    }) = g
        && let Some(a) = ws
            .index()
            .grants
            .iter()
            .find(|x| &x.rel == rel && x.entry == *entry)
            .and_then(|x| x.grant.audience.clone())
    {
        return Some(a);
    }
    vaults.iter().find_map(|v| {
        let setup = ws.written_setup(v)?;
        let raw = |k: &str| setup.get(k).and_then(crate::syntax::Node::as_str);
        raw("audience")
            .map(str::to_string)
            .or_else(|| raw("domain").map(|d| format!("https://{d}/api/v2/")))
    })
}

impl Application {
    /// The exact scopes to grant: for each need, the scope already held among its
    /// alternatives, else its general scope. Nothing more.
    pub fn exact_scopes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .needed
            .iter()
            .map(|n| n.held.clone().unwrap_or_else(|| n.scope.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// How many actions need a scope of the Management API.
    pub fn action_count(&self) -> usize {
        self.needed.iter().map(|n| n.actions.len()).sum()
    }
}
