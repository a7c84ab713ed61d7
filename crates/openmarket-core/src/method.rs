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
    /// Enumeration and the MIP, checked to agree.
    #[serde(rename = "enumerate+mip")]
    #[strum(serialize = "enumerate+mip")]
    EnumerateAndMip,
}
