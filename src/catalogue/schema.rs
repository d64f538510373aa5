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

/// The schema of a form document (deploy-cli `forms/<name>.json`), from the form catalogue:
/// each node type and each component `(category, type)` with its keys and required config.
/// Long: the form schema written out as one JSON document, in the order it is read.
pub fn form() -> Value {
    let forms = &Catalogue::get().forms;
    let part = |p: &super::FormPartSpec| {
        let mut props = Map::new();
        for k in &p.keys {
            props.insert(k.clone(), json!({}));
        }
        let mut config = json!({
            "type": "object",
            "required": p.config_required_keys,
            "properties": p.config_keys.iter().map(|k| (k.clone(), json!({}))).collect::<Map<_, _>>()
        });
        if p.type_ == "STEP" {
            config["properties"]["components"] =
                json!({ "type": "array", "items": { "$ref": "#/$defs/component" } });
        }
        props.insert("config".into(), config);
        let mut required: Vec<&str> = vec!["id", "type"];
        if p.category.is_some() {
            required.push("category");
        }
        if p.config_required == Some(true) {
            required.push("config");
        }
        json!({ "properties": props, "required": required, "additionalProperties": false })
    };
    let node_rules: Vec<Value> = forms
        .nodes
        .iter()
        .map(|n| {
            json!({
                "if": { "properties": { "type": { "const": n.type_ } }, "required": ["type"] },
                "then": part(n)
            })
        })
        .collect();
    let component_rules: Vec<Value> = forms
        .components
        .iter()
        .map(|c| {
            json!({
                "if": {
                    "properties": { "category": { "const": c.category }, "type": { "const": c.type_ } },
                    "required": ["category", "type"]
                },
                "then": part(c)
            })
        })
        .collect();
    let node_types: Vec<&str> = forms.nodes.iter().map(|n| n.type_.as_str()).collect();
    let categories = forms.categories();
    let keys = |v: &[String]| {
        v.iter()
            .map(|k| (k.clone(), json!({})))
            .collect::<Map<_, _>>()
    };
    let mut start = keys(&forms.start_keys);
    start.insert("$schema".into(), json!({}));
    // `id`, `name` and the timestamps are `document`'s
    let own: Vec<String> = forms
        .form_keys
        .iter()
        .filter(|k| !["id", "name", "created_at", "updated_at"].contains(&k.as_str()))
        .cloned()
        .collect();
    let mut props = keys(&own);
    props.insert(
        "nodes".into(),
        json!({ "type": "array", "items": { "$ref": "#/$defs/node" } }),
    );
    props.insert(
        "start".into(),
        json!({ "type": "object", "properties": start, "additionalProperties": false }),
    );
    props.insert(
        "ending".into(),
        json!({ "type": "object", "properties": keys(&forms.ending_keys), "additionalProperties": false }),
    );
    let mut form = document(
        "form",
        "Auth0 form",
        "A form as kept by auth0-deploy-cli (forms/<name>.json) or returned by the Management API.",
        Value::Object(props),
        json!({ "required": ["name"] }),
    );
    let head: Map<String, Value> = ["$schema", "$id", "title", "description"]
        .iter()
        .filter_map(|k| Some((k.to_string(), form.as_object_mut()?.remove(*k)?)))
        .collect();
    // a Dashboard export bundle kept in forms/ is not a form: flowls checks it as a bundle;
    // nor is a flow export kept beside the forms (`forms/x.flow-y.json`): flowls checks it as a flow
    let mut doc = Value::Object(head);
    doc["if"] = json!({ "required": ["form", "flows"] });
    doc["then"] = json!({ "description": "A Dashboard export bundle (form, flows and connections): flowls checks it." });
    doc["else"] = json!({
        "if": { "required": ["actions"], "not": { "anyOf": [{ "required": ["nodes"] }, { "required": ["start"] }] } },
        "then": { "description": "A flow kept beside the forms: flowls checks it as a flow." },
        "else": { "$ref": "#/$defs/form" }
    });
    doc["$defs"] = json!({
        "form": form,
        "node": {
            "type": "object",
            "properties": { "type": { "enum": node_types }, "id": { "type": "string", "minLength": 1 } },
            "required": ["id", "type"],
            "allOf": node_rules
        },
        "component": {
            "type": "object",
            "properties": { "category": { "enum": categories }, "id": { "type": "string", "minLength": 1 } },
            "required": ["id", "category", "type"],
            "allOf": component_rules
        }
    });
    doc
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
