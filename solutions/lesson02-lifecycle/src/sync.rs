//! Locks, condition variables and friends for the exercises: take them from here, not from
//! `std::sync`. This is exactly `std::sync`, in your builds and under the grader alike; it exists so
//! that every exercise file takes its threading tools from the course's own modules (see
//! [`crate::thread`], which the grader can make hold new threads back).
//!
//! This file is course code: the grader always uses the course's copy, not yours.

pub use std::sync::*;
