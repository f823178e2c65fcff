//! Tools for course authors and teachers checking a suite: `repeat` (does a grade give the same
//! verdicts every run?).

pub mod repeat;
