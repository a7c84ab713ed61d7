//! Exhaustive enumeration of the 2^n pure profiles of the discrete race.
//!
//! Profiles are visited in Gray-code order, so consecutive profiles differ
//! in one lab and the progress vector is updated in O(n) instead of rebuilt
//! in O(n²). The space is cut into blocks of 2^16 profiles (fixed high
//! bits); rayon spreads the blocks over threads, and the result is sorted,
//! so it does not depend on the thread count.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::{Actions, NE_TOL, RaceGame, RaceSolution, RaceSolver, SolveError};

/// Largest n enumerated: 2^30 profiles take about a minute on two cores.
pub const MAX_ENUMERATE: usize = 30;
const BLOCK_BITS: usize = 16;

/// Lists every pure NE by checking every profile.
#[derive(Default)]
pub struct Enumeration<'a> {
    /// Incremented by the number of profiles checked, block by block, so a
    /// caller can draw a progress bar from another thread.
    pub progress: Option<&'a AtomicU64>,
}

impl RaceSolver for Enumeration<'_> {
    fn name(&self) -> &'static str {
        "enumerate"
    }

    fn solve(&self, game: &RaceGame) -> Result<RaceSolution, SolveError> {
        if game.actions != Actions::Discrete {
            return Err(SolveError::Unsupported(
                "enumeration lists the 2^n profiles of the discrete game; for actions = \"continuous\" use --solver mip"
                    .into(),
            ));
        }
        let n = game.n();
        if n > MAX_ENUMERATE {
            return Err(SolveError::TooLarge {
                n,
                max: MAX_ENUMERATE,
            });
        }
        let equilibria = pure_equilibria(game, self.progress)
            .into_iter()
            .map(|bits| game.equilibrium(profile(bits, n), Vec::new()))
            .collect();
        Ok(RaceSolution::new(self.name(), equilibria, 0, true))
    }
}

/// The profile with lab i's action = bit i of `bits`.
pub fn profile(bits: u64, n: usize) -> Vec<f64> {
    (0..n).map(|i| ((bits >> i) & 1) as f64).collect()
}

/// Bit masks of all pure NE, ascending.
pub fn pure_equilibria(game: &RaceGame, progress: Option<&AtomicU64>) -> Vec<u64> {
    let n = game.n();
    assert!(
        n <= MAX_ENUMERATE.max(BLOCK_BITS),
        "n = {n} exceeds the enumeration limit"
    );
    let low = n.min(BLOCK_BITS);
    let blocks = 1u64 << (n - low);
    let per_block = 1u64 << low;
    let mut found: Vec<u64> = (0..blocks)
        .into_par_iter()
        .flat_map_iter(|h| {
            let mut out = Vec::new();
            let mut bits = h << low;
            let mut x = profile(bits, n);
            let mut p = vec![0.0; n];
            game.progress_into(&x, &mut p);
            for t in 0..per_block {
                if t > 0 {
                    // Gray code: step t flips bit trailing_zeros(t).
                    let j = t.trailing_zeros() as usize;
                    flip(game, j, &mut x, &mut p);
                    bits ^= 1 << j;
                }
                if is_pure_ne(game, &x, &p) {
                    out.push(bits);
                }
            }
            if let Some(c) = progress {
                c.fetch_add(per_block, Ordering::Relaxed);
            }
            out
        })
        .collect();
    found.sort_unstable();
    found
}

/// Switch lab j's action and update progress incrementally.
#[inline]
fn flip(game: &RaceGame, j: usize, x: &mut [f64], p: &mut [f64]) {
    let n = game.n();
    let d = 1.0 - 2.0 * x[j];
    x[j] = 1.0 - x[j];
    p[j] += d * game.boost[j];
    for (k, pk) in p.iter_mut().enumerate() {
        if k != j {
            *pk += d * game.leak[j * n + k];
        }
    }
}

/// No lab gains more than [`NE_TOL`] by switching; stops at the first that does.
#[inline]
pub fn is_pure_ne(game: &RaceGame, x: &[f64], p: &[f64]) -> bool {
    (0..game.n()).all(|i| {
        let now = game.deviation_utility(i, x[i], x[i], p);
        let switched = game.deviation_utility(i, 1.0 - x[i], x[i], p);
        switched - now <= NE_TOL
    })
}
