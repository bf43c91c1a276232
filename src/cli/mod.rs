//! Command-line parsing and dispatch. Each subcommand lives in its own module and only parses,
//! calls the library and prints.

mod build;
mod eval;
mod match_cmd;
mod normalize;
mod onet;
mod review;
mod roles;
mod serve;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use titlematch::{Engine, IndexStatus};

/// Normalize job titles to a role and level with a calibrated confidence, and suggest SOC codes.
#[derive(Debug, Parser)]
#[command(name = "titlematch", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Match one or more titles and print role, level, confidence and why.
    Match(match_cmd::MatchArgs),
    /// (Re)build the index in the index folder from the data folder.
    Build(build::BuildArgs),
    /// Browse the job architecture: list roles, or print one role card.
    Roles(roles::RolesArgs),
    /// Normalize a whole export (CSV, TSV, JSONL): every row in, every row out, plus a summary.
    Normalize(normalize::NormalizeArgs),
    /// Review low-confidence aliases: list, approve, reject, import, export, history, undo.
    Review(review::ReviewArgs),
    /// Serve the matcher and the review page over HTTP.
    Serve(serve::ServeArgs),
    /// Measure accuracy and calibration on labeled titles (and fit the confidence model).
    Eval(eval::EvalArgs),
    /// Work with an O*NET database download: fetch it, describe it.
    Onet(onet::OnetArgs),
}

/// Where the data and the index live; shared by every command that matches.
#[derive(Debug, Args, Clone)]
pub struct EngineArgs {
    /// Data folder (roles, aliases, abbreviations, level words). Default: ./data, or the data
    /// built into the binary when ./data does not exist.
    #[arg(long, env = "TITLEMATCH_DATA")]
    pub data: Option<PathBuf>,
    /// Index folder for built artifacts (rebuilt automatically when the data changes).
    #[arg(long, env = "TITLEMATCH_INDEX", default_value = "index")]
    pub index: PathBuf,
    /// O*NET database folder (its text files: "Occupation Data", "Alternate Titles", "Sample
    /// of Reported Titles"): adds O*NET-SOC suggestions to every match. Its index is built once
    /// under <index>/onet.
    #[arg(long, env = "TITLEMATCH_ONET", value_name = "DIR")]
    pub onet: Option<PathBuf>,
    /// Folder with BLS's soc_structure_2018.tsv, for the minor and broad group titles of SOC
    /// suggestions (major groups are built in).
    #[arg(long, env = "TITLEMATCH_SOC", value_name = "DIR")]
    pub soc: Option<PathBuf>,
}

impl EngineArgs {
    /// Open the engine, building the index first when needed (with a short message).
    pub fn open(&self) -> Result<Engine> {
        let data = match &self.data {
            Some(d) => Some(d.clone()),
            None => {
                let d = PathBuf::from("data");
                d.is_dir().then_some(d)
            }
        };
        let mut engine = match &data {
            Some(d) => Engine::open(d, &self.index)
                .with_context(|| format!("opening the engine over {}", d.display()))?,
            None => Engine::builtin().context("opening the built-in data")?,
        };
        if let IndexStatus::Built(why) = engine.index_status() {
            eprintln!(
                "titlematch: built index in {} ({why}): {} roles",
                self.index.display(),
                engine.taxonomy().len()
            );
        }
        if let Some(dir) = &self.onet {
            let files = match &data {
                Some(d) => titlematch::DataFiles::from_dir(d)?,
                None => titlematch::DataFiles::builtin(),
            };
            engine.set_onet(onet::open_onet(
                dir,
                self.soc.as_deref(),
                &self.index,
                &files,
            )?);
        }
        Ok(engine)
    }
}

/// Run the parsed command.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Match(a) => match_cmd::run(a),
        Command::Build(a) => build::run(a),
        Command::Roles(a) => roles::run(a),
        Command::Normalize(a) => normalize::run(a),
        Command::Review(a) => review::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Onet(a) => onet::run(a),
    }
}
