#![doc = include_str!("../README.md")]
//! Lesson 04: the GIL, and why Rust has none.
//!
//! `interp.rs` is course code: a simulated interpreter with a global lock, which you use and do not
//! edit. The exercises live in `beginner.rs`, `intermediate.rs` and `advanced.rs`; each tier stands
//! alone.

#![forbid(unsafe_code)]

pub mod interp;

// One module per tier, in tier order; each stands alone.
pub mod beginner;

pub mod intermediate;

pub mod advanced;
