#![doc = include_str!("../README.md")]
//! Lesson 08: common pitfalls.
//!
//! Each tier file is a small program that compiles and runs but has the mistakes this lesson is
//! about; your job is to find and fix them. Each tier stands alone.
//!
//! Take locks and threads from [`sync`] and [`thread`], never from `std` directly. Outside the
//! checker they are `std`'s own, so the tests that are about what real OS threads do (a panic
//! crossing `join`, the process exiting, how many threads exist, CPU time spent waiting) see exactly
//! that; inside the checker's runs they are checked versions that try many thread interleavings, so a
//! forgotten join, a deadlock or a lost wake-up shows up on every run.

#![forbid(unsafe_code)]

pub mod sync;
pub mod thread;

pub mod advanced;
pub mod beginner;
pub mod intermediate;
