//! `flowls scopes`: the least-privilege report of a workspace, for people (`table`), machines
//! (`json`), and as the exact grant to paste (`deploy-cli`'s `grants/*.json` body, Terraform's
//! `auth0_client_grant`).

use crate::analysis::least_privilege::{Application, Report};
use serde_json::json;
use std::fmt::Write as _;

/// `scopes --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScopesFormat {
    Table,
    Json,
    DeployCli,
    Terraform,
}

/// What `--deny` fails on besides missing scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScopesDeny {
    Missing,
    Excess,
}

/// The exit code: 1 when a scope is missing (or, with `--deny excess`, excess).
pub fn exit_code(report: &Report, deny: ScopesDeny) -> u8 {
    let fails = |a: &Application| {
        !a.missing.is_empty() || (deny == ScopesDeny::Excess && !a.excess.is_empty())
    };
    u8::from(report.applications.iter().any(fails))
}

pub fn render(report: &Report, format: ScopesFormat, colour: bool) -> String {
    match format {
        ScopesFormat::Table => table(report, colour),
        ScopesFormat::Json => {
            let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
            s.push('\n');
            s
        }
        ScopesFormat::DeployCli => deploy_cli(report),
        ScopesFormat::Terraform => terraform(report),
    }
}

/// Long: one section per application printed in the order a reader reads it (connections,
/// needed with their actions, granted and where, missing, excess); split, the order would be
/// spread over several functions.
fn table(report: &Report, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    // every name comes from the repository or the tenant: escaped (no terminal escapes, no
    // workflow command on a line of its own)
    let e = |t: &str| crate::display::escape_control(t, false).into_owned();
    let mut s = String::new();
    for token in &report.unknown_connections {
        let _ = writeln!(
            s,
            "{} is replaced by an unknown value: its connection, and what its application was granted, are not known here\n",
            e(token)
        );
    }
    if report.applications.is_empty() {
        if report.unknown_connections.is_empty() {
            s.push_str(
                "No AUTH0 vault connection is used by a flow: no Management API scope is needed.\n",
            );
        }
        return s;
    }
    for a in &report.applications {
        let name = a.client.as_deref().map_or_else(
            || "(application unknown)".to_string(),
            |c| format!("`{}`", e(c)),
        );
        let _ = writeln!(
            s,
            "{} {name} · connections: {}{}",
            paint("1", "M2M application"),
            e(&a.connections.join(", ")),
            a.audience
                .as_deref()
                .map(|x| format!(" · audience {}", e(x)))
                .unwrap_or_default()
        );
        match &a.granted {
            Some(g) => {
                let _ = writeln!(
                    s,
                    "  granted (from {}): {}",
                    e(&g.described),
                    list(&g.scopes)
                );
            }
            None => match &a.granted_unknown {
                Some(why) => {
                    let _ = writeln!(s, "  granted: unknown ({})", e(why));
                }
                None => {
                    let _ = writeln!(
                        s,
                        "  granted: unknown (link its grant in flowls.toml, declare granted_scopes, or run Test connection)"
                    );
                }
            },
        }
        let rows: Vec<(String, String, String)> = a
            .needed
            .iter()
            .flat_map(|n| {
                let status = match (&a.granted, &n.held) {
                    (None, _) => "needed".to_string(),
                    (Some(_), Some(h)) if *h == n.scope => "ok".to_string(),
                    (Some(_), Some(h)) => format!("ok ({})", e(h)),
                    (Some(_), None) => "MISSING".to_string(),
                };
                let scope = if n.alternatives.is_empty() {
                    e(&n.scope)
                } else {
                    e(&format!("{} (or {})", n.scope, n.alternatives.join(", ")))
                };
                n.actions.iter().enumerate().map(move |(i, x)| {
                    let by = format!(
                        "{}:{} {}{}",
                        x.file,
                        x.line,
                        x.id.as_deref().map(|i| format!("{i} ")).unwrap_or_default(),
                        x.what
                    );
                    if i == 0 {
                        (scope.clone(), status.clone(), by)
                    } else {
                        (String::new(), String::new(), by)
                    }
                })
            })
            .collect();
        let w0 = rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let w1 = rows
            .iter()
            .map(|r| r.1.chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        let _ = writeln!(s, "  {:w0$}  {:w1$}  needed by", "scope", "status");
        for (scope, status, by) in rows {
            let cell = format!("{status:w1$}");
            let cell = match status.as_str() {
                "MISSING" => paint("31;1", &cell),
                s if s.starts_with("ok") => paint("32", &cell),
                _ => cell,
            };
            let _ = writeln!(
                s,
                "  {scope:w0$}  {cell}  {}",
                crate::display::escape_control(&by, false)
            );
        }
        for x in &a.unknown {
            let _ = writeln!(
                s,
                "  {:w0$}  {:w1$}  {}:{} {} (its endpoint cannot be looked up)",
                "?",
                "unknown",
                e(&x.file),
                x.line,
                e(&x.what)
            );
        }
        if !a.missing.is_empty() {
            let _ = writeln!(s, "  {} {}", paint("31;1", "missing:"), list(&a.missing));
        }
        if !a.excess.is_empty() {
            let _ = writeln!(
                s,
                "  {} {} (granted, needed by no action: remove for least privilege)",
                paint("33", "excess:"),
                list(&a.excess)
            );
        }
        let _ = writeln!(
            s,
            "  exactly what the flows need: {}",
            list(&a.exact_scopes())
        );
        s.push('\n');
    }
    s
}

fn list(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "none".into()
    } else {
        crate::display::escape_control(&scopes.join(", "), false).into_owned()
    }
}

/// The grants that give exactly what is needed, as the user keeps them: `clientGrants:` entries
/// for the applications of a deploy-cli YAML, deploy-cli's `grants/*.json` body (one object for
/// one application, an array for several) for the others.
fn deploy_cli(report: &Report) -> String {
    let (yaml, json): (Vec<&Application>, Vec<&Application>) =
        report.applications.iter().partition(|a| a.yaml);
    let client = |a: &Application| {
        a.client
            .clone()
            .unwrap_or_else(|| format!("<the client of {}>", a.connections.join(", ")))
    };
    let mut s = String::new();
    if !yaml.is_empty() {
        s.push_str("clientGrants:\n");
        for a in &yaml {
            let scalar = crate::analysis::ide::navigation::yaml_scalar;
            let _ = writeln!(s, "  - client_id: {}", scalar(&client(a)));
            match &a.audience {
                Some(x) => {
                    let _ = writeln!(s, "    audience: {}", scalar(x));
                }
                None => s.push_str(
                    "    audience: null # the tenant's Management API: https://{domain}/api/v2/\n",
                ),
            }
            let scopes = a.exact_scopes();
            if scopes.is_empty() {
                s.push_str("    scope: []\n");
            } else {
                s.push_str("    scope:\n");
                for x in scopes {
                    let _ = writeln!(s, "      - {}", scalar(&x));
                }
            }
        }
    }
    if !json.is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        let grants: Vec<serde_json::Value> = json
            .iter()
            .map(|a| {
                json!({
                    "client_id": client(a),
                    "audience": a.audience,
                    "scope": a.exact_scopes(),
                })
            })
            .collect();
        let value = match grants.len() {
            1 => grants.into_iter().next().unwrap_or_default(),
            _ => serde_json::Value::Array(grants),
        };
        s.push_str(&serde_json::to_string_pretty(&value).unwrap_or_default());
        s.push('\n');
    }
    if s.is_empty() {
        // no application: deploy-cli's empty grant list
        s.push_str("[]\n");
    }
    s
}

/// An `auth0_client_grant` resource per application, with the exact `scopes`: with references
/// (`client_id = auth0_client.C.id`, the audience as the module writes it, the declared grant's
/// own name) for connections that are Terraform resources.
fn terraform(report: &Report) -> String {
    let mut s = String::new();
    for token in &report.unknown_connections {
        let _ = writeln!(
            s,
            "# {} is replaced by an unknown value: its connection, and the grant of its application, are not known here\n",
            hcl_comment(token)
        );
    }
    for a in &report.applications {
        if let Some(t) = &a.terraform {
            terraform_resource(&mut s, a, t);
            continue;
        }
        let label = a
            .client
            .as_deref()
            .unwrap_or_else(|| a.connections.first().map(String::as_str).unwrap_or("flows"));
        let _ = writeln!(
            s,
            "resource \"auth0_client_grant\" \"{}\" {{",
            hcl_label(label)
        );
        let _ = writeln!(
            s,
            "  # the client's id in the tenant (deploy-cli files name the client: {})",
            hcl_comment(a.client.as_deref().unwrap_or("unknown"))
        );
        let _ = writeln!(
            s,
            "  client_id = {}",
            hcl_string(a.client.as_deref().unwrap_or(""))
        );
        let _ = writeln!(
            s,
            "  audience  = {}",
            hcl_string(a.audience.as_deref().unwrap_or(""))
        );
        let scopes: Vec<String> = a.exact_scopes().iter().map(|x| hcl_string(x)).collect();
        let _ = writeln!(s, "  scopes    = [{}]", scopes.join(", "));
        s.push_str("}\n\n");
    }
    s
}

/// The grant of an application whose connections are Terraform resources.
fn terraform_resource(
    s: &mut String,
    a: &Application,
    t: &crate::analysis::terraform::TerraformGrant,
) {
    let label = t
        .name
        .clone()
        .unwrap_or_else(|| hcl_label(a.connections.first().map(String::as_str).unwrap_or("flows")));
    let _ = writeln!(
        s,
        "resource \"auth0_client_grant\" \"{}\" {{",
        hcl_label(&label)
    );
    let connections = hcl_comment(&a.connections.join(", "));
    match &t.replaces {
        Some((address, rel)) => {
            let _ = writeln!(
                s,
                "  # replaces {} in {} (connections: {connections})",
                hcl_comment(address),
                hcl_comment(rel)
            );
        }
        None => {
            let _ = writeln!(s, "  # the grant of the connections {connections}");
        }
    }
    match &t.client_id {
        Some(c) => {
            let _ = writeln!(s, "  client_id = {c}");
        }
        None => {
            let _ = writeln!(
                s,
                "  client_id = \"\" # the client's id: no connection says which client it is"
            );
        }
    }
    let audience = t
        .audience
        .clone()
        .unwrap_or_else(|| hcl_string(a.audience.as_deref().unwrap_or("")));
    let _ = writeln!(s, "  audience  = {audience}");
    let scopes: Vec<String> = a.exact_scopes().iter().map(|x| hcl_string(x)).collect();
    let _ = writeln!(s, "  scopes    = [{}]", scopes.join(", "));
    s.push_str("}\n\n");
}

/// A Terraform resource name: letters, digits, `_` and `-`, starting with a letter or `_`.
fn hcl_label(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// A quoted HCL string: quotes, backslashes and control characters escaped, and `${` / `%{`
/// written so that Terraform does not read them as templates.
fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hcl_comment(s: &str) -> String {
    crate::display::escape_control(s, false).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_a_repository_cannot_break_out_of_terraform_strings() {
        // a client name is repository text: quotes, interpolation and line breaks stay inside
        assert_eq!(
            hcl_string("x\" } resource \"evil\" { ${file(\"/etc/passwd\")} %{if 1}\n"),
            r#""x\" } resource \"evil\" { $${file(\"/etc/passwd\")} %%{if 1}\n""#
        );
        assert_eq!(hcl_label("Flows M2M\n#"), "flows_m2m__");
        assert_eq!(hcl_label("9lives"), "_9lives");
    }
}
