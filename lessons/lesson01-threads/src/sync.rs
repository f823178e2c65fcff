//! Locks, channels, atomics, barriers and `Arc` for the exercises. Import them from here, not from
//! `std::sync`.
//!
//! In your own builds these are exactly `std::sync`. The grader compiles this crate with the
//! `threadlab-check` feature, where they are checked versions. Most hidden tests run your code on
//! real threads, and there the checked versions behave as std's do (real time, real timeouts). Some
//! tests run it under a checker that explores thread schedules: there they act as
//! [shuttle](https://docs.rs/shuttle)'s, each `lock`, send, receive and atomic access a point where a
//! scheduler may switch threads, and the test tries many schedules with a fixed seed. A result lost
//! between two threads, or a wait that misses a value already sent, then shows up on every run, even
//! on one CPU, where real threads rarely switch at the bad moment. Each operation is also recorded,
//! so a failing test can show you the interleaving that broke it. The checker models no time: there
//! a `recv_timeout` ends only when a value or a hang-up arrives.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::sync::{
    Arc, Barrier, Condvar, LazyLock, LockResult, Mutex, MutexGuard, Once, OnceLock, PoisonError, RwLock,
    RwLockReadGuard, RwLockWriteGuard, TryLockError, WaitTimeoutResult, Weak, atomic, mpsc,
};

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::sync::{
    Arc, Barrier, Condvar, LazyLock, LockResult, Mutex, MutexGuard, Once, OnceLock, PoisonError, RwLock,
    RwLockReadGuard, RwLockWriteGuard, TryLockError, WaitTimeoutResult, Weak, atomic, mpsc,
};
