//! `flowls graph`: the picture of what runs (see [`crate::graph`]) as mermaid, dot, svg or a
//! self-contained html page. A folder draws its whole workspace; a file the forms and flows it
//! holds or takes part in (as the editor command does); `--form` / `--flow` narrow either to
//! the forms (with the flows they start) and flows named.

use super::{root_from, usable_mappings, workspace_root_of};
use crate::graph::{self, Graph, Options, Select};
use crate::workspace::{Settings, Workspace, disk};
use std::path::{Path, PathBuf};

/// `graph --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Svg,
    Html,
}

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub forms: Vec<String>,
    pub flows: Vec<String>,
    /// Show every action, also in long runs of plain ones.
    pub no_fold: bool,
}

/// A usage error (exit 2): a name no form or flow has.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnknownName(pub String);

/// What `flowls graph` drew: the text, and how many nodes it holds (none: nothing to draw).
pub struct Drawn {
    pub text: String,
    pub nodes: usize,
    /// The files of the drawn workspaces not drawn, or not in full: not read (and why), or
    /// not parsed; as the current folder names them.
    pub not_drawn: Vec<String>,
}

/// The graph of the paths as text in `format`. `Err` is a usage or I/O error (exit 2).
pub fn graph(
    paths: &[PathBuf],
    settings: &Settings,
    env: Vec<(String, String)>,
    request: &Request,
    format: GraphFormat,
) -> anyhow::Result<Drawn> {
    use anyhow::Context;
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    // what to draw of each workspace: a file's part, the files below a folder, or all of it
    let mut parts: Vec<(Workspace, Select)> = Vec::new();
    let mut not_drawn: Vec<String> = Vec::new();
    let not_read = |out: &mut Vec<String>, unreadable: &[(PathBuf, disk::Unread)]| {
        for (path, why) in unreadable {
            out.push(format!("{} ({why})", crate::display::path(path, &cwd)));
        }
    };
    for arg in paths {
        // `graph .` is the folder itself, not `…/./`
        let abs = std::path::absolute(arg).unwrap_or_else(|_| cwd.join(arg));
        let meta =
            std::fs::metadata(&abs).with_context(|| crate::display::path(arg, Path::new("")))?;
        if meta.is_dir() {
            let (workspaces, unreadable) =
                disk::load_each_root(&root_from(&abs), settings.clone(), env.clone());
            not_read(&mut not_drawn, &unreadable);
            for ws in workspaces {
                usable_mappings(&ws, &unreadable)?;
                // a folder inside a workspace (as `check` takes it): the files below it
                let select = if ws.root.starts_with(&abs) {
                    Select::Workspace
                } else {
                    Select::Under(abs.clone())
                };
                add_part(&mut parts, ws, select);
            }
        } else {
            let root = workspace_root_of(&abs);
            let (mut ws, unreadable) = disk::load(&root, settings.clone(), env.clone());
            usable_mappings(&ws, &unreadable)?;
            not_read(&mut not_drawn, &unreadable);
            if ws.file(&abs).is_none() {
                let text = disk::read_in(&abs, &disk::Roots::new([root.as_path()]))
                    .with_context(|| crate::display::path(arg, Path::new("")))?;
                ws.set_file(abs.clone(), text);
            }
            add_part(&mut parts, ws, Select::Document(abs));
        }
    }
    // every name asked for must be a form or flow of one of the workspaces
    let mut unknown = Vec::new();
    for (what, asked) in [("form", &request.forms), ("flow", &request.flows)] {
        for name in asked {
            let known = |ws: &Workspace| {
                let (forms, flows) = graph::names(ws);
                if what == "form" { forms } else { flows }
            };
            let all: Vec<String> = parts.iter().flat_map(|(ws, _)| known(ws)).collect();
            if !all.contains(name) {
                let near = crate::catalogue::nearest(name, all.iter().map(String::as_str));
                unknown.push(format!(
                    "no {what} named `{}`{}",
                    crate::display::escape_control(name, false),
                    match near {
                        Some(n) => format!(
                            ": did you mean `{}`?",
                            crate::display::escape_control(n, false)
                        ),
                        None if all.is_empty() => format!(" (the workspace has no {what})"),
                        None => String::new(),
                    }
                ));
            }
        }
    }
    if !unknown.is_empty() {
        return Err(UnknownName(unknown.join("; ")).into());
    }
    let options = Options {
        fold: !request.no_fold,
    };
    let several = parts.len() > 1;
    let mut whole = Graph::default();
    let mut title_root = parts
        .first()
        .map(|(ws, _)| ws.root.clone())
        .unwrap_or(cwd.clone());
    // what the html page's links start from: the current folder, or above it where a
    // workspace drawn is not below it
    let mut link_root = title_root.clone();
    if several {
        link_root = cwd.clone();
        for (ws, _) in &parts {
            while !ws.root.starts_with(&link_root) {
                match link_root.parent() {
                    Some(up) => link_root = up.to_path_buf(),
                    None => break,
                }
            }
        }
    }
    for (ws, select) in &parts {
        let select = if !request.forms.is_empty() || !request.flows.is_empty() {
            Select::Named {
                forms: request.forms.clone(),
                flows: request.flows.clone(),
            }
        } else {
            select.clone()
        };
        let mut g = graph::build(ws, &select, &options);
        if several {
            // several workspaces: paths from the current folder tell them apart
            for n in &mut g.nodes {
                n.rel = crate::display::path(&n.path, &cwd);
                let rel = n.path.strip_prefix(&link_root).unwrap_or(&n.path);
                n.file = rel
                    .components()
                    .filter(|c| matches!(c, std::path::Component::Normal(_)))
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
            }
            title_root = cwd.clone();
        }
        whole.append(g);
    }
    let title = format!(
        "flowls graph · {}",
        crate::display::escape_control(
            &title_root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            false
        )
    );
    let text = match format {
        GraphFormat::Mermaid => graph::text::mermaid(&whole),
        GraphFormat::Dot => graph::text::dot(&whole),
        GraphFormat::Svg => graph::svg::layout(&whole).svg().to_string(),
        GraphFormat::Html => graph::html::page(&whole, &title, &link_root),
    };
    let nodes = whole.nodes.len();
    for (ws, _) in &parts {
        for f in ws.files() {
            if f.kind.is_checked() && !f.parse.errors.is_empty() {
                not_drawn.push(format!(
                    "{} (it does not parse)",
                    crate::display::path(&f.path, &cwd)
                ));
            }
        }
    }
    not_drawn.sort();
    not_drawn.dedup();
    // the workspaces and the graph are freed on another core while the text is written
    crate::background::drop_later((parts, whole));
    Ok(Drawn {
        text,
        nodes,
        not_drawn,
    })
}

/// Adds what to draw of a workspace; a workspace named by several paths (two files of one
/// tenant, a file and its folder) is drawn once, with what any of them selects.
fn add_part(parts: &mut Vec<(Workspace, Select)>, ws: Workspace, select: Select) {
    let Some((have, selected)) = parts.iter_mut().find(|(w, _)| w.root == ws.root) else {
        parts.push((ws, select));
        return;
    };
    // a file the scan did not read, read for this path
    if let Select::Document(path) = &select
        && have.file(path).is_none()
        && let Some(f) = ws.file(path)
    {
        have.set_file(path.clone(), f.text.clone());
    }
    let before = std::mem::replace(selected, Select::Workspace);
    *selected = match before {
        Select::Any(mut each) => {
            each.push(select);
            Select::Any(each)
        }
        one => Select::Any(vec![one, select]),
    };
}
