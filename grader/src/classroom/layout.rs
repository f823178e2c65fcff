//! Where a student's tier files are in the folder a teacher collected. Teachers get what students
//! hand in: a clone of the exported course (`lessons/<lesson dir>/src/*.rs`), a crate folder with
//! `src/`, loose tier files, or any of those wrapped in one more folder (an unzipped archive).

use crate::course::Lesson;
use crate::tier::Tier;
use std::path::{Path, PathBuf};

/// The directory holding the student's tier files for `lesson`, if there is one.
pub fn find_tier_files(student: &Path, lesson: &Lesson) -> Option<PathBuf> {
    find(student, lesson).or_else(|| {
        // One wrapping folder (and nothing else but hidden files) is looked through.
        let entries: Vec<PathBuf> = std::fs::read_dir(student)
            .ok()?
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        match entries.as_slice() {
            [only] if only.is_dir() => find(only, lesson),
            _ => None,
        }
    })
}

fn find(dir: &Path, lesson: &Lesson) -> Option<PathBuf> {
    let has_tiers = |d: &Path| Tier::ALL.iter().any(|t| d.join(t.file_name()).is_file());
    [
        dir.join("lessons").join(&lesson.dir_name).join("src"),
        dir.join(&lesson.dir_name).join("src"),
        dir.join("src"),
        dir.to_owned(),
    ]
    .into_iter()
    .find(|candidate| has_tiers(candidate))
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
        let empty = root.path().join("empty");
        std::fs::create_dir_all(empty.join("notes")).unwrap();
        std::fs::write(empty.join("notes/readme.txt"), "").unwrap();
        assert_eq!(find_tier_files(&empty, &lesson), None);
    }
}
