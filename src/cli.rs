//! The command line: what the user typed (clap), resolved into checked scenarios and
//! options, and the glue that runs them and renders the results. The engine never sees
//! clap; each subcommand lives in its own module under `cli/`. Before a command runs,
//! `guard` refuses output paths that may not be replaced (`crate::output`); `emit` checks
//! every write to standard output; a signal turns into `CliError::Interrupted` (exit
//! 128 + the signal, `crate::interrupt`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::output::{self, write_atomic, WriteError};
use crate::scenario::{self, Scenario, ScenarioError};

mod chaos;
mod check;
mod compare;
mod fit;
mod merge;
mod plan;
mod progress;
mod report;
mod run;
mod schema;
mod shard;
mod shell;
mod sweep;
mod trace;

pub use run::{simulate, RunArgs};

#[derive(Debug, Parser)]
#[command(
    name = "sim",
    version,
    max_term_width = 100,
    about = "How available will this high-availability design be? A deterministic Monte Carlo simulator.",
    long_about = "sim simulates an architecture described in a JSON scenario file (load balancers, \
replicas, databases, zones, regions, their failure and repair distributions, and the HA \
mechanisms between a failure and full recovery) over many independent trials and reports \
availability with confidence intervals, downtime per year and its spread, the SLA tier met, \
incidents, failovers, data loss and where the downtime comes from.\n\nThe same scenario, seed \
and trial count give byte-identical output whatever the number of threads.\n\nExit status: 0 \
success, 1 a check failed (sim check) or another failure, 2 bad input (the message names the \
file and JSON path, or the output path that may not be replaced), 130 interrupted by Ctrl-C, \
143 by SIGTERM.",
    after_help = "Examples:\n  sim run scenarios/active-passive.json\n  sim run scenarios/active-passive.json --format json --output baseline.json\n  sim compare scenarios/pitfall-single-lb.json scenarios/remedy-redundant-lb.json --format markdown\n  sim check scenarios/active-passive.json --baseline baseline.json --junit check.xml\n  sim sweep scenarios/active-passive.json --set components.api.replicas=2,3,4\n  sim report scenarios/*.json -o reports\n  sim trace scenarios/active-passive.json --trial 17 --svg trial-17.svg\n  sim chaos scenarios/active-passive.json --junit chaos.xml\n\nThe scenario format is documented in docs/scenario-format.md and docs/model.md."
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
    /// Compare scenarios on common random numbers, with paired confidence intervals.
    Compare(compare::CompareArgs),
    /// The CI gate: hold a run to the scenario's SLOs and/or a baseline report.
    Check(check::CheckArgs),
    /// Run variants of a scenario over a parameter, or rank every parameter (--tornado).
    Sweep(sweep::SweepArgs),
    /// Write SVG charts, index.html and summary.md for scenarios.
    Report(report::ReportArgs),
    /// Replay one trial: its event log (JSON lines) and timeline SVG.
    Trace(trace::TraceArgs),
    /// Combine the partial results of `sim run|compare|check --shard K/N` into the report
    /// (exactly the bytes of the unsharded run) or the check's verdict.
    Merge(merge::MergeArgs),
    /// Estimate from a short pilot how many trials (and shards) a precision needs.
    Plan(plan::PlanArgs),
    /// Rehearse the scenario's chaos experiments against the model: the expected impact as
    /// a distribution, held to each experiment's expectations (exit 1 when one fails).
    Chaos(chaos::ChaosArgs),
    /// Fit failure and repair distributions to an incident history (CSV) and print
    /// paste-ready scenario JSON (docs/fit.md).
    Fit(fit::FitArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: shell::Shell,
    },
    /// Print the man page (roff): `sim man > sim.1`.
    Man,
    /// Print the JSON Schema (draft 2020-12) of the scenario format, for editors:
    /// `sim schema > scenario.schema.json` (README, "Editor setup").
    Schema(schema::SchemaArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// Pretty-printed JSON with a stable key order.
    Json,
    /// Markdown for a pull request or design document.
    Markdown,
}

/// Where and how a command's results go.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputOptions {
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the results as JSON to this file (atomically: a temporary file, then
    /// rename; a link, device or input file there is refused; `-` is standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

impl OutputOptions {
    /// Writes `json` to --output if given.
    pub fn save(&self, json: &str) -> Result<(), CliError> {
        match &self.output {
            Some(path) => write_file(path, json.as_bytes()),
            None => Ok(()),
        }
    }
}

/// Options every simulating command shares.
#[derive(Debug, Clone, clap::Args)]
pub struct SimOptions {
    /// Number of trials (overrides simulation.trials).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub trials: Option<u64>,
    /// Master seed (overrides simulation.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads; the result does not depend on it. Default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// No progress indication on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run until the 95% interval of the unavailability is within +/- R of the estimate
    /// (0.05: within 5%), ignoring the scenario's trial count.
    #[arg(long, value_name = "R", value_parser = parse_precision, conflicts_with = "trials")]
    pub precision: Option<f64>,
    /// With --precision: stop after this many trials at most.
    #[arg(long, value_name = "N", requires = "precision",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000_000_000))]
    pub max_trials: Option<u64>,
    /// With --precision: stop after this long (a duration such as 30s or 5m) at a trial
    /// boundary; the result then depends on the machine's speed, and says so.
    #[arg(long, value_name = "DURATION", requires = "precision", value_parser = parse_time_limit)]
    pub time_limit: Option<std::time::Duration>,
    /// With --precision: accelerate rare events by importance sampling (failure forcing)
    /// when a pilot shows it pays (auto), always where possible (is), or never (off).
    #[arg(
        long,
        value_name = "MODE",
        requires = "precision",
        value_enum,
        default_value_t
    )]
    pub rare_events: crate::rare_events::RareEventsMode,
    /// With uncertain parameters (`{"between": [low, high]}`): how many parameter sets to
    /// draw (Latin hypercube). The trials are split evenly over them, at least 100 each
    /// (docs/uncertainty.md).
    #[arg(long, value_name = "K", default_value_t = crate::uncertainty::DEFAULT_SAMPLES,
          value_parser = clap::value_parser!(u64).range(2..=100_000))]
    pub samples: u64,
    /// Refuse a run projected (from the distributions' means, then a 16-trial pilot) to
    /// simulate more events than this (exit 2, naming the process that explodes); 0: no
    /// limit (docs/scale.md, "Event budget").
    #[arg(long, value_name = "N", default_value_t = crate::budget::DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

/// `--precision`: a relative half-width in (0, 1).
fn parse_precision(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("expected a number in (0, 1) such as 0.05, got {text:?}"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!(
            "expected a number in (0, 1) such as 0.05, got {text}"
        ))
    }
}

/// `--time-limit`: a positive duration in the scenario format ("90s", "5m", "1h").
fn parse_time_limit(text: &str) -> Result<std::time::Duration, String> {
    let ticks = scenario::duration::parse_duration(text)?;
    if ticks == 0 {
        return Err("expected a duration longer than zero, such as 30s or 5m".to_string());
    }
    Ok(std::time::Duration::from_micros(ticks))
}

impl SimOptions {
    /// Loads a scenario and applies --trials and --seed.
    pub fn load(&self, file: &Path) -> Result<Scenario, CliError> {
        // (clap's `requires` does not hold these to --precision through `flatten`.)
        if self.precision.is_none() {
            for (given, flag) in [
                (self.max_trials.is_some(), "--max-trials"),
                (self.time_limit.is_some(), "--time-limit"),
            ] {
                if given {
                    return Err(CliError::Input(format!(
                        "{flag} bounds a run to a precision: it needs --precision R"
                    )));
                }
            }
        }
        let mut scenario = scenario::load_file(file)?;
        self.apply(&mut scenario);
        Ok(scenario)
    }

    pub fn apply(&self, scenario: &mut Scenario) {
        if let Some(trials) = self.trials {
            scenario.simulation.trials = trials;
        }
        if let Some(seed) = self.seed {
            scenario.simulation.seed = seed;
        }
    }

    /// The stopping rule under --precision, if given.
    pub fn stop_rule(&self) -> Option<crate::precision::StopRule> {
        self.precision.map(|target| crate::precision::StopRule {
            target,
            max_trials: self
                .max_trials
                .unwrap_or(crate::precision::DEFAULT_MAX_TRIALS),
            time_limit: self.time_limit,
            rare_events: self.rare_events,
        })
    }

    /// The event budget (`crate::budget`): refuses a run of `scenarios` (run together, as
    /// in a comparison) projected beyond --max-events, and prints a time estimate on
    /// standard error when the pilot projects more than ten seconds.
    pub fn guard(&self, scenarios: &[Scenario]) -> Result<(), CliError> {
        if self.max_events == 0 {
            return Ok(());
        }
        let trials_of = |scenario: &Scenario| match (self.stop_rule(), &scenario.uncertainty) {
            // Under --precision the first step must be affordable; --max-trials and
            // --time-limit bound the rest.
            (Some(_), None) => crate::precision::FIRST_STEP,
            (Some(_), Some(_)) => crate::precision::FIRST_STEP * self.samples,
            (None, None) => scenario.simulation.trials,
            (None, Some(_)) => {
                crate::uncertainty::trials_per_set(scenario.simulation.trials, self.samples)
                    * self.samples
            }
        };
        let budget = self.max_events as f64;
        // From the means first: the pilot itself could take hours on such a model.
        for scenario in scenarios {
            let trials = trials_of(scenario);
            let per_trial: f64 = crate::budget::expected_events(scenario)
                .iter()
                .map(|s| s.events_per_trial)
                .sum();
            if per_trial * trials as f64 > budget {
                return Err(CliError::Input(crate::budget::refusal(
                    scenario,
                    per_trial * trials as f64,
                    trials,
                    self.max_events,
                )));
            }
        }
        let mut seconds = 0.0;
        let mut events = 0.0;
        for scenario in scenarios {
            let trials = trials_of(scenario);
            let pilot = crate::budget::pilot(&crate::engine::Plan::new(scenario), trials);
            let projected = pilot.events_per_trial * trials as f64;
            if projected > budget {
                return Err(CliError::Input(crate::budget::refusal(
                    scenario,
                    projected,
                    trials,
                    self.max_events,
                )));
            }
            events += projected;
            seconds += pilot.seconds_per_trial * trials as f64;
        }
        let threads = self
            .threads
            .map_or_else(rayon::current_num_threads, |t| t as usize)
            .max(1) as f64;
        let seconds = seconds / threads;
        if seconds > 10.0 && !self.quiet {
            note(&format!(
                "sim: about {events:.2e} events, estimated {} on {threads} thread(s) (from a {}-trial pilot)",
                crate::sweep::readable_duration(seconds),
                crate::budget::PILOT_TRIALS
            ));
        }
        Ok(())
    }

    /// How many trials each parameter set runs (scenarios with ranges).
    pub fn inner(&self, scenario: &Scenario) -> crate::uncertainty::Inner {
        match self.stop_rule() {
            Some(rule) => crate::uncertainty::Inner::Precision(rule),
            None => crate::uncertainty::Inner::split(scenario.simulation.trials, self.samples),
        }
    }

    /// Runs a scenario with ranges over `--samples` parameter sets.
    pub fn simulate_uncertain(
        &self,
        scenario: &Scenario,
    ) -> Result<crate::uncertainty::UncertainRun, CliError> {
        let prepared = crate::uncertainty::prepare(scenario, self.samples)?;
        let inner = self.inner(scenario);
        let total = match inner {
            crate::uncertainty::Inner::Trials(n) => n * self.samples,
            // Unknown in advance: the bar counts sets' trials against one set's bound.
            crate::uncertainty::Inner::Precision(rule) => rule.max_trials,
        };
        let sets = progress::with_progress(self.progress(), total, |progress| {
            self.install(|| crate::uncertainty::run(&prepared, inner, progress))
        })?;
        Ok(crate::uncertainty::summarise(
            scenario,
            prepared.design,
            sets,
        ))
    }

    pub fn progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// Runs `work` on a pool of --threads threads.
    pub fn install<T: Send>(&self, work: impl FnOnce() -> T + Send) -> Result<T, CliError> {
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(threads) = self.threads {
            builder = builder.num_threads(threads as usize);
        }
        let pool = builder
            .build()
            .map_err(|e| CliError::Threads(e.to_string()))?;
        Ok(pool.install(work))
    }
}

/// Why a command failed; decides the exit status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// Bad input that is not a scenario file (a baseline, a --set path, an output path
    /// that may not be replaced, ...).
    #[error("{0}")]
    Input(String),
    #[error("cannot write {path}: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// `sim check` found a missed objective or a regression (already printed).
    #[error("{0}")]
    CheckFailed(String),
    /// A signal (SIGINT, SIGTERM, SIGHUP) stopped the command; nothing was written.
    #[error("interrupted by signal {0}")]
    Interrupted(i32),
}

impl CliError {
    /// 2 for bad input, 128 + the signal after an interrupt (130 SIGINT, 143 SIGTERM), 1 for
    /// everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Scenario(_) | CliError::Input(_) => 2,
            CliError::Interrupted(signal) => crate::interrupt::exit_status(*signal),
            CliError::Output { .. } | CliError::Threads(_) | CliError::CheckFailed(_) => 1,
        }
    }
}

/// `Err(Interrupted)` once a signal has arrived: asked after a run's stop hook may have
/// cut it short, so a partial result is never presented.
pub fn interruption() -> Result<(), CliError> {
    match crate::interrupt::signal() {
        Some(signal) => Err(CliError::Interrupted(signal)),
        None => Ok(()),
    }
}

/// The first failed write to standard output (other than a closed pipe).
static STDOUT_ERROR: std::sync::Mutex<Option<std::io::Error>> = std::sync::Mutex::new(None);

/// Prints to standard output, checking the write. A closed pipe (`sim trace ... | head`)
/// ends the output quietly, as with other Unix tools, and the command's own exit status
/// stands. Any other failure (a full disk: `> /dev/full`) is remembered, later output is
/// skipped, and `execute` exits 1 naming standard output once the command has finished.
/// Nothing is printed once a signal has arrived (the result may be cut short). Control
/// characters from names in the input are made visible (`text::document`): tables and
/// markdown go to terminals and CI logs.
pub fn emit(text: &str) {
    let _ = emit_bytes(crate::text::document(text).as_bytes());
}

fn emit_bytes(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    interruption()?;
    let mut failed = STDOUT_ERROR.lock().unwrap_or_else(|e| e.into_inner());
    if failed.is_none() {
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => *failed = Some(e),
        }
    }
    match failed.as_ref() {
        Some(e) => Err(CliError::Output {
            path: "standard output".to_string(),
            source: std::io::Error::new(e.kind(), e.to_string()),
        }),
        None => Ok(()),
    }
}

/// Prints a note to standard error; a failure to do so is ignored (a note is not a result,
/// and `eprintln!` would panic on a closed pipe).
pub fn note(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Writes a file atomically and safely (`crate::output`), naming it in the error; `-` is
/// standard output. A path that may not be replaced is bad input (exit 2).
pub fn write_file(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    if output::is_stdout(path) {
        return emit_bytes(contents);
    }
    write_atomic(path, contents).map_err(|error| match error {
        WriteError::Refused(reason) => CliError::Input(reason),
        WriteError::Io(source) => CliError::Output {
            path: path.display().to_string(),
            source,
        },
        WriteError::Interrupted => {
            CliError::Interrupted(crate::interrupt::signal().unwrap_or(libc::SIGINT))
        }
    })
}

/// The files a command reads, the files it writes and the folder it replaces.
fn paths(command: &Command) -> (Vec<PathBuf>, Vec<&PathBuf>, Option<&PathBuf>) {
    let one = |file: &PathBuf| vec![file.clone()];
    match command {
        Command::Run(a) => (one(&a.file), a.out.output.iter().collect(), None),
        Command::Validate { files } => (files.clone(), vec![], None),
        Command::Compare(a) => (
            a.files.clone(),
            a.out.output.iter().chain(&a.svg).collect(),
            None,
        ),
        Command::Check(a) => (
            one(&a.file).into_iter().chain(a.baseline.clone()).collect(),
            a.junit.iter().chain(&a.output).collect(),
            None,
        ),
        Command::Sweep(a) => (
            one(&a.file),
            a.out.output.iter().chain(&a.svg).collect(),
            None,
        ),
        Command::Report(a) => (a.files.clone(), vec![], Some(&a.output)),
        Command::Trace(a) => (one(&a.file), a.svg.iter().collect(), None),
        Command::Merge(a) => (
            a.parts.clone(),
            a.out.output.iter().chain(&a.junit).collect(),
            None,
        ),
        Command::Plan(a) => (one(&a.file), vec![], None),
        Command::Chaos(a) => (
            one(&a.file).into_iter().chain(a.observed.clone()).collect(),
            a.out.output.iter().chain(&a.junit).collect(),
            None,
        ),
        Command::Fit(a) => (one(&a.file), a.output.iter().collect(), None),
        Command::Schema(a) => (vec![], a.output.iter().collect(), None),
        Command::Completions { .. } | Command::Man => (vec![], vec![], None),
    }
}

/// Refuses, before anything runs, an output that may not be replaced: a link, a device or
/// folder, an input file, or a report folder with foreign files (exit 2, naming the path).
fn guard(command: &Command) -> Result<(), CliError> {
    let (inputs, outputs, folder) = paths(command);
    output::protect_inputs(&inputs);
    for path in outputs {
        output::check_target(path).map_err(CliError::Input)?;
    }
    if let Some(folder) = folder {
        output::check_folder(folder, &inputs).map_err(CliError::Input)?;
    }
    Ok(())
}

/// Executes a parsed command line, printing results to standard output.
/// Outputs are checked first (`guard`); a failed write to standard output fails the
/// command (exit 1) once it has finished, and a signal makes it `Interrupted`.
pub fn execute(cli: Cli) -> Result<(), CliError> {
    guard(&cli.command)?;
    let result = dispatch(cli);
    interruption()?;
    result?;
    match STDOUT_ERROR
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        Some(source) => Err(CliError::Output {
            path: "standard output".to_string(),
            source,
        }),
        None => Ok(()),
    }
}

fn dispatch(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(args) => run::execute(&args),
        Command::Chaos(args) => chaos::execute(&args),
        Command::Merge(args) => merge::execute(&args),
        Command::Plan(args) => plan::execute(&args),
        Command::Fit(args) => fit::execute(&args),
        Command::Completions { shell } => shell::completions(shell),
        Command::Man => shell::man(),
        Command::Schema(args) => schema::execute(&args),
        Command::Validate { files } => {
            for file in files {
                let scenario = scenario::load_file(&file)?;
                emit(&format!(
                    "ok {}: {} components, {} units, {} zones, {} regions, entry \"{}\"\n",
                    file.display(),
                    scenario.components.len(),
                    scenario.unit_count(),
                    scenario.zones.len(),
                    scenario.regions.len(),
                    scenario.components[scenario.entry].name
                ));
            }
            Ok(())
        }
        Command::Compare(args) => compare::execute(&args),
        Command::Check(args) => check::execute(&args),
        Command::Sweep(args) => sweep::execute(&args),
        Command::Report(args) => report::execute(&args),
        Command::Trace(args) => trace::execute(&args),
    }
}
