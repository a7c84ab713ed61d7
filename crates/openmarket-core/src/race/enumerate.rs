//! Exhaustive enumeration of the 2^n pure profiles of the discrete race.
//!
//! Profiles are visited in Gray-code order, so consecutive profiles differ
//! in one lab and the progress vector is updated in O(n) instead of rebuilt
//! in O(n²). The space is cut into blocks of 2^16 profiles (fixed high
//! bits); rayon spreads the blocks over threads, and the result is sorted,
//! so it does not depend on the thread count.

use std::ops::ControlFlow;

use rayon::prelude::*;

use super::{Actions, NE_TOL, RaceGame, RaceSolution, RaceSolver, SolveError, Utility};
use crate::limits::MAX_ENUMERATE;
use crate::method::Method;

const BLOCK_BITS: usize = 16;

/// Lists every pure NE by checking every profile.
#[derive(Default)]
pub struct Enumeration<'a> {
    /// Called with the number of profiles checked, block by block, from the
    /// worker threads (so a caller can draw a progress bar).
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

impl RaceSolver for Enumeration<'_> {
    fn method(&self) -> Method {
        Method::Enumerate
    }

    fn supports(&self, game: &RaceGame) -> Result<(), SolveError> {
        if game.actions != Actions::Discrete {
            return Err(SolveError::Unsupported(
                "enumeration lists the 2^n profiles of the discrete game; actions = \"continuous\" needs the MIP"
                    .into(),
            ));
        }
        if game.n() > MAX_ENUMERATE {
            return Err(SolveError::TooLarge {
                n: game.n(),
                max: MAX_ENUMERATE,
            });
        }
        Ok(())
    }

    fn solve(&self, game: &RaceGame) -> Result<RaceSolution, SolveError> {
        self.supports(game)?;
        let n = game.n();
        let equilibria = pure_equilibria(game, self.progress)
            .into_iter()
            .map(|bits| game.equilibrium(profile(bits, n), Vec::new()))
            .collect();
        Ok(RaceSolution::new(self.method(), equilibria, 0, true))
    }
}

/// The profile with lab i's action = bit i of `bits`.
pub fn profile(bits: u64, n: usize) -> Vec<f64> {
    (0..n).map(|i| ((bits >> i) & 1) as f64).collect()
}

/// How the 2^n profiles are cut: `low` bits walked per block, `blocks`
/// blocks (the high bits), and each lab's leak row sum (for `share`).
struct Blocks {
    low: usize,
    blocks: u64,
    row_sums: Vec<f64>,
}

impl Blocks {
    fn new(game: &RaceGame) -> Blocks {
        let n = game.n();
        assert!(
            n <= MAX_ENUMERATE.max(BLOCK_BITS),
            "n = {n} exceeds the enumeration limit"
        );
        let low = n.min(BLOCK_BITS);
        Blocks {
            low,
            blocks: 1u64 << (n - low),
            row_sums: (0..n)
                .map(|i| (0..n).filter(|&k| k != i).map(|k| game.b(i, k)).sum())
                .collect(),
        }
    }

    /// Walk block `h` (the profiles whose high bits are h) in Gray-code
    /// order, calling `visit(bits, x)` at every pure NE until it breaks;
    /// what it broke with. Reports the block's profiles to `progress`
    /// when it walked them all.
    fn walk<B>(
        &self,
        game: &RaceGame,
        h: u64,
        progress: Option<&(dyn Fn(u64) + Sync)>,
        mut visit: impl FnMut(u64, &[f64]) -> ControlFlow<B>,
    ) -> Option<B> {
        let n = game.n();
        let per_block = 1u64 << self.low;
        let mut bits = h << self.low;
        let mut x = profile(bits, n);
        let mut p = vec![0.0; n];
        game.progress_into(&x, &mut p);
        // Neighbouring Gray-code profiles differ in one lab, so the lab
        // that refuted the last profile usually refutes this one: test it
        // first and most profiles cost a single check.
        let mut last_refuter = 0;
        for t in 0..per_block {
            if t > 0 {
                // Gray code: step t flips bit trailing_zeros(t).
                let j = t.trailing_zeros() as usize;
                flip(game, j, &mut x, &mut p);
                bits ^= 1 << j;
            }
            if switch_gain(game, last_refuter, &x, &p, &self.row_sums) > NE_TOL {
                continue;
            }
            match (0..n).find(|&i| {
                i != last_refuter && switch_gain(game, i, &x, &p, &self.row_sums) > NE_TOL
            }) {
                Some(i) => last_refuter = i,
                None => {
                    if let ControlFlow::Break(b) = visit(bits, &x) {
                        return Some(b);
                    }
                }
            }
        }
        if let Some(report) = progress {
            report(per_block);
        }
        None
    }
}

/// Bit masks of all pure NE, ascending.
pub fn pure_equilibria(game: &RaceGame, progress: Option<&(dyn Fn(u64) + Sync)>) -> Vec<u64> {
    let blocks = Blocks::new(game);
    let mut found: Vec<u64> = (0..blocks.blocks)
        .into_par_iter()
        .flat_map_iter(|h| {
            let mut out = Vec::new();
            blocks.walk(game, h, progress, |bits, _| {
                out.push(bits);
                ControlFlow::<()>::Continue(())
            });
            out
        })
        .collect();
    found.sort_unstable();
    found
}

/// How many pure NE there are, and how many of them are non-trivial (by
/// the game's definition), without listing them.
pub fn count(game: &RaceGame, progress: Option<&(dyn Fn(u64) + Sync)>) -> (u64, u64) {
    let blocks = Blocks::new(game);
    (0..blocks.blocks)
        .into_par_iter()
        .map(|h| {
            let (mut all, mut nontrivial) = (0u64, 0u64);
            blocks.walk(game, h, progress, |_, x| {
                all += 1;
                nontrivial += u64::from(game.is_nontrivial(x));
                ControlFlow::<()>::Continue(())
            });
            (all, nontrivial)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// A non-trivial pure NE if there is one: the first in the enumeration's
/// order (blocks by their high bits, Gray-code order within a block), so
/// the same game gives the same witness whatever the thread count. Blocks
/// after a block that holds one are not walked.
pub fn first_nontrivial(game: &RaceGame, progress: Option<&(dyn Fn(u64) + Sync)>) -> Option<u64> {
    let blocks = Blocks::new(game);
    (0..blocks.blocks).into_par_iter().find_map_first(|h| {
        blocks.walk(game, h, progress, |bits, x| {
            if game.is_nontrivial(x) {
                ControlFlow::Break(bits)
            } else {
                ControlFlow::Continue(())
            }
        })
    })
}

/// u_i(switched) − u_i(current) in one pass over the rivals (lead, gap)
/// or in O(1) with the precomputed leak row sums (share). Same arithmetic
/// as [`RaceGame::deviation_utility`], fused for the hot loop.
#[inline]
fn switch_gain(game: &RaceGame, i: usize, x: &[f64], p: &[f64], row_sums: &[f64]) -> f64 {
    let n = game.n();
    let d = 1.0 - 2.0 * x[i];
    let own_now = p[i];
    let own_new = own_now + d * game.boost[i];
    let cost_change = game.cost[i] * d;
    match game.utility {
        Utility::Lead | Utility::Gap => {
            let row = &game.leak[i * n..(i + 1) * n];
            let (mut now, mut new) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
            // Plain comparisons (not f64::max, which handles NaN) and zipped
            // slices (no bounds checks): this loop is the enumeration.
            for (k, (&pk, &b)) in p.iter().zip(row).enumerate() {
                let moved = pk + d * b;
                if k != i {
                    if pk > now {
                        now = pk;
                    }
                    if moved > new {
                        new = moved;
                    }
                }
            }
            let (lead_now, lead_new) = (own_now - now, own_new - new);
            let gain = if game.utility == Utility::Lead {
                lead_new - lead_now
            } else {
                lead_new.min(0.0) - lead_now.min(0.0)
            };
            gain - cost_change
        }
        Utility::Share => {
            let total_now: f64 = game.rho + p.iter().sum::<f64>();
            let total_new = total_now + d * (game.boost[i] + row_sums[i]);
            game.prize * (own_new / total_new - own_now / total_now) - cost_change
        }
    }
}

/// Switch lab j's action and update progress incrementally.
#[inline]
fn flip(game: &RaceGame, j: usize, x: &mut [f64], p: &mut [f64]) {
    let n = game.n();
    let d = 1.0 - 2.0 * x[j];
    x[j] = 1.0 - x[j];
    // The diagonal of the leak matrix is zero, so the row can be added
    // whole, without a branch.
    for (pk, b) in p.iter_mut().zip(&game.leak[j * n..(j + 1) * n]) {
        *pk += d * b;
    }
    p[j] += d * game.boost[j];
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
