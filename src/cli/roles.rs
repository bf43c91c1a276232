//! `titlematch roles`: list the catalog or print one role card.

use super::EngineArgs;
use anyhow::{bail, Result};
use clap::Args;
use std::io::Write;
use std::process::ExitCode;

/// Arguments of `roles`.
#[derive(Debug, Args)]
pub struct RolesArgs {
    /// A role code to print as a role card (e.g. SEI.GEN); without it, list every role.
    code: Option<String>,
    /// The level to show on the card (e.g. P1); default: the role's default level.
    #[arg(long)]
    level: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Run `roles`.
pub fn run(a: RolesArgs) -> Result<ExitCode> {
    let engine = a.engine.open()?;
    let tax = engine.taxonomy();
    let out = std::io::stdout();
    let mut out = out.lock();
    let Some(code) = a.code else {
        if a.json {
            serde_json::to_writer_pretty(&mut out, tax.roles())?;
            writeln!(out)?;
        } else {
            for r in tax.roles() {
                writeln!(
                    out,
                    "{}  {:<48} {:<34} {:?} {}  {} aliases  soc {}",
                    r.code,
                    r.name,
                    r.superfunction,
                    r.track,
                    r.default_level,
                    r.aliases.len(),
                    r.soc.first().map(|s| s.code.as_str()).unwrap_or("-")
                )?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(role) = tax.get(&code) else {
        bail!("unknown role code {code:?} (see `titlematch roles` for the list)");
    };
    let level = match &a.level {
        Some(l) => l.parse().map_err(|e: String| anyhow::anyhow!(e))?,
        None => role.default_level,
    };
    let def = engine.ladder().get(level);
    if a.json {
        let v = serde_json::json!({ "role": role, "level": def });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let lname = def.map(|d| d.name.as_str()).unwrap_or("");
    writeln!(out, "{}", role.name)?;
    writeln!(out, "{}.{}", role.code, level)?;
    writeln!(out, "{}", role.description)?;
    writeln!(
        out,
        "Superfunction: {}  Family: {}  Default: {} ({:?} track)",
        role.superfunction, role.family, role.default_level, role.track
    )?;
    writeln!(out)?;
    writeln!(out, "Level — {level} — {lname}")?;
    if let Some(d) = def {
        writeln!(out, "{}", d.summary)?;
        for (k, v) in [
            ("Scope", &d.scope),
            ("Autonomy", &d.autonomy),
            ("Complexity", &d.complexity),
            ("Impact", &d.impact),
            ("Decision rights", &d.decision_rights),
            ("Leadership", &d.leadership),
            ("Typical experience", &d.typical_experience),
        ] {
            writeln!(out, "- {k}\n- {v}")?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Title aliases")?;
    writeln!(
        out,
        "| Alias | Type | Confidence | Approved | Level | Source |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for al in &role.aliases {
        let kind = serde_json::to_value(al.kind)?
            .as_str()
            .unwrap_or("")
            .to_string();
        let band = if al.confidence >= 0.85 {
            "high"
        } else if al.confidence >= 0.5 {
            "medium"
        } else {
            "low"
        };
        let lvl = al.level.map(|l| l.to_string()).unwrap_or_default();
        writeln!(
            out,
            "| {} | {kind} | {band} {:.2} | {} | {lvl} | {} |",
            al.text,
            al.confidence,
            if al.approved { "yes" } else { "—" },
            al.source
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Classification mappings")?;
    writeln!(out, "O*NET / SOC")?;
    for s in &role.soc {
        let status = serde_json::to_value(s.review_status)?
            .as_str()
            .unwrap_or("")
            .to_string();
        writeln!(
            out,
            "- code={} title={} source={} reviewStatus={status}",
            s.code, s.title, s.source
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
