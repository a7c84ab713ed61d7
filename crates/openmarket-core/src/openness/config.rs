//! `[model]` of family `openness`: one specialist (the keys of
//! [`OpennessGame`]) or a sector, given by `[[model.specialists]]` (each
//! specialist written out) or `[model.population]` (K specialists drawn
//! from seeded distributions, so that K, the seed and every spread are
//! ordinary sweepable keys). docs/sector.md describes both.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::Deserialize;

use super::Market;
use super::sector::{Sector, Specialist};
use super::{Alpha0, BargainingRule, OpennessGame, Regulation};
use crate::config::error::{ConfigError, Cx};
use crate::domain::{Domain, MAX_MAGNITUDE};
use crate::limits::MAX_SPECIALISTS;

/// How many specialists a `[model]` table declares (0 for a pair, or a
/// count that parsing will refuse): read before the sector is drawn, so a
/// plan can refuse too many in all before it builds them.
pub fn declared_size(model: &toml::Value) -> u64 {
    if let Some(list) = model.get("specialists").and_then(toml::Value::as_array) {
        return list.len() as u64;
    }
    match model.get("population").and_then(|p| p.get("k")) {
        Some(toml::Value::Integer(k)) => u64::try_from(*k).unwrap_or(0),
        Some(toml::Value::Float(k)) if *k >= 0.0 && *k < 1e18 => *k as u64,
        _ => 0,
    }
}

/// Whether a `[model]` table describes a sector rather than one pair.
fn is_sector(model: &toml::Value) -> bool {
    model.get("specialists").is_some() || model.get("population").is_some()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "openness model")]
struct SectorToml {
    alpha0: Alpha0,
    c0: f64,
    #[serde(default)]
    epsilon: f64,
    #[serde(default)]
    operation_cost: f64,
    #[serde(default)]
    bargaining: BargainingRule,
    #[serde(default)]
    regulation: Option<Regulation>,
    #[serde(default)]
    specialists: Option<Vec<toml::Value>>,
    #[serde(default)]
    population: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "specialist")]
struct SpecialistToml {
    r: f64,
    c1: f64,
    #[serde(default)]
    kappa: f64,
    #[serde(default = "crate::openness::one")]
    lambda: f64,
    #[serde(default)]
    entry_cost: f64,
    #[serde(default)]
    delta: Option<f64>,
}

/// A specialist parameter in `[model.population]`: one value for all, or
/// a distribution every specialist draws from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Draw {
    Fixed(f64),
    Uniform {
        low: f64,
        high: f64,
    },
    /// median·exp(σ·Z), Z standard normal.
    LogNormal {
        median: f64,
        sigma: f64,
    },
}

impl Draw {
    fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match *self {
            Draw::Fixed(v) => v,
            Draw::Uniform { low, high } => {
                let u: f64 = rand::RngExt::random(rng);
                low + (high - low) * u
            }
            Draw::LogNormal { median, sigma } => {
                let z: f64 = Normal::new(0.0, 1.0).expect("unit normal").sample(rng);
                median * (sigma * z).exp()
            }
        }
    }
}

/// The market a `[model]` table describes.
pub(crate) fn market(cx: &Cx, model: toml::Value) -> Result<Market, ConfigError> {
    Ok(if is_sector(&model) {
        Market::Sector(sector(cx, model)?)
    } else {
        Market::Pair(pair(cx, model)?)
    })
}

/// `[model]` of one specialist: the TOML shape is [`OpennessGame`]'s own;
/// here every value is checked against its domain.
fn pair(cx: &Cx, mut model: toml::Value) -> Result<OpennessGame, ConfigError> {
    if let toml::Value::Table(t) = &mut model {
        t.remove("family");
    }
    let g: OpennessGame = cx.section("model", model)?;
    if let Alpha0::Exogenous(a) = g.alpha0 {
        cx.check("model.alpha0", a, Domain::NonNegative)?;
    }
    if let BargainingRule::Fixed(d) = g.bargaining {
        cx.check("model.bargaining.delta", d, Domain::Unit)?;
    }
    if let Some(reg) = g.regulation {
        cx.check("model.regulation.theta", reg.theta, Domain::Unit)?;
        cx.check("model.regulation.penalty", reg.penalty, Domain::NonNegative)?;
    }
    for (field, v, domain) in [
        ("model.r", g.r, Domain::Positive),
        ("model.c0", g.c0, Domain::Positive),
        ("model.c1", g.c1, Domain::Positive),
        ("model.epsilon", g.epsilon, Domain::NonNegative),
        ("model.lambda", g.lambda, Domain::Unit),
        ("model.kappa", g.kappa, Domain::NonNegative),
        (
            "model.operation_cost",
            g.operation_cost,
            Domain::NonNegative,
        ),
    ] {
        cx.check(field, v, domain)?;
    }
    Ok(g)
}

/// The single-specialist keys, which belong to each specialist here.
const PER_SPECIALIST: [&str; 4] = ["r", "c1", "kappa", "lambda"];

fn sector(cx: &Cx, mut model: toml::Value) -> Result<Sector, ConfigError> {
    if let toml::Value::Table(t) = &mut model {
        t.remove("family");
        if let Some(key) = PER_SPECIALIST.iter().find(|k| t.contains_key(**k)) {
            return Err(cx.err(
                &format!("model.{key}"),
                "is a specialist's parameter: with [[model.specialists]] or [model.population], set it in each specialist (or the population)".into(),
            ));
        }
    }
    let m: SectorToml = cx.section("model", model)?;
    let Alpha0::Exogenous(alpha0) = m.alpha0 else {
        return Err(cx.err(
            "model.alpha0",
            "= \"endogenous\" is not supported with several specialists (G would choose α0 against a sector whose entry depends on it); give a number".into(),
        ));
    };
    cx.check("model.alpha0", alpha0, Domain::NonNegative)?;
    cx.check("model.c0", m.c0, Domain::Positive)?;
    cx.check("model.epsilon", m.epsilon, Domain::NonNegative)?;
    cx.check(
        "model.operation_cost",
        m.operation_cost,
        Domain::NonNegative,
    )?;
    if let Some(reg) = m.regulation {
        cx.check("model.regulation.theta", reg.theta, Domain::Unit)?;
        cx.check("model.regulation.penalty", reg.penalty, Domain::NonNegative)?;
    }
    let (common, bargaining) = match m.bargaining {
        BargainingRule::Fixed(d) => (
            Some(cx.check("model.bargaining.delta", d, Domain::Unit)?),
            None,
        ),
        rule => (None, Some(rule)),
    };
    let specialists = match (m.specialists, m.population) {
        (Some(_), Some(_)) => {
            return Err(cx.err(
                "model.population",
                "and [[model.specialists]] are both given: write the specialists out, or draw them, not both".into(),
            ));
        }
        (Some(list), None) => listed(cx, list, common)?,
        (None, Some(p)) => population(cx, p, common)?,
        (None, None) => unreachable!("is_sector checked one of them"),
    };
    Ok(Sector {
        alpha0,
        c0: m.c0,
        epsilon: m.epsilon,
        operation_cost: m.operation_cost,
        regulation: m.regulation,
        specialists,
        bargaining,
    })
}

fn count(cx: &Cx, field: &str, k: usize) -> Result<(), ConfigError> {
    if k == 0 || k > MAX_SPECIALISTS {
        return Err(cx.err(
            field,
            format!("holds {k} specialists; allowed 1 to {MAX_SPECIALISTS}"),
        ));
    }
    Ok(())
}

fn listed(
    cx: &Cx,
    list: Vec<toml::Value>,
    common: Option<f64>,
) -> Result<Vec<Specialist>, ConfigError> {
    count(cx, "model.specialists", list.len())?;
    list.into_iter()
        .enumerate()
        .map(|(i, v)| {
            let at = format!("model.specialists[{i}]");
            let s: SpecialistToml = cx.section(&at, v)?;
            let delta = match (s.delta, common) {
                (Some(d), Some(_)) => cx.check(&format!("{at}.delta"), d, Domain::Unit)?,
                (None, Some(d)) => d,
                (Some(_), None) => {
                    return Err(cx.err(
                        &format!("{at}.delta"),
                        "is set, but the bargaining rule sets one δ for the whole sector; only rule = \"fixed\" takes per-specialist deltas".into(),
                    ));
                }
                // Bargained later; any value until then.
                (None, None) => 0.5,
            };
            specialist(cx, &at, s.r, s.c1, s.kappa, s.lambda, s.entry_cost, delta)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn specialist(
    cx: &Cx,
    at: &str,
    r: f64,
    c1: f64,
    kappa: f64,
    lambda: f64,
    entry_cost: f64,
    delta: f64,
) -> Result<Specialist, ConfigError> {
    Ok(Specialist {
        r: cx.check(&format!("{at}.r"), r, Domain::Positive)?,
        c1: cx.check(&format!("{at}.c1"), c1, Domain::Positive)?,
        kappa: cx.check(&format!("{at}.kappa"), kappa, Domain::NonNegative)?,
        lambda: cx.check(&format!("{at}.lambda"), lambda, Domain::Unit)?,
        entry_cost: cx.check(&format!("{at}.entry_cost"), entry_cost, Domain::NonNegative)?,
        delta,
    })
}

/// A parameter of the population: a number, `{ uniform = { low, high } }`
/// or `{ lognormal = { median, sigma } }`. Uniform ends must lie in the
/// parameter's domain; a log-normal is allowed only for parameters
/// unbounded above (its draws are clamped to the domain's ends, which only
/// its far tails reach).
fn draw(
    cx: &Cx,
    field: &str,
    v: Option<&toml::Value>,
    default: f64,
    domain: Domain,
) -> Result<Draw, ConfigError> {
    let Some(v) = v else {
        return Ok(Draw::Fixed(default));
    };
    let number = |at: &str, v: Option<&toml::Value>| -> Result<f64, ConfigError> {
        match v {
            Some(toml::Value::Float(x)) => Ok(*x),
            Some(toml::Value::Integer(i)) => Ok(*i as f64),
            Some(other) => Err(cx.err(at, format!("= {other} must be a number"))),
            None => Err(cx.err(at, "is missing (required)".into())),
        }
    };
    match v {
        toml::Value::Float(_) | toml::Value::Integer(_) => {
            Ok(Draw::Fixed(cx.check(field, number(field, Some(v))?, domain)?))
        }
        toml::Value::Table(t) if t.len() == 1 => {
            let (kind, body) = t.iter().next().expect("one entry");
            let at = format!("{field}.{kind}");
            let keys: &[&str] = match kind.as_str() {
                "uniform" => &["low", "high"],
                "lognormal" => &["median", "sigma"],
                _ => return Err(cx.unknown(&at, &["uniform", "lognormal"])),
            };
            let body = body.as_table().ok_or_else(|| {
                cx.err(&at, format!("must be a table {{ {} }}", keys.join(", ")))
            })?;
            if let Some(k) = body.keys().find(|k| !keys.contains(&k.as_str())) {
                return Err(cx.unknown(&format!("{at}.{k}"), keys));
            }
            let get = |key: &str| number(&format!("{at}.{key}"), body.get(key));
            if kind == "uniform" {
                let low = cx.check(&format!("{at}.low"), get("low")?, domain)?;
                let high = cx.check(&format!("{at}.high"), get("high")?, domain)?;
                if low > high {
                    return Err(cx.err(
                        &format!("{at}.low"),
                        format!("= {low} is above high = {high}"),
                    ));
                }
                return Ok(Draw::Uniform { low, high });
            }
            if !matches!(domain, Domain::Positive | Domain::NonNegative) {
                return Err(cx.err(
                    &at,
                    format!("is unbounded above, but this parameter lies in {domain}: use a number or uniform"),
                ));
            }
            let median = cx.check(&format!("{at}.median"), get("median")?, Domain::Positive)?;
            let sigma = get("sigma")?;
            if !(0.0..=MAX_SIGMA).contains(&sigma) {
                return Err(cx.err(
                    &format!("{at}.sigma"),
                    format!("= {sigma} is out of range [0, {MAX_SIGMA}]"),
                ));
            }
            Ok(Draw::LogNormal { median, sigma })
        }
        other => Err(cx.err(
            field,
            format!(
                "must be a number, {{ uniform = {{ low, high }} }} or {{ lognormal = {{ median, sigma }} }}, not {}",
                other.type_str()
            ),
        )),
    }
}

/// The largest log-normal σ: e^(±4σ) already spans 10^±17.
const MAX_SIGMA: f64 = 10.0;

fn population(
    cx: &Cx,
    p: toml::Value,
    common: Option<f64>,
) -> Result<Vec<Specialist>, ConfigError> {
    let t = p.as_table().ok_or_else(|| {
        cx.err(
            "model.population",
            format!("must be a table, not {}", p.type_str()),
        )
    })?;
    const KEYS: [&str; 7] = ["k", "seed", "r", "c1", "kappa", "lambda", "entry_cost"];
    if let Some(key) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(cx.unknown(&format!("model.population.{key}"), &KEYS));
    }
    let whole = |key: &str| -> Result<Option<u64>, ConfigError> {
        match t.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) if *i >= 0 => Ok(Some(*i as u64)),
            // A sweep's linspace gives floats: whole ones are whole numbers.
            Some(toml::Value::Float(x)) if *x >= 0.0 && x.fract() == 0.0 && *x < 1e18 => {
                Ok(Some(*x as u64))
            }
            Some(other) => Err(cx.err(
                &format!("model.population.{key}"),
                format!("= {other} must be a whole number ≥ 0"),
            )),
        }
    };
    let k =
        whole("k")?.ok_or_else(|| cx.err("model.population.k", "is missing (required)".into()))?;
    count(
        cx,
        "model.population.k",
        usize::try_from(k).unwrap_or(usize::MAX),
    )?;
    let seed = whole("seed")?.unwrap_or(0);
    let f = |key: &str, default: f64, domain: Domain| {
        draw(
            cx,
            &format!("model.population.{key}"),
            t.get(key),
            default,
            domain,
        )
    };
    let r = f("r", 1.0, Domain::Positive)?;
    let c1 = f("c1", 1.0, Domain::Positive)?;
    let kappa = f("kappa", 0.0, Domain::NonNegative)?;
    let lambda = f("lambda", 1.0, Domain::Unit)?;
    let entry_cost = f("entry_cost", 0.0, Domain::NonNegative)?;
    // Bargained later when there is no common fixed δ.
    let delta = common.unwrap_or(0.5);
    // One stream per population seed, drawn specialist by specialist in a
    // fixed order: the same seed gives the same sector whatever else the
    // sweep varies, and a larger k extends a smaller one.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..k)
        .map(|i| {
            let at = format!("model.population (specialist {i})");
            let (r, c1, kappa, lambda, entry_cost) = (
                r.sample(&mut rng),
                c1.sample(&mut rng),
                kappa.sample(&mut rng),
                lambda.sample(&mut rng),
                entry_cost.sample(&mut rng),
            );
            // A log-normal draw can leave a positive scale's range in its
            // far tail; clamp to the domain rather than fail one in 10^k.
            let clamp = |v: f64, d: Domain| match d {
                Domain::Positive => v.clamp(1.0 / MAX_MAGNITUDE, MAX_MAGNITUDE),
                _ => v.clamp(0.0, MAX_MAGNITUDE),
            };
            specialist(
                cx,
                &at,
                clamp(r, Domain::Positive),
                clamp(c1, Domain::Positive),
                clamp(kappa, Domain::NonNegative),
                lambda,
                clamp(entry_cost, Domain::NonNegative),
                delta,
            )
        })
        .collect()
}
