//! Confidence intervals are honest: over 200 seeds of the single-unit reference case
//! (200 trials each), the 95% interval covers the exact availability between 90% and 99% of
//! the time. For a correct 95% interval the count is Binomial(200, 0.95): mean 190, standard
//! deviation 3.1, so [180, 198] is more than 3 standard deviations wide on each side, while an
//! interval half as wide as it should be would cover about 68% and fail.

use crate::common::{repository_file, run};

#[test]
fn ninety_five_percent_intervals_cover_about_ninety_five_percent() {
    let scenario =
        sim::scenario::load_file(&repository_file("tests/reference/v1-single.json")).unwrap();
    let exact = 0.9901102004951614;
    let seeds = 200u64;
    let covered = (0..seeds)
        .filter(|seed| {
            let report = run(&scenario, 200, 1000 + seed);
            let [low, high] = report.availability.ci95;
            low <= exact && exact <= high
        })
        .count();
    assert!(
        (180..=198).contains(&covered),
        "the 95% interval covered the exact value in {covered} of {seeds} seeds"
    );
}

/// With no downtime observed, the interval is [1 - 3/n, 1] rather than a point.
#[test]
fn no_downtime_gives_the_rule_of_three_bound() {
    let scenario = crate::common::scenario(
        r#"{ "components": { "rock": { "failures": [] } }, "entry": "rock" }"#,
    );
    let report = run(&scenario, 300, 1);
    let a = &report.availability;
    assert!(a.no_downtime_observed);
    assert_eq!(a.mean, 1.0);
    assert!((a.ci95[0] - 0.99).abs() < 1e-12 && a.ci95[1] == 1.0);
    assert_eq!(a.nines, None);
    assert_eq!(report.incidents_per_year.mean, 0.0);
    assert!(report.mean_outage_minutes.is_none());
}
