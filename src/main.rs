//! The `openmarket` command: a thin shell over the `openmarket` library.

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A panic is a bug. Where the runner catches it, it becomes one line
    // naming the run; anywhere else it is reported here in one line, not as
    // a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        openmarket::error::record_panic(format!("{message}{at}"));
    }));
    let cli = openmarket::cli::Cli::parse();
    let result = std::panic::catch_unwind(|| openmarket::cli::run(cli));
    let Ok(result) = result else {
        eprintln!(
            "error: internal error: {}; this is a bug in openmarket",
            openmarket::error::last_panic()
        );
        return ExitCode::from(1);
    };
    match result {
        Ok(()) | Err(openmarket::error::Error::ClosedPipe) => ExitCode::SUCCESS,
        Err(e) => {
            match e.hint() {
                Some(hint) => eprintln!("error: {e}; {hint}"),
                None => eprintln!("error: {e}"),
            }
            ExitCode::from(e.exit_code())
        }
    }
}
