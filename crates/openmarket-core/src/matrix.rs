//! Two-player games in matrix form: exact fictitious play on play counts
//! and the asymmetric replicator dynamics. These are the textbook learning
//! dynamics on a bimatrix game, as Nashpy implements them, so the peer
//! benchmark (bench/peers) can run the same algorithm on the same matrices.

/// A bimatrix game: the row player gets `a`, the column player `b`, both
/// stored row-major with `rows × cols` entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Bimatrix {
    pub rows: usize,
    pub cols: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Bimatrix {
    /// `a[i][j]`, `b[i][j]`: payoffs when row plays i and column plays j.
    pub fn new(a: &[Vec<f64>], b: &[Vec<f64>]) -> Result<Self, String> {
        let rows = a.len();
        let cols = a.first().map_or(0, Vec::len);
        if rows == 0 || cols == 0 {
            return Err("a bimatrix game needs at least one row and one column".into());
        }
        let shape_ok = |m: &[Vec<f64>]| m.len() == rows && m.iter().all(|r| r.len() == cols);
        if !shape_ok(a) || !shape_ok(b) {
            return Err(format!(
                "both payoff matrices must be {rows} × {cols} (rectangular, same shape)"
            ));
        }
        if a.iter().chain(b).flatten().any(|v| !v.is_finite()) {
            return Err("payoffs must be finite".into());
        }
        Ok(Bimatrix {
            rows,
            cols,
            a: a.concat(),
            b: b.concat(),
        })
    }

    pub fn a(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.cols + j]
    }

    pub fn b(&self, i: usize, j: usize) -> f64 {
        self.b[i * self.cols + j]
    }

    /// Fictitious play for `iterations` rounds from zero play counts: each
    /// round both players best-respond to the other's counts so far, then
    /// both counts grow. Returns the empirical frequencies (row, column).
    /// Ties go to the lowest index.
    ///
    /// The utilities of every action against the opponent's counts are kept
    /// up to date by adding one column (or row) per round: O(rows + cols)
    /// per round instead of a matrix-vector product.
    pub fn fictitious_play(&self, iterations: u64) -> (Vec<f64>, Vec<f64>) {
        let (m, n) = (self.rows, self.cols);
        let mut row_counts = vec![0u64; m];
        let mut col_counts = vec![0u64; n];
        // row_util[i] = Σ_j a_ij·col_counts[j]; col_util[j] = Σ_i b_ij·row_counts[i].
        let mut row_util = vec![0.0; m];
        let mut col_util = vec![0.0; n];
        for _ in 0..iterations {
            let i = argmax(&row_util);
            let j = argmax(&col_util);
            row_counts[i] += 1;
            col_counts[j] += 1;
            for (k, u) in row_util.iter_mut().enumerate() {
                *u += self.a[k * n + j];
            }
            for (k, u) in col_util.iter_mut().enumerate() {
                *u += self.b[i * n + k];
            }
        }
        let total = iterations.max(1) as f64;
        (
            row_counts.iter().map(|&c| c as f64 / total).collect(),
            col_counts.iter().map(|&c| c as f64 / total).collect(),
        )
    }

    /// The asymmetric replicator dynamics
    /// x' = x∘(Ay − xᵀAy), y' = y∘(Bᵀx − xᵀBy),
    /// integrated from (x0, y0) to `t_end` with `steps` classical RK4 steps.
    pub fn replicator(
        &self,
        x0: &[f64],
        y0: &[f64],
        t_end: f64,
        steps: u64,
    ) -> (Vec<f64>, Vec<f64>) {
        assert_eq!(x0.len(), self.rows);
        assert_eq!(y0.len(), self.cols);
        let (m, n) = (self.rows, self.cols);
        let h = t_end / steps.max(1) as f64;
        let mut z: Vec<f64> = x0.iter().chain(y0).copied().collect();
        // Stage derivatives and the stage point, allocated once.
        let mut k = [
            vec![0.0; m + n],
            vec![0.0; m + n],
            vec![0.0; m + n],
            vec![0.0; m + n],
        ];
        let mut stage = vec![0.0; m + n];
        let mut ay = vec![0.0; m];
        let mut btx = vec![0.0; n];
        for _ in 0..steps {
            for s in 0..4 {
                let c = [0.0, 0.5, 0.5, 1.0][s];
                if s == 0 {
                    stage.copy_from_slice(&z);
                } else {
                    for (v, (zi, ki)) in stage.iter_mut().zip(z.iter().zip(&k[s - 1])) {
                        *v = zi + c * h * ki;
                    }
                }
                let (x, y) = stage.split_at(m);
                for (i, v) in ay.iter_mut().enumerate() {
                    *v = (0..n).map(|j| self.a[i * n + j] * y[j]).sum();
                }
                for (j, v) in btx.iter_mut().enumerate() {
                    *v = (0..m).map(|i| self.b[i * n + j] * x[i]).sum();
                }
                let xay: f64 = x.iter().zip(&ay).map(|(a, b)| a * b).sum();
                let xby: f64 = y.iter().zip(&btx).map(|(a, b)| a * b).sum();
                let (kx, ky) = k[s].split_at_mut(m);
                for i in 0..m {
                    kx[i] = x[i] * (ay[i] - xay);
                }
                for j in 0..n {
                    ky[j] = y[j] * (btx[j] - xby);
                }
            }
            for (idx, zi) in z.iter_mut().enumerate() {
                *zi += h / 6.0 * (k[0][idx] + 2.0 * k[1][idx] + 2.0 * k[2][idx] + k[3][idx]);
            }
        }
        let y = z.split_off(m);
        (z, y)
    }
}

/// The first index of the largest value.
fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (k, &x) in v.iter().enumerate().skip(1) {
        if x > v[best] {
            best = k;
        }
    }
    best
}
