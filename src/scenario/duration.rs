//! Durations written as text with a unit (`"30s"`, `"1.5h"`, `"1y"`), parsed to ticks.

use crate::time::{Ticks, TICKS_PER_SECOND};

/// The units a duration may use, with their length in seconds. `y` is 365 days.
pub const UNITS: [(&str, f64); 10] = [
    // Time resolves to one microsecond, so the microsecond is a unit too.
    ("us", 0.000_001),
    ("µs", 0.000_001),
    ("ms", 0.001),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3600.0),
    ("d", 86_400.0),
    ("w", 604_800.0),
    // A month is a twelfth of the 365-day year (30.42 days), so "12mo" is "1y".
    ("mo", 2_628_000.0),
    ("y", 31_536_000.0),
];

/// What a valid duration looks like, for error messages.
pub const DURATION_HELP: &str =
    "a duration is a string: a number and a unit (us, ms, s, m, h, d, w, mo, y), e.g. \"30s\", \"1.5h\"";

/// Parses a duration string to ticks. Returns a message saying what is wrong otherwise.
/// Zero is accepted here; callers that need a positive length check it.
pub fn parse_duration(text: &str) -> Result<Ticks, String> {
    let trimmed = text.trim();
    // Messages echo the text escaped and cut (it may be anything from the input).
    let shown = crate::text::shown(text);
    let split = trimmed
        .find(|c: char| c.is_ascii_alphabetic() || c == 'µ')
        .ok_or_else(|| format!("{shown} has no unit; {DURATION_HELP}"))?;
    let (number, unit) = trimmed.split_at(split);
    let seconds_per_unit = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, seconds)| *seconds)
        .ok_or_else(|| {
            format!(
                "{shown} has unknown unit {}; {DURATION_HELP}",
                crate::text::shown(unit)
            )
        })?;
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{shown} does not start with a number; {DURATION_HELP}"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("{shown} must be a finite, non-negative length"));
    }
    let ticks = value * seconds_per_unit * TICKS_PER_SECOND;
    if ticks > 1e18 {
        return Err(format!("{shown} is too long (at most about 30,000 years)"));
    }
    let rounded = ticks.round();
    if value > 0.0 && rounded < 1.0 {
        return Err(format!(
            "{shown} is shorter than the simulator's time resolution of 1 microsecond"
        ));
    }
    Ok(rounded as Ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("1us"), Ok(1));
        assert_eq!(parse_duration("1µs"), Ok(1));
        assert_eq!(parse_duration("2.5us"), Ok(3));
        assert_eq!(parse_duration("250ms"), Ok(250_000));
        assert_eq!(parse_duration("30s"), Ok(30_000_000));
        assert_eq!(parse_duration("1.5h"), Ok(5_400_000_000));
        assert_eq!(parse_duration("2d"), Ok(172_800_000_000));
        assert_eq!(parse_duration("1w"), Ok(604_800_000_000));
        assert_eq!(parse_duration("1y"), Ok(crate::time::TICKS_PER_YEAR));
        assert_eq!(parse_duration("0s"), Ok(0));
    }

    #[test]
    fn rejects_bad_text_with_a_reason() {
        for bad in [
            "30",
            "30x",
            "h",
            "-1h",
            "NaNs",
            "infh",
            "1e30y",
            "0.0000001s",
            "0.1us",
            "",
        ] {
            let message = parse_duration(bad).unwrap_err();
            assert!(message.contains(bad), "{bad}: {message}");
        }
    }
}
