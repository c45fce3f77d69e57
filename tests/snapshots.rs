//! Snapshots of the table and the JSON of a small scenario: any change in what users see
//! (wording, layout, keys, numbers) shows up in review.

use crate::common::sim;

const ARGS: [&str; 6] = [
    "run",
    "tests/reference/v5-series.json",
    "--trials",
    "500",
    "--seed",
    "3",
];

#[test]
fn table_snapshot() {
    let output = sim(&[&ARGS[..], &["-q"]].concat());
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn json_snapshot() {
    let output = sim(&[&ARGS[..], &["-q", "--format", "json"]].concat());
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn help_snapshot() {
    let output = sim(&["run", "--help"]);
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

/// Every mechanism at once: failovers, data loss, service split and causes in the table.
#[test]
fn mechanisms_table_snapshot() {
    let output = sim(&[
        "run",
        "tests/scenarios/every-mechanism.json",
        "--trials",
        "200",
        "-q",
    ]);
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}
