#![doc = include_str!("../../../lessons/lesson06-thread-local/README.md")]
//! Lesson 06: thread-local storage.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Take threads and the `thread_local!` macro from [`thread`], and locks and atomics from [`sync`],
//! never from `std` directly: in your builds they are std's, and the grader swaps them for checked
//! versions that try many thread interleavings. `std::cell` (`Cell`, `RefCell`) is yours to use as it
//! is.

#![forbid(unsafe_code)]

pub mod sync;
pub mod thread;

pub mod advanced;
pub mod beginner;
pub mod intermediate;
