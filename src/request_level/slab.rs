//! A slab of frames (requests in flight) with generations: a freed slot is reused, and a
//! `Handle` to the old occupant no longer resolves, so late answers to a frame that already
//! finished (a caller that gave up, a try that timed out) are dropped safely.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handle {
    pub index: u32,
    pub generation: u32,
}

#[derive(Debug)]
pub struct Slab<T> {
    slots: Vec<(u32, Option<T>)>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    pub fn clear(&mut self) {
        self.slots.clear();
        self.free.clear();
    }

    pub fn insert(&mut self, value: T) -> Handle {
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.1 = Some(value);
            Handle {
                index,
                generation: slot.0,
            }
        } else {
            self.slots.push((0, Some(value)));
            Handle {
                index: self.slots.len() as u32 - 1,
                generation: 0,
            }
        }
    }

    #[inline]
    pub fn get(&self, handle: Handle) -> Option<&T> {
        match self.slots.get(handle.index as usize) {
            Some((generation, value)) if *generation == handle.generation => value.as_ref(),
            _ => None,
        }
    }

    #[inline]
    pub fn get_mut(&mut self, handle: Handle) -> Option<&mut T> {
        match self.slots.get_mut(handle.index as usize) {
            Some((generation, value)) if *generation == handle.generation => value.as_mut(),
            _ => None,
        }
    }

    pub fn remove(&mut self, handle: Handle) -> Option<T> {
        let slot = self.slots.get_mut(handle.index as usize)?;
        if slot.0 != handle.generation {
            return None;
        }
        let value = slot.1.take()?;
        slot.0 = slot.0.wrapping_add(1);
        self.free.push(handle.index);
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_handles_do_not_resolve() {
        let mut slab = Slab::default();
        let a = slab.insert(1);
        assert_eq!(slab.remove(a), Some(1));
        let b = slab.insert(2);
        assert_eq!(b.index, a.index);
        assert_eq!(slab.get(a), None);
        assert_eq!(slab.get(b), Some(&2));
        assert_eq!(slab.remove(a), None);
    }
}
