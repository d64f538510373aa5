//! The graph as text for other tools: mermaid (`flowchart`) and Graphviz dot. Each form is a
//! subgraph holding the flows it starts; every text from the repository is escaped for its
//! format, so no label can end its string, start a statement (`click`, a mermaid `%%{init}%%`
//! directive) or a tag.

use super::{EdgeKind, Graph, Group, GroupKind, Kind, Mark, Node};
use std::fmt::Write as _;

/// The groups in drawing order: each top-level group with the groups nested in it.
fn nesting(g: &Graph) -> Vec<(usize, Vec<usize>)> {
    let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, group) in g.groups.iter().enumerate() {
        match group.parent {
            Some(p) => match out.iter_mut().find(|(top, _)| *top == p) {
                Some((_, children)) => children.push(i),
                None => out.push((i, Vec::new())),
            },
            None => out.push((i, Vec::new())),
        }
    }
    // the connections and applications after the forms and flows that use them
    out.sort_by_key(|(top, _)| g.groups[*top].kind == GroupKind::Connections);
    out
}

/// Each group's nodes, in order (one pass: a scan of the nodes per group is quadratic).
fn by_group(g: &Graph) -> Vec<Vec<&Node>> {
    let mut out: Vec<Vec<&Node>> = vec![Vec::new(); g.groups.len()];
    for n in &g.nodes {
        if let Some(group) = out.get_mut(n.group) {
            group.push(n);
        }
    }
    out
}

/// A mermaid label: every character that could mean something to mermaid's lexer or its
/// HTML labels as an entity code (`#35;`), lines joined by `<br>`.
fn mermaid_text(lines: &[String]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for c in line.chars() {
            if c.is_alphanumeric() || " .,:/_-+=@!?*'()".contains(c) {
                out.push(c);
            } else {
                let _ = write!(out, "#{};", c as u32);
            }
        }
    }
    out
}

fn mermaid_shape(kind: Kind, label: &str) -> String {
    match kind {
        Kind::Form => format!("[[\"{label}\"]]"),
        Kind::Router => format!("{{{{\"{label}\"}}}}"),
        Kind::FlowStep => format!("[/\"{label}\"/]"),
        Kind::Ending => format!("((\"{label}\"))"),
        Kind::Flow => format!("([\"{label}\"])"),
        Kind::Connection => format!("[(\"{label}\")]"),
        Kind::Application => format!("[\\\"{label}\"\\]"),
        Kind::Missing => format!(">\"{label}\"]"),
        Kind::Step | Kind::Action | Kind::Fold => format!("[\"{label}\"]"),
    }
}

/// The groups as a text format nests them: each top group (`head` with `top` true), its own
/// nodes, then each group nested in it with its nodes, each closed by `end`.
fn write_groups(
    g: &Graph,
    out: &mut String,
    head: impl Fn(&mut String, &str, &Group, bool),
    end: &str,
    node_line: impl Fn(&mut String, &str, &Node),
) {
    let members = by_group(g);
    for (top, children) in nesting(g) {
        head(out, "  ", &g.groups[top], true);
        for n in &members[top] {
            node_line(out, "    ", n);
        }
        for &c in &children {
            head(out, "    ", &g.groups[c], false);
            for n in &members[c] {
                node_line(out, "      ", n);
            }
            let _ = writeln!(out, "    {end}");
        }
        let _ = writeln!(out, "  {end}");
    }
}

/// The mermaid class of a mark (mermaid's class names take no `-`).
fn mermaid_class(m: Mark) -> String {
    m.as_str().replace('-', "_")
}

/// `flowchart TB` with a subgraph per form, flow and the connections.
pub fn mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart TB\n");
    if g.nodes.is_empty() {
        let _ = writeln!(out, "  %% {}", super::NOTHING_TO_DRAW);
    }
    let node_line = |out: &mut String, indent: &str, n: &Node| {
        let label = mermaid_text(&n.label_lines());
        let _ = writeln!(out, "{indent}{}{}", n.id, mermaid_shape(n.kind, &label));
    };
    write_groups(
        g,
        &mut out,
        |out, indent, group, _| {
            let title = mermaid_text(std::slice::from_ref(&group.title));
            let _ = writeln!(out, "{indent}subgraph {}[\"{title}\"]", group.id);
        },
        "end",
        node_line,
    );
    for e in &g.edges {
        let arrow = match e.kind {
            EdgeKind::Uses | EdgeKind::App => "-.->",
            EdgeKind::Starts => "==>",
            _ => "-->",
        };
        let from = &g.nodes[e.from].id;
        let to = &g.nodes[e.to].id;
        match &e.label {
            Some(l) => {
                let l = mermaid_text(std::slice::from_ref(l));
                let _ = writeln!(out, "  {from} {arrow}|\"{l}\"| {to}");
            }
            None => {
                let _ = writeln!(out, "  {from} {arrow} {to}");
            }
        }
    }
    let styles = [
        (
            Mark::MissingScope,
            "fill:#fde2e2,stroke:#c62828,stroke-width:2px",
        ),
        (Mark::ExcessScope, "stroke:#ef6c00,stroke-dasharray:4 2"),
        (Mark::AllowFailure, "stroke-dasharray:5 3"),
        (
            Mark::Unresolved,
            "fill:#fff3e0,stroke:#c62828,stroke-dasharray:3 3",
        ),
        (Mark::HasError, "stroke:#c62828,stroke-width:2px"),
        (Mark::HasWarning, "stroke:#ef6c00,stroke-width:2px"),
    ];
    for (mark, style) in styles {
        let ids: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| n.marks.contains(&mark))
            .map(|n| n.id.as_str())
            .collect();
        if !ids.is_empty() {
            let class = mermaid_class(mark);
            let _ = writeln!(out, "  classDef {class} {style}");
            let _ = writeln!(out, "  class {} {class}", ids.join(","));
        }
    }
    out
}

/// A dot string's content: `\` and `"` escaped, lines joined by `\n`.
fn dot_text(lines: &[String]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\\n");
        }
        for c in line.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' | '\r' => out.push(' '),
                c => out.push(c),
            }
        }
    }
    out
}

fn dot_shape(kind: Kind) -> &'static str {
    match kind {
        Kind::Form => "tab",
        Kind::Router => "hexagon",
        Kind::FlowStep => "parallelogram",
        Kind::Ending => "doublecircle",
        Kind::Flow => "oval",
        Kind::Connection => "cylinder",
        Kind::Application => "component",
        Kind::Missing => "note",
        Kind::Step | Kind::Action | Kind::Fold => "box",
    }
}

/// A Graphviz digraph with a cluster per form, flow and the connections; each node carries
/// `id`, `class` (its kind and marks) and `tooltip` (`file:line`).
pub fn dot(g: &Graph) -> String {
    let mut out = String::from(
        "digraph flowls {\n  graph [rankdir=TB, fontname=\"sans-serif\", fontsize=11];\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"sans-serif\", fontsize=10];\n  edge [fontname=\"sans-serif\", fontsize=9];\n",
    );
    if g.nodes.is_empty() {
        let _ = writeln!(
            out,
            "  // {}\n  label=\"{}\";",
            super::NOTHING_TO_DRAW,
            super::NOTHING_TO_DRAW
        );
    }
    let node_line = |out: &mut String, indent: &str, n: &Node| {
        let mut attrs = format!(
            "label=\"{}\", shape={}, id=\"{}\", class=\"{}\", tooltip=\"{}\"",
            dot_text(&n.label_lines()),
            dot_shape(n.kind),
            n.id,
            n.classes(),
            dot_text(&[format!("{}:{}", n.rel, n.line)]),
        );
        if n.marks.contains(&Mark::MissingScope) || n.marks.contains(&Mark::HasError) {
            attrs.push_str(", color=\"#c62828\", penwidth=2");
        } else if n.marks.contains(&Mark::HasWarning) || n.marks.contains(&Mark::ExcessScope) {
            attrs.push_str(", color=\"#ef6c00\", penwidth=2");
        }
        if n.marks.contains(&Mark::MissingScope) || n.marks.contains(&Mark::Unresolved) {
            attrs.push_str(", fillcolor=\"#fde2e2\"");
        }
        if n.marks.contains(&Mark::AllowFailure) || n.marks.contains(&Mark::Unresolved) {
            attrs.push_str(", style=\"rounded,filled,dashed\"");
        }
        let _ = writeln!(out, "{indent}\"{}\" [{attrs}];", n.id);
    };
    write_groups(
        g,
        &mut out,
        |out, indent, group, top| {
            let title = dot_text(std::slice::from_ref(&group.title));
            let dashed = if top && group.kind == GroupKind::Connections {
                " style=dashed;"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{indent}subgraph cluster_{} {{\n{indent}  label=\"{title}\";{dashed}",
                group.id
            );
        },
        "}",
        node_line,
    );
    for e in &g.edges {
        let mut attrs = format!("class=\"edge {}\"", e.kind.as_str());
        if let Some(l) = &e.label {
            let _ = write!(attrs, ", label=\"{}\"", dot_text(std::slice::from_ref(l)));
        }
        match e.kind {
            EdgeKind::Uses | EdgeKind::App => attrs.push_str(", style=dashed"),
            EdgeKind::Starts => attrs.push_str(", penwidth=2"),
            _ => {}
        }
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [{attrs}];",
            g.nodes[e.from].id, g.nodes[e.to].id
        );
    }
    out.push_str("}\n");
    out
}
