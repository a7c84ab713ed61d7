//! Command-line interface: parse arguments, load the config, dispatch.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use openmarket_core::config::{self, ConfigError, ModelConfig};

use crate::report;

#[derive(Parser, Debug)]
#[command(
    name = "openmarket",
    version,
    about = "Agent-based simulator of the AI-openness market"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Solve the game of a config exactly and print its equilibrium.
    Solve {
        /// A TOML config (see configs/).
        config: PathBuf,
        /// Print one JSON object on stdout instead of a readable report.
        #[arg(long)]
        json: bool,
    },
}

/// Errors the command reports; each knows its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    /// 2 for bad input (usage and config), 1 for failures while running.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) => 2,
            CliError::Other(_) => 1,
        }
    }
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Solve { config, json } => {
            let cfg = config::load(&config)?;
            match cfg.model {
                ModelConfig::Openness(game) => {
                    let eq = game.solve();
                    if json {
                        println!("{}", report::openness_json(&game, &eq));
                    } else {
                        print!("{}", report::openness_text(&game, &eq));
                    }
                }
            }
            Ok(())
        }
    }
}
