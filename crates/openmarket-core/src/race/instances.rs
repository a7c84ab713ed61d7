//! Races drawn for benchmarks and tests of the existence question: random
//! sparse races (mostly "yes"), and races built so that no non-trivial
//! pure NE exists, at any n, with a proof (docs/race-model.md, "Instances
//! with a known answer").
//!
//! Random draws rarely answer "no", and a "no" is what costs a solver the
//! most (every profile refuted), so the "no" instances are constructed: a
//! three-lab *gadget* whose answer is checked by brute force, beside n − 3
//! *background* labs that can neither change the gadget's answer nor open
//! in an equilibrium. The proof is in [`without_nontrivial`]'s comment; the
//! margins it needs are checked from the raw payoffs in tests/race.rs.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Actions, Leakage, Nontrivial, RaceGame, RaceParams, Utility};

/// A race drawn as issue 25 draws them: head starts uniform in [1, 12],
/// boosts in [0, 5], each off-diagonal leak uniform in [0, 5] with
/// probability 0.3, else 0; no cost; ρ = 1. Harder than
/// [`RaceGame::random`], whose opening is nearly dominant.
pub fn sparse(n: usize, utility: Utility, seed: u64) -> RaceGame {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let head_start: Vec<f64> = (0..n).map(|_| rng.random_range(1.0..12.0)).collect();
    let boost: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..5.0)).collect();
    let matrix: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            (0..n)
                .map(|i| {
                    if i != j && rng.random_bool(0.3) {
                        rng.random_range(0.0..5.0)
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    RaceGame::new(RaceParams {
        leakage: Leakage::Matrix(matrix),
        boost,
        cost: vec![0.0; n],
        head_start,
        utility,
        prize: 1.0,
        rho: 1.0,
        actions: Actions::Discrete,
        nontrivial: Nontrivial::SomeOpen,
    })
    .expect("parameters in range")
}

/// A gadget: three labs' head starts, boosts, costs and leaks (row =
/// opener), and the most any background lab's leaks may add to one gadget
/// lab's progress in all.
struct Gadget {
    head_start: [f64; 3],
    boost: [f64; 3],
    cost: [f64; 3],
    leak: [[f64; 3]; 3],
    /// Σ over background labs of their leaks into one gadget lab.
    budget: f64,
}

/// `lead` and `gap`: all closed is the gadget's only pure NE, strict, and
/// every other profile has a lab that gains by switching, each by at least
/// 3.6 (found by a random search; the margins are recomputed by a test).
/// No gadget lab has a dominant action: each gains 0.25–0.4 by opening
/// when nobody's maximum moves, and its leaks move them by more.
const LEAD: Gadget = Gadget {
    head_start: [7.21, 3.65, 0.6],
    boost: [3.84, 0.58, 3.87],
    cost: [3.54, 0.33, 3.48],
    leak: [[0.0, 4.7, 3.57], [3.89, 0.0, 4.11], [4.65, 0.0, 0.0]],
    budget: 1.5,
};

const GAP: Gadget = Gadget {
    head_start: [8.25, 4.84, 1.79],
    boost: [4.21, 0.91, 4.4],
    cost: [3.71, 0.11, 3.58],
    leak: [[0.0, 1.6, 1.93], [4.91, 0.0, 4.58], [4.59, 0.0, 0.0]],
    budget: 1.5,
};

/// `share`: configs/race_no_pure_ne.toml scaled by 10, a matching-pennies
/// cycle between labs 0 and 1 (lab 2 never opens): no pure NE at all while
/// everything else adds less than 10 to the total progress (ρ included).
const SHARE: Gadget = Gadget {
    head_start: [30.0, 50.0, 30.0],
    boost: [10.0, 40.0, 0.0],
    cost: [0.0; 3],
    leak: [[0.0, 30.0, 0.0], [0.0, 0.0, 40.0], [10.0, 0.0, 0.0]],
    budget: 0.0,
};

/// An n-lab race (n ≥ 3) with no non-trivial pure NE, for `lead`, `gap` or
/// `share`: labs 0–2 are the gadget, labs 3… the background, drawn from
/// `seed`.
///
/// **Why the answer is "no".** `lead`, `gap`: (1) every background lab's
/// progress stays below the lowest head start that can be a maximum (3.65
/// for `lead`, the larger of lab 0's rivals; 8.25 for `gap`), whatever
/// anyone plays, so no background lab is ever a maximum (of a gadget
/// lab's rivals, or of a background lab's); (2) each
/// gadget lab receives at most `budget` = 1.5 from the background in all,
/// which moves each maximum by at most 1.5 and so each gadget lab's gain
/// from switching by at most 1.5, less than the gadget's margin of 3.6:
/// a profile whose gadget part is not all closed has a gadget lab that
/// gains by switching, and at all closed every gadget lab loses by
/// opening; (3) at the gadget's all-closed profile lab 0 is the maximum
/// (its head start beats the others' with the budget added), and every
/// background lab k leaks e_k0 > a_k − c_k into lab 0, so opening raises
/// the maximum it trails by at least e_k0 and loses. The only pure NE is
/// everyone closed. Each background lab's net gain a_k − c_k is positive
/// and below its largest leak, so no action is dominant and dominance
/// preprocessing removes no background lab.
///
/// `share`: the background adds at most 5 to the total progress (ρ = 1
/// included) and leaks nothing to the gadget, nor the gadget to it; the
/// sign of each gadget lab's gain from opening is affine in that total,
/// and at both ends (1 and 5) the cycle's four switches keep their sign
/// (their thresholds are at 0 and 10): there is no pure NE at all.
pub fn without_nontrivial(n: usize, utility: Utility, seed: u64) -> RaceGame {
    assert!(n >= 3, "a gadget has three labs");
    let g = match utility {
        Utility::Lead => &LEAD,
        Utility::Gap => &GAP,
        Utility::Share => &SHARE,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let m = n - 3;
    let mut head_start = g.head_start.to_vec();
    let mut boost = g.boost.to_vec();
    let mut cost = g.cost.to_vec();
    let mut matrix = vec![vec![0.0; n]; n];
    for (j, row) in g.leak.iter().enumerate() {
        matrix[j][..3].copy_from_slice(row);
    }
    // Background progress, all leaks in: below `cap`.
    let cap = match utility {
        Utility::Lead => 0.4 * 3.65,
        Utility::Gap => 0.4 * 8.25,
        // The total background progress stays below 4 (ρ = 1 besides).
        Utility::Share => 4.0 / m.max(1) as f64,
    };
    for k in 3..n {
        head_start.push(rng.random_range(0.01 * cap..0.4 * cap));
        boost.push(rng.random_range(0.0..0.2 * cap));
        for (j, row) in matrix.iter_mut().enumerate().skip(3) {
            if j != k && rng.random_bool(0.3) {
                // At most 0.4·cap in all from the other background labs.
                row[k] = rng.random_range(0.0..0.4 * cap / m as f64);
            }
        }
        if utility == Utility::Share {
            cost.push(0.0);
            continue;
        }
        // Into the gadget: e_k0 the largest, all within the budget.
        let share = g.budget / m as f64;
        let e0 = rng.random_range(0.5..1.0) * share;
        matrix[k][0] = e0;
        matrix[k][1] = rng.random_range(0.0..e0);
        matrix[k][2] = rng.random_range(0.0..e0);
        let net = rng.random_range(0.2..0.9) * e0;
        cost.push(*boost.last().expect("pushed") - net);
        if cost[k] < 0.0 {
            // A boost below the net gain: raise the boost instead.
            boost[k] = net;
            cost[k] = 0.0;
        }
    }
    RaceGame::new(RaceParams {
        leakage: Leakage::Matrix(matrix),
        boost,
        cost,
        head_start,
        utility,
        prize: 1.0,
        rho: if utility == Utility::Share { 1.0 } else { 0.0 },
        actions: Actions::Discrete,
        nontrivial: Nontrivial::SomeOpen,
    })
    .expect("parameters in range")
}
