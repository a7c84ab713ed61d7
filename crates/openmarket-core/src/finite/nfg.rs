//! Gambit's strategic-form format (`.nfg`), so a user can cross-check a
//! game in Gambit or OpenSpiel.

use std::fmt::Write;

use super::BinaryGame;

/// The game as an `.nfg` file (payoff version): players `players`, two
/// strategies each (`labels`), then every pure profile's payoffs, player 1's
/// strategy varying fastest, as Gambit orders them.
pub fn write(game: &BinaryGame, title: &str, players: &[String], labels: [&str; 2]) -> String {
    let n = game.players();
    assert_eq!(players.len(), n);
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut s = String::new();
    let names: Vec<String> = players.iter().map(|p| quote(p)).collect();
    let _ = writeln!(s, "NFG 1 R {} {{ {} }}", quote(title), names.join(" "));
    let strategies = format!("{{ {} {} }}", quote(labels[0]), quote(labels[1]));
    let _ = writeln!(
        s,
        "{{ {} }}",
        std::iter::repeat_n(strategies, n)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let _ = writeln!(s);
    // Contingency k: player j's strategy is bit j of k, so player 1
    // (bit 0) varies fastest.
    let mut line = Vec::with_capacity(n << n);
    for x in 0..(1u64 << n) {
        for i in 0..n {
            line.push(format!("{:?}", game.payoff(i, x)));
        }
    }
    let _ = writeln!(s, "{}", line.join(" "));
    s
}
