//! Winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document
//! fingerprinting", SIGMOD 2003), the algorithm of MOSS and Dolos: hash every run of `k` tokens
//! (k-gram), then keep the smallest hash of every window of `w` consecutive k-grams. Two files that
//! share a run of at least `k + w - 1` tokens are guaranteed to share a fingerprint, and runs shorter
//! than `k` are never matched, so common short idioms are noise the method ignores by construction.

use super::tokens::Token;

/// One kept k-gram: its hash, and the index of its first token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: u64,
    pub start: usize,
}

/// The hash of every k-gram of `tokens`, in order (none when there are fewer than `k` tokens).
pub fn kgram_hashes(tokens: &[Token], k: usize) -> Vec<u64> {
    if k == 0 {
        return Vec::new();
    }
    tokens.windows(k).map(hash_gram).collect()
}

/// FNV-1a over the k-gram's token texts, each followed by a separator byte no token contains. Fixed
/// (unlike std's hasher), so a report can be reproduced; its quality is ample for sets of a few
/// thousand hashes.
fn hash_gram(gram: &[Token]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for token in gram {
        for byte in token.text.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The fingerprints winnowing keeps from `hashes`: in each window of `w` hashes the smallest (the
/// rightmost of equal ones), each position once. A file with fewer than `w` k-grams is one window, so
/// a short file still has a fingerprint.
pub fn winnow(hashes: &[u64], w: usize) -> Vec<Fingerprint> {
    let w = w.max(1);
    let mut kept: Vec<Fingerprint> = Vec::new();
    if hashes.is_empty() {
        return kept;
    }
    let windows = hashes.len().saturating_sub(w) + 1;
    for first in 0..windows {
        let end = (first + w).min(hashes.len());
        let mut at = first;
        for i in first..end {
            if hashes[i] <= hashes[at] {
                at = i;
            }
        }
        if kept.last().is_none_or(|f| f.start != at) {
            kept.push(Fingerprint {
                hash: hashes[at],
                start: at,
            });
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_window_keeps_its_rightmost_minimum_once() {
        // The paper's example shape: windows of 4 over these hashes.
        let hashes = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98];
        let kept: Vec<(u64, usize)> = winnow(&hashes, 4).iter().map(|f| (f.hash, f.start)).collect();
        assert_eq!(kept, [(17, 3), (17, 6), (8, 8), (39, 11), (17, 15)]);
        assert_eq!(winnow(&[5, 3, 9], 4), [Fingerprint { hash: 3, start: 1 }]);
        assert!(winnow(&[], 4).is_empty());
    }

    #[test]
    fn every_shared_run_of_k_plus_w_minus_one_tokens_shares_a_fingerprint() {
        let token = |text| Token { text, line: 1 };
        let shared: Vec<Token> = ["a", "b", "c", "d", "e", "f", "g", "h"].map(token).to_vec();
        let (k, w) = (3, 4); // k + w - 1 = 6 <= 8 shared tokens
        let mut one = ["x", "y"].map(token).to_vec();
        one.extend(shared.clone());
        let mut two = shared.clone();
        two.extend(["z", "z", "z", "q"].map(token));
        let prints = |tokens: &[Token]| -> Vec<u64> {
            winnow(&kgram_hashes(tokens, k), w)
                .into_iter()
                .map(|f| f.hash)
                .collect()
        };
        let (one, two) = (prints(&one), prints(&two));
        assert!(one.iter().any(|h| two.contains(h)), "{one:?} {two:?}");
        assert_eq!(kgram_hashes(&shared[..2], 3), Vec::<u64>::new());
    }
}
