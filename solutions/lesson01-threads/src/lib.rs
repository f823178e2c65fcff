#![doc = include_str!("../../../lessons/lesson01-threads/README.md")]
//! Lesson 01: spawning and joining.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Use `std::thread` and `std::sync` directly: this lesson has no checked facade.

#![forbid(unsafe_code)]

pub mod advanced;
pub mod beginner;
pub mod intermediate;
