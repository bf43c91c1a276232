//! A bounded cache of `POST /v1/match` answers, already serialized.
//!
//! HR systems send the same titles over and over; a hit skips matching and serializing, and is
//! answered without leaving the async executor (a hash lookup, no blocking work). Entries carry
//! the engine *generation* they were computed under; approving or undoing an alias bumps the
//! generation, so an answer computed before the change is never served after it.
//!
//! Bounded by entry count, split in shards to keep lock contention low. When a shard is full it
//! is emptied: crude, but bounded, cheap, and never wrong (a miss only costs a match).

use crate::matching::MatchType;
use crate::score::Band;
use axum::body::Bytes;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, PoisonError};

const SHARDS: usize = 16;

/// A serialized answer.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    /// The JSON body.
    pub body: Bytes,
    /// For the metrics.
    pub band: Band,
    /// For the metrics.
    pub match_type: MatchType,
    /// The engine generation it was computed under.
    pub generation: u64,
}

#[derive(Debug)]
pub(crate) struct MatchCache {
    shards: Vec<Mutex<HashMap<String, Cached>>>,
    per_shard: usize,
    hasher: RandomState,
}

impl MatchCache {
    /// A cache of about `entries` answers (0 turns it off).
    pub fn new(entries: usize) -> MatchCache {
        let per_shard = entries.div_ceil(SHARDS);
        let n = if entries == 0 { 0 } else { SHARDS };
        MatchCache {
            shards: (0..n).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard,
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, key: &str) -> Option<&Mutex<HashMap<String, Cached>>> {
        if self.shards.is_empty() {
            return None;
        }
        let h = self.hasher.hash_one(key) as usize;
        self.shards.get(h % self.shards.len())
    }

    /// The answer for `key` computed under `generation`, if cached.
    pub fn get(&self, key: &str, generation: u64) -> Option<Cached> {
        let shard = self
            .shard(key)?
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        shard
            .get(key)
            .filter(|c| c.generation == generation)
            .cloned()
    }

    /// Remember an answer.
    pub fn put(&self, key: String, value: Cached) {
        let Some(shard) = self.shard(&key) else {
            return;
        };
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if shard.len() >= self.per_shard && !shard.contains_key(&key) {
            shard.clear();
        }
        shard.insert(key, value);
    }

    /// Entries held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(g: u64) -> Cached {
        Cached {
            body: Bytes::from_static(b"{}"),
            band: Band::High,
            match_type: MatchType::Exact,
            generation: g,
        }
    }

    #[test]
    fn generation_guards_stale_answers() {
        let c = MatchCache::new(100);
        c.put("k".into(), entry(1));
        assert!(c.get("k", 1).is_some());
        assert!(c.get("k", 2).is_none());
        assert!(c.get("other", 1).is_none());
    }

    #[test]
    fn stays_bounded() {
        let c = MatchCache::new(64);
        for i in 0..10_000 {
            c.put(format!("title {i}"), entry(0));
        }
        assert!(c.len() <= 64, "{}", c.len());
        assert!(c.len() > 0);
    }

    #[test]
    fn zero_turns_it_off() {
        let c = MatchCache::new(0);
        c.put("k".into(), entry(0));
        assert!(c.get("k", 0).is_none());
    }
}
