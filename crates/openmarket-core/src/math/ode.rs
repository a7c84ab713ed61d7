//! Explicit adaptive Runge–Kutta integration of autonomous ODEs, for the
//! replicator dynamics of the bimatrix games (`matrix`). The integrator is generic
//! over the state (a `Vec` or a fixed-size array) so that the fixed-size
//! kernels keep their stack-only loops.

/// Where to integrate to, and the error allowed per step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tolerance {
    /// The end of the integration (it starts at 0).
    pub t_end: f64,
    /// Relative error allowed per step.
    pub rtol: f64,
    /// Absolute error allowed per step.
    pub atol: f64,
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
pub(crate) fn rk54<S, F>(mut z: S, tol: Tolerance, mut f: F) -> (S, u64)
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

#[cfg(test)]
mod tests {
    use super::tsit5::{A, E};

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
