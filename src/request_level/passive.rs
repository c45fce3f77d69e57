//! nginx passive checks (`max_fails`, `fail_timeout`), as `ngx_http_upstream_get_peer` and
//! `ngx_http_upstream_free_round_robin_peer` (src/http/ngx_http_upstream_round_robin.c)
//! keep them per peer:
//!
//! - a failed try (connection error or timeout) increments `fails` and sets `accessed` and
//!   `checked` to now;
//! - a peer with `fails >= max_fails` is skipped while `now - checked <= fail_timeout`;
//! - selecting a peer whose `checked` is older than `fail_timeout` sets `checked` to now,
//!   so after `fail_timeout` one live request goes through as a probe (others skip the peer
//!   again, `checked` being fresh) and, if it fails, the peer waits another `fail_timeout`;
//! - any answer that is not a failure (a success, or an error *response* such as a 500 or
//!   503, which the default `proxy_next_upstream error timeout` does not count) resets
//!   `fails` only if `accessed < checked`: a success does not clear failures counted since
//!   the peer was last selected after a quiet `fail_timeout`.
//!
//! nginx compares whole seconds (`ngx_time()`); this model compares microseconds, so its
//! waits are exactly `fail_timeout` where nginx's are up to a second longer.

use crate::scenario::PassiveCheck;
use crate::time::Ticks;

#[derive(Debug, Clone, Copy, Default)]
pub struct PassiveState {
    pub fails: u32,
    accessed: Ticks,
    checked: Ticks,
}

impl PassiveState {
    /// True while the peer is temporarily disabled.
    #[inline]
    pub fn skipped(&self, now: Ticks, check: &PassiveCheck) -> bool {
        self.fails >= check.max_fails && now - self.checked <= check.fail_timeout
    }

    /// The peer was chosen for a try.
    #[inline]
    pub fn selected(&mut self, now: Ticks, check: &PassiveCheck) {
        if now - self.checked > check.fail_timeout {
            self.checked = now;
        }
    }

    /// The try ended; returns by how much nginx lowers the peer's effective weight
    /// (`weight / max_fails` with weight 1: 1 if max_fails is 1, else 0).
    #[inline]
    pub fn released(&mut self, now: Ticks, failed: bool, check: &PassiveCheck) -> i64 {
        if failed {
            self.fails += 1;
            self.accessed = now;
            self.checked = now;
            i64::from(check.max_fails == 1)
        } else {
            if self.accessed < self.checked {
                self.fails = 0;
            }
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Ticks = 1_000_000;

    #[test]
    fn a_dead_peer_gets_one_probe_per_fail_timeout() {
        let check = PassiveCheck {
            max_fails: 2,
            fail_timeout: 10 * S,
        };
        let mut peer = PassiveState::default();
        peer.selected(S, &check);
        peer.released(S, true, &check);
        assert!(!peer.skipped(2 * S, &check), "one failure of two");
        peer.selected(2 * S, &check);
        peer.released(2 * S, true, &check);
        assert!(peer.skipped(2 * S, &check));
        assert!(peer.skipped(12 * S, &check), "fail_timeout is inclusive");
        assert!(!peer.skipped(12 * S + 1, &check));
        // The probe: selected, so skipped again for everyone else.
        peer.selected(12 * S + 1, &check);
        assert!(peer.skipped(12 * S + 2, &check));
        // It fails: re-marked (fails 3 >= 2) for another fail_timeout.
        peer.released(13 * S, true, &check);
        assert!(peer.skipped(23 * S, &check));
        // The next probe succeeds: accessed (13 s) < checked (23 s + 1): fails reset.
        peer.selected(23 * S + 1, &check);
        peer.released(23 * S + 1, false, &check);
        assert_eq!(peer.fails, 0);
    }

    #[test]
    fn a_success_soon_after_a_failure_does_not_reset_fails() {
        let check = PassiveCheck {
            max_fails: 3,
            fail_timeout: 10 * S,
        };
        let mut peer = PassiveState::default();
        peer.selected(S, &check);
        peer.released(S, true, &check);
        peer.selected(2 * S, &check);
        peer.released(2 * S, false, &check);
        assert_eq!(peer.fails, 1, "accessed == checked: no reset");
        peer.selected(20 * S, &check);
        peer.released(20 * S, false, &check);
        assert_eq!(peer.fails, 0, "selected after a quiet fail_timeout: reset");
    }
}
