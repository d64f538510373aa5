//! The `flowls` settings section, from `initializationOptions`, `workspace/configuration`
//! or `workspace/didChangeConfiguration` (with or without the `flowls` wrapper).
//!
//! One typed struct ([`Section`]) reads it; [`ServerSettings::default`] holds every default;
//! [`reference`] describes every key for editors, and a test keeps VS Code's
//! `contributes.configuration` equal to it (as rust-analyzer does for its `package.json`).

use crate::workspace::Settings;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    pub fn resolve(&self, root: &std::path::Path) -> crate::test_connection::Settings {
        crate::test_connection::Settings {
            timeout: std::time::Duration::from_secs_f64(self.timeout_seconds.clamp(0.1, 600.0)),
            ca_certificates: self.ca_certificates.iter().map(|c| root.join(c)).collect(),
            allow_http_loopback: self.allow_http_loopback,
            trusted_hosts: self.trusted_hosts.clone(),
        }
    }
}

/// The section as a client sends it. Every key is optional (what a value does not say keeps
/// its current setting), and a key of the wrong type is ignored rather than spoiling the rest.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    #[serde(default, deserialize_with = "lenient")]
    pub keyword_mappings_file: Option<String>,
    #[serde(default, deserialize_with = "lenient", rename = "maxDocumentSizeMB")]
    pub max_document_size_mb: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    pub diagnostics: Option<DiagnosticsSection>,
    #[serde(default, deserialize_with = "lenient")]
    pub test_connection: Option<TestConnectionSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsSection {
    #[serde(default, deserialize_with = "lenient")]
    pub plaintext_secrets: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub trigger: Option<Trigger>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestConnectionSection {
    #[serde(default, deserialize_with = "lenient")]
    pub timeout_seconds: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    pub ca_certificates: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub allow_http_loopback: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub trusted_hosts: Option<Vec<String>>,
}

/// A value of the wrong shape reads as absent.
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// Reads settings, keeping `current` for whatever the value does not say.
pub fn read(value: &Value, current: &ServerSettings) -> ServerSettings {
    let section = value.get("flowls").unwrap_or(value);
    let mut s = current.clone();
    let Ok(section) = Section::deserialize(section) else {
        return s;
    };
    if let Some(f) = section.keyword_mappings_file
        && !f.trim().is_empty()
    {
        s.analysis.keyword_mappings_file = f.trim_start_matches("./").to_string();
        s.analysis.keyword_mappings_named = true;
    }
    if let Some(mb) = section.max_document_size_mb
        && mb > 0.0
    {
        s.analysis.max_document_bytes = (mb.min(4096.0) * 1024.0 * 1024.0) as usize;
    }
    if let Some(d) = section.diagnostics {
        if let Some(b) = d.plaintext_secrets {
            s.analysis.plaintext_secrets = b;
        }
        if let Some(t) = d.trigger {
            s.trigger = t;
        }
    }
    if let Some(t) = section.test_connection {
        if let Some(n) = t.timeout_seconds
            && n > 0.0
        {
            s.test.timeout_seconds = n;
        }
        if let Some(list) = t.ca_certificates {
            s.test.ca_certificates = list;
        }
        if let Some(b) = t.allow_http_loopback {
            s.test.allow_http_loopback = b;
        }
        if let Some(list) = t.trusted_hosts {
            s.test.trusted_hosts = list;
        }
    }
    s
}

/// Every setting of the section, as editors describe it (VS Code's
/// `contributes.configuration.properties`, keyed `flowls.<key>`), with the defaults of
/// [`ServerSettings::default`]. `scope` is VS Code's: `machine` settings cannot be set by a
/// repository's `.vscode/settings.json`.
pub fn reference() -> Vec<(&'static str, Value)> {
    let d = ServerSettings::default();
    vec![
        (
            "keywordMappingsFile",
            json!({
                "type": "string",
                "default": d.analysis.keyword_mappings_file,
                "markdownDescription": "The auth0-deploy-cli config with `AUTH0_KEYWORD_REPLACE_MAPPINGS`: relative to the workspace root, or absolute."
            }),
        ),
        (
            "maxDocumentSizeMB",
            json!({
                "type": "number",
                "default": d.analysis.max_document_bytes / (1024 * 1024),
                "minimum": 1,
                "description": "Documents larger than this (in MiB) are not analysed; one warning says so."
            }),
        ),
        (
            "diagnostics.plaintextSecrets",
            json!({
                "type": "boolean",
                "default": d.analysis.plaintext_secrets,
                "description": "Warn about secrets written in plain text instead of keyword markers."
            }),
        ),
        (
            "diagnostics.trigger",
            json!({
                "type": "string",
                "enum": ["onType", "onSave"],
                "default": "onType",
                "description": "Check while typing, or only when a file is saved."
            }),
        ),
        (
            "testConnection.timeoutSeconds",
            json!({
                "type": "number",
                "default": d.test.timeout_seconds,
                "minimum": 1,
                "scope": "machine-overridable",
                "description": "How long Test Connection waits for the tenant."
            }),
        ),
        (
            "testConnection.caCertificates",
            json!({
                "type": "array",
                "items": { "type": "string" },
                "default": d.test.ca_certificates,
                "scope": "machine",
                "description": "PEM files of extra trusted roots (for a tenant behind a corporate proxy): absolute, or relative to the workspace root. A machine setting: a workspace cannot set it."
            }),
        ),
        (
            "testConnection.allowHttpLoopback",
            json!({
                "type": "boolean",
                "default": d.test.allow_http_loopback,
                "scope": "machine",
                "description": "Allow plain http to a loopback domain such as 127.0.0.1:8443 (local test tenants only). A machine setting: a workspace cannot set it."
            }),
        ),
        (
            "testConnection.trustedHosts",
            json!({
                "type": "array",
                "items": { "type": "string" },
                "default": d.test.trusted_hosts,
                "scope": "machine",
                "markdownDescription": "Hosts Test connection may send credentials to besides `*.auth0.com` (`login.example.com`, or `*.example.com`). Any other host is asked about first. A machine setting: a workspace cannot set it."
            }),
        ),
    ]
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

    #[test]
    fn a_key_of_the_wrong_type_spoils_nothing_else() {
        let s = read(
            &json!({"maxDocumentSizeMB": "big", "diagnostics": {"trigger": 3, "plaintextSecrets": false},
                    "testConnection": {"trustedHosts": "x", "timeoutSeconds": 2}}),
            &ServerSettings::default(),
        );
        assert!(!s.analysis.plaintext_secrets);
        assert_eq!(s.test.timeout_seconds, 2.0);
        assert_eq!(s.trigger, Trigger::OnType);
        assert!(s.test.trusted_hosts.is_empty());
    }

    /// Every key of the reference is read: a value of the documented type, other than its
    /// default, changes the settings.
    #[test]
    fn every_documented_key_is_read() {
        let base = ServerSettings::default();
        for (key, doc) in reference() {
            let value = match doc["type"].as_str() {
                Some("string") => match doc.get("enum") {
                    Some(e) => e[1].clone(),
                    None => json!("other.json"),
                },
                Some("number") => json!(3),
                Some("boolean") => json!(!doc["default"].as_bool().unwrap()),
                Some("array") => json!(["x"]),
                other => panic!("{key}: {other:?}"),
            };
            let mut section = json!({});
            let parts: Vec<&str> = key.split('.').collect();
            match parts.as_slice() {
                [k] => section[*k] = value,
                [a, b] => section[*a] = json!({ *b: value }),
                _ => panic!("{key}"),
            }
            assert_ne!(
                read(&section, &base),
                base,
                "{key} is documented but not read"
            );
        }
    }
}
