//! The command line: what the user typed (clap), resolved into a `RunConfig`, and the glue
//! that runs it and renders the result. The engine never sees clap.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::Plan;
use crate::montecarlo::{self, RunAccumulator};
use crate::output::write_atomic;
use crate::report::{self, RunReport};
use crate::scenario::{self, Scenario, ScenarioError};

#[derive(Debug, Parser)]
#[command(
    name = "sim",
    version,
    max_term_width = 100,
    about = "How available will this high-availability design be? A deterministic Monte Carlo simulator.",
    long_about = "sim simulates an architecture described in a JSON scenario file (load balancers, \
replicas, databases, zones, regions, their failure and repair distributions) over many \
independent trials and reports availability with confidence intervals, downtime per year and \
its spread, the SLA tier met, and incidents.\n\nThe same scenario, seed and trial count give \
byte-identical output whatever the number of threads.\n\nExit status: 0 success, 2 bad input \
(the message names the file and JSON path), 1 any other failure.",
    after_help = "Examples:\n  sim run scenarios/active-passive.json\n  sim run scenarios/active-passive.json --trials 100000 --format json --output result.json\n  sim validate scenarios/*.json\n\nThe scenario format is documented in docs/scenario-format.md."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and report its availability.
    Run(RunArgs),
    /// Check scenario files without simulating (exit 2 on the first invalid file's error).
    Validate {
        /// Scenario files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// Pretty-printed JSON with a stable key order.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (JSON).
    pub file: PathBuf,
    /// Number of trials (overrides simulation.trials).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub trials: Option<u64>,
    /// Master seed (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads; the result does not depend on it. Default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the JSON report to this file (atomically: a temporary file, then rename).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// No progress indication on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A run, resolved: the checked scenario with overrides applied and how to present it.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub scenario: Scenario,
    pub threads: Option<usize>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub progress: bool,
}

/// Why a command failed; decides the exit status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("cannot write {path}: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start worker threads: {0}")]
    Threads(String),
}

impl CliError {
    /// 2 for bad input, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Scenario(_) => 2,
            CliError::Output { .. } | CliError::Threads(_) => 1,
        }
    }
}

impl RunArgs {
    pub fn resolve(&self) -> Result<RunConfig, CliError> {
        let mut scenario = scenario::load_file(&self.file)?;
        if let Some(trials) = self.trials {
            scenario.simulation.trials = trials;
        }
        if let Some(seed) = self.seed {
            scenario.simulation.seed = seed;
        }
        Ok(RunConfig {
            scenario,
            threads: self.threads.map(|t| t as usize),
            format: self.format,
            output: self.output.clone(),
            progress: !self.quiet && std::io::stderr().is_terminal(),
        })
    }
}

/// Runs the simulation of a resolved configuration on a pool of `threads` threads.
pub fn simulate(config: &RunConfig) -> Result<RunReport, CliError> {
    let scenario = &config.scenario;
    let plan = Plan::new(scenario);
    let trials = scenario.simulation.trials;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        builder = builder.num_threads(threads);
    }
    let pool = builder
        .build()
        .map_err(|e| CliError::Threads(e.to_string()))?;
    let accumulator = with_progress(config.progress, trials, |progress| {
        pool.install(|| montecarlo::run(&plan, trials, progress))
    });
    Ok(RunReport::new(scenario, &plan, &accumulator))
}

/// Runs `work`, showing a progress bar on standard error if it lasts over a second.
/// Progress is display only: it reads a counter and cannot change the result.
fn with_progress(
    enabled: bool,
    trials: u64,
    work: impl FnOnce(&(dyn Fn(u64) + Sync)) -> RunAccumulator,
) -> RunAccumulator {
    let done = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if enabled {
            scope.spawn(|| {
                let started = std::time::Instant::now();
                while started.elapsed() < Duration::from_secs(1) {
                    if finished.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                let bar = indicatif::ProgressBar::with_draw_target(
                    Some(trials),
                    indicatif::ProgressDrawTarget::stderr(),
                );
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {bar:40} {pos}/{len} trials ({percent}%)  elapsed {elapsed}, eta {eta}",
                    )
                    .expect("a valid template"),
                );
                while !finished.load(Ordering::Relaxed) {
                    bar.set_position(done.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            });
        }
        let result = work(&|n| {
            done.fetch_max(n, Ordering::Relaxed);
        });
        finished.store(true, Ordering::Relaxed);
        result
    })
}

/// Executes a parsed command line, printing results to standard output.
pub fn execute(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(args) => {
            let config = args.resolve()?;
            let report = simulate(&config)?;
            let json = report::to_json(&report);
            if let Some(path) = &config.output {
                write_atomic(path, json.as_bytes()).map_err(|source| CliError::Output {
                    path: path.display().to_string(),
                    source,
                })?;
            }
            match config.format {
                Format::Table => print!("{}", report::table::render(&report)),
                Format::Json => print!("{json}"),
            }
            Ok(())
        }
        Command::Validate { files } => {
            for file in files {
                let scenario = scenario::load_file(&file)?;
                println!(
                    "ok {}: {} components, {} units, {} zones, {} regions, entry \"{}\"",
                    file.display(),
                    scenario.components.len(),
                    scenario.unit_count(),
                    scenario.zones.len(),
                    scenario.regions.len(),
                    scenario.components[scenario.entry].name
                );
            }
            Ok(())
        }
    }
}
