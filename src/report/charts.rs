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
//!
//! Each public chart has its own module; they share the canvas and its drawing primitives
//! (`canvas`), colours (`palette`), the legend (`legend`), axes and scales (`axis`), text
//! measurement (`text`) and number formatting (`format`), and two layouts drawn by several
//! charts: log-scale histograms (`bins`, `log_histogram`) and horizontal bars (`hbars`).

mod axis;
mod bins;
mod canvas;
mod format;
mod hbars;
mod legend;
mod log_histogram;
mod palette;
mod text;

mod availability;
mod causes;
mod comparison;
mod downtime;
mod histogram;
mod sweep;
mod timeline;
mod tornado;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub use availability::{availability_chart, AvailabilityPoint};
pub use causes::causes_chart;
pub use comparison::comparison_chart;
pub use downtime::downtime_distribution_chart;
pub use histogram::histogram_chart;
pub use sweep::sweep_chart;
pub use timeline::timeline_chart;
pub use tornado::{tornado_chart, uncertainty_tornado_chart};
