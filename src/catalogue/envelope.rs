//! The action envelope: the keys every action has around its `params` (Management API
//! `FlowAction…` types), with their kinds, limits and docs. One table, read by the schema
//! generation (`schema`), the analysis (`analysis::flow`) and completion.

/// What a key's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Bool,
    Object,
}

/// One key of the action envelope.
#[derive(Debug)]
pub struct Field {
    pub key: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// The longest a string may be, in characters.
    pub max_len: Option<usize>,
    /// What to insert on completion (snippet syntax).
    pub snippet: &'static str,
    pub doc: &'static str,
}

/// The envelope, in the order a new action is written.
pub const ACTION_FIELDS: &[Field] = &[
    Field {
        key: "id",
        kind: Kind::String,
        required: true,
        max_len: None,
        snippet: "\"$1\"",
        doc: "Unique in the flow; later actions read it as {{actions.<id>}}",
    },
    Field {
        key: "type",
        kind: Kind::String,
        required: true,
        max_len: None,
        snippet: "\"$1\"",
        doc: "The integration, such as AUTH0 or HTTP",
    },
    Field {
        key: "action",
        kind: Kind::String,
        required: true,
        max_len: None,
        snippet: "\"$1\"",
        doc: "The operation of the type, such as GET_USER",
    },
    Field {
        key: "params",
        kind: Kind::Object,
        required: false,
        max_len: None,
        snippet: "{$1}",
        doc: "The parameters of the action",
    },
    Field {
        key: "alias",
        kind: Kind::String,
        required: false,
        max_len: Some(100),
        snippet: "\"$1\"",
        doc: "A display label (at most 100 characters)",
    },
    Field {
        key: "allow_failure",
        kind: Kind::Bool,
        required: false,
        max_len: None,
        snippet: "${1:false}",
        doc: "Go on when this action fails",
    },
    Field {
        key: "mask_output",
        kind: Kind::Bool,
        required: false,
        max_len: None,
        snippet: "${1:false}",
        doc: "Hide this action's output in execution logs",
    },
];

/// The keys of [`ACTION_FIELDS`].
pub fn action_keys() -> impl Iterator<Item = &'static str> {
    ACTION_FIELDS.iter().map(|f| f.key)
}

/// The params of an action whose text is a Liquid template (notifications), where `{{ … }}`
/// is Liquid rather than a flow expression: AUTH0 `SEND_EMAIL` (`subject`, `body`),
/// `SEND_SMS` and `MAKE_CALL` (`message`), as Auth0 documents its notification actions.
pub fn liquid_params(type_: &str, action: &str) -> &'static [&'static str] {
    match (type_, action) {
        ("AUTH0", "SEND_EMAIL") => &["subject", "body"],
        ("AUTH0", "SEND_SMS" | "MAKE_CALL") => &["message"],
        _ => &[],
    }
}
