//! Locks, atomics, channels and `Arc` for the exercises. Import them from here, not from `std::sync`.
//!
//! In your own builds these are exactly `std::sync`. The grader compiles this crate with the
//! `threadlab-check` feature, where they become the course's checked versions: the hidden tests can
//! then drive your shared state (the progress counters, the results a worker records) under many
//! thread schedules with a fixed seed, so a lost update is found on every run, even on one CPU. Your
//! downloads themselves still run on real threads against a real server.
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
