#![doc = include_str!("../../../lessons/lesson03-daemons/README.md")]
//! Lesson 03: daemon threads and shutdown.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Use `std::thread` and `std::sync` directly.

#![forbid(unsafe_code)]

// One module per tier, in tier order; each stands alone.
pub mod beginner;

pub mod intermediate;

pub mod advanced;
