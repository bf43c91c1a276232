//! `titlematch match`: match titles given on the command line.

use super::EngineArgs;
use anyhow::{bail, Result};
use clap::Args;
use std::io::Write;
use std::process::ExitCode;
use titlematch::{Match, MatchOptions};

/// Arguments of `match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Titles to match.
    #[arg(required = true)]
    titles: Vec<String>,
    /// Print one JSON object per title (one per line when several).
    #[arg(long)]
    json: bool,
    /// Number of alternatives to show.
    #[arg(long, default_value_t = 3)]
    top: usize,
    /// Number of SOC suggestions.
    #[arg(long, default_value_t = 3)]
    soc_top: usize,
    /// Industry ladder: general, banking, law, consulting, academia, nursing.
    #[arg(long, default_value = "general")]
    ladder: String,
    /// Also print the score breakdown and every key tried.
    #[arg(long)]
    explain: bool,
    /// Queue the titles the engine is unsure of (band below high, or no role) for review.
    #[arg(long)]
    queue_review: bool,
    /// Review database: its approved aliases are exact matches; --queue-review writes to it.
    #[arg(long = "review-db", env = "TITLEMATCH_REVIEW_DB", default_value = titlematch::review::DEFAULT_DB, value_name = "PATH")]
    review_db: std::path::PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Run `match`.
pub fn run(a: MatchArgs) -> Result<ExitCode> {
    let mut engine = a.engine.open()?;
    super::review::install_overlay(&mut engine, &a.engine, &a.review_db)?;
    if !engine.ladders().contains(&a.ladder) {
        bail!(
            "unknown ladder {:?}; known: {}",
            a.ladder,
            engine.ladders().join(", ")
        );
    }
    let opts = MatchOptions {
        top: a.top,
        ladder: a.ladder.clone(),
        soc_top: a.soc_top,
        explore: true,
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    let ms: Vec<Match> = a
        .titles
        .iter()
        .map(|t| engine.match_with(t, &opts))
        .collect();
    if a.queue_review {
        let q = titlematch::review::queue(&a.review_db, &engine, &ms)?;
        eprintln!(
            "titlematch: queued {} of {} titles for review in {} ({} new)",
            q.queued,
            q.matches,
            a.review_db.display(),
            q.new
        );
    }
    for (i, m) in ms.into_iter().enumerate() {
        if a.json {
            let s = if a.titles.len() == 1 {
                serde_json::to_string_pretty(&m)?
            } else {
                serde_json::to_string(&m)?
            };
            writeln!(out, "{s}")?;
        } else {
            if i > 0 {
                writeln!(out)?;
            }
            print_human(&mut out, &m, a.explain)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_human(out: &mut impl Write, m: &Match, explain: bool) -> std::io::Result<()> {
    writeln!(out, "input         {}", m.input)?;
    writeln!(out, "normalized    {}", m.normalized)?;
    match &m.role {
        Some(r) => writeln!(out, "role          {}  {}", r.code, r.name)?,
        None => writeln!(
            out,
            "role          none  ({})",
            m.reason.as_deref().unwrap_or("no match")
        )?,
    }
    if let Some(l) = &m.level {
        let src = match l.source {
            titlematch::level::LevelSource::Title => {
                format!("from title: {}", m.explain.level_signals.join(", "))
            }
            titlematch::level::LevelSource::Default => "role default".to_string(),
        };
        writeln!(out, "level         {}  {}  ({src})", l.code, l.name)?;
    }
    let band = serde_json::to_value(m.band)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let via = match (&m.explain.alias, &m.explain.alias_type) {
        (Some(a), Some(t)) => format!("{} via {t} alias {a:?}", m.match_type.as_str()),
        _ => m.match_type.as_str().to_string(),
    };
    writeln!(out, "confidence    {:.2}  {band}  ({via})", m.confidence)?;
    for s in &m.soc {
        writeln!(
            out,
            "soc           {}  {}  [{}; {}]",
            s.soc_code, s.title, s.review_status, s.source
        )?;
    }
    if !m.explain.noise.is_empty() {
        let n: Vec<String> = m
            .explain
            .noise
            .iter()
            .map(|d| format!("{:?} ({})", d.text, d.reason))
            .collect();
        writeln!(out, "noise         {}", n.join(", "))?;
    }
    if !m.explain.corrections.is_empty() {
        let c: Vec<String> = m
            .explain
            .corrections
            .iter()
            .map(|c| format!("{} -> {}", c.from, c.to))
            .collect();
        writeln!(out, "typos         {}", c.join(", "))?;
    }
    for (i, a) in m.alternatives.iter().enumerate() {
        let lvl = a
            .level
            .as_ref()
            .map(|l| l.code.to_string())
            .unwrap_or_default();
        let head = if i == 0 { "alternatives" } else { "" };
        writeln!(
            out,
            "{head:<14}{}  {}  {lvl}  {:.2}  {} ({})",
            a.role.code,
            a.role.name,
            a.confidence,
            a.match_type.as_str(),
            a.via
        )?;
    }
    if explain {
        writeln!(out, "tried         {}", m.explain.tried.join(" | "))?;
        for c in &m.explain.score {
            writeln!(
                out,
                "score         {:<17} {:>6.3} x {:>6.3} = {:>7.3}",
                c.feature, c.value, c.weight, c.contribution
            )?;
        }
    }
    Ok(())
}
