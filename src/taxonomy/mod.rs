//! Roles, aliases and SOC mappings: the job architecture, read from `data/roles/*.toml`.
//!
//! Each file holds `[[role]]` tables (code `FAM.SPC`, name, superfunction, family, description,
//! track, default level, `soc` mappings, `aliases`). Loading validates every field and reports
//! the file, line and field of the first problem; see `data/README.md` for the format.

mod load;

pub use load::load_roles;

use crate::level::{LevelCode, Track};

/// Folder of role files inside the data folder.
pub const ROLES_DIR: &str = "roles/";

/// How an alias relates to the role's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AliasKind {
    /// The role's canonical title.
    Canonical,
    /// A common variant.
    Common,
    /// A shortened form ("Cust Svc Rep").
    Abbreviation,
    /// An acronym (RN, SWE).
    Acronym,
    /// A British/American or other spelling variant.
    SpellingVariant,
    /// A frequent misspelling.
    Misspelling,
    /// The head noun swapped as the trade does ("Security Specialist" for "Security Analyst").
    Swapped,
    /// A title in another language.
    Translation,
    /// An old name still in HR systems.
    Legacy,
    /// Learned from a reviewer's decision.
    Reviewed,
}

impl AliasKind {
    /// The snake_case name used in data files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AliasKind::Canonical => "canonical",
            AliasKind::Common => "common",
            AliasKind::Abbreviation => "abbreviation",
            AliasKind::Acronym => "acronym",
            AliasKind::SpellingVariant => "spelling_variant",
            AliasKind::Misspelling => "misspelling",
            AliasKind::Swapped => "swapped",
            AliasKind::Translation => "translation",
            AliasKind::Legacy => "legacy",
            AliasKind::Reviewed => "reviewed",
        }
    }
}

/// Review state of a SOC mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Suggested, not yet confirmed by a person.
    NeedsReview,
    /// Confirmed by a person.
    Approved,
}

/// One alias of a role.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Alias {
    /// The alias as written.
    pub text: String,
    /// Kind of alias.
    #[serde(rename = "type")]
    pub kind: AliasKind,
    /// How sure the data is that this alias means the role (0..1].
    pub confidence: f32,
    /// Whether a person approved it.
    pub approved: bool,
    /// Where it came from (`titlematch`, `role_card`, `review:alice`, ...).
    pub source: String,
    /// A level the alias itself fixes ("Junior Security Engineering (InfoSec)" is P1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<LevelCode>,
    /// The alias is knowingly shared with other roles.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ambiguous: bool,
}

/// Which levels of a role a SOC mapping is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesTo {
    /// Every level (the default).
    #[default]
    All,
    /// First-line supervision (M1): "First-Line Supervisors of ..." codes.
    Supervisor,
    /// Management and executive levels (M2 and up): 11-xxxx codes.
    Manager,
}

/// A mapping of a role to a SOC 2018 code.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SocMapping {
    /// SOC 2018 code (detailed `15-1212` or a group such as `15-0000`).
    pub code: String,
    /// The SOC title.
    pub title: String,
    /// Where the mapping came from.
    pub source: String,
    /// Whether a person confirmed it.
    pub review_status: ReviewStatus,
    /// The levels the mapping is for (`supervisor`, `manager`; default every level).
    #[serde(default, skip_serializing_if = "is_all")]
    pub applies_to: AppliesTo,
}

fn is_all(a: &AppliesTo) -> bool {
    *a == AppliesTo::All
}

/// A role of the job architecture.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Role {
    /// Code such as `SEI.GEN`.
    pub code: String,
    /// Canonical name.
    pub name: String,
    /// Superfunction.
    pub superfunction: String,
    /// Job family.
    pub family: String,
    /// One-line description.
    pub description: String,
    /// Default track.
    pub track: Track,
    /// Level of a title with no seniority words.
    pub default_level: LevelCode,
    /// SOC mappings, primary first.
    pub soc: Vec<SocMapping>,
    /// Aliases.
    pub aliases: Vec<Alias>,
    /// The data file the role came from.
    #[serde(skip)]
    pub file: String,
}

/// All roles, by code.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    roles: Vec<Role>,
    by_code: std::collections::HashMap<String, usize>,
}

impl Taxonomy {
    /// Build from roles (codes must be unique; checked by the loader).
    pub fn new(roles: Vec<Role>) -> Taxonomy {
        let by_code = roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.clone(), i))
            .collect();
        Taxonomy { roles, by_code }
    }

    /// All roles in load order.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// A role by index.
    pub fn role(&self, i: usize) -> &Role {
        &self.roles[i]
    }

    /// Index of a role code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// A role by code.
    pub fn get(&self, code: &str) -> Option<&Role> {
        self.index_of(code).map(|i| &self.roles[i])
    }

    /// Number of roles.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// True when there are no roles.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }
}
