//! The colours of every chart, named by role, so that the same thing looks the same in all
//! of them (blue is always the main series, red always "down").

use plotters::style::RGBColor;

pub(super) const WHITE_BG: RGBColor = RGBColor(255, 255, 255);
pub(super) const INK: RGBColor = RGBColor(33, 37, 41);
pub(super) const MUTED: RGBColor = RGBColor(88, 96, 105);
pub(super) const GRID: RGBColor = RGBColor(222, 226, 230);
pub(super) const LIGHT_GRID: RGBColor = RGBColor(241, 243, 245);
pub(super) const BLUE: RGBColor = RGBColor(31, 119, 180);
pub(super) const ORANGE: RGBColor = RGBColor(230, 126, 34);
pub(super) const PURPLE: RGBColor = RGBColor(148, 103, 189);
pub(super) const RED: RGBColor = RGBColor(214, 39, 40);
pub(super) const TEAL: RGBColor = RGBColor(23, 150, 160);
pub(super) const BROWN: RGBColor = RGBColor(140, 86, 75);
pub(super) const GREY_BAR: RGBColor = RGBColor(150, 156, 162);
pub(super) const ZERO_BAR: RGBColor = RGBColor(96, 170, 110);
pub(super) const OK_GREEN: RGBColor = RGBColor(92, 184, 92);
pub(super) const AMBER: RGBColor = RGBColor(245, 166, 35);
pub(super) const DOWN_RED: RGBColor = RGBColor(211, 47, 47);
/// Colours of reference lines (SLA budgets), by position.
pub(super) const LINE_PALETTE: [RGBColor; 5] = [RED, ORANGE, PURPLE, TEAL, BROWN];
