#![doc = include_str!("../README.md")]
//! Lesson 04: the GIL, and why Rust has none.
//!
//! `interp.rs` is course code: a simulated interpreter with a global lock, which you use and do not
//! edit, and so are [`sync`] and [`thread`], the locks and threads of the intermediate tier (the grader
//! swaps them for checked versions that try many thread interleavings). The exercises live in `beginner.rs`,
//! `intermediate.rs` and `advanced.rs`; each tier stands alone.

#![forbid(unsafe_code)]

pub mod interp;
pub mod sync;
pub mod thread;

// One module per tier, in tier order; each stands alone.
pub mod beginner;

pub mod intermediate;

pub mod advanced;
