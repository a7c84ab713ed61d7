//! How an equilibrium was found: the `solver` column of the output.

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
    /// Enumeration and the MIP, checked to agree.
    #[serde(rename = "enumerate+mip")]
    #[strum(serialize = "enumerate+mip")]
    EnumerateAndMip,
}
