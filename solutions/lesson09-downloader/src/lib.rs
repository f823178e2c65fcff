#![doc = include_str!("../../../lessons/lesson09-downloader/README.md")]
//! Lesson 09: a concurrent downloader.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Take locks, atomics, channels and threads from [`sync`] and [`thread`], never from `std` directly:
//! in your builds they are `std`'s, and the grader swaps them for checked versions that can run your
//! shared state under many thread schedules. The hidden tests run your code against a local test
//! server on 127.0.0.1 (`cargo xtask serve` runs one).

#![forbid(unsafe_code)]

pub mod sync;
pub mod thread;

pub mod advanced;
pub mod beginner;
pub mod intermediate;
