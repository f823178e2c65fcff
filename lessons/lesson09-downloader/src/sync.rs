//! Locks, atomics, channels and `Arc` for the exercises. Import them from here, not from `std::sync`.
//!
//! In your own builds these are exactly `std::sync`. The grader compiles this crate with the
//! `threadlab-check` feature, where they are the course's hybrid versions: outside a checker run
//! still `std`'s own (real threads, real time), and inside one, in the hidden tests that call
//! `explore`, [shuttle](https://docs.rs/shuttle)'s. There every lock, atomic access and spawn is a
//! point where a scheduler may switch threads, and the test tries many schedules with a fixed seed,
//! so a lost update, a deadlock or a lost wake-up in your shared state (the progress counters, the results your workers record) is found on every
//! run, even on one CPU; each operation is recorded, so a failing test can show you the interleaving
//! that broke it.
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
