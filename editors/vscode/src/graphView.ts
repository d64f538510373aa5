// The parts of the graph view that need no VS Code: the webview's page (its content security
// policy and nonce), the debounce of re-draws, the checks on what the server answers and on
// what the webview posts back. src/graph.ts wires them to VS Code.
import { randomBytes } from "crypto";

/** A place in a document, as LSP gives it. */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

/** A node of the graph and the source it stands for (the server's `flowls.graph` result). */
export interface GraphNode {
  id: string;
  uri: string;
  range: Range;
}

export interface GraphResult {
  format: string;
  text: string;
  nodes: GraphNode[];
}

/** What the extension posts to the webview. */
export type ToWebview =
  | { type: "graph"; svg: string; file: string }
  | { type: "error"; message: string };

/** A nonce for the page's one script and stylesheet: 128 random bits, base64. */
export function makeNonce(random: (n: number) => Buffer = randomBytes): string {
  return random(16).toString("base64");
}

/** The content security policy of the page: nothing but the extension's own media. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

export interface PageOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** the file the graph is of (shown in the status line until the first graph arrives) */
  file: string;
}

/** The webview's page. The graph itself arrives later, by message. */
export function graphHtml(o: PageOptions): string {
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${escapeHtml(o.nonce)}" href="${escapeHtml(o.styleUri)}">
<title>Graph: ${escapeHtml(o.file)}</title>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Zoom">
<button id="zoom-in" title="Zoom in" aria-label="Zoom in">+</button>
<button id="zoom-out" title="Zoom out" aria-label="Zoom out">&#x2212;</button>
<button id="zoom-fit" title="Fit to the panel" aria-label="Fit to the panel">Fit</button>
<span id="status" role="status">Drawing the graph of ${escapeHtml(o.file)}…</span>
</div>
<div id="graph" tabindex="-1"></div>
<script nonce="${escapeHtml(o.nonce)}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>
`;
}

/**
 * Calls `fn` at the first of a burst of `schedule()` calls, and once more `ms` after the last of
 * them when there were more: a paste shows at once, and typing is drawn at its start and when
 * it pauses, not at every keystroke.
 */
export interface Debounced {
  schedule(): void;
  cancel(): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function debounce(fn: () => void, ms: number, timers: Timers = realTimers): Debounced {
  let timer: unknown;
  let inBurst = false;
  let trailing = false;
  const quiet = () => {
    inBurst = false;
    if (trailing) {
      trailing = false;
      fn();
    }
  };
  return {
    schedule() {
      if (inBurst) {
        timers.clearTimeout(timer);
        trailing = true;
      } else {
        inBurst = true;
        fn();
      }
      timer = timers.setTimeout(quiet, ms);
    },
    cancel() {
      if (inBurst) timers.clearTimeout(timer);
      inBurst = false;
      trailing = false;
    },
  };
}

/**
 * Hands out a ticket per request, so that an answer that arrives after a newer request was
 * sent is dropped (the server may answer out of order while the user types).
 */
export class Latest {
  private issued = 0;
  next(): number {
    return ++this.issued;
  }
  isCurrent(ticket: number): boolean {
    return ticket === this.issued;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPosition = (v: unknown): v is Position =>
  isObject(v) && Number.isInteger(v.line) && Number.isInteger(v.character) && (v.line as number) >= 0 && (v.character as number) >= 0;
const isRange = (v: unknown): v is Range => isObject(v) && isPosition(v.start) && isPosition(v.end);

/** The server's answer to `flowls.graph`, or why it is not one. */
export function parseGraphResult(value: unknown): GraphResult | string {
  if (!isObject(value)) return "the server sent no graph";
  if (typeof value.text !== "string" || typeof value.format !== "string") return "the server's graph has no text";
  const nodes: GraphNode[] = [];
  for (const n of Array.isArray(value.nodes) ? value.nodes : []) {
    // a node without a source place is drawn but reveals nothing
    if (isObject(n) && typeof n.id === "string" && typeof n.uri === "string" && isRange(n.range)) {
      nodes.push({ id: n.id, uri: n.uri, range: n.range });
    }
  }
  return { format: value.format, text: value.text, nodes };
}

/** What the webview may ask: to be sent the graph, or to reveal a node's source. */
export type FromWebview = { type: "ready" } | { type: "reveal"; node: GraphNode };

/**
 * Reads a message from the webview. It names a node by id only; the place to reveal comes from
 * the server's last answer, so the page can never make the editor open a file of its choosing.
 */
export function readMessage(message: unknown, nodes: readonly GraphNode[]): FromWebview | undefined {
  if (!isObject(message)) return undefined;
  if (message.type === "ready") return { type: "ready" };
  if (message.type === "reveal" && typeof message.id === "string") {
    const node = nodes.find((n) => n.id === message.id);
    return node ? { type: "reveal", node } : undefined;
  }
  return undefined;
}

/** The panel's title. */
export function graphTitle(fsPath: string): string {
  const base = fsPath.split(/[\\/]/).pop() || fsPath;
  return `Graph: ${base}`;
}
