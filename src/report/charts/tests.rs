//! Properties every chart shares (well-formed, titled, deterministic SVG; a "no data" panel
//! for empty input; no panic and no NaN on degenerate input), and the example writer.
//! Each chart's own content is tested in its module.

use super::fixtures::{
    all_charts, availability_points, budgets, empty_timeline, has_text, parse, timeline,
};
use super::{
    availability_chart, causes_chart, comparison_chart, downtime_distribution_chart,
    histogram_chart, sweep_chart, timeline_chart, tornado_chart, AvailabilityPoint,
};
use crate::trace::{Mark, Timeline};

#[test]
fn charts_are_well_formed_svg_with_their_titles() {
    for (name, svg) in all_charts() {
        let doc = parse(&svg);
        assert!(doc.root_element().has_tag_name("svg"), "{name}");
        assert!(svg.contains("viewBox=\"0 0 900 "), "{name}");
        let title = match name {
            "availability" => "Availability by design",
            "downtime" => "Downtime per year",
            "causes" => "Where the downtime comes from",
            "timeline" => "One typical year",
            "histogram" => "Failover durations",
            "comparison" => "Design options",
            "sweep" => "Replicas",
            _ => "Sensitivity of downtime",
        };
        assert!(has_text(&svg, title), "{name} lacks its title");
        assert!(!has_text(&svg, "no data"), "{name}");
    }
}

#[test]
fn charts_are_deterministic() {
    let first = all_charts();
    let second = all_charts();
    for ((name, a), (_, b)) in first.iter().zip(&second) {
        assert_eq!(a, b, "{name} differs between two runs");
    }
}

#[test]
fn empty_input_gives_a_no_data_chart() {
    let empty = [
        availability_chart("E1", &[]),
        downtime_distribution_chart("E2", &[], 0, &[]),
        causes_chart("E3", &[]),
        timeline_chart("E4", &empty_timeline()),
        histogram_chart("E5", "x", &[]),
        comparison_chart("E6", &[]),
        sweep_chart("E7", "p", &[]),
        tornado_chart("E8", 0.0, &[], 2.0),
    ];
    for (i, svg) in empty.iter().enumerate() {
        parse(svg);
        assert!(has_text(svg, &format!("E{}", i + 1)));
        assert!(has_text(svg, "no data"), "chart {i}");
    }
}

#[test]
fn degenerate_input_does_not_panic() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    let svgs = [
        availability_chart(
            "a",
            &[AvailabilityPoint {
                name: String::new(),
                mean: 1.0,
                ci95: [nan, inf],
            }],
        ),
        availability_chart(
            "a",
            &[AvailabilityPoint {
                name: "x".repeat(300),
                mean: 0.0,
                ci95: [-1.0, 2.0],
            }],
        ),
        availability_chart(
            "a",
            &[AvailabilityPoint {
                name: "n".into(),
                mean: nan,
                ci95: [0.0, 0.0],
            }],
        ),
        downtime_distribution_chart("d", &[(0.0, 0.0, 10)], 10, &[]),
        downtime_distribution_chart("d", &[(0.0, 0.0, 10)], 10, &budgets()),
        downtime_distribution_chart("d", &[(3.0, 3.1, 1)], 1, &[("x".into(), nan, nan)]),
        downtime_distribution_chart(
            "d",
            &[(0.0, 1e-300, 1), (1e300, inf, 2), (nan, 1.0, 3)],
            0,
            &[],
        ),
        causes_chart("c", &[("zero".into(), 0.0, 0.0)]),
        causes_chart("c", &[("nan".into(), nan, inf), ("neg".into(), -5.0, -1.0)]),
        timeline_chart(
            "t",
            &Timeline {
                horizon: 1_000,
                components: vec!["a".into()],
                ..empty_timeline()
            },
        ),
        timeline_chart(
            "t",
            &Timeline {
                horizon: 10,
                components: vec!["a".into(), "b".into()],
                levels: vec![vec![(0, 1.0), (5, nan), (50, 0.0)]],
                system: vec![(3, 0.0)],
                marks: vec![Mark {
                    time: 99,
                    kind: "failover",
                    seconds: 1e9,
                }],
                ..empty_timeline()
            },
        ),
        histogram_chart("h", "", &[(0.0, 0.0, 4)]),
        histogram_chart("h", "", &[(1.0, 1.0, 1)]),
        comparison_chart("c", &[("only".into(), 0.0, [0.0, 0.0])]),
        comparison_chart(
            "c",
            &[
                ("base".into(), nan, [nan, nan]),
                ("b".into(), 3.0, [4.0, 2.0]),
            ],
        ),
        sweep_chart("s", "", &[("only".into(), 0.0, [0.0, 0.0])]),
        sweep_chart(
            "s",
            "p",
            &[
                ("a".into(), nan, [inf, nan]),
                ("b".repeat(80), 1e9, [0.0, 2e9]),
            ],
        ),
        tornado_chart("t", 0.0, &[("p".into(), 0.0, 0.0)], 2.0),
        tornado_chart(
            "t",
            nan,
            &[("p".into(), 5.0, 7.0), ("q".into(), 9.0, 1.0)],
            nan,
        ),
        tornado_chart(
            "t",
            10.0,
            &[("p".into(), 12.0, 15.0), ("q".into(), 8.0, 6.0)],
            0.0,
        ),
    ];
    for svg in &svgs {
        parse(svg);
        assert!(!svg.contains("could not be drawn"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}

/// Writes every chart to /tmp/sim-charts for a look: `cargo test --release --lib charts -- --ignored`.
#[test]
#[ignore]
fn write_examples() {
    let dir = std::path::Path::new("/tmp/sim-charts");
    std::fs::create_dir_all(dir).unwrap();
    for (name, svg) in all_charts() {
        std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
    }
    let extra = [
        (
            "availability-one",
            availability_chart("One scenario", &availability_points()[..1]),
        ),
        ("empty", causes_chart("Where the downtime comes from", &[])),
        (
            "downtime-zeros",
            downtime_distribution_chart("Only zeros", &[(0.0, 0.0, 10)], 10, &budgets()),
        ),
        (
            "sweep-long",
            sweep_chart(
                "Long labels",
                "retry budget per request",
                &(0..12)
                    .map(|i| {
                        (
                            format!("retry budget {} attempts", i),
                            50.0 - i as f64 * 3.0,
                            [45.0 - i as f64 * 3.0, 55.0 - i as f64 * 3.0],
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "timeline-short",
            timeline_chart(
                "Two days",
                &Timeline {
                    horizon: 2 * 86_400_000_000,
                    marks: vec![],
                    ..timeline()
                },
            ),
        ),
        (
            "tornado-same-side",
            tornado_chart(
                "Same side",
                10.0,
                &[("p".into(), 12.0, 15.0), ("q".into(), 8.0, 6.0)],
                3.0,
            ),
        ),
        ("timeline-many", {
            let mut t = timeline();
            t.components = (0..24)
                .map(|i| format!("service-{i:02} in region eu-west-{}", i % 3))
                .collect();
            t.levels = (0..24).map(|i| t.levels[i % 5].clone()).collect();
            timeline_chart("Many components", &t)
        }),
        (
            "causes-many",
            causes_chart(
                "Many causes",
                &(0..25)
                    .map(|i| {
                        (
                            format!("cause number {i} with a rather long descriptive label here"),
                            50.0 / (i + 1) as f64,
                            1.0,
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
        ),
    ];
    for (name, svg) in extra {
        std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
    }
}
