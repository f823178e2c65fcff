//! Spawning, scoped threads, sleeping and thread-locals for the exercises. Import them from here, not
//! from `std::thread`.
//!
//! In your own builds these are exactly `std::thread`. Under the grader's `threadlab-check` feature
//! they are real OS threads too, except inside a checker run, where the scheduler decides when each
//! thread runs (see [`crate::sync`]).
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::thread::{
    Builder, JoinHandle, Result, Scope, ScopedJoinHandle, Thread, ThreadId, current, panicking, park, scope,
    sleep, spawn, yield_now,
};

// `thread_local!` is a macro at std's root; the checked one lives in the checked `thread`.
#[cfg(not(feature = "threadlab-check"))]
pub use std::thread_local;

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::thread::thread_local;

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::thread::{
    Builder, JoinHandle, Result, Scope, ScopedJoinHandle, Thread, ThreadId, current, panicking, park, scope,
    sleep, spawn, yield_now,
};
