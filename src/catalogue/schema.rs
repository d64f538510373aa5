//! The JSON Schemas (2020-12) generated from the catalogue, for `schemas/` and `flowls schema`.

use super::Catalogue;
use serde_json::{Map, Value, json};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of a flow document.
pub fn flow() -> Value {
    let cat = Catalogue::get();
    let mut defs = Map::new();
    let mut rules = Vec::new();
    for ty in cat.types() {
        let actions: Vec<&str> = cat.actions_of(ty).map(|a| a.action.as_str()).collect();
        rules.push(json!({
            "if": { "properties": { "type": { "const": ty } }, "required": ["type"] },
            "then": { "properties": { "action": { "enum": actions } } }
        }));
    }
    for a in &cat.actions {
        let name = format!("{}.{}", a.type_, a.action);
        let mut params = a.params.clone();
        if a.is_boolean_condition()
            && let Some(props) = params.get_mut("properties").and_then(Value::as_object_mut)
        {
            for branch in ["then", "else"] {
                props.insert(
                    branch.into(),
                    json!({ "type": "array", "items": { "$ref": "#/$defs/action" } }),
                );
            }
        }
        if let Some(obj) = params.as_object_mut() {
            obj.insert("description".into(), json!(a.summary));
        }
        defs.insert(name.clone(), params);
        let mut then = json!({ "properties": { "params": { "$ref": format!("#/$defs/{name}") } } });
        if a.params_required {
            then["required"] = json!(["params"]);
        }
        rules.push(json!({
            "if": {
                "properties": { "type": { "const": a.type_ }, "action": { "const": a.action } },
                "required": ["type", "action"]
            },
            "then": then
        }));
    }
    defs.insert(
        "action".into(),
        json!({
            "type": "object",
            "description": "One step of a flow. `type` and `action` select the shape of `params`.",
            "properties": envelope_properties(cat.types()),
            "required": super::envelope::ACTION_FIELDS.iter().filter(|f| f.required).map(|f| f.key).collect::<Vec<_>>(),
            "additionalProperties": false,
            "allOf": rules
        }),
    );
    document(
        "flow",
        "Auth0 Forms flow",
        "A flow as kept by auth0-deploy-cli (flows/<name>.json) or returned by the Management API.",
        json!({
            "actions": { "type": "array", "items": { "$ref": "#/$defs/action" } },
            "executed_at": { "type": ["string", "null"] }
        }),
        json!({ "required": ["name"], "$defs": defs }),
    )
}

/// The schema of a Flows Vault connection document.
pub fn vault() -> Value {
    let cat = Catalogue::get();
    let mut defs = Map::new();
    let mut rules = Vec::new();
    for (app_id, app) in &cat.apps {
        let mut refs = Vec::new();
        for s in &app.setups {
            let name = format!("{app_id}.{}", s.type_);
            refs.push(json!({ "$ref": format!("#/$defs/{name}") }));
            defs.insert(name, s.schema.clone());
        }
        // a whole-value keyword marker stands for a setup kept out of the repository
        refs.push(json!({ "type": "string", "pattern": "^@@\\w+@@$" }));
        let setup = json!({ "anyOf": refs });
        rules.push(json!({
            "if": { "properties": { "app_id": { "const": app_id } }, "required": ["app_id"] },
            "then": { "properties": { "setup": setup } }
        }));
    }
    let app_ids: Vec<&String> = cat.apps.keys().collect();
    document(
        "vault-connection",
        "Auth0 Flows Vault connection",
        "A vault connection as kept by auth0-deploy-cli (flow-vault-connections/<name>.json) or returned by the Management API.",
        json!({
            "app_id": { "enum": app_ids },
            "setup": { "type": ["object", "string"], "description": "Write-only credentials; often a keyword marker such as \"@@SETUP_CONFIG@@\"." },
            "environment": { "type": "string" },
            "account_name": { "type": "string" },
            "ready": { "type": "boolean" },
            "fingerprint": { "type": "string" },
            "refreshed_at": { "type": ["string", "null"] }
        }),
        json!({ "required": ["name", "app_id"], "allOf": rules, "$defs": defs }),
    )
}

/// A document of the Management API: `$schema`, the server-managed `id`, `name` and
/// timestamps, and the kind's own `properties`, then `rest` (required, rules, definitions).
fn document(id: &str, title: &str, description: &str, properties: Value, rest: Value) -> Value {
    let mut props = json!({
        "$schema": { "type": "string" },
        "id": { "type": "string", "maxLength": 30 },
        "name": { "type": "string", "minLength": 1, "maxLength": 150 },
        "created_at": { "type": "string" },
        "updated_at": { "type": "string" }
    });
    if let (Some(p), Value::Object(own)) = (props.as_object_mut(), properties) {
        p.extend(own);
    }
    let mut doc = json!({
        "$schema": DRAFT,
        "$id": format!("urn:flowls:schema:{id}"),
        "title": title,
        "description": description,
        "type": "object",
        "properties": props,
        "additionalProperties": false
    });
    if let (Some(d), Value::Object(rest)) = (doc.as_object_mut(), rest) {
        d.extend(rest);
    }
    doc
}

/// Pretty JSON text as checked in under `schemas/`.
pub fn to_text(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}

/// The action envelope's properties, from the one table of it.
fn envelope_properties(types: &[&str]) -> Value {
    use super::envelope::{ACTION_FIELDS, Kind};
    let mut props = serde_json::Map::new();
    for f in ACTION_FIELDS {
        let mut p = match (f.key, f.kind) {
            ("type", _) => json!({ "enum": types }),
            (_, Kind::String) => json!({ "type": "string" }),
            (_, Kind::Bool) => json!({ "type": "boolean" }),
            (_, Kind::Object) => json!({ "type": "object" }),
        };
        if f.key == "id" {
            p["minLength"] = json!(1);
        }
        if let Some(n) = f.max_len {
            p["maxLength"] = json!(n);
        }
        p["description"] = json!(f.doc);
        props.insert(f.key.into(), p);
    }
    Value::Object(props)
}
