//! The result of `sim fit`: per group, the censored samples fitted (`mle`), gathered in a
//! serializable report with a stable key order, the paste-ready scenario JSON (point values
//! and `between` ranges), and the table rendering. docs/fit.md documents every key.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::history::{format_instant, Group, History, Incident, Skipped, Source};
use super::mle::{fit_sample, Family, Fit, Kind, Observation, SampleFit, SHAPE_RANGE};

/// How many skipped rows the report lists (it counts them all).
pub const SKIPPED_LISTED: usize = 20;
/// Without a failure, the `between` range of the mean time to failure runs from the 95%
/// lower bound to this many times the exposure: the data put no upper limit on it, and ten
/// times the time watched is where a reviewer would stop caring.
pub const NO_FAILURE_HIGH_FACTOR: f64 = 10.0;
/// Durations written to scenario JSON are kept within what its parser takes (1 us to about
/// 31,700 years) with margin: 1 ms to about 3,170 years.
const DURATION_RANGE: (f64, f64) = (1e-3, 1e11);

/// Everything `sim fit` found; `--format json` prints this.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    pub file: String,
    pub window: WindowReport,
    pub rows: Rows,
    pub notes: Vec<String>,
    pub groups: Vec<GroupReport>,
    /// `{"components": {NAME: {"failures": [...]}}}` with the best fits' point estimates.
    pub scenario: Value,
    /// The same with every fitted parameter replaced by `{"between": [low, high]}`.
    pub scenario_between: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct WindowReport {
    pub from: String,
    pub to: String,
    pub seconds: f64,
    pub from_source: Source,
    pub to_source: Source,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rows {
    pub incidents: usize,
    pub skipped: usize,
    /// The first `SKIPPED_LISTED`, in line order.
    pub skipped_lines: Vec<Skipped>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub component: String,
    pub mode: String,
    pub incidents: usize,
    /// Incidents without an end (repair censored at the end of the window).
    pub open: usize,
    /// Times between failures: up time from an incident's end to the next one's start.
    pub ttf: SampleReport,
    /// Repair durations: end - start.
    pub ttr: SampleReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct SampleReport {
    /// Values that end in a failure (for `ttf`: complete times between failures plus the
    /// first up time from `observed_from` when it ends in this mode's failure).
    pub observed: usize,
    /// How many of `observed` are that first, left-truncated up time (0 or 1; always 0 for
    /// repairs). It enters the fit with the forward-recurrence density S(x)/μ.
    pub first: usize,
    /// Right-censored values.
    pub censored: usize,
    /// The sum of every value, censored or not (seconds).
    pub total_seconds: f64,
    /// In the order exponential, weibull, lognormal, gamma; only those the data support.
    pub fits: Vec<Fit>,
    /// The lowest AIC, or null without an observed value.
    pub best: Option<Family>,
    /// Without an observed value (every value censored; for `ttf` with `observed_from`
    /// given, typically no incident of the component in the window): the one-sided 95%
    /// lower bound on the mean (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_lower_bound_seconds: Option<f64>,
    pub notes: Vec<String>,
}

fn seconds(nanoseconds: i128) -> f64 {
    nanoseconds as f64 / 1e9
}

/// The times between failures of one failure mode, read as the scenario format means
/// them: a unit's modes race from each repair, and the first to fire fails the unit
/// (docs/scenario-format.md, "Competing failure modes"; docs/fit.md). So the up times are
/// those of the whole component, between consecutive incidents of any of its modes (merged
/// where they overlap); one that ends in an incident of `mode` is a failure of `mode`, one
/// that ends in another mode's is censored for `mode` (the other mode won the race).
///
/// The up time from `from` to the component's first incident ends in a failure but began
/// an unknown time before the window: it is left-truncated, a `Kind::FirstFailure` of the
/// mode that ended it (the forward-recurrence density S(x)/μ; for the exponential simply
/// one more failure) and censored for the other modes. `from_known` says the window's start
/// was given (`observed_from`); when it was taken from the data it is the first incident's
/// start, and a first incident starting exactly there has no up time before it to count
/// (with a given start, such an incident is a first failure after a zero up time). The up
/// time after the last incident is right-censored (it goes on after the window). Without
/// an incident, the whole window is one censored up time.
pub fn between_failures(
    component: &[&Group],
    mode: &str,
    from: i128,
    to: i128,
    from_known: bool,
) -> Vec<Observation> {
    let censored = |length: i128| Observation::censored(seconds(length));
    let mut incidents: Vec<(&Incident, &str)> = component
        .iter()
        .flat_map(|g| g.incidents.iter().map(move |i| (i, g.mode.as_str())))
        .collect();
    incidents.sort_by_key(|(i, m)| (i.start, i.line, *m));
    // Down periods: overlapping incidents merge; each keeps the mode that began it.
    let mut down: Vec<(i128, i128, &str)> = Vec::new();
    for (incident, m) in incidents {
        let end = incident.end.unwrap_or(to);
        match down.last_mut() {
            Some(last) if incident.start <= last.1 => last.1 = last.1.max(end),
            _ => down.push((incident.start, end, m)),
        }
    }
    let Some(first) = down.first() else {
        return vec![censored(to - from)];
    };
    let mut values = Vec::new();
    let ours = |m: &str| m == mode;
    if first.0 > from || (from_known && ours(first.2)) {
        values.push(Observation {
            value: seconds(first.0 - from),
            kind: if ours(first.2) {
                Kind::FirstFailure
            } else {
                Kind::Censored
            },
        });
    }
    for pair in down.windows(2) {
        let length = pair[1].0 - pair[0].1;
        if length > 0 {
            values.push(Observation {
                value: seconds(length),
                kind: if ours(pair[1].2) {
                    Kind::Failure
                } else {
                    Kind::Censored
                },
            });
        }
    }
    if let Some(last) = down.last() {
        if to > last.1 {
            values.push(censored(to - last.1));
        }
    }
    values
}

/// Repair durations; an open incident's is censored at the end of the window.
pub fn repairs(group: &Group, to: i128) -> Vec<Observation> {
    group
        .incidents
        .iter()
        .map(|incident| {
            let value = seconds(incident.end.unwrap_or(to) - incident.start);
            match incident.end {
                Some(_) => Observation::failure(value),
                None => Observation::censored(value),
            }
        })
        .collect()
}

/// Fits every group of a checked history.
pub fn build(history: &History) -> FitReport {
    let window = history.window;
    let mut notes = Vec::new();
    if window.from_source == Source::Incidents {
        notes.push(
            "no observed_from: the window starts at the first incident, so no up time before \
             it is counted (give observed_from to count it and the failure that ends it)"
                .to_string(),
        );
    }
    if window.to_source == Source::Incidents {
        notes.push(
            "no observed_to: the window ends at the last incident's end, so no up time after \
             it is counted (give observed_to to censor it)"
                .to_string(),
        );
    }
    if !history.skipped.is_empty() {
        notes.push(format!(
            "{} bad row(s) skipped (--skip-bad-rows); see rows.skipped_lines",
            history.skipped.len()
        ));
    }
    let mut groups = Vec::new();
    let mut point = Map::new();
    let mut ranges = Map::new();
    for group in &history.groups {
        let component: Vec<&Group> = history
            .groups
            .iter()
            .filter(|g| g.component == group.component)
            .collect();
        let ttf = fit_sample(&between_failures(
            &component,
            &group.mode,
            window.from,
            window.to,
            window.from_source != Source::Incidents,
        ));
        let ttr = fit_sample(&repairs(group, window.to));
        let mut ttf_report = sample_report(&ttf);
        let mut ttr_report = sample_report(&ttr);
        let mut point_failure = Map::new();
        let mut range_failure = Map::new();
        point_failure.insert("name".into(), json!(group.mode));
        range_failure.insert("name".into(), json!(group.mode));
        match (ttf.best, ttf.mean_lower_bound) {
            (Some(best), _) => {
                point_failure.insert("ttf".into(), distribution(&ttf.fits[best], false));
                range_failure.insert("ttf".into(), distribution(&ttf.fits[best], true));
            }
            (None, Some(bound)) => {
                ttf_report.notes.push(format!(
                    "no failure observed in {}: the mean time between failures is at least \
                     {} with 95% confidence (total up time / -ln 0.05 = T / 3.0); the scenario \
                     uses that bound, and the range runs to {NO_FAILURE_HIGH_FACTOR} x T",
                    short_duration(ttf.exposure),
                    short_duration(bound),
                ));
                let mean = duration(bound);
                point_failure.insert("ttf".into(), json!({"exponential": {"mean": mean}}));
                let high = duration(NO_FAILURE_HIGH_FACTOR * ttf.exposure);
                range_failure.insert(
                    "ttf".into(),
                    json!({"exponential": {"mean": between_or_point(mean, high)}}),
                );
            }
            (None, None) => ttf_report
                .notes
                .push("no up time observed at all: no ttf (write one by hand)".to_string()),
        }
        match ttr.best {
            Some(best) => {
                point_failure.insert("ttr".into(), distribution(&ttr.fits[best], false));
                range_failure.insert("ttr".into(), distribution(&ttr.fits[best], true));
            }
            None => ttr_report.notes.push(
                "no repair observed: no ttr in the scenario JSON (write one by hand)".to_string(),
            ),
        }
        for (map, failure) in [(&mut point, point_failure), (&mut ranges, range_failure)] {
            let component = map
                .entry(group.component.clone())
                .or_insert_with(|| json!({"failures": []}));
            component["failures"]
                .as_array_mut()
                .expect("failures is a list")
                .push(Value::Object(failure));
        }
        groups.push(GroupReport {
            component: group.component.clone(),
            mode: group.mode.clone(),
            incidents: group.incidents.len(),
            open: group.incidents.iter().filter(|i| i.end.is_none()).count(),
            ttf: ttf_report,
            ttr: ttr_report,
        });
    }
    FitReport {
        file: history.file.clone(),
        window: WindowReport {
            from: format_instant(window.from),
            to: format_instant(window.to),
            seconds: seconds(window.to - window.from),
            from_source: window.from_source,
            to_source: window.to_source,
        },
        rows: Rows {
            incidents: history.incidents,
            skipped: history.skipped.len(),
            skipped_lines: history
                .skipped
                .iter()
                .take(SKIPPED_LISTED)
                .cloned()
                .collect(),
        },
        notes,
        groups,
        scenario: json!({ "components": point }),
        scenario_between: json!({ "components": ranges }),
    }
}

fn sample_report(sample: &SampleFit) -> SampleReport {
    SampleReport {
        observed: sample.failures,
        first: sample.first,
        censored: sample.censored,
        total_seconds: sample.exposure,
        fits: sample.fits.clone(),
        best: sample.best.map(|i| sample.fits[i].family),
        mean_lower_bound_seconds: sample.mean_lower_bound,
        notes: sample.notes.clone(),
    }
}

/// A fitted law in the scenario format; with `ranges`, each parameter that has an interval
/// becomes `{"between": [low, high]}` (one without keeps its point value).
fn distribution(fit: &Fit, ranges: bool) -> Value {
    let mut parameters = Map::new();
    for parameter in &fit.parameters {
        let value = |x: f64| {
            if parameter.duration {
                duration(x)
            } else if parameter.name == "shape" {
                json!(significant(x.clamp(SHAPE_RANGE.0, SHAPE_RANGE.1)))
            } else {
                json!(significant(x))
            }
        };
        let point = value(parameter.estimate);
        let entry = match (ranges, parameter.low, parameter.high) {
            (true, Some(low), Some(high)) => between_or_point(value(low), value(high)),
            _ => point,
        };
        parameters.insert(parameter.name.to_string(), entry);
    }
    json!({ fit.family.name(): parameters })
}

fn between_or_point(low: Value, high: Value) -> Value {
    if low == high {
        low
    } else {
        json!({ "between": [low, high] })
    }
}

/// A number to 6 significant digits: the intervals are far wider than that.
fn significant(x: f64) -> f64 {
    format!("{x:.5e}").parse().unwrap_or(x)
}

/// A duration string the scenario parser takes back to within 1e-6 relatively: the largest
/// of d, h, m, s that keeps the number at least 1, with 6 decimals, trailing zeros cut.
pub fn duration_string(seconds: f64) -> String {
    let seconds = seconds.clamp(DURATION_RANGE.0, DURATION_RANGE.1);
    let (unit, size) = [("d", 86_400.0), ("h", 3_600.0), ("m", 60.0)]
        .into_iter()
        .find(|&(_, size)| seconds >= size)
        .unwrap_or(("s", 1.0));
    let text = format!("{:.6}", seconds / size);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

fn duration(seconds: f64) -> Value {
    Value::String(duration_string(seconds))
}

/// A duration for the table: three significant digits in a readable unit.
pub fn short_duration(seconds: f64) -> String {
    let (unit, size) = [
        ("y", 31_536_000.0),
        ("d", 86_400.0),
        ("h", 3_600.0),
        ("m", 60.0),
    ]
    .into_iter()
    .find(|&(_, size)| seconds >= size)
    .unwrap_or(("s", 1.0));
    format!("{}{unit}", short_number(seconds / size))
}

/// Three significant digits, no exponent for everyday magnitudes.
pub fn short_number(x: f64) -> String {
    let magnitude = x.abs();
    if magnitude >= 100.0 || magnitude == 0.0 {
        format!("{x:.0}")
    } else if magnitude >= 10.0 {
        format!("{x:.1}")
    } else if magnitude >= 1.0 {
        format!("{x:.2}")
    } else if magnitude >= 0.001 {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

/// The report as pretty JSON with its stable key order, newline-terminated.
pub fn to_json(report: &FitReport) -> String {
    serde_json::to_string_pretty(report).expect("the report serializes") + "\n"
}

/// The report as aligned text.
pub fn render_table(report: &FitReport) -> String {
    let mut out = String::new();
    let source = |s: Source| match s {
        Source::File => "the file",
        Source::Option => "the option",
        Source::Incidents => "the incidents",
    };
    out.push_str(&format!(
        "{}: window {} to {} ({}; start from {}, end from {})\n",
        report.file,
        report.window.from,
        report.window.to,
        short_duration(report.window.seconds),
        source(report.window.from_source),
        source(report.window.to_source),
    ));
    out.push_str(&format!(
        "{} incident(s) in {} group(s); {} bad row(s) skipped\n",
        report.rows.incidents,
        report.groups.len(),
        report.rows.skipped
    ));
    for skipped in &report.rows.skipped_lines {
        out.push_str(&format!(
            "  skipped line {}: {}\n",
            skipped.line, skipped.reason
        ));
    }
    if report.rows.skipped > report.rows.skipped_lines.len() {
        out.push_str(&format!(
            "  ... and {} more\n",
            report.rows.skipped - report.rows.skipped_lines.len()
        ));
    }
    for note in &report.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    for group in &report.groups {
        out.push_str(&format!(
            "\n{} / {}: {} incident(s), {} open\n",
            group.component.escape_debug(),
            group.mode.escape_debug(),
            group.incidents,
            group.open
        ));
        for (title, sample) in [
            ("time between failures (ttf)", &group.ttf),
            ("repair (ttr)", &group.ttr),
        ] {
            render_sample(&mut out, title, sample);
        }
    }
    for (title, value) in [
        (
            "Scenario JSON (best fits; merge each component's failures into yours)",
            &report.scenario,
        ),
        (
            "With uncertainty: each fitted parameter as its 95% interval (spec: between)",
            &report.scenario_between,
        ),
    ] {
        out.push_str(&format!(
            "\n{title}:\n{}\n",
            serde_json::to_string_pretty(value).expect("serializes")
        ));
    }
    out
}

fn render_sample(out: &mut String, title: &str, sample: &SampleReport) {
    let first = if sample.first > 0 {
        format!(" ({} from the window's start)", sample.first)
    } else {
        String::new()
    };
    out.push_str(&format!(
        "  {title}: {} observed{first}, {} censored, total {}\n",
        sample.observed,
        sample.censored,
        short_duration(sample.total_seconds)
    ));
    if !sample.fits.is_empty() {
        out.push_str(&format!(
            "      {:<12} {:<58} {:>10} {:>10} {:>6}\n",
            "family", "parameters (95% interval)", "ln L", "AIC", "KS"
        ));
    }
    for fit in &sample.fits {
        let parameters: Vec<String> = fit
            .parameters
            .iter()
            .map(|p| {
                let show = |x: f64| {
                    if p.duration {
                        short_duration(x)
                    } else {
                        short_number(x)
                    }
                };
                match (p.low, p.high) {
                    (Some(low), Some(high)) => format!(
                        "{} {} [{}, {}]",
                        p.name,
                        show(p.estimate),
                        show(low),
                        show(high)
                    ),
                    _ => format!("{} {} [no interval]", p.name, show(p.estimate)),
                }
            })
            .collect();
        let marker = if sample.best == Some(fit.family) {
            "*"
        } else {
            " "
        };
        out.push_str(&format!(
            "    {marker} {:<12} {:<58} {:>10.2} {:>10.2} {:>6.3}\n",
            fit.family.name(),
            parameters.join(", "),
            fit.log_likelihood,
            fit.aic,
            fit.ks
        ));
        if let Some(note) = &fit.note {
            out.push_str(&format!("        ({note})\n"));
        }
    }
    for note in &sample.notes {
        out.push_str(&format!("    note: {note}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::duration::parse_duration;

    #[test]
    fn duration_strings_round_trip_through_the_scenario_parser() {
        for seconds in [
            0.0015,
            1.0,
            59.9,
            60.0,
            3599.0,
            86_400.5,
            1.234_567e7,
            9.9e10,
        ] {
            let text = duration_string(seconds);
            let ticks = parse_duration(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let back = ticks as f64 / 1e6;
            assert!(
                (back - seconds).abs() <= 1e-6 * seconds + 1e-6,
                "{seconds} -> {text} -> {back}"
            );
        }
        assert_eq!(duration_string(86_400.5), "1.000006d");
        assert_eq!(duration_string(1800.0), "30m");
        assert_eq!(duration_string(1e20), "1157407.407407d");
    }

    #[test]
    fn short_forms() {
        assert_eq!(short_duration(90.0), "1.50m");
        assert_eq!(short_duration(86_400.0 * 66.3), "66.3d");
        assert_eq!(short_number(0.8234), "0.823");
    }
}
