//! Tools for course authors rather than learners: measuring how many wrong solutions a hidden suite
//! rejects ([`mutants`]), whether every promise of a lesson is tested ([`promises`]), whether a grade gives the same verdicts every run ([`repeat`], and for a whole class or bug bank
//! [`repeat_class`]), and how long
//! the learner's loop and a batch take ([`bench`]). Starter generation lives in [`crate::starter`].

pub mod bench;
pub mod mutants;
pub mod promises;
pub mod repeat;
pub mod repeat_class;
