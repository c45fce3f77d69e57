//! SVG charts of run results, drawn with plotters into strings (placeholder).
