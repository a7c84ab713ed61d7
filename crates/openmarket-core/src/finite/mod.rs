//! Finite games in mixed strategies (docs/model.md §C): the objects that
//! fictitious play, logit and no-regret learning converge to on a game with
//! finitely many actions.
//!
//! A [`FiniteGame`] gives each player's exact expected payoffs against the
//! others' mixed strategies (a product distribution); from them follow the
//! exact regret and NashConv of a mixed profile. [`BinaryGame`] holds a
//! game with two actions per player as its table of pure payoffs (the
//! discrete race, a 2×2 bimatrix); on it [`nash`] lists the mixed Nash
//! equilibria, [`qre`] traces the logit quantal response equilibrium, and
//! [`nfg`] writes and reads Gambit's strategic-form format.

pub mod binary;
pub mod nash;
pub mod nfg;
pub mod qre;
pub mod support;

pub use binary::BinaryGame;

/// A mixed profile: each player's probabilities over its actions, in one
/// flat buffer (so rules that update it every iteration allocate nothing).
#[derive(Clone, Debug, PartialEq)]
pub struct Mixed {
    probs: Vec<f64>,
    start: Vec<usize>,
}

impl Mixed {
    /// Every player at the uniform distribution over `actions[i]` actions.
    pub fn uniform(actions: &[usize]) -> Mixed {
        let mut start = Vec::with_capacity(actions.len() + 1);
        let mut probs = Vec::new();
        for &k in actions {
            start.push(probs.len());
            probs.extend(std::iter::repeat_n(1.0 / k as f64, k));
        }
        start.push(probs.len());
        Mixed { probs, start }
    }

    /// The profile of a two-action game from each player's probability of
    /// its second action (the race: the probability of opening).
    pub fn binary(q: &[f64]) -> Mixed {
        let mut m = Mixed::uniform(&vec![2; q.len()]);
        for (i, &p) in q.iter().enumerate() {
            m.set_binary(i, p);
        }
        m
    }

    /// The profile with player i at `strategies[i]`.
    pub fn from_split(strategies: &[Vec<f64>]) -> Mixed {
        let mut start = Vec::with_capacity(strategies.len() + 1);
        let mut probs = Vec::new();
        for s in strategies {
            start.push(probs.len());
            probs.extend_from_slice(s);
        }
        start.push(probs.len());
        Mixed { probs, start }
    }

    /// Set every entry to `v`.
    pub fn fill(&mut self, v: f64) {
        self.probs.fill(v);
    }

    /// Every player's probabilities, one player after another.
    pub fn flat(&self) -> &[f64] {
        &self.probs
    }

    /// The number of players.
    pub fn players(&self) -> usize {
        self.start.len() - 1
    }

    /// Player i's probabilities.
    pub fn agent(&self, i: usize) -> &[f64] {
        &self.probs[self.start[i]..self.start[i + 1]]
    }

    /// Player i's probabilities, to change in place.
    pub fn agent_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.probs[self.start[i]..self.start[i + 1]]
    }

    /// Set a two-action player's probability of action 1.
    pub fn set_binary(&mut self, i: usize, p: f64) {
        let a = self.agent_mut(i);
        a[0] = 1.0 - p;
        a[1] = p;
    }
}

/// A game with finitely many actions per player, in mixed strategies.
pub trait FiniteGame: Sync {
    /// The number of players.
    fn players(&self) -> usize;
    /// Player i's number of actions.
    fn actions(&self, i: usize) -> usize;
    /// u_i(a, σ_{−i}) for every action a of player i, into `out`: the exact
    /// expectation over the other players' independent mixed strategies
    /// (player i's own entry of `sigma` is ignored).
    fn expected_payoffs(&self, i: usize, sigma: &Mixed, out: &mut [f64]);
}

/// Player i's regret at σ: max_a u_i(a, σ_{−i}) − u_i(σ), ≥ 0 up to
/// rounding; `buf` has one slot per action of player i.
pub fn regret(game: &dyn FiniteGame, i: usize, sigma: &Mixed, buf: &mut [f64]) -> f64 {
    game.expected_payoffs(i, sigma, buf);
    let best = buf.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let here: f64 = buf.iter().zip(sigma.agent(i)).map(|(u, p)| u * p).sum();
    (best - here).max(0.0)
}

/// NashConv of σ: the sum of the players' regrets (0 exactly at a Nash
/// equilibrium).
pub fn nash_conv(game: &dyn FiniteGame, sigma: &Mixed) -> f64 {
    let widest = (0..game.players())
        .map(|i| game.actions(i))
        .max()
        .unwrap_or(0);
    let mut buf = vec![0.0; widest];
    (0..game.players())
        .map(|i| regret(game, i, sigma, &mut buf[..game.actions(i)]))
        .sum()
}
