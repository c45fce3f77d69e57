//! Reading an incident history: the CSV, its header, its rows and the observation window,
//! checked, into groups of non-overlapping incidents. Every error names the file and the
//! 1-based physical line (the header is line 1); with `skip_bad_rows` a bad incident row is
//! set aside and listed instead. File-level problems (the header, the window) are never
//! skipped: nothing after them could be trusted.

use std::collections::BTreeMap;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{shown, FitError};

/// The group name used when the file has no `component` column (or leaves it empty).
pub const DEFAULT_COMPONENT: &str = "service";
/// The failure-mode name used when the file has no `mode` column (or leaves it empty).
pub const DEFAULT_MODE: &str = "incident";

/// What the command line adds to the file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// `--observed-from`, as typed.
    pub observed_from: Option<String>,
    /// `--observed-to`, as typed.
    pub observed_to: Option<String>,
    pub skip_bad_rows: bool,
}

/// A point in time: nanoseconds since the Unix epoch (exact, so comparisons never round).
pub type Instant = i128;

/// One incident row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub line: u64,
    pub start: Instant,
    /// None: still open at the end of the window (its repair is censored there).
    pub end: Option<Instant>,
}

/// The incidents of one (component, mode), sorted by start, none overlapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub component: String,
    pub mode: String,
    pub incidents: Vec<Incident>,
}

/// Where one end of the observation window came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The `observed_from` / `observed_to` column of the first data row.
    File,
    /// `--observed-from` / `--observed-to`.
    Option,
    /// Neither: the first start or the last end in the file, so nothing is censored there.
    Incidents,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Instant,
    pub to: Instant,
    pub from_source: Source,
    pub to_source: Source,
}

/// A row set aside under `--skip-bad-rows`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub line: u64,
    pub reason: String,
}

/// A checked incident history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub file: String,
    pub window: Window,
    /// Sorted by (component, mode). Without incidents (and with a window): one empty group.
    pub groups: Vec<Group>,
    /// Incident rows kept.
    pub incidents: usize,
    /// In line order.
    pub skipped: Vec<Skipped>,
}

/// The columns this reader knows; any other column is ignored.
const START: &str = "start";
const END: &str = "end";
const COMPONENT: &str = "component";
const MODE: &str = "mode";
const OBSERVED_FROM: &str = "observed_from";
const OBSERVED_TO: &str = "observed_to";

struct Columns {
    count: usize,
    start: usize,
    end: usize,
    component: Option<usize>,
    mode: Option<usize>,
    observed_from: Option<usize>,
    observed_to: Option<usize>,
}

/// A row parsed but not yet checked against the window and its group.
struct Row {
    line: u64,
    component: String,
    mode: String,
    start: Instant,
    end: Option<Instant>,
}

/// Reads and checks a history.
pub fn read(bytes: &[u8], file: &str, options: &ReadOptions) -> Result<History, FitError> {
    let row_error = |line: u64, message: String| FitError::Row {
        file: file.to_string(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // Field counts are checked here, so that a short row is a bad row with a line
        // number that --skip-bad-rows can skip, not a reader failure.
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(FitError::File {
                file: file.to_string(),
                message: "the file is empty: expected a header row naming at least the start \
                          and end columns (docs/fit.md)"
                    .to_string(),
            })
        }
        Some(Err(error)) => return Err(row_error(1, csv_message(&error))),
        Some(Ok(record)) => record,
    };
    let header_line = header.position().map_or(1, |p| p.line());
    let columns = columns(&header).map_err(|message| row_error(header_line, message))?;

    let mut bad: Vec<Skipped> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut file_from: Option<(Instant, u64)> = None;
    let mut file_to: Option<(Instant, u64)> = None;
    let mut first_data_line: Option<u64> = None;
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                bad.push(Skipped {
                    line,
                    reason: csv_message(&error),
                });
                if !options.skip_bad_rows {
                    break;
                }
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        // Spreadsheets pad exports with rows of empty cells; they carry nothing.
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let first = first_data_line.is_none();
        first_data_line.get_or_insert(line);
        match parse_row(&record, &columns, line, first) {
            Ok((row, from, to)) => {
                // The window is read even from a first row whose incident is bad: it is
                // a property of the file, not of that incident.
                if first {
                    file_from = from.map(|t| (t, line));
                    file_to = to.map(|t| (t, line));
                }
                match row {
                    Ok(row) => rows.push(row),
                    Err(reason) => bad.push(Skipped { line, reason }),
                }
            }
            Err(error) => return Err(row_error(line, error)),
        }
        if !options.skip_bad_rows && !bad.is_empty() {
            break;
        }
    }
    if !options.skip_bad_rows {
        if let Some(first) = bad.first() {
            return Err(row_error(first.line, first.reason.clone()));
        }
    }

    let window = window(file, options, file_from, file_to, &mut rows, &mut bad)?;
    let mut groups: BTreeMap<(String, String), Vec<Incident>> = BTreeMap::new();
    for row in rows {
        let covered = row.start >= window.from
            && match row.end {
                Some(end) => end <= window.to,
                None => row.start < window.to,
            };
        if !covered {
            bad.push(Skipped {
                line: row.line,
                reason: format!(
                    "the incident ({} to {}) is not inside the observation window ({} to {})",
                    format_instant(row.start),
                    row.end.map_or("still open".to_string(), format_instant),
                    format_instant(window.from),
                    format_instant(window.to),
                ),
            });
            continue;
        }
        groups
            .entry((row.component, row.mode))
            .or_default()
            .push(Incident {
                line: row.line,
                start: row.start,
                end: row.end,
            });
    }
    let mut checked = Vec::new();
    for ((component, mode), mut incidents) in groups {
        incidents.sort_by_key(|incident| (incident.start, incident.line));
        let mut kept: Vec<Incident> = Vec::new();
        for incident in incidents {
            if let Some(previous) = kept.last() {
                let previous_end = previous.end.unwrap_or(Instant::MAX);
                if incident.start < previous_end {
                    bad.push(Skipped {
                        line: incident.line,
                        reason: format!(
                            "the incident starting {} overlaps the one on line {} ({} to {}) \
                             in the same group {}/{}: one group's incidents must not overlap \
                             (merge them, or give them different modes)",
                            format_instant(incident.start),
                            previous.line,
                            format_instant(previous.start),
                            previous
                                .end
                                .map_or("still open".to_string(), format_instant),
                            shown(&component),
                            shown(&mode),
                        ),
                    });
                    continue;
                }
            }
            kept.push(incident);
        }
        checked.push(Group {
            component,
            mode,
            incidents: kept,
        });
    }
    bad.sort_by_key(|skipped| skipped.line);
    if !options.skip_bad_rows {
        if let Some(first) = bad.first() {
            let more = if bad.len() > 1 {
                format!(
                    " ({} more bad row(s); --skip-bad-rows sets them aside)",
                    bad.len() - 1
                )
            } else {
                String::new()
            };
            return Err(row_error(first.line, format!("{}{more}", first.reason)));
        }
    }
    let incidents = checked.iter().map(|g| g.incidents.len()).sum();
    if checked.is_empty() {
        // No incident in a known window: the no-failure case, one group for the whole file.
        checked.push(Group {
            component: DEFAULT_COMPONENT.to_string(),
            mode: DEFAULT_MODE.to_string(),
            incidents: Vec::new(),
        });
    }
    Ok(History {
        file: file.to_string(),
        window,
        groups: checked,
        incidents,
        skipped: bad,
    })
}

fn columns(header: &csv::StringRecord) -> Result<Columns, String> {
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for (index, name) in header.iter().enumerate() {
        // Excel writes a byte-order mark before the first name; case and padding vary.
        let name = name.trim_start_matches('\u{feff}').trim().to_lowercase();
        if name.is_empty() {
            continue;
        }
        if let Some(previous) = found.insert(name.clone(), index) {
            return Err(format!(
                "the header names column {} twice (fields {} and {})",
                shown(&name),
                previous + 1,
                index + 1
            ));
        }
    }
    let required = |name: &str| {
        found.get(name).copied().ok_or_else(|| {
            format!(
                "the header has no {name:?} column (it has {}); start and end are required",
                found
                    .keys()
                    .take(12)
                    .map(|k| shown(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    };
    Ok(Columns {
        count: header.len(),
        start: required(START)?,
        end: required(END)?,
        component: found.get(COMPONENT).copied(),
        mode: found.get(MODE).copied(),
        observed_from: found.get(OBSERVED_FROM).copied(),
        observed_to: found.get(OBSERVED_TO).copied(),
    })
}

type ParsedRow = (Result<Row, String>, Option<Instant>, Option<Instant>);

/// Parses one data row: the incident (or why it is bad) and, on the first data row, the
/// window columns. An outer Err is a bad window value, which is never skipped.
fn parse_row(
    record: &csv::StringRecord,
    columns: &Columns,
    line: u64,
    first: bool,
) -> Result<ParsedRow, String> {
    let cell = |index: Option<usize>| index.and_then(|i| record.get(i)).unwrap_or("").trim();
    let mut window = [None, None];
    for (slot, (index, name)) in [
        (columns.observed_from, OBSERVED_FROM),
        (columns.observed_to, OBSERVED_TO),
    ]
    .into_iter()
    .enumerate()
    {
        let text = cell(index);
        if text.is_empty() {
            continue;
        }
        if !first {
            return Ok((
                Err(format!(
                    "{name} is read only on the first data row; leave it empty here (found {})",
                    shown(text)
                )),
                None,
                None,
            ));
        }
        window[slot] = Some(parse_instant(text).ok_or_else(|| time_message(name, text))?);
    }
    let [from, to] = window;
    if record.len() != columns.count {
        return Ok((
            Err(format!(
                "the row has {} field(s) but the header has {}",
                record.len(),
                columns.count
            )),
            from,
            to,
        ));
    }
    Ok((incident(record, columns, line), from, to))
}

fn incident(record: &csv::StringRecord, columns: &Columns, line: u64) -> Result<Row, String> {
    let cell = |index: usize| record.get(index).unwrap_or("").trim();
    let start_text = cell(columns.start);
    let start = parse_instant(start_text).ok_or_else(|| time_message(START, start_text))?;
    let end_text = cell(columns.end);
    let end = if end_text.is_empty() {
        None
    } else {
        let end = parse_instant(end_text).ok_or_else(|| time_message(END, end_text))?;
        if end < start {
            return Err(format!(
                "end {} is before start {}",
                shown(end_text),
                shown(start_text)
            ));
        }
        Some(end)
    };
    let name = |index: Option<usize>, default: &str| {
        let text = index.map_or("", cell);
        if text.is_empty() {
            default.to_string()
        } else {
            text.to_string()
        }
    };
    Ok(Row {
        line,
        component: name(columns.component, DEFAULT_COMPONENT),
        mode: name(columns.mode, DEFAULT_MODE),
        start,
        end,
    })
}

/// Resolves the window: the file's and the options' values must agree where both are
/// given; a side given by neither is the first start or the last end.
fn window(
    file: &str,
    options: &ReadOptions,
    file_from: Option<(Instant, u64)>,
    file_to: Option<(Instant, u64)>,
    rows: &mut Vec<Row>,
    bad: &mut Vec<Skipped>,
) -> Result<Window, FitError> {
    let option =
        |value: &Option<String>, flag: &'static str| -> Result<Option<Instant>, FitError> {
            value
                .as_deref()
                .map(|text| {
                    parse_instant(text).ok_or_else(|| FitError::Option {
                        option: flag,
                        message: time_message("the value", text),
                    })
                })
                .transpose()
        };
    let from_option = option(&options.observed_from, "--observed-from")?;
    let to_option = option(&options.observed_to, "--observed-to")?;
    let resolve = |in_file: Option<(Instant, u64)>,
                   given: Option<Instant>,
                   name: &str,
                   flag: &str|
     -> Result<Option<(Instant, Source)>, FitError> {
        match (in_file, given) {
            (Some((a, line)), Some(b)) if a != b => Err(FitError::Row {
                file: file.to_string(),
                line,
                message: format!(
                    "{name} {} differs from {flag} {}; give the window once",
                    format_instant(a),
                    format_instant(b)
                ),
            }),
            (Some((a, _)), _) => Ok(Some((a, Source::File))),
            (None, Some(b)) => Ok(Some((b, Source::Option))),
            (None, None) => Ok(None),
        }
    };
    let from = resolve(file_from, from_option, OBSERVED_FROM, "--observed-from")?;
    let to = resolve(file_to, to_option, OBSERVED_TO, "--observed-to")?;
    if to.is_none() {
        // An open incident has no end to take as the window's; it needs observed_to.
        rows.retain(|row| {
            if row.end.is_none() {
                bad.push(Skipped {
                    line: row.line,
                    reason: "the incident is still open (no end) but there is no observed_to \
                             (column or --observed-to) to censor its repair at"
                        .to_string(),
                });
            }
            row.end.is_some()
        });
        if !options.skip_bad_rows {
            if let Some(first) = bad.first() {
                return Err(FitError::Row {
                    file: file.to_string(),
                    line: first.line,
                    message: first.reason.clone(),
                });
            }
        }
    }
    if rows.is_empty() && (from.is_none() || to.is_none()) {
        return Err(FitError::File {
            file: file.to_string(),
            message: "no incidents, and no complete observation window: give both \
                      observed_from and observed_to (columns on the first row, or \
                      --observed-from and --observed-to) to bound the time without failure"
                .to_string(),
        });
    }
    let (from, from_source) = from.unwrap_or_else(|| {
        (
            rows.iter().map(|r| r.start).min().expect("rows"),
            Source::Incidents,
        )
    });
    let (to, to_source) = to.unwrap_or_else(|| {
        let last = rows
            .iter()
            .filter_map(|r| r.end)
            .max()
            .expect("closed rows");
        (last, Source::Incidents)
    });
    if to <= from {
        let message = format!(
            "observed_to {} must be after observed_from {}",
            format_instant(to),
            format_instant(from)
        );
        return Err(match (file_from.or(file_to), from_source, to_source) {
            (Some((_, line)), Source::File, _) | (Some((_, line)), _, Source::File) => {
                FitError::Row {
                    file: file.to_string(),
                    line,
                    message,
                }
            }
            _ => FitError::File {
                file: file.to_string(),
                message,
            },
        });
    }
    Ok(Window {
        from,
        to,
        from_source,
        to_source,
    })
}

/// Parses an RFC 3339 time ("2025-03-04T10:15:00Z", "2025-03-04T12:15:00.5+02:00"). A space
/// in place of the `T` is accepted too, as RFC 3339 §5.6 allows and SQL exports write.
pub fn parse_instant(text: &str) -> Option<Instant> {
    let text = text.trim();
    let spaced;
    let text = if text.len() > 10 && text.as_bytes()[10] == b' ' {
        spaced = format!("{}T{}", &text[..10], &text[11..]);
        spaced.as_str()
    } else {
        text
    };
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp_nanos)
}

/// An instant as RFC 3339 in UTC.
pub fn format_instant(instant: Instant) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(instant)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{instant} ns after 1970"))
}

fn time_message(name: &str, text: &str) -> String {
    format!(
        "{name}: cannot read {} as an RFC 3339 time such as 2025-03-04T10:15:00Z or \
         2025-03-04T12:15:00+02:00",
        shown(text)
    )
}

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_string(),
        _ => format!("unreadable CSV: {}", shown(&error.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_with_offsets_and_spaces() {
        let utc = parse_instant("2025-03-04T10:15:00Z").unwrap();
        assert_eq!(parse_instant("2025-03-04T12:15:00+02:00"), Some(utc));
        assert_eq!(parse_instant("2025-03-04 10:15:00Z"), Some(utc));
        assert_eq!(
            parse_instant("2025-03-04T10:15:00.5Z"),
            Some(utc + 500_000_000)
        );
        assert_eq!(format_instant(utc), "2025-03-04T10:15:00Z");
        for bad in [
            "",
            "2025-03-04",
            "2025-02-30T00:00:00Z",
            "yesterday",
            "2025-03-04T10:15:00",
        ] {
            assert_eq!(parse_instant(bad), None, "{bad}");
        }
    }
}
