//! The openness family ([`Family`]): a market of G and its specialists,
//! optionally with a regulator that learns (θ, p).

use rand_chacha::ChaCha8Rng;

use super::learning::MarketGame;
use super::market::Market;
use super::regulator::{Regulable, RegulatorConfig};
use super::sector::Sector;
use super::{config, judge};
use crate::concept::Concept;
use crate::config::error::{ConfigError, Cx};
use crate::dynamics::{DynamicsConfig, Observer, Schedule};
use crate::family::{AgentTable, Family, Numbered, RunAt, Simulated};
use crate::judge::Target;
use crate::limits::{MAX_DYNAMIC_SPECIALISTS, MAX_REGULATED_ITERATIONS};
use crate::method::{Method, SolveError};
use crate::rows::{EquilibriumRow, PointSolution, RunRow, SectorRow, TrajectoryRow, WelfareRow};

/// A config's openness model: the market, and the regulator that learns
/// its regulation, if the config has one.
#[derive(Clone, Debug, PartialEq)]
pub struct Openness {
    /// G and its specialists.
    pub market: Market,
    /// `[regulator]` (with `[dynamics.regulator]`): a regulator that learns
    /// (θ, p).
    pub regulator: Option<RegulatorConfig>,
}

impl Family for Openness {
    const AGENT_KEYS: &'static [&'static str] = &["generalist", "specialist", "regulator"];
    const SECTIONS: &'static [&'static str] = &["regulator"];

    fn parse(cx: &Cx, model: toml::Value, table: &toml::Table) -> Result<Self, ConfigError> {
        let market = config::market(cx, model)?;
        let rule = table
            .get("dynamics")
            .and_then(|d| d.get("regulator"))
            .map(|v| super::regulator::config::rule(cx, v))
            .transpose()?;
        let regulator = match table.get("regulator") {
            None if rule.is_some() => {
                return Err(cx.err(
                    "dynamics.regulator",
                    "needs a [regulator] section: the objective and the search box".into(),
                ));
            }
            None => None,
            Some(v) => Some(super::regulator::config::regulator(
                cx,
                v,
                market.regulation(),
                rule,
            )?),
        };
        Ok(Openness { market, regulator })
    }

    fn declared_size(model: &toml::Value) -> u64 {
        config::declared_size(model)
    }

    fn agents(&self) -> usize {
        self.market.agents()
    }

    fn agent_name(&self, i: usize) -> String {
        match (&self.market, i) {
            (_, 0) => "the generalist".into(),
            (Market::Pair(_), _) => "the specialist".into(),
            (Market::Sector(_), _) => format!("specialist {}", i - 1),
        }
    }

    fn agent_label(&self, i: usize) -> String {
        match (&self.market, i) {
            (_, 0) => "generalist".into(),
            (Market::Pair(_), _) => "specialist".into(),
            (Market::Sector(_), _) => format!("specialist {}", i - 1),
        }
    }

    fn agent_tables(&self) -> Vec<AgentTable> {
        let generalist = AgentTable::One {
            key: "generalist",
            agent: 0,
        };
        match &self.market {
            Market::Pair(_) => vec![
                generalist,
                AgentTable::One {
                    key: "specialist",
                    agent: 1,
                },
            ],
            Market::Sector(m) => vec![
                generalist,
                AgentTable::Group(Numbered {
                    key: "specialist",
                    first: 1,
                    count: m.specialists.len(),
                    noun: "specialist",
                    whole: "sector",
                }),
            ],
        }
    }

    fn schedule(&self, requested: Option<Schedule>) -> Result<Schedule, String> {
        match requested {
            None | Some(Schedule::Sequential) => Ok(Schedule::Sequential),
            Some(other) => Err(format!(
                "= \"{}\" does not fit the openness market, which is played in stage order (G announces ω, then D responds): \"sequential\" (the default)",
                <&str>::from(other)
            )),
        }
    }

    fn leader_every(&self, _: u64) -> Result<(), String> {
        Ok(())
    }

    fn width(&self) -> u64 {
        match &self.market {
            // A sector's point carries a value per specialist in every row.
            Market::Sector(m) => 1 + m.specialists.len() as u64,
            Market::Pair(_) => 1,
        }
    }

    // A regulated run's iterations are its regulator's steps × the market's
    // per step; its trajectory keeps the regulator's steps.
    fn steps(&self, cx: &Cx, d: &DynamicsConfig) -> Result<u64, ConfigError> {
        let Some(r) = &self.regulator else {
            return Ok(d.termination.max_iterations);
        };
        let total = r.inner_iterations.saturating_mul(r.outer_iterations);
        if total > MAX_REGULATED_ITERATIONS {
            return Err(cx.err(
                "regulator.inner_iterations",
                format!(
                    "× outer_iterations = {} × {} = {total} market iterations per run, more than {MAX_REGULATED_ITERATIONS}",
                    r.inner_iterations, r.outer_iterations
                ),
            ));
        }
        Ok(r.outer_iterations)
    }

    fn validate(&self, dynamics: Option<&DynamicsConfig>) -> Result<(), String> {
        let k = self.market.specialists();
        let Some(d) = dynamics else {
            // Its optimal regulation solves the sector some thousand times.
            if self.market.is_sector() && self.regulator.is_some() && k > MAX_DYNAMIC_SPECIALISTS {
                return Err(format!(
                    "a regulator of {k} specialists; a regulated sector takes at most {MAX_DYNAMIC_SPECIALISTS}"
                ));
            }
            return Ok(());
        };
        if self.market.is_sector() && k > MAX_DYNAMIC_SPECIALISTS {
            return Err(format!(
                "{k} specialists; the dynamics take at most {MAX_DYNAMIC_SPECIALISTS}"
            ));
        }
        // Any δ will do: what a rule needs of its role and actions does not
        // depend on it.
        let delta = (!self.market.is_sector()).then_some(0.5);
        d.check_rules(&MarketGame::new(&self.market, delta, 1), |i| {
            self.agent_name(i)
        })
    }

    fn solve(
        &self,
        point: usize,
        dynamics: Option<&DynamicsConfig>,
    ) -> Result<PointSolution, SolveError> {
        let row = |solver, index, actions| EquilibriumRow::new(point, solver, index, actions);
        let (mut rows, equilibria, delta, target) = match &self.market {
            Market::Sector(m) => {
                let o = m.solve();
                let actions = Sector::actions(&o);
                let u_d: f64 = o.specialists.iter().map(|s| s.u_d).sum();
                let rows = vec![EquilibriumRow {
                    regime: Some(o.regime),
                    delta: o.delta,
                    concept: Concept::Spe,
                    welfare: Some(WelfareRow {
                        payoffs: std::iter::once(o.u_g)
                            .chain(o.specialists.iter().map(|s| s.u_d))
                            .collect(),
                        penalty_paid: o.penalty_paid,
                        total_surplus: o.u_g + u_d + o.penalty_paid,
                        omega_unregulated: o.omega_unregulated,
                        pareto_improvement: None,
                    }),
                    sector: Some(SectorRow {
                        entrants: o.entrants as u64,
                        enters: o.specialists.iter().map(|s| s.enters).collect(),
                        u_d: o.specialists.iter().map(|s| s.u_d).collect(),
                    }),
                    ..row(Method::ClosedForm, 0, actions)
                }];
                let market = m.at_agreed(o.delta);
                let target =
                    dynamics.map(|d| judge::target(&self.market, o.delta, &d.rules(self.agents())));
                // Runs are compared with the SPE profile G kept in, as in the
                // pair game (the row above shows everyone out when G exits).
                (rows, vec![market.kept_in(o.choice)], o.delta, target)
            }
            Market::Pair(g) => {
                let eq = g.solve();
                let spe = MarketGame::new(&self.market, Some(eq.delta), 1).equilibrium();
                let rows = vec![EquilibriumRow {
                    regime: Some(eq.regime),
                    delta: Some(eq.delta),
                    concept: Concept::Spe,
                    welfare: Some(WelfareRow {
                        payoffs: vec![eq.u_g, eq.u_d],
                        penalty_paid: eq.penalty_paid,
                        total_surplus: eq.total_surplus,
                        omega_unregulated: eq.omega_unregulated,
                        pareto_improvement: g.regulation.is_some().then_some(eq.pareto_improvement),
                    }),
                    ..row(Method::ClosedForm, 0, spe.clone())
                }];
                let target =
                    dynamics.map(|d| judge::target(&self.market, Some(eq.delta), &d.rules(2)));
                (rows, vec![spe], Some(eq.delta), target)
            }
        };
        let optimal = self.regulator.as_ref().map(|reg| {
            let o = self.market.optimal_regulation(reg.objective, &reg.search);
            let at_delta = self
                .market
                .regulated(&reg.search, o.theta, o.penalty)
                .agreed_delta();
            rows.push(EquilibriumRow {
                regime: Some(o.regime),
                delta: at_delta,
                concept: Concept::OptimalRegulation,
                target: true,
                ..row(Method::RegimeSearch, rows.len(), vec![o.theta, o.penalty])
            });
            o
        });
        Ok(PointSolution {
            rows,
            equilibria,
            delta,
            target,
            optimal,
        })
    }

    fn simulate(
        &self,
        solution: &PointSolution,
        target: &Target,
        d: &DynamicsConfig,
        rng: &mut ChaCha8Rng,
        observer: &mut dyn Observer,
    ) -> Simulated {
        let game = MarketGame::new(&self.market, solution.delta, d.leader_every);
        let sim = game.simulate(d, target, rng, observer);
        let entrants = self
            .market
            .is_sector()
            .then(|| sim.result.actions[1..].iter().filter(|&&a| a > 0.0).count() as u64);
        Simulated { entrants, ..sim }
    }

    fn outer_run(
        &self,
        solution: &PointSolution,
        d: &DynamicsConfig,
        at: RunAt,
        rng: &mut ChaCha8Rng,
    ) -> Option<(RunRow, Vec<TrajectoryRow>)> {
        let reg = self.regulator.as_ref()?;
        Some(super::regulator::run::run(
            &self.market,
            reg,
            d,
            solution,
            at,
            rng,
        ))
    }
}
