//! The horizontal bar layout drawn by the causes, comparison and tornado charts: one row per
//! item with its label on the left, one or more bars, an optional error bar, notes beside the
//! bars, and an optional labelled vertical reference line (a baseline).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{build, linear_ticks, mesh, Layout};
use super::canvas::{
    dashed_v, h_whisker, header, header_height, note, rect, render, row_label, style, text, HEIGHT,
    SIDE, WIDTH,
};
use super::format::{fmt_sig, fmt_tick};
use super::legend::{draw_legend, legend_height, Key};
use super::palette::INK;
use super::text::text_width;

pub(super) struct BarRow {
    pub(super) label: String,
    pub(super) bold: bool,
    /// (from, to, colour, thickness as a share of the row).
    pub(super) bars: Vec<(f64, f64, RGBColor, f64)>,
    pub(super) whisker: Option<(f64, f64)>,
    pub(super) left_note: String,
    pub(super) right_note: String,
}

pub(super) struct HBarSpec<'a> {
    pub(super) title: &'a str,
    pub(super) subtitle: Vec<String>,
    pub(super) x_desc: &'a str,
    pub(super) rows: Vec<BarRow>,
    /// A vertical reference line: value, label above the plot, colour.
    pub(super) vline: Option<(f64, String, RGBColor)>,
    pub(super) legend: Vec<(Key, String)>,
    /// The axis starts at 0 (bars grow from 0).
    pub(super) clip_at_zero: bool,
}

/// The reference line at a baseline's downtime, in minutes per year.
pub(super) fn baseline_line(base: f64) -> (f64, String, RGBColor) {
    (base, format!("baseline {} min/yr", fmt_sig(base, 3)), INK)
}

pub(super) fn hbars(spec: HBarSpec) -> String {
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
    let legend_h = legend_height(&spec.legend);
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
            row_label(root, &row.label, (xr.start - 8, py), row.bold)?;
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
        // Notes last, so that the reference line passes under them.
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
        draw_legend(root, &spec.legend)?;
        Ok(())
    })
}
