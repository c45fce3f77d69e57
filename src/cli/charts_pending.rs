//! Temporary stand-ins while src/report/charts.rs is being written (removed when it lands).
#![allow(dead_code)]
pub fn comparison_chart(_: &str, _: &[(String, f64, [f64; 2])]) -> String {
    String::new()
}
pub fn sweep_chart(_: &str, _: &str, _: &[(String, f64, [f64; 2])]) -> String {
    String::new()
}
pub fn tornado_chart(_: &str, _: f64, _: &[(String, f64, f64)], _: f64) -> String {
    String::new()
}
pub fn timeline_chart(_: &str, _: &crate::trace::Timeline) -> String {
    String::new()
}
pub struct AvailabilityPoint {
    pub name: String,
    pub mean: f64,
    pub ci95: [f64; 2],
}
pub fn availability_chart(_: &str, _: &[AvailabilityPoint]) -> String {
    String::new()
}
pub fn downtime_distribution_chart(
    _: &str,
    _: &[(f64, f64, u64)],
    _: u64,
    _: &[(String, f64, f64)],
) -> String {
    String::new()
}
pub fn causes_chart(_: &str, _: &[(String, f64, f64)]) -> String {
    String::new()
}
pub fn histogram_chart(_: &str, _: &str, _: &[(f64, f64, u64)]) -> String {
    String::new()
}
