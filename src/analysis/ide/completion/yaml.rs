//! Completion in a deploy-cli YAML (`tenant.yaml`), where the cursor is found by indentation
//! rather than in the tree: a half-typed YAML line is often no value at all to a parser (or,
//! worse, the continuation of the line above), while its indentation always says where it is.

use super::ItemKind;
use crate::analysis::ide::navigation::yaml_scalar;
use crate::catalogue::Catalogue;
use crate::model::DocKind;
use crate::syntax::{Node, TextRange};
use crate::workspace::{SourceFile, Workspace};

/// Adds an item: label, kind, detail, insert text, range it replaces, sort prefix.
pub type Push<'a> = dyn FnMut(&str, ItemKind, Option<String>, String, TextRange, &str) + 'a;

/// One line of YAML, as far as its structure goes.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    /// The column of the `- ` that starts it, if it is a list item.
    dash: Option<usize>,
    /// The column where its key (or scalar) starts.
    col: usize,
    /// The text from `col`.
    rest: &'a str,
}

fn line(text: &str) -> Option<Line<'_>> {
    let ind = text.len() - text.trim_start_matches(' ').len();
    let mut rest = &text[ind..];
    if rest.is_empty() || rest.starts_with('#') {
        return None;
    }
    let mut col = ind;
    let mut dash = None;
    while let Some(after) = rest
        .strip_prefix('-')
        .filter(|a| a.is_empty() || a.starts_with(' '))
    {
        dash = Some(col);
        let spaces = after.len() - after.trim_start_matches(' ').len();
        col += 1 + spaces;
        rest = &after[spaces..];
    }
    Some(Line { dash, col, rest })
}

/// The key a line sets (`key:` followed by a space or its end).
fn key_of(rest: &str) -> Option<&str> {
    let (key, after) = rest.split_once(':')?;
    let key = key.trim().trim_matches(['"', '\'']);
    (after.is_empty() || after.starts_with([' ', '\t', '\r'])).then_some(key)
}

/// Where the cursor is: the keys from the top (`"-"` for a list item) to the mapping it is in.
fn parents(lines: &[&str], mut col: usize, mut in_item: Option<usize>) -> Vec<String> {
    let mut path = Vec::new();
    for raw in lines.iter().rev() {
        let Some(l) = line(raw) else { continue };
        if let Some(d) = in_item {
            // inside a list item that starts at column `d`: its list's key is above, to the left
            // (or at the same column, for a list not indented under its key)
            if l.dash.is_none() && l.col <= d && key_of(l.rest).is_some() {
                path.push("-".to_string());
                path.push(key_of(l.rest).unwrap_or_default().to_string());
                in_item = None;
                col = l.col;
            } else if l.col < d || l.dash.is_some_and(|x| x < d) {
                path.push("-".to_string());
                in_item = None;
                col = d;
                // this line is the parent's: read it again below
                if let (Some(x), Some(k)) = (l.dash, key_of(l.rest))
                    && x < d
                    && l.col < d
                {
                    path.push(k.to_string());
                    in_item = Some(x);
                    col = l.col;
                }
            }
            continue;
        }
        if l.col == col && l.dash.is_some() {
            in_item = l.dash;
            continue;
        }
        if l.col < col {
            if let Some(k) = key_of(l.rest) {
                path.push(k.to_string());
                col = l.col;
                if let Some(d) = l.dash {
                    in_item = Some(d);
                }
            } else {
                break;
            }
        }
    }
    if in_item.is_some() {
        path.push("-".to_string());
    }
    path.reverse();
    path
}

/// The sibling keys already set in the mapping the cursor line is in, and their values.
fn siblings<'a>(lines: &[&'a str], at: usize, col: usize) -> Vec<(&'a str, &'a str)> {
    let mut out = Vec::new();
    let here = line(lines[at]);
    // upwards, to the line that starts this mapping (a list item's dash, or a lesser indent)
    if here.is_none_or(|l| l.dash.is_none()) {
        for raw in lines[..at].iter().rev() {
            let Some(l) = line(raw) else { continue };
            if l.col < col {
                break;
            }
            if l.col == col
                && let Some(k) = key_of(l.rest)
            {
                out.push((k, value_of(l.rest)));
                if l.dash.is_some() {
                    break;
                }
            }
        }
    }
    for raw in &lines[at + 1..] {
        let Some(l) = line(raw) else { continue };
        if l.col < col || (l.col == col && l.dash.is_some()) {
            break;
        }
        if l.col == col
            && let Some(k) = key_of(l.rest)
        {
            out.push((k, value_of(l.rest)));
        }
    }
    out
}

fn value_of(rest: &str) -> &str {
    rest.split_once(':')
        .map(|(_, v)| v.trim().trim_matches(['"', '\'']))
        .unwrap_or_default()
}

pub fn complete(ws: &Workspace, file: &SourceFile, offset: usize, push: &mut Push) {
    let text = &*file.text;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let at = text[..line_start].matches('\n').count();
    let before = &text[line_start..offset];
    let Some(l) = line(before).or_else(|| {
        // an empty line: a key at the cursor's column
        before.trim().is_empty().then_some(Line {
            dash: None,
            col: before.len(),
            rest: "",
        })
    }) else {
        return;
    };
    let path = parents(&lines[..at], l.col, l.dash);
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let rest_start = offset - l.rest.len();
    let sibs = siblings(&lines, at, l.col);
    match key_of(l.rest) {
        None if l.rest.chars().all(|c| c.is_alphanumeric() || c == '_') => {
            let replace = TextRange::new(rest_start, offset);
            let present: Vec<&str> = sibs.iter().map(|(k, _)| *k).collect();
            keys(file, &path, &sibs, &present, replace, push);
            // `- ` items of a list of scalars
            if l.dash.is_some()
                && let Some((_, list)) = path.split_last()
            {
                items(ws, list, replace, push);
            }
        }
        None => {}
        Some(key) => {
            let value_start = rest_start + key.len() + 1;
            let typed = &text[value_start..offset];
            let start = value_start + (typed.len() - typed.trim_start().len());
            let mut inner = path.clone();
            if l.dash.is_some() {
                inner.push("-");
            }
            values(
                ws,
                file,
                &inner,
                key,
                &sibs,
                TextRange::new(start, offset),
                push,
            );
        }
    }
}

/// The app of the vault connection entry the cursor is in (by the entry's `app_id`).
fn entry_app(file: &SourceFile, offset: usize) -> Option<&'static crate::catalogue::AppSpec> {
    let root = file.parse.root.as_ref()?;
    let entry = crate::model::tenant::Tenant::new(root)
        .vaults
        .into_iter()
        .rfind(|e| e.range.start as usize <= offset)?;
    Catalogue::get().app(entry.get("app_id")?.as_str()?)
}

/// Long: one `match` over the entry paths of a deploy-cli YAML, each arm the keys that fit
/// there.
fn keys(
    file: &SourceFile,
    path: &[&str],
    sibs: &[(&str, &str)],
    present: &[&str],
    replace: TextRange,
    push: &mut Push,
) {
    let mut add = |key: &str, detail: &str, sort: &str| {
        if !present.contains(&key) {
            push(
                key,
                ItemKind::Property,
                Some(detail.into()),
                format!("{key}: "),
                replace,
                sort,
            );
        }
    };
    match path {
        [] => {
            add(
                "flows",
                "deploy-cli flows: `- name: …` with `body: ./flows/<name>.json`",
                "0",
            );
            add(
                "forms",
                "deploy-cli forms: `- name: …` with `body: ./forms/<name>.json`",
                "1",
            );
            add(
                "flowVaultConnections",
                "Flows Vault connections, inline",
                "2",
            );
            add(
                "clientGrants",
                "client grants: client_id, audience, scope",
                "3",
            );
        }
        ["flowVaultConnections", "-"] => {
            add(
                "name",
                "The connection's name; flows refer to it by this name",
                "0",
            );
            add("app_id", "The app, such as AUTH0", "1");
            add(
                "setup",
                "Credentials (write-only); often '@@SETUP_CONFIG@@'",
                "2",
            );
        }
        ["flowVaultConnections", "-", "setup"] => {
            let Some(app) = entry_app(file, replace.start as usize) else {
                return;
            };
            let ty = sibling(sibs, "type");
            let variant = app.setups.iter().find(|s| Some(s.type_.as_str()) == ty).or(
                if app.setups.len() == 1 {
                    app.setups.first()
                } else {
                    None
                },
            );
            let Some(v) = variant else {
                add("type", "The setup type, which selects its fields", "0");
                return;
            };
            let req = v.required();
            for name in v
                .schema
                .get("properties")
                .and_then(serde_json::Value::as_object)
                .into_iter()
                .flat_map(|p| p.keys())
            {
                let required = req.contains(&name.as_str());
                let secret = v.secrets.contains(name);
                let detail = match (required, secret) {
                    (true, true) => "required · a secret: write a ##KEYWORD## marker",
                    (true, false) => "required",
                    (false, true) => "a secret: write a ##KEYWORD## marker",
                    (false, false) => "optional",
                };
                add(name, detail, if required { "0" } else { "1" });
            }
        }
        ["clientGrants", "-"] => {
            add(
                "client_id",
                "The client's name (deploy-cli writes names here)",
                "0",
            );
            add("audience", "The API, such as https://{domain}/api/v2/", "1");
            add("scope", "The granted scopes, a list", "2");
        }
        ["flows" | "forms", "-"] => {
            add("name", "The name it is deployed under", "0");
            add(
                "body",
                "The JSON file that holds it, from this file's folder",
                "1",
            );
        }
        _ => {}
    }
}

/// The value of `key` among the sibling keys.
fn sibling<'a>(sibs: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    sibs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// `- ` items of a list: the scopes of a grant.
fn items(ws: &Workspace, path: &[&str], replace: TextRange, push: &mut Push) {
    if path == ["clientGrants", "-", "scope"] {
        scopes(ws, replace, push);
    }
}

fn scopes(ws: &Workspace, replace: TextRange, push: &mut Push) {
    // what the workspace's flows need first
    let vaults: Vec<&crate::workspace::VaultInfo> = ws
        .index()
        .vaults
        .iter()
        .filter(|v| v.is_management_api())
        .collect();
    let needed = crate::analysis::scopes::Needs::of(ws, &vaults).names();
    for s in &needed {
        push(
            s,
            ItemKind::Value,
            Some("needed by the workspace's flows".into()),
            s.clone(),
            replace,
            "0",
        );
    }
    for s in Catalogue::get().scope_names() {
        if !needed.iter().any(|n| n == s) {
            push(s, ItemKind::Value, None, s.to_string(), replace, "1");
        }
    }
}

/// Values of `key` in the mapping at `path`.
/// Long: one `match` over the (entry path, key) pairs that take values, each arm a short list.
fn values(
    ws: &Workspace,
    file: &SourceFile,
    path: &[&str],
    key: &str,
    sibs: &[(&str, &str)],
    replace: TextRange,
    push: &mut Push,
) {
    let cat = Catalogue::get();
    match (path, key) {
        (["flowVaultConnections", "-"], "app_id") => {
            for (id, app) in &cat.apps {
                push(
                    id,
                    ItemKind::EnumMember,
                    Some(app.title.clone()),
                    id.clone(),
                    replace,
                    "0",
                );
            }
        }
        (["flowVaultConnections", "-", "setup"], "type") => {
            let Some(app) = entry_app(file, replace.start as usize) else {
                return;
            };
            for s in &app.setups {
                push(
                    &s.type_,
                    ItemKind::EnumMember,
                    Some(format!("fields: {}", s.required().join(", "))),
                    s.type_.clone(),
                    replace,
                    "0",
                );
            }
        }
        (["clientGrants", "-"], "audience") => {
            let mut seen = Vec::new();
            for v in &ws.index().vaults {
                // as written, markers kept (deploy-cli replaces them in tenant.yaml too): a
                // value of the environment is never offered
                if let Some(a) = v
                    .audience_shown
                    .as_deref()
                    .map(|a| a.trim_end_matches(" (environment)"))
                    && !seen.iter().any(|s| s == a)
                {
                    seen.push(a.to_string());
                    push(
                        a,
                        ItemKind::Value,
                        Some(format!(
                            "the audience of `{}`",
                            v.name.as_deref().unwrap_or("?")
                        )),
                        yaml_scalar(a),
                        replace,
                        "0",
                    );
                }
            }
        }
        (["flows" | "forms", "-"], "body") => {
            let kind = if path[0] == "flows" {
                DocKind::Flow
            } else {
                DocKind::Form
            };
            let dir = file.path.parent().unwrap_or(&ws.root);
            for f in ws.files().filter(|f| {
                f.kind == kind || (f.kind == DocKind::Other && f.rel.ends_with(".json"))
            }) {
                let Ok(rel) = f.path.strip_prefix(dir) else {
                    continue;
                };
                let rel = format!("./{}", rel.to_string_lossy().replace('\\', "/"));
                let name = f
                    .parse
                    .root
                    .as_ref()
                    .and_then(|r| r.get("name"))
                    .and_then(Node::as_str);
                let sort = if f.kind == kind { "0" } else { "1" };
                push(
                    &rel,
                    ItemKind::Reference,
                    name.map(str::to_string),
                    yaml_scalar(&rel),
                    replace,
                    sort,
                );
            }
        }
        (["flows", "-"], "name") => {
            // the name the body gives its flow
            if let Some(body) = sibling(sibs, "body") {
                let dir = file.path.parent().unwrap_or(&ws.root);
                let target = crate::workspace::body_path(dir, body);
                if let Some(n) = ws
                    .file(&target)
                    .and_then(|f| f.parse.root.as_ref()?.get("name")?.as_str())
                {
                    push(
                        n,
                        ItemKind::Value,
                        Some("the name in its body file".into()),
                        yaml_scalar(n),
                        replace,
                        "0",
                    );
                }
            }
        }
        _ => {}
    }
}
