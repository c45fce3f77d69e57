//! The shared reference cases (copied from ../shared/reference into tests/reference so a
//! clean clone is self-contained): each file, run with its own seed and trial count, must
//! lie within 4 standard errors of its exact availability and its downtime within 4 standard
//! errors of the exact downtime. With six cases and normal estimates the chance of a false
//! alarm is about 6 in 16,000.

use crate::common::{assert_within, repository_file, sim};

#[test]
fn every_reference_case_is_reproduced_within_four_standard_errors() {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repository_file("tests/reference/expected.json")).unwrap(),
    )
    .unwrap();
    let cases = expected.as_object().unwrap();
    assert_eq!(cases.len(), 6);
    for (file, values) in cases {
        let path = format!("tests/reference/{file}");
        let output = sim(&["run", &path, "--format", "json", "--quiet"]);
        assert!(
            output.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let availability = &report["availability"];
        assert_within(
            file,
            availability["mean"].as_f64().unwrap(),
            availability["std_error"].as_f64().unwrap(),
            values["availability"].as_f64().unwrap(),
            4.0,
        );
        let downtime = &report["downtime_minutes_per_year"];
        assert_within(
            file,
            downtime["mean"].as_f64().unwrap(),
            downtime["std_error"].as_f64().unwrap(),
            values["downtime_minutes_per_year"].as_f64().unwrap(),
            4.0,
        );
    }
}
