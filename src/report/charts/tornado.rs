//! The tornado chart: how far downtime moves when each parameter is set low and high, one
//! horizontal bar pair per parameter around the baseline, largest effect first.

use super::canvas::no_data_with;
use super::format::{fmt_sig, nonneg};
use super::hbars::{baseline_line, hbars, BarRow, HBarSpec};
use super::legend::Key;
use super::palette::{BLUE, INK, ORANGE};
use super::text::{ellipsize, MAX_LABEL_CHARS};

/// Tornado chart: for each parameter, a horizontal bar from downtime at the low setting to
/// downtime at the high setting, around a vertical baseline line; rows are sorted by effect
/// (largest first); `factor` is the variation factor (2.0 means x0.5 and x2).
pub fn tornado_chart(
    title: &str,
    baseline_minutes: f64,
    rows: &[(String, f64, f64)],
    factor: f64,
) -> String {
    let base = nonneg(baseline_minutes);
    let (low_name, high_name) = setting_names(factor);
    let subtitle = vec![format!(
        "Each parameter set to {} (blue) and {} (orange) of its value, all others at baseline ({} min/yr of downtime).",
        low_name,
        high_name,
        fmt_sig(base, 3)
    )];
    let legend = [
        format!("parameter {} (low setting)", low_name),
        format!("parameter {} (high setting)", high_name),
        "baseline".to_string(),
    ];
    draw(title, subtitle, base, rows, (&low_name, &high_name), legend)
}

/// The tornado of uncertain inputs (`sim run` with ranges): for each input, the mean
/// downtime of the parameter sets with it in the lowest and in the highest fifth of its
/// range, around the median across sets; strongest driver first (as given).
pub fn uncertainty_tornado_chart(
    title: &str,
    median_minutes: f64,
    rows: &[(String, f64, f64)],
) -> String {
    let base = nonneg(median_minutes);
    let subtitle = vec![format!(
        "Mean downtime of the parameter sets with each input in the lowest (blue) and highest (orange) fifth of its range; the line is the median across sets ({} min/yr).",
        fmt_sig(base, 3)
    )];
    let legend = [
        "input in the lowest fifth of its range".to_string(),
        "input in the highest fifth of its range".to_string(),
        "median across parameter sets".to_string(),
    ];
    draw(
        title,
        subtitle,
        base,
        rows,
        ("lowest fifth", "highest fifth"),
        legend,
    )
}

fn draw(
    title: &str,
    subtitle: Vec<String>,
    base: f64,
    rows: &[(String, f64, f64)],
    (low_name, high_name): (&str, &str),
    [low_legend, high_legend, base_legend]: [String; 3],
) -> String {
    if rows.is_empty() {
        return no_data_with(title, &subtitle, "no parameters were varied");
    }
    let bars = rows
        .iter()
        .map(|(name, low, high)| {
            let (low, high) = (nonneg(*low), nonneg(*high));
            // The longer bar first so that the shorter one stays visible on top of it.
            let (first, second) = if (low - base).abs() >= (high - base).abs() {
                ((base, low, BLUE, 0.62), (base, high, ORANGE, 0.62))
            } else {
                ((base, high, ORANGE, 0.62), (base, low, BLUE, 0.62))
            };
            // Both on the same side of the baseline: the shorter bar is drawn thinner, inside
            // the longer one.
            let same_side = (low - base) * (high - base) > 0.0;
            let second = if same_side {
                (second.0, second.1, second.2, 0.36)
            } else {
                second
            };
            let note = |v: f64| fmt_sig(v, 3);
            let (left_note, right_note) = if same_side {
                let both = format!(
                    "{}: {} · {}: {}",
                    low_name,
                    note(low),
                    high_name,
                    note(high)
                );
                if low < base {
                    (both, String::new())
                } else {
                    (String::new(), both)
                }
            } else {
                let (l, r) = if low <= high {
                    (low, high)
                } else {
                    (high, low)
                };
                (
                    if l < base { note(l) } else { String::new() },
                    if r > base { note(r) } else { String::new() },
                )
            };
            BarRow {
                label: ellipsize(name, MAX_LABEL_CHARS),
                bold: false,
                bars: vec![
                    (first.0.min(first.1), first.0.max(first.1), first.2, first.3),
                    (
                        second.0.min(second.1),
                        second.0.max(second.1),
                        second.2,
                        second.3,
                    ),
                ],
                whisker: None,
                left_note,
                right_note,
            }
        })
        .collect();
    hbars(HBarSpec {
        title,
        subtitle,
        x_desc: "downtime (minutes per year)",
        rows: bars,
        vline: Some(baseline_line(base)),
        legend: vec![
            (Key::Fill(BLUE), low_legend),
            (Key::Fill(ORANGE), high_legend),
            (Key::Dash(INK), base_legend),
        ],
        clip_at_zero: false,
    })
}

/// The names of the low and high settings for a variation `factor`: "×0.5" and "×2" for 2
/// (or 0.5); "low" and "high" when the factor varies nothing.
fn setting_names(factor: f64) -> (String, String) {
    if factor.is_finite() && factor > 0.0 && factor != 1.0 {
        let (small, large) = if factor > 1.0 {
            (1.0 / factor, factor)
        } else {
            (factor, 1.0 / factor)
        };
        // ×0.5, ×0.25, ×0.1 read well; ×0.333 reads better as ×1/3.
        let exact = |v: f64| (v * 100.0 - (v * 100.0).round()).abs() < 1e-9;
        let small = if !exact(small) && large.fract() == 0.0 && large < 1e6 {
            format!("1/{}", large)
        } else {
            fmt_sig(small, 3)
        };
        let large = fmt_sig(large, 3);
        if factor > 1.0 {
            (format!("×{}", small), format!("×{}", large))
        } else {
            (format!("×{}", large), format!("×{}", small))
        }
    } else {
        ("low".to_string(), "high".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::fixtures::{has_text, tornado_rows};

    #[test]
    fn tornado_chart_names_the_settings_and_values() {
        let svg = tornado_chart("T", 84.1, &tornado_rows(), 2.0);
        assert!(has_text(&svg, "×0.5"));
        assert!(has_text(&svg, "×2"));
        assert!(has_text(&svg, "region outage rate"));
        assert!(has_text(&svg, "118"));
    }

    #[test]
    fn settings_are_named_by_their_factor() {
        assert_eq!(setting_names(2.0), ("×0.5".into(), "×2".into()));
        assert_eq!(setting_names(0.5), ("×2".into(), "×0.5".into()));
        assert_eq!(setting_names(3.0), ("×1/3".into(), "×3".into()));
        assert_eq!(setting_names(1.0), ("low".into(), "high".into()));
    }
}
