//! Where a submission's stage and run directories are: keyed by the path the submission was given
//! by (for a class, `CLASS/<student>`: its place in the class), never by the path it resolves to.
//!
//! Keyed by the resolved path, two folder names that lead to one folder (a link, a bind mount) shared
//! one stage and one run directory, and two students graded at once overwrote each other's files
//! and verdicts: an honest student's grade changed from run to run. A name in a folder is unique, so
//! each student of a class has directories of their own, whatever their folder resolves to.

use crate::course::Course;
use crate::stage::fnv1a;
use std::path::Path;

/// The stage key (`submission-<hash>`) and the report's label of the submission whose tier files
/// are in `subject_src`, as the grader found them from the path it was given.
pub fn submission(course: &Course, subject_src: &Path) -> (String, String) {
    // Absolute, so that `sub` and `./sub` graded from one directory are one place; not canonical,
    // so that no link is resolved.
    let given = std::path::absolute(subject_src).unwrap_or_else(|_| subject_src.to_owned());
    (
        format!("submission-{:016x}", fnv1a(given.as_os_str().as_encoded_bytes())),
        course.display_path(&given),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_names_for_one_folder_are_two_places() {
        let class = tempfile::tempdir().unwrap();
        let ada = class.path().join("ada");
        std::fs::create_dir_all(ada.join("src")).unwrap();
        std::os::unix::fs::symlink(&ada, class.path().join("bob")).unwrap();
        let course = Course::new(class.path().to_owned());
        let (ada_key, ada_label) = submission(&course, &ada.join("src"));
        let (bob_key, bob_label) = submission(&course, &class.path().join("bob/src"));
        assert_ne!(ada_key, bob_key);
        assert_eq!((ada_label.as_str(), bob_label.as_str()), ("ada/src", "bob/src"));
        assert_eq!(submission(&course, &ada.join("src")).0, ada_key, "stable");
    }
}
