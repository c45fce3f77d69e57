//! The log-scale histogram drawn by the downtime and duration charts: bars on a log x axis
//! labelled in round durations, the exact zeros as a separate bar left of a break, and
//! labelled vertical reference lines (SLA budgets) whose labels stack in rows above the plot
//! so that none overlap.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{build, duration_ticks, linear_ticks, mesh, Layout};
use super::bins::CleanBins;
use super::canvas::{
    dashed_v, header, header_height, rect, render, style, text, HEIGHT, SIDE, WIDTH,
};
use super::format::{fmt_count, fmt_sig, fmt_tick};
use super::legend::{draw_legend, legend_height, Key};
use super::palette::{BLUE, INK, MUTED, ZERO_BAR};
use super::text::text_width;

/// How bar heights are labelled on the y axis.
pub(super) enum YFormat {
    Percent,
    Count,
}

/// A labelled vertical reference line (an SLA budget).
pub(super) struct RefLine {
    pub(super) value: f64,
    pub(super) label: String,
    pub(super) color: RGBColor,
}

pub(super) struct LogHistogramSpec<'a> {
    pub(super) title: &'a str,
    pub(super) subtitle: Vec<String>,
    pub(super) x_desc: &'a str,
    pub(super) y_desc: &'a str,
    /// Seconds in one unit of the values (60 for minutes).
    pub(super) unit_seconds: f64,
    pub(super) hist: &'a CleanBins,
    /// Bar height per count.
    pub(super) scale: f64,
    pub(super) y_format: YFormat,
    pub(super) lines: Vec<RefLine>,
    pub(super) legend: Vec<(Key, String)>,
}

pub(super) fn log_histogram(spec: LogHistogramSpec) -> String {
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
                // Counts are whole: no tick between two integers.
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
    // Budget labels above the plot: in as many rows as it takes for none to overlap. Each
    // label goes right of its line, or left of it when it would run off the plot.
    let mut row_ends: Vec<Vec<(i32, i32)>> = Vec::new();
    let mut order: Vec<usize> = (0..spec.lines.len()).collect();
    order.sort_by(|a, b| spec.lines[*a].value.total_cmp(&spec.lines[*b].value));
    let mut placement = vec![(HPos::Left, 0); spec.lines.len()]; // side, row
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
        placement[i] = (side, row);
    }
    let label_rows = row_ends.len() as i32;

    let header_h = header_height(&spec.subtitle);
    let legend_h = legend_height(&spec.legend);
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
        let (_, yr) = chart.plotting_area().get_pixel_range();
        // Bars, with a 1 px gap between neighbours wide enough to spare it.
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
        for (l, (side, row)) in spec.lines.iter().zip(&placement) {
            let (lx, _) = chart.backend_coord(&(l.value.log10(), 0.0));
            let label_y = top - label_rows * 16 + *row as i32 * 16 + 1;
            dashed_v(root, lx, label_y + 12, yr.end, l.color)?;
            let tx = if matches!(side, HPos::Left) {
                lx + 4
            } else {
                lx - 4
            };
            text(
                root,
                &l.label,
                (tx, label_y),
                &style(11.0, l.color).pos(Pos::new(*side, VPos::Top)),
            )?;
        }
        draw_legend(root, &spec.legend)?;
        Ok(())
    })
}
