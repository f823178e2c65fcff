//! Locks, atomics, `Arc` and lazy statics for the exercises. Import them from here, not from
//! `std::sync`.
//!
//! In your own builds these are exactly `std::sync`. The grader compiles this crate with the
//! `threadlab-check` feature, where they become the checker's versions: on real threads they are
//! still std's, and inside a checked run every `lock` and atomic access is a point where the checker
//! may switch threads, trying many schedules with a fixed seed. A value you meant to keep per thread
//! but put in one shared static is then seen by the wrong thread on every run, even on one CPU.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::sync::{
    Arc, Barrier, Condvar, LazyLock, LockResult, Mutex, MutexGuard, Once, OnceLock, PoisonError, RwLock,
    RwLockReadGuard, RwLockWriteGuard, TryLockError, Weak, atomic, mpsc,
};

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::sync::{
    Arc, Barrier, Condvar, LazyLock, LockResult, Mutex, MutexGuard, Once, OnceLock, PoisonError, RwLock,
    RwLockReadGuard, RwLockWriteGuard, TryLockError, Weak, atomic, mpsc,
};
