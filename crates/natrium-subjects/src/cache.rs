//! The match cache: literal subject → shared [`Matches`].
//!
//! Most traffic goes to a small working set of subjects, so after the first
//! trie walk a publish costs one hash of the subject, one short lock and one
//! `Arc` clone. The index itself sits behind the caller's `RwLock` and many
//! readers share this cache, so it is split into a few shards (chosen by the
//! same hash, padded to separate cache lines): publishers on different
//! subjects rarely contend on the same `Mutex`. Hits and lookups are counted
//! under the shard lock, so statistics cost no extra atomics.
//!
//! Two things keep it useful under churn, following nats-server:
//!
//! * It is bounded: when a shard grows past its share of the capacity it
//!   drops entries down to half, in hash order (effectively random, and
//!   unpredictable to clients because the hasher is randomly seeded).
//!   Dropping a batch at once keeps eviction O(1) amortised without any LRU
//!   bookkeeping on the hit path.
//! * Subscription changes patch it instead of wiping it: an insert adds the
//!   new subscription to every cached result its pattern matches, and a
//!   removal takes it out again. A literal removal drops its one entry
//!   instead, since such subjects are typically one-shot inboxes that would
//!   only squat in the cache. Results are `Arc`s, so patching copies a result
//!   only if a caller still holds the old one (`Arc::make_mut`).

use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hashbrown::hash_table::Entry as TableEntry;
use hashbrown::{DefaultHashBuilder, HashTable};

use crate::matching::subject_matches_filter;
use crate::result::Matches;

/// Most shards used, and the fewest subjects a shard is given.
const MAX_SHARDS: usize = 16;
const MIN_SHARD_CAPACITY: usize = 128;

/// Bounded, sharded cache of match results for literal subjects.
pub(crate) struct MatchCache<T> {
    capacity: usize,
    shard_capacity: usize,
    hasher: DefaultHashBuilder,
    shards: Box<[Padded<Mutex<Shard<T>>>]>,
}

/// Keeps each shard's lock on its own cache lines (no false sharing).
#[repr(align(128))]
struct Padded<X>(X);

struct Shard<T> {
    table: HashTable<Entry<T>>,
    lookups: u64,
    hits: u64,
}

struct Entry<T> {
    /// Kept so rehashing and patching never hash the subject again.
    hash: u64,
    subject: Box<[u8]>,
    result: Arc<Matches<T>>,
}

/// Counters and fanout figures gathered in one pass over the shards.
#[derive(Default)]
pub(crate) struct CacheStats {
    pub(crate) lookups: u64,
    pub(crate) hits: u64,
    pub(crate) entries: usize,
    pub(crate) max_fanout: usize,
    pub(crate) total_fanout: usize,
}

impl<T> MatchCache<T> {
    /// A cache holding up to `capacity` subjects; 0 disables it.
    pub(crate) fn new(capacity: usize) -> Self {
        let mut shards = 1;
        while shards * 2 <= MAX_SHARDS && capacity / (shards * 2) >= MIN_SHARD_CAPACITY {
            shards *= 2;
        }
        Self {
            capacity,
            shard_capacity: capacity / shards,
            hasher: DefaultHashBuilder::default(),
            shards: (0..shards)
                .map(|_| {
                    Padded(Mutex::new(Shard {
                        table: HashTable::new(),
                        lookups: 0,
                        hits: 0,
                    }))
                })
                .collect(),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    #[inline]
    fn hash(&self, subject: &[u8]) -> u64 {
        self.hasher.hash_one(subject)
    }

    /// The shard for `hash`. Uses middle bits: hashbrown itself uses the
    /// low bits for the bucket and the top seven for its tags.
    #[inline]
    fn shard(&self, hash: u64) -> &Mutex<Shard<T>> {
        let i = (hash >> 32) as usize & (self.shards.len() - 1);
        &self.shards[i].0
    }

    fn shard_mut(&mut self, hash: u64) -> &mut Shard<T> {
        let i = (hash >> 32) as usize & (self.shards.len() - 1);
        get_mut(&mut self.shards[i].0)
    }

    /// Looks `subject` up, counting the lookup and any hit.
    #[inline]
    pub(crate) fn get(&self, subject: &[u8]) -> Option<Arc<Matches<T>>> {
        let hash = self.hash(subject);
        let mut shard = lock(self.shard(hash));
        shard.lookups += 1;
        let found = shard
            .table
            .find(hash, |e| *e.subject == *subject)
            .map(|e| Arc::clone(&e.result));
        if found.is_some() {
            shard.hits += 1;
        }
        found
    }

    /// Caches `result` for the literal `subject`, evicting if over capacity.
    pub(crate) fn put(&self, subject: &[u8], result: Arc<Matches<T>>) {
        if !self.enabled() {
            return;
        }
        let hash = self.hash(subject);
        let mut shard = lock(self.shard(hash));
        // Two readers may miss on the same subject at once: replace, not duplicate.
        match shard
            .table
            .entry(hash, |e| *e.subject == *subject, |e| e.hash)
        {
            TableEntry::Occupied(mut o) => o.get_mut().result = result,
            TableEntry::Vacant(v) => {
                v.insert(Entry {
                    hash,
                    subject: subject.into(),
                    result,
                });
            }
        }
        if shard.table.len() > self.shard_capacity {
            let mut excess = shard.table.len() - self.shard_capacity / 2;
            shard.table.retain(|_| {
                if excess == 0 {
                    return true;
                }
                excess -= 1;
                false
            });
        }
    }

    /// Drops every entry (counters are kept).
    pub(crate) fn clear(&mut self) {
        for shard in self.shards.iter_mut() {
            get_mut(&mut shard.0).table.clear();
        }
    }

    /// For monitoring: walks every entry for fanout figures.
    pub(crate) fn stats(&self) -> CacheStats {
        let mut st = CacheStats::default();
        for shard in self.shards.iter() {
            let shard = lock(&shard.0);
            st.lookups += shard.lookups;
            st.hits += shard.hits;
            st.entries += shard.table.len();
            for e in shard.table.iter() {
                st.max_fanout = st.max_fanout.max(e.result.len());
                st.total_fanout += e.result.len();
            }
        }
        st
    }

    fn entries_mut(&mut self) -> impl Iterator<Item = &mut Entry<T>> {
        self.shards
            .iter_mut()
            .flat_map(|s| get_mut(&mut s.0).table.iter_mut())
    }
}

impl<T: Clone + PartialEq> MatchCache<T> {
    /// Reflects a newly inserted subscription in the cached results it affects.
    pub(crate) fn on_insert(
        &mut self,
        pattern: &[u8],
        literal: bool,
        queue: Option<&[u8]>,
        item: &T,
    ) {
        if !self.enabled() {
            return;
        }
        if literal {
            let hash = self.hash(pattern);
            if let Some(e) = self
                .shard_mut(hash)
                .table
                .find_mut(hash, |e| *e.subject == *pattern)
            {
                Arc::make_mut(&mut e.result).add(queue, item.clone());
            }
            return;
        }
        for e in self.entries_mut() {
            if subject_matches_filter(&e.subject, pattern) {
                Arc::make_mut(&mut e.result).add(queue, item.clone());
            }
        }
    }

    /// Reflects a removed subscription in the cached results it affects.
    pub(crate) fn on_remove(
        &mut self,
        pattern: &[u8],
        literal: bool,
        queue: Option<&[u8]>,
        item: &T,
    ) {
        if !self.enabled() {
            return;
        }
        if literal {
            let hash = self.hash(pattern);
            if let Ok(o) = self
                .shard_mut(hash)
                .table
                .find_entry(hash, |e| *e.subject == *pattern)
            {
                o.remove();
            }
            return;
        }
        for e in self.entries_mut() {
            if subject_matches_filter(&e.subject, pattern) {
                Arc::make_mut(&mut e.result).remove(queue, item);
            }
        }
    }
}

// Only whole-entry table operations run under a shard lock, so a poisoned
// lock still guards a consistent table: recover instead of failing every publish.
fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn get_mut<X>(m: &mut Mutex<X>) -> &mut X {
    m.get_mut().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
impl<T> MatchCache<T> {
    pub(crate) fn contains(&self, subject: &[u8]) -> bool {
        let hash = self.hash(subject);
        lock(self.shard(hash))
            .table
            .find(hash, |e| *e.subject == *subject)
            .is_some()
    }

    pub(crate) fn num_shards(&self) -> usize {
        self.shards.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded() {
        for cap in [1, 8, 100, 1024, 5000] {
            let cache: MatchCache<u32> = MatchCache::new(cap);
            for i in 0..3 * cap {
                cache.put(format!("s.{i}").as_bytes(), Arc::new(Matches::new()));
                assert!(cache.stats().entries <= cap);
            }
            assert!(cache.stats().entries >= cap / 4, "cap {cap}");
        }
    }

    #[test]
    fn sharding_scales_with_capacity() {
        assert_eq!(MatchCache::<u32>::new(0).num_shards(), 1);
        assert_eq!(MatchCache::<u32>::new(16).num_shards(), 1);
        assert_eq!(MatchCache::<u32>::new(1024).num_shards(), 8);
        assert_eq!(MatchCache::<u32>::new(1 << 20).num_shards(), MAX_SHARDS);
    }

    #[test]
    fn disabled_stores_nothing() {
        let mut cache: MatchCache<u32> = MatchCache::new(0);
        cache.put(b"a", Arc::new(Matches::new()));
        cache.on_insert(b"a", true, None, &1);
        assert_eq!(cache.stats().entries, 0);
        assert!(cache.get(b"a").is_none());
    }

    #[test]
    fn put_twice_replaces() {
        let cache: MatchCache<u32> = MatchCache::new(8);
        cache.put(b"a", Arc::new(Matches::new()));
        let mut m = Matches::new();
        m.add(None, 1);
        cache.put(b"a", Arc::new(m));
        assert_eq!(cache.stats().entries, 1);
        assert_eq!(cache.get(b"a").map(|m| m.plain.clone()), Some(vec![1]));
    }

    #[test]
    fn patches_without_disturbing_holders() {
        let mut cache: MatchCache<u32> = MatchCache::new(1024);
        cache.put(b"foo.bar", Arc::new(Matches::new()));
        cache.put(b"foo.baz", Arc::new(Matches::new()));
        cache.put(b"other", Arc::new(Matches::new()));
        let held = cache.get(b"foo.bar");
        cache.on_insert(b"foo.*", false, None, &1);
        cache.on_insert(b"foo.bar", true, Some(b"q"), &2);
        assert_eq!(held.as_deref(), Some(&Matches::new()));
        let now = cache.get(b"foo.bar");
        assert_eq!(now.as_ref().map(|m| m.plain.clone()), Some(vec![1]));
        assert_eq!(now.as_ref().map(|m| m.queues.len()), Some(1));
        assert_eq!(cache.get(b"other").map(|m| m.len()), Some(0));

        cache.on_remove(b"foo.*", false, None, &1);
        assert_eq!(cache.get(b"foo.baz").map(|m| m.len()), Some(0));
        cache.on_remove(b"foo.bar", true, Some(b"q"), &2);
        assert!(!cache.contains(b"foo.bar"));
        let st = cache.stats();
        assert_eq!((st.lookups, st.hits), (4, 4));
    }
}
