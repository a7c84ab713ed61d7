//! `[model]` of family `normal_form`: `nfg = "game.nfg"` (relative to the
//! config file), or `players`, `strategies` and `payoffs` inline.

use std::path::Path;

use serde::Deserialize;

use super::{NormalForm, Source};
use crate::config::error::{ConfigError, Cx};
use crate::finite::nfg::{self, Nfg};
use crate::limits::{MAX_NFG_BYTES, MAX_NFG_PAYOFFS, MAX_TABLE_PLAYERS};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "normal_form model")]
struct RawNormalForm {
    nfg: Option<String>,
    title: Option<String>,
    players: Option<Vec<String>>,
    /// Per player: a count, or a list of names.
    strategies: Option<Vec<toml::Value>>,
    payoffs: Option<toml::Table>,
}

pub(crate) fn parse(cx: &Cx, mut model: toml::Value) -> Result<NormalForm, ConfigError> {
    if let toml::Value::Table(t) = &mut model {
        t.remove("family");
    }
    let raw: RawNormalForm = cx.section("model", model)?;
    match &raw.nfg {
        Some(path) => {
            for (key, set) in [
                ("players", raw.players.is_some()),
                ("strategies", raw.strategies.is_some()),
                ("title", raw.title.is_some()),
            ] {
                if set {
                    return Err(cx.err(
                        &format!("model.{key}"),
                        format!(
                            "cannot be set beside model.nfg = \"{path}\": the file gives the game"
                        ),
                    ));
                }
            }
            if raw.payoffs.is_some() {
                return Err(cx.err(
                    "model.payoffs",
                    format!("cannot be set or swept beside model.nfg = \"{path}\": a file's payoffs are not sweepable; write the game inline (players, strategies, payoffs) to sweep them"),
                ));
            }
            from_file(cx, path)
        }
        None => inline(cx, raw),
    }
}

fn from_file(cx: &Cx, path: &str) -> Result<NormalForm, ConfigError> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let field = "model.nfg";
    // Relative to the config file's folder, as a user writes it beside it.
    let base = Path::new(cx.origin).parent().unwrap_or(Path::new(""));
    let full = base.join(path);
    let fail = |why: String| cx.err(field, format!("= \"{path}\": {why}"));
    let file = std::fs::File::open(&full)
        .map_err(|e| fail(format!("cannot read {}: {e}", full.display())))?;
    let mut bytes = Vec::new();
    file.take(MAX_NFG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read {}: {e}", full.display())))?;
    if bytes.len() as u64 > MAX_NFG_BYTES {
        return Err(fail(format!(
            "is larger than {} MiB: not a game this tool solves",
            MAX_NFG_BYTES >> 20
        )));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        fail(format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let game = nfg::read(text).map_err(|e| fail(format!("line {}: {}", e.line, e.message)))?;
    check_size(cx, field, &game)?;
    Ok(NormalForm {
        game,
        source: Source::File {
            path: path.to_string(),
            sha256: format!("{:x}", Sha256::digest(&bytes)),
        },
    })
}

fn check_size(cx: &Cx, field: &str, game: &Nfg) -> Result<(), ConfigError> {
    if game.players.len() > MAX_TABLE_PLAYERS {
        return Err(cx.err(
            field,
            format!(
                "has {} players; a normal-form game has at most {MAX_TABLE_PLAYERS}",
                game.players.len()
            ),
        ));
    }
    Ok(())
}

fn inline(cx: &Cx, raw: RawNormalForm) -> Result<NormalForm, ConfigError> {
    let players = raw.players.ok_or_else(|| {
        cx.err(
            "model.players",
            "is missing: a normal_form model needs `nfg = \"game.nfg\"` or players, strategies and payoffs".into(),
        )
    })?;
    if players.is_empty() || players.len() > MAX_TABLE_PLAYERS {
        return Err(cx.err(
            "model.players",
            format!(
                "has {} names; allowed: 1 to {MAX_TABLE_PLAYERS}",
                players.len()
            ),
        ));
    }
    for (i, p) in players.iter().enumerate() {
        if players[..i].contains(p) {
            return Err(cx.err(
                &format!("model.players[{i}]"),
                format!("= \"{p}\" names a player twice"),
            ));
        }
    }
    let strategies = raw.strategies.ok_or_else(|| {
        cx.err(
            "model.strategies",
            "is missing: one entry per player, a count or a list of names".into(),
        )
    })?;
    if strategies.len() != players.len() {
        return Err(cx.err(
            "model.strategies",
            format!(
                "has {} entries for {} players (one per player)",
                strategies.len(),
                players.len()
            ),
        ));
    }
    let mut names: Vec<Vec<String>> = Vec::with_capacity(players.len());
    for (i, s) in strategies.iter().enumerate() {
        let field = format!("model.strategies[{i}]");
        let list = match s {
            toml::Value::Integer(k) if *k >= 1 && (*k as u64) <= MAX_NFG_PAYOFFS => {
                (1..=*k).map(|j| j.to_string()).collect()
            }
            toml::Value::Integer(k) => {
                return Err(cx.err(
                    &field,
                    format!("= {k} is out of range [1, {MAX_NFG_PAYOFFS}]"),
                ));
            }
            toml::Value::Array(a) if !a.is_empty() => a
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    v.as_str().map(String::from).ok_or_else(|| {
                        cx.err(
                            &format!("{field}[{j}]"),
                            "must be a strategy's name (a string)".into(),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => {
                return Err(cx.err(
                    &field,
                    "must be a number of strategies (≥ 1) or a non-empty list of their names"
                        .into(),
                ));
            }
        };
        names.push(list);
    }
    let profiles = names
        .iter()
        .try_fold(1u64, |acc, s| acc.checked_mul(s.len() as u64))
        .filter(|&p| p.saturating_mul(players.len() as u64) <= MAX_NFG_PAYOFFS)
        .ok_or_else(|| {
            cx.err(
                "model.strategies",
                format!("make a table of more than {MAX_NFG_PAYOFFS} payoffs"),
            )
        })? as usize;
    let table = raw.payoffs.ok_or_else(|| {
        cx.err(
            "model.payoffs",
            "is missing: one list per player (`name = [...]`), one payoff per profile, player 1's strategy changing fastest".into(),
        )
    })?;
    if let Some(k) = table.keys().find(|k| !players.contains(k)) {
        return Err(cx.err(
            &format!("model.payoffs.{k}"),
            format!("names no player (players: {})", players.join(", ")),
        ));
    }
    let n = players.len();
    let mut payoffs = vec![0.0; profiles * n];
    for (i, p) in players.iter().enumerate() {
        let field = format!("model.payoffs.{p}");
        let list = match table.get(p) {
            Some(toml::Value::Array(a)) => a,
            Some(_) => {
                return Err(cx.err(&field, "must be a list of numbers, one per profile".into()));
            }
            None => {
                return Err(cx.err(
                    &field,
                    format!("is missing: {profiles} payoffs, one per profile"),
                ));
            }
        };
        if list.len() != profiles {
            return Err(cx.err(
                &field,
                format!(
                    "has {} payoffs; the strategies make {profiles} profiles (one payoff each, player 1's strategy changing fastest)",
                    list.len()
                ),
            ));
        }
        for (k, v) in list.iter().enumerate() {
            let at = format!("{field}[{k}]");
            let u = cx.number(&at, v)?;
            if !u.is_finite() {
                return Err(cx.err(
                    &at,
                    format!("= {u} is out of range: a payoff is a finite number"),
                ));
            }
            payoffs[k * n + i] = u;
        }
    }
    Ok(NormalForm {
        game: Nfg {
            title: raw.title.unwrap_or_default(),
            players,
            strategies: names,
            payoffs,
        },
        source: Source::Inline,
    })
}
