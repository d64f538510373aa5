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
import { documentSelector, serverSettings } from "./settings";
import { GraphPanels } from "./graph";

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem;
let graphs: GraphPanels | undefined;

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
        status.text = "$(circle-slash) flowls";
        status.tooltip = "flowls is stopped: run “flowls: Restart Server”";
        break;
    }
  });
  await client.start();
  graphs?.redrawAll();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  status.command = "flowls.restartServer";
  status.text = "flowls";
  status.show();
  context.subscriptions.push(status);
  graphs = new GraphPanels(vscode.Uri.joinPath(context.extensionUri, "media"), () => client);
  context.subscriptions.push(graphs);
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
  await start(context);
}

export async function deactivate(): Promise<void> {
  if (client) await client.stop();
}
