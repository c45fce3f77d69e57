//! The timeline chart of one trial: a lane per component and one for the system, coloured
//! by service level over time, and a lane of failover and data-loss marks.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{build, linear_ticks, mesh, Layout};
use super::canvas::{
    header, header_height, line, no_data, rect, render, row_label, style, text, SIDE, WIDTH,
};
use super::format::{fmt_duration, fmt_tick, nonneg};
use super::legend::{draw_legend, legend_height, Key};
use super::palette::{AMBER, BLUE, DOWN_RED, GRID, MUTED, OK_GREEN, ORANGE, PURPLE};
use super::text::{ellipsize, text_width, MAX_LABEL_CHARS};
use crate::time::{Ticks, TICKS_PER_SECOND};
use crate::trace::{Mark, Timeline};

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
    // Chaos experiments' windows last minutes or seconds.
    let (unit, unit_name) = if (horizon as f64) < 120.0 * TICKS_PER_SECOND {
        (TICKS_PER_SECOND, "seconds")
    } else if (horizon as f64) < 2.0 * day / 24.0 {
        (60.0 * TICKS_PER_SECOND, "minutes")
    } else if (horizon as f64) < 3.0 * day {
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
    let failovers: Vec<&Mark> = timeline
        .marks
        .iter()
        .filter(|m| m.kind == "failover")
        .collect();
    // Bad changes and shared failures: what struck many units at once.
    let strikes: Vec<&Mark> = timeline
        .marks
        .iter()
        .filter(|m| m.kind == "change" || m.kind == "shared")
        .collect();
    let losses: Vec<&Mark> = timeline
        .marks
        .iter()
        // Writes lost either way: at a failover or at a restore from the DR copy.
        .filter(|m| m.kind == "data-loss" || m.kind == "restore")
        .collect();
    let has_marks = !timeline.marks.is_empty();
    let rows = all.len() + usize::from(has_marks);

    let system_down = &all[0].note;
    let subtitle = vec![
        format!(
            "Trial {} over {} · system: {} · {} · {}",
            timeline.trial,
            fmt_duration(horizon as f64 / TICKS_PER_SECOND),
            system_down,
            plural(failovers.len(), "failover"),
            plural(losses.len(), "data-loss event")
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
    if !strikes.is_empty() {
        legend.push((
            Key::Fill(ORANGE),
            "bad change or shared failure (band: start to end)".to_string(),
        ));
    }
    let mark_label = if strikes.is_empty() {
        "failovers / data loss".to_string()
    } else {
        "failovers / data loss / changes".to_string()
    };
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
    let legend_h = legend_height(&legend);
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
            &match &timeline.origin {
                Some(origin) => format!("time {origin} ({unit_name})"),
                None => format!("time in the trial ({unit_name})"),
            },
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
            row_label(root, &mark_label, (xr.start - 8, py), false)?;
            let mut summary = format!(
                "{}, {} data loss",
                plural(failovers.len(), "failover"),
                losses.len()
            );
            if !strikes.is_empty() {
                summary.push_str(&format!(", {} struck", strikes.len()));
            }
            text(
                root,
                &summary,
                (xr.end + 8, py),
                &style(11.0, MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
            )?;
            // The pixel span of a mark drawn from `time - seconds` to `time` (2 px at least).
            let span_of = |m: &Mark| {
                let end = (m.time.min(horizon)) as f64 / unit;
                let start = (end - nonneg(m.seconds) * TICKS_PER_SECOND / unit).max(0.0);
                let (a, _) = chart.backend_coord(&(start, y));
                let (b, _) = chart.backend_coord(&(end, y));
                (a.min(b - 2), b)
            };
            // A failover: a band over its duration, and a triangle where it ends.
            for m in &failovers {
                let (a, b) = span_of(m);
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
            // A bad change or a shared failure: a thin band under the lane's centre.
            for m in &strikes {
                let (a, b) = span_of(m);
                rect(root, (a, py + 14), (b.max(a + 2), py + 18), ORANGE.filled())?;
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
            row_label(root, &lane.label, (xr.start - 8, py), lane.bold)?;
            text(
                root,
                &lane.note,
                (xr.end + 8, py),
                &style(11.0, MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
            )?;
            // Green underneath, then the outages over it, each at least 2 px wide.
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
        draw_legend(root, &legend)?;
        Ok(())
    })
}

/// "1 failover", "3 failovers".
fn plural(n: usize, word: &str) -> String {
    format!("{} {}{}", n, word, if n == 1 { "" } else { "s" })
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
    // Full service until the first recorded point.
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
    use crate::report::charts::fixtures::{has_text, timeline};

    #[test]
    fn timeline_chart_shows_lanes_marks_and_legend() {
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
    }

    #[test]
    fn level_segments_merge_and_stay_within_the_horizon() {
        let points = [(2, 1.0), (4, 0.5), (6, 0.0), (8, f64::NAN), (30, 1.0)];
        assert_eq!(
            level_segments(&points, 20),
            vec![(0.0, 4.0, 0), (4.0, 6.0, 1), (6.0, 20.0, 2)]
        );
        assert_eq!(level_segments(&[], 5), vec![(0.0, 5.0, 0)]);
    }
}
