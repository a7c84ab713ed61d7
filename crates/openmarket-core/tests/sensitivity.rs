//! Sensitivity designs and indices against independent references: scipy's
//! Sobol' points, SALib 1.6's indices on the same outputs (numbers taken
//! from SALib itself, the script in each test's comment), the analytic
//! indices of the Ishigami function, and Morris effects of a linear model
//! derived by hand.

use openmarket_core::analysis::{morris, sobol};
use openmarket_core::design;
use openmarket_core::plan;
use std::f64::consts::PI;

/// SALib's `Ishigami.evaluate` (a = 7, b = 0.1).
fn ishigami(x: &[f64]) -> f64 {
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

fn scaled(rows: &[Vec<f64>], lo: f64, hi: f64) -> Vec<Vec<f64>> {
    rows.iter()
        .map(|r| r.iter().map(|u| u * (hi - lo) + lo).collect())
        .collect()
}

#[test]
fn unscrambled_sobol_points_are_scipys() {
    // scipy.stats.qmc.Sobol(d=6, scramble=False).random(8)
    let want = [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        [0.75, 0.25, 0.25, 0.25, 0.75, 0.75],
        [0.25, 0.75, 0.75, 0.75, 0.25, 0.25],
        [0.375, 0.375, 0.625, 0.875, 0.375, 0.125],
        [0.875, 0.875, 0.125, 0.375, 0.875, 0.625],
        [0.625, 0.125, 0.875, 0.625, 0.625, 0.875],
        [0.125, 0.625, 0.375, 0.125, 0.125, 0.375],
    ];
    let got = design::sobol_points(6, 8, None);
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.as_slice(), w.as_slice());
    }
}

#[test]
fn a_digital_shift_keeps_every_point_in_its_own_dyadic_box() {
    // Shifting by XOR permutes the elementary intervals: the first 2^k
    // points still put one point in each interval of width 2^-k per axis.
    let pts = design::sobol_points(4, 64, Some(7));
    for axis in 0..4 {
        let mut cells: Vec<usize> = pts.iter().map(|p| (p[axis] * 64.0) as usize).collect();
        cells.sort_unstable();
        assert_eq!(cells, (0..64).collect::<Vec<_>>(), "axis {axis}");
    }
    assert_ne!(pts, design::sobol_points(4, 64, None));
}

#[test]
fn saltelli_rows_follow_salibs_layout() {
    let (d, n) = (3, 8);
    let base = design::sobol_points(2 * d, n, Some(3));
    for second in [false, true] {
        let rows = design::saltelli(d, n, second, Some(3));
        let per = if second { 2 * d + 2 } else { d + 2 };
        assert_eq!(rows.len(), n * per);
        for (j, p) in base.iter().enumerate() {
            let (a, b) = p.split_at(d);
            let g = &rows[j * per..(j + 1) * per];
            assert_eq!(g[0], a);
            assert_eq!(g[per - 1], b);
            for k in 0..d {
                let mut ab = a.to_vec();
                ab[k] = b[k];
                assert_eq!(g[1 + k], ab);
                if second {
                    let mut ba = b.to_vec();
                    ba[k] = a[k];
                    assert_eq!(g[1 + d + k], ba);
                }
            }
        }
    }
}

#[test]
fn indices_equal_salibs_on_the_same_outputs() {
    // SALib 1.6.0: X = sobol.sample(problem, 1024, calc_second_order=so,
    // scramble=False) over [-pi, pi]^3 (the unscrambled sequence is
    // scipy's, so X is ours), Y = Ishigami.evaluate(X),
    // sobol.analyze(problem, Y, calc_second_order=so, seed=1).
    let first = (
        [0.33295507517942635, 0.441313938544067, 0.018578412958719353],
        [0.5581790457114659, 0.4432845840303481, 0.24214937335496534],
    );
    let second = (
        [
            0.33295510535317324,
            0.4413139385440669,
            0.018578437929572516,
        ],
        [0.5581790457114659, 0.4432845840303481, 0.2421493733549653],
    );
    let s2 = [
        -4.955281413510093e-05,
        0.22760710553788024,
        0.0048765516488903544,
    ];
    for (so, (s1, st)) in [(false, first), (true, second)] {
        let x = scaled(&design::saltelli(3, 1024, so, None), -PI, PI);
        let y: Vec<f64> = x.iter().map(|r| ishigami(r)).collect();
        let got = sobol::analyze(&y, 3, so, 50, 1).unwrap();
        for j in 0..3 {
            assert!(
                (got.s1[j] - s1[j]).abs() < 1e-9,
                "S1[{j}] {} {}",
                got.s1[j],
                s1[j]
            );
            assert!(
                (got.st[j] - st[j]).abs() < 1e-9,
                "ST[{j}] {} {}",
                got.st[j],
                st[j]
            );
            assert!(got.s1_conf[j] > 0.0 && got.s1_conf[j] < 0.2);
        }
        if so {
            for (k, &(i, j, v, _)) in got.s2.iter().enumerate() {
                assert!((v - s2[k]).abs() < 1e-9, "S2[{i},{j}] {v} {}", s2[k]);
            }
        } else {
            assert!(got.s2.is_empty());
        }
    }
}

#[test]
fn ishigami_indices_converge_to_their_analytic_values_at_n_4096() {
    // V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = ½(1 + bπ⁴/5)², V2 = a²/8,
    // V13 = b²π⁸(1/18 − 1/50); S3 = 0.
    let (a, b) = (7.0, 0.1);
    let v = a * a / 8.0 + b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 18.0 + 0.5;
    let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let s1 = [v1 / v, v2 / v, 0.0];
    let st = [(v1 + v13) / v, v2 / v, v13 / v];
    assert!((s1[0] - 0.3139).abs() < 1e-4 && (st[2] - 0.2437).abs() < 1e-4);
    for seed in [1, 2, 3] {
        let x = scaled(&design::saltelli(3, 4096, false, Some(seed)), -PI, PI);
        let y: Vec<f64> = x.iter().map(|r| ishigami(r)).collect();
        let got = sobol::analyze(&y, 3, false, 100, seed).unwrap();
        for j in 0..3 {
            assert!(
                (got.s1[j] - s1[j]).abs() < 0.03,
                "seed {seed} S1[{j}] {}",
                got.s1[j]
            );
            assert!(
                (got.st[j] - st[j]).abs() < 0.03,
                "seed {seed} ST[{j}] {}",
                got.st[j]
            );
        }
    }
}

#[test]
fn bootstrap_intervals_do_not_depend_on_threads() {
    let x = scaled(&design::saltelli(3, 256, true, Some(5)), -PI, PI);
    let y: Vec<f64> = x.iter().map(|r| ishigami(r)).collect();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let a = one.install(|| sobol::analyze(&y, 3, true, 200, 9).unwrap());
    let b = sobol::analyze(&y, 3, true, 200, 9).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_constant_or_misshapen_output_is_refused() {
    assert!(sobol::analyze(&[1.0; 10], 3, false, 10, 0).is_err());
    assert!(sobol::analyze(&[1.0, 2.0, 3.0], 3, false, 10, 0).is_err());
}

#[test]
fn morris_trajectories_move_one_parameter_by_delta_per_step() {
    let (d, r, p) = (4, 20, 4);
    let delta = 2.0 / 3.0;
    let rows = design::morris(d, r, p, 11);
    assert_eq!(rows.len(), r * (d + 1));
    let levels = [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0];
    for t in 0..r {
        let traj = &rows[t * (d + 1)..(t + 1) * (d + 1)];
        let mut moved = vec![0; d];
        for s in 0..d {
            let changed: Vec<usize> = (0..d).filter(|&i| traj[s][i] != traj[s + 1][i]).collect();
            assert_eq!(changed.len(), 1);
            let i = changed[0];
            assert!(((traj[s + 1][i] - traj[s][i]).abs() - delta).abs() < 1e-15);
            moved[i] += 1;
        }
        assert_eq!(moved, vec![1; d]);
        for v in traj.iter().flatten() {
            assert!(
                levels.iter().any(|l| (l - v).abs() < 1e-15),
                "{v} is off the grid"
            );
        }
    }
}

#[test]
fn morris_effects_of_a_linear_model_are_its_slopes_times_the_ranges() {
    // f(x) = Σ cᵢ xᵢ on xᵢ ∈ [loᵢ, hiᵢ]: each step moves xᵢ by Δ(hiᵢ − loᵢ),
    // so every effect is cᵢ(hiᵢ − loᵢ): μ = that, μ* = |that|, σ = 0.
    let c = [2.0, -1.0, 0.0];
    let bounds = [[0.0, 1.0], [10.0, 14.0], [-1.0, 1.0]];
    let unit = design::morris(3, 30, 6, 2);
    let x: Vec<Vec<f64>> = unit
        .iter()
        .map(|u| {
            (0..3)
                .map(|i| u[i] * (bounds[i][1] - bounds[i][0]) + bounds[i][0])
                .collect()
        })
        .collect();
    let y: Vec<f64> = x
        .iter()
        .map(|r| (0..3).map(|i| c[i] * r[i]).sum())
        .collect();
    let got = morris::analyze(&x, &y, 3, 6.0 / 10.0, 100, 1).unwrap();
    for i in 0..3 {
        let want = c[i] * (bounds[i][1] - bounds[i][0]);
        assert!((got.mu[i] - want).abs() < 1e-9, "mu[{i}] {}", got.mu[i]);
        assert!((got.mu_star[i] - want.abs()).abs() < 1e-9);
        assert!(got.sigma[i] < 1e-9 && got.mu_star_conf[i] < 1e-9);
    }
}

fn plan_of(text: &str) -> Result<plan::Plan, String> {
    plan::expand(text, "t.toml").map_err(|e| e.to_string())
}

const MODEL: &str = r#"
[model]
family = "openness"
alpha0 = 0.2
r = 1.0
c0 = 1.0
c1 = 1.0
epsilon = 0.1
lambda = 1.0
[model.bargaining]
rule = "fixed"
delta = 0.8
[model.regulation]
theta = 0.6
penalty = 0.05
"#;

fn with_design(design: &str) -> String {
    format!("{MODEL}\n[sweep.design]\n{design}")
}

#[test]
fn a_sobol_plan_takes_its_parameters_in_the_order_the_file_writes_them() {
    let text = with_design(
        "kind = \"sobol\"\nn = 4\nsecond_order = false\nseed = 3\n[sweep.design.ranges]\n\"model.regulation.theta\" = [0.2, 0.9]\n\"model.alpha0\" = [0.0, 0.5]\n",
    );
    let p = plan_of(&text).unwrap();
    let names = ["model.regulation.theta", "model.alpha0"];
    assert_eq!(p.axes, names);
    let d = p.design.as_ref().unwrap();
    assert_eq!(
        d.parameters
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        names
    );
    assert_eq!(p.points.len(), 4 * (2 + 2));
    assert_eq!(plan::count(&text), Some((16, 0)));
    // Point values are the scaled Saltelli rows, in order.
    let rows = design::saltelli(2, 4, false, Some(3));
    for (pt, u) in p.points.iter().zip(&rows) {
        let theta = pt.param(names[0]).unwrap().as_f64().unwrap();
        let alpha0 = pt.param(names[1]).unwrap().as_f64().unwrap();
        assert_eq!(theta, u[0] * (0.9 - 0.2) + 0.2);
        assert_eq!(alpha0, u[1] * 0.5);
    }
}

#[test]
fn a_morris_plan_has_one_trajectory_after_another() {
    let text = with_design(
        "kind = \"morris\"\ntrajectories = 5\nlevels = 4\n[sweep.design.ranges]\n\"model.alpha0\" = [0.0, 0.6]\n\"model.epsilon\" = [0.05, 0.2]\n\"model.regulation.penalty\" = [0.0, 0.2]\n",
    );
    let p = plan_of(&text).unwrap();
    assert_eq!(p.points.len(), 5 * 4);
    assert_eq!(p.design.as_ref().unwrap().group(), Some(4));
    assert_eq!(p.axes[1], "model.epsilon");
}

#[test]
fn bad_sensitivity_designs_get_one_line_naming_the_field() {
    let cases = [
        (
            "kind = \"sobol\"\nn = 12\n[sweep.design.ranges]\n\"model.alpha0\" = [0.0, 0.5]\n",
            "sweep.design.n",
            "power of two",
        ),
        (
            "kind = \"sobol\"\nn = 8\ntrajectories = 3\n[sweep.design.ranges]\n\"model.alpha0\" = [0.0, 0.5]\n",
            "sweep.design.trajectories",
            "not a field",
        ),
        (
            "kind = \"morris\"\ntrajectories = 4\nlevels = 5\n[sweep.design.ranges]\n\"model.alpha0\" = [0.0, 0.5]\n",
            "sweep.design.levels",
            "even",
        ),
        (
            "kind = \"morris\"\n[sweep.design.ranges]\n\"model.alpha0\" = [0.0, 0.5]\n",
            "sweep.design.trajectories",
            "missing",
        ),
        (
            "kind = \"sobol\"\nn = 8\n[sweep.design.ranges]\n\"model.alpha0\" = [0.5, 0.5]\n",
            "sweep.design.ranges",
            "low < high",
        ),
        (
            "kind = \"sobol\"\nn = 8\n[sweep.design.ranges]\n",
            "sweep.design.ranges",
            "is empty",
        ),
        (
            "kind = \"sobol\"\nn = 8\n[sweep.design.ranges]\n\"runs.master_seed\" = [0.0, 5.0]\n",
            "runs.master_seed",
            "cannot be swept",
        ),
    ];
    for (design, field, says) in cases {
        let err = plan_of(&with_design(design)).unwrap_err();
        assert!(
            err.contains(field) && err.contains(says),
            "{design:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Crossed with a grid axis, or inside a study.
    let crossed = format!(
        "{MODEL}\n[sweep]\n\"model.r\" = {{ values = [1.0, 2.0] }}\n[sweep.design]\nkind = \"sobol\"\nn = 4\n[sweep.design.ranges]\n\"model.alpha0\" = [0.0, 0.5]\n"
    );
    let err = plan_of(&crossed).unwrap_err();
    assert!(err.contains("grid axis \"model.r\""), "{err}");
    let study = "[[study]]\nname = \"a\"\n".to_string()
        + &MODEL.replace("[model", "[study.model")
        + "[study.sweep.design]\nkind = \"morris\"\ntrajectories = 2\n[study.sweep.design.ranges]\n\"model.alpha0\" = [0.0, 0.5]\n";
    let err = plan_of(&study).unwrap_err();
    assert!(err.contains("inside [[study]]"), "{err}");
}
