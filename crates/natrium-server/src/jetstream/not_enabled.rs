//! The answer of an account without JetStream on a server that has it:
//! `$JS.API.INFO` gets nats-server's "jetstream not enabled for account"
//! error (10039), so clients and the CLI can tell the account from a
//! server without JetStream (where requests get no responders).

use std::sync::Arc;

use natrium_jetstream::errors::ErrorId;

use super::JetStreamError;
use crate::account::Account;
use crate::client::delivery::Message;
use crate::client::subscription::InlineService;
use crate::internal::InternalClient;
use crate::server::ServerShared;

struct NotEnabled {
    client: Arc<InternalClient>,
    body: Vec<u8>,
}

impl InlineService for NotEnabled {
    fn handle(&self, message: &Message<'_>) {
        if let Some(reply) = message.reply {
            self.client.publish(reply, None, None, &self.body);
        }
    }
}

/// Answers `$JS.API.INFO` in `account` with the "not enabled" error.
pub fn answer_info(
    shared: &Arc<ServerShared>,
    account: &Arc<Account>,
) -> Result<(), JetStreamError> {
    let (client, _inbox) = InternalClient::connect(shared, account.clone(), "JetStream (disabled)");
    let error = natrium_jetstream::ApiError::from(ErrorId::NotEnabledForAccountErr);
    let body = serde_json::to_vec(&serde_json::json!({
        "type": "io.nats.jetstream.api.v1.account_info_response",
        "error": error,
    }))
    .unwrap_or_default();
    let service = Arc::new(NotEnabled {
        client: client.clone(),
        body,
    });
    client.subscribe_inline("$JS.API.INFO", service)?;
    account.mark_answers_jetstream_disabled();
    Ok(())
}
