//! The event queue: a 4-ary min-heap ordered by (time, insertion sequence), generic over
//! the event type so that the request-level reference uses the same one.
//!
//! The sequence number makes ties deterministic: two events at the same microsecond are
//! processed in the order they were scheduled, on every run and every machine. Since no two
//! entries share a (time, sequence) key, any correct heap pops them in the same order; this
//! one is written out (rather than `std`'s `BinaryHeap`) so that the key is one `u128`
//! compared without branches (the comparison a heap cannot predict), and so that it is
//! 4-ary: half the depth of a binary heap, so a pop moves half as many entries. A pop
//! leaves the root vacant for the next push, which usually comes from the popped event's
//! handler (a failure schedules its repair, a repair the next failure): one sift down from
//! the root, short for a repair due soon, instead of a removal and an insertion.

use super::Event;
use crate::time::Ticks;

/// Children per node: a shallower heap than a binary one, for fewer moves per pop.
const ARITY: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Entry<E> {
    time: Ticks,
    sequence: u64,
    event: E,
}

impl<E> Entry<E> {
    /// (time, sequence) as one number: earlier time first, then earlier insertion.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.sequence)
    }
}

/// Pending events of one trial. Reused across trials, so it allocates only while it grows
/// to the largest number of simultaneously pending events.
#[derive(Debug)]
pub struct Queue<E> {
    /// A min-heap on `Entry::key`: each entry's key is below its children's.
    heap: Vec<Entry<E>>,
    /// The root has been popped but not yet replaced (see `pop`).
    vacant: bool,
    next_sequence: u64,
}

/// The engine's queue.
pub type EventQueue = Queue<Event>;

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Queue {
            heap: Vec::new(),
            vacant: false,
            next_sequence: 0,
        }
    }
}

impl<E: Copy> Queue<E> {
    /// Empties the queue and restarts the sequence numbers for a new trial.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.vacant = false;
        self.next_sequence = 0;
    }

    /// Schedules `event` at `time`.
    #[inline(always)]
    pub fn push(&mut self, time: Ticks, event: E) {
        let entry = Entry {
            time,
            sequence: self.next_sequence,
            event,
        };
        self.next_sequence += 1;
        if self.vacant {
            // The root was popped: the new entry takes its place and goes down as far as
            // it must (not far for a repair, which is due soon).
            self.vacant = false;
            self.sift_down(entry);
        } else {
            self.heap.push(entry);
            self.sift_up(self.heap.len() - 1, entry);
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Ticks, E)> {
        if self.vacant {
            self.remove_root();
        }
        let top = *self.heap.first()?;
        // Left in place until the next push or pop: an event's handler usually schedules
        // the next event of the same unit, which then fills the root directly.
        self.vacant = true;
        Some((top.time, top.event))
    }

    /// Fills the vacant root with the last entry (nothing was pushed since the pop).
    fn remove_root(&mut self) {
        self.vacant = false;
        let Some(last) = self.heap.pop() else {
            return;
        };
        if self.heap.is_empty() {
            return;
        }
        // Floyd's deletion: the hole at the root goes down the smallest child all the way
        // to the bottom (the last entry, a leaf, nearly always belongs there), then the
        // last entry rises from there.
        let mut hole = 0;
        while let Some(child) = self.smallest_child(hole) {
            self.heap[hole] = self.heap[child];
            hole = child;
        }
        self.sift_up(hole, last);
    }

    /// The child of `parent` with the smallest key, if it has any.
    #[inline(always)]
    fn smallest_child(&self, parent: usize) -> Option<usize> {
        let heap = &self.heap[..];
        let first = ARITY * parent + 1;
        if first + ARITY <= heap.len() {
            // All children present: the smallest of four without branches.
            let a = first + usize::from(heap[first + 1].key() < heap[first].key());
            let b = first + 2 + usize::from(heap[first + 3].key() < heap[first + 2].key());
            return Some(if heap[b].key() < heap[a].key() { b } else { a });
        }
        let mut child = first;
        if child >= heap.len() {
            return None;
        }
        for c in first + 1..heap.len() {
            if heap[c].key() < heap[child].key() {
                child = c;
            }
        }
        Some(child)
    }

    /// Puts `entry` in the vacant root, moving it down past smaller children.
    #[inline(always)]
    fn sift_down(&mut self, entry: Entry<E>) {
        let key = entry.key();
        let mut hole = 0;
        while let Some(child) = self.smallest_child(hole) {
            if key <= self.heap[child].key() {
                break;
            }
            self.heap[hole] = self.heap[child];
            hole = child;
        }
        self.heap[hole] = entry;
    }

    /// Puts `entry` in the hole at `hole`, moving it up past larger parents.
    #[inline(always)]
    fn sift_up(&mut self, mut hole: usize, entry: Entry<E>) {
        let heap = &mut self.heap[..];
        let key = entry.key();
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if heap[parent].key() <= key {
                break;
            }
            heap[hole] = heap[parent];
            hole = parent;
        }
        heap[hole] = entry;
    }

    pub fn len(&self) -> usize {
        self.heap.len() - usize::from(self.vacant)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

    #[test]
    fn pops_in_key_order_like_a_sorted_list() {
        // Pseudo-random times with many ties, pushes interleaved with pops.
        let mut queue: Queue<u32> = Queue::default();
        let mut reference: Vec<(Ticks, u64, u32)> = Vec::new();
        let mut state = 12345u64;
        let mut sequence = 0;
        for step in 0..5_000u32 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if state >> 62 != 0 {
                let time = (state >> 40) % 50;
                queue.push(time, step);
                reference.push((time, sequence, step));
                sequence += 1;
            } else {
                reference.sort();
                let expected = (!reference.is_empty()).then(|| reference.remove(0));
                assert_eq!(queue.pop(), expected.map(|(t, _, e)| (t, e)));
            }
            assert_eq!(queue.len(), reference.len());
        }
    }
}
