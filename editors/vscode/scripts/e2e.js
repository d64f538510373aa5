// End-to-end test of the packaged per-platform extension in a real VS Code (code-server)
// driven in headless Chromium, on a machine with no flowls on PATH (the extension runs the
// binary it carries): a squiggle, the Problems panel, a hover, a completion and the code
// lenses, with screenshots; then the same workspace in Restricted Mode (workspace trust on,
// the folder not trusted), where flowls still checks but offers no Test connection; then with
// flowls.server.path set to a server of another version, which the extension says.
// Usage: node e2e.js <flowls-linux-x64.vsix> <flowls binary> <out dir>.
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
  fs.writeFileSync(
    path.join(dirs.ud, "User/settings.json"),
    JSON.stringify({
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
      ...(mode === "mismatch" ? { "flowls.server.path": otherVersion(dirs.tmp) } : {}),
    }),
  );
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
    await check("the status bar shows the server running", async () => {
      await page.locator(".statusbar-item:has(.codicon-check)", { hasText: "flowls" }).first().waitFor({ timeout: 10000 });
    });
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
  await session("trusted");
  await session("restricted");
  await session("mismatch");
  const passed = results.filter((r) => r[1]).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})();
