//! A batch's outputs, replaced as a whole when the batch ends: the gradebook, `reports/` and
//! `feedback/` are
//! written under a staging folder inside `--out` and renamed into place only once every student is
//! graded, so a batch that is interrupted or fails leaves the previous gradebook and reports as they
//! were, consistent with each other, and the reports of students no longer in the class go with the
//! old folder instead of lingering beside the new ones.

use crate::error::{Result, io};
use std::path::{Path, PathBuf};

/// The folders a batch writes, each replaced as a whole.
const FOLDERS: [&str; 2] = ["reports", "feedback"];

/// What starts a staging folder's name (hidden, so a class folder listing never sees it).
const STAGING_PREFIX: &str = ".threadlab-batch-";

/// Where one batch writes before it publishes.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
}

impl Staging {
    /// A fresh staging folder in `out` (created when missing), after removing those that batches
    /// killed before they could publish left behind (their process is gone).
    pub fn new(out: &Path) -> Result<Staging> {
        std::fs::create_dir_all(out).map_err(io("create", out))?;
        for entry in std::fs::read_dir(out).map_err(io("read", out))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name
                .strip_prefix(STAGING_PREFIX)
                .and_then(|p| p.parse::<i32>().ok())
            else {
                continue;
            };
            if !process_alive(pid) {
                // Leftovers cost only disk space: a failure here is no reason to stop the batch.
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = out.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io("remove", &dir))?;
        }
        for name in FOLDERS {
            let folder = dir.join(name);
            std::fs::create_dir_all(&folder).map_err(io("create", &folder))?;
        }
        Ok(Staging { dir })
    }

    /// Where this batch's reports go until they are published.
    pub fn reports(&self) -> PathBuf {
        self.dir.join("reports")
    }

    /// A folder for the batch's own scratch files (never published).
    pub fn scratch(&self) -> PathBuf {
        self.dir.join("scratch")
    }

    /// Copies the files of the last published batch into this one, except `student`'s: `--only`
    /// re-grades one student and keeps everyone else's reports and feedback.
    pub fn keep_previous(&self, out: &Path, student: &str) -> Result<()> {
        let theirs: Vec<String> = ["json", "error.txt", "refused.txt", "md"]
            .iter()
            .map(|ext| format!("{student}.{ext}"))
            .collect();
        for name in FOLDERS {
            let previous = out.join(name);
            let Ok(entries) = std::fs::read_dir(&previous) else {
                continue;
            };
            for entry in entries.flatten() {
                let file = entry.file_name();
                let kept = self.dir.join(name).join(&file);
                if theirs.iter().any(|t| file.to_str() == Some(t.as_str())) || kept.exists() {
                    continue;
                }
                std::fs::copy(entry.path(), &kept).map_err(io("copy", entry.path()))?;
            }
        }
        Ok(())
    }

    /// Where this batch's feedback pages go until they are published.
    pub fn feedback(&self) -> PathBuf {
        self.dir.join("feedback")
    }

    /// Writes the gradebook, then puts the new `reports/`, `feedback/` and `gradebook.csv` in place of
    /// the old ones in `out`: each folder is exchanged in one step (`renameat2` with
    /// `RENAME_EXCHANGE`), the gradebook replaced by a rename, and the old folders removed with the
    /// staging folder. Between the renames (microseconds) new and old outputs stand side by side.
    pub fn publish(self, out: &Path, gradebook: &str) -> Result<()> {
        let new_gradebook = self.dir.join("gradebook.csv");
        std::fs::write(&new_gradebook, gradebook).map_err(io("write", &new_gradebook))?;
        for name in FOLDERS {
            let (new, old) = (self.dir.join(name), out.join(name));
            if old.symlink_metadata().is_ok() {
                exchange(&new, &old)?;
            } else {
                std::fs::rename(&new, &old).map_err(io("rename", &new))?;
            }
        }
        let target = out.join("gradebook.csv");
        // The staging folder now holds the previous reports; dropping it removes them.
        std::fs::rename(&new_gradebook, &target).map_err(io("rename", &new_gradebook))
    }
}

impl Drop for Staging {
    /// A batch that fails before publishing removes what it wrote (the previous outputs stay); one
    /// that published removes the previous reports.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a process with this id exists (it may be another user's: `EPERM` means it does).
fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Swaps two folders in one step. Where the file system cannot (`EINVAL`: some network and FUSE file
/// systems), the old folder is moved aside first, which leaves an instant without `reports/`.
fn exchange(new: &Path, old: &Path) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (c_new, c_old) = (
        c_path(new).map_err(io("rename", new))?,
        c_path(old).map_err(io("rename", old))?,
    );
    // SAFETY: two NUL-terminated paths, relative to the working directory (AT_FDCWD); renameat2
    // reads them and nothing else.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            c_new.as_ptr(),
            libc::AT_FDCWD,
            c_old.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        return Ok(());
    }
    let error = std::io::Error::last_os_error();
    if !matches!(error.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
        return Err(io("replace", old)(error));
    }
    let mut aside_name = old.file_name().unwrap_or_default().to_owned();
    aside_name.push(".old");
    let aside = new.with_file_name(aside_name);
    std::fs::rename(old, &aside).map_err(io("rename", old))?;
    std::fs::rename(new, old).map_err(io("rename", new))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_published_batch_replaces_the_old_outputs_whole() {
        let out = tempfile::tempdir().unwrap();
        let first = Staging::new(out.path()).unwrap();
        std::fs::write(first.reports().join("ada.json"), "1").unwrap();
        std::fs::write(first.reports().join("bob.json"), "1").unwrap();
        first.publish(out.path(), "g1").unwrap();
        assert_eq!(listing(out.path()), ["feedback", "gradebook.csv", "reports"]);

        let second = Staging::new(out.path()).unwrap();
        std::fs::write(second.reports().join("ada.json"), "2").unwrap();
        second.publish(out.path(), "g2").unwrap();
        assert_eq!(listing(out.path()), ["feedback", "gradebook.csv", "reports"]);
        assert_eq!(
            listing(&out.path().join("reports")),
            ["ada.json"],
            "bob left the class"
        );
        assert_eq!(
            std::fs::read_to_string(out.path().join("reports/ada.json")).unwrap(),
            "2"
        );
        assert_eq!(
            std::fs::read_to_string(out.path().join("gradebook.csv")).unwrap(),
            "g2"
        );
    }

    #[test]
    fn a_batch_that_never_publishes_leaves_the_old_outputs_alone() {
        let out = tempfile::tempdir().unwrap();
        let first = Staging::new(out.path()).unwrap();
        std::fs::write(first.reports().join("ada.json"), "1").unwrap();
        first.publish(out.path(), "g1").unwrap();
        {
            let failed = Staging::new(out.path()).unwrap();
            std::fs::write(failed.reports().join("ada.json"), "2").unwrap();
        }
        // A killed batch's folder (its process is gone) is cleared by the next batch.
        let killed = out.path().join(format!("{STAGING_PREFIX}{}", i32::MAX));
        std::fs::create_dir_all(killed.join("reports")).unwrap();
        assert_eq!(
            listing(out.path()),
            [
                format!("{STAGING_PREFIX}{}", i32::MAX).as_str(),
                "feedback",
                "gradebook.csv",
                "reports"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(out.path().join("reports/ada.json")).unwrap(),
            "1"
        );
        drop(Staging::new(out.path()).unwrap());
        assert_eq!(listing(out.path()), ["feedback", "gradebook.csv", "reports"]);
    }
}
