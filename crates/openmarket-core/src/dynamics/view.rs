//! What one agent observes: the only door from an update rule to its game.
//!
//! A rule receives a [`View`], never the game. The game is a private field
//! of this module's types, so the rules (in `dynamics::rules`, which is not
//! inside this module) cannot reach it: they cannot ask for a gain, a
//! NashConv, another agent's payoff or the solver's target. What a view
//! offers depends on the agent's role (docs/model.md §C):
//! - everyone sees the profile played and its own realised payoff there;
//! - an agent that sees the others' actions before it evaluates its own (a
//!   simultaneous player, a follower) also knows its own payoff formula at
//!   those actions: [`View::formula`];
//! - a leader knows its own payoff formula only through a model of its
//!   followers that it fitted itself: [`View::leader`].

use super::{Fitted, LearningGame, Role, Space};

/// Agent `me`'s observation of its game.
///
/// A rule can read what its agent observes:
/// ```
/// use openmarket_core::dynamics::View;
/// fn seen(view: &View, played: &[f64]) -> f64 {
///     view.realised(played)
/// }
/// ```
/// but not the game behind it, so not a gain or a NashConv:
/// ```compile_fail
/// use openmarket_core::dynamics::{LearningGame, View};
/// fn peek(view: &View, played: &[f64]) -> f64 {
///     view.game.nash_conv(played)
/// }
/// ```
/// nor a leader's payoff at an action it did not play:
/// ```compile_fail
/// use openmarket_core::dynamics::View;
/// fn peek(view: &View, played: &[f64]) -> f64 {
///     view.leader().unwrap().payoff(0.5, played)
/// }
/// ```
#[derive(Clone, Copy)]
pub struct View<'a> {
    game: &'a dyn LearningGame,
    me: usize,
    role: Role,
}

impl<'a> View<'a> {
    /// Agent `me`'s view of `game`. Whoever builds a view holds the game
    /// already (the executor, a benchmark): a rule only ever receives one.
    pub fn new(game: &'a dyn LearningGame, me: usize) -> Self {
        View {
            game,
            me,
            role: game.role(me),
        }
    }

    /// The agent's index in the profile.
    pub fn me(&self) -> usize {
        self.me
    }

    /// How many agents there are (the profile's length).
    pub fn agents(&self) -> usize {
        self.game.agents()
    }

    /// Agent j's action set: the game's form, which every player of a
    /// simultaneous game knows.
    pub fn space_of(&self, j: usize) -> &'a Space {
        self.game.space(j)
    }

    /// What the agent observes.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The agent's own action set.
    pub fn space(&self) -> &'a Space {
        self.game.space(self.me)
    }

    /// Its realised payoff at the profile `played` (its own entry is the
    /// action it played): what every role observes after an iteration.
    pub fn realised(&self, played: &[f64]) -> f64 {
        self.game.payoff(self.me, played[self.me], played)
    }

    /// Its payoff formula at the others' actions it sees; `None` for a
    /// leader, which cannot evaluate an action it did not play.
    pub fn formula(&self) -> Option<Formula<'a>> {
        (!self.role.is_leader()).then_some(Formula {
            game: self.game,
            me: self.me,
        })
    }

    /// A leader's own payoff formula against its fitted followers; `None`
    /// for an agent that leads no one.
    pub fn leader(&self) -> Option<Leader<'a>> {
        self.role.is_leader().then_some(Leader {
            game: self.game,
            me: self.me,
        })
    }
}

/// An agent's own payoff formula, evaluated at the others' actions it sees.
#[derive(Clone, Copy)]
pub struct Formula<'a> {
    game: &'a dyn LearningGame,
    me: usize,
}

impl Formula<'_> {
    /// Its payoff if it played `a` against the others' actions in
    /// `profile` (its own entry is ignored).
    pub fn payoff(&self, a: f64, profile: &[f64]) -> f64 {
        self.game.payoff(self.me, a, profile)
    }

    /// Its expected payoff from each of its actions against the others'
    /// mixed strategies `sigma` (its own entry ignored), into `out`; false
    /// when the game offers no expectations (actions that are numbers).
    pub fn expected(&self, sigma: &crate::finite::Mixed, out: &mut [f64]) -> bool {
        self.game.expected_payoffs(self.me, sigma, out)
    }

    /// Its best action against the others' actions in `profile`.
    pub fn best_response(&self, profile: &[f64]) -> f64 {
        self.game.best_response(self.me, profile)
    }

    /// ∂u/∂a at `profile`.
    pub fn gradient(&self, profile: &[f64]) -> f64 {
        self.game.gradient(self.me, profile)
    }
}

/// A leader's payoff formula, with its followers replaced by its own model.
#[derive(Clone, Copy)]
pub struct Leader<'a> {
    game: &'a dyn LearningGame,
    me: usize,
}

impl Leader<'_> {
    /// Its best action when its followers behave as `followers` (one per
    /// follower, in agent order).
    pub fn respond(&self, followers: &[Fitted]) -> f64 {
        self.game
            .leader_response(self.me, followers)
            .expect("a game whose role() names a leader answers leader_response")
    }
}
