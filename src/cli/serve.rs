//! `titlematch serve` (being built).

use anyhow::{bail, Result};
use clap::Args;
use std::process::ExitCode;

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {}

/// Run `serve`.
pub fn run(_a: ServeArgs) -> Result<ExitCode> {
    bail!("`titlematch serve` is not available yet")
}
