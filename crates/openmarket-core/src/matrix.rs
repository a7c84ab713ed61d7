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

    /// The same dynamics with an adaptive Dormand–Prince 5(4) integrator
    /// (error per step ≤ atol + rtol·|z|, as odeint/LSODA controls it).
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
        let (mut z, evaluations) = dopri5(z, tol, |z, out| {
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
        // Ay = Σ_j y_j·A[:, j] and Bᵀx = Σ_i x_i·B[i, :]: sums of whole
        // columns and rows, which vectorise (a dot product per entry would
        // be a sequential reduction).
        let a_cols: [[f64; K]; K] = std::array::from_fn(|j| std::array::from_fn(|i| self.a(i, j)));
        let b_rows: [[f64; K]; K] = std::array::from_fn(|i| std::array::from_fn(|j| self.b(i, j)));
        let mut z = [0.0; D];
        z[..K].copy_from_slice(x0);
        z[K..].copy_from_slice(y0);
        let (z, evaluations) = dopri5(z, tol, |z, out| {
            let (x, y) = z.split_at(K);
            let mut ay = [0.0; K];
            let mut btx = [0.0; K];
            for r in 0..K {
                for i in 0..K {
                    ay[i] += a_cols[r][i] * y[r];
                    btx[i] += b_rows[r][i] * x[r];
                }
            }
            let (mut xay, mut xby) = (0.0, 0.0);
            for i in 0..K {
                xay += x[i] * ay[i];
                xby += y[i] * btx[i];
            }
            for i in 0..K {
                out[i] = x[i] * (ay[i] - xay);
                out[K + i] = y[i] * (btx[i] - xby);
            }
        });
        (z[..K].to_vec(), z[K..].to_vec(), evaluations)
    }
}

/// Where to integrate to, and the error allowed per step.
#[derive(Clone, Copy, Debug)]
struct Tolerance {
    t_end: f64,
    rtol: f64,
    atol: f64,
}

/// Dormand–Prince 5(4) with first-same-as-last stages, integrating the
/// autonomous ODE z' = f(z) from z to `tol.t_end`; the state at the end and
/// the number of evaluations of f. The state is a `Vec` or an array: one
/// integrator for the general and the fixed-size kernels.
///
/// The first step is chosen as Hairer, Nørsett & Wanner (Solving ODEs I,
/// II.4) choose it, from f's size and an estimate of its change, rather
/// than a fixed fraction of the horizon. A start where f is exactly zero is
/// a rest point of the ODE, whose solution is constant: it is returned at
/// once.
fn dopri5<S, F>(mut z: S, tol: Tolerance, mut f: F) -> (S, u64)
where
    S: Clone + AsRef<[f64]> + AsMut<[f64]>,
    F: FnMut(&[f64], &mut [f64]),
{
    const A: [[f64; 6]; 6] = [
        [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
        [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
        [
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
            0.0,
            0.0,
        ],
        [
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
            0.0,
        ],
        [
            35.0 / 384.0,
            0.0,
            500.0 / 1113.0,
            125.0 / 192.0,
            -2187.0 / 6784.0,
            11.0 / 84.0,
        ],
    ];
    // Fifth-order weights minus the embedded fourth-order ones.
    const E: [f64; 7] = [
        35.0 / 384.0 - 5179.0 / 57600.0,
        0.0,
        500.0 / 1113.0 - 7571.0 / 16695.0,
        125.0 / 192.0 - 393.0 / 640.0,
        -2187.0 / 6784.0 + 92097.0 / 339200.0,
        11.0 / 84.0 - 187.0 / 2100.0,
        -1.0 / 40.0,
    ];
    let Tolerance { t_end, rtol, atol } = tol;
    let d = z.as_ref().len();
    let mut k: [S; 7] = std::array::from_fn(|_| z.clone());
    let mut stage = z.clone();
    let mut evaluations = 1;
    f(z.as_ref(), k[0].as_mut());
    if k[0].as_ref().iter().all(|&v| v == 0.0) || t_end <= 0.0 {
        return (z, evaluations);
    }
    let rms = |v: &mut dyn Iterator<Item = f64>| (v.sum::<f64>() / d as f64).sqrt();
    let (mut t, mut h) = {
        let (z0, f0) = (z.as_ref(), k[0].as_ref());
        let sc = |i: usize| atol + rtol * z0[i].abs();
        let d0 = rms(&mut (0..d).map(|i| (z0[i] / sc(i)).powi(2)));
        let d1 = rms(&mut (0..d).map(|i| (f0[i] / sc(i)).powi(2)));
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
        let d2 = rms(&mut (0..d).map(|i| ((f1[i] - k0[0].as_ref()[i]) / sc(i)).powi(2))) / h0;
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
        let mut err = 0.0;
        let (zs, st) = (z.as_ref(), stage.as_ref());
        for idx in 0..d {
            let e = h * (0..7).map(|r| E[r] * k[r].as_ref()[idx]).sum::<f64>();
            let scale = atol + rtol * zs[idx].abs().max(st[idx].abs());
            err += (e / scale).powi(2);
        }
        let err = (err / d as f64).sqrt();
        // A non-finite state, or a step too small to advance t: stop where
        // we are rather than loop forever.
        if !err.is_finite() || t + h == t {
            break;
        }
        if err <= 1.0 {
            t += h;
            z.as_mut().copy_from_slice(stage.as_ref());
            // First same as last: the last stage is the next first.
            let (first, rest) = k.split_at_mut(1);
            first[0].as_mut().copy_from_slice(rest[5].as_ref());
        }
        let factor = if err == 0.0 {
            10.0
        } else {
            0.9 * err.powf(-0.2)
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
