import { test } from "node:test";
import * as assert from "node:assert/strict";
import { declaresAuth0, documentSelector, serverKeys, serverSettings, tenantGlobs } from "../src/settings";
import * as pkg from "../package.json";

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

test("Terraform: .tf files and terraform documents are served, local files only", () => {
  const selector = documentSelector();
  assert.ok(selector.every((s) => s.scheme === "file"), JSON.stringify(selector));
  assert.ok(selector.some((s) => s.language === "terraform"));
  assert.ok(selector.some((s) => s.pattern === "**/*.{tf,tfvars}"));
  // JSON and YAML as before
  assert.ok(selector.some((s) => s.pattern === "**/*.json") && selector.some((s) => s.pattern === "**/*.{yaml,yml}"));
});

test("Terraform: activation on a workspace with .tf files and on terraform documents", () => {
  const events: string[] = pkg.activationEvents;
  assert.ok(events.includes("workspaceContains:**/*.tf"), events.join(", "));
  assert.ok(events.includes("onLanguage:terraform"), events.join(", "));
  // the language is known even without HashiCorp's extension (which contributes the same id)
  const languages: { id: string; extensions?: string[] }[] = pkg.contributes.languages;
  assert.deepEqual(languages.find((l) => l.id === "terraform")?.extensions, [".tf"]);
});

test("Terraform: a .tf file is flowls' when it declares an auth0 flow, form, vault connection or grant", () => {
  assert.ok(declaresAuth0('resource "auth0_flow" "x" {\n}\n'));
  assert.ok(declaresAuth0('variable "a" {}\n\n  resource  "auth0_flow_vault_connection" "v" {\n'));
  assert.ok(declaresAuth0('resource "auth0_form" "f" {}\r\n'));
  assert.ok(declaresAuth0('resource "auth0_client_grant" "g" {}'));
  assert.ok(!declaresAuth0('resource "aws_s3_bucket" "b" {}\n'));
  assert.ok(!declaresAuth0('resource "auth0_client" "c" {}\n'));
  assert.ok(!declaresAuth0('# resource "auth0_flow" "x" {}\n'));
  assert.ok(!declaresAuth0('description = "resource \\"auth0_flow\\""\n'));
});

test("Terraform: the tenant globs are the name-only activation events", () => {
  const globs = tenantGlobs();
  assert.ok(globs.includes("**/flows/*.json") && globs.includes("**/flowls.toml"), globs.join(", "));
  assert.ok(!globs.some((g) => g.endsWith(".tf")));
  assert.equal(globs.length, pkg.activationEvents.filter((e: string) => e.startsWith("workspaceContains:")).length - 1);
});
