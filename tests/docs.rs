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
