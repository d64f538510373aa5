// The html graph in headless Chromium with every network route blocked: nothing fails to
// load, one element per node, a click on a node shows its file and line; a screenshot is kept.
//   node tests/graph/html_check.js PAGE.html SCREENSHOT.png NODE_IDS.json
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const home = process.env.E2E_HOME || path.join(__dirname, "../../.e2e-cache");
const { chromium } = require(path.join(home, "playwright/node_modules/playwright-core"));

async function main() {
  const [page_path, shot, ids_path] = process.argv.slice(2);
  const want = JSON.parse(fs.readFileSync(ids_path, "utf8"));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "flowls-graph-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
  });
  const failed = [];
  const blocked = [];
  try {
    await context.route("**", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) { return route.continue(); }
      blocked.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on("requestfailed", (r) => failed.push(r.url()));
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error") { errors.push(m.text()); } });
    await page.goto("file://" + path.resolve(page_path));
    await page.waitForLoadState("load");
    const ids = await page.$$eval("[data-node]", (els) => els.map((e) => e.getAttribute("data-node")));
    const sorted = (a) => [...a].sort();
    const same = JSON.stringify(sorted(ids)) === JSON.stringify(sorted(want));
    if (!same) { throw new Error(`one element per node: got ${ids.length}, want ${want.length}`); }
    if (new Set(ids).size !== ids.length) { throw new Error("a node id is on two elements"); }
    // a click on a node: the panel shows its file and line
    const target = await page.$("[data-node].action") || await page.$("[data-node]");
    const file = await target.getAttribute("data-file");
    const line = await target.getAttribute("data-line");
    await target.click();
    const shown = await page.$eval("#info-place", (a) => a.textContent);
    const href = await page.$eval("#info-place", (a) => a.getAttribute("href"));
    if (shown !== `${file}:${line}`) { throw new Error(`the click showed "${shown}", want "${file}:${line}"`); }
    if (!href.startsWith("file://") || !href.endsWith(file.split("/").map(encodeURIComponent).join("/"))) {
      throw new Error(`the link is ${href}`);
    }
    // and a link that opens the file at that line in an editor
    const editor = await page.$eval("#info-editor", (a) => a.getAttribute("href"));
    if (!editor.startsWith("vscode://file/") || !new RegExp(`:${line}:\\d+$`).test(editor)) {
      throw new Error(`the editor link is ${editor}`);
    }
    // pan and zoom change the drawing's transform
    const before = await page.$eval("main > svg", (s) => s.style.transform);
    await page.mouse.move(700, 450);
    await page.mouse.wheel(0, -400);
    const after = await page.$eval("main > svg", (s) => s.style.transform);
    if (before === after) { throw new Error("the wheel did not zoom"); }
    await page.click("#fit");
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: false });
    if (failed.length || blocked.length || errors.length) {
      throw new Error(`failed: ${failed} blocked: ${blocked} errors: ${errors}`);
    }
    console.log(`html graph: ${ids.length} nodes, click → ${shown}, nothing loaded from the network; ${shot}`);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error("html graph check failed:", e.message); process.exit(1); });
