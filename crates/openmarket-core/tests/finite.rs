//! Finite games in mixed strategies, against references written here from
//! the raw payoffs: expected payoffs by brute-force enumeration, every Nash
//! equilibrium of 2- and 3-player binary games in closed form (linear
//! equations for two mixed players, a quadratic for three), and the logit
//! QRE by its fixed-point equations and by damped iteration at small λ.

use std::path::Path;

use openmarket_core::config::{self, ModelConfig};
use openmarket_core::finite::nash::{self, VERIFY_REGRET};
use openmarket_core::finite::{BinaryGame, FiniteGame, Mixed, qre};
use openmarket_core::race::{Actions, Leakage, Nontrivial, RaceGame, RaceParams, Utility};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_race(rng: &mut ChaCha8Rng, n: usize, utility: Utility) -> RaceGame {
    RaceGame::new(RaceParams {
        head_start: (0..n).map(|_| rng.random_range(1.0..10.0)).collect(),
        boost: (0..n).map(|_| rng.random_range(0.0..4.0)).collect(),
        cost: (0..n)
            .map(|_| {
                if rng.random_bool(0.5) {
                    rng.random_range(0.0..0.5)
                } else {
                    0.0
                }
            })
            .collect(),
        leakage: Leakage::Matrix(
            (0..n)
                .map(|j| {
                    (0..n)
                        .map(|i| {
                            if i == j {
                                0.0
                            } else {
                                rng.random_range(0.0..4.0)
                            }
                        })
                        .collect()
                })
                .collect(),
        ),
        utility,
        prize: 1.0,
        rho: rng.random_range(0.0..3.0),
        actions: Actions::Discrete,
        nontrivial: Nontrivial::SomeOpen,
    })
    .unwrap()
}

/// The race's utilities at a pure profile, from docs/model.md §B.2.
fn naive_utilities(g: &RaceGame, x: &[f64]) -> Vec<f64> {
    let n = g.n();
    let Leakage::Matrix(m) = &g.leakage else {
        unreachable!("the tests build matrix leakage")
    };
    let p: Vec<f64> = (0..n)
        .map(|i| {
            g.head_start[i]
                + g.boost[i] * x[i]
                + (0..n)
                    .filter(|&j| j != i)
                    .map(|j| m[j][i] * x[j])
                    .sum::<f64>()
        })
        .collect();
    (0..n)
        .map(|i| {
            let rival = (0..n)
                .filter(|&k| k != i)
                .map(|k| p[k])
                .fold(f64::MIN, f64::max);
            let top = p.iter().copied().fold(f64::MIN, f64::max);
            let u = match g.utility {
                Utility::Lead => p[i] - rival,
                Utility::Gap => p[i] - top,
                Utility::Share => g.prize * p[i] / (g.rho + p.iter().sum::<f64>()),
            };
            u - g.cost[i] * x[i]
        })
        .collect()
}

fn bits(x: u64, n: usize) -> Vec<f64> {
    (0..n).map(|j| ((x >> j) & 1) as f64).collect()
}

#[test]
fn race_expected_payoffs_match_brute_force_enumeration() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for t in 0..60 {
        let n = 2 + t % 5;
        let g = random_race(
            &mut rng,
            n,
            [Utility::Lead, Utility::Gap, Utility::Share][t % 3],
        );
        let q: Vec<f64> = (0..n)
            .map(|_| match rng.random_range(0..4) {
                0 => 0.0,
                1 => 1.0,
                _ => rng.random_range(0.0..1.0),
            })
            .collect();
        let sigma = Mixed::binary(&q);
        let table = g.binary();
        for i in 0..n {
            let mut want = [0.0; 2];
            for x in 0..(1u64 << n) {
                if x & (1 << i) != 0 {
                    continue;
                }
                let w: f64 = (0..n)
                    .filter(|&j| j != i)
                    .map(|j| if x & (1 << j) != 0 { q[j] } else { 1.0 - q[j] })
                    .product();
                want[0] += w * naive_utilities(&g, &bits(x, n))[i];
                want[1] += w * naive_utilities(&g, &bits(x | (1 << i), n))[i];
            }
            let mut got = [0.0; 2];
            g.expected_payoffs(i, &sigma, &mut got);
            let mut from_table = [0.0; 2];
            table.expected_payoffs(i, &sigma, &mut from_table);
            for a in 0..2 {
                assert!(
                    (got[a] - want[a]).abs() < 1e-12,
                    "race {t}, lab {i}, action {a}"
                );
                assert!(
                    (from_table[a] - want[a]).abs() < 1e-12,
                    "table {t}, lab {i}"
                );
            }
        }
    }
}

/// Multilinear coefficients of Δ_i over two other players j < k:
/// Δ = a + b·q_j + c·q_k + d·q_j·q_k, from the pure gains, with the
/// remaining players (if any) held at `rest`.
fn coefficients(game: &BinaryGame, i: usize, j: usize, k: usize, rest: u64) -> [f64; 4] {
    let g = |xj: u64, xk: u64| game.pure_gain(i, rest | (xj << j) | (xk << k));
    let (g00, g10, g01, g11) = (g(0, 0), g(1, 0), g(0, 1), g(1, 1));
    [g00, g10 - g00, g01 - g00, g11 - g10 - g01 + g00]
}

/// Every Nash equilibrium of a 3-player binary game in closed form: pure
/// profiles; one player pure and two mixing (two linear equations); all
/// three mixing (a quadratic in q_3 after eliminating q_1 and q_2).
fn brute_force_3(game: &BinaryGame) -> Vec<Vec<f64>> {
    let interior = |v: f64| v > 1e-9 && v < 1.0 - 1e-9;
    let mut out = Vec::new();
    for x in 0..8u64 {
        let q = bits(x, 3);
        if game.max_regret(&q) <= 1e-9 {
            out.push(q);
        }
    }
    // Player p pure at action a; players i < j mix.
    for p in 0..3 {
        for a in 0..2u64 {
            let (i, j) = match p {
                0 => (1, 2),
                1 => (0, 2),
                _ => (0, 1),
            };
            let rest = a << p;
            // Δ_i depends on q_j only (p is pure): Δ_i = α + β q_j.
            let lin = |who: usize, other: usize| {
                let g0 = game.pure_gain(who, rest);
                let g1 = game.pure_gain(who, rest | (1 << other));
                (g0, g1 - g0)
            };
            let (ai, bi) = lin(i, j);
            let (aj, bj) = lin(j, i);
            if bi == 0.0 || bj == 0.0 {
                continue;
            }
            let (qj, qi) = (-ai / bi, -aj / bj);
            if interior(qi) && interior(qj) {
                let mut q = vec![0.0; 3];
                q[p] = a as f64;
                q[i] = qi;
                q[j] = qj;
                if game.max_regret(&q) <= 1e-9 {
                    out.push(q);
                }
            }
        }
    }
    // All mixing: Δ_0(q1, q2) = 0 gives q1 = −(a0 + c0 q2)/(b0 + d0 q2);
    // Δ_1(q0, q2) = 0 gives q0 = −(a1 + c1 q2)/(b1 + d1 q2); then Δ_2(q0, q1)
    // times both denominators is a quadratic in q2.
    let [a0, b0, c0, d0] = coefficients(game, 0, 1, 2, 0);
    let [a1, b1, c1, d1] = coefficients(game, 1, 0, 2, 0);
    let [a2, b2, c2, d2] = coefficients(game, 2, 0, 1, 0);
    // With A0 = a0 + c0 z, B0 = b0 + d0 z (q1 = −A0/B0) and A1, B1 likewise
    // (q0 = −A1/B1): a2 B0 B1 − b2 A1 B0 − c2 A0 B1 + d2 A0 A1 = 0.
    let mul = |p: [f64; 2], r: [f64; 2]| [p[0] * r[0], p[0] * r[1] + p[1] * r[0], p[1] * r[1]];
    let (big_a0, big_b0, big_a1, big_b1) = ([a0, c0], [b0, d0], [a1, c1], [b1, d1]);
    let terms = [
        (a2, mul(big_b0, big_b1)),
        (-b2, mul(big_a1, big_b0)),
        (-c2, mul(big_a0, big_b1)),
        (d2, mul(big_a0, big_a1)),
    ];
    let mut poly = [0.0; 3];
    for (k, t) in terms {
        for d in 0..3 {
            poly[d] += k * t[d];
        }
    }
    let [c, b, a] = poly;
    let mut roots = Vec::new();
    if a.abs() > 1e-14 {
        let disc = b * b - 4.0 * a * c;
        if disc >= 0.0 {
            roots.push((-b + disc.sqrt()) / (2.0 * a));
            roots.push((-b - disc.sqrt()) / (2.0 * a));
        }
    } else if b.abs() > 1e-14 {
        roots.push(-c / b);
    }
    for z in roots {
        let q1 = -(a0 + c0 * z) / (b0 + d0 * z);
        let q0 = -(a1 + c1 * z) / (b1 + d1 * z);
        let q = vec![q0, q1, z];
        if q.iter().all(|&v| interior(v)) && game.max_regret(&q) <= 1e-8 {
            out.push(q);
        }
    }
    out
}

fn same_sets(got: &[Vec<f64>], want: &[Vec<f64>], tol: f64) -> bool {
    let covered = |a: &[Vec<f64>], b: &[Vec<f64>]| {
        a.iter().all(|x| {
            b.iter()
                .any(|y| x.iter().zip(y).all(|(u, v)| (u - v).abs() < tol))
        })
    };
    covered(got, want) && covered(want, got)
}

#[test]
fn three_player_equilibria_match_the_closed_form() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut totally_mixed = 0;
    for t in 0..300 {
        // Random normal-form games and random races, alternately.
        let game = if t % 2 == 0 {
            BinaryGame::from_payoffs(3, |_, out| {
                for u in out.iter_mut() {
                    *u = rng.random_range(-1.0..1.0);
                }
            })
        } else {
            random_race(&mut rng, 3, [Utility::Lead, Utility::Share][t / 2 % 2]).binary()
        };
        let sol = nash::equilibria(&game);
        let got: Vec<Vec<f64>> = sol.equilibria.iter().map(|e| e.q.clone()).collect();
        let want = brute_force_3(&game);
        assert!(sol.complete, "game {t}: incomplete");
        assert!(
            same_sets(&got, &want, 1e-6),
            "game {t}:\n got {got:?}\nwant {want:?}"
        );
        for e in &sol.equilibria {
            assert!(e.regret <= VERIFY_REGRET);
        }
        totally_mixed += want
            .iter()
            .filter(|q| q.iter().all(|v| *v > 0.0 && *v < 1.0))
            .count();
    }
    assert!(
        totally_mixed >= 20,
        "only {totally_mixed} totally mixed equilibria tested"
    );
}

#[test]
fn two_player_equilibria_match_the_closed_form() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    for t in 0..300 {
        let game = BinaryGame::from_payoffs(2, |_, out| {
            for u in out.iter_mut() {
                *u = rng.random_range(-1.0..1.0);
            }
        });
        let mut want: Vec<Vec<f64>> = (0..4u64)
            .map(|x| bits(x, 2))
            .filter(|q| game.max_regret(q) <= 1e-9)
            .collect();
        // Δ_0(q1) = g0 + (g1 − g0) q1 = 0, and likewise for player 1.
        let (g00, g01) = (game.pure_gain(0, 0), game.pure_gain(0, 2));
        let (g10, g11) = (game.pure_gain(1, 0), game.pure_gain(1, 1));
        let (q1, q0) = (-g00 / (g01 - g00), -g10 / (g11 - g10));
        if q0 > 0.0 && q0 < 1.0 && q1 > 0.0 && q1 < 1.0 {
            want.push(vec![q0, q1]);
        }
        let got: Vec<Vec<f64>> = nash::equilibria(&game)
            .equilibria
            .iter()
            .map(|e| e.q.clone())
            .collect();
        assert!(
            same_sets(&got, &want, 1e-9),
            "game {t}: {got:?} vs {want:?}"
        );
    }
}

fn race_config(name: &str) -> RaceGame {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs")
        .join(name);
    match config::load(&path).unwrap().model {
        ModelConfig::Race(g) => g,
        _ => unreachable!(),
    }
}

#[test]
fn the_race_without_pure_ne_has_gambits_mixed_equilibrium() {
    // configs/race_no_pure_ne.toml: Gambit (enumpoly_solve, logit_solve)
    // gives the mixed NE (0.6227, 0.2745, 0) (issue "The right target").
    let game = race_config("race_no_pure_ne.toml").binary();
    let sol = nash::equilibria(&game);
    assert!(sol.complete);
    assert_eq!(sol.equilibria.len(), 1, "{:?}", sol.equilibria);
    let q = &sol.equilibria[0].q;
    for (got, want) in q.iter().zip([0.6227, 0.2745, 0.0]) {
        assert!((got - want).abs() < 5e-5, "{q:?}");
    }
    // And it matches the closed form.
    assert!(same_sets(
        std::slice::from_ref(q),
        &brute_force_3(&game),
        1e-9
    ));
}

#[test]
fn qre_solves_the_logit_equations_and_follows_the_principal_branch() {
    let logistic = |z: f64| 1.0 / (1.0 + (-z).exp());
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for t in 0..100 {
        let n = 2 + t % 3;
        let game = random_race(&mut rng, n, [Utility::Lead, Utility::Share][t % 2]).binary();
        for tau in [10.0, 1.0, 0.1, 0.02] {
            let q = qre::logit_qre(&game, tau).unwrap();
            // The logit equations, from the raw payoff table.
            for i in 0..n {
                let want = logistic(game.gain(i, &q) / tau);
                assert!((q[i] - want).abs() < 1e-9, "game {t}, τ = {tau}: {q:?}");
            }
        }
        // At small λ the logit map is a contraction: plain iteration from
        // the centroid converges to the unique QRE, which the tracer must
        // return too.
        let tau = 50.0;
        let mut q = vec![0.5; n];
        for _ in 0..2000 {
            q = (0..n).map(|i| logistic(game.gain(i, &q) / tau)).collect();
        }
        let traced = qre::logit_qre(&game, tau).unwrap();
        for i in 0..n {
            assert!((q[i] - traced[i]).abs() < 1e-10, "game {t}");
        }
    }
}

#[test]
fn logit_qre_approaches_the_mixed_ne_as_the_temperature_falls() {
    let game = race_config("race_no_pure_ne.toml").binary();
    let ne = &nash::equilibria(&game).equilibria[0].q;
    let q = qre::logit_qre(&game, 1e-4).unwrap();
    let d = q
        .iter()
        .zip(ne)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(d < 1e-2, "QRE at τ = 1e-4: {q:?}, NE {ne:?}");
}

/// A degenerate 2×2 game, by hand: the column player's payoff depends on
/// the row's action only (it is indifferent everywhere), and the row
/// prefers action 0 against column 0 (−5 > −8) and action 1 against
/// column 1 (−2 > −7), indifferent at P(column 1) = 3/8. The equilibria
/// are two segments and a third joining them, a continuum; the pure ones
/// are (0, 0) and (1, 1). The listing must give both, say it is
/// incomplete, and stop early: tiling the continuum at the finest width
/// took the whole box budget (20 million boxes, 8 s).
#[test]
fn a_continuum_of_equilibria_is_reported_incomplete_without_exhausting_the_budget() {
    // Profile bits: bit 0 = row's action, bit 1 = column's.
    let row = [-5.0, -8.0, -7.0, -2.0];
    let column = [4.0, -5.0, 4.0, -5.0];
    let game = BinaryGame::from_payoffs(2, |x, out| {
        out[0] = row[x as usize];
        out[1] = column[x as usize];
    });
    let solution = nash::equilibria(&game);
    assert!(!solution.complete);
    let pure: Vec<&Vec<f64>> = solution
        .equilibria
        .iter()
        .map(|e| &e.q)
        .filter(|q| q.iter().all(|&p| p == 0.0 || p == 1.0))
        .collect();
    assert_eq!(pure, vec![&vec![0.0, 0.0], &vec![1.0, 1.0]]);
    for e in &solution.equilibria {
        // Every listed point lies on the continuum described above.
        let (p, q) = (e.q[0], e.q[1]);
        let on = (p == 0.0 && q <= 0.375 + 1e-9)
            || (p == 1.0 && q >= 0.375 - 1e-9)
            || (q - 0.375).abs() < 1e-9;
        assert!(on, "{:?} is not an equilibrium", e.q);
    }
    assert!(
        solution.boxes < 1_000_000,
        "{} boxes: the continuum was tiled at the finest width",
        solution.boxes
    );
}
