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

use super::metrics::text_width;
use super::{EdgeKind, Graph, GroupKind, Kind, in_parallel};
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
/// Edge labels' font size.
const LABEL_FONT: f64 = 10.0;
const PAD: f64 = 10.0;
const GAP: f64 = 40.0;
const TITLE: f64 = 24.0;
/// Rows of groups are at least this wide (a page of a few small groups is one row).
const MIN_ROW_WIDTH: f64 = 1200.0;

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

/// How wide a label's line is drawn: the first (the title) in bold.
pub fn line_width(i: usize, line: &str) -> f64 {
    text_width(line, FONT, i == 0)
}

/// The size of a node's box for its label.
pub fn box_size(lines: &[String]) -> (f64, f64) {
    let widest = lines
        .iter()
        .enumerate()
        .map(|(i, l)| line_width(i, l))
        .fold(0.0, f64::max);
    (
        (widest + 2.0 * PAD).max(60.0),
        lines.len() as f64 * LINE + PAD,
    )
}

/// A member of a group to lay out: the node, whether it is a copy of a connection or
/// application drawn in another group too, and whether it stands beside the group's own nodes
/// (a connection or application its actions use).
#[derive(Debug, Clone, Copy)]
struct Member {
    node: usize,
    copy: bool,
    side: bool,
}

/// The nodes of each group to lay out, in reading order: a top-level form or flow group with
/// the flow groups nested in it, and the connections and applications their actions use.
fn clusters(g: &Graph, out_edges: &[Vec<usize>]) -> Vec<(String, Vec<Member>)> {
    let mut tops: Vec<(usize, Vec<usize>)> = Vec::new();
    // one per workspace drawn (several paths append their graphs)
    let mut connections_groups: Vec<usize> = Vec::new();
    for (i, group) in g.groups.iter().enumerate() {
        if group.kind == GroupKind::Connections {
            connections_groups.push(i);
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
        let mut members: Vec<Member> = Vec::new();
        let mut here: HashSet<usize> = HashSet::new();
        for &gi in &groups {
            for &n in &by_group[gi] {
                here.insert(n);
                members.push(Member {
                    node: n,
                    copy: false,
                    side: false,
                });
                drawn.insert(n);
            }
        }
        // the connections used and the applications behind them
        let mut k = 0;
        while k < members.len() {
            let n = members[k].node;
            for &e in &out_edges[n] {
                let e = &g.edges[e];
                if matches!(e.kind, EdgeKind::Uses | EdgeKind::App)
                    && connections_groups.contains(&g.nodes[e.to].group)
                    && here.insert(e.to)
                {
                    let copy = !drawn.insert(e.to);
                    members.push(Member {
                        node: e.to,
                        copy,
                        side: true,
                    });
                }
            }
            k += 1;
        }
        out.push((g.groups[top].title.clone(), members));
    }
    // what no group used: unused connections, and their applications
    for cg in connections_groups {
        let rest: Vec<Member> = by_group[cg]
            .iter()
            .filter(|n| !drawn.contains(n))
            .map(|&n| Member {
                node: n,
                copy: false,
                side: false,
            })
            .collect();
        if !rest.is_empty() {
            out.push((g.groups[cg].title.clone(), rest));
        }
    }
    out
}

/// How much of a block's edges `layout-rs` is given: all, without their labels, or none
/// (the library stops on an assertion for some graphs; each try gives it less).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Blocks of more nodes than this are laid out without the library's crossing reduction
/// (50 rounds, each cubic in a rank's width): the picture says so in the group's title.
pub const CROSSING_LIMIT: usize = 120;

/// What one block is given to `layout-rs`: its boxes' sizes and its edges (between boxes, by
/// index, with a label). Also the key of the layout cache: the same block is laid out once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BlockSpec {
    /// Width and height of each box, as bits (`f64` is not `Hash`).
    sizes: Vec<(u64, u64)>,
    edges: Vec<(usize, usize, String)>,
    /// Ranks as columns (left to right), else as rows.
    across: bool,
}

/// What `layout-rs` gave for a block, in its own coordinates: each box, each edge's path (by
/// index in [`BlockSpec::edges`]), the labels it placed, whether its edges were kept and
/// whether crossings were reduced.
#[derive(Debug, Clone)]
struct Placement {
    rects: Vec<Option<(Point, Point)>>,
    arrows: Vec<Drawn>,
    labels: Vec<(Point, String)>,
    edges: Edges,
    reduced: bool,
}

fn run_layout(spec: &BlockSpec, edges: Edges, reduce: bool) -> Recorder {
    let orientation = if spec.across {
        Orientation::LeftToRight
    } else {
        Orientation::TopToBottom
    };
    let mut vg = VisualGraph::new(orientation);
    // the library checks the whole graph after each edge when validating: quadratic
    vg.dag.set_validate(false);
    let mut handles = Vec::with_capacity(spec.sizes.len());
    for (k, &(w, h)) in spec.sizes.iter().enumerate() {
        let el = Element::create_with_properties(
            ShapeKind::Box(String::new()),
            StyleAttr::simple(),
            orientation,
            Point::new(f64::from_bits(w), f64::from_bits(h)),
            format!("n{k}"),
        );
        handles.push(vg.add_node(el));
    }
    if edges != Edges::None {
        for (i, (a, b, label)) in spec.edges.iter().enumerate() {
            let label = if edges == Edges::All {
                label.as_str()
            } else {
                ""
            };
            let arrow = Arrow::with_properties(
                LineEndKind::None,
                LineEndKind::Arrow,
                LineStyleKind::Normal,
                label,
                &StyleAttr::simple(),
                format!("e{i}"),
                &None,
                &None,
            );
            vg.add_edge(arrow, handles[*a], handles[*b]);
        }
    }
    let mut rec = Recorder::default();
    vg.do_it(false, !reduce, false, &mut rec);
    rec
}

/// The layouts made so far in this process, by block (a redraw after an edit lays out only
/// the blocks that changed; a tenant's many flows of one shape are laid out once).
fn cache() -> &'static std::sync::Mutex<HashMap<BlockSpec, std::sync::Arc<Placement>>> {
    static CACHE: std::sync::OnceLock<
        std::sync::Mutex<HashMap<BlockSpec, std::sync::Arc<Placement>>>,
    > = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// At most this many layouts are kept (then the cache starts over).
const CACHE_ENTRIES: usize = 20_000;

fn place_block(spec: &BlockSpec) -> std::sync::Arc<Placement> {
    if let Some(p) = cache().lock().ok().and_then(|c| c.get(spec).cloned()) {
        return p;
    }
    let reduce = spec.sizes.len() <= CROSSING_LIMIT;
    let (rec, edges) = [Edges::All, Edges::Unlabelled, Edges::None]
        .into_iter()
        .find_map(|mode| {
            quietly(|| run_layout(spec, mode, reduce))
                .ok()
                .map(|r| (r, mode))
        })
        .unwrap_or((Recorder::default(), Edges::None));
    let mut rects = vec![None; spec.sizes.len()];
    for (k, r) in rec.rects {
        if let Some(slot) = rects.get_mut(k) {
            *slot = Some(r);
        }
    }
    let placement = std::sync::Arc::new(Placement {
        rects,
        arrows: rec.arrows,
        labels: rec.labels,
        edges,
        reduced: reduce,
    });
    if let Ok(mut c) = cache().lock() {
        if c.len() >= CACHE_ENTRIES {
            c.clear();
        }
        c.insert(spec.clone(), placement.clone());
    }
    placement
}

/// The bounding box of a placement: `(min x, min y, max x, max y)`.
fn bounds(p: &Placement, sizes: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut grow = |x: f64, y: f64| {
        minx = minx.min(x);
        miny = miny.min(y);
        maxx = maxx.max(x);
        maxy = maxy.max(y);
    };
    for (k, r) in p.rects.iter().enumerate() {
        let (xy, size) = r.unwrap_or((Point::zero(), Point::new(sizes[k].0, sizes[k].1)));
        grow(xy.x, xy.y);
        grow(xy.x + size.x, xy.y + size.y);
    }
    for (pt, text) in &p.labels {
        let half = text_width(text, LABEL_FONT, false) / 2.0;
        grow(pt.x - half, pt.y - LINE);
        grow(pt.x + half, pt.y + LINE);
    }
    for (_, path, _) in &p.arrows {
        for (a, b) in path {
            grow(a.x, a.y);
            grow(b.x, b.y);
        }
    }
    if minx > maxx {
        return (0.0, 0.0, 0.0, 0.0);
    }
    (minx, miny, maxx, maxy)
}

/// A point of the cubic bezier `p0 c0 c1 p1` at `t`.
fn bezier(p0: Point, c0: Point, c1: Point, p1: Point, t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p0.x + b * c0.x + c * c1.x + d * p1.x,
        a * p0.y + b * c0.y + c * c1.y + d * p1.y,
    )
}

/// The connections and applications beside a group are laid out in blocks of at most this
/// many (each block's rank is a column: the library's placement is quadratic in a rank's
/// width).
const SIDE_BLOCK: usize = 40;

/// A block's spec, the graph's edge behind each of its edges, and the labels this module
/// writes itself (by the block's edge): `then` / `else`, whose label boxes in the library
/// would double the ranks.
fn spec_of(
    g: &Graph,
    out_edges: &[Vec<usize>],
    ms: &[Member],
    across: bool,
) -> (BlockSpec, Vec<usize>, Vec<(usize, String)>) {
    let at: HashMap<usize, usize> = ms.iter().enumerate().map(|(k, m)| (m.node, k)).collect();
    let mut seen = HashSet::new();
    let mut spec = BlockSpec {
        sizes: ms
            .iter()
            .map(|m| {
                let (w, h) = box_size(&g.nodes[m.node].label_lines());
                (w.to_bits(), h.to_bits())
            })
            .collect(),
        edges: Vec::new(),
        across,
    };
    let mut global = Vec::new();
    let mut labels = Vec::new();
    for (k, m) in ms.iter().enumerate() {
        for &i in &out_edges[m.node] {
            let e = &g.edges[i];
            let Some(&b) = at.get(&e.to) else {
                continue;
            };
            // one edge per pair of nodes (then and else to one action are one edge)
            if e.kind == EdgeKind::Uses || !seen.insert((m.node, e.to)) {
                continue;
            }
            let text: Vec<String> = out_edges[m.node]
                .iter()
                .map(|&x| &g.edges[x])
                .filter(|x| x.to == e.to)
                .filter_map(|x| x.label.clone())
                .collect();
            let label = if matches!(e.kind, EdgeKind::Then | EdgeKind::Else) {
                if !text.is_empty() {
                    labels.push((global.len(), text.join(", ")));
                }
                String::new()
            } else {
                text.join(", ")
            };
            spec.edges.push((k, b, label));
            global.push(i);
        }
    }
    (spec, global, labels)
}

/// Puts a block laid out by the library into the group's frame with its top left corner at
/// `(x, y)`; returns its width and height.
fn put(
    laid: &mut Laid,
    g: &Graph,
    out_edges: &[Vec<usize>],
    ms: &[Member],
    across: bool,
    (x, y): (f64, f64),
) -> (f64, f64, bool) {
    let (spec, global, labels) = spec_of(g, out_edges, ms, across);
    let p = place_block(&spec);
    let sizes: Vec<(f64, f64)> = spec
        .sizes
        .iter()
        .map(|&(w, h)| (f64::from_bits(w), f64::from_bits(h)))
        .collect();
    let (minx, miny, maxx, maxy) = bounds(&p, &sizes);
    let (dx, dy) = (x - minx, y - miny);
    let first = laid.nodes.len();
    for (k, m) in ms.iter().enumerate() {
        let (xy, size) = p.rects[k].unwrap_or((Point::zero(), Point::new(sizes[k].0, sizes[k].1)));
        laid.nodes.push(Placed {
            node: m.node,
            copy: m.copy,
            x: xy.x + dx,
            y: xy.y + dy,
            w: size.x,
            h: size.y,
        });
    }
    let pt = |d: &mut String, p: Point| pair(d, p.x + dx, p.y + dy);
    for (local, path, head) in &p.arrows {
        if path.len() < 2 {
            continue;
        }
        let mut d = String::with_capacity(24 + 24 * path.len());
        d.push_str("M ");
        pt(&mut d, path[0].0);
        d.push_str(" C ");
        pt(&mut d, path[0].1);
        d.push_str(", ");
        pt(&mut d, path[1].0);
        d.push_str(", ");
        pt(&mut d, path[1].1);
        for q in &path[2..] {
            d.push_str(" S ");
            pt(&mut d, q.0);
            d.push_str(", ");
            pt(&mut d, q.1);
        }
        laid.edges.push(PlacedEdge {
            edge: global[*local],
            d,
            head_at_start: head.0 && !head.1,
        });
        if let Some((_, text)) = labels.iter().find(|(l, _)| l == local) {
            let (lx, ly) = bezier(path[0].0, path[0].1, path[1].0, path[1].1, 0.5);
            laid.labels.push((lx + dx, ly + dy, text.clone()));
        }
    }
    if p.edges == Edges::None {
        // the library could not route them: straight lines between the boxes
        for (local, &(a, b, _)) in spec.edges.iter().enumerate() {
            let (a, b) = (&laid.nodes[first + a], &laid.nodes[first + b]);
            let mut d = String::from("M ");
            pair(&mut d, a.x + a.w / 2.0, a.y + a.h);
            d.push_str(" L ");
            pair(&mut d, b.x + b.w / 2.0, b.y);
            laid.edges.push(PlacedEdge {
                edge: global[local],
                d,
                head_at_start: false,
            });
        }
    }
    for (q, t) in &p.labels {
        laid.labels.push((q.x + dx, q.y + dy, t.clone()));
    }
    (maxx - minx, maxy - miny, p.reduced)
}

/// How far a routed edge keeps from a box.
const CLEAR: f64 = 6.0;

/// The first height below `a` at which a line from `x0` to the block's right edge crosses no
/// box: below `a`'s rank, in the gap the layered layout leaves before the next one.
fn clear_row_below(boxes: &[Placed], a: &Placed, x0: f64) -> f64 {
    let mut y = a.y + a.h + CLEAR;
    // each box moves the line below itself at most once
    for _ in 0..=boxes.len() {
        match boxes
            .iter()
            .find(|o| o.x + o.w > x0 - CLEAR && o.y - CLEAR < y && o.y + o.h + CLEAR > y)
        {
            Some(o) => y = o.y + o.h + CLEAR,
            None => break,
        }
    }
    y
}

/// A group laid out: its own nodes as one block laid out by `layout-rs`, and the connections
/// and applications they use in blocks beside it (one rank a column, connections left of their
/// applications), joined by `uses` edges from each action's side — so that an action's
/// connection costs one short edge, not a long one through every rank of the flow, and many
/// actions on one connection stay linear.
fn lay_out(g: &Graph, out_edges: &[Vec<usize>], title: String, members: &[Member]) -> Laid {
    let mut laid = Laid {
        title,
        ..Laid::default()
    };
    let core: Vec<Member> = members.iter().filter(|m| !m.side).copied().collect();
    let side: Vec<Member> = members.iter().filter(|m| m.side).copied().collect();
    let top = TITLE + PAD;
    let mut degraded = None;
    let (mut w, mut h) = (0.0f64, 0.0f64);
    if !core.is_empty() {
        let (cw, ch, reduced) = put(&mut laid, g, out_edges, &core, false, (PAD, top));
        if !reduced {
            degraded = Some(core.len());
        }
        (w, h) = (cw, ch);
    }
    // the core block's boxes (placed first), which a `uses` edge leaving it must go around
    let in_core = laid.nodes.len();
    let core_right = PAD + w;
    if !side.is_empty() {
        let x = if core.is_empty() { PAD } else { PAD + w + GAP };
        let (mut y, mut side_w) = (top, 0.0f64);
        for chunk in side.chunks(SIDE_BLOCK) {
            let (bw, bh, _) = put(&mut laid, g, out_edges, chunk, true, (x, y));
            y += bh + GAP / 2.0;
            side_w = side_w.max(bw);
        }
        w = x - PAD + side_w;
        h = h.max(y - GAP / 2.0 - top);
    }
    // the edges between blocks: uses (from an action's right side to its connection's left
    // side), and an application's edge to a connection of another side block
    let at: HashMap<usize, Placed> = laid.nodes.iter().map(|p| (p.node, *p)).collect();
    let side_block: HashMap<usize, usize> = side
        .iter()
        .enumerate()
        .map(|(k, m)| (m.node, k / SIDE_BLOCK))
        .collect();
    let mut seen = HashSet::new();
    for m in members {
        for &i in &out_edges[m.node] {
            let e = &g.edges[i];
            let between = match e.kind {
                EdgeKind::Uses => true,
                EdgeKind::App => {
                    matches!((side_block.get(&e.from), side_block.get(&e.to)), (Some(a), Some(b)) if a != b)
                }
                _ => false,
            };
            if !between || !seen.insert((e.from, e.to)) {
                continue;
            }
            let (Some(a), Some(b)) = (at.get(&e.from), at.get(&e.to)) else {
                continue;
            };
            let y2 = b.y + b.h / 2.0;
            // a box narrower than its column is centred in it: the edge comes in level with it
            // from the column's left edge, passing no wider box of the column
            let x2 = if e.kind == EdgeKind::Uses {
                laid.nodes[in_core..]
                    .iter()
                    .filter(|o| o.x < b.x + b.w && o.x + o.w > b.x)
                    .map(|o| o.x)
                    .fold(b.x, f64::min)
            } else {
                b.x
            };
            let mut d = String::with_capacity(96);
            let (x1, y1) = if e.kind == EdgeKind::Uses && !core.is_empty() {
                // out of the flow between its ranks: down from the action's bottom into the
                // first row clear of boxes to its right, along it past the block's right edge
                // (the library's layers leave such a row below every rank), then to the
                // connection
                let x0 = a.x + a.w - (a.w / 4.0).min(12.0);
                let y = clear_row_below(&laid.nodes[..in_core], a, x0);
                let out = core_right + GAP / 4.0;
                d.push_str("M ");
                pair(&mut d, x0, a.y + a.h);
                d.push_str(" L ");
                pair(&mut d, x0, y);
                d.push_str(" L ");
                pair(&mut d, out, y);
                (out, y)
            } else {
                d.push_str("M ");
                pair(&mut d, a.x + a.w, a.y + a.h / 2.0);
                (a.x + a.w, a.y + a.h / 2.0)
            };
            let bend = ((x2 - x1).abs() / 2.0).max(20.0);
            d.push_str(" C ");
            pair(&mut d, x1 + bend, y1);
            d.push_str(", ");
            pair(&mut d, x2 - bend, y2);
            d.push_str(", ");
            pair(&mut d, x2, y2);
            if x2 < b.x {
                d.push_str(" L ");
                pair(&mut d, b.x, y2);
            }
            laid.edges.push(PlacedEdge {
                edge: i,
                d,
                head_at_start: false,
            });
        }
    }
    if let Some(n) = degraded {
        laid.title.push_str(&format!(
            " · {n} nodes: laid out without crossing reduction"
        ));
    }
    let title_w = text_width(&laid.title, FONT, true) + 2.0 * PAD;
    laid.w = (w + 2.0 * PAD).max(title_w);
    laid.h = h + TITLE + 2.0 * PAD;
    laid
}

/// Writes `v` with one decimal, as `{:.1}` does (the SVG holds a few numbers per node and edge:
/// the formatting machinery for floats was most of the writing's time).
fn num(out: &mut String, v: f64) {
    let x = v * 10.0;
    let tenths = x.round();
    // near a half, `x` may be rounded already: the formatting machinery decides, as before
    if !tenths.is_finite() || tenths.abs() >= 1e15 || ((x - x.floor()) - 0.5).abs() < 1e-6 {
        let _ = write!(out, "{v:.1}");
        return;
    }
    let tenths = tenths as i64;
    if tenths < 0 {
        out.push('-');
    }
    let t = tenths.unsigned_abs();
    let mut buf = [0u8; 24];
    let mut at = buf.len();
    at -= 1;
    buf[at] = b'0' + (t % 10) as u8;
    at -= 1;
    buf[at] = b'.';
    let mut whole = t / 10;
    loop {
        at -= 1;
        buf[at] = b'0' + (whole % 10) as u8;
        whole /= 10;
        if whole == 0 {
            break;
        }
    }
    // only ASCII digits, `.` were written
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

/// Writes an unsigned integer.
fn int(out: &mut String, v: usize) {
    let mut buf = [0u8; 24];
    let mut at = buf.len();
    let mut v = v;
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}

/// Writes `x y`, one decimal each.
fn pair(out: &mut String, x: f64, y: f64) {
    num(out, x);
    out.push(' ');
    num(out, y);
}

/// The entity for a markup character, if `c` is one.
fn markup(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        '\'' => "&#39;",
        _ => return None,
    })
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    esc_into(&mut out, s);
    out
}

/// Writes `s` escaped for XML text and attribute values.
fn esc_into(out: &mut String, s: &str) {
    // most text has no markup character: copied whole
    let mut from = 0;
    for (i, c) in s.char_indices() {
        if let Some(e) = markup(c) {
            out.push_str(&s[from..i]);
            out.push_str(e);
            from = i + c.len_utf8();
        }
    }
    out.push_str(&s[from..]);
}

/// A value as it is, for an attribute a script reads (a file's path): markup characters,
/// control characters and bidirectional overrides as character references, so the attribute
/// holds the exact text and the page's bytes stay harmless.
pub fn attr_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    attr_value_into(&mut out, s);
    out
}

fn attr_value_into(out: &mut String, s: &str) {
    for c in s.chars() {
        if let Some(e) = markup(c) {
            out.push_str(e);
            continue;
        }
        match c {
            c if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                let _ = write!(out, "&#x{:X};", c as u32);
            }
            c => out.push(c),
        }
    }
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

/// How many row widths are tried for the page's shape.
const TRIES: usize = 32;

/// The groups set in rows at most `row_width` wide, in reading order: each group's place, the
/// page's width and height.
fn rows(laid: &[Laid], row_width: f64) -> (Vec<(f64, f64)>, f64, f64) {
    let mut at = Vec::with_capacity(laid.len());
    let (mut x, mut y, mut row_h, mut width) = (GAP / 2.0, GAP / 2.0, 0.0f64, 0.0f64);
    for l in laid {
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
    (at, width, y + row_h + GAP / 2.0)
}

/// Lays the graph out and writes it as one SVG document.
pub fn layout(g: &Graph) -> Layout {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); g.nodes.len()];
    for (i, e) in g.edges.iter().enumerate() {
        out_edges[e.from].push(i);
    }
    let work = clusters(g, &out_edges);
    let laid = in_parallel(&work, |(title, members)| {
        lay_out(g, &out_edges, title.clone(), members)
    });
    // the groups in rows, in reading order, the rows as wide as makes the page closest to 16:10
    // (of some widths between the widest group and all groups in one row)
    let widest = laid.iter().map(|l| l.w).fold(MIN_ROW_WIDTH, f64::max);
    let all_in_one: f64 = laid.iter().map(|l| l.w + GAP).sum::<f64>().max(widest);
    let (at, width, height) = (0..=TRIES)
        .map(|k| widest * (all_in_one / widest).powf(k as f64 / TRIES as f64))
        .map(|row_width| rows(&laid, row_width))
        .min_by(|a, b| {
            let off = |p: &(Vec<(f64, f64)>, f64, f64)| ((p.1 / p.2.max(1.0)) / 1.6).ln().abs();
            off(a).total_cmp(&off(b))
        })
        .unwrap_or_default();
    // an empty graph says so inside (a page or file that is written is never blank)
    let empty = g.nodes.is_empty().then_some(super::NOTHING_TO_DRAW);
    let (width, height) = match empty {
        Some(text) => (
            width.max(text_width(text, FONT, false) + GAP),
            height.max(LINE + GAP),
        ),
        None => (width, height),
    };
    let width = width.max(200.0);
    // about 700 bytes a node (its box, label, title and attributes) and 80 an edge
    let mut svg = String::with_capacity(4096 + 700 * g.nodes.len() + 80 * g.edges.len());
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flowls-graph\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"{FONT}\">"
    );
    svg.push_str(STYLE);
    svg.push_str("<defs><marker id=\"arrow-end\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" class=\"arrow-head\"/></marker></defs>\n");
    if let Some(text) = empty {
        svg.push_str("<text class=\"empty\" x=\"");
        num(&mut svg, GAP / 2.0);
        svg.push_str("\" y=\"");
        num(&mut svg, GAP / 2.0 + FONT);
        svg.push_str("\">");
        esc_into(&mut svg, text);
        svg.push_str("</text>\n");
    }
    let mut placed = Vec::with_capacity(g.nodes.len());
    for (l, &(gx, gy)) in laid.iter().zip(&at) {
        svg.push_str("<g class=\"group\" transform=\"translate(");
        pair(&mut svg, gx, gy);
        svg.push_str(")\"><rect class=\"group-frame\" x=\"0\" y=\"0\" width=\"");
        num(&mut svg, l.w);
        svg.push_str("\" height=\"");
        num(&mut svg, l.h);
        svg.push_str("\" rx=\"6\"/><text class=\"group-title\" x=\"");
        let _ = write!(svg, "{PAD}");
        svg.push_str("\" y=\"");
        num(&mut svg, TITLE - 6.0);
        svg.push_str("\">");
        esc_into(&mut svg, &l.title);
        svg.push_str("</text>\n");
        for e in &l.edges {
            let edge = &g.edges[e.edge];
            let marker = if e.head_at_start {
                "marker-start"
            } else {
                "marker-end"
            };
            svg.push_str("<path class=\"edge ");
            svg.push_str(edge.kind.as_str());
            svg.push_str("\" d=\"");
            svg.push_str(&e.d);
            svg.push_str("\" ");
            svg.push_str(marker);
            svg.push_str("=\"url(#arrow-end)\"/>\n");
        }
        for (x, y, t) in &l.labels {
            svg.push_str("<text class=\"edge-label\" x=\"");
            num(&mut svg, *x);
            svg.push_str("\" y=\"");
            num(&mut svg, *y);
            svg.push_str("\" text-anchor=\"middle\" dominant-baseline=\"middle\">");
            esc_into(&mut svg, t);
            svg.push_str("</text>\n");
        }
        for p in &l.nodes {
            let n = &g.nodes[p.node];
            let attr = if p.copy { "data-ref" } else { "data-node" };
            let rx = match n.kind {
                Kind::Flow | Kind::Ending => p.h / 2.0,
                Kind::Form | Kind::Connection | Kind::Application => 2.0,
                _ => 6.0,
            };
            svg.push_str("<g class=\"node ");
            svg.push_str(n.kind.as_str());
            for m in &n.marks {
                svg.push(' ');
                svg.push_str(m.as_str());
            }
            if p.copy {
                svg.push_str(" copy");
            }
            svg.push_str("\" ");
            svg.push_str(attr);
            svg.push_str("=\"");
            svg.push_str(&n.id);
            svg.push_str("\" data-file=\"");
            attr_value_into(&mut svg, &n.file);
            svg.push_str("\" data-line=\"");
            int(&mut svg, n.line);
            svg.push_str("\" data-column=\"");
            int(&mut svg, n.column);
            svg.push_str("\" tabindex=\"0\"><title>");
            esc_into(&mut svg, &n.name);
            svg.push('\n');
            esc_into(&mut svg, &n.rel);
            svg.push(':');
            int(&mut svg, n.line);
            svg.push_str("</title><rect x=\"");
            num(&mut svg, p.x);
            svg.push_str("\" y=\"");
            num(&mut svg, p.y);
            svg.push_str("\" width=\"");
            num(&mut svg, p.w);
            svg.push_str("\" height=\"");
            num(&mut svg, p.h);
            svg.push_str("\" rx=\"");
            num(&mut svg, rx);
            svg.push_str("\"/><text x=\"");
            num(&mut svg, p.x + p.w / 2.0);
            svg.push_str("\" y=\"");
            num(&mut svg, p.y + PAD / 2.0);
            svg.push_str("\" text-anchor=\"middle\">");
            // the label's lines: the title, the details, the findings' summary last
            let summary = n.findings.summary();
            let lines = std::iter::once(&n.title)
                .chain(&n.lines)
                .chain(summary.as_ref());
            let count = 1 + n.lines.len() + usize::from(summary.is_some());
            for (i, line) in lines.enumerate() {
                let class = if i == 0 {
                    "title"
                } else if n.findings.count() > 0 && i + 1 == count {
                    "finding"
                } else if line.starts_with("missing") {
                    "missing"
                } else {
                    "detail"
                };
                svg.push_str("<tspan class=\"");
                svg.push_str(class);
                svg.push_str("\" x=\"");
                num(&mut svg, p.x + p.w / 2.0);
                svg.push_str("\" dy=\"");
                let _ = write!(svg, "{LINE}");
                svg.push_str("\">");
                esc_into(&mut svg, line);
                svg.push_str("</tspan>");
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

/// The SVG's own style: classes only, so that an editor's webview may restyle it from outside;
/// light, dark (`prefers-color-scheme`) and high contrast (`forced-colors`) here, after the
/// light colours, so that the page (or a browser showing the file itself) takes the theme.
const STYLE: &str = "<style>
.flowls-graph { --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --frame: #d0d7de; --edge: #6e7781;
  --form: #ddf4ff; --flow: #fbefff; --action: #ffffff; --conn: #dafbe1; --app: #fff8c5;
  --bad: #cf222e; --warn: #bc4c00; --bad-bg: #ffebe9; --focus: #0969da; }
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
.flowls-graph .node:focus rect, .flowls-graph .node.selected rect { stroke: var(--focus); stroke-width: 3; }
.flowls-graph .empty { fill: var(--muted); }
:root.flowls-graph { background: var(--bg); }
@media (prefers-color-scheme: dark) {
  .flowls-graph { --fg: #e6edf3; --bg: #0d1117; --muted: #8d96a0; --frame: #30363d; --edge: #8d96a0;
    --form: #0c2d6b; --flow: #3c1e70; --action: #161b22; --conn: #033a16; --app: #4b3800;
    --bad: #ff7b72; --warn: #f0883e; --bad-bg: #490202; --focus: #4493f8; }
}
@media (forced-colors: active) {
  .flowls-graph { --fg: CanvasText; --bg: Canvas; --muted: CanvasText; --frame: CanvasText; --edge: CanvasText;
    --form: Canvas; --flow: Canvas; --action: Canvas; --conn: Canvas; --app: Canvas;
    --bad: CanvasText; --warn: CanvasText; --bad-bg: Canvas; --focus: Highlight; forced-color-adjust: none; }
  .flowls-graph .node rect { stroke-width: 2; }
  .flowls-graph .node.has-error rect, .flowls-graph .node.missing-scope rect { stroke-width: 3.5; }
  .flowls-graph .edge { stroke-width: 2; }
}
</style>
";
