//! Spawning, joining, scoped threads and sleeping for the exercises. Import them from here, not from
//! `std::thread`.
//!
//! In your own builds these are exactly `std::thread`. Under the grader's `threadlab-check` feature
//! they start real threads, except in a test that explores thread schedules, where the checker's
//! scheduler decides when each thread runs (see [`crate::sync`]).
//!
//! [`available_parallelism`] is std's in both: it asks the operating system how many threads can run
//! at once, and starts, blocks or orders nothing.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::thread::{
    Builder, JoinHandle, Result, Scope, ScopedJoinHandle, Thread, ThreadId, current, panicking, park,
    park_timeout, scope, sleep, spawn, yield_now,
};

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::thread::{
    Builder, JoinHandle, Result, Scope, ScopedJoinHandle, Thread, ThreadId, current, panicking, park,
    park_timeout, scope, sleep, spawn, yield_now,
};

pub use std::thread::available_parallelism;
