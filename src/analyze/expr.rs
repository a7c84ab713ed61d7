//! `analyze --output EXPR`: what to analyse, as the user spells it. A
//! column (`converged`, `model.alpha0`), an element of a list column
//! (`actions[0]`), a family alias (`omega` for the openness market's
//! `actions[0]`), or one of those compared with a number, a quoted string
//! or a boolean (`regime == "pay_penalty"`, `omega >= 0.5`).

use polars::prelude::*;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `<`
    Lt,
}

impl Cmp {
    /// Longest first, so `>=` is not read as `>`.
    const ALL: [(&'static str, Cmp, &'static str); 6] = [
        ("==", Cmp::Eq, "eq"),
        ("!=", Cmp::Ne, "ne"),
        (">=", Cmp::Ge, "ge"),
        ("<=", Cmp::Le, "le"),
        (">", Cmp::Gt, "gt"),
        ("<", Cmp::Lt, "lt"),
    ];
}

/// What a comparison compares with.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A number.
    Number(f64),
    /// A quoted string.
    Text(String),
    /// `true` or `false`.
    Bool(bool),
}

/// A column or one element of a list column.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// The column.
    pub column: String,
    /// The element of a list column.
    pub index: Option<usize>,
}

/// One `--output`.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// As the user wrote it (trimmed).
    pub text: String,
    /// What it reads.
    pub term: Term,
    /// The comparison that makes it yes/no, if any.
    pub compare: Option<(Cmp, Literal)>,
}

fn term(text: &str, aliases: &[(&str, &str)]) -> Result<Term, String> {
    let text = aliases
        .iter()
        .find(|(a, _)| *a == text)
        .map_or(text, |(_, to)| to);
    if let Some(open) = text.find('[') {
        let (column, rest) = text.split_at(open);
        let index = rest
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|i| i.trim().parse::<usize>().ok())
            .ok_or_else(|| {
                format!("`{text}`: an element is written column[i], with i a whole number from 0")
            })?;
        return Ok(Term {
            column: column.trim().to_string(),
            index: Some(index),
        });
    }
    if text.is_empty() {
        return Err("is empty: name a column, e.g. converged or actions[0]".into());
    }
    Ok(Term {
        column: text.to_string(),
        index: None,
    })
}

fn literal(text: &str) -> Result<Literal, String> {
    let quoted = |q: char| text.strip_prefix(q).and_then(|t| t.strip_suffix(q));
    if let Some(s) = quoted('"')
        .or_else(|| quoted('\''))
        .filter(|_| text.len() >= 2)
    {
        return Ok(Literal::Text(s.to_string()));
    }
    match text {
        "true" => return Ok(Literal::Bool(true)),
        "false" => return Ok(Literal::Bool(false)),
        _ => {}
    }
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Literal::Number)
        .ok_or_else(|| {
            format!(
                "`{text}` is not a finite number, a quoted string or true/false (quote text: \"pay_penalty\")"
            )
        })
}

/// Parse one `--output`, with the experiment's family aliases.
pub fn parse(text: &str, aliases: &[(&str, &str)]) -> Result<Output, String> {
    let text = text.trim();
    // The operator is the first one outside quotes.
    let mut quote: Option<char> = None;
    let mut found = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, _) => {
                if let Some((op, cmp, _)) =
                    Cmp::ALL.iter().find(|(op, ..)| text[i..].starts_with(op))
                {
                    found = Some((i, op.len(), *cmp));
                    break;
                }
            }
        }
    }
    let Some((at, len, cmp)) = found else {
        return Ok(Output {
            text: text.to_string(),
            term: term(text, aliases)?,
            compare: None,
        });
    };
    let lhs = text[..at].trim();
    let rhs = text[at + len..].trim();
    let lit = literal(rhs)?;
    if matches!(lit, Literal::Text(_) | Literal::Bool(_)) && !matches!(cmp, Cmp::Eq | Cmp::Ne) {
        return Err(format!(
            "`{text}`: text and booleans compare with == or != only"
        ));
    }
    Ok(Output {
        text: text.to_string(),
        term: term(lhs, aliases)?,
        compare: Some((cmp, lit)),
    })
}

impl Output {
    /// A name for files, from the output as written: letters, digits and
    /// single `_` (`regime == "x"` is `regime_eq_x`, `omega >= 0.5` is
    /// `omega_ge_0_5`).
    pub fn slug(&self) -> String {
        let mut s = self.text.clone();
        for (op, _, word) in Cmp::ALL {
            s = s.replace(op, &format!("_{word}_"));
        }
        let mapped: String = s
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        mapped
            .split('_')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("_")
    }

    /// Check the output against a table's columns: one line on what is
    /// wrong, naming the table.
    pub fn check(&self, schema: &Schema, table: &str) -> Result<(), String> {
        let name = &self.term.column;
        let Some(dtype) = schema.get(name) else {
            let mut names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
            names.sort_unstable();
            return Err(format!(
                "--output {}: {table} has no column `{name}` (its columns: {})",
                self.text,
                names.join(", ")
            ));
        };
        let inner = match (self.term.index, dtype) {
            (Some(_), DataType::List(inner)) => inner.as_ref().clone(),
            (Some(_), other) => {
                return Err(format!(
                    "--output {}: `{name}` in {table} is {other}, not a list: drop the [i]",
                    self.text
                ));
            }
            (None, other) => other.clone(),
        };
        let numeric = inner.is_primitive_numeric() || inner == DataType::Boolean;
        let ok = match &self.compare {
            None => numeric,
            Some((_, Literal::Number(_))) => inner.is_primitive_numeric(),
            Some((_, Literal::Bool(_))) => inner == DataType::Boolean,
            Some((_, Literal::Text(_))) => inner == DataType::String,
        };
        if !ok {
            return Err(format!(
                "--output {}: `{name}` in {table} is {inner}, which {}",
                self.text,
                match &self.compare {
                    None =>
                        "is neither numeric nor boolean: compare it, e.g. regime == \"pay_penalty\""
                            .to_string(),
                    Some((_, lit)) => format!("cannot be compared with {lit:?}"),
                }
            ));
        }
        Ok(())
    }

    /// The Polars expression: the value as f64 (a yes/no as 1.0/0.0).
    pub fn expr(&self) -> Expr {
        let mut e = col(self.term.column.as_str());
        if let Some(i) = self.term.index {
            e = e.list().get(lit(i as i64), true);
        }
        let e = match &self.compare {
            None => e,
            Some((cmp, l)) => {
                let rhs = match l {
                    Literal::Number(x) => {
                        e = e.cast(DataType::Float64);
                        lit(*x)
                    }
                    Literal::Text(t) => lit(t.clone()),
                    Literal::Bool(b) => lit(*b),
                };
                match cmp {
                    Cmp::Eq => e.eq(rhs),
                    Cmp::Ne => e.neq(rhs),
                    Cmp::Ge => e.gt_eq(rhs),
                    Cmp::Le => e.lt_eq(rhs),
                    Cmp::Gt => e.gt(rhs),
                    Cmp::Lt => e.lt(rhs),
                }
            }
        };
        e.cast(DataType::Float64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_parse_as_written() {
        let aliases = [("omega", "actions[0]")];
        let o = parse("omega >= 0.5", &aliases).unwrap();
        assert_eq!(
            o.term,
            Term {
                column: "actions".into(),
                index: Some(0)
            }
        );
        assert_eq!(o.compare, Some((Cmp::Ge, Literal::Number(0.5))));
        assert_eq!(o.slug(), "omega_ge_0_5");
        assert_eq!(
            parse("actions[1] < 2", &aliases).unwrap().slug(),
            "actions_1_lt_2"
        );
        let o = parse("regime == \"pay_penalty\"", &aliases).unwrap();
        assert_eq!(
            o.compare,
            Some((Cmp::Eq, Literal::Text("pay_penalty".into())))
        );
        let o = parse("model.alpha0", &aliases).unwrap();
        assert_eq!(o.term.column, "model.alpha0");
        assert!(o.compare.is_none());
        assert!(parse("regime > \"a\"", &aliases).is_err());
        assert!(parse("actions[x]", &aliases).is_err());
        assert!(parse("omega >= big", &aliases).is_err());
        assert!(parse("x == \"a>b\"", &aliases).unwrap().compare.is_some());
    }
}
