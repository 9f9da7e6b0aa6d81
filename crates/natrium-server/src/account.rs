//! Accounts: the routing domains of a server.
//!
//! Every connection belongs to exactly one account, and a message published in
//! an account reaches only that account's subscriptions. Each account owns its
//! own subject index, so accounts are isolated by construction rather than by
//! filtering. The server starts with `$G` (clients without a configured
//! account) and `$SYS` (the system account); configured accounts, imports and
//! exports are added on top of this by the security work.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use natrium_subjects::{IndexStats, Matches, SubjectError, SubjectIndex};
use parking_lot::RwLock;

use crate::client::subscription::{Subscription, SubscriptionRef};

pub const GLOBAL_ACCOUNT: &str = "$G";
pub const SYSTEM_ACCOUNT: &str = "$SYS";

/// One account and its subject index.
pub struct Account {
    pub name: String,
    index: RwLock<SubjectIndex<SubscriptionRef>>,
    /// Mirrors the index's generation without taking its lock, so connections
    /// can validate their private match caches with one atomic load.
    generation: AtomicU64,
}

impl Account {
    pub fn new(name: &str) -> Self {
        Account {
            name: name.to_string(),
            index: RwLock::new(SubjectIndex::new()),
            generation: AtomicU64::new(0),
        }
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
}

impl Default for Accounts {
    fn default() -> Self {
        let mut by_name = HashMap::new();
        for name in [GLOBAL_ACCOUNT, SYSTEM_ACCOUNT] {
            by_name.insert(name.to_string(), Arc::new(Account::new(name)));
        }
        Accounts {
            by_name: RwLock::new(by_name),
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

    pub fn all(&self) -> Vec<Arc<Account>> {
        let mut accounts: Vec<_> = self.by_name.read().values().cloned().collect();
        accounts.sort_by(|a, b| a.name.cmp(&b.name));
        accounts
    }
}
