//! The graph as one self-contained HTML page: the SVG inline, a small inline script to pan,
//! zoom and fit, and a panel that shows the clicked node's `file:line` with a link to the file.
//! Nothing is loaded from anywhere (the content security policy allows no source at all but
//! the page's own inline style and script); light or dark follows `prefers-color-scheme`.

use super::Graph;
use super::svg::{escape_xml, layout};
use std::path::Path;

/// The page. `root` is the workspace folder, for the links to the files (`file://…`).
pub fn page(g: &Graph, title: &str, root: &Path) -> String {
    let laid = layout(g);
    let root_url = file_url(root);
    let mut out = String::with_capacity(laid.svg().len() + 8 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape_xml(title)));
    out.push_str(PAGE_STYLE);
    out.push_str("</head>\n<body>\n<header><strong>");
    out.push_str(&escape_xml(title));
    out.push_str(&format!(
        "</strong><span class=\"count\">{} nodes · {} edges</span><button type=\"button\" id=\"fit\">Fit</button><button type=\"button\" id=\"zoom-in\" aria-label=\"Zoom in\">+</button><button type=\"button\" id=\"zoom-out\" aria-label=\"Zoom out\">−</button><span class=\"hint\">drag to pan · wheel to zoom · click a node for its source</span></header>\n",
        g.nodes.len(),
        g.edges.len()
    ));
    out.push_str(&format!(
        "<main id=\"view\" data-root=\"{}\">\n",
        escape_xml(&root_url)
    ));
    out.push_str(laid.svg());
    out.push_str("</main>\n<aside id=\"info\" hidden><div id=\"info-title\"></div><a id=\"info-place\" href=\"#\"></a> <a id=\"info-editor\" href=\"#\">open in VS Code</a><div id=\"info-detail\"></div></aside>\n");
    out.push_str(SCRIPT);
    out.push_str("</body>\n</html>\n");
    out
}

/// `file:///…` for a folder, each path segment percent-encoded.
fn file_url(path: &Path) -> String {
    let mut out = String::from("file://");
    let text = path.to_string_lossy();
    for part in text.split('/') {
        if part.is_empty() {
            continue;
        }
        out.push('/');
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out.push('/');
    out
}

const PAGE_STYLE: &str = "<style>
:root { color-scheme: light dark; }
html, body { margin: 0; height: 100%; font-family: system-ui, sans-serif; }
body { display: flex; flex-direction: column; background: #ffffff; color: #1f2328; }
header { display: flex; gap: .75em; align-items: center; padding: .4em .8em; border-bottom: 1px solid #d0d7de; font-size: 14px; }
header .count, header .hint { color: #59636e; }
header .hint { margin-left: auto; font-size: 12px; }
button { font: inherit; padding: .1em .6em; }
main { flex: 1; overflow: hidden; position: relative; cursor: grab; touch-action: none; }
main.panning { cursor: grabbing; }
main > svg { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
aside { position: fixed; right: 1em; bottom: 1em; max-width: 40em; padding: .6em .9em; border: 1px solid #d0d7de; border-radius: 6px; background: #f6f8fa; font-size: 13px; box-shadow: 0 2px 8px rgba(0,0,0,.15); }
aside a { color: #0969da; font-family: ui-monospace, monospace; }
#info-title { font-weight: bold; }
#info-detail { white-space: pre-wrap; color: #59636e; }
@media (prefers-color-scheme: dark) {
  body { background: #0d1117; color: #e6edf3; }
  header, aside { border-color: #30363d; }
  aside { background: #161b22; }
  aside a { color: #4493f8; }
  header .count, header .hint, #info-detail { color: #8d96a0; }
}
</style>
";

const SCRIPT: &str = r#"<script>
(function () {
  "use strict";
  var view = document.getElementById("view");
  var svg = view.querySelector("svg");
  var info = document.getElementById("info");
  var root = view.getAttribute("data-root") || "";
  var w = parseFloat(svg.getAttribute("width")) || 1, h = parseFloat(svg.getAttribute("height")) || 1;
  var s = 1, tx = 0, ty = 0;
  function apply() { svg.style.transform = "translate(" + tx + "px," + ty + "px) scale(" + s + ")"; }
  function fit() {
    var r = view.getBoundingClientRect();
    s = Math.min(r.width / w, r.height / h, 1.5);
    if (!(s > 0)) { s = 1; }
    tx = (r.width - w * s) / 2; ty = Math.max(0, (r.height - h * s) / 2);
    apply();
  }
  function zoom(f, cx, cy) {
    var n = Math.min(8, Math.max(0.05, s * f));
    tx = cx - (cx - tx) * (n / s); ty = cy - (cy - ty) * (n / s); s = n; apply();
  }
  view.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = view.getBoundingClientRect();
    zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  var drag = null, moved = false;
  view.addEventListener("pointerdown", function (e) { drag = { x: e.clientX, y: e.clientY, tx: tx, ty: ty }; moved = false; });
  window.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; view.classList.add("panning"); }
    tx = drag.tx + dx; ty = drag.ty + dy; apply();
  });
  window.addEventListener("pointerup", function () { drag = null; view.classList.remove("panning"); });
  document.getElementById("fit").addEventListener("click", fit);
  document.getElementById("zoom-in").addEventListener("click", function () { var r = view.getBoundingClientRect(); zoom(1.25, r.width / 2, r.height / 2); });
  document.getElementById("zoom-out").addEventListener("click", function () { var r = view.getBoundingClientRect(); zoom(0.8, r.width / 2, r.height / 2); });
  window.addEventListener("keydown", function (e) {
    var r = view.getBoundingClientRect();
    if (e.key === "+" || e.key === "=") { zoom(1.25, r.width / 2, r.height / 2); }
    else if (e.key === "-") { zoom(0.8, r.width / 2, r.height / 2); }
    else if (e.key === "0") { fit(); }
  });
  function select(g) {
    var old = svg.querySelectorAll(".selected");
    for (var i = 0; i < old.length; i++) { old[i].classList.remove("selected"); }
    g.classList.add("selected");
    var file = g.getAttribute("data-file"), line = g.getAttribute("data-line");
    var lines = g.querySelectorAll("tspan");
    var title = lines.length ? lines[0].textContent : "";
    var detail = [];
    for (var j = 1; j < lines.length; j++) { detail.push(lines[j].textContent); }
    document.getElementById("info-title").textContent = title;
    var place = document.getElementById("info-place");
    place.textContent = file + ":" + line;
    place.setAttribute("href", root + file.split("/").map(encodeURIComponent).join("/"));
    var column = g.getAttribute("data-column") || "1";
    var path = decodeURIComponent(root.replace(/^file:\/\//, "")) + file;
    document.getElementById("info-editor").setAttribute("href", "vscode://file" + path.split("/").map(encodeURIComponent).join("/") + ":" + line + ":" + column);
    document.getElementById("info-detail").textContent = detail.join("\n");
    info.hidden = false;
    info.setAttribute("data-file", file);
    info.setAttribute("data-line", line);
    info.setAttribute("data-selected", g.getAttribute("data-node") || g.getAttribute("data-ref"));
    document.dispatchEvent(new CustomEvent("flowls-node", { detail: { id: info.getAttribute("data-selected"), file: file, line: parseInt(line, 10) } }));
  }
  svg.addEventListener("click", function (e) {
    if (moved) { return; }
    var g = e.target.closest && e.target.closest("[data-node],[data-ref]");
    if (g) { select(g); }
  });
  svg.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.closest) {
      var g = e.target.closest("[data-node],[data-ref]");
      if (g) { select(g); }
    }
  });
  // a line wider than its box in this browser's fonts (the boxes are sized for the widest
  // common sans-serif ones) is drawn narrower, so that no label leaves its box
  var nodes = svg.querySelectorAll("[data-node],[data-ref]");
  for (var k = 0; k < nodes.length; k++) {
    var box = nodes[k].querySelector("rect");
    var room = box ? box.width.baseVal.value - 8 : 0;
    var spans = nodes[k].querySelectorAll("tspan");
    for (var m = 0; m < spans.length; m++) {
      if (room > 0 && spans[m].getComputedTextLength() > room) {
        spans[m].setAttribute("textLength", room);
        spans[m].setAttribute("lengthAdjust", "spacingAndGlyphs");
      }
    }
  }
  window.addEventListener("resize", fit);
  fit();
})();
</script>
"#;
