//! Numbers for people: input values made safe to draw (no NaN, no negative downtime), and
//! every number in a label formatted here, with thousands separators, a real minus sign and
//! no "-0", so that labels read well and are the same on every machine.

use crate::time::MINUTES_PER_YEAR;

pub(super) const SECONDS_PER_YEAR: f64 = MINUTES_PER_YEAR * 60.0;

pub(super) fn finite_or(v: f64, fallback: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        fallback
    }
}

/// A finite, non-negative value (0 otherwise).
pub(super) fn nonneg(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}

/// A confidence interval around `mean` as (low, high): a bound that is not finite falls back
/// to the mean, and bounds given the wrong way round are swapped.
pub(super) fn ordered_ci(mean: f64, ci: [f64; 2]) -> (f64, f64) {
    let (lo, hi) = (finite_or(ci[0], mean), finite_or(ci[1], mean));
    if lo > hi {
        (hi, lo)
    } else {
        (lo, hi)
    }
}

/// `v` with `decimals` decimals and thousands separators; never "-0".
pub(super) fn fmt_fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let body = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (body.clone(), None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if let Some(f) = frac {
        grouped.push('.');
        grouped.push_str(&f);
    }
    let is_zero = body.chars().all(|c| c == '0' || c == '.');
    if v < 0.0 && !is_zero {
        format!("−{}", grouped)
    } else {
        grouped
    }
}

/// `v` to `sig` significant digits (all of its integer digits are kept), trailing zeros cut.
pub(super) fn fmt_sig(v: f64, sig: usize) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let magnitude = v.abs().log10().floor() as i64;
    let decimals = (sig as i64 - 1 - magnitude).clamp(0, 12) as usize;
    trim_zeros(fmt_fixed(v, decimals))
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

pub(super) fn fmt_count(n: u64) -> String {
    fmt_fixed(n as f64, 0)
}

/// Decimals needed to show multiples of `step` exactly.
fn step_decimals(step: f64) -> usize {
    (0..=9)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(9)
}

/// A tick label on an axis whose ticks are `step` apart: all ticks get the same decimals.
pub(super) fn fmt_tick(v: f64, step: f64) -> String {
    fmt_fixed(v, step_decimals(step))
}

/// A length of time in seconds as "32 s", "5.3 min", "8.8 h", "3.7 d".
pub(super) fn fmt_duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "–".to_string();
    }
    if seconds <= 0.0 {
        return "0".to_string();
    }
    let (v, unit) = if seconds < 1e-3 {
        (seconds * 1e6, "µs")
    } else if seconds < 1.0 {
        (seconds * 1e3, "ms")
    } else if seconds < 60.0 {
        (seconds, "s")
    } else if seconds < 3600.0 {
        (seconds / 60.0, "min")
    } else if seconds < 2.0 * 86_400.0 {
        (seconds / 3600.0, "h")
    } else if seconds < 2.0 * SECONDS_PER_YEAR {
        (seconds / 86_400.0, "d")
    } else {
        (seconds / SECONDS_PER_YEAR, "y")
    };
    format!("{} {}", fmt_sig(v, 2), unit)
}

/// A probability in [0, 1] as a percentage, with more decimals near 0% and 100%.
pub(super) fn fmt_share(p: f64) -> String {
    let v = p * 100.0;
    if !v.is_finite() {
        return "–".to_string();
    }
    if v <= 0.0 {
        return "0%".to_string();
    }
    if v >= 100.0 {
        return "100%".to_string();
    }
    let edge = v.min(100.0 - v);
    let decimals = if edge >= 1.0 {
        1
    } else {
        ((-edge.log10()).ceil() as usize).clamp(1, 6)
    };
    format!("{}%", fmt_fixed(v, decimals))
}

/// Availability as a percentage with `decimals` decimals, never rounded up to 100% below 1.
pub(super) fn fmt_availability(a: f64, decimals: usize) -> String {
    if !a.is_finite() {
        return "–".to_string();
    }
    if a >= 1.0 {
        return "100%".to_string();
    }
    let mut d = decimals.min(10);
    loop {
        let s = format!("{:.*}", d, a.max(0.0) * 100.0);
        if !s.starts_with("100") || d >= 10 {
            return format!("{}%", s);
        }
        d += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(fmt_duration(526.0 * 60.0), "8.8 h");
        assert_eq!(fmt_duration(5.256 * 60.0), "5.3 min");
        assert_eq!(fmt_duration(52.56 * 60.0), "53 min");
        assert_eq!(fmt_duration(0.25), "250 ms");
        assert_eq!(fmt_sig(5256.0, 2), "5,256");
        assert_eq!(fmt_sig(-0.0001, 2), "−0.0001");
        assert_eq!(fmt_fixed(-0.0001, 2), "0.00");
        assert_eq!(fmt_availability(0.99984, 3), "99.984%");
        assert_eq!(fmt_availability(0.9999996, 3), "99.99996%");
        assert_eq!(fmt_share(0.93), "93.0%");
        assert_eq!(fmt_share(0.9995), "99.95%");
    }

    #[test]
    fn confidence_bounds_are_finite_and_in_order() {
        assert_eq!(ordered_ci(5.0, [4.0, 6.0]), (4.0, 6.0));
        assert_eq!(ordered_ci(5.0, [6.0, 4.0]), (4.0, 6.0));
        assert_eq!(ordered_ci(5.0, [f64::NAN, f64::INFINITY]), (5.0, 5.0));
    }
}
