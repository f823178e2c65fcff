//! Threads and thread-locals for the exercises: `spawn`, `scope`, `current`, `ThreadId` and the
//! `thread_local!` macro. Import them from here, not from `std::thread` (and write
//! `use crate::thread::thread_local;` before declaring a thread-local).
//!
//! In your own builds these are exactly `std::thread` and `std::thread_local!`. Under the grader's
//! `threadlab-check` feature they are the checker's: real threads outside a checked run, and inside
//! one, threads whose turns the checker decides, each with thread-locals of its own (see
//! [`crate::sync`]).
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use std::thread::{
    AccessError, Builder, JoinHandle, LocalKey, Result, Scope, ScopedJoinHandle, Thread, ThreadId,
    available_parallelism, current, panicking, scope, sleep, spawn, yield_now,
};
#[cfg(not(feature = "threadlab-check"))]
pub use std::thread_local;

#[cfg(feature = "threadlab-check")]
pub use threadlab_trace::checked::thread::{
    AccessError, Builder, JoinHandle, LocalKey, Result, Scope, ScopedJoinHandle, Thread, ThreadId,
    available_parallelism, current, panicking, scope, sleep, spawn, thread_local, yield_now,
};
