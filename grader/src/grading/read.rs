//! Reading a submission's files the only safe way: as regular files, never through a symbolic link,
//! never blocking, never more than a cap.
//!
//! A submission is a folder its author made: a tier file may be a link to a classmate's file, to
//! `solutions/`, to `/dev/zero` (the grader would read until it runs out of memory) or to `/dev/stdin`
//! (the grade would wait on the teacher's terminal); it may be a FIFO (the read would block for ever)
//! or hundreds of megabytes. So every folder between a trusted directory (the class folder, or the one
//! holding `--submission DIR`) and the tier file is opened with `O_NOFOLLOW`, one at a time from the
//! folder above (`openat`), so nothing can swap a folder for a link between the check and the read;
//! the file's kind and size are checked before it is opened and again on the opened descriptor, and it
//! is opened with `O_NONBLOCK` and read with a cap. Whatever is refused is named in the tier's message.

use crate::stage::Subject;
use crate::tier::Tier;
use std::ffi::{CStr, CString};
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// The largest tier file the grader reads: 256 KiB. The largest reference tier file of the course
/// (lesson09's `advanced.rs`) is 16 KB, so an honest solution stays far below it, while a file above
/// it is no exercise but a way to make the grader, rustc and every staged copy big.
pub const TIER_FILE_LIMIT: u64 = 256 * 1024;

/// What starts the message of a tier whose file was not read (the terminal view tells it from a
/// tier refused by the facade check by it).
pub const NOT_READ: &str = "not read: ";

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What was refused, relative to the trusted directory: the file, or a folder on the way to it.
    pub path: PathBuf,
    pub why: Why,
}

/// What was wrong with [`Refusal::path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// Nothing is there (for a tier file: the starter stands in, as before).
    Missing,
    SymbolicLink,
    /// A FIFO, a device, a socket, or a file where a folder should be (the kind, with its article).
    NotRegular(&'static str),
    /// Larger than the cap (the size seen, in bytes).
    TooLarge(u64),
    NotUtf8,
    /// The operating system's reason (permissions, for example).
    Unreadable(String),
}

impl Refusal {
    pub fn is_missing(&self) -> bool {
        self.why == Why::Missing
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.why {
            Why::Missing => write!(f, "{path} does not exist"),
            Why::SymbolicLink => write!(
                f,
                "{path} is a symbolic link: a submission is graded only from files and folders of its \
                 own, never through a link (it could lead to another student's work, the solutions or a \
                 device)"
            ),
            Why::NotRegular(kind) => write!(f, "{path} is {kind}: only regular files are graded"),
            Why::TooLarge(size) => write!(
                f,
                "{path} is larger than {} KiB ({size} bytes): no exercise needs a tier file that big",
                TIER_FILE_LIMIT / 1024
            ),
            Why::NotUtf8 => write!(f, "{path} is not UTF-8 text"),
            Why::Unreadable(error) => write!(f, "{path} cannot be read: {error}"),
        }
    }
}

/// Reads one tier file of `subject`, whose tier files are in `subject_src` (`stage::subject_src`).
/// For a submission every folder below the one holding it is checked (the submission's own folder
/// included); the learner's and the reference's files are checked from their lesson folder, so
/// messages name them as `src/beginner.rs`.
pub fn tier_file(subject: &Subject, subject_src: &Path, tier: Tier) -> Result<String, Refusal> {
    let (root, relative) = match subject {
        Subject::Submission(dir) => {
            let root = trusted_root(dir);
            let relative = subject_src.strip_prefix(root).unwrap_or(subject_src);
            (root, relative.to_owned())
        }
        Subject::Learner | Subject::Reference => match (subject_src.parent(), subject_src.file_name()) {
            (Some(parent), Some(name)) => (parent, PathBuf::from(name)),
            _ => (subject_src, PathBuf::new()),
        },
    };
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    read_beneath(root, &relative.join(tier.file_name()), TIER_FILE_LIMIT)
}

/// The directory a submission's checks start from: the one holding `dir` (the teacher's), or `dir`
/// itself when it has no name of its own (`.`, `..`, `/`).
fn trusted_root(dir: &Path) -> &Path {
    match (dir.parent(), dir.file_name()) {
        (Some(parent), Some(_)) => parent,
        _ => dir,
    }
}

/// Reads `root/relative` as UTF-8 text of at most `limit` bytes. `root` is trusted (it may be reached
/// through links); every component of `relative` must be a folder, and the last a regular file, none
/// of them a link.
pub fn read_beneath(root: &Path, relative: &Path, limit: u64) -> Result<String, Refusal> {
    let unreadable = |path: &Path, error: io::Error| Refusal {
        path: path.to_owned(),
        why: if error.kind() == io::ErrorKind::NotFound {
            Why::Missing
        } else {
            Why::Unreadable(error.to_string())
        },
    };
    let mut names = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => names.push(name),
            Component::CurDir => {}
            // Only the grader builds these paths, from names it listed; nothing may climb out.
            _ => {
                return Err(Refusal {
                    path: relative.to_owned(),
                    why: Why::Unreadable("not a plain relative path".to_owned()),
                });
            }
        }
    }
    let Some((file_name, folders)) = names.split_last() else {
        return Err(Refusal {
            path: relative.to_owned(),
            why: Why::Unreadable("no file name".to_owned()),
        });
    };
    let mut dir: OwnedFd = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(root)
        .map_err(|e| unreadable(root, e))?
        .into();
    let mut at = PathBuf::new();
    for name in folders {
        at.push(name);
        let c_name = c_name(name, &at)?;
        check_kind(&dir, &c_name, &at, libc::S_IFDIR)?;
        dir = open_at(
            &dir,
            &c_name,
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
        .map_err(|e| refusal_after_open(e, &at))?;
    }
    at.push(file_name);
    let c_name = c_name(file_name, &at)?;
    let size = check_kind(&dir, &c_name, &at, libc::S_IFREG)?;
    let too_large = |size: u64| Refusal {
        path: at.clone(),
        why: Why::TooLarge(size),
    };
    if size > limit {
        return Err(too_large(size));
    }
    // O_NONBLOCK: were the file swapped for a FIFO after the check, opening it still returns at once
    // and the check of the opened descriptor below refuses it. O_NOCTTY: a terminal never becomes
    // the grader's.
    let file = File::from(
        open_at(
            &dir,
            &c_name,
            libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
        .map_err(|e| refusal_after_open(e, &at))?,
    );
    let meta = file.metadata().map_err(|e| unreadable(&at, e))?;
    if !meta.is_file() {
        return Err(Refusal {
            path: at.clone(),
            why: Why::NotRegular(kind_name(meta_mode(&meta))),
        });
    }
    let mut bytes = Vec::new();
    // One byte over the cap tells a file that grew since the check from one that fits.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(&at, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| Refusal {
        path: at.clone(),
        why: Why::NotUtf8,
    })
}

fn c_name(name: &std::ffi::OsStr, at: &Path) -> Result<CString, Refusal> {
    CString::new(name.as_bytes()).map_err(|_| Refusal {
        path: at.to_owned(),
        why: Why::Unreadable("a NUL byte in the name".to_owned()),
    })
}

/// Checks, without following a link, that `name` in `dir` is of kind `want` (`S_IFDIR`, `S_IFREG`);
/// returns its size.
fn check_kind(dir: &OwnedFd, name: &CStr, at: &Path, want: libc::mode_t) -> Result<u64, Refusal> {
    let stat = stat_at(dir, name).map_err(|error| Refusal {
        path: at.to_owned(),
        why: match error.kind() {
            io::ErrorKind::NotFound => Why::Missing,
            _ => Why::Unreadable(error.to_string()),
        },
    })?;
    let kind = stat.st_mode & libc::S_IFMT;
    if kind == want {
        return Ok(stat.st_size.max(0) as u64);
    }
    Err(Refusal {
        path: at.to_owned(),
        why: match kind {
            libc::S_IFLNK => Why::SymbolicLink,
            other => Why::NotRegular(kind_name(other)),
        },
    })
}

/// What an `openat` with `O_NOFOLLOW` that failed after the check means: `ELOOP` is a link that
/// replaced the checked entry.
fn refusal_after_open(error: io::Error, at: &Path) -> Refusal {
    Refusal {
        path: at.to_owned(),
        why: match error.raw_os_error() {
            Some(libc::ELOOP) => Why::SymbolicLink,
            Some(libc::ENOTDIR) => Why::NotRegular("not a folder"),
            Some(libc::ENXIO) => Why::NotRegular("a socket"),
            _ if error.kind() == io::ErrorKind::NotFound => Why::Missing,
            _ => Why::Unreadable(error.to_string()),
        },
    }
}

fn meta_mode(meta: &std::fs::Metadata) -> libc::mode_t {
    use std::os::unix::fs::MetadataExt;
    meta.mode() as libc::mode_t & libc::S_IFMT
}

/// A file kind for a message, with its article.
fn kind_name(kind: libc::mode_t) -> &'static str {
    match kind {
        libc::S_IFIFO => "a FIFO",
        libc::S_IFCHR => "a character device",
        libc::S_IFBLK => "a block device",
        libc::S_IFSOCK => "a socket",
        libc::S_IFDIR => "a folder",
        libc::S_IFREG => "a regular file",
        libc::S_IFLNK => "a symbolic link",
        _ => "not a regular file",
    }
}

fn stat_at(dir: &OwnedFd, name: &CStr) -> io::Result<libc::stat> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `dir` is an open descriptor, `name` a NUL-terminated string, and `stat` has room for
    // the structure fstatat fills on success (and is read only then).
    let result = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            stat.as_mut_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fstatat returned 0, so it filled `stat`.
    Ok(unsafe { stat.assume_init() })
}

fn open_at(dir: &OwnedFd, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: `dir` is an open descriptor and `name` a NUL-terminated string; no mode is needed
    // without O_CREAT.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: openat returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::time::{Duration, Instant};

    fn read(root: &Path, relative: &str) -> Result<String, Refusal> {
        read_beneath(root, Path::new(relative), 16)
    }

    #[test]
    fn a_regular_file_below_real_folders_is_read() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("bob/src")).unwrap();
        std::fs::write(root.path().join("bob/src/beginner.rs"), "fn f() {}").unwrap();
        assert_eq!(read(root.path(), "bob/src/beginner.rs").unwrap(), "fn f() {}");
        assert_eq!(read(root.path(), "./bob/src/beginner.rs").unwrap(), "fn f() {}");
        assert!(read(root.path(), "bob/src/advanced.rs").unwrap_err().is_missing());
        assert!(read(root.path(), "amy/src/advanced.rs").unwrap_err().is_missing());
        assert!(read(root.path(), "bob/../bob/src/beginner.rs").is_err());
    }

    #[test]
    fn a_link_is_refused_wherever_it_is_and_names_itself() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("ada/src")).unwrap();
        std::fs::write(r.join("ada/src/beginner.rs"), "ada's").unwrap();
        std::fs::create_dir_all(r.join("bob/src")).unwrap();
        symlink(r.join("ada/src/beginner.rs"), r.join("bob/src/beginner.rs")).unwrap();
        symlink("/dev/zero", r.join("bob/src/advanced.rs")).unwrap();
        symlink(r.join("ada/src"), r.join("bob/lib")).unwrap();
        symlink(r.join("ada"), r.join("cyd")).unwrap();
        for (path, refused) in [
            ("bob/src/beginner.rs", "bob/src/beginner.rs"),
            ("bob/src/advanced.rs", "bob/src/advanced.rs"),
            ("bob/lib/beginner.rs", "bob/lib"),
            ("cyd/src/beginner.rs", "cyd"),
        ] {
            let refusal = read(r, path).unwrap_err();
            assert_eq!(
                (refusal.path.to_str().unwrap(), &refusal.why),
                (refused, &Why::SymbolicLink),
                "{path}"
            );
            assert!(
                refusal
                    .to_string()
                    .starts_with(&format!("{refused} is a symbolic link: "))
            );
        }
        // The trusted root itself may be a link (the teacher's path).
        assert_eq!(read(&r.join("cyd"), "src/beginner.rs").unwrap(), "ada's");
    }

    #[test]
    fn fifos_devices_big_files_and_non_text_are_refused_without_blocking() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let fifo = CString::new(r.join("fifo.rs").as_os_str().as_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        std::fs::write(r.join("big.rs"), "x".repeat(17)).unwrap();
        std::fs::write(r.join("bytes.rs"), [0xff, 0xfe]).unwrap();
        std::fs::write(r.join("fits.rs"), "x".repeat(16)).unwrap();
        std::fs::create_dir(r.join("dir.rs")).unwrap();
        std::fs::write(r.join("file"), "").unwrap();
        let started = Instant::now();
        assert_eq!(read(r, "fifo.rs").unwrap_err().why, Why::NotRegular("a FIFO"));
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(read(r, "big.rs").unwrap_err().why, Why::TooLarge(17));
        assert_eq!(read(r, "fits.rs").unwrap().len(), 16);
        assert_eq!(read(r, "bytes.rs").unwrap_err().why, Why::NotUtf8);
        assert_eq!(read(r, "dir.rs").unwrap_err().why, Why::NotRegular("a folder"));
        assert_eq!(
            read(r, "file/x.rs").unwrap_err(),
            Refusal {
                path: PathBuf::from("file"),
                why: Why::NotRegular("a regular file")
            }
        );
        assert_eq!(
            read(Path::new("/dev"), "zero").unwrap_err().why,
            Why::NotRegular("a character device")
        );
        assert!(
            read(r, "big.rs")
                .unwrap_err()
                .to_string()
                .starts_with("big.rs is larger than 256 KiB (17 bytes)")
        );
    }

    #[test]
    fn a_submission_is_checked_from_the_folder_holding_it() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("ada/src")).unwrap();
        std::fs::write(r.join("ada/src/beginner.rs"), "ada's").unwrap();
        symlink(r.join("ada"), r.join("bob")).unwrap();
        let of = |dir: &Path| {
            tier_file(
                &Subject::Submission(dir.to_owned()),
                &dir.join("src"),
                Tier::Beginner,
            )
        };
        assert_eq!(of(&r.join("ada")).unwrap(), "ada's");
        let refusal = of(&r.join("bob")).unwrap_err();
        assert_eq!(
            (refusal.path, refusal.why),
            (PathBuf::from("bob"), Why::SymbolicLink)
        );
        assert_eq!(trusted_root(Path::new("class/bob")), Path::new("class"));
        assert_eq!(trusted_root(Path::new("/")), Path::new("/"));
        assert_eq!(trusted_root(Path::new("..")), Path::new(".."));
    }
}
