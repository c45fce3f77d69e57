//! The request-level reference (`sim run --request-level`): the closed forms it must match,
//! and the fluid model's error per mechanism measured against it.
//!
//! Both engines run the same trials of the same scenario (`tests/scenarios/request-level/`)
//! and draw the same unit failures (the request-level engine uses the fluid engine's
//! streams), so a trial's difference is the models' difference plus the Poisson noise of the
//! requests: the relative error's standard error is the paired one. Each case asserts its
//! recorded band: where the models should agree, |z| < 4 on the paired difference; where
//! they are known to differ, the sign and rough size of the relative error, so that a change
//! of either model is noticed. Run with `--nocapture` to see the table (docs/model.md
//! section 13 has it). Seeds are in the files; tolerances are stated per case.

use rayon::prelude::*;
use sim::engine::{Plan, TrialRunner as FluidRunner};
use sim::request_level::{Model, TrialCounts, TrialRunner};
use sim::scenario::{load_file, Distribution, Scenario};
use sim::stats::{Moments, PairMoments};
use sim::time::TICKS_PER_SECOND;

use crate::common::{assert_within, repository_file, scratch, sim};

fn case_file(name: &str) -> String {
    format!("tests/scenarios/request-level/{name}.json")
}

fn load(name: &str) -> Scenario {
    load_file(&repository_file(&case_file(name))).unwrap_or_else(|e| panic!("{e}"))
}

/// Both engines on the same trials.
struct Measurement {
    /// Per trial: the fluid engine's lost fraction of demand.
    fluid: Moments,
    /// Per trial: (failed requests, requests).
    request: PairMoments,
    /// Per trial: (fluid lost fraction, request-level failed fraction).
    pairs: PairMoments,
    /// Per trial: fluid minus request-level.
    difference: Moments,
}

impl Measurement {
    fn fluid(&self) -> (f64, f64) {
        (self.fluid.mean(), self.fluid.std_error())
    }

    /// Failed / requests (ratio of means) and its standard error.
    fn request(&self) -> (f64, f64) {
        self.request.ratio().expect("requests arrived")
    }

    /// (fluid - request) / request, with the paired (delta-method) standard error.
    fn relative_error(&self) -> (f64, f64) {
        let (ratio, std_error) = self.pairs.ratio().expect("some request failed");
        (ratio - 1.0, std_error)
    }

    /// The paired difference in standard errors.
    fn z(&self) -> f64 {
        let se = self.difference.std_error();
        if se == 0.0 {
            0.0
        } else {
            self.difference.mean() / se
        }
    }
}

fn measure(name: &str) -> Measurement {
    let scenario = load(name);
    let model = Model::new(&scenario, &case_file(name)).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(&scenario);
    let trials = scenario.simulation.trials;
    let per_trial: Vec<(f64, TrialCounts)> = (0..trials)
        .into_par_iter()
        .map_init(
            || (FluidRunner::new(&plan), TrialRunner::new(&model)),
            |(fluid, request), trial| (fluid.run(trial).lost, request.run(trial)),
        )
        .collect();
    let mut measurement = Measurement {
        fluid: Moments::default(),
        request: PairMoments::default(),
        pairs: PairMoments::default(),
        difference: Moments::default(),
    };
    for (lost, counts) in per_trial {
        measurement.fluid.add(lost);
        measurement
            .request
            .add(counts.failed as f64, counts.requests as f64);
        measurement.pairs.add(lost, counts.unavailability());
        measurement.difference.add(lost - counts.unavailability());
    }
    measurement
}

/// What a case's relative error (fluid - request) / request must be.
enum Expect {
    /// The models agree: the paired difference within 4 standard errors.
    Agree,
    /// A known divergence: the relative error within [low, high].
    Band(f64, f64),
}

fn check_case(mechanism: &str, name: &str, expect: Expect) -> Measurement {
    let m = measure(name);
    let (fluid, fluid_se) = m.fluid();
    let (request, request_se) = m.request();
    let (relative, relative_se) = m.relative_error();
    println!(
        "| {mechanism} | {name} | {fluid:.3e} ± {fluid_se:.1e} | {request:.3e} ± {request_se:.1e} | {:+.1}% ± {:.1}% | {:+.1} |",
        relative * 100.0,
        relative_se * 100.0,
        m.z()
    );
    match expect {
        Expect::Agree => assert!(
            m.z().abs() < 4.0,
            "{name}: fluid {fluid} and request-level {request} should agree; z = {:.2}",
            m.z()
        ),
        Expect::Band(low, high) => assert!(
            (low..=high).contains(&relative),
            "{name}: relative error {relative:+.3} (± {relative_se:.3}) left its recorded band [{low}, {high}]: fluid {fluid:.4e}, request-level {request:.4e}"
        ),
    }
    m
}

// ---- Closed forms the request-level engine must match ---------------------------------

fn mean_seconds(distribution: &Distribution) -> f64 {
    distribution.mean() / TICKS_PER_SECOND
}

/// One unit, no checks, exponential ttf and ttr: request unavailability = the interval
/// unavailability of a two-state Markov chain starting up, rho (1 - (1 - e^-sT) / (sT))
/// with s = lambda + mu, rho = lambda / s (within 4 standard errors; seed 11). The fluid
/// model must agree on the same trials.
#[test]
fn one_unit_without_checks_loses_its_time_unavailability() {
    let scenario = load("plain-outage");
    let failure = &scenario.components[0].failures[0];
    let (ttf, ttr) = (
        mean_seconds(&failure.time_to_failure),
        mean_seconds(&failure.time_to_repair),
    );
    let (lambda, mu) = (1.0 / ttf, 1.0 / ttr);
    let horizon = scenario.simulation.horizon as f64 / TICKS_PER_SECOND;
    let s = lambda + mu;
    let exact = lambda / s * (1.0 - (1.0 - (-s * horizon).exp()) / (s * horizon));
    let m = check_case("no checks, 1 unit", "plain-outage", Expect::Agree);
    let (request, se) = m.request();
    assert_within("plain outage", request, se, exact, 4.0);
}

/// Active checks: a bad unit keeps its 1/n share of the requests for the detection delay
/// D = U(0, interval) + (unhealthy_threshold - 1) x interval (+ the check timeout for a
/// hang), so unavailability = E[D] / (E[ttf] + E[ttr]) (one failure per cycle per unit,
/// times n units, times 1/n of the requests). Overlapping failures (a unit failing while
/// another is out, about 2% of failures here) add under 1%; 4 standard errors (about 8%);
/// seeds 106 and 107. The fluid model must agree on the same trials.
fn active_check_case(mechanism: &str, name: &str, hang: bool) {
    let scenario = load(name);
    let api = &scenario.components[0];
    let check = api.health_check.as_ref().unwrap();
    let interval = check.interval as f64 / TICKS_PER_SECOND;
    let timeout = check.timeout as f64 / TICKS_PER_SECOND;
    let detection = interval / 2.0
        + f64::from(check.unhealthy_threshold - 1) * interval
        + if hang { timeout } else { 0.0 };
    let failure = &api.failures[0];
    let cycle = mean_seconds(&failure.time_to_failure) + mean_seconds(&failure.time_to_repair);
    let (request, se) = check_case(mechanism, name, Expect::Agree).request();
    assert_within(name, request, se, detection / cycle, 4.0);
}

#[test]
fn active_check_crash_loses_the_detection_delay() {
    active_check_case("active check, crash", "active-crash", false);
}

#[test]
fn active_check_hang_loses_the_detection_delay_and_timeout() {
    active_check_case("active check, hang", "active-hang", true);
}

// ---- The fluid model's error, mechanism by mechanism ----------------------------------

#[test]
fn quorum_without_checks_agrees() {
    check_case(
        "no checks, require 2 of 3",
        "quorum-no-check",
        Expect::Agree,
    );
}

#[test]
fn slow_units_within_and_past_the_deadline_agree() {
    check_case(
        "slow within / past deadline",
        "slow-deadline",
        Expect::Agree,
    );
}

#[test]
fn hard_and_soft_dependencies_agree() {
    check_case("hard and soft dependency", "hard-soft", Expect::Agree);
}

#[test]
fn breaker_close_delay_agrees() {
    check_case(
        "breaker, crash, no fallback",
        "breaker-crash",
        Expect::Agree,
    );
}

#[test]
fn client_retries_over_a_total_outage_agree() {
    check_case(
        "client retries, total outage",
        "retries-outage",
        Expect::Agree,
    );
}

#[test]
fn retry_next_upstream_agrees() {
    check_case(
        "retry_next_upstream, hang",
        "retry-next-upstream",
        Expect::Agree,
    );
}

#[test]
fn passive_check_crash_probes() {
    // Was -66% +/- 1.3% (seed 101) when the fluid model counted only the max_fails
    // failures; with nginx's live probe per fail_timeout + (peers + 1) / rate to a server
    // still down (levels.rs `with_passive_probes`): +0.9% +/- 0.2%.
    check_case(
        "passive check, crash",
        "passive-crash",
        Expect::Band(-0.02, 0.02),
    );
}

#[test]
fn passive_check_hang_diurnal() {
    // Was -30% +/- 1.0% (seed 102); with the probes (each waiting the 10 s timeout):
    // +2.3% +/- 0.4%, just over the 2% target (docs/model.md section 13).
    check_case(
        "passive check, hang, diurnal",
        "passive-hang-diurnal",
        Expect::Band(0.0, 0.04),
    );
}

#[test]
fn breaker_with_fallback_over_a_hang() {
    // Was +212% +/- 4% (seed 103): the fluid pool was exhausted at once and until a trip
    // at 15 s. With the partial service of a saturated pool (concurrency / held): +25% +/-
    // 2%. The rest: request by request the pool fills in 6 s and then admits nothing, so
    // hardly any call fires and opossum's failures / fires passes the threshold sooner
    // after the first timeouts than the steady-state timeout + window x threshold / e.
    check_case(
        "breaker + fallback, hang, workers",
        "breaker-fallback",
        Expect::Band(0.10, 0.40),
    );
}

#[test]
fn client_retries_over_a_partly_failed_pool() {
    // Was +767% +/- 17% (seed 104) when retries only delayed the caller's view; each
    // attempt now succeeds on its own (needed x (1 - s)^(attempts + 1)): they agree.
    check_case("client retries", "client-retries", Expect::Agree);
}

#[test]
fn cascade_through_exhausted_workers() {
    // Was +42% +/- 0.8% (seed 105) when a cascade was all or nothing; a saturated pool now
    // serves concurrency / held of the requests: -3.7% +/- 0.2%, from the timing of the
    // saturation (see breaker_with_fallback_over_a_hang).
    check_case(
        "cascade, workers, diurnal",
        "cascade-diurnal",
        Expect::Band(-0.06, -0.01),
    );
}

// ---- The command line -------------------------------------------------------------------

#[test]
fn the_flag_reports_the_request_level_reference_identically_for_any_thread_count() {
    let run = |threads: &str| {
        sim(&[
            "run",
            &case_file("passive-crash"),
            "--request-level",
            "--trials",
            "6",
            "--threads",
            threads,
            "--format",
            "json",
            "-q",
        ])
    };
    let (one, two) = (run("1"), run("2"));
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(one.stdout, two.stdout);
    let json: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(json["mode"], "request-level reference");
    assert_eq!(json["trials"], 6);
    assert!(json["requests"]["total"].as_u64().unwrap() > 100_000);
    let table = sim(&[
        "run",
        &case_file("plain-outage"),
        "--request-level",
        "--trials",
        "2",
        "-q",
    ]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("request-level reference") && text.contains("availability"),
        "{text}"
    );
}

#[test]
fn unsupported_keys_exit_2_naming_the_file_and_path() {
    let cases = [
        ("scenarios/active-passive.json", "traffic"),
        (
            "scenarios/remedy-breaker-fallback.json",
            "zones.use1-az1.outage",
        ),
    ];
    for (file, path) in cases {
        let output = sim(&["run", file, "--request-level", "-q"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains(file) && stderr.contains(path), "{stderr}");
        assert!(
            stderr.contains("the request-level mode supports"),
            "{stderr}"
        );
    }
    // Keys the fluid engine accepts and this mode refuses, and a call tree too large to
    // follow (a diamond 20 levels deep: a million calls per request).
    let directory = scratch("request-level-refusals");
    let mut diamond = String::new();
    for level in 0..20 {
        diamond.push_str(&format!(
            r#""a{level}": {{"depends_on": ["a{next}", "b{next}"]}}, "b{level}": {{"depends_on": ["a{next}"]}}, "#,
            next = level + 1
        ));
    }
    let cases = [
        (
            r#""api": {"replicas": 2, "capacity": 10}"#.to_string(),
            "components.api.capacity",
        ),
        (
            r#""api": {"load_factor": 2}"#.to_string(),
            "components.api.load_factor",
        ),
        (
            r#""api": {"failures": [{"name": "f", "ttf": "1h", "ttr": "1m", "recovery": "restart"}], "restart": {"duration": "5s"}}"#
                .to_string(),
            "components.api.restart",
        ),
        (format!(r#"{diamond}"a20": {{}}, "b20": {{}}, "api": {{"depends_on": ["a0"]}}"#), "components.api.depends_on"),
    ];
    for (i, (components, path)) in cases.iter().enumerate() {
        let file = directory.join(format!("refused-{i}.json"));
        let text = format!(
            r#"{{"traffic": {{"peak_rps": 1}}, "components": {{{components}}}, "entry": "api"}}"#
        );
        std::fs::write(&file, text).unwrap();
        let file = file.display().to_string();
        let output = sim(&["run", &file, "--request-level", "-q"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains(&file) && stderr.contains(path), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// A scenario that relies on an approximation known to be more than 2% off says so in its
/// JSON (`approximations`), table and markdown; one that does not writes no such key.
#[test]
fn runs_name_the_approximations_they_rely_on() {
    let json = |file: &str| {
        let output = sim(&["run", file, "--trials", "20", "--format", "json"]);
        assert!(output.status.success());
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let pool = json(&repository_file("scenarios/pitfall-hang-no-breaker.json").to_string_lossy());
    let notes = pool["approximations"].as_array().expect("a note");
    assert_eq!(notes.len(), 1);
    assert!(notes[0]
        .as_str()
        .unwrap()
        .contains("worker pools over dependencies that can hang (api)"));
    let plain = json(&repository_file("scenarios/active-passive.json").to_string_lossy());
    assert!(plain.get("approximations").is_none());
    let table = sim(&[
        "run",
        &repository_file("scenarios/pitfall-hang-no-breaker.json").to_string_lossy(),
        "--trials",
        "20",
    ]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("note: worker pools"));
}

#[test]
fn passive_check_hang_with_a_read_timeout() {
    // From an independent review: with retry_next_upstream the failures register at
    // nginx's read timeout (upstream_timeout, 1 s), not at the caller's 10 s; was -19.3%
    // before the fluid model used it.
    check_case(
        "passive check, hang, read timeout",
        "passive-hang-read-timeout",
        Expect::Band(-0.03, 0.03),
    );
}

#[test]
fn passive_check_hang_with_overlapping_probes() {
    // From an independent review: requests to a hung unit fail only at the 30 s deadline,
    // six times fail_timeout, so probes overlap. Was -38% with a cycle of fail_timeout +
    // wait; the overlapping-probe cycle of section 2 overshoots (recorded band).
    check_case(
        "passive check, hang, long wait",
        "passive-hang-long-wait",
        Expect::Band(0.02, 0.30),
    );
}

#[test]
fn one_pool_over_two_hanging_dependencies() {
    // From an independent review: the hung calls of both edges share the pool, and the
    // second call comes only from requests whose first succeeded; was -7.3% when each edge
    // was tested alone.
    check_case(
        "pool over two hangs",
        "pool-two-hangs",
        Expect::Band(-0.04, 0.02),
    );
}
