//! Seeded, edge-biased inputs for differential tests: the learner's code and the reference run on
//! the same generated cases, and every observable result must agree.
//!
//! Why not proptest or quickcheck: both shrink a failure after the fact, so what a learner is shown
//! depends on a search that may run long inside a test's time limit, and both add seconds of build
//! to every hidden test binary. Here every case is a pure function of the seed and its index, and
//! cases come smallest first (sizes grow with the index), so the first difference found is already
//! a small one, the same on every run: the message can show it as it is.

use std::fmt::Debug;

/// A small, fast, seeded generator (SplitMix64): the same seed gives the same cases everywhere.
#[derive(Debug, Clone)]
pub struct Gen {
    state: u64,
    /// Grows with the case index: sizes and magnitudes stay small for the first cases.
    size: usize,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen { state: seed, size: 8 }
    }

    /// The next raw 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `low..=high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "empty range {low}..={high}");
        match (high - low).checked_add(1) {
            Some(span) => low + self.next_u64() % span,
            None => self.next_u64(),
        }
    }

    /// `true` one time in `n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.range(0, n.max(1) - 1) == 0
    }

    /// A count for a slice length or a number of workers: 0, 1, 2 and `max` (and `max - 1`) often,
    /// anything up to the current size (never above `max`) otherwise.
    pub fn count(&mut self, max: usize) -> usize {
        let edges = [0, 1, 2, max.saturating_sub(1), max];
        if self.one_in(3) {
            return edges[self.range(0, edges.len() as u64 - 1) as usize].min(max);
        }
        self.range(0, self.size.min(max) as u64) as usize
    }

    /// A count in `low..=high`, its ends often.
    pub fn count_in(&mut self, low: usize, high: usize) -> usize {
        if self.one_in(3) {
            return if self.one_in(2) { low } else { high };
        }
        self.range(low as u64, high as u64) as usize
    }

    /// An `i64`: 0, ±1, `MIN`, `MAX` and their neighbours often, small values otherwise.
    pub fn i64(&mut self) -> i64 {
        let edges = [0, 1, -1, 2, -2, i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1];
        if self.one_in(3) {
            return edges[self.range(0, edges.len() as u64 - 1) as usize];
        }
        let magnitude = self.range(0, (self.size as u64) * 4) as i64;
        if self.one_in(2) { -magnitude } else { magnitude }
    }

    /// A `u64`: 0, 1, `MAX` and `MAX - 1` often, small values otherwise.
    pub fn u64(&mut self) -> u64 {
        let edges = [0, 1, 2, u64::MAX, u64::MAX - 1];
        if self.one_in(3) {
            return edges[self.range(0, edges.len() as u64 - 1) as usize];
        }
        self.range(0, (self.size as u64) * 4)
    }

    /// One of `choices` (which must not be empty).
    pub fn pick<T: Clone>(&mut self, choices: &[T]) -> T {
        choices[self.range(0, choices.len() as u64 - 1) as usize].clone()
    }

    /// `count(max_len)` values from `item`; duplicates are likely, as `item` draws from small
    /// ranges.
    pub fn vec<T>(&mut self, max_len: usize, mut item: impl FnMut(&mut Gen) -> T) -> Vec<T> {
        let len = self.count(max_len);
        (0..len).map(|_| item(self)).collect()
    }
}

/// Runs `cases` generated inputs, smallest first, through `learner` and `reference`, and panics
/// at the first input whose results differ, with the input, both results and `what` (the call, in
/// the learner's terms). Results are compared with `==` on values the test builds from what the
/// code returned (never on a learner type's own `PartialEq`).
#[track_caller]
pub fn differential<I, O>(
    seed: u64,
    cases: usize,
    what: &str,
    mut input: impl FnMut(&mut Gen) -> I,
    mut learner: impl FnMut(&I) -> O,
    mut reference: impl FnMut(&I) -> O,
) where
    I: Debug,
    O: PartialEq + Debug,
{
    let mut cases_gen = Gen::new(seed);
    for case in 0..cases {
        // Sizes grow with the index: the first cases are the smallest.
        cases_gen.size = 2 + case / 4;
        let input = input(&mut cases_gen);
        let want = reference(&input);
        let got = learner(&input);
        if got != want {
            ::core::panic!(
                "{what} for {input:?}: expected {want:?} (what the reference gives), got {got:?} \
                 (generated case {case} of {cases}, seed {seed})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_cases() {
        let draw = |seed| {
            let mut g = Gen::new(seed);
            (0..50).map(|_| g.i64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn edges_come_up() {
        let mut g = Gen::new(1);
        let values: Vec<i64> = (0..500).map(|_| g.i64()).collect();
        for edge in [0, 1, -1, i64::MIN, i64::MAX] {
            assert!(values.contains(&edge), "{edge}");
        }
        let counts: Vec<usize> = (0..200).map(|_| g.count(9)).collect();
        assert!(counts.contains(&0) && counts.contains(&9) && counts.iter().all(|&c| c <= 9));
    }

    #[test]
    fn the_first_difference_is_reported_with_its_input() {
        let message = std::panic::catch_unwind(|| {
            differential(
                3,
                100,
                "double(x)",
                |g| g.range(0, 20),
                |x| if *x >= 5 { x * 3 } else { x * 2 },
                |x| x * 2,
            )
        })
        .unwrap_err();
        let message = message.downcast_ref::<String>().unwrap();
        assert!(message.starts_with("double(x) for "), "{message}");
        assert!(message.contains("what the reference gives"), "{message}");
        differential(3, 100, "double(x)", |g| g.u64() / 4, |x| x * 2, |x| x + x);
    }
}
