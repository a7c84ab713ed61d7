//! Family `normal_form`: any finite game in strategic form, read from
//! Gambit's `.nfg` (both versions of the format) or written inline in the
//! config, with any number of players and strategies (docs/normal_form.md).
//! Its solvers are the finite-game ones ([`crate::finite`]): every pure
//! equilibrium by enumeration, every mixed one by support enumeration, the
//! logit QRE by path following.

pub mod config;
pub mod family;
pub mod judge;
pub mod learning;

use crate::finite::nfg::Nfg;

/// Where a game's table came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// An `.nfg` file: its path as the config gives it and the SHA-256 of
    /// its bytes (part of the config's hash in a manifest, so `--resume`
    /// and `merge` cannot mix two games).
    File {
        /// `model.nfg` as written.
        path: String,
        /// Hex SHA-256 of the file's bytes.
        sha256: String,
    },
    /// `players`, `strategies` and `payoffs` in the config.
    Inline,
}

/// A game in strategic form.
#[derive(Clone, Debug, PartialEq)]
pub struct NormalForm {
    /// The table.
    pub game: Nfg,
    /// Where it came from.
    pub source: Source,
}

impl NormalForm {
    /// The number of players.
    pub fn players(&self) -> usize {
        self.game.players.len()
    }

    /// Each player's number of strategies.
    pub fn sizes(&self) -> Vec<usize> {
        self.game.strategies.iter().map(Vec::len).collect()
    }
}
