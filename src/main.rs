//! The `flowls` binary: argument parsing and exit codes only.

use clap::{Parser, Subcommand};
use flowls::catalogue::schema;
use flowls::cli::graph::GraphFormat;
use flowls::cli::scopes::{ScopesDeny, ScopesFormat};
use flowls::cli::{self, Deny, Format, ResultFormat};
use flowls::workspace::Settings;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "flowls",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("FLOWLS_GIT_REV"), ")"),
    about = "Language server and checker for Auth0 Forms flows and Flows Vault connections"
)]
struct Args {
    /// Speak LSP over stdio (the same as `flowls lsp`).
    #[arg(long)]
    stdio: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check flows, vault connections, grants and flowls.toml; exit 1 on findings.
    Check(CheckArgs),
    /// Run the language server over stdio.
    Lsp {
        /// Accepted for editors that pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Test a vault connection's credentials and granted scopes against the tenant.
    TestConnection(TestConnectionArgs),
    /// Least privilege: per M2M application, the scopes its flows need, what it was granted,
    /// what is missing and what is excess; or the exact grant to paste.
    Scopes(ScopesArgs),
    /// The picture of what runs: forms, the flows they start, their actions, connections and
    /// M2M applications with their scopes, and the findings on each.
    Graph(GraphArgs),
    /// Print a bundled JSON Schema.
    Schema {
        #[arg(value_enum)]
        kind: SchemaKind,
    },
    /// Explain a diagnostic code: what it means, why it matters, how to fix it.
    Explain {
        /// A code such as `missing-scope`.
        code: String,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Folders (checked whole) or files; the current folder when none.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 1 on findings at or above this severity: error, warning, info or hint.
    #[arg(long, value_enum, default_value_t = Deny::Error)]
    deny: Deny,
    /// The deploy-cli config with AUTH0_KEYWORD_REPLACE_MAPPINGS, relative to the workspace
    /// (default: config.json, if there). A file named here must hold them.
    #[arg(long, value_name = "FILE")]
    keyword_mappings: Option<String>,
    /// Do not report secrets written in plain text.
    #[arg(long)]
    no_plaintext_secrets: bool,
}

#[derive(clap::Args)]
struct TestConnectionArgs {
    /// A vault connection file (or a flow file with --connection).
    path: PathBuf,
    /// The connection's name, when PATH is not the vault file.
    #[arg(long)]
    connection: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ResultFormat::Human)]
    format: ResultFormat,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout_seconds: f64,
    /// Extra trusted root certificates (PEM), for a tenant behind a private CA.
    #[arg(long = "ca-certificate")]
    ca_certificates: Vec<PathBuf>,
    /// Allow plain http to a loopback domain such as 127.0.0.1:8443 (local test tenants).
    #[arg(long)]
    allow_http_loopback: bool,
    /// A host credentials may be sent to besides *.auth0.com (`login.example.com`, or
    /// `*.example.com`); repeatable. Any other host is refused, with nothing sent.
    #[arg(long = "trust-host", value_name = "HOST")]
    trust_hosts: Vec<String>,
    /// The deploy-cli config with AUTH0_KEYWORD_REPLACE_MAPPINGS, relative to the workspace
    /// (default: config.json, if there). A file named here must hold them.
    #[arg(long, value_name = "FILE")]
    keyword_mappings: Option<String>,
}

#[derive(clap::Args)]
struct ScopesArgs {
    /// The workspace folder (or a file in it); the current folder when none.
    path: Option<PathBuf>,
    /// Output: a table for people, json, or the exact grant as deploy-cli's grants/*.json body
    /// or a Terraform auth0_client_grant.
    #[arg(long, value_enum, default_value_t = ScopesFormat::Table)]
    format: ScopesFormat,
    /// Exit 1 on missing scopes (always), and with `excess` on excess scopes too.
    #[arg(long, value_enum, default_value_t = ScopesDeny::Missing)]
    deny: ScopesDeny,
    /// The deploy-cli config with AUTH0_KEYWORD_REPLACE_MAPPINGS, relative to the workspace
    /// (default: config.json, if there). A file named here must hold them.
    #[arg(long, value_name = "FILE")]
    keyword_mappings: Option<String>,
}

#[derive(clap::Args)]
struct GraphArgs {
    /// Folders (their whole workspace) or files (the forms and flows each holds or takes part
    /// in); the current folder when none.
    paths: Vec<PathBuf>,
    /// Output: mermaid or dot text, or svg and a self-contained html page (each form and flow laid
    /// out by the layout-rs library).
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    format: GraphFormat,
    /// Only this form, with the flows it starts (repeatable).
    #[arg(long = "form", value_name = "NAME")]
    forms: Vec<String>,
    /// Only this flow (repeatable).
    #[arg(long = "flow", value_name = "NAME")]
    flows: Vec<String>,
    /// Write to this file instead of the standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Show every action, also in long runs of plain actions (folded by default).
    #[arg(long)]
    no_fold: bool,
    /// The deploy-cli config with AUTH0_KEYWORD_REPLACE_MAPPINGS, relative to the workspace
    /// (default: config.json, if there). A file named here must hold them.
    #[arg(long, value_name = "FILE")]
    keyword_mappings: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaKind {
    Flow,
    Vault,
    Form,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match args.command {
        None if args.stdio => run_lsp(),
        Some(Command::Lsp { .. }) => run_lsp(),
        None => {
            eprintln!(
                "flowls: say what to do: `flowls check [PATH…]`, `flowls lsp` or `flowls schema flow|vault|form` (see --help)"
            );
            ExitCode::from(2)
        }
        Some(Command::Explain { code }) => explain(&code),
        Some(Command::Schema { kind }) => {
            let schema = match kind {
                SchemaKind::Flow => schema::flow(),
                SchemaKind::Vault => schema::vault(),
                SchemaKind::Form => schema::form(),
            };
            print!("{}", schema::to_text(&schema));
            ExitCode::SUCCESS
        }
        Some(Command::TestConnection(a)) => test_connection(a),
        Some(Command::Check(a)) => check(a),
        Some(Command::Scopes(a)) => scopes(a),
        Some(Command::Graph(a)) => graph(a),
    }
}

fn explain(code: &str) -> ExitCode {
    if let Some(rule) = flowls::analysis::rules::rule(code) {
        print!("{}", rule.markdown());
        return ExitCode::SUCCESS;
    }
    let known: Vec<&str> = flowls::analysis::rules::RULES
        .iter()
        .map(|r| r.code)
        .collect();
    eprintln!(
        "flowls: unknown code `{}`: the codes are {}",
        flowls::display::escape_control(code, false),
        known.join(", ")
    );
    ExitCode::from(2)
}

/// The settings for `--keyword-mappings`: a file named there must be usable (exit 2 if not).
fn mappings_settings(named: Option<String>) -> Settings {
    let d = Settings::default();
    Settings {
        keyword_mappings_named: named.is_some(),
        keyword_mappings_file: named.unwrap_or(d.keyword_mappings_file.clone()),
        ..d
    }
}

fn test_connection(a: TestConnectionArgs) -> ExitCode {
    let settings = mappings_settings(a.keyword_mappings);
    let test = flowls::test_connection::Settings {
        timeout: std::time::Duration::from_secs_f64(a.timeout_seconds.clamp(0.1, 600.0)),
        ca_certificates: a.ca_certificates,
        allow_http_loopback: a.allow_http_loopback,
        trusted_hosts: a.trust_hosts,
    };
    let env = std::env::vars().collect();
    match cli::test_connection(&a.path, a.connection.as_deref(), &settings, &test, env) {
        Ok(result) => {
            if a.format == ResultFormat::Json {
                println!(
                    "{}",
                    flowls::display::json_for_terminal(
                        serde_json::to_string_pretty(&result).unwrap_or_default()
                    )
                );
            } else {
                println!("{}", result.summary());
            }
            if result.ok && result.missing_scopes.is_empty() {
                ExitCode::SUCCESS
            } else if result.error.as_deref() == Some("untrusted_host") {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("flowls: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn scopes(a: ScopesArgs) -> ExitCode {
    use std::io::IsTerminal;
    let settings = mappings_settings(a.keyword_mappings);
    let path = a.path.unwrap_or_else(|| PathBuf::from("."));
    match cli::scopes(&path, &settings, std::env::vars().collect()) {
        Ok(report) => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let text = cli::scopes::render(&report, a.format, colour);
            if a.format == cli::scopes::ScopesFormat::Json {
                print!("{}", flowls::display::json_for_terminal(text));
            } else {
                print!("{text}");
            }
            ExitCode::from(cli::scopes::exit_code(&report, a.deny))
        }
        Err(e) => {
            eprintln!("flowls: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn graph(a: GraphArgs) -> ExitCode {
    let paths = if a.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        a.paths
    };
    let settings = mappings_settings(a.keyword_mappings);
    let request = cli::graph::Request {
        forms: a.forms,
        flows: a.flows,
        no_fold: a.no_fold,
    };
    let drawn = match cli::graph::graph(
        &paths,
        &settings,
        std::env::vars().collect(),
        &request,
        a.format,
    ) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("flowls: {e:#}");
            return ExitCode::from(2);
        }
    };
    if drawn.nodes == 0 {
        eprintln!("flowls: {}", flowls::graph::NOTHING_TO_DRAW);
    }
    if !drawn.not_drawn.is_empty() {
        // the picture is of what could be read: say what it leaves out
        const SHOWN: usize = 5;
        let n = drawn.not_drawn.len();
        let mut list = drawn.not_drawn[..n.min(SHOWN)].join("; ");
        if n > SHOWN {
            list.push_str(&format!("; and {} more", n - SHOWN));
        }
        eprintln!(
            "flowls: {n} file{} not drawn, or not in full: {list} (`flowls check` says more)",
            if n == 1 { "" } else { "s" }
        );
    }
    let text = drawn.text;
    match a.output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!(
                    "flowls: {}: {e}",
                    flowls::display::path(&path, std::path::Path::new(""))
                );
                return ExitCode::from(2);
            }
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

fn check(a: CheckArgs) -> ExitCode {
    let paths = if a.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        a.paths
    };
    let settings = Settings {
        plaintext_secrets: !a.no_plaintext_secrets,
        ..mappings_settings(a.keyword_mappings)
    };
    match cli::check(&paths, &settings, std::env::vars().collect()) {
        Ok(outcome) => {
            // JSON leaves C1 controls and bidirectional overrides as they are; the other
            // formats escape them where they print repository text
            let text = cli::render(&outcome, a.format);
            if matches!(a.format, cli::Format::Json | cli::Format::Sarif) {
                print!("{}", flowls::display::json_for_terminal(text));
            } else {
                print!("{text}");
            }
            ExitCode::from(cli::exit_code(&outcome.findings, a.deny.into()) as u8)
        }
        Err(e) => {
            eprintln!("flowls: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run_lsp() -> ExitCode {
    match flowls::lsp::run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("flowls: {e}");
            ExitCode::from(1)
        }
    }
}
