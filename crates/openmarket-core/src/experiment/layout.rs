//! How a plan is cut into blocks of consecutive points, and which blocks a
//! shard owns. Blocks decide file boundaries and resume granularity, never
//! content: a whole run, a resumed run and merged shards give the same rows.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

/// `--shard K/N`: a process that owns blocks b with b mod N = K.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard's index, 0 ≤ k < n.
    pub k: usize,
    /// The number of shards.
    pub n: usize,
}

impl Shard {
    /// The whole plan in one process.
    pub const WHOLE: Shard = Shard { k: 0, n: 1 };
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    /// `K/N` with 0 ≤ K < N.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("\"{s}\": expected K/N with 0 ≤ K < N, e.g. 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || k >= n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// How a plan is cut into blocks of consecutive points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Points per block.
    pub block: usize,
    /// Number of blocks.
    pub blocks: usize,
    /// Points in the plan.
    pub points: usize,
}

/// Runs per block: memory stays bounded whatever the plan's size.
const RUNS_PER_BLOCK: u64 = 20_000;
/// Blocks per shard, at least: resume granularity, and work for every shard.
const BLOCKS_PER_SHARD: usize = 8;
/// Points per block, at most.
const MAX_BLOCK: usize = 10_000;

impl Layout {
    /// Blocks of about 20,000 runs (20,000 specialist rows for a solved
    /// sector), at least 8 per shard, at most 10,000 points each.
    pub fn new(plan: &Plan, shards: usize) -> Self {
        let points = plan.points.len();
        // A sector's point carries a value per specialist in every row:
        // weigh its rows by 1 + K, so a block stays about as large in
        // memory (1 for every other model, whose layout is unchanged).
        let width = plan
            .points
            .iter()
            .map(|p| p.config.model.width())
            .max()
            .unwrap_or(1);
        let by_runs =
            RUNS_PER_BLOCK.div_ceil(plan.seeds_per_point.max(1).saturating_mul(width)) as usize;
        let by_shards = points.div_ceil(BLOCKS_PER_SHARD.saturating_mul(shards.max(1)));
        let block = by_runs.min(by_shards).clamp(1, MAX_BLOCK);
        Layout {
            block,
            blocks: points.div_ceil(block),
            points,
        }
    }

    /// The points of block `b`.
    pub fn range(&self, b: usize) -> Range<usize> {
        b * self.block..((b + 1) * self.block).min(self.points)
    }

    /// The blocks `shard` owns, ascending.
    pub fn owned(&self, shard: Shard) -> impl Iterator<Item = usize> + use<> {
        (shard.k..self.blocks).step_by(shard.n)
    }
}
