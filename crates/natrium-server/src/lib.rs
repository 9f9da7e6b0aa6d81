//! natrium-server: a NATS server, as a library you can embed and as the
//! `natrium-server` binary.
//!
//! Data flows one way: bytes → protocol parser ([`natrium_protocol`]) →
//! [`client::connection`] (authentication, limits) → the connection's
//! [`account`] and its subject index ([`natrium_subjects`]) →
//! [`client::delivery`] into each subscriber's outbound buffer → the
//! subscriber's writer task flushes it.
//!
//! Embedding takes three lines:
//!
//! ```no_run
//! # async fn demo() -> Result<(), natrium_server::StartError> {
//! let server = natrium_server::Server::start(natrium_server::ServerOptions::ephemeral()).await?;
//! println!("clients connect to {}", server.client_url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![recursion_limit = "256"]

pub mod account;
pub mod auth;
pub mod cli;
pub mod client;
pub mod config;
pub mod content_store;
pub mod identity;
pub mod internal;
pub mod jetstream;
pub mod logging;
pub mod monitoring;
pub mod options;
pub mod permissions;
pub mod reload;
pub mod server;
pub mod signals;
pub mod system;
pub mod trace;
pub mod transport;

pub use options::{AuthOptions, JetStreamOptions, ServerOptions, UserOptions};
pub use server::{Server, StartError};
