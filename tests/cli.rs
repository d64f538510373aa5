//! `flowls check` as a user runs it: the bundled example workspace, every format, exit codes.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn flowls(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowls"))
        .args(args)
        .current_dir(cwd)
        .env_remove("AUTH0_DOMAIN")
        .output()
        .unwrap()
}

fn json_findings(out: &Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["diagnostics"].as_array().unwrap().clone()
}

/// Each finding of a `--format json` run as (code, path, line).
fn findings_at(out: &Output) -> Vec<(String, String, u64)> {
    json_findings(out)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn example_workspace_findings_in_json() {
    let out = flowls(&["check", "examples/tenant", "--format", "json"], &root());
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diags = json_findings(&out);
    let mut codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "connection-not-needed",
            "excess-scope",
            "expression",
            "missing-scope",
            "plaintext-secret",
            "schema",
            "unresolved-connection",
            "unused-connection"
        ]
    );
    let slack = diags
        .iter()
        .find(|d| d["code"] == "unresolved-connection")
        .unwrap();
    assert_eq!(slack["path"], "flows/Sync Organization.json");
    assert_eq!(
        (slack["line"].as_u64(), slack["column"].as_u64()),
        (Some(20), Some(26))
    );
    assert_eq!(
        (slack["end_line"].as_u64(), slack["end_column"].as_u64()),
        (Some(20), Some(39))
    );
    assert_eq!(slack["severity"], "error");
    // the clean flows raise nothing
    assert!(
        !diags
            .iter()
            .any(|d| d["path"] == "flows/Onboard New User.json")
    );
    // no secret from the example reaches the output
    assert!(!String::from_utf8_lossy(&out.stdout).contains("sk_live_"));
}

#[test]
fn human_output_underlines_the_range_and_hides_secrets() {
    let out = flowls(&["check", "examples/tenant"], &root());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error[unresolved-connection]: no vault connection named `Slack Alert`"));
    assert!(text.contains("--> flows/Sync Organization.json:20:26"));
    assert!(text.contains("20 |         \"connection_id\": \"Slack Alert\","));
    assert!(text.contains("   |                          ^^^^^^^^^^^^^\n"));
    assert!(!text.contains("sk_live_"), "{text}");
    assert!(text.contains("4 errors, 4 warnings, 0 notes and 4 hints in 11 files"));
}

#[test]
fn sarif_is_valid_2_1_0() {
    let out = flowls(&["check", "examples/tenant", "--format", "sarif"], &root());
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "flowls");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 12);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(
            !loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
        let region = &loc["region"];
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[k].as_u64().unwrap() >= 1, "{k}");
        }
    }
}

#[test]
fn github_annotations() {
    let out = flowls(&["check", "examples/tenant", "--format", "github"], &root());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().any(|l| l.starts_with(
        // relative to the current folder, where CI runs
        "::error file=examples/tenant/flows/Sync Organization.json,line=20,col=26,endLine=20,endColumn=39,title=flowls unresolved-connection::"
    )));
    assert!(text.lines().all(|l| l.starts_with("::")));
}

#[test]
fn exit_codes_and_deny() {
    let dir = std::env::temp_dir().join(format!("flowls-cli-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    std::fs::write(
        dir.join("flows/ok.json"),
        r#"{"name": "ok", "actions": [{"id": "a", "type": "FLOW", "action": "DO_NOTHING", "params": {}}]}"#,
    )
    .unwrap();
    let out = flowls(&["check"], &dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // a warning: fails only with --deny warning
    std::fs::write(
        dir.join("flows/warn.json"),
        "{\"name\": \"w\", \"actions\": [],}",
    )
    .unwrap();
    assert_eq!(flowls(&["check", "."], &dir).status.code(), Some(0));
    assert_eq!(
        flowls(&["check", ".", "--deny", "warning"], &dir)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        flowls(&["check", "--format", "yaml"], &dir).status.code(),
        Some(2)
    );
    assert_eq!(
        flowls(&["check", "--deny", "fatal"], &dir).status.code(),
        Some(2)
    );
    assert_eq!(
        flowls(&["check", "no/such/dir"], &dir).status.code(),
        Some(2)
    );
    assert_eq!(flowls(&["--nonsense"], &dir).status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_single_file_is_checked_within_its_workspace() {
    let out = flowls(
        &[
            "check",
            "examples/tenant/flows/Verify Phone.json",
            "--format",
            "json",
        ],
        &root(),
    );
    let diags = json_findings(&out);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "connection-not-needed");
    assert_eq!(diags[0]["path"], "Verify Phone.json");
}

/// A fresh, empty temporary folder with the folders of `ws` given (`ws`, `ws/flows`, …).
fn empty_dir(name: &str, folders: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flowls-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for f in folders {
        std::fs::create_dir_all(dir.join(f)).unwrap();
    }
    dir
}

/// A scratch workspace with one clean vault and one flow using it.
fn scratch(name: &str) -> PathBuf {
    let dir = empty_dir(name, &["ws/flows"]);
    std::fs::create_dir_all(dir.join("ws/flow-vault-connections")).unwrap();
    std::fs::write(
        dir.join("ws/flows/Ok.json"),
        r#"{"name": "Ok", "actions": [{"id": "a", "type": "FLOW", "action": "DO_NOTHING", "params": {}}]}"#,
    )
    .unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn links_out_of_the_workspace_fifos_and_devices_are_skipped_with_a_note() {
    // issue 11.4: `check` printed the lines of a credentials file a link pointed at, hung on
    // a FIFO and read /dev/zero until memory ran out
    let dir = scratch("special");
    let ws = dir.join("ws");
    std::fs::write(
        dir.join("creds.json"),
        "{\"name\": \"X\", \"actions\": [{\"id\": 1, \"type\": \"NOPE\", \"action\": \"AWS_SECRET_LINE\"}]}",
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.join("creds.json"), ws.join("flows/leak.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", ws.join("flows/zero.json")).unwrap();
    let fifo = std::ffi::CString::new(
        ws.join("flows/fifo.json")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    for args in [vec!["check", "ws"], vec!["check", "ws/flows/leak.json"]] {
        let child = Command::new(env!("CARGO_BIN_EXE_flowls"))
            .args(&args)
            .current_dir(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        let out = child.wait_with_output().unwrap();
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(!text.contains("AWS_SECRET_LINE"), "{text}");
        if args.len() == 2 && args[1] == "ws" {
            assert_eq!(out.status.code(), Some(0), "{text}");
            assert!(
                text.contains(
                    "flows/leak.json was not read: a symbolic link that leaves the workspace"
                ),
                "{text}"
            );
            assert!(
                text.contains("flows/fifo.json was not read: a FIFO, not a regular file"),
                "{text}"
            );
            assert!(
                text.contains(
                    "flows/zero.json was not read: a symbolic link that leaves the workspace"
                ),
                "{text}"
            );
            // the summary counts them: "3 notes", not "0 notes" under three notes
            assert!(text.contains(", 3 notes and "), "{text}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{text}");
            assert!(
                text.contains("a symbolic link that leaves the workspace"),
                "{text}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn file_names_cannot_inject_workflow_commands_or_terminal_escapes() {
    // issue 11.7: a file name with a newline and `::error file=…` became a GitHub workflow
    // command; ESC sequences reached terminals; a name that is not UTF-8 was skipped silently
    let dir = scratch("names");
    let ws = dir.join("ws");
    let bad = r#"{"name": "B", "actions": [{"id": "a", "type": "AUTH0", "action": "GET_USR", "params": {}}]}"#;
    std::fs::write(
        ws.join("flows/x\n::error file=evil.json::pwned\n.json"),
        bad,
    )
    .unwrap();
    std::fs::write(ws.join("flows/esc\u{1b}[2J\u{1b}]0;title\u{7}.json"), bad).unwrap();
    std::fs::write(
        ws.join("flows/line.json"),
        "{\"name\": \"L\", \"actions\": [{\"id\": \"a\", \"type\": \"AUTH0\", \"action\": \"GET_USR\u{1b}[31m\", \"params\": {}}]}",
    )
    .unwrap();
    let raw_name =
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"flows/\xff\xfe.json");
    std::fs::write(ws.join(raw_name), bad).unwrap();
    // issue 20.5: a right-to-left override in a name reorders what is shown, and U+009B (the
    // 8-bit CSI) passed through JSON
    std::fs::write(ws.join("flows/rtl\u{202e}nosj.exe.json"), bad).unwrap();
    std::fs::write(
        ws.join("flow-vault-connections/c1.json"),
        "{\"name\": \"csi\u{9b}31m\u{2066}\", \"app_id\": \"SLACK\"}",
    )
    .unwrap();
    for format in ["github", "human", "json", "sarif"] {
        let out = flowls(&["check", "ws", "--format", format], &dir);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stdout.contains("csi"),
            "{format}: the vault is reported: {stdout}"
        );
        for line in stdout.lines().chain(stderr.lines()) {
            assert!(!line.starts_with("::error file=evil"), "{format}: {line}");
            assert!(
                !line.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{2066}']),
                "{format}: {line:?}"
            );
        }
        if format == "json" || format == "sarif" {
            // the same values once read
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(v.to_string().contains('\u{9b}'), "{format}");
        }
        assert_eq!(out.status.code(), Some(1), "{format}: {stdout}{stderr}");
    }
    let human = String::from_utf8_lossy(&flowls(&["check", "ws"], &dir).stdout).to_string();
    assert!(
        human.contains("flows/x\\n::error file=evil.json::pwned\\n.json:1:"),
        "{human}"
    );
    assert!(
        human.contains("flows/esc\\e[2J\\e]0;title\\u{7}.json"),
        "{human}"
    );
    assert!(human.contains("GET_USR\\e[31m"), "{human}");
    assert!(human.contains("flows/rtl\\u{202e}nosj.exe.json"), "{human}");
    assert!(
        human.contains("flows/\u{fffd}\u{fffd}.json was not read: its name is not valid UTF-8"),
        "{human}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_printed_line_shows_a_literal_secret() {
    // issue 12.5: the `vault-setup` finding on the line of a literal secret printed the line
    let dir = scratch("secret-line");
    std::fs::write(
        dir.join("ws/flow-vault-connections/V.json"),
        r#"{"name": "V", "app_id": "AUTH0", "setup": {"type": "OAUTH_APP", "client_id": "c", "client_secret": "LITERAL-s3cr3t-value", "domain": "https://bad.example"}}"#,
    )
    .unwrap();
    for extra in [None, Some("--no-plaintext-secrets")] {
        let mut args = vec!["check", "ws"];
        args.extend(extra);
        let out = flowls(&args, &dir);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("vault-setup"), "{text}");
        assert!(!text.contains("LITERAL-s3cr3t-value"), "{text}");
        assert!(text.contains("\"********************\""), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_format_prints_a_value_from_the_environment() {
    // issue 20.1: a `connection_id` of `##AWS_SECRET_ACCESS_KEY##` resolving to no connection
    // printed the variable's value in every format (a pull request's annotations show it to the
    // world); the no-vaults variant printed it twice
    let canary = "cnry-AKIA-5ecret-0f-the-runner";
    let flow = r###"{"name": "Leak", "actions": [
  {"id": "a", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "##AWS_SECRET_ACCESS_KEY##", "user_id": "u"}},
  {"id": "b", "type": "AUTH0", "action": "SEND_REQUEST", "params": {"connection_id": "##AWS_SECRET_ACCESS_KEY##", "method": "##AWS_SECRET_ACCESS_KEY##", "pathname": "/api/v2/users"}},
  {"id": "c", "type": "HTTP", "action": "SEND_REQUEST", "params": {"url": "https://x.example", "method": "##AWS_SECRET_ACCESS_KEY##"}}
]}"###;
    for with_vaults in [true, false] {
        let dir = scratch(if with_vaults {
            "env-vaults"
        } else {
            "env-novaults"
        });
        std::fs::write(dir.join("ws/flows/Leak.json"), flow).unwrap();
        if with_vaults {
            std::fs::write(
                dir.join("ws/flow-vault-connections/Users.json"),
                r#"{"name": "Users", "app_id": "AUTH0"}"#,
            )
            .unwrap();
        } else {
            std::fs::remove_dir_all(dir.join("ws/flow-vault-connections")).unwrap();
        }
        for format in ["human", "json", "sarif", "github"] {
            let out = Command::new(env!("CARGO_BIN_EXE_flowls"))
                .args(["check", "ws", "--format", format])
                .current_dir(&dir)
                .env("AWS_SECRET_ACCESS_KEY", canary)
                .output()
                .unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(all.contains("unresolved-connection"), "{format}: {all}");
            assert!(
                all.contains("##AWS_SECRET_ACCESS_KEY## (environment)"),
                "{format}: {all}"
            );
            assert!(
                !all.to_ascii_lowercase()
                    .contains(&canary.to_ascii_lowercase()),
                "{format} (vaults: {with_vaults}) prints the value: {all}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn related_places_in_every_format() {
    // issue 20.14: the vault a connection-* finding is about, in json, human and sarif
    let dir = scratch("related");
    std::fs::write(
        dir.join("ws/flow-vault-connections/Slack.json"),
        r#"{"name": "Slack", "app_id": "SLACK"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("ws/flows/Mis.json"),
        r#"{"name": "Mis", "actions": [{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "Slack", "user_id": "u"}}]}"#,
    )
    .unwrap();
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    let found = json_findings(&out);
    let mismatch = found
        .iter()
        .find(|d| d["code"] == "connection-app-mismatch")
        .unwrap();
    assert_eq!(
        mismatch["related"][0]["path"],
        "flow-vault-connections/Slack.json"
    );
    assert_eq!(mismatch["related"][0]["line"], 1);
    assert_eq!(mismatch["related"][0]["column"], 10);
    let human = String::from_utf8_lossy(&flowls(&["check", "ws"], &dir).stdout).to_string();
    assert!(
        human.contains(
            "= note: the vault connection `Slack` (app_id SLACK): flow-vault-connections/Slack.json:1:10"
        ),
        "{human}"
    );
    let sarif: Value =
        serde_json::from_slice(&flowls(&["check", "ws", "--format", "sarif"], &dir).stdout)
            .unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "connection-app-mismatch")
        .unwrap();
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "ws/flow-vault-connections/Slack.json"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_sub_folder_is_checked_within_its_workspace() {
    // `flowls check flows/` used to take the folder for the whole workspace: every connection
    // was unresolved
    let tenant = root().join("examples/tenant");
    let whole = json_findings(&flowls(&["check", ".", "--format", "json"], &tenant));
    let out = flowls(&["check", "flows", "--format", "json"], &tenant);
    let sub = json_findings(&out);
    let of_flows: Vec<&Value> = whole
        .iter()
        .filter(|d| d["path"].as_str().unwrap().starts_with("flows/"))
        .collect();
    assert_eq!(sub.len(), of_flows.len());
    for (s, w) in sub.iter().zip(&of_flows) {
        assert_eq!(s["code"], w["code"]);
        assert_eq!(
            format!("flows/{}", s["path"].as_str().unwrap()),
            w["path"].as_str().unwrap()
        );
    }
    assert_eq!(
        sub.iter()
            .filter(|d| d["code"] == "unresolved-connection")
            .count(),
        1,
        "only the planted one"
    );
}

#[test]
fn export_bundles_are_checked_like_flows_wherever_they_sit() {
    // a real bundle (tests/fixtures/bundles/README.md) gives one true note: nothing says what
    // its connection's application was granted; the same with problems planted gives each at
    // its line; flowls.toml links the stub by name for scopes
    let bundle =
        std::fs::read_to_string(root().join("tests/fixtures/bundles/kyc-collection.json")).unwrap();
    let dir = empty_dir("bundle", &["ws/terraform"]);
    std::fs::write(dir.join("ws/flowls.toml"), "").unwrap();
    std::fs::write(dir.join("ws/terraform/kyc.json"), &bundle).unwrap();
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        findings_at(&out),
        [(
            "scopes-unknown".to_string(),
            "terraform/kyc.json".to_string(),
            129
        )]
    );

    let planted = bundle
        .replace("\"UPDATE_USER\"", "\"UPDATE_USR\"")
        .replace("{{fields.company_name}}", "{{actions.later.id}}");
    std::fs::write(dir.join("ws/terraform/kyc.json"), &planted).unwrap();
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    let found: Vec<(String, u64)> = json_findings(&out)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("unknown-action".to_string(), 107),
            ("expression".to_string(), 117)
        ]
    );

    let with_expression = bundle.replace("{{fields.company_name}}", "{{actions.later.id}}");
    std::fs::write(dir.join("ws/terraform/kyc.json"), &with_expression).unwrap();
    std::fs::write(
        dir.join("ws/flowls.toml"),
        "[connections.\"post-login-privacy-policy-form-vc\"]\ngranted_scopes = [\"read:users\"]\n",
    )
    .unwrap();
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    let found = findings_at(&out);
    assert_eq!(
        found,
        [
            ("excess-scope".to_string(), "flowls.toml".to_string(), 2),
            (
                "missing-scope".to_string(),
                "terraform/kyc.json".to_string(),
                107
            ),
            (
                "expression".to_string(),
                "terraform/kyc.json".to_string(),
                117
            ),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_deploy_cli_yaml_example_gives_no_false_finding_and_planted_ones_at_their_lines() {
    // tests/fixtures/deploy-cli-yaml/README.md: the real example; its one note is true (nothing
    // there says what the M2M application was granted)
    let src = root().join("tests/fixtures/deploy-cli-yaml");
    let dir = empty_dir("yaml", &["ws/flows", "ws/forms"]);
    let tenant = std::fs::read_to_string(src.join("tenant.yaml")).unwrap();
    let flow = std::fs::read_to_string(src.join("flows/Update KYC Name.json")).unwrap();
    let form = std::fs::read_to_string(src.join("forms/New Kyc form.json")).unwrap();
    let write = |tenant: &str, flow: &str, form: &str| {
        std::fs::write(dir.join("ws/tenant.yaml"), tenant).unwrap();
        std::fs::write(dir.join("ws/flows/Update KYC Name.json"), flow).unwrap();
        std::fs::write(dir.join("ws/forms/New Kyc form.json"), form).unwrap();
    };
    let found = findings_at;
    write(&tenant, &flow, &form);
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        found(&out),
        [("scopes-unknown".to_string(), "tenant.yaml".to_string(), 479)]
    );

    let tenant = tenant
        .replace("app_id: AUTH0\n    setup: '@@SETUP_CONFIG@@'", "app_id: AUTH0\n    setup:\n      domain: https://x.auth0.com\n      client_id: c\n      client_secret: '##S##'")
        .replace("body: ./flows/Update KYC Name.json", "body: ./flows/Update KYC Nam.json");
    let flow = flow.replace("{{fields.full_name}}", "{{fields.fullname}}");
    let form = form.replace(
        "\"flow_id\": \"Update KYC Name\"",
        "\"flow_id\": \"Update KYC\"",
    );
    write(&tenant, &flow, &form);
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let mut got = found(&out);
    got.sort();
    let expected = [
        ("schema", "tenant.yaml", 477),
        ("scopes-unknown", "tenant.yaml", 479),
        ("unresolved-flow", "forms/New Kyc form.json", 51),
        ("vault-setup", "tenant.yaml", 481),
        ("vault-setup", "tenant.yaml", 482),
    ];
    assert_eq!(
        got,
        expected.map(|(c, f, l)| (c.to_string(), f.to_string(), l))
    );
}

#[test]
fn real_bundles_and_forms_give_exactly_the_true_findings() {
    // tests/fixtures/bundles/README.md and tests/fixtures/forms/README.md: each bundle's AUTH0
    // connection is used by UPDATE_USER actions and nothing says what its application was
    // granted — one note per connection (the two exports of `Validate-Secondary-Email-Phone`,
    // one id in the tenant, are one connection with six actions), nothing else
    let dir = empty_dir("real", &["ws/forms", "ws/terraform"]);
    for name in [
        "kyc-collection.json",
        "privacy-policy.json",
        "secondary-contact-verification.json",
        "secondary_email_otp_verification.json",
    ] {
        std::fs::copy(
            root().join("tests/fixtures/bundles").join(name),
            dir.join("ws/terraform").join(name),
        )
        .unwrap();
    }
    std::fs::copy(
        root().join("tests/fixtures/forms/Blank-form.json"),
        dir.join("ws/forms/Blank-form.json"),
    )
    .unwrap();
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let notes: Vec<(String, String, u64, String)> = json_findings(&out)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let note = |file: &str, line, count: &str, name: &str| {
        (
            "scopes-unknown".to_string(),
            format!("terraform/{file}"),
            line,
            format!(
                "{count} `{name}` and need{} update:users, but nothing in the workspace says what its M2M application was granted: link its client grant in flowls.toml ([connections.\"{name}\"] client = \"…\"), declare granted_scopes there, or run Test connection",
                if count.starts_with("1 ") { "s" } else { "" }
            ),
        )
    };
    assert_eq!(
        notes,
        [
            note(
                "kyc-collection.json",
                129,
                "1 AUTH0 action uses",
                "post-login-privacy-policy-form-vc"
            ),
            note(
                "privacy-policy.json",
                105,
                "1 AUTH0 action uses",
                "REPLACE_WITH_M2M_CONNECTION"
            ),
            note(
                "secondary-contact-verification.json",
                513,
                "6 AUTH0 actions use",
                "Validate-Secondary-Email-Phone"
            ),
        ]
    );
    let human = flowls(&["check", "ws"], &dir);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("in 5 files"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
}

#[test]
fn the_deploy_cli_directory_example_gives_exactly_the_true_findings() {
    // tests/fixtures/deploy-cli-directory/README.md: its vault's setup is a keyword marker whose
    // value (config.json.example) is not in the repository, and its one grant is for a custom
    // API: nothing says what the connection's application holds on the Management API
    let out = flowls(
        &[
            "check",
            "tests/fixtures/deploy-cli-directory",
            "--format",
            "json",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        findings_at(&out),
        [(
            "scopes-unknown".to_string(),
            "flow-vault-connections/New Auth0 M2M Con.json".to_string(),
            2
        )]
    );
}

#[test]
fn the_readme_main_command_shows_the_problems_left_in_every_example() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let args = [
        "check",
        "examples/tenant",
        "examples/yaml",
        "examples/bundles",
        "examples/terraform",
    ];
    assert!(
        readme.contains(&format!("cargo run --release -- {}", args.join(" "))),
        "the README's first command is this one"
    );
    let mut with_json = args.to_vec();
    with_json.extend(["--format", "json"]);
    let out = flowls(&with_json, &root());
    assert_eq!(out.status.code(), Some(1));
    let found: Vec<(String, String, u64)> = findings_at(&out)
        .into_iter()
        .filter(|(_, p, _)| !p.starts_with("examples/tenant/"))
        .collect();
    let expected = [
        (
            "examples/yaml/flows/Update KYC Name.json",
            "missing-scope",
            7,
        ),
        (
            "examples/yaml/flows/Update KYC Name.json",
            "unknown-field",
            16,
        ),
        ("examples/yaml/forms/Newsletter.json", "form-graph", 20),
        ("examples/yaml/forms/Newsletter.json", "unresolved-flow", 26),
        ("examples/yaml/tenant.yaml", "excess-scope", 8),
        ("examples/yaml/tenant.yaml", "excess-scope", 9),
        ("examples/yaml/tenant.yaml", "vault-setup", 33),
        ("examples/yaml/tenant.yaml", "vault-setup", 35),
        ("examples/bundles/Welcome Survey.json", "missing-scope", 76),
        ("examples/bundles/Welcome Survey.json", "unknown-field", 83),
        (
            "examples/bundles/Welcome Survey.json",
            "connection-app-mismatch",
            93,
        ),
        ("examples/bundles/flowls.toml", "excess-scope", 5),
        // the export's stubs stand for the resources its tokens are replaced by: #CONN-1#, the
        // UPDATE_USER's, is replaced by the Slack connection (the swap below), so no scope there
        (
            "examples/terraform/exported_forms/survey.json",
            "unknown-field",
            83,
        ),
        // the two connections swapped: one finding on each replace call
        ("examples/terraform/forms.tf", "connection-app-mismatch", 12),
        ("examples/terraform/forms.tf", "connection-app-mismatch", 13),
        ("examples/terraform/main.tf", "missing-scope", 59),
        ("examples/terraform/main.tf", "tenant-specific-id", 71),
    ];
    assert_eq!(
        found,
        expected.map(|(p, c, l)| (c.to_string(), p.to_string(), l))
    );
}

#[test]
fn literal_secrets_in_yaml_are_masked_whole_in_every_printed_line() {
    let dir = empty_dir("yaml-secret", &["ws"]);
    std::fs::write(
        dir.join("ws/tenant.yaml"),
        "flowVaultConnections:\n  - name: A\n    app_id: AUTH0\n    setup: {type: OAUTH_APP, client_id: c, client_secret: 'sk_live_QUOTED', domain: a.auth0.com}\n  - name: B\n    app_id: AUTH0\n    setup:\n      type: OAUTH_APP\n      client_id: c\n      client_secret: sk_live_PLAIN\n      domain: a.auth0.com\n",
    )
    .unwrap();
    for format in ["human", "json", "sarif", "github"] {
        let out = flowls(&["check", "ws", "--format", format], &dir);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains("sk_live") && !all.contains("QUOTED") && !all.contains("PLAIN"),
            "{format}: {all}"
        );
    }
    let out = flowls(&["check", "ws"], &dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("client_secret: '**************'"), "{text}");
    assert!(text.contains("client_secret: *************\n"), "{text}");
}

#[test]
fn flow_exports_kept_in_a_forms_folder_are_checked_as_flows() {
    // tests/fixtures/terragrunt-forms/README.md: a Terragrunt repository's forms/*.flow-*.json;
    // the flows' own checks run (not "unknown field `actions` in a form"), and what they find is
    // true: the export token names no connection this workspace keeps
    let dir = empty_dir("terragrunt", &["ws/environments/dev/forms"]);
    let src = root().join("tests/fixtures/terragrunt-forms/forms");
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(
            e.path(),
            dir.join("ws/environments/dev/forms").join(e.file_name()),
        )
        .unwrap();
    }
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let found: Vec<(String, String, u64, String)> = json_findings(&out)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let at = |file: &str, line| {
        (
            "unresolved-connection".to_string(),
            format!("environments/dev/forms/progressive-profiling.{file}.json"),
            line,
            "warning".to_string(),
        )
    };
    assert_eq!(
        found,
        [
            at("flow-update-user", 26),
            at("flow-update-user", 59),
            at("flow-verify-otp", 36)
        ]
    );
    // a planted flow problem is found there too
    let path = dir.join("ws/environments/dev/forms/progressive-profiling.flow-otp-email.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("actions.generate_otp.code", "actions.send_email.code"),
    )
    .unwrap();
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    let codes: Vec<(String, u64)> = json_findings(&out)
        .iter()
        .filter(|d| d["path"].as_str().unwrap().ends_with("flow-otp-email.json"))
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // in the branch of the action itself, and in the other branch, where it never runs
    assert_eq!(
        codes,
        [
            ("expression".to_string(), 37),
            ("expression".to_string(), 55)
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flowls_scopes_gives_each_grant_its_own_audience_in_a_yaml_tenant() {
    // the first API and client grant are a custom API's; the Management API grant is the one
    // that counts, and a connection without a grant has its own effective audience
    let dir = empty_dir("scopes-yaml", &["ws/flows"]);
    std::fs::write(
        dir.join("ws/tenant.yaml"),
        r#"resourceServers:
  - name: My API
    identifier: https://##ENV##.acme.example/api/v1
clientGrants:
  - client_id: My M2M
    audience: https://##ENV##.acme.example/api/v1
    scope:
      - update:account
  - client_id: Flows M2M
    audience: https://acme.eu.auth0.com/api/v2/
    scope:
      - read:users
flows:
  - name: A
    body: ./flows/a.json
flowVaultConnections:
  - name: Users M2M
    app_id: AUTH0
    setup: {type: OAUTH_APP, client_id: Flows M2M, client_secret: '##S##', domain: acme.eu.auth0.com}
  - name: Support M2M
    app_id: AUTH0
    setup: {type: OAUTH_APP, client_id: Support, client_secret: '##S##', domain: support.eu.auth0.com}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("ws/flows/a.json"),
        r#"{ "name": "A", "actions": [
  { "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M", "user_id": "u" } },
  { "id": "upd", "type": "AUTH0", "action": "UPDATE_USER", "params": { "connection_id": "Users M2M", "user_id": "u", "changes": {} } },
  { "id": "sup", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Support M2M", "user_id": "u" } }
] }"#,
    )
    .unwrap();
    let scopes = |format: &str| {
        let out = flowls(&["scopes", "ws", "--format", format], &dir);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: update:users is missing"
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for format in ["table", "json", "deploy-cli", "terraform"] {
        assert!(
            !scopes(format).contains("api/v1"),
            "{format}: {}",
            scopes(format)
        );
    }
    let json: Value = serde_json::from_str(&scopes("json")).unwrap();
    let audiences: Vec<(&str, &str)> = json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["client"].as_str().unwrap(),
                a["audience"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        audiences,
        [
            ("Flows M2M", "https://acme.eu.auth0.com/api/v2/"),
            ("Support", "https://support.eu.auth0.com/api/v2/")
        ]
    );
    let table = scopes("table");
    assert!(
        table.contains(
            "M2M application `Flows M2M` · connections: Users M2M · audience https://acme.eu.auth0.com/api/v2/\n"
        ),
        "{table}"
    );
    // the entries the user keeps under clientGrants:, not a grants/*.json body
    assert_eq!(
        scopes("deploy-cli"),
        "clientGrants:
  - client_id: Flows M2M
    audience: https://acme.eu.auth0.com/api/v2/
    scope:
      - read:users
      - update:users
  - client_id: Support
    audience: https://support.eu.auth0.com/api/v2/
    scope:
      - read:users
"
    );
    let tf = scopes("terraform");
    assert!(
        tf.contains("  audience  = \"https://acme.eu.auth0.com/api/v2/\"\n  scopes    = [\"read:users\", \"update:users\"]\n"),
        "{tf}"
    );
    assert!(
        tf.contains("  audience  = \"https://support.eu.auth0.com/api/v2/\"\n"),
        "{tf}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn files_not_read_are_noted_in_every_format() {
    // issue 20.13: a file that was not read showed in `human` alone; machine output said nothing
    let dir = scratch("notes");
    let ws = dir.join("ws");
    let raw_name =
        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"flows/\xff\xfe.json");
    std::fs::write(ws.join(raw_name), "{}").unwrap();
    std::fs::write(dir.join("outside.json"), "{}").unwrap();
    std::os::unix::fs::symlink(dir.join("outside.json"), ws.join("flows/leak.json")).unwrap();
    let fifo = std::ffi::CString::new(
        ws.join("flows/fifo.json")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    // over the size limit (sparse: no 17 MiB written)
    std::fs::File::create(ws.join("flows/big.json"))
        .unwrap()
        .set_len(17 * 1024 * 1024)
        .unwrap();
    // a name with a bidirectional override and a newline: escaped wherever it is printed
    std::fs::copy(
        ws.join("flows/Ok.json"),
        ws.join("flows/\u{202e}nosj.\n::error::x.json"),
    )
    .unwrap();
    std::fs::File::create(ws.join("flows/\u{202e}big\u{2066}.json"))
        .unwrap()
        .set_len(17 * 1024 * 1024)
        .unwrap();
    let expected = [
        ("flows/big.json", "larger than 16 MiB"),
        ("flows/fifo.json", "a FIFO, not a regular file"),
        (
            "flows/leak.json",
            "a symbolic link that leaves the workspace: not followed",
        ),
        ("flows/\u{fffd}\u{fffd}.json", "its name is not valid UTF-8"),
        ("flows/\\u{202e}big\\u{2066}.json", "larger than 16 MiB"),
    ];
    let mut expected: Vec<(String, String)> = expected
        .iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect();
    expected.sort();

    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut notes: Vec<(String, String)> = v["notes"]
        .as_array()
        .expect("a notes array")
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_string(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    notes.sort();
    assert_eq!(notes, expected);

    let out = flowls(&["check", "ws", "--format", "sarif"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let mut told: Vec<(String, String)> = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("toolExecutionNotifications")
        .iter()
        .map(|n| {
            assert_eq!(n["level"], "note");
            let uri = n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(uri.starts_with("ws/flows/"), "{uri}");
            (uri, n["message"]["text"].as_str().unwrap().to_string())
        })
        .collect();
    told.sort();
    assert_eq!(told.len(), expected.len());
    assert!(told.iter().any(|(u, m)| u == "ws/flows/fifo.json"
        && m == "ws/flows/fifo.json was not read: a FIFO, not a regular file"));

    let out = flowls(&["check", "ws", "--format", "github"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
    let notices: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("::notice "))
        .collect();
    assert_eq!(notices.len(), expected.len(), "{text}");
    assert!(
        notices.contains(
            &"::notice file=ws/flows/fifo.json,title=flowls file not read::ws/flows/fifo.json was not read: a FIFO, not a regular file"
        ),
        "{text}"
    );
    assert!(
        notices.contains(
            &"::notice file=ws/flows/\\u{202e}big\\u{2066}.json,title=flowls file not read::ws/flows/\\u{202e}big\\u{2066}.json was not read: larger than 16 MiB"
        ),
        "{text}"
    );

    let out = flowls(&["check", "ws"], &dir);
    let human = String::from_utf8(out.stdout).unwrap();
    for (p, m) in &expected {
        assert!(
            human.contains(&format!("note: {p} was not read: {m}")),
            "{human}"
        );
    }
    // no raw override or isolate anywhere, in any format
    for format in ["human", "json", "sarif", "github"] {
        let out = flowls(&["check", "ws", "--format", format], &dir);
        let all = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            !all.chars()
                .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "{format}: {all}"
        );
        assert!(
            !all.lines().any(|l| l.starts_with("::error::x")),
            "{format}: {all}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unusable_keyword_mappings_file_is_an_error() {
    // issue 20.13: `--keyword-mappings` naming a file that could not be read or used was
    // ignored without a word, and every marker it should have resolved was reported instead
    let dir = scratch("mappings");
    let ws = dir.join("ws");
    std::fs::write(
        ws.join("flow-vault-connections/Slack.json"),
        r#"{"name": "Alerts", "app_id": "SLACK"}"#,
    )
    .unwrap();
    std::fs::write(
        ws.join("flows/Notify.json"),
        r###"{"name": "Notify", "actions": [{"id": "a", "type": "SLACK", "action": "POST_MESSAGE", "params": {"connection_id": "##ALERTS##", "text": "t"}}]}"###,
    )
    .unwrap();
    // the marker resolves to a connection that does not exist: a finding shows the file used
    let usable = r#"{"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"ALERTS": "Nobody"}}"#;
    // a usable file of any name is read and used
    std::fs::write(ws.join("config.json.example"), usable).unwrap();
    std::fs::write(dir.join("outside-config.json"), usable).unwrap();
    let outside = dir
        .join("outside-config.json")
        .to_string_lossy()
        .to_string();
    for named in ["config.json.example", outside.as_str()] {
        for format in ["human", "json", "sarif", "github"] {
            let out = flowls(
                &[
                    "check",
                    "ws",
                    "--keyword-mappings",
                    named,
                    "--format",
                    format,
                ],
                &dir,
            );
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{named} {format}: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // the marker resolved (an unknown one names no connection at all), and the value it
            // resolved to is not displayed
            assert!(
                stdout.contains("unresolved-connection") && stdout.contains("##ALERTS##"),
                "{named} {format}: {stdout}"
            );
            assert!(!stdout.contains("Nobody"), "{named} {format}: {stdout}");
        }
    }
    std::fs::write(
        ws.join("not-json.json"),
        "AUTH0_KEYWORD_REPLACE_MAPPINGS = 1",
    )
    .unwrap();
    std::fs::write(
        ws.join("no-mappings.json"),
        r#"{"AUTH0_DOMAIN": "x.auth0.com"}"#,
    )
    .unwrap();
    std::fs::write(
        ws.join("not-object.json"),
        r#"{"AUTH0_KEYWORD_REPLACE_MAPPINGS": ["ALERTS"]}"#,
    )
    .unwrap();
    let missing_outside = dir
        .join("nowhere/config.json")
        .to_string_lossy()
        .to_string();
    let cases = [
        ("missing.json", "missing.json"),
        (missing_outside.as_str(), "nowhere/config.json"),
        ("not-json.json", "not JSON"),
        (
            "no-mappings.json",
            "no AUTH0_KEYWORD_REPLACE_MAPPINGS object",
        ),
        (
            "not-object.json",
            "AUTH0_KEYWORD_REPLACE_MAPPINGS is not an object",
        ),
    ];
    for (named, says) in cases {
        for format in ["human", "json", "sarif", "github"] {
            let out = flowls(
                &[
                    "check",
                    "ws",
                    "--keyword-mappings",
                    named,
                    "--format",
                    format,
                ],
                &dir,
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{named} {format}: {stderr}");
            assert!(out.stdout.is_empty(), "{named} {format}");
            assert!(
                stderr.contains("--keyword-mappings") && stderr.contains(says),
                "{named} {format}: {stderr}"
            );
        }
        for cmd in [
            vec!["scopes", "ws"],
            vec!["test-connection", "ws/flow-vault-connections/Slack.json"],
        ] {
            let mut args = cmd.clone();
            args.extend(["--keyword-mappings", named]);
            let out = flowls(&args, &dir);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd:?} {named}: {stderr}");
            assert!(stderr.contains(says), "{cmd:?} {named}: {stderr}");
        }
    }
    // the default config.json: absent is fine; mappings that are not an object are an error
    assert_eq!(
        flowls(&["check", "ws/flows/Ok.json"], &dir).status.code(),
        Some(0)
    );
    std::fs::write(
        ws.join("config.json"),
        r#"{"AUTH0_KEYWORD_REPLACE_MAPPINGS": "ALERTS=Alerts"}"#,
    )
    .unwrap();
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("config.json") && stderr.contains("is not an object"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn scopes_table_escapes_names_from_the_repository() {
    // a grant's client and a connection named with terminal escapes and a workflow command
    let dir = scratch("scopes-escape");
    std::fs::create_dir_all(dir.join("ws/grants")).unwrap();
    std::fs::write(
        dir.join("ws/flow-vault-connections/V.json"),
        "{\"name\": \"V\\u0007\\u001b[2J\", \"app_id\": \"AUTH0\", \"setup\": {\"type\": \"OAUTH_APP\", \"client_id\": \"c\\n::error file=a::pwned\", \"client_secret\": \"##S##\", \"domain\": \"a.auth0.com\"}}",
    )
    .unwrap();
    std::fs::write(
        dir.join("ws/grants/g.json"),
        "{\"client_id\": \"c\\n::error file=a::pwned\", \"audience\": \"https://a.auth0.com/api/v2/\", \"scope\": [\"read:users\", \"x\\r\\u001b[31m\"]}",
    )
    .unwrap();
    std::fs::write(
        dir.join("ws/flows/U.json"),
        "{\"name\": \"U\", \"actions\": [{\"id\": \"g\", \"type\": \"AUTH0\", \"action\": \"GET_USER\", \"params\": {\"connection_id\": \"V\\u0007\\u001b[2J\", \"user_id\": \"u\"}}]}",
    )
    .unwrap();
    let out = flowls(&["scopes", "ws"], &dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("M2M application"), "{text}");
    assert!(text.contains("pwned"), "{text}");
    for line in text.lines() {
        assert!(!line.starts_with("::"), "{line}");
        assert!(!line.contains(['\u{1b}', '\u{7}', '\r']), "{line:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn each_deploy_root_in_a_repository_is_its_own_workspace() {
    // auth0-deploy-cli's own repository keeps examples/directory and examples/yaml, and
    // per-environment repositories tenants/dev and tenants/prod: each is deployed on its own,
    // so one connection name in two of them is no duplicate, and a flow of one never resolves
    // a connection of the other
    let dir = empty_dir(
        "roots",
        &[
            "repo/examples/directory/flows",
            "repo/examples/directory/flow-vault-connections",
            "repo/examples/yaml",
            "repo/tenants/dev/flow-vault-connections",
            "repo/tenants/prod/flows",
            "repo/tenants/prod/flow-vault-connections",
        ],
    );
    let vault = r#"{"name": "Users M2M", "app_id": "AUTH0"}"#;
    let flow = |conn: &str| {
        format!(
            r#"{{"name": "F", "actions": [{{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {{"connection_id": "{conn}", "user_id": "u"}}}}]}}"#
        )
    };
    let w = |p: &str, t: &str| std::fs::write(dir.join("repo").join(p), t).unwrap();
    w(
        "examples/directory/flow-vault-connections/Users M2M.json",
        vault,
    );
    w("examples/directory/flows/F.json", &flow("Users M2M"));
    w(
        "examples/yaml/tenant.yaml",
        "flowVaultConnections:\n  - name: Users M2M\n    app_id: AUTH0\n",
    );
    w("tenants/dev/flow-vault-connections/Users M2M.json", vault);
    w(
        "tenants/dev/flow-vault-connections/Dev Only.json",
        r#"{"name": "Dev Only", "app_id": "AUTH0"}"#,
    );
    w("tenants/prod/flow-vault-connections/Users M2M.json", vault);
    w("tenants/prod/flows/F.json", &flow("Dev Only"));
    std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
    let found = findings_at(&flowls(&["check", "repo", "--format", "json"], &dir));
    assert!(
        !found
            .iter()
            .any(|(code, _, _)| code == "duplicate-connection"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(code, path, _)| code == "unresolved-connection"
                && path == "tenants/prod/flows/F.json"),
        "{found:?}"
    );
    // a config.json at the top is each root's that keeps none of its own
    std::fs::write(
        dir.join("repo/config.json"),
        r#"{"AUTH0_KEYWORD_REPLACE_MAPPINGS": {"PROD_CONN": "Users M2M"}}"#,
    )
    .unwrap();
    w("tenants/prod/flows/G.json", &flow("##PROD_CONN##"));
    let found = findings_at(&flowls(&["check", "repo", "--format", "json"], &dir));
    assert!(
        !found
            .iter()
            .any(|(code, path, _)| code == "unresolved-connection" && path.ends_with("G.json")),
        "{found:?}"
    );
    // a flowls.toml at the top says the whole folder is one workspace
    std::fs::write(dir.join("repo/flowls.toml"), "").unwrap();
    let found = findings_at(&flowls(&["check", "repo", "--format", "json"], &dir));
    assert!(
        found
            .iter()
            .any(|(code, _, _)| code == "duplicate-connection"),
        "{found:?}"
    );
    std::fs::remove_file(dir.join("repo/flowls.toml")).unwrap();
    // a folder inside one root is checked with that root alone
    let found = findings_at(&flowls(
        &["check", "repo/tenants/prod", "--format", "json"],
        &dir,
    ));
    assert!(
        found
            .iter()
            .any(|(code, _, _)| code == "unresolved-connection"),
        "{found:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn overlapping_arguments_report_each_file_once() {
    let dir = scratch("overlap");
    std::fs::write(
        dir.join("ws/flows/Bad.json"),
        r#"{"name": "B", "actions": [{"id": "a", "type": "AUTH0", "action": "GET_USR", "params": {}}]}"#,
    )
    .unwrap();
    let once = findings_at(&flowls(&["check", "ws", "--format", "json"], &dir));
    for args in [
        vec!["ws", "ws"],
        vec!["ws", "./ws"],
        vec!["ws", "ws/flows", "ws/flows/Bad.json"],
    ] {
        let mut all = vec!["check"];
        all.extend(args.iter().copied());
        all.extend(["--format", "json"]);
        let found = findings_at(&flowls(&all, &dir));
        assert_eq!(found.len(), once.len(), "{args:?}: {found:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn graph_formats_filters_output_file_and_bad_arguments() {
    let root = root();
    // mermaid by default; every format of the same graph
    let out = flowls(&["graph", "examples/yaml"], &root);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mermaid = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(mermaid.starts_with("flowchart TB\n"), "{mermaid}");
    for id in [
        "form_kyc",
        "flow_update_kyc_name",
        "connection_kyc_m2m",
        "app_kyc_m2m",
    ] {
        assert!(mermaid.contains(&format!("  {id}")), "{id}: {mermaid}");
    }
    assert!(
        mermaid
            .contains("class flow_update_kyc_name__update_user_metadata,app_kyc_m2m missing_scope"),
        "{mermaid}"
    );
    let dot = flowls(&["graph", "examples/yaml", "--format", "dot"], &root);
    let dot = String::from_utf8_lossy(&dot.stdout).to_string();
    assert!(dot.starts_with("digraph flowls {"), "{dot}");
    assert!(dot.contains("\"form_kyc__flow_update\" -> \"flow_update_kyc_name\" [class=\"edge starts\", label=\"starts\""), "{dot}");
    let svg = flowls(&["graph", "examples/yaml", "--format", "svg"], &root);
    let svg = String::from_utf8_lossy(&svg.stdout).to_string();
    assert!(
        svg.starts_with("<svg") && svg.contains("data-node=\"form_kyc\""),
        "{svg}"
    );
    // --form: that form and the flows it starts, nothing else
    let out = flowls(&["graph", "examples/yaml", "--form", "KYC"], &root);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("form_kyc") && text.contains("flow_update_kyc_name"),
        "{text}"
    );
    assert!(!text.contains("form_newsletter"), "{text}");
    // --flow: that flow alone
    let out = flowls(
        &["graph", "examples/tenant", "--flow", "Verify Phone"],
        &root,
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("flow_verify_phone") && !text.contains("flow_sync_organization"),
        "{text}"
    );
    // a file: the forms and flows it takes part in
    let out = flowls(
        &["graph", "examples/yaml/flows/Update KYC Name.json"],
        &root,
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("form_kyc") && !text.contains("form_newsletter"),
        "{text}"
    );
    // -o FILE
    let dir = empty_dir("graph-out", &["o"]);
    let file = dir.join("o/g.html");
    let out = flowls(
        &[
            "graph",
            "examples/tenant",
            "--format",
            "html",
            "-o",
            file.to_str().unwrap(),
        ],
        &root,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("data-node=\"flow_verify_phone\"")
    );
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "nothing from the network"
    );
    // bad arguments: exit 2 with a clear message
    let out = flowls(&["graph", "examples/yaml", "--form", "KYX"], &root);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no form named `KYX`: did you mean `KYC`?"),
        "{err}"
    );
    let out = flowls(&["graph", "examples/yaml", "--flow", "Nope"], &root);
    assert_eq!(out.status.code(), Some(2));
    let out = flowls(&["graph", "examples/yaml", "--format", "png"], &root);
    assert_eq!(out.status.code(), Some(2));
    let out = flowls(&["graph", "no/such/folder"], &root);
    assert_eq!(out.status.code(), Some(2));
    let out = flowls(
        &[
            "graph",
            "examples/yaml",
            "-o",
            dir.join("missing/x.svg").to_str().unwrap(),
        ],
        &root,
    );
    assert_eq!(out.status.code(), Some(2));
}

/// `(code, path, line)` of `flowls check --format json` in a Terraform fixture folder.
fn terraform_findings(dir: &str) -> Vec<(String, String, u64)> {
    let cwd = root().join("tests/fixtures/terraform").join(dir);
    let out = flowls(&["check", ".", "--format", "json"], &cwd);
    findings_at(&out)
}

fn tf(code: &str, path: &str, line: u64) -> (String, String, u64) {
    (code.to_string(), path.to_string(), line)
}

#[test]
fn terraform_inline_resources_are_checked_at_their_lines() {
    assert_eq!(
        terraform_findings("inline"),
        [
            // the grant's audience is written as the connection's ("https://${var.domain}/…"
            // for `domain = var.domain`): its scopes are known, and enough
            tf("plaintext-secret", "main.tf", 8),
            tf("unknown-action", "main.tf", 47),
            tf("expression", "main.tf", 50),
            // a literal id, which an import block maps: that finding and nothing else
            tf("tenant-specific-id", "main.tf", 58),
            // inside a heredoc's JSON, at the interpolation
            tf("unresolved-connection", "main.tf", 70),
        ]
    );
}

#[test]
fn terraform_forms_and_flows_link_fields_across_tf_and_json() {
    // `fields.X` of a flow is checked against the forms that start it: a `.tf` form starting a
    // `.tf` flow (by reference) and a JSON flow (by name), a JSON form starting a `.tf` flow
    assert_eq!(
        terraform_findings("form-fields"),
        [
            tf("unknown-field", "flows/archive.json", 11),
            tf("unknown-field", "main.tf", 4),
            tf("unknown-field", "main.tf", 26),
        ]
    );
}

#[test]
fn terraform_json_files_read_by_file_are_checked_as_the_attribute() {
    // `actions = file(…)`, `jsonencode(jsondecode(file(…)))` and `….actions` of a whole flow
    // file: the findings inside the JSON files, none for a bare actions or nodes list being no
    // document of its own, and none for the form's inline `start` whose nodes are in the file;
    // a connection's name in such a file reaches the provider as written (unresolved-connection
    // at it, as a literal in the `.tf` file)
    assert_eq!(
        terraform_findings("file-read"),
        [
            tf("unknown-field", "flows/keep.json", 4),
            tf("unresolved-connection", "flows/named.json", 6),
            tf("unknown-action", "flows/onboard.json", 2),
            // its connection is used from there: its scopes count the action
            tf("missing-scope", "flows/onboard.json", 6),
            tf("excess-scope", "main.tf", 57),
            tf("form-graph", "parts/profile-nodes.json", 7),
        ]
    );
}

#[test]
fn terraform_each_flow_of_an_export_takes_its_own_resources_replacement() {
    // two flow resources of one export replace #CONN-1#: by a Slack connection (the wrong app,
    // on that replace) and by the Management API one, whose grant lacks `update:users` (on the
    // export's UPDATE_USER): the first does not stand for the second
    assert_eq!(
        terraform_findings("shared-token"),
        [
            tf("missing-scope", "exported_forms/two.json", 47),
            tf("excess-scope", "main.tf", 20),
            tf("connection-app-mismatch", "main.tf", 45),
        ]
    );
}

#[test]
fn terraform_a_string_left_open_is_reported_at_its_quote_and_the_next_block_checked() {
    // the parser reads the string on to the next resource: the error is at the `"` that opens
    // it, and the resource after it is still checked
    assert_eq!(
        terraform_findings("unclosed-string"),
        [
            tf("syntax", "main.tf", 2),
            tf("unknown-action", "main.tf", 8),
        ]
    );
}

#[test]
fn terraform_provider_examples_raise_only_their_placeholders() {
    // the provider's own examples: `<vault_connection_id>` and `<my_flow_id>` are all they get
    assert_eq!(
        terraform_findings("provider-examples"),
        [
            tf("unresolved-connection", "flow.tf", 15),
            tf("unused-connection", "flow_vault_connection.tf", 4),
            // its masked `client_secret` and `domain` ("*****") are no values: nothing there
            // the form's `ending.after_submit.flow_id` placeholder `<my_flow_id>`
            tf("unresolved-flow", "form.tf", 46),
        ]
    );
}

#[test]
fn terraform_guide_module_wiring_is_checked_on_the_replace_call() {
    // a clean guide-style module on a real export bundle, with var, data and locals: only the
    // information that nothing says what the app was granted
    assert_eq!(
        terraform_findings("guide-clean"),
        [tf("scopes-unknown", "main.tf", 21)]
    );
    let found = terraform_findings("guide-module");
    assert!(
        found.contains(&tf("connection-app-mismatch", "main.tf", 18)),
        "{found:?}"
    );
    assert!(
        found.contains(&tf("unresolved-flow", "main.tf", 29)),
        "{found:?}"
    );
    // file() of a path outside the module's workspace is a note, never read
    assert!(found.contains(&tf("syntax", "main.tf", 4)), "{found:?}");
}

#[test]
fn terraform_module_scope_is_its_folder() {
    // variables.tf, locals.tf, flows.tf, forms.tf: the locals and variable defaults of one
    // file are known in all of them, so every planted problem is found
    assert_eq!(
        terraform_findings("split-module"),
        [
            // exported text: in the bundle file
            tf("unknown-field", "exported_forms/survey.json", 83),
            // the nested replace of a local declared in locals.tf, on the replace calls
            tf("connection-app-mismatch", "flows.tf", 34),
            tf("connection-app-mismatch", "flows.tf", 35),
            // an HCL value of locals.tf, at its use in flows.tf (the grant's audience is a local
            // of locals.tf built from a default of variables.tf)
            tf("missing-scope", "flows.tf", 42),
        ]
    );
    // a clean split module with var, data and locals: nothing
    assert_eq!(terraform_findings("split-clean"), []);
    // nothing because its values are known: without the grant's scopes, both flows need them
    let dir = empty_dir("split-clean", &[]);
    copy_dir(&root().join("tests/fixtures/terraform/split-clean"), &dir);
    let main = dir.join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        text.replace("[\"read:users\", \"update:users\"]", "[]"),
    )
    .unwrap();
    let found = findings_at(&flowls(&["check", ".", "--format", "json"], &dir));
    assert_eq!(
        found,
        [
            // the export's UPDATE_USER, through the replace of flows.tf
            tf("missing-scope", "exported_forms/kyc.json", 107),
            // locals.tf's GET_USER, at its use
            tf("missing-scope", "flows.tf", 8),
        ]
    );
}

/// A copy of `from` (files and folders) at `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn terraform_repository_tokens_declared_in_placeholders_are_checked_as_deployed() {
    // the layout of a Terragrunt repository whose step replaces __TF_VAULT__x__,
    // __TF_FLOW__x__ and env:X before apply: declared, nothing but what they stand for
    let fixture = root().join("tests/fixtures/terraform/terragrunt");
    assert_eq!(terraform_findings("terragrunt"), []);
    // as written (no declaration), each token is a finding that is true only before the step
    let dir = empty_dir("terragrunt", &[]);
    copy_dir(&fixture, &dir);
    std::fs::write(dir.join("flowls.toml"), "").unwrap();
    let found = findings_at(&flowls(&["check", ".", "--format", "json"], &dir));
    let count = |code: &str| found.iter().filter(|(c, _, _)| c == code).count();
    assert_eq!(count("unresolved-connection"), 3, "{found:?}");
    assert_eq!(count("unresolved-flow"), 2, "{found:?}");
    // an `env:X` value is a variable's name, never a plaintext secret
    assert_eq!(count("plaintext-secret"), 0, "{found:?}");
    assert!(
        found.contains(&tf(
            "vault-setup",
            "environments/dev/journeys/vaults/auth0-mgmt.vault.json",
            8
        )),
        "{found:?}"
    );
    // declared, a token naming a connection of the wrong app is still the true finding
    std::fs::copy(fixture.join("flowls.toml"), dir.join("flowls.toml")).unwrap();
    let flow = dir.join("environments/dev/journeys/flows/verify-otp.flow.json");
    let text = std::fs::read_to_string(&flow).unwrap();
    std::fs::write(
        &flow,
        text.replace("__TF_VAULT__auth0_mgmt__", "__TF_VAULT__slack_alerts__"),
    )
    .unwrap();
    let found = findings_at(&flowls(&["check", ".", "--format", "json"], &dir));
    assert_eq!(
        found,
        [
            tf(
                "connection-app-mismatch",
                "environments/dev/journeys/flows/verify-otp.flow.json",
                22
            ),
            // update:users is now needed by no action
            tf("excess-scope", "flowls.toml", 9),
        ]
    );
}

#[test]
fn terraform_placeholders_in_tf_resources_stand_for_what_they_name() {
    // the same tokens written in a resource's jsonencode and setup
    let dir = empty_dir("tf-placeholders", &[""]);
    std::fs::write(
        dir.join("flowls.toml"),
        "[placeholders]\n\"__TF_VAULT__{name}__\" = \"connection\"\n\"env:{name}\" = \"unknown\"\n\n[connections.\"mgmt\"]\ngranted_scopes = [\"read:users\"]\n",
    )
    .unwrap();
    let flow = |name: &str, conn: &str| {
        format!(
            "resource \"auth0_flow\" \"{name}\" {{\n  name    = \"{name}\"\n  actions = jsonencode([{{ id = \"g\", type = \"AUTH0\", action = \"GET_USER\", params = {{ connection_id = \"{conn}\", user_id = \"u\" }} }}])\n}}\n"
        )
    };
    let vault = |name: &str, app: &str| {
        format!(
            "resource \"auth0_flow_vault_connection\" \"{name}\" {{\n  name   = \"{name}\"\n  app_id = \"{app}\"\n  setup = {{\n    type          = \"OAUTH_APP\"\n    domain        = \"env:AUTH0_DOMAIN\"\n    client_id     = \"env:CLIENT_ID\"\n    client_secret = \"env:CLIENT_SECRET\"\n  }}\n}}\n"
        )
    };
    let tf_text = [vault("mgmt", "AUTH0"), flow("f", "__TF_VAULT__mgmt__")].concat();
    std::fs::write(dir.join("main.tf"), &tf_text).unwrap();
    let check = || findings_at(&flowls(&["check", ".", "--format", "json"], &dir));
    assert_eq!(check(), []);
    // a token naming no connection, or one of the wrong app, is the finding its name is
    let slack = "resource \"auth0_flow_vault_connection\" \"chat\" {\n  name   = \"chat\"\n  app_id = \"SLACK\"\n  setup  = { type = \"WEBHOOK\", url = \"https://hooks.slack.com/services/T0/B0/x\" }\n}\n";
    let more = [
        flow("g", "__TF_VAULT__nope__"),
        flow("h", "__TF_VAULT__chat__"),
    ]
    .concat();
    std::fs::write(
        dir.join("main.tf"),
        [tf_text.as_str(), slack, &more].concat(),
    )
    .unwrap();
    let found = check();
    assert!(
        found.contains(&tf("unresolved-connection", "main.tf", 22)),
        "{found:?}"
    );
    assert!(
        found.contains(&tf("connection-app-mismatch", "main.tf", 26)),
        "{found:?}"
    );
}

#[test]
fn terraform_hostile_input_is_answered_and_the_rest_still_checked() {
    let cwd = root().join("tests/fixtures/terraform/hostile");
    let out = flowls(&["check", ".", "--format", "json"], &cwd);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("root:"), "nothing of /etc/passwd is shown");
    let found = findings_at(&out);
    for line in [3, 4, 5, 11, 59] {
        assert!(
            found.iter().any(|(c, _, l)| c == "syntax" && *l == line),
            "line {line}: {found:?}"
        );
    }
    // the block after the 10,000-deep one is still checked
    assert!(
        found.contains(&tf("unknown-action", "main.tf", 64)),
        "{found:?}"
    );
    let notes = v["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n["path"] == "outside.json"),
        "{notes:?}"
    );
}

#[test]
fn terraform_huge_heredocs_are_a_note_or_a_finding_and_the_rest_still_checked() {
    let dir = empty_dir("tf-huge", &[""]);
    std::fs::write(dir.join("flowls.toml"), "").unwrap();
    let heredoc = |name: &str, bytes: usize| {
        format!(
            "resource \"auth0_flow\" \"{name}\" {{\n  name    = \"{name}\"\n  actions = <<-EOT\n    [{{\"id\": \"a\", \"type\": \"FLOW\", \"action\": \"DO_NOTHING\", \"alias\": \"{}\"}}]\n  EOT\n}}\n",
            "x".repeat(bytes)
        )
    };
    let after = "resource \"auth0_flow\" \"after\" {\n  name    = \"After\"\n  actions = jsonencode([{ id = \"x\", type = \"FLOW\", action = \"DO_NOTHNG\" }])\n}\n";
    // a 50 MB heredoc: the file is over the reading limit, a note; its neighbours are checked
    std::fs::write(dir.join("huge.tf"), heredoc("huge", 50 * 1024 * 1024)).unwrap();
    // a 50 MB export read with file(): not read either, and said so at the call
    let mut export = String::from("{\"flows\": {\"#FLOW-1#\": {\"name\": \"");
    export.push_str(&"x".repeat(50 * 1024 * 1024));
    export.push_str("\", \"actions\": []}}, \"form\": {}}");
    std::fs::write(dir.join("export.json"), export).unwrap();
    // a heredoc over the bound of one text but within the file limit: a finding at it
    let module = [
        "locals {\n  big = jsondecode(file(\"${path.module}/export.json\"))\n}\n\nresource \"auth0_flow\" \"exported\" {\n  name    = \"E\"\n  actions = jsonencode(local.big.flows[\"#FLOW-1#\"].actions)\n}\n\n",
        &heredoc("large", 1024 * 1024 + 4096),
        "\n",
        after,
    ]
    .concat();
    std::fs::write(dir.join("main.tf"), &module).unwrap();
    let started = std::time::Instant::now();
    let out = flowls(&["check", ".", "--format", "json"], &dir);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = v["notes"].as_array().unwrap();
    for path in ["huge.tf", "export.json"] {
        assert!(
            notes.iter().any(
                |n| n["path"] == path && n["message"].as_str().unwrap().contains("larger than")
            ),
            "{path}: {notes:?}"
        );
    }
    let found = findings_at(&out);
    let line =
        |needle: &str| module[..module.find(needle).unwrap()].matches('\n').count() as u64 + 1;
    assert!(
        found.contains(&tf(
            "syntax",
            "main.tf",
            line("file(\"${path.module}/export.json\")")
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&tf("syntax", "main.tf", line("<<-EOT"))),
        "{found:?}"
    );
    assert!(
        found.contains(&tf("unknown-action", "main.tf", line("DO_NOTHNG"))),
        "{found:?}"
    );
    assert!(!found.iter().any(|(_, p, _)| p == "huge.tf"), "{found:?}");
}

#[test]
fn graph_of_a_terraform_module_lists_its_flows_actions() {
    let root = root();
    let out = flowls(&["graph", "examples/terraform"], &root);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // the inline `auth0_flow.onboard` and the guide-style `auth0_flow.survey` (read from the
    // export bundle), each with its actions, the form that starts the latter
    for id in [
        "form_welcome_survey",
        "form_welcome_survey__flow_save",
        "flow_onboard_new_user",
        "flow_onboard_new_user__get_user",
        "flow_onboard_new_user__mark_onboarded",
        "flow_onboard_new_user__tell_the_team",
        "flow_save_survey_answers",
        "flow_save_survey_answers__save",
        "flow_save_survey_answers__notify",
        "connection_users_m2m",
        "connection_team_slack",
    ] {
        assert!(text.contains(&format!("  {id}")), "{id}: {text}");
    }
    assert!(text.contains("auth0_flow.onboard"), "{text}");
    assert!(
        text.contains("form_welcome_survey__flow_save ==>|\"starts\"| flow_save_survey_answers"),
        "{text}"
    );
    // the bundle's flow is drawn once, as the resource that reads it
    assert_eq!(text.matches("subgraph group_flow_").count(), 2, "{text}");
    // --flow by the resource's name; a `.tf` file: its resources
    let out = flowls(
        &[
            "graph",
            "examples/terraform",
            "--flow",
            "Onboard new user",
            "--format",
            "dot",
        ],
        &root,
    );
    let dot = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        dot.contains("tooltip=\"main.tf:48\"") && !dot.contains("flow_save_survey_answers"),
        "{dot}"
    );
    let out = flowls(&["graph", "examples/terraform/forms.tf"], &root);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("flow_save_survey_answers__save") && !text.contains("flow_onboard_new_user"),
        "{text}"
    );
}

#[test]
fn terraform_a_replaced_tokens_use_is_the_replacing_vaults_in_check_scopes_and_graph() {
    // examples/terraform: the export's #CONN-1# stub is named "Users M2M", but forms.tf
    // replaces it by the Slack connection (check: connection-app-mismatch). The `save` action
    // is the Slack connection's use, so `Users M2M`'s scopes do not count it, nor does the
    // graph draw it to `Users M2M`
    let root = root();
    let out = flowls(&["scopes", "examples/terraform", "--format", "json"], &root);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let apps = json["applications"].as_array().unwrap();
    let users = apps
        .iter()
        .find(|a| a["connections"] == serde_json::json!(["Users M2M"]))
        .expect("the Users M2M application");
    let ids: Vec<&str> = users["needed"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["actions"].as_array().unwrap())
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["get_user", "mark_onboarded"], "{json}");
    let out = flowls(&["graph", "examples/terraform"], &root);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("flow_save_survey_answers__save -.->|\"uses\"| connection_team_slack")
            && !text.contains("flow_save_survey_answers__save -.->|\"uses\"| connection_users_m2m"),
        "{text}"
    );
}

#[test]
fn terraform_a_plain_json_files_replaced_token_is_the_replacing_vaults_use() {
    // `replace(file("flows/x.json"), "#CONN-1#", auth0_flow_vault_connection.users.id)` of a
    // plain JSON file (no export bundle): the token is no "token of a Dashboard export" there,
    // the actions count for `Users M2M`'s scopes (the UPDATE_USER lacks `update:users`), a wrong
    // app is on the replace call only, and the graph draws each use to the replacing vault
    assert_eq!(
        terraform_findings("file-tokens"),
        [
            tf("missing-scope", "flows/update.json", 5),
            tf("connection-app-mismatch", "main.tf", 54),
        ]
    );
    let cwd = root().join("tests/fixtures/terraform/file-tokens");
    let out = flowls(&["scopes", ".", "--format", "json"], &cwd);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let users = json["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["connections"] == serde_json::json!(["Users M2M"]))
        .expect("the Users M2M application");
    let ids: Vec<&str> = users["needed"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["actions"].as_array().unwrap())
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["get_user", "mark"], "{json}");
    assert_eq!(
        users["missing"],
        serde_json::json!(["update:users"]),
        "{json}"
    );
    let out = flowls(&["graph", "."], &cwd);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    for edge in [
        "flow_lookup__get_user -.->|\"uses\"| connection_users_m2m",
        "flow_update__mark -.->|\"uses\"| connection_users_m2m",
        "flow_wrong__get_user -.->|\"uses\"| connection_team_slack",
    ] {
        assert!(text.contains(edge), "{edge}: {text}");
    }
}

#[test]
fn a_graph_with_nothing_to_draw_says_so() {
    let dir = empty_dir("graph-empty", &["flows"]);
    std::fs::write(dir.join("README.md"), "nothing here").unwrap();
    let out = flowls(&["graph", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing to draw"), "{err}");
    // with -o the file is written all the same, and says so inside (a page opened after the
    // command, as the editors do, is never blank); exit 0: an empty workspace is no error
    for format in ["html", "svg", "mermaid", "dot"] {
        let file = dir.join(format!("graph.{format}"));
        let out = flowls(
            &[
                "graph",
                ".",
                "--format",
                format,
                "-o",
                file.to_str().unwrap(),
            ],
            &dir,
        );
        assert_eq!(out.status.code(), Some(0), "{format}: {out:?}");
        let written = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert!(
            written.contains("nothing to draw: no form, flow or vault connection was found"),
            "{format}: {written}"
        );
        std::fs::remove_file(&file).unwrap();
    }
    // a workspace with a flow draws it and says nothing of the kind
    std::fs::write(dir.join("flows/f.json"), r#"{"name": "F", "actions": []}"#).unwrap();
    let out = flowls(&["graph", "."], &dir);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("flow_f"),
        "{out:?}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("nothing to draw"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("nothing to draw"));
}

#[test]
fn terraform_variables_take_their_tfvars_values_in_terraforms_order() {
    // default < terraform.tfvars < *.auto.tfvars in lexical order (HCL and JSON alike); the
    // winner, a real host, makes the grant's audience known: only the missing scope is left,
    // and a secret from terraform.tfvars is no plaintext-secret; prod.tfvars is never read
    assert_eq!(
        terraform_findings("tfvars"),
        [tf("missing-scope", "main.tf", 50)]
    );
}

#[test]
fn terraform_unknown_values_raise_nothing() {
    // var without a value, data.*, module.*, locals and unevaluated functions everywhere; the
    // grant's client and audience are data sources, so whether it grants enough is not known
    // either: nothing at all
    assert_eq!(terraform_findings("clean-vars"), []);
}

#[test]
fn terraform_a_grant_whose_scopes_are_unknown_grants_unknown_scopes() {
    // `scopes = var.more_scopes` (no value), `concat([…], var.x)`, `["…", var.x]`: what the
    // grant grants is not known, so no missing-scope, no excess-scope and no scopes-unknown
    // (the grant is declared); the known grant beside them still lacks `update:users`
    assert_eq!(
        terraform_findings("unknown-scopes"),
        [
            tf("excess-scope", "main.tf", 64),
            tf("missing-scope", "main.tf", 147),
        ]
    );
    let cwd = root().join("tests/fixtures/terraform/unknown-scopes");
    let out = flowls(&["scopes", "."], &cwd);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    for client in ["listed", "concat", "element"] {
        let block = text
            .split("\n\n")
            .find(|b| b.contains(&format!("`auth0_client.{client}.client_id`")))
            .unwrap_or_else(|| panic!("{client}: {text}"));
        assert!(
            block.contains("granted: unknown (the scopes of the client grant")
                && block.contains("update:users  needed")
                && !block.contains("MISSING"),
            "{client}: {block}"
        );
    }
    assert_eq!(text.matches("MISSING").count(), 1, "{text}");
}

#[test]
fn terraform_a_starting_form_with_unknown_fields_leaves_fields_unchecked() {
    // `components = var.comps`, a component that is a variable: the form may have any field,
    // so `{{fields.email}}` of the flows it starts is not unknown-field; the flow started by a
    // form whose fields are all known still is
    assert_eq!(
        terraform_findings("form-fields-unknown"),
        [tf("unknown-field", "main.tf", 24)]
    );
}

#[test]
fn terraform_an_export_token_replaced_by_an_unknown_value_is_an_unknown_connection() {
    // `replace(…, "#CONN-1#", var.conn_id)`: the token stands for a connection flowls cannot
    // know, not for the export's stub: no scopes-unknown on the stub, no grant written for it
    assert_eq!(terraform_findings("export-unknown"), []);
    let cwd = root().join("tests/fixtures/terraform/export-unknown");
    let out = flowls(&["scopes", ".", "--format", "terraform"], &cwd);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains("resource \"auth0_client_grant\""), "{text}");
    assert!(
        text.contains("# #CONN-1# of exported_forms/kyc.json is replaced by an unknown value"),
        "{text}"
    );
    let out = flowls(&["scopes", "."], &cwd);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("#CONN-1# of exported_forms/kyc.json is replaced by an unknown value")
            && !text.contains("no Management API scope is needed"),
        "{text}"
    );
}

#[test]
fn terraform_an_action_with_an_unknown_connection_leaves_excess_scope_unclaimed() {
    // `params = merge(…)` and `connection_id = var.conn_id`: those actions may use the
    // connection, so `read:users` granted beside `update:users` is not excess-scope
    assert_eq!(terraform_findings("excess-unknown-use"), []);
    let cwd = root().join("tests/fixtures/terraform/excess-unknown-use");
    let out = flowls(&["scopes", "."], &cwd);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("update:users  ok") && !text.contains("excess:"),
        "{text}"
    );
}

#[test]
fn terraform_a_domain_written_with_a_scheme_is_only_vault_setup() {
    // `domain = "https://acme.us.auth0.com"`: the vault-setup error, and the grant for its
    // host's Management API is still its grant (no stacked scopes-unknown)
    assert_eq!(
        terraform_findings("domain-scheme"),
        [tf("vault-setup", "main.tf", 24)]
    );
}

#[test]
fn terraform_file_of_an_absolute_path_is_that_path() {
    // `file("/etc/passwd")` is outside the workspace (not read); an absolute path into the
    // workspace is read as that file, and checked as what the resource receives
    let dir = empty_dir("tf-absolute-file", &["flows"]);
    std::fs::write(dir.join("flowls.toml"), "").unwrap();
    std::fs::write(
        dir.join("flows/a.json"),
        "[\n  {\"id\": \"x\", \"type\": \"FLOW\", \"action\": \"STORE_VARZ\", \"params\": {}}\n]\n",
    )
    .unwrap();
    let inside = dir.canonicalize().unwrap().join("flows/a.json");
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "resource \"auth0_flow\" \"etc\" {{\n  name    = \"Etc\"\n  actions = file(\"/etc/passwd\")\n}}\n\nresource \"auth0_flow\" \"inside\" {{\n  name    = \"Inside\"\n  actions = file(\"{}\")\n}}\n",
            inside.display()
        ),
    )
    .unwrap();
    let out = flowls(&["check", "."], &dir);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("file(\"/etc/passwd\") names a file outside the workspace"),
        "{text}"
    );
    let out = flowls(&["check", ".", "--format", "json"], &dir);
    assert_eq!(
        findings_at(&out),
        [
            tf("unknown-action", "flows/a.json", 2),
            tf("syntax", "main.tf", 3),
        ]
    );
}

#[test]
fn terraform_an_attribute_set_to_null_is_not_set() {
    // `alias = null`, `environment = null`, `style = null` (generated config): not set, so no
    // schema error about a null value
    assert_eq!(terraform_findings("generated-nulls"), []);
}

#[test]
fn terraform_a_setup_unknown_as_a_whole_raises_only_scopes_unknown() {
    // `setup = var.x` (a sensitive map), `null # sensitive` (generated config), `merge(…)`, a
    // conditional: no vault-setup, no plaintext-secret; the Management API one used by a
    // GET_USER, with no grant in its module that may be its own, is scopes-unknown (nothing
    // says what it was granted, as for a JSON setup that is an unknown `@@SETUP@@`)
    assert_eq!(
        terraform_findings("unknown-setup"),
        [tf("scopes-unknown", "main.tf", 42)]
    );
    // and Test connection says why it cannot test them, sending nothing
    let cwd = root().join("tests/fixtures/terraform/unknown-setup");
    for (name, says) in [
        ("Slack generated", "the setup is null"),
        (
            "Slack from a variable",
            "the setup is var.slack_setup as a whole",
        ),
        ("Slack merged", "an expression flowls does not evaluate"),
    ] {
        let out = flowls(&["test-connection", "main.tf", "--connection", name], &cwd);
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(
            text.contains("invalid_setup") && text.contains(says),
            "{name}: {text}"
        );
    }
}

#[test]
fn scopes_unknown_of_a_setup_unknown_as_a_whole_is_the_same_in_json_and_tf() {
    // a setup flowls cannot know as a whole, used by a GET_USER: when nothing in the workspace
    // says what its application was granted, scopes-unknown on its name, in a JSON file
    // (`"setup": "@@SETUP@@"` with no mapping) as in a `.tf` file (`setup = var.setup`)
    let dir = empty_dir(
        "scopes-unknown-setup",
        &["json/flows", "json/flow-vault-connections", "tf"],
    );
    std::fs::write(dir.join("json/flowls.toml"), "").unwrap();
    std::fs::write(
        dir.join("json/flow-vault-connections/mgmt.json"),
        "{\n  \"name\": \"Mgmt\",\n  \"app_id\": \"AUTH0\",\n  \"setup\": \"@@SETUP@@\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("json/flows/f.json"),
        r#"{"name": "F", "actions": [{"id": "g", "type": "AUTH0", "action": "GET_USER", "params": {"connection_id": "Mgmt", "user_id": "u"}}]}"#,
    )
    .unwrap();
    let out = flowls(&["check", ".", "--format", "json"], &dir.join("json"));
    assert_eq!(
        findings_at(&out),
        [tf("scopes-unknown", "flow-vault-connections/mgmt.json", 2)]
    );
    std::fs::write(dir.join("tf/flowls.toml"), "").unwrap();
    let module = "variable \"setup\" {\n  type      = map(string)\n  sensitive = true\n}\n\nresource \"auth0_flow_vault_connection\" \"mgmt\" {\n  name   = \"Mgmt\"\n  app_id = \"AUTH0\"\n  setup  = var.setup\n}\n\nresource \"auth0_flow\" \"f\" {\n  name    = \"F\"\n  actions = jsonencode([{ id = \"g\", type = \"AUTH0\", action = \"GET_USER\", params = { connection_id = auth0_flow_vault_connection.mgmt.id, user_id = \"u\" } }])\n}\n";
    std::fs::write(dir.join("tf/main.tf"), module).unwrap();
    let out = flowls(&["check", ".", "--format", "json"], &dir.join("tf"));
    assert_eq!(findings_at(&out), [tf("scopes-unknown", "main.tf", 7)]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = v["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("its setup is not known here") && message.contains("read:users"),
        "{v}"
    );
    // a grant of the module may be its grant (its client is unknown): whether it grants enough
    // is not known, and nothing is said
    let grant = "\nresource \"auth0_client_grant\" \"mgmt\" {\n  client_id = \"m2m\"\n  audience  = \"https://acme.eu.auth0.com/api/v2/\"\n  scopes    = [\"read:users\"]\n}\n";
    std::fs::write(dir.join("tf/main.tf"), format!("{module}{grant}")).unwrap();
    let out = flowls(&["check", ".", "--format", "json"], &dir.join("tf"));
    assert_eq!(findings_at(&out), []);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn terraform_a_vault_referred_to_anywhere_in_its_module_is_not_unused() {
    // inside concat / merge / flatten, through `x[0]` / `x["k"]`, from an `output` or a `module`
    // argument: maybe used, never unused-connection; a `moved` block is no use
    assert_eq!(
        terraform_findings("module-references"),
        [tf("unused-connection", "main.tf", 77)]
    );
}

#[test]
fn terraform_generated_config_raises_only_tenant_specific_ids_and_scopes_unknown() {
    // `auth0 tf generate`: the literal id an import maps is a use of that resource, and its
    // `setup = null # sensitive` is the tenant's setup, unknown: no vault-setup; the GET_USER
    // that uses it needs `read:users`, and no grant is declared (scopes-unknown, information)
    assert_eq!(
        terraform_findings("generated"),
        [
            tf("scopes-unknown", "main.tf", 17),
            tf("tenant-specific-id", "main.tf", 24)
        ]
    );
}

#[test]
fn terraform_file_as_an_attributes_value_is_read_by_the_reading_policy() {
    // `actions = file("../../../etc/passwd")`: a warning at the call, as through `locals`; a
    // file inside the workspace is read
    let cwd = root().join("tests/fixtures/terraform/file-direct");
    let out = flowls(&["check", ".", "--format", "json"], &cwd);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("root:"),
        "nothing of /etc/passwd is shown"
    );
    assert_eq!(findings_at(&out), [tf("syntax", "main.tf", 5)]);
}

#[test]
#[cfg(unix)]
fn terraform_file_of_a_file_that_cannot_be_used_says_why_at_the_call() {
    // each reason is the reading policy's, at the `file(` call, and nothing of any file's text
    // is shown
    let dir = empty_dir("tf-file-why", &["ws/flows", "ws/node_modules"]);
    let ws = dir.join("ws");
    std::fs::write(ws.join("flowls.toml"), "").unwrap();
    std::fs::write(dir.join("secret.json"), "[\"s3cr3t-outside\"]").unwrap();
    std::fs::write(
        ws.join("flows/actions.txt"),
        "[\n  {\"id\": \"a\"}\n  s3cr3t-inside\n]",
    )
    .unwrap();
    std::fs::write(ws.join("flows/list.txt"), "[]").unwrap();
    std::fs::write(ws.join("node_modules/x.json"), "[]").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.json"), ws.join("flows/leak.json")).unwrap();
    std::os::unix::fs::symlink(dir.join("secret.json"), ws.join("flows/leak.txt")).unwrap();
    let fifo = ws.join("flows/fifo.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut big = String::from("[");
    big.push_str(&" ".repeat(16 * 1024 * 1024));
    big.push(']');
    std::fs::write(ws.join("big.json"), big).unwrap();
    let cases = [
        ("flows/actions.txt", "is not JSON (it fails at 2:14)"),
        (
            "flows/list.txt",
            "is not named *.json, and flowls reads only .json files with file()",
        ),
        (
            "node_modules/x.json",
            "lies in a folder flowls does not read",
        ),
        (
            "flows/leak.json",
            "is a symbolic link that leaves the workspace: not followed",
        ),
        (
            "flows/leak.txt",
            "is a symbolic link that leaves the workspace: not followed",
        ),
        ("flows/fifo.json", "is a FIFO, not a regular file"),
        ("big.json", "is larger than 16 MiB"),
        ("flows", "is a folder, not a regular file"),
        ("nope.json", "does not exist"),
        (
            "../secret.json",
            "names a file outside the workspace, which flowls does not read",
        ),
    ];
    let mut module = String::new();
    for (i, (path, _)) in cases.iter().enumerate() {
        module.push_str(&format!(
            "resource \"auth0_flow\" \"f{i}\" {{\n  name    = \"F{i}\"\n  actions = file(\"${{path.module}}/{path}\")\n}}\n\n"
        ));
    }
    std::fs::write(ws.join("main.tf"), &module).unwrap();
    let out = flowls(&["check", ".", "--format", "json"], &ws);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains("s3cr3t"), "{text}");
    let found = json_findings(&out);
    for (i, (path, why)) in cases.iter().enumerate() {
        let line = 3 + 5 * i as u64;
        let d = found
            .iter()
            .find(|d| d["path"] == "main.tf" && d["line"] == line)
            .unwrap_or_else(|| panic!("{path}: {found:?}"));
        assert_eq!(d["code"], "syntax", "{d}");
        assert_eq!(d["column"], 13, "{d}");
        let message = d["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("file(\"./{path}\") {why}"))
                && message.ends_with("what this attribute receives is not checked"),
            "{path}: {message}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn terraform_a_connection_used_only_through_an_export_is_used() {
    // "KYC M2M" is named otherwise than the export's stub: the replace wires it, so it is used,
    // its scopes count the bundle's actions, and the stub is no connection of its own
    assert_eq!(
        terraform_findings("export-only"),
        [
            tf("missing-scope", "exported_forms/kyc.json", 107),
            tf("excess-scope", "main.tf", 25),
        ]
    );
}

#[test]
fn terraform_unresolved_references_are_quoted_as_references() {
    let cwd = root().join("tests/fixtures/terraform/references");
    let out = flowls(&["check", ".", "--format", "json"], &cwd);
    assert_eq!(
        findings_at(&out),
        [
            tf("scopes-unknown", "main.tf", 2),
            tf("unresolved-connection", "main.tf", 29),
            tf("unresolved-connection", "main.tf", 38),
            tf("unresolved-flow", "main.tf", 55),
            tf("unresolved-flow", "main.tf", 63),
        ]
    );
    let messages: Vec<String> = json_findings(&out)
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect();
    let says = |code_line: usize, text: &str| {
        assert!(
            messages[code_line].contains(text),
            "{}",
            messages[code_line]
        );
        assert!(
            !messages[code_line].contains("named"),
            "no connection or flow name: {}",
            messages[code_line]
        );
    };
    says(
        1,
        "`auth0_flow_vault_connection.user` names no auth0_flow_vault_connection resource",
    );
    says(1, "did you mean `auth0_flow_vault_connection.users.id`?");
    says(
        2,
        "`auth0_flow.onboard` is an auth0_flow resource, not a vault connection",
    );
    says(3, "`auth0_flow.onbaord` names no auth0_flow resource");
    says(
        4,
        "`auth0_flow_vault_connection.users` is an auth0_flow_vault_connection resource, not a flow",
    );
}

#[test]
fn terraform_scopes_write_the_grant_with_references() {
    let scopes = |dir: &str| {
        let cwd = root().join("tests/fixtures/terraform").join(dir);
        let out = flowls(&["scopes", ".", "--format", "terraform"], &cwd);
        String::from_utf8(out.stdout).unwrap()
    };
    // the declared grant, replaced under its own name, with the client resource's reference
    // and the audience as the module writes it
    assert_eq!(
        scopes("export-only"),
        r#"resource "auth0_client_grant" "flows_management_api" {
  # replaces auth0_client_grant.flows_management_api in main.tf (connections: KYC M2M)
  client_id = auth0_client.flows.id
  audience  = "https://${var.domain}/api/v2/"
  scopes    = ["update:users"]
}

"#
    );
    assert_eq!(
        scopes("tfvars"),
        r#"resource "auth0_client_grant" "m2m" {
  # replaces auth0_client_grant.m2m in main.tf (connections: Users M2M)
  client_id = auth0_client.m2m.id
  audience  = "https://${var.domain}/api/v2/"
  scopes    = ["read:users", "update:users"]
}

"#
    );
    // no grant declared and no client resource: the setup's client_id and domain as written
    assert_eq!(
        scopes("guide-clean"),
        r#"resource "auth0_client_grant" "post-login-privacy-policy-form-vc" {
  # the grant of the connections post-login-privacy-policy-form-vc
  client_id = data.auth0_client.existing.client_id
  audience  = "https://${var.domain}/api/v2/"
  scopes    = ["update:users"]
}

"#
    );
    // the module declares that grant, its client_id the data source's `.id` where the setup
    // writes `.client_id`: the same application, so the output replaces it under its name
    assert_eq!(
        scopes("scopes-edge"),
        r#"resource "auth0_client_grant" "existing_management_api" {
  # replaces auth0_client_grant.existing_management_api in main.tf (connections: post-login-privacy-policy-form-vc)
  client_id = data.auth0_client.existing.id
  audience  = "https://${var.domain}/api/v2/"
  scopes    = ["update:users"]
}

"#
    );
    // the declared grant's audience is a data source's: the grant of the same client is the
    // one replaced (its audience kept as written), not written again beside it
    assert_eq!(
        scopes("scopes-data-audience"),
        r#"resource "auth0_client_grant" "forms_m2m_mgmt" {
  # replaces auth0_client_grant.forms_m2m_mgmt in main.tf (connections: Auth0 Management)
  client_id = auth0_client.forms_m2m.id
  audience  = data.auth0_tenant.current.management_api_identifier
  scopes    = ["update:users"]
}

"#
    );
    // a domain written as a URL with a trailing slash: the audience of its host, not
    // "https://https://…//api/v2/"
    assert_eq!(
        scopes("scopes-domain"),
        r#"resource "auth0_client_grant" "users_m2m" {
  # the grant of the connections Users M2M
  client_id = var.client_id
  audience  = "https://acme.us.auth0.com/api/v2/"
  scopes    = ["read:users"]
}

"#
    );
}

#[cfg(unix)]
#[test]
fn terraform_tfvars_are_read_by_the_reading_policy() {
    // a terraform.tfvars that is a link out of the workspace is not read: its value stays
    // unknown (no vault-setup on it), and a note says so
    let dir = empty_dir("tfvars-link", &["ws"]);
    std::fs::write(dir.join("ws/flowls.toml"), "").unwrap();
    std::fs::write(
        dir.join("ws/main.tf"),
        r#"resource "auth0_flow_vault_connection" "v" {
  name   = "V"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = var.domain
    client_id     = var.client_id
    client_secret = var.client_secret
  }
}
"#,
    )
    .unwrap();
    std::fs::write(dir.join("outside.tfvars"), "domain = \"not a host\"\n").unwrap();
    std::os::unix::fs::symlink(dir.join("outside.tfvars"), dir.join("ws/terraform.tfvars"))
        .unwrap();
    let out = flowls(&["check", "ws", "--format", "json"], &dir);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = findings_at(&out);
    assert!(
        !found.iter().any(|(c, _, _)| c == "vault-setup"),
        "{found:?}"
    );
    assert!(
        v["notes"].as_array().unwrap().iter().any(|n| n["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("terraform.tfvars"))),
        "{v}"
    );
    // the same file, inside: read
    std::fs::remove_file(dir.join("ws/terraform.tfvars")).unwrap();
    std::fs::copy(dir.join("outside.tfvars"), dir.join("ws/terraform.tfvars")).unwrap();
    let found = findings_at(&flowls(&["check", "ws", "--format", "json"], &dir));
    assert!(
        found.contains(&tf("vault-setup", "main.tf", 6)),
        "{found:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn terraform_test_connection_takes_tf_var_only_for_hosts_the_user_named() {
    // a setup of variables without values: TF_VAR_X fills them for the test, but a value from
    // the environment goes to no *.auth0.com host unasked, and is never shown
    let dir = empty_dir("tf-var", &["ws"]);
    std::fs::write(dir.join("ws/flowls.toml"), "").unwrap();
    std::fs::write(
        dir.join("ws/main.tf"),
        r#"variable "domain" {}
variable "client_id" {}
variable "client_secret" {
  sensitive = true
}

resource "auth0_flow_vault_connection" "m2m" {
  name   = "M2M"
  app_id = "AUTH0"
  setup = {
    type          = "OAUTH_APP"
    domain        = var.domain
    client_id     = var.client_id
    client_secret = var.client_secret
  }
}
"#,
    )
    .unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowls"));
        cmd.args(["test-connection", "ws/main.tf"])
            .current_dir(&dir)
            .env_remove("AUTH0_DOMAIN");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = run(&[
        ("TF_VAR_domain", "cnry-tenant.eu.auth0.com"),
        ("TF_VAR_client_id", "cnry-client-id"),
        ("TF_VAR_client_secret", "cnry-secret-value"),
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("untrusted_host"), "{text}");
    assert!(text.contains("var.domain (environment)"), "{text}");
    assert!(text.contains("TF_VAR_client_secret"), "{text}");
    assert!(!text.contains("cnry"), "no value is shown: {text}");
    // without them, the test says which variable has no value, and sends nothing
    let out = run(&[]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("var.domain") && text.contains("TF_VAR_domain"),
        "{text}"
    );
    // and check never uses them: no finding changes with the environment
    let checked = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowls"));
        cmd.args(["check", "ws", "--format", "json"])
            .current_dir(&dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        findings_at(&cmd.output().unwrap())
    };
    assert_eq!(checked(&[("TF_VAR_domain", "not a host")]), checked(&[]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_graph_of_a_folder_inside_a_workspace_draws_that_folder_and_links_the_real_paths() {
    let dir = empty_dir("graph-folder", &["flows/sub dir", "forms"]);
    std::fs::write(dir.join("flowls.toml"), "").unwrap();
    std::fs::write(
        dir.join("flows/sub dir/a&b.json"),
        r#"{"name": "Inside", "actions": []}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("flows/out.json"),
        r#"{"name": "Outside", "actions": []}"#,
    )
    .unwrap();
    // a folder below the workspace's root: its files only, as `check` reports them
    let out = flowls(&["graph", "flows/sub dir"], &dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("flow_inside"), "{out:?}");
    assert!(!text.contains("flow_outside"), "{text}");
    // `graph .`: the root as it is (no `/./`), each file's path as it is in `data-file`
    let out = flowls(&["graph", ".", "--format", "html"], &dir);
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(
        html.contains("flow_outside") && html.contains("flow_inside"),
        "{out:?}"
    );
    assert!(!html.contains("/./"), "{html}");
    assert!(
        html.contains(r#"data-file="flows/sub dir/a&amp;b.json""#),
        "{html}"
    );
}

#[test]
fn a_reference_to_a_resource_block_being_typed_is_unknown_not_unresolved() {
    // the vault and flow blocks have a syntax error (a value half typed): the syntax errors are
    // reported, and the flow's and form's references to it and to a broken flow say nothing
    let dir = empty_dir("tf-broken-ref", &["m"]);
    std::fs::write(dir.join("flowls.toml"), "").unwrap();
    std::fs::write(
        dir.join("m/main.tf"),
        r#"resource "auth0_flow_vault_connection" "conn" {
  name   = "Conn"
  app_id =
}

resource "auth0_flow" "get" {
  name    = "Get"
  actions = jsonencode([{ id = "g", type = "AUTH0", action = "GET_USER", params = { connection_id = auth0_flow_vault_connection.conn.id, user_id = "u" } }])
}

resource "auth0_flow" "typed" {
  name =
}

resource "auth0_form" "f" {
  name   = "F"
  start  = jsonencode({ next_node = "fl" })
  nodes  = jsonencode([{ id = "fl", type = "FLOW", config = { flow_id = auth0_flow.typed.id, next_node = "$ending" } }])
  ending = jsonencode({})
}
"#,
    )
    .unwrap();
    let out = flowls(&["check", "--format", "json", "."], &dir);
    let found = findings_at(&out);
    assert!(found.iter().any(|(c, _, _)| c == "syntax"), "{found:?}");
    assert!(
        !found
            .iter()
            .any(|(c, _, _)| c == "unresolved-connection" || c == "unresolved-flow"),
        "{found:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_graph_of_two_files_of_one_workspace_draws_each_connection_once() {
    let dir = empty_dir("graph-two-files", &["flows", "flow-vault-connections"]);
    std::fs::write(dir.join("flowls.toml"), "").unwrap();
    std::fs::write(
        dir.join("flow-vault-connections/users.json"),
        r#"{"name": "Users", "app_id": "AUTH0"}"#,
    )
    .unwrap();
    for name in ["One", "Two"] {
        std::fs::write(
            dir.join(format!("flows/{name}.json")),
            format!(
                r#"{{"name": "{name}", "actions": [{{"id": "get", "type": "AUTH0", "action": "GET_USER", "params": {{"connection_id": "Users", "user_id": "u"}}}}]}}"#
            ),
        )
        .unwrap();
    }
    let out = flowls(&["graph", "flows/One.json", "flows/Two.json"], &dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("flow_one") && text.contains("flow_two"),
        "{out:?}"
    );
    // one node for the connection, used by both flows
    let defined = |id: &str| {
        text.lines()
            .filter(|l| {
                l.trim_start().starts_with(&format!("{id}["))
                    || l.trim_start().starts_with(&format!("{id}("))
            })
            .count()
    };
    assert_eq!(defined("connection_users"), 1, "{text}");
    assert!(!text.contains("connection_users_2"), "{text}");
    assert_eq!(
        text.matches("\"uses\"| connection_users\n").count(),
        2,
        "{text}"
    );
}

#[test]
fn an_html_graph_of_a_workspace_outside_the_current_folder_links_its_real_files() {
    let here = empty_dir("graph-here", &["flows"]);
    let away = empty_dir("graph-away", &["flows"]);
    for (dir, name) in [(&here, "Here"), (&away, "Away")] {
        std::fs::write(dir.join("flowls.toml"), "").unwrap();
        std::fs::write(
            dir.join(format!("flows/{name}.json")),
            format!(r#"{{"name": "{name}", "actions": []}}"#),
        )
        .unwrap();
    }
    let away_arg = away.to_string_lossy().into_owned();
    let out = flowls(&["graph", ".", &away_arg, "--format", "html"], &here);
    let html = String::from_utf8_lossy(&out.stdout);
    let root = html
        .split(r#"data-root=""#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a data-root");
    let root = root.strip_prefix("file://").expect(root);
    // each node's link, its root and file joined as the page joins them, is a real file
    let files: Vec<&str> = html
        .split(r#"data-file=""#)
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("flows/Away.json")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("flows/Here.json")),
        "{files:?}"
    );
    for f in files {
        assert!(!f.starts_with('/'), "{f}");
        let joined = format!("{}{f}", root.replace("%20", " "));
        assert!(
            Path::new(&joined).is_file(),
            "{joined} (root {root}, file {f})"
        );
    }
}

#[test]
fn a_graph_says_which_files_it_could_not_draw() {
    let dir = empty_dir("graph-not-drawn", &["flows"]);
    std::fs::write(dir.join("flowls.toml"), "").unwrap();
    std::fs::write(
        dir.join("flows/ok.json"),
        r#"{"name": "Fine", "actions": []}"#,
    )
    .unwrap();
    std::fs::write(dir.join("flows/bad.json"), "{ this is not json").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", dir.join("flows/passwd.json")).unwrap();
    let out = flowls(&["graph", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("flow_fine"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("flows/bad.json (it does not parse)"), "{err}");
    #[cfg(unix)]
    {
        assert!(
            err.contains("files not drawn") && err.contains("flows/passwd.json (a symbolic link"),
            "{err}"
        );
        assert!(!err.contains("root:"), "{err}");
    }
    assert!(!err.contains("//"), "{err}");
}
