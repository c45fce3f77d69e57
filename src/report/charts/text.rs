//! Text measurement and truncation. No font file is read (see the module root), so widths
//! are estimates from the character count, and labels that could run into something are cut
//! to a length rather than to a width.

/// Row labels longer than this are cut with an ellipsis.
pub(super) const MAX_LABEL_CHARS: usize = 40;

/// A generous estimate of a text's width in pixels (sans-serif faces average about 0.55 em).
pub(super) fn text_width(s: &str, size: f64) -> i32 {
    width_at(s, size, 0.6)
}

/// The width of `s` at `em` times the font size per character. Text that has room around it
/// (notes, legend entries) uses a closer estimate than `text_width` to space it better.
pub(super) fn width_at(s: &str, size: f64, em: f64) -> i32 {
    (s.chars().count() as f64 * size * em).ceil() as i32
}

/// `s` cut to at most `max` characters, ending in an ellipsis when cut.
pub(super) fn ellipsize(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_its_length_with_an_ellipsis() {
        assert_eq!(ellipsize(&"a".repeat(50), 40).chars().count(), 40);
        assert_eq!(ellipsize("  short  ", 40), "short");
        assert_eq!(ellipsize("ab cd", 4), "ab…");
    }
}
