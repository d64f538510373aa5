//! `flowls check`: the analysis over files on disk, printed for people or machines
//! (human, json, sarif, github). Exit codes: 0 clean, 1 findings at or above `--deny`,
//! 2 usage or I/O error.

pub mod graph;
pub mod scopes;

use crate::analysis::{self, Diagnostic, Severity};
use crate::display::escape_control;
use crate::syntax::line_index::ColumnUnit;
use crate::workspace::{Settings, Workspace, disk};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// `check --deny`: the least severe finding that fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Deny {
    Error,
    Warning,
    #[value(alias = "information")]
    Info,
    Hint,
}

impl From<Deny> for Severity {
    fn from(d: Deny) -> Severity {
        match d {
            Deny::Error => Severity::Error,
            Deny::Warning => Severity::Warning,
            Deny::Info => Severity::Information,
            Deny::Hint => Severity::Hint,
        }
    }
}

/// `test-connection --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ResultFormat {
    Human,
    Json,
}

/// One finding with its place, ready to print.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Relative to the checked folder, `/`-separated (the human and json formats).
    pub path: String,
    /// Relative to the current folder, `/`-separated (`..` when outside it): where CI runs,
    /// so that SARIF and GitHub annotations land on the file (the sarif and github formats).
    pub from_cwd: String,
    /// 1-based; columns count characters; the end is exclusive.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub diagnostic: Diagnostic,
    /// The source lines the range covers, for the human format.
    pub source_line: String,
    /// The places that explain the finding (the diagnostic's `related`), located.
    pub related: Vec<RelatedPlace>,
}

/// A place that explains a finding, with its path in both forms like [`Finding`].
#[derive(Debug, Clone)]
pub struct RelatedPlace {
    pub path: String,
    pub from_cwd: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

pub struct CheckOutcome {
    /// The current folder, absolute (SARIF's base for `from_cwd`).
    pub cwd: PathBuf,
    pub findings: Vec<Finding>,
    pub files_checked: usize,
    /// The files reported already: arguments that overlap report each file once.
    pub checked: std::collections::HashSet<PathBuf>,
    /// Files that were not read, with the reason.
    pub notes: Vec<Note>,
}

/// A file that was not read (a link leaving the root, a FIFO, a name that is not UTF-8, a file
/// over the size limit): in every format, so that no file goes unchecked without a trace.
#[derive(Debug, Clone)]
pub struct Note {
    /// As [`Finding::path`].
    pub path: String,
    /// As [`Finding::from_cwd`].
    pub from_cwd: String,
    /// Why it was not read.
    pub message: String,
}

/// Where the workspace of a file starts: the nearest folder upwards holding `flowls.toml`,
/// a `flows/` or `flow-vault-connections/` folder, or `.git`; else the file's folder.
pub fn workspace_root_of(file: &Path) -> PathBuf {
    let start = file.parent().unwrap_or(Path::new("."));
    root_from(start)
}

/// The workspace a folder belongs to: the folder itself or the nearest one above it that
/// holds `flowls.toml`, `flows/`, `flow-vault-connections/`, `forms/`, a deploy-cli
/// `tenant.yaml` or `.git`; else the folder.
/// `flowls check flows/` is then checked with the vaults and grants beside it.
pub fn root_from(start: &Path) -> PathBuf {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if crate::model::layout::ROOT_MARKERS
            .iter()
            .chain(&[".git"])
            .any(|m| d.join(m).exists())
        {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    start.to_path_buf()
}

/// Checks folders and files, each within the workspace around it (a folder's files are all
/// reported; a file's alone). Paths are shown from the folder or file's own folder, or from
/// the current folder when several are given.
pub fn check(
    paths: &[PathBuf],
    settings: &Settings,
    env: Vec<(String, String)>,
) -> anyhow::Result<CheckOutcome> {
    use anyhow::Context;
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let mut outcome = CheckOutcome {
        cwd: cwd.clone(),
        findings: Vec::new(),
        files_checked: 0,
        checked: Default::default(),
        notes: Vec::new(),
    };
    for arg in paths {
        let abs = if arg.is_absolute() {
            arg.clone()
        } else {
            cwd.join(arg)
        };
        let shown = || crate::display::path(arg, Path::new(""));
        let meta = std::fs::metadata(&abs).with_context(shown)?;
        let (root, mut display_base) = if meta.is_dir() {
            (root_from(&abs), abs.clone())
        } else {
            let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
            (workspace_root_of(&abs), base)
        };
        if paths.len() > 1 {
            // several workspaces at once: paths from the current folder tell them apart
            display_base = cwd.clone();
        }
        // what is reported: the file, or the files below the folder
        let within = abs.clone();
        let only = (!meta.is_dir()).then(|| abs.clone());
        // a folder: a workspace for each deploy-cli root in it; a file: the one around it
        let (mut workspaces, unreadable) = if only.is_some() {
            let (ws, unreadable) = disk::load(&root, settings.clone(), env.clone());
            (vec![ws], unreadable)
        } else {
            disk::load_each_root(&root, settings.clone(), env.clone())
        };
        for ws in &workspaces {
            usable_mappings(ws, &unreadable)?;
        }
        if let Some(file) = &only
            && let Some(ws) = workspaces.first_mut()
            && ws.file(file).is_none()
        {
            // a file flowls would not pick up by itself (another name): check it anyway
            let text =
                disk::read_in(file, &disk::Roots::new([root.as_path()])).with_context(shown)?;
            ws.set_file(file.clone(), text);
        }
        for (p, why) in unreadable {
            if p.starts_with(&within) && outcome.checked.insert(p.clone()) {
                outcome.notes.push(Note {
                    path: crate::display::path(&p, &display_base),
                    from_cwd: relative_to(&p, &cwd),
                    message: why.to_string(),
                });
            }
        }
        for ws in &workspaces {
            collect(ws, &within, &display_base, &mut outcome);
        }
    }
    Ok(outcome)
}

/// An error (exit 2) when the keyword mappings file cannot be used: checking without the
/// mappings the user named would report every marker they resolve, or none of them.
pub(crate) fn usable_mappings(
    ws: &Workspace,
    unreadable: &[(PathBuf, disk::Unread)],
) -> anyhow::Result<()> {
    let Some(problem) = ws.mappings_problem() else {
        return Ok(());
    };
    let path = ws.root.join(&ws.settings.keyword_mappings_file);
    let shown = crate::display::path(&path, &ws.root);
    // why it was not read, when the scan knows
    let why = unreadable
        .iter()
        .find(|(p, _)| *p == path)
        .map_or_else(|| problem.to_string(), |(_, why)| why.to_string());
    if ws.settings.keyword_mappings_named {
        anyhow::bail!("--keyword-mappings {shown}: {why}");
    }
    anyhow::bail!("{shown}: {why} (see --keyword-mappings)");
}

/// `path` relative to `base` (both absolute), with `..` where it lies outside, `/`-separated
/// and with control characters escaped.
fn relative_to(path: &Path, base: &Path) -> String {
    use std::path::Component;
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return crate::display::path(path, Path::new(""));
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &p[common..] {
        rel.push(c.as_os_str());
    }
    crate::display::path(&rel, Path::new(""))
}

fn collect(ws: &Workspace, within: &Path, base: &Path, outcome: &mut CheckOutcome) {
    for file in ws.files() {
        if !file.path.starts_with(within)
            || !file.kind.is_checked()
            || !outcome.checked.insert(file.path.clone())
        {
            continue;
        }
        outcome.files_checked += 1;
        let (diags, secrets) = analysis::diagnostics_and_secrets(ws, &file.path);
        if diags.is_empty() {
            continue;
        }
        let index = file.line_index();
        for d in diags {
            let (line, column, end_line, end_column) = span_of(file, d.range);
            let source = index.line_range(&file.text, line - 1);
            let related = d
                .related
                .iter()
                .filter_map(|r| {
                    let (line, column, end_line, end_column) = span_of(ws.file(&r.path)?, r.range);
                    Some(RelatedPlace {
                        path: crate::display::path(&r.path, base),
                        from_cwd: relative_to(&r.path, &outcome.cwd),
                        line,
                        column,
                        end_line,
                        end_column,
                        message: r.message.clone(),
                    })
                })
                .collect();
            outcome.findings.push(Finding {
                related,
                path: crate::display::path(&file.path, base),
                from_cwd: relative_to(&file.path, &outcome.cwd),
                line,
                column,
                end_line,
                end_column,
                source_line: masked(&file.text, source, &secrets),
                diagnostic: d,
            });
        }
    }
}

/// A range of a file as 1-based line and column (in characters) of its start and its end.
fn span_of(
    file: &crate::workspace::SourceFile,
    range: crate::syntax::TextRange,
) -> (usize, usize, usize, usize) {
    let index = file.line_index();
    let (l1, c1) = index.position(&file.text, range.start as usize, ColumnUnit::Char);
    let (l2, c2) = index.position(&file.text, range.end as usize, ColumnUnit::Char);
    (l1 + 1, c1 + 1, l2 + 1, c2 + 1)
}

/// The text of a line with every literal secret on it replaced by `*` (the quotes kept), so
/// that no printed line shows one, whichever finding prints it.
fn masked(
    text: &str,
    line: std::ops::Range<usize>,
    secrets: &[crate::syntax::TextRange],
) -> String {
    // a quoted secret keeps its quotes; a plain YAML one is masked whole
    let quoted = |r: &crate::syntax::TextRange| {
        matches!(text.as_bytes().get(r.start as usize), Some(b'"' | b'\''))
    };
    let mut out = String::with_capacity(line.len());
    for (i, c) in text[line.clone()].char_indices() {
        let at = line.start + i;
        let inside = secrets.iter().any(|r| {
            let (start, end) = (r.start as usize, r.end as usize);
            if quoted(r) {
                start < at && at + c.len_utf8() < end
            } else {
                start <= at && at < end
            }
        });
        out.push(if inside { '*' } else { c });
    }
    out
}

/// The exit code for these findings: 1 when any is at or above `deny`.
pub fn exit_code(findings: &[Finding], deny: Severity) -> i32 {
    i32::from(findings.iter().any(|f| f.diagnostic.severity <= deny))
}

pub fn render(outcome: &CheckOutcome, format: Format) -> String {
    match format {
        Format::Human => human(outcome),
        Format::Json => {
            let diags: Vec<_> = outcome
                .findings
                .iter()
                .map(|f| {
                    json!({
                        "path": f.path, "line": f.line, "column": f.column,
                        "end_line": f.end_line, "end_column": f.end_column,
                        "severity": f.diagnostic.severity.as_str(),
                        "code": f.diagnostic.code, "message": f.diagnostic.message,
                        "related": f.related.iter().map(|r| json!({
                            "path": r.path, "line": r.line, "column": r.column,
                            "end_line": r.end_line, "end_column": r.end_column, "message": r.message,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let notes: Vec<_> = outcome
                .notes
                .iter()
                .map(|n| json!({ "path": n.path, "message": n.message }))
                .collect();
            let mut s =
                serde_json::to_string_pretty(&json!({ "diagnostics": diags, "notes": notes }))
                    .unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Sarif => sarif(outcome),
        Format::Github => {
            let mut s = String::new();
            for f in &outcome.findings {
                let level = match f.diagnostic.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Information | Severity::Hint => "notice",
                };
                let _ = writeln!(
                    s,
                    "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                    gh_property(&f.from_cwd),
                    f.line,
                    f.column,
                    f.end_line,
                    f.end_column,
                    gh_property(&format!("flowls {}", f.diagnostic.code)),
                    gh_data(&escape_control(&f.diagnostic.message, false))
                );
            }
            for n in &outcome.notes {
                let _ = writeln!(
                    s,
                    "::notice file={},title=flowls file not read::{}",
                    gh_property(&n.from_cwd),
                    gh_data(&format!("{} was not read: {}", n.from_cwd, n.message))
                );
            }
            s
        }
    }
}

fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn human(outcome: &CheckOutcome) -> String {
    let mut s = String::new();
    for f in &outcome.findings {
        let d = &f.diagnostic;
        let _ = writeln!(
            s,
            "{}[{}]: {}",
            d.severity.as_str(),
            d.code,
            escape_control(&d.message, false)
        );
        let gutter = f.line.to_string().len();
        let pad = " ".repeat(gutter);
        let _ = writeln!(s, "{pad}--> {}:{}:{}", f.path, f.line, f.column);
        let _ = writeln!(s, "{pad} |");
        // secrets are masked already (`masked`)
        let line: String = f
            .source_line
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        let _ = writeln!(s, "{} | {}", f.line, escape_control(&line, true));
        let width = if f.end_line == f.line {
            f.end_column.saturating_sub(f.column).max(1)
        } else {
            line.chars().count().saturating_sub(f.column - 1).max(1)
        };
        let _ = writeln!(
            s,
            "{pad} | {}{}",
            " ".repeat(f.column - 1),
            "^".repeat(width)
        );
        for r in &f.related {
            let _ = writeln!(
                s,
                "{pad} = note: {}: {}:{}:{}",
                escape_control(&r.message, false),
                r.path,
                r.line,
                r.column
            );
        }
        s.push('\n');
    }
    for n in &outcome.notes {
        let _ = writeln!(s, "note: {} was not read: {}", n.path, n.message);
    }
    let count = |sev: Severity| {
        outcome
            .findings
            .iter()
            .filter(|f| f.diagnostic.severity == sev)
            .count()
    };
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let _ = writeln!(
        s,
        "{}, {}, {} and {} in {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        // a file that was not read is a note too, printed above
        plural(count(Severity::Information) + outcome.notes.len(), "note"),
        plural(count(Severity::Hint), "hint"),
        plural(outcome.files_checked, "file")
    );
    s
}

/// Long: the SARIF document written out as one `json!` value, as the format reads.
fn sarif(outcome: &CheckOutcome) -> String {
    let mut codes: Vec<&str> = outcome.findings.iter().map(|f| f.diagnostic.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<_> = codes
        .iter()
        .map(|c| {
            let rule = analysis::rules::rule(c);
            json!({
                "id": c,
                "name": c,
                "shortDescription": { "text": rule.map_or("flowls finding", |r| r.summary) },
                "fullDescription": { "text": rule.map_or("", |r| r.explanation) },
                "help": {
                    "text": rule.map(|r| r.text()).unwrap_or_default(),
                    "markdown": rule.map(|r| r.markdown()).unwrap_or_default(),
                },
                "defaultConfiguration": { "level": sarif_level(c) },
            })
        })
        .collect();
    let results: Vec<_> = outcome
        .findings
        .iter()
        .map(|f| {
            let level = match f.diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Information | Severity::Hint => "note",
            };
            json!({
                "ruleId": f.diagnostic.code,
                "ruleIndex": codes.iter().position(|c| *c == f.diagnostic.code),
                "level": level,
                "message": { "text": f.diagnostic.message },
                "partialFingerprints": { "flowls/v1": fingerprint(f) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_path(&f.from_cwd), "uriBaseId": "SRCROOT" },
                        "region": {
                            "startLine": f.line, "startColumn": f.column,
                            "endLine": f.end_line, "endColumn": f.end_column
                        }
                    }
                }],
                "relatedLocations": f.related.iter().enumerate().map(|(i, r)| json!({
                    "id": i,
                    "message": { "text": r.message },
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_path(&r.from_cwd), "uriBaseId": "SRCROOT" },
                        "region": {
                            "startLine": r.line, "startColumn": r.column,
                            "endLine": r.end_line, "endColumn": r.end_column
                        }
                    }
                })).collect::<Vec<_>>()
            })
        })
        .collect();
    let notifications: Vec<_> = outcome
        .notes
        .iter()
        .map(|n| {
            json!({
                "level": "note",
                "message": { "text": format!("{} was not read: {}", n.from_cwd, n.message) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_path(&n.from_cwd), "uriBaseId": "SRCROOT" }
                    }
                }]
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "flowls",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            } },
            "originalUriBaseIds": {
                "SRCROOT": {
                    "uri": format!("file://{}/", uri_path(&outcome.cwd.to_string_lossy()).trim_end_matches('/')),
                    "description": { "text": "The folder flowls check ran in (the repository root in CI)." }
                }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications
            }],
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// A path as a URI reference: each byte outside the unreserved set and `/` percent-encoded.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A finding's identity across runs, for code scanning to follow it as lines move: its code,
/// file and the text of its line (FNV-1a, 64 bits: stable across versions and machines).
fn fingerprint(f: &Finding) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [f.diagnostic.code, &f.from_cwd, f.source_line.trim()] {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The SARIF level of a code's findings (the most severe it can have).
fn sarif_level(code: &str) -> &'static str {
    match analysis::rules::rule(code).map(|r| r.severity) {
        Some(Severity::Error) => "error",
        Some(Severity::Warning) => "warning",
        _ => "note",
    }
}

/// `flowls scopes [PATH]`: the least-privilege report of the workspace at `path` (a folder is
/// the workspace; a file is checked with the workspace around it).
pub fn scopes(
    path: &Path,
    settings: &Settings,
    env: Vec<(String, String)>,
) -> anyhow::Result<analysis::least_privilege::Report> {
    use anyhow::Context;
    let abs = std::env::current_dir()
        .context("cannot read the current folder")?
        .join(path);
    let meta =
        std::fs::metadata(&abs).with_context(|| crate::display::path(path, Path::new("")))?;
    let root = if meta.is_dir() {
        root_from(&abs)
    } else {
        workspace_root_of(&abs)
    };
    let (ws, unreadable) = disk::load(&root, settings.clone(), env);
    usable_mappings(&ws, &unreadable)?;
    Ok(analysis::least_privilege::report(&ws))
}

/// `flowls test-connection PATH`: the same check as the editor command, for a terminal.
/// `path` is a vault file, or a flow file with `connection` naming the connection. `Err` is a
/// usage or I/O error (exit 2); every other outcome is a [`crate::test_connection::TestResult`].
pub fn test_connection(
    path: &Path,
    connection: Option<&str>,
    settings: &Settings,
    test: &crate::test_connection::Settings,
    env: Vec<(String, String)>,
) -> anyhow::Result<crate::test_connection::TestResult> {
    use anyhow::Context;
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let abs = cwd.join(path);
    if !abs.is_file() {
        anyhow::bail!(
            "{}: no such file",
            crate::display::path(path, Path::new(""))
        );
    }
    let root = workspace_root_of(&abs);
    let (mut ws, unreadable) = disk::load(&root, settings.clone(), env);
    usable_mappings(&ws, &unreadable)?;
    if ws.file(&abs).is_none() {
        let text = disk::read_in(&abs, &disk::Roots::new([root.as_path()]))
            .with_context(|| crate::display::path(path, Path::new("")))?;
        ws.set_file(abs.clone(), text);
    }
    let test = crate::test_connection::Settings {
        ca_certificates: test.ca_certificates.iter().map(|c| cwd.join(c)).collect(),
        ..test.clone()
    };
    let plan = match crate::test_connection::prepare(&ws, &abs, connection, &test) {
        Ok(p) => p,
        Err(result) => return Ok(*result),
    };
    if !plan.trusted {
        return Ok(crate::test_connection::untrusted(&plan, "untrusted_host"));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start")?;
    Ok(rt.block_on(crate::test_connection::run(&plan, &test)))
}
