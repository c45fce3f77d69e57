//! `sim report`: the files it writes, their content, and `reports/` kept up to date.

use crate::common::{files_under, repository_file, scratch, sim};

fn shipped_scenarios() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(repository_file("scenarios"))
        .unwrap()
        .map(|e| format!("scenarios/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    files
}

/// `reports/` is what `sim report scenarios/*.json -o reports` writes now, byte for byte
/// (which also shows that regenerating a report gives identical files). To refresh it:
/// `cargo run --release -- report scenarios/*.json -o reports`.
#[test]
fn shipped_reports_are_up_to_date() {
    let directory = scratch("reports");
    let mut args = vec!["report".to_string()];
    args.extend(shipped_scenarios());
    args.extend([
        "-o".to_string(),
        directory.to_str().unwrap().to_string(),
        "-q".to_string(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = sim(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let committed = repository_file("reports");
    let expected = files_under(&committed);
    assert_eq!(
        files_under(&directory),
        expected,
        "reports/ lists other files than a fresh report"
    );
    for file in &expected {
        let fresh = std::fs::read(directory.join(file)).unwrap();
        let kept = std::fs::read(committed.join(file)).unwrap();
        assert!(fresh == kept, "reports/{} is out of date: run `cargo run --release -- report scenarios/*.json -o reports`", file.display());
    }
    std::fs::remove_dir_all(&directory).unwrap();
}

/// Every chart is well-formed XML with its title; index.html embeds them all and needs no
/// network; summary.md links them.
#[test]
fn a_report_has_readable_charts_and_pages() {
    let directory = scratch("report-content");
    let output = sim(&[
        "report",
        "tests/scenarios/every-mechanism.json",
        "--trials",
        "200",
        "-q",
        "-o",
        directory.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected_titles = [
        ("availability.svg", "every-mechanism: availability"),
        ("downtime.svg", "every-mechanism: downtime per year"),
        (
            "causes.svg",
            "every-mechanism: where the downtime comes from",
        ),
        ("timeline-worst.svg", "every-mechanism: worst trial"),
        ("timeline-typical.svg", "every-mechanism: typical trial"),
        ("failovers.svg", "every-mechanism: failover durations"),
        ("data-loss.svg", "every-mechanism: lost write window (RPO)"),
    ];
    let index = std::fs::read_to_string(directory.join("index.html")).unwrap();
    let summary = std::fs::read_to_string(directory.join("summary.md")).unwrap();
    for (file, title) in expected_titles {
        let svg = std::fs::read_to_string(directory.join("every-mechanism").join(file)).unwrap();
        let document = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(document.root_element().tag_name().name(), "svg");
        let texts: String = document
            .descendants()
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(texts.contains(title), "{file} lacks its title {title:?}");
        assert!(
            summary.contains(&format!("every-mechanism/{file}")),
            "summary.md does not link {file}"
        );
    }
    // Series the charts must show: every tier budget, every component lane.
    let downtime = std::fs::read_to_string(directory.join("every-mechanism/downtime.svg")).unwrap();
    for budget in ["99%", "99.9%", "99.99%", "99.999%"] {
        assert!(
            downtime.contains(budget),
            "downtime chart lacks the {budget} budget"
        );
    }
    let timeline =
        std::fs::read_to_string(directory.join("every-mechanism/timeline-worst.svg")).unwrap();
    let timeline = roxmltree::Document::parse(&timeline).unwrap();
    let labels: Vec<&str> = timeline
        .descendants()
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    for component in [
        "dns", "east-api", "cache", "east-db", "west-api", "west-db", "system",
    ] {
        assert!(
            labels.contains(&component),
            "timeline lacks the {component} lane"
        );
    }
    // Self-contained: every chart inline, nothing fetched.
    assert_eq!(index.matches("<svg").count(), 1 + expected_titles.len());
    assert!(
        !index.contains("<script") && !index.contains("<link") && !index.contains("src=\"http")
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn summary_markdown_snapshot() {
    let directory = scratch("summary");
    let output = sim(&[
        "report",
        "tests/reference/v5-series.json",
        "--trials",
        "300",
        "-q",
        "-o",
        directory.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    insta::assert_snapshot!(std::fs::read_to_string(directory.join("summary.md")).unwrap());
    std::fs::remove_dir_all(&directory).unwrap();
}

/// A report that cannot be written whole is not written at all: nothing half, no staging
/// folder left behind. A folder where a chart belongs is foreign to a report: exit 2
/// before anything runs (tests/hostile_outputs.rs has the other failure paths).
#[test]
fn a_report_that_cannot_be_written_whole_writes_nothing() {
    let directory = scratch("blocked-report");
    std::fs::create_dir_all(directory.join("v1-single/causes.svg")).unwrap();
    let output = sim(&[
        "report",
        "tests/reference/v1-single.json",
        "--trials",
        "50",
        "-q",
        "-o",
        directory.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("causes.svg"));
    let left: Vec<_> = files_under(&directory);
    assert!(
        left.is_empty(),
        "files written despite the failure: {left:?}"
    );
    assert_eq!(
        std::fs::read_dir(&directory).unwrap().count(),
        1,
        "a staging folder was left behind"
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
