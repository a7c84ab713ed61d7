//! The sector game (one generalist, K specialists that enter or stay out)
//! against a backward induction written here from the raw payoffs: each
//! specialist's best response by golden section on its own payoff, its
//! entry by comparing that payoff with its entry cost, and G's choice by a
//! dense grid over ω refined by golden section inside every stretch where
//! the entrants do not change, plus every entry switch found by bisection.
//! None of it uses the solver's closed forms or its pieces.

use openmarket_core::math::golden_section_max;
use openmarket_core::openness::Market;
use openmarket_core::openness::sector::{Sector, Specialist};
use openmarket_core::openness::{
    Alpha0, BargainingRule, OpennessGame, PenaltyForm, Regime, Regulation,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The raw model, payoff by payoff.
struct Raw<'a>(&'a Sector);

impl Raw<'_> {
    fn share(s: &Specialist, w: f64) -> f64 {
        s.delta * (1.0 - s.lambda * w)
    }
    fn u_d(&self, s: &Specialist, w: f64, a1: f64) -> f64 {
        let a0 = self.0.alpha0;
        (1.0 - Self::share(s, w)) * s.r * a1 - s.c1 * (a1 - a0).powi(2) / (1.0 + s.kappa * w)
    }
    /// Specialist's best response and payoff at ω: the payoff is concave
    /// in α1, so bisect on the sign of its central difference (golden
    /// section alone pins the maximiser only to ~1e-8, and G's revenue is
    /// linear in it) on a bracket that holds the maximiser.
    fn respond(&self, s: &Specialist, w: f64) -> (f64, f64) {
        let a0 = self.0.alpha0;
        let (mut lo, mut hi) = (a0 - 1.0, a0 + s.r * (1.0 + s.kappa) / s.c1 + 1.0);
        let h = 1e-3;
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if self.u_d(s, w, mid + h) > self.u_d(s, w, mid - h) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let a1 = 0.5 * (lo + hi);
        (a1, self.u_d(s, w, a1))
    }
    /// Whether it enters at ω, and G's revenue from it.
    fn from(&self, s: &Specialist, w: f64) -> (bool, f64) {
        let (a1, u) = self.respond(s, w);
        let enters = u - s.entry_cost >= 0.0;
        (
            enters,
            if enters {
                Self::share(s, w) * s.r * a1
            } else {
                0.0
            },
        )
    }
    fn entrants(&self, w: f64) -> Vec<bool> {
        self.0
            .specialists
            .iter()
            .map(|s| self.from(s, w).0)
            .collect()
    }
    fn penalty(&self, w: f64) -> f64 {
        self.0.regulation.map_or(0.0, |reg| match reg.form {
            PenaltyForm::Fixed if w < reg.theta => reg.penalty,
            PenaltyForm::Fixed => 0.0,
            PenaltyForm::Proportional => reg.penalty * (reg.theta - w).max(0.0),
        })
    }
    /// G's raw payoff at ω when the specialists play `alpha1` (0 = out).
    fn u_g_at(&self, w: f64, alpha1: &[f64]) -> f64 {
        let m = self.0;
        let revenue: f64 = m
            .specialists
            .iter()
            .zip(alpha1)
            .map(|(s, &a)| {
                if a > 0.0 {
                    Self::share(s, w) * s.r * a
                } else {
                    0.0
                }
            })
            .sum();
        revenue + m.epsilon * w
            - m.operation_cost * (1.0 - w)
            - m.c0 * m.alpha0.powi(2)
            - self.penalty(w)
    }
    /// G's raw payoff at ω with every specialist responding.
    fn u_g(&self, w: f64) -> f64 {
        let m = self.0;
        let revenue: f64 = m.specialists.iter().map(|s| self.from(s, w).1).sum();
        revenue + m.epsilon * w
            - m.operation_cost * (1.0 - w)
            - m.c0 * m.alpha0.powi(2)
            - self.penalty(w)
    }
}

/// G's best ω and payoff by brute force; also whether an entry switch was
/// found inside (0, 1).
fn brute_force(m: &Sector) -> (f64, f64, bool) {
    let raw = Raw(m);
    const N: usize = 1500;
    let mut cuts = vec![0.0, 1.0];
    if let Some(reg) = m.regulation.filter(|r| r.theta > 0.0 && r.theta < 1.0) {
        cuts.push(reg.theta);
    }
    let grid: Vec<f64> = (0..=N).map(|i| i as f64 / N as f64).collect();
    let sets: Vec<Vec<bool>> = grid.iter().map(|&w| raw.entrants(w)).collect();
    let mut switched = false;
    for i in 0..N {
        if sets[i] == sets[i + 1] {
            continue;
        }
        switched = true;
        // Each specialist that switches here: bisect its switch, keeping
        // the end where it enters (its payoff covers its cost there).
        for (k, s) in m.specialists.iter().enumerate() {
            if sets[i][k] == sets[i + 1][k] {
                continue;
            }
            let (mut a, mut b) = (grid[i], grid[i + 1]);
            let enters_at_a = sets[i][k];
            for _ in 0..200 {
                let mid = 0.5 * (a + b);
                if mid <= a || mid >= b {
                    break;
                }
                if raw.from(s, mid).0 == enters_at_a {
                    a = mid;
                } else {
                    b = mid;
                }
            }
            cuts.push(if enters_at_a { a } else { b });
        }
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    // Candidates: the cuts, the grid, and a golden-section refinement in
    // each grid cell next to a local maximum, kept inside one stretch
    // between cuts (where the payoff is smooth).
    let values: Vec<f64> = grid.iter().map(|&w| raw.u_g(w)).collect();
    let mut best = (f64::NAN, f64::NEG_INFINITY);
    // Near-ties go to compliance (as the model's SPE breaks them), then to
    // the smaller ω.
    let complies = |w: f64| m.regulation.is_none_or(|r| w >= r.theta);
    let mut consider = |w: f64, v: f64| {
        let prefer = (complies(w), best.0.is_nan() || w < best.0) > (complies(best.0), false);
        if v > best.1 + 1e-13 || (v >= best.1 - 1e-13 && prefer) {
            best = (w, v);
        }
    };
    for &w in &cuts {
        consider(w, raw.u_g(w));
    }
    for i in 0..=N {
        consider(grid[i], values[i]);
        let left = if i > 0 {
            values[i - 1]
        } else {
            f64::NEG_INFINITY
        };
        let right = if i < N {
            values[i + 1]
        } else {
            f64::NEG_INFINITY
        };
        if values[i] >= left && values[i] >= right {
            let lo = grid[i.saturating_sub(1)];
            let hi = grid[(i + 1).min(N)];
            let mut ends: Vec<f64> = cuts.iter().copied().filter(|&c| c > lo && c < hi).collect();
            ends.push(lo);
            ends.push(hi);
            ends.sort_by(f64::total_cmp);
            for pair in ends.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if b - a < 1e-15 {
                    continue;
                }
                // Inside the open stretch only: its ends are candidates
                // already, and the payoff may jump there.
                let eps = (b - a) * 1e-9;
                let (w, v) = golden_section_max(|w| raw.u_g(w), a + eps, b - eps, 1e-13);
                consider(w, v);
            }
        }
    }
    (best.0, best.1, switched)
}

/// The pair game `g` as a sector of one specialist without entry cost.
fn as_sector(g: &OpennessGame, delta: f64, bargaining: Option<BargainingRule>) -> Sector {
    Sector {
        alpha0: g.alpha0_value().unwrap(),
        c0: g.c0,
        epsilon: g.epsilon,
        operation_cost: g.operation_cost,
        regulation: g.regulation,
        specialists: vec![Specialist {
            r: g.r,
            c1: g.c1,
            kappa: g.kappa,
            lambda: g.lambda,
            delta,
            entry_cost: 0.0,
        }],
        bargaining,
    }
}

/// No regulation (kind 0), or a random θ and p with the fixed (1) or
/// proportional (2) penalty.
fn random_regulation(rng: &mut ChaCha8Rng, kind: usize) -> Option<Regulation> {
    (kind != 0).then(|| Regulation {
        theta: rng.random_range(0.0..1.0),
        penalty: rng.random_range(0.0..0.3),
        form: if kind == 1 {
            PenaltyForm::Fixed
        } else {
            PenaltyForm::Proportional
        },
    })
}

fn random_market(rng: &mut ChaCha8Rng) -> Sector {
    let k = rng.random_range(1..=8);
    random_market_of(rng, k)
}

fn random_market_of(rng: &mut ChaCha8Rng, k: usize) -> Sector {
    let alpha0 = rng.random_range(0.0..0.6);
    let mut m = Sector {
        alpha0,
        c0: rng.random_range(0.5..2.0),
        epsilon: rng.random_range(0.0..0.3),
        operation_cost: rng.random_range(0.0..0.2),
        regulation: {
            let kind = rng.random_range(0..3);
            random_regulation(rng, kind)
        },
        specialists: Vec::new(),
        bargaining: None,
    };
    for _ in 0..k {
        let mut s = Specialist {
            r: rng.random_range(0.5..2.0),
            c1: rng.random_range(0.5..2.0),
            kappa: if rng.random_bool(0.5) {
                0.0
            } else {
                rng.random_range(0.0..1.0)
            },
            lambda: rng.random_range(0.0..1.0),
            delta: rng.random_range(0.2..0.9),
            entry_cost: 0.0,
        };
        // An entry cost that the specialist's payoff crosses inside (0, 1)
        // most of the time, so that specialists enter and leave as ω moves.
        s.entry_cost = match rng.random_range(0..5) {
            0 => 0.0,
            1 => 10.0,
            _ => {
                let w: f64 = rng.random();
                Raw(&m).respond(&s, w).1
            }
        };
        m.specialists.push(s);
    }
    m
}

#[test]
fn the_sector_spe_agrees_with_brute_force_backward_induction_on_200_markets() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let (mut switching, mut exits, mut checked_omega) = (0, 0, 0);
    for case in 0..200 {
        let m = random_market(&mut rng);
        let out = m.solve();
        let (w_bf, v_bf, switched) = brute_force(&m);
        switching += switched as usize;
        let scale = 1.0 + v_bf.abs();
        if v_bf < -1e-9 * scale {
            assert_eq!(out.regime, Regime::Exit, "case {case}: {m:?}");
            exits += 1;
            continue;
        }
        // G's payoff at its choice, before the exit decision.
        let u_g = match out.omega {
            Some(_) => out.u_g,
            None => panic!("case {case}: exit at value {v_bf}: {m:?}"),
        };
        assert!(
            (u_g - v_bf).abs() <= 1e-9 * scale,
            "case {case}: U_G {u_g} vs brute force {v_bf} (ω {:?} vs {w_bf}): {m:?}",
            out.omega
        );
        // ω itself, where the maximiser is clear: no other ω within 1e-7
        // of the best value more than 1e-5 away.
        let w = out.omega.unwrap();
        let raw = Raw(&m);
        let rival = (0..=2000)
            .map(|i| i as f64 / 2000.0)
            .filter(|x| (x - w_bf).abs() > 1e-3)
            .map(|x| raw.u_g(x))
            .fold(f64::NEG_INFINITY, f64::max);
        if rival < v_bf - 1e-7 {
            assert!(
                (w - w_bf).abs() < 1e-5,
                "case {case}: ω {w} vs {w_bf}: {m:?}"
            );
            let entrants = raw.entrants(w_bf).iter().filter(|e| **e).count();
            let theirs = out.specialists.iter().filter(|s| s.enters).count();
            assert_eq!(theirs, out.entrants);
            // At a switch the brute force sits on the entering side.
            assert!(
                theirs.abs_diff(entrants) <= 1,
                "case {case}: entrants {theirs} vs {entrants}"
            );
            checked_omega += 1;
        }
    }
    // The cases the test is about occurred.
    assert!(
        switching >= 60,
        "only {switching} markets where entry switches inside (0, 1)"
    );
    assert!(
        checked_omega >= 100,
        "ω compared on only {checked_omega} markets"
    );
    eprintln!(
        "200 markets: {switching} with entry switches, {exits} exits, ω compared on {checked_omega}"
    );
}

#[test]
fn one_specialist_without_entry_cost_is_the_pair_game() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for case in 0..300 {
        let reg = random_regulation(&mut rng, case % 3);
        let delta = rng.random_range(0.0..1.0);
        let g = OpennessGame {
            alpha0: Alpha0::Exogenous(rng.random_range(0.0..0.6)),
            r: rng.random_range(0.5..2.0),
            c0: rng.random_range(0.5..2.0),
            c1: rng.random_range(0.5..2.0),
            epsilon: rng.random_range(0.0..0.3),
            lambda: rng.random_range(0.0..1.0),
            kappa: if rng.random_bool(0.5) {
                0.0
            } else {
                rng.random_range(0.0..1.0)
            },
            operation_cost: rng.random_range(0.0..0.2),
            bargaining: BargainingRule::Fixed(delta),
            regulation: reg,
        };
        let pair = g.stage_outcome(delta);
        let sector = as_sector(&g, delta, None).solve();
        assert_eq!(sector.regime, pair.regime, "case {case}: {g:?}");
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + a.abs());
        assert!(
            close(sector.u_g, pair.u_g),
            "case {case}: {} vs {}",
            sector.u_g,
            pair.u_g
        );
        match (sector.omega, pair.omega) {
            (Some(a), Some(b)) => {
                assert!((a - b).abs() < 1e-9, "case {case}: ω {a} vs {b}");
                let d = sector.specialists[0];
                assert!(d.enters && close(d.alpha1, pair.alpha1.unwrap()));
                assert!(close(d.u_d, pair.u_d));
            }
            (None, None) => {}
            other => panic!("case {case}: {other:?}"),
        }
    }
}

/// p̄(θ) and θ̄(p) of a sector mark where the brute-force backward
/// induction switches between paying and complying. "Complying is best"
/// is judged by value: G's best raw payoff equals its best payoff among
/// ω ≥ θ (the same market under a prohibitive fixed penalty). Under the
/// fixed form the gain from paying is linear in p, so just below p̄ it is
/// strictly positive; under the proportional form it can be of second
/// order, so below p̄ only "paying is at least as good" is required, and
/// strict gains are counted.
#[test]
fn the_sector_policy_diagnostics_mark_the_brute_force_regime_switches() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let (mut penalties, mut strict, mut thresholds) = (0, 0, 0);
    // (best raw payoff, best payoff with ω ≥ θ).
    let values = |m: &Sector| {
        let reg = m.regulation.unwrap();
        let comply = Sector {
            regulation: Some(Regulation {
                penalty: 1e3,
                form: PenaltyForm::Fixed,
                ..reg
            }),
            ..m.clone()
        };
        (brute_force(m).1, brute_force(&comply).1)
    };
    for case in 0..400 {
        let m = random_market(&mut rng);
        let Some(reg) = m.regulation else { continue };
        let o = m.solve();
        let policy = o.policy.expect("regulated");
        let p_bar = policy.indifference_penalty;
        let tol = 1e-9 * (1.0 + o.u_g.abs());
        if p_bar > 1e-4 {
            let at = |p: f64| Sector {
                regulation: Some(Regulation { penalty: p, ..reg }),
                ..m.clone()
            };
            let eps = 1e-3 * p_bar;
            let (all, comply) = values(&at(p_bar + eps));
            assert!(
                all <= comply + tol,
                "case {case}: pays above p̄ = {p_bar}: {all} > {comply}: {m:?}"
            );
            let (all, comply) = values(&at(p_bar - eps));
            assert!(
                all >= comply - tol,
                "case {case}: complies below p̄ = {p_bar}: {m:?}"
            );
            if reg.form == PenaltyForm::Fixed {
                assert!(
                    all >= comply + 0.5 * eps,
                    "case {case}: no gain below p̄ = {p_bar}: {m:?}"
                );
            }
            strict += (all > comply + tol) as usize;
            penalties += 1;
        }
        let t_bar = policy.theta_max;
        let w_u = o.omega_unregulated;
        if reg.form == PenaltyForm::Fixed && t_bar > w_u + 1e-4 && t_bar < 1.0 - 1e-4 {
            let at = |t: f64| Sector {
                regulation: Some(Regulation { theta: t, ..reg }),
                ..m.clone()
            };
            let eps = 1e-5;
            let (all, comply) = values(&at(t_bar - eps));
            assert!(
                all <= comply + tol,
                "case {case}: pays below θ̄ = {t_bar}: {m:?}"
            );
            let (all, comply) = values(&at(t_bar + eps));
            assert!(
                all >= comply - tol,
                "case {case}: complies above θ̄ = {t_bar}: {m:?}"
            );
            strict += (all > comply + tol) as usize;
            thresholds += 1;
        }
    }
    assert!(
        penalties >= 35 && thresholds >= 25,
        "p̄ checked on {penalties}, θ̄ on {thresholds}"
    );
    eprintln!(
        "p̄ checked on {penalties} markets, θ̄ on {thresholds}; {strict} strict gains below the switch"
    );
}

/// A bargained common δ: with one specialist and no entry cost it is the
/// pair game's bargain; with several, no δ on a grid gives a better Nash
/// product than the solver's, each δ judged by the raw backward induction.
#[test]
fn a_common_delta_is_bargained_as_for_one_specialist() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    for case in 0..40 {
        let rule = [BargainingRule::Nash, BargainingRule::Utilitarian][case % 2];
        let g = OpennessGame {
            alpha0: Alpha0::Exogenous(rng.random_range(0.05..0.5)),
            r: rng.random_range(0.5..2.0),
            c0: rng.random_range(0.5..2.0),
            c1: rng.random_range(0.5..2.0),
            epsilon: rng.random_range(0.0..0.3),
            lambda: rng.random_range(0.0..1.0),
            kappa: 0.0,
            operation_cost: rng.random_range(0.0..0.1),
            bargaining: rule,
            regulation: None,
        };
        let pair = g.bargain();
        let sector = as_sector(&g, 0.5, Some(rule)).bargain();
        // The rule's objective agrees; where it is flat in δ the utilities
        // at the two searches' δ may differ by more.
        let objective = |g: f64, d: f64| match rule {
            BargainingRule::Nash => g * d,
            _ => g + d,
        };
        let (mine, theirs) = (
            objective(sector.u_g, sector.specialists[0].u_d),
            objective(pair.u_g, pair.u_d),
        );
        assert!(
            (mine - theirs).abs() <= 1e-9 * (1.0 + theirs.abs()),
            "case {case}: {sector:?} vs {pair:?}"
        );
        assert!(
            (sector.delta.unwrap() - pair.delta).abs() < 1e-4,
            "case {case}"
        );
    }
    // Several specialists with entry costs: the Nash product at the
    // solver's δ against a grid of δ, each solved by brute force.
    let mut checked = 0;
    for case in 0..8 {
        let mut m = random_market(&mut rng);
        m.regulation = None;
        m.bargaining = Some(BargainingRule::Nash);
        let o = m.bargain();
        let d = o.delta.expect("bargained");
        let raw_product = |delta: f64| {
            let at = m.at_delta(delta);
            let (w, v, _) = brute_force(&at);
            if v < 0.0 {
                return 0.0;
            }
            let raw = Raw(&at);
            let u_s: f64 = at
                .specialists
                .iter()
                .map(|s| {
                    let (_, u) = raw.respond(s, w);
                    (u - s.entry_cost).max(0.0)
                })
                .sum();
            v * u_s
        };
        // The solver's own outcome at its δ: where the product jumps (G
        // switches between two ω it values equally), the bargain sits at
        // the jump, and which side a tie falls on is below either
        // method's resolution.
        let mine = o.u_g * o.specialists.iter().map(|s| s.u_d).sum::<f64>();
        let _ = d;
        let best = (0..=50)
            .map(|i| raw_product(i as f64 / 50.0))
            .fold(0.0, f64::max);
        assert!(
            mine >= best - 1e-7 * (1.0 + best),
            "case {case}: δ = {d} gives {mine}, the grid {best}"
        );
        checked += (best > 0.0) as usize;
    }
    assert!(
        checked >= 4,
        "only {checked} markets with a positive Nash product"
    );
}

/// Learning in a sector: every specialist best-responds to the ω it sees
/// (entering or not), G fits a model of each from what it observes
/// (docs/sector.md). Judged against the raw-payoff brute force, not the
/// solver: a run reaches the SPE when it converged and G's realised value
/// at its final ω is the brute-force best to 1e-9 (ω itself to 1e-5 where
/// the maximiser is clear).
fn learning_reaches(seed: u64, inertia: f64, leader_every: u64) -> (usize, usize, Vec<u64>) {
    use openmarket_core::dynamics::StopRule;
    use openmarket_core::dynamics::rules::{RuleConfig, best_response::BestResponse};
    use openmarket_core::dynamics::{Schedule, Setup, Termination, run};
    use openmarket_core::experiment::instances;
    use openmarket_core::openness::learning::MarketGame;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut reached, mut runs) = (0, 0);
    let mut iterations = Vec::new();
    for case in 0..40 {
        let m = random_market_of(&mut rng, 10);
        let (w_bf, v_bf, _) = brute_force(&m);
        let raw = Raw(&m);
        let clear = (0..=2000)
            .map(|i| i as f64 / 2000.0)
            .filter(|x| (x - w_bf).abs() > 1e-3)
            .map(|x| raw.u_g(x))
            .fold(f64::NEG_INFINITY, f64::max)
            < v_bf - 1e-7;
        let game = MarketGame::new(&Market::Sector(m.clone()), None, leader_every);
        let mut rules = vec![RuleConfig::BestResponse(BestResponse { inertia }); 11];
        rules[0] = RuleConfig::BestResponse(BestResponse { inertia: 1.0 });
        let t = openmarket_core::openness::judge::target(&Market::Sector(m.clone()), None, &rules);
        let stop = Termination {
            max_iterations: 5000,
            tol: 1e-9,
            still: 1e-9,
            window: 5,
            stop_on_cycle: true,
            stop: StopRule::AtTarget,
        };
        for replicate in 0..10 {
            let mut run_rng = ChaCha8Rng::seed_from_u64(1000 * case + replicate);
            let start: Vec<f64> = (0..11)
                .map(|i| game.space(i).sample(&mut run_rng))
                .collect();
            let mut agents = instances(&game, &rules, 0.0);
            let mut check = t.check();
            let r = run(
                &game,
                &mut agents,
                start,
                Setup {
                    schedule: Schedule::Sequential,
                    stop: &stop,
                    check: check.as_mut(),
                },
                &mut run_rng,
                &mut (),
            );
            runs += 1;
            let w = r.actions[0];
            // Every specialist's action is a raw best response to ω, and
            // G's raw payoff at the final profile is the brute-force best.
            let followers = m.specialists.iter().zip(&r.actions[1..]).all(|(s, &a1)| {
                let best = (raw.respond(s, w).1 - s.entry_cost).max(0.0);
                let got = if a1 > 0.0 {
                    raw.u_d(s, w, a1) - s.entry_cost
                } else {
                    0.0
                };
                got >= best - 1e-9
            });
            let u_g = raw.u_g_at(w, &r.actions[1..]);
            let ok = r.converged
                && followers
                && (u_g - v_bf).abs() <= 1e-9 * (1.0 + v_bf.abs())
                && (!clear || (w - w_bf).abs() < 1e-5);
            if ok {
                reached += 1;
                iterations.push(r.iterations);
            } else if std::env::var("SECTOR_DEBUG").is_ok() {
                eprintln!(
                    "case {case} rep {replicate}: converged {} reason {:?} it {} w {w} w_bf {w_bf} u {u_g} v_bf {v_bf} target {:?} gap {} followers {followers}",
                    r.converged, r.reason, r.iterations, t.profiles[0][0], r.gap
                );
            }
        }
    }
    iterations.sort_unstable();
    (reached, runs, iterations)
}

use openmarket_core::dynamics::LearningGame;

#[test]
fn learning_reaches_the_spe_of_random_markets_with_ten_specialists() {
    // Exact responses; then specialists that move only half the time,
    // which G, moving every 20th iteration, lets settle (docs/sector.md).
    for (label, inertia, every, seed) in [
        ("exact", 1.0, 1, 21),
        ("inertia 0.5, leader_every 20", 0.5, 20, 22),
    ] {
        let (reached, runs, it) = learning_reaches(seed, inertia, every);
        let share = reached as f64 / runs as f64;
        eprintln!(
            "K = 10, {label}: {reached} of {runs} runs reach the SPE ({:.1}%); iterations median {}, 90th percentile {}, max {}",
            100.0 * share,
            it[it.len() / 2],
            it[it.len() * 9 / 10],
            it[it.len() - 1]
        );
        assert!(share >= 0.9, "{label}: {reached} of {runs}");
    }
}

/// The raw SPE outcome the regulator sees: (ω, Σ α1, U_G, Σ U_D, penalty
/// paid) at the brute force's choice, `None` when G exits.
fn raw_outcome(m: &Sector) -> Option<openmarket_core::openness::regulator::Outcome> {
    let (w, v, _) = brute_force(m);
    if v < 0.0 {
        return None;
    }
    let raw = Raw(m);
    let (mut alpha1, mut u_d) = (0.0, 0.0);
    for s in &m.specialists {
        let (a1, u) = raw.respond(s, w);
        if u - s.entry_cost >= 0.0 {
            alpha1 += a1;
            u_d += u - s.entry_cost;
        }
    }
    Some(openmarket_core::openness::regulator::Outcome {
        omega: w,
        alpha1,
        u_g: v,
        u_d,
        penalty_paid: raw.penalty(w),
    })
}

/// The sector's optimal regulation (given shares) is at least the best of
/// a 21 × 21 grid of (θ, p), each solved by the raw backward induction,
/// and the raw SPE at the reported (θ, p) attains its value.
#[test]
fn the_sector_optimal_regulation_beats_a_grid_of_raw_spes_and_is_attained() {
    use openmarket_core::openness::regulator::{Objective, Regulable, SearchBox};
    use rayon::prelude::*;
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let objectives = [
        Objective::Openness,
        Objective::Performance,
        Objective::Surplus,
    ];
    let mut worst = (0.0f64, 0.0f64);
    for case in 0..6 {
        let k = rng.random_range(1..=4);
        let mut m = random_market_of(&mut rng, k);
        m.regulation = None;
        let search = SearchBox {
            theta: [0.0, 1.0],
            penalty: [0.0, 0.5],
            form: if case % 2 == 0 {
                PenaltyForm::Fixed
            } else {
                PenaltyForm::Proportional
            },
        };
        const K: usize = 20;
        let cells: Vec<Option<openmarket_core::openness::regulator::Outcome>> = (0..=K * K + K)
            .into_par_iter()
            .map(|c| {
                let (t, p) = search.at(
                    (c / (K + 1)) as f64 / K as f64,
                    (c % (K + 1)) as f64 / K as f64,
                );
                raw_outcome(&Regulable::regulated(&m, &search, t, p))
            })
            .collect();
        for objective in objectives {
            let opt = m.optimal_regulation(objective, &search);
            let grid_best = cells
                .iter()
                .map(|o| objective.score(*o))
                .fold(f64::NEG_INFINITY, f64::max);
            let attained = objective.score(raw_outcome(&Regulable::regulated(
                &m,
                &search,
                opt.theta,
                opt.penalty,
            )));
            assert!(
                opt.value >= grid_best - 1e-9,
                "case {case}, {objective:?}: optimum {} below a grid point's {grid_best}: {m:?}",
                opt.value
            );
            assert!(
                (attained - opt.value).abs() <= 1e-6,
                "case {case}, {objective:?}: optimum {} at ({}, {}) but the raw SPE there gives {attained}: {m:?}",
                opt.value,
                opt.theta,
                opt.penalty
            );
            worst.0 = worst.0.max(grid_best - opt.value);
            worst.1 = worst.1.max((attained - opt.value).abs());
        }
    }
    eprintln!(
        "18 (market, objective) pairs: grid best − optimum ≤ {:.2e}, |attained − optimum| ≤ {:.2e}",
        worst.0, worst.1
    );
}

/// Hedge specialists report their modal action: one whose entry cost no
/// payoff covers ends out (exactly 0, and counted out), not at an average
/// of staying out and entering.
#[test]
fn a_hedge_specialist_that_should_stay_out_ends_out() {
    use openmarket_core::dynamics::rules::RuleConfig;
    use openmarket_core::dynamics::rules::fixed::Fixed;
    use openmarket_core::dynamics::rules::hedge::Hedge;
    use openmarket_core::dynamics::{Schedule, Setup, StopRule, Termination, run};
    use openmarket_core::experiment::instances;
    use openmarket_core::openness::learning::MarketGame;
    let spec = |entry_cost: f64| Specialist {
        r: 1.0,
        c1: 1.0,
        kappa: 0.0,
        lambda: 1.0,
        delta: 0.5,
        entry_cost,
    };
    let m = Sector {
        alpha0: 0.2,
        c0: 1.0,
        epsilon: 0.0,
        operation_cost: 0.0,
        regulation: None,
        specialists: vec![spec(0.0), spec(5.0), spec(5.0)],
        bargaining: None,
    };
    let raw = Raw(&m);
    let game = MarketGame::new(&Market::Sector(m.clone()), None, 1);
    let hedge = RuleConfig::Hedge(Hedge {
        eta: 0.5,
        points: 41,
    });
    let rules = vec![
        RuleConfig::Fixed(Fixed { action: 0.5 }),
        hedge,
        hedge,
        hedge,
    ];
    let t = openmarket_core::openness::judge::target(&Market::Sector(m.clone()), None, &rules);
    let stop = Termination {
        max_iterations: 300,
        tol: 0.0,
        still: 0.0,
        window: 1,
        stop_on_cycle: false,
        stop: StopRule::AtTarget,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut agents = instances(&game, &rules, 0.0);
    let mut check = t.check();
    let r = run(
        &game,
        &mut agents,
        vec![0.5, 0.3, 0.3, 0.3],
        Setup {
            schedule: Schedule::Sequential,
            stop: &stop,
            check: check.as_mut(),
        },
        &mut rng,
        &mut (),
    );
    // From the raw payoffs: the first covers its cost at ω = 0.5, the
    // others (cost 5) do not.
    assert!(raw.respond(&m.specialists[0], 0.5).1 >= 0.0);
    assert!(raw.respond(&m.specialists[1], 0.5).1 < 5.0);
    assert!(r.actions[1] > 0.0, "{:?}", r.actions);
    assert_eq!(&r.actions[2..], &[0.0, 0.0], "{:?}", r.actions);
}

/// At an SPE on an entry threshold the specialist is indifferent, and ties
/// enter: a profile with it still out is not the SPE's, and the check says
/// so (its own gain there is ~0).
#[test]
fn the_check_tells_a_specialist_caught_out_at_its_threshold() {
    use openmarket_core::dynamics::rules::RuleConfig;
    use openmarket_core::dynamics::rules::best_response::BestResponse;
    use openmarket_core::experiment::instances;
    use openmarket_core::openness::learning::MarketGame;
    // One specialist with no entry cost, one whose cost its payoff crosses
    // inside (0, 1): G's best is where the second becomes willing to enter.
    let mut m = Sector {
        alpha0: 0.2,
        c0: 1.0,
        epsilon: 0.0,
        operation_cost: 0.0,
        regulation: None,
        specialists: vec![
            Specialist {
                r: 1.0,
                c1: 1.0,
                kappa: 0.0,
                lambda: 1.0,
                delta: 0.6,
                entry_cost: 0.0,
            },
            Specialist {
                r: 1.5,
                c1: 1.0,
                kappa: 0.0,
                lambda: 1.0,
                delta: 0.6,
                entry_cost: 0.0,
            },
        ],
        bargaining: None,
    };
    m.specialists[1].entry_cost = Raw(&m).respond(&m.specialists[1], 0.3).1;
    let o = m.solve();
    let w = o.omega.unwrap();
    assert!(
        (w - 0.3).abs() < 1e-6,
        "the SPE sits at the threshold: ω = {w}"
    );
    assert!(o.specialists[1].enters && o.specialists[1].u_d < 1e-9);
    let game = MarketGame::new(&Market::Sector(m.clone()), None, 1);
    let rules = vec![RuleConfig::BestResponse(BestResponse { inertia: 1.0 }); 3];
    let t = openmarket_core::openness::judge::target(&Market::Sector(m.clone()), None, &rules);
    let agents = instances(&game, &rules, 0.0);
    // The SPE profile from the raw payoffs (not the solver's): G at the
    // threshold 0.3 the entry cost was built for, both specialists in at
    // their raw best responses; the library's ω is within 1e-6 of it.
    let raw = Raw(&m);
    let spe = vec![
        0.3,
        raw.respond(&m.specialists[0], 0.3).0,
        raw.respond(&m.specialists[1], 0.3).0,
    ];
    let mut check = t.check();
    check.observe(&game, &spe);
    let at_spe = check.gap(&game, &spe, &agents);
    assert!(at_spe < 1e-5, "gap at the raw SPE: {at_spe}");
    let out = vec![spe[0], spe[1], 0.0];
    check.observe(&game, &out);
    // The second specialist's own gain from entering is ~0 ...
    assert!(game.max_gain(2, &out) < 1e-9);
    // ... but the profile is not the SPE's.
    assert!(
        check.gap(&game, &out, &agents) > 0.1,
        "{}",
        check.gap(&game, &out, &agents)
    );
}
