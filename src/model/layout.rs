//! The names of a tenant-as-code repository's layout, each stated once: the folders
//! auth0-deploy-cli writes, the file names and endings flowls reads, and what marks a workspace
//! root. Classification, discovery, the CLI's root search and the server's file watchers read
//! them from here (a test keeps the VS Code extension's activation in step).

/// `flowls.toml`, at the workspace root.
pub const PROJECT_CONFIG: &str = "flowls.toml";
/// deploy-cli's directory layout.
pub const FLOWS_DIR: &str = "flows";
pub const VAULTS_DIR: &str = "flow-vault-connections";
pub const FORMS_DIR: &str = "forms";
pub const GRANTS_DIR: &str = "grants";
/// File names that say what a file holds wherever it sits.
pub const FLOW_SUFFIX: &str = ".flow.json";
pub const VAULT_SUFFIX: &str = ".vault.json";
pub const FORM_SUFFIX: &str = ".form.json";
/// Terraform files (read when they declare the resources flowls checks).
pub const TERRAFORM_SUFFIX: &str = ".tf";
/// The endings of the files flowls reads (besides [`PROJECT_CONFIG`]).
pub const EXTENSIONS: &[&str] = &[".json", ".yaml", ".yml", TERRAFORM_SUFFIX];
/// What marks a workspace root (besides `.git`, which the CLI also accepts): a project config,
/// a deploy-cli folder, or a deploy-cli YAML at the conventional name.
pub const ROOT_MARKERS: &[&str] = &[
    PROJECT_CONFIG,
    FLOWS_DIR,
    VAULTS_DIR,
    FORMS_DIR,
    "tenant.yaml",
    "tenant.yml",
];

/// Whether flowls reads a file of this name (by its ending, or `flowls.toml`).
pub fn is_candidate(name: &[u8]) -> bool {
    name == PROJECT_CONFIG.as_bytes()
        || EXTENSIONS.iter().any(|e| name.ends_with(e.as_bytes()))
        || std::str::from_utf8(name).is_ok_and(crate::syntax::hcl::is_tfvars)
}

/// The `.tfvars` files Terraform reads by itself (`terraform.tfvars`, `*.auto.tfvars`; the
/// `.json` ones are among [`EXTENSIONS`]): their values are a module's variables. Other
/// `.tfvars` files (`prod.tfvars`, passed with `-var-file`) are never read.
pub const TFVARS_GLOBS: &[&str] = &["**/terraform.tfvars", "**/*.auto.tfvars"];

/// The glob patterns of the files flowls follows on disk.
pub fn watch_globs() -> Vec<String> {
    EXTENSIONS
        .iter()
        .map(|e| format!("**/*{e}"))
        .chain([format!("**/{PROJECT_CONFIG}")])
        .chain(TFVARS_GLOBS.iter().map(|g| g.to_string()))
        .collect()
}

/// The VS Code extension's `activationEvents`: a workspace that contains any of these files is
/// a tenant, and a `terraform` document may hold its resources (`editors/vscode/package.json`
/// lists them; a test keeps it in step).
pub fn activation_events() -> Vec<String> {
    [FLOWS_DIR, VAULTS_DIR, FORMS_DIR]
        .iter()
        .map(|d| format!("**/{d}/*.json"))
        .chain(
            [FLOW_SUFFIX, VAULT_SUFFIX, FORM_SUFFIX]
                .iter()
                .map(|s| format!("**/*{s}")),
        )
        .chain(
            ROOT_MARKERS
                .iter()
                .filter(|m| m.contains('.'))
                .map(|m| format!("**/{m}")),
        )
        // a Terraform module: the server tells whether a `.tf` file holds auth0 resources
        .chain([format!("**/*{TERRAFORM_SUFFIX}")])
        .map(|glob| format!("workspaceContains:{glob}"))
        .chain(["onLanguage:terraform".to_string()])
        .collect()
}
