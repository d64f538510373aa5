//! Parser and analysis throughput on generated flows.
//!
//! `cargo bench --bench parse`: the recovering parser against `serde_json::from_str::<Value>`
//! on the same bytes (3 MB and 700 KB flows), and the analysis of one whole flow document; the
//! YAML reader on a deploy-cli `tenant.yaml` against the JSON parser on the same entries
//! written as JSON, and the analysis of that YAML.

use criterion::{Criterion, criterion_group, criterion_main};
use flowls::workspace::{Settings, Workspace};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

/// A deploy-cli flow with `n` actions of the common kinds.
pub fn flow(n: usize) -> String {
    let mut s = String::from("{\n  \"name\": \"Generated\",\n  \"actions\": [\n");
    for i in 0..n {
        if i > 0 {
            s.push_str(",\n");
        }
        let a = match i % 4 {
            0 => format!(
                r#"    {{ "id": "get_{i}", "type": "AUTH0", "action": "GET_USER", "params": {{ "connection_id": "Users M2M", "user_id": "{{{{context.user.user_id}}}}" }} }}"#
            ),
            1 => format!(
                r#"    {{ "id": "otp_{i}", "type": "OTP", "action": "GENERATE_CODE", "params": {{ "reference": "{{{{actions.get_{}.email}}}}", "length": 6 }} }}"#,
                i - 1
            ),
            2 => format!(
                r#"    {{ "id": "http_{i}", "type": "HTTP", "action": "SEND_REQUEST", "params": {{ "url": "https://api.example.com/users/{i}", "method": "POST", "headers": {{ "x-request": "{i}" }}, "payload": {{ "code": "{{{{actions.otp_{}.code}}}}", "n": {i} }} }} }}"#,
                i - 1
            ),
            _ => format!(
                r#"    {{ "id": "vars_{i}", "type": "FLOW", "action": "STORE_VARS", "params": {{ "vars": {{ "last": "{{{{actions.http_{}.status}}}}", "ok": true }} }} }}"#,
                i - 1
            ),
        };
        s.push_str(&a);
    }
    s.push_str("\n  ]\n}\n");
    s
}

/// A deploy-cli `tenant.yaml` with `n` vault connections and `n` client grants, and the same
/// entries written as JSON.
pub fn tenant(n: usize) -> (String, String) {
    let mut yaml = String::from("flowVaultConnections:\n");
    let mut json_vaults = Vec::new();
    let mut json_grants = Vec::new();
    for i in 0..n {
        yaml.push_str(&format!(
            "  - name: 'Connection {i}'\n    app_id: AUTH0\n    setup:\n      type: OAUTH_APP\n      client_id: 'Client {i}'\n      client_secret: '##SECRET_{i}##'\n      domain: tenant-{i}.eu.auth0.com\n"
        ));
        json_vaults.push(format!(
            r###"{{"name": "Connection {i}", "app_id": "AUTH0", "setup": {{"type": "OAUTH_APP", "client_id": "Client {i}", "client_secret": "##SECRET_{i}##", "domain": "tenant-{i}.eu.auth0.com"}}}}"###
        ));
    }
    yaml.push_str("clientGrants:\n");
    for i in 0..n {
        yaml.push_str(&format!(
            "  - client_id: 'Client {i}'\n    audience: https://tenant-{i}.eu.auth0.com/api/v2/\n    scope:\n      - read:users\n      - update:users\n"
        ));
        json_grants.push(format!(
            r#"{{"client_id": "Client {i}", "audience": "https://tenant-{i}.eu.auth0.com/api/v2/", "scope": ["read:users", "update:users"]}}"#
        ));
    }
    let json = format!(
        "{{\"flowVaultConnections\": [\n{}\n], \"clientGrants\": [\n{}\n]}}\n",
        json_vaults.join(",\n"),
        json_grants.join(",\n")
    );
    (yaml, json)
}

fn sized(bytes: usize) -> String {
    let mut n = 100;
    loop {
        let s = flow(n);
        if s.len() >= bytes {
            return s;
        }
        n = n * bytes / s.len() + 10;
    }
}

fn bench(c: &mut Criterion) {
    for (label, size) in [("3MB", 3_000_000), ("700KB", 700_000)] {
        let text = sized(size);
        let mut g = c.benchmark_group(format!("parse_{label}"));
        g.sample_size(20);
        g.bench_function("flowls", |b| {
            b.iter(|| flowls::syntax::parse(black_box(&text)))
        });
        g.bench_function("serde_json_value", |b| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(&text)).unwrap())
        });
        g.finish();
    }
    // deploy-cli YAML: 2,000 vault connections and 2,000 grants (about 700 KB)
    let (yaml, json) = tenant(2_000);
    let mut g = c.benchmark_group(format!("tenant_yaml_{}KB", yaml.len() / 1000));
    g.sample_size(20);
    g.bench_function("flowls_yaml", |b| {
        b.iter(|| flowls::syntax::parse_yaml(black_box(&yaml)))
    });
    g.bench_function("flowls_json_same_entries", |b| {
        b.iter(|| flowls::syntax::parse(black_box(&json)))
    });
    let yaml: Arc<str> = yaml.into();
    let tenant_path = PathBuf::from("/ws/tenant.yaml");
    g.bench_function("set_file_and_diagnostics", |b| {
        let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
        b.iter(|| {
            ws.remove_file(&tenant_path);
            ws.set_file(tenant_path.clone(), yaml.clone());
            flowls::analysis::diagnostics(&ws, &tenant_path)
        })
    });
    g.finish();

    let text: Arc<str> = sized(700_000).into();
    let vault = r###"{"name": "Users M2M", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "x", "client_secret": "##S##", "domain": "a.auth0.com"}}"###;
    let mut ws = Workspace::new("/ws", Settings::default(), Vec::new());
    ws.set_file(
        PathBuf::from("/ws/flow-vault-connections/u.json"),
        vault.into(),
    );
    let path = PathBuf::from("/ws/flows/big.json");
    let mut g = c.benchmark_group("analysis_700KB");
    g.sample_size(20);
    g.bench_function("set_file_and_diagnostics", |b| {
        b.iter(|| {
            // a different file each time: a whole parse, not an incremental one
            ws.remove_file(&path);
            ws.set_file(path.clone(), text.clone());
            flowls::analysis::diagnostics(&ws, &path)
        })
    });
    g.finish();

    // completion right after a one-character edit: reparse, then complete at the cursor
    let mut g = c.benchmark_group("completion_700KB");
    g.sample_size(30);
    let base = text.to_string();
    let at = base.rfind("\"action\": \"").unwrap() + "\"action\": \"".len();
    let edited: Arc<str> = format!("{}X{}", &base[..at], &base[at..]).into();
    // each iteration types or removes the same character, so every set_file is an edit
    let mut flip = false;
    let mut edit = |ws: &mut Workspace| {
        flip = !flip;
        ws.set_file(
            path.clone(),
            if flip { edited.clone() } else { text.clone() },
        );
        at + usize::from(flip)
    };
    g.bench_function("edit_then_complete_action", |b| {
        b.iter(|| {
            let cursor = edit(&mut ws);
            flowls::analysis::ide::completion::complete(&ws, &path, cursor, true)
        })
    });
    g.bench_function("edit_then_diagnostics", |b| {
        b.iter(|| {
            edit(&mut ws);
            flowls::analysis::diagnostics(&ws, &path)
        })
    });
    g.bench_function("complete_only", |b| {
        ws.set_file(path.clone(), text.clone());
        b.iter(|| flowls::analysis::ide::completion::complete(&ws, &path, at, true))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
