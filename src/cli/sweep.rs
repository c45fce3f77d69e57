//! `sim sweep`: variants of one scenario over a parameter (`--set PATH=V1,V2,...`), or every
//! numeric parameter scaled down and up by a factor (`--tornado`), all on common random
//! numbers.

use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use super::compare::run_paired;
use super::emit;
use super::{write_file, CliError, Format, OutputOptions, SimOptions};
use crate::compare::Comparison;
use crate::report::charts;
use crate::report::table::percent;
use crate::scenario::{self, Scenario};
use crate::sweep::{numeric_parameters, parse_set, scaled, set};

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// PATH=V1,V2,...: a JSON path into the scenario and the values to try, e.g.
    /// components.api.replicas=2,3,4 or components.dns.dns.ttl=60s,300s,3600s.
    #[arg(long, required_unless_present = "tornado", conflicts_with = "tornado")]
    pub set: Option<String>,
    /// Vary every numeric parameter (durations and rates) by --factor down and up, and rank
    /// them by their effect on downtime.
    #[arg(long)]
    pub tornado: bool,
    /// The tornado's variation: each parameter is divided and multiplied by it.
    #[arg(long, default_value_t = 2.0)]
    pub factor: f64,
    #[command(flatten)]
    pub options: SimOptions,
    #[command(flatten)]
    pub out: OutputOptions,
    /// Also write the chart (SVG) to this file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

/// One variant's result.
#[derive(Debug, Clone, Serialize)]
struct Point {
    label: String,
    availability: f64,
    availability_ci95: [f64; 2],
    downtime_minutes_per_year: f64,
    downtime_ci95: [f64; 2],
    /// Against the first variant, from paired trials.
    downtime_change: f64,
    downtime_change_ci95: [f64; 2],
    /// With uncertain parameters (written only then): the downtime's percentiles across
    /// parameter sets and the share of sets meeting each tier.
    #[serde(skip_serializing_if = "Option::is_none")]
    uncertainty: Option<SweepUncertainty>,
}

#[derive(Debug, Clone, Serialize)]
struct SweepUncertainty {
    downtime_minutes_per_year: crate::uncertainty::Percentiles,
    tier_probability: indexmap::IndexMap<String, f64>,
    /// Against the first variant: the share of parameter sets in which this one loses less.
    #[serde(skip_serializing_if = "Option::is_none")]
    better_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
struct TornadoRow {
    parameter: String,
    low_value: Value,
    high_value: Value,
    downtime_at_low: f64,
    downtime_at_high: f64,
    /// |high - low| in minutes per year.
    effect: f64,
    /// Its standard error, bounded above by the sum of the two paired standard errors
    /// (each variant against the baseline on the same trials).
    effect_std_error: f64,
    /// Whether the effect exceeds 1.96 standard errors (else it may be noise).
    significant: bool,
}

fn variant(
    document: &Value,
    path: &str,
    value: Value,
    file: &str,
    label: &str,
    options: &SimOptions,
) -> Result<Scenario, CliError> {
    if path == "simulation" || path.starts_with("simulation.") {
        return Err(CliError::Input(format!(
            "{file}: {path} cannot be swept: variants share the seed, trial count and horizon so that their trials pair up (use --seed and --trials)"
        )));
    }
    let mut copy = document.clone();
    set(&mut copy, path, value).map_err(|e| CliError::Input(format!("{file}: {e}")))?;
    let variant_name = format!("{file} with {path}={label}");
    let mut scenario =
        scenario::load_str(&copy.to_string(), &variant_name).map_err(|mut error| {
            // Positions in the re-serialised variant are not positions in the user's file.
            if let crate::scenario::ScenarioError::Invalid { location, .. } = &mut error {
                location.line_column = None;
            }
            error
        })?;
    options.apply(&mut scenario);
    Ok(scenario)
}

fn points(comparison: &Comparison, labels: &[String]) -> Vec<Point> {
    comparison
        .reports
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (report, label))| {
            let change = i
                .checked_sub(1)
                .map(|j| &comparison.differences[j].downtime_minutes_per_year);
            Point {
                label: label.clone(),
                availability: report.availability.mean,
                availability_ci95: report.availability.ci95,
                downtime_minutes_per_year: report.downtime_minutes_per_year.mean,
                downtime_ci95: report.downtime_minutes_per_year.ci95,
                downtime_change: change.map_or(0.0, |c| c.mean),
                downtime_change_ci95: change.map_or([0.0, 0.0], |c| c.ci95),
                uncertainty: report.uncertainty.as_ref().map(|u| SweepUncertainty {
                    downtime_minutes_per_year: u.downtime_minutes_per_year,
                    tier_probability: u.tier_probability.clone(),
                    better_share: i
                        .checked_sub(1)
                        .and_then(|j| comparison.differences[j].uncertainty.as_ref())
                        .map(|d| d.better_share),
                }),
            }
        })
        .collect()
}

pub fn execute(args: &SweepArgs) -> Result<(), CliError> {
    let file = args.file.display().to_string();
    // Loading the file first gives its own errors (with JSON paths) before any variant's.
    let base = args.options.load(&args.file)?;
    let text = crate::scenario::read_scenario(&args.file)?;
    let document: Value =
        serde_json::from_str(&text).map_err(|e| CliError::Input(format!("{file}: {e}")))?;
    if args.tornado {
        return tornado(args, &file, base, &document);
    }
    let argument = parse_set(args.set.as_deref().unwrap_or_default())
        .map_err(|e| CliError::Input(format!("--set {e}")))?;
    let scenarios = argument
        .values
        .iter()
        .zip(&argument.labels)
        .map(|(value, label)| {
            variant(
                &document,
                &argument.path,
                value.clone(),
                &file,
                label,
                &args.options,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let scenarios = align(scenarios, &base);
    let comparison = run_paired(&scenarios, &args.options)?;
    let points = points(&comparison, &argument.labels);
    let json = serde_json::json!({ "scenario": base.name, "parameter": argument.path, "seed": comparison.seed, "trials": comparison.trials, "points": points });
    let json = format!(
        "{}\n",
        serde_json::to_string_pretty(&json).expect("serializes")
    );
    args.out.save(&json)?;
    if let Some(path) = &args.svg {
        let chart_points: Vec<(String, f64, [f64; 2])> = points
            .iter()
            .map(|p| {
                (
                    p.label.clone(),
                    p.downtime_minutes_per_year,
                    p.downtime_ci95,
                )
            })
            .collect();
        let title = format!("{}: downtime per year against {}", base.name, argument.path);
        write_file(
            path,
            charts::sweep_chart(&title, &argument.path, &chart_points).as_bytes(),
        )?;
    }
    let out = match args.out.format {
        Format::Json => json,
        Format::Table | Format::Markdown => {
            let rows: Vec<[String; 4]> = points
                .iter()
                .map(|p| {
                    [
                        p.label.clone(),
                        format!(
                            "{} ({} to {})",
                            percent(p.availability),
                            percent(p.availability_ci95[0]),
                            percent(p.availability_ci95[1])
                        ),
                        format!(
                            "{:.2} ({:.2} to {:.2}){}",
                            p.downtime_minutes_per_year,
                            p.downtime_ci95[0],
                            p.downtime_ci95[1],
                            p.uncertainty.as_ref().map_or(String::new(), |u| {
                                let d = &u.downtime_minutes_per_year;
                                format!(
                                    "; parameters p05 {:.2}, p50 {:.2}, p95 {:.2}",
                                    d.p05, d.p50, d.p95
                                )
                            })
                        ),
                        format!(
                            "{:+.2} ({:+.2} to {:+.2})",
                            p.downtime_change, p.downtime_change_ci95[0], p.downtime_change_ci95[1]
                        ),
                    ]
                })
                .collect();
            let header = [
                argument.path.clone(),
                "availability (95% CI)".into(),
                "downtime min/yr (95% CI)".into(),
                "vs first (paired 95% CI)".into(),
            ];
            format!(
                "{}\n{} trials per value, seed {}, common random numbers.\n",
                table(args.out.format == Format::Markdown, &header, &rows),
                comparison.trials,
                comparison.seed
            )
        }
    };
    emit(&out);
    Ok(())
}

/// Every variant runs with the base's seed and trial count, so the trials pair up.
fn align(mut scenarios: Vec<Scenario>, base: &Scenario) -> Vec<Scenario> {
    for scenario in &mut scenarios {
        scenario.simulation.seed = base.simulation.seed;
        scenario.simulation.trials = base.simulation.trials;
    }
    scenarios
}

/// A four-column table, aligned for a terminal or as Markdown.
fn table(markdown: bool, header: &[String; 4], rows: &[[String; 4]]) -> String {
    let width = rows
        .iter()
        .chain([header])
        .map(|r| r[0].len())
        .max()
        .unwrap_or(0);
    let line = |cells: &[String; 4]| {
        if markdown {
            format!("| {} |\n", cells.join(" | "))
        } else {
            format!(
                "{:<width$}  {:<40} {:<30} {}\n",
                cells[0], cells[1], cells[2], cells[3]
            )
        }
    };
    let mut out = line(header);
    if markdown {
        out.push_str("| --- | --- | --- | --- |\n");
    }
    for row in rows {
        out.push_str(&line(row));
    }
    if markdown {
        // Labels come from the input: no raw HTML where the markdown is rendered.
        return crate::text::markdown(&out);
    }
    out
}

fn tornado(args: &SweepArgs, file: &str, base: Scenario, document: &Value) -> Result<(), CliError> {
    if !(args.factor > 1.0 && args.factor.is_finite()) {
        return Err(CliError::Input(format!(
            "--factor {}: expected a number above 1",
            args.factor
        )));
    }
    let mut scenarios = vec![base.clone()];
    let mut parameters = Vec::new();
    for (path, value) in numeric_parameters(document) {
        let (Some(low), Some(high)) = (
            scaled(&value, 1.0 / args.factor),
            scaled(&value, args.factor),
        ) else {
            continue;
        };
        let low_scenario = variant(document, &path, low.clone(), file, "low", &args.options);
        let high_scenario = variant(document, &path, high.clone(), file, "high", &args.options);
        match (low_scenario, high_scenario) {
            (Ok(l), Ok(h)) => {
                scenarios.push(l);
                scenarios.push(h);
                parameters.push((path, low, high));
            }
            // Scaling can leave the valid range (a fraction above 1): say so and go on.
            (Err(e), _) | (_, Err(e)) => super::note(&format!("skipped {path}: {e}")),
        }
    }
    let scenarios = align(scenarios, &base);
    let comparison = run_paired(&scenarios, &args.options)?;
    let baseline = comparison.reports[0].downtime_minutes_per_year.mean;
    let mut rows: Vec<TornadoRow> = parameters
        .into_iter()
        .enumerate()
        .map(|(i, (parameter, low_value, high_value))| {
            let low = comparison.reports[1 + 2 * i].downtime_minutes_per_year.mean;
            let high = comparison.reports[2 + 2 * i].downtime_minutes_per_year.mean;
            let se = comparison.differences[2 * i]
                .downtime_minutes_per_year
                .std_error
                + comparison.differences[2 * i + 1]
                    .downtime_minutes_per_year
                    .std_error;
            let effect = (high - low).abs();
            TornadoRow {
                parameter,
                low_value,
                high_value,
                downtime_at_low: low,
                downtime_at_high: high,
                effect,
                effect_std_error: se,
                significant: effect > crate::stats::Z95 * se,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.effect
            .total_cmp(&a.effect)
            .then_with(|| a.parameter.cmp(&b.parameter))
    });
    let json = serde_json::json!({ "scenario": base.name, "factor": args.factor, "baseline_downtime_minutes_per_year": baseline, "seed": comparison.seed, "trials": comparison.trials, "parameters": rows });
    let json = format!(
        "{}\n",
        serde_json::to_string_pretty(&json).expect("serializes")
    );
    args.out.save(&json)?;
    if let Some(path) = &args.svg {
        let chart_rows: Vec<(String, f64, f64)> = rows
            .iter()
            .take(15)
            .map(|r| (r.parameter.clone(), r.downtime_at_low, r.downtime_at_high))
            .collect();
        let title = format!(
            "{}: what moves downtime (each parameter / and x {})",
            base.name, args.factor
        );
        write_file(
            path,
            charts::tornado_chart(&title, baseline, &chart_rows, args.factor).as_bytes(),
        )?;
    }
    if args.out.format == Format::Json {
        emit(&json);
        return Ok(());
    }
    let table_rows: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.parameter.clone(),
                format!("{:.2} ({})", r.downtime_at_low, r.low_value),
                format!("{:.2} ({})", r.downtime_at_high, r.high_value),
                format!(
                    "{:.2} +/- {:.2}{}",
                    r.effect,
                    r.effect_std_error,
                    if r.significant { "" } else { " (noise?)" }
                ),
            ]
        })
        .collect();
    let header = [
        "parameter".to_string(),
        format!("downtime at / {}", args.factor),
        format!("downtime at x {}", args.factor),
        "effect min/yr (+/- 1 s.e.)".to_string(),
    ];
    let out = format!(
        "{}\nbaseline {baseline:.2} min/yr; {} trials per variant, seed {}, common random numbers.\n",
        table(args.out.format == Format::Markdown, &header, &table_rows),
        comparison.trials,
        comparison.seed
    );
    emit(&out);
    Ok(())
}
