//! [`SubjectIndex`]: subscriptions by subject pattern, matched per message.
//!
//! This is natrium's equivalent of nats-server's sublist and sits on the
//! path of every published message, so its shape is driven by `matches`:
//!
//! * Cache hit (the common case): one hash of the subject, one short lock
//!   of the cache shard that hash selects, one `Arc` clone. No validation
//!   pass: only valid literal subjects are ever stored, so anything else
//!   simply misses.
//! * Cache miss: one pass to reject empty tokens and decide cacheability,
//!   then a trie walk over subject slices (no per-token allocation), then
//!   the result is shared with the cache.
//!
//! Mutation takes `&mut self`; the server keeps the index in an `RwLock`, so
//! matching readers run concurrently and never observe a half-applied
//! change, and the cache needs no generation checks of its own. Each change
//! patches only the cached results its pattern affects (see `cache`), so
//! request/reply inbox churn leaves the rest of the cache warm. The
//! [`generation`](SubjectIndex::generation) counter lets callers keep their
//! own per-connection caches and validate them with one integer compare
//! ([`generation_counter`](SubjectIndex::generation_counter) shares it as an
//! atomic, readable without the index's lock).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::cache::MatchCache;
use crate::error::SubjectError;
use crate::result::Matches;
use crate::trie::Node;
use crate::validate::{classify, is_valid_queue_name, match_kind, Kind};

/// Default number of cached subjects (nats-server's `slCacheMax`).
pub const DEFAULT_CACHE_CAPACITY: usize = 1024;

/// Batch removals beyond this many stop patching the cache and clear it once
/// instead (a disconnecting client with thousands of subscriptions).
const BATCH_PATCH_LIMIT: usize = 16;

/// Subscriptions indexed by subject pattern; see the module docs.
///
/// `T` is the stored subscription handle. Its `PartialEq` decides which
/// entry [`remove`](Self::remove) takes out, so for the server it should be
/// pointer identity.
pub struct SubjectIndex<T> {
    root: Node<T>,
    cache: MatchCache<T>,
    count: usize,
    inserts: u64,
    removes: u64,
    /// Shared so callers can check it without taking the index's lock.
    generation: Arc<AtomicU64>,
    /// Match count when the cache is disabled (the cache counts its own lookups).
    uncached_matches: AtomicU64,
    /// Shared by every empty result so a miss with no interest does not allocate.
    empty: Arc<Matches<T>>,
}

/// Statistics, with the fields of nats-server's `/subsz`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IndexStats {
    /// Subscriptions in the index.
    pub num_subscriptions: u64,
    /// Subjects in the match cache.
    pub num_cache: u64,
    /// Inserts since creation.
    pub num_inserts: u64,
    /// Removals since creation.
    pub num_removes: u64,
    /// Calls to `matches` since creation.
    pub num_matches: u64,
    /// Fraction of `matches` calls answered by the cache, 0..=1.
    pub cache_hit_rate: f64,
    /// Largest fanout among cached results.
    pub max_fanout: u64,
    /// Mean fanout over cached results.
    pub avg_fanout: f64,
}

impl IndexStats {
    /// Folds `other` into `self`, e.g. to report all accounts together.
    /// Rates and averages are re-weighted by matches and cache entries.
    pub fn merge(&mut self, other: &IndexStats) {
        let matches = self.num_matches + other.num_matches;
        if matches > 0 {
            self.cache_hit_rate = (self.cache_hit_rate * self.num_matches as f64
                + other.cache_hit_rate * other.num_matches as f64)
                / matches as f64;
        }
        let cache = self.num_cache + other.num_cache;
        if cache > 0 {
            self.avg_fanout = (self.avg_fanout * self.num_cache as f64
                + other.avg_fanout * other.num_cache as f64)
                / cache as f64;
        }
        self.num_subscriptions += other.num_subscriptions;
        self.num_cache = cache;
        self.num_inserts += other.num_inserts;
        self.num_removes += other.num_removes;
        self.num_matches = matches;
        self.max_fanout = self.max_fanout.max(other.max_fanout);
    }
}

impl<T> SubjectIndex<T> {
    /// An empty index caching up to [`DEFAULT_CACHE_CAPACITY`] subjects.
    pub fn new() -> Self {
        Self::with_cache_capacity(DEFAULT_CACHE_CAPACITY)
    }

    /// An empty index caching up to `n` subjects; 0 disables the cache.
    pub fn with_cache_capacity(n: usize) -> Self {
        Self {
            root: Node::default(),
            cache: MatchCache::new(n),
            count: 0,
            inserts: 0,
            removes: 0,
            generation: Arc::new(AtomicU64::new(0)),
            uncached_matches: AtomicU64::new(0),
            empty: Arc::new(Matches::new()),
        }
    }

    /// Number of subscriptions.
    pub fn len(&self) -> usize {
        self.count
    }

    /// No subscriptions at all.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Changes on every successful insert or removal.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The counter behind [`generation`](Self::generation), for callers that
    /// validate their own per-connection result caches without taking the
    /// lock around the index. It is bumped after each change is applied, so
    /// a reader can only see a new value once the change is visible (a
    /// publish racing a subscription change may still see either side of
    /// it, as with nats-server).
    pub fn generation_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.generation)
    }

    fn bump_generation(&mut self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// The cache capacity this index was created with (0: no cache).
    pub fn cache_capacity(&self) -> usize {
        self.cache.capacity()
    }

    /// Current statistics. Walks the cache for fanout figures, so it is for
    /// monitoring, not for the message path.
    pub fn stats(&self) -> IndexStats {
        let c = self.cache.stats();
        let num_matches = if self.cache.enabled() {
            c.lookups
        } else {
            self.uncached_matches.load(Ordering::Relaxed)
        };
        IndexStats {
            num_subscriptions: self.count as u64,
            num_cache: c.entries as u64,
            num_inserts: self.inserts,
            num_removes: self.removes,
            num_matches,
            cache_hit_rate: ratio(c.hits as f64, num_matches as f64),
            max_fanout: c.max_fanout as u64,
            avg_fanout: ratio(c.total_fanout as f64, c.entries as f64),
        }
    }

    /// Calls `f(subject, queue, item)` for every subscription, in no
    /// particular order (monitoring listings).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], Option<&[u8]>, &T)) {
        self.root.for_each(&mut f);
    }
}

impl<T: Clone + PartialEq> SubjectIndex<T> {
    /// Adds a subscription on `subject` (wildcards allowed), optionally in
    /// queue group `queue`. Adding the same entry twice stores it twice.
    pub fn insert(
        &mut self,
        subject: &[u8],
        queue: Option<&[u8]>,
        item: T,
    ) -> Result<(), SubjectError> {
        let kind = classify(subject).ok_or(SubjectError::InvalidSubject)?;
        if queue.is_some_and(|q| !is_valid_queue_name(q)) {
            return Err(SubjectError::InvalidQueue);
        }
        self.cache
            .on_insert(subject, kind == Kind::Literal, queue, &item);
        self.root.insert(subject, queue, item);
        self.count += 1;
        self.inserts += 1;
        self.bump_generation();
        Ok(())
    }

    /// Removes one exact `(subject, queue, item)` subscription; `false` if
    /// there was none (including for invalid subjects).
    pub fn remove(&mut self, subject: &[u8], queue: Option<&[u8]>, item: &T) -> bool {
        self.remove_inner(subject, queue, item, true)
    }

    /// Removes many subscriptions at once (a client going away); returns how
    /// many were found. Past a handful it stops patching the cache per entry
    /// and clears it once at the end, which is cheaper than many cache scans.
    pub fn remove_batch<'a, I>(&mut self, entries: I) -> usize
    where
        I: IntoIterator<Item = (&'a [u8], Option<&'a [u8]>, &'a T)>,
        T: 'a,
    {
        let mut removed = 0;
        for (subject, queue, item) in entries {
            let patch = removed < BATCH_PATCH_LIMIT;
            if self.remove_inner(subject, queue, item, patch) {
                removed += 1;
            }
        }
        if removed > BATCH_PATCH_LIMIT {
            self.cache.clear();
        }
        removed
    }

    fn remove_inner(
        &mut self,
        subject: &[u8],
        queue: Option<&[u8]>,
        item: &T,
        patch: bool,
    ) -> bool {
        let Some(kind) = classify(subject) else {
            return false;
        };
        if !self.root.remove(subject, queue, item) {
            return false;
        }
        if patch {
            self.cache
                .on_remove(subject, kind == Kind::Literal, queue, item);
        }
        self.count -= 1;
        self.removes += 1;
        self.bump_generation();
        true
    }

    /// The subscriptions a message published to `subject` must reach.
    ///
    /// `subject` should be a valid literal subject (the protocol layer checks
    /// publishes); a subject with empty tokens matches nothing, and one with
    /// wildcard tokens is matched with those tokens taken literally and is
    /// not cached.
    #[inline]
    pub fn matches(&self, subject: &[u8]) -> Arc<Matches<T>> {
        if self.cache.enabled() {
            if let Some(hit) = self.cache.get(subject) {
                return hit;
            }
        } else {
            self.uncached_matches.fetch_add(1, Ordering::Relaxed);
        }
        let Some(kind) = match_kind(subject) else {
            return Arc::clone(&self.empty);
        };
        let mut out = Matches::new();
        self.root.collect(subject, &mut out);
        let result = if out.is_empty() {
            Arc::clone(&self.empty)
        } else {
            Arc::new(out)
        };
        if kind == Kind::Literal {
            self.cache.put(subject, Arc::clone(&result));
        }
        result
    }
}

impl<T> Default for SubjectIndex<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for SubjectIndex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubjectIndex")
            .field("len", &self.count)
            .field("generation", &self.generation())
            .field("cache_capacity", &self.cache.capacity())
            .finish_non_exhaustive()
    }
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

#[cfg(test)]
impl<T> SubjectIndex<T> {
    pub(crate) fn is_cached(&self, subject: &[u8]) -> bool {
        self.cache.contains(subject)
    }

    pub(crate) fn num_nodes(&self) -> usize {
        self.root.count_nodes()
    }
}
