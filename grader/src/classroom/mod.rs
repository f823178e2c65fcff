//! A teacher's tools: a student copy of the course (`export`, with its GitHub Classroom `workflow`),
//! grading a whole class into a gradebook (`batch`), several lessons' gradebooks combined into one
//! (`combine`), a class report and the similarity of students' files (`class_report`, `similarity`).

pub mod batch;
pub mod class_report;
pub mod combine;
pub mod deadline;
pub mod export;
pub mod gradebook;
pub mod gradescope;
pub mod layout;
pub mod outputs;
pub mod roster;
pub mod similarity;
pub mod strip;
pub mod workflow;
