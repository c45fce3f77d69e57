//! Ctrl-C, SIGTERM and SIGHUP: the run stops promptly, leaves no partial or temporary
//! file, and the process exits with 128 + the signal's number (130, 143, 129).
//!
//! A handler thread (signal-hook's iterator: the signal handler itself only writes to a
//! pipe) records the first signal in a flag. Runs read the flag through the `stop` hook
//! the Monte Carlo loop already asks between batches of chunks, so the engine stays pure;
//! the file writer (`output`) reads it before every rename and abandons the write. Parts
//! of a command that do not ask the hook (a chart, a pilot, a fit) get `GRACE` to finish;
//! then, or at once on a second signal, the handler thread removes every temporary file
//! and staging folder still registered with `output`, waits for a rename or folder swap
//! in progress, and exits. Either way the exit status and the files left are the same.

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// How long a command that has not noticed the flag gets before the handler thread ends
/// the process itself.
pub const GRACE: Duration = Duration::from_millis(1000);

/// The first signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The signal that interrupted the run, if one did.
pub fn signal() -> Option<i32> {
    match SIGNAL.load(Ordering::Relaxed) {
        0 => None,
        signal => Some(signal),
    }
}

/// Whether the run was interrupted: the `stop` hook of a run.
pub fn interrupted() -> bool {
    SIGNAL.load(Ordering::Relaxed) != 0
}

/// The conventional exit status after `signal`: 128 + its number.
pub fn exit_status(signal: i32) -> i32 {
    128 + signal
}

fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// Installs the handler thread (once, at start-up). Without it (an embedding program, the
/// tests of the library) signals keep their default action.
pub fn install() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        // Cannot happen on a Unix system with threads; the default actions remain.
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("signals".to_string())
        .spawn(move || {
            if let Some(first) = signals.forever().next() {
                SIGNAL.store(first, Ordering::Relaxed);
                let started = Instant::now();
                while started.elapsed() < GRACE {
                    if let Some(second) = signals.pending().next() {
                        finish(second);
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                finish(first);
            }
        });
    drop(spawned);
}

/// Removes what the writer left half-done, says why on standard error and exits with the
/// conventional status. Also the main thread's way out when a command returns
/// `CliError::Interrupted`.
pub fn finish(signal: i32) -> ! {
    crate::output::abandon();
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "sim: interrupted by {}; no output was written",
        name(signal)
    );
    std::process::exit(exit_status(signal))
}
