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
                for n in Form::new(node).nodes.iter() {
                    found.extend(n.flow_ids.iter().map(|f| (*f, "flow_id")));
                }
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
        let Some(bundle) = ws
            .file(&path)
            .filter(|_| !ws.has_root() || path.starts_with(&ws.root))
        else {
            let why = if ws.has_root() && !path.starts_with(&ws.root) {
                "names a file outside the workspace, which flowls does not read"
            } else {
                "names no file flowls read in the workspace (missing, a link out of the workspace, or over the size limit)"
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
        let key = format!("{token}\u{0}{reference}");
        if reported.contains(&key) {
            continue;
        }
        reported.push(key);
        if is_flow {
            if ws.flow_entry(reference).is_none() {
                out.push(Diagnostic::error(
                    with.range,
                    code::UNRESOLVED_FLOW,
                    format!("{token} is replaced by `{reference}`, which names no auth0_flow resource of the workspace: use a reference such as auth0_flow.NAME.id"),
                ));
            }
            continue;
        }
        match ws.resolve_connection(reference) {
            None => out.push(Diagnostic::error(
                with.range,
                code::UNRESOLVED_CONNECTION,
                format!("{token} is replaced by `{reference}`, which names no auth0_flow_vault_connection resource of the workspace: use a reference such as auth0_flow_vault_connection.NAME.id"),
            )),
            Some(v) => {
                if let (Some(need), Some(has)) = (app, v.app_id.as_deref())
                    && need != has
                {
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

/// A word with its article: "an AUTH0", "a SLACK".
fn a(word: &str) -> String {
    let vowel = word
        .bytes()
        .next()
        .is_some_and(|b| b"AEIOUaeiou".contains(&b));
    format!("{} {word}", if vowel { "an" } else { "a" })
}
