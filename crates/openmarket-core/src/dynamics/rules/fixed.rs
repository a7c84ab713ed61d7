//! An agent held still: `rule = "fixed"`, `action = x`. The run is judged
//! against the equilibrium of the game with this agent's action held.

use rand_chacha::ChaCha8Rng;

use super::{Context, Limit, Rule};
use crate::domain::{Domain, Param, ParamValues};
use crate::dynamics::rate::Theory;
use crate::dynamics::{Dynamics, Role, Space, View};

/// `action`: the action held (required with `rule = "fixed"`).
pub const ACTION: Param = Param {
    key: "action",
    domain: Domain::NonNegative,
    default: f64::NAN,
};

/// Always plays `action`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fixed {
    /// The action held.
    pub action: f64,
}

impl Rule for Fixed {
    const PARAMS: &'static [Param] = &[ACTION];
    fn theory(&self, _: Role) -> Option<Theory> {
        None
    }
    fn limit(&self) -> Limit {
        Limit::Held(self.action)
    }
    fn from_params(v: &ParamValues) -> Self {
        Fixed {
            action: v.get(&ACTION),
        }
    }
    fn supports(&self, _: Role, space: &Space) -> Result<(), String> {
        if self.action.is_nan() {
            return Err("needs `action = …`, the action it holds".into());
        }
        let ok = match space {
            Space::Interval(lo, hi) => (*lo..=*hi).contains(&self.action),
            Space::Grid(g) => g.contains(&self.action),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "holds action = {}, outside the agent's actions {}",
                self.action,
                match space {
                    Space::Interval(lo, hi) => format!("[{lo}, {hi}]"),
                    Space::Grid(g) => format!("{g:?}"),
                }
            ))
        }
    }
    fn build(&self, _: &Context) -> Box<dyn Dynamics> {
        Box::new(*self)
    }
}

impl Dynamics for Fixed {
    fn init(&mut self, _: &View, _: &[f64], _: &mut ChaCha8Rng) {}
    fn update(&mut self, _: &View, _: &[f64], _: u64, _: &mut ChaCha8Rng) -> f64 {
        self.action
    }
    fn deterministic(&self) -> bool {
        true
    }
}
