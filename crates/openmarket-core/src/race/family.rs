//! The race family ([`Family`]): n labs in a winner-takes-all race.

use rand_chacha::ChaCha8Rng;

use super::learning::RaceLearning;
use super::solve::{self, Answer, Choice, Options, Question};
use super::{RaceGame, config, judge};
use crate::config::error::{ConfigError, Cx};
use crate::dynamics::{DynamicsConfig, Observer, Schedule};
use crate::family::{AgentTable, Family, Numbered, Simulated};
use crate::judge::{Target, simulate};
use crate::limits::{DEFAULT_MIP_SECONDS, MAX_DYNAMIC_LABS};
use crate::method::SolveError;
use crate::mip::default_backend;
use crate::rows::{AnswerRow, EquilibriumRow, PointSolution};

/// The race solver options a plan uses: the solver policy, the default MIP
/// backend.
fn options() -> Options<'static> {
    Options {
        backend: default_backend(),
        progress: None,
        formulation: Default::default(),
        time_limit: Some(std::time::Duration::from_secs(DEFAULT_MIP_SECONDS)),
    }
}

/// A solved-only point asked `exists` or `count`: its one row holds the
/// answer, with the witness (if any) as its actions.
fn answer_row(game: &RaceGame, point: usize) -> Result<PointSolution, SolveError> {
    let answer = solve::answer(game, game.question(), Choice::Auto, &options())?;
    let row = match answer {
        Answer::Exists {
            nontrivial_exists,
            status,
            witness,
            solver,
        } => EquilibriumRow {
            strict: witness.as_ref().map(|w| w.strict),
            nontrivial: witness.as_ref().map(|w| w.nontrivial),
            answer: Some(AnswerRow {
                nontrivial_exists,
                count: None,
                nontrivial_count: None,
                status,
            }),
            ..EquilibriumRow::new(point, solver, 0, witness.map_or(Vec::new(), |w| w.actions))
        },
        Answer::Count {
            count,
            nontrivial,
            status,
            solver,
        } => EquilibriumRow {
            answer: Some(AnswerRow {
                nontrivial_exists: nontrivial.map(|k| k > 0),
                count,
                nontrivial_count: nontrivial,
                status,
            }),
            ..EquilibriumRow::new(point, solver, 0, Vec::new())
        },
        Answer::All(_) => unreachable!("asked exists or count"),
    };
    Ok(PointSolution {
        rows: vec![row],
        equilibria: Vec::new(),
        delta: None,
        target: None,
        optimal: None,
    })
}

impl Family for RaceGame {
    const AGENT_KEYS: &'static [&'static str] = &["lab"];
    const SECTIONS: &'static [&'static str] = &["solve"];

    fn parse(cx: &Cx, model: toml::Value, table: &toml::Table) -> Result<Self, ConfigError> {
        config::parse_config(cx, model, table)
    }

    fn agents(&self) -> usize {
        self.n()
    }

    fn agent_name(&self, i: usize) -> String {
        format!("lab {i}")
    }

    fn agent_label(&self, i: usize) -> String {
        format!("lab {i}")
    }

    fn agent_tables(&self) -> Vec<AgentTable> {
        vec![AgentTable::Numbered(Numbered {
            key: "lab",
            first: 0,
            count: self.n(),
            noun: "lab",
            whole: "race",
        })]
    }

    /// The discrete race's action is a lab's probability of opening (1 or 0
    /// at a pure profile): its mixed strategy is [1 − a, a].
    fn strategies(&self, actions: &[f64]) -> Option<Vec<Vec<f64>>> {
        (self.actions == super::Actions::Discrete)
            .then(|| actions.iter().map(|&a| vec![1.0 - a, a]).collect())
    }

    fn schedule(&self, requested: Option<Schedule>) -> Result<Schedule, String> {
        Ok(requested.unwrap_or_default())
    }

    fn leader_every(&self, k: u64) -> Result<(), String> {
        if k == 1 {
            Ok(())
        } else {
            Err(format!(
                "= {k} applies to the openness market's leader; a race has none (allowed: 1)"
            ))
        }
    }

    fn validate(&self, dynamics: Option<&DynamicsConfig>) -> Result<(), String> {
        let Some(d) = dynamics else {
            // Solved only: every race must be one the solver policy can
            // solve, found now rather than after earlier blocks are written.
            return solve::check_question(self, self.question(), Choice::Auto, &options())
                .map_err(|e| e.to_string());
        };
        if self.n() > MAX_DYNAMIC_LABS {
            return Err(format!(
                "{} labs; the dynamics take at most {MAX_DYNAMIC_LABS}",
                self.n()
            ));
        }
        solve::check(self, Choice::Auto, &options()).map_err(|e| e.to_string())?;
        d.check_rules(&RaceLearning::new(self), |i| self.agent_name(i))?;
        judge::unsupported(self, &d.rules(self.n()))
    }

    fn solve(
        &self,
        point: usize,
        dynamics: Option<&DynamicsConfig>,
    ) -> Result<PointSolution, SolveError> {
        if self.question() != Question::All {
            return answer_row(self, point);
        }
        let sol = solve::solve(self, Choice::Auto, &options())?;
        let rows = sol
            .equilibria
            .iter()
            .enumerate()
            .map(|(index, e)| EquilibriumRow {
                strict: Some(e.strict),
                nontrivial: Some(e.nontrivial),
                ..EquilibriumRow::new(point, sol.solver, index, e.actions.clone())
            })
            .collect();
        let target =
            dynamics.map(|d| judge::race(self, &d.rules(self.n()), &sol.profiles(), sol.complete));
        Ok(PointSolution {
            rows,
            equilibria: sol.profiles(),
            delta: None,
            target,
            optimal: None,
        })
    }

    fn simulate(
        &self,
        _: &PointSolution,
        target: &Target,
        d: &DynamicsConfig,
        rng: &mut ChaCha8Rng,
        observer: &mut dyn Observer,
    ) -> Simulated {
        simulate(&RaceLearning::new(self), d, target, rng, observer)
    }
}
