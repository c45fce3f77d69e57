//! Realistic sample inputs for every chart, and helpers to read the text back out of an
//! SVG, shared by the tests of each chart module and by the example writer.

use super::{
    availability_chart, causes_chart, comparison_chart, downtime_distribution_chart,
    histogram_chart, sweep_chart, timeline_chart, tornado_chart, AvailabilityPoint,
};
use crate::time::Ticks;
use crate::trace::{Mark, Timeline};

pub(super) fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
}

pub(super) fn texts(svg: &str) -> Vec<String> {
    let doc = parse(svg);
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

pub(super) fn has_text(svg: &str, wanted: &str) -> bool {
    texts(svg).iter().any(|t| t.contains(wanted))
}

pub(super) fn availability_points() -> Vec<AvailabilityPoint> {
    vec![
        AvailabilityPoint {
            name: "single region, active-passive database".into(),
            mean: 0.99984,
            ci95: [0.99982, 0.99986],
        },
        AvailabilityPoint {
            name: "two regions, active-active".into(),
            mean: 0.999_993,
            ci95: [0.999_991, 0.999_995],
        },
        AvailabilityPoint {
            name: "single zone".into(),
            mean: 0.9987,
            ci95: [0.9984, 0.9990],
        },
        AvailabilityPoint {
            name: "perfect".into(),
            mean: 1.0,
            ci95: [1.0, 1.0],
        },
    ]
}

/// Downtime per year in minutes, 200 bins per decade, from 0.5 to 3000 minutes.
pub(super) fn downtime_bins() -> Vec<(f64, f64, u64)> {
    let mut bins = vec![(0.0, 0.0, 1_250)];
    for i in 0..760 {
        let lo = 0.5 * 10f64.powf(i as f64 / 200.0);
        let hi = 0.5 * 10f64.powf((i + 1) as f64 / 200.0);
        let x = (i as f64 - 420.0) / 110.0;
        let count = (14.0 * (-0.5 * x * x).exp()).round() as u64;
        if count > 0 {
            bins.push((lo, hi, count));
        }
    }
    bins
}

pub(super) fn budgets() -> Vec<(String, f64, f64)> {
    vec![
        ("99%".into(), 5256.0, 0.9995),
        ("99.9%".into(), 525.6, 0.93),
        ("99.99%".into(), 52.56, 0.41),
        ("99.999%".into(), 5.256, 0.12),
    ]
}

pub(super) fn causes() -> Vec<(String, f64, f64)> {
    vec![
        ("region us-east-1 (outage)".into(), 41.3, 6.2),
        (
            "zone us-east-1a (power failure in the data centre building)".into(),
            18.7,
            2.9,
        ),
        ("database/primary (crash)".into(), 9.4, 1.1),
        ("database/primary (disk failure)".into(), 4.2, 0.8),
        ("api (bad deploy)".into(), 3.3, 0.5),
        ("load balancer (misconfiguration)".into(), 1.2, 0.3),
        ("dns (provider outage)".into(), 0.4, 0.1),
        ("cache (eviction storm)".into(), 0.05, 0.02),
    ]
}

pub(super) fn timeline() -> Timeline {
    let day: Ticks = 86_400_000_000;
    let hour: Ticks = 3_600_000_000;
    Timeline {
        trial: 17,
        horizon: 365 * day,
        components: vec![
            "edge".into(),
            "api".into(),
            "database".into(),
            "cache".into(),
            "queue".into(),
        ],
        levels: vec![
            vec![(0, 1.0)],
            vec![
                (0, 1.0),
                (40 * day, 0.5),
                (40 * day + 3 * hour, 1.0),
                (200 * day, 0.0),
                (200 * day + hour / 4, 1.0),
            ],
            vec![(0, 1.0), (120 * day, 0.0), (120 * day + 2 * hour, 1.0)],
            vec![(0, 1.0), (300 * day, 0.66), (305 * day, 1.0)],
            vec![(0, 1.0)],
        ],
        system: vec![
            (0, 1.0),
            (40 * day, 0.5),
            (40 * day + 3 * hour, 1.0),
            (120 * day, 0.0),
            (120 * day + 90_000_000, 1.0),
            (200 * day, 0.0),
            (200 * day + hour / 4, 1.0),
        ],
        marks: vec![
            Mark {
                time: 120 * day + 90_000_000,
                kind: "failover",
                seconds: 90.0,
            },
            Mark {
                time: 120 * day + 90_000_000,
                kind: "data-loss",
                seconds: 2.5,
            },
            Mark {
                time: 250 * day,
                kind: "failover",
                seconds: 40.0,
            },
        ],
        log: vec![],
        outcome: Default::default(),
        origin: None,
    }
}

pub(super) fn empty_timeline() -> Timeline {
    Timeline {
        trial: 0,
        horizon: 0,
        components: vec![],
        levels: vec![],
        system: vec![],
        marks: vec![],
        log: vec![],
        outcome: Default::default(),
        origin: None,
    }
}

pub(super) fn duration_bins() -> Vec<(f64, f64, u64)> {
    let mut bins = vec![(0.0, 0.0, 3)];
    for i in 0..600 {
        let lo = 0.8 * 10f64.powf(i as f64 / 200.0);
        let hi = 0.8 * 10f64.powf((i + 1) as f64 / 200.0);
        let x = (i as f64 - 260.0) / 70.0;
        let count = (12.0 * (-0.5 * x * x).exp()).round() as u64;
        if count > 0 {
            bins.push((lo, hi, count));
        }
    }
    bins
}

pub(super) fn sweep_points() -> Vec<(String, f64, [f64; 2])> {
    vec![
        ("1 replica".into(), 310.0, [290.0, 330.0]),
        ("2 replicas".into(), 84.0, [80.0, 88.0]),
        ("3 replicas".into(), 22.0, [20.5, 23.5]),
        ("4 replicas".into(), 9.1, [8.2, 10.0]),
        ("5 replicas".into(), 6.0, [5.1, 6.9]),
    ]
}

pub(super) fn comparison_rows() -> Vec<(String, f64, [f64; 2])> {
    vec![
        (
            "current design: one region, two zones".into(),
            84.1,
            [80.2, 88.0],
        ),
        ("add a third zone".into(), 55.0, [52.1, 57.9]),
        ("second region, warm standby".into(), 21.4, [19.9, 22.9]),
        (
            "second region, active-active with global database replication".into(),
            6.3,
            [5.2, 7.4],
        ),
    ]
}

pub(super) fn tornado_rows() -> Vec<(String, f64, f64)> {
    vec![
        ("region outage rate".into(), 61.0, 118.0),
        ("database failover time".into(), 70.0, 104.0),
        ("zone outage rate".into(), 78.0, 93.0),
        ("deploy failure rate".into(), 80.0, 88.0),
        ("cache repair time".into(), 85.0, 86.0),
    ]
}

/// Every chart, on realistic data.
pub(super) fn all_charts() -> Vec<(&'static str, String)> {
    vec![
        (
            "availability",
            availability_chart("Availability by design", &availability_points()),
        ),
        (
            "downtime",
            downtime_distribution_chart("Downtime per year", &downtime_bins(), 5_088, &budgets()),
        ),
        (
            "causes",
            causes_chart("Where the downtime comes from", &causes()),
        ),
        ("timeline", timeline_chart("One typical year", &timeline())),
        (
            "histogram",
            histogram_chart("Failover durations", "failover duration", &duration_bins()),
        ),
        (
            "comparison",
            comparison_chart("Design options", &comparison_rows()),
        ),
        (
            "sweep",
            sweep_chart("Replicas", "database replicas", &sweep_points()),
        ),
        (
            "tornado",
            tornado_chart("Sensitivity of downtime", 84.1, &tornado_rows(), 2.0),
        ),
    ]
}
