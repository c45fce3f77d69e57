//! A progress bar on standard error for runs longer than about a second. Display only: it
//! reads a counter and cannot change a result.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs `work`, showing progress through `total` trials if it lasts over a second and
/// `enabled` (standard error is a terminal and `--quiet` was not given).
pub fn with_progress<T>(
    enabled: bool,
    total: u64,
    work: impl FnOnce(&(dyn Fn(u64) + Sync)) -> T,
) -> T {
    let done = AtomicU64::new(0);
    let style = "{spinner} {bar:40} {pos}/{len} trials ({percent}%)  elapsed {elapsed}, eta {eta}";
    shown_after_a_second(
        enabled,
        Some(total),
        style,
        |bar, _| bar.set_position(done.load(Ordering::Relaxed)),
        || {
            work(&|n| {
                done.fetch_max(n, Ordering::Relaxed);
            })
        },
    )
}

/// Like `with_progress` for a run to a precision: shows the trials run, the precision
/// reached against the target and, from the 1 / sqrt(n) law, an estimate of the time left.
pub fn with_precision_progress<T>(
    enabled: bool,
    rule: &crate::precision::StopRule,
    work: impl FnOnce(&(dyn Fn(u64, f64) + Sync)) -> T,
) -> T {
    let done = AtomicU64::new(0);
    let reached = AtomicU64::new(f64::INFINITY.to_bits());
    let update = |bar: &ProgressBar, started: Instant| {
        let trials = done.load(Ordering::Relaxed);
        let precision = f64::from_bits(reached.load(Ordering::Relaxed));
        let elapsed = started.elapsed().as_secs_f64();
        let left = if precision.is_finite() && trials > 0 {
            let needed = trials as f64 * (precision / rule.target).powi(2);
            let needed = needed.min(rule.max_trials as f64);
            let seconds = elapsed * (needed / trials as f64 - 1.0).max(0.0);
            format!("about {seconds:.0} s left")
        } else {
            "no downtime seen yet".to_string()
        };
        let shown = if precision.is_finite() {
            format!("+/-{:.1}%", precision * 100.0)
        } else {
            "unknown".to_string()
        };
        bar.set_message(format!(
            "{trials} trials, precision {shown} (target +/-{:.1}%), {left}",
            rule.target * 100.0
        ));
    };
    shown_after_a_second(enabled, None, "{spinner} {msg}", update, || {
        work(&|n, precision| {
            done.fetch_max(n, Ordering::Relaxed);
            reached.store(precision.to_bits(), Ordering::Relaxed);
        })
    })
}

/// Runs `work` while, if `enabled` and it lasts over a second, a bar of `length` (none: a
/// spinner) drawn with `style` is refreshed by `update(bar, start)` every 100 ms.
fn shown_after_a_second<T>(
    enabled: bool,
    length: Option<u64>,
    style: &str,
    update: impl Fn(&ProgressBar, Instant) + Sync,
    work: impl FnOnce() -> T,
) -> T {
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if enabled {
            scope.spawn(|| {
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(1) {
                    if finished.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::stderr());
                bar.set_style(ProgressStyle::with_template(style).expect("a valid template"));
                while !finished.load(Ordering::Relaxed) {
                    update(&bar, started);
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            });
        }
        let result = work();
        finished.store(true, Ordering::Relaxed);
        result
    })
}
