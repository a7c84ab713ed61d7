//! The discrete race in mixed strategies: each lab opens with some
//! probability, independently. Expected payoffs are exact: the rivals'
//! 2^(n−1) profiles are enumerated depth first, with progress updated one
//! lab at a time and zero-probability branches skipped, so a pure or
//! nearly pure profile costs far less than the worst case.

use super::{Actions, RaceGame, SolveError};
use crate::finite::nash::{self, MixedSolution};
use crate::finite::{BinaryGame, FiniteGame, Mixed, qre};
use crate::limits::{MAX_MIXED_LABS, MAX_MIXED_NE_LABS, MAX_QRE_LABS};

fn require(game: &RaceGame, max: usize, what: &'static str) -> Result<(), SolveError> {
    if game.actions != Actions::Discrete {
        return Err(SolveError::Unsupported(format!(
            "{what} are defined for the discrete race (actions = \"discrete\")"
        )));
    }
    if game.n() > max {
        return Err(SolveError::TooManyLabs {
            n: game.n(),
            max,
            what,
        });
    }
    Ok(())
}

impl RaceGame {
    /// Whether the mixed-strategy expected payoffs of this race can be
    /// computed exactly (discrete, at most [`MAX_MIXED_LABS`] labs).
    pub fn check_mixed(&self) -> Result<(), SolveError> {
        require(self, MAX_MIXED_LABS, "mixed-strategy payoffs")
    }

    /// Every Nash equilibrium of the discrete race, mixed ones included.
    pub fn mixed_equilibria(&self) -> Result<MixedSolution, SolveError> {
        require(self, MAX_MIXED_NE_LABS, "mixed equilibria")?;
        Ok(nash::equilibria(&self.binary()))
    }

    /// The logit QRE at temperature τ on the principal branch: each lab's
    /// probability of opening.
    pub fn logit_qre(&self, tau: f64) -> Result<Vec<f64>, SolveError> {
        require(self, MAX_QRE_LABS, "logit QRE")?;
        qre::logit_qre(&self.binary(), tau).map_err(|e| SolveError::Unsupported(e.to_string()))
    }
}

impl RaceGame {
    /// The discrete race as a table of pure payoffs (bit i of a profile =
    /// lab i opens), for the mixed-equilibrium and QRE solvers.
    pub fn binary(&self) -> BinaryGame {
        let n = self.n();
        let mut x = vec![0.0; n];
        let mut p = vec![0.0; n];
        BinaryGame::from_payoffs(n, |bits, out| {
            for (j, xj) in x.iter_mut().enumerate() {
                *xj = ((bits >> j) & 1) as f64;
            }
            self.progress_into(&x, &mut p);
            for (i, u) in out.iter_mut().enumerate() {
                *u = self.utility_at(i, &x, &p);
            }
        })
    }

    /// Lab i's expected utilities of staying closed and of opening when
    /// each rival j opens with probability `q[j]` (q_i ignored), exactly.
    /// Allocation-free: one progress vector per depth, on the stack.
    pub fn expected_pair(&self, i: usize, q: &[f64]) -> (f64, f64) {
        let n = self.n();
        assert!(self.actions == Actions::Discrete && n <= MAX_MIXED_LABS);
        let mut stack = [[0.0; MAX_MIXED_LABS]; MAX_MIXED_LABS + 1];
        stack[0][..n].copy_from_slice(&self.head_start);
        let mut out = [0.0; 2];
        // stack[d] holds the progress after the first d rivals have acted;
        // the walk passes the tail of the stack down.
        self.expected_walk(i, q, 0, 1.0, &mut stack, &mut out);
        (out[0], out[1])
    }

    fn expected_walk(
        &self,
        i: usize,
        q: &[f64],
        from: usize,
        weight: f64,
        stack: &mut [[f64; MAX_MIXED_LABS]],
        out: &mut [f64; 2],
    ) {
        let n = self.n();
        let Some(j) = (from..n).find(|&j| j != i) else {
            let p = &stack[0][..n];
            out[0] += weight * self.deviation_utility(i, 0.0, 0.0, p);
            out[1] += weight * self.deviation_utility(i, 1.0, 0.0, p);
            return;
        };
        let open = q[j];
        let (now, rest) = stack.split_at_mut(1);
        if open < 1.0 {
            rest[0][..n].copy_from_slice(&now[0][..n]);
            self.expected_walk(i, q, j + 1, weight * (1.0 - open), rest, out);
        }
        if open > 0.0 {
            let next = &mut rest[0][..n];
            next.copy_from_slice(&now[0][..n]);
            // The diagonal of the leak matrix is zero: the row adds whole.
            for (pk, b) in next.iter_mut().zip(&self.leak[j * n..(j + 1) * n]) {
                *pk += b;
            }
            next[j] += self.boost[j];
            self.expected_walk(i, q, j + 1, weight * open, rest, out);
        }
    }
}

impl FiniteGame for RaceGame {
    fn players(&self) -> usize {
        self.n()
    }

    fn actions(&self, _: usize) -> usize {
        2
    }

    /// u_i(closed, σ_{−i}) and u_i(open, σ_{−i}), exactly. The race must be
    /// discrete with at most [`MAX_MIXED_LABS`] labs (plans check both).
    fn expected_payoffs(&self, i: usize, sigma: &Mixed, out: &mut [f64]) {
        let q: Vec<f64> = (0..self.n()).map(|j| sigma.agent(j)[1]).collect();
        let (u0, u1) = self.expected_pair(i, &q);
        out[0] = u0;
        out[1] = u1;
    }
}
