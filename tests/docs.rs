//! Generated documentation stays current: `docs/diagnostics.md` is the rule registry
//! (`src/analysis/rules.rs`) as Markdown. Regenerate with `UPDATE_EXPECT=1 cargo test --test docs`.

use std::path::Path;

#[test]
fn diagnostics_reference_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
    let want = flowls::analysis::rules::reference();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/diagnostics.md is stale: run UPDATE_EXPECT=1 cargo test --test docs"
    );
}

#[test]
fn explain_prints_every_code_and_refuses_unknown_ones() {
    for rule in flowls::analysis::rules::RULES {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowls"))
            .args(["explain", rule.code])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.starts_with(&format!("# `{}`", rule.code)), "{text}");
        assert!(text.contains("## How to fix it"));
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowls"))
        .args(["explain", "no-such-code"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing-scope"));
}

/// Settings of the VS Code extension that the server does not read.
const CLIENT_ONLY: &[&str] = &["flowls.server.path", "flowls.trace.server"];

#[test]
fn vscode_settings_match_the_servers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode/package.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut pkg: serde_json::Value = serde_json::from_str(&text).unwrap();
    let props = pkg["contributes"]["configuration"]["properties"]
        .as_object()
        .unwrap()
        .clone();
    let mut want = serde_json::Map::new();
    for k in CLIENT_ONLY.iter().take(1) {
        want.insert(k.to_string(), props[*k].clone());
    }
    for (k, v) in flowls::lsp::settings::reference() {
        want.insert(format!("flowls.{k}"), v);
    }
    for k in CLIENT_ONLY.iter().skip(1) {
        want.insert(k.to_string(), props[*k].clone());
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        pkg["contributes"]["configuration"]["properties"] = serde_json::Value::Object(want.clone());
        let mut out = serde_json::to_string_pretty(&pkg).unwrap();
        out.push('\n');
        std::fs::write(&path, out).unwrap();
        return;
    }
    // Restricted Mode ignores a workspace's value of every machine-level setting
    let mut machine: Vec<&str> = want
        .iter()
        .filter(|(_, v)| {
            v["scope"]
                .as_str()
                .is_some_and(|s| s.starts_with("machine"))
        })
        .map(|(k, _)| k.as_str())
        .collect();
    machine.sort_unstable();
    let mut restricted: Vec<&str> =
        pkg["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
    restricted.sort_unstable();
    assert_eq!(restricted, machine);
    assert_eq!(
        serde_json::Value::Object(props),
        serde_json::Value::Object(want),
        "editors/vscode/package.json's settings drifted from lsp::settings::reference(): run UPDATE_EXPECT=1 cargo test --test docs"
    );
}

#[test]
fn the_catalogue_is_what_its_generator_gives_from_the_facts_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/import-catalogue.py"))
        .arg("--check")
        .output()
        .expect("python3 runs the catalogue generator");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_helix_config_is_valid_toml_naming_flowls_for_json_yaml_toml_and_terraform() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/helix/languages.toml");
    let config: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        config["language-server"]["flowls"]["args"][0].as_str(),
        Some("lsp")
    );
    let languages = config["language"].as_array().unwrap();
    for name in ["json", "yaml", "toml"] {
        let l = languages
            .iter()
            .find(|l| l["name"].as_str() == Some(name))
            .unwrap();
        let servers: Vec<&str> = l["language-servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s.as_str())
            .collect();
        assert!(servers.contains(&"flowls"), "{name}");
        assert!(
            l["roots"].as_array().is_some_and(|r| !r.is_empty()),
            "{name}"
        );
    }
    // Terraform: flowls after terraform-ls, which alone formats
    for name in ["hcl", "tfvars"] {
        let l = languages
            .iter()
            .find(|l| l["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no {name} language"));
        let servers = l["language-servers"].as_array().unwrap();
        assert_eq!(servers[0].as_str(), Some("terraform-ls"), "{name}");
        let flowls = servers
            .iter()
            .find(|s| s.get("name").and_then(|n| n.as_str()) == Some("flowls"))
            .unwrap_or_else(|| panic!("no flowls for {name}"));
        assert_eq!(
            flowls["except-features"].as_array().map(|f| f.len()),
            Some(1),
            "{name}"
        );
        assert_eq!(flowls["except-features"][0].as_str(), Some("format"));
    }
}

#[test]
fn the_vs_code_extension_activates_on_the_layout_flowls_reads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode/package.json");
    let package: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut have: Vec<String> = package["activationEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    let mut want = flowls::model::layout::activation_events();
    have.sort();
    want.sort();
    assert_eq!(have, want, "editors/vscode/package.json activationEvents");
}
