// Show Graph: the picture of a flow or form (its nodes, the flows it starts, their actions,
// connections and scopes) in a webview beside the editor, as the server's `flowls.graph`
// command draws it (svg). One panel per document; re-drawn as the user types (the server has
// the unsaved text); kept while hidden; a click on a node reveals its source.
import * as path from "path";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { State } from "vscode-languageclient/node";
import {
  debounce,
  Debounced,
  GraphNode,
  graphHtml,
  graphTitle,
  Latest,
  makeNonce,
  parseGraphResult,
  readMessage,
  ToWebview,
} from "./graphView";

/** The files whose edits may change a graph (what the server reads). */
const SERVED = /\.(json|ya?ml|toml|tf|tfvars)$/i;

/** A pause in typing this long ends a burst of edits (drawn at its start and at its end). */
const REDRAW_DELAY_MS = 300;

class GraphPanel implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private nodes: GraphNode[] = [];
  private readonly latest = new Latest();
  private readonly redraw: Debounced;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    readonly uri: vscode.Uri,
    private readonly media: vscode.Uri,
    private readonly client: () => LanguageClient | undefined,
    private readonly onDispose: () => void,
  ) {
    this.panel = vscode.window.createWebviewPanel(
      "flowls.graph",
      graphTitle(uri.fsPath),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [media] },
    );
    const webview = this.panel.webview;
    webview.html = graphHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, "graph.js")).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, "graph.css")).toString(),
      file: path.basename(uri.fsPath),
    });
    // the draw waits for the current event to end: the language client sends the edit (its
    // own listener of the same change) before this request, so the server draws the new text
    this.redraw = debounce(() => void setTimeout(() => void this.draw(), 0), REDRAW_DELAY_MS);
    this.disposables.push(
      webview.onDidReceiveMessage((m) => this.onMessage(m)),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  /** Draws again: at once after a pause, else when the burst of edits pauses. */
  scheduleDraw(): void {
    if (!this.disposed) this.redraw.schedule();
  }

  private post(message: ToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  async draw(): Promise<void> {
    const ticket = this.latest.next();
    const client = this.client();
    if (!client || client.state !== State.Running) {
      this.post({ type: "error", message: "the flowls server is not running (flowls: Restart Server)" });
      return;
    }
    let answer: unknown;
    try {
      answer = await client.sendRequest("workspace/executeCommand", {
        command: "flowls.graph",
        arguments: [{ uri: this.uri.toString(), format: "svg" }],
      });
    } catch (e) {
      if (this.latest.isCurrent(ticket)) this.post({ type: "error", message: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (!this.latest.isCurrent(ticket)) return; // a newer request is on its way
    const result = parseGraphResult(answer);
    if (typeof result === "string") {
      this.post({ type: "error", message: result });
      return;
    }
    this.nodes = result.nodes;
    this.post({ type: "graph", svg: result.text, file: path.basename(this.uri.fsPath) });
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = readMessage(raw, this.nodes);
    if (!message) return;
    if (message.type === "ready") {
      await this.draw();
      return;
    }
    await revealSource(message.node, this.uri);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.redraw.cancel();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
    this.onDispose();
  }
}

/** Shows a node's source in the editor beside the graph, selected. */
async function revealSource(node: GraphNode, graphOf: vscode.Uri): Promise<void> {
  const uri = vscode.Uri.parse(node.uri, true);
  const range = new vscode.Range(node.range.start.line, node.range.start.character, node.range.end.line, node.range.end.character);
  const visible = vscode.window.visibleTextEditors;
  const column =
    visible.find((e) => e.document.uri.toString() === uri.toString())?.viewColumn ??
    visible.find((e) => e.document.uri.toString() === graphOf.toString())?.viewColumn ??
    vscode.ViewColumn.One;
  // not a preview: it must not replace the editor of the document the graph is of
  const editor = await vscode.window.showTextDocument(uri, { viewColumn: column, selection: range, preview: false });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** The graph panels, one per document. */
export class GraphPanels implements vscode.Disposable {
  private readonly panels = new Map<string, GraphPanel>();
  private readonly disposables: vscode.Disposable[];
  private onDiskTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly media: vscode.Uri,
    private readonly client: () => LanguageClient | undefined,
  ) {
    // files changed on disk (a checkout, a new grant, another program): the language client
    // tells the server from its own watchers; the panels draw after a pause, by which time the
    // server has read them
    const onDisk = vscode.workspace.createFileSystemWatcher("**/*.{json,yaml,yml,toml,tf,tfvars}");
    const later = () => {
      if (this.onDiskTimer) clearTimeout(this.onDiskTimer);
      this.onDiskTimer = setTimeout(() => {
        this.onDiskTimer = undefined;
        for (const p of this.panels.values()) p.scheduleDraw();
      }, REDRAW_DELAY_MS);
    };
    this.disposables = [
      onDisk,
      onDisk.onDidChange(later),
      onDisk.onDidCreate(later),
      onDisk.onDidDelete(later),
      // a change anywhere may change a graph (a connection's app, a grant's scopes), the
      // document's own above all; each panel draws once after a burst
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0 || !SERVED.test(e.document.uri.path) || e.document.uri.scheme !== "file") return;
        for (const p of this.panels.values()) p.scheduleDraw();
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.closeIfGone(doc.uri)),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          if (tab.input instanceof vscode.TabInputText) this.closeIfGone(tab.input.uri);
        }
      }),
    ];
  }

  /** Opens the graph of `document` beside it, or reveals the one already open. */
  show(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const open = this.panels.get(key);
    if (open) {
      open.reveal();
      open.scheduleDraw();
      return;
    }
    const panel = new GraphPanel(document.uri, this.media, this.client, () => this.panels.delete(key));
    this.panels.set(key, panel);
  }

  /** Draws every panel again (the server restarted). */
  redrawAll(): void {
    for (const p of this.panels.values()) p.scheduleDraw();
  }

  /** The panel goes when its document is no longer open in any editor. */
  private closeIfGone(uri: vscode.Uri): void {
    const key = uri.toString();
    const panel = this.panels.get(key);
    if (!panel) return;
    const shown = vscode.window.tabGroups.all.some((g) =>
      g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key),
    );
    if (!shown) panel.dispose();
  }

  dispose(): void {
    if (this.onDiskTimer) clearTimeout(this.onDiskTimer);
    for (const p of [...this.panels.values()]) p.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
