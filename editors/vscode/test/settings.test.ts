import { test } from "node:test";
import * as assert from "node:assert/strict";
import { serverKeys, serverSettings } from "../src/settings";

test("maps VS Code settings to the server's nested section", () => {
  const values: Record<string, unknown> = {
    "diagnostics.trigger": "onSave",
    "testConnection.caCertificates": ["certs/root.pem"],
    "testConnection.allowHttpLoopback": true,
    "testConnection.trustedHosts": ["*.example.com"],
  };
  const s = serverSettings({ get: <T>(k: string, d: T) => (k in values ? (values[k] as T) : d) });
  assert.deepEqual(s, {
    keywordMappingsFile: "config.json",
    maxDocumentSizeMB: 16,
    diagnostics: { plaintextSecrets: true, trigger: "onSave" },
    testConnection: {
      timeoutSeconds: 10,
      caCertificates: ["certs/root.pem"],
      allowHttpLoopback: true,
      trustedHosts: ["*.example.com"],
    },
  });
});

test("every contributed setting but the client's own reaches the server", () => {
  const keys = serverKeys().map(([k]) => k);
  assert.ok(keys.includes("maxDocumentSizeMB"));
  assert.ok(!keys.includes("server.path") && !keys.includes("trace.server"));
});
