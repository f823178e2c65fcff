//! Spawning, scoped threads and yielding for the exercises. Import them from here, not from
//! `std::thread`.
//!
//! In your own builds these are exactly `std::thread`; under the grader's `threadlab-check` feature,
//! inside a test that explores thread schedules, they act as shuttle's, so the scheduler controls when
//! each thread runs (see [`crate::sync`]); elsewhere they start real threads.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::thread::{
    Builder, JoinHandle, Result, Scope, ScopedJoinHandle, current, panicking, scope, sleep, spawn, yield_now,
};

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::thread::{
    Builder, JoinHandle, Result, Scope, ScopedJoinHandle, current, panicking, scope, sleep, spawn, yield_now,
};
