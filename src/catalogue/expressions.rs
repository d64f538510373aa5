//! What `{{ … }}` expressions may read: roots, helper functions, context fields.

/// The roots an expression in a flow may start with.
pub const ROOTS: &[(&str, &str)] = &[
    (
        "context",
        "The transaction: user, organization, client, tenant, custom domain.",
    ),
    (
        "fields",
        "Form input and hidden fields, `fields.<field_id>`.",
    ),
    (
        "vars",
        "Shared variables stored by FLOW/STORE_VARS, `vars.<key>`.",
    ),
    (
        "actions",
        "Output of an earlier action in this flow, `actions.<action_id>.<output>`.",
    ),
    ("functions", "Helper functions, `functions.<name>(…)`."),
];

/// Helper functions with their signatures.
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("toArray", "toArray(value)"),
    ("toBoolean", "toBoolean(value)"),
    ("length", "length(value)"),
    ("mask", "mask(value)"),
    ("toNumber", "toNumber(value)"),
    ("random", "random(min, max, float?)"),
    ("slice", "slice(value, start, end?)"),
    ("toString", "toString(value)"),
    ("substring", "substring(value, start, end?)"),
    ("toTimestamp", "toTimestamp(date?)"),
    ("toLowerCase", "toLowerCase(value)"),
    ("toUpperCase", "toUpperCase(value)"),
    ("replaceAll", "replaceAll(value, search, replacement)"),
    ("replace", "replace(value, search, replacement)"),
    ("split", "split(value, separator, limit?)"),
    ("now", "now()"),
    ("includes", "includes(value, search)"),
    ("indexOf", "indexOf(value, search)"),
    ("merge", "merge(a, b)"),
    ("md5", "md5(value)"),
    ("sha1", "sha1(value)"),
    ("sha256", "sha256(value)"),
    ("sha512", "sha512(value)"),
    ("uuid", "uuid()"),
    ("encodeURIComponent", "encodeURIComponent(value)"),
];

/// `context.<object>.<field>`.
pub const CONTEXT: &[(&str, &[&str])] = &[
    (
        "user",
        &[
            "user_id",
            "username",
            "name",
            "given_name",
            "family_name",
            "nickname",
            "email",
            "email_verified",
            "phone_number",
            "phone_verified",
            "picture",
            "user_metadata",
            "app_metadata",
            "created_at",
            "updated_at",
            "last_password_reset",
            "identities",
        ],
    ),
    ("organization", &["id", "name", "display_name", "metadata"]),
    ("client", &["client_id", "name"]),
    ("tenant", &["name"]),
    ("transaction", &["state", "correlation_id"]),
    ("custom_domain", &["domain", "domain_metadata"]),
];

pub fn is_function(name: &str) -> bool {
    FUNCTIONS.iter().any(|(n, _)| *n == name)
}

pub fn is_root(name: &str) -> bool {
    ROOTS.iter().any(|(n, _)| *n == name)
}
