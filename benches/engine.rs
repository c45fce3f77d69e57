//! Throughput of the engine and the runner: events per second (one thread, so per core) and
//! trials per second (all cores), on a 20-unit multi-zone scenario and the shipped ones.
//! Run with `cargo bench`; criterion prints "thrpt" in elements per second, where an element
//! is an event (group `events`) or a trial (group `trials`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
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

criterion_group!(benches, events, trials);
criterion_main!(benches);
