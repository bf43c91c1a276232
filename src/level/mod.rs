//! Step 2 of the pipeline: read seniority from the title and place it on the ladder.
//!
//! [`LevelWords::find`] finds level phrases by position ([`words`]); once the role is known,
//! [`resolve`] turns the phrases that are not part of the role's own alias into one level on the
//! role's track: manager words move the title onto the M track ("Engineering Manager" is M2),
//! individual-contributor words keep the role's track (P3 "senior" on a support role is S3), and
//! no signal gives the role's default level with source `default`.

pub mod ladder;
pub mod words;

pub use ladder::{Ladder, LevelCode, LevelDef, Track, ALL_CODES};
pub use words::{LevelHit, LevelWords, Position};

/// Where the level came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelSource {
    /// Read from words in the title (or an alias that fixes the level).
    Title,
    /// The role's default level: the title said nothing about seniority.
    Default,
}

/// Combine level signals into one level for a role.
///
/// `signals` are the levels read from the title outside the role's alias; `track` and
/// `default` are the role's.
pub fn resolve(
    signals: &[LevelCode],
    track: Track,
    default: LevelCode,
) -> (LevelCode, LevelSource) {
    let Some(best) = signals.iter().copied().max_by_key(|c| c.seniority()) else {
        return (default, LevelSource::Default);
    };
    let ic_max = signals
        .iter()
        .filter(|c| !c.track.is_managerial())
        .map(|c| c.rank)
        .max();
    let code = if best.track.is_managerial() {
        // "Senior Engineering Manager": a senior modifier on a manager word is one step up;
        // "Assistant Store Manager", "Junior Manager": an entry modifier is one step down.
        match (best.track, ic_max) {
            (Track::M, Some(r)) if r >= 3 => LevelCode {
                track: Track::M,
                rank: (best.rank + 1).min(6),
            },
            (Track::M, Some(1)) => LevelCode {
                track: Track::M,
                rank: best.rank.saturating_sub(1).max(1),
            },
            _ => best,
        }
    } else if track.is_managerial() {
        // A management role ("Restaurant Manager") with an IC modifier: move from its default.
        if best == LevelCode::INT {
            best
        } else if best.rank >= 3 {
            LevelCode {
                track: default.track,
                rank: (default.rank + 1).min(default.track.max_rank()),
            }
        } else if best.rank == 1 {
            LevelCode {
                track: default.track,
                rank: default.rank.saturating_sub(1).max(1),
            }
        } else {
            default
        }
    } else {
        best.on_track(track)
    };
    (code, LevelSource::Title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> LevelCode {
        s.parse().unwrap()
    }

    #[test]
    fn resolves_on_the_roles_track() {
        assert_eq!(
            resolve(&[], Track::P, c("P2")),
            (c("P2"), LevelSource::Default)
        );
        assert_eq!(resolve(&[c("P3"), c("P2")], Track::P, c("P2")).0, c("P3"));
        assert_eq!(resolve(&[c("P2")], Track::S, c("S2")).0, c("S2"));
        assert_eq!(resolve(&[c("P4")], Track::S, c("S2")).0, c("S4"));
        assert_eq!(resolve(&[c("M2")], Track::P, c("P2")).0, c("M2"));
        assert_eq!(resolve(&[c("P3"), c("M2")], Track::P, c("P2")).0, c("M3"));
        assert_eq!(resolve(&[c("P3")], Track::M, c("M2")).0, c("M3"));
        assert_eq!(resolve(&[c("P1")], Track::M, c("M2")).0, c("M1"));
        assert_eq!(resolve(&[c("P1"), c("M2")], Track::P, c("P2")).0, c("M1"));
        assert_eq!(resolve(&[c("E2"), c("M2")], Track::P, c("P2")).0, c("E2"));
    }
}
