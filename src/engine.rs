//! The engine: loads the data, opens (or builds) the index, and runs the pipeline for each
//! title: normalize -> level words -> look up (exact, fuzzy, BM25) -> score -> SOC.

use crate::data::DataFiles;
use crate::error::{Error, Result};
use crate::index::{AliasRef, Artifacts, ROLE_NAME};
use crate::level::{self, Ladder, LevelCode, LevelHit, LevelWords};
use crate::limits::{
    BM25_CANDIDATES, BM25_HEAD_CANDIDATES, COMPOUND_ORDER_PENALTY, GENERIC_TOKEN_ROLES,
    HEAD_CANDIDATES_ENOUGH, MAX_COMPOUND_PARTS, MAX_TOP, MIN_PARTIAL_COVERAGE, MIN_PARTIAL_SCORE,
    PROFILE_BONUS, RERANK_CANDIDATES, ROLE_EVIDENCE_BONUS, SPECIALIZE_MIN_SCORE,
};
use crate::lookup::{self, Correction};
use crate::matching::{Alternative, Explain, LevelRef, Match, MatchType, RoleRef, SocSuggestion};
use crate::normalize::{join, Normalized, Normalizer, Token, TokenKind};
use crate::score::{Band, Features, Scoring};
use crate::taxonomy::{load_roles, AliasKind, AppliesTo, Taxonomy};
use std::collections::HashMap;
use std::path::Path;

/// Options for one match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchOptions {
    /// Number of alternatives to report (capped at [`MAX_TOP`]).
    pub top: usize,
    /// Industry ladder for level words (`general`, `banking`, `law`, `consulting`, `academia`,
    /// `nursing`).
    pub ladder: String,
    /// Number of SOC suggestions.
    pub soc_top: usize,
    /// Look for alternatives even when an exact alias answered (costs a BM25 query).
    pub explore: bool,
}

impl Default for MatchOptions {
    fn default() -> MatchOptions {
        MatchOptions {
            top: crate::limits::DEFAULT_TOP,
            ladder: "general".into(),
            soc_top: crate::limits::DEFAULT_SOC_TOP,
            explore: false,
        }
    }
}

/// An alias approved by a reviewer, handed to the engine as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayAlias {
    /// The alias text (normalized by the engine).
    pub alias: String,
    /// Role code it maps to.
    pub role: String,
    /// A level the alias fixes, if the reviewer approved the whole title as the alias.
    pub level: Option<LevelCode>,
    /// Who approved it (recorded as the alias source `review:<name>`).
    pub reviewer: String,
}

#[derive(Debug, Clone)]
struct OverlayEntry {
    role: u32,
    alias: String,
    level: Option<LevelCode>,
    source: String,
}

/// How [`Engine::open`] got its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexStatus {
    /// The artifacts on disk were current and were opened.
    Opened,
    /// The artifacts were (re)built, for the reason given.
    Built(String),
    /// Built in memory (no index folder).
    InMemory,
}

/// The matcher. Cheap to share: `match_title` takes `&self`, and the engine is `Send + Sync`.
pub struct Engine {
    normalizer: Normalizer,
    ladder: Ladder,
    level_words: LevelWords,
    taxonomy: Taxonomy,
    scoring: Scoring,
    artifacts: Artifacts,
    profiles: lookup::RoleProfiles,
    corrections: lookup::fuzzy::CorrectionCache,
    overlay: HashMap<String, OverlayEntry>,
    data_hash: String,
    status: IndexStatus,
    onet: Option<std::sync::Arc<crate::soc::Onet>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("roles", &self.taxonomy.len())
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A candidate answer inside the cascade.
#[derive(Debug, Clone)]
struct Found {
    role: u32,
    alias: Option<u32>,
    overlay: Option<OverlayEntry>,
    key: String,
    stage: &'static str,
    features: Features,
    /// Content-token indices the alias explains.
    consumed: Vec<usize>,
    corrections: Vec<Correction>,
    competitors: Vec<(u32, Features, String, MatchType)>,
    match_type: MatchType,
    /// Level phrases outside the alias.
    signals: Vec<LevelHit>,
}

struct Variant {
    idx: Vec<usize>,
    key: String,
}

const EDGE_STOPWORDS: [&str; 8] = ["of", "the", "for", "and", "to", "in", "at", "with"];

impl Engine {
    /// An engine over the data built into the crate, with its index in memory.
    ///
    /// ```
    /// let engine = titlematch::Engine::builtin().unwrap();
    /// let m = engine.match_title("Senior Information Security Engineer");
    /// assert_eq!(m.role_code(), Some("SEI.GEN"));
    /// assert_eq!(m.level_code().as_deref(), Some("P3"));
    /// ```
    pub fn builtin() -> Result<Engine> {
        Engine::from_data(DataFiles::builtin(), None)
    }

    /// Open the engine for the data in `data_dir`, using the artifacts in `index_dir`, and
    /// (re)building them there when they are missing or were built from other data.
    pub fn open(data_dir: &Path, index_dir: &Path) -> Result<Engine> {
        Engine::from_data(DataFiles::from_dir(data_dir)?, Some(index_dir))
    }

    /// Open over already-read data files; with `index_dir`, artifacts are read from or built
    /// into that folder, otherwise built in memory.
    pub fn from_data(data: DataFiles, index_dir: Option<&Path>) -> Result<Engine> {
        let normalizer = Normalizer::load(&data)?;
        let ladder = Ladder::load(&data)?;
        let level_words = LevelWords::load(&data)?;
        let taxonomy = load_roles(&data)?;
        let scoring = Scoring::load(&data)?;
        let data_hash = data.content_hash();
        let (artifacts, status) = match index_dir {
            None => (
                Artifacts::build(&taxonomy, &normalizer, &data_hash, None)?,
                IndexStatus::InMemory,
            ),
            Some(dir) => match Artifacts::open(dir, &taxonomy, &data_hash) {
                Ok(a) => (a, IndexStatus::Opened),
                Err(e) => {
                    let why = match Artifacts::read_manifest(dir) {
                        None => "no index yet".to_string(),
                        Some(_) => e.to_string(),
                    };
                    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                    (
                        Artifacts::build(&taxonomy, &normalizer, &data_hash, Some(dir))?,
                        IndexStatus::Built(why),
                    )
                }
            },
        };
        let profiles = lookup::RoleProfiles::build(
            taxonomy.len(),
            artifacts
                .keys
                .iter()
                .zip(&artifacts.postings)
                .map(|(k, refs)| (k.as_str(), refs.iter().map(|r| r.role).collect())),
            taxonomy.roles().iter().enumerate().flat_map(|(ri, role)| {
                role.soc
                    .iter()
                    .filter(|m| m.applies_to == AppliesTo::All)
                    .map(move |m| (ri as u32, m.title.as_str()))
            }),
        );
        Ok(Engine {
            normalizer,
            ladder,
            level_words,
            taxonomy,
            scoring,
            artifacts,
            profiles,
            corrections: Default::default(),
            overlay: HashMap::new(),
            data_hash,
            status,
            onet: None,
        })
    }

    /// Rebuild the artifacts in `index_dir` from `data_dir` unconditionally.
    pub fn build(data_dir: &Path, index_dir: &Path) -> Result<Engine> {
        let data = DataFiles::from_dir(data_dir)?;
        // Without a manifest the artifacts count as stale, so the open below rebuilds them.
        if Artifacts::read_manifest(index_dir).is_some() {
            let p = index_dir.join("manifest.json");
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
        Engine::from_data(data, Some(index_dir))
    }

    /// How the index was obtained.
    pub fn index_status(&self) -> &IndexStatus {
        &self.status
    }

    /// Content hash of the data the engine was built from.
    pub fn data_hash(&self) -> &str {
        &self.data_hash
    }

    /// The roles.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The level ladder.
    pub fn ladder(&self) -> &Ladder {
        &self.ladder
    }

    /// The normalizer (the same one the index was built with).
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The confidence model.
    pub fn scoring(&self) -> &Scoring {
        &self.scoring
    }

    /// Replace the confidence model (used when fitting it).
    pub fn set_scoring(&mut self, scoring: Scoring) -> Result<()> {
        scoring.validate()?;
        self.scoring = scoring;
        Ok(())
    }

    /// Names of the industry ladders.
    pub fn ladders(&self) -> Vec<String> {
        self.level_words.ladders().map(str::to_string).collect()
    }

    /// Install reviewer-approved aliases. They are looked up before the built-in aliases, so an
    /// approved alias is an exact match from then on, without rebuilding the index.
    pub fn set_overlay(&mut self, aliases: &[OverlayAlias]) -> Result<()> {
        let mut map = HashMap::new();
        for a in aliases {
            let role = self.taxonomy.index_of(&a.role).ok_or_else(|| {
                Error::Invalid(format!(
                    "approved alias {:?}: unknown role {}",
                    a.alias, a.role
                ))
            })?;
            let key = self.normalizer.normalize(&a.alias).text();
            if key.is_empty() {
                continue;
            }
            map.insert(
                key,
                OverlayEntry {
                    role: role as u32,
                    alias: a.alias.clone(),
                    level: a.level,
                    source: format!("review:{}", a.reviewer),
                },
            );
        }
        self.overlay = map;
        Ok(())
    }

    /// The title as the alias lookups see it at the end: normalized, without noise words and
    /// without level words ("Cyber Defender III - Remote" -> "cyber defender"). This is the text a
    /// reviewer approves as an alias when the level should stay the level reader's job.
    pub fn core_text(&self, title: &str) -> String {
        let n = self.normalizer.normalize(title);
        let content: Vec<&Token> = n.content().collect();
        let hits = self.hits(&content, "general");
        let keep = (0..content.len()).filter(|&i| !hits.iter().any(|h| h.covers(i)));
        join(keep.map(|i| content[i]))
    }

    /// Attach an O*NET database: from then on every match (with a role or without) carries
    /// O*NET-SOC suggestions merged with the role's own mapping, all `needs_review`.
    pub fn set_onet(&mut self, onet: crate::soc::Onet) {
        self.onet = Some(std::sync::Arc::new(onet));
    }

    /// The attached O*NET database, if any.
    pub fn onet(&self) -> Option<&crate::soc::Onet> {
        self.onet.as_deref()
    }

    /// Match one title with default options.
    ///
    /// ```
    /// # let engine = titlematch::Engine::builtin().unwrap();
    /// let m = engine.match_title("Sr. InfoSec Eng II");
    /// assert_eq!(m.role_code(), Some("SEI.GEN"));
    /// assert!(m.confidence > 0.5);
    /// ```
    pub fn match_title(&self, title: &str) -> Match {
        self.match_with(title, &MatchOptions::default())
    }

    /// Match many titles in parallel (rayon); results are in input order.
    ///
    /// ```
    /// # let engine = titlematch::Engine::builtin().unwrap();
    /// let out = engine.match_batch(&["Registered Nurse", "", "Software Engineer II"]);
    /// assert_eq!(out.len(), 3);
    /// assert!(!out[1].is_match());
    /// ```
    pub fn match_batch(&self, titles: &[&str]) -> Vec<Match> {
        use rayon::prelude::*;
        let opts = MatchOptions::default();
        titles
            .par_iter()
            .map(|t| self.match_with(t, &opts))
            .collect()
    }

    /// Match one title with the given options.
    pub fn match_with(&self, title: &str, opts: &MatchOptions) -> Match {
        let n = self.normalizer.normalize(title);
        let mut m = self.empty_match(title, &n);
        if title.trim().is_empty() {
            m.reason = Some("empty title".into());
            return m;
        }
        if n.tokens.is_empty() {
            m.reason = Some(if n.dropped.is_empty() {
                "no letters or digits in the title".into()
            } else {
                format!(
                    "only noise: {}",
                    n.dropped
                        .iter()
                        .map(|d| format!("{:?} ({})", d.text, d.reason))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            return m;
        }
        if n.junk {
            m.reason = Some(format!("{:?} is not a job title", n.text()));
            return m;
        }
        let all: Vec<&Token> = n.tokens.iter().collect();
        let mut tried = Vec::new();
        let whole = self.cascade(&all, opts, &mut tried, false);
        let mut best = whole;
        let mut part_alt = Vec::new();
        let parts = n.parts();
        if parts > 1
            && best
                .as_ref()
                .is_none_or(|f| f.match_type > MatchType::Alias)
        {
            let mut found_parts = Vec::new();
            for p in 0..parts.min(MAX_COMPOUND_PARTS) {
                let toks: Vec<&Token> = n
                    .tokens
                    .iter()
                    .filter(|t| t.part as usize == p && t.text != "and")
                    .collect();
                if let Some(f) = self.cascade(&toks, opts, &mut tried, true) {
                    found_parts.push((p, join(toks.iter().copied()), f));
                }
            }
            // The first part is the primary title; a later part must be clearly better to win.
            let rank =
                |p: &(usize, String, Found)| self.conf(&p.2) - COMPOUND_ORDER_PENALTY * p.0 as f64;
            found_parts.sort_by(|a, b| rank(b).total_cmp(&rank(a)));
            if let Some((_, text, f)) = found_parts.first().cloned() {
                // A part found by its own alias beats a whole-title word-overlap guess that
                // straddles the separator ("Project Manager / Scrum Master") unless the guess is
                // clearly more confident.
                let wins = |w: &Found| {
                    let straddles =
                        w.match_type == MatchType::Partial && f.match_type <= MatchType::Alias;
                    if straddles {
                        self.conf(&f) + COMPOUND_ORDER_PENALTY >= self.conf(w)
                    } else {
                        self.conf(&f) > self.conf(w) + COMPOUND_ORDER_PENALTY
                    }
                };
                if best.as_ref().is_none_or(wins) {
                    if let Some(w) = best.take() {
                        part_alt.push(w);
                    }
                    m.explain.compound_part = Some(text);
                    best = Some(f);
                    part_alt.extend(found_parts.into_iter().skip(1).map(|x| x.2));
                } else {
                    part_alt.extend(found_parts.into_iter().map(|x| x.2));
                }
            }
        }
        m.explain.tried = tried;
        let Some(found) = best else {
            let content: Vec<&Token> = n.content().collect();
            let levels = self.hits(&content, &opts.ladder);
            m.reason = Some(
                if !content.is_empty()
                    && levels.iter().map(|h| h.len).sum::<usize>() == content.len()
                {
                    format!(
                        "only level words ({}), no occupation",
                        levels
                            .iter()
                            .map(|h| h.phrase.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else if let Some((word, roles)) = self.generic_word(&content, &levels) {
                    format!(
                        "too generic: the only word the catalog knows is {word:?}, which \
                         heads the titles of {roles} roles; the alternatives are some of them"
                    )
                } else {
                    "no alias or title in the catalog is close enough".into()
                },
            );
            // Still show what shares the title's words.
            let words: Vec<&str> = content.iter().map(|t| t.text.as_str()).collect();
            m.alternatives = self.bm25_alternatives(&words, opts, None);
            // No role, but O*NET may still know the occupation ("Ship Pilot").
            if let Some(onet) = &self.onet {
                m.soc = onet.suggest_title(title, &[], opts.soc_top);
            }
            return m;
        };
        self.fill(&mut m, found, part_alt, opts);
        if let (Some(onet), Some(role)) = (
            &self.onet,
            m.role
                .as_ref()
                .and_then(|r| self.taxonomy.index_of(&r.code)),
        ) {
            let mappings = self.role_soc(role as u32, m.level.as_ref().map(|l| l.code));
            m.soc = onet.suggest_title(title, &mappings, opts.soc_top);
        }
        m
    }

    fn conf(&self, f: &Found) -> f64 {
        self.scoring.confidence(&f.features)
    }

    fn empty_match(&self, title: &str, n: &Normalized) -> Match {
        let mut noise = n.dropped.clone();
        noise.extend(
            n.tokens
                .iter()
                .filter(|t| t.kind == TokenKind::Noise)
                .map(|t| crate::normalize::Dropped {
                    text: t.text.clone(),
                    reason: "noise word".into(),
                }),
        );
        Match {
            input: title.to_string(),
            normalized: n.text(),
            role: None,
            level: None,
            confidence: 0.0,
            band: Band::Low,
            match_type: MatchType::None,
            reason: None,
            alternatives: Vec::new(),
            soc: Vec::new(),
            explain: Explain {
                stage: "none".into(),
                noise,
                expansions: n.expansions.clone(),
                truncated: n.truncated,
                ..Explain::default()
            },
        }
    }

    fn hits(&self, content: &[&Token], ladder: &str) -> Vec<LevelHit> {
        let words: Vec<&str> = content.iter().map(|t| t.text.as_str()).collect();
        let segs: Vec<u16> = content.iter().map(|t| t.segment).collect();
        self.level_words.find(ladder, &words, &segs)
    }

    /// Key variants to try exactly, most specific first.
    fn variants(&self, toks: &[&Token], content: &[&Token], hits: &[LevelHit]) -> Vec<Variant> {
        let mut out: Vec<Variant> = Vec::new();
        // The whole title, noise words included ("Contract Specialist").
        if toks.len() != content.len() {
            let key = join(toks.iter().copied());
            out.push(Variant {
                idx: Vec::new(),
                key,
            });
            // And without its level words ("Travel Consultant II" -> "travel consultant": the
            // noise word "travel" is part of the alias). Content tokens are numbered as in
            // `content`, which is `toks` without its noise words.
            let idx: Vec<usize> = (0..content.len())
                .filter(|&i| !hits.iter().any(|h| h.covers(i)))
                .collect();
            if !hits.is_empty() && !idx.is_empty() {
                let mut i = 0;
                let kept = toks.iter().copied().filter(|t| {
                    t.kind == TokenKind::Noise || {
                        i += 1;
                        idx.contains(&(i - 1))
                    }
                });
                let key = join(kept);
                out.push(Variant { idx, key });
            }
        }
        fn push(out: &mut Vec<Variant>, idx: Vec<usize>, src: &[&Token]) {
            let idx = trim_edges(idx, src);
            if idx.is_empty() {
                return;
            }
            let key = join(idx.iter().map(|&i| src[i]));
            if !out.iter().any(|v| v.key == key) {
                out.push(Variant { idx, key });
            }
        }
        let positional: Vec<&LevelHit> = hits.iter().filter(|h| h.positional).take(3).collect();
        let first_seg = content.first().map(|t| t.segment);
        let scopes: Vec<Vec<usize>> = {
            let all: Vec<usize> = (0..content.len()).collect();
            let primary: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| Some(content[i].segment) == first_seg)
                .collect();
            if primary.len() < all.len() {
                vec![all, primary]
            } else {
                vec![all]
            }
        };
        let in_hit = |i: usize, hs: &[&LevelHit]| hs.iter().any(|h| h.covers(i));
        for scope in &scopes {
            // Subsets of positional hits stripped, fewest first.
            let n = positional.len();
            let mut masks: Vec<u32> = (0..(1u32 << n)).collect();
            masks.sort_by_key(|m| m.count_ones());
            for mask in masks {
                let strip: Vec<&LevelHit> = (0..n)
                    .filter(|b| mask & (1 << b) != 0)
                    .map(|b| positional[b])
                    .collect();
                push(
                    &mut out,
                    scope
                        .iter()
                        .copied()
                        .filter(|&i| !in_hit(i, &strip))
                        .collect(),
                    content,
                );
            }
            let every: Vec<&LevelHit> = hits.iter().collect();
            let core = trim_edges(
                scope
                    .iter()
                    .copied()
                    .filter(|&i| !in_hit(i, &every))
                    .collect(),
                content,
            );
            // "Director of Finance" is written "Finance Director" in aliases: try the rank after
            // the function.
            if let Some(h) = hits.iter().find(|h| h.start == scope[0] && !h.positional) {
                let after = h.start + h.len;
                if content.get(after).is_some_and(|t| t.text == "of") && after + 1 < content.len() {
                    let rest: Vec<usize> = scope
                        .iter()
                        .copied()
                        .filter(|&i| i > after && !in_hit(i, &every))
                        .collect();
                    if !rest.is_empty() {
                        let key =
                            format!("{} {}", join(rest.iter().map(|&i| content[i])), h.phrase);
                        if !out.iter().any(|v| v.key == key) {
                            out.push(Variant { idx: rest, key });
                        }
                    }
                }
            }
            // A management title whose function has a management role of its own ("VP Finance"
            // -> "finance manager" / "finance director").
            if !core.is_empty() && hits.iter().any(|h| h.level.track.is_managerial()) {
                let base = join(core.iter().map(|&i| content[i]));
                let supervisor = hits
                    .iter()
                    .any(|h| h.level.track == level::Track::M && h.level.rank == 1);
                // A supervisor runs a crew of the same trade, not a management function.
                let heads: &[&str] = if supervisor {
                    &["supervisor"]
                } else {
                    &["manager", "director"]
                };
                for head in heads {
                    let key = format!("{base} {head}");
                    if !out.iter().any(|v| v.key == key) {
                        out.push(Variant {
                            idx: core.clone(),
                            key,
                        });
                    }
                }
            }
            push(&mut out, core, content);
        }
        out
    }

    fn exact_refs(&self, key: &str) -> Option<(Vec<AliasRef>, Option<OverlayEntry>)> {
        if let Some(o) = self.overlay.get(key) {
            return Some((
                vec![AliasRef {
                    role: o.role,
                    alias: ROLE_NAME,
                }],
                Some(o.clone()),
            ));
        }
        self.artifacts
            .key_id(key)
            .map(|id| (self.artifacts.postings[id].clone(), None))
    }

    fn alias_conf(&self, r: AliasRef) -> (f64, bool, AliasKind) {
        if r.alias == ROLE_NAME {
            return (1.0, true, AliasKind::Canonical);
        }
        let a = &self.taxonomy.role(r.role as usize).aliases[r.alias as usize];
        (a.confidence as f64, a.approved, a.kind)
    }

    fn exact_type(&self, r: AliasRef, overlay: bool) -> MatchType {
        if overlay {
            // A reviewer approved exactly this alias for this role.
            return MatchType::Exact;
        }
        match self.alias_conf(r).2 {
            AliasKind::Canonical => MatchType::Exact,
            _ => MatchType::Alias,
        }
    }

    /// Run the lookup cascade over a set of tokens (a whole title or one compound part), and
    /// keep the level phrases that are not part of the alias found.
    fn cascade(
        &self,
        toks: &[&Token],
        opts: &MatchOptions,
        tried: &mut Vec<String>,
        compound: bool,
    ) -> Option<Found> {
        let content: Vec<&Token> = toks
            .iter()
            .copied()
            .filter(|t| t.kind == TokenKind::Content)
            .collect();
        if content.is_empty() {
            return None;
        }
        let hits = self.hits(&content, &opts.ladder);
        let mut found = self.stages(toks, &content, &hits, tried, compound)?;
        let key_toks: Vec<&str> = found.key.split(' ').collect();
        // A level word the alias itself holds is part of the job's name, not a rank: "Senior
        // Product Manager" is a senior product manager (P3), not a senior manager (M3). On a
        // management role the manager word the key adds ("VP Finance" -> "finance manager")
        // stays a rank.
        let ic_role = !self
            .taxonomy
            .role(found.role as usize)
            .track
            .is_managerial();
        found.signals = hits
            .into_iter()
            .filter(|h| {
                !(h.start..h.start + h.len).all(|i| {
                    (found.consumed.contains(&i) || ic_role)
                        && key_toks.contains(&content[i].text.as_str())
                })
            })
            .collect();
        Some(found)
    }

    fn stages(
        &self,
        toks: &[&Token],
        content: &[&Token],
        hits: &[LevelHit],
        tried: &mut Vec<String>,
        compound: bool,
    ) -> Option<Found> {
        let content = content.to_vec();
        let variants = self.variants(toks, &content, hits);
        let level_idx: Vec<usize> = hits.iter().flat_map(|h| h.start..h.start + h.len).collect();
        let coverage = |consumed: &[usize]| {
            let explained = (0..content.len())
                .filter(|i| consumed.contains(i) || level_idx.contains(i))
                .count();
            explained as f64 / content.len() as f64
        };
        // 1. Exact keys.
        for v in &variants {
            let hit = self.exact_refs(&v.key);
            tried.push(v.key.clone());
            let Some((refs, overlay)) = hit else { continue };
            let consumed = if v.idx.is_empty() {
                (0..content.len()).collect()
            } else {
                v.idx.clone()
            };
            // A key shared by several roles is ambiguous, unless it is the canonical name of
            // exactly one of them: then that role owns it and the others are runners-up.
            let canonical: Vec<u32> = refs
                .iter()
                .filter(|r| self.alias_conf(**r).2 == AliasKind::Canonical)
                .map(|r| r.role)
                .collect();
            let owner = (refs.len() > 1 && canonical.len() == 1).then(|| canonical[0]);
            let mut founds: Vec<Found> = refs
                .iter()
                .map(|&r| {
                    let ambiguous = refs.len() > 1 && owner != Some(r.role);
                    let (ac, approved, kind) = self.alias_conf(r);
                    // A role's own name is no guess, however common its word ("Teacher").
                    let own_name = overlay.is_none() && kind == AliasKind::Canonical;
                    let features = Features {
                        exact: 1.0,
                        alias_confidence: if overlay.is_some() { 1.0 } else { ac },
                        approved: if overlay.is_some() || approved {
                            1.0
                        } else {
                            0.0
                        },
                        coverage: coverage(&consumed),
                        margin: if ambiguous { 0.0 } else { 1.0 },
                        similarity: 1.0,
                        ambiguous: if ambiguous { 1.0 } else { 0.0 },
                        generic: if own_name { 0.0 } else { self.generic(&v.key) },
                        compound: compound as u8 as f64,
                        ..Features::default()
                    };
                    Found {
                        role: r.role,
                        alias: (r.alias != ROLE_NAME).then_some(r.alias),
                        overlay: overlay.clone(),
                        key: v.key.clone(),
                        stage: "exact",
                        features,
                        consumed: consumed.clone(),
                        corrections: Vec::new(),
                        competitors: Vec::new(),
                        match_type: self.exact_type(r, overlay.is_some()),
                        signals: Vec::new(),
                    }
                })
                .collect();
            founds.sort_by(|a, b| self.conf(b).total_cmp(&self.conf(a)));
            let mut best = founds.remove(0);
            best.competitors = founds
                .into_iter()
                .map(|f| (f.role, f.features, f.key, f.match_type))
                .collect();
            if best.overlay.is_none() {
                if let Some(special) =
                    self.specialize(&content, &level_idx, &best, &coverage, compound)
                {
                    return Some(special);
                }
            }
            return Some(best);
        }
        // The most stripped variant: no level words, no noise.
        let stripped: Vec<usize> = (0..content.len())
            .filter(|i| !level_idx.contains(i))
            .collect();
        if stripped.is_empty() {
            return None;
        }
        // 2. Typo correction of unknown tokens, then exact again. Compounds count as
        // corrections: open ones the vocabulary knows closed ("bee keeper" -> "beekeeper") and
        // closed ones it knows as two words ("pipeman" -> "pipe man").
        let vocab = &self.artifacts.token_fst;
        let mut corrections = Vec::new();
        // Each part: the content tokens it stands for, and its word(s).
        let mut parts: Vec<(Vec<usize>, String)> = Vec::with_capacity(stripped.len());
        let mut k = 0;
        while k < stripped.len() {
            let i = stripped[k];
            let text = &content[i].text;
            if let Some(&j) = stripped.get(k + 1) {
                if let Some(c) = lookup::join_compound(vocab, text, &content[j].text) {
                    parts.push((vec![i, j], c.to.clone()));
                    corrections.push(c);
                    k += 2;
                    continue;
                }
            }
            match self.corrections.correct(vocab, text) {
                Some(c) => {
                    parts.push((vec![i], c.to.clone()));
                    corrections.push(c);
                }
                None => parts.push((vec![i], text.clone())),
            }
            k += 1;
        }
        let words: Vec<&str> = parts.iter().map(|p| p.1.as_str()).collect();
        if !corrections.is_empty() {
            // The corrected words, and for a management title also as a management function
            // ("Restuarant Manager" -> "restaurant manager").
            let base = words.join(" ");
            let mut keys = vec![base.clone()];
            if hits.iter().any(|h| h.level.track.is_managerial()) {
                let supervisor = hits
                    .iter()
                    .any(|h| h.level.track == level::Track::M && h.level.rank == 1);
                let heads: &[&str] = if supervisor {
                    &["supervisor"]
                } else {
                    &["manager", "director"]
                };
                keys.extend(heads.iter().map(|h| format!("{base} {h}")));
            }
            let found = keys.into_iter().find_map(|k| {
                tried.push(k.clone());
                self.exact_refs(&k).map(|hit| (k, hit))
            });
            if let Some((key, (refs, overlay))) = found {
                let ambiguous = refs.len() > 1;
                let edits: u8 = corrections.iter().map(|c| c.distance).sum();
                let r = refs[0];
                let (ac, approved, _) = self.alias_conf(r);
                let features = Features {
                    fuzzy: 1.0,
                    alias_confidence: ac,
                    approved: (approved || overlay.is_some()) as u8 as f64,
                    coverage: coverage(&stripped),
                    margin: if ambiguous { 0.0 } else { 1.0 },
                    similarity: 1.0 - (edits as f64 / key.len().max(1) as f64).min(1.0),
                    ambiguous: ambiguous as u8 as f64,
                    generic: self.generic(&key),
                    compound: compound as u8 as f64,
                    ..Features::default()
                };
                let competitors = refs[1..]
                    .iter()
                    .map(|&o| (o.role, features, key.clone(), MatchType::Fuzzy))
                    .collect();
                return Some(Found {
                    role: r.role,
                    alias: (r.alias != ROLE_NAME).then_some(r.alias),
                    overlay,
                    key,
                    stage: "fuzzy",
                    features,
                    consumed: stripped,
                    corrections,
                    competitors,
                    match_type: MatchType::Fuzzy,
                    signals: Vec::new(),
                });
            }
        }
        // 3. BM25 candidates, re-ranked (a split compound is two words here).
        let query: Vec<&str> = words.iter().flat_map(|w| w.split(' ')).collect();
        // The only word the catalog knows is a head that the titles of many roles share
        // ("Technician", "Chief Happiness Officer"): any pick among them would be a coin toss, so
        // there is no answer; the reason says why and the alternatives show the candidates.
        if self.lone_generic(&query).is_some() {
            return None;
        }
        let ranked = self.rank_bm25(&query);
        let (best_key, best_ref, best_sim, best_score) = ranked.first().cloned()?;
        // A candidate that explains little of the title (by word weight) is not an answer:
        // "Wizard of Light Bulb Moments" shares only "light" with "light rail operator".
        // A candidate with the title's head word names the kind of job even when the
        // modifiers are unknown ("Music Theory Teacher" -> a teacher role).
        if best_score < MIN_PARTIAL_SCORE
            || (best_sim.query_coverage < MIN_PARTIAL_COVERAGE && !best_sim.head_match)
        {
            return None;
        }
        let runner = ranked
            .iter()
            .find(|c| c.1.role != best_ref.role)
            .map(|c| c.3)
            .unwrap_or(0.0);
        let key = self.artifacts.keys[best_key].clone();
        let key_toks: Vec<&str> = key.split(' ').collect();
        let consumed: Vec<usize> = parts
            .iter()
            .filter(|(_, w)| w.split(' ').any(|w| key_toks.contains(&w)))
            .flat_map(|(idx, _)| idx.iter().copied())
            .collect();
        let generic = self.generic_overlap(&query, &key);
        let mk = |r: AliasRef,
                  _sim: &lookup::Similarity,
                  score: f64,
                  margin: f64,
                  consumed: &[usize]| {
            let (ac, approved, _) = self.alias_conf(r);
            Features {
                partial: 1.0,
                alias_confidence: ac,
                approved: approved as u8 as f64,
                coverage: coverage(consumed),
                margin,
                similarity: score.min(1.0),
                ambiguous: 0.0,
                // A guess resting on one common word ("happiness officer" -> a role with
                // "officer") is as weak as a one-word title.
                generic,
                compound: compound as u8 as f64,
                ..Features::default()
            }
        };
        let features = mk(
            best_ref,
            &best_sim,
            best_score,
            (best_score - runner).max(0.0),
            &consumed,
        );
        let competitors = ranked
            .iter()
            .skip(1)
            .filter(|c| c.1.role != best_ref.role)
            .map(|c| {
                (
                    c.1.role,
                    mk(c.1, &c.2, c.3, 0.0, &consumed),
                    self.artifacts.keys[c.0].clone(),
                    MatchType::Partial,
                )
            })
            .collect();
        Some(Found {
            role: best_ref.role,
            alias: (best_ref.alias != ROLE_NAME).then_some(best_ref.alias),
            overlay: None,
            key,
            stage: "bm25",
            features,
            consumed,
            corrections,
            competitors,
            match_type: MatchType::Partial,
            signals: Vec::new(),
        })
    }

    /// An exact alias explained the title only in part ("Software Engineer - Backend" hit
    /// "software engineer"): when another role has an alias with the same head word *and* the
    /// words left over ("backend software engineer"), that more specific role is the answer and
    /// the exact hit becomes the runner-up.
    fn specialize(
        &self,
        content: &[&Token],
        level_idx: &[usize],
        exact: &Found,
        coverage: &dyn Fn(&[usize]) -> f64,
        compound: bool,
    ) -> Option<Found> {
        let leftover: Vec<&str> = (0..content.len())
            .filter(|i| !exact.consumed.contains(i) && !level_idx.contains(i))
            .map(|i| content[i].text.as_str())
            .filter(|w| !EDGE_STOPWORDS.contains(w))
            .collect();
        if leftover.is_empty() {
            return None;
        }
        let head = exact.key.rsplit(' ').next()?;
        let stripped: Vec<usize> = (0..content.len())
            .filter(|i| !level_idx.contains(i))
            .collect();
        let words: Vec<&str> = stripped.iter().map(|&i| content[i].text.as_str()).collect();
        let ranked = self.rank_bm25(&words);
        let (kid, r, _sim, score) = ranked.iter().find(|c| {
            let key = &self.artifacts.keys[c.0];
            // Same head word; most of the left-over words; little the title does not say ...
            let ktoks: Vec<&str> = key.split(' ').collect();
            let leftover_hit = leftover.iter().filter(|w| ktoks.contains(w)).count();
            let key_in_title = ktoks.iter().filter(|k| words.contains(k)).count();
            let exact_toks: Vec<&str> = exact.key.split(' ').collect();
            let kept = exact_toks.iter().filter(|t| ktoks.contains(t)).count();
            c.1.role != exact.role
                && c.3 >= SPECIALIZE_MIN_SCORE
                && ktoks.contains(&head)
                // ... and all that the exact alias said: "behavioral health worker" does not
                // refine "licensed clinical social worker", nor "freelance artist" "makeup artist".
                && kept == exact_toks.len()
                && 2 * leftover_hit >= leftover.len()
                && leftover_hit > 0
                && 4 * key_in_title >= 3 * ktoks.len()
        })?;
        let key = self.artifacts.keys[*kid].clone();
        let consumed: Vec<usize> = stripped
            .iter()
            .copied()
            .filter(|&i| key.split(' ').any(|k| k == content[i].text))
            .collect();
        let runner = ranked
            .iter()
            .find(|c| c.1.role != r.role)
            .map(|c| c.3)
            .unwrap_or(0.0);
        let (ac, approved, _) = self.alias_conf(*r);
        let features = Features {
            partial: 1.0,
            alias_confidence: ac,
            approved: approved as u8 as f64,
            coverage: coverage(&consumed),
            margin: (score - runner).max(0.0),
            similarity: score.min(1.0),
            compound: compound as u8 as f64,
            ..Features::default()
        };
        let mut competitors = vec![(
            exact.role,
            exact.features,
            exact.key.clone(),
            exact.match_type,
        )];
        competitors.extend(exact.competitors.iter().cloned());
        Some(Found {
            role: r.role,
            alias: (r.alias != ROLE_NAME).then_some(r.alias),
            overlay: None,
            key,
            stage: "bm25",
            features,
            consumed,
            corrections: Vec::new(),
            competitors,
            match_type: MatchType::Partial,
            signals: Vec::new(),
        })
    }

    /// BM25 candidates re-ranked, one per role, best first: (key id, alias, similarity, score).
    fn rank_bm25(&self, query: &[&str]) -> Vec<(usize, AliasRef, lookup::Similarity, f64)> {
        let mut per_role: rustc_hash::FxHashMap<u32, (usize, AliasRef, lookup::Similarity, f64)> =
            Default::default();
        let query_text = query.join(" ");
        let weight = |w: &str| self.artifacts.word_weight(w);
        // PERF: Jaro-Winkler is the costly part of re-ranking; token overlap alone orders the
        // BM25 candidates well enough to keep only the few that can still win.
        let mut kids: Vec<usize> = self
            .artifacts
            .text
            .search(query, BM25_CANDIDATES)
            .into_iter()
            .map(|(kid, _)| kid)
            .collect();
        let from_title = kids.len();
        // BM25 favours the rarest word, which is usually a modifier ("sewing" in "Sewing
        // Teacher"); the head word gets its own search so its roles are candidates too.
        // PERF: skip that search when the title's own search already found keys with the head.
        let head = (query.len() > 1)
            .then(|| lookup::rerank::head_word(query))
            .flatten()
            .filter(|h| {
                kids.iter()
                    .filter(|&&k| self.artifacts.keys[k].rsplit(' ').next() == Some(*h))
                    .count()
                    < HEAD_CANDIDATES_ENOUGH
            });
        if let Some(head) = head {
            for (kid, _) in self.artifacts.text.search(&[head], BM25_HEAD_CANDIDATES) {
                if !kids.contains(&kid) {
                    kids.push(kid);
                }
            }
        }
        let mut cands: Vec<(usize, f64)> = kids
            .iter()
            .map(|&kid| {
                (
                    kid,
                    lookup::rerank::overlap_score(query, &self.artifacts.keys[kid], &weight),
                )
            })
            .collect();
        // How many of the title search's candidate keys each role owns: a role with several
        // aliases sharing the title's words ("maintenance technician", "maintenance mechanic",
        // ...) is a better guess for a bare "Maintenance" than a role with one.
        let mut owned: rustc_hash::FxHashMap<u32, usize> = Default::default();
        for (kid, overlap) in &cands[..from_title] {
            if *overlap > 0.0 {
                for r in &self.artifacts.postings[*kid] {
                    *owned.entry(r.role).or_default() += 1;
                }
            }
        }
        cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        cands.truncate(RERANK_CANDIDATES);
        for (kid, _) in cands {
            let sim =
                lookup::similarity_weighted(query, &query_text, &self.artifacts.keys[kid], &weight);
            for &r in &self.artifacts.postings[kid] {
                let (ac, _, _) = self.alias_conf(r);
                let evidence = ROLE_EVIDENCE_BONUS
                    * (owned.get(&r.role).copied().unwrap_or(1).min(4) - 1) as f64;
                // The role as a whole may explain more of the title than this one alias.
                let profile = PROFILE_BONUS
                    * (self.profiles.coverage(r.role, query, &weight) - sim.query_coverage)
                        .max(0.0);
                let score = (sim.score * (0.85 + 0.15 * ac) + evidence + profile).min(1.0);
                let e = per_role.entry(r.role).or_insert((kid, r, sim, score));
                if score > e.3 {
                    *e = (kid, r, sim, score);
                }
            }
        }
        let mut v: Vec<_> = per_role.into_values().collect();
        v.sort_by(|a, b| b.3.total_cmp(&a.3).then(a.0.cmp(&b.0)));
        v
    }

    fn bm25_alternatives(
        &self,
        words: &[&str],
        opts: &MatchOptions,
        exclude: Option<u32>,
    ) -> Vec<Alternative> {
        let top = opts.top.min(MAX_TOP);
        if top == 0 || words.is_empty() {
            return Vec::new();
        }
        self.rank_bm25(words)
            .into_iter()
            .filter(|c| Some(c.1.role) != exclude)
            .take(top)
            .map(|(kid, r, sim, score)| {
                let (ac, approved, _) = self.alias_conf(r);
                let f = Features {
                    partial: 1.0,
                    alias_confidence: ac,
                    approved: approved as u8 as f64,
                    coverage: sim.query_coverage,
                    similarity: score,
                    generic: self.generic_overlap(words, &self.artifacts.keys[kid]),
                    ..Features::default()
                };
                let role = self.taxonomy.role(r.role as usize);
                Alternative {
                    role: RoleRef {
                        code: role.code.clone(),
                        name: role.name.clone(),
                    },
                    level: None,
                    confidence: round(self.scoring.confidence(&f)),
                    match_type: MatchType::Partial,
                    via: self.artifacts.keys[kid].clone(),
                }
            })
            .collect()
    }

    /// The title's one word left besides level words, when it is generic, with the number of
    /// roles whose titles use it (see [`Engine::generic`]).
    fn generic_word(&self, content: &[&Token], levels: &[LevelHit]) -> Option<(String, usize)> {
        let rest: Vec<&str> = (0..content.len())
            .filter(|&i| !levels.iter().any(|h| h.covers(i)))
            .map(|i| content[i].text.as_str())
            .collect();
        // As the lookup read them: "techncian" is "technician".
        let read: Vec<String> = rest
            .iter()
            .map(|w| {
                self.corrections
                    .correct(&self.artifacts.token_fst, w)
                    .map_or_else(|| w.to_string(), |c| c.to)
            })
            .collect();
        let words: Vec<&str> = read.iter().flat_map(|w| w.split(' ')).collect();
        let word = self.lone_generic(&words)?.to_string();
        let roles = self.profiles.roles_headed(&word);
        Some((word, roles))
    }

    /// The one word of `words` that the vocabulary knows, when there is exactly one, it is a
    /// generic head (see [`Engine::generic_head`]) and the data gives it no reading of its own
    /// (no alias is the bare word: "Operator" has one, marked ambiguous; "Technician" has none).
    fn lone_generic<'w>(&self, words: &[&'w str]) -> Option<&'w str> {
        let vocab = &self.artifacts.token_fst;
        let mut known = words.iter().filter(|w| vocab.contains_key(w));
        match (known.next(), known.next()) {
            (Some(w), None) if self.generic_head(w) && self.artifacts.key_id(w).is_none() => {
                Some(w)
            }
            _ => None,
        }
    }

    /// True for a word that is the head of the titles of many roles ("technician",
    /// "consultant"): alone, it says the kind of worker but not the job.
    fn generic_head(&self, word: &str) -> bool {
        self.profiles.roles_headed(word) >= GENERIC_TOKEN_ROLES
    }

    /// [`Engine::generic`] of the words `query` shares with `key`: a partial answer resting on
    /// one common word.
    fn generic_overlap(&self, query: &[&str], key: &str) -> f64 {
        let shared: Vec<&str> = query
            .iter()
            .copied()
            .filter(|w| key.split(' ').any(|k| k == *w))
            .collect();
        self.generic(&shared.join(" "))
    }

    /// 1 when the text matched is a single word that the aliases of many roles share
    /// ("engineer", "technician"): the answer is a guess among them.
    fn generic(&self, text: &str) -> f64 {
        if !text.contains(' ') && self.profiles.roles_with(text) >= GENERIC_TOKEN_ROLES {
            1.0
        } else {
            0.0
        }
    }

    fn level_for(&self, role: u32, pinned: Option<LevelCode>, signals: &[LevelCode]) -> LevelRef {
        let r = self.taxonomy.role(role as usize);
        let mut all = signals.to_vec();
        all.extend(pinned);
        let (code, source) = level::resolve(&all, r.track, r.default_level);
        let name = self
            .ladder
            .get(code)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        LevelRef { code, name, source }
    }

    fn fill(&self, m: &mut Match, found: Found, part_alt: Vec<Found>, opts: &MatchOptions) {
        let role = self.taxonomy.role(found.role as usize);
        let signals = &found.signals;
        let pinned = match (&found.overlay, found.alias) {
            (Some(o), _) => o.level,
            (None, Some(a)) => role.aliases[a as usize].level,
            _ => None,
        };
        let codes: Vec<LevelCode> = signals
            .iter()
            .map(|h| match h.support {
                Some(s) if role.track == level::Track::S => s,
                _ => h.level,
            })
            .collect();
        m.level = Some(self.level_for(found.role, pinned, &codes));
        m.explain.level_signals = signals
            .iter()
            .zip(&codes)
            .map(|(h, c)| {
                if *c == h.level {
                    format!("{} -> {}", h.phrase, h.level)
                } else {
                    format!("{} -> {c} (on a support role)", h.phrase)
                }
            })
            .collect();
        if let Some(p) = pinned {
            m.explain
                .level_signals
                .push(format!("alias fixes level {p}"));
        }
        let conf = self.conf(&found);
        m.role = Some(RoleRef {
            code: role.code.clone(),
            name: role.name.clone(),
        });
        m.confidence = round(conf);
        m.band = self.scoring.band(conf);
        m.match_type = found.match_type;
        m.explain.stage = found.stage.to_string();
        m.explain.key = Some(found.key.clone());
        match (&found.overlay, found.alias) {
            (Some(o), _) => {
                m.explain.alias = Some(o.alias.clone());
                m.explain.alias_type = Some("reviewed".into());
                m.explain.approved = Some(true);
                m.explain.alias_source = Some(o.source.clone());
            }
            (None, Some(a)) => {
                let al = &role.aliases[a as usize];
                m.explain.alias = Some(al.text.clone());
                m.explain.alias_type = Some(al.kind.as_str().to_string());
                m.explain.approved = Some(al.approved);
                m.explain.alias_source = Some(al.source.clone());
            }
            (None, None) => {
                m.explain.alias = Some(role.name.clone());
                m.explain.alias_type = Some("canonical".into());
                m.explain.approved = Some(true);
            }
        }
        m.explain.corrections = found.corrections.clone();
        m.explain.features = Some(found.features);
        m.explain.score = self.scoring.breakdown(&found.features);
        // Alternatives: other roles under the same key or ranked below it, other compound parts,
        // and (when asked) what full-text search finds.
        let top = opts.top.min(MAX_TOP);
        let mut alts: Vec<Alternative> = Vec::new();
        let mut seen = vec![found.role];
        for (r, f, via, mt) in found.competitors.iter().cloned().chain(
            part_alt
                .iter()
                .map(|p| (p.role, p.features, p.key.clone(), p.match_type)),
        ) {
            if seen.contains(&r) {
                continue;
            }
            seen.push(r);
            let role = self.taxonomy.role(r as usize);
            alts.push(Alternative {
                role: RoleRef {
                    code: role.code.clone(),
                    name: role.name.clone(),
                },
                level: Some(self.level_for(r, None, &codes)),
                confidence: round(self.scoring.confidence(&f)),
                match_type: mt,
                via,
            });
        }
        if opts.explore && alts.len() < top {
            let words: Vec<&str> = found.key.split(' ').collect();
            for a in self.bm25_alternatives(
                &words,
                &MatchOptions {
                    top: top + seen.len(),
                    ..opts.clone()
                },
                Some(found.role),
            ) {
                if alts.len() >= top {
                    break;
                }
                if seen
                    .iter()
                    .any(|&r| self.taxonomy.role(r as usize).code == a.role.code)
                {
                    continue;
                }
                let r = self.taxonomy.index_of(&a.role.code).unwrap_or(0) as u32;
                seen.push(r);
                alts.push(Alternative {
                    level: Some(self.level_for(r, None, &codes)),
                    ..a
                });
            }
        }
        // An alternative is right only when the answer is wrong.
        let left = round(1.0 - m.confidence);
        for a in &mut alts {
            a.confidence = a.confidence.min(left);
        }
        alts.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        alts.truncate(top);
        m.alternatives = alts;
        m.soc = self.soc_for(found.role, m.level.as_ref().map(|l| l.code), opts.soc_top);
    }

    /// The role's SOC mappings that fit the level, best first: a supervisor code for M1, a
    /// management code for M2 and up, then the role's own codes.
    fn role_soc(&self, role: u32, level: Option<LevelCode>) -> Vec<crate::taxonomy::SocMapping> {
        use crate::taxonomy::AppliesTo;
        let r = self.taxonomy.role(role as usize);
        let want = match level {
            Some(l) if l.track == level::Track::M && l.rank == 1 => AppliesTo::Supervisor,
            Some(l) if l.track.is_managerial() => AppliesTo::Manager,
            _ => AppliesTo::All,
        };
        let mut picked: Vec<crate::taxonomy::SocMapping> = r
            .soc
            .iter()
            .filter(|s| want != AppliesTo::All && s.applies_to == want)
            .cloned()
            .collect();
        picked.extend(
            r.soc
                .iter()
                .filter(|s| s.applies_to == AppliesTo::All)
                .cloned(),
        );
        picked
    }

    fn soc_for(&self, role: u32, level: Option<LevelCode>, top: usize) -> Vec<SocSuggestion> {
        use crate::taxonomy::AppliesTo;
        let r = self.taxonomy.role(role as usize);
        self.role_soc(role, level)
            .into_iter()
            .enumerate()
            .take(top)
            .map(|(i, s)| SocSuggestion {
                soc_code: s.code.clone(),
                onet_code: None,
                title: s.title.clone(),
                hierarchy: None,
                source: "role_mapping".into(),
                score: if i == 0 { 1.0 } else { round(0.8 / i as f64) },
                evidence: match s.applies_to {
                    AppliesTo::All => format!(
                        "{} mapping of role {} ({})",
                        if i == 0 { "primary" } else { "secondary" },
                        r.code,
                        s.source
                    ),
                    AppliesTo::Supervisor => {
                        format!("supervisor-level mapping of role {} ({})", r.code, s.source)
                    }
                    AppliesTo::Manager => {
                        format!("manager-level mapping of role {} ({})", r.code, s.source)
                    }
                },
                sources_agree: false,
                review_status: "needs_review",
            })
            .collect()
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Drop stop words ("of", "the", ...) from both ends of a list of token indices.
fn trim_edges(mut idx: Vec<usize>, src: &[&Token]) -> Vec<usize> {
    let stop = |i: &usize| EDGE_STOPWORDS.contains(&src[*i].text.as_str());
    while idx.first().is_some_and(stop) {
        idx.remove(0);
    }
    while idx.last().is_some_and(stop) {
        idx.pop();
    }
    idx
}
