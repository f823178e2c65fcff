#![doc = include_str!("../../../lessons/lesson06-thread-local/README.md")]
//! Lesson 06: thread-local storage.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Use `std::thread`, `std::cell` and `std::sync` directly: this lesson has no checked facade.

#![forbid(unsafe_code)]

pub mod advanced;
pub mod beginner;
pub mod intermediate;
