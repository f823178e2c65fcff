//! Spawning, scoped threads and sleeping for the exercises. Import them from here, not from
//! `std::thread`.
//!
//! In your own builds these are exactly `std::thread`; under the grader's `threadlab-check` feature
//! they are the course's checked versions (see [`crate::sync`]).
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
