//! The race solvers checked against each other and against independent
//! references: enumeration vs MIP on random instances, continuous
//! equilibria vs a dense grid of deviations, the underdog rules of
//! docs/model.md §B.3, and utilities recomputed from their definitions.

use openmarket_core::mip::default_backend;
use openmarket_core::race::enumerate::{Enumeration, profile};
use openmarket_core::race::mip::{ContinuousMip, DiscreteMip, Formulation};
use openmarket_core::race::{
    Actions, Leakage, Nontrivial, RaceGame, RaceParams, RaceSolver, SolveError, Utility,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const UTILITIES: [Utility; 3] = [Utility::Lead, Utility::Gap, Utility::Share];
const PRESETS: [&str; 5] = ["uniform", "opener", "proportional", "catch_up", "matrix"];

fn random_game(
    rng: &mut ChaCha8Rng,
    n: usize,
    utility: Utility,
    preset: &str,
    actions: Actions,
) -> RaceGame {
    let head_start: Vec<f64> = (0..n).map(|_| rng.random_range(1.0..10.0)).collect();
    let boost: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..3.0)).collect();
    // The MIP for share needs cost = 0; enumeration handles costs everywhere.
    let cost: Vec<f64> = (0..n)
        .map(|_| {
            if utility != Utility::Share && rng.random_bool(0.5) {
                rng.random_range(0.0..1.0)
            } else {
                0.0
            }
        })
        .collect();
    let leakage = match preset {
        "uniform" => Leakage::Uniform(rng.random_range(0.0..2.0)),
        "opener" => Leakage::Opener((0..n).map(|_| rng.random_range(0.0..2.0)).collect()),
        "proportional" => Leakage::Proportional(rng.random_range(0.0..0.4)),
        "catch_up" => Leakage::CatchUp(rng.random_range(0.0..0.6)),
        _ => Leakage::Matrix(
            (0..n)
                .map(|j| {
                    (0..n)
                        .map(|i| {
                            if i == j {
                                0.0
                            } else {
                                rng.random_range(0.0..2.0)
                            }
                        })
                        .collect()
                })
                .collect(),
        ),
    };
    RaceGame::new(RaceParams {
        leakage,
        head_start,
        boost,
        cost,
        utility,
        prize: 1.0,
        rho: rng.random_range(0.0..5.0),
        actions,
        nontrivial: [
            Nontrivial::SomeOpen,
            Nontrivial::NotAllEqual,
            Nontrivial::Any,
        ][rng.random_range(0..3)],
    })
    .unwrap()
}

/// b_ji from the presets' definitions (docs/model.md §B.2), not the crate's
/// matrix.
fn leak(g: &RaceGame, j: usize, i: usize) -> f64 {
    let s = &g.head_start;
    match &g.leakage {
        _ if i == j => 0.0,
        Leakage::Uniform(beta) => *beta,
        Leakage::Opener(betas) => betas[j],
        Leakage::Proportional(beta) => beta * s[j],
        Leakage::CatchUp(beta) => beta * (s[j] - s[i]).max(0.0),
        Leakage::Matrix(m) => m[j][i],
    }
}

/// Utilities recomputed from docs/model.md §B.2, with nothing shared with
/// the crate.
fn naive_utilities(g: &RaceGame, x: &[f64]) -> Vec<f64> {
    let n = g.n();
    let p: Vec<f64> = (0..n)
        .map(|i| {
            g.head_start[i]
                + g.boost[i] * x[i]
                + (0..n)
                    .filter(|&j| j != i)
                    .map(|j| leak(g, j, i) * x[j])
                    .sum::<f64>()
        })
        .collect();
    (0..n)
        .map(|i| {
            let rivals = (0..n)
                .filter(|&k| k != i)
                .map(|k| p[k])
                .fold(f64::MIN, f64::max);
            let all = p.iter().copied().fold(f64::MIN, f64::max);
            let total: f64 = g.rho + p.iter().sum::<f64>();
            let u = match g.utility {
                Utility::Lead => p[i] - rivals,
                Utility::Gap => p[i] - all,
                Utility::Share => g.prize * p[i] / total,
            };
            u - g.cost[i] * x[i]
        })
        .collect()
}

/// Smallest |gain| of any unilateral switch in any profile: instances with
/// a near-tie are skipped, since "≥ −tol" may legitimately differ there.
fn min_abs_switch_gain(g: &RaceGame) -> f64 {
    let n = g.n();
    // Every profile's naive utilities once; a switch is a table lookup.
    let table: Vec<Vec<f64>> = (0..(1u64 << n))
        .map(|bits| naive_utilities(g, &profile(bits, n)))
        .collect();
    let mut m = f64::INFINITY;
    for (bits, u) in table.iter().enumerate() {
        for (i, ui) in u.iter().enumerate() {
            m = m.min((table[bits ^ (1 << i)][i] - ui).abs());
        }
    }
    m
}

#[test]
fn utilities_match_their_definitions() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for t in 0..300 {
        let g = random_game(
            &mut rng,
            2 + t % 6,
            UTILITIES[t % 3],
            PRESETS[t % 5],
            Actions::Continuous,
        );
        let x: Vec<f64> = (0..g.n()).map(|_| rng.random_range(0.0..=1.0)).collect();
        for (a, b) in g.utilities(&x).iter().zip(naive_utilities(&g, &x)) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }
}

/// What one instance showed, for the totals.
#[derive(Default)]
struct Tally {
    checked: usize,
    skipped: usize,
    with_ne: usize,
    nontrivial: usize,
}

/// One random instance: enumeration and each MIP formulation list the same
/// NE, and the existence decision (with and without the warm start) agrees
/// with enumeration; every listed NE passes the naive utilities.
fn check_instance(t: usize, n: usize, g: &RaceGame, formulations: &[Formulation]) -> Tally {
    // Near-ties (a switch gain within 1e-6 of zero, but not an exact tie)
    // sit on the solvers' tolerance; they are counted and skipped.
    let m = min_abs_switch_gain(g);
    if m > 1e-12 && m < 1e-6 {
        return Tally {
            skipped: 1,
            ..Tally::default()
        };
    }
    let by_enum = Enumeration::default().solve(g).unwrap();
    let profiles = |s: &openmarket_core::race::RaceSolution| {
        s.equilibria
            .iter()
            .map(|e| e.actions.clone())
            .collect::<Vec<_>>()
    };
    for &formulation in formulations {
        let mip = DiscreteMip {
            formulation,
            ..DiscreteMip::new(default_backend())
        };
        let by_mip = mip.solve(g).unwrap();
        assert_eq!(
            profiles(&by_enum),
            profiles(&by_mip),
            "instance {t} ({formulation:?}): {g:?}"
        );
        assert_eq!(by_mip.rejected, 0);
        // The MIP alone decides too (not only the warm start), where it
        // takes a fraction of a second.
        let starts: &[bool] = if n <= 12 { &[false, true] } else { &[true] };
        for &warm_start in starts {
            let decided = DiscreteMip { warm_start, ..mip }
                .decide_nontrivial(g)
                .unwrap();
            assert_eq!(
                decided.is_some(),
                by_enum.nontrivial_exists,
                "instance {t} ({formulation:?}, warm start {warm_start}): {g:?}"
            );
            if let Some(w) = decided {
                assert!(
                    by_enum
                        .equilibria
                        .iter()
                        .any(|e| e.actions == w && e.nontrivial),
                    "witness is not a listed NE"
                );
            }
        }
    }
    // Each listed NE really is one, by the naive utilities.
    for e in &by_enum.equilibria {
        let u = naive_utilities(g, &e.actions);
        for i in 0..n {
            let mut y = e.actions.clone();
            y[i] = 1.0 - y[i];
            assert!(naive_utilities(g, &y)[i] <= u[i] + 1e-9);
        }
    }
    Tally {
        checked: 1,
        skipped: 0,
        with_ne: (!by_enum.equilibria.is_empty()) as usize,
        nontrivial: by_enum.nontrivial_exists as usize,
    }
}

/// 1,100 random discrete instances, n = 2..16, every utility and preset:
/// enumeration and the MIP list the same NE, and the MIP's existence
/// decision agrees with enumeration. The default (witness) formulation is
/// checked on all; the selection formulation up to n = 6, where it is fast.
/// 1,000 instances have n = 2..12 and 100 have n = 13..16: listing every NE
/// by MIP with no-good cuts takes seconds per instance there.
#[test]
fn enumeration_and_mip_agree_on_random_instances() {
    use rayon::prelude::*;
    let tallies: Vec<Tally> = (0..1100)
        .into_par_iter()
        .map(|t| {
            let mut rng = ChaCha8Rng::seed_from_u64(2026 + t as u64);
            let n = if t < 1000 { 2 + t % 11 } else { 13 + t % 4 };
            let (utility, preset) = (UTILITIES[t % 3], PRESETS[(t / 3) % 5]);
            let g = random_game(&mut rng, n, utility, preset, Actions::Discrete);
            let formulations: &[Formulation] = if n <= 6 {
                &[Formulation::Witness, Formulation::Selection]
            } else {
                &[Formulation::Witness]
            };
            check_instance(t, n, &g, formulations)
        })
        .collect();
    let sum = |f: fn(&Tally) -> usize| tallies.iter().map(f).sum::<usize>();
    let (checked, skipped, with_ne, nontrivial) = (
        sum(|t| t.checked),
        sum(|t| t.skipped),
        sum(|t| t.with_ne),
        sum(|t| t.nontrivial),
    );
    eprintln!(
        "checked {checked}, skipped {skipped} near-ties; {with_ne} have a pure NE, {nontrivial} a non-trivial one"
    );
    assert!(checked >= 1000, "only {checked} instances checked");
    // The sample must exercise both answers of the decision problem.
    assert!(nontrivial > 0 && nontrivial < checked);
}

/// No lab gains more than 1e-7 by any of 501 deviations (a grid that is
/// independent of the exact best response).
fn assert_grid_equilibrium(g: &RaceGame, x: &[f64], what: &str) {
    let u = naive_utilities(g, x);
    for i in 0..g.n() {
        for k in 0..=500 {
            let mut y = x.to_vec();
            y[i] = k as f64 / 500.0;
            assert!(
                naive_utilities(g, &y)[i] <= u[i] + 1e-7,
                "{what}: lab {i} gains by moving to {}",
                y[i]
            );
        }
    }
}

/// ≥ 1,000 random continuous instances, n = 2..8, every utility and
/// preset: the KKT MIP finds an equilibrium (one exists by
/// Debreu–Glicksberg–Fan) and it survives the grid of deviations.
#[test]
fn continuous_equilibria_exist_and_pass_a_grid_of_deviations() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for t in 0..1050 {
        let n = 2 + t % 7;
        let (utility, preset) = (UTILITIES[(t / 7) % 3], PRESETS[(t / 21) % 5]);
        let g = random_game(&mut rng, n, utility, preset, Actions::Continuous);
        let sol = ContinuousMip {
            backend: default_backend(),
            max_equilibria: 1,
            time_limit: None,
        }
        .solve(&g)
        .unwrap_or_else(|e| panic!("{t}: {e}: {g:?}"));
        assert_eq!(sol.equilibria.len(), 1, "instance {t}: {g:?}");
        assert_eq!(sol.rejected, 0, "instance {t}: {g:?}");
        assert_grid_equilibrium(&g, &sol.equilibria[0].actions, &format!("instance {t}"));
    }
}

/// Listing every regime pattern (no cap) on smaller instances: every
/// equilibrium listed passes the grid check.
#[test]
fn continuous_listing_is_verified() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let mut total = 0;
    for t in 0..150 {
        let n = 2 + t % 3;
        let (utility, preset) = (UTILITIES[t % 3], PRESETS[(t / 3) % 5]);
        let g = random_game(&mut rng, n, utility, preset, Actions::Continuous);
        let sol = ContinuousMip {
            backend: default_backend(),
            max_equilibria: 64,
            time_limit: None,
        }
        .solve(&g)
        .unwrap_or_else(|e| panic!("{t}: {e}: {g:?}"));
        assert!(sol.complete && sol.rejected == 0, "instance {t}");
        for e in &sol.equilibria {
            assert_grid_equilibrium(&g, &e.actions, &format!("instance {t}"));
            total += 1;
        }
    }
    assert!(total >= 150);
}

/// docs/model.md §B.3: with lead utility and proportional leakage, lab i opens in
/// every NE iff s_i < a_i/β (dominant strategy), away from ties.
#[test]
fn underdog_rule_lead_proportional() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut opened = 0;
    for t in 0..400 {
        let n = 2 + t % 7;
        let beta = rng.random_range(0.05..0.5);
        let random = random_game(
            &mut rng,
            n,
            Utility::Lead,
            "proportional",
            Actions::Discrete,
        );
        let g = RaceGame::new(RaceParams {
            cost: vec![0.0; n],
            leakage: Leakage::Proportional(beta),
            ..random.params().clone()
        })
        .unwrap();
        if (0..n).any(|i| (g.head_start[i] - g.boost[i] / beta).abs() < 1e-6) {
            continue;
        }
        let sol = Enumeration::default().solve(&g).unwrap();
        assert_eq!(
            sol.equilibria.len(),
            1,
            "dominant strategies give a unique NE"
        );
        for i in 0..n {
            let opens = sol.equilibria[0].actions[i] == 1.0;
            assert_eq!(
                opens,
                g.head_start[i] < g.boost[i] / beta,
                "lab {i}: s = {}, a/β = {}",
                g.head_start[i],
                g.boost[i] / beta
            );
            opened += opens as usize;
        }
    }
    assert!(opened > 0);
}

/// docs/model.md §B.3: under share, opening is a best response iff the lab's win
/// probability at x_i = 0 is below a_i/(a_i + Σ_k b_ik).
#[test]
fn underdog_rule_share() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for t in 0..2000 {
        let n = 2 + t % 7;
        let g = random_game(
            &mut rng,
            n,
            Utility::Share,
            PRESETS[t % 5],
            Actions::Discrete,
        );
        let mut x: Vec<f64> = (0..n).map(|_| rng.random_range(0..2) as f64).collect();
        let i = rng.random_range(0..n);
        x[i] = 0.0;
        let u0 = naive_utilities(&g, &x);
        let mut x1 = x.clone();
        x1[i] = 1.0;
        let u1 = naive_utilities(&g, &x1);
        let win_prob = u0[i] / g.prize;
        let threshold =
            g.boost[i] / (g.boost[i] + (0..n).filter(|&k| k != i).map(|k| g.b(i, k)).sum::<f64>());
        if (win_prob - threshold).abs() < 1e-9 || !threshold.is_finite() {
            continue;
        }
        assert_eq!(u1[i] > u0[i], win_prob < threshold, "instance {t}");
        // And the crate's best response says the same.
        let p = g.progress(&x);
        assert_eq!(g.best_response(i, &x, &p).0 == 1.0, win_prob < threshold);
    }
}

#[test]
fn enumeration_refuses_large_n_and_points_to_mip() {
    let n = 33;
    let g = RaceGame::new(RaceParams {
        head_start: vec![1.0; n],
        boost: vec![1.0; n],
        cost: vec![0.0; n],
        leakage: Leakage::Uniform(0.0),
        utility: Utility::Lead,
        prize: 1.0,
        rho: 0.0,
        actions: Actions::Discrete,
        nontrivial: Nontrivial::SomeOpen,
    })
    .unwrap();
    let err = Enumeration::default().solve(&g).unwrap_err();
    assert_eq!(err, SolveError::TooLarge { n: 33, max: 32 });
    // The core names no command-line flag; the CLI adds the hint.
    assert!(!err.to_string().contains("--"), "{err}");
}

#[test]
fn enumeration_is_the_same_with_one_and_two_threads() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let g = random_game(&mut rng, 18, Utility::Lead, "matrix", Actions::Discrete);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| Enumeration::default().solve(&g).unwrap())
    };
    assert_eq!(run(1), run(2));
}

/// `solve --question`: existence, counts and the listing agree with each
/// other and with a brute force over the naive utilities (every profile,
/// every switch) on 720 random discrete instances (≥ 500 away from ties),
/// n = 2..14, every utility,
/// preset and definition of non-trivial; the MIP's existence decision
/// agrees, so every "no" it gives is confirmed by enumeration; its count
/// (a listing) too, up to n = 8.
#[test]
fn exists_count_and_all_agree_with_brute_force() {
    use openmarket_core::method::Method;
    use openmarket_core::race::solve::{Answer, Choice, Options, Question, Status, answer};
    let mut rng = ChaCha8Rng::seed_from_u64(25);
    let o = Options {
        backend: default_backend(),
        progress: None,
        formulation: Formulation::Witness,
        time_limit: None,
    };
    let (mut checked, mut noes) = (0, 0);
    for t in 0..720 {
        let n = 2 + t % 13;
        let utility = UTILITIES[t % 3];
        let preset = PRESETS[(t / 3) % 5];
        let g = random_game(&mut rng, n, utility, preset, Actions::Discrete);
        if min_abs_switch_gain(&g) < 1e-7 {
            continue;
        }
        // Brute force: a profile is an equilibrium when no switch gains.
        let table: Vec<Vec<f64>> = (0..(1u64 << n))
            .map(|bits| naive_utilities(&g, &profile(bits, n)))
            .collect();
        let nontrivial = |x: &[f64]| match g.nontrivial {
            Nontrivial::SomeOpen => x.contains(&1.0),
            Nontrivial::NotAllEqual => x.iter().any(|&v| v != x[0]),
            Nontrivial::Any => true,
        };
        let (mut all, mut nt) = (0u64, 0u64);
        for bits in 0..(1u64 << n) {
            if (0..n).all(|i| table[(bits ^ (1 << i)) as usize][i] <= table[bits as usize][i]) {
                all += 1;
                nt += u64::from(nontrivial(&profile(bits, n)));
            }
        }
        let ask = |q, c| answer(&g, q, c, &o).unwrap();
        match ask(Question::Count, Choice::Auto) {
            Answer::Count {
                count,
                nontrivial,
                status,
                solver,
            } => {
                assert_eq!((count, nontrivial), (Some(all), Some(nt)), "instance {t}");
                assert_eq!((status, solver), (Status::Proved, Method::Enumerate));
            }
            other => panic!("{other:?}"),
        }
        let Answer::All(listed) = ask(Question::All, Choice::Auto) else {
            panic!("a listing")
        };
        assert_eq!(listed.equilibria.len() as u64, all, "instance {t}");
        assert_eq!(listed.nontrivial_exists, nt > 0, "instance {t}");
        for c in [Choice::Auto, Choice::Mip] {
            match ask(Question::Exists, c) {
                Answer::Exists {
                    nontrivial_exists,
                    status,
                    witness,
                    ..
                } => {
                    assert_eq!(nontrivial_exists, Some(nt > 0), "instance {t}, {c:?}");
                    if let Some(w) = witness {
                        assert!(w.nontrivial && nontrivial(&w.actions), "instance {t}");
                        let bits = w
                            .actions
                            .iter()
                            .enumerate()
                            .fold(0u64, |b, (i, &v)| b | (u64::from(v == 1.0) << i));
                        assert!((0..n).all(|i| {
                            table[(bits ^ (1 << i)) as usize][i] <= table[bits as usize][i]
                        }));
                        assert_eq!(status, Status::VerifiedWitness);
                    } else {
                        assert_eq!(
                            status,
                            if c == Choice::Mip {
                                Status::MipInfeasible
                            } else {
                                Status::Proved
                            }
                        );
                        noes += 1;
                    }
                }
                other => panic!("{other:?}"),
            }
        }
        if n <= 8 {
            let Answer::Count { count, .. } = ask(Question::Count, Choice::Both) else {
                panic!("a count")
            };
            assert_eq!(count, Some(all), "instance {t}");
        }
        checked += 1;
    }
    assert!(checked >= 500, "{checked} instances away from ties");
    assert!(noes > 0, "no instance without a non-trivial equilibrium");
    eprintln!("{checked} instances, {noes} answers 'no'");
}

/// The existence witness and the counts do not depend on the thread count.
#[test]
fn question_answers_are_the_same_with_one_and_two_threads() {
    use openmarket_core::race::solve::{Choice, Options, Question, answer};
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let g = random_game(&mut rng, 20, Utility::Gap, "matrix", Actions::Discrete);
    let o = Options {
        backend: default_backend(),
        progress: None,
        formulation: Formulation::Witness,
        time_limit: None,
    };
    for q in [Question::Exists, Question::Count] {
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| answer(&g, q, Choice::Enumerate, &o).unwrap())
        };
        assert_eq!(run(1), run(2), "{q:?}");
    }
}

/// A MIP out of time answers `null` with status `time_limit`, never
/// "no"; asked by both methods, the run fails on the time limit rather
/// than reporting a disagreement.
#[test]
fn a_mip_out_of_time_answers_null_not_no() {
    use openmarket_core::race::solve::{Answer, Choice, Options, Question, Status, answer};
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let fast = Options {
        backend: default_backend(),
        progress: None,
        formulation: Formulation::Witness,
        time_limit: None,
    };
    let out_of_time = Options {
        time_limit: Some(std::time::Duration::from_nanos(1)),
        ..fast
    };
    // A "no" instance: the MIP has to search (no warm-start witness).
    let g = (0..)
        .map(|_| random_game(&mut rng, 8, Utility::Lead, "matrix", Actions::Discrete))
        .find(|g| {
            matches!(
                answer(g, Question::Exists, Choice::Enumerate, &fast),
                Ok(Answer::Exists {
                    nontrivial_exists: Some(false),
                    ..
                })
            )
        })
        .unwrap();
    match answer(&g, Question::Exists, Choice::Mip, &out_of_time).unwrap() {
        Answer::Exists {
            nontrivial_exists,
            status,
            ..
        } => assert_eq!((nontrivial_exists, status), (None, Status::TimeLimit)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        answer(&g, Question::Exists, Choice::Both, &out_of_time),
        Err(SolveError::TimeLimit { .. })
    ));
}

#[test]
fn constructed_races_have_no_nontrivial_ne_by_brute_force_enumeration_and_mip() {
    use openmarket_core::race::instances::without_nontrivial;
    use openmarket_core::race::solve::{Answer, Choice, Options, Question, Status, answer};
    let o = Options {
        backend: default_backend(),
        progress: None,
        formulation: Formulation::Witness,
        time_limit: None,
    };
    for utility in UTILITIES {
        // lead and gap: everyone closed is the only pure NE; share: none.
        let want_count = u64::from(utility != Utility::Share);
        for n in [3, 6, 10, 14, 18, 22, 24] {
            for seed in 0..3 {
                let g = without_nontrivial(n, utility, seed);
                if n <= 14 {
                    // Brute force from the raw payoffs.
                    let table: Vec<Vec<f64>> = (0..(1u64 << n))
                        .map(|bits| naive_utilities(&g, &profile(bits, n)))
                        .collect();
                    let equilibria: Vec<u64> = (0..(1u64 << n))
                        .filter(|&bits| {
                            (0..n).all(|i| {
                                table[(bits ^ (1 << i)) as usize][i] <= table[bits as usize][i]
                            })
                        })
                        .collect();
                    let want: Vec<u64> = if want_count == 1 { vec![0] } else { vec![] };
                    assert_eq!(equilibria, want, "{utility:?} n = {n} seed {seed}");
                }
                for (choice, status) in [
                    (Choice::Enumerate, Status::Proved),
                    (Choice::Mip, Status::MipInfeasible),
                ] {
                    match answer(&g, Question::Exists, choice, &o).unwrap() {
                        Answer::Exists {
                            nontrivial_exists,
                            status: s,
                            ..
                        } => assert_eq!(
                            (nontrivial_exists, s),
                            (Some(false), status),
                            "{utility:?} n = {n} seed {seed} {choice:?}"
                        ),
                        other => panic!("{other:?}"),
                    }
                    match answer(&g, Question::Count, choice, &o).unwrap() {
                        Answer::Count {
                            count, nontrivial, ..
                        } => assert_eq!(
                            (count, nontrivial),
                            (Some(want_count), Some(0)),
                            "{utility:?} n = {n} seed {seed} {choice:?}"
                        ),
                        other => panic!("{other:?}"),
                    }
                }
            }
        }
    }
}

/// The least, over the gadget's profiles, of the gain that refutes
/// it (a switch's gain where some lab is open, a loss from opening at
/// all closed for `lead` and `gap`).
fn gadget_margin(g: &RaceGame) -> f64 {
    let mut worst = f64::MAX;
    for bits in 0..8u32 {
        let x: Vec<f64> = (0..3).map(|i| f64::from((bits >> i) & 1)).collect();
        let gains: Vec<f64> = (0..3)
            .map(|i| {
                let mut y = x.clone();
                y[i] = 1.0 - y[i];
                naive_utilities(g, &y)[i] - naive_utilities(g, &x)[i]
            })
            .collect();
        let best = gains.iter().copied().fold(f64::MIN, f64::max);
        let refute = if bits == 0 && g.utility != Utility::Share {
            -best
        } else {
            best
        };
        worst = worst.min(refute);
    }
    worst
}

#[test]
fn gadgets_keep_their_margins_above_what_the_background_can_move() {
    use openmarket_core::race::instances::without_nontrivial;
    for utility in [Utility::Lead, Utility::Gap] {
        let gadget = without_nontrivial(3, utility, 0);
        let m = gadget_margin(&gadget);
        assert!(m > 3.6, "{utility:?}: margin {m}");
        // Background at 60 labs: never a maximum, within the budget,
        // and each lab's opening loses at the all-closed gadget.
        let g = without_nontrivial(60, utility, 7);
        let floor = if utility == Utility::Lead { 3.65 } else { 8.25 };
        for k in 3..60 {
            let most = g.head_start[k] + g.boost[k] + (0..60).map(|j| g.b(j, k)).sum::<f64>();
            assert!(most < floor, "{utility:?}: lab {k} reaches {most}");
            let net = g.boost[k] - g.cost[k];
            assert!(net > 0.0 && net < g.b(k, 0), "{utility:?}: lab {k}");
        }
        for i in 0..3 {
            let received: f64 = (3..60).map(|k| g.b(k, i)).sum();
            assert!(received <= 1.5 + 1e-12 && received < m, "{utility:?}");
        }
        // Lab 0 leads at all closed, even with every background leak.
        assert!(g.head_start[0] > g.head_start[1] + 1.5);
    }
    // share: the cycle's switches keep their signs with 1 to 5 added
    // to the total (a background lab of that progress, closed).
    for extra in [1.01, 5.0] {
        let mut g = without_nontrivial(4, Utility::Share, 0);
        let mut params = g.params().clone();
        params.head_start[3] = extra - 1.0;
        params.boost[3] = 0.0;
        g = RaceGame::new(params).unwrap();
        let x_bg = |bits: u32| -> Vec<f64> {
            (0..4)
                .map(|i| f64::from((bits >> i) & 1) * f64::from(i < 3))
                .collect()
        };
        for bits in 0..8u32 {
            let x = x_bg(bits);
            let refuted = (0..3).any(|i| {
                let mut y = x.clone();
                y[i] = 1.0 - y[i];
                naive_utilities(&g, &y)[i] - naive_utilities(&g, &x)[i] > 1e-3
            });
            assert!(refuted, "share, total + {extra}, profile {bits:03b}");
        }
    }
    let g = without_nontrivial(60, Utility::Share, 3);
    let most: f64 = (3..60)
        .map(|k| g.head_start[k] + g.boost[k] + (3..60).map(|j| g.b(j, k)).sum::<f64>())
        .sum();
    assert!(most < 4.0, "{most}");
}
