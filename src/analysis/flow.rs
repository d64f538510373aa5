//! Checks of a flow document: shape, actions, ids, connections, scopes and expressions.

use super::expression::{self, Reference};
use super::scopes::{Resolution, granted};
use super::shape::{self, Subject};
use super::{Diagnostic, Severity, code, opening};
use crate::analysis::Fixable;
use crate::catalogue::envelope::Kind;
use crate::catalogue::{Catalogue, ConnectionUse, expressions as exprs, nearest};
use crate::model::flow::{Action, Before, Flow};
use crate::model::keywords::KeywordMappings;
use crate::model::need::Need;
use crate::model::{has_expression, is_marker};
use crate::syntax::{Node, NodeKind, TextRange};
use crate::workspace::{SourceFile, Workspace};
use foldhash::{HashMap, HashMapExt};

const FLOW_KEYS: &[&str] = &[
    "$schema",
    "id",
    "name",
    "actions",
    "created_at",
    "updated_at",
    "executed_at",
];
const LEGACY_FLOW_KEYS: &[&str] = &["description", "synchronous", "triggers", "security"];

struct Ctx<'a> {
    ws: &'a Workspace,
    file: &'a SourceFile,
    mappings: &'a KeywordMappings,
    /// Every action id in the flow (for "runs later" versus "does not exist"), with the
    /// catalogue entry of the first action with that id that has one.
    /// Each id's catalogue entry (of the first action with it) and where it is first given.
    ids: HashMap<&'a str, (Option<&'static crate::catalogue::ActionSpec>, TextRange)>,
    /// The `params` diagnostics of the actions that have any, computed up front (see
    /// [`validate_all`]), by the address of the params node; an action that is not in it has
    /// none.
    validated: HashMap<usize, Vec<Diagnostic>>,
    /// The field ids of the forms that start this flow; `None` when none does.
    fields: Option<std::collections::HashSet<String>>,
    /// The catalogue entries read for other action ids while checking one action (see
    /// [`super::reuse`]).
    specs_seen: Vec<(&'a str, Option<&'static crate::catalogue::ActionSpec>)>,
    out: &'a mut Vec<Diagnostic>,
}

pub fn check(ws: &Workspace, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let Some(root) = super::root_object(
        file,
        "a flow is a JSON object with \"name\" and \"actions\"",
        out,
    ) else {
        return;
    };
    check_flow(ws, file, root, out);
}

/// Checks one flow object of `file` (the file itself, or a flow an export bundle holds).
pub fn check_flow(ws: &Workspace, file: &SourceFile, root: &Node, out: &mut Vec<Diagnostic>) {
    if root.as_object().is_none() {
        out.push(Diagnostic::error(
            root.range,
            code::SCHEMA,
            "a flow is a JSON object with \"name\" and \"actions\"",
        ));
        return;
    }
    for m in root.as_object().unwrap_or_default() {
        if LEGACY_FLOW_KEYS.contains(&m.key.as_str()) {
            out.push(Diagnostic::error(
                m.key_range,
                code::SCHEMA,
                format!("unknown field `{}` in a flow (an older API field, no longer accepted): remove it", m.key),
            ));
        }
    }
    let known: Vec<&str> = FLOW_KEYS.iter().chain(LEGACY_FLOW_KEYS).copied().collect();
    super::unknown_keys(root, &known, "a flow", out);
    let flow = Flow::new(root);
    match flow.name {
        // a body file of a deploy-cli YAML entry takes the entry's name
        None if ws.flow_name(file, root).is_some() => {}
        None => out.push(Diagnostic::error(
            opening(root.range),
            code::SCHEMA,
            "missing required field `name` in the flow: add \"name\": \"…\"",
        )),
        Some(n) => check_name(n, "flow", out),
    }
    if let Some(list) = flow.actions_node
        && list.as_array().is_none()
        && !is_marker(list)
    {
        out.push(Diagnostic::error(
            list.range,
            code::SCHEMA,
            "`actions` must be an array of actions",
        ));
    }
    let all = flow.all_actions();
    let fields = super::form::fields_for_flow(ws, file, root);
    let mut reuse = super::reuse::Reuse::begin(ws, file, root, &flow, fields.as_ref());
    // each id's catalogue entry (of the first action with one) and where it is first given
    let mut ids: HashMap<&str, (Option<&'static crate::catalogue::ActionSpec>, TextRange)> =
        HashMap::with_capacity(all.len());
    let mut duplicates = Vec::new();
    for a in &all {
        if let (Some(id), Some(node)) = (a.id_str(), a.id) {
            match ids.entry(id) {
                std::collections::hash_map::Entry::Occupied(mut first) => {
                    duplicates.push(duplicate_id(&file.path, id, node.range, first.get().1));
                    // the entry of the first action with one
                    if first.get().0.is_none() {
                        first.get_mut().0 = a.spec();
                    }
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((a.spec(), node.range));
                }
            }
        }
    }
    // the actions whose results of the previous version still hold (in execution order,
    // which is the order of `all`)
    let keys: Vec<_> = match &reuse {
        Some(r) => all
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let key = r.key(i, a);
                let hit = r.has(&key, |id| ids.get(id).and_then(|e| e.0));
                Some((key, hit))
            })
            .collect(),
        None => vec![None; all.len()],
    };
    let to_check: Vec<&Action> = all
        .iter()
        .zip(&keys)
        .filter(|(_, k)| !k.is_some_and(|(_, hit)| hit))
        .map(|(a, _)| *a)
        .collect();
    let mut ctx = Ctx {
        ws,
        file,
        mappings: &ws.index().mappings,
        ids,
        validated: validate_all(&to_check, &ws.index().mappings),
        fields,
        specs_seen: Vec::new(),
        out,
    };
    ctx.out.append(&mut duplicates);
    if let Some(list) = flow.actions_node.and_then(Node::as_array) {
        for item in list.iter().filter(|n| n.as_object().is_none()) {
            ctx.out.push(Diagnostic::error(
                item.range,
                code::SCHEMA,
                format!(
                    "an action must be an object, {}",
                    crate::analysis::shape::found(item)
                ),
            ));
        }
    }
    let mut place = 0;
    flow.visit(&mut |a, before| {
        let key = keys.get(place).copied().flatten();
        place += 1;
        match (key, reuse.as_mut()) {
            (Some((key, true)), Some(r)) => ctx.out.extend(r.take(key, a)),
            (Some((key, false)), Some(r)) => {
                let from = ctx.out.len();
                ctx.specs_seen.clear();
                check_action(&mut ctx, a, before);
                r.keep(key, a, &ctx.out[from..], &ctx.specs_seen);
            }
            _ => check_action(&mut ctx, a, before),
        }
    });
    if let Some(r) = reuse {
        r.finish();
    }
}

pub(super) fn check_name(n: &Node, what: &str, out: &mut Vec<Diagnostic>) {
    match n.as_str() {
        Some("") => out.push(Diagnostic::error(
            n.range,
            code::SCHEMA,
            format!("the {what} name must not be empty"),
        )),
        Some(s) if s.chars().count() > 150 => out.push(Diagnostic::error(
            n.range,
            code::SCHEMA,
            format!("the {what} name must be at most 150 characters long: shorten it"),
        )),
        Some(_) => {}
        None if is_marker(n) => {}
        None => out.push(Diagnostic::error(
            n.range,
            code::SCHEMA,
            format!(
                "the {what} name must be a string, {}",
                crate::analysis::shape::found(n)
            ),
        )),
    }
}

/// An action whose id an earlier action of the flow has already.
fn duplicate_id(path: &std::path::Path, id: &str, at: TextRange, first: TextRange) -> Diagnostic {
    Diagnostic::error(
        at,
        code::DUPLICATE_ACTION_ID,
        format!(
            "`{id}` is already the id of an earlier action in this flow: give this one a unique id"
        ),
    )
    .with_related(path, first, format!("the first action with the id `{id}`"))
}

fn check_action<'a>(ctx: &mut Ctx<'a>, a: &'a Action<'a>, before: &Before<'a>) {
    let keys: Vec<&str> = crate::catalogue::envelope::action_keys().collect();
    super::unknown_keys(a.node, &keys, "an action", ctx.out);
    envelope(ctx, a);
    let Some(spec) = pair(ctx, a) else {
        // still check what can be checked without the catalogue entry
        if let Some(p) = a.params {
            expressions_in(ctx, a, p, before, &[]);
        }
        return;
    };
    let label = spec.label();
    match a.params {
        None if spec.params_required => {
            let at = a.action.map_or(opening(a.node.range), |n| n.range);
            let req = spec.required_params();
            ctx.out.push(
                Diagnostic::error(
                    at,
                    code::SCHEMA,
                    format!(
                        "missing `params` for {label}: add \"params\": {{ … }}{}",
                        if req.is_empty() {
                            String::new()
                        } else {
                            format!(" with {}", req.join(", "))
                        }
                    ),
                )
                .with_fix(Fixable::MissingParams),
            );
        }
        None => {}
        Some(p) if p.as_object().is_none() && !is_marker(p) => {
            ctx.out.push(Diagnostic::error(
                p.range,
                code::SCHEMA,
                format!(
                    "`params` of {label} must be an object, {}",
                    crate::analysis::shape::found(p)
                ),
            ));
        }
        Some(p) => {
            if a.spec().is_some_and(|s| std::ptr::eq(s, spec)) {
                // validated up front with the rest
                if let Some(found) = ctx.validated.remove(&(p as *const Node as usize)) {
                    ctx.out.extend(found);
                }
            } else {
                ctx.out.extend(validate_params(a, spec, p, ctx.mappings));
            }
            connection(ctx, a, spec, p);
            secrets_in_params(ctx, spec, p);
            expressions_in(ctx, a, p, before, spec.liquid_params());
        }
    }
}

/// The diagnostics of an action's `params` object against its catalogue schema.
fn validate_params(
    a: &Action,
    spec: &crate::catalogue::ActionSpec,
    p: &Node,
    mappings: &KeywordMappings,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let Some(validator) = spec.validator() else {
        return found;
    };
    let anchor = a.node.member("params").map_or(p.range, |m| m.key_range);
    shape::validate(
        p,
        &spec.params,
        validator,
        mappings,
        &Subject {
            field_word: "param",
            owner: spec.label(),
            code: code::SCHEMA,
            anchor,
            is_params: true,
            secret_fields: &[],
            // connection_id holds a name in deploy-cli files, so the id's length limit does
            // not apply
            skip: |path, kind| {
                path == "/connection_id"
                    && matches!(
                        kind,
                        jsonschema::error::ValidationErrorKind::MaxLength { .. }
                    )
            },
        },
        &mut found,
    );
    let cid = p.member("connection_id").map(|m| m.key_range);
    // a connection_id that is not needed has its own code
    found.retain(|d| !(spec.connection == ConnectionUse::None && Some(d.range) == cid));
    found
}

/// The `params` diagnostics of every action that has a catalogue entry and a params object,
/// computed in parallel for a large flow (each action's are independent of the others').
fn validate_all(all: &[&Action], mappings: &KeywordMappings) -> HashMap<usize, Vec<Diagnostic>> {
    let mut jobs: Vec<(&Action, &crate::catalogue::ActionSpec, &Node)> =
        Vec::with_capacity(all.len());
    jobs.extend(all.iter().filter_map(|a| {
        let (spec, p) = (a.spec()?, a.params?);
        (p.as_object().is_some() || is_marker(p)).then_some((*a, spec, p))
    }));
    let run = |jobs: &[(&Action, &crate::catalogue::ActionSpec, &Node)]| {
        jobs.iter()
            .map(|(a, spec, p)| {
                (
                    *p as *const Node as usize,
                    validate_params(a, spec, p, mappings),
                )
            })
            .collect::<Vec<_>>()
    };
    if jobs.len() < 256 {
        return run(&jobs).into_iter().collect();
    }
    // asked once: the answer reads the system's files (cgroup limits)
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let threads =
        *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(4)));
    if threads < 2 {
        return run(&jobs).into_iter().collect();
    }
    let per = jobs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let mut parts = jobs.chunks(per);
        let first = parts.next().unwrap_or_default();
        let handles: Vec<_> = parts.map(|chunk| s.spawn(move || run(chunk))).collect();
        let mut out: HashMap<usize, Vec<Diagnostic>> = run(first).into_iter().collect();
        for h in handles {
            // a panic in a helper thread is re-raised here, where the analysis catches it
            out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

fn envelope(ctx: &mut Ctx, a: &Action) {
    let obj = opening(a.node.range);
    match a.id {
        None => ctx.out.push(Diagnostic::error(
            obj,
            code::SCHEMA,
            "missing required field `id` in an action: add a unique \"id\"",
        )),
        Some(n) if n.as_str() == Some("") => ctx.out.push(Diagnostic::error(
            n.range,
            code::SCHEMA,
            "the action `id` must not be empty",
        )),
        Some(n) if n.as_str().is_none() && !is_marker(n) => ctx.out.push(Diagnostic::error(
            n.range,
            code::SCHEMA,
            format!(
                "the action `id` must be a string, {}",
                crate::analysis::shape::found(n)
            ),
        )),
        _ => {}
    }
    // the optional keys of the envelope (id, type, action and params have their own checks)
    for f in crate::catalogue::envelope::ACTION_FIELDS
        .iter()
        .filter(|f| !f.required && f.kind != Kind::Object)
    {
        let Some(n) = a.node.get(f.key) else { continue };
        let key = f.key;
        if is_marker(n) {
            continue;
        }
        match (f.kind, n.as_str()) {
            (Kind::String, Some(s)) => {
                if let Some(max) = f.max_len
                    && s.chars().count() > max
                {
                    ctx.out.push(Diagnostic::error(
                        n.range,
                        code::SCHEMA,
                        format!("`{key}` must be at most {max} characters long: shorten it"),
                    ));
                }
            }
            (Kind::String, None) => ctx.out.push(Diagnostic::error(
                n.range,
                code::SCHEMA,
                format!(
                    "`{key}` must be a string, {}",
                    crate::analysis::shape::found(n)
                ),
            )),
            _ if n.as_bool().is_none() => ctx.out.push(Diagnostic::error(
                n.range,
                code::SCHEMA,
                format!(
                    "`{key}` must be true or false, {}",
                    crate::analysis::shape::found(n)
                ),
            )),
            _ => {}
        }
    }
}

/// The catalogue entry of the action's `(type, action)`, reporting what is missing or unknown.
/// Long: `type` and `action` each absent, of the wrong type or unknown, with the hints for each.
fn pair(ctx: &mut Ctx, a: &Action) -> Option<&'static crate::catalogue::ActionSpec> {
    let cat = Catalogue::get();
    let obj = opening(a.node.range);
    let ty = match a.ty {
        // `"type": ` with the value still to come: the syntax error says so
        None if a.node.member("type").is_some() => None,
        None => {
            ctx.out.push(Diagnostic::error(
                obj,
                code::SCHEMA,
                "missing required field `type` in an action: add \"type\", such as \"AUTH0\"",
            ));
            None
        }
        Some(n) => match n.as_str() {
            None => {
                if !is_marker(n) {
                    ctx.out.push(Diagnostic::error(
                        n.range,
                        code::SCHEMA,
                        format!(
                            "`type` must be a string, {}",
                            crate::analysis::shape::found(n)
                        ),
                    ));
                }
                None
            }
            Some(t) if cat.types().contains(&t) => Some(t),
            Some(t) => {
                let near = nearest(t, cat.types().iter().copied());
                let hint = match near {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("known types: {}", cat.types().join(", ")),
                };
                ctx.out.push(
                    Diagnostic::error(
                        n.range,
                        code::UNKNOWN_ACTION,
                        format!("unknown action type `{t}`: {hint}"),
                    )
                    .with_fix(Fixable::nearest(near)),
                );
                return None;
            }
        },
    };
    let action = match a.action {
        None if a.node.member("action").is_some() => return None,
        None => {
            ctx.out.push(Diagnostic::error(obj, code::SCHEMA, "missing required field `action` in an action: add \"action\", such as \"GET_USER\""));
            return None;
        }
        Some(n) => match n.as_str() {
            Some(s) => (s, n.range),
            None => {
                if !is_marker(n) {
                    ctx.out.push(Diagnostic::error(
                        n.range,
                        code::SCHEMA,
                        format!(
                            "`action` must be a string, {}",
                            crate::analysis::shape::found(n)
                        ),
                    ));
                }
                return None;
            }
        },
    };
    let ty = ty?;
    if let Some(spec) = cat.action(ty, action.0) {
        return Some(spec);
    }
    let names: Vec<&str> = cat.actions_of(ty).map(|s| s.action.as_str()).collect();
    let elsewhere: Vec<&str> = cat
        .actions
        .iter()
        .filter(|s| s.action == action.0)
        .map(|s| s.type_.as_str())
        .collect();
    let near = if elsewhere.is_empty() {
        nearest(action.0, names.iter().copied())
    } else {
        None
    };
    let hint = if !elsewhere.is_empty() {
        format!(
            "`{}` exists under {}; {ty} has {}",
            action.0,
            elsewhere.join(", "),
            names.join(", ")
        )
    } else {
        match near {
            Some(n) => format!("did you mean `{n}`?"),
            None => format!("{ty} has {}", names.join(", ")),
        }
    };
    ctx.out.push(
        Diagnostic::error(
            action.1,
            code::UNKNOWN_ACTION,
            format!("unknown action `{ty}/{}`: {hint}", action.0),
        )
        .with_fix(Fixable::nearest(near)),
    );
    None
}

/// `connection_id`: needed at all, known, of the right app, with the scope its action needs.
/// Long: the four checks share the resolved connection and the action's context.
fn connection(ctx: &mut Ctx, a: &Action, spec: &crate::catalogue::ActionSpec, params: &Node) {
    let label = spec.label();
    let Some(node) = params.get("connection_id") else {
        return;
    };
    if spec.connection == ConnectionUse::None {
        let why = if spec.is_management_api() {
            "notifications need no Management API authorization"
        } else {
            "this action uses no vault connection"
        };
        let mut d = Diagnostic::warning(
            node.range,
            code::CONNECTION_NOT_NEEDED,
            format!("{label} takes no `connection_id`: {why}; remove it"),
        );
        if let Some(use_) = ctx.file.uses.iter().find(|u| u.range == node.range)
            && let Some(vault) = ctx.ws.resolve_connection(&use_.connection)
        {
            d = d.with_related(
                &vault.path,
                vault.name_range,
                format!("the vault connection `{}`", vault.shown_name()),
            );
        }
        ctx.out.push(d);
        return;
    }
    // the use at this `connection_id` (of this action: a value found where it is used, a
    // Terraform variable or another file's local, puts all of its actions at one range)
    let at = |u: &&crate::workspace::ConnectionRef| u.range == node.range;
    let Some(use_) = (ctx.file.uses.iter().filter(at))
        .find(|u| u.action_id.as_deref() == a.id_str())
        .or_else(|| ctx.file.uses.iter().find(at))
    else {
        return; // not a literal name or id (an expression or an unknown keyword)
    };
    let Some(vault) = ctx.ws.resolve_use(ctx.file, use_) else {
        // a `##KEY##` marker of unknown value that no connection's name writes: unknown; so is
        // a token a `.tf` file replaces by an unknown value (`var.conn_id`)
        if use_.unknown
            || ctx
                .ws
                .replaced_use(&ctx.file.path, use_)
                .is_some_and(|r| r.reference.is_none())
        {
            return;
        }
        let names: Vec<&str> = ctx
            .ws
            .index()
            .vaults
            .iter()
            .filter(|v| v.app_id.as_deref() == spec.app())
            .filter_map(|v| v.name.as_deref())
            .collect::<std::collections::BTreeSet<&str>>()
            .into_iter()
            .collect();
        // a value from the environment is never compared with names: a suggestion would tell
        // how close the secret is to one of them
        let near = if use_.from_env {
            None
        } else {
            nearest(&use_.connection, names.iter().copied())
        };
        let app = spec.app().unwrap_or(crate::catalogue::MANAGEMENT_API_APP);
        let hint = match near {
            Some(n) => format!("did you mean `{n}`?"),
            None if names.is_empty() => format!(
                "add a {} connection in flow-vault-connections/",
                spec.app().unwrap_or("vault")
            ),
            None if use_.from_env => format!("{app} connections: {}", names.len()),
            None => format!(
                "{app} connections: {}",
                crate::catalogue::closest_names(&use_.connection, &names, 2)
            ),
        };
        if super::terraform::names_broken_block(ctx.ws, &use_.connection) {
            return;
        }
        let shown = &use_.shown;
        // a workspace that keeps no vault connection at all (an export of flows only): the
        // connection lives in the tenant, which is worth saying but not an error
        let no_vaults = !ctx.ws.index().vaults.iter().any(|v| !v.declared);
        let export_token = use_.stub.is_none() && crate::model::is_export_token(&use_.connection);
        let d = if export_token {
            // a flow exported from the Dashboard, kept outside its bundle: the token is no name
            Diagnostic::warning(
                node.range,
                code::UNRESOLVED_CONNECTION,
                format!(
                    "`{shown}` is a token of a Dashboard export, which names a connection only inside its export bundle: write the connection's name here, or have the deploy step replace the token by the connection's id"
                ),
            )
        } else if let Some(why) = super::terraform::unresolved_reference(
            ctx.ws,
            &use_.connection,
            crate::syntax::hcl::VAULT_CONNECTION,
        ) {
            // a Terraform reference: quoted as a reference, and no name is put in its place
            ctx.out.push(Diagnostic::error(
                node.range,
                code::UNRESOLVED_CONNECTION,
                why,
            ));
            return;
        } else if super::terraform::literal_connection_name(
            ctx.ws, ctx.file, node, use_, None, ctx.out,
        ) {
            return;
        } else if no_vaults {
            Diagnostic::warning(
                node.range,
                code::UNRESOLVED_CONNECTION,
                format!(
                    "this workspace keeps no vault connections, so `{shown}` must exist in the tenant: declare it in flowls.toml ([connections.\"{}\"] app_id = \"{app}\") to have its actions checked",
                    if use_.from_env {
                        "NAME"
                    } else {
                        &use_.connection
                    }
                ),
            )
        } else {
            Diagnostic::error(
                node.range,
                code::UNRESOLVED_CONNECTION,
                format!("no vault connection named `{shown}` in the workspace: {hint}"),
            )
        };
        ctx.out.push(d.with_fix(Fixable::nearest(near)));
        return;
    };
    if super::terraform::literal_connection_name(ctx.ws, ctx.file, node, use_, Some(vault), ctx.out)
    {
        return;
    }
    let name = vault.name.as_deref().unwrap_or(&use_.shown);
    // a bundle's token is the connection its stub describes
    let have = use_.stub_app.as_deref().or(vault.app_id.as_deref());
    if let (Some(want), Some(have)) = (spec.app(), have)
        && want != have
    {
        // a plain JSON file's token that a `.tf` file replaces by a connection of the wrong
        // app: reported on the `replace` call, as for an export bundle's
        if use_.stub.is_none() && ctx.ws.replaced_use(&ctx.file.path, use_).is_some() {
            return;
        }
        let mut right: Vec<&str> = ctx
            .ws
            .index()
            .vaults
            .iter()
            .filter(|v| v.app_id.as_deref() == Some(want))
            .filter_map(|v| v.name.as_deref())
            .collect();
        right.sort_unstable();
        right.dedup();
        let hint = if right.is_empty() {
            format!("add a vault connection with app_id {want}")
        } else {
            format!("use {}", crate::catalogue::closest_names(name, &right, 2))
        };
        ctx.out.push(
            Diagnostic::error(
                node.range,
                code::CONNECTION_APP_MISMATCH,
                format!("{label} needs a vault connection with app_id {want}, but `{name}` has app_id {have}: {hint}"),
            )
            .with_related(
                match use_.stub {
                    Some(_) => &ctx.file.path,
                    None => &vault.path,
                },
                use_.stub.unwrap_or(vault.name_range),
                format!("the vault connection `{name}` (app_id {have})"),
            ),
        );
        return;
    }
    // what the action needs was worked out with the file's uses
    match &use_.need {
        Need::Nothing => {}
        Need::Unknown { why } => {
            if let Some(p) = params.get("pathname").or(a.action) {
                ctx.out.push(Diagnostic::new(
                    p.range,
                    Severity::Warning,
                    code::UNKNOWN_ENDPOINT,
                    format!("cannot tell which scope {label} needs: {why}; check the path against the Management API"),
                ));
            }
        }
        Need::AnyOf { scopes, what } => {
            if let Resolution::Known(g) = granted(ctx.ws, vault)
                && !scopes.iter().any(|s| g.has(s))
            {
                let need = match &scopes[..] {
                    [one] => format!("`{one}`"),
                    [first, rest @ ..] => format!(
                        "`{first}` (or {})",
                        rest.iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    [] => String::new(),
                };
                let granted_list = if g.scopes.is_empty() {
                    "none".to_string()
                } else {
                    g.names().join(", ")
                };
                let mut d = Diagnostic::new(
                    use_.action_range,
                    g.source.severity(),
                    code::MISSING_SCOPE,
                    format!(
                        "{what} needs {need}, but the M2M application behind `{name}` was not granted it (granted: {granted_list}; from {}): grant `{}`",
                        g.source.describe(),
                        scopes[0]
                    ),
                )
                .with_related(&vault.path, vault.name_range, format!("the vault connection `{name}`"));
                if let Some((path, range)) = granted_place(ctx.ws, &g, vault) {
                    d = d.with_related(&path, range, format!("the scopes granted to `{name}`"));
                }
                ctx.out.push(d);
            }
        }
    }
}

/// Where granted scopes were read: the grant (its entry in a YAML file) or the `flowls.toml`
/// declaration, spanning the scopes written there; nothing for the tenant's answer.
fn granted_place(
    ws: &Workspace,
    g: &super::scopes::Granted,
    vault: &crate::workspace::VaultInfo,
) -> Option<(std::path::PathBuf, TextRange)> {
    let written: Vec<&(std::path::PathBuf, TextRange)> =
        g.scopes.iter().filter_map(|(_, at)| at.as_ref()).collect();
    let span = match (written.first(), written.last()) {
        (Some((_, a)), Some((_, b))) => Some(TextRange::new(a.start as usize, b.end as usize)),
        _ => None,
    };
    match &g.source {
        super::scopes::Source::Tenant => None,
        super::scopes::Source::Grant { rel, entry, .. } => {
            let path = written
                .first()
                .map_or_else(|| ws.root.join(rel), |(p, _)| p.clone());
            // the entry, the scopes written, or (none written) the grant's `scope` key
            let scope_key = || {
                let root = ws.file(&path)?.parse.root.as_ref()?;
                Some(root.member("scope").map_or(root.range, |m| m.key_range))
            };
            let range = entry.or(span).or_else(scope_key)?;
            Some((path, range))
        }
        super::scopes::Source::Declared => {
            // the `flowls.toml` entry: its granted_scopes, or its name when they are empty
            let (path, config) = ws.index().project.as_ref()?;
            let c = config
                .as_ref()
                .ok()?
                .connections
                .get(vault.name.as_deref()?)?;
            Some((
                path.clone(),
                c.granted_range.or(span).unwrap_or(c.name_range),
            ))
        }
    }
}

/// Literal credentials in params: HTTP basic auth passwords and authorization headers.
fn secrets_in_params(ctx: &mut Ctx, spec: &crate::catalogue::ActionSpec, params: &Node) {
    if spec.type_ != "HTTP" {
        return;
    }
    let mut found = Vec::new();
    if let Some(p) = params.get("basic").and_then(|b| b.get("password")) {
        found.push(("basic.password", p));
    }
    for m in params
        .get("headers")
        .and_then(Node::as_object)
        .unwrap_or_default()
    {
        let k = m.key.to_ascii_lowercase();
        if matches!(
            k.as_str(),
            "authorization" | "x-api-key" | "api-key" | "apikey"
        ) && let Some(v) = &m.value
        {
            found.push(("header", v));
        }
    }
    for (what, node) in found {
        if let Some(s) = node.as_str()
            && is_plain_secret(s, ctx.mappings)
        {
            let what = if what == "header" {
                "this header's credential"
            } else {
                "basic.password"
            };
            ctx.out.push(Diagnostic::warning(
                node.range,
                code::PLAINTEXT_SECRET,
                format!("{what} is written in plain text: move it to an HTTP vault connection, or use a keyword marker such as \"##API_TOKEN##\" with the value in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or an environment variable"),
            ));
        }
    }
}

/// A non-empty literal: no keyword marker, no expression.
/// A value written literally where a secret belongs: not a marker, an expression, a reference
/// a deploy step replaces, or a token `flowls.toml` declares.
pub(super) fn is_plain_secret(s: &str, mappings: &KeywordMappings) -> bool {
    !s.trim().is_empty()
        && !s.contains("##")
        && !s.contains("@@")
        && !has_expression(s)
        && !names_a_variable(s.trim())
        && !crate::model::is_masked(s)
        && mappings.placeholder(s).is_none()
}

/// Whether a value is a reference a deploy step replaces rather than a secret: `env:NAME`,
/// `${NAME}`, `$NAME`, `__NAME__` (a variable's name, in capitals, and nothing else).
fn names_a_variable(s: &str) -> bool {
    let is_name = |n: &str| {
        n.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
            && n.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    if let Some(n) = s.strip_prefix("env:").or_else(|| s.strip_prefix("ENV:")) {
        return is_name(n);
    }
    if let Some(n) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        return is_name(n);
    }
    if let Some(n) = s.strip_prefix('$') {
        return is_name(n);
    }
    s.len() > 4 && s.starts_with("__") && s.ends_with("__") && is_name(s)
}

fn expressions_in<'a>(
    ctx: &mut Ctx<'a>,
    a: &Action,
    params: &Node,
    before: &Before<'a>,
    liquid: &[&str],
) {
    let text = &ctx.file.text;
    let is_condition = a.is_condition();
    let mut stack: Vec<(&Node, bool)> = vec![(params, false)];
    while let Some((node, in_liquid)) = stack.pop() {
        match &node.kind {
            NodeKind::Object(members) => {
                for m in members {
                    if std::ptr::eq(node, params)
                        && is_condition
                        && (m.key == "then" || m.key == "else")
                    {
                        continue; // nested actions are checked as actions
                    }
                    let lq = in_liquid
                        || (std::ptr::eq(node, params) && liquid.contains(&m.key.as_str()));
                    if let Some(v) = &m.value {
                        stack.push((v, lq));
                    }
                }
            }
            NodeKind::Array(items) => stack.extend(items.iter().map(|v| (v, in_liquid))),
            NodeKind::String(s) if s.contains("{{") => {
                let raw = &text[node.range.as_usize()];
                for e in expression::find(raw, node.range.start as usize) {
                    match e.parsed {
                        Err(err) => {
                            if !in_liquid {
                                ctx.out.push(Diagnostic::error(
                                    err.range,
                                    code::EXPRESSION,
                                    format!(
                                        "{}: expressions look like {{{{context.user.email}}}}",
                                        err.message
                                    ),
                                ));
                            }
                        }
                        Ok(refs) => {
                            for r in refs {
                                reference(ctx, a, &r, before, in_liquid);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// One path read by an expression. Long: one `match` over the expression roots (actions,
/// functions, context, fields, vars), each with its own rule.
fn reference<'a>(ctx: &mut Ctx<'a>, a: &Action, r: &Reference, before: &Before<'a>, liquid: bool) {
    let seg = |i: usize| r.segments.get(i).map(|(s, range)| (s.as_str(), *range));
    let (root, root_range) = (r.root(), r.segments[0].1);
    match root {
        "actions" => {
            let Some((id, id_range)) = seg(1) else {
                ctx.out.push(Diagnostic::error(
                    root_range,
                    code::EXPRESSION,
                    "`actions` needs an action id: {{actions.<id>.<output>}}",
                ));
                return;
            };
            if Some(id) == a.id_str() {
                ctx.out.push(Diagnostic::error(r.range(), code::EXPRESSION, format!("`actions.{id}` reads this action's own output, which does not exist yet: read an earlier action")));
            } else if before.has_run(id) {
                output(ctx, r, id);
            } else if before.may_have_run(id) {
                ctx.out.push(Diagnostic::warning(
                    r.range(),
                    code::EXPRESSION,
                    format!("`{id}` runs only in one branch of an earlier condition, so it may not have run here: read it inside that branch, or guard with ??"),
                ));
            } else if ctx.ids.contains_key(id) {
                ctx.out.push(Diagnostic::error(
                    id_range,
                    code::EXPRESSION,
                    format!("`{id}` has not run at this point (it comes later, or in another branch): an expression can read only earlier actions"),
                ));
            } else {
                let near = nearest(id, before.surely.iter().copied());
                let hint = near
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                ctx.out.push(
                    Diagnostic::error(
                        id_range,
                        code::EXPRESSION,
                        format!("no action with id `{id}` in this flow{hint}"),
                    )
                    .with_fix(Fixable::nearest(near)),
                );
            }
        }
        "functions" => {
            let Some((name, range)) = seg(1) else {
                ctx.out.push(Diagnostic::error(
                    root_range,
                    code::EXPRESSION,
                    "`functions` needs a function name, such as functions.toUpperCase(…)",
                ));
                return;
            };
            if !exprs::is_function(name) {
                let near = nearest(name, exprs::FUNCTIONS.iter().map(|f| f.0));
                let hint = near
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                ctx.out.push(
                    Diagnostic::error(
                        range,
                        code::EXPRESSION,
                        format!("unknown function `{name}`{hint}"),
                    )
                    .with_fix(Fixable::nearest(near)),
                );
            } else if !r.called {
                ctx.out.push(Diagnostic::warning(
                    r.range(),
                    code::EXPRESSION,
                    format!("`functions.{name}` is a function: call it, like functions.{name}(…)"),
                ));
            }
        }
        "context" => {
            if let Some((obj, range)) = seg(1)
                && !exprs::CONTEXT.iter().any(|(n, _)| *n == obj)
                && !liquid
            {
                let near = nearest(obj, exprs::CONTEXT.iter().map(|c| c.0));
                let hint = near
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                ctx.out.push(
                    Diagnostic::warning(
                        range,
                        code::EXPRESSION,
                        format!("`context.{obj}` is not part of the context{hint}"),
                    )
                    .with_fix(Fixable::nearest(near)),
                );
            }
        }
        "fields" => {
            if let Some(known) = &ctx.fields
                && let Some((field, range)) = seg(1)
                && !known.contains(field)
            {
                let near = nearest(field, known.iter().map(String::as_str));
                ctx.out.push(
                    Diagnostic::warning(
                        crate::syntax::TextRange::new(
                            root_range.start as usize,
                            range.end as usize,
                        ),
                        code::UNKNOWN_FIELD,
                        format!(
                            "no form that starts this flow has a field `{field}`{}",
                            near.map(|n| format!(": did you mean `{n}`?"))
                                .unwrap_or_default()
                        ),
                    )
                    .with_fix(Fixable::nearest(near)),
                );
            }
        }
        "vars" => {}
        _ if liquid => {}
        other => {
            let near = nearest(other, exprs::ROOTS.iter().map(|r| r.0));
            let hint = near
                .map(|n| format!("did you mean `{n}`?"))
                .unwrap_or_else(|| {
                    "expressions start with context, fields, vars, actions or functions".into()
                });
            ctx.out.push(
                Diagnostic::error(
                    root_range,
                    code::EXPRESSION,
                    format!("unknown root `{other}`: {hint}"),
                )
                .with_fix(Fixable::nearest(near)),
            );
        }
    }
}

/// `actions.X.field`: the field should be one the action documents.
fn output(ctx: &mut Ctx, r: &Reference, id: &str) {
    let Some((field, range)) = r.segments.get(2).map(|(s, r)| (s.as_str(), *r)) else {
        return;
    };
    let found = ctx.ids.get_key_value(id).map(|(k, v)| (*k, v.0));
    if let Some((id, spec)) = found {
        ctx.specs_seen.push((id, spec));
    }
    let Some(target) = found.and_then(|(_, s)| s) else {
        return;
    };
    // the user and request actions return the Management API's objects: their documented
    // fields are examples, not the whole list
    let open_ended = target.is_management_api() && target.connection != ConnectionUse::None;
    if !open_ended && !target.outputs.is_empty() && !target.outputs.iter().any(|o| o == field) {
        ctx.out.push(Diagnostic::warning(
            range,
            code::EXPRESSION,
            format!(
                "`{field}` is not an output of {} ({id}); it has {}",
                target.label(),
                target.outputs.join(", ")
            ),
        ));
    }
}
