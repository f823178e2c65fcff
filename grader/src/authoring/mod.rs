//! Tools for course authors rather than learners: measuring how many wrong solutions a hidden suite
//! rejects ([`mutants`]). Starter generation lives in [`crate::starter`].

pub mod mutants;
