//! Every Nash equilibrium of a finite game with any number of actions per
//! player, by enumeration of support profiles.
//!
//! A support profile gives each player a non-empty set of actions. With
//! player i's support S_i and its first action b_i, an equilibrium with
//! those supports solves, for every mixed player, u_i(a, σ₋ᵢ) = u_i(b_i,
//! σ₋ᵢ) for a ∈ S_i, with every probability in its support positive, and
//! u_i(a, σ₋ᵢ) ≤ u_i(b_i, σ₋ᵢ) for every a outside S_i. Taking as
//! variables each mixed player's probabilities of S_i's actions but the
//! first, every one of those functions is multilinear (payoffs are linear
//! in each player's strategy, which is affine in its variables), so the
//! box search of [`super::nash`] (exclusion by corner values, the Krawczyk
//! test, Newton's method, verification by the exact regret) applies as it
//! does to two actions. It lists every isolated equilibrium, so every
//! equilibrium of a generic game; where a support profile holds a continuum
//! (a degenerate game) the listing reports `complete = false`.

use rayon::prelude::*;

use super::Mixed;
use super::binary::Multilinear;
use super::nash::{System, VERIFY_REGRET};
use super::nfg::Nfg;

/// Most free probabilities, Σ_i (k_i − 1), a game may have: the totally
/// mixed support profile's functions have 2^that corner values each, and
/// the support profiles number Π_i (2^{k_i} − 1). Measured on this
/// machine (BENCHMARKS.md), random games with payoffs uniform in [−1, 1]:
/// 5×5 in 1 ms, 2×5×5 (8) in 1.2 s, 3×3×3×3 (8) in 1.6 s, 4×4×4 (9) in
/// 9 s; 3×3×3×3×3 (10) had not finished after 2 minutes.
pub const MAX_FREE: usize = 9;

/// Why the support enumeration was not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SupportError {
    /// More free probabilities than [`MAX_FREE`].
    #[error(
        "the game has {free} free probabilities (the sum over players of strategies - 1); \
         the support enumeration takes at most {MAX_FREE}"
    )]
    TooLarge {
        /// Σ_i (k_i − 1).
        free: usize,
    },
}

/// One Nash equilibrium in mixed strategies.
#[derive(Clone, Debug, PartialEq)]
pub struct Equilibrium {
    /// Each player's probabilities, in its strategies' order.
    pub strategies: Vec<Vec<f64>>,
    /// The largest player's regret there (≤ [`VERIFY_REGRET`]).
    pub regret: f64,
}

/// The Nash equilibria of a finite game.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// Every equilibrium found, sorted, pure ones included.
    pub equilibria: Vec<Equilibrium>,
    /// False when some support profile was degenerate (a continuum or an
    /// unresolved box): the listing may then miss equilibria there.
    pub complete: bool,
    /// Boxes examined over all support profiles.
    pub boxes: u64,
}

/// Σ_i (k_i − 1): the free probabilities of a mixed profile of `game`.
pub fn free_probabilities(game: &Nfg) -> usize {
    game.strategies.iter().map(|s| s.len() - 1).sum()
}

/// Every Nash equilibrium of `game`.
pub fn equilibria(game: &Nfg) -> Result<Solution, SupportError> {
    let free = free_probabilities(game);
    if free > MAX_FREE {
        return Err(SupportError::TooLarge { free });
    }
    let sizes: Vec<usize> = game.strategies.iter().map(Vec::len).collect();
    // Support profile `code` in mixed radix: player i's digit + 1 is the
    // bit mask of its support.
    let radix: Vec<u64> = sizes.iter().map(|&k| (1u64 << k) - 1).collect();
    let count: u64 = radix.iter().product();
    let results: Vec<(Vec<Vec<f64>>, bool, u64)> = (0..count)
        .into_par_iter()
        .map(|code| {
            let mut c = code;
            let supports: Vec<Vec<usize>> = radix
                .iter()
                .zip(&sizes)
                .map(|(&r, &k)| {
                    let mask = c % r + 1;
                    c /= r;
                    (0..k).filter(|a| mask & (1 << a) != 0).collect()
                })
                .collect();
            if dominated(game, &supports) {
                return (Vec::new(), true, 0);
            }
            let (xs, complete, boxes) = system(game, &supports).solve();
            let profiles = xs.iter().map(|x| flat(&sizes, &supports, x)).collect();
            (profiles, complete, boxes)
        })
        .collect();
    let complete = results.iter().all(|r| r.1);
    let boxes = results.iter().map(|r| r.2).sum();
    let mut found: Vec<(Vec<f64>, f64)> = results
        .into_iter()
        .flat_map(|r| r.0)
        .filter_map(|probs| {
            let regret = max_regret(game, &probs);
            (regret <= VERIFY_REGRET).then_some((probs, regret))
        })
        .collect();
    found.sort_by(|a, b| {
        a.0.iter()
            .zip(&b.0)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    found.dedup_by(|a, b| a.0.iter().zip(&b.0).all(|(x, y)| (x - y).abs() < 1e-7));
    let equilibria = found
        .into_iter()
        .map(|(probs, regret)| Equilibrium {
            strategies: split(&sizes, &probs),
            regret,
        })
        .collect();
    Ok(Solution {
        equilibria,
        complete,
        boxes,
    })
}

/// The largest player's regret at the flat profile `probs`.
pub fn max_regret(game: &Nfg, probs: &[f64]) -> f64 {
    let sizes: Vec<usize> = game.strategies.iter().map(Vec::len).collect();
    let sigma = Mixed::from_split(&split(&sizes, probs));
    let mut buf = vec![0.0; sizes.iter().copied().max().unwrap_or(0)];
    (0..sizes.len())
        .map(|i| super::regret(game, i, &sigma, &mut buf[..sizes[i]]))
        .fold(0.0, f64::max)
}

/// A flat profile (every player's probabilities one after another) as one
/// list per player.
pub fn split(sizes: &[usize], probs: &[f64]) -> Vec<Vec<f64>> {
    let mut at = 0;
    sizes
        .iter()
        .map(|&k| {
            at += k;
            probs[at - k..at].to_vec()
        })
        .collect()
}

/// The flat profile with the supports' variables at `x`.
fn flat(sizes: &[usize], supports: &[Vec<usize>], x: &[f64]) -> Vec<f64> {
    let mut probs = Vec::with_capacity(sizes.iter().sum());
    let mut at = 0;
    for (s, &k) in supports.iter().zip(sizes) {
        let mut p = vec![0.0; k];
        let rest: f64 = x[at..at + s.len() - 1].iter().sum();
        p[s[0]] = 1.0 - rest;
        for (t, &a) in s[1..].iter().enumerate() {
            p[a] = x[at + t];
        }
        at += s.len() - 1;
        probs.extend(p);
    }
    probs
}

/// Whether some action in a support is strictly dominated by another
/// action of its player against every profile of the others' supports
/// (Porter, Nudelman and Shoham 2004): then it is strictly worse against
/// every mixture of them, so no equilibrium has these supports. Exact, in
/// degenerate games too.
fn dominated(game: &Nfg, supports: &[Vec<usize>]) -> bool {
    let n = supports.len();
    let mut stride = vec![1usize; n];
    for j in 1..n {
        stride[j] = stride[j - 1] * game.strategies[j - 1].len();
    }
    (0..n).any(|i| {
        let others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        // Every profile of the others' supports, as a base index.
        let mut bases = vec![0usize];
        for &j in &others {
            let step = stride[j];
            bases = bases
                .iter()
                .flat_map(|b| supports[j].iter().map(move |&s| b + s * step))
                .collect();
        }
        supports[i].iter().any(|&a| {
            (0..game.strategies[i].len()).any(|d| {
                d != a
                    && bases.iter().all(|&b| {
                        game.payoff(b + d * stride[i], i) > game.payoff(b + a * stride[i], i)
                    })
            })
        })
    })
}

/// The equilibrium conditions of the support profile `supports`.
fn system(game: &Nfg, supports: &[Vec<usize>]) -> System {
    let n = supports.len();
    // Player j's variables start at `first[j]` (one per support action
    // after the first).
    let mut first = Vec::with_capacity(n);
    let mut m = 0;
    for s in supports {
        first.push(m);
        m += s.len() - 1;
    }
    let mut stride = vec![1usize; n];
    for j in 1..n {
        stride[j] = stride[j - 1] * game.strategies[j - 1].len();
    }
    // Player j's weight on its support's t-th action at corner c: the
    // corner's bit for its variable (t ≥ 1), else 1 − the block's bits.
    let weight = |j: usize, t: usize, c: usize| -> f64 {
        let len = supports[j].len() - 1;
        let bits = |v: usize| ((c >> (first[j] + v)) & 1) as f64;
        if t == 0 {
            1.0 - (0..len).map(bits).sum::<f64>()
        } else {
            bits(t - 1)
        }
    };
    // The gain of player i's action a over b at every corner, summed over
    // the others' support profiles by an odometer.
    let gain = |i: usize, a: usize, b: usize| -> Multilinear {
        let others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        let corners = (0..1usize << m)
            .map(|c| {
                let mut digit = vec![0usize; others.len()];
                let mut total = 0.0;
                'profiles: loop {
                    let mut w = 1.0;
                    let mut k = 0;
                    for (d, &j) in digit.iter().zip(&others) {
                        w *= weight(j, *d, c);
                        k += supports[j][*d] * stride[j];
                    }
                    if w != 0.0 {
                        total += w
                            * (game.payoff(k + a * stride[i], i)
                                - game.payoff(k + b * stride[i], i));
                    }
                    for (d, &j) in digit.iter_mut().zip(&others) {
                        *d += 1;
                        if *d < supports[j].len() {
                            continue 'profiles;
                        }
                        *d = 0;
                    }
                    break;
                }
                total
            })
            .collect();
        Multilinear { m, corners }
    };
    let mut indifference = Vec::with_capacity(m);
    let mut conditions = Vec::new();
    let mut blocks = Vec::new();
    for (i, s) in supports.iter().enumerate() {
        if s.len() > 1 {
            blocks.push((first[i], s.len() - 1));
        }
        for a in 0..game.strategies[i].len() {
            if a == s[0] {
                continue;
            }
            if s.contains(&a) {
                indifference.push(gain(i, a, s[0]));
            } else {
                conditions.push(gain(i, a, s[0]));
            }
        }
    }
    System {
        indifference,
        conditions,
        blocks,
        precondition: true,
    }
}
