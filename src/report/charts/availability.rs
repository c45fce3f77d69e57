//! The availability chart: each scenario's availability and its 95% CI on a "nines" scale,
//! over the SLA tier bands, with each band's yearly downtime budget on a tab above the plot.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{build, mesh, nines, Layout, NINES_CAP};
use super::canvas::{
    dot, h_whisker, header, header_height, line, no_data, rect, render, row_label, style, text,
    HEIGHT, SIDE, WIDTH,
};
use super::format::{fmt_availability, fmt_duration, ordered_ci, SECONDS_PER_YEAR};
use super::palette::{BLUE, INK, MUTED};
use super::text::{ellipsize, text_width, MAX_LABEL_CHARS};

/// One scenario's availability estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct AvailabilityPoint {
    pub name: String,
    pub mean: f64,
    pub ci95: [f64; 2],
}

/// Availability of one or more scenarios with their 95% CIs, on a "nines" scale
/// (-log10(1-A)), with the SLA tier bands 99 / 99.9 / 99.99 / 99.999 % shaded and labelled.
/// A = 1 (no downtime) is drawn at the 7-nines cap, and the chart says so.
pub fn availability_chart(title: &str, points: &[AvailabilityPoint]) -> String {
    let rows: Vec<&AvailabilityPoint> = points.iter().filter(|p| p.mean.is_finite()).collect();
    if rows.is_empty() {
        return no_data(title, "no scenario availability to show");
    }
    struct Row {
        label: String,
        mean: f64,
        lo: f64,
        hi: f64,
        text: String,
        capped: bool,
    }
    let rows: Vec<Row> = rows
        .iter()
        .map(|p| {
            let mean = p.mean.clamp(0.0, 1.0);
            let (lo, hi) = ordered_ci(mean, p.ci95);
            let (lo, hi) = (lo.clamp(0.0, 1.0), hi.clamp(0.0, 1.0));
            let capped = nines(mean).1 || nines(hi).1;
            let decimals = availability_decimals(mean, lo, hi);
            let text = if mean >= 1.0 {
                "100%: no downtime in any trial (drawn at the 7-nines cap)".to_string()
            } else {
                format!(
                    "{} (95% CI {} to {}) · {} down per year",
                    fmt_availability(mean, decimals),
                    fmt_availability(lo, decimals),
                    fmt_availability(hi, decimals),
                    fmt_duration((1.0 - mean) * SECONDS_PER_YEAR)
                )
            };
            Row {
                label: ellipsize(&p.name, MAX_LABEL_CHARS),
                mean: nines(mean).0,
                lo: nines(lo).0,
                hi: nines(hi).0,
                text,
                capped,
            }
        })
        .collect();
    let any_capped = rows.iter().any(|r| r.capped);

    let low = rows
        .iter()
        .map(|r| r.lo.min(r.mean))
        .fold(f64::INFINITY, f64::min);
    let high = rows
        .iter()
        .map(|r| r.hi.max(r.mean))
        .fold(f64::NEG_INFINITY, f64::max);
    let x0 = (low - 0.3).floor().clamp(0.0, 2.0);
    let x1 = (high + 0.4).clamp(5.5, NINES_CAP + 0.5);

    let mut subtitle = vec![
        "Dot: mean availability of each scenario; bar: its 95% confidence interval. Shaded bands are the SLA tiers."
            .to_string(),
    ];
    if any_capped {
        subtitle.push(format!(
            "A = 100% (no downtime in any trial) has no place on a nines scale: it is drawn at the {}-nines cap ({}).",
            NINES_CAP,
            fmt_availability(1.0 - 10f64.powf(-NINES_CAP), 5)
        ));
    }
    let label_w = rows
        .iter()
        .map(|r| text_width(&r.label, 12.0))
        .max()
        .unwrap_or(0);
    let y_area = (label_w + 16).clamp(60, 330);
    let header_h = header_height(&subtitle);
    let strip = 34;
    let row_h = 40;
    let n = rows.len() as i32;
    let fixed = header_h + 6 + strip + 52 + 14;
    let plot_h = (n * row_h).max(HEIGHT as i32 - fixed);
    let height = (fixed + plot_h) as u32;

    render(WIDTH, height, |root| {
        header(root, WIDTH, title, &subtitle)?;
        let top = header_h + 6 + strip;
        // Whole nines get a labelled tick; 2×, 3×… 9× the unavailability a faint grid line.
        let x_ticks: Vec<f64> = (x0 as i64..=x1.floor() as i64).map(|k| k as f64).collect();
        let mut light = Vec::new();
        for k in x0 as i64..=x1.ceil() as i64 {
            for m in 2..=9 {
                let v = (k + 1) as f64 - f64::log10(m as f64);
                if v > x0 && v < x1 {
                    light.push(v);
                }
            }
        }
        let mut chart = build(
            root,
            Layout {
                top,
                bottom: height as i32 - 14,
                left: SIDE,
                right: WIDTH as i32 - SIDE,
                x_area: 52,
                y_area,
                right_area: 0,
            },
            (x0..x1, x_ticks, light),
            (-0.5..n as f64 - 0.5, vec![], vec![]),
        )?;
        let fx = |v: &f64| {
            fmt_availability(1.0 - 10f64.powf(-v), (v.round() as i64 - 2).max(0) as usize)
        };
        let fy = |_: &f64| String::new();
        mesh(
            &mut chart,
            "availability, on a nines scale: −log10(1 − A)",
            "",
            &fx,
            &fy,
            true,
        )?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();

        // SLA tier bands, with their labels on tabs above the plot.
        let bands: [(f64, f64, RGBColor, &str, f64); 5] = [
            (0.0, 2.0, RGBColor(251, 228, 226), "< 99%", f64::NAN),
            (2.0, 3.0, RGBColor(253, 238, 212), "≥ 99%", 0.99),
            (3.0, 4.0, RGBColor(255, 248, 208), "≥ 99.9%", 0.999),
            (4.0, 5.0, RGBColor(229, 244, 222), "≥ 99.99%", 0.9999),
            (
                5.0,
                f64::INFINITY,
                RGBColor(205, 235, 198),
                "≥ 99.999%",
                0.99999,
            ),
        ];
        for (from, to, color, name, tier) in bands {
            let (a, b) = (from.max(x0), to.min(x1));
            if b <= a {
                continue;
            }
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, -0.5), (b, n as f64 - 0.5)],
                color.filled(),
            )))?;
            let (pa, _) = chart.backend_coord(&(a, 0.0));
            let (pb, _) = chart.backend_coord(&(b, 0.0));
            rect(root, (pa, top - strip + 2), (pb, yr.start), color.filled())?;
            let mid = (pa + pb) / 2;
            let room = pb - pa - 6;
            if text_width(name, 12.0) <= room {
                text(
                    root,
                    name,
                    (mid, top - strip + 5),
                    &style(12.0, INK).pos(Pos::new(HPos::Center, VPos::Top)),
                )?;
            }
            if tier.is_finite() {
                let budget = format!("≤ {}/yr", fmt_duration((1.0 - tier) * SECONDS_PER_YEAR));
                if text_width(&budget, 11.0) <= room {
                    text(
                        root,
                        &budget,
                        (mid, top - strip + 19),
                        &style(11.0, MUTED).pos(Pos::new(HPos::Center, VPos::Top)),
                    )?;
                }
            }
        }
        // Tier boundaries.
        for tier in [2.0, 3.0, 4.0, 5.0] {
            if tier > x0 && tier < x1 {
                let (px, _) = chart.backend_coord(&(tier, 0.0));
                line(
                    root,
                    (px, top - strip + 2),
                    (px, yr.end),
                    RGBColor(190, 196, 202),
                    1,
                )?;
            }
        }
        // Scenario rows, the first on top; each text centred over its dot unless that would
        // run it off the plot.
        for (i, row) in rows.iter().enumerate() {
            let y = (n - 1 - i as i32) as f64;
            let (_, py) = chart.backend_coord(&(x0, y));
            row_label(root, &row.label, (xr.start - 8, py), false)?;
            let (plo, _) = chart.backend_coord(&(row.lo, y));
            let (phi, _) = chart.backend_coord(&(row.hi, y));
            let (pm, _) = chart.backend_coord(&(row.mean, y));
            h_whisker(root, py, plo, phi, 6, INK)?;
            dot(root, (pm, py), BLUE)?;
            let w = text_width(&row.text, 11.0);
            let (x, h) = if pm - w / 2 < xr.start + 4 {
                (xr.start + 4, HPos::Left)
            } else if pm + w / 2 > xr.end - 4 {
                (xr.end - 4, HPos::Right)
            } else {
                (pm, HPos::Center)
            };
            text(
                root,
                &row.text,
                (x, py - 10),
                &style(11.0, INK).pos(Pos::new(h, VPos::Bottom)),
            )?;
        }
        Ok(())
    })
}

/// Decimals for an availability and its CI: enough to show the mean's leading non-nine
/// digits and to tell the two bounds apart.
fn availability_decimals(mean: f64, lo: f64, hi: f64) -> usize {
    let n = nines(mean).0;
    let mut d = ((n.ceil() as i64) - 1).clamp(0, 6) as usize;
    while d < 6 && lo != hi && fmt_availability(lo, d) == fmt_availability(hi, d) {
        d += 1;
    }
    // "99.99930%" says no more than "99.9993%".
    while d > 0
        && [mean, lo, hi]
            .iter()
            .all(|v| *v >= 1.0 || fmt_availability(*v, d).ends_with("0%"))
    {
        d -= 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::fixtures::{availability_points, has_text};

    #[test]
    fn availability_chart_shows_tiers_points_and_cap() {
        let svg = availability_chart("A", &availability_points());
        for label in [
            "99%",
            "99.9%",
            "99.99%",
            "99.999%",
            "≥ 99.99%",
            "single zone",
            "99.984% (95% CI 99.982% to 99.986%)",
        ] {
            assert!(has_text(&svg, label), "missing {label}");
        }
        assert!(has_text(&svg, "7-nines cap"));
        let plain = availability_chart("A", &availability_points()[..1]);
        assert!(!has_text(&plain, "7-nines cap"));
    }
}
