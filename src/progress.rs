//! Progress bars on stderr, hidden when stderr is not a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::run;

/// A bar drawn with `template`; hidden when stderr is not a terminal.
pub fn bar(template: &str) -> ProgressBar {
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
        bar
    } else {
        ProgressBar::hidden()
    }
}

/// The `run` command's bar.
pub struct RunBar(pub ProgressBar);

impl run::Progress for RunBar {
    fn start(&self, total: u64, done: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
    fn note(&self, line: &str) {
        self.0.suspend(|| eprintln!("{line}"));
    }
}
