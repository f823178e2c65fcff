//! Locks, condition variables, channels, atomics and `Arc` for the exercises. Import them from here,
//! not from `std::sync`.
//!
//! In your own builds these are exactly `std::sync`. The grader can compile this crate with the
//! `threadlab-check` feature, where they become the checked versions of
//! [shuttle](https://docs.rs/shuttle): each `lock`, `notify`, wait, send and atomic access is a point
//! where a scheduler may switch threads, and the tests run your `Event`, `Heartbeat` and `Runtime`
//! under many schedules with a fixed seed. A stop request that lands between your thread's check of a
//! flag and its wait on a `Condvar` (a lost wake-up) then shows up on every run, even on one CPU, where
//! real threads almost never switch at that moment. Each operation is also recorded, so a failing test
//! can show you the interleaving that broke it.
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
