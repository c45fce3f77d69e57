//! Round-robin routing over a component's units, as nginx's smooth weighted round robin
//! (`ngx_http_upstream_get_peer`) with every weight 1: each eligible peer's current weight
//! grows by its effective weight, the largest is chosen and lowered by the total. With equal
//! effective weights this is plain rotation over the eligible units; a peer whose effective
//! weight a failure lowered (max_fails 1) gets back one unit of weight per selection round.
//! A component of one unit is nginx's `single` peer: no passive accounting at all.

use super::passive::PassiveState;
use crate::scenario::PassiveCheck;
use crate::time::Ticks;

#[derive(Debug, Clone, Copy)]
pub struct Peer {
    current_weight: i64,
    effective_weight: i64,
    pub passive: PassiveState,
}

impl Default for Peer {
    fn default() -> Self {
        Peer {
            current_weight: 0,
            effective_weight: 1,
            passive: PassiveState::default(),
        }
    }
}

/// Chooses a peer among `peers` not yet in `tried` for which `eligible` holds (not taken out
/// by an active check), skipping those the passive check disabled; marks it tried.
pub fn pick(
    peers: &mut [Peer],
    tried: &mut u64,
    now: Ticks,
    passive: Option<&PassiveCheck>,
    eligible: impl Fn(usize) -> bool,
) -> Option<usize> {
    let single = peers.len() == 1;
    let mut best: Option<(usize, i64)> = None;
    let mut total = 0;
    for (i, peer) in peers.iter_mut().enumerate() {
        if *tried & (1 << i) != 0 || !eligible(i) {
            continue;
        }
        if let Some(check) = passive {
            if !single && peer.passive.skipped(now, check) {
                continue;
            }
        }
        peer.current_weight += peer.effective_weight;
        total += peer.effective_weight;
        if peer.effective_weight < 1 {
            peer.effective_weight += 1;
        }
        if best.is_none_or(|(_, weight)| peer.current_weight > weight) {
            best = Some((i, peer.current_weight));
        }
    }
    let (best, _) = best?;
    peers[best].current_weight -= total;
    *tried |= 1 << best;
    if let Some(check) = passive {
        if !single {
            peers[best].passive.selected(now, check);
        }
    }
    Some(best)
}

/// The try on `peer` ended: nginx's `free_peer` (nothing for a single peer).
pub fn release(peers: &mut [Peer], peer: usize, now: Ticks, failed: bool, check: &PassiveCheck) {
    if peers.len() == 1 {
        return;
    }
    let peer = &mut peers[peer];
    let penalty = peer.passive.released(now, failed, check);
    peer.effective_weight = (peer.effective_weight - penalty).max(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_rotate_over_eligible_units() {
        let mut peers = vec![Peer::default(); 3];
        let picks: Vec<usize> = (0..6)
            .map(|_| pick(&mut peers, &mut 0, 0, None, |i| i != 1).unwrap())
            .collect();
        assert_eq!(picks, [0, 2, 0, 2, 0, 2]);
        let mut tried = 0;
        let first = pick(&mut peers, &mut tried, 0, None, |_| true).unwrap();
        let second = pick(&mut peers, &mut tried, 0, None, |_| true).unwrap();
        let third = pick(&mut peers, &mut tried, 0, None, |_| true).unwrap();
        assert!(first != second && second != third && first != third);
        assert_eq!(pick(&mut peers, &mut tried, 0, None, |_| true), None);
    }
}
