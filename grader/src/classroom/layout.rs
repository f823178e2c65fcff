//! Where a student's tier files are in the folder a teacher collected. Teachers get what students
//! hand in: a clone of the exported course (`lessons/<lesson dir>/src/*.rs`), a crate folder with
//! `src/`, loose tier files, or any of those wrapped in one more folder (an unzipped archive, made on
//! macOS or not).

use crate::course::Lesson;
use crate::tier::Tier;
use std::path::{Path, PathBuf};

/// The folder macOS's Finder adds beside the content of a zip it makes (resource forks as `._name`
/// files): never a student's work.
const MACOS_METADATA: &str = "__MACOSX";

/// The directory holding the student's tier files for `lesson`, if there is one.
///
/// Nothing is followed: a link where the layout has a folder (the student's folder itself, `src/`,
/// `lessons/`, the one wrapping folder) or where a tier file would be is found as it is, so that
/// reading (`grading::read`) refuses it and the report says why, instead of grading what it points to.
pub fn find_tier_files(student: &Path, lesson: &Lesson) -> Option<PathBuf> {
    if student.is_symlink() {
        return Some(student.to_owned());
    }
    find(student, lesson).or_else(|| {
        // One wrapping folder (and nothing else but hidden files, and the `__MACOSX` folder of
        // AppleDouble files that a zip made on macOS has beside it) is looked through.
        let entries: Vec<PathBuf> = std::fs::read_dir(student)
            .ok()?
            .flatten()
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                !name.starts_with('.') && name != MACOS_METADATA
            })
            .map(|e| e.path())
            .collect();
        match entries.as_slice() {
            [only] if only.is_symlink() => Some(only.clone()),
            [only] if only.is_dir() => find(only, lesson),
            _ => None,
        }
    })
}

fn find(dir: &Path, lesson: &Lesson) -> Option<PathBuf> {
    let layouts = [
        PathBuf::from("lessons").join(&lesson.dir_name).join("src"),
        PathBuf::from(&lesson.dir_name).join("src"),
        PathBuf::from("src"),
        PathBuf::new(),
    ];
    layouts.iter().find_map(|layout| {
        let mut at = dir.to_owned();
        for name in layout {
            at.push(name);
            let meta = at.symlink_metadata().ok()?;
            if meta.is_symlink() {
                return Some(dir.join(layout));
            }
            if !meta.is_dir() {
                return None;
            }
        }
        // Any kind of entry counts: a FIFO or a link named `beginner.rs` is found, and refused.
        let has_tiers = Tier::ALL
            .iter()
            .any(|t| at.join(t.file_name()).symlink_metadata().is_ok());
        has_tiers.then_some(at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_teachers_collect_is_found() {
        let lesson = Lesson::from_dir_name("lesson05-races").unwrap();
        let root = tempfile::tempdir().unwrap();
        let layouts = [
            ("clone", "lessons/lesson05-races/src"),
            ("crate", "src"),
            ("loose", ""),
            ("zipped", "project-main/src"),
            ("zipped-clone", "threadlab/lessons/lesson05-races/src"),
        ];
        for (student, files) in layouts {
            let dir = root.path().join(student).join(files);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("beginner.rs"), "").unwrap();
            assert_eq!(
                find_tier_files(&root.path().join(student), &lesson),
                Some(dir.clone()),
                "{student}"
            );
        }
        // Links are found where they stand (and refused when read), never looked through.
        let linked = root.path().join("linked");
        std::fs::create_dir_all(&linked).unwrap();
        std::os::unix::fs::symlink(root.path().join("crate/src"), linked.join("src")).unwrap();
        assert_eq!(find_tier_files(&linked, &lesson), Some(linked.join("src")));
        let wrapped = root.path().join("wrapped");
        std::fs::create_dir_all(&wrapped).unwrap();
        std::os::unix::fs::symlink(root.path().join("crate"), wrapped.join("project")).unwrap();
        assert_eq!(find_tier_files(&wrapped, &lesson), Some(wrapped.join("project")));
        let whole = root.path().join("whole");
        std::os::unix::fs::symlink(root.path().join("crate"), &whole).unwrap();
        assert_eq!(find_tier_files(&whole, &lesson), Some(whole.clone()));
        let fifo_only = root.path().join("fifo/src");
        std::fs::create_dir_all(&fifo_only).unwrap();
        std::os::unix::fs::symlink("/dev/stdin", fifo_only.join("advanced.rs")).unwrap();
        assert_eq!(
            find_tier_files(&root.path().join("fifo"), &lesson),
            Some(fifo_only)
        );

        let empty = root.path().join("empty");
        std::fs::create_dir_all(empty.join("notes")).unwrap();
        std::fs::write(empty.join("notes/readme.txt"), "").unwrap();
        assert_eq!(find_tier_files(&empty, &lesson), None);
    }

    #[test]
    fn a_zip_made_on_macos_is_looked_through_beside_its_macosx_folder() {
        // Finder's "Compress" puts AppleDouble files (`._name`) in `__MACOSX/` beside the folder.
        let lesson = Lesson::from_dir_name("lesson05-races").unwrap();
        let root = tempfile::tempdir().unwrap();
        let student = root.path().join("ada");
        let src = student.join("threadlab-main/lessons/lesson05-races/src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("beginner.rs"), "").unwrap();
        let apple = student.join("__MACOSX/threadlab-main/lessons/lesson05-races/src");
        std::fs::create_dir_all(&apple).unwrap();
        std::fs::write(apple.join("._beginner.rs"), "").unwrap();
        assert_eq!(find_tier_files(&student, &lesson), Some(src));
        // `__MACOSX` alone is no submission.
        std::fs::remove_dir_all(student.join("threadlab-main")).unwrap();
        assert_eq!(find_tier_files(&student, &lesson), None);
    }

    #[test]
    fn an_empty_folder_is_no_submission() {
        let lesson = Lesson::from_dir_name("lesson05-races").unwrap();
        let root = tempfile::tempdir().unwrap();
        let empty = root.path().join("empty");
        std::fs::create_dir_all(empty.join("notes")).unwrap();
        std::fs::write(empty.join("notes/readme.txt"), "").unwrap();
        assert_eq!(find_tier_files(&empty, &lesson), None);
    }
}
