import { test } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "fs";
import { join } from "path";
import * as pkg from "../package.json";

const here = join(__dirname, "../..");
const read = (file: string) => readFileSync(join(here, file), "utf8");

test("every contributed command is registered by the extension and listed in its README", () => {
  const source = read("src/extension.ts");
  const registered = [...source.matchAll(/registerCommand\("([^"]+)"/g)].map((m) => m[1]).sort();
  const contributed = pkg.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(registered, contributed);
  const readme = read("README.md");
  for (const c of pkg.contributes.commands) {
    assert.ok(readme.includes(`**${c.category}: ${c.title}**`), `README lists ${c.category}: ${c.title}`);
  }
});

test("every menu entry names a contributed command", () => {
  const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
    for (const e of entries as { command: string }[]) assert.ok(contributed.has(e.command), `${menu}: ${e.command}`);
  }
});

test("the webview's files are in the package", () => {
  const ignored = read(".vscodeignore").split("\n").map((l) => l.trim()).filter(Boolean);
  for (const file of ["media/graph.js", "media/graph.css"]) {
    assert.ok(readFileSync(join(here, file)).length > 0, file);
    assert.ok(!ignored.some((p) => file.startsWith(p.replace(/\*\*$/, ""))), `${file} is left out by .vscodeignore`);
  }
});
