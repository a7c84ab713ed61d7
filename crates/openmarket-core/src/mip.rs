//! One small trait over the MIP solvers that good_lp drives.
//!
//! The default build uses microlp (pure Rust, nothing to install); the
//! `highs` feature adds HiGHS, about 25x faster on large models
//! (../shared/notes). Formulations live with their games (race::mip).

use std::collections::HashMap;

use std::time::{Duration, Instant};

use good_lp::{
    Constraint, Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable,
    WithTimeLimit,
};

/// A minimisation problem: variables, linear constraints, objective.
pub struct MipModel {
    /// The variables.
    pub vars: ProblemVariables,
    /// The linear constraints.
    pub constraints: Vec<Constraint>,
    /// What to minimise.
    pub objective: Expression,
    /// Stop after this long; `None` runs to the end.
    pub time_limit: Option<Duration>,
}

/// Variable values at an optimum.
pub struct Values(HashMap<Variable, f64>);

impl Values {
    /// The value of `v`.
    pub fn get(&self, v: Variable) -> f64 {
        self.0[&v]
    }
}

/// How a solve ended.
pub enum Outcome {
    /// A feasible point (optimal, or the incumbent when time ran out: the
    /// race's models are feasibility problems, so any point is an answer).
    Feasible(Values),
    /// The model has no feasible point.
    Infeasible,
    /// Time ran out before any feasible point was found or infeasibility
    /// was proven.
    TimedOut,
}

/// A MIP solver.
pub trait MipBackend: Sync {
    /// The backend's name (`microlp`, `highs`).
    fn name(&self) -> &'static str;
    /// Solve `model`.
    fn solve(&self, model: MipModel) -> Result<Outcome, String>;
}

/// Build `m` for `solver`, let `configure` set solver options, solve.
fn solve_with<S>(
    m: MipModel,
    solver: S,
    configure: impl FnOnce(S::Model) -> S::Model,
) -> Result<Outcome, String>
where
    S: good_lp::Solver,
    S::Model: SolverModel<Error = ResolutionError> + WithTimeLimit,
{
    let vars: Vec<Variable> = m.vars.iter_variables_with_def().map(|(v, _)| v).collect();
    let mut model = configure(m.vars.minimise(m.objective).using(solver));
    if let Some(limit) = m.time_limit {
        model = model.with_time_limit(limit.as_secs_f64());
    }
    for c in m.constraints {
        model.add_constraint(c);
    }
    let started = Instant::now();
    let out_of_time = |e: &ResolutionError| {
        m.time_limit.is_some_and(|limit| {
            // microlp says "Time limit reached…", HiGHS "NoSolutionFound".
            let s = e.to_string();
            s.contains("ime limit") || s.contains("NoSolution") || started.elapsed() >= limit
        })
    };
    match model.solve() {
        Ok(sol) => Ok(Outcome::Feasible(Values(
            vars.iter().map(|&v| (v, sol.value(v))).collect(),
        ))),
        Err(ResolutionError::Infeasible) => Ok(Outcome::Infeasible),
        Err(e) if out_of_time(&e) => Ok(Outcome::TimedOut),
        Err(e) => Err(e.to_string()),
    }
}

/// microlp: pure Rust, the default.
pub struct Microlp;

impl MipBackend for Microlp {
    fn name(&self) -> &'static str {
        "microlp"
    }

    fn solve(&self, m: MipModel) -> Result<Outcome, String> {
        solve_with(m, good_lp::microlp, |model| model)
    }
}

/// HiGHS (cargo feature `highs`).
#[cfg(feature = "highs")]
pub struct Highs;

#[cfg(feature = "highs")]
impl MipBackend for Highs {
    fn name(&self) -> &'static str {
        "highs"
    }

    fn solve(&self, m: MipModel) -> Result<Outcome, String> {
        // HiGHS's default feasibility tolerances (1e-7) leave equilibria
        // that miss the exact best-response check (1e-7 gain) by a hair.
        solve_with(m, good_lp::highs, |mut model| {
            model.set_verbose(false);
            model
                .set_option("primal_feasibility_tolerance", 1e-9)
                .set_option("mip_feasibility_tolerance", 1e-9)
                .set_option("dual_feasibility_tolerance", 1e-9)
        })
    }
}

/// Names accepted by [`backend`].
pub fn backend_names() -> &'static [&'static str] {
    if cfg!(feature = "highs") {
        &["highs", "microlp"]
    } else {
        &["microlp"]
    }
}

/// The fastest backend compiled in.
pub fn default_backend() -> &'static dyn MipBackend {
    #[cfg(feature = "highs")]
    return &Highs;
    #[cfg(not(feature = "highs"))]
    &Microlp
}

/// The backend called `name`, if it is compiled in.
pub fn backend(name: &str) -> Result<&'static dyn MipBackend, String> {
    match name {
        "microlp" => Ok(&Microlp),
        #[cfg(feature = "highs")]
        "highs" => Ok(&Highs),
        #[cfg(not(feature = "highs"))]
        "highs" => {
            Err("the HiGHS backend is not compiled in: rebuild with --features highs".into())
        }
        other => Err(format!(
            "unknown MIP backend \"{other}\"; one of {:?}",
            backend_names()
        )),
    }
}
