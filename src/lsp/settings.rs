//! The `flowls` settings section, from `initializationOptions`, `workspace/configuration`
//! or `workspace/didChangeConfiguration` (with or without the `flowls` wrapper).

use crate::workspace::Settings;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trigger {
    #[default]
    OnType,
    OnSave,
}

/// Everything the server reads from the `flowls` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerSettings {
    pub analysis: Settings,
    pub trigger: Trigger,
    pub test: TestSettings,
}

/// `testConnection.*`: CA paths as written (relative ones are resolved against the workspace).
#[derive(Debug, Clone, PartialEq)]
pub struct TestSettings {
    pub timeout_seconds: f64,
    pub ca_certificates: Vec<String>,
    pub allow_http_loopback: bool,
    /// `testConnection.trustedHosts`: hosts credentials may go to besides `*.auth0.com`.
    pub trusted_hosts: Vec<String>,
}

impl Default for TestSettings {
    fn default() -> Self {
        TestSettings {
            timeout_seconds: 10.0,
            ca_certificates: Vec::new(),
            allow_http_loopback: false,
            trusted_hosts: Vec::new(),
        }
    }
}

impl TestSettings {
    pub fn resolve(&self, root: &std::path::Path) -> crate::tenant::Settings {
        crate::tenant::Settings {
            timeout: std::time::Duration::from_secs_f64(self.timeout_seconds.clamp(0.1, 600.0)),
            ca_certificates: self.ca_certificates.iter().map(|c| root.join(c)).collect(),
            allow_http_loopback: self.allow_http_loopback,
            trusted_hosts: self.trusted_hosts.clone(),
        }
    }
}

/// Reads settings, keeping `current` for whatever the value does not say.
pub fn read(value: &Value, current: &ServerSettings) -> ServerSettings {
    let section = value.get("flowls").unwrap_or(value);
    let mut s = current.clone();
    if !section.is_object() {
        return s;
    }
    if let Some(f) = section.get("keywordMappingsFile").and_then(Value::as_str)
        && !f.trim().is_empty()
    {
        s.analysis.keyword_mappings_file = f.trim_start_matches("./").to_string();
    }
    if let Some(mb) = section.get("maxDocumentSizeMB").and_then(Value::as_f64)
        && mb > 0.0
    {
        s.analysis.max_document_bytes = (mb.min(4096.0) * 1024.0 * 1024.0) as usize;
    }
    let diags = section.get("diagnostics");
    if let Some(b) = diags
        .and_then(|d| d.get("plaintextSecrets"))
        .and_then(Value::as_bool)
    {
        s.analysis.plaintext_secrets = b;
    }
    if let Some(t) = section.get("testConnection") {
        if let Some(n) = t.get("timeoutSeconds").and_then(Value::as_f64)
            && n > 0.0
        {
            s.test.timeout_seconds = n;
        }
        if let Some(list) = t.get("caCertificates").and_then(Value::as_array) {
            s.test.ca_certificates = list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        if let Some(b) = t.get("allowHttpLoopback").and_then(Value::as_bool) {
            s.test.allow_http_loopback = b;
        }
        if let Some(list) = t.get("trustedHosts").and_then(Value::as_array) {
            s.test.trusted_hosts = list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
    }
    match diags.and_then(|d| d.get("trigger")).and_then(Value::as_str) {
        Some("onSave") => s.trigger = Trigger::OnSave,
        Some("onType") => s.trigger = Trigger::OnType,
        _ => {}
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn with_or_without_wrapper() {
        let base = ServerSettings::default();
        let a = read(
            &json!({"flowls": {"diagnostics": {"trigger": "onSave", "plaintextSecrets": false}}}),
            &base,
        );
        let b = read(
            &json!({"diagnostics": {"trigger": "onSave", "plaintextSecrets": false}}),
            &base,
        );
        assert_eq!(a, b);
        assert_eq!(a.trigger, Trigger::OnSave);
        assert!(!a.analysis.plaintext_secrets);
        let c = read(&json!({"keywordMappingsFile": "./tenant/config.json"}), &a);
        assert_eq!(c.analysis.keyword_mappings_file, "tenant/config.json");
        assert_eq!(c.trigger, Trigger::OnSave);
        assert_eq!(read(&json!(null), &c), c);
    }
}
