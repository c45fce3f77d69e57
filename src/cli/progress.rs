//! A progress bar on standard error for runs longer than about a second. Display only: it
//! reads a counter and cannot change a result.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Runs `work`, showing progress through `total` trials if it lasts over a second and
/// `enabled` (standard error is a terminal and `--quiet` was not given).
pub fn with_progress<T>(
    enabled: bool,
    total: u64,
    work: impl FnOnce(&(dyn Fn(u64) + Sync)) -> T,
) -> T {
    let done = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if enabled {
            scope.spawn(|| {
                let started = std::time::Instant::now();
                while started.elapsed() < Duration::from_secs(1) {
                    if finished.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                let bar = indicatif::ProgressBar::with_draw_target(
                    Some(total),
                    indicatif::ProgressDrawTarget::stderr(),
                );
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {bar:40} {pos}/{len} trials ({percent}%)  elapsed {elapsed}, eta {eta}",
                    )
                    .expect("a valid template"),
                );
                while !finished.load(Ordering::Relaxed) {
                    bar.set_position(done.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            });
        }
        let result = work(&|n| {
            done.fetch_max(n, Ordering::Relaxed);
        });
        finished.store(true, Ordering::Relaxed);
        result
    })
}
