//! Spawning, scoped threads, sleeping and yielding for the exercises. Import them from here, not
//! from `std::thread`.
//!
//! In your own builds these are exactly `std::thread`; under the grader's `threadlab-check` feature
//! they are shuttle's, so the scheduler controls when each thread runs (see [`crate::sync`]).
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::thread::{
    Builder, JoinHandle, Result, Scope, ScopedJoinHandle, Thread, ThreadId, current, panicking, scope, sleep,
    spawn, yield_now,
};

// How many threads the machine runs at once is a question about the machine, not a scheduling point:
// std's answer in both builds.
pub use std::thread::available_parallelism;

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::thread::{
    Builder, JoinHandle, Result, Scope, ScopedJoinHandle, Thread, ThreadId, current, panicking, scope, sleep,
    spawn, yield_now,
};
