//! The comparison chart: downtime per year of several scenarios with their 95% CIs, as
//! horizontal bars against the first scenario, the baseline.

use super::canvas::no_data;
use super::format::{fmt_sig, nonneg, ordered_ci};
use super::hbars::{baseline_line, hbars, BarRow, HBarSpec};
use super::legend::Key;
use super::palette::{BLUE, GREY_BAR, INK};
use super::text::{ellipsize, MAX_LABEL_CHARS};

/// Comparison of scenarios: downtime minutes/year with 95% CI per scenario (horizontal bars
/// with error bars); the first row is the baseline.
pub fn comparison_chart(title: &str, rows: &[(String, f64, [f64; 2])]) -> String {
    if rows.is_empty() {
        return no_data(title, "no scenarios to compare");
    }
    let base = nonneg(rows[0].1);
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (name, minutes, ci))| {
            let m = nonneg(*minutes);
            let (lo, hi) = ordered_ci(m, *ci);
            let (lo, hi) = (lo.max(0.0), hi.max(0.0));
            let mut note = format!(
                "{} min/yr (95% CI {} to {})",
                fmt_sig(m, 3),
                fmt_sig(lo, 3),
                fmt_sig(hi, 3)
            );
            if i > 0 {
                note.push_str(" · ");
                note.push_str(&relative_change(m, base));
            }
            let mut label = ellipsize(name, MAX_LABEL_CHARS);
            if i == 0 {
                label.push_str(" (baseline)");
            }
            BarRow {
                label,
                bold: i == 0,
                bars: vec![(0.0, m, if i == 0 { GREY_BAR } else { BLUE }, 0.62)],
                whisker: (hi > lo).then_some((lo, hi)),
                left_note: String::new(),
                right_note: note,
            }
        })
        .collect();
    hbars(HBarSpec {
        title,
        subtitle: vec![
            "Downtime per year of each scenario (bar: mean, whiskers: 95% confidence interval), first row the baseline."
                .to_string(),
        ],
        x_desc: "downtime (minutes per year)",
        rows: bars,
        vline: Some(baseline_line(base)),
        legend: vec![
            (Key::Fill(GREY_BAR), "baseline scenario".to_string()),
            (Key::Fill(BLUE), "alternative scenario".to_string()),
            (Key::Whisker(INK), "95% confidence interval".to_string()),
            (Key::Dash(INK), "baseline mean".to_string()),
        ],
        clip_at_zero: true,
    })
}

/// "−35% vs baseline", "+12% vs baseline", "same as baseline".
fn relative_change(value: f64, base: f64) -> String {
    if base <= 0.0 {
        return if value <= 0.0 {
            "same as baseline".to_string()
        } else {
            "baseline is 0".to_string()
        };
    }
    let change = (value / base - 1.0) * 100.0;
    if change.abs() < 0.05 {
        return "same as baseline".to_string();
    }
    let sign = if change > 0.0 { "+" } else { "−" };
    format!("{}{}% vs baseline", sign, fmt_sig(change.abs(), 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::fixtures::{comparison_rows, has_text};

    #[test]
    fn comparison_chart_marks_the_baseline_and_changes() {
        let svg = comparison_chart("C", &comparison_rows());
        assert!(has_text(&svg, "(baseline)"));
        assert!(has_text(&svg, "−35% vs baseline"));
        assert!(has_text(&svg, "baseline 84.1 min/yr"));
    }

    #[test]
    fn changes_are_relative_to_the_baseline() {
        assert_eq!(relative_change(12.0, 10.0), "+20% vs baseline");
        assert_eq!(relative_change(10.0, 10.0), "same as baseline");
        assert_eq!(relative_change(1.0, 0.0), "baseline is 0");
    }
}
