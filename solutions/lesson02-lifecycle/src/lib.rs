#![doc = include_str!("../../../lessons/lesson02-lifecycle/README.md")]
//! Lesson 02: the thread lifecycle.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Take threads from [`thread`] and locks from [`sync`], not from `std` directly: in your builds they
//! are exactly `std::thread` and `std::sync`; under the grader, [`thread`] can hold a new thread back
//! before it runs any of your code, or let it run to its end before `spawn` returns, so the tests can
//! check what `start` and `spawn` did in either order without racing the new thread.

#![forbid(unsafe_code)]

pub mod sync;
pub mod thread;

pub mod advanced;
pub mod beginner;
pub mod intermediate;
