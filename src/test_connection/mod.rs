//! Test connection: the client-credentials grant against the tenant (or an OAuth token
//! endpoint) with a vault connection's credentials. The only code that touches the network,
//! and only on explicit request.
//!
//! Secrets live in [`Secret`], whose `Debug` and `Display` print `***`; every text that leaves
//! this module goes through [`Redactor`], so a tenant that echoes a credential cannot leak it.

use crate::model::vault::Setup;
use crate::workspace::{VaultInfo, Workspace};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

/// A credential. Printing it shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Removes every secret from a text, in every form a tenant could echo it. The text is matched
/// as decoded — percent-encoding (any hex case, `+` as a space or as itself), JSON and C-style
/// escapes (`\u0063`, `\x63`), HTML character references, any letter case — against each secret
/// and its base64 (standard and URL-safe, at the three alignments inside a longer base64 text,
/// and the `client_id:client_secret` pair of a Basic authorization) and hex forms. Not only
/// whole copies go: every run of [`Redactor::RUN`] or more characters that stands in a
/// secret (a secret cut short, split across two fields, wrapped over lines), and, for a secret
/// shorter than that, each copy standing as a word of its own. Secrets are matched longest
/// first, so that no part of a longer one survives the scrubbing of a shorter one it starts with.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Every secret and every encoded form of one, lower-cased, longest first; with whether
    /// its parts go too (not for a keyword value of the repository's, such as a domain, whose
    /// parts are ordinary words of a tenant's message).
    forms: Vec<(Secret, bool)>,
}

impl Redactor {
    /// The shortest part of a secret scrubbed wherever it stands in a tenant's text.
    pub const RUN: usize = 8;
    /// The same for the tenant's short error code, which a secret's head could stand in.
    pub const CODE_RUN: usize = 4;

    /// Scrubs `secrets` (the first two: the client id and secret), their parts too.
    pub fn new(secrets: &[Secret]) -> Redactor {
        Redactor::with_whole_values(secrets, &[])
    }

    /// Scrubs `secrets` as [`Redactor::new`] does, and `whole` values only where they stand
    /// whole (in any encoding).
    pub fn with_whole_values(secrets: &[Secret], whole: &[Secret]) -> Redactor {
        let encoded = |s: &str| -> Vec<String> {
            let mut forms = vec![s.to_string()];
            forms.extend(base64_forms(s.as_bytes()));
            forms.push(s.bytes().map(|b| format!("{b:02x}")).collect());
            forms
        };
        let mut forms: Vec<(String, bool)> = Vec::new();
        for (list, parts) in [(secrets, true), (whole, false)] {
            for s in list.iter().map(Secret::expose).filter(|s| !s.is_empty()) {
                forms.extend(encoded(s).into_iter().map(|f| (f, parts)));
            }
        }
        // the pair a Basic authorization carries
        if let [id, secret, ..] = secrets {
            let pair = format!("{}:{}", id.expose(), secret.expose());
            forms.extend(base64_forms(pair.as_bytes()).into_iter().map(|f| (f, true)));
        }
        let mut forms: Vec<(String, bool)> = forms
            .into_iter()
            .map(|(f, parts)| (f.to_lowercase(), parts))
            .collect();
        forms.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.cmp(b)));
        forms.dedup_by(|a, b| a.0 == b.0 && (b.1 |= a.1, true).1);
        Redactor {
            forms: forms
                .into_iter()
                .map(|(f, parts)| (Secret::new(f), parts))
                .collect(),
        }
    }

    /// A text of the tenant's for people (a description, a message).
    pub fn redact(&self, text: &str) -> String {
        self.scrub(text, Self::RUN)
    }

    /// The tenant's error code: one of OAuth's and Auth0's as it is, anything else with every
    /// run of [`Redactor::CODE_RUN`] characters of a secret hidden (a code is short, and a
    /// secret's head could stand in it).
    pub fn redact_code(&self, text: &str) -> String {
        const KNOWN: &[&str] = &[
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
            "access_denied",
            "server_error",
            "temporarily_unavailable",
            "too_many_requests",
            "invalid_token",
            "insufficient_scope",
            "invalid_audience",
            "consent_required",
            "mfa_required",
        ];
        if KNOWN.contains(&text) {
            return text.to_string();
        }
        self.scrub(text, Self::CODE_RUN)
    }

    fn scrub(&self, text: &str, run: usize) -> String {
        if self.forms.is_empty() || text.is_empty() {
            return text.to_string();
        }
        let mut hidden: Vec<(usize, usize)> = Vec::new();
        for plus_is_space in [false, true] {
            let (decoded, spans) = decode(text, plus_is_space);
            for (form, parts) in &self.forms {
                let run = if *parts { run } else { usize::MAX };
                mark(&decoded, &spans, form.expose().as_bytes(), run, &mut hidden);
            }
        }
        replace_spans(text, hidden)
    }
}

/// `text` read as a tenant might have encoded it, lower-cased, with the span of `text` each
/// decoded byte came from.
fn decode(text: &str, plus_is_space: bool) -> (Vec<u8>, Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut spans = Vec::with_capacity(bytes.len());
    let hex_at = |from: usize, len: usize| -> Option<u32> {
        let digits = bytes.get(from..from + len)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let push_char =
        |c: u32, span: (usize, usize), decoded: &mut Vec<u8>, spans: &mut Vec<(usize, usize)>| {
            let mut buf = [0u8; 4];
            let ch = char::from_u32(c).unwrap_or('\u{fffd}');
            for b in ch.encode_utf8(&mut buf).bytes() {
                decoded.push(b.to_ascii_lowercase());
                spans.push(span);
            }
        };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // each form: (the decoded character, how many bytes of the text it takes)
        let escape: Option<(u32, usize)> = match b {
            b'%' => hex_at(i + 1, 2).map(|v| (v, 3)),
            b'\\' => match bytes.get(i + 1) {
                Some(b'u') => hex_at(i + 2, 4).map(|v| (v, 6)),
                Some(b'x') => hex_at(i + 2, 2).map(|v| (v, 4)),
                _ => None,
            },
            b'&' if bytes.get(i + 1) == Some(&b'#') => {
                let (radix, start) = match bytes.get(i + 2) {
                    Some(b'x' | b'X') => (16, i + 3),
                    _ => (10, i + 2),
                };
                let end = bytes[start..]
                    .iter()
                    .take(8)
                    .position(|&c| c == b';')
                    .map(|p| start + p);
                end.and_then(|end| {
                    let digits = std::str::from_utf8(&bytes[start..end]).ok()?;
                    Some((u32::from_str_radix(digits, radix).ok()?, end + 1 - i))
                })
            }
            b'+' if plus_is_space => Some((u32::from(b' '), 1)),
            _ => None,
        };
        match escape {
            // a percent-encoded or `\x` byte is a byte of UTF-8, the rest characters
            Some((v, len)) if (b == b'%' || len == 4) && v < 256 => {
                decoded.push((v as u8).to_ascii_lowercase());
                spans.push((i, i + len));
                i += len;
            }
            Some((v, len)) => {
                push_char(v, (i, i + len), &mut decoded, &mut spans);
                i += len;
            }
            None => {
                decoded.push(b.to_ascii_lowercase());
                spans.push((i, i + 1));
                i += 1;
            }
        }
    }
    (decoded, spans)
}

/// Marks in `hidden` the spans of the text whose decoded bytes are a whole copy of `secret`,
/// or a run of at least `run` bytes that stands in it (`usize::MAX`: whole copies only); a
/// value shorter than [`Redactor::RUN`] is marked only where it stands as a word of its own.
fn mark(
    decoded: &[u8],
    spans: &[(usize, usize)],
    secret: &[u8],
    run: usize,
    hidden: &mut Vec<(usize, usize)>,
) {
    let mut cover = |start: usize, end: usize| hidden.push((spans[start].0, spans[end - 1].1));
    if secret.len() < run {
        // whole copies; a short value only where it stands as a word of its own
        let as_word = secret.len() < Redactor::RUN;
        let word = |c: Option<&u8>| c.is_some_and(u8::is_ascii_alphanumeric);
        let mut from = 0;
        while let Some(at) = memchr::memmem::find(&decoded[from..], secret) {
            let start = from + at;
            let end = start + secret.len();
            if !as_word
                || (!word(start.checked_sub(1).and_then(|p| decoded.get(p)))
                    && !word(decoded.get(end)))
            {
                cover(start, end);
            }
            from = start + 1;
        }
        return;
    }
    let parts: std::collections::HashSet<&[u8]> = secret.windows(run).collect();
    for (start, window) in decoded.windows(run).enumerate() {
        if parts.contains(window) {
            cover(start, start + run);
        }
    }
}

/// `text` with the marked spans (merged where they meet or overlap) replaced by `***`.
fn replace_spans(text: &str, mut hidden: Vec<(usize, usize)>) -> String {
    if hidden.is_empty() {
        return text.to_string();
    }
    hidden.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut open: Option<(usize, usize)> = None;
    let flush = |span: (usize, usize), out: &mut String, last: &mut usize| {
        let (mut start, mut end) = span;
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let start = start.max(*last);
        out.push_str(&text[*last..start]);
        out.push_str("***");
        *last = end.max(*last);
    };
    for (start, end) in hidden {
        open = match open {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some(span) => {
                flush(span, &mut out, &mut last);
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some(span) = open {
        flush(span, &mut out, &mut last);
    }
    out.push_str(&text[last..]);
    out
}

/// The value in base64, standard and URL-safe, padded and not, and the characters it always
/// gives inside a longer base64 text at each of the three alignments.
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out = Vec::new();
    for engine in [&STANDARD, &URL_SAFE] {
        out.push(engine.encode(bytes));
    }
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        for lead in 0..3usize {
            let mut shifted = vec![0u8; lead];
            shifted.extend_from_slice(bytes);
            let text = engine.encode(&shifted);
            // characters that hold a bit of the lead bytes, or of the bytes after the value
            // (the last, partial sextet), depend on what surrounds it: drop them
            let skip = (lead * 8).div_ceil(6);
            let whole = shifted.len() * 8 / 6;
            if whole > skip {
                out.push(text[skip..whole].to_string());
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub timeout: Duration,
    /// Hosts the user trusts besides `*.auth0.com` (`host` or `*.suffix`).
    pub trusted_hosts: Vec<String>,
    /// Extra PEM roots, as absolute paths.
    pub ca_certificates: Vec<PathBuf>,
    pub allow_http_loopback: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(10),
            trusted_hosts: Vec::new(),
            ca_certificates: Vec::new(),
            allow_http_loopback: false,
        }
    }
}

/// Everything needed to run the test, resolved from the workspace.
#[derive(Debug, Clone)]
pub struct Plan {
    pub connection: String,
    pub token_url: String,
    pub client_id: Secret,
    pub client_secret: Secret,
    pub audience: Option<String>,
    pub resource: Option<String>,
    pub scope: Option<String>,
    /// Scope sets the connection's actions need (any one of each set is enough).
    pub needed: Vec<Vec<String>>,
    /// Compare granted against needed (Management API connections).
    pub management_api: bool,
    /// Where the credentials would go (a bare host, checked by `model::host`).
    pub host: String,
    /// Whether the user trusts that host (`*.auth0.com`, `trustedHosts`, `--trust-host`, or a
    /// loopback test tenant with `allowHttpLoopback`). An untrusted host gets nothing unless
    /// the user confirms.
    pub trusted: bool,
    /// The host is one of `*.auth0.com`, trusted for values written in the repository but not
    /// for values from the environment.
    pub trusted_by_default: bool,
    /// The environment variables whose values the request would carry, by name.
    pub env_vars: Vec<String>,
    /// Scrubs the credentials, the values the setup takes from the environment (their parts
    /// too) and those it takes from the repository's mappings (where they stand whole) from
    /// every text of the tenant's; built once, with the plan.
    pub redactor: Redactor,
    /// The audience as it may be shown (see `VaultInfo::audience_shown`).
    pub audience_shown: Option<String>,
    /// The host as it may be shown: as written in the file, with `(environment)` when a
    /// marker in it takes its value from the environment.
    pub host_shown: String,
}

impl Plan {
    /// Why the host is not trusted, for people: "is not a trusted host", or, for a
    /// `*.auth0.com` host, that values from the environment go only to hosts the user named.
    pub fn untrusted_why(&self) -> &'static str {
        if self.trusted_by_default {
            "is trusted for values written in the repository, but values from your environment go only to hosts you name (anyone can own a *.auth0.com tenant)"
        } else {
            "is not a trusted host"
        }
    }

    /// "the values of the environment variables A, B" — by name, never the values — when the
    /// request would carry any.
    pub fn env_values_phrase(&self) -> Option<String> {
        (!self.env_vars.is_empty()).then(|| {
            format!(
                "the values of the environment variables {}",
                self.env_vars.join(", ")
            )
        })
    }
}

/// The hosts trusted without the user naming them, for values written in the repository only.
pub const DEFAULT_TRUSTED: &str = "*.auth0.com";

/// Whether the user named the host (a pattern of `testConnection.trustedHosts` or
/// `--trust-host`): the only hosts that receive values from the environment without a question.
pub fn is_named(host: &crate::model::host::Host, patterns: &[String]) -> bool {
    patterns.iter().any(|p| matches_pattern(host, p))
}

fn matches_pattern(host: &crate::model::host::Host, pattern: &str) -> bool {
    let p = pattern.trim().to_ascii_lowercase();
    match p.strip_prefix("*.") {
        Some(suffix) => host
            .name
            .strip_suffix(suffix)
            .is_some_and(|head| head.ends_with('.') && head.len() > 1),
        None => !p.is_empty() && host.authority == p,
    }
}

/// The keyword markers in a vault's setup: `(key, value)` for each one with a known value,
/// and which of them come from the environment. Their values are scrubbed from whatever the
/// tenant sends back; the environment's are named (never shown) when asking about a host.
struct SetupKeywords {
    /// The values of the repository's mappings.
    values: Vec<Secret>,
    /// The values of the environment, and the variables' names.
    env_values: Vec<Secret>,
    env_vars: Vec<String>,
}

fn setup_keywords(ws: &Workspace, vault: &VaultInfo) -> SetupKeywords {
    let mappings = &ws.index().mappings;
    let mut keys: Vec<&str> = Vec::new();
    let setup = ws.written_setup(vault);
    let mut stack: Vec<&crate::syntax::Node> = setup.into_iter().collect();
    while let Some(n) = stack.pop() {
        // an unquoted marker is a marker node, not a string
        if let crate::syntax::NodeKind::Marker(m) = &n.kind {
            keys.push(m.key.as_str());
        }
        if let Some(text) = n.as_str() {
            match crate::model::keywords::whole_value_marker(text) {
                Some(k) => keys.push(k),
                None => keys.extend(
                    crate::model::keywords::text_markers(text)
                        .into_iter()
                        .map(|(k, _)| k),
                ),
            }
        }
        if let Some(members) = n.as_object() {
            stack.extend(members.iter().filter_map(|m| m.value.as_ref()));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    let values = |from_env: bool| -> Vec<Secret> {
        keys.iter()
            .filter(|k| mappings.is_from_env(k) == from_env)
            .filter_map(|k| mappings.text(k))
            .map(Secret::new)
            .collect()
    };
    SetupKeywords {
        values: values(false),
        env_values: values(true),
        env_vars: keys
            .iter()
            .filter(|k| mappings.is_from_env(k))
            .map(|k| k.to_string())
            .collect(),
    }
}

/// A setup value of a Terraform vault resource that is a variable without a value
/// (`client_secret = var.client_secret`, no default or `.tfvars` value), taken for Test
/// connection from `TF_VAR_client_secret` — never for diagnostics, never shown (its value is
/// `var.client_secret (environment)` to people), and sent only under the trust rules of values
/// from the environment.
struct FromEnv {
    /// The setup's key.
    key: String,
    /// The variable's name.
    variable: String,
    value: Secret,
}

fn terraform_env(ws: &Workspace, vault: &VaultInfo) -> Vec<FromEnv> {
    let is_tf = ws
        .file(&vault.path)
        .is_some_and(|f| f.kind == crate::model::DocKind::Terraform);
    let Some(setup) = ws.written_setup(vault).filter(|_| is_tf) else {
        return Vec::new();
    };
    setup
        .as_object()
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            let variable = crate::syntax::hcl::unknown_variable_name(m.value.as_ref()?)?;
            let value = ws.env_var(&format!("TF_VAR_{variable}"))?;
            Some(FromEnv {
                key: m.key.to_string(),
                variable: variable.to_string(),
                value: Secret::new(value),
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct TestResult {
    pub ok: bool,
    pub connection: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_scopes: Option<Vec<String>>,
    /// Where the granted scopes were read: the token response, or the (unverified) token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes_from: Option<String>,
    pub needed_scopes: Vec<String>,
    pub missing_scopes: Vec<String>,
    pub excess_scopes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl TestResult {
    fn failure(connection: &str, error: &str, description: impl Into<String>) -> TestResult {
        TestResult {
            ok: false,
            connection: connection.to_string(),
            error: Some(error.to_string()),
            error_description: Some(description.into()),
            ..Default::default()
        }
    }

    /// One paragraph for people.
    /// The result in one line for a terminal. Every text in it is escaped already (the tenant's
    /// in `run`), but the connection's name, which comes from the repository.
    pub fn summary(&self) -> String {
        let shown = crate::display::escape_control(&self.connection, false);
        let mut result = self.clone();
        result.connection = shown.into_owned();
        result.summary_line()
    }

    fn summary_line(&self) -> String {
        if !self.ok {
            return format!(
                "Test connection `{}` failed ({}): {}",
                self.connection,
                self.error.as_deref().unwrap_or("error"),
                self.error_description.as_deref().unwrap_or("")
            );
        }
        let mut s = format!(
            "Test connection `{}`: credentials accepted",
            self.connection
        );
        match &self.granted_scopes {
            Some(g) => s.push_str(&format!(
                "; granted: {}",
                if g.is_empty() {
                    "no scopes".to_string()
                } else {
                    g.join(", ")
                }
            )),
            None => s.push_str("; the tenant did not say which scopes were granted"),
        }
        if !self.missing_scopes.is_empty() {
            s.push_str(&format!("; MISSING: {}", self.missing_scopes.join(", ")));
        }
        if !self.excess_scopes.is_empty() {
            s.push_str(&format!("; not needed: {}", self.excess_scopes.join(", ")));
        }
        if let Some(e) = self.expires_in {
            s.push_str(&format!("; token lifetime {e} s"));
        }
        s
    }
}

/// Whether a host (with an optional port) is a loopback address.
pub fn is_loopback(host: &str) -> bool {
    let h = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        })
    };
    h == "localhost"
        || h == "::1"
        || h.parse::<std::net::Ipv4Addr>()
            .is_ok_and(|a| a.is_loopback())
}

/// The host credentials would go to, when it is a bare host (nothing is sent otherwise, not
/// even a DNS query). The message never shows the value: it may come from the environment.
fn checked_host(
    name: &str,
    value: &str,
    settings: &Settings,
) -> Result<crate::model::host::Host, Box<TestResult>> {
    crate::model::host::bare_host(value, settings.allow_http_loopback).map_err(|why| {
        Box::new(TestResult::failure(
            name,
            "invalid_setup",
            format!("the host credentials would go to {why}; nothing was sent"),
        ))
    })
}

/// Whether credentials may go to `host` without asking: the one function that decides it.
/// Anyone can own a `*.auth0.com` tenant, so a request carrying a value from the environment
/// (the user's secrets) goes unasked only to a host the user named, or to a loopback test
/// tenant the user allowed.
pub fn is_trusted(host: &crate::model::host::Host, settings: &Settings, carries_env: bool) -> bool {
    let named =
        (host.loopback && settings.allow_http_loopback) || is_named(host, &settings.trusted_hosts);
    named || (!carries_env && matches_pattern(host, DEFAULT_TRUSTED))
}

/// The host for people: as written, with `(environment)`, when an environment variable takes
/// part in it (`KeywordMappings::shown`).
fn host_shown(ws: &Workspace, vault: &VaultInfo, host: &crate::model::host::Host) -> String {
    use crate::model::vault::written_field;
    let raw = ws
        .written_setup(vault)
        .and_then(|s| written_field(s, "domain").or_else(|| written_field(s, "token_endpoint")));
    match raw {
        Some(raw) => ws.index().mappings.shown(&raw, &host.authority),
        None => host.authority.clone(),
    }
}

/// The answer when the user did not confirm sending credentials to an untrusted host.
pub fn untrusted(plan: &Plan, error: &str) -> TestResult {
    let env = plan
        .env_values_phrase()
        .map(|p| format!(" (the request would carry {p})"))
        .unwrap_or_default();
    TestResult::failure(
        &plan.connection,
        error,
        format!(
            "{} {}, so nothing was sent{env}: if it is your tenant, add it to testConnection.trustedHosts (or pass --trust-host HOST)",
            plan.host_shown,
            plan.untrusted_why()
        ),
    )
}

/// Why a setup that is unknown as a whole cannot be tested: a keyword marker without a value,
/// or a Terraform setup flowls cannot know (`null`, `var.X`, an expression it does not
/// evaluate).
fn unknown_setup_why(ws: &Workspace, vault: &VaultInfo) -> String {
    let written = ws.written_setup(vault);
    let is_tf = written.is_some_and(crate::syntax::hcl::is_unknown);
    if !is_tf {
        return "the setup is a keyword marker with no value: set it in config.json's AUTH0_KEYWORD_REPLACE_MAPPINGS or as an environment variable".into();
    }
    let advice = "write the setup as an object in the resource (setup = { type = \"…\", … }), its secrets as variables, to test it";
    let is_null = written
        .zip(ws.file(&vault.path))
        .and_then(|(n, f)| f.text.get(n.range.as_usize()))
        .is_some_and(|t| t.trim() == "null");
    match written.and_then(crate::syntax::hcl::unknown_variable_name) {
        _ if is_null => format!(
            "the setup is null (the tenant's setup is kept, and flowls cannot read it): {advice}"
        ),
        Some(var) => format!(
            "the setup is var.{var} as a whole, whose value flowls does not know (a whole setup is never taken from TF_VAR_{var}): {advice}"
        ),
        None => format!(
            "the setup is an expression flowls does not evaluate, so its value is unknown: {advice}"
        ),
    }
}

/// Resolves what the test needs from a vault connection; `Err` says what is missing.
/// Long: one pass over the setup, in the order a reader checks it (fields, host, trust, the
/// two token endpoints); each step can end the plan with its own answer.
pub fn plan(
    ws: &Workspace,
    vault: &VaultInfo,
    settings: &Settings,
) -> Result<Plan, Box<TestResult>> {
    let name = vault.name.clone().unwrap_or_else(|| vault.rel.clone());
    let fail = |e: &str, d: String| Err(Box::new(TestResult::failure(&name, e, d)));
    let (value, unknown) = match &vault.setup {
        Setup::Known { value, unknown, .. } => (value, unknown),
        Setup::Unknown { .. } => {
            return fail("invalid_setup", unknown_setup_why(ws, vault));
        }
        Setup::Absent => {
            return fail(
                "invalid_setup",
                "the connection has no setup: add one with the credentials".into(),
            );
        }
    };
    let from_env = terraform_env(ws, vault);
    let field = |k: &str| -> Option<String> {
        if unknown.iter().any(|u| u == &format!("/{k}")) {
            // a Terraform variable without a value: TF_VAR_X, for this test only
            return from_env
                .iter()
                .find(|e| e.key == k)
                .map(|e| e.value.expose().to_string());
        }
        value.get(k)?.as_str().map(str::to_string)
    };
    let require = |k: &str| -> Result<String, Box<TestResult>> {
        field(k).filter(|v| !v.is_empty()).ok_or_else(|| {
            let written = ws.written_setup(vault).and_then(|s| s.get(k));
            let why = match written.and_then(crate::syntax::hcl::unknown_variable_name) {
                Some(var) => format!(
                    "the setup's `{k}` is var.{var}, which has no value: give the variable a default or a value in terraform.tfvars, or set TF_VAR_{var} in the environment"
                ),
                None => format!(
                    "the setup's `{k}` is missing or a keyword marker with no value: set it (keyword values come from config.json or the environment)"
                ),
            };
            Box::new(TestResult::failure(&name, "invalid_setup", why))
        })
    };
    let app = vault.app_id.as_deref().unwrap_or_default();
    let setup_type = field("type").unwrap_or_default();
    let needed = crate::analysis::scopes::Needs::of(ws, &[vault]).sets;
    let mut keywords = setup_keywords(ws, vault);
    for e in &from_env {
        keywords.env_values.push(e.value.clone());
        keywords.env_vars.push(format!("TF_VAR_{}", e.variable));
    }
    // where the token comes from, and what is compared with what was granted
    let (host, token_url, audience, audience_shown, management_api) = match (
        app,
        setup_type.as_str(),
    ) {
        ("AUTH0", "OAUTH_APP") => {
            let domain = require("domain")?;
            let host = checked_host(&name, &domain, settings)?;
            let scheme = if host.loopback && settings.allow_http_loopback {
                "http"
            } else {
                "https"
            };
            let url = format!("{scheme}://{domain}/oauth/token");
            match from_env.iter().find(|e| e.key == "domain") {
                // the Management API of a domain from TF_VAR_X
                Some(e) if vault.audience.is_none() => (
                    host,
                    url,
                    Some(format!("https://{domain}/api/v2/")),
                    Some(format!(
                        "https://${{var.{}}}/api/v2/ (environment)",
                        e.variable
                    )),
                    true,
                ),
                _ => (
                    host,
                    url,
                    vault.audience.clone(),
                    vault.audience_shown.clone(),
                    true,
                ),
            }
        }
        ("HTTP", "OAUTH_CLIENT_CREDENTIALS") => {
            let endpoint = require("token_endpoint")?;
            let Some(authority) = crate::model::host::authority_of(&endpoint) else {
                return fail(
                    "invalid_setup",
                    "the token endpoint must be an https URL".into(),
                );
            };
            let host = checked_host(&name, authority, settings)?;
            let url = match endpoint.strip_prefix("https://") {
                Some(rest) if settings.allow_http_loopback && host.loopback => {
                    format!("http://{rest}")
                }
                _ => endpoint,
            };
            let audience = field("audience");
            let raw = ws
                .written_setup(vault)
                .and_then(|s| crate::model::vault::written_field(s, "audience"));
            let shown = match from_env.iter().find(|e| e.key == "audience") {
                Some(e) => Some(format!("var.{} (environment)", e.variable)),
                None => audience
                    .as_ref()
                    .map(|a| raw.map_or(a.clone(), |r| ws.index().mappings.shown(&r, a))),
            };
            (host, url, audience, shown, false)
        }
        _ => {
            return fail(
                "not_supported",
                format!(
                    "Test connection works for AUTH0 (OAUTH_APP) and HTTP (OAUTH_CLIENT_CREDENTIALS) connections; this one is {app} {}",
                    // as written: a type from the environment is not displayed
                    ws.written_setup(vault)
                        .and_then(|s| crate::model::vault::written_field(s, "type"))
                        .map_or_else(
                            || setup_type.clone(),
                            |raw| ws.index().mappings.shown(&raw, &setup_type)
                        )
                ),
            );
        }
    };
    let client_id = Secret::new(require("client_id")?);
    let client_secret = Secret::new(require("client_secret")?);
    let mut scrubbed = vec![client_id.clone(), client_secret.clone()];
    scrubbed.extend(keywords.env_values);
    Ok(Plan {
        redactor: Redactor::with_whole_values(&scrubbed, &keywords.values),
        trusted: is_trusted(&host, settings, !keywords.env_vars.is_empty()),
        trusted_by_default: matches_pattern(&host, DEFAULT_TRUSTED),
        host_shown: match from_env
            .iter()
            .find(|e| e.key == "domain" || e.key == "token_endpoint")
        {
            Some(e) => format!("var.{} (environment)", e.variable),
            None => host_shown(ws, vault, &host),
        },
        host: host.authority,
        env_vars: keywords.env_vars,
        connection: name.clone(),
        token_url,
        client_id,
        client_secret,
        audience,
        audience_shown,
        resource: if management_api {
            None
        } else {
            field("resource")
        },
        scope: if management_api { None } else { field("scope") },
        needed: if management_api { needed } else { Vec::new() },
        management_api,
    })
}

/// The most a token response may be.
const MAX_BODY: usize = 64 * 1024;

/// Runs the test. Never panics, never follows a redirect, always ends within the timeout
/// (plus a little), and says what to do when it fails.
pub async fn run(plan: &Plan, settings: &Settings) -> TestResult {
    let redactor = &plan.redactor;
    let mut result = match tokio::time::timeout(
        settings.timeout + Duration::from_millis(500),
        exchange(plan, settings),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => timeout_result(plan, settings),
    };
    // the tenant's texts, scrubbed, and escaped: they reach terminals and CI logs, where a
    // control character or a bidirectional override would act instead of being shown
    let shown = |t: String| crate::display::escape_control(&t, false).into_owned();
    result.error_description = result.error_description.map(|d| shown(redactor.redact(&d)));
    result.error = result.error.map(|e| shown(redactor.redact_code(&e)));
    // a tenant may echo what was posted into `scope`: scope names that hold a credential are
    // dropped (they are not scopes), everything else from the tenant is scrubbed
    let clean = |list: &mut Vec<String>| {
        list.retain(|s| {
            redactor.redact(s) == *s && crate::display::escape_control(s, false) == s.as_str()
        })
    };
    if let Some(g) = result.granted_scopes.as_mut() {
        clean(g);
    }
    clean(&mut result.excess_scopes);
    clean(&mut result.missing_scopes);
    clean(&mut result.needed_scopes);
    result.scopes_from = result.scopes_from.map(|s| shown(redactor.redact(&s)));
    result
}

fn timeout_result(plan: &Plan, settings: &Settings) -> TestResult {
    TestResult::failure(
        &plan.connection,
        "timeout",
        format!(
            "no answer from {} within {} s: check the domain and your network (or raise testConnection.timeoutSeconds)",
            plan.host_shown,
            settings.timeout.as_secs()
        ),
    )
}

fn host_of(url: &str) -> &str {
    url.split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or(url)
}

fn client(settings: &Settings) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut certs = Vec::new();
    for path in &settings.ca_certificates {
        let pem = crate::workspace::disk::read_named_bytes(path)
            .map_err(|e| format!("cannot read the CA certificate {}: {e}", path.display()))?;
        let mut found = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("{} holds no PEM certificate: {e}", path.display()))?;
        if found.is_empty() {
            return Err(format!("{} holds no PEM certificate", path.display()));
        }
        certs.append(&mut found);
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.timeout)
        .timeout(settings.timeout)
        .tls_certs_merge(certs)
        .user_agent(concat!("flowls/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot set up HTTPS: {e}"))
}

/// The request and every way its answer can go. Long: one `match` over the tenant's possible
/// answers (status × body), which reads best side by side.
async fn exchange(plan: &Plan, settings: &Settings) -> TestResult {
    let name = &plan.connection;
    if !plan.token_url.starts_with("https://") && !plan.token_url.starts_with("http://") {
        return TestResult::failure(
            name,
            "invalid_setup",
            "the token endpoint must be an https URL",
        );
    }
    if plan.token_url.starts_with("http://")
        && !(settings.allow_http_loopback && is_loopback(host_of(&plan.token_url)))
    {
        return TestResult::failure(
            name,
            "invalid_setup",
            "plain http is used only for loopback test tenants with testConnection.allowHttpLoopback: use https",
        );
    }
    // CA files are read off the async runtime
    let client = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || client(&settings))
            .await
            .unwrap_or_else(|_| Err("cannot set up HTTPS".into()))
    };
    let client = match client {
        Ok(c) => c,
        Err(e) => return TestResult::failure(name, "tls", e),
    };
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "client_credentials"),
        ("client_id", plan.client_id.expose()),
        ("client_secret", plan.client_secret.expose()),
    ];
    if let Some(a) = &plan.audience {
        form.push(("audience", a));
    }
    if let Some(r) = &plan.resource {
        form.push(("resource", r));
    }
    if let Some(s) = &plan.scope {
        form.push(("scope", s));
    }
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let response = client
        .post(&plan.token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await;
    let mut response = match response {
        Ok(r) => r,
        Err(e) => return network_failure(plan, settings, &e),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(|l| host_of(l).to_string());
    // read at most MAX_BODY bytes
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_BODY {
                    return TestResult::failure(
                        name,
                        "invalid_response",
                        format!(
                            "the answer of {} is larger than {} KiB: this is not a token endpoint; check the domain",
                            plan.host_shown,
                            MAX_BODY / 1024
                        ),
                    );
                }
            }
            Ok(None) => break,
            Err(e) => return network_failure(plan, settings, &e),
        }
    }
    if status.is_redirection() {
        return TestResult::failure(
            name,
            "redirect",
            format!(
                "{} answered with a redirect{}; flowls does not follow it, so credentials never go to another host: use the tenant's canonical domain (such as my-tenant.us.auth0.com)",
                plan.host_shown,
                location.map(|l| format!(" to {l}")).unwrap_or_default()
            ),
        );
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
    if status.is_success() {
        return match json {
            Some(v) if v.get("access_token").and_then(|t| t.as_str()).is_some() => {
                success(plan, &v)
            }
            _ => TestResult::failure(
                name,
                "invalid_response",
                format!(
                    "{} answered {} without a JSON token: check that the domain is an Auth0 tenant",
                    plan.host_shown,
                    status.as_u16()
                ),
            ),
        };
    }
    let code = json
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(|e| e.as_str())
        .map(str::to_string);
    let tenant_text = json
        .as_ref()
        .and_then(|v| v.get("error_description"))
        .and_then(|e| e.as_str())
        .unwrap_or_default()
        .to_string();
    let status = status.as_u16();
    let (error, advice) = match (status, code.as_deref()) {
        (429, c) => (
            c.unwrap_or("rate_limited").to_string(),
            format!(
                "the tenant is rate limiting token requests: wait{} and try again",
                retry_after.map(|r| format!(" {r} s (Retry-After)")).unwrap_or_default()
            ),
        ),
        (500..=599, _) => (
            "server_error".into(),
            format!("the tenant answered {status}: it is having trouble; try again later"),
        ),
        (_, Some("invalid_client")) => (
            "invalid_client".into(),
            "the client_id or client_secret is wrong: check the values behind the setup's keyword markers".into(),
        ),
        (_, Some("unauthorized_client")) => (
            "unauthorized_client".into(),
            "the application may not use the Client Credentials grant: enable it in the application's Advanced Settings → Grant Types".into(),
        ),
        (_, Some("access_denied")) if tenant_text.contains("Service not enabled") => (
            "access_denied".into(),
            format!(
                "no API with the identifier {} exists in this tenant: check `audience` (the Management API's is https://<domain>/api/v2/)",
                plan.audience_shown.as_deref().unwrap_or("(none)")
            ),
        ),
        (_, Some("access_denied")) => (
            "access_denied".into(),
            format!(
                "the application is not authorized for {}: authorize it (APIs → the API → Machine to Machine Applications) and grant the scopes it needs",
                plan.audience_shown.as_deref().unwrap_or("this API")
            ),
        ),
        (_, Some(other)) => (other.to_string(), format!("the tenant refused the request ({status})")),
        (_, None) => (
            "invalid_response".into(),
            format!("{} answered {status} without an OAuth error: check the domain", plan.host_shown),
        ),
    };
    let description = if tenant_text.is_empty() {
        advice
    } else {
        // scrubbed before it is cut: a secret cut in two would no longer be found whole
        format!(
            "{advice} (the tenant said: {})",
            truncate(&plan.redactor.redact(&tenant_text), 300)
        )
    };
    TestResult::failure(name, &error, description)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What went wrong on the way to the tenant, read from the error types (never their text).
#[derive(Debug, PartialEq, Eq)]
enum Cause {
    Timeout,
    Refused,
    Tls,
    Dns,
    Other,
}

fn cause_of(e: &reqwest::Error) -> Cause {
    if e.is_timeout() {
        return Cause::Timeout;
    }
    let mut socket_error = false;
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if s.downcast_ref::<rustls::Error>().is_some() {
            return Cause::Tls;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
            {
                return Cause::Tls;
            }
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Cause::Refused,
                std::io::ErrorKind::TimedOut => return Cause::Timeout,
                _ => socket_error |= io.raw_os_error().is_some(),
            }
        }
        src = s.source();
    }
    // a connection that failed before any socket error: the resolver's (getaddrinfo's errors
    // are not the operating system's socket errors)
    if e.is_connect() && !socket_error {
        Cause::Dns
    } else {
        Cause::Other
    }
}

fn network_failure(plan: &Plan, settings: &Settings, e: &reqwest::Error) -> TestResult {
    let host = &plan.host_shown;
    let (code, text) = match cause_of(e) {
        Cause::Timeout => return timeout_result(plan, settings),
        Cause::Dns => (
            "dns",
            format!("the name {host} does not resolve: check the domain"),
        ),
        Cause::Refused => (
            "connection_refused",
            format!("{host} refused the connection: check the domain and port"),
        ),
        Cause::Tls => (
            "tls",
            format!(
                "the TLS certificate of {host} is not trusted or the handshake failed: check the domain, or add your organisation's root to testConnection.caCertificates"
            ),
        ),
        Cause::Other => {
            let mut chain = Vec::new();
            let mut src: Option<&dyn std::error::Error> = Some(e);
            while let Some(s) = src {
                chain.push(s.to_string());
                src = s.source();
            }
            (
                "connection_failed",
                format!(
                    "could not reach {host}: {}",
                    truncate(&plan.redactor.redact(&chain.join(": ")), 200)
                ),
            )
        }
    };
    TestResult::failure(&plan.connection, code, text)
}

fn success(plan: &Plan, v: &serde_json::Value) -> TestResult {
    let (granted, from) = match v.get("scope").and_then(|s| s.as_str()) {
        Some(s) => (
            Some(s.split_whitespace().map(str::to_string).collect::<Vec<_>>()),
            "the token response's scope",
        ),
        None => match v
            .get("access_token")
            .and_then(|t| t.as_str())
            .and_then(token_scopes)
        {
            Some(s) => (Some(s), "the access token's claims (decoded, not verified)"),
            None => (None, ""),
        },
    };
    let mut result = TestResult {
        ok: true,
        connection: plan.connection.clone(),
        expires_in: v.get("expires_in").and_then(|e| e.as_u64()),
        scopes_from: granted.as_ref().map(|_| from.to_string()),
        needed_scopes: crate::analysis::scopes::names_of(plan.needed.iter()),
        ..Default::default()
    };
    if let Some(g) = &granted
        && plan.management_api
    {
        result.missing_scopes = crate::analysis::scopes::names_of(
            plan.needed
                .iter()
                .filter(|set| !set.iter().any(|s| g.contains(s))),
        );
        result.excess_scopes = g
            .iter()
            .filter(|s| !plan.needed.iter().any(|set| set.contains(s)))
            .cloned()
            .collect();
    }
    result.granted_scopes = granted;
    result
}

/// `scope` (space-separated) or `permissions` (array) of a JWT's payload, without verifying it.
fn token_scopes(token: &str) -> Option<Vec<String>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64url(payload)?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if let Some(s) = v.get("scope").and_then(|s| s.as_str()) {
        return Some(s.split_whitespace().map(str::to_string).collect());
    }
    let p = v.get("permissions")?.as_array()?;
    Some(
        p.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
    )
}

fn base64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => continue,
            _ => return None,
        } as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The vault connection a command names: by document path, or by name.
/// What Test connection will do for a vault document (or a named connection), or the answer
/// when it cannot start: the same for the editor command and the CLI.
pub fn prepare(
    ws: &Workspace,
    path: &std::path::Path,
    connection: Option<&str>,
    settings: &Settings,
) -> Result<Plan, Box<TestResult>> {
    let vault = match connection {
        Some(c) => ws.resolve_connection(c),
        None => {
            let mut here = ws.vaults_in(path).filter(|v| !v.declared);
            match (here.next(), here.next()) {
                (Some(_), Some(_)) => {
                    return Err(Box::new(TestResult::failure(
                        "",
                        "invalid_setup",
                        "this file holds several vault connections: name the one to test (\"connection\" in the editor, --connection on the command line)",
                    )));
                }
                (one, _) => one,
            }
        }
    };
    match vault {
        Some(vault) => plan(ws, vault, settings),
        None => Err(Box::new(TestResult::failure(
            connection.unwrap_or_default(),
            "invalid_setup",
            match connection {
                Some(c) => format!("no vault connection named `{c}` in the workspace"),
                None => "this document is not a vault connection: run Test connection on a vault file, or name the connection (\"connection\" in the editor, --connection on the command line)".into(),
            },
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        let plan_like = format!("{:?}", Some(s.clone()));
        assert!(!plan_like.contains("hunter2"));
        let r = Redactor::new(&[s]);
        assert_eq!(r.redact("bad hunter2-very-secret here"), "bad *** here");
    }

    #[test]
    fn every_form_of_a_secret_is_scrubbed() {
        use base64::Engine as _;
        let id = Secret::new("client-abc");
        // holds `+ / = space`, and starts with the client id
        let secret = Secret::new("client-abc+tail/of=the secret!*'");
        let r = Redactor::new(&[id.clone(), secret.clone()]);
        let raw = secret.expose();
        let b64 = base64::engine::general_purpose::STANDARD;
        let echoes = [
            raw.to_string(),
            urlencode(raw),
            urlencode(raw).to_ascii_lowercase(),
            raw.replace('+', "%2B")
                .replace('/', "%2f")
                .replace(' ', "+"),
            format!("client_secret={}", urlencode(raw).replace("%20", "+")),
            b64.encode(raw),
            b64.encode(format!("x{raw}")),
            b64.encode(format!("xy{raw}")),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw),
            b64.encode(format!("{}:{}", id.expose(), raw)),
            serde_json::to_string(raw).unwrap(),
        ];
        for echo in echoes {
            let text = format!("invalid: {echo} end");
            let out = r.redact(&text);
            assert!(!out.contains("tail"), "{echo} → {out}");
            assert!(!out.contains("dGFpbC9v"), "{echo} → {out}"); // "tail/o" in base64
            assert!(
                out.starts_with("invalid: ") && out.ends_with(" end"),
                "{out}"
            );
        }
        // the client id alone still goes
        assert_eq!(r.redact("who is client-abc?"), "who is ***?");
    }

    #[test]
    fn parts_and_escaped_forms_of_a_secret_are_scrubbed() {
        use base64::Engine as _;
        let secret = Secret::new("cnry-secret-q9-LONGSECRETVALUE");
        let r = Redactor::new(&[Secret::new("the-client"), secret.clone()]);
        let raw = secret.expose();
        let json_escaped: String = raw
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        let html: String = raw.chars().map(|c| format!("&#{};", c as u32)).collect();
        let hex: String = raw.bytes().map(|b| format!("{b:02X}")).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        let wrapped = format!("{}\r\n{}", &b64[..20], &b64[20..]);
        for echo in [
            json_escaped,
            raw.replace('-', "\\x2d"),
            html,
            hex,
            raw.to_ascii_uppercase(),
            wrapped,
            // cut short, and split in two
            raw[..raw.len() - 3].to_string(),
            format!("{} | {}", &raw[..12], &raw[12..]),
        ] {
            let out = r.redact(&format!("said: {echo} end"));
            for part in ["q9-LONG", "LONGSECRET", "SECRETVALUE", "cnry-secr"] {
                assert!(!out.contains(part), "{echo} → {out}");
            }
            assert!(out.starts_with("said: ") && out.ends_with(" end"), "{out}");
        }
        // the head of a secret in the tenant's error code
        assert_eq!(r.redact_code("cnry-s"), "***");
        assert_eq!(r.redact_code("invalid_client"), "invalid_client");
        // a short secret, where it stands as a word
        let short = Redactor::new(&[Secret::new("id"), Secret::new("Zq9")]);
        assert_eq!(
            short.redact("failed for secret Zq9 (Zq9x)"),
            "failed for secret *** (Zq9x)"
        );
        // a keyword value of the repository's (a domain) goes where it stands whole, its parts
        // stay: they are the ordinary words of a tenant's message
        let with_domain = Redactor::with_whole_values(
            &[Secret::new("the-client"), secret.clone()],
            &[Secret::new("acme.eu.auth0.com")],
        );
        assert_eq!(
            with_domain
                .redact("not enabled: https://acme.eu.auth0.com/api/v2/ (see auth0.com/docs)"),
            "not enabled: https://***/api/v2/ (see auth0.com/docs)"
        );
        // ordinary text is left alone
        assert_eq!(
            r.redact("Client authentication failed"),
            "Client authentication failed"
        );
    }

    #[test]
    fn unquoted_markers_count_as_values_from_the_environment() {
        // an unquoted `##KEY##` is a marker node: it was neither named when asking nor
        // scrubbed, and a *.auth0.com host got it unasked
        let env = vec![
            ("SECB".to_string(), "cnry-secb-7x".to_string()),
            (
                "SETUPB".to_string(),
                r#"{"type": "OAUTH_APP", "client_id": "cnry-id", "client_secret": "cnry-s", "domain": "cnry-sdom.us.auth0.com"}"#
                    .to_string(),
            ),
        ];
        let ws = crate::analysis::tests::workspace_with(
            r###"
//- flow-vault-connections/v.json
{ "name": "V", "app_id": "AUTH0", "setup": { "type": "OAUTH_APP", "client_id": "cid-literal", "client_secret": ##SECB##, "domain": "tenant.test.auth0.com" } }
//- flow-vault-connections/w.json
{ "name": "W", "app_id": "AUTH0", "setup": ##SETUPB## }
"###,
            env,
        );
        let settings = Settings::default();
        let v = prepare(
            &ws,
            std::path::Path::new("/ws/flow-vault-connections/v.json"),
            None,
            &settings,
        )
        .unwrap();
        assert!(!v.trusted);
        assert_eq!(v.env_vars, ["SECB"]);
        assert!(v.redactor.redact("x cnry-secb-7x").ends_with("***"));
        let w = prepare(
            &ws,
            std::path::Path::new("/ws/flow-vault-connections/w.json"),
            None,
            &settings,
        )
        .unwrap();
        assert!(!w.trusted);
        assert_eq!(w.env_vars, ["SETUPB"]);
        assert_eq!(w.host_shown, "##SETUPB## (environment)");
        let shown = format!(
            "{} {:?}",
            untrusted(&w, "untrusted_host").summary(),
            w.audience_shown
        );
        assert!(!shown.contains("cnry"), "{shown}");
    }

    #[test]
    fn terraform_variables_without_a_value_come_from_tf_var_for_the_test_only() {
        let env = vec![
            (
                "TF_VAR_client_secret".to_string(),
                "cnry-tfs-9q".to_string(),
            ),
            (
                "TF_VAR_domain".to_string(),
                "cnry-dom.eu.auth0.com".to_string(),
            ),
            // a variable with a default keeps it: the environment does not override it here
            ("TF_VAR_client_id".to_string(), "cnry-not-this".to_string()),
        ];
        let ws = crate::analysis::tests::workspace_with(
            r###"
//- main.tf
variable "domain" {}
variable "client_secret" { sensitive = true }
variable "client_id" { default = "cid-default" }
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
"###,
            env,
        );
        let settings = Settings::default();
        let plan = prepare(&ws, std::path::Path::new("/ws/main.tf"), None, &settings).unwrap();
        assert_eq!(plan.client_secret.expose(), "cnry-tfs-9q");
        assert_eq!(plan.client_id.expose(), "cid-default");
        assert_eq!(plan.host, "cnry-dom.eu.auth0.com");
        assert_eq!(
            plan.audience.as_deref(),
            Some("https://cnry-dom.eu.auth0.com/api/v2/")
        );
        let mut vars = plan.env_vars.clone();
        vars.sort();
        assert_eq!(vars, ["TF_VAR_client_secret", "TF_VAR_domain"]);
        // values from the environment go to no *.auth0.com host unasked
        assert!(!plan.trusted);
        assert_eq!(plan.host_shown, "var.domain (environment)");
        let shown = format!(
            "{} {:?}",
            untrusted(&plan, "untrusted_host").summary(),
            plan.audience_shown
        );
        assert!(shown.contains("TF_VAR_client_secret"), "{shown}");
        assert!(shown.contains("var.domain (environment)"), "{shown}");
        assert!(!shown.contains("cnry"), "{shown}");
        assert!(plan.redactor.redact("x cnry-tfs-9q").ends_with("***"));
        // never for diagnostics: the domain stays unknown to the checks
        let vault = &ws.index().vaults[0];
        assert_eq!(vault.domain, None);
        let found = crate::analysis::diagnostics(&ws, std::path::Path::new("/ws/main.tf"));
        assert!(
            found.iter().all(|d| !d.message.contains("cnry")),
            "{found:?}"
        );
        // without TF_VAR_X, the test says which variable has no value
        let bare = crate::analysis::tests::workspace_with(
            &format!(
                "//- main.tf\n{}",
                ws.file(std::path::Path::new("/ws/main.tf")).unwrap().text
            ),
            Vec::new(),
        );
        let why = prepare(&bare, std::path::Path::new("/ws/main.tf"), None, &settings)
            .unwrap_err()
            .error_description
            .unwrap_or_default();
        assert!(
            why.contains("var.domain") && why.contains("TF_VAR_domain"),
            "{why}"
        );
    }

    #[test]
    fn values_from_the_environment_go_unasked_only_to_named_hosts() {
        let host = |h: &str| crate::model::host::bare_host(h, true).unwrap();
        let mut settings = Settings::default();
        let attacker = host("attacker.us.auth0.com");
        assert!(is_trusted(&attacker, &settings, false));
        assert!(!is_trusted(&attacker, &settings, true));
        settings.trusted_hosts = vec!["*.us.auth0.com".into()];
        assert!(is_trusted(&attacker, &settings, true));
        assert!(!is_trusted(&host("x.eu.auth0.com"), &settings, true));
        // a loopback test tenant the user allowed
        let local = host("127.0.0.1:9101");
        assert!(!is_trusted(&local, &settings, true));
        settings.allow_http_loopback = true;
        assert!(is_trusted(&local, &settings, true));
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1:8443",
            "localhost",
            "localhost:3000",
            "[::1]:8080",
            "127.5.0.1",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["acme.auth0.com", "10.0.0.1:80", "127.0.0.1.example.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn scopes_from_an_unverified_token() {
        // {"alg":"none"}.{"scope":"read:users update:users"}.
        let token = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6InJlYWQ6dXNlcnMgdXBkYXRlOnVzZXJzIn0.";
        assert_eq!(
            token_scopes(token),
            Some(vec!["read:users".into(), "update:users".into()])
        );
        // {"permissions":["read:users"]}
        let token = "x.eyJwZXJtaXNzaW9ucyI6WyJyZWFkOnVzZXJzIl19.y";
        assert_eq!(token_scopes(token), Some(vec!["read:users".into()]));
        assert_eq!(token_scopes("not-a-jwt"), None);
    }
}
