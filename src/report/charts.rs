//! SVG charts of run results, drawn with plotters into strings.
//!
//! Every function returns a complete, self-contained SVG document (900 px wide, about 450 px
//! tall; taller when there are many rows). The output is a pure function of the input: no
//! randomness, no clock, no hash-map order, and every number in a label is formatted here, so
//! the same input gives byte-identical SVG on every run and machine.
//!
//! Text is written as SVG `<text>` elements and laid out with plotters' built-in size estimate
//! (plotters is built without its `ttf`/`ab_glyph` font features), so no font file is read and
//! drawing text can never fail for lack of a font; the viewer picks its own sans-serif face.
//! Layout sizes labels a little generously for that reason.
//!
//! Empty or degenerate input (no rows, all zeros, NaN) never panics: the chart then carries a
//! "no data" note, or draws what it can.

use std::collections::BTreeMap;
use std::error::Error;
use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use crate::time::{Ticks, MINUTES_PER_YEAR, TICKS_PER_SECOND};
use crate::trace::Timeline;

/// One scenario's availability estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct AvailabilityPoint {
    pub name: String,
    pub mean: f64,
    pub ci95: [f64; 2],
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;
type Drawn<T = ()> = Result<T, Box<dyn Error>>;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 450;
const FONT: &str = "sans-serif";
/// Row labels longer than this are cut with an ellipsis.
const MAX_LABEL_CHARS: usize = 40;
/// Left and right page margin.
const SIDE: i32 = 20;
/// Highest point of the nines scale: A = 1 (no downtime at all) is drawn here.
const NINES_CAP: f64 = 7.0;
const SECONDS_PER_YEAR: f64 = MINUTES_PER_YEAR * 60.0;

const WHITE_BG: RGBColor = RGBColor(255, 255, 255);
const INK: RGBColor = RGBColor(33, 37, 41);
const MUTED: RGBColor = RGBColor(88, 96, 105);
const GRID: RGBColor = RGBColor(222, 226, 230);
const LIGHT_GRID: RGBColor = RGBColor(241, 243, 245);
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(230, 126, 34);
const PURPLE: RGBColor = RGBColor(148, 103, 189);
const RED: RGBColor = RGBColor(214, 39, 40);
const TEAL: RGBColor = RGBColor(23, 150, 160);
const BROWN: RGBColor = RGBColor(140, 86, 75);
const GREY_BAR: RGBColor = RGBColor(150, 156, 162);
const ZERO_BAR: RGBColor = RGBColor(96, 170, 110);
const OK_GREEN: RGBColor = RGBColor(92, 184, 92);
const AMBER: RGBColor = RGBColor(245, 166, 35);
const DOWN_RED: RGBColor = RGBColor(211, 47, 47);
/// Colours of reference lines (SLA budgets), by position.
const LINE_PALETTE: [RGBColor; 5] = [RED, ORANGE, PURPLE, TEAL, BROWN];

// ---------------------------------------------------------------------------------------------
// Public charts
// ---------------------------------------------------------------------------------------------

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
            let (mut lo, mut hi) = (finite_or(p.ci95[0], mean), finite_or(p.ci95[1], mean));
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
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
        // Scenario rows.
        for (i, row) in rows.iter().enumerate() {
            let y = (n - 1 - i as i32) as f64;
            let (_, py) = chart.backend_coord(&(x0, y));
            text(
                root,
                &row.label,
                (xr.start - 8, py),
                &style(12.0, INK).pos(Pos::new(HPos::Right, VPos::Center)),
            )?;
            let (plo, _) = chart.backend_coord(&(row.lo, y));
            let (phi, _) = chart.backend_coord(&(row.hi, y));
            let (pm, _) = chart.backend_coord(&(row.mean, y));
            h_whisker(root, py, plo, phi, 6, INK)?;
            root.draw(&Circle::new((pm, py), 5, BLUE.filled()))?;
            root.draw(&Circle::new((pm, py), 5, WHITE_BG.stroke_width(1)))?;
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

/// Distribution of downtime per year over trials: `bins` are (low, high, count) in
/// minutes/year from a log histogram (a bin (0.0, 0.0, n) holds the exact zeros and is shown
/// as a separate bar labelled "0"); x axis log scale; vertical lines at each tier's yearly
/// budget labelled "99.9%: 526 min", with the chance of staying within it in the legend.
/// `budgets`: (tier name like "99.9%", budget minutes, probability in [0,1] of a year within).
pub fn downtime_distribution_chart(
    title: &str,
    bins: &[(f64, f64, u64)],
    trials: u64,
    budgets: &[(String, f64, f64)],
) -> String {
    let hist = CleanBins::new(bins);
    if hist.total() == 0 {
        return no_data(title, "no simulated years to show");
    }
    let trials = if trials == 0 {
        hist.total()
    } else {
        trials.max(hist.total())
    };
    let share = 100.0 / trials as f64;
    let minutes = |q: f64| fmt_duration(hist.quantile(q) * 60.0);
    let mut subtitle = vec![format!(
        "{} simulated years · median {} · 90th percentile {} · 99th percentile {} of downtime per year",
        fmt_count(trials),
        minutes(0.5),
        minutes(0.9),
        minutes(0.99)
    )];
    if hist.zero > 0 {
        subtitle.push(format!(
            "{} of years had no downtime at all (bar \"0\").",
            fmt_share(hist.zero as f64 / trials as f64)
        ));
    }
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    if !hist.positive.is_empty() {
        legend.push((
            Key::Fill(BLUE),
            "share of years with downtime in that range".to_string(),
        ));
    }
    if hist.zero > 0 {
        legend.push((Key::Fill(ZERO_BAR), "years with no downtime".to_string()));
    }
    for (i, (tier, budget, chance)) in budgets.iter().enumerate() {
        let color = LINE_PALETTE[i % LINE_PALETTE.len()];
        let tier = ellipsize(tier, 20);
        let chance = if chance.is_finite() {
            fmt_share(chance.clamp(0.0, 1.0))
        } else {
            "–".to_string()
        };
        if budget.is_finite() && *budget > 0.0 {
            lines.push(RefLine {
                value: *budget,
                label: format!("{}: {} min", tier, fmt_sig(*budget, 2)),
                color,
            });
            legend.push((
                Key::Dash(color),
                format!(
                    "{} budget: {}/yr; {} of years within it",
                    tier,
                    fmt_duration(budget * 60.0),
                    chance
                ),
            ));
        } else {
            legend.push((
                Key::Dash(color),
                format!("{} budget: none ({} of years within)", tier, chance),
            ));
        }
    }
    log_histogram(LogHistogramSpec {
        title,
        subtitle,
        x_desc: "downtime per year (log scale)",
        y_desc: "share of simulated years",
        unit_seconds: 60.0,
        hist: &hist,
        scale: share,
        y_format: YFormat::Percent,
        lines,
        legend,
    })
}

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
            let (mut lo, mut hi) = (finite_or(ci[0], m).max(0.0), finite_or(ci[1], m).max(0.0));
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
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
        vline: Some((base, format!("baseline {} min/yr", fmt_sig(base, 3)), INK)),
        legend: vec![
            (Key::Fill(GREY_BAR), "baseline scenario".to_string()),
            (Key::Fill(BLUE), "alternative scenario".to_string()),
            (Key::Whisker(INK), "95% confidence interval".to_string()),
            (Key::Dash(INK), "baseline mean".to_string()),
        ],
        clip_at_zero: true,
    })
}

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
    let (low_name, high_name) = if factor.is_finite() && factor > 0.0 && factor != 1.0 {
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
    };
    let subtitle = vec![format!(
        "Each parameter set to {} (blue) and {} (orange) of its value, all others at baseline ({} min/yr of downtime).",
        low_name,
        high_name,
        fmt_sig(base, 3)
    )];
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
        vline: Some((base, format!("baseline {} min/yr", fmt_sig(base, 3)), INK)),
        legend: vec![
            (
                Key::Fill(BLUE),
                format!("parameter {} (low setting)", low_name),
            ),
            (
                Key::Fill(ORANGE),
                format!("parameter {} (high setting)", high_name),
            ),
            (Key::Dash(INK), "baseline".to_string()),
        ],
        clip_at_zero: false,
    })
}

/// A histogram of durations in seconds from log-histogram bins (low, high, count), log x
/// axis (failover durations, lost-write windows).
pub fn histogram_chart(title: &str, x_label: &str, bins: &[(f64, f64, u64)]) -> String {
    let hist = CleanBins::new(bins);
    if hist.total() == 0 {
        return no_data(title, "no events to show");
    }
    let q = |p: f64| fmt_duration(hist.quantile(p));
    let mut subtitle = vec![format!(
        "{} events · median {} · 90th percentile {} · 99th percentile {}",
        fmt_count(hist.total()),
        q(0.5),
        q(0.9),
        q(0.99)
    )];
    if hist.zero > 0 {
        subtitle.push(format!(
            "{} of them ({}) lasted exactly 0 (bar \"0\").",
            fmt_count(hist.zero),
            fmt_share(hist.zero as f64 / hist.total() as f64)
        ));
    }
    let x_desc = if x_label.trim().is_empty() {
        "duration (log scale)".to_string()
    } else {
        format!("{} (log scale)", x_label)
    };
    log_histogram(LogHistogramSpec {
        title,
        subtitle,
        x_desc: &x_desc,
        y_desc: "number of events",
        unit_seconds: 1.0,
        hist: &hist,
        scale: 1.0,
        y_format: YFormat::Count,
        lines: vec![],
        legend: vec![],
    })
}

/// A parameter sweep: x = parameter values (categorical labels, in order), y = downtime
/// minutes/year with 95% CI error bars, and availability on a second axis.
pub fn sweep_chart(title: &str, parameter: &str, points: &[(String, f64, [f64; 2])]) -> String {
    let parameter = if parameter.trim().is_empty() {
        "parameter"
    } else {
        parameter
    };
    if points.is_empty() {
        return no_data(title, "no sweep points to show");
    }
    struct P {
        label: String,
        mean: f64,
        lo: f64,
        hi: f64,
    }
    let pts: Vec<P> = points
        .iter()
        .map(|(label, mean, ci)| {
            let m = nonneg(*mean);
            let (mut lo, mut hi) = (finite_or(ci[0], m).max(0.0), finite_or(ci[1], m).max(0.0));
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            P {
                label: label.clone(),
                mean: m,
                lo,
                hi,
            }
        })
        .collect();
    let n = pts.len();
    let top_value = pts.iter().map(|p| p.hi.max(p.mean)).fold(0.0, f64::max);
    let y1 = if top_value > 0.0 {
        top_value * 1.18
    } else {
        1.0
    };
    let (y_ticks, y_step) = linear_ticks(0.0, y1, 6);
    let pct_step = y_step / MINUTES_PER_YEAR * 100.0;
    let pct_decimals = ((-pct_step.log10()).ceil().max(0.0) as usize).min(8);
    let avail_label = |m: f64| fmt_availability(1.0 - m / MINUTES_PER_YEAR, pct_decimals);
    let y_label_w = y_ticks
        .iter()
        .map(|v| text_width(&fmt_tick(*v, y_step), 12.0))
        .max()
        .unwrap_or(20);
    let right_w = y_ticks
        .iter()
        .map(|v| text_width(&avail_label(*v), 12.0))
        .max()
        .unwrap_or(40);
    let y_area = y_label_w + 36;
    let right_area = right_w + 36;
    let plot_w = WIDTH as i32 - 2 * SIDE - y_area - right_area;
    let slot = plot_w as f64 / n as f64;
    let fits = |labels: &[String]| {
        labels
            .iter()
            .all(|l| f64::from(text_width(l, 12.0)) <= slot - 8.0)
    };
    let mut labels: Vec<String> = pts.iter().map(|p| p.label.trim().to_string()).collect();
    let mut x_desc = ellipsize(parameter, 60);
    if !fits(&labels) {
        // Long labels that differ only in the middle ("retry budget 3 attempts"): show the
        // part that differs, and the common words once in the axis title.
        if let Some((prefix, suffix, cores)) = common_words(&labels) {
            x_desc = format!("{} ({} … {})", ellipsize(parameter, 40), prefix, suffix)
                .replace("( ", "(")
                .replace(" )", ")");
            labels = cores;
        }
    }
    let stagger = !fits(&labels) && n > 1;
    let max_chars = ((if stagger { 2.0 * slot } else { slot } - 10.0) / (12.0 * 0.6))
        .floor()
        .max(3.0) as usize;
    let labels: Vec<String> = labels
        .iter()
        .map(|l| ellipsize(l, max_chars.min(MAX_LABEL_CHARS)))
        .collect();
    let x_area = if stagger { 66 } else { 52 };
    let legend = vec![
        (Key::LineDot(BLUE), "mean downtime".to_string()),
        (Key::VWhisker(BLUE), "95% confidence interval".to_string()),
    ];
    let subtitle = vec![format!(
        "Downtime per year at each value of {} (left axis); right axis: the same as availability.",
        ellipsize(parameter, MAX_LABEL_CHARS)
    )];
    let header_h = header_height(&subtitle);
    let legend_w = WIDTH as i32 - 2 * SIDE;
    let legend_h = legend_height(&legend, legend_w);
    let bottom = HEIGHT as i32 - 10 - legend_h;

    render(WIDTH, HEIGHT, |root| {
        header(root, WIDTH, title, &subtitle)?;
        let mut chart = build(
            root,
            Layout {
                top: header_h + 6,
                bottom,
                left: SIDE,
                right: WIDTH as i32 - SIDE,
                x_area,
                y_area,
                right_area,
            },
            (
                -0.5..n as f64 - 0.5,
                (0..n).map(|i| i as f64).collect(),
                vec![],
            ),
            (0.0..y1, y_ticks.clone(), vec![]),
        )?;
        let fx = |_: &f64| String::new();
        let fy = |v: &f64| fmt_tick(*v, y_step);
        mesh(
            &mut chart,
            &x_desc,
            "downtime (minutes per year)",
            &fx,
            &fy,
            true,
        )?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        // Right axis: availability at the same ticks.
        line(root, (xr.end, yr.start), (xr.end, yr.end), INK, 1)?;
        for v in &y_ticks {
            let (_, py) = chart.backend_coord(&(0.0, *v));
            line(root, (xr.end, py), (xr.end + 5, py), INK, 1)?;
            text(
                root,
                &avail_label(*v),
                (xr.end + 10, py),
                &style(12.0, MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
            )?;
        }
        let desc = TextStyle::from((FONT, 13.0).into_font().transform(FontTransform::Rotate90))
            .color(&INK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        text(
            root,
            "availability",
            (WIDTH as i32 - SIDE, (yr.start + yr.end) / 2),
            &desc,
        )?;
        // Category labels.
        for (i, label) in labels.iter().enumerate() {
            let (px, _) = chart.backend_coord(&(i as f64, 0.0));
            let dy = if stagger && i % 2 == 1 { 16 } else { 0 };
            text(
                root,
                label,
                (px, yr.end + 9 + dy),
                &style(12.0, MUTED).pos(Pos::new(HPos::Center, VPos::Top)),
            )?;
        }
        // Mean line, CIs and points.
        let coords: Vec<(i32, i32)> = pts
            .iter()
            .enumerate()
            .map(|(i, p)| chart.backend_coord(&(i as f64, p.mean)))
            .collect();
        root.draw(&PathElement::new(coords.clone(), BLUE.stroke_width(2)))?;
        for (i, p) in pts.iter().enumerate() {
            let (px, lo) = chart.backend_coord(&(i as f64, p.lo));
            let (_, hi) = chart.backend_coord(&(i as f64, p.hi));
            if hi != lo {
                v_whisker(root, px, hi, lo, 6, BLUE)?;
            }
            root.draw(&Circle::new(coords[i], 5, BLUE.filled()))?;
            root.draw(&Circle::new(coords[i], 5, WHITE_BG.stroke_width(1)))?;
            let note = fmt_sig(p.mean, 3);
            text(
                root,
                &note,
                (px + 9, coords[i].1 - 4),
                &style(11.0, INK).pos(Pos::new(HPos::Left, VPos::Bottom)),
            )?;
        }
        draw_legend(root, &legend, SIDE, HEIGHT as i32 - 6 - legend_h, legend_w)?;
        Ok(())
    })
}

/// Timeline of one trial: one lane per component (green: full service, amber: degraded,
/// red: down), a lane for the system level, and a lane of failover and data-loss marks.
pub fn timeline_chart(title: &str, timeline: &Timeline) -> String {
    let last_change = timeline
        .levels
        .iter()
        .chain(std::iter::once(&timeline.system))
        .flat_map(|lane| lane.iter().map(|(t, _)| *t))
        .chain(timeline.marks.iter().map(|m| m.time))
        .max()
        .unwrap_or(0);
    let horizon = if timeline.horizon > 0 {
        timeline.horizon
    } else {
        last_change
    };
    let lanes = timeline.levels.len().max(timeline.components.len());
    if horizon == 0 {
        return no_data(title, "the trial has no length to show");
    }
    let day = 86_400.0 * TICKS_PER_SECOND;
    let (unit, unit_name) = if (horizon as f64) < 3.0 * day {
        (day / 24.0, "hours")
    } else {
        (day, "days")
    };
    let span = horizon as f64 / unit;

    // Lanes from the top: marks (if any), the system, then each component.
    struct Lane {
        label: String,
        segments: Vec<(f64, f64, u8)>,
        note: String,
        bold: bool,
    }
    let lane_of = |label: String, points: &[(Ticks, f64)], bold: bool| {
        let segments = level_segments(points, horizon);
        let down: f64 = segments
            .iter()
            .filter(|s| s.2 == 2)
            .map(|s| s.1 - s.0)
            .sum();
        let degraded: f64 = segments
            .iter()
            .filter(|s| s.2 == 1)
            .map(|s| s.1 - s.0)
            .sum();
        let mut note = Vec::new();
        if down > 0.0 {
            note.push(format!("down {}", fmt_duration(down / TICKS_PER_SECOND)));
        }
        if degraded > 0.0 {
            note.push(format!(
                "degraded {}",
                fmt_duration(degraded / TICKS_PER_SECOND)
            ));
        }
        let note = if note.is_empty() {
            "no outage".to_string()
        } else {
            note.join(", ")
        };
        Lane {
            label,
            segments: segments
                .into_iter()
                .map(|(a, b, c)| (a / unit, b / unit, c))
                .collect(),
            note,
            bold,
        }
    };
    let mut all = vec![lane_of("system".to_string(), &timeline.system, true)];
    for c in 0..lanes {
        let name = timeline
            .components
            .get(c)
            .cloned()
            .unwrap_or_else(|| format!("component {}", c + 1));
        let points = timeline.levels.get(c).map(Vec::as_slice).unwrap_or(&[]);
        all.push(lane_of(ellipsize(&name, MAX_LABEL_CHARS), points, false));
    }
    let failovers: Vec<&crate::trace::Mark> = timeline
        .marks
        .iter()
        .filter(|m| m.kind != "data-loss")
        .collect();
    let losses: Vec<&crate::trace::Mark> = timeline
        .marks
        .iter()
        .filter(|m| m.kind == "data-loss")
        .collect();
    let has_marks = !timeline.marks.is_empty();
    let rows = all.len() + usize::from(has_marks);

    let system_down = &all[0].note;
    let subtitle = vec![
        format!(
            "Trial {} over {} · system: {} · {} failover{} · {} data-loss event{}",
            timeline.trial,
            fmt_duration(horizon as f64 / TICKS_PER_SECOND),
            system_down,
            failovers.len(),
            if failovers.len() == 1 { "" } else { "s" },
            losses.len(),
            if losses.len() == 1 { "" } else { "s" }
        ),
        "Outages too short to see at this scale are drawn 2 px wide.".to_string(),
    ];
    let mut legend = vec![
        (Key::Fill(OK_GREEN), "full service (level 1)".to_string()),
        (Key::Fill(AMBER), "degraded (0 < level < 1)".to_string()),
        (Key::Fill(DOWN_RED), "down (level 0)".to_string()),
    ];
    if has_marks {
        legend.push((
            Key::Triangle(BLUE),
            "failover (band: its duration)".to_string(),
        ));
        legend.push((Key::Diamond(PURPLE), "data-loss event".to_string()));
    }
    let mark_label = "failovers / data loss".to_string();
    let label_w = all
        .iter()
        .map(|l| text_width(&l.label, 12.0))
        .chain(has_marks.then(|| text_width(&mark_label, 12.0)))
        .max()
        .unwrap_or(40);
    let note_w = all
        .iter()
        .map(|l| text_width(&l.note, 11.0))
        .max()
        .unwrap_or(40)
        .max(if has_marks { 60 } else { 0 });
    let y_area = (label_w + 16).clamp(60, 330);
    let right_area = (note_w + 12).min(260);
    let header_h = header_height(&subtitle);
    let legend_w = WIDTH as i32 - 2 * SIDE;
    let legend_h = legend_height(&legend, legend_w);
    let plot_h = rows as i32 * 40;
    let height = (header_h + 6 + plot_h + 50 + legend_h + 14).max(300);

    let (x_ticks, x_step) = linear_ticks(0.0, span, 8);
    render(WIDTH, height as u32, |root| {
        header(root, WIDTH, title, &subtitle)?;
        let bottom = height - 10 - legend_h;
        let mut chart = build(
            root,
            Layout {
                top: bottom - 50 - plot_h,
                bottom,
                left: SIDE,
                right: WIDTH as i32 - SIDE,
                x_area: 50,
                y_area,
                right_area,
            },
            (0.0..span, x_ticks.clone(), vec![]),
            (-0.5..rows as f64 - 0.5, vec![], vec![]),
        )?;
        let fx = |v: &f64| fmt_tick(*v, x_step);
        let fy = |_: &f64| String::new();
        mesh(
            &mut chart,
            &format!("time in the trial ({})", unit_name),
            "",
            &fx,
            &fy,
            false,
        )?;
        let (xr, _) = chart.plotting_area().get_pixel_range();
        let px_per_unit = (xr.end - xr.start).max(1) as f64 / span;
        let row_y = |row: usize| (rows - 1 - row) as f64;
        let band = 0.3;
        let mut row = 0;
        if has_marks {
            let y = row_y(row);
            let (_, py) = chart.backend_coord(&(0.0, y));
            text(
                root,
                &mark_label,
                (xr.start - 8, py),
                &style(12.0, INK).pos(Pos::new(HPos::Right, VPos::Center)),
            )?;
            let summary = format!(
                "{} failover{}, {} data loss",
                failovers.len(),
                if failovers.len() == 1 { "" } else { "s" },
                losses.len()
            );
            text(
                root,
                &summary,
                (xr.end + 8, py),
                &style(11.0, MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
            )?;
            for m in &failovers {
                let end = (m.time.min(horizon)) as f64 / unit;
                let start = (end - nonneg(m.seconds) * TICKS_PER_SECOND / unit).max(0.0);
                let (a, _) = chart.backend_coord(&(start, y));
                let (b, _) = chart.backend_coord(&(end, y));
                let a = a.min(b - 2);
                rect(
                    root,
                    (a, py - 3),
                    (b.max(a + 2), py + 3),
                    BLUE.mix(0.5).filled(),
                )?;
                root.draw(&Polygon::new(
                    vec![(b - 5, py - 13), (b + 5, py - 13), (b, py - 4)],
                    BLUE.filled(),
                ))?;
            }
            for m in &losses {
                let (px, _) = chart.backend_coord(&((m.time.min(horizon)) as f64 / unit, y));
                root.draw(&Polygon::new(
                    vec![
                        (px, py + 3),
                        (px + 5, py + 8),
                        (px, py + 13),
                        (px - 5, py + 8),
                    ],
                    PURPLE.filled(),
                ))?;
            }
            row += 1;
        }
        for lane in &all {
            let y = row_y(row);
            let (_, py) = chart.backend_coord(&(0.0, y));
            let label_style = if lane.bold {
                bold_style(12.0, INK)
            } else {
                style(12.0, INK)
            };
            text(
                root,
                &lane.label,
                (xr.start - 8, py),
                &label_style.pos(Pos::new(HPos::Right, VPos::Center)),
            )?;
            text(
                root,
                &lane.note,
                (xr.end + 8, py),
                &style(11.0, MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
            )?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - band), (span, y + band)],
                OK_GREEN.filled(),
            )))?;
            for (a, b, class) in &lane.segments {
                if *class == 0 {
                    continue;
                }
                let color = if *class == 1 { AMBER } else { DOWN_RED };
                let min_w = 2.0 / px_per_unit;
                let (a, b) = if b - a < min_w {
                    (
                        (a.min(span - min_w)).max(0.0),
                        (a.min(span - min_w)).max(0.0) + min_w,
                    )
                } else {
                    (*a, *b)
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(a, y - band), (b, y + band)],
                    color.filled(),
                )))?;
            }
            row += 1;
        }
        if lanes > 0 {
            // A rule between the system lane and the component lanes.
            let y = row_y(usize::from(has_marks)) - 0.5;
            let (_, py) = chart.backend_coord(&(0.0, y));
            line(root, (xr.start, py), (xr.end, py), GRID, 1)?;
        }
        draw_legend(root, &legend, SIDE, height - 6 - legend_h, legend_w)?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Log-scale histograms (downtime per year, durations)
// ---------------------------------------------------------------------------------------------

/// Histogram bins cleaned of NaN, empty and inverted bins: the exact zeros apart, the
/// positive bins sorted.
struct CleanBins {
    zero: u64,
    positive: Vec<(f64, f64, u64)>,
}

impl CleanBins {
    fn new(bins: &[(f64, f64, u64)]) -> Self {
        let mut zero = 0u64;
        let mut positive = Vec::new();
        for &(low, high, count) in bins {
            if count == 0 || low.is_nan() || high.is_nan() {
                continue;
            }
            if high <= 0.0 {
                zero = zero.saturating_add(count);
                continue;
            }
            if !high.is_finite() {
                continue;
            }
            // A log histogram's lowest bin starts at 0: give it the usual bin width.
            let low = if low > 0.0 && low < high {
                low
            } else {
                high / 10f64.powf(1.0 / 200.0)
            };
            positive.push((low, high, count));
        }
        positive.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        CleanBins { zero, positive }
    }

    fn total(&self) -> u64 {
        self.positive
            .iter()
            .fold(self.zero, |sum, b| sum.saturating_add(b.2))
    }

    /// Nearest-rank quantile, each bin standing for its geometric centre.
    fn quantile(&self, p: f64) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let rank = ((p * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = self.zero;
        if seen >= rank {
            return 0.0;
        }
        for &(low, high, count) in &self.positive {
            seen += count;
            if seen >= rank {
                return (low * high).sqrt();
            }
        }
        self.positive.last().map_or(0.0, |b| b.1)
    }

    /// Bars for display, (log10 low, log10 high, count): the source bins merged into a few per
    /// decade when they are finer than that.
    fn display(&self) -> Vec<(f64, f64, u64)> {
        if self.positive.is_empty() {
            return Vec::new();
        }
        let lo = self
            .positive
            .iter()
            .map(|b| b.0)
            .fold(f64::INFINITY, f64::min)
            .log10();
        let hi = self
            .positive
            .iter()
            .map(|b| b.1)
            .fold(f64::NEG_INFINITY, f64::max)
            .log10();
        let span = (hi - lo).max(1e-9);
        let per_decade = [20.0, 10.0, 5.0, 4.0, 2.0, 1.0]
            .into_iter()
            .find(|d| span * d <= 60.0)
            .unwrap_or(1.0);
        let mut widths: Vec<f64> = self.positive.iter().map(|b| (b.1 / b.0).log10()).collect();
        widths.sort_by(f64::total_cmp);
        let median_width = widths[widths.len() / 2];
        if median_width >= 0.9 / per_decade {
            return self
                .positive
                .iter()
                .map(|b| (b.0.log10(), b.1.log10(), b.2))
                .collect();
        }
        let mut merged: BTreeMap<i64, u64> = BTreeMap::new();
        for &(low, high, count) in &self.positive {
            let centre = 0.5 * (low.log10() + high.log10());
            *merged
                .entry((centre * per_decade).floor() as i64)
                .or_insert(0) += count;
        }
        merged
            .into_iter()
            .map(|(k, n)| (k as f64 / per_decade, (k + 1) as f64 / per_decade, n))
            .collect()
    }
}

enum YFormat {
    Percent,
    Count,
}

/// A labelled vertical reference line (an SLA budget).
struct RefLine {
    value: f64,
    label: String,
    color: RGBColor,
}

struct LogHistogramSpec<'a> {
    title: &'a str,
    subtitle: Vec<String>,
    x_desc: &'a str,
    y_desc: &'a str,
    /// Seconds in one unit of the values (60 for minutes).
    unit_seconds: f64,
    hist: &'a CleanBins,
    /// Bar height per count.
    scale: f64,
    y_format: YFormat,
    lines: Vec<RefLine>,
    legend: Vec<(Key, String)>,
}

fn log_histogram(spec: LogHistogramSpec) -> String {
    let bars = spec.hist.display();
    let zero = spec.hist.zero;
    // The log part of the x axis, in log10 of the value.
    let mut lo = bars.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
    let mut hi = bars.iter().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max);
    for l in &spec.lines {
        lo = lo.min(l.value.log10());
        hi = hi.max(l.value.log10());
    }
    if !lo.is_finite() || !hi.is_finite() {
        // Only zeros (and no budget): a decade around one unit keeps the axis sensible.
        lo = -0.5;
        hi = 0.5;
    }
    // At most 12 decades, at least one.
    lo = lo.max(hi - 12.0);
    if hi - lo < 1.0 {
        let mid = 0.5 * (hi + lo);
        lo = mid - 0.5;
        hi = mid + 0.5;
    }
    let span = hi - lo;
    lo -= 0.04 * span;
    hi += 0.04 * span;
    let span = hi - lo;
    let (zero_centre, x0) = if zero > 0 {
        let width = 0.045 * span;
        let gap = 0.05 * span;
        (Some(lo - gap - width / 2.0), lo - gap - width - 0.01 * span)
    } else {
        (None, lo)
    };

    let max_count = bars
        .iter()
        .map(|b| b.2)
        .chain(std::iter::once(zero))
        .max()
        .unwrap_or(0);
    let y_top = (max_count as f64 * spec.scale).max(f64::MIN_POSITIVE);
    let y1 = if max_count > 0 { y_top * 1.14 } else { 1.0 };
    let (y_ticks, y_step) = match spec.y_format {
        YFormat::Count => {
            let (t, s) = linear_ticks(0.0, y1, 6);
            if s < 1.0 {
                let t: Vec<f64> = (0..=y1.floor() as i64).map(|k| k as f64).collect();
                (t, 1.0)
            } else {
                (t, s)
            }
        }
        YFormat::Percent => linear_ticks(0.0, y1, 6),
    };
    let fy_text = |v: f64| match spec.y_format {
        YFormat::Percent => format!("{}%", fmt_tick(v, y_step)),
        YFormat::Count => fmt_tick(v, y_step),
    };
    let y_label_w = y_ticks
        .iter()
        .map(|v| text_width(&fy_text(*v), 12.0))
        .max()
        .unwrap_or(20);
    let y_area = y_label_w + 38;
    let plot_left = SIDE + y_area;
    let plot_right = WIDTH as i32 - SIDE;
    let px_per_unit = (plot_right - plot_left) as f64 / (hi - x0);
    let px = |v: f64| plot_left as f64 + (v - x0) * px_per_unit;

    let mut ticks = duration_ticks(lo, hi, spec.unit_seconds, px_per_unit);
    if let Some(c) = zero_centre {
        ticks.insert(0, (c, "0".to_string()));
    }
    // Budget labels above the plot: in as many rows as it takes for none to overlap.
    let mut placed: Vec<(i32, i32, HPos, usize)> = Vec::new(); // x, width, side, row
    let mut row_ends: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut order: Vec<usize> = (0..spec.lines.len()).collect();
    order.sort_by(|a, b| spec.lines[*a].value.total_cmp(&spec.lines[*b].value));
    let mut placement = vec![(0, 0, HPos::Left, 0); spec.lines.len()];
    for &i in &order {
        let l = &spec.lines[i];
        let x = px(l.value.log10()).round() as i32;
        let w = text_width(&l.label, 11.0);
        let (from, to, side) = if x + 4 + w <= plot_right {
            (x, x + 4 + w, HPos::Left)
        } else {
            (x - 4 - w, x, HPos::Right)
        };
        let row = row_ends
            .iter()
            .position(|spans| spans.iter().all(|(a, b)| to + 8 <= *a || from >= *b + 8))
            .unwrap_or(row_ends.len());
        if row == row_ends.len() {
            row_ends.push(Vec::new());
        }
        row_ends[row].push((from, to));
        placement[i] = (x, w, side, row);
    }
    placed.extend(placement.iter().copied());
    let label_rows = row_ends.len() as i32;

    let header_h = header_height(&spec.subtitle);
    let legend_w = WIDTH as i32 - 2 * SIDE;
    let legend_h = legend_height(&spec.legend, legend_w);
    let height = HEIGHT as i32 + (label_rows * 16 - 16).max(0);
    let bottom = height - 10 - legend_h;
    let top = header_h + 8 + label_rows * 16;

    render(WIDTH, height as u32, |root| {
        header(root, WIDTH, spec.title, &spec.subtitle)?;
        let tick_positions: Vec<f64> = ticks.iter().map(|t| t.0).collect();
        let mut chart = build(
            root,
            Layout {
                top,
                bottom,
                left: SIDE,
                right: WIDTH as i32 - SIDE,
                x_area: 50,
                y_area,
                right_area: 0,
            },
            (x0..hi, tick_positions, vec![]),
            (0.0..y1, y_ticks.clone(), vec![]),
        )?;
        let fx = |v: &f64| {
            ticks
                .iter()
                .find(|t| (t.0 - v).abs() < 1e-9)
                .map(|t| t.1.clone())
                .unwrap_or_default()
        };
        let fy = |v: &f64| fy_text(*v);
        mesh(&mut chart, spec.x_desc, spec.y_desc, &fx, &fy, false)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        // Bars.
        for &(a, b, count) in &bars {
            let (pa, py) = chart.backend_coord(&(a, count as f64 * spec.scale));
            let (pb, p0) = chart.backend_coord(&(b, 0.0));
            let pb = if pb - pa >= 3 { pb - 1 } else { pb.max(pa + 1) };
            rect(root, (pa, py), (pb, p0), BLUE.filled())?;
        }
        if let Some(c) = zero_centre {
            let width = 0.045 * span;
            let value = zero as f64 * spec.scale;
            let (pa, py) = chart.backend_coord(&(c - width / 2.0, value));
            let (pb, p0) = chart.backend_coord(&(c + width / 2.0, 0.0));
            rect(root, (pa, py), (pb, p0), ZERO_BAR.filled())?;
            let note = match spec.y_format {
                YFormat::Percent => format!("{}%", fmt_sig(value, 3)),
                YFormat::Count => fmt_count(zero),
            };
            text(
                root,
                &note,
                ((pa + pb) / 2, py - 3),
                &style(11.0, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
            )?;
            // The break between the zero bar and the log axis.
            let (sep, _) = chart.backend_coord(&(lo - 0.025 * span, 0.0));
            dashed_v(root, sep, yr.start, yr.end, RGBColor(160, 166, 172))?;
            text(
                root,
                "//",
                (sep, yr.end),
                &style(12.0, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
            )?;
        }
        // Budget lines, labelled above the plot.
        for (l, (x, _, side, row)) in spec.lines.iter().zip(&placed) {
            let (lx, _) = chart.backend_coord(&(l.value.log10(), 0.0));
            let label_y = top - label_rows * 16 + *row as i32 * 16 + 1;
            dashed_v(root, lx, label_y + 12, yr.end, l.color)?;
            let tx = if matches!(side, HPos::Left) {
                lx + 4
            } else {
                lx - 4
            };
            let _ = x;
            text(
                root,
                &l.label,
                (tx, label_y),
                &style(11.0, l.color).pos(Pos::new(*side, VPos::Top)),
            )?;
        }
        let _ = xr;
        draw_legend(root, &spec.legend, SIDE, height - 6 - legend_h, legend_w)?;
        Ok(())
    })
}

/// Ticks for a log axis over [10^lo, 10^hi] of values in units of `unit_seconds`: round
/// durations (1 s, 1 min, 1 h, 1 d...), thinned so that their labels do not touch.
fn duration_ticks(lo: f64, hi: f64, unit_seconds: f64, px_per_decade: f64) -> Vec<(f64, String)> {
    // Round durations; the second set only where they fit between the first.
    const MAIN: [(f64, &str); 19] = [
        (1e-6, "1 µs"),
        (1e-5, "10 µs"),
        (1e-4, "100 µs"),
        (1e-3, "1 ms"),
        (1e-2, "10 ms"),
        (0.1, "100 ms"),
        (1.0, "1 s"),
        (10.0, "10 s"),
        (60.0, "1 min"),
        (600.0, "10 min"),
        (3600.0, "1 h"),
        (36_000.0, "10 h"),
        (86_400.0, "1 d"),
        (604_800.0, "1 wk"),
        (2_592_000.0, "30 d"),
        (31_536_000.0, "1 y"),
        (315_360_000.0, "10 y"),
        (3_153_600_000.0, "100 y"),
        (31_536_000_000.0, "1000 y"),
    ];
    const MORE: [(f64, &str); 13] = [
        (3e-3, "3 ms"),
        (3e-2, "30 ms"),
        (0.3, "300 ms"),
        (3.0, "3 s"),
        (30.0, "30 s"),
        (180.0, "3 min"),
        (1800.0, "30 min"),
        (10_800.0, "3 h"),
        (259_200.0, "3 d"),
        (8_640_000.0, "100 d"),
        (94_608_000.0, "3 y"),
        (946_080_000.0, "30 y"),
        (9_460_800_000.0, "300 y"),
    ];
    let fits = |ticks: &[(f64, String, i32)], at: f64, w: i32| {
        ticks
            .iter()
            .all(|(p, _, pw)| (at - p).abs() * px_per_decade >= f64::from(pw + w) / 2.0 + 16.0)
    };
    let mut out: Vec<(f64, String, i32)> = Vec::new();
    for ladder in [&MAIN[..], &MORE[..]] {
        for &(seconds, label) in ladder {
            let at = (seconds / unit_seconds).log10();
            let w = text_width(label, 12.0);
            if at >= lo && at <= hi && fits(&out, at, w) {
                out.push((at, label.to_string(), w));
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    if out.len() < 2 {
        // Too narrow a range for round durations: label its two ends instead.
        out.clear();
        for at in [lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo)] {
            out.push((at, fmt_duration(10f64.powf(at) * unit_seconds), 0));
        }
    }
    out.into_iter().map(|(at, label, _)| (at, label)).collect()
}

// ---------------------------------------------------------------------------------------------
// Horizontal bar charts (causes, comparison, tornado)
// ---------------------------------------------------------------------------------------------

struct BarRow {
    label: String,
    bold: bool,
    /// (from, to, colour, thickness as a share of the row).
    bars: Vec<(f64, f64, RGBColor, f64)>,
    whisker: Option<(f64, f64)>,
    left_note: String,
    right_note: String,
}

struct HBarSpec<'a> {
    title: &'a str,
    subtitle: Vec<String>,
    x_desc: &'a str,
    rows: Vec<BarRow>,
    /// A vertical reference line: value, label above the plot, colour.
    vline: Option<(f64, String, RGBColor)>,
    legend: Vec<(Key, String)>,
    /// The axis starts at 0 (bars grow from 0).
    clip_at_zero: bool,
}

fn hbars(spec: HBarSpec) -> String {
    let n = spec.rows.len();
    let extents: Vec<(f64, f64)> = spec
        .rows
        .iter()
        .map(|r| {
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            for b in &r.bars {
                lo = lo.min(b.0).min(b.1);
                hi = hi.max(b.0).max(b.1);
            }
            if let Some((a, b)) = r.whisker {
                lo = lo.min(a);
                hi = hi.max(b);
            }
            (lo, hi)
        })
        .collect();
    let mut data_lo = extents.iter().map(|e| e.0).fold(f64::INFINITY, f64::min);
    let mut data_hi = extents
        .iter()
        .map(|e| e.1)
        .fold(f64::NEG_INFINITY, f64::max);
    if let Some((v, _, _)) = &spec.vline {
        data_lo = data_lo.min(*v);
        data_hi = data_hi.max(*v);
    }
    if spec.clip_at_zero {
        data_lo = data_lo.min(0.0);
    }
    if !data_lo.is_finite() || !data_hi.is_finite() {
        data_lo = 0.0;
        data_hi = 1.0;
    }
    if data_hi - data_lo <= 0.0 {
        data_hi = data_lo + if data_lo > 0.0 { data_lo } else { 1.0 };
    }
    let label_w = spec
        .rows
        .iter()
        .map(|r| text_width(&r.label, 12.0))
        .max()
        .unwrap_or(40);
    let y_area = (label_w + 16).clamp(60, 360);
    let plot_w = (WIDTH as i32 - 2 * SIDE - y_area) as f64;
    // Widen the range until every note fits beside its bar: a few rounds of fixed-point
    // iteration (the scale depends on the range, the range on the scale).
    let notes: Vec<(f64, f64, f64, f64)> = spec
        .rows
        .iter()
        .zip(&extents)
        .map(|(r, (lo, hi))| {
            let room = |note: &str| {
                if note.is_empty() {
                    0.0
                } else {
                    f64::from(text_width(note, 11.0) + 10)
                }
            };
            (*lo, room(&r.left_note), *hi, room(&r.right_note))
        })
        .collect();
    let (mut x0, mut x1) = (data_lo, data_hi);
    let limit = 20.0 * (data_hi - data_lo);
    for _ in 0..30 {
        let per_px = (x1 - x0) / plot_w;
        let lo = notes
            .iter()
            .filter(|n| n.0.is_finite())
            .map(|n| n.0 - n.1 * per_px)
            .fold(data_lo, f64::min);
        let hi = notes
            .iter()
            .filter(|n| n.2.is_finite())
            .map(|n| n.2 + n.3 * per_px)
            .fold(data_hi, f64::max);
        let pad = 4.0 * per_px;
        let (lo, hi) = (lo - if lo < data_lo { pad } else { 0.0 }, hi + pad);
        if hi - lo > limit {
            break;
        }
        (x0, x1) = (lo, hi);
    }
    let (ticks, step) = linear_ticks(x0, x1, ((plot_w / 90.0) as usize).clamp(3, 9));
    let ticks: Vec<f64> = ticks
        .into_iter()
        .filter(|t| *t >= 0.0 || data_lo < 0.0)
        .collect();

    let header_h = header_height(&spec.subtitle);
    let vline_strip = if spec.vline.is_some() { 18 } else { 0 };
    let legend_w = WIDTH as i32 - 2 * SIDE;
    let legend_h = legend_height(&spec.legend, legend_w);
    let row_h = 30;
    let fixed = header_h + 8 + vline_strip + 50 + legend_h + 12;
    let plot_h = (n as i32 * row_h).max(HEIGHT as i32 - fixed);
    let height = fixed + plot_h;

    render(WIDTH, height as u32, |root| {
        header(root, WIDTH, spec.title, &spec.subtitle)?;
        let bottom = height - 8 - legend_h;
        let mut chart = build(
            root,
            Layout {
                top: bottom - 50 - plot_h,
                bottom,
                left: SIDE,
                right: WIDTH as i32 - SIDE,
                x_area: 50,
                y_area,
                right_area: 0,
            },
            (x0..x1, ticks.clone(), vec![]),
            (-0.5..n as f64 - 0.5, vec![], vec![]),
        )?;
        let fx = |v: &f64| fmt_tick(*v, step);
        let fy = |_: &f64| String::new();
        mesh(&mut chart, spec.x_desc, "", &fx, &fy, true)?;
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let row_px = (yr.end - yr.start) as f64 / n as f64;
        for (i, row) in spec.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let (_, py) = chart.backend_coord(&(0.0, y));
            let label_style = if row.bold {
                bold_style(12.0, INK)
            } else {
                style(12.0, INK)
            };
            text(
                root,
                &row.label,
                (xr.start - 8, py),
                &label_style.pos(Pos::new(HPos::Right, VPos::Center)),
            )?;
            for &(a, b, color, thickness) in &row.bars {
                let (pa, _) = chart.backend_coord(&(a, y));
                let (pb, _) = chart.backend_coord(&(b, y));
                let half = ((row_px.min(34.0) * thickness) / 2.0).round().max(2.0) as i32;
                if pb > pa {
                    rect(root, (pa, py - half), (pb, py + half), color.filled())?;
                }
            }
            if let Some((a, b)) = row.whisker {
                let (pa, _) = chart.backend_coord(&(a, y));
                let (pb, _) = chart.backend_coord(&(b, y));
                h_whisker(root, py, pa, pb, 5, INK)?;
            }
        }
        if let Some((v, label, color)) = &spec.vline {
            let (px, _) = chart.backend_coord(&(*v, 0.0));
            dashed_v(root, px, yr.start - 4, yr.end, *color)?;
            let w = text_width(label, 11.0);
            let x = px.clamp(xr.start + w / 2, (xr.end - w / 2).max(xr.start + w / 2));
            text(
                root,
                label,
                (x, yr.start - 6),
                &style(11.0, *color).pos(Pos::new(HPos::Center, VPos::Bottom)),
            )?;
        }
        for (i, row) in spec.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let (_, py) = chart.backend_coord(&(0.0, y));
            let (lo, hi) = extents[i];
            if !row.left_note.is_empty() {
                let (pa, _) = chart.backend_coord(&(lo, y));
                note(root, &row.left_note, (pa - 6, py), HPos::Right)?;
            }
            if !row.right_note.is_empty() {
                let (pb, _) = chart.backend_coord(&(hi, y));
                note(root, &row.right_note, (pb + 6, py), HPos::Left)?;
            }
        }
        draw_legend(root, &spec.legend, SIDE, height - 6 - legend_h, legend_w)?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Drawing helpers
// ---------------------------------------------------------------------------------------------

/// Draws into a fresh SVG document; if drawing fails (it cannot, into a string, short of a
/// bug), the document says so instead of being cut short.
fn render(width: u32, height: u32, draw: impl FnOnce(&Area) -> Drawn) -> String {
    let mut svg = String::new();
    let ok = {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let drawn = root
            .fill(&WHITE_BG)
            .map_err(Into::into)
            .and_then(|()| draw(&root));
        drawn.is_ok() && root.present().is_ok()
    };
    if ok {
        return svg;
    }
    let mut fallback = String::new();
    {
        let root = SVGBackend::with_string(&mut fallback, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE_BG);
        let _ = text(
            &root,
            "this chart could not be drawn",
            (width as i32 / 2, height as i32 / 2),
            &style(14.0, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        );
        let _ = root.present();
    }
    fallback
}

fn no_data(title: &str, what: &str) -> String {
    no_data_with(title, &[], what)
}

/// A chart with only its title and a "no data" note.
fn no_data_with(title: &str, subtitle: &[String], what: &str) -> String {
    render(WIDTH, HEIGHT, |root| {
        let top = header(root, WIDTH, title, subtitle)? + 10;
        let bottom = HEIGHT as i32 - SIDE;
        rect(
            root,
            (SIDE, top),
            (WIDTH as i32 - SIDE, bottom),
            RGBColor(248, 249, 250).filled(),
        )?;
        rect(
            root,
            (SIDE, top),
            (WIDTH as i32 - SIDE, bottom),
            GRID.stroke_width(1),
        )?;
        let mid = (top + bottom) / 2;
        text(
            root,
            "no data",
            (WIDTH as i32 / 2, mid - 4),
            &bold_style(16.0, MUTED).pos(Pos::new(HPos::Center, VPos::Bottom)),
        )?;
        text(
            root,
            &ellipsize(what, 100),
            (WIDTH as i32 / 2, mid + 4),
            &style(12.0, MUTED).pos(Pos::new(HPos::Center, VPos::Top)),
        )?;
        Ok(())
    })
}

fn header_height(subtitle: &[String]) -> i32 {
    40 + 17 * subtitle.len() as i32
}

/// Title and subtitle lines, centred; returns the y below them.
fn header(root: &Area, width: u32, title: &str, subtitle: &[String]) -> Drawn<i32> {
    let usable = width as f64 - 2.0 * SIDE as f64;
    let title_chars = (usable / (17.0 * 0.66)) as usize;
    let x = width as i32 / 2;
    text(
        root,
        &ellipsize(title, title_chars),
        (x, 12),
        &bold_style(17.0, INK).pos(Pos::new(HPos::Center, VPos::Top)),
    )?;
    let line_chars = (usable / (12.0 * 0.6)) as usize;
    for (i, line) in subtitle.iter().enumerate() {
        let y = 38 + 17 * i as i32;
        text(
            root,
            &ellipsize(line, line_chars),
            (x, y),
            &style(12.0, MUTED).pos(Pos::new(HPos::Center, VPos::Top)),
        )?;
    }
    Ok(header_height(subtitle))
}

/// Where the plot goes, in pixels of the whole canvas, with the sizes of its label areas.
struct Layout {
    top: i32,
    bottom: i32,
    left: i32,
    right: i32,
    x_area: i32,
    y_area: i32,
    right_area: i32,
}

/// A linear axis with fixed key points: `bold` get a tick, a label and a grid line, `light`
/// only a faint grid line. (plotters' own `with_key_points` drops the label formatter.)
struct Axis {
    range: Range<f64>,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.range.start) / (self.range.end - self.range.start);
        let share = if share.is_finite() {
            share.clamp(-10.0, 10.0)
        } else {
            0.0
        };
        limit.0 + (f64::from(limit.1 - limit.0) * share + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// A chart on linear axes with the given key points (bold: ticks, labels and grid; light:
/// extra grid lines).
fn build<'a, 'b>(
    root: &'a Area<'b>,
    layout: Layout,
    x: (Range<f64>, Vec<f64>, Vec<f64>),
    y: (Range<f64>, Vec<f64>, Vec<f64>),
) -> Drawn<Chart<'a, 'b>> {
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let fix = |r: Range<f64>| {
        let (a, b) = (finite_or(r.start, 0.0), finite_or(r.end, 1.0));
        if b > a {
            a..b
        } else {
            a..a + 1.0
        }
    };
    let chart = ChartBuilder::on(root)
        .margin_top(layout.top.max(0))
        .margin_bottom((h - layout.bottom).max(0))
        .margin_left(layout.left.max(0))
        .margin_right((w - layout.right + layout.right_area).max(0))
        .x_label_area_size(layout.x_area)
        .y_label_area_size(layout.y_area)
        .build_cartesian_2d(
            Axis {
                range: fix(x.0),
                bold: x.1,
                light: x.2,
            },
            Axis {
                range: fix(y.0),
                bold: y.1,
                light: y.2,
            },
        )?;
    Ok(chart)
}

fn mesh(
    chart: &mut Chart,
    x_desc: &str,
    y_desc: &str,
    fx: &dyn Fn(&f64) -> String,
    fy: &dyn Fn(&f64) -> String,
    disable_y_mesh: bool,
) -> Drawn {
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID.stroke_width(1))
        .light_line_style(LIGHT_GRID.stroke_width(1))
        .axis_style(INK.stroke_width(1))
        .label_style(style(12.0, MUTED))
        .axis_desc_style(style(13.0, INK))
        .x_label_formatter(fx)
        .y_label_formatter(fy)
        .x_desc(x_desc)
        .y_desc(y_desc);
    if disable_y_mesh {
        mesh.disable_y_mesh();
    }
    mesh.draw()?;
    Ok(())
}

fn style(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::default(),
    }
}

fn bold_style(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: FontDesc::new(FontFamily::SansSerif, size, FontStyle::Bold),
        color: color.to_backend_color(),
        pos: Pos::default(),
    }
}

fn text(root: &Area, s: &str, at: (i32, i32), style: &TextStyle) -> Drawn {
    if !s.is_empty() {
        root.draw(&Text::new(s.to_string(), at, style.clone()))?;
    }
    Ok(())
}

/// An 11 px note on a white ground, so that grid and reference lines do not cross it.
fn note(root: &Area, s: &str, at: (i32, i32), side: HPos) -> Drawn {
    let w = (s.chars().count() as f64 * 11.0 * 0.56).ceil() as i32;
    let (a, b) = match side {
        HPos::Left => (at.0 - 2, at.0 + w + 2),
        HPos::Right => (at.0 - w - 2, at.0 + 2),
        HPos::Center => (at.0 - w / 2 - 2, at.0 + w / 2 + 2),
    };
    rect(root, (a, at.1 - 8), (b, at.1 + 8), WHITE_BG.filled())?;
    text(
        root,
        s,
        at,
        &style(11.0, INK).pos(Pos::new(side, VPos::Center)),
    )
}

fn rect(root: &Area, a: (i32, i32), b: (i32, i32), style: ShapeStyle) -> Drawn {
    root.draw(&Rectangle::new([a, b], style))?;
    Ok(())
}

fn line(root: &Area, a: (i32, i32), b: (i32, i32), color: RGBColor, width: u32) -> Drawn {
    root.draw(&PathElement::new(vec![a, b], color.stroke_width(width)))?;
    Ok(())
}

fn dashed_v(root: &Area, x: i32, y0: i32, y1: i32, color: RGBColor) -> Drawn {
    let (mut y, end) = (y0.min(y1), y0.max(y1));
    while y < end {
        line(root, (x, y), (x, (y + 5).min(end)), color, 1)?;
        y += 9;
    }
    Ok(())
}

fn h_whisker(root: &Area, y: i32, x0: i32, x1: i32, cap: i32, color: RGBColor) -> Drawn {
    line(root, (x0, y), (x1, y), color, 1)?;
    line(root, (x0, y - cap), (x0, y + cap), color, 1)?;
    line(root, (x1, y - cap), (x1, y + cap), color, 1)
}

fn v_whisker(root: &Area, x: i32, y0: i32, y1: i32, cap: i32, color: RGBColor) -> Drawn {
    line(root, (x, y0), (x, y1), color, 1)?;
    line(root, (x - cap, y0), (x + cap, y0), color, 1)?;
    line(root, (x - cap, y1), (x + cap, y1), color, 1)
}

/// A legend symbol.
#[derive(Clone, Copy)]
enum Key {
    Fill(RGBColor),
    Dash(RGBColor),
    Whisker(RGBColor),
    VWhisker(RGBColor),
    LineDot(RGBColor),
    Triangle(RGBColor),
    Diamond(RGBColor),
}

const KEY_W: i32 = 22;
const LEGEND_ROW: i32 = 18;

/// Positions of legend entries, (x offset, row), flowing in rows of at most `width` pixels.
fn legend_flow(entries: &[(Key, String)], width: i32) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    let (mut x, mut row) = (0, 0);
    for (_, label) in entries {
        let w = KEY_W + 6 + legend_text_width(label);
        if x > 0 && x + w > width {
            x = 0;
            row += 1;
        }
        out.push((x, row));
        x += w + 24;
    }
    out
}

/// Legend text is not next to anything it could overlap: a closer estimate spaces it better.
fn legend_text_width(s: &str) -> i32 {
    (s.chars().count() as f64 * 12.0 * 0.54).ceil() as i32
}

fn legend_height(entries: &[(Key, String)], width: i32) -> i32 {
    legend_flow(entries, width)
        .last()
        .map_or(0, |(_, row)| (row + 1) * LEGEND_ROW + 4)
}

/// The legend below the chart, each row centred.
fn draw_legend(root: &Area, entries: &[(Key, String)], left: i32, top: i32, width: i32) -> Drawn {
    let flow = legend_flow(entries, width);
    let mut row_width: BTreeMap<i32, i32> = BTreeMap::new();
    for ((_, label), (x, row)) in entries.iter().zip(&flow) {
        row_width.insert(*row, x + KEY_W + 6 + legend_text_width(label));
    }
    for ((key, label), (x, row)) in entries.iter().zip(&flow) {
        let offset = (width - row_width.get(row).copied().unwrap_or(0)).max(0) / 2;
        let x = left + offset + x;
        let y = top + row * LEGEND_ROW + LEGEND_ROW / 2;
        match *key {
            Key::Fill(c) => rect(root, (x, y - 5), (x + KEY_W, y + 5), c.filled())?,
            Key::Dash(c) => {
                for k in 0..3 {
                    line(root, (x + k * 8, y), (x + k * 8 + 5, y), c, 2)?;
                }
            }
            Key::Whisker(c) => h_whisker(root, y, x + 2, x + KEY_W - 2, 5, c)?,
            Key::VWhisker(c) => v_whisker(root, x + KEY_W / 2, y - 7, y + 7, 4, c)?,
            Key::LineDot(c) => {
                line(root, (x, y), (x + KEY_W, y), c, 2)?;
                root.draw(&Circle::new((x + KEY_W / 2, y), 4, c.filled()))?;
            }
            Key::Triangle(c) => {
                root.draw(&Polygon::new(
                    vec![(x + 6, y - 5), (x + 16, y - 5), (x + 11, y + 4)],
                    c.filled(),
                ))?;
            }
            Key::Diamond(c) => {
                root.draw(&Polygon::new(
                    vec![(x + 11, y - 5), (x + 16, y), (x + 11, y + 5), (x + 6, y)],
                    c.filled(),
                ))?;
            }
        }
        text(
            root,
            label,
            (x + KEY_W + 6, y),
            &style(12.0, INK).pos(Pos::new(HPos::Left, VPos::Center)),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Numbers, text and scales
// ---------------------------------------------------------------------------------------------

/// A generous estimate of a text's width in pixels (sans-serif faces average about 0.55 em).
fn text_width(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size * 0.6).ceil() as i32
}

/// `s` cut to at most `max` characters, ending in an ellipsis when cut.
fn ellipsize(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

fn finite_or(v: f64, fallback: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        fallback
    }
}

/// A finite, non-negative value (0 otherwise).
fn nonneg(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}

/// `v` with `decimals` decimals and thousands separators; never "-0".
fn fmt_fixed(v: f64, decimals: usize) -> String {
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
fn fmt_sig(v: f64, sig: usize) -> String {
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

fn fmt_count(n: u64) -> String {
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

fn fmt_tick(v: f64, step: f64) -> String {
    fmt_fixed(v, step_decimals(step))
}

/// A round step giving about `target` intervals over `span`.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 2.5 {
        2.5
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Round ticks within [lo, hi], and their step.
fn linear_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let step = nice_step(hi - lo, target);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).take(100).map(|k| k as f64 * step).collect();
    (ticks, step)
}

/// A length of time in seconds as "32 s", "5.3 min", "8.8 h", "3.7 d".
fn fmt_duration(seconds: f64) -> String {
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
fn fmt_share(p: f64) -> String {
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
fn fmt_availability(a: f64, decimals: usize) -> String {
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

/// The nines of an availability, -log10(1 - a), capped at `NINES_CAP`; and whether capped.
fn nines(a: f64) -> (f64, bool) {
    if !a.is_finite() || a <= 0.0 {
        return (0.0, false);
    }
    let u = 1.0 - a;
    if u <= 10f64.powf(-NINES_CAP) {
        return (NINES_CAP, true);
    }
    (-u.log10(), false)
}

/// The words all labels start with and end with, and what is left of each label, if any
/// words are common and every label keeps at least one.
fn common_words(labels: &[String]) -> Option<(String, String, Vec<String>)> {
    if labels.len() < 2 {
        return None;
    }
    let words: Vec<Vec<&str>> = labels.iter().map(|l| l.split(' ').collect()).collect();
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let mut prefix = 0;
    while prefix + 1 < shortest && words.iter().all(|w| w[prefix] == words[0][prefix]) {
        prefix += 1;
    }
    let mut suffix = 0;
    while prefix + suffix + 1 < shortest
        && words
            .iter()
            .all(|w| w[w.len() - 1 - suffix] == words[0][words[0].len() - 1 - suffix])
    {
        suffix += 1;
    }
    if prefix + suffix == 0 {
        return None;
    }
    let cores = words
        .iter()
        .map(|w| w[prefix..w.len() - suffix].join(" "))
        .collect();
    let first = &words[0];
    Some((
        first[..prefix].join(" "),
        first[first.len() - suffix..].join(" "),
        cores,
    ))
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

/// A level series as (start, end, class) in ticks, class 0 full, 1 degraded, 2 down,
/// merged where the class does not change, within [0, horizon].
fn level_segments(points: &[(Ticks, f64)], horizon: Ticks) -> Vec<(f64, f64, u8)> {
    let class = |level: f64| {
        if !level.is_finite() || level <= 1e-9 {
            2
        } else if level >= 1.0 - 1e-9 {
            0
        } else {
            1
        }
    };
    let mut out: Vec<(f64, f64, u8)> = Vec::new();
    let mut push = |a: Ticks, b: Ticks, c: u8| {
        if b <= a {
            return;
        }
        match out.last_mut() {
            Some(last) if last.2 == c && last.1 == a as f64 => last.1 = b as f64,
            _ => out.push((a as f64, b as f64, c)),
        }
    };
    let first = points.first().map_or(horizon, |p| p.0.min(horizon));
    push(0, first, 0);
    for (i, &(t, level)) in points.iter().enumerate() {
        let start = t.min(horizon);
        let end = points
            .get(i + 1)
            .map_or(horizon, |p| p.0.min(horizon))
            .max(start);
        push(start, end, class(level));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Mark;

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
    }

    fn texts(svg: &str) -> Vec<String> {
        let doc = parse(svg);
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect()
    }

    fn has_text(svg: &str, wanted: &str) -> bool {
        texts(svg).iter().any(|t| t.contains(wanted))
    }

    fn availability_points() -> Vec<AvailabilityPoint> {
        vec![
            AvailabilityPoint {
                name: "single region, active-passive database".into(),
                mean: 0.99984,
                ci95: [0.99982, 0.99986],
            },
            AvailabilityPoint {
                name: "two regions, active-active".into(),
                mean: 0.999_993,
                ci95: [0.999_991, 0.999_995],
            },
            AvailabilityPoint {
                name: "single zone".into(),
                mean: 0.9987,
                ci95: [0.9984, 0.9990],
            },
            AvailabilityPoint {
                name: "perfect".into(),
                mean: 1.0,
                ci95: [1.0, 1.0],
            },
        ]
    }

    /// Downtime per year in minutes, 200 bins per decade, from 0.5 to 3000 minutes.
    fn downtime_bins() -> Vec<(f64, f64, u64)> {
        let mut bins = vec![(0.0, 0.0, 1_250)];
        for i in 0..760 {
            let lo = 0.5 * 10f64.powf(i as f64 / 200.0);
            let hi = 0.5 * 10f64.powf((i + 1) as f64 / 200.0);
            let x = (i as f64 - 420.0) / 110.0;
            let count = (14.0 * (-0.5 * x * x).exp()).round() as u64;
            if count > 0 {
                bins.push((lo, hi, count));
            }
        }
        bins
    }

    fn budgets() -> Vec<(String, f64, f64)> {
        vec![
            ("99%".into(), 5256.0, 0.9995),
            ("99.9%".into(), 525.6, 0.93),
            ("99.99%".into(), 52.56, 0.41),
            ("99.999%".into(), 5.256, 0.12),
        ]
    }

    fn causes() -> Vec<(String, f64, f64)> {
        vec![
            ("region us-east-1 (outage)".into(), 41.3, 6.2),
            (
                "zone us-east-1a (power failure in the data centre building)".into(),
                18.7,
                2.9,
            ),
            ("database/primary (crash)".into(), 9.4, 1.1),
            ("database/primary (disk failure)".into(), 4.2, 0.8),
            ("api (bad deploy)".into(), 3.3, 0.5),
            ("load balancer (misconfiguration)".into(), 1.2, 0.3),
            ("dns (provider outage)".into(), 0.4, 0.1),
            ("cache (eviction storm)".into(), 0.05, 0.02),
        ]
    }

    fn timeline() -> Timeline {
        let day: Ticks = 86_400_000_000;
        let hour: Ticks = 3_600_000_000;
        Timeline {
            trial: 17,
            horizon: 365 * day,
            components: vec![
                "edge".into(),
                "api".into(),
                "database".into(),
                "cache".into(),
                "queue".into(),
            ],
            levels: vec![
                vec![(0, 1.0)],
                vec![
                    (0, 1.0),
                    (40 * day, 0.5),
                    (40 * day + 3 * hour, 1.0),
                    (200 * day, 0.0),
                    (200 * day + hour / 4, 1.0),
                ],
                vec![(0, 1.0), (120 * day, 0.0), (120 * day + 2 * hour, 1.0)],
                vec![(0, 1.0), (300 * day, 0.66), (305 * day, 1.0)],
                vec![(0, 1.0)],
            ],
            system: vec![
                (0, 1.0),
                (40 * day, 0.5),
                (40 * day + 3 * hour, 1.0),
                (120 * day, 0.0),
                (120 * day + 90_000_000, 1.0),
                (200 * day, 0.0),
                (200 * day + hour / 4, 1.0),
            ],
            marks: vec![
                Mark {
                    time: 120 * day + 90_000_000,
                    kind: "failover",
                    seconds: 90.0,
                },
                Mark {
                    time: 120 * day + 90_000_000,
                    kind: "data-loss",
                    seconds: 2.5,
                },
                Mark {
                    time: 250 * day,
                    kind: "failover",
                    seconds: 40.0,
                },
            ],
            log: vec![],
            outcome: Default::default(),
        }
    }

    fn empty_timeline() -> Timeline {
        Timeline {
            trial: 0,
            horizon: 0,
            components: vec![],
            levels: vec![],
            system: vec![],
            marks: vec![],
            log: vec![],
            outcome: Default::default(),
        }
    }

    fn duration_bins() -> Vec<(f64, f64, u64)> {
        let mut bins = vec![(0.0, 0.0, 3)];
        for i in 0..600 {
            let lo = 0.8 * 10f64.powf(i as f64 / 200.0);
            let hi = 0.8 * 10f64.powf((i + 1) as f64 / 200.0);
            let x = (i as f64 - 260.0) / 70.0;
            let count = (12.0 * (-0.5 * x * x).exp()).round() as u64;
            if count > 0 {
                bins.push((lo, hi, count));
            }
        }
        bins
    }

    fn sweep_points() -> Vec<(String, f64, [f64; 2])> {
        vec![
            ("1 replica".into(), 310.0, [290.0, 330.0]),
            ("2 replicas".into(), 84.0, [80.0, 88.0]),
            ("3 replicas".into(), 22.0, [20.5, 23.5]),
            ("4 replicas".into(), 9.1, [8.2, 10.0]),
            ("5 replicas".into(), 6.0, [5.1, 6.9]),
        ]
    }

    fn comparison_rows() -> Vec<(String, f64, [f64; 2])> {
        vec![
            (
                "current design: one region, two zones".into(),
                84.1,
                [80.2, 88.0],
            ),
            ("add a third zone".into(), 55.0, [52.1, 57.9]),
            ("second region, warm standby".into(), 21.4, [19.9, 22.9]),
            (
                "second region, active-active with global database replication".into(),
                6.3,
                [5.2, 7.4],
            ),
        ]
    }

    fn tornado_rows() -> Vec<(String, f64, f64)> {
        vec![
            ("region outage rate".into(), 61.0, 118.0),
            ("database failover time".into(), 70.0, 104.0),
            ("zone outage rate".into(), 78.0, 93.0),
            ("deploy failure rate".into(), 80.0, 88.0),
            ("cache repair time".into(), 85.0, 86.0),
        ]
    }

    /// Every chart, on realistic data.
    fn all_charts() -> Vec<(&'static str, String)> {
        vec![
            (
                "availability",
                availability_chart("Availability by design", &availability_points()),
            ),
            (
                "downtime",
                downtime_distribution_chart(
                    "Downtime per year",
                    &downtime_bins(),
                    5_088,
                    &budgets(),
                ),
            ),
            (
                "causes",
                causes_chart("Where the downtime comes from", &causes()),
            ),
            ("timeline", timeline_chart("One typical year", &timeline())),
            (
                "histogram",
                histogram_chart("Failover durations", "failover duration", &duration_bins()),
            ),
            (
                "comparison",
                comparison_chart("Design options", &comparison_rows()),
            ),
            (
                "sweep",
                sweep_chart("Replicas", "database replicas", &sweep_points()),
            ),
            (
                "tornado",
                tornado_chart("Sensitivity of downtime", 84.1, &tornado_rows(), 2.0),
            ),
        ]
    }

    #[test]
    fn charts_are_well_formed_svg_with_their_titles() {
        for (name, svg) in all_charts() {
            let doc = parse(&svg);
            assert!(doc.root_element().has_tag_name("svg"), "{name}");
            assert!(svg.contains("viewBox=\"0 0 900 "), "{name}");
            let title = match name {
                "availability" => "Availability by design",
                "downtime" => "Downtime per year",
                "causes" => "Where the downtime comes from",
                "timeline" => "One typical year",
                "histogram" => "Failover durations",
                "comparison" => "Design options",
                "sweep" => "Replicas",
                _ => "Sensitivity of downtime",
            };
            assert!(has_text(&svg, title), "{name} lacks its title");
            assert!(!has_text(&svg, "no data"), "{name}");
        }
    }

    #[test]
    fn charts_are_deterministic() {
        let first = all_charts();
        let second = all_charts();
        for ((name, a), (_, b)) in first.iter().zip(&second) {
            assert_eq!(a, b, "{name} differs between two runs");
        }
    }

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

    #[test]
    fn downtime_chart_labels_budgets_and_zero_bar() {
        let svg = downtime_distribution_chart("D", &downtime_bins(), 5_000, &budgets());
        for label in [
            "99.9%: 526 min",
            "99.999%: 5.3 min",
            "99%: 5,256 min",
            "93.0% of years within",
            "1 h",
        ] {
            assert!(has_text(&svg, label), "missing {label}");
        }
        assert!(texts(&svg).iter().any(|t| t == "0"), "zero bar label");
        let total: u64 = downtime_bins().iter().map(|b| b.2).sum();
        let svg = downtime_distribution_chart("D", &downtime_bins(), total, &budgets());
        let expected = format!(
            "{} of years had no downtime",
            fmt_share(1_250.0 / total as f64)
        );
        assert!(has_text(&svg, &expected), "missing {expected}");
    }

    #[test]
    fn bar_charts_show_labels_and_values() {
        let svg = causes_chart("C", &causes());
        assert!(has_text(&svg, "region us-east-1 (outage)"));
        assert!(has_text(&svg, "zone us-east-1a (power failure in the d…"));
        assert!(has_text(&svg, "41.3 min/yr ± 6.2"));
        let svg = comparison_chart("C", &comparison_rows());
        assert!(has_text(&svg, "(baseline)"));
        assert!(has_text(&svg, "−35% vs baseline"));
        assert!(has_text(&svg, "baseline 84.1 min/yr"));
        let svg = tornado_chart("T", 84.1, &tornado_rows(), 2.0);
        assert!(has_text(&svg, "×0.5"));
        assert!(has_text(&svg, "×2"));
        assert!(has_text(&svg, "region outage rate"));
        assert!(has_text(&svg, "118"));
    }

    #[test]
    fn timeline_histogram_and_sweep_show_their_series() {
        let svg = timeline_chart("T", &timeline());
        for label in [
            "system",
            "database",
            "queue",
            "failovers / data loss",
            "days",
            "down (level 0)",
            "2 failovers",
        ] {
            assert!(has_text(&svg, label), "missing {label}");
        }
        let svg = histogram_chart("H", "failover duration", &duration_bins());
        assert!(has_text(&svg, "failover duration (log scale)"));
        assert!(has_text(&svg, "1 min"));
        let svg = sweep_chart("S", "database replicas", &sweep_points());
        assert!(has_text(&svg, "3 replicas"));
        assert!(has_text(&svg, "availability"));
        assert!(has_text(&svg, "95% confidence interval"));
    }

    #[test]
    fn empty_input_gives_a_no_data_chart() {
        let empty = [
            availability_chart("E1", &[]),
            downtime_distribution_chart("E2", &[], 0, &[]),
            causes_chart("E3", &[]),
            timeline_chart("E4", &empty_timeline()),
            histogram_chart("E5", "x", &[]),
            comparison_chart("E6", &[]),
            sweep_chart("E7", "p", &[]),
            tornado_chart("E8", 0.0, &[], 2.0),
        ];
        for (i, svg) in empty.iter().enumerate() {
            parse(svg);
            assert!(has_text(svg, &format!("E{}", i + 1)));
            assert!(has_text(svg, "no data"), "chart {i}");
        }
    }

    #[test]
    fn degenerate_input_does_not_panic() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        let svgs = [
            availability_chart(
                "a",
                &[AvailabilityPoint {
                    name: String::new(),
                    mean: 1.0,
                    ci95: [nan, inf],
                }],
            ),
            availability_chart(
                "a",
                &[AvailabilityPoint {
                    name: "x".repeat(300),
                    mean: 0.0,
                    ci95: [-1.0, 2.0],
                }],
            ),
            availability_chart(
                "a",
                &[AvailabilityPoint {
                    name: "n".into(),
                    mean: nan,
                    ci95: [0.0, 0.0],
                }],
            ),
            downtime_distribution_chart("d", &[(0.0, 0.0, 10)], 10, &[]),
            downtime_distribution_chart("d", &[(0.0, 0.0, 10)], 10, &budgets()),
            downtime_distribution_chart("d", &[(3.0, 3.1, 1)], 1, &[("x".into(), nan, nan)]),
            downtime_distribution_chart(
                "d",
                &[(0.0, 1e-300, 1), (1e300, inf, 2), (nan, 1.0, 3)],
                0,
                &[],
            ),
            causes_chart("c", &[("zero".into(), 0.0, 0.0)]),
            causes_chart("c", &[("nan".into(), nan, inf), ("neg".into(), -5.0, -1.0)]),
            timeline_chart(
                "t",
                &Timeline {
                    horizon: 1_000,
                    components: vec!["a".into()],
                    ..empty_timeline()
                },
            ),
            timeline_chart(
                "t",
                &Timeline {
                    horizon: 10,
                    components: vec!["a".into(), "b".into()],
                    levels: vec![vec![(0, 1.0), (5, nan), (50, 0.0)]],
                    system: vec![(3, 0.0)],
                    marks: vec![Mark {
                        time: 99,
                        kind: "failover",
                        seconds: 1e9,
                    }],
                    ..empty_timeline()
                },
            ),
            histogram_chart("h", "", &[(0.0, 0.0, 4)]),
            histogram_chart("h", "", &[(1.0, 1.0, 1)]),
            comparison_chart("c", &[("only".into(), 0.0, [0.0, 0.0])]),
            comparison_chart(
                "c",
                &[
                    ("base".into(), nan, [nan, nan]),
                    ("b".into(), 3.0, [4.0, 2.0]),
                ],
            ),
            sweep_chart("s", "", &[("only".into(), 0.0, [0.0, 0.0])]),
            sweep_chart(
                "s",
                "p",
                &[
                    ("a".into(), nan, [inf, nan]),
                    ("b".repeat(80), 1e9, [0.0, 2e9]),
                ],
            ),
            tornado_chart("t", 0.0, &[("p".into(), 0.0, 0.0)], 2.0),
            tornado_chart(
                "t",
                nan,
                &[("p".into(), 5.0, 7.0), ("q".into(), 9.0, 1.0)],
                nan,
            ),
            tornado_chart(
                "t",
                10.0,
                &[("p".into(), 12.0, 15.0), ("q".into(), 8.0, 6.0)],
                0.0,
            ),
        ];
        for svg in &svgs {
            parse(svg);
            assert!(!svg.contains("could not be drawn"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        }
    }

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
        assert_eq!(ellipsize(&"a".repeat(50), 40).chars().count(), 40);
        assert_eq!(
            linear_ticks(0.0, 10.0, 5).0,
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
    }

    /// Writes every chart to /tmp/sim-charts for a look: `cargo test --release --lib charts -- --ignored`.
    #[test]
    #[ignore]
    fn write_examples() {
        let dir = std::path::Path::new("/tmp/sim-charts");
        std::fs::create_dir_all(dir).unwrap();
        for (name, svg) in all_charts() {
            std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
        }
        let extra = [
            (
                "availability-one",
                availability_chart("One scenario", &availability_points()[..1]),
            ),
            ("empty", causes_chart("Where the downtime comes from", &[])),
            (
                "downtime-zeros",
                downtime_distribution_chart("Only zeros", &[(0.0, 0.0, 10)], 10, &budgets()),
            ),
            (
                "sweep-long",
                sweep_chart(
                    "Long labels",
                    "retry budget per request",
                    &(0..12)
                        .map(|i| {
                            (
                                format!("retry budget {} attempts", i),
                                50.0 - i as f64 * 3.0,
                                [45.0 - i as f64 * 3.0, 55.0 - i as f64 * 3.0],
                            )
                        })
                        .collect::<Vec<_>>(),
                ),
            ),
            (
                "timeline-short",
                timeline_chart(
                    "Two days",
                    &Timeline {
                        horizon: 2 * 86_400_000_000,
                        marks: vec![],
                        ..timeline()
                    },
                ),
            ),
            (
                "tornado-same-side",
                tornado_chart(
                    "Same side",
                    10.0,
                    &[("p".into(), 12.0, 15.0), ("q".into(), 8.0, 6.0)],
                    3.0,
                ),
            ),
            ("timeline-many", {
                let mut t = timeline();
                t.components = (0..24)
                    .map(|i| format!("service-{i:02} in region eu-west-{}", i % 3))
                    .collect();
                t.levels = (0..24).map(|i| t.levels[i % 5].clone()).collect();
                timeline_chart("Many components", &t)
            }),
            (
                "causes-many",
                causes_chart(
                    "Many causes",
                    &(0..25)
                        .map(|i| {
                            (
                                format!(
                                    "cause number {i} with a rather long descriptive label here"
                                ),
                                50.0 / (i + 1) as f64,
                                1.0,
                            )
                        })
                        .collect::<Vec<_>>(),
                ),
            ),
        ];
        for (name, svg) in extra {
            std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
        }
    }
}
