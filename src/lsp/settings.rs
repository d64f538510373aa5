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
    let diags = section.get("diagnostics");
    if let Some(b) = diags
        .and_then(|d| d.get("plaintextSecrets"))
        .and_then(Value::as_bool)
    {
        s.analysis.plaintext_secrets = b;
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
