//! Two-player games in matrix form: exact fictitious play on play counts
//! and the asymmetric replicator dynamics. These are the textbook learning
//! dynamics on a bimatrix game, as Nashpy implements them, so the peer
//! benchmark (bench/peers) can run the same algorithm on the same matrices.

use crate::math::ode::{Tolerance, rk54};

/// A bimatrix game: the row player gets `a`, the column player `b`, both
/// stored row-major with `rows × cols` entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Bimatrix {
    /// The row player's actions.
    pub rows: usize,
    /// The column player's actions.
    pub cols: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    /// Bᵀ row-major (cols × rows): Bᵀx reads contiguous memory.
    bt: Vec<f64>,
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
        let bt = (0..cols)
            .flat_map(|j| b.iter().map(move |row| row[j]))
            .collect();
        Ok(Bimatrix {
            rows,
            cols,
            a: a.concat(),
            b: b.concat(),
            bt,
        })
    }

    /// The row player's payoff at (i, j).
    pub fn a(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.cols + j]
    }

    /// The column player's payoff at (i, j).
    pub fn b(&self, i: usize, j: usize) -> f64 {
        self.b[i * self.cols + j]
    }

    /// Expected payoffs (row, column) at mixed strategies x (over rows)
    /// and y (over columns): xᵀAy and xᵀBy.
    pub fn expected(&self, x: &[f64], y: &[f64]) -> (f64, f64) {
        assert_eq!((x.len(), y.len()), (self.rows, self.cols), "strategy sizes");
        let (mut u, mut v) = (0.0, 0.0);
        for (i, &xi) in x.iter().enumerate() {
            for (j, &yj) in y.iter().enumerate() {
                let w = xi * yj;
                u += w * self.a(i, j);
                v += w * self.b(i, j);
            }
        }
        (u, v)
    }

    /// Each player's regret at (x, y): the best pure deviation's payoff
    /// against the other's mixed strategy minus its expected payoff.
    pub fn regret(&self, x: &[f64], y: &[f64]) -> (f64, f64) {
        let (u, v) = self.expected(x, y);
        let best_row = (0..self.rows)
            .map(|i| (0..self.cols).map(|j| y[j] * self.a(i, j)).sum::<f64>())
            .fold(f64::NEG_INFINITY, f64::max);
        let best_col = (0..self.cols)
            .map(|j| (0..self.rows).map(|i| x[i] * self.b(i, j)).sum::<f64>())
            .fold(f64::NEG_INFINITY, f64::max);
        ((best_row - u).max(0.0), (best_col - v).max(0.0))
    }

    /// NashConv at (x, y): the sum of the regrets; 0 exactly at a Nash
    /// equilibrium.
    pub fn nash_conv(&self, x: &[f64], y: &[f64]) -> f64 {
        let (r, c) = self.regret(x, y);
        r + c
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

    /// The replicator vector field at z = (x, y), into `out`; `ay` and
    /// `btx` are scratch space (len rows and cols), so nothing allocates.
    fn replicator_field(&self, z: &[f64], out: &mut [f64], ay: &mut [f64], btx: &mut [f64]) {
        let (m, n) = (self.rows, self.cols);
        let (x, y) = z.split_at(m);
        for (i, v) in ay.iter_mut().enumerate() {
            *v = self.a[i * n..(i + 1) * n]
                .iter()
                .zip(y)
                .map(|(a, y)| a * y)
                .sum();
        }
        for (j, v) in btx.iter_mut().enumerate() {
            *v = self.bt[j * m..(j + 1) * m]
                .iter()
                .zip(x)
                .map(|(b, x)| b * x)
                .sum();
        }
        let xay: f64 = x.iter().zip(ay.iter()).map(|(a, b)| a * b).sum();
        let xby: f64 = y.iter().zip(btx.iter()).map(|(a, b)| a * b).sum();
        let (ox, oy) = out.split_at_mut(m);
        for i in 0..m {
            ox[i] = x[i] * (ay[i] - xay);
        }
        for j in 0..n {
            oy[j] = y[j] * (btx[j] - xby);
        }
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
        let (mut ay, mut btx) = (vec![0.0; m], vec![0.0; n]);
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
                self.replicator_field(&stage, &mut k[s], &mut ay, &mut btx);
            }
            for (idx, zi) in z.iter_mut().enumerate() {
                *zi += h / 6.0 * (k[0][idx] + 2.0 * k[1][idx] + 2.0 * k[2][idx] + k[3][idx]);
            }
        }
        let y = z.split_off(m);
        (z, y)
    }

    /// The same dynamics with an adaptive Runge–Kutta 5(4) integrator
    /// (Tsitouras' pair; error per step ≤ atol + rtol·|z|, as odeint/LSODA
    /// controls it).
    /// Returns the state at `t_end` and the number of field evaluations.
    ///
    /// Square games up to 10 × 10 run a kernel compiled for their size
    /// (state and stages on the stack, loops of known length); others the
    /// general one. Both integrate the same way.
    pub fn replicator_adaptive(
        &self,
        x0: &[f64],
        y0: &[f64],
        t_end: f64,
        rtol: f64,
        atol: f64,
    ) -> (Vec<f64>, Vec<f64>, u64) {
        assert_eq!(x0.len(), self.rows);
        assert_eq!(y0.len(), self.cols);
        assert!(t_end.is_finite() && rtol > 0.0 && atol > 0.0);
        let tol = Tolerance { t_end, rtol, atol };
        macro_rules! square {
            ($($k:literal => $d:literal),*) => {
                match (self.rows, self.cols) {
                    $(($k, $k) => self.replicator_fixed::<$k, $d>(x0, y0, tol),)*
                    _ => self.replicator_general(x0, y0, tol),
                }
            };
        }
        square!(1 => 2, 2 => 4, 3 => 6, 4 => 8, 5 => 10, 6 => 12, 7 => 14, 8 => 16, 9 => 18, 10 => 20)
    }

    fn replicator_general(
        &self,
        x0: &[f64],
        y0: &[f64],
        tol: Tolerance,
    ) -> (Vec<f64>, Vec<f64>, u64) {
        let (m, n) = (self.rows, self.cols);
        let z: Vec<f64> = x0.iter().chain(y0).copied().collect();
        let (mut ay, mut btx) = (vec![0.0; m], vec![0.0; n]);
        let (mut z, evaluations) = rk54(z, tol, |z, out| {
            self.replicator_field(z, out, &mut ay, &mut btx)
        });
        let y = z.split_off(m);
        (z, y, evaluations)
    }

    /// A K × K game, D = 2K: the payoff matrices copied into arrays so
    /// every loop has a length the compiler knows.
    fn replicator_fixed<const K: usize, const D: usize>(
        &self,
        x0: &[f64],
        y0: &[f64],
        tol: Tolerance,
    ) -> (Vec<f64>, Vec<f64>, u64) {
        debug_assert_eq!(D, 2 * K);
        let field = FixedField::<K> {
            a_cols: std::array::from_fn(|j| std::array::from_fn(|i| self.a(i, j))),
            b_rows: std::array::from_fn(|i| std::array::from_fn(|j| self.b(i, j))),
        };
        let mut z = [0.0; D];
        z[..K].copy_from_slice(x0);
        z[K..].copy_from_slice(y0);
        let (z, evaluations) = field.integrate(z, tol);
        (z[..K].to_vec(), z[K..].to_vec(), evaluations)
    }
}

/// The replicator field of a K × K game. Ay = Σ_j y_j·A[:, j] and
/// Bᵀx = Σ_i x_i·B[i, :] are sums of whole columns and rows, which
/// vectorise (a dot product per entry would be a sequential reduction).
struct FixedField<const K: usize> {
    a_cols: [[f64; K]; K],
    b_rows: [[f64; K]; K],
}

impl<const K: usize> FixedField<K> {
    #[inline(always)]
    fn eval(&self, z: &[f64], out: &mut [f64]) {
        let (x, y) = z.split_at(K);
        let mut ay = [0.0; K];
        let mut btx = [0.0; K];
        for r in 0..K {
            for i in 0..K {
                ay[i] += self.a_cols[r][i] * y[r];
                btx[i] += self.b_rows[r][i] * x[r];
            }
        }
        // Four partial sums: the mean payoffs are on the path to every
        // output, and one running sum would chain K additions.
        let (mut xay, mut xby) = ([0.0; 4], [0.0; 4]);
        for i in 0..K {
            xay[i % 4] += x[i] * ay[i];
            xby[i % 4] += y[i] * btx[i];
        }
        let xay = (xay[0] + xay[1]) + (xay[2] + xay[3]);
        let xby = (xby[0] + xby[1]) + (xby[2] + xby[3]);
        for i in 0..K {
            out[i] = x[i] * (ay[i] - xay);
            out[K + i] = y[i] * (btx[i] - xby);
        }
    }

    /// The integration, compiled twice on x86-64: for the baseline and,
    /// chosen at run time, for AVX2, whose 4-wide vectors make it 1.17–1.23×
    /// faster on the 9 × 9 peer game (BENCHMARKS.md). Rust never fuses a
    /// multiply and an add unless told to, so both run the same operations
    /// in the same order: their results are identical bit for bit.
    fn integrate<const D: usize>(&self, z: [f64; D], tol: Tolerance) -> ([f64; D], u64) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU was just found to have AVX2.
            return unsafe { self.integrate_avx2(z, tol) };
        }
        rk54(z, tol, |z, out| self.eval(z, out))
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn integrate_avx2<const D: usize>(&self, z: [f64; D], tol: Tolerance) -> ([f64; D], u64) {
        // The closure inherits AVX2 from this function, and `rk54` and
        // `eval` are inlined into it.
        rk54(z, tol, |z, out| self.eval(z, out))
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

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_avx2_kernel_gives_the_baseline_bits() {
        use super::FixedField;
        use crate::math::ode::{Tolerance, rk54};
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("no AVX2 on this CPU: only the baseline kernel runs");
            return;
        }
        // A lopsided 5 × 5 game from an interior start, so that every
        // lane of the vectors carries something.
        let field = FixedField::<5> {
            a_cols: std::array::from_fn(|j| {
                std::array::from_fn(|i| ((3 * i + 7 * j) % 11) as f64 / 7.0 - 0.6)
            }),
            b_rows: std::array::from_fn(|i| {
                std::array::from_fn(|j| ((5 * i + 2 * j) % 13) as f64 / 9.0 - 0.5)
            }),
        };
        let mut z = [0.0; 10];
        for (k, v) in z.iter_mut().enumerate() {
            *v = [0.1, 0.3, 0.15, 0.25, 0.2][k % 5];
        }
        let tol = Tolerance {
            t_end: 25.0,
            rtol: 1e-9,
            atol: 1e-9,
        };
        // SAFETY: AVX2 was just detected.
        let fast = unsafe { field.integrate_avx2(z, tol) };
        let baseline = rk54(z, tol, |z, out| field.eval(z, out));
        assert!(fast.1 > 20, "{} evaluations", fast.1);
        assert_eq!(fast.1, baseline.1);
        assert_eq!(fast.0.map(f64::to_bits), baseline.0.map(f64::to_bits));
    }
}
