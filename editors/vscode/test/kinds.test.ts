import { test } from "node:test";
import * as assert from "node:assert/strict";
import { CONTEXT_KEY, Graphable } from "../src/kinds";
import * as pkg from "../package.json";

test("the graphable list follows what the server says, published only when it changes", () => {
  const published: string[][] = [];
  const g = new Graphable((l) => published.push(l));
  g.told({
    documents: [
      { uri: "file:///ws/export.json", kind: "bundle", graphable: true },
      { uri: "file:///ws/package.json", kind: "other", graphable: false },
      { uri: "file:///ws/flows/A.json", kind: "flow", graphable: true },
    ],
  });
  assert.deepEqual(published, [["file:///ws/export.json", "file:///ws/flows/A.json"]]);
  // the same again: nothing published
  g.told({ documents: [{ uri: "file:///ws/export.json", kind: "bundle", graphable: true }] });
  assert.equal(published.length, 1);
  // the bundle edited into plain JSON
  g.told({ documents: [{ uri: "file:///ws/export.json", kind: "other", graphable: false }] });
  assert.deepEqual(published.at(-1), ["file:///ws/flows/A.json"]);
  g.closed("file:///ws/flows/A.json");
  assert.deepEqual(published.at(-1), []);
  g.closed("file:///ws/flows/A.json");
  assert.equal(published.length, 3);
});

test("a document is listed by every path a when clause may compare; a malformed notification changes nothing", () => {
  const published: string[][] = [];
  const g = new Graphable((l) => published.push(l));
  const place = (u: string) => ({ id: u, keys: ["/c:/ws/My Export.json", "c:\\ws\\My Export.json"] });
  g.told({ documents: [{ uri: "file:///c%3A/ws/My%20Export.json", kind: "bundle", graphable: true }] }, place);
  assert.ok(g.has("/c:/ws/My Export.json") && g.has("c:\\ws\\My Export.json"));
  for (const bad of [null, {}, { documents: "x" }, { documents: [null, { graphable: true }] }]) g.told(bad);
  assert.equal(published.length, 1);
  g.closed("file:///c%3A/ws/My%20Export.json");
  assert.deepEqual(published.at(-1), []);
  g.told({ documents: [{ uri: "file:///ws/a.json", kind: "flow", graphable: true }] });
  g.clear();
  assert.deepEqual(published.at(-1), []);
});

test("the Show Graph button follows the server's list as well as the path", () => {
  const [entry] = pkg.contributes.menus["editor/title"].filter((e) => e.command === "flowls.showGraph");
  // the last `||` term, outside the path rule's parentheses (graph.test.ts evaluates the clause)
  assert.ok(entry.when.endsWith(`) || resourcePath in ${CONTEXT_KEY}`), entry.when);
});
