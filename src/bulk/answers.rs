//! The answers of a run and the title cache, kept compact.
//!
//! A run may cache hundreds of thousands of titles. Kept as one heap object per answer (an
//! `Arc` with its own strings) that cost about 1 KB a title in resident memory, mostly allocator
//! fragmentation: small long-lived allocations interleaved with each chunk's short-lived ones.
//! Here an answer is a small `Copy` struct of string ids, the strings it shares with other
//! answers (role, level and SOC names) are stored once, and the per-title parts (cache key,
//! normalized text, alternatives) live in a few growing arenas, so the cache costs about 100
//! bytes a title in a handful of allocations.

use super::writer::Layout;
use crate::matching::{Match, MatchType};
use crate::score::Band;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

const NO: u32 = u32::MAX;
/// Answer ids with this bit set are the current chunk's uncached answers.
const LOCAL: u32 = 1 << 31;

/// What is kept of a [`Match`] between the parallel match and the store.
#[derive(Debug)]
pub(crate) struct Fresh {
    role: Option<(String, String)>,
    level: Option<(String, String)>,
    soc: Option<(String, String)>,
    confidence: f64,
    band: Band,
    match_type: MatchType,
    normalized: String,
    alts: Vec<(String, String, f64)>,
    /// The matcher panicked on this title, with this message.
    failure: Option<String>,
}

impl Fresh {
    /// The answer for a title the matcher failed on.
    pub fn failed(message: String) -> Fresh {
        Fresh {
            role: None,
            level: None,
            soc: None,
            confidence: 0.0,
            band: Band::Low,
            match_type: MatchType::None,
            normalized: String::new(),
            alts: Vec::new(),
            failure: Some(message),
        }
    }
}

impl From<Match> for Fresh {
    fn from(m: Match) -> Fresh {
        Fresh {
            role: m.role.map(|r| (r.code, r.name)),
            level: m.level.map(|l| (l.code.to_string(), l.name)),
            soc: m.soc.into_iter().next().map(|s| (s.soc_code, s.title)),
            confidence: m.confidence,
            band: m.band,
            match_type: m.match_type,
            normalized: m.normalized,
            alts: m
                .alternatives
                .into_iter()
                .map(|a| (a.role.code, a.role.name, a.confidence))
                .collect(),
            failure: None,
        }
    }
}

/// One answer: ids into the string table and ranges into its store's arenas.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    role_code: u32,
    role_name: u32,
    level_code: u32,
    level_name: u32,
    soc_code: u32,
    soc_title: u32,
    confidence: f64,
    band: Band,
    match_type: MatchType,
    needs_review: bool,
    /// The matcher failed; `norm` holds its message.
    failed: bool,
    /// Normalized text (kept only for answers that need review), in `Store::norm`.
    norm: (u32, u32),
    /// Alternatives, in `Store::alts`.
    alts: (u32, u32),
    /// The appended columns as written, in `Store::suffix`.
    suffix: (u32, u32),
}

#[derive(Debug, Default)]
struct Store {
    outcomes: Vec<Outcome>,
    norm: String,
    alts: Vec<(u32, u32, f64)>,
    suffix: Vec<u8>,
}

impl Store {
    fn clear(&mut self) {
        self.outcomes.clear();
        self.norm.clear();
        self.alts.clear();
        self.suffix.clear();
    }
}

/// Strings shared by answers, each stored once.
#[derive(Debug, Default)]
struct Strings {
    all: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Strings {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.all.len() as u32;
        self.all.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }
}

/// Hashes are already hashes.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The answers of a run: the cached ones, and the current chunk's that did not fit the cache.
#[derive(Debug)]
pub(crate) struct Answers {
    strings: Strings,
    cached: Store,
    local: Store,
    /// Title hash -> cached answer.
    map: HashMap<u64, u32, BuildHasherDefault<Identity>>,
    /// Cached titles, to confirm a hash hit (a collision is a miss, never a wrong answer).
    keys: String,
    key_at: Vec<(u32, u32)>,
    seed: u64,
    cap: usize,
    /// A title could not be cached (the cache was full, or a hash collided).
    pub missed_cache: bool,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity")
    }
}

impl Answers {
    pub fn new(cap: usize) -> Answers {
        Answers {
            strings: Strings::default(),
            cached: Store::default(),
            local: Store::default(),
            map: HashMap::default(),
            keys: String::new(),
            key_at: Vec::new(),
            seed: RandomState::new().hash_one(0x7469_746c_656d_6174_u64),
            cap,
            missed_cache: false,
        }
    }

    /// Titles in the cache.
    pub fn cached_len(&self) -> usize {
        self.cached.outcomes.len()
    }

    /// A fast hash of a title (FxHash's mixing, seeded per run). Collisions cost a cache miss,
    /// never a wrong answer: a hit is confirmed against the stored title.
    fn hash(&self, title: &str) -> u64 {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mix = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
        let b = title.as_bytes();
        let mut h = self.seed;
        let mut words = b.chunks_exact(8);
        for w in &mut words {
            let mut a = [0u8; 8];
            a.copy_from_slice(w);
            h = mix(h, u64::from_le_bytes(a));
        }
        for &x in words.remainder() {
            h = mix(h, x as u64);
        }
        mix(h, b.len() as u64)
    }

    /// The cached answer for a title.
    pub fn lookup(&self, title: &str) -> Option<u32> {
        let id = *self.map.get(&self.hash(title))?;
        let (s, e) = self.key_at[id as usize];
        (&self.keys[s as usize..e as usize] == title).then_some(id)
    }

    /// Store the answer for a title (cached while there is room), with its appended columns as
    /// `layout` writes them; returns its id.
    pub fn add(&mut self, title: &str, f: Fresh, layout: &Layout) -> u32 {
        let h = self.hash(title);
        let cache = self.cached.outcomes.len() < self.cap && !self.map.contains_key(&h);
        let store = if cache {
            &mut self.cached
        } else {
            &mut self.local
        };
        let s = &mut self.strings;
        let mut pair = |p: &Option<(String, String)>| match p {
            Some((a, b)) => (s.id(a), s.id(b)),
            None => (NO, NO),
        };
        let (role_code, role_name) = pair(&f.role);
        let (level_code, level_name) = pair(&f.level);
        let (soc_code, soc_title) = pair(&f.soc);
        let needs_review = f.band != Band::High || f.match_type == MatchType::None;
        let n0 = store.norm.len() as u32;
        if let Some(msg) = &f.failure {
            store.norm.push_str(msg);
        } else if needs_review {
            store.norm.push_str(&f.normalized);
        }
        let a0 = store.alts.len() as u32;
        for (c, n, x) in &f.alts {
            let (c, n) = (s.id(c), s.id(n));
            store.alts.push((c, n, *x));
        }
        let idx = store.outcomes.len() as u32;
        store.outcomes.push(Outcome {
            role_code,
            role_name,
            level_code,
            level_name,
            soc_code,
            soc_title,
            confidence: f.confidence,
            band: f.band,
            match_type: f.match_type,
            needs_review,
            failed: f.failure.is_some(),
            norm: (n0, store.norm.len() as u32),
            alts: (a0, store.alts.len() as u32),
            suffix: (0, 0),
        });
        let id = if cache { idx } else { idx | LOCAL };
        let suffix = layout.suffix(Some(self.get(id)));
        let store = if cache {
            &mut self.cached
        } else {
            &mut self.local
        };
        let s0 = store.suffix.len() as u32;
        store.suffix.extend_from_slice(&suffix);
        let end = store.suffix.len() as u32;
        if let Some(o) = store.outcomes.last_mut() {
            o.suffix = (s0, end);
        }
        if cache {
            self.map.insert(h, idx);
            let k0 = self.keys.len() as u32;
            self.keys.push_str(title);
            self.key_at.push((k0, self.keys.len() as u32));
            idx
        } else {
            self.missed_cache = true;
            idx | LOCAL
        }
    }

    /// Forget the current chunk's uncached answers.
    pub fn end_chunk(&mut self) {
        self.local.clear();
    }

    /// An answer by id.
    pub fn get(&self, id: u32) -> Answer<'_> {
        let (store, i) = if id & LOCAL != 0 {
            (&self.local, id & !LOCAL)
        } else {
            (&self.cached, id)
        };
        Answer {
            o: store.outcomes[i as usize],
            store,
            strings: &self.strings,
        }
    }
}

/// A view of one answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answer<'a> {
    o: Outcome,
    store: &'a Store,
    strings: &'a Strings,
}

impl<'a> Answer<'a> {
    fn s(&self, id: u32) -> Option<&'a str> {
        (id != NO).then(|| &*self.strings.all[id as usize])
    }
    pub fn role_code(&self) -> Option<&'a str> {
        self.s(self.o.role_code)
    }
    pub fn role_name(&self) -> Option<&'a str> {
        self.s(self.o.role_name)
    }
    pub fn level_code(&self) -> Option<&'a str> {
        self.s(self.o.level_code)
    }
    pub fn level_name(&self) -> Option<&'a str> {
        self.s(self.o.level_name)
    }
    pub fn soc_code(&self) -> Option<&'a str> {
        self.s(self.o.soc_code)
    }
    pub fn soc_title(&self) -> Option<&'a str> {
        self.s(self.o.soc_title)
    }
    pub fn confidence(&self) -> f64 {
        self.o.confidence
    }
    pub fn band(&self) -> Band {
        self.o.band
    }
    pub fn match_type(&self) -> MatchType {
        self.o.match_type
    }
    pub fn needs_review(&self) -> bool {
        self.o.needs_review
    }
    /// The normalized title, for answers that need review.
    pub fn normalized(&self) -> Option<&'a str> {
        let (s, e) = self.o.norm;
        (self.o.needs_review && !self.o.failed).then(|| &self.store.norm[s as usize..e as usize])
    }
    /// Why the matcher failed on this title, if it did.
    pub fn failure(&self) -> Option<&'a str> {
        let (s, e) = self.o.norm;
        self.o
            .failed
            .then(|| &self.store.norm[s as usize..e as usize])
    }
    /// The appended columns as the layout writes them.
    pub fn suffix(&self) -> &'a [u8] {
        let (s, e) = self.o.suffix;
        &self.store.suffix[s as usize..e as usize]
    }
    /// Alternatives: (role code, role name, confidence).
    pub fn alternatives(&self) -> impl Iterator<Item = (&'a str, &'a str, f64)> + 'a {
        let (s, e) = self.o.alts;
        let strings = self.strings;
        self.store.alts[s as usize..e as usize]
            .iter()
            .map(move |&(c, n, x)| (&*strings.all[c as usize], &*strings.all[n as usize], x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(role: &str, band: Band) -> Fresh {
        Fresh {
            role: Some((role.into(), format!("{role} name"))),
            level: None,
            soc: None,
            confidence: 0.5,
            band,
            match_type: MatchType::Partial,
            normalized: format!("norm {role}"),
            alts: vec![("X".into(), "X name".into(), 0.25)],
            failure: None,
        }
    }

    fn layout() -> Layout {
        Layout {
            input: crate::bulk::Format::Csv,
            output: crate::bulk::Format::Csv,
            delim: b',',
            crlf: false,
            keep: vec![0],
            json_keys: Vec::new(),
            top: 1,
        }
    }

    #[test]
    fn cached_answers_are_found_again_and_local_ones_are_dropped_per_chunk() {
        let l = layout();
        let mut a = Answers::new(2);
        let x = a.add("Nurse", fresh("RN", Band::High), &l);
        let y = a.add("Engineer", fresh("SWE", Band::Low), &l);
        let z = a.add("Welder", fresh("WLD", Band::Low), &l);
        assert_eq!(
            (a.lookup("Nurse"), a.lookup("Engineer"), a.lookup("Welder")),
            (Some(x), Some(y), None)
        );
        assert!(a.missed_cache);
        assert_eq!(a.get(z).role_code(), Some("WLD"));
        assert_eq!(a.get(z).normalized(), Some("norm WLD"));
        assert_eq!(
            a.get(x).normalized(),
            None,
            "kept only when it needs review"
        );
        assert_eq!(
            a.get(y).alternatives().collect::<Vec<_>>(),
            vec![("X", "X name", 0.25)]
        );
        a.end_chunk();
        assert_eq!(a.get(y).role_name(), Some("SWE name"));
        assert_eq!(a.cached_len(), 2);
        assert_eq!(a.strings.all.len(), 8, "shared strings are stored once");
        assert_eq!(
            a.get(y).suffix(),
            b",SWE,SWE name,,,0.500,low,partial,,,true,X,X name,0.250"
        );
        let f = a.add("Boom", Fresh::failed("index out of bounds".into()), &l);
        assert_eq!(
            (a.get(f).failure(), a.get(f).normalized()),
            (Some("index out of bounds"), None)
        );
        assert_eq!(a.get(y).failure(), None);
    }
}
