//! Config errors: one line naming the file, the dotted field, the value and
//! the allowed range, so a user can fix a config without reading the source.

use serde::de::DeserializeOwned;

use crate::domain::Domain;

/// A config error: `origin: message`, where the message names the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ConfigError {
    /// The file (or other source) the config came from.
    pub origin: String,
    /// Dotted path of the offending field, when there is one.
    pub field: Option<String>,
    /// What is wrong, starting with the field's name.
    pub message: String,
}

/// The context of one parse: where errors point.
pub struct Cx<'a> {
    pub(crate) origin: &'a str,
}

impl Cx<'_> {
    /// `message` continues the field name: "= 3 is out of range …",
    /// "is missing …" or ": invalid type …".
    pub(crate) fn err(&self, field: &str, message: String) -> ConfigError {
        let sep = if message.starts_with(':') { "" } else { " " };
        // A field is a dotted path of the user's keys, which may be a
        // mistake of any length.
        let field = if field.len() > 200 {
            shorten(field)
        } else {
            field.to_string()
        };
        ConfigError {
            origin: self.origin.to_string(),
            message: format!("{field}{sep}{message}"),
            field: Some(field),
        }
    }

    /// An error not tied to one field.
    pub(crate) fn general(&self, message: String) -> ConfigError {
        ConfigError {
            origin: self.origin.to_string(),
            field: None,
            message,
        }
    }

    pub(crate) fn unknown(&self, field: &str, expected: &[&str]) -> ConfigError {
        let hint = suggestion(field.rsplit('.').next().unwrap_or(field), expected)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_else(|| format!("; expected one of {}", list(expected)));
        self.err(field, format!("is not a known key{hint}"))
    }

    pub(crate) fn syntax(&self, text: &str, e: &toml::de::Error) -> ConfigError {
        let at = e
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(" at line {line}, column {col}")
            })
            .unwrap_or_default();
        let mut msg = e.message().trim().replace('\n', " ");
        // toml names neither the key nor the table; its span holds it.
        if msg == "duplicate key"
            && let Some(key) = e.span().and_then(|s| text.get(s))
        {
            let key: String = key.trim().chars().take(60).collect();
            msg = format!("duplicate key `{key}`");
        }
        self.general(format!("TOML syntax error{at}: {msg}"))
    }

    /// Deserialize a section into its struct, mapping serde's errors to
    /// one-line messages with the dotted path.
    pub(crate) fn section<T: DeserializeOwned>(
        &self,
        prefix: &str,
        value: toml::Value,
    ) -> Result<T, ConfigError> {
        if !value.is_table() {
            return Err(self.err(
                prefix,
                format!(
                    "must be a table ([{prefix}] or {{ … }}), not {}",
                    value.type_str()
                ),
            ));
        }
        self.value(prefix, value)
    }

    /// Deserialize any value (a table, a list, a number) at `prefix`, with
    /// the same one-line messages.
    pub(crate) fn value<T: DeserializeOwned>(
        &self,
        prefix: &str,
        value: toml::Value,
    ) -> Result<T, ConfigError> {
        serde_path_to_error::deserialize(super::strict::Strict(value)).map_err(|e| {
            let path = e.path().to_string();
            let at = if path == "." || path.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}.{path}")
            };
            // toml appends "in `key`" on a second line; the path already says it.
            let full = e.inner().to_string();
            let msg = full
                .lines()
                .next()
                .unwrap_or_default()
                .replace("expected f64", "expected a number")
                .replace("expected u64", "expected a whole number")
                .replace("expected usize", "expected a whole number");
            let ticked: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
            if msg.starts_with("unknown field") {
                let unknown = ticked.first().copied().unwrap_or("?");
                let field = if at.ends_with(unknown) {
                    at.clone()
                } else {
                    format!("{at}.{unknown}")
                };
                self.unknown(&field, &ticked[1..])
            } else if msg.starts_with("missing field") {
                let missing = ticked.first().copied().unwrap_or("?");
                self.err(&format!("{at}.{missing}"), "is missing (required)".into())
            } else if msg.starts_with("unknown variant") {
                let got = ticked.first().copied().unwrap_or("?");
                let hint = suggestion(got, &ticked[1..])
                    .map(|s| format!("; did you mean \"{s}\"?"))
                    .unwrap_or_default();
                self.err(
                    &at,
                    format!(
                        "= \"{}\" is not allowed; one of {}{hint}",
                        shorten(got),
                        list(&ticked[1..])
                    ),
                )
            } else {
                self.err(&at, format!(": {msg}"))
            }
        })
    }

    /// `v` if it lies in `domain`, else an error naming the field.
    pub(crate) fn check(&self, field: &str, v: f64, domain: Domain) -> Result<f64, ConfigError> {
        domain.check(v).map_err(|m| self.err(field, m))
    }

    /// `v` if it is at least 1.
    pub(crate) fn at_least_one(&self, field: &str, v: u64) -> Result<u64, ConfigError> {
        if v == 0 {
            Err(self.err(field, "= 0 is out of range [1, inf)".into()))
        } else {
            Ok(v)
        }
    }

    /// A TOML number (integer or float) as f64.
    pub(crate) fn number(&self, field: &str, v: &toml::Value) -> Result<f64, ConfigError> {
        match v {
            toml::Value::Float(f) => Ok(*f),
            toml::Value::Integer(i) => Ok(*i as f64),
            other => Err(self.err(
                field,
                format!(": invalid type: {}, expected a number", other.type_str()),
            )),
        }
    }
}

/// A value as an error echoes it: whole up to 60 characters, else its
/// first 40 and its length, so that a message stays one readable line.
pub(crate) fn shorten(value: &str) -> String {
    let n = value.chars().count();
    if n <= 60 {
        value.to_string()
    } else {
        let head: String = value.chars().take(40).collect();
        format!("{head}… ({n} characters)")
    }
}

pub(crate) fn list(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("\"{o}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The closest known key, if it is close enough to be a likely typo.
pub fn suggestion<'a>(got: &str, options: &[&'a str]) -> Option<&'a str> {
    options
        .iter()
        .map(|o| (strsim::jaro_winkler(got, o), *o))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, o)| o)
}
