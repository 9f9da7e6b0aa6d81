//! Accounts: the routing domains of a server.
//!
//! Every connection belongs to exactly one account, and a message published in
//! an account reaches only that account's subscriptions. Each account owns its
//! own subject index, so accounts are isolated by construction rather than by
//! filtering. The server starts with `$G` (clients without a configured
//! account) and `$SYS` (the system account), plus the configured accounts.
//!
//! What crosses between accounts is explicit: an import is a forwarding
//! subscription ([`imports`]) in the account messages come from, which
//! re-publishes them into the other account; service responses find their
//! way back through [`responses`]. [`mapping`] rewrites subjects before
//! routing. Configuration (where an account's definition came from) stays
//! in [`crate::options::AccountOptions`].

pub mod claims;
pub mod imports;
pub mod mapping;
pub mod responses;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use natrium_subjects::{IndexStats, Matches, SubjectError, SubjectIndex};
use parking_lot::{Mutex, RwLock};

pub use self::imports::{check_options, AccountConfigError};
use self::mapping::{Mapped, Mappings};
use crate::client::subscription::{Subscription, SubscriptionRef};
use crate::client::Client;
use crate::options::{AccountLimits, AccountOptions};

pub const GLOBAL_ACCOUNT: &str = "$G";
pub const SYSTEM_ACCOUNT: &str = "$SYS";

/// One account and its subject index.
pub struct Account {
    pub name: String,
    index: RwLock<SubjectIndex<SubscriptionRef>>,
    /// Mirrors the index's generation without taking its lock, so connections
    /// can validate their private match caches with one atomic load.
    generation: AtomicU64,
    /// The configuration in force (replaced by a reload).
    config: RwLock<Arc<AccountOptions>>,
    /// Client connections in the account now.
    pub connections: AtomicI64,
    /// Subject mappings; `has_mappings` spares publishers the lock when none.
    mappings: RwLock<Arc<Mappings>>,
    has_mappings: AtomicBool,
    /// Service responses on their way back to importing accounts.
    pub responses: responses::Responses,
    /// The forwarding subscriptions this account's imports and exports put
    /// in subject indexes, so a reload can take them out again.
    pub(crate) forwards: Mutex<Vec<Arc<Subscription>>>,
    /// The subscriber that forwarding subscriptions belong to.
    forwarder: OnceLock<Arc<Client>>,
    /// The account's JetStream, when it has one.
    pub jetstream: RwLock<Option<Arc<crate::jetstream::JetStream>>>,
    /// Set once `$JS.API.INFO` is answered "not enabled" here.
    jetstream_disabled_answered: AtomicBool,
}

impl Account {
    pub fn new(name: &str) -> Self {
        Account {
            name: name.to_string(),
            index: RwLock::new(SubjectIndex::new()),
            generation: AtomicU64::new(0),
            config: RwLock::new(Arc::new(AccountOptions {
                name: name.to_string(),
                ..AccountOptions::default()
            })),
            connections: AtomicI64::new(0),
            mappings: RwLock::new(Arc::new(Mappings::default())),
            has_mappings: AtomicBool::new(false),
            responses: responses::Responses::default(),
            forwards: Mutex::new(Vec::new()),
            forwarder: OnceLock::new(),
            jetstream: RwLock::new(None),
            jetstream_disabled_answered: AtomicBool::new(false),
        }
    }

    /// The account's configuration.
    pub fn config(&self) -> Arc<AccountOptions> {
        self.config.read().clone()
    }

    pub fn limits(&self) -> AccountLimits {
        self.config.read().limits
    }

    /// Installs a (re)loaded configuration: limits and mappings apply at once.
    pub fn configure(&self, options: AccountOptions) {
        let mappings = Mappings::compile(&options.mappings).unwrap_or_default();
        self.has_mappings
            .store(!mappings.is_empty(), Ordering::Release);
        *self.mappings.write() = Arc::new(mappings);
        *self.config.write() = Arc::new(options);
    }

    /// Applies the account's subject mappings to a published subject.
    #[inline]
    pub fn map_subject(&self, subject: &[u8], roll: impl FnOnce() -> u8) -> Mapped {
        if !self.has_mappings.load(Ordering::Acquire) {
            return Mapped::Unchanged;
        }
        let mappings = self.mappings.read().clone();
        mappings.apply(subject, roll())
    }

    /// Whether a subject mapping covers `subject`, whatever it decided for
    /// one message (a trace reports a mapping that kept the subject).
    pub fn has_mapping_for(&self, subject: &[u8]) -> bool {
        self.has_mappings.load(Ordering::Acquire) && self.mappings.read().covers(subject)
    }

    /// The in-process subscriber that owns this account's forwarding subscriptions.
    pub(crate) fn forwarder(&self) -> Arc<Client> {
        self.forwarder
            .get_or_init(|| {
                let client = Arc::new(Client::new(
                    0,
                    std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
                    usize::MAX,
                ));
                client.mark_internal();
                client.set_supports_headers(true);
                client
            })
            .clone()
    }

    pub(crate) fn answers_jetstream_disabled(&self) -> bool {
        self.jetstream_disabled_answered.load(Ordering::Acquire)
    }

    pub(crate) fn mark_answers_jetstream_disabled(&self) {
        self.jetstream_disabled_answered
            .store(true, Ordering::Release);
    }

    /// The account's JetStream, if it has one.
    pub fn jetstream(&self) -> Option<Arc<crate::jetstream::JetStream>> {
        self.jetstream.read().clone()
    }

    pub fn subscribe(&self, subscription: &Arc<Subscription>) -> Result<(), SubjectError> {
        let mut index = self.index.write();
        index.insert(
            &subscription.subject,
            subscription.queue.as_deref(),
            SubscriptionRef(subscription.clone()),
        )?;
        self.generation.store(index.generation(), Ordering::Release);
        Ok(())
    }

    pub fn unsubscribe(&self, subscription: &Arc<Subscription>) -> bool {
        let mut index = self.index.write();
        let removed = index.remove(
            &subscription.subject,
            subscription.queue.as_deref(),
            &SubscriptionRef(subscription.clone()),
        );
        self.generation.store(index.generation(), Ordering::Release);
        removed
    }

    /// Removes many subscriptions under one lock (a connection closing).
    pub fn unsubscribe_all(&self, subscriptions: &[Arc<Subscription>]) {
        let refs: Vec<SubscriptionRef> =
            subscriptions.iter().cloned().map(SubscriptionRef).collect();
        let mut index = self.index.write();
        index.remove_batch(
            subscriptions
                .iter()
                .zip(&refs)
                .map(|(sub, item)| (&sub.subject[..], sub.queue.as_deref(), item)),
        );
        self.generation.store(index.generation(), Ordering::Release);
    }

    /// The subscriptions interested in a published subject.
    pub fn matches(&self, subject: &[u8]) -> Arc<Matches<SubscriptionRef>> {
        self.index.read().matches(subject)
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn subscription_count(&self) -> usize {
        self.index.read().len()
    }

    pub fn index_stats(&self) -> IndexStats {
        self.index.read().stats()
    }

    /// Every subscription, for monitoring listings.
    pub fn for_each_subscription(&self, mut f: impl FnMut(&Arc<Subscription>)) {
        self.index.read().for_each(|_, _, sub| f(&sub.0));
    }
}

/// The accounts of a server, by name.
pub struct Accounts {
    by_name: RwLock<HashMap<String, Arc<Account>>>,
    /// The system account's name (`$SYS` unless configured).
    system: RwLock<String>,
}

impl Default for Accounts {
    fn default() -> Self {
        let mut by_name = HashMap::new();
        for name in [GLOBAL_ACCOUNT, SYSTEM_ACCOUNT] {
            by_name.insert(name.to_string(), Arc::new(Account::new(name)));
        }
        Accounts {
            by_name: RwLock::new(by_name),
            system: RwLock::new(SYSTEM_ACCOUNT.to_string()),
        }
    }
}

impl Accounts {
    pub fn get(&self, name: &str) -> Option<Arc<Account>> {
        self.by_name.read().get(name).cloned()
    }

    /// The account of clients that authenticate without a configured account.
    pub fn global(&self) -> Arc<Account> {
        self.get_or_create(GLOBAL_ACCOUNT)
    }

    pub fn get_or_create(&self, name: &str) -> Arc<Account> {
        if let Some(account) = self.get(name) {
            return account;
        }
        self.by_name
            .write()
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(Account::new(name)))
            .clone()
    }

    /// The system account.
    pub fn system(&self) -> Arc<Account> {
        let name = self.system.read().clone();
        self.get_or_create(&name)
    }

    pub fn system_name(&self) -> String {
        self.system.read().clone()
    }

    /// Creates and configures the accounts the options name, then wires
    /// their imports and exports. Accounts that disappeared from the
    /// options keep existing (their clients are closed by the reload).
    pub fn configure(&self, options: &crate::options::ServerOptions) {
        if let Some(system) = &options.system_account {
            *self.system.write() = system.clone();
        }
        for account in &options.accounts {
            self.get_or_create(&account.name).configure(account.clone());
        }
        for account in self.all() {
            if !options.accounts.iter().any(|a| a.name == account.name) {
                account.configure(AccountOptions {
                    name: account.name.clone(),
                    ..AccountOptions::default()
                });
            }
        }
        imports::install(self, options);
    }

    pub fn all(&self) -> Vec<Arc<Account>> {
        let mut accounts: Vec<_> = self.by_name.read().values().cloned().collect();
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
        accounts
    }
}
