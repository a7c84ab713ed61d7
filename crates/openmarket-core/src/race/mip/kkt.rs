//! The continuous race's MIP: every lab's KKT conditions at once, with
//! complementarity modelled by binaries; cuts on the regime pattern list
//! distinct equilibria, and an LP over a pattern's polyhedron detects
//! continua.

use good_lp::{Constraint, Expression, ProblemVariables, Variable, constraint, variable};

use super::super::{
    Actions, FreeCoordinate, RaceEquilibrium, RaceGame, RaceSolution, RaceSolver, SolveError,
    Utility, VERIFY_TOL,
};
use super::{
    Budget, Ranges, no_good, progress_expr, require_costless_share, share_gain_expr, solve,
    solve_once, sum,
};
use crate::method::Method;
use crate::mip::MipBackend;
use crate::mip::{MipModel, Values};
use std::time::Duration;

/// How many equilibria the continuous listing returns at most.
pub const DEFAULT_MAX_EQUILIBRIA: usize = 256;
/// Candidates failing the exact check after which a listing gives up.
const MAX_REJECTED: usize = 16;

/// The continuous game's pure NE by a KKT / complementarity MIP.
pub struct ContinuousMip<'a> {
    /// The MIP solver.
    pub backend: &'a dyn MipBackend,
    /// Stop listing after this many regime patterns (`complete = false`).
    pub max_equilibria: usize,
    /// The time one solve may take.
    pub time_limit: Option<Duration>,
}

struct KktModel {
    vars: ProblemVariables,
    cons: Vec<Constraint>,
    x: Vec<Variable>,
    /// Regime pattern per lab: x_i = 0 forced, x_i = 1 forced.
    lo: Vec<Variable>,
    hi: Vec<Variable>,
    /// Every binary, to fix the pattern when probing for continua.
    binaries: Vec<Variable>,
}

fn kkt_model(game: &RaceGame) -> Result<KktModel, SolveError> {
    require_costless_share(game)?;
    let n = game.n();
    let r = Ranges::of(game);
    let (p_lo, p_hi) = (
        r.p_min.iter().copied().fold(f64::MAX, f64::min),
        r.p_max.iter().copied().fold(f64::MIN, f64::max),
    );
    let mut vars = ProblemVariables::new();
    let mut cons = Vec::new();
    let mut binaries = Vec::new();
    let x: Vec<Variable> = (0..n)
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let mut lo = Vec::with_capacity(n);
    let mut hi = Vec::with_capacity(n);
    for i in 0..n {
        let (l, h) = (vars.add(variable().binary()), vars.add(variable().binary()));
        binaries.extend([l, h]);
        lo.push(l);
        hi.push(h);
        cons.push(constraint!(l + h <= 1.0));
        cons.push(constraint!(x[i] <= 1.0 - l));
        cons.push(constraint!(x[i] >= h));
        match game.utility {
            Utility::Share => {
                // Bang-bang: g ≤ 0 at 0, g ≥ 0 at 1, g = 0 in between.
                let (g, bound) = share_gain_expr(game, i, &x, &r);
                cons.push(constraint!(g.clone() <= bound * h));
                cons.push(constraint!(g >= -bound * l));
            }
            Utility::Lead | Utility::Gap => {
                // Lab i's LP: max t − c_i·x_i over (x_i, z, t) subject to
                //   z ≥ P_k (k ≠ i) [μ_k],  t ≤ P_i − z [β],  t ≤ 0 [α] (gap only),
                //   0 ≤ x_i [π],  x_i ≤ 1 [ν].
                // Lead is the case α = 0, β = 1 (t = P_i − z).
                let gap = game.utility == Utility::Gap;
                let z = vars.add(variable().min(p_lo).max(p_hi));
                let rivals: Vec<usize> = (0..n).filter(|&k| k != i).collect();
                let mu: Vec<Variable> = rivals
                    .iter()
                    .map(|_| vars.add(variable().min(0.0).max(1.0)))
                    .collect();
                let m_mult = game.cost[i]
                    + game.boost[i]
                    + rivals.iter().map(|&k| game.b(i, k)).fold(0.0, f64::max)
                    + 1.0;
                let pi = vars.add(variable().min(0.0).max(m_mult));
                let nu = vars.add(variable().min(0.0).max(m_mult));
                for (&k, &mu_k) in rivals.iter().zip(&mu) {
                    let y = vars.add(variable().binary());
                    binaries.push(y);
                    let pk = progress_expr(game, k, &x, None);
                    cons.push(constraint!(z >= pk.clone()));
                    cons.push(constraint!(z - pk <= r.spread * (1.0 - y)));
                    cons.push(constraint!(mu_k <= y));
                }
                // β = Σ_k μ_k (z's stationarity) and α = 1 − β (t's) are
                // substituted: fewer equalities keep microlp's bases regular.
                let beta = sum(mu.iter().copied());
                if gap {
                    let t = vars.add(variable().min(-2.0 * r.spread).max(0.0));
                    let (w_alpha, w_beta) =
                        (vars.add(variable().binary()), vars.add(variable().binary()));
                    binaries.extend([w_alpha, w_beta]);
                    let pi_expr = progress_expr(game, i, &x, None);
                    cons.push(constraint!(beta.clone() <= 1.0));
                    cons.push(constraint!(t <= pi_expr.clone() - z));
                    // α·(−t) = 0 and β·(P_i − z − t) = 0.
                    cons.push(constraint!(1.0 - beta.clone() <= w_alpha));
                    cons.push(constraint!(-t <= 2.0 * r.spread * (1.0 - w_alpha)));
                    cons.push(constraint!(beta.clone() <= w_beta));
                    cons.push(constraint!(
                        pi_expr - z - t <= 3.0 * r.spread * (1.0 - w_beta)
                    ));
                } else {
                    cons.push(constraint!(beta.clone() == 1.0));
                }
                // Stationarity in x_i: β·a_i − c_i − Σ_k μ_k·b_ik + π − ν = 0.
                let marginal = rivals
                    .iter()
                    .zip(&mu)
                    .fold(Expression::from(0.0), |e, (&k, &m)| {
                        e + (game.boost[i] - game.b(i, k)) * m
                    });
                cons.push(constraint!(marginal - game.cost[i] + pi - nu == 0.0));
                cons.push(constraint!(pi <= m_mult * l));
                cons.push(constraint!(nu <= m_mult * h));
            }
        }
    }
    Ok(KktModel {
        vars,
        cons,
        x,
        lo,
        hi,
        binaries,
    })
}

impl RaceSolver for ContinuousMip<'_> {
    fn method(&self) -> Method {
        Method::Mip
    }

    fn supports(&self, game: &RaceGame) -> Result<(), SolveError> {
        if game.actions != Actions::Continuous {
            return Err(SolveError::Unsupported(
                "the KKT MIP needs actions = \"continuous\"".into(),
            ));
        }
        require_costless_share(game)
    }

    fn solve(&self, game: &RaceGame) -> Result<RaceSolution, SolveError> {
        self.supports(game)?;
        let model = kkt_model(game)?;
        let budget = Budget::new(self.time_limit);
        let pattern_vars: Vec<Variable> = model.lo.iter().chain(&model.hi).copied().collect();
        let mut cuts: Vec<Constraint> = Vec::new();
        let (mut found, mut rejected) = (Vec::<RaceEquilibrium>::new(), 0);
        let mut complete = true;
        loop {
            // Candidates that fail the exact check are cut and counted, but
            // do not use up the cap on equilibria.
            if found.len() >= self.max_equilibria || rejected >= MAX_REJECTED {
                complete = false;
                break;
            }
            let all: Vec<Constraint> = model
                .cons
                .iter()
                .cloned()
                .chain(cuts.iter().cloned())
                .collect();
            let Some(v) = solve(self.backend, &model.vars, &all, &model.x, &budget)? else {
                break;
            };
            let pattern: Vec<bool> = pattern_vars.iter().map(|b| v.get(*b) > 0.5).collect();
            cuts.push(no_good(&pattern_vars, &pattern));
            let xs: Vec<f64> = model
                .x
                .iter()
                .map(|xi| v.get(*xi).clamp(0.0, 1.0))
                .collect();
            // Snap solver noise at the bounds before the exact check.
            let xs: Vec<f64> = xs
                .iter()
                .map(|&t| {
                    if t < 1e-9 {
                        0.0
                    } else if t > 1.0 - 1e-9 {
                        1.0
                    } else {
                        t
                    }
                })
                .collect();
            if game.epsilon_nash(&xs) > VERIFY_TOL {
                if std::env::var_os("OPENMARKET_DEBUG_MIP").is_some() {
                    eprintln!(
                        "rejected candidate {xs:?}: largest gain {:e}",
                        game.epsilon_nash(&xs)
                    );
                }
                rejected += 1;
                continue;
            }
            if found
                .iter()
                .any(|e| e.actions.iter().zip(&xs).all(|(a, b)| (a - b).abs() < 1e-7))
            {
                continue;
            }
            let free = self.free_coordinates(&model, &v, &budget)?;
            found.push(game.equilibrium(xs, free));
        }
        if found.is_empty() && complete {
            return Err(SolveError::Mip(format!(
                "no continuous equilibrium found, though one exists (Debreu–Glicksberg–Fan); {rejected} candidates failed the exact check"
            )));
        }
        Ok(RaceSolution::new(self.method(), found, rejected, complete))
    }
}

impl ContinuousMip<'_> {
    /// With every binary fixed, the KKT system is linear, so the equilibria
    /// sharing this solution's complementarity pattern form a polyhedron.
    /// Minimising and maximising each x_i over it gives the projection; a
    /// non-degenerate interval means a continuum.
    fn free_coordinates(
        &self,
        model: &KktModel,
        v: &Values,
        budget: &Budget,
    ) -> Result<Vec<FreeCoordinate>, SolveError> {
        let mut fixed = model.cons.clone();
        for b in &model.binaries {
            fixed.push(constraint!(*b == v.get(*b).round()));
        }
        let mut free = Vec::new();
        for (lab, &xi) in model.x.iter().enumerate() {
            // A lab held at a bound by its pattern (lo or hi set) cannot move.
            if v.get(model.lo[lab]) > 0.5 || v.get(model.hi[lab]) > 0.5 {
                continue;
            }
            let mut ends = [0.0_f64; 2];
            for (end, sign) in ends.iter_mut().zip([1.0, -1.0]) {
                let m = MipModel {
                    vars: model.vars.clone(),
                    constraints: fixed.clone(),
                    objective: sign * xi,
                    time_limit: None,
                };
                let sol = solve_once(self.backend, m, budget)?.map_err(SolveError::Mip)?;
                *end = sol.map_or(v.get(xi), |s| s.get(xi));
            }
            if ends[1] - ends[0] > 1e-7 {
                free.push(FreeCoordinate {
                    lab,
                    min: ends[0].max(0.0),
                    max: ends[1].min(1.0),
                });
            }
        }
        Ok(free)
    }
}
