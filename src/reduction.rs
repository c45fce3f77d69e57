//! The canonical reduction of chunk results: a binary tree over chunk numbers, the same
//! whatever machine, thread or shard computed which chunk.
//!
//! Floating-point merges are not associative, so "merge the chunks in order" only gives the
//! same bits if everybody folds in the same order. A left fold cannot be split between
//! machines; a tree can. Chunk c is leaf c of a perfect binary tree over [0, 2^m), and every
//! node is the merge of its left and right children (a child wholly past the last chunk is
//! absent, and the node is then its other child). Any aligned block of chunks [i 2^k,
//! (i + 1) 2^k) is a node, so a shard that covers an arbitrary range of chunks hands over
//! the at most 2 log2(chunks) maximal aligned blocks of its range (`blocks`), and the merge
//! rebuilds exactly the same tree from them (`Reduction::push_block`, `root`).
//!
//! In memory a `Reduction` is a binary counter: a stack of blocks of strictly decreasing
//! size, the maximal aligned blocks of [0, chunks pushed), so it holds O(log chunks) results.

/// Something whose results over disjoint ranges of trials combine, `self` before `later`.
pub trait Merge: Clone {
    fn merge(&mut self, later: &Self);
}

/// The canonical reduction of chunks 0, 1, 2, ... pushed in order.
#[derive(Debug, Clone)]
pub struct Reduction<A> {
    /// (level, result of the aligned block of 2^level chunks), largest first.
    stack: Vec<(u32, A)>,
    /// Chunks pushed so far.
    chunks: u64,
}

impl<A> Default for Reduction<A> {
    fn default() -> Self {
        Reduction {
            stack: Vec::new(),
            chunks: 0,
        }
    }
}

impl<A: Merge> Reduction<A> {
    /// Chunks reduced so far.
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// Adds the next chunk's result.
    pub fn push(&mut self, chunk: A) {
        self.push_block(0, chunk);
    }

    /// Adds the result of the next aligned block of 2^level chunks (it must start at
    /// `chunks()`, a multiple of 2^level: `blocks` gives such blocks). Returns false, adding
    /// nothing, when it does not.
    pub fn push_block(&mut self, level: u32, block: A) -> bool {
        let size = 1u64 << level;
        if !self.chunks.is_multiple_of(size) {
            return false;
        }
        self.stack.push((level, block));
        self.chunks += size;
        // Two blocks of the same size side by side are the two halves of their parent.
        while self.stack.len() >= 2 {
            let n = self.stack.len();
            if self.stack[n - 2].0 != self.stack[n - 1].0 {
                break;
            }
            let (level, right) = self.stack.pop().expect("two blocks");
            let left = &mut self.stack.last_mut().expect("two blocks").1;
            left.merge(&right);
            self.stack.last_mut().expect("two blocks").0 = level + 1;
        }
        true
    }

    /// The reduction of everything pushed: the root of the tree over [0, chunks), whose
    /// right-hand nodes are partial (the smaller blocks merge first, right to left).
    pub fn root(&self) -> Option<A> {
        let mut blocks = self.stack.iter().rev();
        let mut root = blocks.next()?.1.clone();
        for (_, earlier) in blocks {
            let mut left = earlier.clone();
            left.merge(&root);
            root = left;
        }
        Some(root)
    }

    /// The blocks on the stack, largest first: (first chunk, level, result).
    pub fn blocks(&self) -> Vec<(u64, u32, &A)> {
        let mut start = 0;
        self.stack
            .iter()
            .map(|(level, block)| {
                let first = start;
                start += 1u64 << level;
                (first, *level, block)
            })
            .collect()
    }
}

/// The maximal aligned blocks covering chunks [from, to), in order, as (first chunk,
/// level): what a shard over that range computes and hands over.
pub fn blocks(from: u64, to: u64) -> Vec<(u64, u32)> {
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let mut level = if at == 0 { 63 } else { at.trailing_zeros() };
        while level > 0 && (level >= 63 || at + (1u64 << level) > to) {
            level -= 1;
        }
        out.push((at, level));
        at += 1u64 << level;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A merge that records its tree as text, to compare shapes.
    #[derive(Debug, Clone, PartialEq)]
    struct Shape(String);
    impl Merge for Shape {
        fn merge(&mut self, later: &Self) {
            self.0 = format!("({} {})", self.0, later.0);
        }
    }

    fn whole(chunks: u64) -> String {
        let mut r = Reduction::default();
        for c in 0..chunks {
            r.push(Shape(c.to_string()));
        }
        r.root().unwrap().0
    }

    #[test]
    fn the_tree_is_the_perfect_one_truncated() {
        assert_eq!(whole(1), "0");
        assert_eq!(whole(4), "((0 1) (2 3))");
        assert_eq!(whole(7), "(((0 1) (2 3)) ((4 5) 6))");
    }

    #[test]
    fn any_split_into_blocks_rebuilds_the_same_tree() {
        for chunks in 1..40u64 {
            let expected = whole(chunks);
            for cut in 0..=chunks {
                let mut r = Reduction::default();
                for (from, to) in [(0, cut), (cut, chunks)] {
                    for (first, level) in blocks(from, to) {
                        let mut local = Reduction::default();
                        for c in first..first + (1 << level) {
                            local.push(Shape(c.to_string()));
                        }
                        assert!(r.push_block(level, local.root().unwrap()));
                    }
                }
                assert_eq!(
                    r.root().unwrap().0,
                    expected,
                    "{chunks} chunks cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn blocks_are_maximal_and_aligned() {
        assert_eq!(blocks(0, 7), vec![(0, 2), (4, 1), (6, 0)]);
        assert_eq!(blocks(3, 9), vec![(3, 0), (4, 2), (8, 0)]);
        assert!(blocks(5, 5).is_empty());
        let mut r: Reduction<Shape> = Reduction::default();
        r.push(Shape("0".into()));
        assert!(!r.push_block(1, Shape("x".into())), "misaligned");
    }
}
