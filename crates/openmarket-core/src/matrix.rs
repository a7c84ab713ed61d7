//! Two-player games in matrix form: exact fictitious play on play counts
//! and the asymmetric replicator dynamics. These are the textbook learning
//! dynamics on a bimatrix game, as Nashpy implements them, so the peer
//! benchmark (bench/peers) can run the same algorithm on the same matrices.

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

/// Where to integrate to, and the error allowed per step.
#[derive(Clone, Copy, Debug)]
struct Tolerance {
    t_end: f64,
    rtol: f64,
    atol: f64,
}

/// Tsitouras' 5(4) pair (Ch. Tsitouras, "Runge–Kutta pairs of order 5(4)
/// satisfying only the first column simplifying assumption", Comput. Math.
/// Appl. 62 (2011) 770–775), with first-same-as-last stages.
///
/// Why this pair and not Dormand–Prince 5(4): at odeint's tolerance on the
/// peer games its error against a 1e-13 reference is at most Nashpy's on
/// every one, which Dormand–Prince's is not, and it takes 6–11% fewer
/// evaluations wherever the two differ (BENCHMARKS.md, "Peers").
mod tsit5 {
    pub const A: [[f64; 6]; 6] = [
        [0.161, 0.0, 0.0, 0.0, 0.0, 0.0],
        [-0.008480655492356989, 0.335480655492357, 0.0, 0.0, 0.0, 0.0],
        [
            2.8971530571054935,
            -6.359448489975075,
            4.3622954328695815,
            0.0,
            0.0,
            0.0,
        ],
        [
            5.325864828439257,
            -11.748883564062828,
            7.4955393428898365,
            -0.09249506636175525,
            0.0,
            0.0,
        ],
        [
            5.86145544294642,
            -12.92096931784711,
            8.159367898576159,
            -0.071584973281401,
            -0.028269050394068383,
            0.0,
        ],
        // The fifth-order weights: the last stage is the next step's first.
        [
            0.09646076681806523,
            0.01,
            0.4798896504144996,
            1.379008574103742,
            -3.290069515436081,
            2.324710524099774,
        ],
    ];
    /// The embedded fourth-order weights minus the fifth-order ones (the
    /// error estimate's sign does not matter: it is squared).
    pub const E: [f64; 7] = [
        -0.001780011052225777,
        -0.0008164344596567469,
        0.007880878010261995,
        -0.1447110071732629,
        0.5823571654525552,
        -0.45808210592918697,
        1.0 / 66.0,
    ];
}

/// An adaptive explicit Runge–Kutta 5(4) integration (the pair in
/// [`tsit5`]) of the autonomous ODE z' = f(z) from z to `tol.t_end`; the
/// state at the end and the number of evaluations of f. The state is a
/// `Vec` or an array: one integrator for the general and the fixed-size
/// kernels.
///
/// The first step is chosen as Hairer, Nørsett & Wanner (Solving ODEs I,
/// II.4) choose it, from f's size and an estimate of its change, rather
/// than a fixed fraction of the horizon. A start where f is exactly zero is
/// a rest point of the ODE, whose solution is constant: it is returned at
/// once.
#[inline(always)]
fn rk54<S, F>(mut z: S, tol: Tolerance, mut f: F) -> (S, u64)
where
    S: Clone + AsRef<[f64]> + AsMut<[f64]>,
    F: FnMut(&[f64], &mut [f64]),
{
    use tsit5::{A, E};
    let Tolerance { t_end, rtol, atol } = tol;
    let d = z.as_ref().len();
    let mut k: [S; 7] = std::array::from_fn(|_| z.clone());
    let mut stage = z.clone();
    let mut local = z.clone();
    let mut evaluations = 1;
    f(z.as_ref(), k[0].as_mut());
    if k[0].as_ref().iter().all(|&v| v == 0.0) || t_end <= 0.0 {
        return (z, evaluations);
    }
    let rms =
        |v: &dyn Fn(usize) -> f64| ((0..d).map(|i| v(i).powi(2)).sum::<f64>() / d as f64).sqrt();
    let (mut t, mut h) = {
        let (z0, f0) = (z.as_ref(), k[0].as_ref());
        let sc = |i: usize| atol + rtol * z0[i].abs();
        let d0 = rms(&|i| z0[i] / sc(i));
        let d1 = rms(&|i| f0[i] / sc(i));
        let h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        let s = stage.as_mut();
        for i in 0..d {
            s[i] = z0[i] + h0 * f0[i];
        }
        let (k0, rest) = k.split_at_mut(1);
        f(stage.as_ref(), rest[0].as_mut());
        evaluations += 1;
        let f1 = rest[0].as_ref();
        let d2 = rms(&|i| (f1[i] - k0[0].as_ref()[i]) / sc(i)) / h0;
        let h1 = if d1.max(d2) <= 1e-15 {
            (h0 * 1e-3).max(1e-6)
        } else {
            (0.01 / d1.max(d2)).powf(0.2)
        };
        (0.0, (100.0 * h0).min(h1))
    };
    while t < t_end {
        h = h.min(t_end - t);
        for s in 1..7 {
            let (done, rest) = k.split_at_mut(s);
            let st = stage.as_mut();
            st.copy_from_slice(z.as_ref());
            for (r, &coef) in A[s - 1][..s].iter().enumerate() {
                if coef != 0.0 {
                    let hc = h * coef;
                    for (v, kr) in st.iter_mut().zip(done[r].as_ref()) {
                        *v += hc * kr;
                    }
                }
            }
            f(stage.as_ref(), rest[0].as_mut());
            evaluations += 1;
        }
        // `stage` now holds the fifth-order solution (A's last row).
        // The local error estimate, one stage at a time over the whole state
        // (loops that vectorise), then its scaled mean square in four
        // partial sums.
        let le = local.as_mut();
        for (v, k0) in le.iter_mut().zip(k[0].as_ref()) {
            *v = E[0] * k0;
        }
        for (r, &coef) in E.iter().enumerate().skip(1) {
            for (v, kr) in le.iter_mut().zip(k[r].as_ref()) {
                *v += coef * kr;
            }
        }
        let (zs, st) = (z.as_ref(), stage.as_ref());
        for (v, (zi, si)) in le.iter_mut().zip(zs.iter().zip(st)) {
            let scale = atol + rtol * zi.abs().max(si.abs());
            *v = (h * *v / scale).powi(2);
        }
        let mut sums = [0.0; 4];
        let mut chunks = le.chunks_exact(4);
        for c in &mut chunks {
            for (s, v) in sums.iter_mut().zip(c) {
                *s += v;
            }
        }
        for (s, v) in sums.iter_mut().zip(chunks.remainder()) {
            *s += v;
        }
        // The error's mean square: the test err ≤ 1 and the factor
        // 0.9·err^(-1/5) need no square root.
        let err2 = ((sums[0] + sums[1]) + (sums[2] + sums[3])) / d as f64;
        // A non-finite state, or a step too small to advance t: stop where
        // we are rather than loop forever.
        if !err2.is_finite() || t + h == t {
            break;
        }
        if err2 <= 1.0 {
            t += h;
            z.as_mut().copy_from_slice(stage.as_ref());
            // First same as last: the last stage is the next first.
            let (first, rest) = k.split_at_mut(1);
            first[0].as_mut().copy_from_slice(rest[5].as_ref());
        }
        // ln and exp rather than powf, which here costs more than both.
        let factor = if err2 == 0.0 {
            10.0
        } else {
            0.9 * (-0.1 * err2.ln()).exp()
        };
        h *= factor.clamp(0.2, 10.0);
    }
    (z, evaluations)
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
    use super::tsit5::{A, E};

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_avx2_kernel_gives_the_baseline_bits() {
        use super::{FixedField, Tolerance, rk54};
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

    /// The stage matrix (7 × 7, strictly lower triangular), the nodes c and
    /// the fifth-order weights b (A's last row, stage 7 unweighted).
    fn tableau() -> ([[f64; 7]; 7], [f64; 7], [f64; 7]) {
        let mut a = [[0.0; 7]; 7];
        for (i, row) in A.iter().enumerate() {
            a[i + 1][..=i].copy_from_slice(&row[..=i]);
        }
        let c = a.map(|row| row.iter().sum());
        let mut b = [0.0; 7];
        b[..6].copy_from_slice(&A[5]);
        (a, c, b)
    }

    fn dot(u: &[f64; 7], v: &[f64; 7]) -> f64 {
        u.iter().zip(v).map(|(p, q)| p * q).sum()
    }

    fn mul(a: &[[f64; 7]; 7], v: &[f64; 7]) -> [f64; 7] {
        a.map(|row| dot(&row, v))
    }

    fn hadamard(u: &[f64; 7], v: &[f64; 7]) -> [f64; 7] {
        std::array::from_fn(|i| u[i] * v[i])
    }

    /// Butcher's order conditions (Hairer, Nørsett & Wanner, Solving ODEs I,
    /// Table II.2.2): Σ b·Φ(t) = 1/γ(t) for every rooted tree t of order
    /// ≤ `order`, the nodes being the row sums of A.
    fn residuals(a: &[[f64; 7]; 7], c: &[f64; 7], b: &[f64; 7], order: usize) -> Vec<f64> {
        let one = [1.0; 7];
        let c2 = hadamard(c, c);
        let c3 = hadamard(&c2, c);
        let ac = mul(a, c);
        let ac2 = mul(a, &c2);
        let aac = mul(a, &ac);
        let mut conditions = vec![
            (one, 1.0),
            (*c, 2.0),
            (c2, 3.0),
            (ac, 6.0),
            (c3, 4.0),
            (hadamard(c, &ac), 8.0),
            (ac2, 12.0),
            (aac, 24.0),
        ];
        if order >= 5 {
            conditions.extend([
                (hadamard(&c3, c), 5.0),
                (hadamard(&c2, &ac), 10.0),
                (hadamard(c, &ac2), 15.0),
                (hadamard(c, &aac), 30.0),
                (hadamard(&ac, &ac), 20.0),
                (mul(a, &c3), 20.0),
                (mul(a, &hadamard(c, &ac)), 40.0),
                (mul(a, &ac2), 60.0),
                (mul(a, &aac), 120.0),
            ]);
        }
        conditions
            .iter()
            .map(|(phi, gamma)| dot(b, phi) - 1.0 / gamma)
            .collect()
    }

    #[test]
    fn tsitouras_pair_has_orders_five_and_four() {
        let (a, c, b) = tableau();
        // Stages 6 and 7 sit at the step's end.
        assert!(
            (c[5] - 1.0).abs() < 1e-14 && (c[6] - 1.0).abs() < 1e-14,
            "{c:?}"
        );
        for (k, r) in residuals(&a, &c, &b, 5).iter().enumerate() {
            assert!(r.abs() < 1e-13, "fifth-order condition {k}: residual {r:e}");
        }
        // The order-four conditions alone cannot fix E's sign or scale
        // (E spans their null space among the weights), so also pin the
        // one embedded weight Tsitouras gives exactly: b̂₇ = 1/66.
        let embedded: [f64; 7] = std::array::from_fn(|i| b[i] + E[i]);
        assert_eq!(embedded[6], 1.0 / 66.0);
        for (k, r) in residuals(&a, &c, &embedded, 4).iter().enumerate() {
            assert!(
                r.abs() < 1e-13,
                "fourth-order condition {k}: residual {r:e}"
            );
        }
        // An embedded pair of order exactly four: its estimate is not
        // identically zero to fifth order.
        let fifth = residuals(&a, &c, &embedded, 5);
        assert!(fifth[8..].iter().any(|r| r.abs() > 1e-6), "{fifth:?}");
    }
}
