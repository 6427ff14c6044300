//! The simulator's randomness: one small generator per document, seeded from the run's seed and
//! the document's index, so document `i` is the same whatever else is generated around it.
//!
//! Only the raw 32-bit stream of XorShift128 is used; every range and choice is derived here, so
//! the output does not change when a `rand` release changes its distribution code.

use rand_core::{Rng as _, SeedableRng as _};
use rand_xorshift::XorShiftRng;

/// SplitMix64's finaliser: spreads a 64-bit value over all bits.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded random stream for one document.
#[derive(Debug)]
pub(crate) struct Rng(XorShiftRng);

impl Rng {
    /// The stream of document `index` in the run seeded with `seed`.
    pub(crate) fn for_document(seed: u64, index: u64) -> Rng {
        let a = mix64(seed ^ mix64(index));
        let b = mix64(a ^ 0x5851_F42D_4C95_7F2D);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_le_bytes());
        bytes[8..].copy_from_slice(&b.to_le_bytes());
        Rng(XorShiftRng::from_seed(bytes))
    }

    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    /// A uniform integer in `0..n` (`0` when `n` is 0). Multiply-shift: the bias is below
    /// 2^-32 per draw, irrelevant here.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        ((u64::from(self.next_u32()) * n) >> 32) as usize
    }

    /// A uniform integer in `lo..=hi`.
    pub(crate) fn int(&mut self, lo: u32, hi: u32) -> u32 {
        let span = hi.saturating_sub(lo) as usize + 1;
        lo + self.below(span) as u32
    }

    /// A uniform float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        f64::from(self.next_u32()) / 4_294_967_296.0
    }

    /// A uniform float in `[lo, hi)`.
    pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element, uniformly.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// One element, by integer weight. `items` must not be empty.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(u32, T)]) -> &'a T {
        let total: u32 = items.iter().map(|(w, _)| *w).sum();
        let mut x = self.below(total as usize) as u32;
        for (w, item) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_stream_depends_only_on_seed_and_index() {
        let draw = |seed, index| {
            let mut r = Rng::for_document(seed, index);
            (0..8).map(|_| r.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7, 3), draw(7, 3));
        assert_ne!(draw(7, 3), draw(7, 4));
        assert_ne!(draw(7, 3), draw(8, 3));
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut r = Rng::for_document(1, 1);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let i = r.int(3, 5);
            assert!((3..=5).contains(&i));
            let f = r.range(2.0, 4.0);
            assert!((2.0..4.0).contains(&f));
        }
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn weighted_choice_follows_the_weights() {
        let mut r = Rng::for_document(9, 9);
        let items = [(1, 'a'), (0, 'b'), (3, 'c')];
        let mut counts = [0u32; 3];
        for _ in 0..4000 {
            match r.weighted(&items) {
                'a' => counts[0] += 1,
                'b' => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > 2 * counts[0], "{counts:?}");
    }
}
