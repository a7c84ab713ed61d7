//! How large an experiment's output will be, estimated before it runs
//! (`openmarket plan`).

use openmarket_core::plan::Plan;

/// Measured compressed sizes (zstd Parquet) on the quick-start output, per
/// row; `plan` multiplies them out as an estimate.
const BYTES_PER_RUN_ROW: f64 = 60.0;
const BYTES_PER_EQUILIBRIUM_ROW: f64 = 30.0;
const BYTES_PER_TRAJECTORY_ROW: f64 = 25.0;
/// A sector's equilibrium row adds α1, an entry flag and U_D per
/// specialist (measured: 23.7 MB for 10⁵ rows of K = 20).
const BYTES_PER_SPECIALIST: f64 = 10.0;

/// Rows and bytes a plan will write.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Equilibrium rows (one per point: the usual case).
    pub equilibria: u64,
    /// Trajectory rows at most (every run at its maximum length).
    pub trajectories: u64,
    /// Compressed bytes of all three tables.
    pub bytes: f64,
}

/// The plan's output, estimated.
pub fn estimate(plan: &Plan) -> Estimate {
    // Openness points have exactly one equilibrium; race points list theirs
    // (often one, sometimes none or several): count one as the estimate.
    let equilibria = plan.points.len() as u64;
    let trajectories: u64 = plan
        .points
        .iter()
        .map(|p| {
            let every = p.config.output.trajectory_every;
            let max = p
                .config
                .dynamics
                .as_ref()
                .map_or(0, |d| d.termination.max_iterations);
            max.checked_div(every)
                .map_or(0, |q| (q + 1) * plan.seeds_per_point)
        })
        .sum();
    // Values a point carries beyond a plain point's (a sector's specialists).
    let specialists: u64 = plan.points.iter().map(|p| p.config.model.width() - 1).sum();
    let bytes = plan.runs() as f64 * BYTES_PER_RUN_ROW
        + equilibria as f64 * BYTES_PER_EQUILIBRIUM_ROW
        + trajectories as f64 * BYTES_PER_TRAJECTORY_ROW
        + specialists as f64 * BYTES_PER_SPECIALIST;
    Estimate {
        equilibria,
        trajectories,
        bytes,
    }
}
