//! `titlematch eval`: measure the engine on labeled titles, and fit the confidence model.

use super::EngineArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use titlematch::eval::{self, EvalOptions};

/// Arguments of `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labeled titles: a .tsv or .csv file with a `title` column and any of `role`, `level`,
    /// `soc` (codes separated by | or ;) and `kind`; or a folder of such files.
    labeled: PathBuf,
    /// Write the Markdown report to this file instead of stdout.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Write an SVG reliability diagram (confidence vs accuracy) to this file.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Role top-k: count the label as found when it is among the first k candidates.
    #[arg(long, default_value_t = 3)]
    top: usize,
    /// Industry ladder for level words: general, banking, law, consulting, academia, nursing.
    #[arg(long, default_value = "general")]
    ladder: String,
    /// Fit the confidence model on the labeled rows (less the held-out split) and write it to
    /// this file (normally data/scoring.toml); the report then shows before and after.
    #[arg(long, value_name = "SCORING_TOML")]
    fit: Option<PathBuf>,
    /// Hold out one title in N (chosen by a hash of the title) from the fit, to check it.
    #[arg(long, default_value_t = eval::DEFAULT_HOLDOUT_EVERY)]
    holdout_every: u32,
    /// Number of worst misses (confident and wrong) to list.
    #[arg(long, default_value_t = eval::DEFAULT_WORST)]
    worst: usize,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Run `eval`.
pub fn run(a: EvalArgs) -> Result<ExitCode> {
    let rows = eval::read_labeled(&a.labeled)
        .with_context(|| format!("reading labeled titles from {}", a.labeled.display()))?;
    if rows.is_empty() {
        bail!("{}: no labeled rows", a.labeled.display());
    }
    let mut engine = a.engine.open()?;
    let opts = EvalOptions {
        top: a.top,
        ladder: a.ladder.clone(),
        holdout_every: a.holdout_every,
        worst: a.worst,
    };
    let source = a.labeled.display().to_string();
    let report = match &a.fit {
        None => eval::evaluate(&engine, &rows, &opts, &source)?,
        Some(path) => {
            let (report, scoring) = eval::fit_and_evaluate(&mut engine, &rows, &opts, &source)?;
            write_file(path, &scoring.to_toml())?;
            eprintln!(
                "titlematch: wrote the fitted confidence model to {}",
                path.display()
            );
            report
        }
    };
    if let Some(p) = &a.plot {
        let h = &report.calibration.held_out;
        let title = format!(
            "Role confidence vs accuracy: {} answers, ECE {:.3} (held-out {:.3})",
            report.calibration.all.answered,
            report.calibration.all.ece.unwrap_or(0.0),
            h.ece.unwrap_or(0.0)
        );
        let svg = eval::reliability_svg(
            &report.calibration.all,
            (h.answered > 0).then_some(h),
            &title,
        )?;
        write_file(p, &svg)?;
        eprintln!(
            "titlematch: wrote the reliability diagram to {}",
            p.display()
        );
    }
    let md = report.to_markdown();
    if let Some(p) = &a.report {
        write_file(p, &md)?;
        eprintln!("titlematch: wrote the report to {}", p.display());
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else if a.report.is_none() {
        write!(out, "{md}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Write through a temporary file in the same folder, so a reader never sees half a file.
fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
