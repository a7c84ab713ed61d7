//! The `openmarket` command: a thin shell over the `openmarket` library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = openmarket::cli::Cli::parse();
    match openmarket::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match openmarket::cli::hint(&e) {
                Some(hint) => eprintln!("error: {e}; {hint}"),
                None => eprintln!("error: {e}"),
            }
            ExitCode::from(e.exit_code())
        }
    }
}
