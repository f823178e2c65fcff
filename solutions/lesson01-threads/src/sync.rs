//! Locks, channels, atomics, barriers and `Arc` for the exercises. Import them from here, not from
//! `std::sync`.
//!
//! In your own builds these are exactly `std::sync`. The grader can compile this crate with the
//! `threadlab-check` feature, where they become the checked versions of
//! [shuttle](https://docs.rs/shuttle): each `lock`, send, receive and atomic access is a point where
//! a scheduler may switch threads, and the tests run your code under many schedules with a fixed
//! seed. A result lost between two threads, or a wait that misses a value already sent, then shows
//! up on every run, even on one CPU, where real threads rarely switch at the bad moment. Each
//! operation is also recorded, so a failing test can show you the interleaving that broke it.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::sync::{
    Arc, Barrier, Condvar, LockResult, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard,
    RwLockWriteGuard, TryLockError, WaitTimeoutResult, Weak, atomic, mpsc,
};

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::sync::{
    Arc, Barrier, Condvar, LockResult, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard,
    RwLockWriteGuard, TryLockError, WaitTimeoutResult, Weak, atomic, mpsc,
};
