// The flowls section as the server reads it (initializationOptions and workspace/configuration),
// built from the settings this extension contributes (package.json, which a test keeps equal to
// the server's own list), so a new server setting needs no change here.
import * as pkg from "../package.json";

export interface Getter {
  get<T>(key: string, fallback: T): T;
}

/** Settings of this extension that the server does not read. */
export const CLIENT_ONLY = ["server.path", "trace.server"];

type Property = { default?: unknown };

/** The keys (without `flowls.`) and defaults of the server's settings. */
export function serverKeys(properties: Record<string, Property> = pkg.contributes.configuration.properties): [string, unknown][] {
  return Object.entries(properties)
    .map(([k, v]): [string, unknown] => [k.replace(/^flowls\./, ""), v.default])
    .filter(([k]) => !CLIENT_ONLY.includes(k));
}

export function serverSettings(cfg: Getter, keys: [string, unknown][] = serverKeys()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, fallback] of keys) {
    const parts = key.split(".");
    let at = out;
    for (const p of parts.slice(0, -1)) {
      at = (at[p] ??= {}) as Record<string, unknown>;
    }
    at[parts[parts.length - 1]] = cfg.get(key, fallback);
  }
  return out;
}

/** The files flowls serves. */
export const DOCUMENTS = [
  // flows, vault connections, grants, forms, config.json, and export bundles wherever they
  // sit (the server tells them apart by place and shape, and says nothing of other JSON)
  "**/*.json",
  // deploy-cli's tenant.yaml (any YAML with its flows / forms / vault / grant sections)
  "**/*.{yaml,yml}",
  "**/flowls.toml",
  // Terraform modules: the server answers only inside auth0_flow / auth0_form /
  // auth0_flow_vault_connection / auth0_client_grant resources and never formats them, so it
  // sits beside terraform-ls (HashiCorp's extension) on the same files
  "**/*.{tf,tfvars}",
];

/** Languages flowls serves whatever the file is named: HashiCorp's Terraform extension's. */
export const LANGUAGES = ["terraform", "terraform-vars"];

/** The client's document selector: local files only, by name or by language. */
export function documentSelector(): { scheme: string; pattern?: string; language?: string }[] {
  return [
    ...DOCUMENTS.map((pattern) => ({ scheme: "file", pattern })),
    ...LANGUAGES.map((language) => ({ scheme: "file", language })),
  ];
}

/** The resources of a `.tf` file that make it flowls': `resource "auth0_flow" "x" {`, … */
const AUTH0_RESOURCE = /^[ \t]*resource[ \t]+"auth0_(flow|form|flow_vault_connection|client_grant)"/m;

/** Whether a `.tf` text declares a resource flowls reads. */
export function declaresAuth0(text: string): boolean {
  return AUTH0_RESOURCE.test(text);
}

/**
 * The activation globs that mark a tenant kept as files by their names alone; a `.tf` file
 * activates the extension too, but only its content says whether flowls has anything to do.
 */
export function tenantGlobs(events: string[] = pkg.activationEvents): string[] {
  const prefix = "workspaceContains:";
  return events.filter((e) => e.startsWith(prefix) && !e.endsWith(".tf")).map((e) => e.slice(prefix.length));
}
