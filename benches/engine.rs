//! Throughput of the engine and the runner: events per second (one thread, so per core) and
//! trials per second (all cores), on a 20-unit multi-zone scenario and the shipped ones.
//! Run with `cargo bench`; criterion prints "thrpt" in elements per second, where an element
//! is an event (group `events`) or a trial (group `trials`).
//!
//! Group `time_to_5_percent` times `--precision 0.05` on each shipped scenario and on the
//! spec's rare-event example, `tests/scenarios/two-regions-rare.json` (the README's table).
//!
//! First, before criterion, the ratio to a floor measured in the same run: a bare event
//! loop (a binary heap of failures and repairs, one ChaCha8 stream per unit mode keyed and
//! reset per trial as the engine's are, exponential draws with the same means) over the
//! same 2-unit and 20-unit models, one thread. The ratio is engine time / floor time per
//! trial (lower is better; the engine also does everything the floor does not). To print
//! only these ratios, skipping the speedup and criterion, set `SIM_BENCH_RATIOS_ONLY`:
//! `SIM_BENCH_RATIOS_ONLY=1 cargo bench --bench engine`.

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use sim::engine::Plan;
use sim::montecarlo::{run, run_trials};
use sim::scenario::{load_file, load_str, Scenario};

const TWENTY_UNITS: &str = r#"{
  "name": "twenty-units",
  "regions": { "r": { "outage": { "ttf": "5y", "ttr": "4h" } } },
  "zones": {
    "a": { "region": "r", "outage": { "ttf": "1y", "ttr": "2h" } },
    "b": { "region": "r", "outage": { "ttf": "1y", "ttr": "2h" } },
    "c": { "region": "r", "outage": { "ttf": "1y", "ttr": "2h" } } },
  "components": {
    "lb": { "replicas": 2, "zones": ["a", "b", "c"], "depends_on": ["api"],
            "failures": [ { "name": "crash", "ttf": "20d", "ttr": { "constant": "2m" } } ] },
    "api": { "replicas": 9, "require": 6, "zones": ["a", "b", "c"], "depends_on": ["cache", "db"],
             "failures": [ { "name": "crash", "ttf": "7d", "ttr": { "constant": "30s" } },
                           { "name": "host", "ttf": { "weibull": { "shape": 1.2, "scale": "120d" } },
                             "ttr": { "lognormal": { "median": "15m", "sigma": 0.8 } } } ] },
    "cache": { "replicas": 6, "require": 4, "zones": ["a", "b", "c"],
               "failures": [ { "name": "evict", "ttf": "10d", "ttr": "5m" } ] },
    "db": { "replicas": 3, "require": 2, "zones": ["a", "b", "c"],
            "failures": [ { "name": "node", "ttf": "60d", "ttr": { "gamma": { "shape": 2, "mean": "3h" } } } ] } },
  "entry": "lb" }"#;

fn scenarios() -> Vec<(String, Scenario)> {
    let mut all = vec![(
        "twenty-units".to_string(),
        load_str(TWENTY_UNITS, "twenty-units").unwrap(),
    )];
    let mut paths: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let scenario = load_file(&path).unwrap();
        all.push((scenario.name.clone(), scenario));
    }
    all
}

fn events(c: &mut Criterion) {
    let mut group = c.benchmark_group("events");
    for (name, scenario) in scenarios() {
        let plan = Plan::new(&scenario);
        let trials = 64;
        let events_per_iteration = run_trials(&plan, 0, trials).events;
        group.throughput(Throughput::Elements(events_per_iteration));
        group.bench_with_input(BenchmarkId::from_parameter(&name), &plan, |b, plan| {
            b.iter(|| run_trials(plan, 0, trials))
        });
    }
    group.finish();
}

fn trials(c: &mut Criterion) {
    let mut group = c.benchmark_group("trials");
    group.sample_size(10);
    for (name, scenario) in scenarios() {
        let plan = Plan::new(&scenario);
        let trials = 2_048;
        group.throughput(Throughput::Elements(trials));
        group.bench_with_input(BenchmarkId::from_parameter(&name), &plan, |b, plan| {
            b.iter(|| run(plan, trials, &|_| {}))
        });
    }
    group.finish();
}

const TWO_UNITS: &str = r#"{
  "name": "two-units",
  "components": { "app": { "replicas": 2,
    "failures": [ { "name": "crash", "ttf": "30d", "ttr": "1h" } ] } },
  "entry": "app" }"#;

/// The floor: the same failure and repair processes, nothing else. Returns the events.
fn floor_trials(plan: &Plan, first: u64, count: u64) -> u64 {
    use rand::Rng;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    // Per unit mode: (mean time to failure, mean time to repair) in ticks, and stream key.
    let modes: Vec<(f64, f64, u64)> = plan
        .unit_modes
        .iter()
        .enumerate()
        .map(|(i, mode)| {
            let unit = plan
                .units
                .iter()
                .position(|u| (u.modes_start..u.modes_end).contains(&(i as u32)))
                .unwrap();
            let failure = &plan.components[plan.units[unit].component as usize]
                .spec
                .failures[mode.mode as usize];
            (
                failure.time_to_failure.mean(),
                failure.time_to_repair.mean(),
                mode.stream_key,
            )
        })
        .collect();
    let mut streams: Vec<rand_chacha::ChaCha8Rng> = modes
        .iter()
        .map(|m| sim::rng::stream(plan.seed, 0, m.2))
        .collect();
    let mut heap: BinaryHeap<Reverse<(u64, u32, bool)>> = BinaryHeap::new();
    let mut events = 0;
    let exp = |rng: &mut rand_chacha::ChaCha8Rng, mean: f64| {
        (-mean * (1.0 - rng.random::<f64>()).ln()) as u64
    };
    for trial in first..first + count {
        heap.clear();
        for (i, mode) in modes.iter().enumerate() {
            streams[i] = sim::rng::stream(plan.seed, trial, mode.2);
            let t = exp(&mut streams[i], mode.0);
            heap.push(Reverse((t, i as u32, true)));
        }
        while let Some(Reverse((now, i, failing))) = heap.pop() {
            if now >= plan.horizon {
                break;
            }
            events += 1;
            let mode = &modes[i as usize];
            let next = exp(
                &mut streams[i as usize],
                if failing { mode.1 } else { mode.0 },
            );
            heap.push(Reverse((now + next.max(1), i, !failing)));
        }
    }
    events
}

/// Engine and floor on the same model, one thread, best of 5 runs each: prints the time
/// per trial of each and their ratio.
fn ratios() {
    let models = [
        (
            "two-units",
            load_str(TWO_UNITS, "two-units").unwrap(),
            20_000,
        ),
        (
            "twenty-units",
            load_str(TWENTY_UNITS, "twenty-units").unwrap(),
            1_000,
        ),
    ];
    println!("engine / floor (one thread, time per trial, best of 5):");
    for (name, scenario, trials) in models {
        let plan = Plan::new(&scenario);
        let best = |work: &dyn Fn() -> u64| {
            (0..5)
                .map(|_| {
                    let started = std::time::Instant::now();
                    std::hint::black_box(work());
                    started.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let engine = best(&|| run_trials(&plan, 0, trials).events);
        let floor = best(&|| floor_trials(&plan, 0, trials));
        println!(
            "  {name:<14} engine {:>8.2} us/trial   floor {:>8.2} us/trial   ratio {:.2}",
            engine / trials as f64 * 1e6,
            floor / trials as f64 * 1e6,
            engine / floor
        );
    }
}

/// Time to +/-5% (`--precision 0.05`) per shipped scenario, all cores: the README's table.
fn time_to_precision(c: &mut Criterion) {
    let mut group = c.benchmark_group("time_to_5_percent");
    group.sample_size(10);
    let rule = sim::precision::StopRule {
        target: 0.05,
        max_trials: 20_000_000,
        time_limit: None,
        rare_events: sim::rare_events::RareEventsMode::Auto,
    };
    // Plus the spec's rare-event example, which importance sampling accelerates.
    let rare = load_file(std::path::Path::new(
        "tests/scenarios/two-regions-rare.json",
    ))
    .unwrap();
    let all = scenarios()
        .into_iter()
        .chain(std::iter::once((rare.name.clone(), rare)));
    for (name, scenario) in all {
        let plan = Plan::new(&scenario);
        group.bench_with_input(BenchmarkId::from_parameter(&name), &plan, |b, plan| {
            b.iter(|| sim::montecarlo::run_to_precision(plan, &rule, &|_, _| {}))
        });
    }
    group.finish();
}

/// Speedup of the runner from 1 to 2 threads on the 20-unit model (best of 3 each).
fn speedup() {
    let scenario = load_str(TWENTY_UNITS, "twenty-units").unwrap();
    let plan = Plan::new(&scenario);
    let time_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        (0..3)
            .map(|_| {
                let started = std::time::Instant::now();
                pool.install(|| std::hint::black_box(run(&plan, 8_192, &|_| {})));
                started.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let (one, two) = (time_with(1), time_with(2));
    println!(
        "  twenty-units   1 thread {one:.3} s, 2 threads {two:.3} s: speedup {:.2}",
        one / two
    );
}

criterion_group!(benches, events, trials, time_to_precision);

fn main() {
    ratios();
    if std::env::var_os("SIM_BENCH_RATIOS_ONLY").is_some() {
        return;
    }
    speedup();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
