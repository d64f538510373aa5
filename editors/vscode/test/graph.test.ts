import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as pkg from "../package.json";
import {
  contentSecurityPolicy,
  debounce,
  graphHtml,
  graphTitle,
  Latest,
  makeNonce,
  parseGraphResult,
  readMessage,
  Timers,
} from "../src/graphView";
// the webview's script exports its pure parts when loaded outside a webview
// eslint-disable-next-line @typescript-eslint/no-require-imports
const view = require("../media/graph.js") as {
  sanitize(e: FakeElement): FakeElement;
  attributeAllowed(name: string, value: string): boolean;
  fitZoom(w: number, h: number, cw: number, ch: number): number;
};

const page = (nonce = "n0nce+/=") =>
  graphHtml({
    cspSource: "https://file+.vscode-resource.vscode-cdn.net",
    nonce,
    scriptUri: "https://file+.vscode-resource.vscode-cdn.net/ext/media/graph.js",
    styleUri: "https://file+.vscode-resource.vscode-cdn.net/ext/media/graph.css",
    file: 'Onboard<"x">.json',
  });

test("the page's policy allows nothing but the extension's media and the nonce'd script", () => {
  const csp = contentSecurityPolicy("vscode-resource:", "abc");
  assert.equal(
    csp,
    "default-src 'none'; img-src vscode-resource: data:; style-src vscode-resource: 'nonce-abc'; script-src 'nonce-abc'",
  );
  assert.ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval") && !csp.includes("http:"));
});

test("the page carries the policy, and every script and stylesheet carries the nonce", () => {
  const html = page("N1");
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
  assert.ok(meta, html);
  assert.ok(meta[1].startsWith("default-src &#39;none&#39;;"), meta[1]);
  assert.ok(meta[1].includes("script-src &#39;nonce-N1&#39;"), meta[1]);
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0], /nonce="N1" src="https:\/\/file\+\.vscode-resource[^"]+\/media\/graph\.js"/);
  for (const tag of html.match(/<link\b[^>]*>/g) ?? []) assert.match(tag, /nonce="N1"/);
  // nothing from the network, no inline script or handler
  assert.ok(!/<script>(?!<)/.test(html) && !/\son[a-z]+=/.test(html));
  assert.ok(!/https?:\/\/(?!file\+\.vscode-resource)/.test(html), html);
  // the file name is text, not markup
  assert.ok(html.includes("Onboard&lt;&quot;x&quot;&gt;.json") && !html.includes('<"x">'));
  assert.ok(html.includes('id="zoom-in"') && html.includes('id="zoom-out"') && html.includes('id="zoom-fit"'));
});

test("a fresh nonce each time, 128 bits of base64", () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
  assert.equal(makeNonce((n) => Buffer.alloc(n, 0xff)), "/////////////////////w==");
});

/** Timers that run when told to. */
function fakeTimers() {
  let now = 0;
  let seq = 0;
  const queue = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout(fn, ms) {
      queue.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout(h) {
      queue.delete(h as number);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [h, t] of [...queue].sort((x, y) => x[1].at - y[1].at)) {
      if (t.at <= now) {
        queue.delete(h);
        t.fn();
      }
    }
  };
  return { timers, advance, pending: () => queue.size };
}

test("a single edit draws at once, and only once", () => {
  const t = fakeTimers();
  let draws = 0;
  const d = debounce(() => draws++, 300, t.timers);
  d.schedule();
  assert.equal(draws, 1);
  t.advance(1000);
  assert.equal(draws, 1);
  assert.equal(t.pending(), 0);
});

test("a burst of edits draws at its start and 300 ms after its last edit, not in between", () => {
  const t = fakeTimers();
  let draws = 0;
  const d = debounce(() => draws++, 300, t.timers);
  d.schedule();
  assert.equal(draws, 1);
  for (let i = 0; i < 5; i++) {
    t.advance(200);
    d.schedule();
  }
  assert.equal(draws, 1);
  t.advance(299);
  assert.equal(draws, 1);
  t.advance(1);
  assert.equal(draws, 2);
  assert.equal(t.pending(), 0);
  // after the pause, the next edit draws at once again
  d.schedule();
  assert.equal(draws, 3);
});

test("a cancelled draw never runs", () => {
  const t = fakeTimers();
  let draws = 0;
  const d = debounce(() => draws++, 300, t.timers);
  d.schedule();
  d.schedule();
  d.cancel();
  t.advance(1000);
  assert.equal(draws, 1);
  assert.equal(t.pending(), 0);
});

test("an answer overtaken by a newer request is dropped", () => {
  const latest = new Latest();
  const first = latest.next();
  const second = latest.next();
  assert.equal(latest.isCurrent(first), false);
  assert.equal(latest.isCurrent(second), true);
});

const range = { start: { line: 3, character: 4 }, end: { line: 3, character: 17 } };
const nodes = [
  { id: "flow:Onboard/action:u", uri: "file:///ws/flows/Onboard.json", range },
  { id: "vault:Users M2M", uri: "file:///ws/flow-vault-connections/Users%20M2M.json", range },
];

test("the server's answer: text and the nodes that have a source place", () => {
  const r = parseGraphResult({
    format: "svg",
    text: "<svg/>",
    nodes: [...nodes, { id: "m2m:Flows M2M" }, { id: "bad", uri: "file:///x", range: { start: { line: -1, character: 0 }, end: range.end } }, null],
  });
  assert.ok(typeof r !== "string");
  assert.deepEqual(r.nodes, nodes);
  assert.equal(r.text, "<svg/>");
  assert.equal(typeof parseGraphResult(null), "string");
  assert.equal(typeof parseGraphResult({ format: "svg" }), "string");
  assert.deepEqual((parseGraphResult({ format: "svg", text: "" }) as { nodes: unknown[] }).nodes, []);
});

test("a click names a node; the place revealed is the server's, never the page's", () => {
  assert.deepEqual(readMessage({ type: "reveal", id: "vault:Users M2M" }, nodes), { type: "reveal", node: nodes[1] });
  // a uri or range from the page is ignored
  assert.deepEqual(
    readMessage({ type: "reveal", id: "flow:Onboard/action:u", uri: "file:///etc/passwd", range: { start: 0 } }, nodes),
    { type: "reveal", node: nodes[0] },
  );
  assert.equal(readMessage({ type: "reveal", id: "nope" }, nodes), undefined);
  assert.equal(readMessage({ type: "reveal", id: 1 }, nodes), undefined);
  assert.equal(readMessage({ type: "open", uri: "file:///etc/passwd" }, nodes), undefined);
  assert.equal(readMessage("reveal", nodes), undefined);
  assert.deepEqual(readMessage({ type: "ready" }, []), { type: "ready" });
});

test("the panel is titled after the file", () => {
  assert.equal(graphTitle("/ws/flows/Onboard.json"), "Graph: Onboard.json");
  assert.equal(graphTitle("C:\\ws\\forms\\Signup.json"), "Graph: Signup.json");
});

/** A DOM-like element, enough for the sanitizer. */
class FakeElement {
  children: FakeElement[] = [];
  parent: FakeElement | undefined;
  attrs: Map<string, string>;
  constructor(
    public localName: string,
    attrs: Record<string, string> = {},
    children: FakeElement[] = [],
  ) {
    this.attrs = new Map(Object.entries(attrs));
    for (const c of children) {
      c.parent = this;
      this.children.push(c);
    }
  }
  get childNodes() {
    return this.children;
  }
  get attributes() {
    return [...this.attrs].map(([name, value]) => ({ name, value }));
  }
  removeAttribute(name: string) {
    this.attrs.delete(name);
  }
  remove() {
    const p = this.parent;
    if (p) p.children = p.children.filter((c) => c !== this);
  }
  replaceWith(...nodes: FakeElement[]) {
    const p = this.parent;
    if (!p) return;
    const i = p.children.indexOf(this);
    for (const n of nodes) n.parent = p;
    p.children.splice(i, 1, ...nodes);
  }
  toString(): string {
    const a = this.attributes.map((x) => ` ${x.name}="${x.value}"`).join("");
    return `<${this.localName}${a}>${this.children.join("")}</${this.localName}>`;
  }
}
const el = (name: string, attrs: Record<string, string> = {}, ...children: FakeElement[]) => new FakeElement(name, attrs, children);

test("nothing in the server's svg can run or load: scripts, handlers, links, styles go", () => {
  const svg = el(
    "svg",
    { viewBox: "0 0 10 10", onload: "alert(1)" },
    el("script", {}, el("text")),
    el("style", {}),
    el("foreignObject", {}, el("iframe", { src: "javascript:alert(1)" })),
    el("g", { class: "node has-error", "data-node": "flow:Onboard", onclick: "alert(1)", OnMouseOver: "x()" },
      el("rect", { x: "0", y: "0", width: "5", height: "5", style: "fill:red" }),
      el("text", { x: "1", y: "1" }),
      el("set", { attributeName: "href", to: "javascript:alert(1)" }),
    ),
    el("a", { "xlink:href": "javascript:alert(1)", href: "https://example.com" }, el("g", { class: "edge", "data-node": "e1" })),
    el("use", { href: "https://example.com/x.svg#a" }),
    el("image", { href: "https://example.com/x.png" }),
    el("path", { d: "M0 0", fill: " java\tscript:alert(1)", "marker-end": "url(#arrow)" }),
  );
  const out = view.sanitize(svg).toString();
  assert.equal(
    out,
    '<svg viewBox="0 0 10 10">' +
      '<g class="node has-error" data-node="flow:Onboard"><rect x="0" y="0" width="5" height="5"></rect><text x="1" y="1"></text></g>' +
      '<g class="edge" data-node="e1"></g>' +
      '<path d="M0 0" marker-end="url(#arrow)"></path></svg>',
  );
});

test("attributes the drawing needs stay", () => {
  for (const [n, v] of [["class", "node missing-scope"], ["data-node", "x"], ["transform", "translate(1 2)"], ["fill", "url(#g)"], ["font-size", "12"]]) {
    assert.ok(view.attributeAllowed(n, v), n);
  }
  for (const [n, v] of [["onclick", "x"], ["href", "#a"], ["xlink:href", "#a"], ["style", "x"], ["fill", "JavaScript:x"], ["d", "data:text/html,<script>"]]) {
    assert.ok(!view.attributeAllowed(n, v), n);
  }
});

test("fit shrinks a large drawing into the panel and never enlarges a small one", () => {
  assert.equal(view.fitZoom(2000, 500, 1000, 1000), 0.5);
  assert.equal(view.fitZoom(100, 100, 1000, 1000), 1);
  assert.equal(view.fitZoom(0, 0, 1000, 1000), 1);
  assert.equal(view.fitZoom(1e6, 10, 100, 100), 0.1);
});

/**
 * Evaluates the button's when clause for a file: `resourceScheme == file && (path terms) ||
 * resourcePath in flowls.graphable`, the path terms being `key =~ /re/` and `key == value`, and
 * VS Code's `in` holding when the list holds the key's value.
 */
function whenMatches(clause: string, fsPath: string, graphable?: string[]): boolean {
  const m = clause.match(/^resourceScheme == file && \((.*)\) \|\| resourcePath in flowls\.graphable$/);
  assert.ok(m, clause);
  const filename = fsPath.split(/[\\/]/).pop() as string;
  const ctx: Record<string, string> = { resourcePath: fsPath, resourceFilename: filename, resourceExtname: filename.includes(".") ? filename.slice(filename.lastIndexOf(".")) : "" };
  const byPath = m[1].split(" || ").some((term) => {
    const re = term.match(/^(\w+) =~ \/(.*)\/$/);
    if (re) return new RegExp(re[2]).test(ctx[re[1]]);
    const eq = term.match(/^(\w+) == (.*)$/);
    assert.ok(eq, term);
    return ctx[eq[1]] === eq[2];
  });
  return byPath || (Array.isArray(graphable) && graphable.includes(fsPath));
}

// what the path tells needs no word from the server (the button is there at once, whatever
// the server has said); any other document the server calls graphable (`flowls/documentKinds`,
// `DocKind::is_graphable`, tested in src/model) — an export bundle wherever it sits — has it too
test("Show Graph: a command of the palette, and a title button on flows, forms, tenant.yaml, .tf files and what the server calls graphable", () => {
  const cmd = pkg.contributes.commands.find((c) => c.command === "flowls.showGraph");
  assert.ok(cmd);
  assert.equal(cmd.title, "Show Graph");
  assert.equal(cmd.category, "flowls");
  assert.match((cmd as { icon?: string }).icon ?? "", /^\$\([a-z-]+\)$/);
  const button = pkg.contributes.menus["editor/title"].find((m) => m.command === "flowls.showGraph");
  assert.ok(button && button.group === "navigation");
  for (const yes of ["/ws/flows/Onboard.json", "C:\\ws\\forms\\Signup.json", "/ws/forms/Signup.yaml", "/ws/x/Onboard.flow.json", "/ws/Signup.form.json", "/ws/tenant.yaml", "/ws/tenant.yml", "/ws/main.tf"]) {
    // before the server has said anything, and whatever it said
    assert.ok(whenMatches(button.when, yes), yes);
    assert.ok(whenMatches(button.when, yes, []), yes);
  }
  const no = ["/ws/flow-vault-connections/Users.json", "/ws/grants/g.json", "/ws/flowsx/a.json", "/ws/flows/sub/a.txt", "/ws/package.json", "/ws/config.json", "/ws/main.tfvars", "/ws/export.json"];
  for (const path of no) {
    assert.ok(!whenMatches(button.when, path), path);
    assert.ok(!whenMatches(button.when, path, ["/ws/flows/Onboard.json"]), path);
  }
  // an export bundle at the workspace's root: the button once the server says it draws it
  assert.ok(whenMatches(button.when, "/ws/export.json", ["/ws/flows/Onboard.json", "/ws/export.json"]));
});
