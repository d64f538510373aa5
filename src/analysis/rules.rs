//! The registry of diagnostic codes: for each, its default severity, a one-line summary, why
//! it matters, an example and how to fix it — written once, here. `flowls explain CODE`,
//! SARIF's rule descriptions and help, and `docs/diagnostics.md` are generated from it (a
//! test keeps the file current), as `ruff rule` and `rustc --explain` do.

use super::{Severity, code};

/// One diagnostic code.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    /// The default severity: the most severe a finding of this code has.
    pub severity: Severity,
    /// When a finding of this code has another severity (empty when it never has).
    pub other_severity: &'static str,
    pub summary: &'static str,
    /// What it means and why it matters.
    pub explanation: &'static str,
    /// A document (or part of one) that has the problem.
    pub example: &'static str,
    pub fix: &'static str,
}

pub const RULES: &[Rule] = &[
    Rule {
        code: code::SYNTAX,
        severity: Severity::Error,
        other_severity: "(warning for comments and trailing commas)",
        summary: "Malformed JSON",
        explanation: "The file is not valid JSON. flowls recovers and goes on checking the rest, but the Management API and auth0-deploy-cli reject the file. Comments and trailing commas are tolerated with a warning, since the API would reject them too.",
        example: r#"{ "name": "Onboard", "actions": [ { "id": "a", } ] }"#,
        fix: "Correct the JSON where the finding points (a missing comma, quote or bracket); remove comments and trailing commas.",
    },
    Rule {
        code: code::SCHEMA,
        severity: Severity::Error,
        other_severity: "",
        summary: "A value breaks the shape of its flow, action or vault connection",
        explanation: "A required field is missing, a field is unknown, or a value has the wrong type, is not one of the allowed values, or is too long — for the flow itself, an action's envelope, or the params of its `(type, action)` as the Management API defines them. The API rejects such a flow at deploy time.",
        example: r#"{ "id": "get", "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Users M2M" } }"#,
        fix: "Add the missing field (the quick fix adds every required param), remove or rename the unknown one, or give the value the type the message names.",
    },
    Rule {
        code: code::UNKNOWN_ACTION,
        severity: Severity::Error,
        other_severity: "",
        summary: "An action type or action that does not exist",
        explanation: "The pair `(type, action)` selects what an action does and the shape of its params; flowls knows all 61 pairs. An unknown one fails at deploy time.",
        example: r#"{ "id": "get", "type": "AUTH0", "action": "GET_USR", "params": {} }"#,
        fix: "Use the name the message suggests (did you mean …?), or one of the actions it lists for the type.",
    },
    Rule {
        code: code::DUPLICATE_ACTION_ID,
        severity: Severity::Error,
        other_severity: "",
        summary: "Two actions in one flow with the same id",
        explanation: "Later actions read earlier ones as `{{actions.<id>…}}`; two actions with one id make that ambiguous, and the Management API refuses the flow.",
        example: r#"[ { "id": "get", … }, { "id": "get", … } ]"#,
        fix: "Rename one of them (rename an id with the editor's rename: every expression that reads it follows).",
    },
    Rule {
        code: code::UNRESOLVED_CONNECTION,
        severity: Severity::Error,
        other_severity: "(warning when the workspace holds no vault connections)",
        summary: "connection_id names no vault connection",
        explanation: "`params.connection_id` names a Flows Vault connection by name (deploy-cli files) or by `ac_…` id. None with that name or id is in the workspace, so the action would fail to authenticate — or the connection lives only in the tenant.",
        example: r#""params": { "connection_id": "Users M2", "user_id": "{{context.user.user_id}}" }"#,
        fix: "Correct the name (did you mean …?), create the vault file (a quick fix does), or, for a connection that exists only in the tenant, declare it in flowls.toml: [connections.\"Name\"] app_id = \"AUTH0\".",
    },
    Rule {
        code: code::CONNECTION_APP_MISMATCH,
        severity: Severity::Error,
        other_severity: "",
        summary: "connection_id names a connection of another app",
        explanation: "Each action needs a connection of its own app: an AUTH0 action an AUTH0 connection, a SLACK action a SLACK one. Another app's credentials cannot work.",
        example: r#"{ "type": "AUTH0", "action": "GET_USER", "params": { "connection_id": "Slack Alerts", … } }"#,
        fix: "Use a connection of the app the message names (the quick fix lists them), or create one.",
    },
    Rule {
        code: code::CONNECTION_NOT_NEEDED,
        severity: Severity::Warning,
        other_severity: "",
        summary: "connection_id on an action that takes none",
        explanation: "Notifications (AUTH0 SEND_EMAIL, SEND_SMS, MAKE_CALL) and actions without a vault connection need no credentials; a connection_id there is ignored at best and misleads readers about what the flow can do.",
        example: r#"{ "type": "AUTH0", "action": "SEND_EMAIL", "params": { "connection_id": "Users M2M", … } }"#,
        fix: "Remove `connection_id` (the quick fix does).",
    },
    Rule {
        code: code::MISSING_SCOPE,
        severity: Severity::Error,
        other_severity: "when the granted scopes come from a Test connection, warning when from files",
        summary: "The M2M application lacks a Management API scope an action needs",
        explanation: "AUTH0 actions call the Management API with the token of the connection's M2M application. GET_USER needs read:users, CREATE_USER create:users, UPDATE_USER update:users, and a custom request the scope of its endpoint. Without it the action fails with 403 at run time.",
        example: "grants/Flows M2M.json grants [\"read:users\"]; a flow runs AUTH0/UPDATE_USER with that connection",
        fix: "Grant the scope to the application (the quick fix adds it to the grant file or flowls.toml), then deploy the grant.",
    },
    Rule {
        code: code::SCOPES_UNKNOWN,
        severity: Severity::Information,
        other_severity: "",
        summary: "Nothing says what a connection's M2M application was granted",
        explanation: "AUTH0 actions use this connection, but no grant file is linked to it, flowls.toml declares nothing and no Test connection has run, so flowls cannot check scopes. It never guesses a link.",
        example: "flow-vault-connections/Users M2M.json with no grant whose client_id matches its setup",
        fix: "Link the grant in flowls.toml ([connections.\"Name\"] client = \"…\"), declare granted_scopes there, or run Test connection.",
    },
    Rule {
        code: code::EXCESS_SCOPE,
        severity: Severity::Hint,
        other_severity: "",
        summary: "A scope granted but needed by no action",
        explanation: "Least privilege: a scope no flow action needs widens what a leaked client secret can do.",
        example: "grants/Flows M2M.json grants delete:users; no flow deletes users",
        fix: "Remove the scope from the grant (or from granted_scopes in flowls.toml).",
    },
    Rule {
        code: code::VAULT_SETUP,
        severity: Severity::Error,
        other_severity: "",
        summary: "A vault setup field is missing or malformed",
        explanation: "The setup holds what the connection authenticates with. For AUTH0: domain, client_id and client_secret are required; domain is a bare host name (no scheme, user, port, path or IP address) and audience an https URL. Test connection sends nothing for a setup flagged here.",
        example: r#""setup": { "type": "OAUTH_APP", "domain": "https://acme.us.auth0.com/", … }"#,
        fix: "Give the field the form the message names: for domain, the host alone, such as acme.us.auth0.com.",
    },
    Rule {
        code: code::PLAINTEXT_SECRET,
        severity: Severity::Warning,
        other_severity: "",
        summary: "A secret written literally instead of a keyword marker",
        explanation: "A client secret, token or API key in a file ends up in version control. auth0-deploy-cli replaces ##KEY## markers from config.json or the environment at deploy time, so the secret can stay out of the repository. flowls never prints the secret itself.",
        example: r#""client_secret": "s3cr3t-value""#,
        fix: "Replace it by a marker such as \"##USERS_M2M_CLIENT_SECRET##\" (the quick fix does) and set the value in AUTH0_KEYWORD_REPLACE_MAPPINGS or the environment.",
    },
    Rule {
        code: code::UNUSED_CONNECTION,
        severity: Severity::Hint,
        other_severity: "",
        summary: "A vault connection no flow uses",
        explanation: "Credentials nobody uses are credentials to rotate and protect for nothing.",
        example: "flow-vault-connections/Legacy CRM.json, named by no connection_id",
        fix: "Remove the connection, or use it.",
    },
    Rule {
        code: code::EXPRESSION,
        severity: Severity::Error,
        other_severity: "or warning",
        summary: "An expression that does not parse or reads what is not there",
        explanation: "`{{ … }}` expressions read context, form fields, vars, functions and earlier actions' outputs. One that does not parse, has an unknown root or function, or reads an action that has not run yet on the path to this one, fails or yields nothing at run time. Reading an action that ran in only one branch of an earlier condition is a warning.",
        example: r#""user_id": "{{actions.later_step.user_id}}""#,
        fix: "Correct the name (did you mean …?), read only earlier actions, or guard with ?? for values that may be missing.",
    },
    Rule {
        code: code::UNKNOWN_ENDPOINT,
        severity: Severity::Warning,
        other_severity: "",
        summary: "A custom Management API request flowls cannot look up",
        explanation: "AUTH0/SEND_REQUEST names a method and path; flowls knows the scopes of every Management API endpoint. A path it does not know (or one built from an expression it cannot read) cannot be checked for scopes.",
        example: r#""params": { "method": "GET", "pathname": "/api/v2/nonexistent" }"#,
        fix: "Correct the path to a Management API endpoint, or accept that its scopes are not checked.",
    },
    Rule {
        code: code::DUPLICATE_CONNECTION,
        severity: Severity::Error,
        other_severity: "",
        summary: "Two vault connections with one name",
        explanation: "Flows name connections by name; two with one name make every use ambiguous, and deploy-cli resolves only one of them.",
        example: "two files in flow-vault-connections/ with \"name\": \"Users M2M\"",
        fix: "Rename or remove one of them.",
    },
    Rule {
        code: code::CONFIG,
        severity: Severity::Error,
        other_severity: "(warning for a link to a connection that does not exist)",
        summary: "A problem in flowls.toml",
        explanation: "flowls.toml links vault connections to what their M2M applications were granted. An unknown key, a link to a connection or client that does not exist, or malformed TOML would make scope checks silently wrong.",
        example: "[connections.\"Users M2M\"]\nclinet = \"Flows M2M\"",
        fix: "Correct the key or the name the message points at.",
    },
    Rule {
        code: code::UNRESOLVED_FLOW,
        severity: Severity::Error,
        other_severity: "",
        summary: "A form's FLOW node names no flow",
        explanation: "A form's FLOW node runs a flow: `config.flow_id` holds the flow's name in deploy-cli files (its `af_…` id in API-shaped files, a `#FLOW-n#` token in an export bundle). No flow with that name or id is in the workspace (or the bundle), so the form would fail when it reaches the node.",
        example: r#"{ "id": "flow_1", "type": "FLOW", "config": { "flow_id": "Update KYC Nmae", "next_node": "$ending" } }"#,
        fix: "Use the flow's exact name (did you mean …?), or add the flow under flows/.",
    },
    Rule {
        code: code::FORM_GRAPH,
        severity: Severity::Error,
        other_severity: "(hint for a node no path reaches)",
        summary: "A form's next_node names no node, or a node is never reached",
        explanation: "A form goes from `start.next_node` through each node's `next_node` (a router's rules and fallback) to `$ending`. A target that names no node breaks the form when it is reached; a node no path from the start reaches is dead weight.",
        example: r#""config": { "components": [ … ], "next_node": "step_2" }   (no node has the id step_2)"#,
        fix: "Point the target at an existing node's id or at \"$ending\"; link an unreached node from another, or remove it.",
    },
    Rule {
        code: code::UNKNOWN_FIELD,
        severity: Severity::Warning,
        other_severity: "",
        summary: "A flow reads a form field no form that starts it has",
        explanation: "A flow started by a form reads the form's fields as `{{fields.<id>}}`, by the id of a component. When no form that starts the flow has a component with that id, the value is empty at run time. Checked only when at least one form in the workspace starts the flow.",
        example: r#""first_name": "{{fields.firstname}}"   (the form's component is first_name)"#,
        fix: "Use the component's id (did you mean …?), or add the field to the form.",
    },
    Rule {
        code: code::TENANT_SPECIFIC_ID,
        severity: Severity::Warning,
        other_severity: "",
        summary: "A literal tenant id in a .tf file where a Terraform reference belongs",
        explanation: "A `connection_id` or `flow_id` written as a literal id (`ac_…`, `af_…`, `ap_…`, as `auth0 tf generate` writes it) names an object of one tenant: applied to another tenant (staging, production) the flow or form points at nothing. A reference (`auth0_flow_vault_connection.NAME.id`, `auth0_flow.NAME.id`) follows the resource wherever it is applied.",
        example: "connection_id = \"ac_9Nq1C2Vh3pXr\"",
        fix: "Replace the id by a reference to the resource (the quick fix does it when an `import` block maps the id to a resource).",
    },
];

/// The rule of a code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

impl Rule {
    /// The severity as people read it: "error (warning for comments and trailing commas)".
    pub fn severity_text(&self) -> String {
        let word = match self.severity {
            Severity::Information => "information",
            s => s.as_str(),
        };
        if self.other_severity.is_empty() {
            word.to_string()
        } else {
            format!("{word} {}", self.other_severity)
        }
    }

    /// The rule as Markdown: what `flowls explain` prints and SARIF's help carries.
    pub fn markdown(&self) -> String {
        format!(
            "# `{}` — {}\n\nDefault severity: {}.\n\n{}\n\n## Example\n\n```\n{}\n```\n\n## How to fix it\n\n{}\n",
            self.code,
            self.summary,
            self.severity_text(),
            self.explanation,
            self.example,
            self.fix
        )
    }
    /// The rule as plain text (SARIF's `help.text`).
    pub fn text(&self) -> String {
        format!(
            "{}\n\nExample: {}\n\nHow to fix it: {}",
            self.explanation, self.example, self.fix
        )
    }
}

/// `docs/diagnostics.md`: every rule, in the registry's order.
pub fn reference() -> String {
    let mut out = String::from(
        "# Diagnostics\n\nEvery finding flowls reports has one of these codes. This page is generated from the registry in `src/analysis/rules.rs` (`flowls explain CODE` prints the same text); a test keeps it current.\n\n| code | severity | summary |\n|---|---|---|\n",
    );
    for r in RULES {
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            r.code,
            r.code,
            r.severity_text(),
            r.summary
        ));
    }
    for r in RULES {
        out.push_str(&format!("\n<a id=\"{}\"></a>\n\n", r.code));
        out.push_str(
            &r.markdown()
                .replacen("# ", "## ", 1)
                .replace("\n## ", "\n### "),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_has_one_rule() {
        let mut codes: Vec<&str> = super::RULES.iter().map(|r| r.code).collect();
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n, "a code is described twice");
        let mut all = super::code::ALL.to_vec();
        all.sort_unstable();
        assert_eq!(codes, all);
    }
}
