//! How an equilibrium was found (the `solver` column of the output), and
//! why a solve can fail.

use serde::Serialize;

/// The method behind an equilibrium.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::AsRefStr)]
pub enum Method {
    /// A closed form (the openness game's backward induction).
    #[serde(rename = "closed_form")]
    #[strum(serialize = "closed_form")]
    ClosedForm,
    /// Exhaustive enumeration of the pure profiles.
    #[serde(rename = "enumerate")]
    #[strum(serialize = "enumerate")]
    Enumerate,
    /// A mixed-integer program, every candidate verified exactly.
    #[serde(rename = "mip")]
    #[strum(serialize = "mip")]
    Mip,
    /// Enumeration of support patterns with certified subdivision (every
    /// mixed Nash equilibrium of a two-action game).
    #[serde(rename = "support_enumeration")]
    #[strum(serialize = "support_enumeration")]
    SupportEnumeration,
    /// Path following from the centroid (the logit QRE's principal branch).
    #[serde(rename = "logit_path")]
    #[strum(serialize = "logit_path")]
    LogitPath,
    /// A search over the leader's actions against the follower's response.
    #[serde(rename = "leader_search")]
    #[strum(serialize = "leader_search")]
    LeaderSearch,
    /// The regulator's optimum: 1-D searches along the SPE's regime
    /// branches (fixed δ), or over the box (bargained δ).
    #[serde(rename = "regime_search")]
    #[strum(serialize = "regime_search")]
    RegimeSearch,
    /// Best-response dynamics from fixed starts: a witness, checked exactly
    /// (it never proves that none exists).
    #[serde(rename = "best_response")]
    #[strum(serialize = "best_response")]
    BestResponse,
    /// Enumeration and the MIP, checked to agree.
    #[serde(rename = "enumerate+mip")]
    #[strum(serialize = "enumerate+mip")]
    EnumerateAndMip,
}

/// Why a game could not be solved (the race's solvers are the ones that
/// can fail: limits, MIP backends, time limits).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// More labs than enumeration takes.
    #[error("n = {n} labs is too many to enumerate (2^{n} profiles; the limit is n = {max})")]
    TooLarge {
        /// The game's labs.
        n: usize,
        /// The enumeration limit.
        max: usize,
    },
    /// The method does not apply to this game (e.g. the share MIP with a cost).
    #[error("{0}")]
    Unsupported(String),
    /// More labs than a solution concept's solver takes.
    #[error("{what} are computed for at most {max} labs; this race has {n}")]
    TooManyLabs {
        /// The game's labs.
        n: usize,
        /// The limit.
        max: usize,
        /// What is limited.
        what: &'static str,
    },
    /// The MIP backend failed.
    #[error("MIP solver failed: {0}")]
    Mip(String),
    /// The solve took longer than its time limit.
    #[error("the MIP did not finish within its time limit of {seconds} s")]
    TimeLimit {
        /// The limit.
        seconds: f64,
    },
    /// Enumeration and the MIP answered a question differently.
    #[error("enumeration and MIP disagree on the {question} question: {enumerate} vs {mip}")]
    AnswersDisagree {
        /// `exists` or `count`.
        question: &'static str,
        /// Enumeration's answer.
        enumerate: String,
        /// The MIP's answer.
        mip: String,
    },
    /// Enumeration and the MIP listed different equilibria.
    #[error("enumeration and MIP disagree: {enumerate:?} vs {mip:?}")]
    Disagreement {
        /// What enumeration found.
        enumerate: Vec<Vec<f64>>,
        /// What the MIP found.
        mip: Vec<Vec<f64>>,
    },
}
