//! The causes chart: expected downtime per year attributed to each cause, as horizontal bars
//! with ±1 standard error.

use super::canvas::no_data;
use super::format::{fmt_sig, nonneg};
use super::hbars::{hbars, BarRow, HBarSpec};
use super::palette::BLUE;
use super::text::{ellipsize, MAX_LABEL_CHARS};

/// Horizontal bars, largest first (input is already sorted): label, e.g.
/// "region us-east-1 (outage)", minutes per year, standard error (drawn as an error bar).
pub fn causes_chart(title: &str, causes: &[(String, f64, f64)]) -> String {
    if causes.is_empty() {
        return no_data(title, "no downtime causes to show");
    }
    let total: f64 = causes.iter().map(|c| nonneg(c.1)).sum();
    let rows = causes
        .iter()
        .map(|(label, minutes, se)| {
            let m = nonneg(*minutes);
            let se = nonneg(*se);
            BarRow {
                label: ellipsize(label, MAX_LABEL_CHARS),
                bold: false,
                bars: vec![(0.0, m, BLUE, 0.62)],
                whisker: (se > 0.0).then_some(((m - se).max(0.0), m + se)),
                left_note: String::new(),
                right_note: if se > 0.0 {
                    format!("{} min/yr ± {}", fmt_sig(m, 3), fmt_sig(se, 2))
                } else {
                    format!("{} min/yr", fmt_sig(m, 3))
                },
            }
        })
        .collect();
    hbars(HBarSpec {
        title,
        subtitle: vec![format!(
            "Expected downtime per year by cause, largest first (sum {} min/yr). Whiskers: ±1 standard error.",
            fmt_sig(total, 3)
        )],
        x_desc: "downtime attributed to the cause (minutes per year)",
        rows,
        vline: None,
        legend: vec![],
        clip_at_zero: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::fixtures::{causes, has_text};

    #[test]
    fn causes_chart_shows_labels_and_values() {
        let svg = causes_chart("C", &causes());
        assert!(has_text(&svg, "region us-east-1 (outage)"));
        assert!(has_text(&svg, "zone us-east-1a (power failure in the d…"));
        assert!(has_text(&svg, "41.3 min/yr ± 6.2"));
    }
}
