//! Gambit's strategic-form format (`.nfg`), so a user can cross-check a
//! game in Gambit or OpenSpiel, and bring a game of their own: [`write`]
//! and [`read`] (both the payoff and the outcome versions of the format).

use std::fmt::Write;

use super::{BinaryGame, FiniteGame, Mixed};

/// The game as an `.nfg` file (payoff version): players `players`, two
/// strategies each (`labels`), then every pure profile's payoffs, player 1's
/// strategy varying fastest, as Gambit orders them.
pub fn write(game: &BinaryGame, title: &str, players: &[String], labels: [&str; 2]) -> String {
    let n = game.players();
    assert_eq!(players.len(), n);
    // Contingency x: player j's strategy is bit j of x, so player 1 (bit 0)
    // varies fastest, as in Gambit's order.
    let payoffs = (0..1u64 << n)
        .flat_map(|x| (0..n).map(move |i| game.payoff(i, x)))
        .collect();
    write_table(
        &Nfg {
            title: title.to_string(),
            players: players.to_vec(),
            strategies: vec![labels.iter().map(|l| l.to_string()).collect(); n],
            payoffs,
        },
        title,
    )
}

/// Any table as an `.nfg` file (payoff version, with the players' and
/// strategies' names): [`read`] gives back the same payoffs exactly (each
/// is written in the shortest form that rounds back to it).
pub fn write_table(game: &Nfg, title: &str) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut s = String::new();
    let names: Vec<String> = game.players.iter().map(|p| quote(p)).collect();
    let _ = writeln!(s, "NFG 1 R {} {{ {} }}", quote(title), names.join(" "));
    let strategies: Vec<String> = game
        .strategies
        .iter()
        .map(|st| {
            format!(
                "{{ {} }}",
                st.iter().map(|x| quote(x)).collect::<Vec<_>>().join(" ")
            )
        })
        .collect();
    let _ = writeln!(s, "{{ {} }}", strategies.join(" "));
    let _ = writeln!(s);
    let line: Vec<String> = game.payoffs.iter().map(|u| format!("{u:?}")).collect();
    let _ = writeln!(s, "{}", line.join(" "));
    s
}

/// The tolerance a normal-form game's pure equilibria are listed with: a
/// deviation must gain more than this to count.
pub const PURE_TOL: f64 = 1e-12;

/// A strategic-form game as an `.nfg` file gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Nfg {
    /// The game's title.
    pub title: String,
    /// The players' names, in the file's order.
    pub players: Vec<String>,
    /// Each player's strategy names (`"1"`, `"2"`, … when the file gives
    /// only their number).
    pub strategies: Vec<Vec<String>>,
    /// Every pure profile's payoffs, one per player, profiles in Gambit's
    /// order (player 1's strategy varies fastest).
    pub payoffs: Vec<f64>,
}

impl Nfg {
    /// The number of pure profiles.
    pub fn profiles(&self) -> usize {
        self.strategies.iter().map(Vec::len).product()
    }

    /// Player `i`'s payoff at profile `k` (in Gambit's order).
    pub fn payoff(&self, k: usize, i: usize) -> f64 {
        self.payoffs[k * self.players.len() + i]
    }
}

impl Nfg {
    /// The game in which each player j with `held[j] = Some(a)` has the one
    /// strategy a (its payoffs kept): a held game's equilibria are the
    /// restricted game's, with the held players' strategies put back by
    /// [`Nfg::expand`].
    pub fn restricted(&self, held: &[Option<usize>]) -> Nfg {
        let n = self.players.len();
        let keep = |i: usize, s: usize| held[i].is_none_or(|a| a == s);
        let strategies: Vec<Vec<String>> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(i, names)| {
                names
                    .iter()
                    .enumerate()
                    .filter(|&(s, _)| keep(i, s))
                    .map(|(_, name)| name.clone())
                    .collect()
            })
            .collect();
        let mut x = vec![0; n];
        let mut payoffs = Vec::new();
        // Gambit's order is kept: the kept profiles in the original order.
        for k in 0..self.profiles() {
            self.profile_of(k, &mut x);
            if x.iter().enumerate().all(|(i, &s)| keep(i, s)) {
                payoffs.extend_from_slice(&self.payoffs[k * n..(k + 1) * n]);
            }
        }
        Nfg {
            title: self.title.clone(),
            players: self.players.clone(),
            strategies,
            payoffs,
        }
    }

    /// A mixed profile of [`Nfg::restricted`]`(held)` in this game's
    /// strategies: each held player plays its action for sure.
    pub fn expand(&self, held: &[Option<usize>], strategies: &[Vec<f64>]) -> Vec<Vec<f64>> {
        strategies
            .iter()
            .zip(held)
            .zip(&self.strategies)
            .map(|((p, h), names)| match h {
                Some(a) => {
                    let mut one = vec![0.0; names.len()];
                    one[*a] = 1.0;
                    one
                }
                None => p.clone(),
            })
            .collect()
    }
}

impl Nfg {
    /// Profile k, in Gambit's order, as each player's strategy index.
    fn profile_of(&self, mut k: usize, out: &mut [usize]) {
        for (o, s) in out.iter_mut().zip(&self.strategies) {
            *o = k % s.len();
            k /= s.len();
        }
    }

    /// Every pure Nash equilibrium, as strategy indices per player, in
    /// Gambit's profile order: no player gains more than `tol` by another
    /// strategy of its own.
    pub fn pure_equilibria(&self, tol: f64) -> Vec<Vec<usize>> {
        self.pure_equilibria_held(tol, &vec![None; self.players.len()])
    }

    /// The pure equilibria of the game in which each player j with
    /// `held[j] = Some(a)` plays a and cannot deviate.
    pub fn pure_equilibria_held(&self, tol: f64, held: &[Option<usize>]) -> Vec<Vec<usize>> {
        let n = self.players.len();
        // Profile k's index moves by `stride[i]` per strategy of player i.
        let mut stride = vec![1usize; n];
        for i in 1..n {
            stride[i] = stride[i - 1] * self.strategies[i - 1].len();
        }
        let mut x = vec![0; n];
        let mut out = Vec::new();
        for k in 0..self.profiles() {
            self.profile_of(k, &mut x);
            if held.iter().zip(&x).any(|(h, &a)| h.is_some_and(|h| h != a)) {
                continue;
            }
            let stable = (0..n).filter(|&i| held[i].is_none()).all(|i| {
                let base = k - x[i] * stride[i];
                let here = self.payoff(k, i);
                (0..self.strategies[i].len())
                    .all(|s| self.payoff(base + s * stride[i], i) - here <= tol)
            });
            if stable {
                out.push(x.clone());
            }
        }
        out
    }
}

/// The table in mixed strategies: each player's expected payoffs, summed
/// over every pure profile weighted by the others' probabilities.
impl FiniteGame for Nfg {
    fn players(&self) -> usize {
        self.players.len()
    }
    fn actions(&self, i: usize) -> usize {
        self.strategies[i].len()
    }
    fn expected_payoffs(&self, i: usize, sigma: &Mixed, out: &mut [f64]) {
        out.fill(0.0);
        let n = self.players.len();
        for k in 0..self.profiles() {
            let (mut rest, mut weight, mut own) = (k, 1.0, 0);
            for j in 0..n {
                let len = self.strategies[j].len();
                let s = rest % len;
                rest /= len;
                if j == i {
                    own = s;
                } else {
                    weight *= sigma.agent(j)[s];
                }
            }
            if weight != 0.0 {
                out[own] += weight * self.payoff(k, i);
            }
        }
    }
}

/// What is wrong with an `.nfg` text, and on which line (1-based).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct NfgError {
    /// The line.
    pub line: usize,
    /// What was expected, and what was found.
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Text(String),
    Word(String),
}

/// The file's tokens with their lines: braces, quoted strings (backslash
/// escapes), and words (numbers, the header's `NFG`, `1`, `R`); commas
/// separate like spaces, as in Gambit's outcome lists.
fn tokens(text: &str) -> Result<Vec<(Token, usize)>, NfgError> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() || c == ',' => {}
            '{' => out.push((Token::Open, line)),
            '}' => out.push((Token::Close, line)),
            '"' => {
                let start = line;
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => {
                            return Err(NfgError {
                                line: start,
                                message: "a quoted string is not closed".into(),
                            });
                        }
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e) => s.push(e),
                            None => continue,
                        },
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            s.push(c);
                        }
                    }
                }
                out.push((Token::Text(s), start));
            }
            c => {
                let mut w = String::from(c);
                while let Some(&d) = chars.peek() {
                    if d.is_whitespace() || matches!(d, '{' | '}' | '"' | ',') {
                        break;
                    }
                    w.push(d);
                    chars.next();
                }
                out.push((Token::Word(w), line));
            }
        }
    }
    Ok(out)
}

/// A number as Gambit writes one: an integer, a decimal (with an
/// exponent), or a rational `p/q`.
fn number(w: &str) -> Option<f64> {
    let v = match w.split_once('/') {
        Some((p, q)) => {
            let (p, q): (f64, f64) = (p.parse().ok()?, q.parse().ok()?);
            (q != 0.0).then_some(p / q)?
        }
        None => w.parse().ok()?,
    };
    v.is_finite().then_some(v)
}

struct Cursor {
    tokens: Vec<(Token, usize)>,
    at: usize,
    last_line: usize,
}

impl Cursor {
    fn line(&self) -> usize {
        self.tokens.get(self.at).map_or(self.last_line, |t| t.1)
    }
    fn fail<T>(&self, expected: &str) -> Result<T, NfgError> {
        let found = match self.tokens.get(self.at) {
            None => "the end of the file".to_string(),
            Some((Token::Open, _)) => "`{`".into(),
            Some((Token::Close, _)) => "`}`".into(),
            Some((Token::Text(s), _)) => {
                format!("the string \"{}\"", crate::config::error::shorten(s))
            }
            Some((Token::Word(w), _)) => format!("`{}`", crate::config::error::shorten(w)),
        };
        Err(NfgError {
            line: self.line(),
            message: format!("expected {expected}, found {found}"),
        })
    }
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|t| &t.0)
    }
    fn open(&mut self, what: &str) -> Result<(), NfgError> {
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(&format!("`{{` opening {what}"))
        }
    }
    /// Whether the next token closes a list (and consume it if so).
    fn close(&mut self) -> bool {
        let closed = self.peek() == Some(&Token::Close);
        self.at += usize::from(closed);
        closed
    }
    fn text(&mut self, what: &str) -> Result<String, NfgError> {
        match self.peek() {
            Some(Token::Text(s)) => {
                let s = s.clone();
                self.at += 1;
                Ok(s)
            }
            _ => self.fail(what),
        }
    }
    fn word(&mut self, what: &str) -> Result<String, NfgError> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let w = w.clone();
                self.at += 1;
                Ok(w)
            }
            _ => self.fail(what),
        }
    }
    fn number(&mut self, what: &str) -> Result<f64, NfgError> {
        match self.peek() {
            Some(Token::Word(w)) => match number(w) {
                Some(v) => {
                    self.at += 1;
                    Ok(v)
                }
                None => self.fail(what),
            },
            _ => self.fail(what),
        }
    }
}

/// Read a strategic-form game in Gambit's `.nfg` format, payoff or outcome
/// version. Every error names the line and what was expected there.
pub fn read(text: &str) -> Result<Nfg, NfgError> {
    let tokens = tokens(text)?;
    let mut c = Cursor {
        last_line: tokens.last().map_or(1, |t| t.1),
        tokens,
        at: 0,
    };
    if c.word("the header `NFG 1 R \"title\"`")? != "NFG" {
        c.at -= 1;
        return c.fail("the header `NFG 1 R \"title\"`");
    }
    if c.word("the format version `1`")? != "1" {
        c.at -= 1;
        return c.fail("the format version `1`");
    }
    let kind = c.word("`R` (or `D`) after the version")?;
    if kind != "R" && kind != "D" {
        c.at -= 1;
        return c.fail("`R` (or `D`) after the version");
    }
    let title = c.text("the game's title, a quoted string")?;
    c.open("the players' names")?;
    let mut players = Vec::new();
    while !c.close() {
        players.push(c.text("a player's name (a quoted string) or `}`")?);
    }
    if players.is_empty() {
        c.at -= 1;
        return c.fail("at least one player");
    }
    c.open("the strategies (their numbers, or a list of names per player)")?;
    let mut strategies: Vec<Vec<String>> = Vec::new();
    while !c.close() {
        if c.peek() == Some(&Token::Open) {
            c.at += 1;
            let mut names = Vec::new();
            while !c.close() {
                names.push(c.text("a strategy's name (a quoted string) or `}`")?);
            }
            strategies.push(names);
        } else {
            let w = c.word("a number of strategies, a list of names, or `}`")?;
            match w.parse::<usize>() {
                Ok(k) if k >= 1 => strategies.push((1..=k).map(|s| s.to_string()).collect()),
                _ => {
                    c.at -= 1;
                    return c.fail("a number of strategies ≥ 1");
                }
            }
        }
        if strategies.last().is_some_and(Vec::is_empty) {
            c.at -= 1;
            return c.fail("at least one strategy per player");
        }
    }
    if strategies.len() != players.len() {
        c.at -= 1;
        return c.fail(&format!(
            "strategies for {} players, one list per player (found {})",
            players.len(),
            strategies.len()
        ));
    }
    let n = players.len();
    let profiles = strategies
        .iter()
        .try_fold(1u64, |acc, s| acc.checked_mul(s.len() as u64))
        .filter(|&p| p.saturating_mul(n as u64) <= crate::limits::MAX_NFG_PAYOFFS);
    let Some(profiles) = profiles else {
        return Err(NfgError {
            line: c.line(),
            message: format!(
                "the strategies make more than {} payoffs (profiles × players), the most a table may hold",
                crate::limits::MAX_NFG_PAYOFFS
            ),
        });
    };
    let profiles = profiles as usize;
    // An optional comment.
    if let Some(Token::Text(_)) = c.peek() {
        c.at += 1;
    }
    let mut payoffs = Vec::with_capacity(profiles * n);
    if c.peek() == Some(&Token::Open) {
        // The outcome version: outcomes, then each profile's outcome index.
        c.at += 1;
        let mut outcomes: Vec<Vec<f64>> = Vec::new();
        while !c.close() {
            c.open("an outcome `{ \"name\" payoffs }`")?;
            c.text("the outcome's name (a quoted string)")?;
            let mut values = Vec::with_capacity(n);
            while !c.close() {
                values.push(c.number("a payoff (a number such as 2, -0.5, 1e-3 or 3/2) or `}`")?);
            }
            if values.len() != n {
                c.at -= 1;
                return c.fail(&format!(
                    "{n} payoffs in outcome {} (one per player), found {}",
                    outcomes.len() + 1,
                    values.len()
                ));
            }
            outcomes.push(values);
        }
        for k in 0..profiles {
            let w = c.word(&format!(
                "the outcome index of profile {} of {profiles}",
                k + 1
            ))?;
            match w.parse::<usize>() {
                Ok(0) => payoffs.extend(std::iter::repeat_n(0.0, n)),
                Ok(o) if o <= outcomes.len() => payoffs.extend(&outcomes[o - 1]),
                _ => {
                    c.at -= 1;
                    return c.fail(&format!(
                        "an outcome index in 0..={} (0: no outcome)",
                        outcomes.len()
                    ));
                }
            }
        }
    } else {
        for k in 0..profiles * n {
            payoffs.push(c.number(&format!(
                "payoff {} of {} ({profiles} profiles × {n} players): a number such as 2, -0.5, 1e-3 or 3/2",
                k + 1,
                profiles * n
            ))?);
        }
    }
    if c.peek().is_some() {
        return c.fail(&format!("the end of the file after {} profiles", profiles));
    }
    Ok(Nfg {
        title,
        players,
        strategies,
        payoffs,
    })
}
