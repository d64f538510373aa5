//! The graph as SVG, laid out by `layout-rs` (a Sugiyama-style layered layout: ranks, edge
//! crossing reduction, Brandes–Köpf placement). The layout is `layout-rs`'s; this module only
//! sizes the boxes, reads back where the library put each box and edge (a [`RenderBackend`]
//! that records instead of drawing) and writes the SVG itself, so that each node is one
//! `<g class="node …" data-node="ID" data-file="…" data-line="…">` holding its box and its label.
//!
//! Each form (with the flows it starts) and each flow no form starts is laid out on its own,
//! with its own copy of the connections and applications it uses — a copy carries
//! `data-ref="ID"` instead of `data-node`, so exactly one element per node carries `data-node`
//! —, and the laid-out groups are set side by side in rows, in reading order. That keeps the
//! picture of a 50-flow tenant readable (no edge crosses the page to a shared connection) and
//! the cost linear in the number of groups.

use super::{EdgeKind, Graph, GroupKind, Kind};
use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

const FONT: f64 = 12.0;
const LINE: f64 = 15.0;
const CHAR: f64 = 6.8;
const PAD: f64 = 10.0;
const GAP: f64 = 40.0;
const TITLE: f64 = 24.0;
/// Groups are set in rows at most this wide (or as wide as the widest group).
const ROW_WIDTH: f64 = 2400.0;

/// A node as placed: its box, relative to its group's frame.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub node: usize,
    /// A copy of a connection or application drawn in another group too.
    pub copy: bool,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// An edge as laid out: its SVG path, whether its arrow head is at the start (a back edge the
/// layout reversed).
#[derive(Debug, Clone)]
struct PlacedEdge {
    edge: usize,
    d: String,
    head_at_start: bool,
}

/// One group laid out: its members, edges, edge labels and size.
#[derive(Debug, Clone, Default)]
struct Laid {
    title: String,
    nodes: Vec<Placed>,
    edges: Vec<PlacedEdge>,
    labels: Vec<(f64, f64, String)>,
    w: f64,
    h: f64,
}

/// An edge as `layout-rs` draws it: its index, its bezier path, its arrow heads (start, end).
type Drawn = (usize, Vec<(Point, Point)>, (bool, bool));

/// What `layout-rs` reports through its rendering calls, recorded.
#[derive(Default)]
struct Recorder {
    rects: HashMap<usize, (Point, Point)>,
    arrows: Vec<Drawn>,
    labels: Vec<(Point, String)>,
}

fn tag(properties: &Option<String>, prefix: char) -> Option<usize> {
    properties.as_deref()?.strip_prefix(prefix)?.parse().ok()
}

impl RenderBackend for Recorder {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        if let Some(i) = tag(&properties, 'n') {
            self.rects.insert(i, (xy, size));
        }
    }
    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}
    fn draw_text(&mut self, xy: Point, text: &str, _look: &StyleAttr) {
        // the boxes' own text is empty (labels are written below); this is an edge's label,
        // which the layout placed on the edge
        if !text.is_empty() {
            self.labels.push((xy, text.to_string()));
        }
    }
    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if let Some(i) = tag(&properties, 'e') {
            self.arrows.push((i, path.to_vec(), head));
        }
    }
    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// The size of a node's box for its label.
pub fn box_size(lines: &[String]) -> (f64, f64) {
    let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
    (
        (widest * CHAR + 2.0 * PAD).max(60.0),
        lines.len() as f64 * LINE + PAD,
    )
}

/// The nodes of each group to lay out, in reading order: a top-level form or flow group with
/// the flow groups nested in it, and the connections and applications their actions use.
fn clusters(g: &Graph, out_edges: &[Vec<usize>]) -> Vec<(String, Vec<(usize, bool)>)> {
    let mut tops: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut connections_group = None;
    for (i, group) in g.groups.iter().enumerate() {
        if group.kind == GroupKind::Connections {
            connections_group = Some(i);
            continue;
        }
        match group
            .parent
            .and_then(|p| tops.iter_mut().find(|(t, _)| *t == p))
        {
            Some((_, gs)) => gs.push(i),
            None => tops.push((i, vec![i])),
        }
    }
    let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); g.groups.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        by_group[n.group].push(i);
    }
    let mut drawn: HashSet<usize> = HashSet::new();
    let mut out = Vec::new();
    for (top, groups) in tops {
        let mut members: Vec<(usize, bool)> = Vec::new();
        let mut here: HashSet<usize> = HashSet::new();
        for &gi in &groups {
            for &n in &by_group[gi] {
                here.insert(n);
                members.push((n, false));
                drawn.insert(n);
            }
        }
        // the connections used and the applications behind them
        let mut k = 0;
        while k < members.len() {
            let (n, _) = members[k];
            for &e in &out_edges[n] {
                let e = &g.edges[e];
                if matches!(e.kind, EdgeKind::Uses | EdgeKind::App)
                    && Some(g.nodes[e.to].group) == connections_group
                    && here.insert(e.to)
                {
                    let copy = !drawn.insert(e.to);
                    members.push((e.to, copy));
                }
            }
            k += 1;
        }
        out.push((g.groups[top].title.clone(), members));
    }
    // what no group used: unused connections, and their applications
    if let Some(cg) = connections_group {
        let rest: Vec<(usize, bool)> = by_group[cg]
            .iter()
            .filter(|n| !drawn.contains(n))
            .map(|&n| (n, false))
            .collect();
        if !rest.is_empty() {
            out.push((g.groups[cg].title.clone(), rest));
        }
    }
    out
}

/// How much of a group's edges `layout-rs` is given: all, without their labels, or none
/// (the library stops on an assertion for some graphs; each try gives it less).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edges {
    All,
    Unlabelled,
    None,
}

/// Runs `f`, catching a panic without printing it (the library's assertions are caught here
/// and answered by a simpler layout; other threads' panics print as before).
fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    thread_local!(static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r
}

/// The positions `layout-rs` gives a group's members, and the edges it routes.
fn run_layout(
    g: &Graph,
    out_edges: &[Vec<usize>],
    members: &[(usize, bool)],
    sizes: &[(f64, f64)],
    edges: Edges,
) -> Recorder {
    let mut vg = VisualGraph::new(Orientation::TopToBottom);
    // the library checks the whole graph after each edge when validating: quadratic
    vg.dag.set_validate(false);
    let mut handle = HashMap::new();
    for (k, &(n, _)) in members.iter().enumerate() {
        let (w, h) = sizes[k];
        let look = StyleAttr::simple();
        let el = Element::create_with_properties(
            ShapeKind::Box(String::new()),
            look,
            Orientation::TopToBottom,
            Point::new(w, h),
            format!("n{k}"),
        );
        handle.insert(n, vg.add_node(el));
    }
    let mut seen = HashSet::new();
    // the members' edges only: each group costs its own size
    for &i in members.iter().flat_map(|&(n, _)| &out_edges[n]) {
        if edges == Edges::None {
            break;
        }
        let e = &g.edges[i];
        let (Some(&a), Some(&b)) = (handle.get(&e.from), handle.get(&e.to)) else {
            continue;
        };
        // one edge per pair of nodes (then and else to one action are one edge)
        if !seen.insert((e.from, e.to)) {
            continue;
        }
        let label = if edges == Edges::All {
            out_edges[e.from]
                .iter()
                .map(|&x| &g.edges[x])
                .filter(|x| x.to == e.to)
                .filter_map(|x| x.label.clone())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            String::new()
        };
        let arrow = Arrow::with_properties(
            LineEndKind::None,
            LineEndKind::Arrow,
            LineStyleKind::Normal,
            &label,
            &StyleAttr::simple(),
            format!("e{i}"),
            &None,
            &None,
        );
        vg.add_edge(arrow, a, b);
    }
    let mut rec = Recorder::default();
    vg.do_it(false, false, false, &mut rec);
    rec
}

fn lay_out(g: &Graph, out_edges: &[Vec<usize>], title: String, members: &[(usize, bool)]) -> Laid {
    let sizes: Vec<(f64, f64)> = members
        .iter()
        .map(|&(n, _)| box_size(&g.nodes[n].label_lines()))
        .collect();
    let (rec, edges) = [Edges::All, Edges::Unlabelled, Edges::None]
        .into_iter()
        .find_map(|mode| {
            quietly(|| run_layout(g, out_edges, members, &sizes, mode))
                .ok()
                .map(|r| (r, mode))
        })
        .unwrap_or((Recorder::default(), Edges::None));
    let mut laid = Laid {
        title,
        ..Laid::default()
    };
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut grow = |x: f64, y: f64| {
        minx = minx.min(x);
        miny = miny.min(y);
        maxx = maxx.max(x);
        maxy = maxy.max(y);
    };
    for (k, &(n, copy)) in members.iter().enumerate() {
        let (xy, size) = rec
            .rects
            .get(&k)
            .copied()
            .unwrap_or((Point::zero(), Point::new(sizes[k].0, sizes[k].1)));
        grow(xy.x, xy.y);
        grow(xy.x + size.x, xy.y + size.y);
        laid.nodes.push(Placed {
            node: n,
            copy,
            x: xy.x,
            y: xy.y,
            w: size.x,
            h: size.y,
        });
    }
    for (p, text) in &rec.labels {
        grow(p.x - text.chars().count() as f64 * CHAR / 2.0, p.y - LINE);
        grow(p.x + text.chars().count() as f64 * CHAR / 2.0, p.y + LINE);
    }
    for (_, path, _) in &rec.arrows {
        for (a, b) in path {
            grow(a.x, a.y);
            grow(b.x, b.y);
        }
    }
    if minx > maxx {
        (minx, miny, maxx, maxy) = (0.0, 0.0, 0.0, 0.0);
    }
    // to the frame's coordinates: the title above, a margin around
    let dx = PAD - minx;
    let dy = TITLE + PAD - miny;
    for p in &mut laid.nodes {
        p.x += dx;
        p.y += dy;
    }
    for (i, path, head) in rec.arrows {
        if path.len() < 2 {
            continue;
        }
        let pt = |p: Point| format!("{:.1} {:.1}", p.x + dx, p.y + dy);
        let mut d = format!(
            "M {} C {}, {}, {}",
            pt(path[0].0),
            pt(path[0].1),
            pt(path[1].0),
            pt(path[1].1)
        );
        for p in &path[2..] {
            let _ = write!(d, " S {}, {}", pt(p.0), pt(p.1));
        }
        laid.edges.push(PlacedEdge {
            edge: i,
            d,
            head_at_start: head.0 && !head.1,
        });
    }
    if edges == Edges::None {
        // the library could not route them: straight lines between the boxes
        let at: HashMap<usize, &Placed> = laid.nodes.iter().map(|p| (p.node, p)).collect();
        let mut seen = HashSet::new();
        for &i in members.iter().flat_map(|&(n, _)| &out_edges[n]) {
            let e = &g.edges[i];
            let (Some(a), Some(b)) = (at.get(&e.from), at.get(&e.to)) else {
                continue;
            };
            if !seen.insert((e.from, e.to)) {
                continue;
            }
            laid.edges.push(PlacedEdge {
                edge: i,
                d: format!(
                    "M {:.1} {:.1} L {:.1} {:.1}",
                    a.x + a.w / 2.0,
                    a.y + a.h,
                    b.x + b.w / 2.0,
                    b.y
                ),
                head_at_start: false,
            });
        }
    }
    laid.labels = rec
        .labels
        .into_iter()
        .map(|(p, t)| (p.x + dx, p.y + dy, t))
        .collect();
    let title_w = laid.title.chars().count() as f64 * CHAR + 2.0 * PAD;
    laid.w = (maxx - minx + 2.0 * PAD).max(title_w);
    laid.h = maxy - miny + TITLE + 2.0 * PAD;
    laid
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text escaped for XML text and attribute values (`&`, `<`, `>`, quotes).
pub fn escape_xml(s: &str) -> String {
    esc(s)
}

/// Every node placed, in the page's coordinates (for tests and the page's script).
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<Placed>,
    svg: String,
}

impl Layout {
    pub fn svg(&self) -> &str {
        &self.svg
    }
}

/// Lays the graph out and writes it as one SVG document.
pub fn layout(g: &Graph) -> Layout {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); g.nodes.len()];
    for (i, e) in g.edges.iter().enumerate() {
        out_edges[e.from].push(i);
    }
    let laid: Vec<Laid> = clusters(g, &out_edges)
        .into_iter()
        .map(|(title, members)| lay_out(g, &out_edges, title, &members))
        .collect();
    // the groups in rows, in reading order
    let row_width = laid.iter().map(|l| l.w).fold(ROW_WIDTH, f64::max);
    let mut at = Vec::with_capacity(laid.len());
    let (mut x, mut y, mut row_h, mut width) = (GAP / 2.0, GAP / 2.0, 0.0f64, 0.0f64);
    for l in &laid {
        if x > GAP / 2.0 && x + l.w > row_width {
            x = GAP / 2.0;
            y += row_h + GAP;
            row_h = 0.0;
        }
        at.push((x, y));
        x += l.w + GAP;
        row_h = row_h.max(l.h);
        width = width.max(x);
    }
    let height = y + row_h + GAP / 2.0;
    let width = width.max(200.0);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flowls-graph\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"{FONT}\">"
    );
    svg.push_str(STYLE);
    svg.push_str("<defs><marker id=\"arrow-end\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" class=\"arrow-head\"/></marker></defs>\n");
    let mut placed = Vec::new();
    for (l, &(gx, gy)) in laid.iter().zip(&at) {
        let _ = writeln!(
            svg,
            "<g class=\"group\" transform=\"translate({gx:.1} {gy:.1})\"><rect class=\"group-frame\" x=\"0\" y=\"0\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\"/><text class=\"group-title\" x=\"{PAD}\" y=\"{:.1}\">{}</text>",
            l.w,
            l.h,
            TITLE - 6.0,
            esc(&l.title)
        );
        for e in &l.edges {
            let edge = &g.edges[e.edge];
            let marker = if e.head_at_start {
                "marker-start"
            } else {
                "marker-end"
            };
            let _ = writeln!(
                svg,
                "<path class=\"edge {}\" d=\"{}\" {marker}=\"url(#arrow-end)\"/>",
                edge.kind.as_str(),
                e.d
            );
        }
        for (x, y, t) in &l.labels {
            let _ = writeln!(
                svg,
                "<text class=\"edge-label\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" dominant-baseline=\"middle\">{}</text>",
                esc(t)
            );
        }
        for p in &l.nodes {
            let n = &g.nodes[p.node];
            let attr = if p.copy { "data-ref" } else { "data-node" };
            let mut classes = n.classes();
            if p.copy {
                classes.push_str(" copy");
            }
            let rx = match n.kind {
                Kind::Flow | Kind::Ending => p.h / 2.0,
                Kind::Form | Kind::Connection | Kind::Application => 2.0,
                _ => 6.0,
            };
            let _ = write!(
                svg,
                "<g class=\"{classes}\" {attr}=\"{}\" data-file=\"{}\" data-line=\"{}\" data-column=\"{}\" tabindex=\"0\"><title>{}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"{rx:.1}\"/>",
                n.id,
                esc(&n.rel),
                n.line,
                n.column,
                esc(&format!("{}:{}", n.rel, n.line)),
                p.x,
                p.y,
                p.w,
                p.h
            );
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">",
                p.x + p.w / 2.0,
                p.y + PAD / 2.0
            );
            for (i, line) in n.label_lines().iter().enumerate() {
                let class = if i == 0 {
                    "title"
                } else if n.findings.count() > 0 && i + 1 == n.label_lines().len() {
                    "finding"
                } else if line.starts_with("missing") {
                    "missing"
                } else {
                    "detail"
                };
                let _ = write!(
                    svg,
                    "<tspan class=\"{class}\" x=\"{:.1}\" dy=\"{LINE}\">{}</tspan>",
                    p.x + p.w / 2.0,
                    esc(line)
                );
            }
            svg.push_str("</text></g>\n");
            placed.push(Placed {
                x: p.x + gx,
                y: p.y + gy,
                ..*p
            });
        }
        svg.push_str("</g>\n");
    }
    svg.push_str("</svg>\n");
    Layout {
        width,
        height,
        nodes: placed,
        svg,
    }
}

/// The SVG's own style: classes only, so that a page or an editor's webview may restyle it
/// (light, dark, high contrast) from outside.
const STYLE: &str = "<style>
.flowls-graph { --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --frame: #d0d7de; --edge: #6e7781;
  --form: #ddf4ff; --flow: #fbefff; --action: #ffffff; --conn: #dafbe1; --app: #fff8c5;
  --bad: #cf222e; --warn: #bc4c00; --bad-bg: #ffebe9; }
.flowls-graph text { fill: var(--fg); }
.flowls-graph .group-frame { fill: none; stroke: var(--frame); stroke-dasharray: 4 3; }
.flowls-graph .group-title { font-weight: bold; fill: var(--muted); }
.flowls-graph .edge { fill: none; stroke: var(--edge); stroke-width: 1.3; }
.flowls-graph .edge.uses, .flowls-graph .edge.app { stroke-dasharray: 5 3; }
.flowls-graph .edge.starts { stroke-width: 2.2; }
.flowls-graph .edge.else { stroke-dasharray: 2 2; }
.flowls-graph .arrow-head { fill: var(--edge); }
.flowls-graph .edge-label { font-size: 10px; fill: var(--muted); paint-order: stroke; stroke: var(--bg); stroke-width: 3px; }
.flowls-graph .node { cursor: pointer; }
.flowls-graph .node rect { fill: var(--action); stroke: var(--edge); stroke-width: 1.2; }
.flowls-graph .node.form rect, .flowls-graph .node.step rect, .flowls-graph .node.router rect,
.flowls-graph .node.flow-step rect, .flowls-graph .node.ending rect { fill: var(--form); }
.flowls-graph .node.flow rect { fill: var(--flow); }
.flowls-graph .node.connection rect { fill: var(--conn); }
.flowls-graph .node.application rect { fill: var(--app); }
.flowls-graph .node.fold rect { stroke-dasharray: 2 2; }
.flowls-graph .node.copy rect { stroke-dasharray: 6 2; }
.flowls-graph .node.allow-failure rect { stroke-dasharray: 5 3; }
.flowls-graph .node.has-warning rect { stroke: var(--warn); stroke-width: 2; }
.flowls-graph .node.has-error rect, .flowls-graph .node.missing-scope rect { stroke: var(--bad); stroke-width: 2.4; }
.flowls-graph .node.missing-scope rect, .flowls-graph .node.unresolved rect { fill: var(--bad-bg); }
.flowls-graph .node.unresolved rect { stroke: var(--bad); stroke-dasharray: 3 3; }
.flowls-graph .node .title { font-weight: bold; }
.flowls-graph .node .detail { fill: var(--muted); }
.flowls-graph .node .missing, .flowls-graph .node .finding { fill: var(--bad); }
.flowls-graph .node:focus rect, .flowls-graph .node.selected rect { stroke: #0969da; stroke-width: 3; }
</style>
";
