//! The small numerical routines the fits need: a golden-section search, a Nelder–Mead
//! simplex, and a central-difference Hessian.
//!
//! They are written out rather than taken from a crate because the problems are tiny (one
//! or two parameters, smooth, in log space), the routines are a few dozen lines each, and a
//! fixed, deterministic sequence of evaluations keeps `sim fit` byte-for-byte reproducible.
//! Nelder & Mead, "A simplex method for function minimization", Computer Journal 7 (1965),
//! with the standard coefficients (reflection 1, expansion 2, contraction 1/2, shrink 1/2)
//! as in Lagarias et al., SIAM J. Optim. 9 (1998).

/// Minimises a unimodal `f` on `[low, high]` by golden-section search down to an interval
/// of width `tolerance`; returns the best point seen.
pub fn golden_section(f: impl Fn(f64) -> f64, low: f64, high: f64, tolerance: f64) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (low, high);
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > tolerance {
        // Ties and NaN go to the left half, so the search always narrows the same way.
        if fc <= fd || fd.is_nan() {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d);
        }
    }
    if fc <= fd {
        c
    } else {
        d
    }
}

/// Minimises `f` over the plane from `start` by Nelder–Mead, restarting from the best point
/// until a restart no longer improves (a collapsed simplex can stall away from the
/// minimum; a fresh one cannot stall at the same place twice in practice). Points where `f`
/// is not finite count as +infinity, which is how the callers fence the parameter space.
pub fn nelder_mead(f: impl Fn([f64; 2]) -> f64, start: [f64; 2], step: f64) -> [f64; 2] {
    let value = |x: [f64; 2]| {
        let v = f(x);
        if v.is_finite() {
            v
        } else {
            f64::INFINITY
        }
    };
    let mut best = start;
    let mut best_value = value(start);
    for _restart in 0..6 {
        let (point, point_value) = simplex_run(&value, best, step);
        let improved = point_value < best_value - 1e-10 * (1.0 + best_value.abs());
        if point_value <= best_value {
            best = point;
            best_value = point_value;
        }
        if !improved {
            break;
        }
    }
    best
}

fn simplex_run(f: &impl Fn([f64; 2]) -> f64, start: [f64; 2], step: f64) -> ([f64; 2], f64) {
    let mut points = [
        start,
        [start[0] + step, start[1]],
        [start[0], start[1] + step],
    ];
    let mut values = points.map(f);
    for _iteration in 0..4000 {
        // Order best to worst; the stable sort keeps ties in a fixed order.
        let mut order = [0, 1, 2];
        order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
        points = order.map(|i| points[i]);
        values = order.map(|i| values[i]);
        let spread = (values[2] - values[0]).abs();
        let size = points[1..]
            .iter()
            .map(|p| (p[0] - points[0][0]).abs().max((p[1] - points[0][1]).abs()))
            .fold(0.0, f64::max);
        if spread <= 1e-13 * (1.0 + values[0].abs()) && size < 1e-9 {
            break;
        }
        let centroid = [
            (points[0][0] + points[1][0]) / 2.0,
            (points[0][1] + points[1][1]) / 2.0,
        ];
        let along = |t: f64| {
            [
                centroid[0] + t * (points[2][0] - centroid[0]),
                centroid[1] + t * (points[2][1] - centroid[1]),
            ]
        };
        let reflected = along(-1.0);
        let reflected_value = f(reflected);
        if reflected_value < values[0] {
            let expanded = along(-2.0);
            let expanded_value = f(expanded);
            if expanded_value < reflected_value {
                (points[2], values[2]) = (expanded, expanded_value);
            } else {
                (points[2], values[2]) = (reflected, reflected_value);
            }
            continue;
        }
        if reflected_value < values[1] {
            (points[2], values[2]) = (reflected, reflected_value);
            continue;
        }
        let (contracted, limit) = if reflected_value < values[2] {
            (along(-0.5), reflected_value)
        } else {
            (along(0.5), values[2])
        };
        let contracted_value = f(contracted);
        if contracted_value < limit {
            (points[2], values[2]) = (contracted, contracted_value);
            continue;
        }
        for i in 1..3 {
            points[i] = [
                (points[0][0] + points[i][0]) / 2.0,
                (points[0][1] + points[i][1]) / 2.0,
            ];
            values[i] = f(points[i]);
        }
    }
    let mut best = 0;
    for i in 1..3 {
        if values[i] < values[best] {
            best = i;
        }
    }
    (points[best], values[best])
}

/// The Hessian of `f` at `x` by central differences with step `h` (the functions here are
/// negative log-likelihoods in log-parameters, of order n, so h = 1e-3 keeps both the
/// truncation error, O(h^2), and the rounding error, O(n * 1e-16 / h^2), near 1e-6).
// (i, j) index both halves of the symmetric matrix at once: an iterator cannot.
#[allow(clippy::needless_range_loop)]
pub fn hessian<const N: usize>(f: impl Fn([f64; N]) -> f64, x: [f64; N], h: f64) -> [[f64; N]; N] {
    let shifted = |moves: &[(usize, f64)]| {
        let mut point = x;
        for &(i, by) in moves {
            point[i] += by;
        }
        f(point)
    };
    let centre = f(x);
    let mut matrix = [[0.0; N]; N];
    for i in 0..N {
        matrix[i][i] = (shifted(&[(i, h)]) - 2.0 * centre + shifted(&[(i, -h)])) / (h * h);
        for j in 0..i {
            let value = (shifted(&[(i, h), (j, h)])
                - shifted(&[(i, h), (j, -h)])
                - shifted(&[(i, -h), (j, h)])
                + shifted(&[(i, -h), (j, -h)]))
                / (4.0 * h * h);
            matrix[i][j] = value;
            matrix[j][i] = value;
        }
    }
    matrix
}

/// The diagonal of the inverse of a 2x2 symmetric positive-definite matrix (the variances
/// of the estimates from the observed information), or None if it is not positive definite.
pub fn inverse_diagonal(matrix: [[f64; 2]; 2]) -> Option<[f64; 2]> {
    let [[a, b], [_, d]] = matrix;
    let determinant = a * d - b * b;
    (a > 0.0 && d > 0.0 && determinant > 0.0 && determinant.is_finite())
        .then(|| [d / determinant, a / determinant])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_section_finds_a_parabola_minimum() {
        let x = golden_section(|x| (x - 1.234).powi(2), -10.0, 10.0, 1e-10);
        assert!((x - 1.234).abs() < 1e-8, "{x}");
    }

    #[test]
    fn nelder_mead_solves_rosenbrock() {
        let rosenbrock = |p: [f64; 2]| (1.0 - p[0]).powi(2) + 100.0 * (p[1] - p[0] * p[0]).powi(2);
        let x = nelder_mead(rosenbrock, [-1.2, 1.0], 0.5);
        assert!(
            (x[0] - 1.0).abs() < 1e-5 && (x[1] - 1.0).abs() < 1e-5,
            "{x:?}"
        );
    }

    #[test]
    fn nelder_mead_stays_inside_a_fence() {
        // The minimum of the unfenced function is at (-3, 2); the fence x >= 0 moves it.
        let fenced = |p: [f64; 2]| {
            if p[0] < 0.0 {
                f64::NAN
            } else {
                (p[0] + 3.0).powi(2) + (p[1] - 2.0).powi(2)
            }
        };
        let x = nelder_mead(fenced, [1.0, 1.0], 0.5);
        assert!(
            x[0] >= 0.0 && x[0] < 1e-6 && (x[1] - 2.0).abs() < 1e-6,
            "{x:?}"
        );
    }

    #[test]
    fn hessian_of_a_quadratic_is_exact() {
        let f = |p: [f64; 2]| 3.0 * p[0] * p[0] + 2.0 * p[0] * p[1] + 5.0 * p[1] * p[1];
        let h = hessian(f, [0.3, -0.7], 1e-3);
        for (got, want) in [
            (h[0][0], 6.0),
            (h[0][1], 2.0),
            (h[1][0], 2.0),
            (h[1][1], 10.0),
        ] {
            assert!((got - want).abs() < 1e-6, "{h:?}");
        }
        let variances = inverse_diagonal(h).unwrap();
        assert!((variances[0] - 10.0 / 56.0).abs() < 1e-6);
        assert!(inverse_diagonal([[1.0, 2.0], [2.0, 1.0]]).is_none());
    }
}
