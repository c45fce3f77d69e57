//! `sim fit`: recovery of known laws from synthetic, censored histories (coverage of the 95%
//! intervals, AIC's choice), the censoring arithmetic, the no-failure case, every class of
//! malformed CSV, and the emitted scenario JSON loading. Seeds are fixed; each statistical
//! assertion states its tolerance and why.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Uniform, Weibull};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::common::{repository_file, scratch, sim};
use sim::fit::mle::{fit_sample, Family, Kind, Observation};
use sim::fit::{fit_bytes, ReadOptions};

const DAY: f64 = 86_400.0;
/// 2024-01-01T00:00:00Z: the synthetic windows open here.
const EPOCH: i64 = 1_704_067_200;

fn stamp(seconds: f64) -> String {
    OffsetDateTime::from_unix_timestamp(EPOCH + seconds.round() as i64)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

/// A renewal history over a window [0, length]: the process starts `warm_up` before the
/// window (so the window opens mid-up-time), failures after `ttf`, repairs of `ttr`; an
/// incident straddling the window's end is left open. Returns the CSV text, or None when no
/// incident starts in the window (a file without incidents cannot carry its window).
fn renewal_csv(
    rng: &mut ChaCha8Rng,
    ttf: &dyn Fn(&mut ChaCha8Rng) -> f64,
    ttr: &dyn Fn(&mut ChaCha8Rng) -> f64,
    length: f64,
) -> Option<String> {
    let mut text = String::from("start,end,observed_from,observed_to\n");
    let mut t = -length / 2.0;
    let mut first = true;
    loop {
        let start = t + ttf(rng).max(1.0);
        let end = start + ttr(rng).max(1.0);
        if start >= length {
            break;
        }
        if start >= 0.0 {
            let end_text = if end > length {
                String::new()
            } else {
                stamp(end)
            };
            let window = if first {
                format!("{},{}", stamp(0.0), stamp(length))
            } else {
                ",".to_string()
            };
            text.push_str(&format!("{},{end_text},{window}\n", stamp(start)));
            first = false;
        }
        t = end;
    }
    (!first).then_some(text)
}

fn fit_json(text: &str) -> Value {
    let report = fit_bytes(text.as_bytes(), "test.csv", &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_value(&report).unwrap()
}

fn parameter<'a>(fit: &'a Value, name: &str) -> &'a Value {
    fit["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()
}

fn covers(p: &Value, truth: f64) -> bool {
    p["low"].as_f64().unwrap() <= truth && truth <= p["high"].as_f64().unwrap()
}

/// Independent right censoring: each value is observed up to a uniform censoring time.
fn censored_sample(
    rng: &mut ChaCha8Rng,
    n: usize,
    draw: &dyn Fn(&mut ChaCha8Rng) -> f64,
    censor_max: f64,
) -> Vec<Observation> {
    let censor = Uniform::new(0.0, censor_max).unwrap();
    (0..n)
        .map(|_| {
            let value = draw(rng);
            let limit = censor.sample(rng);
            Observation {
                value: value.min(limit),
                kind: if limit < value {
                    Kind::Censored
                } else {
                    Kind::Failure
                },
            }
        })
        .collect()
}

#[test]
fn exponential_mean_interval_covers_the_truth_through_the_csv() {
    // 100 two-year histories with a true MTBF of 20 days (about 35 failures each), read as
    // CSV with an observation window, so the censored edges and open incidents are in play.
    // The exact chi-square interval is conservative for time-censored data: coverage should
    // be 95% or a little more; 88..=99 of 100 fails a biased or too-narrow interval
    // (P(X <= 87 | p = 0.95) < 0.1%), and the width check fails an interval that is too
    // wide to be useful.
    let mean = 20.0 * DAY;
    let mut covered = 0;
    let mut relative_width = 0.0;
    for seed in 0..100 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let ttf = |r: &mut ChaCha8Rng| Exp::new(1.0 / mean).unwrap().sample(r);
        let ttr = |r: &mut ChaCha8Rng| Exp::new(1.0 / 3600.0).unwrap().sample(r);
        let text = renewal_csv(&mut rng, &ttf, &ttr, 730.0 * DAY).expect("~36 incidents");
        let report = fit_json(&text);
        let ttf_fit = &report["groups"][0]["ttf"]["fits"][0];
        assert_eq!(ttf_fit["family"], "exponential");
        let p = parameter(ttf_fit, "mean");
        covered += usize::from(covers(p, mean));
        relative_width += (p["high"].as_f64().unwrap() - p["low"].as_f64().unwrap()) / mean;
    }
    let relative_width = relative_width / 100.0;
    eprintln!("exponential: {covered}/100 covered, mean relative width {relative_width:.3}");
    assert!((88..=99).contains(&covered), "coverage {covered}/100");
    // About 2 x 1.96 / sqrt(35) = 0.66 for 35 failures.
    assert!(
        (0.5..0.9).contains(&relative_width),
        "width {relative_width}"
    );
}

#[test]
fn weibull_shape_interval_covers_the_truth() {
    // Shape 0.8 (decreasing hazard, host failures), 60 values, about 20% censored. The Wald
    // interval on ln k from the observed information: coverage near 95% at this size.
    // Width check: the complete-data asymptotic se of ln k is 0.78/sqrt(n) (Lawless 2003
    // §5.1.1: var(k) = 0.608 k^2/n), so the mean width of the log interval should be near
    // 2 x 1.96 x 0.78/sqrt(48 observed) = 0.44, a little more for the censoring.
    let (shape, scale) = (0.8, 30.0 * DAY);
    let law = Weibull::new(scale, shape).unwrap();
    let mut covered = 0;
    let mut log_width = 0.0;
    let mut observed = 0;
    for seed in 0..100 {
        let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);
        let sample = censored_sample(&mut rng, 60, &|r| law.sample(r), 4.0 * scale);
        let fit = fit_sample(&sample);
        observed += fit.failures;
        let weibull = fit
            .fits
            .iter()
            .find(|f| f.family == Family::Weibull)
            .unwrap();
        let k = &weibull.parameters[0];
        let (low, high) = (k.low.unwrap(), k.high.unwrap());
        covered += usize::from(low <= shape && shape <= high);
        log_width += (high / low).ln();
    }
    let log_width = log_width / 100.0;
    let mean_observed = observed as f64 / 100.0;
    let expected = 2.0 * 1.96 * 0.78 / mean_observed.sqrt();
    eprintln!(
        "weibull shape: {covered}/100 covered, mean log-width {log_width:.3} \
         (complete-data asymptotic {expected:.3}, {mean_observed:.1} observed of 60)"
    );
    assert!((88..=99).contains(&covered), "coverage {covered}/100");
    assert!(
        log_width > 0.9 * expected && log_width < 1.6 * expected,
        "log-width {log_width} vs {expected}"
    );
}

#[test]
fn lognormal_and_gamma_are_recovered_from_large_censored_samples() {
    // 400 values, about 15% censored. Tolerances are about 4 standard errors: lognormal
    // sigma se = sigma/sqrt(2n) = 3.5%, median se = sigma/sqrt(n) = 5%; gamma shape se
    // about 7% at shape 3, mean se about 3%.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let lognormal = LogNormal::new((1800f64).ln(), 0.9).unwrap();
    let sample = censored_sample(&mut rng, 400, &|r| lognormal.sample(r), 6.0 * 1800.0 * 3.0);
    let fit = fit_sample(&sample);
    let law = fit
        .fits
        .iter()
        .find(|f| f.family == Family::Lognormal)
        .unwrap();
    let (median, sigma) = (law.parameters[0].estimate, law.parameters[1].estimate);
    eprintln!(
        "lognormal: median {median:.0} (1800), sigma {sigma:.3} (0.9), {} censored",
        fit.censored
    );
    assert!((median / 1800.0 - 1.0).abs() < 0.2, "median {median}");
    assert!((sigma / 0.9 - 1.0).abs() < 0.14, "sigma {sigma}");
    assert!(
        covers_parameter(&law.parameters[0], 1800.0) && covers_parameter(&law.parameters[1], 0.9)
    );
    assert!(
        fit.censored > 20,
        "the sample should be censored: {}",
        fit.censored
    );

    let gamma = Gamma::new(3.0, 10.0 * DAY / 3.0).unwrap();
    let sample = censored_sample(&mut rng, 400, &|r| gamma.sample(r), 60.0 * DAY);
    let fit = fit_sample(&sample);
    let law = fit.fits.iter().find(|f| f.family == Family::Gamma).unwrap();
    let (shape, mean) = (law.parameters[0].estimate, law.parameters[1].estimate);
    eprintln!(
        "gamma: shape {shape:.3} (3), mean {:.2}d (10), {} censored",
        mean / DAY,
        fit.censored
    );
    assert!((shape / 3.0 - 1.0).abs() < 0.28, "shape {shape}");
    assert!((mean / (10.0 * DAY) - 1.0).abs() < 0.12, "mean {mean}");
    assert!(
        covers_parameter(&law.parameters[0], 3.0)
            && covers_parameter(&law.parameters[1], 10.0 * DAY)
    );
    assert!(
        fit.censored > 20,
        "the sample should be censored: {}",
        fit.censored
    );
}

fn covers_parameter(p: &sim::fit::mle::Parameter, truth: f64) -> bool {
    p.low.unwrap() <= truth && truth <= p.high.unwrap()
}

/// A draw of one value from a law.
type Draw = dyn Fn(&mut ChaCha8Rng) -> f64;

#[test]
fn aic_picks_the_true_family_for_large_samples() {
    // 500 values each (10% censored), 20 seeds per family. The three two-parameter laws
    // are distinguishable at this size; the exponential is nested in Weibull and gamma, so
    // the AIC's penalty picks it about 84% of the time at best (the chance that twice the
    // ln L gain of one free parameter stays below 2 is P(chi2_1 < 2) = 0.84). The laws: Weibull
    // shape 1.8, lognormal sigma 1, gamma shape 4 (close to each other in shape). Stated rates:
    // at least 16/20 for each two-parameter law, at least 12/20 for the exponential.
    let laws: [(Family, Box<Draw>, usize); 4] = [
        (
            Family::Exponential,
            Box::new(|r| Exp::new(1.0).unwrap().sample(r)),
            12,
        ),
        (
            Family::Weibull,
            Box::new(|r| Weibull::new(1.0, 1.8).unwrap().sample(r)),
            16,
        ),
        (
            Family::Lognormal,
            Box::new(|r| LogNormal::new(0.0, 1.0).unwrap().sample(r)),
            16,
        ),
        (
            Family::Gamma,
            Box::new(|r| Gamma::new(4.0, 0.5).unwrap().sample(r)),
            16,
        ),
    ];
    for (family, draw, at_least) in &laws {
        let mut right = 0;
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(5000 + seed);
            // In hours: values under a second are floored to one (mle::MIN_VALUE).
            let sample: Vec<Observation> = censored_sample(&mut rng, 500, draw.as_ref(), 10.0)
                .into_iter()
                .map(|o| Observation {
                    value: o.value * 3600.0,
                    ..o
                })
                .collect();
            let fit = fit_sample(&sample);
            right += usize::from(fit.fits[fit.best.unwrap()].family == *family);
        }
        eprintln!("AIC picked {family:?} {right}/20");
        assert!(right >= *at_least, "{family:?}: {right}/20");
    }
}

/// A hand-built group: three incidents in a 100-day window.
const THREE_INCIDENTS: &str = "\
start,end,component,mode,observed_from,observed_to
2024-01-11T00:00:00Z,2024-01-11T02:00:00Z,db,host,2024-01-01T00:00:00Z,2024-04-10T00:00:00Z
2024-01-31T00:00:00Z,2024-01-31T01:00:00Z,db,host,,
2024-03-01T00:00:00Z,2024-03-01T03:00:00Z,db,host,,
";

#[test]
fn window_edges_enter_the_exponential_mle_as_total_time_over_failures() {
    // Up times: 10d from observed_from to the first incident (it ends in a failure: a first,
    // left-truncated value, which for the exponential is one more failure), 20d - 2h and
    // 30d - 1h (complete), and 40d - 3h (censored, after the last): T = 100d - 6h, r = 3,
    // so mean = T / 3, and the exact interval is [2T / chi2(0.975; 8), 2T / chi2(0.025; 6)]
    // (tables: 17.534546 and 1.237344).
    let report = fit_json(THREE_INCIDENTS);
    let ttf = &report["groups"][0]["ttf"];
    assert_eq!(
        (
            ttf["observed"].as_u64(),
            ttf["first"].as_u64(),
            ttf["censored"].as_u64()
        ),
        (Some(3), Some(1), Some(1))
    );
    let total = 100.0 * DAY - 6.0 * 3600.0;
    let p = parameter(&ttf["fits"][0], "mean");
    let mean = p["estimate"].as_f64().unwrap();
    let expected = total / 3.0;
    assert!((mean - expected).abs() < 1e-6, "{mean} vs {expected}");
    let (low, high) = (p["low"].as_f64().unwrap(), p["high"].as_f64().unwrap());
    assert!(
        (low / (2.0 * total / 17.534_546) - 1.0).abs() < 1e-6,
        "{low}"
    );
    assert!(
        (high / (2.0 * total / 1.237_344) - 1.0).abs() < 1e-6,
        "{high}"
    );
    // Three values end in a failure: the two-parameter laws are fitted too.
    assert_eq!(ttf["fits"].as_array().unwrap().len(), 4);
    // Without the window nothing is censored: T = the two gaps only.
    let bare: String = THREE_INCIDENTS
        .lines()
        .map(|line| line.rsplitn(3, ',').last().unwrap().to_string() + "\n")
        .collect();
    let report = fit_json(&bare);
    let ttf = &report["groups"][0]["ttf"];
    assert_eq!(
        (
            ttf["observed"].as_u64(),
            ttf["first"].as_u64(),
            ttf["censored"].as_u64()
        ),
        (Some(2), Some(0), Some(0))
    );
    let mean = parameter(&ttf["fits"][0], "mean")["estimate"]
        .as_f64()
        .unwrap();
    let expected = (50.0 * DAY - 3.0 * 3600.0) / 2.0;
    assert!((mean - expected).abs() < 1e-6, "{mean} vs {expected}");
    assert!(report["notes"][0]
        .as_str()
        .unwrap()
        .contains("no observed_from"));
    // The repair of an open incident is censored at observed_to.
    let open = THREE_INCIDENTS.replace("2024-03-01T03:00:00Z", "");
    let ttr = &fit_json(&open)["groups"][0]["ttr"];
    assert_eq!(
        (ttr["observed"].as_u64(), ttr["censored"].as_u64()),
        (Some(2), Some(1))
    );
    let expected_total = 2.0 * 3600.0 + 3600.0 + 40.0 * DAY;
    assert!((ttr["total_seconds"].as_f64().unwrap() - expected_total).abs() < 1e-6);
}

#[test]
fn no_failure_gives_a_one_sided_bound_and_exit_0() {
    let directory = scratch("fit-none");
    let path = directory.join("quiet.csv");
    std::fs::write(&path, "start,end,component\n").unwrap();
    let output = sim(&[
        "fit",
        path.to_str().unwrap(),
        "--observed-from",
        "2024-01-01T00:00:00Z",
        "--observed-to",
        "2025-01-01T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let ttf = &report["groups"][0]["ttf"];
    assert_eq!(ttf["observed"], 0);
    assert_eq!(ttf["best"], Value::Null);
    assert!(ttf["fits"].as_array().unwrap().is_empty());
    let bound = ttf["mean_lower_bound_seconds"].as_f64().unwrap();
    let expected = 366.0 * DAY / -(0.05f64).ln();
    assert!((bound - expected).abs() < 1e-6, "{bound} vs {expected}");
    let failure = &report["scenario"]["components"]["service"]["failures"][0];
    assert_eq!(failure["name"], "incident");
    assert!(failure["ttf"]["exponential"]["mean"].is_string());
    assert!(
        failure.get("ttr").is_none(),
        "no repair was observed: {failure}"
    );
    let range = &report["scenario_between"]["components"]["service"]["failures"][0]["ttf"];
    assert_eq!(range["exponential"]["mean"]["between"][1], "3660d");

    // A single incident with the window's start taken from the data (it is that incident's
    // start): no up time ends in a failure, only the censored one after it, and a repair.
    let one = "start,end,observed_to\n\
               2024-06-01T00:00:00Z,2024-06-01T01:00:00Z,2025-01-01T00:00:00Z\n";
    let report = fit_json(one);
    let ttf = &report["groups"][0]["ttf"];
    assert_eq!(
        (ttf["observed"].as_u64(), ttf["censored"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(ttf["mean_lower_bound_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(report["groups"][0]["ttr"]["best"], "exponential");

    // The table says so too.
    let output = sim(&[
        "fit",
        path.to_str().unwrap(),
        "--observed-from",
        "2024-01-01T00:00:00Z",
        "--observed-to",
        "2025-01-01T00:00:00Z",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("no failure observed"));
}

#[test]
fn one_incident_in_a_known_window_is_one_failure_not_the_no_failure_bound() {
    // Window 2024-01-01 to 2025-01-01 (366 days), one incident of 1h on 2024-06-01: the up
    // time before it ends in a failure (a first value), the one after it is censored. So
    // r = 1, T = 366d - 1h, mean = T, with the exact interval
    // [2T / chi2(0.975; 4), 2T / chi2(0.025; 2)] = [2T / 11.143287, 2T / 0.0506356]
    // (chi2(0.025; 2) = -2 ln 0.975): no "no failure observed" bound of T / 3.0.
    let one = "start,end,observed_from,observed_to\n\
               2024-06-01T00:00:00Z,2024-06-01T01:00:00Z,2024-01-01T00:00:00Z,2025-01-01T00:00:00Z\n";
    let report = fit_json(one);
    let ttf = &report["groups"][0]["ttf"];
    assert_eq!(
        (
            ttf["observed"].as_u64(),
            ttf["first"].as_u64(),
            ttf["censored"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert!(ttf.get("mean_lower_bound_seconds").is_none(), "{ttf}");
    assert_eq!(ttf["best"], "exponential");
    // One observed value: the exponential only.
    assert_eq!(ttf["fits"].as_array().unwrap().len(), 1);
    let total = 366.0 * DAY - 3600.0;
    let p = parameter(&ttf["fits"][0], "mean");
    assert!((p["estimate"].as_f64().unwrap() - total).abs() < 1e-6);
    let chi2_low = -2.0 * 0.975f64.ln();
    assert!((p["low"].as_f64().unwrap() / (2.0 * total / 11.143_287) - 1.0).abs() < 1e-6);
    assert!((p["high"].as_f64().unwrap() / (2.0 * total / chi2_low) - 1.0).abs() < 1e-9);
    let notes = ttf["notes"].to_string();
    assert!(!notes.contains("no failure observed"), "{notes}");
    // An incident starting exactly at observed_from is a first failure after a zero up time
    // (floored to 1 s), not lost.
    let at_start = "start,end,observed_from,observed_to\n\
                    2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,2024-01-01T00:00:00Z,2025-01-01T00:00:00Z\n";
    let ttf = &fit_json(at_start)["groups"][0]["ttf"];
    assert_eq!(
        (ttf["observed"].as_u64(), ttf["first"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn the_first_failure_is_not_lost_over_many_histories() {
    // 400 one-year histories, MTBF 60 days (about 6 failures each), repairs of about an hour,
    // each window opening mid-up-time (the process starts half a window earlier). Counting
    // the up time from observed_from to the first incident as censored (the old reading)
    // throws the first failure away: T / (N - 1) has a median of about 1.2 x the truth.
    // With the first failure counted, T / N: the median of estimate / truth within
    // [0.9, 1.1] (its sampling spread over 400 histories is about +-0.03), and the exact
    // interval's coverage 88..=99% of 400 (P(X < 352 | p = 0.95) < 1e-4).
    let mean = 60.0 * DAY;
    let mut ratios = Vec::new();
    let mut old_ratios = Vec::new();
    let mut covered = 0;
    for seed in 0..400 {
        let mut rng = ChaCha8Rng::seed_from_u64(20_000 + seed);
        let ttf = |r: &mut ChaCha8Rng| Exp::new(1.0 / mean).unwrap().sample(r);
        let ttr = |r: &mut ChaCha8Rng| Exp::new(1.0 / 3600.0).unwrap().sample(r);
        // No incident in the year (e^-6: about 1 in 400) is the no-failure case, tested
        // apart; every history with one has a fit now.
        let Some(text) = renewal_csv(&mut rng, &ttf, &ttr, 365.0 * DAY) else {
            continue;
        };
        let report = fit_json(&text);
        let sample = &report["groups"][0]["ttf"];
        let fit = &sample["fits"][0];
        assert!(!fit.is_null(), "seed {seed}: {sample}");
        let p = parameter(fit, "mean");
        ratios.push(p["estimate"].as_f64().unwrap() / mean);
        covered += usize::from(covers(p, mean));
        let complete = sample["observed"].as_u64().unwrap() - sample["first"].as_u64().unwrap();
        if complete > 0 {
            old_ratios.push(sample["total_seconds"].as_f64().unwrap() / complete as f64 / mean);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let fitted = ratios.len();
    let average = ratios.iter().sum::<f64>() / fitted as f64;
    let old_average = old_ratios.iter().sum::<f64>() / old_ratios.len() as f64;
    let (median_ratio, old_median) = (median(&mut ratios), median(&mut old_ratios));
    eprintln!(
        "first failure counted: median estimate/truth {median_ratio:.3}, mean {average:.3}, \
         coverage {covered}/{fitted}; first failure censored (old): median {old_median:.3}, \
         mean {old_average:.3}"
    );
    assert!(fitted >= 395, "{fitted} histories with a failure");
    assert!((0.9..=1.1).contains(&median_ratio), "median {median_ratio}");
    assert!(
        (88 * fitted..=99 * fitted).contains(&(100 * covered)),
        "coverage {covered}/{fitted}"
    );
}

/// Runs `sim fit` on `text` (written to a file) and returns (exit code, stderr).
fn run_csv(name: &str, text: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let directory = scratch("fit-errors");
    let path = directory.join(name);
    std::fs::write(&path, text).unwrap();
    let mut args = vec!["fit", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let output = sim(&args);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn every_malformed_csv_is_exit_2_with_the_line() {
    let window = "2024-01-01T00:00:00Z,2025-01-01T00:00:00Z";
    let head = "start,end,component,observed_from,observed_to\n";
    let ok = |day: u32| format!("2024-02-{day:02}T00:00:00Z,2024-02-{day:02}T01:00:00Z,db,,\n");
    let first = format!("2024-01-05T00:00:00Z,2024-01-05T01:00:00Z,db,{window}\n");
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "timestamp",
            format!("{head}{first}yesterday,2024-02-01T00:00:00Z,db,,\n"),
            "line 3",
            "RFC 3339",
        ),
        (
            "end-before-start",
            format!(
                "{head}{first}{}2024-03-02T00:00:00Z,2024-03-01T00:00:00Z,db,,\n",
                ok(1)
            ),
            "line 4",
            "before start",
        ),
        (
            "overlap",
            format!(
                "{head}{first}2024-02-01T00:00:00Z,2024-02-03T00:00:00Z,db,,\n\
                 2024-02-02T00:00:00Z,2024-02-02T05:00:00Z,db,,\n"
            ),
            "line 4",
            "overlaps the one on line 3",
        ),
        (
            "fields",
            format!("{head}{first}2024-02-01T00:00:00Z,2024-02-01T01:00:00Z\n"),
            "line 3",
            "2 field(s) but the header has 5",
        ),
        (
            "late-window",
            format!("{head}{first}2024-02-01T00:00:00Z,2024-02-01T01:00:00Z,db,{window}\n"),
            "line 3",
            "only on the first data row",
        ),
        (
            "outside-window",
            format!("{head}{first}2025-02-01T00:00:00Z,2025-02-01T01:00:00Z,db,,\n"),
            "line 3",
            "not inside the observation window",
        ),
        (
            "window-reversed",
            format!(
                "{head}2024-01-05T00:00:00Z,2024-01-05T01:00:00Z,db,\
                 2025-01-01T00:00:00Z,2024-01-01T00:00:00Z\n"
            ),
            "line 2",
            "must be after observed_from",
        ),
        (
            "missing-column",
            "begin,end\n2024-01-05T00:00:00Z,2024-01-05T01:00:00Z\n".to_string(),
            "line 1",
            "no \"start\" column",
        ),
        (
            "duplicate-column",
            "start,end,Start\n".to_string(),
            "line 1",
            "twice",
        ),
        ("empty", String::new(), "empty", "header row"),
        (
            "header-only",
            "start,end\n".to_string(),
            "no incidents",
            "observed_from and observed_to",
        ),
        (
            "open-without-window",
            "start,end\n2024-01-05T00:00:00Z,\n".to_string(),
            "line 2",
            "still open",
        ),
        (
            "window-value",
            format!("{head}2024-01-05T00:00:00Z,2024-01-05T01:00:00Z,db,soon,\n"),
            "line 2",
            "observed_from",
        ),
    ];
    for (name, text, at, says) in &cases {
        let (code, stderr, _) = run_csv(&format!("{name}.csv"), text, &[]);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}.csv")) && stderr.contains(at) && stderr.contains(says),
            "{name}: {stderr}"
        );
    }
    // A quoted field with commas and a line break (as Jira writes a summary) counts as one
    // field, and the next record's line number is its physical line.
    let quoted = format!(
        "start,end,summary,observed_from,observed_to\n\
         2024-01-05T00:00:00Z,2024-01-05T01:00:00Z,\"disk full, db\nsecond line\",{window}\n\
         2024-02-31T00:00:00Z,2024-03-01T00:00:00Z,x,,\n"
    );
    let (code, stderr, _) = run_csv("quoted.csv", &quoted, &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("line 4"), "{stderr}");
    // Values in messages: control characters escaped, long values cut.
    let nasty = format!(
        "start,end\n\u{1b}[31m{},2024-01-01T00:00:00Z\n",
        "x".repeat(500)
    );
    let (code, stderr, _) = run_csv("nasty.csv", &nasty, &[]);
    assert_eq!(code, Some(2));
    assert!(
        !stderr.contains('\u{1b}') && stderr.contains("\\u{1b}"),
        "{stderr}"
    );
    assert!(stderr.len() < 400 && stderr.contains("..."), "{stderr}");
    // Window given twice, differently: the file's line and the option are named.
    let (code, stderr, _) = run_csv(
        "twice.csv",
        &format!("{head}{first}"),
        &["--observed-from", "2023-06-01T00:00:00Z"],
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("line 2") && stderr.contains("--observed-from"),
        "{stderr}"
    );
    // A bad option value names the option.
    let (code, stderr, _) = run_csv(
        "option.csv",
        &format!("{head}{first}"),
        &["--observed-to", "tomorrow"],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--observed-to"), "{stderr}");
}

#[test]
fn skip_bad_rows_sets_them_aside_and_lists_them() {
    let text = "start,end,component,notes\n\
                2024-01-05T00:00:00Z,2024-01-05T01:00:00Z,db,\"fine, really\"\n\
                not-a-time,2024-01-06T00:00:00Z,db,x\n\
                2024-01-10T00:00:00Z,2024-01-10T02:00:00Z,db,x\n\
                2024-01-10T01:00:00Z,2024-01-10T03:00:00Z,db,overlaps\n\
                2024-01-20T00:00:00Z,2024-01-19T00:00:00Z,db,reversed\n\
                2024-01-30T00:00:00Z,2024-01-30T00:30:00Z,db,x\n\
                ,,,\n";
    let (code, stderr, _) = run_csv("skip.csv", text, &[]);
    assert_eq!(code, Some(2));
    // Without the flag the first bad row stops the read.
    assert!(
        stderr.contains("line 3") && stderr.contains("not-a-time"),
        "{stderr}"
    );
    let (code, stderr, stdout) = run_csv("skip.csv", text, &["--skip-bad-rows"]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["rows"]["incidents"], 3);
    assert_eq!(report["rows"]["skipped"], 3);
    let lines: Vec<u64> = report["rows"]["skipped_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 5, 6]);
    assert_eq!(report["groups"][0]["incidents"], 3);
}

/// Replaces every `{"between": [low, high]}` by its geometric midpoint (durations through
/// the scenario's own parser), as a run with a drawn parameter set would see it.
fn midpoints(value: &mut Value) {
    use sim::scenario::duration::parse_duration;
    if let Some(pair) = value.get("between").and_then(Value::as_array).cloned() {
        *value = match (&pair[0], &pair[1]) {
            (Value::String(low), Value::String(high)) => {
                let low = parse_duration(low).unwrap() as f64 / 1e6;
                let high = parse_duration(high).unwrap() as f64 / 1e6;
                Value::String(sim::fit::report::duration_string((low * high).sqrt()))
            }
            (low, high) => {
                serde_json::json!((low.as_f64().unwrap() * high.as_f64().unwrap()).sqrt())
            }
        };
        return;
    }
    match value {
        Value::Object(map) => map.values_mut().for_each(midpoints),
        Value::Array(list) => list.iter_mut().for_each(midpoints),
        _ => {}
    }
}

/// Checks that each `between` in `ranges` contains the value at the same place in `point`.
fn ranges_contain(point: &Value, ranges: &Value, checked: &mut usize) {
    use sim::scenario::duration::parse_duration;
    let number = |v: &Value| match v {
        Value::String(text) => parse_duration(text).unwrap() as f64,
        other => other.as_f64().unwrap(),
    };
    if let Some(pair) = ranges.get("between").and_then(Value::as_array) {
        let (low, high, x) = (number(&pair[0]), number(&pair[1]), number(point));
        // 1e-6: the 6 significant digits both are printed with.
        assert!(
            low <= x * (1.0 + 1e-6) && x <= high * (1.0 + 1e-6),
            "{point} not in {ranges}"
        );
        *checked += 1;
        return;
    }
    match (point, ranges) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                ranges_contain(value, &b[key], checked);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (x, y) in a.iter().zip(b) {
                ranges_contain(x, y, checked);
            }
        }
        (a, b) => assert_eq!(a, b),
    }
}

#[test]
fn emitted_scenario_json_loads_and_ranges_contain_the_estimates() {
    let output = sim(&[
        "fit",
        "scenarios/incidents/checkout-incidents.csv",
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["groups"].as_array().unwrap().len(), 4);
    let mut checked = 0;
    ranges_contain(
        &report["scenario"],
        &report["scenario_between"],
        &mut checked,
    );
    // 4 groups, 12 parameters in all: bad-deploy lognormal ttf and ttr (4), process-crash
    // exponential ttf and gamma ttr (3), the load balancer's exponentials (2), postgres's
    // lognormal ttf and exponential ttr (3).
    assert_eq!(checked, 12);
    for key in ["scenario", "scenario_between"] {
        let mut components = report[key]["components"].clone();
        midpoints(&mut components);
        let entry = components
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        let scenario = serde_json::json!({ "components": components, "entry": entry });
        sim::scenario::load_str(&scenario.to_string(), key)
            .unwrap_or_else(|e| panic!("{key}: {e}\n{scenario:#}"));
    }
    // The ranges load as they are: every one becomes an uncertain parameter.
    let components = report["scenario_between"]["components"].clone();
    let scenario = serde_json::json!({ "components": components, "entry": "api" });
    let loaded = sim::scenario::load_str(&scenario.to_string(), "ranges.json")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.uncertainty.unwrap().ranges.len(), 12);
    // The no-failure shapes load too (one incident, the window's start taken from it: no
    // up time ends in a failure).
    let text = "start,end,observed_to\n\
                2024-06-01T00:00:00Z,2024-06-01T01:00:00Z,2025-01-01T00:00:00Z\n";
    let report = fit_json(text);
    let mut components = report["scenario_between"]["components"].clone();
    midpoints(&mut components);
    let scenario = serde_json::json!({ "components": components, "entry": "service" });
    sim::scenario::load_str(&scenario.to_string(), "one.json").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn json_output_is_deterministic_and_matches_the_output_file() {
    let directory = scratch("fit-determinism");
    let file = directory.join("fit.json");
    let args = [
        "fit",
        "scenarios/incidents/checkout-incidents.csv",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ];
    let first = sim(&args);
    let second = sim(&args);
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(std::fs::read(&file).unwrap(), first.stdout);
    // The shipped file is what its generator writes (when Python is at hand).
    if let Ok(generated) = std::process::Command::new("python3")
        .arg(repository_file("scenarios/incidents/generate.py"))
        .output()
    {
        if generated.status.success() {
            let shipped = std::fs::read(repository_file(
                "scenarios/incidents/checkout-incidents.csv",
            ))
            .unwrap();
            assert_eq!(
                generated.stdout, shipped,
                "regenerate checkout-incidents.csv"
            );
        }
    }
}

#[test]
fn modes_of_one_component_race_as_the_scenario_format_runs_them() {
    // Component c, window [0, 100h]: crash at 10h (1h), deploy at 30h (1h), crash at 50h
    // (1h), deploy overlapping it at 50h30m (to 52h). Up times: [0,10h) from observed_from
    // ends in crash, [11h,30h) ends in deploy, [31h,50h) ends in crash, [52h,100h) censored.
    // For crash: [0,10h) is a first failure and [31h,50h) a complete one, 2 censored;
    // exposure 10 + 19 + 19 + 48 = 96h, so its exponential mean is 96h / 2 = 48h. For deploy
    // the first up time ends in ANOTHER mode's incident: censored for deploy, so 1 observed
    // ([11h,30h)), no first, 3 censored, mean 96h.
    let text = "start,end,component,mode,observed_from,observed_to\n\
        2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,c,crash,2024-01-01T00:00:00Z,2024-01-05T04:00:00Z\n\
        2024-01-02T06:00:00Z,2024-01-02T07:00:00Z,c,deploy,,\n\
        2024-01-03T02:00:00Z,2024-01-03T03:00:00Z,c,crash,,\n\
        2024-01-03T02:30:00Z,2024-01-03T04:00:00Z,c,deploy,,\n";
    let report = fit_json(text);
    let groups = report["groups"].as_array().unwrap();
    let crash = groups.iter().find(|g| g["mode"] == "crash").unwrap();
    assert_eq!(crash["ttf"]["observed"], 2);
    assert_eq!(crash["ttf"]["first"], 1);
    assert_eq!(crash["ttf"]["censored"], 2);
    assert_eq!(crash["ttf"]["total_seconds"], 96.0 * 3600.0);
    let mean = parameter(&crash["ttf"]["fits"][0], "mean")["estimate"]
        .as_f64()
        .unwrap();
    assert!((mean - 48.0 * 3600.0).abs() < 1e-6, "{mean}");
    let deploy = groups.iter().find(|g| g["mode"] == "deploy").unwrap();
    assert_eq!(deploy["ttf"]["observed"], 1);
    assert_eq!(deploy["ttf"]["first"], 0);
    assert_eq!(deploy["ttf"]["censored"], 3);
    assert_eq!(deploy["ttf"]["total_seconds"], 96.0 * 3600.0);
    let mean = parameter(&deploy["ttf"]["fits"][0], "mean")["estimate"]
        .as_f64()
        .unwrap();
    assert!((mean - 96.0 * 3600.0).abs() < 1e-6, "{mean}");
}
