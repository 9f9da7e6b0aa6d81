//! Turning flags and contexts into a connected client.
//!
//! Every command connects through here, so every command accepts the same
//! options and fails the same helpful way. A [`Connection`] is resolved once
//! from the command line: the context named by `--context` (or
//! `NATS_CONTEXT`, or the selected one) supplies defaults, and each flag or
//! environment variable overrides its field. It is plain data (`Clone`), so
//! the benchmarks can open many identical connections from it.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::{jetstream, Client, ConnectErrorKind, ConnectOptions, ServerAddr};

use crate::cli::connection::ConnectionArgs;
use crate::context::{self, ContextFile};

/// The server used when neither a flag, `NATS_URL` nor a context names one.
pub const DEFAULT_SERVER: &str = "nats://127.0.0.1:4222";

/// The connection timeout when `--timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How to authenticate; the first that is set wins, in the nats CLI's order.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    None,
    UserPassword { user: String, password: String },
    Creds(PathBuf),
    Nkey(PathBuf),
    Token(String),
}

/// Resolved connection settings.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The context these settings came from, if any.
    pub context_name: Option<String>,
    /// Server URLs as given (comma-separated in flags and contexts).
    pub servers: Vec<String>,
    pub auth: Auth,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_ca: Option<PathBuf>,
    pub tls_first: bool,
    /// `--timeout` when given; commands pick their own default otherwise.
    pub timeout: Option<Duration>,
    pub js_domain: Option<String>,
    pub js_api_prefix: Option<String>,
    pub inbox_prefix: Option<String>,
}

impl Connection {
    /// Settings for `url` alone, no context consulted (tests, embedding).
    pub fn to_url(url: &str) -> Connection {
        Connection::merge(
            None,
            &ContextFile::default(),
            &ConnectionArgs {
                server: Some(url.to_string()),
                ..ConnectionArgs::default()
            },
        )
    }

    /// Resolves the command line against the chosen context.
    pub fn resolve(args: &ConnectionArgs) -> anyhow::Result<Connection> {
        let name = args.context.clone().or_else(context::selected);
        let file = match &name {
            Some(name) => context::load(name)?,
            None => ContextFile::default(),
        };
        Ok(Connection::merge(name, &file, args))
    }

    fn merge(
        context_name: Option<String>,
        file: &ContextFile,
        args: &ConnectionArgs,
    ) -> Connection {
        let pick = |flag: &Option<String>, saved: &str| {
            flag.clone()
                .or_else(|| (!saved.is_empty()).then(|| saved.to_string()))
        };
        let url = pick(&args.server, &file.url).unwrap_or_else(|| DEFAULT_SERVER.to_string());
        let servers = url
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let user = pick(&args.user, &file.user);
        let password = pick(&args.password, &file.password);
        let creds = pick(&args.creds, &file.creds);
        let nkey = pick(&args.nkey, &file.nkey);
        let token = pick(&args.token, &file.token);
        // The nats CLI's order: user, creds, nkey, token. A user without a
        // password is a token, as nats-server reads `nats://TOKEN@host`.
        let auth = match (user, password, creds, nkey, token) {
            (Some(user), Some(password), ..) => Auth::UserPassword { user, password },
            (Some(token), None, None, None, None) => Auth::Token(token),
            (_, _, Some(creds), ..) => Auth::Creds(context::expand_home(&creds)),
            (_, _, None, Some(nkey), _) => Auth::Nkey(context::expand_home(&nkey)),
            (_, _, None, None, Some(token)) => Auth::Token(token),
            _ => Auth::None,
        };
        let path = |flag: &Option<String>, saved: &str| {
            pick(flag, saved).map(|p| context::expand_home(&p))
        };
        Connection {
            context_name,
            servers,
            auth,
            tls_cert: path(&args.tlscert, &file.cert),
            tls_key: path(&args.tlskey, &file.key),
            tls_ca: path(&args.tlsca, &file.ca),
            tls_first: args.tlsfirst || file.tls_first,
            timeout: args.timeout,
            js_domain: pick(&args.js_domain, &file.jetstream_domain),
            js_api_prefix: pick(&args.js_api_prefix, &file.jetstream_api_prefix),
            inbox_prefix: pick(&args.inbox_prefix, &file.inbox_prefix),
        }
    }

    /// The URLs joined as the user wrote them, for messages.
    pub fn url(&self) -> String {
        self.servers.join(",")
    }

    /// The timeout for waiting on the server: `--timeout` or `default`.
    pub fn timeout_or(&self, default: Duration) -> Duration {
        self.timeout.unwrap_or(default)
    }

    /// The server addresses, checked.
    pub fn addresses(&self) -> anyhow::Result<Vec<ServerAddr>> {
        if self.servers.is_empty() {
            anyhow::bail!("no server URL given: pass --server nats://HOST:PORT");
        }
        self.servers
            .iter()
            .map(|url| {
                url.parse::<ServerAddr>()
                    .map_err(|err| anyhow::anyhow!("invalid server URL {url:?}: {err}"))
            })
            .collect()
    }

    /// Client options carrying authentication, TLS and timeouts; callers add
    /// their own tuning (name, buffer sizes) before connecting.
    pub fn options(&self) -> anyhow::Result<ConnectOptions> {
        let mut options = ConnectOptions::new()
            .name("natrium")
            .connection_timeout(self.timeout_or(DEFAULT_TIMEOUT));
        if let Some(timeout) = self.timeout {
            options = options.request_timeout(Some(timeout));
        }
        options = match &self.auth {
            Auth::None => options,
            Auth::UserPassword { user, password } => {
                options.user_and_password(user.clone(), password.clone())
            }
            Auth::Token(token) => options.token(token.clone()),
            Auth::Creds(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read credentials file {}", path.display()))?;
                options.credentials(&text).map_err(|err| {
                    anyhow::anyhow!("credentials file {} is not valid: {err}", path.display())
                })?
            }
            Auth::Nkey(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read nkey seed file {}", path.display()))?;
                let seed = text
                    .lines()
                    .map(str::trim)
                    .find(|line| line.starts_with("SU"))
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{} holds no user nkey seed (a line starting with SU)",
                            path.display()
                        )
                    })?;
                options.nkey(seed.to_string())
            }
        };
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => {
                options = options.add_client_certificate(cert.clone(), key.clone());
            }
            (None, None) => {}
            _ => anyhow::bail!("--tlscert and --tlskey must be given together"),
        }
        if let Some(ca) = &self.tls_ca {
            options = options.add_root_certificates(ca.clone()).require_tls(true);
        }
        if self.tls_cert.is_some() {
            options = options.require_tls(true);
        }
        if self.tls_first {
            options = options.tls_first();
        }
        if let Some(prefix) = &self.inbox_prefix {
            options = options.custom_inbox_prefix(prefix);
        }
        Ok(options)
    }

    /// Connects with [`Connection::options`].
    pub async fn connect(&self) -> anyhow::Result<Client> {
        self.connect_with(self.options()?).await
    }

    /// Connects with `options` (built from [`Connection::options`]), turning
    /// "nothing listens there" into advice.
    pub async fn connect_with(&self, options: ConnectOptions) -> anyhow::Result<Client> {
        let addresses = self.addresses()?;
        options
            .connect(addresses)
            .await
            .map_err(|err| self.connect_error(&err))
    }

    /// One line saying why connecting failed and what to do about it.
    pub fn connect_error(&self, err: &async_nats::ConnectError) -> anyhow::Error {
        let url = self.url();
        match err.kind() {
            ConnectErrorKind::Io | ConnectErrorKind::TimedOut | ConnectErrorKind::Dns => {
                anyhow::anyhow!(
                    "no server at {url}: is natrium-server running? start it with `natrium-server -js`, or pass --server URL"
                )
            }
            ConnectErrorKind::AuthorizationViolation => anyhow::anyhow!(
                "{url} refused the credentials: check --user/--password, --token, --creds or --nkey (or the context's)"
            ),
            ConnectErrorKind::Tls => anyhow::anyhow!(
                "TLS with {url} failed ({err}): check --tlsca, --tlscert and --tlskey"
            ),
            _ => anyhow::anyhow!("cannot connect to {url}: {err}"),
        }
    }

    /// A JetStream context honouring `--js-domain` / `--js-api-prefix`.
    pub fn jetstream(&self, client: Client) -> jetstream::Context {
        let timeout = self.timeout_or(DEFAULT_TIMEOUT);
        let builder = jetstream::context::ContextBuilder::new();
        match (&self.js_api_prefix, &self.js_domain) {
            (Some(prefix), _) => builder.api_prefix(prefix).timeout(timeout).build(client),
            (None, Some(domain)) => builder.domain(domain).timeout(timeout).build(client),
            (None, None) => builder.timeout(timeout).build(client),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(server: Option<&str>) -> ConnectionArgs {
        ConnectionArgs {
            server: server.map(str::to_string),
            ..ConnectionArgs::default()
        }
    }

    #[test]
    fn flags_override_the_context() {
        let file = ContextFile {
            url: "nats://a:1,nats://b:2".into(),
            user: "ctx".into(),
            password: "secret".into(),
            jetstream_domain: "hub".into(),
            ..ContextFile::default()
        };
        let from_context = Connection::merge(Some("c".into()), &file, &args(None));
        assert_eq!(from_context.servers, ["nats://a:1", "nats://b:2"]);
        assert_eq!(
            from_context.auth,
            Auth::UserPassword {
                user: "ctx".into(),
                password: "secret".into()
            }
        );
        assert_eq!(from_context.js_domain.as_deref(), Some("hub"));
        let overridden = Connection::merge(None, &file, &args(Some("nats://c:3")));
        assert_eq!(overridden.servers, ["nats://c:3"]);
    }

    #[test]
    fn defaults_and_tokens() {
        let plain = Connection::merge(None, &ContextFile::default(), &args(None));
        assert_eq!(plain.servers, [DEFAULT_SERVER]);
        assert_eq!(plain.auth, Auth::None);
        let user_only = ConnectionArgs {
            user: Some("t0k3n".into()),
            ..ConnectionArgs::default()
        };
        let token = Connection::merge(None, &ContextFile::default(), &user_only);
        assert_eq!(token.auth, Auth::Token("t0k3n".into()));
    }
}
