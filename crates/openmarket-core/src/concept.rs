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
    /// The target gap within which a run counts as converged when the
    /// config sets no `tol` (docs/dynamics.md, "Tolerances"). Exact rules
    /// reach a pure equilibrium or an SPE to rounding; the logit dynamics
    /// approach a QRE geometrically; fictitious play and no-regret
    /// learners approach theirs at best polynomially (a CCE gap of order
    /// t^-1/2), so within a budget of 10^3 iterations a hundredth of the
    /// payoff scale is what theory lets them reach.
    pub fn default_tol(self) -> f64 {
        match self {
            Concept::PureNash | Concept::Spe | Concept::OptimalRegulation => 1e-9,
            Concept::Qre => 1e-6,
            Concept::MixedNash | Concept::Cce => 1e-2,
        }
    }

    /// Parse a user's spelling (`pure`, `mixed`, `qre`, or the full names).
    pub fn parse(s: &str) -> Result<Concept, String> {
        s.parse()
            .map_err(|_| format!("unknown concept \"{s}\"; one of pure, mixed, qre, cce, spe"))
    }
}
