//! Tools for course authors and teachers checking a suite: `repeat` (does a grade give the same
//! verdicts every run?) and `bench` (how long the learner's loop and a batch take).

pub mod bench;
pub mod repeat;
