//! Copies of a learner's files taken before anything replaces them, in a dated folder under
//! `.threadlab/backups/` (outside `target/`, so `cargo clean` cannot delete them).

use crate::course::Course;
use crate::error::{Result, io};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A dated backup folder, created on the first file saved into it.
#[derive(Debug, Clone)]
pub struct Backup {
    dir: PathBuf,
    saved: Vec<PathBuf>,
}

impl Backup {
    /// A new folder named after the current time (UTC), e.g. `.threadlab/backups/2026-11-23_07-12-30`;
    /// a second backup in the same second gets a `-2` suffix.
    pub fn new(course: &Course) -> Backup {
        let root = super::state_dir(course).join("backups");
        let stamp = utc_stamp(SystemTime::now());
        let mut dir = root.join(&stamp);
        let mut n = 2;
        while dir.exists() {
            dir = root.join(format!("{stamp}-{n}"));
            n += 1;
        }
        Backup {
            dir,
            saved: Vec::new(),
        }
    }

    /// Copies `file` (a path inside the course) into the backup under the same relative path.
    pub fn save(&mut self, course: &Course, file: &Path) -> Result<PathBuf> {
        let relative = file.strip_prefix(course.root()).unwrap_or(file);
        let copy = self.dir.join(relative);
        if let Some(parent) = copy.parent() {
            std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        std::fs::copy(file, &copy).map_err(io("copy", file))?;
        self.saved.push(copy.clone());
        Ok(copy)
    }

    /// The folder (it exists only once a file was saved).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The copies made so far.
    pub fn saved(&self) -> &[PathBuf] {
        &self.saved
    }
}

/// `YYYY-MM-DD_HH-MM-SS` in UTC.
pub fn utc_stamp(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}_{:02}-{:02}-{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) of the proleptic Gregorian calendar (Howard
/// Hinnant's algorithm). Also the date of the gradebook's `graded_at` (`provenance::rfc3339`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_calendar_dates() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "1970-01-01_00-00-00");
        // 2024-02-29 12:34:56 UTC: a leap day.
        let leap = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(utc_stamp(leap), "2024-02-29_12-34-56");
        let later = UNIX_EPOCH + Duration::from_secs(1_795_417_200);
        assert_eq!(utc_stamp(later), "2026-11-23_07-00-00");
    }

    #[test]
    fn a_backup_keeps_the_relative_path_and_never_reuses_a_folder() {
        let root = tempfile::tempdir().unwrap();
        let course = Course::new(root.path());
        let file = root.path().join("lessons/lesson01-threads/src/beginner.rs");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "mine").unwrap();
        let mut first = Backup::new(&course);
        let copy = first.save(&course, &file).unwrap();
        assert!(copy.ends_with("lessons/lesson01-threads/src/beginner.rs"));
        assert!(copy.starts_with(root.path().join(".threadlab/backups")));
        assert_eq!(std::fs::read_to_string(copy).unwrap(), "mine");
        let second = Backup::new(&course);
        assert_ne!(first.dir(), second.dir());
    }
}
