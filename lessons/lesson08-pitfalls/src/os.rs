//! Real OS threads and locks, for the code in this lesson whose point is what the operating system
//! does: a panic crossing `join`, the process exiting while a thread still works, how many threads a
//! program starts, and the CPU time a thread spends waiting.
//!
//! These are exactly `std::sync` and `std::thread`, in your builds and under the grader alike (the
//! checked versions in [`crate::sync`] and [`crate::thread`] cannot show any of those things). The
//! tier files that take them from here say so.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

pub use std::sync;
pub use std::thread;
