#![doc = include_str!("../../../lessons/lesson09-downloader/README.md")]
//! Lesson 09: a concurrent downloader.
//!
//! The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands alone.
//! Use `std::thread`, `std::sync` and `ureq` directly: this lesson has no checked facade. The hidden
//! tests run your code against a local test server on 127.0.0.1 (`cargo xtask serve` runs one).

#![forbid(unsafe_code)]

pub mod advanced;
pub mod beginner;
pub mod intermediate;
