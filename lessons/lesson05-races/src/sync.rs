//! Locks, atomics and `Arc` for the exercises. Import them from here, not from `std::sync`.
//!
//! In your own builds these are exactly `std::sync`. The grader compiles this crate with the
//! `threadlab-check` feature, where they are checked versions: inside a test that explores thread
//! schedules they act as [shuttle](https://docs.rs/shuttle)'s, so every `lock`, atomic access and
//! spawn becomes a point where a scheduler may switch threads, and the test tries many schedules with
//! a fixed seed. A lost update or a lock-order deadlock is then found on every run, even on a machine
//! with one CPU, where real threads rarely interleave at the bad moment. Each operation is also
//! recorded, so a failing test can show you the interleaving that broke it. Everywhere else they are
//! `std::sync`'s own behaviour: real threads, real time.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::sync::{
    Arc, Barrier, Condvar, LockResult, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard,
    RwLockWriteGuard, TryLockError, Weak, atomic, mpsc,
};

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::sync::{
    Arc, Barrier, Condvar, LockResult, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard,
    RwLockWriteGuard, TryLockError, Weak, atomic, mpsc,
};
