//! Terraform `.tf` files: each `auth0_flow`, `auth0_form`, `auth0_flow_vault_connection` and
//! `auth0_client_grant` resource checked by the same functions as the same JSON elsewhere
//! (`flow::check_flow`, `form::check_form`, `vault::check_entry`, `scopes::check_grant_entry`),
//! and what only Terraform has: `tenant-specific-id` for literal tenant ids, and the wiring of
//! attributes read from an export bundle (`replace(jsonencode(local.x), "#CONN-1#", …)`).

use super::{Diagnostic, Fixable, code};
use crate::model::flow::Flow;
use crate::model::form::Form;
use crate::syntax::hcl::{self, EXPORTS};
use crate::syntax::{Member, Node, NodeKind, TextRange};
use crate::workspace::{SourceFile, Workspace, body_path};

pub fn check(ws: &Workspace, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let Some(root) = &file.parse.root else {
        return;
    };
    let mut links = None;
    for (kind, _, node) in hcl::resources(root) {
        match kind {
            hcl::FLOW => super::flow::check_flow(ws, file, node, out),
            hcl::FORM => super::form::check_form(ws, file, node, None, out),
            hcl::VAULT_CONNECTION => {
                let from = out.len();
                super::vault::check_entry(ws, file, node, Some(node.range), out);
                through_variables(file, from, out);
                sensitive_variable_advice(node, &mut out[from..]);
            }
            hcl::CLIENT_GRANT => {
                let links = links.get_or_insert_with(|| super::scopes::grant_links(ws));
                super::scopes::check_grant_entry(ws, links, file, Some(node.range), out);
            }
            _ => {}
        }
    }
    tenant_specific_ids(ws, file, root, out);
    exports(ws, file, root, out);
}

/// Whether a `.tf` resource of the workspace reads this JSON file as an attribute's value
/// (`actions = file(…)`, `nodes = jsonencode(jsondecode(file(…)))`).
pub fn is_read(ws: &Workspace, file: &SourceFile) -> bool {
    ws.index().file_reads.iter().any(|r| r.file == file.path)
}

/// A JSON file that `.tf` resources read as an attribute's value: for each, the resource is
/// checked with the file's content (or the part its `jsondecode(…)` access reads) as that
/// attribute, and the findings inside the file are the file's. The rest of the resource is
/// the `.tf` file's to report.
pub fn check_read(ws: &Workspace, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let Some(json) = &file.parse.root else {
        return;
    };
    for r in ws.index().file_reads.iter().filter(|r| r.file == file.path) {
        let Some(tf_root) = ws.file(&r.tf).and_then(|f| f.parse.root.as_ref()) else {
            continue;
        };
        let Some(e) = tf_root
            .get(EXPORTS)
            .and_then(Node::as_array)
            .and_then(|l| l.get(r.export))
        else {
            continue;
        };
        let (Some(address), Some(attribute)) = (
            e.get("resource").and_then(Node::as_str),
            e.get("attribute").and_then(Node::as_str),
        ) else {
            continue;
        };
        let Some((kind, _, resource)) = hcl::resources(tf_root).find(|(_, a, _)| *a == address)
        else {
            continue;
        };
        let Some(target) = crate::workspace::export_target(json, e) else {
            continue;
        };
        let Some(received) = received(resource, attribute, target) else {
            continue;
        };
        let mut found = Vec::new();
        match kind {
            hcl::FLOW => super::flow::check_flow(ws, file, &received, &mut found),
            hcl::FORM => super::form::check_form(ws, file, &received, None, &mut found),
            _ => {}
        }
        let inside =
            |d: &Diagnostic| target.range.start <= d.range.start && d.range.end <= target.range.end;
        out.extend(found.into_iter().filter(inside));
    }
}

/// The resource as it receives `value` for its top-level `attribute`: everything else placed
/// nowhere in the JSON file (its findings are the `.tf` file's).
fn received(resource: &Node, attribute: &str, value: &Node) -> Option<Node> {
    let nowhere = TextRange::empty(u32::MAX as usize);
    let mut members: Vec<Member> = resource.as_object()?.to_vec();
    let at = members.iter().position(|m| m.key == attribute)?;
    let mut stack: Vec<&mut Member> = members.iter_mut().collect();
    while let Some(m) = stack.pop() {
        m.key_range = nowhere;
        let Some(v) = &mut m.value else { continue };
        let mut nodes = vec![v];
        while let Some(n) = nodes.pop() {
            n.range = nowhere;
            match &mut n.kind {
                NodeKind::Object(ms) => {
                    for m in ms.iter_mut() {
                        m.key_range = nowhere;
                        nodes.extend(m.value.as_mut());
                    }
                }
                NodeKind::Array(items) => nodes.extend(items.iter_mut()),
                _ => {}
            }
        }
    }
    members[at].value = Some(value.clone());
    Some(Node {
        range: nowhere,
        kind: NodeKind::Object(members.into_boxed_slice()),
    })
}

/// A value that reaches the setup through a variable (`var.client_secret`, its value from a
/// `default` or a `.tfvars` file) is not written in plain text here: no `plaintext-secret` on
/// the reference (what is written there is the advice itself).
fn through_variables(file: &SourceFile, from: usize, out: &mut Vec<Diagnostic>) {
    let mut i = from;
    while i < out.len() {
        let d = &out[i];
        let written = file.text.get(d.range.as_usize()).unwrap_or_default();
        if d.code == code::PLAINTEXT_SECRET && !written.starts_with(['"', '<']) {
            out.remove(i);
        } else {
            i += 1;
        }
    }
}

/// In Terraform a secret belongs in a `sensitive` variable, not a keyword marker: the
/// `plaintext-secret` findings of a vault resource say so.
fn sensitive_variable_advice(vault: &Node, found: &mut [Diagnostic]) {
    let setup = vault
        .get("setup")
        .and_then(Node::as_object)
        .unwrap_or_default();
    for d in found
        .iter_mut()
        .filter(|d| d.code == code::PLAINTEXT_SECRET)
    {
        let Some(key) = setup
            .iter()
            .find(|m| m.value.as_ref().is_some_and(|v| v.range == d.range))
            .map(|m| m.key.as_str())
        else {
            continue;
        };
        d.message = format!(
            "`{key}` is written in plain text: declare a sensitive variable (variable \"{key}\" {{ sensitive = true }}), write `{key} = var.{key}`, and set it with TF_VAR_{key} or a .tfvars file kept out of the repository"
        );
    }
}

/// Whether a value is a literal id of one tenant's object.
fn is_tenant_id(s: &str) -> bool {
    ["ac_", "af_", "ap_"].iter().any(|p| {
        s.strip_prefix(p)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
    })
}

/// `tenant-specific-id` on every literal `connection_id` / `flow_id` id, and nothing else there.
fn tenant_specific_ids(ws: &Workspace, file: &SourceFile, root: &Node, out: &mut Vec<Diagnostic>) {
    let mut found: Vec<(&Node, &str)> = Vec::new();
    for (kind, _, node) in hcl::resources(root) {
        match kind {
            hcl::FLOW => {
                for a in Flow::new(node).all_actions() {
                    if let Some(c) = a.param("connection_id") {
                        found.push((c, "connection_id"));
                    }
                }
            }
            hcl::FORM => {
                found.extend(Form::new(node).flow_id_nodes().map(|f| (f, "flow_id")));
            }
            _ => {}
        }
    }
    for (node, what) in found {
        let Some(id) = node.as_str().filter(|s| is_tenant_id(s)) else {
            continue;
        };
        out.retain(|d| d.range != node.range);
        let to = ws.index().imports.get(id);
        let reference = to.map(|t| format!("{t}.id"));
        let advice = match &reference {
            Some(r) => format!("use the reference `{r}` (an `import` block maps this id to it)"),
            None => format!(
                "use a reference such as `{}.NAME.id` to the resource",
                if what == "flow_id" {
                    hcl::FLOW
                } else {
                    hcl::VAULT_CONNECTION
                }
            ),
        };
        let fix = match &reference {
            Some(r) => Fixable::ReplaceText(reference_text(file, root, node.range, r)),
            None => Fixable::Nothing,
        };
        out.push(
            Diagnostic::warning(
                node.range,
                code::TENANT_SPECIFIC_ID,
                format!("`{what}` is the literal id \"{id}\" of one tenant's object: {advice}, so that the resource works in every tenant"),
            )
            .with_fix(fix),
        );
    }
}

/// A `connection_id` written as a literal in a `.tf` file that is no tenant id, or in a plain
/// JSON file a `.tf` resource reads with `file()` (`actions = file("flows/x.json")`): the
/// provider sends it to the API as written, and the API wants the connection's id, so a
/// connection's *name* (what deploy-cli resolves) names none there. `unresolved-connection`,
/// advising the reference, with the fix to it when a vault resource of that name (`vault`: the
/// connection the name resolved to), or of a name near it, is declared, and the value is
/// written in the `.tf` file (the text `file()` reads is not interpolated: there the advice is a
/// `#CONN-n#` token the resource's `replace` replaces by the reference, and no fix). Whether it
/// was reported (the use is then checked no further).
pub fn literal_connection_name(
    ws: &Workspace,
    file: &SourceFile,
    node: &Node,
    use_: &crate::workspace::ConnectionRef,
    vault: Option<&crate::workspace::VaultInfo>,
    out: &mut Vec<Diagnostic>,
) -> bool {
    if use_.stub.is_some() || use_.from_env {
        return false;
    }
    // the `.tf` file that reads this JSON file, if one does
    let reader = if file.kind == crate::model::DocKind::Terraform {
        None
    } else {
        match ws.index().file_reads.iter().find(|r| r.file == file.path) {
            Some(r) => Some(ws.file(&r.tf).map_or("", |f| f.rel.as_str())),
            None => return false,
        }
    };
    // the value as the resource receives it: a literal string, not a token of the repository
    // (`[placeholders]`), a keyword marker or a tenant id
    let Some(raw) = node.as_str() else {
        return false;
    };
    if raw != use_.connection
        || is_tenant_id(raw)
        || reference_address(raw).is_some()
        || (reader.is_some() && crate::model::is_export_token(raw))
    {
        return false;
    }
    let Some(root) = &file.parse.root else {
        return false;
    };
    let address = |v: &crate::workspace::VaultInfo| {
        v.id.as_deref()
            .filter(|id| id.starts_with(hcl::VAULT_CONNECTION) && is_resource(ws, v))
            .map(str::to_string)
    };
    let quoted = crate::display::escape_control(raw, false);
    // in a file `file()` reads: a token its `replace` replaces by the reference
    let token = reader.map(|_| {
        (1..)
            .map(|n| format!("#CONN-{n}#"))
            .find(|t| !file.text.contains(t.as_str()))
            .unwrap_or_default()
    });
    let by = |r: &str| match &token {
        Some(t) => format!(
            "write a token here (\"{t}\") and have the resource replace it: replace(file(…), \"{t}\", {r})"
        ),
        None => format!("use the reference `{r}`"),
    };
    let generic = format!("{}.NAME.id", hcl::VAULT_CONNECTION);
    let (reference, advice) = match vault {
        Some(v) if v.name.as_deref() == Some(raw) => match address(v) {
            Some(r) => (
                Some(r.clone()),
                format!("`{quoted}` is the name of the connection: {}", by(&r)),
            ),
            None => (
                None,
                match &token {
                    Some(_) => format!(
                        "`{quoted}` is the name of the connection ({}): {}",
                        v.rel,
                        by(&format!("the id of its {} resource", hcl::VAULT_CONNECTION))
                    ),
                    None => format!(
                        "`{quoted}` is the name of the connection ({}): use a reference to its {} resource, or a variable that holds its id",
                        v.rel,
                        hcl::VAULT_CONNECTION
                    ),
                },
            ),
        },
        // a tenant id found otherwise (an `import` block's id): not a literal name
        Some(_) => return false,
        None => {
            let declared: Vec<(&str, String)> = ws
                .index()
                .vaults
                .iter()
                .filter_map(|v| Some((v.name.as_deref()?, address(v)?)))
                .collect();
            let near = crate::catalogue::nearest(raw, declared.iter().map(|(n, _)| *n))
                .and_then(|n| declared.iter().find(|(d, _)| *d == n))
                .map(|(_, r)| r.clone());
            match near {
                Some(r) => (
                    Some(r.clone()),
                    match &token {
                        Some(_) => format!("did you mean `{r}`? {}", by(&r)),
                        None => format!("did you mean the reference `{r}`?"),
                    },
                ),
                None => (
                    None,
                    match &token {
                        Some(_) => by(&generic),
                        None => format!(
                            "use a reference such as `{generic}` to the connection's resource"
                        ),
                    },
                ),
            }
        }
    };
    // a value in a file `file()` reads is not interpolated: no text written there is sound
    let fix = match (&reference, reader) {
        (Some(r), None) => Fixable::ReplaceText(reference_text(file, root, node.range, r)),
        _ => Fixable::Nothing,
    };
    let read = match reader {
        Some(tf) => format!(" ({tf} reads this file with file())"),
        None => String::new(),
    };
    let mut d = Diagnostic::error(
        node.range,
        code::UNRESOLVED_CONNECTION,
        format!(
            "`connection_id` is the literal \"{quoted}\": the provider sends it to the API as written{read}, and the API expects the connection's id, so it names no vault connection there: {advice}"
        ),
    )
    .with_fix(fix);
    if let Some(v) = vault {
        d = d.with_related(&v.path, v.name_range, "the vault connection");
    }
    out.push(d);
    true
}

/// The text that puts `reference` where `range` is: the bare reference in an HCL value, an
/// interpolation inside JSON text (a string or heredoc).
fn reference_text(file: &SourceFile, root: &Node, range: TextRange, reference: &str) -> String {
    let raw = &file.text[range.as_usize()];
    let in_json_text = hcl::json_texts(root).any(|r| r.start < range.start && range.end < r.end);
    if !in_json_text {
        reference.to_string()
    } else if raw.starts_with("\\\"") {
        format!("\\\"${{{reference}}}\\\"")
    } else {
        format!("\"${{{reference}}}\"")
    }
}

/// The attributes read from an export bundle: the bundle must be in the workspace, and each
/// `#CONN-n#` / `#FLOW-n#` token of the text the resource receives must be replaced by a
/// reference to a resource of the right kind.
fn exports(ws: &Workspace, file: &SourceFile, root: &Node, out: &mut Vec<Diagnostic>) {
    let list = root
        .get(EXPORTS)
        .and_then(Node::as_array)
        .unwrap_or_default();
    let dir = file.path.parent().unwrap_or(&ws.root);
    for e in list {
        let (Some(written), Some(file_node)) =
            (e.get("file").and_then(Node::as_str), e.get("file"))
        else {
            continue;
        };
        let path = body_path(dir, written);
        let held = ws
            .file(&path)
            .filter(|_| !ws.has_root() || path.starts_with(&ws.root));
        // a file held whose text is no JSON tree: over the size limit, or not JSON at all
        let unusable = held.and_then(|f| {
            if f.parse.root.is_some() {
                None
            } else if f.text.len() > ws.settings.max_document_bytes {
                Some(format!(
                    "is larger than {} MiB (the setting maxDocumentSizeMB)",
                    ws.settings.max_document_bytes / (1024 * 1024)
                ))
            } else {
                let at = f.parse.errors.first().map_or(0, |e| e.range.start as usize);
                let (line, col) = f.line_index().position(
                    &f.text,
                    at,
                    crate::syntax::line_index::ColumnUnit::Char,
                );
                Some(format!(
                    "is not JSON (it fails at {}:{})",
                    line + 1,
                    col + 1
                ))
            }
        });
        let Some(bundle) = held.filter(|_| unusable.is_none()) else {
            let why = if ws.has_root() && !path.starts_with(&ws.root) {
                "names a file outside the workspace, which flowls does not read".to_string()
            } else if let Some(why) = unusable.or_else(|| ws.unread(&path).map(str::to_string)) {
                why
            } else {
                "names no file flowls read in the workspace".to_string()
            };
            out.push(Diagnostic::warning(
                file_node.range,
                code::SYNTAX,
                format!(
                    "file(\"{}\") {why}: what this attribute receives is not checked",
                    crate::display::escape_control(written, false)
                ),
            ));
            continue;
        };
        let Some(mut target) = bundle.parse.root.as_ref() else {
            continue;
        };
        let pointer = e
            .get("pointer")
            .and_then(Node::as_array)
            .unwrap_or_default();
        let mut known = true;
        for step in pointer {
            let next = match (&target.kind, &step.kind) {
                (NodeKind::Object(_), NodeKind::String(k)) => target.get(k),
                (NodeKind::Array(items), NodeKind::Number(i)) => {
                    i.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                _ => None,
            };
            match next {
                Some(n) => target = n,
                None => {
                    known = false;
                    break;
                }
            }
        }
        if !known {
            continue;
        }
        let replaces = e
            .get("replace")
            .and_then(Node::as_array)
            .unwrap_or_default();
        wiring(ws, bundle, target, e.range, replaces, out);
    }
}

/// The tokens of an export's text, each with the vault app its actions need (connections).
fn tokens(target: &Node) -> Vec<(String, Option<&'static str>)> {
    let mut out: Vec<(String, Option<&'static str>)> = Vec::new();
    // the actions of a flow, or an `actions` list itself
    let wrapped;
    let flow_root = if target.as_array().is_some() {
        wrapped = Node {
            range: target.range,
            kind: NodeKind::Object(Box::new([Member {
                key: "actions".into(),
                key_range: target.range,
                value: Some(target.clone()),
            }])),
        };
        &wrapped
    } else {
        target
    };
    for a in Flow::new(flow_root).all_actions() {
        if let Some(t) = a.param("connection_id").and_then(Node::as_str)
            && crate::model::is_export_token(t)
        {
            out.push((t.to_string(), a.spec().and_then(|s| s.app())));
        }
    }
    let mut stack = vec![target];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::String(s) if crate::model::is_export_token(s) && s.starts_with("#FLOW-") => {
                out.push((s.to_string(), None))
            }
            NodeKind::Object(ms) => stack.extend(ms.iter().filter_map(|m| m.value.as_ref())),
            NodeKind::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out
}

fn wiring(
    ws: &Workspace,
    bundle: &SourceFile,
    target: &Node,
    attribute: TextRange,
    replaces: &[Node],
    out: &mut Vec<Diagnostic>,
) {
    let mut reported: Vec<String> = Vec::new();
    for (token, app) in tokens(target) {
        let replace = replaces
            .iter()
            .find(|r| r.get("token").and_then(Node::as_str) == Some(token.as_str()));
        let is_flow = token.starts_with("#FLOW-");
        let Some(replace) = replace else {
            if reported.contains(&token) {
                continue;
            }
            reported.push(token.clone());
            let (code, what, example) = if is_flow {
                (code::UNRESOLVED_FLOW, "flow", "auth0_flow.NAME.id")
            } else {
                (
                    code::UNRESOLVED_CONNECTION,
                    "vault connection",
                    "auth0_flow_vault_connection.NAME.id",
                )
            };
            out.push(
                Diagnostic::error(
                    attribute,
                    code,
                    format!("the token {token} of {} reaches the resource unreplaced, so it names no {what}: wrap the value in replace(…, \"{token}\", {example})", bundle.rel),
                ),
            );
            continue;
        };
        let Some(with) = replace.get("with") else {
            continue;
        };
        // an unknown value (a variable, a data source) is never a finding
        let Some(reference) = with.as_str() else {
            continue;
        };
        // once per replacement; a wrong app once per app the token's actions need (a token
        // that actions of two apps use is wrong for one of them)
        let key = format!("{token}\u{0}{reference}");
        let first = !reported.contains(&key);
        if first {
            reported.push(key.clone());
        }
        if names_broken_block(ws, reference) {
            continue;
        }
        let why = |want: &str| {
            unresolved_reference(ws, reference, want).unwrap_or_else(|| {
                format!("`{reference}` names no {want} resource of the workspace: use a reference such as {want}.NAME.id")
            })
        };
        if is_flow {
            if first && ws.flow_entry(reference).is_none() {
                out.push(Diagnostic::error(
                    with.range,
                    code::UNRESOLVED_FLOW,
                    format!("{token} is replaced by `{reference}`: {}", why(hcl::FLOW)),
                ));
            }
            continue;
        }
        match ws.resolve_connection(reference) {
            None if first => out.push(Diagnostic::error(
                with.range,
                code::UNRESOLVED_CONNECTION,
                format!(
                    "{token} is replaced by `{reference}`: {}",
                    why(hcl::VAULT_CONNECTION)
                ),
            )),
            None => {}
            Some(v) => {
                if let (Some(need), Some(has)) = (app, v.app_id.as_deref())
                    && need != has
                    && !reported.contains(&format!("{key}\u{0}{need}"))
                {
                    reported.push(format!("{key}\u{0}{need}"));
                    out.push(
                        Diagnostic::error(
                            replace.range,
                            code::CONNECTION_APP_MISMATCH,
                            format!("{token} stands for {} connection in {}, but `{reference}` is {} connection: replace it by {} connection", a(need), bundle.rel, a(has), a(need)),
                        )
                        .with_related(&v.path, v.name_range, "the vault connection"),
                    );
                }
            }
        }
    }
}

/// A reference flowls evaluated (`auth0_flow_vault_connection.NAME.id`, `auth0_flow.NAME.id`):
/// the resource's address (`TYPE.NAME`) and type.
pub fn reference_address(value: &str) -> Option<(&str, &'static str)> {
    let (address, field) = value.rsplit_once('.')?;
    let (kind, name) = address.split_once('.')?;
    let kind = hcl::RESOURCE_TYPES.iter().find(|t| **t == kind)?;
    (matches!(field, "id" | "client_id") && !name.is_empty() && !name.contains('.'))
        .then_some((address, *kind))
}

/// Whether a reference names a resource block that a syntax error made unreadable: its value is
/// unknown while it is being typed, so nothing is said of the reference.
pub fn names_broken_block(ws: &Workspace, value: &str) -> bool {
    let Some((address, _)) = reference_address(value) else {
        return false;
    };
    ws.files()
        .filter(|f| f.kind == crate::model::DocKind::Terraform)
        .any(|f| {
            f.parse
                .root
                .as_ref()
                .is_some_and(|r| hcl::broken_addresses(r, &f.text).any(|a| a == address))
        })
}

/// What to say of a reference that names no resource of type `want` (`unresolved-connection`
/// / `unresolved-flow`), quoting the reference as written; `None` when `value` is no
/// reference. The references of that type the workspace declares are suggested.
pub fn unresolved_reference(ws: &Workspace, value: &str, want: &str) -> Option<String> {
    let (address, kind) = reference_address(value)?;
    let what = if want == hcl::FLOW {
        "a flow"
    } else {
        "a vault connection"
    };
    if kind != want {
        return Some(format!(
            "`{address}` is an {kind} resource, not {what}: use a reference such as {want}.NAME.id"
        ));
    }
    let name = address.split_once('.').map_or("", |(_, n)| n);
    let declared: Vec<&str> = ws
        .files()
        .filter(|f| f.kind == crate::model::DocKind::Terraform)
        .filter_map(|f| f.parse.root.as_ref())
        .flat_map(hcl::resources)
        .filter(|(k, _, _)| *k == want)
        .filter_map(|(_, a, _)| a.split_once('.').map(|(_, n)| n))
        .collect();
    let hint = match crate::catalogue::nearest(name, declared.iter().copied()) {
        Some(n) => format!("did you mean `{want}.{n}.id`?"),
        None if declared.is_empty() => format!("declare it (resource \"{want}\" \"{name}\")"),
        None => format!(
            "the workspace declares {}",
            declared
                .iter()
                .take(3)
                .map(|n| format!("`{want}.{n}.id`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Some(format!(
        "`{address}` names no {want} resource that a .tf file of the workspace declares: {hint}"
    ))
}

/// The `auth0_client_grant` that `flowls scopes --format terraform` writes for an application
/// whose connections are Terraform resources: HCL expressions as the module writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct TerraformGrant {
    /// The resource's name: the grant's own where the module declares it (the output replaces
    /// it), else the client resource's, else `None` (the caller names it).
    pub name: Option<String>,
    /// The grant it replaces: `auth0_client_grant.NAME` and its file.
    pub replaces: Option<(String, String)>,
    /// `auth0_client.C.id` where the connection's `client_id` is the client resource's, else the
    /// setup's `client_id` as written.
    pub client_id: Option<String>,
    /// The Management API audience: the declared grant's as written, else the setup's
    /// `audience`, else `"https://${domain}/api/v2/"` from the setup's `domain` as written.
    pub audience: Option<String>,
}

/// The text of a value as written in its `.tf` file: one line, no control characters (else
/// nothing: the output must stay one HCL attribute).
fn written(ws: &Workspace, path: &std::path::Path, node: &Node) -> Option<String> {
    let text = ws.file(path)?.text.get(node.range.as_usize())?.trim();
    (!text.is_empty() && !text.chars().any(char::is_control)).then(|| text.to_string())
}

/// The Management API audience of a Terraform vault resource as its module writes it: its
/// `audience`, else `"https://${domain}/api/v2/"` from its `domain` as written.
fn written_management_api(ws: &Workspace, v: &crate::workspace::VaultInfo) -> Option<String> {
    let setup = ws.written_setup(v)?;
    if let Some(a) = setup.get("audience") {
        return written(ws, &v.path, a);
    }
    let domain = written(ws, &v.path, setup.get("domain")?)?;
    Some(
        match domain.strip_prefix('"').and_then(|d| d.strip_suffix('"')) {
            Some(inner) => format!("\"https://{}/api/v2/\"", bare_host(inner)),
            None => format!("\"https://${{{domain}}}/api/v2/\""),
        },
    )
}

use crate::model::vault::bare_host;

/// A client expression as written, with what names the same application made alike:
/// `auth0_client.C.client_id` and `auth0_client.C.id` (also of a `data` source) are one client.
fn client_written_key(expr: &str) -> &str {
    let is_client = |a: &str| {
        a.strip_prefix("data.")
            .unwrap_or(a)
            .strip_prefix(hcl::CLIENT)
            .is_some_and(|r| r.starts_with('.'))
    };
    match expr
        .strip_suffix(".client_id")
        .or_else(|| expr.strip_suffix(".id"))
    {
        Some(address) if is_client(address) => address,
        _ => expr,
    }
}

/// Whether a Terraform grant's `audience` is written as the vault resource's Management API
/// audience is (`"https://${var.domain}/api/v2/"` for `domain = var.domain`).
pub fn audiences_written_alike(
    ws: &Workspace,
    grant: &crate::workspace::GrantInfo,
    vault: &crate::workspace::VaultInfo,
) -> bool {
    let Some(root) = ws.file(&grant.path).and_then(|f| f.parse.root.as_ref()) else {
        return false;
    };
    let Some((_, _, node)) = hcl::resources(root)
        .find(|(kind, _, n)| *kind == hcl::CLIENT_GRANT && Some(n.range) == grant.entry)
    else {
        return false;
    };
    let written_grant = node
        .get("audience")
        .and_then(|a| written(ws, &grant.path, a));
    // a trailing slash or not is the same audience
    let norm = |s: String| s.replace("/api/v2/\"", "/api/v2\"");
    match (written_grant, written_management_api(ws, vault)) {
        (Some(g), Some(v)) => norm(g) == norm(v),
        _ => false,
    }
}

/// The grant to write for these connections (`None` unless one is a Terraform resource).
/// `client`: the application, as `least_privilege` found it; `linked`: the grant its scopes
/// were read from (path, entry), if any.
pub fn grant_for(
    ws: &Workspace,
    vaults: &[&crate::workspace::VaultInfo],
    client: Option<&str>,
    linked: Option<(&str, Option<TextRange>)>,
) -> Option<TerraformGrant> {
    let is_tf = |p: &std::path::Path| {
        ws.file(p)
            .is_some_and(|f| f.kind == crate::model::DocKind::Terraform)
    };
    let tf_vaults: Vec<&&crate::workspace::VaultInfo> =
        vaults.iter().filter(|v| is_tf(&v.path)).collect();
    if tf_vaults.is_empty() {
        return None;
    }
    let client_resource = client
        .and_then(|c| c.strip_prefix("auth0_client."))
        .and_then(|c| c.strip_suffix(".client_id"))
        .filter(|c| !c.is_empty() && !c.contains('.'));
    let setup_expr = |key: &str| {
        tf_vaults.iter().find_map(|v| {
            let node = ws.written_setup(v)?.get(key)?;
            written(ws, &v.path, node)
        })
    };
    let client_id = match client_resource {
        Some(c) => Some(format!("{}.{c}.id", hcl::CLIENT)),
        None => setup_expr("client_id"),
    };
    let from_setup = tf_vaults.iter().find_map(|v| written_management_api(ws, v));
    // the grant the module declares: the linked one, else one of the same client whose
    // audience is written as the connection's Management API audience is
    let declared = ws.index().grants.iter().filter(|g| is_tf(&g.path));
    let node_of = |g: &crate::workspace::GrantInfo| {
        let root = ws.file(&g.path)?.parse.root.as_ref()?;
        hcl::resources(root)
            .find(|(kind, _, n)| *kind == hcl::CLIENT_GRANT && Some(n.range) == g.entry)
    };
    // a trailing slash or not is the same audience
    let norm = |s: &str| s.replace("/api/v2/\"", "/api/v2\"");
    let mut found = None;
    // else a grant of the same client whose audience is unknown (`data.….management_api_identifier`):
    // it may be the connection's, and writing another beside it would grant twice
    let mut unknown_audience = None;
    for g in declared {
        let Some((_, address, node)) = node_of(g) else {
            continue;
        };
        let audience = node.get("audience").and_then(|a| written(ws, &g.path, a));
        let grant_client = node.get("client_id").and_then(|c| written(ws, &g.path, c));
        let is_linked = linked == Some((g.rel.as_str(), g.entry));
        // the same client: as flowls resolved it, or written as the connection's setup writes
        // it (`data.auth0_client.x.id` for `client_id = data.auth0_client.x.client_id`)
        let same_client = (client.is_some() && g.grant.client_id.as_deref() == client)
            || grant_client
                .as_deref()
                .zip(client_id.as_deref())
                .is_some_and(|(g, c)| client_written_key(g) == client_written_key(c));
        let same_audience = audience
            .as_deref()
            .zip(from_setup.as_deref())
            .is_some_and(|(a, b)| norm(a) == norm(b));
        if is_linked || (same_client && same_audience) {
            found = Some((address.to_string(), g.rel.clone(), audience, grant_client));
            if is_linked {
                break;
            }
        } else if same_client
            && g.audience.is_none()
            && node.get("audience").is_some_and(hcl::is_unknown)
            && unknown_audience.is_none()
        {
            unknown_audience = Some((address.to_string(), g.rel.clone(), audience, grant_client));
        }
    }
    let found = found.or(unknown_audience);
    let (name, replaces, audience, client_id) = match found {
        Some((address, rel, audience, grant_client)) => (
            address.split_once('.').map(|(_, n)| n.to_string()),
            Some((address, rel)),
            audience.or(from_setup),
            // the declared grant's own client expression, where no client resource is known
            match client_resource {
                Some(_) => client_id,
                None => grant_client.or(client_id),
            },
        ),
        None => (
            client_resource.map(str::to_string),
            None,
            from_setup,
            client_id,
        ),
    };
    Some(TerraformGrant {
        name,
        replaces,
        client_id,
        audience,
    })
}

/// Whether a vault connection is a Terraform resource.
pub fn is_resource(ws: &Workspace, vault: &crate::workspace::VaultInfo) -> bool {
    ws.file(&vault.path)
        .is_some_and(|f| f.kind == crate::model::DocKind::Terraform)
}

/// Whether some action of an app may use a connection flowls cannot name: in a `.tf` flow
/// resource, an action (or its `type`, `params` or `connection_id`) that is an unknown value
/// (`params = merge(…)`, `connection_id = var.conn_id`), or an export token of that app
/// replaced by an unknown value (`replace(…, var.conn_id)`). Not a flow's whole `actions` (a
/// generic `for_each` module's, whose flows the workspace keeps as files).
/// Any connection of the app may be used there, so what they need is not all known.
pub fn unknown_use_of_app(ws: &Workspace, app: &str) -> bool {
    let action_unknown = |a: &Node| {
        if hcl::is_unknown(a) {
            return true;
        }
        match a.get("type") {
            Some(t) if hcl::is_unknown(t) => true,
            Some(t) if t.as_str() == Some(app) => a.get("params").is_some_and(|p| {
                hcl::is_unknown(p) || p.get("connection_id").is_some_and(hcl::is_unknown)
            }),
            _ => false,
        }
    };
    ws.files().any(|f| {
        let tf = f.kind == crate::model::DocKind::Terraform
            && f.parse.root.as_ref().is_some_and(|root| {
                crate::workspace::terraform_flows(root).any(|flow| {
                    flow.get("actions")
                        .and_then(Node::as_array)
                        .unwrap_or_default()
                        .iter()
                        .any(action_unknown)
                })
            });
        tf || f.uses.iter().any(|u| {
            u.stub_app.as_deref() == Some(app)
                && ws
                    .replaced_use(&f.path, u)
                    .is_some_and(|r| r.reference.is_none())
        })
    })
}

/// Whether a `.tf` file of the vault resource's module (its folder) refers to it outside its
/// own block (`auth0_flow_vault_connection.NAME`, `…NAME[0].id`), where flowls may not know
/// what the reference becomes: inside a function it does not evaluate (`concat`, `merge`), an
/// `output`, a `module` argument. The connection may be used there, so it is not unused.
pub fn referenced_in_module(ws: &Workspace, vault: &crate::workspace::VaultInfo) -> bool {
    let Some(address) = vault
        .id
        .as_deref()
        .and_then(|id| id.strip_suffix(".id"))
        .filter(|a| a.starts_with(hcl::VAULT_CONNECTION))
    else {
        return false;
    };
    let dir = vault.path.parent();
    let own = |path: &std::path::Path, r: TextRange| {
        path == vault.path
            && vault
                .entry
                .is_some_and(|e| e.start <= r.start && r.end <= e.end)
    };
    ws.files()
        .filter(|f| f.kind == crate::model::DocKind::Terraform && f.path.parent() == dir)
        .any(|f| {
            f.parse.root.as_ref().is_some_and(|root| {
                hcl::vault_resource_references(root).any(|(a, r)| a == address && !own(&f.path, r))
            })
        })
}

/// Whether a grant resource of the vault resource's module may be its grant though flowls
/// cannot tell: its `client_id` is unknown (`data.auth0_client.x.id`), or it is the vault's
/// client's and its `audience` is unknown; any grant of the module when the vault's whole
/// `setup` is unknown (its application is).
pub fn unknown_grant_may_be(ws: &Workspace, vault: &crate::workspace::VaultInfo) -> bool {
    let setup_unknown = matches!(vault.setup, crate::model::vault::Setup::Unknown { .. });
    ws.index().grants.iter().any(|g| {
        g.path.parent() == vault.path.parent()
            && is_resource_file(ws, &g.path)
            && (setup_unknown
                || match (&g.grant.client_id, &vault.client_id) {
                    (None, _) => true,
                    (Some(c), Some(v)) => c == v && g.audience.is_none(),
                    (Some(_), None) => g.audience.is_none(),
                })
    })
}

fn is_resource_file(ws: &Workspace, path: &std::path::Path) -> bool {
    ws.file(path)
        .is_some_and(|f| f.kind == crate::model::DocKind::Terraform)
}

/// A word with its article: "an AUTH0", "a SLACK".
fn a(word: &str) -> String {
    let vowel = word
        .bytes()
        .next()
        .is_some_and(|b| b"AEIOUaeiou".contains(&b));
    format!("{} {word}", if vowel { "an" } else { "a" })
}
