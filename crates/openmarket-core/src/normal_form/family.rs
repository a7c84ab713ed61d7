//! The normal-form family ([`Family`]): any finite game in strategic form.

use rand_chacha::ChaCha8Rng;

use super::learning::TableLearning;
use super::{NormalForm, config, judge};
use crate::config::error::{ConfigError, Cx};
use crate::dynamics::{DynamicsConfig, Observer, Schedule};
use crate::family::{AgentTable, Family, Numbered, Simulated};
use crate::judge::{Target, simulate};
use crate::method::{Method, SolveError};
use crate::rows::{EquilibriumRow, PointSolution};

impl Family for NormalForm {
    const AGENT_KEYS: &'static [&'static str] = &["player"];

    fn parse(cx: &Cx, model: toml::Value, _: &toml::Table) -> Result<Self, ConfigError> {
        config::parse(cx, model)
    }

    fn agents(&self) -> usize {
        self.players()
    }

    fn agent_name(&self, i: usize) -> String {
        format!("player {i} (\"{}\")", self.game.players[i])
    }

    fn agent_label(&self, i: usize) -> String {
        format!("player {i}")
    }

    fn agent_tables(&self) -> Vec<AgentTable> {
        vec![AgentTable::Numbered(Numbered {
            key: "player",
            first: 0,
            count: self.players(),
            noun: "player",
            whole: "game",
        })]
    }

    fn strategies(&self, actions: &[f64]) -> Option<Vec<Vec<f64>>> {
        Some(
            self.sizes()
                .iter()
                .zip(actions)
                .map(|(&k, &a)| {
                    let mut one = vec![0.0; k];
                    one[a as usize] = 1.0;
                    one
                })
                .collect(),
        )
    }

    fn inputs(&self) -> Vec<String> {
        match &self.source {
            super::Source::File { sha256, .. } => vec![sha256.clone()],
            super::Source::Inline => Vec::new(),
        }
    }

    fn schedule(&self, requested: Option<Schedule>) -> Result<Schedule, String> {
        Ok(requested.unwrap_or_default())
    }

    fn leader_every(&self, k: u64) -> Result<(), String> {
        if k == 1 {
            Ok(())
        } else {
            Err(format!(
                "= {k} applies to the openness market's leader; a normal-form game has none (allowed: 1)"
            ))
        }
    }

    fn validate(&self, dynamics: Option<&DynamicsConfig>) -> Result<(), String> {
        let Some(d) = dynamics else {
            return Ok(());
        };
        d.check_rules(&TableLearning::new(self), |i| self.agent_name(i))?;
        judge::unsupported(self, &d.rules(self.players()))
    }

    fn solve(
        &self,
        point: usize,
        dynamics: Option<&DynamicsConfig>,
    ) -> Result<PointSolution, SolveError> {
        let pure = self.game.pure_equilibria(crate::finite::nfg::PURE_TOL);
        let profiles: Vec<Vec<f64>> = pure
            .iter()
            .map(|p| p.iter().map(|&a| a as f64).collect())
            .collect();
        let rows = profiles
            .iter()
            .enumerate()
            .map(|(index, p)| EquilibriumRow::new(point, Method::Enumerate, index, p.clone()))
            .collect();
        let target = dynamics.map(|d| judge::target(self, &d.rules(self.players())));
        Ok(PointSolution {
            rows,
            equilibria: profiles,
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
        simulate(&TableLearning::new(self), d, target, rng, observer)
    }
}
