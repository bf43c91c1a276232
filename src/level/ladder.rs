//! The level ladder: INT, P1-P6, S1-S4, M1-M6, E1-E2, with the role card's dimensions.

use crate::data::DataFiles;
use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// The file the ladder is read from.
pub const FILE: &str = "levels.toml";

/// A career track.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Track {
    /// Professional individual contributor (INT is rank 0 of this track).
    P,
    /// Support, technical and trades.
    S,
    /// Management.
    M,
    /// Executive.
    E,
}

impl Track {
    /// Highest rank on the track.
    pub fn max_rank(self) -> u8 {
        match self {
            Track::P | Track::M => 6,
            Track::S => 4,
            Track::E => 2,
        }
    }

    /// Management or executive.
    pub fn is_managerial(self) -> bool {
        matches!(self, Track::M | Track::E)
    }
}

impl FromStr for Track {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Track, String> {
        match s {
            "P" => Ok(Track::P),
            "S" => Ok(Track::S),
            "M" => Ok(Track::M),
            "E" => Ok(Track::E),
            _ => Err(format!("unknown track {s:?} (expected P, S, M or E)")),
        }
    }
}

/// A level code such as `P1`, `S3`, `M2`, `E1` or `INT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LevelCode {
    /// The track.
    pub track: Track,
    /// Rank on the track (INT is P0).
    pub rank: u8,
}

impl LevelCode {
    /// The intern level.
    pub const INT: LevelCode = LevelCode {
        track: Track::P,
        rank: 0,
    };

    /// A level code, checked against the track's range.
    pub fn new(track: Track, rank: u8) -> Option<LevelCode> {
        (rank <= track.max_rank() && (rank > 0 || track == Track::P))
            .then_some(LevelCode { track, rank })
    }

    /// The same step on another track, clamped to that track's range (P3 on S is S3, P6 on S
    /// is S4; INT stays INT).
    pub fn on_track(self, track: Track) -> LevelCode {
        if self == LevelCode::INT || self.track == track {
            return self;
        }
        LevelCode {
            track,
            rank: self.rank.clamp(1, track.max_rank()),
        }
    }

    /// An order across tracks, for "the highest signal wins": IC < M < E.
    pub fn seniority(self) -> u8 {
        match self.track {
            Track::P | Track::S => self.rank,
            Track::M => 10 + self.rank,
            Track::E => 20 + self.rank,
        }
    }
}

impl fmt::Display for LevelCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == LevelCode::INT {
            return f.write_str("INT");
        }
        write!(f, "{:?}{}", self.track, self.rank)
    }
}

impl FromStr for LevelCode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<LevelCode, String> {
        if s == "INT" {
            return Ok(LevelCode::INT);
        }
        let bad = || format!("unknown level {s:?} (expected INT, P1-P6, S1-S4, M1-M6 or E1-E2)");
        let (t, r) = s.split_at_checked(1).ok_or_else(bad)?;
        let track: Track = t.parse().map_err(|_| bad())?;
        let rank: u8 = r.parse().map_err(|_| bad())?;
        LevelCode::new(track, rank)
            .filter(|c| c.rank > 0)
            .ok_or_else(bad)
    }
}

impl serde::Serialize for LevelCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One rung of the ladder, described along the role card's dimensions.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelDef {
    /// Code, e.g. `P1`.
    pub code: String,
    /// Track letter.
    pub track: String,
    /// Rank on the track.
    pub rank: u8,
    /// Name, e.g. "Entry-Level Professional".
    pub name: String,
    /// One-line summary.
    pub summary: String,
    /// Scope of work.
    pub scope: String,
    /// Autonomy.
    pub autonomy: String,
    /// Complexity of problems.
    pub complexity: String,
    /// Impact.
    pub impact: String,
    /// Decision rights.
    pub decision_rights: String,
    /// Leadership expected.
    pub leadership: String,
    /// Typical years of experience.
    pub typical_experience: String,
}

/// The whole ladder.
#[derive(Debug, Clone)]
pub struct Ladder {
    levels: Vec<LevelDef>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LadderFile {
    level: Vec<LevelDef>,
}

/// Every level code in ladder order.
pub const ALL_CODES: [&str; 19] = [
    "INT", "P1", "P2", "P3", "P4", "P5", "P6", "S1", "S2", "S3", "S4", "M1", "M2", "M3", "M4",
    "M5", "M6", "E1", "E2",
];

impl Ladder {
    /// Load and validate `levels.toml`: every code present once, fields non-empty.
    pub fn load(data: &DataFiles) -> Result<Ladder> {
        let text = data.require(FILE)?;
        let f: LadderFile = toml::from_str(text).map_err(|e| {
            Error::data(
                FILE,
                e.span().map(|s| crate::data::line_of(text, s.start)),
                "toml",
                e.message().to_string(),
            )
        })?;
        for code in ALL_CODES {
            let n = f.level.iter().filter(|l| l.code == code).count();
            if n != 1 {
                return Err(Error::data(
                    FILE,
                    None,
                    "code",
                    format!("level {code} must appear exactly once (found {n})"),
                ));
            }
        }
        for l in &f.level {
            let parsed: LevelCode = l
                .code
                .parse()
                .map_err(|e: String| Error::data(FILE, None, "code", e))?;
            if format!("{:?}", parsed.track) != l.track || parsed.rank != l.rank {
                return Err(Error::data(
                    FILE,
                    None,
                    format!("level {}", l.code),
                    "track/rank do not match the code",
                ));
            }
            if [&l.name, &l.summary, &l.scope, &l.autonomy]
                .iter()
                .any(|s| s.trim().is_empty())
            {
                return Err(Error::data(
                    FILE,
                    None,
                    format!("level {}", l.code),
                    "empty name or dimension",
                ));
            }
        }
        Ok(Ladder { levels: f.level })
    }

    /// The definition of a level.
    pub fn get(&self, code: LevelCode) -> Option<&LevelDef> {
        let s = code.to_string();
        self.levels.iter().find(|l| l.code == s)
    }

    /// Every level, in file order.
    pub fn levels(&self) -> &[LevelDef] {
        &self.levels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_move_tracks() {
        for c in ALL_CODES {
            assert_eq!(c.parse::<LevelCode>().unwrap().to_string(), c);
        }
        assert!("P7".parse::<LevelCode>().is_err());
        assert!("S0".parse::<LevelCode>().is_err());
        assert!("X".parse::<LevelCode>().is_err());
        let p6: LevelCode = "P6".parse().unwrap();
        assert_eq!(p6.on_track(Track::S).to_string(), "S4");
        assert_eq!(LevelCode::INT.on_track(Track::S).to_string(), "INT");
        assert!("M1".parse::<LevelCode>().unwrap().seniority() > p6.seniority());
    }
}
