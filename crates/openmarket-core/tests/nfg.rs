//! Gambit's `.nfg` format read back: the file the writer makes, Gambit's
//! own example files in both versions of the format (payoffs written out
//! by hand from the files), and one error per kind of bad file, each
//! naming its line.

use openmarket_core::finite::BinaryGame;
use openmarket_core::finite::nfg::{read, write};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn what_the_writer_writes_reads_back_to_the_same_payoffs() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for n in 1..=5 {
        let game = BinaryGame::from_payoffs(n, |_, u| {
            for v in u.iter_mut() {
                // Binary fractions and plain decimals alike.
                *v = (rng.random_range(-1000..1000) as f64) / 64.0 + rng.random_range(0.0..1e-3);
            }
        });
        let players: Vec<String> = (0..n).map(|i| format!("Lab \"{i}\"")).collect();
        let nfg = read(&write(&game, "a \\ race", &players, ["closed", "open"])).unwrap();
        assert_eq!(nfg.title, "a \\ race");
        assert_eq!(nfg.players, players);
        assert_eq!(nfg.strategies, vec![vec!["closed", "open"]; n]);
        assert_eq!(nfg.profiles(), 1 << n);
        for x in 0..(1u64 << n) {
            for i in 0..n {
                // Profile x has player j's strategy at bit j: Gambit's order.
                assert_eq!(nfg.payoff(x as usize, i), game.payoff(i, x), "{x} {i}");
            }
        }
    }
}

/// The example of Gambit's file-format documentation, as a payoff file
/// (strategy counts) and as an outcome file (named strategies, outcomes
/// with commas, a null outcome 0): the same 2×2 game.
#[test]
fn gambit_payoff_and_outcome_files_give_the_same_table() {
    let payoff = r#"NFG 1 R "Two person 2 x 2 game with unique mixed equilibrium"
{ "Player 1" "Player 2" } { 2 2 }

2 0 0 1 0 2 2 0
"#;
    let outcome = r#"NFG 1 R "Two person 2 x 2 game with unique mixed equilibrium"
{ "Player 1" "Player 2" }

{ { "1" "2" }
{ "1" "2" }
}
""

{
{ "" 2, 0 }
{ "" 0, 1 }
{ "" 0, 2 }
{ "" 2, 0 }
}
1 2 3 4
"#;
    let a = read(payoff).unwrap();
    let b = read(outcome).unwrap();
    assert_eq!(a, b);
    // Profile (1, 1) gives (2, 0); (2, 1): (0, 1); (1, 2): (0, 2); (2, 2): (2, 0).
    assert_eq!(a.payoffs, vec![2.0, 0.0, 0.0, 1.0, 0.0, 2.0, 2.0, 0.0]);
    // Three players, unequal strategy counts, rationals and exponents, and a
    // null outcome.
    let three = r#"NFG 1 R "three" { "A" "B" "C" } { { "x" "y" "z" } { "u" "v" } { "only" } }
"a comment"
{ { "o1" 3/2 -1e-1 7 } { "o2" 0.25 2 -3 } }
1 2 0 1 2 1
"#;
    let g = read(three).unwrap();
    assert_eq!(g.profiles(), 6);
    assert_eq!(g.strategies[0], vec!["x", "y", "z"]);
    let want = [
        [1.5, -0.1, 7.0],
        [0.25, 2.0, -3.0],
        [0.0, 0.0, 0.0],
        [1.5, -0.1, 7.0],
        [0.25, 2.0, -3.0],
        [1.5, -0.1, 7.0],
    ];
    for (k, row) in want.iter().enumerate() {
        for (i, v) in row.iter().enumerate() {
            assert_eq!(g.payoff(k, i), *v, "profile {k}, player {i}");
        }
    }
}

#[test]
fn a_bad_file_gets_its_line_and_what_was_expected() {
    let cases = [
        // A truncated header.
        (
            "NFG 1 R \"t\"\n{ \"A\" \"B\" }\n",
            2,
            "`{` opening the strategies",
        ),
        ("NFG 1 R \"t\" { \"A\"", 1, "a player's name"),
        (
            "NFG 2 R \"t\" { \"A\" } { 2 }\n1 2",
            1,
            "the format version `1`",
        ),
        // Too few payoffs for the strategies, and too many.
        (
            "NFG 1 R \"t\" { \"A\" \"B\" } { 2 2 }\n1 2 3\n4 5 6 7\n",
            3,
            "payoff 8 of 8 (4 profiles × 2 players)",
        ),
        (
            "NFG 1 R \"t\" { \"A\" } { 2 }\n1 2\n3\n",
            3,
            "the end of the file after 2 profiles",
        ),
        // An outcome index out of range.
        (
            "NFG 1 R \"t\" { \"A\" } { 2 }\n{ { \"\" 1 } }\n1\n2\n",
            4,
            "an outcome index in 0..=1",
        ),
        // A payoff that is not a number.
        (
            "NFG 1 R \"t\" { \"A\" } { 2 }\n1 two\n",
            2,
            "a number such as 2, -0.5, 1e-3 or 3/2, found `two`",
        ),
        ("NFG 1 R \"t\" { \"A\" } { 2 }\n1 1/0\n", 2, "found `1/0`"),
        // Strategies for the wrong number of players.
        (
            "NFG 1 R \"t\" { \"A\" \"B\" } { 2 }\n1 2\n",
            1,
            "strategies for 2 players",
        ),
        (
            "NFG 1 R \"t\" { \"A\" } { 0 }\n",
            1,
            "a number of strategies ≥ 1",
        ),
        ("NFG 1 R \"t\n", 1, "not closed"),
    ];
    for (text, line, expected) in cases {
        let e = read(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.message.contains(expected), "{text:?}: {e}");
    }
    // A table too large to hold is refused before anything is read.
    let e = read("NFG 1 R \"t\" { \"A\" \"B\" } { 100000 100000 }\n").unwrap_err();
    assert!(e.message.contains("more than 10000000 payoffs"), "{e}");
}

/// Hostile input: random sequences of the format's pieces never panic;
/// each is read or refused with a line inside the text.
#[test]
fn random_token_soup_is_read_or_refused_never_a_panic() {
    let pieces = [
        "NFG",
        "1",
        "R",
        "D",
        "\"t\"",
        "\"",
        "{",
        "}",
        "2",
        "0",
        "-1",
        "3/2",
        "1/0",
        "1e999",
        "x",
        ",",
        "\n",
        " ",
        "\\",
        "\"a\\\"b\"",
        "99999999999999999999",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for _ in 0..5000 {
        let mut text = String::from(if rng.random_bool(0.7) {
            "NFG 1 R \"t\" "
        } else {
            ""
        });
        for _ in 0..rng.random_range(0..40) {
            text.push_str(pieces[rng.random_range(0..pieces.len())]);
            text.push(' ');
        }
        if let Err(e) = read(&text) {
            assert!(
                e.line >= 1 && e.line <= text.lines().count().max(1),
                "{text:?}: {e}"
            );
        }
    }
}

/// A 3 × 2 × 4 game with rational payoffs, written by hand in the payoff
/// version (tests/fixtures/nfg/hand_written.nfg) and written back by Gambit
/// itself (pygambit 17.0.0b2: `read_nfg(…).to_nfg()`, the outcome version
/// with one outcome per profile, commas, `p/q`): both read to the payoffs
/// Python's `Fraction` makes of the hand-written numbers
/// (gambit_written.json).
#[test]
fn a_file_gambit_wrote_reads_to_the_payoffs_it_was_given() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/nfg");
    let text = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let want: serde_json::Value = serde_json::from_str(&text("gambit_written.json")).unwrap();
    let payoffs: Vec<f64> = want["payoffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let hand = read(&text("hand_written.nfg")).unwrap();
    let gambit = read(&text("gambit_written.nfg")).unwrap();
    for g in [&hand, &gambit] {
        assert_eq!(
            g.strategies.iter().map(Vec::len).collect::<Vec<_>>(),
            [3, 2, 4]
        );
        assert_eq!(g.players, ["A", "B", "C"]);
        assert_eq!(g.payoffs, payoffs);
    }
}

/// Textbook games with known pure equilibria: the prisoner's dilemma
/// (defect, defect), the battle of the sexes (both coordinated profiles),
/// matching pennies and rock–paper–scissors (none).
#[test]
fn pure_equilibria_of_textbook_games() {
    let game = |strategies: &str, payoffs: &str| {
        read(&format!(
            "NFG 1 R \"g\" {{ \"1\" \"2\" }} {{ {strategies} }}\n{payoffs}\n"
        ))
        .unwrap()
    };
    // Strategies (cooperate, defect); profiles (C,C) (D,C) (C,D) (D,D).
    let pd = game("2 2", "-1 -1  0 -3  -3 0  -2 -2");
    assert_eq!(pd.pure_equilibria(1e-12), vec![vec![1, 1]]);
    // (opera, football): each wants to meet, player 1 prefers opera.
    let bos = game("2 2", "2 1  0 0  0 0  1 2");
    assert_eq!(bos.pure_equilibria(1e-12), vec![vec![0, 0], vec![1, 1]]);
    let pennies = game("2 2", "1 -1  -1 1  -1 1  1 -1");
    assert!(pennies.pure_equilibria(1e-12).is_empty());
    // Rock, paper, scissors: row k beats row k − 1.
    let mut rps = Vec::new();
    for b in 0..3i32 {
        for a in 0..3i32 {
            let u = match (a - b).rem_euclid(3) {
                0 => 0,
                1 => 1,
                _ => -1,
            };
            rps.push(format!("{u} {}", -u));
        }
    }
    let rps = game("3 3", &rps.join(" "));
    assert!(rps.pure_equilibria(1e-12).is_empty());
}

/// Expected payoffs against mixed strategies agree with the two-action
/// table's own multilinear evaluation (BinaryGame) on random games
/// written out and read back, and the uniform profile of rock–paper–
/// scissors leaves every player indifferent.
#[test]
fn expected_payoffs_agree_with_the_binary_table() {
    use openmarket_core::finite::{FiniteGame, Mixed, nash_conv};
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for n in 1..=4 {
        let game = BinaryGame::from_payoffs(n, |_, u| {
            for v in u.iter_mut() {
                *v = rng.random_range(-1.0..1.0);
            }
        });
        let players: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        let nfg = read(&write(&game, "g", &players, ["a", "b"])).unwrap();
        for _ in 0..20 {
            let q: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..1.0)).collect();
            let sigma = Mixed::binary(&q);
            for i in 0..n {
                let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
                nfg.expected_payoffs(i, &sigma, &mut a);
                game.expected_payoffs(i, &sigma, &mut b);
                assert!((a[0] - b[0]).abs() < 1e-12 && (a[1] - b[1]).abs() < 1e-12);
            }
            assert!((nash_conv(&nfg, &sigma) - nash_conv(&game, &sigma)).abs() < 1e-12);
        }
    }
    let mut rps = Vec::new();
    for b in 0..3i32 {
        for a in 0..3i32 {
            let u = [0, 1, -1][(a - b).rem_euclid(3) as usize];
            rps.push(format!("{u} {}", -u));
        }
    }
    let rps = read(&format!(
        "NFG 1 R \"rps\" {{ \"1\" \"2\" }} {{ 3 3 }}\n{}\n",
        rps.join(" ")
    ))
    .unwrap();
    let uniform = Mixed::uniform(&[3, 3]);
    assert!(nash_conv(&rps, &uniform).abs() < 1e-15);
    // Against rock for sure: rock ties, paper wins, scissors loses.
    let mut rock = Mixed::uniform(&[3, 3]);
    rock.agent_mut(1).copy_from_slice(&[1.0, 0.0, 0.0]);
    let mut u = [0.0; 3];
    rps.expected_payoffs(0, &rock, &mut u);
    assert_eq!(u, [0.0, 1.0, -1.0]);
}

/// Every pure NE of 25 random games with 2–3 players, 1–4 strategies each
/// and integer payoffs in [−3, 3] (ties, so weak equilibria), as Gambit's
/// `enumpure_solve` lists them (pygambit 17.0.0b2; the games and its
/// answers are in tests/fixtures/nfg/enumpure.json).
#[test]
fn pure_equilibria_match_gambit_enumpure() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/nfg/enumpure.json");
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 25);
    for case in cases {
        let game = read(case["nfg"].as_str().unwrap()).unwrap();
        let mut want: Vec<Vec<usize>> = case["pure"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e.as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_u64().unwrap() as usize)
                    .collect()
            })
            .collect();
        want.sort();
        let mut got = game.pure_equilibria(1e-12);
        got.sort();
        assert_eq!(got, want, "{}", game.title);
    }
}
