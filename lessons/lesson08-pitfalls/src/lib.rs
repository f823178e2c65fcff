#![doc = include_str!("../README.md")]
//! Lesson 08: common pitfalls.
//!
//! Each tier file is a small program that compiles and runs but has the mistakes this lesson is
//! about; your job is to find and fix them. Each tier stands alone.
//!
//! Take locks and threads from [`sync`] and [`thread`] where a tier file does: the grader swaps them
//! for checked versions that try many thread interleavings, so a forgotten join or a deadlock shows up
//! on every run. Code whose point is what real OS threads do (a panic crossing `join`, the process
//! exiting, how many threads exist, CPU time spent waiting) takes them from [`os`], which stays `std`.

#![forbid(unsafe_code)]

pub mod os;
pub mod sync;
pub mod thread;

pub mod advanced;
pub mod beginner;
pub mod intermediate;
