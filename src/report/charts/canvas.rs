//! The canvas every chart draws on: the SVG document, its title block, the "no data" panel,
//! and the drawing primitives (text styles, lines, boxes, whiskers) in pixel coordinates.
//!
//! Drawing into a string can only fail on a bug, but plotters' calls return `Result`s all the
//! same; they are passed up as `Drawn` so that `render` can replace a half-drawn chart with a
//! note rather than return a truncated document.

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{GRID, INK, MUTED, WHITE_BG};
use super::text::{ellipsize, width_at};

pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(super) type Drawn<T = ()> = Result<T, Box<dyn Error>>;

pub(super) const WIDTH: u32 = 900;
pub(super) const HEIGHT: u32 = 450;
pub(super) const FONT: &str = "sans-serif";
/// Left and right page margin.
pub(super) const SIDE: i32 = 20;

/// Draws into a fresh SVG document; if drawing fails (it cannot, into a string, short of a
/// bug), the document says so instead of being cut short.
pub(super) fn render(width: u32, height: u32, draw: impl FnOnce(&Area) -> Drawn) -> String {
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
        // Names from the input may hold control characters, which XML forbids.
        return crate::text::document(&svg).into_owned();
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

pub(super) fn no_data(title: &str, what: &str) -> String {
    no_data_with(title, &[], what)
}

/// A chart with only its title and a "no data" note.
pub(super) fn no_data_with(title: &str, subtitle: &[String], what: &str) -> String {
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

pub(super) fn header_height(subtitle: &[String]) -> i32 {
    40 + 17 * subtitle.len() as i32
}

/// Title and subtitle lines, centred; returns the y below them.
pub(super) fn header(root: &Area, width: u32, title: &str, subtitle: &[String]) -> Drawn<i32> {
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

pub(super) fn style(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::default(),
    }
}

pub(super) fn bold_style(size: f64, color: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: FontDesc::new(FontFamily::SansSerif, size, FontStyle::Bold),
        color: color.to_backend_color(),
        pos: Pos::default(),
    }
}

pub(super) fn text(root: &Area, s: &str, at: (i32, i32), style: &TextStyle) -> Drawn {
    if !s.is_empty() {
        root.draw(&Text::new(s.to_string(), at, style.clone()))?;
    }
    Ok(())
}

/// A row's label, right-aligned against the left edge of the plot at `at`.
pub(super) fn row_label(root: &Area, label: &str, at: (i32, i32), bold: bool) -> Drawn {
    let label_style = if bold {
        bold_style(12.0, INK)
    } else {
        style(12.0, INK)
    };
    text(
        root,
        label,
        at,
        &label_style.pos(Pos::new(HPos::Right, VPos::Center)),
    )
}

/// An 11 px note on a white ground, so that grid and reference lines do not cross it.
pub(super) fn note(root: &Area, s: &str, at: (i32, i32), side: HPos) -> Drawn {
    let w = width_at(s, 11.0, 0.56);
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

pub(super) fn rect(root: &Area, a: (i32, i32), b: (i32, i32), style: ShapeStyle) -> Drawn {
    root.draw(&Rectangle::new([a, b], style))?;
    Ok(())
}

pub(super) fn line(
    root: &Area,
    a: (i32, i32),
    b: (i32, i32),
    color: RGBColor,
    width: u32,
) -> Drawn {
    root.draw(&PathElement::new(vec![a, b], color.stroke_width(width)))?;
    Ok(())
}

/// A data point: a filled dot with a white ring, so that it stands out on a line or a bar.
pub(super) fn dot(root: &Area, at: (i32, i32), color: RGBColor) -> Drawn {
    root.draw(&Circle::new(at, 5, color.filled()))?;
    root.draw(&Circle::new(at, 5, WHITE_BG.stroke_width(1)))?;
    Ok(())
}

pub(super) fn dashed_v(root: &Area, x: i32, y0: i32, y1: i32, color: RGBColor) -> Drawn {
    let (mut y, end) = (y0.min(y1), y0.max(y1));
    while y < end {
        line(root, (x, y), (x, (y + 5).min(end)), color, 1)?;
        y += 9;
    }
    Ok(())
}

pub(super) fn h_whisker(root: &Area, y: i32, x0: i32, x1: i32, cap: i32, color: RGBColor) -> Drawn {
    line(root, (x0, y), (x1, y), color, 1)?;
    line(root, (x0, y - cap), (x0, y + cap), color, 1)?;
    line(root, (x1, y - cap), (x1, y + cap), color, 1)
}

pub(super) fn v_whisker(root: &Area, x: i32, y0: i32, y1: i32, cap: i32, color: RGBColor) -> Drawn {
    line(root, (x, y0), (x, y1), color, 1)?;
    line(root, (x - cap, y0), (x + cap, y0), color, 1)?;
    line(root, (x - cap, y1), (x + cap, y1), color, 1)
}
