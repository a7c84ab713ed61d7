//! The openmarket side of the peer benchmark (bench/peers/): prints one JSON
//! object per call, which bench/peers/peers.py compares with Nashpy and
//! pygambit on the same games.
//!
//!   peers games
//!   peers fp --game NAME --iterations N --reps R
//!   peers replicator --game NAME --t-end T (--rtol TOL | --steps N) --reps R
//!   peers race --n N --seed S --reps R [--draws sparse]
//!   peers table --file GAME.nfg [--tau T] --reps R
//!
//! Times are medians over R repetitions, measured in-process around the
//! algorithm only (no start-up, no I/O), as the Python side measures its
//! peers.

use std::time::Instant;

use openmarket_core::finite::{BinaryGame, nash, nfg, qre, support};
use openmarket_core::matrix::Bimatrix;
use openmarket_core::race::enumerate::{self, Enumeration};
use openmarket_core::race::{
    Actions, Leakage, Nontrivial, RaceGame, RaceParams, RaceSolver, Utility,
};
use serde_json::json;

type Matrix = Vec<Vec<f64>>;

/// A 2-lab discrete race (share utility) as a bimatrix: strategy 0 = closed.
fn race2() -> (Matrix, Matrix) {
    let game = RaceGame::new(RaceParams {
        head_start: vec![3.0, 5.0],
        boost: vec![1.0, 4.0],
        cost: vec![0.0, 0.0],
        leakage: Leakage::Matrix(vec![vec![0.0, 3.0], vec![4.0, 0.0]]),
        utility: Utility::Share,
        prize: 1.0,
        rho: 0.0,
        actions: Actions::Discrete,
        nontrivial: Nontrivial::SomeOpen,
    })
    .expect("valid race");
    let (mut a, mut b) = (vec![vec![0.0; 2]; 2], vec![vec![0.0; 2]; 2]);
    for i in 0..2 {
        for j in 0..2 {
            let x = [i as f64, j as f64];
            let u = game.utilities(&x);
            a[i][j] = u[0];
            b[i][j] = u[1];
        }
    }
    (a, b)
}

/// The openness game (configs/openness_baseline.toml, fixed δ = 0.8) played
/// simultaneously on grids: G picks ω, D picks α1; payoffs from docs/model.md §A.2.
fn openness(k: usize) -> (Matrix, Matrix) {
    let (alpha0, r, c0, c1, eps, lambda, delta) = (0.2, 1.0, 1.0, 1.0, 0.1, 1.0, 0.8);
    let (theta, penalty) = (0.6, 0.05);
    let omegas: Vec<f64> = (0..k).map(|i| i as f64 / (k - 1) as f64).collect();
    let alphas: Vec<f64> = (0..k)
        .map(|j| alpha0 + 0.8 * j as f64 / (k - 1) as f64)
        .collect();
    let mut a = vec![vec![0.0; k]; k];
    let mut b = vec![vec![0.0; k]; k];
    for (i, &w) in omegas.iter().enumerate() {
        let s = delta * (1.0 - lambda * w);
        let pen = if w < theta { penalty } else { 0.0 };
        for (j, &a1) in alphas.iter().enumerate() {
            a[i][j] = s * r * a1 + eps * w - c0 * alpha0 * alpha0 - pen;
            b[i][j] = (1.0 - s) * r * a1 - c1 * (a1 - alpha0) * (a1 - alpha0);
        }
    }
    (a, b)
}

fn games() -> Vec<(&'static str, Matrix, Matrix)> {
    let (ra, rb) = race2();
    let (oa, ob) = openness(9);
    vec![
        (
            "matching_pennies",
            vec![vec![1.0, -1.0], vec![-1.0, 1.0]],
            vec![vec![-1.0, 1.0], vec![1.0, -1.0]],
        ),
        // Zero-sum and lopsided, so the uniform start is not a rest point
        // of the replicator dynamics.
        (
            "rock_paper_scissors",
            vec![
                vec![0.0, -1.0, 1.0],
                vec![2.0, 0.0, -2.0],
                vec![-1.0, 3.0, 0.0],
            ],
            vec![
                vec![0.0, 1.0, -1.0],
                vec![-2.0, 0.0, 2.0],
                vec![1.0, -3.0, 0.0],
            ],
        ),
        ("race2", ra, rb),
        ("openness_9x9", oa, ob),
    ]
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str) -> T {
    let k = args
        .iter()
        .position(|a| a == name)
        .unwrap_or_else(|| panic!("missing {name}"));
    args.get(k + 1)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} needs a value"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median wall time of `reps` calls, and the last result.
fn timed<T>(reps: usize, mut f: impl FnMut() -> T) -> (T, f64) {
    let mut times = Vec::with_capacity(reps);
    let mut out = None;
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        out = Some(std::hint::black_box(f()));
        times.push(start.elapsed().as_secs_f64());
    }
    (out.expect("at least one rep"), median(times))
}

/// A generic n-player two-action game: payoffs uniform in [-1, 1], rounded
/// to 6 decimals so that Gambit reads exactly the same numbers.
fn random_binary(n: usize, seed: u64) -> BinaryGame {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    BinaryGame::from_payoffs(n, |_, out| {
        for u in out.iter_mut() {
            *u = (rng.random_range(-1.0..1.0) * 1e6_f64).round() / 1e6;
        }
    })
}

/// Row k: every player's payoff at the profile whose bit i is player i's
/// action.
fn table(game: &BinaryGame) -> Vec<Vec<f64>> {
    let n = game.players();
    (0..1u64 << n)
        .map(|x| (0..n).map(|i| game.payoff(i, x)).collect())
        .collect()
}

fn bimatrix(name: &str) -> Bimatrix {
    let (_, a, b) = games()
        .into_iter()
        .find(|g| g.0 == name)
        .unwrap_or_else(|| panic!("no game {name}"));
    Bimatrix::new(&a, &b).expect("valid game")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.first().map(String::as_str) {
        Some("games") => json!({
            "games": games()
                .into_iter()
                .map(|(name, a, b)| json!({"name": name, "A": a, "B": b}))
                .collect::<Vec<_>>()
        }),
        Some("fp") => {
            let name: String = arg(&args, "--game");
            let iterations: u64 = arg(&args, "--iterations");
            let game = bimatrix(&name);
            let ((row, col), secs) =
                timed(arg(&args, "--reps"), || game.fictitious_play(iterations));
            json!({"game": name, "iterations": iterations, "row": row, "col": col, "median_seconds": secs})
        }
        // `--steps N`: N fixed RK4 steps; `--rtol R`: adaptive Runge–Kutta 5(4)
        // with rtol = atol = R (as scipy's odeint, which Nashpy calls).
        Some("replicator") => {
            let name: String = arg(&args, "--game");
            let t_end: f64 = arg(&args, "--t-end");
            let game = bimatrix(&name);
            let x0 = vec![1.0 / game.rows as f64; game.rows];
            let y0 = vec![1.0 / game.cols as f64; game.cols];
            let reps: usize = arg(&args, "--reps");
            if args.iter().any(|a| a == "--rtol") {
                let tol: f64 = arg(&args, "--rtol");
                let ((row, col, evaluations), secs) =
                    timed(reps, || game.replicator_adaptive(&x0, &y0, t_end, tol, tol));
                json!({"game": name, "t_end": t_end, "rtol": tol, "row": row, "col": col,
                       "evaluations": evaluations, "median_seconds": secs})
            } else {
                let steps: u64 = arg(&args, "--steps");
                let ((row, col), secs) = timed(reps, || game.replicator(&x0, &y0, t_end, steps));
                json!({"game": name, "steps": steps, "t_end": t_end, "row": row, "col": col,
                       "evaluations": 4 * steps, "median_seconds": secs})
            }
        }
        Some("race") => {
            let n: usize = arg(&args, "--n");
            // `--draws sparse`: issue 25's draws, where few labs have a
            // dominant action; else `RaceGame::random`, where most do.
            let sparse = args.iter().any(|a| a == "sparse");
            let game = if sparse {
                openmarket_core::race::instances::sparse(n, Utility::Lead, arg(&args, "--seed"))
            } else {
                RaceGame::random(n, Utility::Lead, arg(&args, "--seed"))
            };
            let payoffs: Vec<Vec<f64>> = (0..1usize << n)
                .map(|k| {
                    let x: Vec<f64> = (0..n).map(|i| ((k >> i) & 1) as f64).collect();
                    game.utilities(&x)
                })
                .collect();
            let (sol, secs) = timed(arg(&args, "--reps"), || {
                Enumeration::default().solve(&game).expect("n ≤ 32")
            });
            let equilibria: Vec<Vec<u8>> = sol
                .equilibria
                .iter()
                .map(|e| e.actions.iter().map(|&a| a as u8).collect())
                .collect();
            // The existence and counting questions, by the same walk.
            let reps: usize = arg(&args, "--reps");
            let (_, exists_secs) = timed(reps, || enumerate::first_nontrivial(&game, None));
            let (_, count_secs) = timed(reps, || enumerate::count(&game, None));
            json!({"n": n, "payoffs": payoffs, "equilibria": equilibria, "median_seconds": secs,
                   "exists_seconds": exists_secs, "count_seconds": count_secs})
        }
        // Mixed NE and logit QRE of an n-player two-action game with payoffs
        // uniform in [-1, 1] (a generic game), seeded.
        Some("mixed") => {
            let n: usize = arg(&args, "--n");
            let game = random_binary(n, arg(&args, "--seed"));
            let (sol, secs) = timed(arg(&args, "--reps"), || nash::equilibria(&game));
            let equilibria: Vec<Vec<f64>> = sol.equilibria.iter().map(|e| e.q.clone()).collect();
            json!({"n": n, "payoffs": table(&game), "equilibria": equilibria,
                   "complete": sol.complete, "median_seconds": secs})
        }
        Some("qre") => {
            let n: usize = arg(&args, "--n");
            let tau: f64 = arg(&args, "--tau");
            let game = random_binary(n, arg(&args, "--seed"));
            let (q, secs) = timed(arg(&args, "--reps"), || {
                qre::logit_qre(&game, tau).expect("the path is followed")
            });
            json!({"n": n, "tau": tau, "payoffs": table(&game), "qre": q, "median_seconds": secs})
        }
        // A game of any size from an .nfg file (the Python side writes it
        // with pygambit): every mixed NE (`--tau` absent) or the logit QRE.
        Some("table") => {
            let file: String = arg(&args, "--file");
            let text = std::fs::read_to_string(&file).expect("readable file");
            let game = nfg::read(&text).expect("a valid .nfg file");
            let reps: usize = arg(&args, "--reps");
            if args.iter().any(|a| a == "--tau") {
                let tau: f64 = arg(&args, "--tau");
                let taus = vec![tau; game.players.len()];
                let (q, secs) = timed(reps, || {
                    qre::logit_qre_table(&game, &taus).expect("the path is followed")
                });
                json!({"tau": tau, "qre": q, "median_seconds": secs})
            } else {
                let (sol, secs) = timed(reps, || {
                    support::equilibria(&game).expect("within the bound")
                });
                let equilibria: Vec<&Vec<Vec<f64>>> =
                    sol.equilibria.iter().map(|e| &e.strategies).collect();
                json!({"equilibria": equilibria, "complete": sol.complete,
                       "boxes": sol.boxes, "median_seconds": secs})
            }
        }
        _ => {
            eprintln!(
                "usage: peers games | fp | replicator | race | mixed | qre | table (see the source)"
            );
            std::process::exit(2);
        }
    };
    println!("{out}");
}
