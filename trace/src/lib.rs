//! Recording and drawing thread interleavings.
//!
//! Under the grader's checking mode, a lesson's `sync`/`thread` facade is [`checked`]: inside a
//! checker run ([`active`], which the harness's `explore` turns on) its locks, atomics and threads
//! are shuttle's, each of whose operations is recorded in the [`log`] with the thread that did it, the
//! object it touched, the value it saw or wrote, and the learner's line (`#[track_caller]`); outside
//! one they are `std`'s, and nothing is recorded. The harness clears the log when shuttle starts a
//! schedule; when a test fails, [`render`] draws the failing schedule as lanes, one per thread,
//! trimmed to the steps that matter: the last operations on the value that came out wrong, or the
//! cycle of a deadlock.

mod active;
pub mod log;
pub mod render;

pub use active::{Active, active};

#[cfg(feature = "shuttle")]
pub mod checked;
