import { test } from "node:test";
import * as assert from "node:assert/strict";
import { notFoundMessage, resolveServer, versionMismatch } from "../src/resolve";

const have = (...files: string[]) => (f: string) => files.includes(f);

test("an absolute setting wins", () => {
  const r = resolveServer({ setting: "/opt/flowls/bin/flowls", envPath: "/usr/bin", extensionDir: "/ext", workspaceDir: "/ws", platform: "linux", exists: have("/opt/flowls/bin/flowls", "/ext/server/flowls") });
  assert.equal(r.path, "/opt/flowls/bin/flowls");
});

test("a relative setting is never resolved against the workspace (a repository could ship the binary)", () => {
  const r = resolveServer({ setting: "bin/flowls", envPath: "/usr/bin", extensionDir: "/ext", workspaceDir: "/ws", platform: "linux", exists: have("/ws/bin/flowls", "bin/flowls", "/usr/bin/flowls") });
  assert.equal(r.path, undefined);
  assert.match(notFoundMessage(r), /not an absolute path/);
});

test("the bundled copy comes before PATH", () => {
  const r = resolveServer({ setting: "", envPath: "/usr/bin", extensionDir: "/ext", platform: "linux", exists: have("/ext/server/flowls", "/usr/bin/flowls") });
  assert.equal(r.path, "/ext/server/flowls");
});

test("a setting that points nowhere is reported, not replaced", () => {
  const r = resolveServer({ setting: "/nope/flowls", envPath: "/usr/bin", extensionDir: "/ext", platform: "linux", exists: have("/usr/bin/flowls") });
  assert.equal(r.path, undefined);
  assert.match(notFoundMessage(r), /flowls\.server\.path \(\/nope\/flowls\)/);
});

test("then PATH, in order", () => {
  const r = resolveServer({ setting: "", envPath: "/a:/b:/c", extensionDir: "/ext", platform: "linux", exists: have("/b/flowls", "/c/flowls") });
  assert.equal(r.path, "/b/flowls");
});

test("then the bundled copy", () => {
  const r = resolveServer({ setting: undefined, envPath: "/a", extensionDir: "/ext", platform: "linux", exists: have("/ext/server/flowls") });
  assert.equal(r.path, "/ext/server/flowls");
});

test("nothing found: the message lists what was tried", () => {
  const r = resolveServer({ setting: "", envPath: "", extensionDir: "/ext", platform: "linux", exists: have() });
  assert.equal(r.path, undefined);
  const m = notFoundMessage(r);
  assert.match(m, /flowls on PATH/);
  assert.match(m, /\/ext\/server\/flowls/);
});

test("windows names and separators", () => {
  const r = resolveServer({ setting: "", envPath: "C:\\a;C:\\b", extensionDir: "C:\\ext", platform: "win32", exists: (f) => f.endsWith("flowls.exe") && f.includes("b") });
  assert.ok(r.path?.endsWith("flowls.exe"));
});

test("the server's version is checked against the extension's", () => {
  assert.equal(versionMismatch("flowls 0.1.0 (abc123)\n", "0.1.0", "/x/flowls"), undefined);
  assert.match(versionMismatch("flowls 0.0.9 (abc)", "0.1.0", "/x/flowls") ?? "", /version 0\.0\.9, but this extension is 0\.1\.0/);
  assert.match(versionMismatch("", "0.1.0", "/x/flowls") ?? "", /did not report its version/);
});
