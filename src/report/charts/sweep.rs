//! The sweep chart: downtime per year with its 95% CI at each value of a swept parameter,
//! the values as categories in order, and the same scale as availability on a second axis.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::axis::{build, linear_ticks, mesh, Layout};
use super::canvas::{
    dot, header, header_height, line, no_data, render, style, text, v_whisker, FONT, HEIGHT, SIDE,
    WIDTH,
};
use super::format::{fmt_availability, fmt_sig, fmt_tick, nonneg, ordered_ci};
use super::legend::{draw_legend, legend_height, Key};
use super::palette::{BLUE, INK, MUTED};
use super::text::{ellipsize, text_width, MAX_LABEL_CHARS};
use crate::time::MINUTES_PER_YEAR;

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
            let (lo, hi) = ordered_ci(m, *ci);
            P {
                label: label.clone(),
                mean: m,
                lo: lo.max(0.0),
                hi: hi.max(0.0),
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
    // The right axis labels the same ticks as availability, with the decimals that tell
    // neighbouring ticks apart.
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
    // Labels that still do not fit alternate between two lines, each with two slots' room.
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
    let legend_h = legend_height(&legend);
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
        // The category labels are drawn below, staggered if need be; the mesh draws none.
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
            dot(root, coords[i], BLUE)?;
            let note = fmt_sig(p.mean, 3);
            text(
                root,
                &note,
                (px + 9, coords[i].1 - 4),
                &style(11.0, INK).pos(Pos::new(HPos::Left, VPos::Bottom)),
            )?;
        }
        draw_legend(root, &legend)?;
        Ok(())
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::charts::fixtures::{has_text, sweep_points};

    #[test]
    fn sweep_chart_shows_points_both_axes_and_legend() {
        let svg = sweep_chart("S", "database replicas", &sweep_points());
        assert!(has_text(&svg, "3 replicas"));
        assert!(has_text(&svg, "availability"));
        assert!(has_text(&svg, "95% confidence interval"));
    }

    #[test]
    fn common_words_leave_the_part_that_differs() {
        let labels: Vec<String> = ["retry budget 3 attempts", "retry budget 10 attempts"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            common_words(&labels),
            Some((
                "retry budget".to_string(),
                "attempts".to_string(),
                vec!["3".to_string(), "10".to_string()]
            ))
        );
        assert_eq!(common_words(&["a".to_string(), "b".to_string()]), None);
    }
}
