// The flowls section as the server reads it (initializationOptions and workspace/configuration).

export interface Getter {
  get<T>(key: string, fallback: T): T;
}

export function serverSettings(cfg: Getter): Record<string, unknown> {
  return {
    keywordMappingsFile: cfg.get<string>("keywordMappingsFile", "config.json"),
    diagnostics: {
      plaintextSecrets: cfg.get<boolean>("diagnostics.plaintextSecrets", true),
      trigger: cfg.get<string>("diagnostics.trigger", "onType"),
    },
    testConnection: {
      timeoutSeconds: cfg.get<number>("testConnection.timeoutSeconds", 10),
      caCertificates: cfg.get<string[]>("testConnection.caCertificates", []),
      allowHttpLoopback: cfg.get<boolean>("testConnection.allowHttpLoopback", false),
      trustedHosts: cfg.get<string[]>("testConnection.trustedHosts", []),
    },
  };
}

/** The files flowls serves. */
export const DOCUMENTS = [
  "**/flows/**/*.json",
  "**/flow-vault-connections/**/*.json",
  "**/grants/*.json",
  "**/config.json",
  "**/flowls.toml",
  "**/*.flow.json",
  "**/*.vault.json",
];
