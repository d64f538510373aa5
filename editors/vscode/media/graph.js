// The graph webview: shows the svg the flowls server drew, with zoom controls; a click (or
// Enter) on a node asks the extension to reveal that node's source. The svg comes from a
// repository's files by way of the server, so it is treated as untrusted markup: parsed inert,
// cleaned of anything that could run or load (sanitize), then inserted.
(function () {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  // what a drawn graph is made of; anything else (script, foreignObject, style, use, image,
  // animate/set, iframe…) is dropped with its content
  const ELEMENTS = new Set([
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
    "title", "desc", "defs", "marker", "lineargradient", "radialgradient", "stop", "clippath",
  ]);
  // links are unwrapped: their children stay, the link goes
  const UNWRAP = new Set(["a"]);

  /** Whether an attribute may stay on an element of the graph. */
  function attributeAllowed(name, value) {
    const n = name.toLowerCase();
    if (n.startsWith("on")) return false; // event handlers
    if (n === "href" || n.endsWith(":href")) return false; // links, external references
    if (n === "style") return false; // the page's stylesheet draws; the CSP would refuse it anyway
    const v = String(value).replace(/[\u0000-\u0020]/g, "").toLowerCase();
    if (v.includes("javascript:") || v.includes("vbscript:") || v.includes("data:text/html")) return false;
    return true;
  }

  /**
   * Cleans a parsed svg in place: only the elements of ELEMENTS, no event handlers, links,
   * styles or script URLs. Works on any DOM-like tree (children, localName, attributes,
   * removeAttribute, remove, replaceWith).
   */
  function sanitize(element) {
    for (const child of Array.from(element.children)) {
      const name = String(child.localName || "").toLowerCase();
      if (UNWRAP.has(name)) {
        sanitize(child);
        child.replaceWith(...Array.from(child.childNodes || child.children));
      } else if (!ELEMENTS.has(name)) {
        child.remove();
      } else {
        sanitize(child);
      }
    }
    for (const attr of Array.from(element.attributes)) {
      if (!attributeAllowed(attr.name, attr.value)) element.removeAttribute(attr.name);
    }
    return element;
  }

  const MIN_ZOOM = 0.1;
  const MAX_ZOOM = 8;
  const STEP = 1.25;
  const clampZoom = (z) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));

  /** The zoom at which a drawing of `w`×`h` fits in a `cw`×`ch` box (never above 1). */
  function fitZoom(w, h, cw, ch) {
    if (!(w > 0 && h > 0 && cw > 0 && ch > 0)) return 1;
    return clampZoom(Math.min(1, cw / w, ch / h));
  }

  if (typeof module === "object" && module.exports) {
    module.exports = { sanitize, attributeAllowed, fitZoom, clampZoom };
    return;
  }

  // ---- in the webview ----
  const vscode = acquireVsCodeApi();
  const host = document.getElementById("graph");
  const status = document.getElementById("status");
  // zoom: a number, or "fit" (re-fitted at each draw and resize)
  const state = Object.assign({ zoom: "fit" }, vscode.getState() || {});
  let size = { w: 0, h: 0 };

  function svgSize(svg) {
    const vb = svg.viewBox && svg.viewBox.baseVal;
    if (vb && vb.width > 0 && vb.height > 0) return { w: vb.width, h: vb.height };
    const w = parseFloat(svg.getAttribute("width"));
    const h = parseFloat(svg.getAttribute("height"));
    if (w > 0 && h > 0) return { w, h };
    const box = svg.getBBox();
    return { w: box.width || 1, h: box.height || 1 };
  }

  function currentZoom() {
    if (state.zoom !== "fit") return state.zoom;
    return fitZoom(size.w, size.h, host.clientWidth - 16, host.clientHeight - 16);
  }

  function applyZoom() {
    const svg = host.querySelector("svg");
    if (!svg) return;
    const z = currentZoom();
    svg.style.width = `${size.w * z}px`;
    svg.style.height = `${size.h * z}px`;
    document.body.dataset.zoom = String(Math.round(z * 100));
  }

  function setZoom(z) {
    state.zoom = z === "fit" ? "fit" : clampZoom(z);
    vscode.setState(state);
    applyZoom();
  }

  function show(svgText, file) {
    const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
    const root = parsed.documentElement;
    if (!root || root.localName !== "svg" || root.namespaceURI !== SVG_NS || parsed.getElementsByTagName("parsererror").length) {
      showError("the server's drawing is not an svg");
      return;
    }
    sanitize(root);
    const svg = document.importNode(root, true);
    // nodes are buttons: focusable, named by their text
    for (const node of svg.querySelectorAll("[data-node], [data-ref]")) {
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      node.setAttribute("focusable", "true");
    }
    const scroll = { left: host.scrollLeft, top: host.scrollTop };
    host.replaceChildren(svg);
    size = svgSize(svg);
    applyZoom();
    host.scrollLeft = scroll.left;
    host.scrollTop = scroll.top;
    const count = svg.querySelectorAll("[data-node]").length;
    status.textContent = `${file}: ${count} node${count === 1 ? "" : "s"}`;
    document.body.classList.remove("stale");
  }

  function showError(message) {
    // the last good graph stays, marked stale
    status.textContent = `No graph: ${message}`;
    document.body.classList.add("stale");
  }

  // a node drawn twice (a connection in each flow that uses it) is `data-node` once and
  // `data-ref` (the same id) elsewhere
  function reveal(target) {
    const node = target instanceof Element ? target.closest("[data-node], [data-ref]") : null;
    if (!node || !host.contains(node)) return;
    vscode.postMessage({ type: "reveal", id: node.getAttribute("data-node") || node.getAttribute("data-ref") });
  }

  host.addEventListener("click", (e) => reveal(e.target));
  host.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      reveal(e.target);
    }
  });
  host.addEventListener(
    "wheel",
    (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      setZoom(currentZoom() * (e.deltaY < 0 ? STEP : 1 / STEP));
    },
    { passive: false },
  );
  document.getElementById("zoom-in").addEventListener("click", () => setZoom(currentZoom() * STEP));
  document.getElementById("zoom-out").addEventListener("click", () => setZoom(currentZoom() / STEP));
  document.getElementById("zoom-fit").addEventListener("click", () => setZoom("fit"));
  new ResizeObserver(() => state.zoom === "fit" && applyZoom()).observe(host);

  window.addEventListener("message", (e) => {
    const m = e.data;
    if (!m || typeof m !== "object") return;
    if (m.type === "graph" && typeof m.svg === "string") show(m.svg, String(m.file || ""));
    else if (m.type === "error") showError(String(m.message || "unknown error"));
  });
  vscode.postMessage({ type: "ready" });
})();
