//! The learner's loop around grading: progress kept between grades, `list`, `hint`, `reset` and
//! `watch`. Everything a learner's own state needs lives in `.threadlab/` at the course root, outside
//! `target/`, so `cargo clean` never loses it.

pub mod backup;
pub mod hint;
pub mod list;
pub mod progress;
pub mod reset;
pub mod watch;

use crate::course::Course;
use std::path::PathBuf;

/// `.threadlab/`: the learner's progress file and the backups of replaced files.
pub fn state_dir(course: &Course) -> PathBuf {
    course.root().join(".threadlab")
}
