#![doc = include_str!("../../../lessons/lesson05-races/README.md")]
//! Lesson 05: race conditions.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Take locks, atomics and threads from [`sync`] and [`thread`], never from `std` directly: the
//! grader swaps them for checked versions that try many thread interleavings.

#![forbid(unsafe_code)]

pub mod sync;
pub mod thread;

pub mod advanced;
pub mod beginner;
pub mod intermediate;
