//! The legend: a key symbol and a label per entry, flowing in centred rows along the bottom
//! of the canvas, the full width between the page margins.

use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{h_whisker, line, rect, style, text, v_whisker, Area, Drawn, SIDE, WIDTH};
use super::palette::INK;
use super::text::width_at;

/// A legend symbol.
#[derive(Clone, Copy)]
pub(super) enum Key {
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
/// Every legend spans the page between the side margins.
const LEGEND_W: i32 = WIDTH as i32 - 2 * SIDE;

/// Positions of legend entries, (x offset, row), flowing in rows of at most `LEGEND_W` pixels.
fn legend_flow(entries: &[(Key, String)]) -> Vec<(i32, i32)> {
    let mut out = Vec::new();
    let (mut x, mut row) = (0, 0);
    for (_, label) in entries {
        let w = KEY_W + 6 + legend_text_width(label);
        if x > 0 && x + w > LEGEND_W {
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
    width_at(s, 12.0, 0.54)
}

/// The height the legend takes (0 when it has no entries).
pub(super) fn legend_height(entries: &[(Key, String)]) -> i32 {
    legend_flow(entries)
        .last()
        .map_or(0, |(_, row)| (row + 1) * LEGEND_ROW + 4)
}

/// The legend at the bottom of the canvas, each row centred.
pub(super) fn draw_legend(root: &Area, entries: &[(Key, String)]) -> Drawn {
    let (_, height) = root.dim_in_pixel();
    let (left, top) = (SIDE, height as i32 - 6 - legend_height(entries));
    let flow = legend_flow(entries);
    let mut row_width: BTreeMap<i32, i32> = BTreeMap::new();
    for ((_, label), (x, row)) in entries.iter().zip(&flow) {
        row_width.insert(*row, x + KEY_W + 6 + legend_text_width(label));
    }
    for ((key, label), (x, row)) in entries.iter().zip(&flow) {
        let offset = (LEGEND_W - row_width.get(row).copied().unwrap_or(0)).max(0) / 2;
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
