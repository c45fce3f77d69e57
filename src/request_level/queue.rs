//! The request-level event queue: a binary heap ordered by (time, insertion sequence), so
//! that simultaneous events run in the order they were scheduled, on every run.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::Ticks;

#[derive(Debug, Clone, Copy)]
struct Entry<E> {
    time: Ticks,
    sequence: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.sequence) == (other.time, other.sequence)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed: std's max-heap then pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.sequence).cmp(&(self.time, self.sequence))
    }
}

/// Pending events of one trial, reused across trials.
#[derive(Debug)]
pub struct Queue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_sequence: u64,
}

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            next_sequence: 0,
        }
    }
}

impl<E> Queue<E> {
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_sequence = 0;
    }

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

    #[inline]
    pub fn pop(&mut self) -> Option<(Ticks, E)> {
        self.heap.pop().map(|entry| (entry.time, entry.event))
    }
}
