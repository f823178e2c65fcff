//! The three tiers every lesson has, always reported in this order.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A difficulty tier: one exercise file and one hidden test binary each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Beginner,
    Intermediate,
    Advanced,
}

impl Tier {
    /// Every tier, in report order.
    pub const ALL: [Tier; 3] = [Tier::Beginner, Tier::Intermediate, Tier::Advanced];

    /// The lowercase name: the module, the cargo feature and the test target.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Beginner => "beginner",
            Tier::Intermediate => "intermediate",
            Tier::Advanced => "advanced",
        }
    }

    /// The exercise file, relative to `src/`.
    pub fn file_name(self) -> String {
        format!("{}.rs", self.name())
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
