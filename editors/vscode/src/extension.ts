import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { execFile } from "child_process";
import { notFoundMessage, resolveServer, versionMismatch } from "./resolve";
import { declaresAuth0, documentSelector, serverSettings, tenantGlobs } from "./settings";
import { GraphPanels } from "./graph";
import { CONTEXT_KEY, DOCUMENT_KINDS, EXPERIMENTAL, Graphable } from "./kinds";

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem;
let graphs: GraphPanels | undefined;
// the open documents Show Graph draws, as the server says (`flowls/documentKinds`)
const graphable = new Graphable((paths) => void vscode.commands.executeCommand("setContext", CONTEXT_KEY, paths));

function settings() {
  return serverSettings(vscode.workspace.getConfiguration("flowls"));
}

/** Says so when the server's version is not this extension's (it does not stop the start). */
function checkVersion(binary: string, expected: string): void {
  execFile(binary, ["--version"], { timeout: 5000 }, (err, stdout) => {
    const message = versionMismatch(err ? "" : stdout, expected, binary);
    if (message) void vscode.window.showWarningMessage(message);
  });
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const cfg = vscode.workspace.getConfiguration("flowls");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const found = resolveServer({
    setting: cfg.get<string>("server.path", ""),
    envPath: process.env.PATH,
    extensionDir: context.extensionPath,
    workspaceDir: folder,
  });
  if (!found.path) {
    status.text = "$(error) flowls";
    status.tooltip = notFoundMessage(found);
    void vscode.window.showErrorMessage(notFoundMessage(found));
    return;
  }
  checkVersion(found.path, context.extension.packageJSON.version);
  const run = { command: found.path, args: ["lsp"], transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    initializationOptions: settings(),
    middleware: {
      // Restricted Mode: no Test connection, from the code lens either
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        if (vscode.workspace.isTrusted || !lenses) return lenses;
        return lenses.filter((l) => l.command?.command !== "flowls.testConnection");
      },
      executeCommand: async (command, args, next) => {
        if (command === "flowls.testConnection" && !vscode.workspace.isTrusted) {
          void vscode.window.showWarningMessage("flowls: Test connection is off in Restricted Mode: trust this workspace first.");
          return undefined;
        }
        return next(command, args);
      },
    },
    synchronize: {
      configurationSection: "flowls",
      fileEvents: [
        vscode.workspace.createFileSystemWatcher("**/*.json"),
        vscode.workspace.createFileSystemWatcher("**/flowls.toml"),
        vscode.workspace.createFileSystemWatcher("**/*.{tf,tfvars}"),
      ],
    },
  };
  client = new LanguageClient("flowls", "flowls", serverOptions, clientOptions);
  const started = client;
  // asks the server to say what each open document is, for the Show Graph button
  started.registerFeature({
    fillClientCapabilities: (caps) => {
      caps.experimental = { ...(caps.experimental as object | undefined), ...EXPERIMENTAL };
    },
    initialize: () => undefined,
    getState: () => ({ kind: "static" }),
    clear: () => undefined,
  });
  started.onNotification(DOCUMENT_KINDS, (params: unknown) =>
    graphable.told(params, (u) => {
      // the workbench's `resourcePath`: the file system path of a `file` uri, else its path (a
      // remote window's resources are not `file` uris there)
      const uri = started.protocol2CodeConverter.asUri(u);
      return { id: uri.toString(), keys: [uri.path, uri.fsPath] };
    }),
  );
  client.onDidChangeState((e) => {
    switch (e.newState) {
      case State.Starting:
        status.text = "$(sync~spin) flowls";
        status.tooltip = "flowls is starting";
        break;
      case State.Running:
        status.text = "$(check) flowls";
        status.tooltip = `flowls is running (${found.path})`;
        break;
      case State.Stopped:
        graphable.clear();
        status.text = "$(circle-slash) flowls";
        status.tooltip = "flowls is stopped: run “flowls: Restart Server”";
        break;
    }
  });
  await client.start();
  graphs?.redrawAll();
}

const isTf = (uri: vscode.Uri) => uri.scheme === "file" && uri.path.endsWith(".tf");

/** Whether the workspace holds a tenant's files, or a `.tf` file with auth0 resources. */
async function holdsFlowlsFiles(): Promise<boolean> {
  for (const glob of tenantGlobs()) {
    if ((await vscode.workspace.findFiles(glob, "**/node_modules/**", 1)).length > 0) return true;
  }
  if (vscode.workspace.textDocuments.some((d) => isTf(d.uri) && declaresAuth0(d.getText()))) return true;
  for (const uri of await vscode.workspace.findFiles("**/*.tf", "**/.terraform/**", 2000)) {
    const text = await vscode.workspace.fs.readFile(uri).then((b) => new TextDecoder().decode(b), () => "");
    if (declaresAuth0(text)) return true;
  }
  return false;
}

/**
 * A Terraform workspace without auth0 resources (activated by its `.tf` files): the server
 * starts once a `.tf` file declares one, typed or saved.
 */
function startWhenDeclared(context: vscode.ExtensionContext): void {
  status.text = "$(circle-outline) flowls";
  status.tooltip = "flowls waits: no flows, forms, vault connections or auth0 Terraform resources in this workspace";
  let started = false;
  const watcher = vscode.workspace.createFileSystemWatcher("**/*.tf");
  const subscriptions: vscode.Disposable[] = [watcher];
  const go = () => {
    if (started) return;
    started = true;
    for (const d of subscriptions) d.dispose();
    void start(context);
  };
  const onText = (uri: vscode.Uri, text: string) => {
    if (isTf(uri) && declaresAuth0(text)) go();
  };
  const onFile = (uri: vscode.Uri) =>
    void vscode.workspace.fs.readFile(uri).then((b) => onText(uri, new TextDecoder().decode(b)), () => undefined);
  subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((d) => onText(d.uri, d.getText())),
    vscode.workspace.onDidChangeTextDocument((e) => onText(e.document.uri, e.document.getText())),
    watcher.onDidCreate(onFile),
    watcher.onDidChange(onFile),
  );
  context.subscriptions.push(...subscriptions);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  status.command = "flowls.restartServer";
  status.text = "flowls";
  status.show();
  context.subscriptions.push(status);
  graphs = new GraphPanels(vscode.Uri.joinPath(context.extensionUri, "media"), () => client);
  context.subscriptions.push(graphs);
  context.subscriptions.push(vscode.workspace.onDidCloseTextDocument((d) => graphable.closed(d.uri.toString())));
  context.subscriptions.push(
    vscode.commands.registerCommand("flowls.restartServer", async () => {
      if (client) {
        await client.stop().catch(() => undefined);
        client = undefined;
      }
      await start(context);
    }),
    vscode.commands.registerCommand("flowls.runTestConnection", async () => {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage("flowls: Test connection is off in Restricted Mode: trust this workspace first.");
        return;
      }
      const doc = vscode.window.activeTextEditor?.document;
      if (!client || !doc) {
        void vscode.window.showWarningMessage("flowls: open a vault connection file first.");
        return;
      }
      // the server's command: it shows the result with window/showMessage
      await client.sendRequest("workspace/executeCommand", {
        command: "flowls.testConnection",
        arguments: [{ uri: doc.uri.toString() }],
      });
    }),
    // also in Restricted Mode: drawing a graph involves no credentials
    vscode.commands.registerCommand("flowls.showGraph", (resource?: vscode.Uri) => {
      const doc =
        (resource instanceof vscode.Uri && vscode.workspace.textDocuments.find((d) => d.uri.toString() === resource.toString())) ||
        vscode.window.activeTextEditor?.document;
      if (!doc) {
        void vscode.window.showWarningMessage("flowls: open a flow or a form first.");
        return;
      }
      graphs?.show(doc);
    }),
  );
  if (await holdsFlowlsFiles()) {
    await start(context);
  } else {
    startWhenDeclared(context);
  }
}

export async function deactivate(): Promise<void> {
  if (client) await client.stop();
}
