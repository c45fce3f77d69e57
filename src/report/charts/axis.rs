//! Plot frames and their scales: the coordinate system every chart plots in (linear axes
//! with fixed key points, drawn with grid, ticks and labels), and the three ways of choosing
//! ticks on them: round linear steps, round durations on a log scale, and "nines".

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

use super::canvas::{style, Area, Drawn};
use super::format::{finite_or, fmt_duration};
use super::palette::{GRID, INK, LIGHT_GRID, MUTED};
use super::text::text_width;

pub(super) type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// Highest point of the nines scale: A = 1 (no downtime at all) is drawn here.
pub(super) const NINES_CAP: f64 = 7.0;

/// Where the plot goes, in pixels of the whole canvas, with the sizes of its label areas.
pub(super) struct Layout {
    pub(super) top: i32,
    pub(super) bottom: i32,
    pub(super) left: i32,
    pub(super) right: i32,
    pub(super) x_area: i32,
    pub(super) y_area: i32,
    pub(super) right_area: i32,
}

/// A linear axis with fixed key points: `bold` get a tick, a label and a grid line, `light`
/// only a faint grid line. (plotters' own `with_key_points` drops the label formatter.)
pub(super) struct Axis {
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
pub(super) fn build<'a, 'b>(
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

/// The grid, axis lines, tick labels (from `fx` and `fy`) and axis titles.
pub(super) fn mesh(
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
pub(super) fn linear_ticks(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let step = nice_step(hi - lo, target);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    let ticks = (first..=last).take(100).map(|k| k as f64 * step).collect();
    (ticks, step)
}

/// Ticks for a log axis over [10^lo, 10^hi] of values in units of `unit_seconds`: round
/// durations (1 s, 1 min, 1 h, 1 d...), thinned so that their labels do not touch.
pub(super) fn duration_ticks(
    lo: f64,
    hi: f64,
    unit_seconds: f64,
    px_per_decade: f64,
) -> Vec<(f64, String)> {
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

/// The nines of an availability, -log10(1 - a), capped at `NINES_CAP`; and whether capped.
pub(super) fn nines(a: f64) -> (f64, bool) {
    if !a.is_finite() || a <= 0.0 {
        return (0.0, false);
    }
    let u = 1.0 - a;
    if u <= 10f64.powf(-NINES_CAP) {
        return (NINES_CAP, true);
    }
    (-u.log10(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(
            linear_ticks(0.0, 10.0, 5).0,
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
    }
}
