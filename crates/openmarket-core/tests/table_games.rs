//! Every Nash equilibrium of a k-action game (finite::support), checked on
//! textbook games with known equilibria, against a bimatrix support
//! enumeration written here from the raw payoffs (linear indifference
//! systems, solved by hand-rolled elimination), and against the two-action
//! solver on random binary games. Gambit is the reference on random 2- and
//! 3-player games in tests/python/gambit_check.py.

use openmarket_core::finite::nfg::{Nfg, read, write};
use openmarket_core::finite::support::{MAX_FREE, SupportError, equilibria};
use openmarket_core::finite::{BinaryGame, nash};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn game(strategies: &str, payoffs: &str) -> Nfg {
    let players: Vec<String> = (1..=strategies.split_whitespace().count())
        .map(|i| format!("\"{i}\""))
        .collect();
    read(&format!(
        "NFG 1 R \"g\" {{ {} }} {{ {strategies} }}\n{payoffs}\n",
        players.join(" ")
    ))
    .unwrap()
}

fn table(game: &Nfg) -> Vec<Vec<Vec<f64>>> {
    equilibria(game)
        .unwrap()
        .equilibria
        .into_iter()
        .map(|e| e.strategies)
        .collect()
}

fn close(a: &[Vec<f64>], b: &[Vec<f64>], tol: f64) -> bool {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .all(|(x, y)| (x - y).abs() <= tol)
}

fn rps() -> Nfg {
    let mut u = Vec::new();
    for b in 0..3i32 {
        for a in 0..3i32 {
            let v = [0, 1, -1][(a - b).rem_euclid(3) as usize];
            u.push(format!("{v} {}", -v));
        }
    }
    game("3 3", &u.join(" "))
}

/// Matching pennies: only (½, ½) for both. Rock–paper–scissors: only the
/// uniform profile. Battle of the sexes (2, 1 / 1, 2): both coordinated
/// profiles and the mixed one where player 1 goes to opera with
/// probability 2/3 and player 2 with 1/3.
#[test]
fn textbook_two_player_games() {
    let pennies = game("2 2", "1 -1  -1 1  -1 1  1 -1");
    let all = table(&pennies);
    assert_eq!(all.len(), 1);
    assert!(close(&all[0], &[vec![0.5, 0.5], vec![0.5, 0.5]], 1e-12));

    let all = table(&rps());
    assert_eq!(all.len(), 1);
    let third = vec![1.0 / 3.0; 3];
    assert!(close(&all[0], &[third.clone(), third], 1e-12));

    let bos = game("2 2", "2 1  0 0  0 0  1 2");
    let all = table(&bos);
    assert_eq!(all.len(), 3, "{all:?}");
    let want = [
        vec![vec![0.0, 1.0], vec![0.0, 1.0]],
        vec![vec![2.0 / 3.0, 1.0 / 3.0], vec![1.0 / 3.0, 2.0 / 3.0]],
        vec![vec![1.0, 0.0], vec![1.0, 0.0]],
    ];
    for w in &want {
        assert!(
            all.iter().any(|e| close(e, w, 1e-12)),
            "{w:?} not in {all:?}"
        );
    }
}

/// Three players. Jordan's cyclic matching pennies (1 matches 2, 2 matches
/// 3, 3 mismatches 1) has one equilibrium, everyone at ½. And a 3×3×2
/// game in which players 1 and 2 play rock–paper–scissors whatever player
/// 3 does, and player 3 gets 1 from its first action and 0 from its
/// second: its only equilibrium is (uniform, uniform, first).
#[test]
fn textbook_three_player_games() {
    let mut u = Vec::new();
    for x3 in 0..2 {
        for x2 in 0..2 {
            for x1 in 0..2 {
                let s = |same: bool| if same { 1 } else { -1 };
                u.push(format!("{} {} {}", s(x1 == x2), s(x2 == x3), s(x3 != x1)));
            }
        }
    }
    let all = table(&game("2 2 2", &u.join(" ")));
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(close(&all[0], &vec![vec![0.5, 0.5]; 3], 1e-12));

    let mut u = Vec::new();
    for x3 in 0..2 {
        for b in 0..3i32 {
            for a in 0..3i32 {
                let v = [0, 1, -1][(a - b).rem_euclid(3) as usize];
                u.push(format!("{v} {} {}", -v, i32::from(x3 == 0)));
            }
        }
    }
    let all = table(&game("3 3 2", &u.join(" ")));
    assert_eq!(all.len(), 1, "{all:?}");
    let third = vec![1.0 / 3.0; 3];
    assert!(close(
        &all[0],
        &[third.clone(), third, vec![1.0, 0.0]],
        1e-12
    ));
}

/// Solve A·x = b by Gauss–Jordan elimination with partial pivoting.
fn gauss(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&r, &s| a[r][c].abs().total_cmp(&a[s][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in 0..n {
            if r != c {
                let f = a[r][c] / a[c][c];
                let pivot = a[c].clone();
                for (x, p) in a[r].iter_mut().zip(&pivot) {
                    *x -= f * p;
                }
                b[r] -= f * b[c];
            }
        }
    }
    Some((0..n).map(|r| b[r] / a[r][r]).collect())
}

/// The textbook bimatrix support enumeration (Nisan et al. 2007, §3.3):
/// for supports of equal size, player 2's mix makes player 1 indifferent
/// on its support (and vice versa), probabilities sum to one, and no
/// action outside a support does better. Complete on nondegenerate games.
fn bimatrix(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<Vec<f64>>> {
    let (k, l) = (a.len(), a[0].len());
    let mut out = Vec::new();
    // y on support t makes the row player indifferent across s.
    let mix = |s: &[usize], t: &[usize], pay: &dyn Fn(usize, usize) -> f64| {
        let m = s.len();
        let mut rows = Vec::new();
        let mut rhs = Vec::new();
        for w in s.windows(2) {
            rows.push(t.iter().map(|&c| pay(w[0], c) - pay(w[1], c)).collect());
            rhs.push(0.0);
        }
        rows.push(vec![1.0; m]);
        rhs.push(1.0);
        gauss(rows, rhs)
    };
    for sm in 1..1usize << k {
        for tm in 1..1usize << l {
            let s: Vec<usize> = (0..k).filter(|i| sm & (1 << i) != 0).collect();
            let t: Vec<usize> = (0..l).filter(|j| tm & (1 << j) != 0).collect();
            if s.len() != t.len() {
                continue;
            }
            let (Some(y), Some(x)) = (mix(&s, &t, &|r, c| a[r][c]), mix(&t, &s, &|c, r| b[r][c]))
            else {
                continue;
            };
            if x.iter().chain(&y).any(|&p| p <= 0.0) {
                continue;
            }
            let mut p = vec![0.0; k];
            let mut q = vec![0.0; l];
            for (&i, &v) in s.iter().zip(&x) {
                p[i] = v;
            }
            for (&j, &v) in t.iter().zip(&y) {
                q[j] = v;
            }
            let row: Vec<f64> = (0..k)
                .map(|r| (0..l).map(|c| a[r][c] * q[c]).sum())
                .collect();
            let col: Vec<f64> = (0..l)
                .map(|c| (0..k).map(|r| b[r][c] * p[r]).sum())
                .collect();
            let best_r = row.iter().copied().fold(f64::MIN, f64::max);
            let best_c = col.iter().copied().fold(f64::MIN, f64::max);
            if (row[s[0]] - best_r).abs() < 1e-9 && (col[t[0]] - best_c).abs() < 1e-9 {
                out.push(vec![p, q]);
            }
        }
    }
    out
}

/// Random k×l bimatrix games (k, l ∈ 2..=5, Gaussian-like payoffs, so
/// nondegenerate with probability 1): the same equilibrium set as the
/// textbook enumeration written above.
#[test]
fn bimatrix_games_match_the_textbook_enumeration() {
    let mut rng = ChaCha8Rng::seed_from_u64(24);
    let mut total = 0;
    for case in 0..60 {
        let (k, l) = (rng.random_range(2..=5usize), rng.random_range(2..=5usize));
        let a: Vec<Vec<f64>> = (0..k)
            .map(|_| (0..l).map(|_| rng.random_range(-5.0..5.0)).collect())
            .collect();
        let b: Vec<Vec<f64>> = (0..k)
            .map(|_| (0..l).map(|_| rng.random_range(-5.0..5.0)).collect())
            .collect();
        let mut u = Vec::new();
        for c in 0..l {
            for r in 0..k {
                u.push(format!("{:?} {:?}", a[r][c], b[r][c]));
            }
        }
        let g = game(&format!("{k} {l}"), &u.join(" "));
        let solution = equilibria(&g).unwrap();
        assert!(solution.complete, "case {case}");
        let ours: Vec<Vec<Vec<f64>>> = solution
            .equilibria
            .into_iter()
            .map(|e| e.strategies)
            .collect();
        let theirs = bimatrix(&a, &b);
        assert_eq!(
            ours.len(),
            theirs.len(),
            "case {case}: {ours:?} vs {theirs:?}"
        );
        for t in &theirs {
            assert!(ours.iter().any(|o| close(o, t, 1e-9)), "case {case}: {t:?}");
        }
        total += theirs.len();
    }
    assert!(total >= 60, "{total} equilibria in 60 games");
}

/// On random two-action games with 2–5 players the k-action enumeration
/// lists what the two-action solver lists (separate drivers: bit patterns
/// there, support masks here).
#[test]
fn binary_games_match_the_two_action_solver() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for n in 2..=5 {
        for _ in 0..6 {
            let binary = BinaryGame::from_payoffs(n, |_, u| {
                for v in u.iter_mut() {
                    *v = rng.random_range(-3.0..3.0);
                }
            });
            let players: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            let g = read(&write(&binary, "g", &players, ["a", "b"])).unwrap();
            let ours = equilibria(&g).unwrap();
            let theirs = nash::equilibria(&binary);
            assert!(ours.complete && theirs.complete);
            assert_eq!(ours.equilibria.len(), theirs.equilibria.len(), "n = {n}");
            for t in &theirs.equilibria {
                assert!(ours.equilibria.iter().any(|o| {
                    o.strategies
                        .iter()
                        .zip(&t.q)
                        .all(|(s, q)| (s[1] - q).abs() < 1e-9)
                }));
            }
        }
    }
}

/// Above the bound the enumeration refuses, naming the size.
#[test]
fn too_many_free_probabilities_are_refused() {
    let k = MAX_FREE / 2 + 1;
    let payoffs = vec!["0 0"; (k + 1) * (k + 1)].join(" ");
    let g = game(&format!("{} {}", k + 1, k + 1), &payoffs);
    let err = equilibria(&g).unwrap_err();
    assert_eq!(err, SupportError::TooLarge { free: 2 * k });
    assert!(err.to_string().contains(&format!("{MAX_FREE}")));
}

/// The logit QRE of a k-action game on random two-action games equals the
/// two-action tracer's (a separate parametrisation: one log-odds per
/// player there, one per non-first action here).
#[test]
fn qre_of_binary_games_matches_the_two_action_tracer() {
    use openmarket_core::finite::qre::{logit_qre, logit_qre_table};
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    for n in 2..=4 {
        for _ in 0..5 {
            let binary = BinaryGame::from_payoffs(n, |_, u| {
                for v in u.iter_mut() {
                    *v = rng.random_range(-3.0..3.0);
                }
            });
            let players: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            let g = read(&write(&binary, "g", &players, ["a", "b"])).unwrap();
            for tau in [2.0, 0.3, 0.05] {
                let theirs = logit_qre(&binary, tau).unwrap();
                let ours = logit_qre_table(&g, &vec![tau; n]).unwrap();
                for (s, q) in ours.iter().zip(&theirs) {
                    assert!((s[1] - q).abs() < 1e-9, "n = {n}, τ = {tau}");
                }
            }
        }
    }
}

/// Closed forms and a contraction. Rock–paper–scissors' QRE is uniform at
/// every temperature (its symmetry maps the principal branch to itself).
/// When player 2's payoff is constant it stays uniform, and player 1 plays
/// softmax(row means/τ). At a high temperature the logit map is a
/// contraction, so damped fixed-point iteration from the centroid reaches
/// the QRE the tracer finds.
#[test]
fn qre_of_table_games_has_its_closed_forms() {
    use openmarket_core::finite::Mixed;
    use openmarket_core::finite::qre::{logit_qre_table, table_residual};
    for tau in [5.0, 0.5, 0.01] {
        let q = logit_qre_table(&rps(), &[tau, tau]).unwrap();
        assert!(close(&q, &vec![vec![1.0 / 3.0; 3]; 2], 1e-10), "τ = {tau}");
    }
    // Player 1's 3×4 payoffs, player 2 indifferent.
    let a = [
        [1.0, -2.0, 0.5, 3.0],
        [0.0, 2.0, 1.0, -1.0],
        [2.5, 0.0, -1.0, 0.0],
    ];
    let mut u = Vec::new();
    for c in 0..4 {
        for row in &a {
            u.push(format!("{} 7", row[c]));
        }
    }
    let g = game("3 4", &u.join(" "));
    for tau in [3.0, 0.4] {
        let q = logit_qre_table(&g, &[tau, tau]).unwrap();
        let means: Vec<f64> = a.iter().map(|r| r.iter().sum::<f64>() / 4.0).collect();
        let w: Vec<f64> = means.iter().map(|m| (m / tau).exp()).collect();
        let total: f64 = w.iter().sum();
        let want = vec![w.iter().map(|v| v / total).collect(), vec![0.25; 4]];
        assert!(close(&q, &want, 1e-10), "τ = {tau}: {q:?} vs {want:?}");
    }
    // A random 3×3×2 game at τ = 20 (payoffs in [−1, 1]).
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let u: Vec<String> = (0..18)
        .map(|_| {
            (0..3)
                .map(|_| format!("{:?}", rng.random_range(-1.0..1.0)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let g = game("3 3 2", &u.join(" "));
    let tau = [20.0; 3];
    let traced = logit_qre_table(&g, &tau).unwrap();
    assert!(table_residual(&g, &tau, &Mixed::from_split(&traced)) < 1e-12);
    let sizes = [3, 3, 2];
    let mut sigma = Mixed::uniform(&sizes);
    for _ in 0..2000 {
        let mut next = sigma.clone();
        for (i, &k) in sizes.iter().enumerate() {
            let mut v = vec![0.0; k];
            openmarket_core::finite::FiniteGame::expected_payoffs(&g, i, &sigma, &mut v);
            let w: Vec<f64> = v.iter().map(|x| (x / tau[i]).exp()).collect();
            let total: f64 = w.iter().sum();
            for (p, (x, old)) in next
                .agent_mut(i)
                .iter_mut()
                .zip(w.iter().zip(sigma.agent(i)))
            {
                *p = 0.5 * old + 0.5 * x / total;
            }
        }
        sigma = next;
    }
    let iterated: Vec<Vec<f64>> = (0..3).map(|i| sigma.agent(i).to_vec()).collect();
    assert!(
        close(&traced, &iterated, 1e-12),
        "{traced:?} vs {iterated:?}"
    );
}

/// A random 4×4 game (table2_16 of tests/python/gambit_check.py) whose
/// principal branch turns steeply near λ = 4: a tracer with loose step
/// control jumped to another QRE component there. The references are
/// pygambit 17.0.0b2's `logit_solve_lambda` at λ = 4.25 and 5.
#[test]
fn qre_trace_keeps_to_the_principal_branch_through_a_steep_turn() {
    use openmarket_core::finite::qre::logit_qre_table;
    let p0 = [
        -0.547239, 0.248245, 0.077289, 0.438263, -0.157192, -0.839232, -0.856857, -0.706523,
        0.344575, -0.03581, -0.647436, -0.649582, -0.906138, -0.829585, -0.05054, 0.340534,
    ];
    let p1 = [
        0.951825, -0.448112, -0.150508, -0.261614, -0.661421, -0.632069, -0.684549, 0.441402,
        0.249556, 0.05169, -0.075285, 0.67504, -0.648645, 0.001037, 0.679122, 0.810725,
    ];
    let u: Vec<String> = p0
        .iter()
        .zip(&p1)
        .map(|(a, b)| format!("{a} {b}"))
        .collect();
    let g = game("4 4", &u.join(" "));
    let gambit = [
        (
            4.25,
            [
                [
                    0.0963522444874479,
                    0.0663262253419199,
                    0.2123113060042641,
                    0.6250102241663681,
                ],
                [
                    0.028097816115974776,
                    0.05507834915894997,
                    0.3125940956647992,
                    0.604229739060276,
                ],
            ],
        ),
        (
            5.0,
            [
                [
                    0.03631359543276358,
                    0.026070909726747832,
                    0.18380099078286757,
                    0.753814504057621,
                ],
                [
                    0.00722416238190751,
                    0.04558003591257897,
                    0.2482708676512567,
                    0.6989249340542569,
                ],
            ],
        ),
    ];
    for (lambda, want) in gambit {
        let q = logit_qre_table(&g, &[1.0 / lambda; 2]).unwrap();
        let want: Vec<Vec<f64>> = want.iter().map(|r| r.to_vec()).collect();
        assert!(
            close(&q, &want, 1e-6),
            "λ = {lambda}: {q:?} vs Gambit {want:?}"
        );
    }
}
