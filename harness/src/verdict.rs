//! The result record a test process leaves for the grader, and the MAC that proves the harness wrote it.
//!
//! The grader sends a fresh 16-byte key per test as raw bytes on stdin (never as text, never in the
//! environment or the arguments). The harness keeps it in a local and uses it once, after the test
//! body returned or panicked, to compute SipHash-2-4-128 over the test's name, the sandbox line, the
//! outcome and the message. The record itself carries only that MAC, never the key: a record copied
//! from one test (or one run) proves nothing for another, and a record written by anything that does
//! not hold the key is rejected. `grader/src/grading/run.rs` checks it with the same function (the test vector
//! below is repeated there).

use siphasher::sip128::SipHasher24;

/// The first line of a result file, so the grader can tell it from anything else.
pub const RESULT_MAGIC: &str = "threadlab-result 2";

/// Bytes of key the grader sends first on stdin.
pub const KEY_LEN: usize = 16;

/// The MAC of one verdict: each field is followed by a NUL, so no two field lists hash alike.
pub fn mac(key: &[u8; KEY_LEN], test: &str, sandbox: &str, outcome: &str, message: &str) -> u128 {
    let mut bytes = Vec::with_capacity(test.len() + sandbox.len() + outcome.len() + message.len() + 32);
    bytes.extend_from_slice(b"threadlab-verdict\0");
    for field in [test, sandbox, outcome, message] {
        bytes.extend_from_slice(field.as_bytes());
        bytes.push(0);
    }
    SipHasher24::new_with_key(key).hash(&bytes).into()
}

/// The whole record: magic, sandbox line, outcome, MAC, then the message (which may span lines).
pub fn render(key: &[u8; KEY_LEN], test: &str, sandbox: &str, outcome: &str, message: &str) -> String {
    let tag = mac(key, test, sandbox, outcome, message);
    format!("{RESULT_MAGIC}\nsandbox {sandbox}\noutcome {outcome}\nmac {tag:032x}\n{message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mac_matches_the_graders_test_vector() {
        let key: [u8; KEY_LEN] = std::array::from_fn(|i| i as u8);
        assert_eq!(
            format!("{:032x}", mac(&key, "t", "landlock abi 6", "passed", "")),
            "de802ab6d8ffa4cd0a5c48e98c35a32d"
        );
    }

    #[test]
    fn every_field_changes_the_mac() {
        let key = [7u8; KEY_LEN];
        let base = mac(&key, "a", "s", "passed", "m");
        assert_ne!(base, mac(&key, "b", "s", "passed", "m"));
        assert_ne!(base, mac(&key, "a", "x", "passed", "m"));
        assert_ne!(base, mac(&key, "a", "s", "failed", "m"));
        assert_ne!(base, mac(&key, "a", "s", "passed", "n"));
        assert_ne!(base, mac(&key, "as", "", "passed", "m"));
        assert_ne!(base, mac(&[8u8; KEY_LEN], "a", "s", "passed", "m"));
    }
}
