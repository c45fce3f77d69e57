//! The event queue: a binary heap ordered by (time, insertion sequence), generic over the
//! event type so that the request-level reference uses the same one.
//!
//! The sequence number makes ties deterministic: two events at the same microsecond are
//! processed in the order they were scheduled, on every run and every machine.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::Event;
use crate::time::Ticks;

#[derive(Debug, Clone, Copy)]
struct Entry<E> {
    time: Ticks,
    sequence: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that std's max-heap pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.sequence).cmp(&(self.time, self.sequence))
    }
}

/// Pending events of one trial. Reused across trials, so it allocates only while it grows
/// to the largest number of simultaneously pending events.
#[derive(Debug)]
pub struct Queue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_sequence: u64,
}

/// The engine's queue.
pub type EventQueue = Queue<Event>;

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            next_sequence: 0,
        }
    }
}

impl<E> Queue<E> {
    /// Empties the queue and restarts the sequence numbers for a new trial.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_sequence = 0;
    }

    /// Schedules `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: Ticks, event: E) {
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
    pub fn pop(&mut self) -> Option<(Ticks, E)> {
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
