//! The event queue: a binary heap ordered by (time, insertion sequence).
//!
//! The sequence number makes ties deterministic: two events at the same microsecond are
//! processed in the order they were scheduled, on every run and every machine.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::Event;
use crate::time::Ticks;

#[derive(Debug, Clone, Copy)]
struct Entry {
    time: Ticks,
    sequence: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so that std's max-heap pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.sequence).cmp(&(self.time, self.sequence))
    }
}

/// Pending events of one trial. Reused across trials, so it allocates only while it grows
/// to the largest number of simultaneously pending events.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    next_sequence: u64,
}

impl EventQueue {
    /// Empties the queue and restarts the sequence numbers for a new trial.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_sequence = 0;
    }

    /// Schedules `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: Ticks, event: Event) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.heap.push(Entry {
            time,
            sequence,
            event,
        });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Ticks, Event)> {
        self.heap.pop().map(|entry| (entry.time, entry.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_insertion() {
        let mut queue = EventQueue::default();
        queue.push(5, Event::UnitRecovers { unit: 0 });
        queue.push(3, Event::UnitRecovers { unit: 1 });
        queue.push(5, Event::UnitRecovers { unit: 2 });
        queue.push(3, Event::UnitRecovers { unit: 3 });
        queue.push(5, Event::UnitRecovers { unit: 4 });
        let order: Vec<u32> = std::iter::from_fn(|| queue.pop())
            .map(|(_, event)| match event {
                Event::UnitRecovers { unit } => unit,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, vec![1, 3, 0, 2, 4]);
    }
}
