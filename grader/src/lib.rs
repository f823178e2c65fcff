//! threadlab's autograder.
//!
//! [`grading`] is the pipeline (stage, lint, build, run, score; every step re-exported here by its
//! own name, so `grader::stage` and `grader::grading::stage` are one module), [`report`] renders a
//! grade (terminal, JSON, Gradescope, GitHub Classroom, JUnit), [`study`] is the learner's loop
//! (progress, hint, reset, watch), [`classroom`] the teachers' (export, batch, Gradescope bundles),
//! [`authoring`] the course authors' tools (mutants, promises, repeat, bench), [`fixtures`] the local
//! HTTP test server, and [`frontend`] what the CLI's commands print.

pub mod authoring;
pub mod book;
pub mod classroom;
pub mod error;
pub mod fixtures;
pub mod frontend;
pub mod grading;
pub mod report;
pub mod study;

pub use grading::{
    compile, compile_sandbox, course, disallow, grade, interrupt, listing, location, outcome, provenance,
    prune, reads, replay, reuse, run, sandbox, score, soundness, stage, starter, suite, tier,
};

pub use course::{Course, Lesson};
pub use error::{Error, Result};
pub use grade::{Event, Request, grade};
pub use stage::Subject;
pub use tier::Tier;
