//! Parsing and validating role files.

use super::{Alias, AliasKind, Role, SocMapping, Taxonomy, ROLES_DIR};
use crate::data::{line_of, DataFiles, Lines};
use crate::error::{Error, Result};
use crate::level::{LevelCode, Track};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    #[serde(default)]
    role: Vec<RoleRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleRow {
    code: Spanned<String>,
    name: String,
    superfunction: String,
    family: String,
    description: String,
    track: String,
    default_level: String,
    soc: Vec<SocMapping>,
    aliases: Vec<AliasRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasRow {
    alias: Spanned<String>,
    #[serde(rename = "type")]
    kind: AliasKind,
    confidence: f32,
    approved: bool,
    source: String,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    ambiguous: bool,
}

fn valid_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7 && b[3] == b'.' && b[..3].iter().chain(&b[4..]).all(u8::is_ascii_uppercase)
}

fn valid_soc(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7 && b[2] == b'-' && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
}

/// Load every `roles/*.toml` file and validate it.
pub fn load_roles(data: &DataFiles) -> Result<Taxonomy> {
    let mut roles: Vec<Role> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (file, text) in data.under(ROLES_DIR) {
        if !file.ends_with(".toml") {
            continue;
        }
        let parsed: RoleFile = toml::from_str(text).map_err(|e| {
            Error::data(
                file,
                e.span().map(|s| line_of(text, s.start)),
                "toml",
                e.message().to_string(),
            )
        })?;
        let lines = Lines::new(text);
        for row in parsed.role {
            let line = Some(lines.line(row.code.span().start));
            let code = row.code.into_inner();
            let err = |field: &str, msg: String| {
                Error::data(file, line, format!("role {code}: {field}"), msg)
            };
            if !valid_code(&code) {
                return Err(err(
                    "code",
                    "expected FAM.SPC: three capital letters, a dot, three capital letters".into(),
                ));
            }
            if let Some(prev) = seen.insert(code.clone(), file.to_string()) {
                return Err(err("code", format!("duplicate role code (also in {prev})")));
            }
            for (field, v) in [
                ("name", &row.name),
                ("superfunction", &row.superfunction),
                ("family", &row.family),
                ("description", &row.description),
            ] {
                if v.trim().is_empty() {
                    return Err(err(field, "must not be empty".into()));
                }
            }
            let track: Track = row.track.parse().map_err(|e| err("track", e))?;
            let default_level: LevelCode = row
                .default_level
                .parse()
                .map_err(|e| err("default_level", e))?;
            if default_level.track != track {
                return Err(err(
                    "default_level",
                    format!("{default_level} is not on track {track:?}"),
                ));
            }
            if row.soc.is_empty() {
                return Err(err(
                    "soc",
                    "at least one SOC 2018 mapping is required".into(),
                ));
            }
            for s in &row.soc {
                if !valid_soc(&s.code) {
                    return Err(err(
                        "soc",
                        format!("{:?} is not a SOC code (NN-NNNN)", s.code),
                    ));
                }
            }
            if row.soc[0].applies_to != super::AppliesTo::All {
                return Err(err(
                    "soc",
                    "the primary mapping must apply to every level (no `applies_to`)".into(),
                ));
            }
            if s_is_group(&row.soc[0].code) {
                return Err(err(
                    "soc",
                    format!(
                        "the primary mapping {} must be a detailed code",
                        row.soc[0].code
                    ),
                ));
            }
            let mut aliases = Vec::with_capacity(row.aliases.len());
            for a in row.aliases {
                let aline = Some(lines.line(a.alias.span().start));
                let text_ = a.alias.into_inner();
                let aerr = |field: &str, msg: String| {
                    Error::data(
                        file,
                        aline,
                        format!("role {code}: alias {text_:?}: {field}"),
                        msg,
                    )
                };
                if text_.trim().is_empty() {
                    return Err(aerr("alias", "empty alias".into()));
                }
                if !(a.confidence > 0.0 && a.confidence <= 1.0) {
                    return Err(aerr(
                        "confidence",
                        format!("{} is outside (0, 1]", a.confidence),
                    ));
                }
                let level = match a.level {
                    Some(l) => Some(l.parse::<LevelCode>().map_err(|e| aerr("level", e))?),
                    None => None,
                };
                aliases.push(Alias {
                    text: text_,
                    kind: a.kind,
                    confidence: a.confidence,
                    approved: a.approved,
                    source: a.source,
                    level,
                    ambiguous: a.ambiguous,
                });
            }
            if !aliases.iter().any(|a| a.kind == AliasKind::Canonical) {
                return Err(err("aliases", "no alias of type \"canonical\"".into()));
            }
            roles.push(Role {
                code,
                name: row.name,
                superfunction: row.superfunction,
                family: row.family,
                description: row.description,
                track,
                default_level,
                soc: row.soc,
                aliases,
                file: file.to_string(),
            });
        }
    }
    if roles.is_empty() {
        return Err(Error::data(
            ROLES_DIR,
            None,
            "roles",
            format!("no roles found under {}{ROLES_DIR}", data.origin()),
        ));
    }
    Ok(Taxonomy::new(roles))
}

/// SOC 2018 detailed codes never end in 0; major, minor and broad groups do.
fn s_is_group(code: &str) -> bool {
    code.ends_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = r#"
[[role]]
code = "ABC.GEN"
name = "Thing Doing"
superfunction = "Things"
family = "Thing"
description = "Does things."
track = "P"
default_level = "P2"
soc = [ { code = "15-1252", title = "Software Developers", source = "titlematch", review_status = "needs_review" } ]
aliases = [
  { alias = "Thing Doer", type = "canonical", confidence = 1.0, approved = true, source = "titlematch" },
]
"#;

    fn load(text: &str) -> Result<Taxonomy> {
        load_roles(&DataFiles::from_files([("roles/x.toml", text)]))
    }

    #[test]
    fn loads_a_valid_role() {
        let t = load(ROLE).unwrap();
        assert_eq!(t.get("ABC.GEN").unwrap().aliases[0].text, "Thing Doer");
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = load(&ROLE.replace("default_level = \"P2\"", "default_level = \"S2\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("roles/x.toml:3: role ABC.GEN: default_level"),
            "{e}"
        );
        let e = load(&ROLE.replace("confidence = 1.0", "confidence = 1.5"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("roles/x.toml:12") && e.contains("confidence"),
            "{e}"
        );
        let e = load(&ROLE.replace("ABC.GEN", "abc"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("code"), "{e}");
        let e = load(&ROLE.replace("type = \"canonical\"", "type = \"weird\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("roles/x.toml:"), "{e}");
        let e = load(&format!("{ROLE}{ROLE}")).unwrap_err().to_string();
        assert!(e.contains("duplicate"), "{e}");
        let e = load(&ROLE.replace("15-1252", "15-0000"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("detailed"), "{e}");
    }
}
