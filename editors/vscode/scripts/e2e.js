// End-to-end test of the packaged per-platform extension in a real VS Code (code-server)
// driven in headless Chromium, on a machine with no flowls on PATH (the extension runs the
// binary it carries): a squiggle, the Problems panel, a hover, a completion and the code
// lenses, with screenshots, in JSON, YAML and a Terraform `.tf` file; then the same workspace in Restricted Mode (workspace trust on,
// the folder not trusted), where flowls still checks but offers no Test connection; then with
// flowls.server.path set to a server of another version, which the extension says. Show Graph:
// the graph of a flow beside it, its nodes, a node for an action as soon as it is typed, a grant
// changed on disk drawn, a click on a node revealing its source, one panel per file, closed with its file; the title
// button on an export bundle at the workspace's root (the server says it is one), not on a
// JSON file that is nothing to flowls.
// Usage: node e2e.js <flowls-linux-x64.vsix> <flowls binary> <out dir>
// Then a Terraform workspace with no auth0 resource, where the server waits until one is typed.
// (E2E_SESSIONS=trusted,restricted,mismatch,terraform by default).
// Prints "N passed, N failed".
const { spawn, execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const net = require("net");

const E2E_HOME = process.env.E2E_HOME || path.resolve(__dirname, "../../../.e2e-cache");
const { chromium } = require(path.join(E2E_HOME, "playwright/node_modules/playwright-core"));
const CODE_SERVER = path.join(E2E_HOME, "code-server/bin/code-server");
const [VSIX, SERVER, OUT] = process.argv.slice(2).map((p) => path.resolve(p));
const FIXTURE = path.resolve(__dirname, "../../../tests/e2e/fixtures/ws");
// a real Dashboard export (tests/fixtures/bundles/README.md says where it comes from)
const BUNDLE = path.resolve(__dirname, "../../../tests/fixtures/bundles/privacy-policy.json");

const freePort = () =>
  new Promise((r) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });

async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up`);
}

const results = [];

async function session(mode) {
  const tmp = fs.mkdtempSync(path.join(E2E_HOME, "run-"));
  const dirs = Object.fromEntries(["ud", "ext", "ws", "xdg", "home", "tmp"].map((n) => [n, path.join(tmp, n)]));
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.ud, "User"), { recursive: true });
  fs.cpSync(FIXTURE, dirs.ws, { recursive: true });
  // a planted problem
  fs.writeFileSync(
    path.join(dirs.ws, "flows/Broken.json"),
    '{\n  "name": "Broken",\n  "actions": [\n    { "id": "a", "type": "AUTH0", "action": "GET_USR", "params": {} }\n  ]\n}\n',
  );
  fs.writeFileSync(path.join(dirs.ws, "flows/Typing.json"), '{"name": "T", "actions": [{"id": "t", "type": "AUTH0", "action": ');
  // deploy-cli YAML: a vault connection with a planted unknown app, another being typed
  fs.writeFileSync(
    path.join(dirs.ws, "tenant.yaml"),
    "flowVaultConnections:\n  - name: Alerts YAML\n    app_id: SLAKC\n  - name: Typing YAML\n    app_id: ",
  );
  // an export bundle at the workspace's root (in no flows/ or forms/ folder), and a JSON file
  // that is nothing to flowls
  fs.copyFileSync(BUNDLE, path.join(dirs.ws, "privacy-export.json"));
  fs.writeFileSync(path.join(dirs.ws, "package.json"), '{\n  "name": "site",\n  "version": "1.0.0"\n}\n');
  // a Terraform module beside the tenant: a vault connection resource and a flow with a typo
  fs.writeFileSync(path.join(dirs.ws, "main.tf"), MAIN_TF);
  if (mode === "terraform") {
    // a Terraform workspace with no auth0 resource yet: nothing of a tenant
    fs.rmSync(dirs.ws, { recursive: true, force: true });
    fs.mkdirSync(dirs.ws);
    fs.writeFileSync(path.join(dirs.ws, "infra.tf"), 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n');
  }
  // no flowls on PATH: the extension must run the binary it carries
  const path_ = (process.env.PATH || "")
    .split(":")
    .filter((d) => d && !fs.existsSync(path.join(d, "flowls")))
    .join(":");
  const env = {
    ...process.env,
    PATH: path_,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: dirs.xdg + "/config",
    XDG_DATA_HOME: dirs.xdg + "/data",
    XDG_CACHE_HOME: dirs.xdg + "/cache",
  };
  const settingsFile = path.join(dirs.ud, "User/settings.json");
  const settings = {
    "security.workspace.trust.enabled": mode === "restricted",
    "security.workspace.trust.startupPrompt": "never",
    "security.workspace.trust.banner": "never",
    "security.workspace.trust.emptyWindow": false,
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "update.mode": "none",
    "editor.hover.delay": 100,
    "git.openRepositoryInParentFolders": "never",
    "git.enabled": false,
    // text inserted by the test lands as written, as a paste would
    "editor.autoIndent": "none",
    "editor.autoClosingBrackets": "never",
    "editor.autoClosingQuotes": "never",
    "editor.autoSurround": "never",
    "editor.formatOnType": false,
    ...(mode === "mismatch" ? { "flowls.server.path": otherVersion(dirs.tmp) } : {}),
  };
  fs.writeFileSync(settingsFile, JSON.stringify(settings));
  const common = ["--user-data-dir", dirs.ud, "--extensions-dir", dirs.ext];
  console.log(execFileSync(CODE_SERVER, [...common, "--install-extension", VSIX], { env }).toString().trim());
  const port = await freePort();
  const log = fs.openSync(path.join(OUT, "code-server.log"), "w");
  const cs = spawn(
    CODE_SERVER,
    [...common, "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry", "--disable-update-check",
      ...(mode === "restricted" ? [] : ["--disable-workspace-trust"]), "--disable-getting-started-override", dirs.ws],
    { detached: true, stdio: ["ignore", log, log], env },
  );
  let browser;
  const check = async (what, fn) => {
    const name = `${mode}: ${what}`;
    try {
      await fn();
      results.push([name, true]);
      console.log(`ok - ${name}`);
    } catch (e) {
      results.push([name, false]);
      console.log(`not ok - ${name}: ${e.message.split("\n")[0]}`);
    }
  };
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 60000);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.ws)}`, { waitUntil: "domcontentloaded" });
    await page.waitForSelector(".monaco-workbench", { timeout: 90000 });
    const open = async (folder, file) => {
      const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: file });
      if (!(await row.count())) {
        await page.locator(".explorer-folders-view .monaco-list-row", { hasText: folder }).first().click();
      }
      await page.locator(".explorer-folders-view .monaco-list-row", { hasText: file }).first().click({ timeout: 30000 });
    };
    const lenses = async (file) => {
      await open("flow-vault-connections", file);
      const lens = page.locator(".monaco-editor .codelens-decoration", { hasText: "used by" }).first();
      await lens.waitFor({ timeout: 30000 });
      return page.locator(".monaco-editor .codelens-decoration").allInnerTexts();
    };
    // a hover shows after the mouse rests on the token; try again if the first rest was taken
    // by the workbench still settling
    const hoverShows = async (token, text) => {
      await token.waitFor({ timeout: 20000 });
      for (let attempt = 0; attempt < 5; attempt++) {
        await page.mouse.move(10, 10);
        await page.waitForTimeout(300);
        await token.hover();
        const shown = await page
          .locator(".monaco-hover", { hasText: text })
          .first()
          .waitFor({ timeout: 6000 })
          .then(() => true, () => false);
        if (shown) return;
      }
      throw new Error(`no hover with ${text}`);
    };
    // completion at the end of the open document
    const suggests = async (label) => {
      await page.locator(".monaco-editor .view-lines").first().click();
      await page.keyboard.press("Control+End");
      for (let attempt = 0; attempt < 4; attempt++) {
        await page.keyboard.press("Escape");
        await page.keyboard.press("Control+Space");
        const shown = await page
          .locator(".suggest-widget .monaco-list-row", { hasText: label })
          .first()
          .waitFor({ timeout: 6000 })
          .then(() => true, () => false);
        if (shown) return;
      }
      throw new Error(`no completion with ${label}`);
    };
    if (mode === "mismatch") {
      await check("a server of another version is said so", async () => {
        await page
          .locator(".notifications-toasts, .notification-toast", { hasText: "is version 9.9.9, but this extension is" })
          .first()
          .waitFor({ timeout: 30000 });
        await page.screenshot({ path: path.join(OUT, "vscode-mismatch.png") });
      });
      return;
    }
    if (mode === "terraform") {
      await check("a Terraform workspace without auth0 resources: the server waits", async () => {
        await page.locator(".statusbar-item:has(.codicon-circle-outline)", { hasText: "flowls" }).first().waitFor({ timeout: 30000 });
      });
      await check("an auth0 resource typed in a .tf file starts it: a squiggle, then a hover", async () => {
        await open("infra.tf", "infra.tf");
        await page.locator(".monaco-editor .view-lines", { hasText: "aws_s3_bucket" }).first().click();
        await page.keyboard.press("Control+End");
        await page.keyboard.insertText("\n" + MAIN_TF);
        await page.locator(".statusbar-item:has(.codicon-check)", { hasText: "flowls" }).first().waitFor({ timeout: 30000 });
        const editor = page.locator(".monaco-editor", { hasText: "jsonencode" }).first();
        await editor.locator(".squiggly-error").first().waitFor({ timeout: 60000 });
        await hoverShows(
          page.locator(".monaco-editor .view-line span span", { hasText: "auth0_flow_vault_connection.tf_users.id" }).first(),
          "TF Users",
        );
        await page.screenshot({ path: path.join(OUT, "vscode-terraform-started.png") });
      });
      return;
    }
    if (mode === "restricted") {
      await check("flowls still checks files", async () => {
        await open("flows", "Broken.json");
        await page.waitForSelector(".monaco-editor .squiggly-error", { timeout: 60000 });
      });
      await check("no Test connection lens", async () => {
        const texts = (await lenses("Users M2M.json")).join(" | ");
        await page.screenshot({ path: path.join(OUT, "vscode-restricted.png") });
        if (texts.includes("Test connection")) throw new Error(`lenses: ${texts}`);
      });
      await check("Show Graph works (no credentials involved)", async () => {
        const frame = await openGraph(page, open);
        const texts = (await nodeTexts(frame)).join(" | ");
        if (!texts.includes("update_user")) throw new Error(`no node for update_user: ${texts}`);
      });
      return;
    }
    await check("the vault file has the Test connection lens", async () => {
      const texts = (await lenses("Users M2M.json")).join(" | ");
      if (!texts.includes("Test connection")) throw new Error(`lenses: ${texts}`);
    });
    await check("a squiggle under the unknown action", async () => {
      await open("flows", "Broken.json");
      await page.waitForSelector(".monaco-editor .squiggly-error", { timeout: 60000 });
    });
    await check("the Problems panel lists it with its code", async () => {
      await page.keyboard.press("Control+Shift+M");
      await page
        .locator(".markers-panel .monaco-list-row", { hasText: "unknown action `AUTH0/GET_USR`: did you mean `GET_USER`?" })
        .first()
        .waitFor({ timeout: 30000 });
    });
    await check("hover on an action explains it", async () => {
      await open("flows", "Onboard.json");
      await hoverShows(page.locator(".monaco-editor .view-line span span", { hasText: /^"UPDATE_USER"$/ }).first(), "AUTH0/UPDATE_USER");
    });
    await page.screenshot({ path: path.join(OUT, "vscode-hover.png") });
    await check("completion offers the actions of the type", async () => {
      await open("flows", "Typing.json");
      await suggests("GET_USER");
    });
    await page.screenshot({ path: path.join(OUT, "vscode-completion.png") });
    await check("tenant.yaml: a squiggle under the unknown app_id, in the Problems panel", async () => {
      await open("tenant.yaml", "tenant.yaml");
      await page.waitForSelector(".monaco-editor .squiggly-error", { timeout: 60000 });
      await page
        .locator(".markers-panel .monaco-list-row", { hasText: "unknown app_id `SLAKC`: did you mean `SLACK`?" })
        .first()
        .waitFor({ timeout: 30000 });
    });
    await check("tenant.yaml: hover on a connection's name", async () => {
      await hoverShows(page.locator(".monaco-editor .view-line span span", { hasText: /Alerts/ }).first(), "vault connection");
    });
    await page.screenshot({ path: path.join(OUT, "vscode-yaml-hover.png") });
    await check("tenant.yaml: completion offers the vault apps", async () => {
      await suggests("AUTH0");
    });
    await page.screenshot({ path: path.join(OUT, "vscode-yaml-completion.png") });
    await check("main.tf: a squiggle under the unknown action in jsonencode", async () => {
      await open("main.tf", "main.tf");
      const editor = page.locator(".monaco-editor", { hasText: "jsonencode" }).first();
      await editor.locator(".squiggly-error").first().waitFor({ timeout: 60000 });
      // the Problems panel (open since the JSON check) lists the file
      await page.locator(".markers-panel .monaco-list-row", { hasText: "main.tf" }).first().waitFor({ timeout: 30000 });
    });
    await check("main.tf: hover on a connection reference", async () => {
      await hoverShows(
        page.locator(".monaco-editor .view-line span span", { hasText: "auth0_flow_vault_connection.tf_users.id" }).first(),
        "TF Users",
      );
      await page.screenshot({ path: path.join(OUT, "vscode-terraform-hover.png") });
    });
    await check("the status bar shows the server running", async () => {
      await page.locator(".statusbar-item:has(.codicon-check)", { hasText: "flowls" }).first().waitFor({ timeout: 10000 });
    });
    await graphChecks(page, check, open, dirs.ws);
  } catch (e) {
    console.log(`not ok - ${mode}: setup: ${e.message.split("\n")[0]}`);
    results.push([`${mode}: setup`, false]);
  } finally {
    if (browser) await browser.close();
    try { process.kill(-cs.pid, "SIGTERM"); } catch {}
    await new Promise((r) => setTimeout(r, 1000));
    try { process.kill(-cs.pid, "SIGKILL"); } catch {}
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// The reference's line is long and alone, so that the middle of its span (where the mouse
// rests; without HashiCorp's extension the line is one plain-text token) is on the reference.
const MAIN_TF = `resource "auth0_flow_vault_connection" "tf_users" {
  name   = "TF Users"
  app_id = "AUTH0"
}

resource "auth0_flow" "tf_onboard" {
  name = "TF Onboard"
  actions = jsonencode([{
    id     = "get"
    type   = "AUTH0"
    action = "GET_USR"
    params = {
      connection_id = auth0_flow_vault_connection.tf_users.id
      user_id       = "{{context.user.user_id}}"
    }
  }])
}
`;

// Onboard.json with a third action, as typed by the user
const ONBOARD_PLUS = `{
  "name": "Onboard",
  "actions": [
    {
      "id": "get_user",
      "type": "AUTH0",
      "action": "GET_USER",
      "params": { "connection_id": "Users M2M", "user_id": "{{context.user.user_id}}" }
    },
    {
      "id": "update_user",
      "type": "AUTH0",
      "action": "UPDATE_USER",
      "params": { "connection_id": "Users M2M", "user_id": "{{actions.get_user.user_id}}", "changes": {} }
    },
    {
      "id": "notify_team",
      "type": "AUTH0",
      "action": "SEND_EMAIL",
      "params": { "from": { "name": "Ops", "email": "ops@example.com" }, "to": "ops@example.com", "subject": "New user", "body": "Hi" }
    }
  ]
}
`;

/** The webview frame that holds the graph (the page nests it in two iframes). */
async function graphFrame(page, timeout = 30000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    for (const frame of page.frames()) {
      const has = await frame.evaluate(() => !!document.querySelector("#graph svg [data-node]")).catch(() => false);
      if (has) return frame;
    }
    await page.waitForTimeout(100);
  }
  const said = [];
  for (const frame of page.frames()) said.push(await frame.evaluate(() => document.querySelector("#status")?.textContent).catch(() => null));
  throw new Error(`no graph webview with nodes (${said.filter(Boolean).join(" | ") || "no graph page"})`);
}

/** Opens the graph of flows/Onboard.json with the editor's title button; its webview frame. */
async function openGraph(page, open) {
  await open("flows", "Onboard.json");
  await page.locator(".monaco-editor .view-lines", { hasText: "update_user" }).first().waitFor({ timeout: 20000 });
  const button = page.locator('.editor-actions .action-label[aria-label*="Show Graph"]').first();
  await button.waitFor({ timeout: 20000 });
  await button.click();
  await graphTabs(page).first().waitFor({ timeout: 20000 });
  return graphFrame(page);
}

const nodeTexts = (frame) =>
  frame.evaluate(() => [...document.querySelectorAll("#graph svg [data-node]")].map((n) => n.textContent.replace(/\s+/g, " ").trim()));

const graphTabs = (page) => page.locator(".tabs-container .tab", { hasText: "Graph: Onboard.json" });

/** The active editor's cursor line, from the status bar ("Ln 17, Col 7 (120 selected)"). */
async function cursorLine(page) {
  const text = await page.locator("#status\\.editor\\.selection").first().innerText();
  const m = text.match(/Ln (\d+)/);
  if (!m) throw new Error(`no cursor position in the status bar: ${text}`);
  return Number(m[1]);
}

/** Chooses a colour theme by its label, as a user does (Preferences: Color Theme). */
async function pickTheme(page, label) {
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  await page.keyboard.type("Preferences: Color Theme");
  // not "Preferences: Browse Color Themes in Marketplace"
  await page.locator(".quick-input-list .monaco-list-row", { hasText: /^Preferences: Color Theme/ }).first().click({ timeout: 10000 });
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "High Contrast" }).first().waitFor({ timeout: 10000 });
  await page.keyboard.type(label);
  await page.waitForTimeout(300);
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").first().waitFor({ state: "hidden", timeout: 10000 });
}

/** How a graph node is filled, and the theme colour it should be filled with. */
const nodeFill = (frame, variable) =>
  frame.evaluate((variable) => {
    const node = document.querySelector("#graph svg .node.action:not(.missing-scope):not(.unresolved) rect");
    const value = getComputedStyle(document.body).getPropertyValue(variable).trim();
    const hex = value.match(/^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i);
    return {
      fill: node ? getComputedStyle(node).fill : "(no node)",
      want: hex ? `rgb(${hex.slice(1, 4).map((h) => parseInt(h, 16)).join(", ")})` : value,
    };
  }, variable);

async function graphChecks(page, check, open, ws) {
  let frame;
  await check("graph: the title button opens the graph beside the flow, the flow keeping the focus", async () => {
    frame = await openGraph(page, open);
    const groups = await page.locator(".editor-group-container").count();
    if (groups < 2) throw new Error(`the graph is not beside the flow (${groups} editor group)`);
    const active = await page.locator(".editor-group-container.active .tab.active").first().innerText();
    if (!active.includes("Onboard.json") || active.includes("Graph:")) throw new Error(`the focus moved to ${active}`);
    await page.screenshot({ path: path.join(OUT, "vscode-graph.png") });
  });
  if (!frame) return;
  await check("graph: the flow's actions are its nodes", async () => {
    const texts = (await nodeTexts(frame)).join(" | ");
    for (const id of ["get_user", "update_user"]) if (!texts.includes(id)) throw new Error(`no node for ${id}: ${texts}`);
    if (texts.includes("notify_team")) throw new Error(`a node for an action not yet typed: ${texts}`);
  });
  await check("graph: the page has its strict policy and follows the theme", async () => {
    const { csp, theme } = await frame.evaluate(() => ({
      csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") || "",
      theme: document.body.className,
    }));
    // (the webview's own source is one or more origins)
    const strict = /^default-src 'none'; img-src [^;]+ data:; style-src [^;]+ 'nonce-[^']+'; script-src 'nonce-[^']+'$/;
    if (!strict.test(csp) || /unsafe|\*;|http:/.test(csp)) throw new Error(`CSP: ${csp}`);
    if (!/\bvscode-(light|dark)\b/.test(theme)) throw new Error(`body classes: ${theme}`);
    const { fill, want } = await nodeFill(frame, "--vscode-editorWidget-background");
    if (fill !== want) throw new Error(`a node is filled ${fill}, not the theme's ${want}`);
  });
  await check("graph: dark, high-contrast and light themes recolour it", async () => {
    const themes = [
      ["Dark Modern", "vscode-dark", "--vscode-editorWidget-background"],
      ["Dark High Contrast", "vscode-high-contrast", "--vscode-editor-background"],
      ["Light Modern", "vscode-light", "--vscode-editorWidget-background"],
    ];
    const fills = new Set();
    for (const [name, cls, variable] of themes) {
      await pickTheme(page, name);
      await frame.waitForFunction((cls) => document.body.classList.contains(cls), cls, { timeout: 20000 });
      await page.waitForTimeout(300);
      const { fill, want } = await nodeFill(frame, variable);
      if (fill !== want) throw new Error(`${name}: a node is filled ${fill}, not the theme's ${want}`);
      fills.add(fill);
      await page.screenshot({ path: path.join(OUT, `vscode-graph-${cls.replace("vscode-", "")}.png`) });
    }
    if (fills.size < 2) throw new Error(`the nodes kept one colour through the themes: ${[...fills]}`);
  });
  let typed = 0;
  await check("graph: an action typed in the flow is a node within a second", async () => {
    await page.locator(".editor-group-container", { hasText: "Onboard.json" }).locator(".monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(ONBOARD_PLUS);
    typed = Date.now();
    await frame.waitForFunction(
      () => [...document.querySelectorAll("#graph svg [data-node]")].some((n) => n.textContent.includes("notify_team")),
      null,
      { timeout: 15000, polling: 50 },
    );
    const took = Date.now() - typed;
    await page.screenshot({ path: path.join(OUT, "vscode-graph-edited.png") });
    if (took > 1000) throw new Error(`the node appeared after ${took} ms`);
    console.log(`# the new action's node appeared after ${took} ms`);
  });
  await check("graph: a grant changed on disk, not in the editor, is drawn", async () => {
    const grant = path.join(ws, "grants/Flows M2M.json");
    const was = fs.readFileSync(grant, "utf8");
    fs.writeFileSync(grant, was.replace('["read:users"]', '["read:users", "update:users"]'));
    const granted = () =>
      [...document.querySelectorAll("#graph svg [data-node]")].some((n) => n.textContent.includes("granted (grant): read:users, update:users"));
    try {
      await frame.waitForFunction(granted, null, { timeout: 10000, polling: 100 });
    } finally {
      fs.writeFileSync(grant, was);
    }
    // drawn again as it was, for the checks after this one
    await frame
      .waitForFunction(
        () => ![...document.querySelectorAll("#graph svg [data-node]")].some((n) => n.textContent.includes("update:users") && n.textContent.includes("granted (grant): read:users, update:users")),
        null,
        { timeout: 10000, polling: 100 },
      )
      .catch(() => undefined);
  });
  await check("graph: a click on a node reveals its action in the editor", async () => {
    const lines = ONBOARD_PLUS.split("\n");
    const idLine = lines.findIndex((l) => l.includes('"id": "notify_team"')) + 1;
    const first = idLine - 1; // the action's "{"
    const last = lines.findIndex((l, i) => i >= idLine && /^ {4}\}/.test(l)) + 1;
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+Home");
    await page.locator("#status\\.editor\\.selection", { hasText: /Ln 1,/ }).first().waitFor({ timeout: 5000 });
    const node = frame.locator("#graph svg [data-node]", { hasText: "notify_team" }).first();
    await node.click();
    const end = Date.now() + 10000;
    let line = 1;
    while (Date.now() < end) {
      line = await cursorLine(page).catch(() => 1);
      if (line >= first && line <= last) break;
      await page.waitForTimeout(100);
    }
    if (line < first || line > last) throw new Error(`the cursor is on line ${line}, not in the action (lines ${first}-${last})`);
    const active = await page.locator(".editor-group-container.active .tab.active").first().innerText();
    if (!active.includes("Onboard.json") || active.includes("Graph:")) throw new Error(`the active editor is ${active}`);
    await page.screenshot({ path: path.join(OUT, "vscode-graph-reveal.png") });
  });
  await check("graph: Show Graph again reveals the same panel", async () => {
    await page.keyboard.press("F1");
    await page.keyboard.type("flowls: Show Graph");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Show Graph" }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press("Enter");
    await page.waitForTimeout(1000);
    const n = await graphTabs(page).count();
    if (n !== 1) throw new Error(`${n} graph panels`);
  });
  await check("graph: the panel closes with its file", async () => {
    await page.locator(".editor-group-container", { hasText: "Onboard.json" }).locator(".monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+S");
    await page.locator(".tabs-container .tab.dirty", { hasText: "Onboard.json" }).first().waitFor({ state: "detached", timeout: 10000 }).catch(() => undefined);
    const tab = page.locator(".tabs-container .tab", { hasText: "Onboard.json" }).filter({ hasNotText: "Graph:" }).first();
    await tab.hover();
    await tab.locator(".tab-actions .action-label").first().click();
    await graphTabs(page).first().waitFor({ state: "detached", timeout: 10000 });
  });
  await check("graph: the title button is on an export bundle at the workspace's root, and draws it", async () => {
    await open("privacy-export.json", "privacy-export.json");
    await page.locator(".monaco-editor .view-lines", { hasText: "Custom policies" }).first().waitFor({ timeout: 20000 });
    const button = page.locator('.editor-actions .action-label[aria-label*="Show Graph"]').first();
    await button.waitFor({ timeout: 20000 });
    await page.screenshot({ path: path.join(OUT, "vscode-graph-bundle-button.png") });
    await button.click();
    const tab = page.locator(".tabs-container .tab", { hasText: "Graph: privacy-export.json" });
    await tab.first().waitFor({ timeout: 20000 });
    const end = Date.now() + 20000;
    let texts = "";
    while (Date.now() < end) {
      const f = await graphFrame(page).catch(() => undefined);
      texts = f ? (await nodeTexts(f)).join(" | ") : "";
      if (texts.includes("Custom policies") && texts.includes("Update app_metadata")) break;
      await page.waitForTimeout(200);
    }
    if (!texts.includes("Custom policies") || !texts.includes("Update app_metadata")) {
      throw new Error(`the bundle's form and flow are not its graph's nodes: ${texts}`);
    }
    await page.screenshot({ path: path.join(OUT, "vscode-graph-bundle.png") });
  });
  await check("graph: no title button on a JSON file that is nothing to flowls", async () => {
    await open("package.json", "package.json");
    await page.locator(".monaco-editor .view-lines", { hasText: '"site"' }).first().waitFor({ timeout: 20000 });
    // the file's title bar is drawn (its own actions are there), and stays without the button
    const active = page.locator(".editor-group-container.active");
    await active.locator(".editor-actions .action-label").first().waitFor({ timeout: 10000 });
    const tab = await active.locator(".tab.active").first().innerText();
    if (!tab.includes("package.json")) throw new Error(`the active editor is ${tab}`);
    await page.waitForTimeout(2000);
    const n = await active.locator('.editor-actions .action-label[aria-label*="Show Graph"]').count();
    await page.screenshot({ path: path.join(OUT, "vscode-graph-no-button.png") });
    if (n !== 0) throw new Error("a Show Graph button on package.json");
  });
}

/** A server that reports another version (and otherwise is flowls). */
function otherVersion(dir) {
  const file = path.join(dir, "flowls-9.9.9");
  fs.writeFileSync(
    file,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "flowls 9.9.9 (e2e)"; exit 0; fi\nexec ${JSON.stringify(SERVER)} "$@"\n`,
  );
  fs.chmodSync(file, 0o755);
  return file;
}

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  // E2E_SESSIONS=trusted runs one session only (while working on it)
  for (const mode of (process.env.E2E_SESSIONS || "trusted,restricted,mismatch,terraform").split(",")) await session(mode);
  const passed = results.filter((r) => r[1]).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})();
