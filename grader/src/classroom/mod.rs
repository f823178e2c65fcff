//! A teacher's tools: grading a whole class into a gradebook (`batch`).

pub mod batch;
pub mod layout;
