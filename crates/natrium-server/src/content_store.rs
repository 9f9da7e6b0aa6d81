//! The built-in content-addressed object store (natrium-cid) of a server.
//!
//! Each `content_store { domain: sales, stream: … }` block starts the
//! `{domain}.objects.*` service of [`natrium_cid`] when the server starts. The
//! service is an ordinary NATS client of this server over loopback (the same
//! code runs as `natrium cid serve` against any server), so it sees
//! permissions, accounts and limits exactly as every other client does, and it
//! authenticates with the block's `user`/`password` or `token` when the server
//! requires authentication.
//!
//! A store inside an account block (`accounts { A: { content_store {…} } }`)
//! serves that account: its credentials must be those of a user of the
//! account, which is checked at start.
//!
//! ```text
//! content_store { domain: sales, stream: SALES_OBJECTS, user: svc, password: s3cret }
//! content_store: [ { domain: sales }, { domain: hr, memory: true } ]
//! ```

use natrium_config::{Spanned, Value};
use tracing::info;

use crate::config::{field_error, map, settings, string, ConfigFileError};
use crate::server::ServerShared;

/// One content store to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentStoreOptions {
    /// The account it belongs to (`None`: the one its credentials select).
    pub account: Option<String>,
    pub domain: String,
    /// Stream name; `DOMAIN_<DOMAIN>_OBJECTS` when `None`.
    pub stream: Option<String>,
    /// Memory storage instead of file storage.
    pub memory: bool,
    pub user: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
}

/// Parses a `content_store` value: one block or a list of blocks.
pub(crate) fn parse(
    value: &Spanned<Value>,
    account: Option<&str>,
) -> Result<Vec<ContentStoreOptions>, ConfigFileError> {
    if let Some(items) = value.value.as_array() {
        return items.iter().map(|item| parse_one(item, account)).collect();
    }
    Ok(vec![parse_one(value, account)?])
}

fn parse_one(
    value: &Spanned<Value>,
    account: Option<&str>,
) -> Result<ContentStoreOptions, ConfigFileError> {
    let mut options = ContentStoreOptions {
        account: account.map(str::to_string),
        ..ContentStoreOptions::default()
    };
    for (key, field) in settings(map(value)?) {
        match key.to_ascii_lowercase().as_str() {
            "domain" => options.domain = string(field)?,
            "stream" => options.stream = Some(string(field)?),
            "account" => options.account = Some(string(field)?),
            "storage" => {
                options.memory = match string(field)?.to_ascii_lowercase().as_str() {
                    "memory" => true,
                    "file" => false,
                    other => {
                        return Err(field_error(
                            field,
                            format!("storage must be file or memory, not {other:?}"),
                        ))
                    }
                }
            }
            "user" | "username" => options.user = Some(string(field)?),
            "password" => options.password = Some(string(field)?),
            "token" => options.token = Some(string(field)?),
            other => return Err(field_error(field, format!("unknown field {other:?}"))),
        }
    }
    natrium_cid::store::check_domain(&options.domain)
        .map_err(|e| field_error(value, format!("content_store: {e}")))?;
    Ok(options)
}

/// Starts every configured store; each runs until the server shuts down.
pub(crate) async fn start_all(
    shared: &std::sync::Arc<ServerShared>,
    shutdown: &tokio_util::sync::CancellationToken,
) -> Result<(), String> {
    let options = shared.options();
    if options.content_stores.is_empty() {
        return Ok(());
    }
    if !options.jetstream.enabled {
        return Err("content_store needs JetStream: enable it with `jetstream {}` or -js".into());
    }
    let addr = shared.client_addr;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    for store in &options.content_stores {
        if let Some(account) = store.account.as_deref().filter(|a| *a != "$G") {
            let of_account = store.user.as_deref().is_some_and(|name| {
                options
                    .auth
                    .users
                    .iter()
                    .any(|u| u.user == name && u.account.as_deref() == Some(account))
            });
            if !of_account {
                return Err(format!(
                    "content_store {}: in account {account:?} it needs the user and password of a user of that account",
                    store.domain
                ));
            }
        }
        let mut connect = async_nats::ConnectOptions::new()
            .name(format!("natrium content store {}", store.domain));
        match (&store.user, &store.token) {
            (Some(user), _) => {
                connect = connect
                    .user_and_password(user.clone(), store.password.clone().unwrap_or_default())
            }
            (None, Some(token)) => connect = connect.token(token.clone()),
            (None, None) if options.auth.required() => {
                return Err(format!(
                    "content_store {}: the server requires authentication: give the store a user and password or a token",
                    store.domain
                ))
            }
            (None, None) => {}
        }
        let url = format!("nats://{host}:{}", addr.port());
        let nats = connect
            .connect(url)
            .await
            .map_err(|e| format!("content_store {}: cannot connect: {e}", store.domain))?;
        let mut config = natrium_cid::ServiceConfig::new(store.domain.clone());
        config.store.stream = store.stream.clone();
        config.store.memory = store.memory;
        let service = natrium_cid::Service::start(nats, config)
            .await
            .map_err(|e| format!("content_store {}: {e}", store.domain))?;
        info!(
            "Content store for domain {:?} answering on {}.objects.>",
            store.domain, store.domain
        );
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = service.run() => {}
                () = shutdown.cancelled() => {}
            }
        });
    }
    Ok(())
}
