//! Checks of a vault connection document: shape, setup, secrets, use and scopes.

use super::flow::{check_name, is_plain_secret};
use super::scopes::{Needs, Resolution, granted};
use super::shape::{self, Subject};
use super::{Diagnostic, Severity, code, opening};
use crate::analysis::Fixable;
use crate::catalogue::AppSpec;
use crate::catalogue::{Catalogue, SetupSpec, nearest};
use crate::model::is_marker;
use crate::model::vault::{Setup, VaultDoc};
use crate::syntax::{Node, NodeKind};
use crate::workspace::VaultInfo;
use crate::workspace::{SourceFile, Workspace};
use serde_json::Value;

const VAULT_KEYS: &[&str] = &[
    "$schema",
    "id",
    "name",
    "app_id",
    "setup",
    "environment",
    "account_name",
    "ready",
    "fingerprint",
    "created_at",
    "updated_at",
    "refreshed_at",
];

pub fn check(ws: &Workspace, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let Some(root) = super::root_object(
        file,
        "a vault connection is a JSON object with \"name\", \"app_id\" and \"setup\"",
        out,
    ) else {
        return;
    };
    check_entry(ws, file, root, None, out);
}

/// Checks one vault connection: a vault file's root, or an entry of a deploy-cli YAML's
/// `flowVaultConnections:` (`entry`: its range).
pub fn check_entry(
    ws: &Workspace,
    file: &SourceFile,
    root: &Node,
    entry: Option<crate::syntax::TextRange>,
    out: &mut Vec<Diagnostic>,
) {
    super::unknown_keys(root, VAULT_KEYS, "a vault connection", out);
    let doc = VaultDoc::new(root);
    match doc.name {
        None => out.push(Diagnostic::error(
            opening(root.range),
            code::SCHEMA,
            "missing required field `name` in the vault connection: add \"name\": \"…\"",
        )),
        Some(n) => check_name(n, "connection", out),
    }
    let app = app_of(&doc, opening(root.range), out);
    for key in ["ready"] {
        if let Some(n) = root.get(key)
            && n.as_bool().is_none()
        {
            out.push(Diagnostic::error(
                n.range,
                code::SCHEMA,
                format!("`{key}` must be true or false"),
            ));
        }
    }
    setup(ws, root, &doc, app, out);
    if let Some(info) = ws.vaults_in(&file.path).find(|v| v.entry == entry) {
        uses(ws, info, out);
    }
}

/// The connection stubs of an export bundle (`connections`: `{"#CONN-1#": {id?, app_id,
/// name}}`): their app, and what depends on the workspace — use and scopes — as a vault file's,
/// with the findings on the stub (its `name`, else its key).
pub fn check_bundle_connections(
    ws: &Workspace,
    file: &SourceFile,
    root: &Node,
    out: &mut Vec<Diagnostic>,
) {
    let Some(members) = root.get("connections").and_then(Node::as_object) else {
        return;
    };
    for m in members {
        let Some(stub) = &m.value else { continue };
        if stub.as_object().is_none() {
            out.push(Diagnostic::error(
                stub.range,
                code::SCHEMA,
                format!(
                    "the connection `{}` of the bundle must be an object with \"app_id\" and \"name\", {}",
                    m.key,
                    crate::analysis::shape::found(stub)
                ),
            ));
            continue;
        }
        let doc = VaultDoc::new(stub);
        if doc.name.is_none() {
            out.push(Diagnostic::error(
                m.key_range,
                code::SCHEMA,
                format!(
                    "the connection `{}` of the bundle has no `name`: add the name of the tenant's vault connection",
                    m.key
                ),
            ));
        }
        app_of(&doc, m.key_range, out);
        // a stub whose name another vault connection already has is that connection
        if let Some(info) = ws
            .vaults_in(&file.path)
            .find(|v| v.entry == Some(stub.range))
        {
            uses(ws, info, out);
        }
    }
}

/// The catalogue entry of the vault's `app_id`, reporting a missing or unknown one (a missing
/// one at `missing_at`).
fn app_of<'a>(
    doc: &VaultDoc<'a>,
    missing_at: crate::syntax::TextRange,
    out: &mut Vec<Diagnostic>,
) -> Option<(&'a str, &'static AppSpec)> {
    let cat = Catalogue::get();
    match doc.app_id {
        None => {
            out.push(Diagnostic::error(
                missing_at,
                code::SCHEMA,
                "missing required field `app_id` in the vault connection: add \"app_id\", such as \"AUTH0\"",
            ));
            None
        }
        Some(n) => match n.as_str() {
            Some(id) => match cat.app(id) {
                Some(app) => Some((id, app)),
                None => {
                    let near = nearest(id, cat.apps.keys().map(String::as_str));
                    let hint = match near {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "known apps: {}",
                            cat.apps.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    };
                    out.push(
                        Diagnostic::error(
                            n.range,
                            code::SCHEMA,
                            format!("unknown app_id `{id}`: {hint}"),
                        )
                        .with_fix(Fixable::nearest(near)),
                    );
                    None
                }
            },
            None => {
                if !is_marker(n) {
                    out.push(Diagnostic::error(
                        n.range,
                        code::SCHEMA,
                        format!(
                            "`app_id` must be a string, {}",
                            crate::analysis::shape::found(n)
                        ),
                    ));
                }
                None
            }
        },
    }
}

/// The setup against its app's shapes: type, required fields, formats, literal secrets.
/// Long: the setup checked key by key against its app's shape (type, required fields, formats,
/// secrets), in that order.
fn setup(
    ws: &Workspace,
    root: &Node,
    doc: &VaultDoc,
    app: Option<(&str, &AppSpec)>,
    out: &mut Vec<Diagnostic>,
) {
    let mappings = &ws.index().mappings;
    if let (Some((app_id, app)), Some(setup_node)) = (app, doc.setup) {
        let setup = doc.resolve_setup(mappings);
        if let Setup::Known { value, .. } = &setup {
            // a setup that came from a marker: every finding goes on the marker
            let anchor = if is_marker(setup_node) {
                setup_node.range
            } else {
                root.member("setup")
                    .map_or(setup_node.range, |m| m.key_range)
            };
            match value {
                Value::Object(obj) => {
                    let ty = obj.get("type").and_then(Value::as_str);
                    let variant: Option<&SetupSpec> = match ty {
                        Some(t) => app.setups.iter().find(|s| s.type_ == t),
                        None if app.setups.len() == 1 => app.setups.first(),
                        None => None,
                    };
                    let types: Vec<&str> = app.setups.iter().map(|s| s.type_.as_str()).collect();
                    match variant {
                        None => {
                            let at = setup_node.get("type").map_or(anchor, |n| n.range);
                            // as written: a type from a keyword marker is not displayed
                            let written = setup_node.get("type").and_then(Node::as_str);
                            let what = match ty {
                                Some(t) => format!(
                                    "`{}` is not a setup type of {app_id}",
                                    written.map_or_else(|| t.to_string(), |w| mappings.shown(w, t))
                                ),
                                None => format!("the setup of {app_id} needs a `type`"),
                            };
                            out.push(Diagnostic::error(
                                if is_marker(setup_node) {
                                    setup_node.range
                                } else {
                                    at
                                },
                                code::VAULT_SETUP,
                                format!(
                                    "{what}: use {}",
                                    types
                                        .iter()
                                        .map(|t| format!("\"{t}\""))
                                        .collect::<Vec<_>>()
                                        .join(" or ")
                                ),
                            ));
                        }
                        Some(variant) => {
                            let owner = format!("the {app_id} {} setup", variant.type_);
                            if let Some(validator) = variant.validator() {
                                shape::validate(
                                    setup_node,
                                    &variant.schema,
                                    validator,
                                    mappings,
                                    &Subject {
                                        field_word: "setup field",
                                        owner: &owner,
                                        code: code::VAULT_SETUP,
                                        anchor,
                                        is_params: false,
                                        skip: shape::report_all,
                                        secret_fields: &variant.secrets,
                                    },
                                    out,
                                );
                            }
                            setup_formats(setup_node, &setup, variant, out);
                            plaintext_secrets(setup_node, variant, mappings, out);
                        }
                    }
                }
                _ => out.push(Diagnostic::error(
                    setup_node.range,
                    code::VAULT_SETUP,
                    "`setup` must be an object, or a keyword marker such as \"@@SETUP_CONFIG@@\"",
                )),
            }
        }
    }
}

/// What depends on the rest of the workspace: a duplicate name, no flow using the connection,
/// and what its M2M application was granted against what its actions need.
/// Long: the cross-file checks of a connection in the order they depend on each other
/// (duplicates, unused, needed scopes, granted, missing and excess).
fn uses(ws: &Workspace, info: &VaultInfo, out: &mut Vec<Diagnostic>) {
    if let Some(name) = &info.name
        && ws
            .index()
            .vaults
            .iter()
            .filter(|v| v.name.as_ref() == Some(name))
            .count()
            > 1
    {
        let mut d = Diagnostic::error(
            info.name_range,
            code::DUPLICATE_CONNECTION,
            format!(
                "another vault connection is also named `{name}`: deploy-cli needs unique names"
            ),
        );
        for other in ws
            .index()
            .vaults
            .iter()
            .filter(|v| v.name.as_ref() == Some(name))
            .filter(|v| !(v.path == info.path && v.name_range == info.name_range))
        {
            d = d.with_related(
                &other.path,
                other.name_range,
                format!("the other vault connection named `{name}`"),
            );
        }
        out.push(d);
    }
    let uses: Vec<_> = ws.uses_of(info).collect();
    // a connection whose name is not known here (a Terraform resource named by an expression,
    // one per `for_each` entry) may be what any flow uses
    if uses.is_empty() && info.name.is_none() {
        return;
    }
    // a Terraform resource referred to where flowls does not know what the reference becomes
    // (an unevaluated function, an `output`, a `module` argument) may be used there
    if uses.is_empty() && super::terraform::referenced_in_module(ws, info) {
        return;
    }
    if uses.is_empty() {
        out.push(Diagnostic::new(
            info.name_range,
            Severity::Hint,
            code::UNUSED_CONNECTION,
            format!(
                "no flow uses the connection `{}`: remove it if it is not needed",
                info.shown_name()
            ),
        ));
        return;
    }
    if !info.is_management_api() {
        return;
    }
    let needs = Needs::of(ws, &[info]);
    let count = needs.count;
    if count == 0 {
        return;
    }
    let resolution = granted(ws, info);
    if let Resolution::Known(g) = &resolution
        && g.source == crate::analysis::scopes::Source::Tenant
    {
        // scopes the tenant granted that no action needs (least privilege)
        let extra: Vec<&str> = g.names().into_iter().filter(|s| !needs.covers(s)).collect();
        // an action whose connection flowls cannot know may be this one's
        // (a walk of the workspace: asked only when there is something to report)
        let unknown_use = || {
            info.app_id
                .as_deref()
                .is_some_and(|app| super::terraform::unknown_use_of_app(ws, app))
        };
        if !extra.is_empty() && !needs.unknown && !unknown_use() {
            out.push(Diagnostic::new(
                info.name_range,
                Severity::Hint,
                code::EXCESS_SCOPE,
                format!(
                    "the tenant granted {} but no action using `{}` needs {}: remove {} from its client grant (least privilege)",
                    extra.join(", "),
                    info.shown_name(),
                    if extra.len() == 1 { "it" } else { "them" },
                    if extra.len() == 1 { "it" } else { "them" }
                ),
            ));
        }
    }
    if let Resolution::Unknown {
        mut why,
        grant_unknown,
    } = resolution
    {
        if grant_unknown {
            return;
        }
        // a grant of the module whose client or audience is unknown may be this one's: the
        // check needs what cannot be known, so it is skipped; so may any grant of the module
        // when the resource's whole setup is unknown (`setup = null` of generated config,
        // `var.setup`). With no such grant, nothing says what it was granted: scopes-unknown,
        // as for a JSON setup that is one unknown `@@KEY@@` marker
        let terraform = super::terraform::is_resource(ws, info);
        if terraform && super::terraform::unknown_grant_may_be(ws, info) {
            return;
        }
        if matches!(info.setup, Setup::Unknown { .. }) && why == super::scopes::NOTHING_SAYS {
            why = "its setup is not known here, so neither is its M2M application, and nothing in the workspace says what it was granted".into();
        }
        let name = info.shown_name();
        let advice = if terraform {
            "declare its auth0_client_grant (client_id = auth0_client.NAME.id, with the setup's client_id = auth0_client.NAME.client_id), declare granted_scopes in flowls.toml, or run Test connection".to_string()
        } else {
            format!(
                "link its client grant in flowls.toml ([connections.\"{name}\"] client = \"…\"), declare granted_scopes there, or run Test connection"
            )
        };
        out.push(Diagnostic::new(
            info.name_range,
            Severity::Information,
            code::SCOPES_UNKNOWN,
            format!(
                "{count} AUTH0 action{} `{name}` and need{} {}, but {why}: {advice}",
                if count == 1 { " uses" } else { "s use" },
                if count == 1 { "s" } else { "" },
                needs.describe().join(", ")
            ),
        ));
    }
}

/// Formats the schemas leave to annotation: bare host domains and https URLs.
fn setup_formats(node: &Node, setup: &Setup, variant: &SetupSpec, out: &mut Vec<Diagnostic>) {
    let props = variant.schema.get("properties").and_then(Value::as_object);
    for (key, schema) in props.into_iter().flatten() {
        let format = schema.get("format").and_then(Value::as_str);
        let Some(value) = setup.field(key).filter(|v| !crate::model::is_masked(v)) else {
            continue;
        };
        // the range: the field's own value, or the marker the whole setup came from
        let at = node.get(key).map_or(node.range, |n| n.range);
        let problem = match format {
            Some("hostname-rfc2181") => host_problem(value),
            // the token endpoint receives the credentials: its host is held to the same rule
            Some("forms-url-https") if key == "token_endpoint" => https_problem(value)
                .map(|p| {
                    p.replace(
                        "https://my-tenant.us.auth0.com/api/v2/",
                        "https://login.example.com/oauth/token",
                    )
                })
                .or_else(|| {
                    let host = crate::model::host::authority_of(value)?;
                    host_problem(host).map(|p| format!("has a host that {p}"))
                }),
            Some("forms-url-https") => https_problem(value),
            _ => None,
        };
        if let Some(p) = problem {
            // the value as written, when it is written here (a resolved one may be a secret)
            let found = node
                .get(key)
                .filter(|n| !is_marker(n))
                .and_then(Node::as_str)
                .map(|raw| format!(" (found {})", super::shape::quote(raw)))
                .unwrap_or_default();
            out.push(Diagnostic::error(
                at,
                code::VAULT_SETUP,
                format!("`{key}` {p}{found}"),
            ));
        }
    }
}

fn host_problem(v: &str) -> Option<String> {
    if has_marker(v) {
        return None;
    }
    // loopback test tenants pass here; Test connection refuses them without the setting
    crate::model::host::bare_host(v, true)
        .err()
        .map(str::to_string)
}

fn https_problem(v: &str) -> Option<String> {
    if has_marker(v) {
        return None;
    }
    match v.strip_prefix("https://") {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => None,
        Some(_) => Some("must be an https URL with a host, such as https://example.com/".into()),
        None => Some("must be an https URL, such as https://my-tenant.us.auth0.com/api/v2/".into()),
    }
}

fn has_marker(v: &str) -> bool {
    v.contains("##") || v.contains("{{")
}

fn plaintext_secrets(
    node: &Node,
    variant: &SetupSpec,
    mappings: &crate::model::keywords::KeywordMappings,
    out: &mut Vec<Diagnostic>,
) {
    if !matches!(node.kind, NodeKind::Object(_)) {
        return;
    }
    for key in &variant.secrets {
        if let Some(v) = node.get(key)
            && let Some(s) = v.as_str()
            && is_plain_secret(s, mappings)
        {
            let suggestion = format!("##{}##", key.to_ascii_uppercase());
            out.push(Diagnostic::warning(
                v.range,
                code::PLAINTEXT_SECRET,
                format!(
                    "`{key}` is written in plain text: replace it by a keyword marker such as \"{suggestion}\" and put the value in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or an environment variable"
                ),
            ));
        }
    }
}
