#![doc = include_str!("../../../lessons/lesson07-executors/README.md")]
//! Lesson 07: executors and pools.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Take locks, atomics and threads from [`sync`] and [`thread`], and channels from [`channel`], never
//! from `std` or `crossbeam_channel` directly: in your builds they are exactly those, and the grader
//! swaps them for checked versions that try many thread interleavings.

#![forbid(unsafe_code)]

pub mod channel;
pub mod sync;
pub mod thread;

pub mod advanced;
pub mod beginner;
pub mod intermediate;
