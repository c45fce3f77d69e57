//! `sim plan FILE --precision R`: how many trials a target needs, and so how many shards of
//! a given size, estimated from a short pilot (docs/scale.md).

use std::path::PathBuf;
use std::time::Instant;

use super::{emit, CliError, SimOptions};
use crate::engine::Plan;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The scenario file.
    pub file: PathBuf,
    #[command(flatten)]
    pub options: SimOptions,
    /// Trials in the pilot.
    #[arg(long, default_value_t = 10_240, value_parser = clap::value_parser!(u64).range(256..=100_000_000))]
    pub pilot: u64,
    /// Trials per shard, to say how many shards the target needs.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub shard_trials: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(args: &PlanArgs) -> Result<(), CliError> {
    let Some(target) = args.options.precision else {
        return Err(CliError::Input(
            "sim plan needs --precision R: the relative half-width to plan for".to_string(),
        ));
    };
    // The pilot's own bounds are --pilot; --max-trials and --time-limit bound real runs.
    let options = SimOptions {
        precision: None,
        max_trials: None,
        time_limit: None,
        ..args.options.clone()
    };
    let mut scenario = options.load(&args.file)?;
    scenario.simulation.trials = args.pilot;
    let plan = Plan::new(&scenario);
    let started = Instant::now();
    let (accumulator, threads) = options.install(|| {
        (
            crate::montecarlo::run(&plan, args.pilot, &|_| {}),
            rayon::current_num_threads(),
        )
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let reached = accumulator.relative_half_width();
    let needed = if reached.is_finite() {
        Some(
            (args.pilot as f64 * (reached / target).powi(2))
                .ceil()
                .max(1.0) as u64,
        )
    } else {
        None
    };
    let per_trial = seconds / args.pilot as f64;
    let shards = needed.map(|n| n.div_ceil(args.shard_trials).max(1));
    let value = serde_json::json!({
        "scenario": scenario.name,
        "precision_target": target,
        "pilot_trials": args.pilot,
        "pilot_precision": reached.is_finite().then_some(reached),
        "trials_needed": needed,
        "shard_trials": args.shard_trials,
        "shards_needed": shards,
        "seconds_per_trial_here": per_trial,
        "pilot_trials_with_downtime": accumulator.trials_with_downtime,
        "cpu_hours_needed": needed.map(|n| n as f64 * per_trial * threads as f64 / 3600.0),
    });
    if args.json {
        emit(&(serde_json::to_string_pretty(&value).expect("serializes") + "\n"));
        return Ok(());
    }
    let limits = crate::precision::DEFAULT_MAX_TRIALS;
    let text = match needed {
        Some(n) if n > limits || shards.is_some_and(|s| s > 1_000_000) => format!(
            "{}: a pilot of {} trials reached +/-{:.3}%; +/-{}% would need about {n} trials, \
             beyond what one run takes (--trials at most {limits}, at most 1,000,000 shards): \
             loosen the target, or use sim run --precision, which accelerates rare \
             coincidences by importance sampling (docs/precision.md).\n",
            scenario.name,
            args.pilot,
            reached * 100.0,
            short(target * 100.0),
        ),
        Some(n) => format!(
            "{}: a pilot of {} trials reached +/-{:.2}%; +/-{}% needs about {n} trials \
             (n x (reached / target)^2), {} shard(s) of {} trials; about {:.1} us per trial here \
             ({:.2} CPU-hours in all).{}\nRun: sim run {} --trials {n} (or --shard K/{} --output \
             part-K.json on each machine, then sim merge). For designs whose downtime comes \
             from rare coincidences, sim run --precision accelerates with importance sampling \
             instead (docs/precision.md).\n",
            scenario.name,
            args.pilot,
            reached * 100.0,
            short(target * 100.0),
            shards.unwrap_or(1),
            args.shard_trials,
            per_trial * 1e6,
            n as f64 * per_trial * threads as f64 / 3600.0,
            if accumulator.trials_with_downtime < 30 {
                format!(
                    " The pilot saw downtime in only {} trials: the projection is unreliable \
                     (most likely too low); use a larger --pilot.",
                    accumulator.trials_with_downtime
                )
            } else {
                String::new()
            },
            args.file.display(),
            shards.unwrap_or(1),
        ),
        None => format!(
            "{}: a pilot of {} trials saw no downtime, so nothing can be projected. Try a larger \
             --pilot, or sim run --precision {target}, which accelerates rare coincidences by \
             importance sampling (docs/precision.md).\n",
            scenario.name, args.pilot
        ),
    };
    emit(&text);
    Ok(())
}

/// A percentage without float noise: 1e-5 -> "0.00001", 5 -> "5".
fn short(value: f64) -> String {
    let text = format!("{value:.8}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
