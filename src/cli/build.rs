//! `titlematch build`: rebuild the index from the data folder.

use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use titlematch::Engine;

/// Arguments of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Data folder.
    #[arg(long, env = "TITLEMATCH_DATA", default_value = "data")]
    data: PathBuf,
    /// Index folder to (re)build.
    #[arg(long, env = "TITLEMATCH_INDEX", default_value = "index")]
    index: PathBuf,
}

/// Run `build`.
pub fn run(a: BuildArgs) -> Result<ExitCode> {
    let t = Instant::now();
    let engine = Engine::build(&a.data, &a.index)
        .with_context(|| format!("building {} from {}", a.index.display(), a.data.display()))?;
    let aliases: usize = engine
        .taxonomy()
        .roles()
        .iter()
        .map(|r| r.aliases.len())
        .sum();
    eprintln!(
        "titlematch: built {} from {}: {} roles, {} aliases, data hash {} in {:.2}s",
        a.index.display(),
        a.data.display(),
        engine.taxonomy().len(),
        aliases,
        &engine.data_hash()[..12],
        t.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
