//! Family `normal_form`: configs (inline and from an `.nfg` file, with the
//! errors a user meets), and learning on textbook games whose equilibria
//! are known: best response reaches the prisoner's dilemma's (defect,
//! defect); fictitious play's frequencies approach matching pennies' and
//! rock–paper–scissors' (½, ½) and uniform equilibria; Hedge's CCE gap
//! falls on rock–paper–scissors.

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
