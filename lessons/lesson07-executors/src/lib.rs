#![doc = include_str!("../README.md")]
//! Lesson 07: executors and pools.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Use `std::thread`, `std::sync` and `crossbeam_channel` directly: this lesson has no checked facade.

#![forbid(unsafe_code)]

pub mod advanced;
pub mod beginner;
pub mod intermediate;
