// The html graph in headless Chromium with every network route blocked: nothing fails to
// load, one element per node, a click on a node shows its file and line, every label fits its
// box as drawn; then again in dark and in forced colours (high contrast): the boxes, the edge
// labels' halo and the text take the theme. A screenshot of each is kept (NAME.png,
// NAME-dark.png, NAME-forced.png).
//   node tests/graph/html_check.js PAGE.html SCREENSHOT.png NODE_IDS.json [MIN_EDGE_LABELS]
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const home = process.env.E2E_HOME || path.join(__dirname, "../../.e2e-cache");
const { chromium } = require(path.join(home, "playwright/node_modules/playwright-core"));

// The computed colours of an action box (or any box), a title, an edge label's halo and the
// page, each with its relative luminance; and the system colours Canvas and CanvasText.
async function colours(page) {
  return page.evaluate(() => {
    const probe = document.createElement("div");
    document.body.appendChild(probe);
    const css = (v) => { probe.style.color = ""; probe.style.color = v; return getComputedStyle(probe).color; };
    const parse = (c) => {
      const m = /rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)/.exec(c || "");
      if (!m) { return null; }
      const lin = (v) => { v = v / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
      return { css: c, lum: 0.2126 * lin(+m[1]) + 0.7152 * lin(+m[2]) + 0.0722 * lin(+m[3]) };
    };
    const box = document.querySelector("[data-node].action rect") || document.querySelector("[data-node] rect");
    const title = document.querySelector("[data-node] tspan.title");
    const label = document.querySelector(".edge-label");
    const out = {
      action: parse(getComputedStyle(box).fill),
      text: parse(getComputedStyle(title).fill),
      halo: label ? parse(getComputedStyle(label).stroke) : null,
      body: parse(getComputedStyle(document.body).backgroundColor),
      canvas: parse(css("Canvas")),
      canvasText: parse(css("CanvasText")),
    };
    probe.remove();
    return out;
  });
}

// Every line of every box, and each group's title, fits its box as this browser draws it, and
// none needed the page's narrowing (the boxes' sizes suffice for the installed fonts).
async function fits(page) {
  const bad = await page.evaluate(() => {
    const out = [];
    for (const g of document.querySelectorAll("[data-node],[data-ref]")) {
      const w = g.querySelector("rect").width.baseVal.value;
      for (const t of g.querySelectorAll("tspan")) {
        const drawn = t.getComputedTextLength();
        if (t.hasAttribute("textLength") || drawn > w - 8) { out.push(`${t.textContent}: ${drawn.toFixed(1)} px in a box of ${w}`); }
      }
    }
    for (const g of document.querySelectorAll("g.group")) {
      const w = g.querySelector(".group-frame").width.baseVal.value;
      const drawn = g.querySelector(".group-title").getComputedTextLength();
      if (drawn > w - 10) { out.push(`group ${g.querySelector(".group-title").textContent}: ${drawn.toFixed(1)} px in ${w}`); }
    }
    return out;
  });
  if (bad.length) { throw new Error(`labels overflow their boxes: ${bad.join("; ")}`); }
}

async function main() {
  const [page_path, shot, ids_path, min_labels] = process.argv.slice(2);
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
    await fits(page);
    // the themes: light, dark, forced colours
    const light = await colours(page);
    if (!(light.action.lum > 0.8 && light.text.lum < 0.3)) { throw new Error(`light: ${JSON.stringify(light)}`); }
    const labels = await page.$$eval(".edge-label", (l) => l.length);
    if (labels < parseInt(min_labels || "0", 10)) { throw new Error(`${labels} edge labels, want at least ${min_labels}`); }
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await colours(page);
    const darkish = (c) => c && c.lum < 0.2;
    if (!darkish(dark.action) || !darkish(dark.body) || !(dark.text.lum > 0.7) || (labels && !darkish(dark.halo))) {
      throw new Error(`dark: ${JSON.stringify(dark)}`);
    }
    await page.screenshot({ path: shot.replace(/\.png$/, "-dark.png"), fullPage: false });
    await page.emulateMedia({ colorScheme: "light", forcedColors: "active" });
    const forced = await colours(page);
    // the system's colours: boxes and halo in the canvas colour, text in the canvas text colour
    const alike = (a, b) => a && b && a.css === b.css;
    if (!alike(forced.action, forced.canvas) || !alike(forced.text, forced.canvasText) || (labels && !alike(forced.halo, forced.canvas))
      || alike(forced.canvas, forced.canvasText)) {
      throw new Error(`forced colours: ${JSON.stringify(forced)}`);
    }
    await page.screenshot({ path: shot.replace(/\.png$/, "-forced.png"), fullPage: false });
    await page.emulateMedia({ colorScheme: "light", forcedColors: "none" });
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
