//! The locks for the intermediate exercise, `SwitchingGil`. Import them from here, not from
//! `std::sync`.
//!
//! In your own builds these are exactly `std::sync`'s. The grader compiles this crate with the
//! `threadlab-check` feature, where they are checked versions: inside a test that explores thread
//! schedules they act as [shuttle](https://docs.rs/shuttle)'s, so every `lock`, `wait` and `notify`
//! becomes a point where a scheduler may switch threads, and the test tries many schedules with a
//! fixed seed (elsewhere they behave as `std`'s). A hand-over done in two steps, or a wake-up that
//! goes to the wrong thread, is then found on every run, even on a machine with one CPU, where real
//! threads rarely interleave at the bad moment (lesson 05 explains the idea).
//!
//! Only the intermediate tier uses this module; the beginner and advanced tiers run the course's
//! own lock on real threads, with `std::thread`.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::sync::{Arc, Condvar, LockResult, Mutex, MutexGuard, PoisonError, TryLockError, atomic};

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::sync::{
    Arc, Condvar, LockResult, Mutex, MutexGuard, PoisonError, TryLockError, atomic,
};
