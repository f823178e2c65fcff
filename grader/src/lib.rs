//! threadlab's autograder.
//!
//! The pipeline, one module per step: [`course`] and [`suite`] find the lesson and its hidden tests,
//! [`stage`] writes a pristine crate, [`lint`] keeps tier files inside the checked facade,
//! [`compile`] builds one test binary per tier, [`run`] runs each test in its own process,
//! [`score`] turns outcomes into points, and [`report`] renders them. [`grade`] ties them together;
//! [`starter`] generates the learners' starter files from the solutions; [`authoring`] holds the
//! course authors' tools (`mutants`, `promises`, `repeat`, `bench`); [`classroom`] the teachers' (export, batch,
//! Gradescope); [`study`] the learner's loop (progress, hint, reset, watch).

pub mod authoring;
pub mod classroom;
pub mod compile;
pub mod course;
pub mod error;
pub mod fixtures;
pub mod frontend;
pub mod grade;
pub mod lint;
pub mod location;
pub mod outcome;
pub mod report;
pub mod reuse;
pub mod run;
pub mod sandbox;
pub mod score;
pub mod stage;
pub mod starter;
pub mod study;
pub mod suite;
pub mod tier;

pub use course::{Course, Lesson};
pub use error::{Error, Result};
pub use grade::{Event, Request, grade};
pub use stage::Subject;
pub use tier::Tier;
