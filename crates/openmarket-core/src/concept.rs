//! Solution concepts: what a solver lists and what a learning rule is
//! judged against (the `target` column of the output).

use serde::Serialize;

/// A solution concept.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    strum::IntoStaticStr,
    strum::AsRefStr,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Concept {
    /// Pure Nash equilibria (the race).
    #[strum(serialize = "pure_nash", serialize = "pure")]
    PureNash,
    /// Nash equilibria in mixed strategies (pure ones included).
    #[strum(serialize = "mixed_nash", serialize = "mixed")]
    MixedNash,
    /// The logit quantal response equilibrium at a temperature.
    Qre,
    /// Coarse correlated equilibria (judged by the CCE gap of play).
    Cce,
    /// The subgame-perfect equilibrium of the openness market.
    Spe,
    /// The regulation (θ, p) that maximises the regulator's objective
    /// under the SPE: a learning regulator's target.
    OptimalRegulation,
}

impl Concept {
    /// Parse a user's spelling (`pure`, `mixed`, `qre`, or the full names).
    pub fn parse(s: &str) -> Result<Concept, String> {
        s.parse()
            .map_err(|_| format!("unknown concept \"{s}\"; one of pure, mixed, qre, cce, spe"))
    }
}
