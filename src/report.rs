//! Readable renderings every family shares: `plan` and `run`. Each
//! family's `solve` report is in its folder (`families/`).

use std::fmt::Write;

use crate::error::Error;

fn bytes_text(b: f64) -> String {
    match b {
        b if b >= 1e9 => format!("{:.1} GB", b / 1e9),
        b if b >= 1e6 => format!("{:.1} MB", b / 1e6),
        b if b >= 1e3 => format!("{:.1} kB", b / 1e3),
        b => format!("{b:.0} B"),
    }
}

/// Each study of a plan with its number of points.
pub fn study_points(plan: &openmarket_core::plan::Plan) -> Vec<(&str, usize)> {
    (plan.studies.iter().enumerate())
        .map(|(k, name)| {
            let n = plan.points.iter().filter(|p| p.study == Some(k)).count();
            (name.as_str(), n)
        })
        .collect()
}

/// The model families a plan's points use, sorted.
pub fn families(plan: &openmarket_core::plan::Plan) -> Vec<&'static str> {
    let mut f: Vec<&'static str> = plan
        .points
        .iter()
        .map(|p| p.config.model.family().into())
        .collect();
    f.sort();
    f.dedup();
    f
}

/// `openmarket plan`: the size of a sweep, before running it.
pub fn plan_text(origin: &str, plan: &openmarket_core::plan::Plan) -> String {
    let mut s = String::new();
    let runs = plan.runs();
    if plan.seeds_per_point == 0 {
        let _ = writeln!(
            s,
            "{origin}: {} points, solved only (no [dynamics]: equilibria, no runs)",
            plan.points.len()
        );
    } else {
        let _ = writeln!(
            s,
            "{origin}: {} points × {} seeds = {runs} runs",
            plan.points.len(),
            plan.seeds_per_point
        );
    }
    for (name, n) in study_points(plan) {
        let _ = writeln!(s, "  study {name}: {n} points");
    }
    let _ = writeln!(
        s,
        "  axes: {}",
        if plan.axes.is_empty() {
            "none".into()
        } else {
            plan.axes.join(", ")
        }
    );
    let crate::output::size::Estimate {
        equilibria,
        trajectories,
        bytes,
    } = crate::output::size::estimate(plan);
    let _ = writeln!(
        s,
        "  rows: runs {runs}, equilibria ≈ {equilibria}{}",
        if trajectories > 0 {
            format!(", trajectories ≤ {trajectories}")
        } else {
            String::new()
        }
    );
    let _ = writeln!(s, "  families: {}", families(plan).join(", "));
    let _ = writeln!(
        s,
        "  estimated output: {} (zstd Parquet){}",
        bytes_text(bytes),
        if trajectories > 0 {
            "; trajectories counted at their maximum length"
        } else {
            ""
        }
    );
    s
}

/// The summary `openmarket run` prints.
pub fn run_text(r: &crate::run::Report) -> String {
    use openmarket_core::experiment::Shard;
    let mut s = String::new();
    let whole = r.shard == Shard::WHOLE;
    let shard = if whole {
        String::new()
    } else {
        format!(
            " (shard {}: {} of {} blocks)",
            r.shard, r.blocks.0, r.blocks.1
        )
    };
    if r.seeds == 0 {
        let _ = writeln!(
            s,
            "{} points solved in {:.2} s on {} threads{} (no [dynamics]: equilibria only)",
            r.points, r.seconds, r.threads, shard,
        );
    } else {
        let _ = writeln!(
            s,
            "{} points × {} seeds: {} runs in {:.2} s on {} threads{}{}; {} of {} converged ({:.1}%)",
            r.points,
            r.seeds,
            r.ran,
            r.seconds,
            r.threads,
            shard,
            if r.skipped > 0 {
                format!(", {} already done before --resume", r.skipped)
            } else {
                String::new()
            },
            r.converged,
            r.ran,
            100.0 * r.converged as f64 / r.ran.max(1) as f64
        );
    }
    if whole {
        let _ = writeln!(
            s,
            "wrote {}/{{runs,equilibria{}}}.parquet and manifest.json",
            r.dir.display(),
            if r.trajectories { ",trajectories" } else { "" }
        );
    } else {
        let _ = writeln!(
            s,
            "wrote shard parts to {}/parts/ and manifest.json; combine the shards with `openmarket merge`",
            r.dir.display()
        );
    }
    s
}

/// What `merge` prints.
pub fn merge_text(r: &crate::output::merge::MergeReport) -> String {
    format!(
        "merged {} shards ({} blocks, {} runs) into {}\n",
        r.shards,
        r.blocks,
        r.runs,
        r.out.display()
    )
}

/// Write to standard output. A reader that has gone (`| head`) is not an
/// error worth a message: [`Error::ClosedPipe`] ends the command quietly.
pub fn emit(text: impl AsRef<str>) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_ref().as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Error::ClosedPipe,
            _ => Error::Output(crate::output::Error::Io {
                path: "standard output".into(),
                source: e,
            }),
        })
}
