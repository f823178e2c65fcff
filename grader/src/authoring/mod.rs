//! Tools for course authors: checks on what a lesson promises and on how well its suite tests it.

pub mod promises;
