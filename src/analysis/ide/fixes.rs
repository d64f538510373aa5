//! Quick fixes for the diagnostics in a range. Each fix's edits leave a document in which
//! its diagnostic is gone.

use super::navigation::FileEdit;
use crate::analysis::scopes::{Resolution, Source, granted};
use crate::analysis::{self, Diagnostic, Fixable, code};
use crate::catalogue::ActionSpec;
use crate::model::flow::{Action, Flow};
use crate::model::keywords::keyword_name;
use crate::model::need::Need;
use crate::syntax::{Node, TextRange};
use crate::workspace::{SourceFile, Workspace};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    pub title: String,
    /// The diagnostic this fix removes (none for an action offered on a whole file).
    pub diagnostic: Option<Diagnostic>,
    pub edits: Vec<FileEdit>,
    /// A new file to create, with its content.
    pub create: Option<(PathBuf, String)>,
    pub preferred: bool,
}

/// Fixes for the diagnostics of `path` that touch `range`.
pub fn fixes(ws: &Workspace, path: &Path, range: TextRange) -> Vec<Fix> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in analysis::diagnostics(ws, path) {
        if d.range.end < range.start || d.range.start > range.end {
            continue;
        }
        fixes_for(ws, file, &d, &mut out);
    }
    out
}

/// The fixes of one diagnostic of `path`. They are built from the diagnostic's code, range
/// and [`Fixable`] data, never from its message.
pub fn fixes_of(ws: &Workspace, path: &Path, d: &Diagnostic) -> Vec<Fix> {
    let mut out = Vec::new();
    if let Some(file) = ws.file(path) {
        fixes_for(ws, file, d, &mut out);
    }
    out
}

fn edit(file: &SourceFile, range: TextRange, new_text: impl Into<String>) -> FileEdit {
    FileEdit {
        path: file.path.clone(),
        range,
        new_text: new_text.into(),
    }
}

/// The action whose node holds `range`, innermost.
fn action_at<'a>(flow: &'a Flow<'a>, range: TextRange) -> Option<&'a Action<'a>> {
    flow.all_actions()
        .into_iter()
        .filter(|a| a.node.range.start <= range.start && range.end <= a.node.range.end)
        .min_by_key(|a| a.node.range.len())
}

/// The fixes of one diagnostic, by its code and [`Fixable`] data. Long: one arm per fixable
/// kind of finding, side by side so that a reader sees every fix in one place.
fn fixes_for(ws: &Workspace, file: &SourceFile, d: &Diagnostic, out: &mut Vec<Fix>) {
    let Some(root) = &file.parse.root else { return };
    let text = &*file.text;
    let mut push = |title: String,
                    edits: Vec<FileEdit>,
                    create: Option<(PathBuf, String)>,
                    preferred: bool| {
        out.push(Fix {
            title,
            diagnostic: Some(d.clone()),
            edits,
            create,
            preferred,
        });
    };
    if let Fixable::ReplaceText(s) = &d.fix {
        push(
            format!("Change to `{s}`"),
            vec![edit(file, d.range, s.clone())],
            None,
            true,
        );
    }
    // in a `.tf` file only a value is ever replaced: the JSON edits below do not fit HCL
    if file.kind == crate::model::DocKind::Terraform && !matches!(d.fix, Fixable::Replace(_)) {
        return;
    }
    let flow = (file.kind == crate::model::DocKind::Flow).then(|| Flow::new(root));
    let action = flow.as_ref().and_then(|f| action_at(f, d.range));
    // the nearest known name, for an unknown one (or for an unknown key)
    let replace = match &d.fix {
        Fixable::Replace(s) => Some(s.as_str()),
        Fixable::UnknownKey { nearest } => nearest.as_deref(),
        _ => None,
    };
    if let Some(s) = replace {
        let raw = &text[d.range.as_usize()];
        let new = if raw.starts_with('"') {
            quoted(s)
        } else if raw.starts_with("\\\"") {
            // JSON inside a `.tf` string literal: its quotes are escaped for HCL
            let json = quoted(s);
            json.replace('\\', "\\\\").replace('"', "\\\"")
        } else {
            s.to_string()
        };
        let mut edits = vec![edit(file, d.range, new)];
        // a corrected action: its required params come along
        if d.code == code::UNKNOWN_ACTION
            && let Some(a) = action
            && a.action.is_some_and(|n| n.range == d.range)
            && let Some(spec) = a
                .type_str()
                .and_then(|t| crate::catalogue::Catalogue::get().action(t, s))
            && let Some(e) = add_params(ws, file, a, spec, None)
        {
            edits.push(e);
        }
        push(format!("Change to `{s}`"), edits, None, true);
    }
    if let Fixable::UnknownKey { nearest } = &d.fix {
        let key = text[d.range.as_usize()].trim_matches('"').to_string();
        let owner = root
            .covering_path(d.range.start as usize)
            .into_iter()
            .rev()
            .find(|n| {
                n.as_object()
                    .is_some_and(|ms| ms.iter().any(|m| m.key_range == d.range))
            });
        if let Some(obj) = owner
            && let Some(e) = remove_member(file, obj, &key)
        {
            push(format!("Remove `{key}`"), vec![e], None, nearest.is_none());
        }
    }
    match d.code {
        _ if d.fix == Fixable::MissingParams => {
            if let Some(a) = action
                && let Some(spec) = a.spec()
            {
                // a required connection with none of its app in the workspace: create one
                let needs_vault = spec.required_params().contains(&"connection_id")
                    && a.param("connection_id").is_none()
                    && !ws
                        .index()
                        .vaults
                        .iter()
                        .any(|v| v.app_id.as_deref() == spec.app());
                let create = needs_vault.then(|| {
                    let app = spec.app().unwrap_or_default();
                    let title = crate::catalogue::Catalogue::get()
                        .app(app)
                        .map_or(app.to_string(), |x| x.title.clone());
                    (title.clone(), new_vault(ws, &title, app))
                });
                if let Some(e) =
                    add_params(ws, file, a, spec, create.as_ref().map(|(n, _)| n.as_str()))
                {
                    let title = match &create {
                        Some((name, _)) => format!(
                            "Add the missing params of {} (with a new vault connection `{name}`)",
                            spec.label()
                        ),
                        None => format!("Add the missing params of {}", spec.label()),
                    };
                    let mut edits = vec![e];
                    let mut new_file = None;
                    match create.map(|(_, c)| c) {
                        Some(NewVault::File(path, content)) => new_file = Some((path, content)),
                        Some(NewVault::Entry(e)) => edits.push(e),
                        None => {}
                    }
                    push(title, edits, new_file, true);
                }
            }
        }
        code::CONNECTION_NOT_NEEDED => {
            if let Some(p) = action.and_then(|a| a.params)
                && let Some(e) = remove_member(file, p, "connection_id")
            {
                push("Remove `connection_id`".into(), vec![e], None, true);
            }
        }
        code::CONNECTION_APP_MISMATCH => {
            if let Some(app) = action.and_then(|a| a.spec()).and_then(|s| s.app()) {
                for v in ws
                    .index()
                    .vaults
                    .iter()
                    .filter(|v| v.app_id.as_deref() == Some(app))
                {
                    if let Some(name) = &v.name {
                        push(
                            format!("Use the {app} connection `{name}`"),
                            vec![edit(file, d.range, quoted(name))],
                            None,
                            false,
                        );
                    }
                }
            }
        }
        code::UNRESOLVED_CONNECTION => {
            let name = text[d.range.as_usize()].trim_matches('"').to_string();
            if let Some(app) = action.and_then(|a| a.spec()).and_then(|s| s.app())
                && !name.starts_with("ac_")
                && !name.is_empty()
            {
                match new_vault(ws, &name, app) {
                    NewVault::File(target, content) => {
                        if ws.file(&target).is_none() {
                            push(
                                format!(
                                    "Create the {app} vault connection `{name}` in flow-vault-connections/"
                                ),
                                Vec::new(),
                                Some((target, content)),
                                false,
                            );
                        }
                    }
                    NewVault::Entry(e) => {
                        let rel = ws.rel_path(&e.path);
                        push(
                            format!("Create the {app} vault connection `{name}` in {rel}"),
                            vec![e],
                            None,
                            false,
                        );
                    }
                }
            }
        }
        code::PLAINTEXT_SECRET => {
            let owner = match file.kind {
                crate::model::DocKind::Vault => root
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or("SECRET")
                    .to_string(),
                // the YAML entry that holds the secret
                crate::model::DocKind::Tenant => ws
                    .vaults_in(&file.path)
                    .find(|v| {
                        v.entry
                            .is_some_and(|e| e.start <= d.range.start && d.range.end <= e.end)
                    })
                    .and_then(|v| v.name.clone())
                    .unwrap_or_else(|| "SECRET".into()),
                _ => action
                    .and_then(|a| a.id_str())
                    .unwrap_or("SECRET")
                    .to_string(),
            };
            let field = root
                .covering_path(d.range.start as usize + 1)
                .windows(2)
                .last()
                .and_then(|w| {
                    w[0].as_object()?
                        .iter()
                        .find(|m| m.value.as_ref().is_some_and(|v| v.range == d.range))
                        .map(|m| m.key.clone())
                })
                .unwrap_or_else(|| "secret".into());
            let key = keyword_name(&format!("{owner}_{field}"));
            push(
                format!(
                    "Replace with the keyword marker ##{key}## (map {key} in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or the environment)"
                ),
                vec![edit(file, d.range, format!("\"##{key}##\""))],
                None,
                true,
            );
        }
        code::MISSING_SCOPE => {
            if let Some(a) = action
                && let Need::AnyOf { scopes, .. } = a.need(&ws.index().mappings)
                && let Some(vault) = a
                    .param("connection_id")
                    .and_then(Node::as_str)
                    .and_then(|c| ws.resolve_connection(c))
                && let Resolution::Known(g) = granted(ws, vault)
            {
                let scope = &scopes[0];
                match &g.source {
                    Source::Grant { rel, entry, .. } => {
                        let grant_path = ws.root.join(rel);
                        if let Some(e) = add_to_grant(ws, &grant_path, *entry, scope) {
                            push(format!("Grant `{scope}` in {rel}"), vec![e], None, true);
                        }
                    }
                    Source::Declared => {
                        if let Some(e) =
                            add_to_toml(ws, vault.name.as_deref().unwrap_or_default(), scope)
                        {
                            push(
                                format!("Declare `{scope}` in flowls.toml"),
                                vec![e],
                                None,
                                true,
                            );
                        }
                    }
                    Source::Tenant => {}
                }
            }
        }
        _ => {}
    }
}

/// Where a new vault connection goes: a file of its own (deploy-cli's directory layout), or an
/// entry of a deploy-cli YAML's `flowVaultConnections:` when the workspace keeps its tenant
/// in YAML.
enum NewVault {
    File(PathBuf, String),
    Entry(FileEdit),
}

/// A new vault connection, its setup left to a keyword marker.
fn new_vault(ws: &Workspace, name: &str, app: &str) -> NewVault {
    let marker = keyword_name(name);
    if let Some(tenant) = ws.files().find(|f| f.kind == crate::model::DocKind::Tenant) {
        let text = &*tenant.text;
        let value = super::navigation::yaml_scalar(name);
        let list = tenant
            .parse
            .root
            .as_ref()
            .and_then(|r| r.get(crate::model::tenant::VAULTS));
        let last = list.and_then(Node::as_array).and_then(<[Node]>::last);
        let (at, indent, head) = match last {
            Some(last) => {
                let line = indent_of(text, last.range.start as usize);
                (last.range.end as usize, line.to_string(), String::new())
            }
            None => {
                let end = text.trim_end().len();
                (end, "  ".to_string(), "\nflowVaultConnections:".to_string())
            }
        };
        if last.is_some() || list.is_none() {
            return NewVault::Entry(edit(
                tenant,
                TextRange::empty(at),
                format!(
                    "{head}\n{indent}- name: {value}\n{indent}  app_id: {app}\n{indent}  setup: '@@{marker}_SETUP@@'"
                ),
            ));
        }
    }
    let (target, content) = new_vault_file(ws, name, app);
    NewVault::File(target, content)
}

/// A new vault connection file (deploy-cli's directory layout).
fn new_vault_file(ws: &Workspace, name: &str, app: &str) -> (PathBuf, String) {
    let target = ws
        .root
        .join("flow-vault-connections")
        .join(vault_file_name(name));
    let marker = keyword_name(name);
    let content = format!(
        "{{\n  \"name\": {},\n  \"app_id\": \"{app}\",\n  \"setup\": \"@@{marker}_SETUP@@\"\n}}\n",
        quoted(name)
    );
    (target, content)
}

/// The longest file name (one path component) that file systems hold: 255 bytes on ext4,
/// XFS, btrfs and APFS; NTFS counts 255 UTF-16 units, never more than the UTF-8 bytes.
const MAX_FILE_NAME: usize = 255;

/// The file name of a new vault connection: its name with the characters a file name cannot
/// hold replaced, cut on a character boundary to fit [`MAX_FILE_NAME`] with its extension. A
/// cut name ends with a hash of the whole name, so that names sharing a long prefix keep
/// files of their own.
fn vault_file_name(name: &str) -> String {
    const EXT: &str = ".json";
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '/' | '\\' | '?' | '%' | '*' | ':' | '|' | '"' | '<' | '>'
                )
            {
                '-'
            } else {
                c
            }
        })
        .collect();
    if stem.len() + EXT.len() <= MAX_FILE_NAME {
        return format!("{stem}{EXT}");
    }
    let suffix = format!("-{:016x}", fnv1a(name.as_bytes()));
    let keep = stem.floor_char_boundary(MAX_FILE_NAME - EXT.len() - suffix.len());
    format!("{}{suffix}{EXT}", &stem[..keep])
}

/// FNV-1a, 64 bits: a hash that is the same in every build and on every platform, so the
/// file name a fix proposes does not change between runs.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A value that satisfies a schema, for a new required param.
fn valid_value(
    schema: Option<&Value>,
    key: &str,
    ws: &Workspace,
    spec: &ActionSpec,
    new_vault: Option<&str>,
) -> String {
    if key == "connection_id" {
        let name = ws
            .index()
            .vaults
            .iter()
            .find(|v| v.app_id.as_deref() == spec.app())
            .and_then(|v| v.name.as_deref())
            .or(new_vault)
            .unwrap_or_default();
        return quoted(name);
    }
    fn value(schema: Option<&Value>) -> String {
        let Some(s) = schema else {
            return "\"\"".into();
        };
        if let Some(first) = s
            .get("anyOf")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return value(Some(first));
        }
        if let Some(e) = s
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return e.to_string();
        }
        match s.get("type").and_then(Value::as_str) {
            Some("string") => {
                if s.get("minLength").and_then(Value::as_u64).unwrap_or(0) > 0 {
                    "\"TODO\"".into()
                } else {
                    "\"\"".into()
                }
            }
            Some("integer") | Some("number") => {
                s.get("minimum").map_or("0".into(), |m| m.to_string())
            }
            Some("boolean") => "false".into(),
            Some("array") => {
                let n = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let items: Vec<String> = (0..n).map(|_| value(s.get("items"))).collect();
                format!("[{}]", items.join(", "))
            }
            Some("object") => {
                let req: Vec<&str> = s
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if req.is_empty() {
                    return "{}".into();
                }
                let fields: Vec<String> = req
                    .iter()
                    .map(|k| {
                        format!(
                            "{}: {}",
                            quoted(k),
                            value(s.get("properties").and_then(|p| p.get(*k)))
                        )
                    })
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }
            _ => "\"\"".into(),
        }
    }
    value(schema)
}

/// The white space a line starts with.
fn indent_of(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[line_start..];
    &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()]
}

/// Inserts members at the end of an object, in the style of its last member.
fn insert_members(file: &SourceFile, obj: &Node, members: &[(String, String)]) -> Option<FileEdit> {
    let text = &*file.text;
    let ms = obj.as_object()?;
    let rendered: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}: {v}", quoted(k)))
        .collect();
    match ms.last() {
        None => {
            // `{}` or `{ }`: fill it on one line
            Some(edit(
                file,
                obj.range,
                format!("{{ {} }}", rendered.join(", ")),
            ))
        }
        Some(last) => {
            let end = last.range().end as usize;
            let multiline = text[obj.range.start as usize..end].contains('\n');
            let sep = if multiline {
                format!(",\n{}", indent_of(text, last.key_range.start as usize))
            } else {
                ", ".into()
            };
            let new: String = rendered.iter().map(|r| format!("{sep}{r}")).collect();
            Some(edit(file, TextRange::empty(end), new))
        }
    }
}

fn add_params(
    ws: &Workspace,
    file: &SourceFile,
    a: &Action,
    spec: &ActionSpec,
    new_vault: Option<&str>,
) -> Option<FileEdit> {
    let required = spec.required_params();
    match a.params {
        Some(p) => {
            let missing: Vec<(String, String)> = required
                .iter()
                .filter(|k| p.get(k).is_none() && p.member(k).is_none())
                .map(|k| {
                    (
                        k.to_string(),
                        valid_value(spec.param_schema(k), k, ws, spec, new_vault),
                    )
                })
                .collect();
            if missing.is_empty() {
                return None;
            }
            insert_members(file, p, &missing)
        }
        None => {
            let fields: Vec<String> = required
                .iter()
                .map(|k| {
                    format!(
                        "{}: {}",
                        quoted(k),
                        valid_value(spec.param_schema(k), k, ws, spec, new_vault)
                    )
                })
                .collect();
            let params = if fields.is_empty() {
                "{}".to_string()
            } else {
                format!("{{ {} }}", fields.join(", "))
            };
            insert_members(file, a.node, &[("params".into(), params)])
        }
    }
}

/// Removes a member with its comma.
fn remove_member(file: &SourceFile, obj: &Node, key: &str) -> Option<FileEdit> {
    let ms = obj.as_object()?;
    let i = ms.iter().position(|m| m.key == key)?;
    let text = &*file.text;
    let m = &ms[i];
    let range = if let Some(next) = ms.get(i + 1) {
        TextRange {
            start: m.key_range.start,
            end: next.key_range.start,
        }
    } else if i > 0 {
        let prev = &ms[i - 1];
        TextRange {
            start: prev.range().end,
            end: m.range().end,
        }
    } else {
        // the only member: leave the braces
        let inner_start = obj.range.start + 1;
        let inner_end = obj.range.end
            - u32::from(text.as_bytes().get(obj.range.end as usize - 1) == Some(&b'}'));
        TextRange {
            start: inner_start,
            end: inner_end,
        }
    };
    Some(edit(file, range, ""))
}

fn add_to_grant(
    ws: &Workspace,
    grant: &Path,
    entry: Option<TextRange>,
    scope: &str,
) -> Option<FileEdit> {
    let file = ws.file(grant)?;
    let arr = ws.entry_node(grant, entry)?.get("scope")?;
    let items = arr.as_array()?;
    let text = &*file.text;
    if crate::model::is_yaml(&file.rel) {
        let block = text.as_bytes().get(arr.range.start as usize) == Some(&b'-');
        let value = super::navigation::yaml_scalar(scope);
        return match (items.last(), block) {
            (Some(last), true) => Some(edit(
                file,
                TextRange::empty(last.range.end as usize),
                format!("\n{}- {value}", indent_of(text, last.range.start as usize)),
            )),
            (Some(last), false) => Some(edit(
                file,
                TextRange::empty(last.range.end as usize),
                format!(", {value}"),
            )),
            (None, _) => Some(edit(file, arr.range, format!("[{value}]"))),
        };
    }
    match items.last() {
        Some(last) => {
            let multiline = text[arr.range.as_usize()].contains('\n');
            let sep = if multiline {
                format!(",\n{}", indent_of(text, last.range.start as usize))
            } else {
                ", ".into()
            };
            Some(edit(
                file,
                TextRange::empty(last.range.end as usize),
                format!("{sep}{}", quoted(scope)),
            ))
        }
        None => Some(edit(file, arr.range, format!("[{}]", quoted(scope)))),
    }
}

fn add_to_toml(ws: &Workspace, name: &str, scope: &str) -> Option<FileEdit> {
    let (path, Ok(config)) = ws.index().project.as_ref()? else {
        return None;
    };
    let file = ws.file(path)?;
    let c = config.connections.get(name)?;
    let scopes = c.granted_scopes.as_ref()?;
    match scopes.last() {
        Some((_, r)) => Some(edit(
            file,
            TextRange::empty(r.end as usize),
            format!(", {}", quoted(scope)),
        )),
        None => {
            // `granted_scopes = []` after the table header
            let text = &*file.text;
            let from = c.name_range.end as usize;
            let key = from + text[from..].find("granted_scopes")?;
            let open = key + text[key..].find('[')?;
            let close = open + text[open..].find(']')?;
            Some(edit(
                file,
                TextRange::new(open, close + 1),
                format!("[{}]", quoted(scope)),
            ))
        }
    }
}

/// "Grant exactly what the flows need", on a grant file or `flowls.toml`: one edit that makes
/// the granted scopes those the application's actions need — every missing one added, every
/// excess one removed (`least_privilege::Application::exact_scopes`).
pub fn exact_grants(ws: &Workspace, path: &Path) -> Vec<Fix> {
    let Some(file) = ws.file(path) else {
        return Vec::new();
    };
    let report = crate::analysis::least_privilege::report(ws);
    let mut out = Vec::new();
    for app in &report.applications {
        let Some(g) = &app.granted else { continue };
        if g.file.as_deref() != Some(file.rel.as_str())
            || (app.missing.is_empty() && app.excess.is_empty())
        {
            continue;
        }
        let exact = app.exact_scopes();
        let Some((range, multi_line)) = scope_array(ws, file, app) else {
            continue;
        };
        let text = if file.kind == crate::model::DocKind::Tenant {
            yaml_list(&file.text, range, &exact)
        } else if multi_line {
            let indent = line_indent(&file.text, range.start as usize);
            let items: Vec<String> = exact
                .iter()
                .map(|s| format!("{indent}  {}", quoted(s)))
                .collect();
            format!("[\n{}\n{indent}]", items.join(",\n"))
        } else {
            let items: Vec<String> = exact.iter().map(|s| quoted(s)).collect();
            format!("[{}]", items.join(", "))
        };
        let what = match (app.missing.len(), app.excess.len()) {
            (0, e) => format!("remove {e} excess"),
            (m, 0) => format!("add {m} missing"),
            (m, e) => format!("add {m} missing, remove {e} excess"),
        };
        out.push(Fix {
            title: format!("Grant exactly what the flows need ({what})"),
            diagnostic: None,
            edits: vec![edit(file, range, text)],
            create: None,
            preferred: false,
        });
    }
    out
}

/// The range of the scope array an application's grant is read from in `file`, and whether it
/// is written over several lines.
fn scope_array(
    ws: &Workspace,
    file: &SourceFile,
    app: &crate::analysis::least_privilege::Application,
) -> Option<(TextRange, bool)> {
    let range = match file.kind {
        crate::model::DocKind::Grant => file.parse.root.as_ref()?.get("scope")?.range,
        crate::model::DocKind::ProjectConfig => {
            let config = ws.index().project.as_ref()?.1.as_ref().ok()?;
            app.connections
                .iter()
                .find_map(|c| config.connections.get(c)?.granted_range)?
        }
        // a `clientGrants:` entry: the one the application's scopes were read from
        crate::model::DocKind::Tenant => {
            let entry = app.granted.as_ref()?.entry?;
            let scope = ws.entry_node(&file.path, Some(entry))?.get("scope")?;
            // an empty `scope:` is a null at its key: no list to rewrite
            scope.as_array()?;
            scope.range
        }
        _ => return None,
    };
    let multi = file.text[range.as_usize()].contains('\n');
    Some((range, multi))
}

/// A YAML `scope:` list holding `scopes`, to replace the list at `range`: a block list stays a
/// block list at its indentation, a flow list (`[a, b]`) a flow list.
fn yaml_list(text: &str, range: TextRange, scopes: &[String]) -> String {
    let items: Vec<String> = scopes
        .iter()
        .map(|s| super::navigation::yaml_scalar(s))
        .collect();
    if text.as_bytes().get(range.start as usize) == Some(&b'-') && !items.is_empty() {
        let start = range.start as usize;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        // the column of the first `-`, as spaces
        let indent = " ".repeat(text[line_start..start].chars().count());
        format!("- {}", items.join(&format!("\n{indent}- ")))
    } else {
        format!("[{}]", items.join(", "))
    }
}

/// The indentation of the line holding `offset`.
fn line_indent(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[start..];
    &line[..line.len() - line.trim_start().len()]
}
