#![doc = include_str!("../../../lessons/lesson02-lifecycle/README.md")]
//! Lesson 02: the thread lifecycle.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! They use `std::thread` and `std::sync` directly.

#![forbid(unsafe_code)]

pub mod advanced;
pub mod beginner;
pub mod intermediate;
