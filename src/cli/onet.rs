//! `titlematch onet`: get an O*NET database (`fetch`), describe one (`info`), and look titles
//! up in it (`suggest`).

use super::EngineArgs;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use titlematch::soc::{fetch, Onet, OnetFiles, OnetInfo};
use titlematch::{DataFiles, IndexStatus, SocSuggestion};

/// Arguments of `onet`.
#[derive(Debug, Args)]
pub struct OnetArgs {
    #[command(subcommand)]
    command: OnetCommand,
}

#[derive(Debug, Subcommand)]
enum OnetCommand {
    /// Download O*NET's text release and unpack it into a folder.
    Fetch(FetchArgs),
    /// Print the version and row counts of an O*NET folder (checking every file).
    Info(InfoArgs),
    /// Suggest O*NET-SOC / SOC 2018 codes for titles (with the matched role's mappings).
    Suggest(SuggestArgs),
}

/// Arguments of `onet fetch`.
#[derive(Debug, Args)]
struct FetchArgs {
    /// Folder to unpack into (created when missing; files of the same name are replaced).
    dir: PathBuf,
    /// O*NET release to download.
    #[arg(long, default_value = fetch::DEFAULT_VERSION)]
    version: String,
    /// Download from this URL instead of O*NET's for `--version`.
    #[arg(long, conflicts_with = "from_zip")]
    url: Option<String>,
    /// Install from a zip already downloaded (no network).
    #[arg(long)]
    from_zip: Option<PathBuf>,
}

/// Arguments of `onet info`.
#[derive(Debug, Args)]
struct InfoArgs {
    /// The O*NET folder.
    dir: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `onet suggest`.
#[derive(Debug, Args)]
struct SuggestArgs {
    /// Titles to look up.
    #[arg(required = true)]
    titles: Vec<String>,
    /// Number of suggestions.
    #[arg(long, default_value_t = 3)]
    soc_top: usize,
    /// Print one JSON object per title.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Run `onet`.
pub fn run(a: OnetArgs) -> Result<ExitCode> {
    match a.command {
        OnetCommand::Fetch(a) => run_fetch(a),
        OnetCommand::Info(a) => run_info(a),
        OnetCommand::Suggest(a) => run_suggest(a),
    }
}

fn run_fetch(a: FetchArgs) -> Result<ExitCode> {
    let t = Instant::now();
    let info = match &a.from_zip {
        Some(zip) => fetch::install_zip(zip, &a.dir)
            .with_context(|| format!("installing {} into {}", zip.display(), a.dir.display()))?,
        None => {
            let url = match &a.url {
                Some(u) => u.clone(),
                None => fetch::release_url(&a.version)?,
            };
            eprintln!("titlematch: downloading {url}");
            let (info, bytes) = fetch::fetch(&url, &a.dir)
                .with_context(|| format!("fetching {url} into {}", a.dir.display()))?;
            eprintln!(
                "titlematch: downloaded {bytes} bytes in {:.1}s",
                t.elapsed().as_secs_f64()
            );
            info
        }
    };
    print_info(&mut std::io::stdout().lock(), &info)?;
    eprintln!(
        "titlematch: installed into {}; use it with --onet {}",
        a.dir.display(),
        a.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_info(a: InfoArgs) -> Result<ExitCode> {
    let files = OnetFiles::load(&a.dir)
        .with_context(|| format!("reading the O*NET folder {}", a.dir.display()))?;
    let mut out = std::io::stdout().lock();
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&files.info)?)?;
    } else {
        print_info(&mut out, &files.info)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_info(out: &mut impl Write, i: &OnetInfo) -> std::io::Result<()> {
    writeln!(out, "version            {}", i.version)?;
    if let Some(r) = &i.release {
        writeln!(out, "release            {r}")?;
    }
    writeln!(out, "folder             {}", i.dir)?;
    writeln!(out, "occupations        {}", i.occupations)?;
    writeln!(
        out,
        "alternate titles   {} ({} with a short title)",
        i.alternate_titles, i.short_titles
    )?;
    writeln!(out, "reported titles    {}", i.reported_titles)?;
    writeln!(out, "files              {}", i.files.join(", "))?;
    writeln!(
        out,
        "content hash       {}",
        &i.content_hash[..16.min(i.content_hash.len())]
    )?;
    Ok(())
}

/// Open the O*NET index kept under `<index>/onet`, with a note on stderr when it was built.
pub fn open_onet(onet: &Path, soc: Option<&Path>, index: &Path, data: &DataFiles) -> Result<Onet> {
    let t = Instant::now();
    let root = index.join("onet");
    let o = Onet::open(onet, soc, Some(&root), data)
        .with_context(|| format!("opening the O*NET database {}", onet.display()))?;
    if let IndexStatus::Built(why) = o.index_status() {
        eprintln!(
            "titlematch: built O*NET index in {} ({why}): {}, {} titles in {:.1}s",
            root.display(),
            o.info().version,
            o.titles(),
            t.elapsed().as_secs_f64()
        );
    }
    Ok(o)
}

fn run_suggest(a: SuggestArgs) -> Result<ExitCode> {
    if a.soc_top == 0 {
        bail!("--soc-top must be at least 1");
    }
    if a.engine.onet.is_none() {
        bail!("`onet suggest` needs an O*NET database: pass --onet DIR or set TITLEMATCH_ONET");
    }
    let engine = a.engine.open()?;
    let onet = engine.onet().expect("opened with --onet");
    let opts = titlematch::MatchOptions {
        soc_top: a.soc_top,
        ..Default::default()
    };
    let mut out = std::io::stdout().lock();
    for (i, title) in a.titles.iter().enumerate() {
        let m = engine.match_with(title, &opts);
        let soc = m.soc.clone();
        if a.json {
            let v = serde_json::json!({ "input": title, "role": m.role, "confidence": m.confidence, "soc": soc });
            writeln!(out, "{}", serde_json::to_string(&v)?)?;
            continue;
        }
        if i > 0 {
            writeln!(out)?;
        }
        let k = onet.key(title);
        writeln!(out, "input         {title}")?;
        writeln!(
            out,
            "key           {}{}",
            k.core,
            if k.managerial {
                "  (manager's title)"
            } else {
                ""
            }
        )?;
        match &m.role {
            Some(r) => writeln!(
                out,
                "role          {}  {}  ({:.2})",
                r.code, r.name, m.confidence
            )?,
            None => writeln!(out, "role          none")?,
        }
        if soc.is_empty() {
            writeln!(out, "soc           none found")?;
        }
        for s in &soc {
            print_suggestion(&mut out, s)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_suggestion(out: &mut impl Write, s: &SocSuggestion) -> std::io::Result<()> {
    let agree = if s.sources_agree {
        "; sources agree"
    } else {
        ""
    };
    writeln!(
        out,
        "soc           {}  {}  {}  {:.2}  [{}; {}{agree}]",
        s.soc_code,
        s.onet_code.as_deref().unwrap_or("-"),
        s.title,
        s.score,
        s.review_status,
        s.source
    )?;
    if let Some(h) = &s.hierarchy {
        let groups: Vec<&str> = [h.major.as_str(), h.minor.as_str(), h.broad.as_str()]
            .into_iter()
            .filter(|g| !g.is_empty())
            .collect();
        writeln!(out, "                groups: {}", groups.join(" > "))?;
    }
    writeln!(out, "                why: {}", s.evidence)
}
