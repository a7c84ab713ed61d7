//! Bimatrix dynamics against independent references: a naive fictitious
//! play that recomputes A·counts every round, Robinson's theorem on matching
//! pennies, and the closed-form logistic solution of the replicator
//! equation under a dominant strategy.

use openmarket_core::matrix::Bimatrix;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Fictitious play written the slow, obvious way.
fn naive_fp(a: &[Vec<f64>], b: &[Vec<f64>], iterations: u64) -> (Vec<u64>, Vec<u64>) {
    let (m, n) = (a.len(), a[0].len());
    let (mut rc, mut cc) = (vec![0u64; m], vec![0u64; n]);
    for _ in 0..iterations {
        let ru: Vec<f64> = (0..m)
            .map(|i| (0..n).map(|j| a[i][j] * cc[j] as f64).sum())
            .collect();
        let cu: Vec<f64> = (0..n)
            .map(|j| (0..m).map(|i| b[i][j] * rc[i] as f64).sum())
            .collect();
        let first_max = |u: &[f64]| {
            let best = u.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            u.iter().position(|&x| x == best).unwrap()
        };
        let (i, j) = (first_max(&ru), first_max(&cu));
        rc[i] += 1;
        cc[j] += 1;
    }
    (rc, cc)
}

#[test]
fn fictitious_play_matches_the_naive_algorithm_on_integer_games() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..40 {
        let (m, n) = (rng.random_range(2..6), rng.random_range(2..6));
        // Small integers: every sum is exact, so ties resolve identically.
        let mut mat = || -> Vec<Vec<f64>> {
            (0..m)
                .map(|_| (0..n).map(|_| rng.random_range(-5..6) as f64).collect())
                .collect()
        };
        let (a, b) = (mat(), mat());
        let game = Bimatrix::new(&a, &b).unwrap();
        let iterations = 500;
        let (rf, cf) = game.fictitious_play(iterations);
        let (rc, cc) = naive_fp(&a, &b, iterations);
        for (f, c) in rf.iter().zip(&rc).chain(cf.iter().zip(&cc)) {
            assert_eq!(*f, *c as f64 / iterations as f64);
        }
    }
}

#[test]
fn fictitious_play_converges_on_matching_pennies() {
    let a = vec![vec![1.0, -1.0], vec![-1.0, 1.0]];
    let b = vec![vec![-1.0, 1.0], vec![1.0, -1.0]];
    let (x, y) = Bimatrix::new(&a, &b).unwrap().fictitious_play(100_000);
    for p in x.iter().chain(&y) {
        assert!((p - 0.5).abs() < 0.01, "{x:?} {y:?}");
    }
}

#[test]
fn replicator_follows_the_logistic_curve_under_a_dominant_strategy() {
    // Row's first action earns 1 more whatever column does: x1' = x1(1 − x1).
    let a = vec![vec![1.0, 1.0], vec![0.0, 0.0]];
    let b = vec![vec![0.0, 2.0], vec![0.0, 2.0]];
    let game = Bimatrix::new(&a, &b).unwrap();
    let (x0, y0) = ([0.2, 0.8], [0.5, 0.5]);
    for t in [0.5, 2.0, 5.0] {
        let (x, y) = game.replicator(&x0, &y0, t, 1000);
        let exact = 1.0 / (1.0 + (0.8 / 0.2) * (-t).exp());
        assert!((x[0] - exact).abs() < 1e-10, "t = {t}: {} vs {exact}", x[0]);
        // Column's second action earns 2 more: y2' = 2·y2(1 − y2).
        let exact_y = 1.0 / (1.0 + (-2.0 * t).exp());
        assert!((y[1] - exact_y).abs() < 1e-10);
        assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}

#[test]
fn bad_shapes_are_refused() {
    let a = vec![vec![1.0, 2.0], vec![3.0]];
    assert!(Bimatrix::new(&a, &a).is_err());
    let a = vec![vec![1.0, 2.0]];
    let b = vec![vec![1.0], vec![2.0]];
    assert!(Bimatrix::new(&a, &b).unwrap_err().contains("same shape"));
}

#[test]
fn adaptive_replicator_meets_its_tolerance_and_agrees_with_fine_rk4() {
    let a = vec![vec![1.0, 1.0], vec![0.0, 0.0]];
    let b = vec![vec![0.0, 2.0], vec![0.0, 2.0]];
    let game = Bimatrix::new(&a, &b).unwrap();
    let (x, y, evals) = game.replicator_adaptive(&[0.2, 0.8], &[0.5, 0.5], 5.0, 1e-10, 1e-12);
    let exact = 1.0 / (1.0 + 4.0 * (-5.0f64).exp());
    assert!((x[0] - exact).abs() < 1e-8, "{} vs {exact}", x[0]);
    assert!((y[1] - 1.0 / (1.0 + (-10.0f64).exp())).abs() < 1e-8);
    assert!(evals < 2_000, "{evals} evaluations");
    // A 3×3 zero-sum game whose orbits cycle: the adaptive solution and
    // 200,000 RK4 steps agree.
    let a = vec![
        vec![0.0, -1.0, 1.0],
        vec![2.0, 0.0, -2.0],
        vec![-1.0, 3.0, 0.0],
    ];
    let b: Vec<Vec<f64>> = a.iter().map(|r| r.iter().map(|v| -v).collect()).collect();
    let game = Bimatrix::new(&a, &b).unwrap();
    let third = [1.0 / 3.0; 3];
    let (xr, yr) = game.replicator(&third, &third, 10.0, 200_000);
    let (xa, ya, _) = game.replicator_adaptive(&third, &third, 10.0, 1e-10, 1e-12);
    for (p, q) in xr.iter().chain(&yr).zip(xa.iter().chain(&ya)) {
        assert!((p - q).abs() < 1e-7, "{xr:?} {yr:?} vs {xa:?} {ya:?}");
    }
    // A 2×3 game (no fixed-size kernel: the general one) from an interior
    // start: the same agreement with fine RK4.
    let a = vec![vec![3.0, 0.0, 1.0], vec![0.0, 2.0, 1.5]];
    let b = vec![vec![1.0, 0.0, 2.0], vec![0.0, 3.0, 0.5]];
    let game = Bimatrix::new(&a, &b).unwrap();
    let (x0, y0) = ([0.3, 0.7], [0.2, 0.5, 0.3]);
    let (xr, yr) = game.replicator(&x0, &y0, 8.0, 200_000);
    let (xa, ya, _) = game.replicator_adaptive(&x0, &y0, 8.0, 1e-10, 1e-12);
    for (p, q) in xr.iter().chain(&yr).zip(xa.iter().chain(&ya)) {
        assert!((p - q).abs() < 1e-7, "{xr:?} {yr:?} vs {xa:?} {ya:?}");
    }
}

#[test]
fn a_rest_point_is_returned_after_one_evaluation() {
    // Matching pennies from the uniform start: both players are
    // indifferent, the field is exactly zero, the solution is constant.
    let game = Bimatrix::new(
        &[vec![1.0, -1.0], vec![-1.0, 1.0]],
        &[vec![-1.0, 1.0], vec![1.0, -1.0]],
    )
    .unwrap();
    let (x, y, evals) = game.replicator_adaptive(&[0.5, 0.5], &[0.5, 0.5], 100.0, 1e-8, 1e-8);
    assert_eq!((x, y, evals), (vec![0.5, 0.5], vec![0.5, 0.5], 1));
    // Off the rest point it moves: the orbit of matching pennies is a
    // closed curve around it, and x0 + y0 is not conserved.
    let (x, _, evals) = game.replicator_adaptive(&[0.6, 0.4], &[0.5, 0.5], 1.0, 1e-8, 1e-8);
    assert!(
        evals > 1 && (x[0] - 0.6).abs() > 1e-3,
        "{x:?} after {evals}"
    );
}

#[test]
fn mixed_payoffs_regret_and_nash_conv_on_textbook_games() {
    // Matching pennies: the unique NE is (1/2, 1/2) for both, value 0.
    let pennies = Bimatrix::new(
        &[vec![1.0, -1.0], vec![-1.0, 1.0]],
        &[vec![-1.0, 1.0], vec![1.0, -1.0]],
    )
    .unwrap();
    assert_eq!(pennies.expected(&[0.5, 0.5], &[0.5, 0.5]), (0.0, 0.0));
    assert_eq!(pennies.nash_conv(&[0.5, 0.5], &[0.5, 0.5]), 0.0);
    // At (heads, heads) the column player gains 2 by switching to tails.
    assert_eq!(pennies.regret(&[1.0, 0.0], &[1.0, 0.0]), (0.0, 2.0));
    // Battle of the sexes (2,1 / 0,0 / 0,0 / 1,2): the mixed NE is
    // x = (2/3, 1/3), y = (1/3, 2/3), payoffs (2/3, 2/3).
    let bos = Bimatrix::new(
        &[vec![2.0, 0.0], vec![0.0, 1.0]],
        &[vec![1.0, 0.0], vec![0.0, 2.0]],
    )
    .unwrap();
    let (x, y) = ([2.0 / 3.0, 1.0 / 3.0], [1.0 / 3.0, 2.0 / 3.0]);
    let (u, v) = bos.expected(&x, &y);
    assert!((u - 2.0 / 3.0).abs() < 1e-15 && (v - 2.0 / 3.0).abs() < 1e-15);
    assert!(bos.nash_conv(&x, &y) < 1e-15);
    // Rock-paper-scissors off equilibrium: row plays rock, column uniform;
    // the column player's best reply (paper) gains 1 over its 0.
    let rps_a = vec![
        vec![0.0, -1.0, 1.0],
        vec![1.0, 0.0, -1.0],
        vec![-1.0, 1.0, 0.0],
    ];
    let rps_b: Vec<Vec<f64>> = rps_a
        .iter()
        .map(|r| r.iter().map(|v| -v).collect())
        .collect();
    let rps = Bimatrix::new(&rps_a, &rps_b).unwrap();
    let third = [1.0 / 3.0; 3];
    let (r, c) = rps.regret(&[1.0, 0.0, 0.0], &third);
    assert!(r.abs() < 1e-15 && (c - 1.0).abs() < 1e-15, "{r} {c}");
    assert!(rps.nash_conv(&third, &third) < 1e-15);
}
