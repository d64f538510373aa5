//! The JSON Schemas in `schemas/` are generated from the catalogue and must not drift; they
//! must also accept clean documents and reject broken ones in a plain JSON Schema validator.

use flowls::catalogue::schema;
use serde_json::{Value, json};
use std::path::Path;

fn checked_in(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schemas")
            .join(name),
    )
    .unwrap()
}

#[test]
fn checked_in_schemas_match_the_catalogue() {
    // regenerate with: cargo run -- schema flow > schemas/flow.schema.json (and vault)
    assert_eq!(
        checked_in("flow.schema.json"),
        schema::to_text(&schema::flow()),
        "schemas/flow.schema.json is stale"
    );
    assert_eq!(
        checked_in("vault-connection.schema.json"),
        schema::to_text(&schema::vault()),
        "schemas/vault-connection.schema.json is stale"
    );
    assert_eq!(
        checked_in("form.schema.json"),
        schema::to_text(&schema::form()),
        "schemas/form.schema.json is stale"
    );
}

#[test]
fn the_form_schema_accepts_real_forms_and_rejects_broken_ones() {
    let form = validator(&checked_in("form.schema.json"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // real forms: a deploy-cli one, and the form of each real export bundle
    let mut real: Vec<Value> = vec![
        serde_json::from_str(
            &std::fs::read_to_string(root.join("tests/fixtures/forms/Blank-form.json")).unwrap(),
        )
        .unwrap(),
        serde_json::from_str(
            &std::fs::read_to_string(
                root.join("tests/fixtures/deploy-cli-yaml/forms/New Kyc form.json"),
            )
            .unwrap(),
        )
        .unwrap(),
    ];
    for b in [
        "kyc-collection.json",
        "privacy-policy.json",
        "secondary_email_otp_verification.json",
    ] {
        let bundle: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join("tests/fixtures/bundles").join(b)).unwrap(),
        )
        .unwrap();
        let mut f = bundle["form"].clone();
        f.as_object_mut().unwrap().remove("id");
        real.push(f);
    }
    // a bundle kept in forms/ is not reported as a broken form
    real.push(
        serde_json::from_str(
            &std::fs::read_to_string(root.join("tests/fixtures/bundles/privacy-policy.json"))
                .unwrap(),
        )
        .unwrap(),
    );
    // nor is a flow export kept beside the forms (tests/fixtures/terragrunt-forms/README.md)
    real.push(
        serde_json::from_str(
            &std::fs::read_to_string(root.join(
                "tests/fixtures/terragrunt-forms/forms/progressive-profiling.flow-verify-otp.json",
            ))
            .unwrap(),
        )
        .unwrap(),
    );
    for f in &real {
        let errors: Vec<String> = form.iter_errors(f).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
    for broken in [
        json!({"name": "F", "nodes": [{"id": "n", "type": "STEPP"}]}),
        json!({"name": "F", "nodes": [{"id": "f", "type": "FLOW"}]}),
        json!({"name": "F", "nodes": [{"id": "s", "type": "STEP", "config": {"components": [{"id": "b", "category": "BLOCK", "type": "NEXT_BUTTON"}]}}]}),
        json!({"name": "F", "nodez": []}),
    ] {
        assert!(!form.is_valid(&broken), "{broken}");
    }
}

#[test]
fn the_cli_prints_the_same_schemas() {
    for (kind, file) in [
        ("flow", "flow.schema.json"),
        ("vault", "vault-connection.schema.json"),
        ("form", "form.schema.json"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowls"))
            .args(["schema", kind])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), checked_in(file));
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowls"))
        .args(["schema", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn validator(text: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn plain_validators_accept_clean_and_reject_broken_documents() {
    let flow = validator(&checked_in("flow.schema.json"));
    let clean = json!({"name": "A", "actions": [
        {"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "c", "user_id": "u"}},
        {"id": "c", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": {"if": true, "then": [
            {"id": "d", "type": "FLOW", "action": "DO_NOTHING"}
        ]}}
    ]});
    assert!(flow.is_valid(&clean));
    let missing_param = json!({"name": "A", "actions": [{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "c"}}]});
    assert!(!flow.is_valid(&missing_param));
    let wrong_action = json!({"name": "A", "actions": [{"id": "g", "type": "AUTH0", "action": "NOPE", "params": {}}]});
    assert!(!flow.is_valid(&wrong_action));
    let nested_bad = json!({"name": "A", "actions": [{"id": "c", "type": "FLOW", "action": "BOOLEAN_CONDITION", "params": {"if": 1, "else": [{"id": "x", "type": "OTP", "action": "GENERATE_CODE", "params": {"reference": "r", "length": 99}}]}}]});
    assert!(!flow.is_valid(&nested_bad));

    let vault = validator(&checked_in("vault-connection.schema.json"));
    assert!(vault.is_valid(&json!({"name": "V", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "a", "client_secret": "b", "domain": "x.auth0.com"}})));
    assert!(vault.is_valid(&json!({"name": "V", "app_id": "AUTH0", "setup": "@@SETUP@@"})));
    assert!(vault.is_valid(&json!({"name": "V", "app_id": "ZAPIER"})));
    assert!(!vault.is_valid(
        &json!({"name": "V", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "a"}})
    ));
    assert!(!vault.is_valid(&json!({"name": "V", "app_id": "NOPE"})));
    assert!(
        !vault.is_valid(&json!({"name": "V", "app_id": "SLACK", "setup": {"type": "OAUTH_APP"}}))
    );
}
