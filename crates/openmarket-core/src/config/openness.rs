//! `[model]` of family `openness`: the TOML shape is [`OpennessGame`]'s own;
//! here every value is checked against its domain.

use super::error::{ConfigError, Cx};
use crate::domain::Domain;
use crate::openness::{Alpha0, BargainingRule, OpennessGame};

pub(crate) fn openness(cx: &Cx, mut model: toml::Value) -> Result<OpennessGame, ConfigError> {
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
