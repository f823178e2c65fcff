// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: a downloader. Bounded workers stream bodies into files, retry what may work next time,
//! never leave half a file behind, keep going when one URL fails, and publish their progress for
//! another thread to read while they run.
//!
//! The README's sections "Streaming a body to a file", "Retries and backoff", "No half files" and
//! "Progress another thread can read" cover what you need.

use crate::sync::Arc;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// TODO: import what you need from crate::sync, crate::thread, std::fs and std::io

/// How [`download_all`] works.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many workers download at once (0 counts as 1; no more than there are URLs): this many
    /// downloads at a time while URLs are left, never more.
    pub max_workers: usize,
    /// The limit for one attempt at one URL, from sending the request to the last byte of the body
    /// (`None`: no limit; ureq has none by default).
    pub timeout: Option<Duration>,
    /// How many times a failed attempt is tried again when its error is retryable
    /// ([`DownloadError::is_retryable`]): a URL gets at most `retries + 1` attempts.
    pub retries: u32,
    /// The wait before the first retry; each further retry waits twice as long as the one before.
    pub backoff: Duration,
    /// A body longer than this many bytes fails with [`DownloadError::TooLarge`] (`None`: no cap).
    pub max_bytes: Option<u64>,
    /// Where the progress is published; clone it before the call to read it from another thread.
    pub progress: Progress,
}

impl Default for Options {
    /// 4 workers, 30 s per attempt, 2 retries from 200 ms, no size cap, a fresh [`Progress`].
    fn default() -> Options {
        Options {
            max_workers: 4,
            timeout: Some(Duration::from_secs(30)),
            retries: 2,
            backoff: Duration::from_millis(200),
            max_bytes: None,
            progress: Progress::new(),
        }
    }
}

/// Why one URL could not be downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadError {
    /// The server answered with this status (anything but 2xx).
    Status(u16),
    /// The body is longer than [`Options::max_bytes`] (this limit).
    TooLarge { limit: u64 },
    /// The attempt took longer than [`Options::timeout`].
    Timeout,
    /// The connection failed: refused, dropped before the whole body arrived, an invalid URL, ...
    Transport(String),
    /// The file could not be written.
    File(String),
}

impl DownloadError {
    /// Whether another attempt might succeed: a 5xx status, a timeout, or a failed connection. A 4xx
    /// status, a body over the cap and a file error are final.
    pub fn is_retryable(&self) -> bool {
        // TODO: 5xx, Timeout and Transport may succeed next time; nothing else
        todo!("5xx, Timeout and Transport may succeed next time; nothing else")
    }
}

/// What happened to one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileResult {
    /// The URL, as given.
    pub url: String,
    /// Where its body is saved on success: `out_dir.join(file_name(index, url))`. On failure no file
    /// is there.
    pub path: PathBuf,
    /// How many attempts were made (at least 1).
    pub attempts: u32,
    /// The number of bytes saved, or why the last attempt failed.
    pub outcome: Result<u64, DownloadError>,
}

/// The summary of a [`download_all`] run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One result per URL, in the order of `urls`.
    pub results: Vec<FileResult>,
    /// URLs saved.
    pub succeeded: usize,
    /// URLs that failed.
    pub failed: usize,
    /// Bytes saved, over every URL that succeeded.
    pub bytes: u64,
    /// The time the whole run took.
    pub wall: Duration,
}

impl Report {
    /// The run in a few lines, as the Python tutorial's downloader prints it.
    pub fn summary(&self) -> String {
        let total = self.succeeded + self.failed;
        let seconds = self.wall.as_secs_f64();
        let mut text = format!(
            "Downloads  : {total} total, {} succeeded, {} failed\n\
             Total data : {} bytes ({:.1} KiB)\n\
             Wall time  : {seconds:.2} s\n",
            self.succeeded,
            self.failed,
            self.bytes,
            self.bytes as f64 / 1024.0,
        );
        if seconds > 0.0 {
            text.push_str(&format!(
                "Throughput : {:.1} MB/s\n",
                self.bytes as f64 / 1e6 / seconds
            ));
        }
        text
    }
}

/// The name of the file that URL number `index` of `urls` is saved as: its index and the last
/// segment of its path, e.g. `"003-photo.jpg"` for `https://example.org/img/photo.jpg` at index 3.
/// Characters other than ASCII letters, digits, `.`, `-` and `_` become `_`.
pub fn file_name(index: usize, url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    let last = path
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .last()
        .unwrap_or("index");
    let clean: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{index:03}-{clean}")
}

/// A live view of a download's progress, safe to read from any thread while the download runs.
/// Clones share the same counters.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    // TODO: shared counters that threads can update through &self (an Arc of atomics, or of a Mutex)
}

// TODO: the shared counters

/// What a [`Progress`] showed at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressSnapshot {
    /// URLs in this run.
    pub total: usize,
    /// URLs finished, successfully or not.
    pub done: usize,
    /// URLs that finished with an error (counted in `done` too).
    pub failed: usize,
    /// Bytes received so far, as they stream in (also bytes of attempts that failed later).
    pub bytes: u64,
    /// Time since [`Progress::start`].
    pub elapsed: Duration,
}

impl ProgressSnapshot {
    /// The estimated time left, assuming the URLs still to do take as long on average as those done:
    /// `elapsed × (total − done) / done`. `None` before any URL is done; zero once all are.
    pub fn eta(&self) -> Option<Duration> {
        // TODO: None while done == 0; else elapsed scaled by (total - done) / done
        todo!("None while done == 0; else elapsed scaled by (total - done) / done")
    }
}

impl Progress {
    /// A progress with everything at zero, not started.
    pub fn new() -> Progress {
        // TODO: every counter at zero
        todo!("every counter at zero")
    }

    /// Starts a run of `total` URLs: sets the total, zeroes the other counters and starts the clock.
    pub fn start(&self, total: usize) {
        // TODO: store total, zero the rest, remember the start time
        todo!("store total, zero the rest, remember the start time")
    }

    /// Counts `n` more bytes received.
    pub fn add_bytes(&self, n: u64) {
        // TODO: add n to the byte count
        todo!("add n to the byte count")
    }

    /// Counts one URL finished; `failed` when it ended with an error.
    pub fn finish_one(&self, failed: bool) {
        // TODO: one more done, and one more failed when it failed
        todo!("one more done, and one more failed when it failed")
    }

    /// The counters now, and the time since [`Progress::start`] (zero before it).
    pub fn snapshot(&self) -> ProgressSnapshot {
        // TODO: read every counter and the elapsed time
        todo!("read every counter and the elapsed time")
    }
}

/// Downloads every URL of `urls` into `out_dir` (created if missing), on `options.max_workers`
/// workers (never more downloads at a time), and reports what happened to each.
///
/// - Each body is streamed to its file as it arrives (`into_body().into_reader()`), never held whole
///   in memory, so bodies larger than ureq's 10 MiB `read_to_vec` limit are saved too.
/// - A body longer than `options.max_bytes` fails with `TooLarge` (known early from
///   `Content-Length`, or found while streaming when the server does not say).
/// - A retryable failure is tried again after `backoff`, then `2 × backoff`, `4 × backoff`, ... up to
///   `options.retries` times; a final failure (404, over the cap) is never retried.
/// - A URL that fails leaves no file behind, not even part of one: write to a temporary name in
///   `out_dir` and rename it when the body is complete, remove it on any error.
/// - One URL's failure never stops the others.
/// - `options.progress` is started with `urls.len()`, counts bytes as they stream and each URL as it
///   finishes, so another thread sees it move during the run.
pub fn download_all(urls: &[&str], out_dir: &Path, options: &Options) -> Report {
    // TODO: start progress; max_workers threads (one Agent) download; results in input order; count
    todo!("start progress; max_workers threads (one Agent) download; results in input order; count")
}

// TODO: helpers: one URL with its retries, one attempt into a temporary file, and ureq's errors turned into DownloadError
