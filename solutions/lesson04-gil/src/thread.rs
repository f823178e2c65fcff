//! Threads that the intermediate tier's tests start around your `SwitchingGil`.
//!
//! In your own builds these are exactly `std::thread`'s; under the grader's `threadlab-check` feature,
//! inside a test that explores thread schedules, they act as shuttle's, so the scheduler controls
//! when each thread runs (see [`crate::sync`]). The exercises themselves need no threads of their own
//! from here.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::thread::{JoinHandle, Scope, ScopedJoinHandle, scope, spawn, yield_now};

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::thread::{JoinHandle, Scope, ScopedJoinHandle, scope, spawn, yield_now};
