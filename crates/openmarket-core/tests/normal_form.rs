//! Family `normal_form`: configs (inline and from an `.nfg` file, with the
//! errors a user meets), and learning on textbook games whose equilibria
//! are known: best response reaches the prisoner's dilemma's (defect,
//! defect); fictitious play's frequencies approach matching pennies' and
//! rock–paper–scissors' (½, ½) and uniform equilibria; Hedge's CCE gap
//! falls on rock–paper–scissors; logit (stochastic fictitious play)
//! approaches the QRE of matching pennies, rock–paper–scissors and an
//! asymmetric zero-sum 2×2 game (its QRE solved here by bisection from the
//! raw payoffs); a `fixed` player holds its strategy and the others reach
//! the held game's equilibria.

use openmarket_core::config::parse;
use openmarket_core::experiment::{run_one, solve_point};
use openmarket_core::plan::expand;

fn inline(players: &str, strategies: &str, payoffs: &str, dynamics: &str) -> String {
    format!(
        "[model]\nfamily = \"normal_form\"\nplayers = {players}\nstrategies = {strategies}\n[model.payoffs]\n{payoffs}\n{dynamics}"
    )
}

const RPS: &str = "row = [0, 1, -1, -1, 0, 1, 1, -1, 0]\ncolumn = [0, -1, 1, 1, 0, -1, -1, 1, 0]";

/// Runs every seed of a one-point plan; the rows.
fn runs(text: &str) -> Vec<openmarket_core::rows::RunRow> {
    let plan = expand(text, "test.toml").unwrap();
    openmarket_core::experiment::validate(&plan, false).unwrap();
    let point = &plan.points[0];
    let solution = solve_point(0, &point.config).unwrap();
    (0..plan.seeds_per_point)
        .map(|r| run_one(point, &solution, r, plan.master_seed, 0).0)
        .collect()
}

#[test]
fn best_response_reaches_the_prisoners_dilemma_equilibrium() {
    // (cooperate, defect) each; profiles CC, DC, CD, DD.
    let text = inline(
        "[\"a\", \"b\"]",
        "[[\"cooperate\", \"defect\"], [\"cooperate\", \"defect\"]]",
        "a = [-1, 0, -3, -2]\nb = [-1, -3, 0, -2]",
        "[dynamics]\nrule = \"best_response\"\n[runs]\nseeds_per_point = 6\n",
    );
    for row in runs(&text) {
        assert_eq!(row.actions, vec![1.0, 1.0]);
        assert!(row.converged);
    }
}

#[test]
fn fictitious_play_approaches_the_mixed_equilibria() {
    let pennies = inline(
        "[\"a\", \"b\"]",
        "[2, 2]",
        "a = [1, -1, -1, 1]\nb = [-1, 1, 1, -1]",
        "[dynamics]\nrule = \"fictitious_play\"\nmax_iterations = 20000\n[runs]\nseeds_per_point = 4\n",
    );
    let rps = inline(
        "[\"row\", \"column\"]",
        "[3, 3]",
        RPS,
        "[dynamics]\nrule = \"fictitious_play\"\nmax_iterations = 20000\n[runs]\nseeds_per_point = 4\n",
    );
    for text in [pennies, rps] {
        for row in runs(&text) {
            // Its empirical frequencies against the one equilibrium: the
            // distance falls roughly as t^-1/2 (Robinson 1951's bound is
            // slower; measured here, a few 1e-3 at 20 000 iterations).
            let d = row.dist_to_target.expect("a mixed target");
            assert!(d < 0.02, "{d}");
            assert!(
                row.target_gap.unwrap() < 0.05,
                "{}",
                row.target_gap.unwrap()
            );
        }
    }
}

#[test]
fn hedge_regret_falls_on_rock_paper_scissors() {
    let text = inline(
        "[\"row\", \"column\"]",
        "[3, 3]",
        RPS,
        "[dynamics]\nrule = \"hedge\"\nmax_iterations = 4000\n[runs]\nseeds_per_point = 4\n",
    );
    for row in runs(&text) {
        // Hedge's regret bound: √(2 ln 3 / T)·(payoff range 2) ≈ 0.047 at T = 4000.
        assert!(
            row.target_gap.unwrap() < 0.047,
            "{}",
            row.target_gap.unwrap()
        );
    }
}

/// The logit QRE of a 2×2 game from the raw payoffs: q (row's
/// probability of its second strategy) solves q = σ(Δ_row(p(q))/τ) with
/// p(q) = σ(Δ_col(q)/τ), and the composition is decreasing in q for a
/// game with no pure equilibrium of this shape (matching pennies'
/// structure), so bisection finds its one root.
fn qre_2x2(row: [[f64; 2]; 2], col: [[f64; 2]; 2], tau: f64) -> (f64, f64) {
    let s = |z: f64| 1.0 / (1.0 + (-z).exp());
    // row[r][c], col[r][c]: payoffs at row strategy r, column strategy c.
    let p_of = |q: f64| {
        let gain = (1.0 - q) * (col[0][1] - col[0][0]) + q * (col[1][1] - col[1][0]);
        s(gain / tau)
    };
    let f = |q: f64| {
        let p = p_of(q);
        let gain = (1.0 - p) * (row[1][0] - row[0][0]) + p * (row[1][1] - row[0][1]);
        s(gain / tau) - q
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let q = 0.5 * (lo + hi);
    (q, p_of(q))
}

#[test]
fn logit_approaches_the_qre_of_textbook_games() {
    let dynamics = |tau: f64| {
        format!(
            "[dynamics]\nrule = \"logit\"\ntemperature = {tau}\nmax_iterations = 40000\n[runs]\nseeds_per_point = 4\n"
        )
    };
    // Matching pennies and rock–paper–scissors: the QRE is the uniform
    // profile at every temperature (symmetry).
    for (strategies, payoffs, k) in [
        ("[2, 2]", "a = [1, -1, -1, 1]\nb = [-1, 1, 1, -1]", 2),
        ("[3, 3]", RPS, 3),
    ] {
        let names = if k == 2 {
            "[\"a\", \"b\"]"
        } else {
            "[\"row\", \"column\"]"
        };
        for row in runs(&inline(names, strategies, payoffs, &dynamics(0.5))) {
            let d = row.dist_to_target.expect("a QRE target");
            assert!(d < 0.03, "{d}");
            assert!(
                row.target_gap.unwrap() < 0.03,
                "{}",
                row.target_gap.unwrap()
            );
            assert_eq!(row.target, Some(openmarket_core::concept::Concept::Qre));
        }
    }
    // An asymmetric zero-sum game, where stochastic fictitious play
    // converges (Hofbauer and Sandholm 2002): row's payoffs 3, −1 / −1, 1.
    let rowp = [[3.0, -1.0], [-1.0, 1.0]];
    let colp = [[-3.0, 1.0], [1.0, -1.0]];
    let tau = 0.4;
    let (q, p) = qre_2x2(rowp, colp, tau);
    // Profiles in Gambit's order: (0,0), (1,0), (0,1), (1,1).
    let order = [(0, 0), (1, 0), (0, 1), (1, 1)];
    let list = |u: [[f64; 2]; 2]| {
        order
            .iter()
            .map(|&(r, c)| u[r][c].to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = inline(
        "[\"a\", \"b\"]",
        "[2, 2]",
        &format!("a = [{}]\nb = [{}]", list(rowp), list(colp)),
        &dynamics(tau),
    );
    let plan = expand(&text, "test.toml").unwrap();
    let target = solve_point(0, &plan.points[0].config)
        .unwrap()
        .target
        .unwrap();
    let want = [1.0 - q, q, 1.0 - p, p];
    assert!(
        target.profiles[0]
            .iter()
            .zip(&want)
            .all(|(a, b)| (a - b).abs() < 1e-9),
        "traced {:?} vs bisection {want:?}",
        target.profiles[0]
    );
    for row in runs(&text) {
        let d = row.dist_to_target.unwrap();
        assert!(d < 0.03, "{d}");
    }
}

#[test]
fn a_fixed_player_holds_and_the_others_reach_the_held_games_equilibria() {
    // Three players; player c holds strategy 1. In that slice a and b play
    // matching pennies, whose one equilibrium is (½, ½); in c's other
    // slice they play a coordination game, which the held game must not see.
    // Profiles in Gambit's order: a fastest, then b, then c.
    let a = "a = [2, 0, 0, 1, 1, -1, -1, 1]";
    let b = "b = [2, 0, 0, 1, -1, 1, 1, -1]";
    let c = "c = [0, 0, 0, 0, 0, 0, 0, 0]";
    for (rule, extra) in [("fictitious_play", ""), ("logit", "temperature = 0.5\n")] {
        let text = inline(
            "[\"a\", \"b\", \"c\"]",
            "[2, 2, 2]",
            &format!("{a}\n{b}\n{c}"),
            &format!(
                "[dynamics]\nrule = \"{rule}\"\n{extra}max_iterations = 20000\n[dynamics.player.2]\nrule = \"fixed\"\naction = 1\n[runs]\nseeds_per_point = 3\n"
            ),
        );
        let plan = expand(&text, "test.toml").unwrap();
        let target = solve_point(0, &plan.points[0].config)
            .unwrap()
            .target
            .unwrap();
        assert_eq!(
            target.profiles,
            vec![vec![0.5, 0.5, 0.5, 0.5, 0.0, 1.0]],
            "{rule}"
        );
        for row in runs(&text) {
            assert_eq!(row.actions[2], 1.0);
            let d = row.dist_to_target.unwrap();
            assert!(d < 0.03, "{rule}: {d}");
        }
    }
}

/// Battle of the sexes (2, 1 / 1, 2) and two three-player games: the
/// 3×3×2 game in which players 1 and 2 play rock–paper–scissors and
/// player 3's first strategy is strictly dominant (one equilibrium:
/// uniform, uniform, first), and Jordan's (1993) cyclic matching pennies
/// (1 matches 2, 2 matches 3, 3 mismatches 1; one equilibrium, all at ½).
#[test]
fn dynamics_on_battle_of_the_sexes_and_three_player_games() {
    let bos = |rule: &str| {
        inline(
            "[\"a\", \"b\"]",
            "[2, 2]",
            "a = [2, 0, 0, 1]\nb = [1, 0, 0, 2]",
            &format!(
                "[dynamics]\nrule = \"{rule}\"\nmax_iterations = 20000\n[runs]\nseeds_per_point = 6\n"
            ),
        )
    };
    // Fictitious play in a 2×2 game converges (Miyasawa 1961): each run's
    // frequencies end near one of its three equilibria, and `reached`
    // names that one.
    let text = bos("fictitious_play");
    let plan = expand(&text, "test.toml").unwrap();
    let solution = solve_point(0, &plan.points[0].config).unwrap();
    let rows = runs(&text);
    assert!(rows.iter().any(|r| r.reached.is_some()), "no run converged");
    for row in rows {
        let d = row.dist_to_target.unwrap();
        assert!(d < 0.01, "{d}");
        if let Some(k) = row.reached {
            let eq = solution.rows.iter().find(|r| r.index as u64 == k).unwrap();
            let want = eq.strategies.as_ref().unwrap().concat();
            let got = row.strategies.as_ref().unwrap().concat();
            let gap = want
                .iter()
                .zip(&got)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(gap < 0.01, "reached {want:?}, ended at {got:?}");
        }
    }
    // Logit at τ = 2, where the game's QRE is unique: its logit map is a
    // contraction of modulus ρ ≤ 3/8 (|∂σ/∂z| ≤ ¼, payoff differences ≤ 3,
    // over τ). Stochastic fictitious play, a stochastic approximation with
    // steps 1/t, approaches it as t^−min(½, 1 − ρ) = t^−½: measured here
    // 4e-3, 2e-3, 7e-4, 4e-4 at 5k, 20k, 80k, 320k iterations. (At τ = 1,
    // ρ ≤ ¾ and the distance fell only as t^−0.3: 0.05 at 20k.)
    let text = bos("logit").replace("[dynamics]\n", "[dynamics]\ntemperature = 2.0\n");
    for row in runs(&text) {
        let d = row.dist_to_target.unwrap();
        assert!(d < 0.01, "{d}");
    }
    // Hedge: its CCE gap falls under its regret bound.
    for row in runs(&bos("hedge").replace("20000", "4000")) {
        assert!(
            row.target_gap.unwrap() < 0.047,
            "{}",
            row.target_gap.unwrap()
        );
    }

    let mut rps_dominant = [String::new(), String::new(), String::new()];
    for x3 in 0..2 {
        for b in 0..3i32 {
            for a in 0..3i32 {
                let v = [0, 1, -1][(a - b).rem_euclid(3) as usize];
                for (list, u) in rps_dominant.iter_mut().zip([v, -v, i32::from(x3 == 0)]) {
                    list.push_str(&format!("{u}, "));
                }
            }
        }
    }
    let payoffs = |lists: &[String; 3]| {
        format!(
            "a = [{}]\nb = [{}]\nc = [{}]",
            lists[0].trim_end_matches(", "),
            lists[1].trim_end_matches(", "),
            lists[2].trim_end_matches(", ")
        )
    };
    for (rule, extra) in [("fictitious_play", ""), ("logit", "temperature = 0.5\n")] {
        let text = inline(
            "[\"a\", \"b\", \"c\"]",
            "[3, 3, 2]",
            &payoffs(&rps_dominant),
            &format!(
                "[dynamics]\nrule = \"{rule}\"\n{extra}max_iterations = 20000\n[runs]\nseeds_per_point = 3\n"
            ),
        );
        for row in runs(&text) {
            let d = row.dist_to_target.unwrap();
            assert!(d < 0.03, "{rule}: {d}");
        }
    }

    // Jordan's game: Hedge's regret bound holds though fictitious play
    // cycles here (Jordan 1993).
    let mut jordan = [String::new(), String::new(), String::new()];
    for x3 in 0..2 {
        for x2 in 0..2 {
            for x1 in 0..2 {
                let s = |same: bool| if same { 1 } else { -1 };
                for (list, u) in jordan
                    .iter_mut()
                    .zip([s(x1 == x2), s(x2 == x3), s(x3 != x1)])
                {
                    list.push_str(&format!("{u}, "));
                }
            }
        }
    }
    let text = inline(
        "[\"a\", \"b\", \"c\"]",
        "[2, 2, 2]",
        &payoffs(&jordan),
        "[dynamics]\nrule = \"hedge\"\nmax_iterations = 4000\n[runs]\nseeds_per_point = 4\n",
    );
    for row in runs(&text) {
        assert!(
            row.target_gap.unwrap() < 0.047,
            "{}",
            row.target_gap.unwrap()
        );
    }
}

#[test]
fn bad_configs_get_one_line_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("om-nf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("game.toml");
    let origin = cfg.display().to_string();
    let err = |text: &str| parse(text, &origin).unwrap_err().to_string();
    // A file that is not there, a truncated one, a profile count that does
    // not match, a non-number payoff.
    let e = err("[model]\nfamily = \"normal_form\"\nnfg = \"missing.nfg\"\n");
    assert!(
        e.contains("model.nfg = \"missing.nfg\": cannot read"),
        "{e}"
    );
    for (body, want) in [
        ("NFG 1 R \"g\" { \"a\" \"b\" }", "line 1"),
        (
            "NFG 1 R \"g\" { \"a\" \"b\" } { 2 2 }\n1 2 3 4 5 6 7\n",
            "line 2",
        ),
        (
            "NFG 1 R \"g\" { \"a\" \"b\" } { 2 2 }\n1 2 3 x 5 6 7 8\n",
            "line 2",
        ),
    ] {
        std::fs::write(dir.join("g.nfg"), body).unwrap();
        let e = err("[model]\nfamily = \"normal_form\"\nnfg = \"g.nfg\"\n");
        assert!(
            e.starts_with(&origin) && e.contains("model.nfg = \"g.nfg\": ") && e.contains(want),
            "{e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
    }
    // A rational is a number.
    std::fs::write(
        dir.join("g.nfg"),
        "NFG 1 R \"g\" { \"a\" \"b\" } { 1 1 }\n3/2 -1/4\n",
    )
    .unwrap();
    let c = parse(
        "[model]\nfamily = \"normal_form\"\nnfg = \"g.nfg\"\n",
        &origin,
    )
    .unwrap();
    assert!(format!("{:?}", c.model).contains("payoffs: [1.5, -0.25]"));
    // Inline: a payoff list of the wrong length, a player twice.
    let e = err(&inline(
        "[\"a\", \"b\"]",
        "[2, 2]",
        "a = [1, 2, 3]\nb = [1, 2, 3, 4]",
        "",
    ));
    assert!(
        e.contains("model.payoffs.a has 3 payoffs; the strategies make 4 profiles"),
        "{e}"
    );
    let e = err(&inline("[\"a\", \"a\"]", "[2, 2]", "a = [1, 2, 3, 4]", ""));
    assert!(
        e.contains("model.players[1] = \"a\" names a player twice"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
