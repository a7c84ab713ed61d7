//! Exhaustive enumeration of the 2^n pure profiles of the discrete race.
//!
//! Profiles are visited in Gray-code order, so consecutive profiles differ
//! in one lab and the progress vector is updated in O(n) instead of rebuilt
//! in O(n²). Labs with a strictly dominant action are held at it (they play
//! it in every equilibrium), so only the others' profiles are walked. The
//! space is cut into blocks of 2^16 profiles (fixed high bits); rayon
//! spreads the blocks over threads, and the result is sorted (or, for a
//! witness, the first block's), so it does not depend on the thread count.

use std::ops::ControlFlow;

use rayon::prelude::*;

use super::mip::dominant;
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

/// How the 2^n profiles are cut. A lab whose action is strictly dominant
/// ([`dominant`]: its gain from opening has one sign, beyond the NE
/// tolerance, whatever the others do) plays it in every equilibrium and
/// never refutes a profile where it does, so only the other labs' 2^m
/// profiles are walked: `low` of their bits per block, `blocks` blocks.
struct Blocks {
    low: usize,
    blocks: u64,
    row_sums: Vec<f64>,
    /// The labs walked, in index order.
    free: Vec<usize>,
    /// The dominant labs that open, as bits.
    base: u64,
}

impl Blocks {
    fn new(game: &RaceGame) -> Blocks {
        let n = game.n();
        assert!(
            n <= MAX_ENUMERATE.max(BLOCK_BITS),
            "n = {n} exceeds the enumeration limit"
        );
        let fixed = dominant(game);
        let free: Vec<usize> = (0..n).filter(|&i| fixed[i].is_none()).collect();
        let base = (0..n)
            .filter(|&i| fixed[i] == Some(true))
            .fold(0u64, |b, i| b | (1 << i));
        let m = free.len();
        let low = m.min(BLOCK_BITS);
        Blocks {
            low,
            blocks: 1u64 << (m - low),
            row_sums: (0..n)
                .map(|i| (0..n).filter(|&k| k != i).map(|k| game.b(i, k)).sum())
                .collect(),
            free,
            base,
        }
    }

    /// The whole profile of the free labs' bits `t`.
    fn scatter(&self, t: u64) -> u64 {
        self.free
            .iter()
            .enumerate()
            .filter(|&(k, _)| (t >> k) & 1 == 1)
            .fold(self.base, |b, (_, &lab)| b | (1 << lab))
    }

    /// Walk block `h` (the free labs' profiles whose high bits are h) in
    /// Gray-code order, calling `visit(bits, x)` at every pure NE until it
    /// breaks; what it broke with. Reports the profiles the block stands
    /// for (dominated ones included) to `progress` when it walked them all.
    fn walk<B>(
        &self,
        game: &RaceGame,
        h: u64,
        progress: Option<&(dyn Fn(u64) + Sync)>,
        visit: impl FnMut(u64, &[f64]) -> ControlFlow<B>,
    ) -> Option<B> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { self.walk_avx2(game, h, progress, visit) };
        }
        self.walk_body(game, h, progress, visit)
    }

    /// [`Blocks::walk`] compiled for AVX2 (4 doubles per instruction
    /// instead of SSE2's 2). Without FMA: the same IEEE operations in the
    /// same order as the baseline build, so the same results bit for bit.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn walk_avx2<B>(
        &self,
        game: &RaceGame,
        h: u64,
        progress: Option<&(dyn Fn(u64) + Sync)>,
        visit: impl FnMut(u64, &[f64]) -> ControlFlow<B>,
    ) -> Option<B> {
        self.walk_body(game, h, progress, visit)
    }

    #[inline(always)]
    fn walk_body<B>(
        &self,
        game: &RaceGame,
        h: u64,
        progress: Option<&(dyn Fn(u64) + Sync)>,
        mut visit: impl FnMut(u64, &[f64]) -> ControlFlow<B>,
    ) -> Option<B> {
        let n = game.n();
        let per_block = 1u64 << self.low;
        let mut bits = self.scatter(h << self.low);
        let mut x = profile(bits, n);
        let mut p = vec![0.0; n];
        game.progress_into(&x, &mut p);
        let free = self.free.as_slice();
        // Neighbouring Gray-code profiles differ in one lab, so the lab
        // that refuted the last profile usually refutes this one: test it
        // first and most profiles cost a single check.
        let mut last_refuter = free.first().copied().unwrap_or(0);
        for t in 0..per_block {
            if t > 0 {
                // Gray code: step t flips free lab trailing_zeros(t).
                let j = free[t.trailing_zeros() as usize];
                flip(game, j, &mut x, &mut p);
                bits ^= 1 << j;
            }
            if !free.is_empty() && switch_gain(game, last_refuter, &x, &p, &self.row_sums) > NE_TOL
            {
                continue;
            }
            // A plain loop, not `Iterator::find`: its closure would be
            // compiled outside the AVX2 walk.
            let mut refuter = None;
            for &i in free {
                if i != last_refuter && switch_gain(game, i, &x, &p, &self.row_sums) > NE_TOL {
                    refuter = Some(i);
                    break;
                }
            }
            match refuter {
                Some(i) => last_refuter = i,
                None => {
                    if let ControlFlow::Break(b) = visit(bits, &x) {
                        return Some(b);
                    }
                }
            }
        }
        if let Some(report) = progress {
            report(per_block << (n - free.len()));
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
#[inline(always)]
fn switch_gain(game: &RaceGame, i: usize, x: &[f64], p: &[f64], row_sums: &[f64]) -> f64 {
    let n = game.n();
    let d = 1.0 - 2.0 * x[i];
    let own_now = p[i];
    let own_new = own_now + d * game.boost[i];
    let cost_change = game.cost[i] * d;
    match game.utility {
        Utility::Lead | Utility::Gap => {
            let row = &game.leak[i * n..(i + 1) * n];
            let (now, new) = rival_maxima(p, row, d, i);
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

/// max_{k≠i} p_k and max_{k≠i} (p_k + d·row_k): the strongest rival now
/// and after lab i moves by d. This loop is the enumeration. The rivals
/// are the two ranges around i, each folded into four independent running
/// maxima (lanes k mod 4, no branch), which the compiler turns into
/// vector instructions; one running maximum would be a serial chain.
#[inline(always)]
fn rival_maxima(p: &[f64], row: &[f64], d: f64, i: usize) -> (f64, f64) {
    const L: usize = 4;
    let mut now = [f64::NEG_INFINITY; L];
    let mut new = [f64::NEG_INFINITY; L];
    for (p, row) in [(&p[..i], &row[..i]), (&p[i + 1..], &row[i + 1..])] {
        let mut pc = p.chunks_exact(L);
        let mut rc = row.chunks_exact(L);
        for (pk, bk) in (&mut pc).zip(&mut rc) {
            let pk: [f64; L] = pk.try_into().expect("a chunk of L");
            let bk: [f64; L] = bk.try_into().expect("a chunk of L");
            let moved: [f64; L] = std::array::from_fn(|l| pk[l] + d * bk[l]);
            now = std::array::from_fn(|l| if pk[l] > now[l] { pk[l] } else { now[l] });
            new = std::array::from_fn(|l| if moved[l] > new[l] { moved[l] } else { new[l] });
        }
        for (&pk, &bk) in pc.remainder().iter().zip(rc.remainder()) {
            let moved = pk + d * bk;
            now[0] = if pk > now[0] { pk } else { now[0] };
            new[0] = if moved > new[0] { moved } else { new[0] };
        }
    }
    let top = |v: [f64; L]| {
        let a = if v[0] > v[1] { v[0] } else { v[1] };
        let b = if v[2] > v[3] { v[2] } else { v[3] };
        if a > b { a } else { b }
    };
    (top(now), top(new))
}

/// Switch lab j's action and update progress incrementally.
#[inline(always)]
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

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// The AVX2 build of the walk decides every profile as the baseline
    /// build does (the same operations in the same order, no FMA).
    #[test]
    fn the_avx2_walk_finds_what_the_baseline_walk_finds() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        for seed in 0..30 {
            let utility = [Utility::Lead, Utility::Gap, Utility::Share][seed as usize % 3];
            let g = RaceGame::random(18, utility, seed);
            let blocks = Blocks::new(&g);
            for h in 0..blocks.blocks {
                let (mut base, mut wide) = (Vec::new(), Vec::new());
                blocks.walk_body(&g, h, None, |bits, _| {
                    base.push(bits);
                    ControlFlow::<()>::Continue(())
                });
                // SAFETY: the CPU has AVX2 (checked above).
                unsafe {
                    blocks.walk_avx2(&g, h, None, |bits, _| {
                        wide.push(bits);
                        ControlFlow::<()>::Continue(())
                    });
                }
                assert_eq!(base, wide, "seed {seed}, block {h}");
            }
        }
    }
}
