//! Test connection from the editor: plan under the lock, ask before an untrusted host, run
//! the network part apart from the editing state, record the proven scopes.

use super::{Backend, CONFIRM_WAIT, MAX_TEST_CONNECTIONS, lock, state::State};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::*;

/// The user's answer about an untrusted host.
pub(super) enum Confirmed {
    Send,
    /// Cancel, dismissed, or no answer in time.
    No,
    /// The client cannot ask (it does not support `window/showMessageRequest`).
    CannotAsk,
}

impl Backend {
    /// Runs Test connection for a vault document (or a named connection), and makes its
    /// granted scopes the most trusted source for the rest of the session.
    pub(super) async fn test_connection(
        &self,
        uri: &Uri,
        connection: Option<&str>,
    ) -> crate::test_connection::TestResult {
        let planned = {
            let st = lock(&self.state);
            let path = State::path_of(uri);
            let settings = st.settings.test.resolve(&st.ws.root);
            crate::test_connection::prepare(&st.ws, &path, connection, &settings)
                .map(|p| (p, settings))
        };
        let (plan, settings) = match planned {
            Ok(p) => p,
            Err(result) => return *result,
        };
        if !plan.trusted {
            match self.confirm_untrusted(&plan).await {
                Confirmed::Send => {}
                Confirmed::No => return crate::test_connection::untrusted(&plan, "cancelled"),
                Confirmed::CannotAsk => {
                    return crate::test_connection::untrusted(&plan, "untrusted_host");
                }
            }
        }
        let result = crate::test_connection::run(&plan, &settings).await;
        if result.ok
            && plan.management_api
            && let Some(granted) = &result.granted_scopes
        {
            let later = {
                let mut st = lock(&self.state);
                st.ws
                    .live_scopes
                    .insert(plan.connection.clone(), granted.clone());
                st.invalidate_all()
            };
            self.recompute(later);
        }
        result
    }

    /// Asks the user whether credentials may go to a host they have not trusted, naming the
    /// host and the environment variables whose values would be sent (never the values).
    pub(super) async fn confirm_untrusted(&self, plan: &crate::test_connection::Plan) -> Confirmed {
        let env = plan
            .env_values_phrase()
            .map(|p| format!(" The request would carry {p}."))
            .unwrap_or_default();
        let message = format!(
            "Test connection `{}` would send its client credentials to {}, which {} (trusted: {} for values written in the repository, and the hosts in testConnection.trustedHosts).{env} Send them?",
            plan.connection,
            plan.host_shown,
            plan.untrusted_why(),
            crate::test_connection::DEFAULT_TRUSTED
        );
        let actions = ["Send", "Cancel"]
            .map(|t| MessageActionItem {
                title: t.into(),
                properties: Default::default(),
            })
            .to_vec();
        let asked = tokio::time::timeout(
            CONFIRM_WAIT,
            self.client
                .show_message_request(MessageType::WARNING, message, Some(actions)),
        )
        .await;
        match asked {
            Ok(Ok(Some(item))) if item.title == "Send" => Confirmed::Send,
            Ok(Ok(_)) | Err(_) => Confirmed::No,
            Ok(Err(_)) => Confirmed::CannotAsk,
        }
    }

    /// The command `flowls.testConnection` with its argument `{ "uri", "connection"? }`:
    /// at most [`MAX_TEST_CONNECTIONS`] at once; the result is also shown to the user.
    pub(super) async fn test_connection_command(
        &self,
        arg: &serde_json::Value,
    ) -> jsonrpc::Result<crate::test_connection::TestResult> {
        let Some(uri) = arg
            .get("uri")
            .and_then(|u| u.as_str())
            .and_then(|u| u.parse::<Uri>().ok())
        else {
            return Err(jsonrpc::Error::invalid_params(
                "flowls.testConnection takes { \"uri\": <vault document uri> } (or a flow's uri and \"connection\")",
            ));
        };
        let connection = arg
            .get("connection")
            .and_then(|c| c.as_str())
            .map(str::to_string);
        let result = match self.tests.clone().try_acquire_owned() {
            Ok(_place) => self.test_connection(&uri, connection.as_deref()).await,
            Err(_) => crate::test_connection::TestResult {
                ok: false,
                connection: connection.unwrap_or_default(),
                error: Some("cancelled".into()),
                error_description: Some(format!(
                    "{MAX_TEST_CONNECTIONS} Test connections are already running: try again when one has ended"
                )),
                ..Default::default()
            },
        };
        let typ = match (&result.ok, result.missing_scopes.is_empty()) {
            (true, true) => MessageType::INFO,
            (true, false) => MessageType::WARNING,
            _ => MessageType::ERROR,
        };
        self.client.show_message(typ, result.summary()).await;
        Ok(result)
    }
}
