// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: a downloader. Bounded workers stream bodies into files, retry what may work next time,
//! never leave half a file behind, keep going when one URL fails, and publish their progress for
//! another thread to read while they run.
//!
//! The README's sections "Streaming a body to a file", "Retries and backoff", "No half files" and
//! "Progress another thread can read" cover what you need.

use std::path::{Path, PathBuf};
use crate::sync::Arc;
use std::time::{Duration, Instant};

use std::fs::{self, File};
use std::io::{self, Read, Write};
use crate::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use crate::sync::Mutex;
use crate::thread;

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
        match self {
            DownloadError::Status(code) => (500..600).contains(code),
            DownloadError::Timeout | DownloadError::Transport(_) => true,
            DownloadError::TooLarge { .. } | DownloadError::File(_) => false,
        }
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
    counters: Arc<Counters>,
}

/// The counters every clone of a [`Progress`] shares.
#[derive(Debug, Default)]
struct Counters {
    total: AtomicUsize,
    done: AtomicUsize,
    failed: AtomicUsize,
    bytes: AtomicU64,
    started: Mutex<Option<Instant>>,
}

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
        if self.done == 0 {
            return None;
        }
        let left = self.total.saturating_sub(self.done) as u128;
        let nanos = self.elapsed.as_nanos() * left / self.done as u128;
        Some(Duration::from_nanos(nanos.min(u64::MAX as u128) as u64))
    }
}

impl Progress {
    /// A progress with everything at zero, not started.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// Starts a run of `total` URLs: sets the total, zeroes the other counters and starts the clock.
    pub fn start(&self, total: usize) {
        let c = &self.counters;
        c.total.store(total, Ordering::SeqCst);
        c.done.store(0, Ordering::SeqCst);
        c.failed.store(0, Ordering::SeqCst);
        c.bytes.store(0, Ordering::SeqCst);
        *c.started.lock().unwrap() = Some(Instant::now());
    }

    /// Counts `n` more bytes received.
    pub fn add_bytes(&self, n: u64) {
        self.counters.bytes.fetch_add(n, Ordering::SeqCst);
    }

    /// Counts one URL finished; `failed` when it ended with an error.
    pub fn finish_one(&self, failed: bool) {
        if failed {
            self.counters.failed.fetch_add(1, Ordering::SeqCst);
        }
        self.counters.done.fetch_add(1, Ordering::SeqCst);
    }

    /// The counters now, and the time since [`Progress::start`] (zero before it).
    pub fn snapshot(&self) -> ProgressSnapshot {
        let c = &self.counters;
        let elapsed = c
            .started
            .lock()
            .unwrap()
            .map(|t| t.elapsed())
            .unwrap_or_default();
        ProgressSnapshot {
            total: c.total.load(Ordering::SeqCst),
            done: c.done.load(Ordering::SeqCst),
            failed: c.failed.load(Ordering::SeqCst),
            bytes: c.bytes.load(Ordering::SeqCst),
            elapsed,
        }
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
    let started = Instant::now();
    let progress = &options.progress;
    progress.start(urls.len());
    // If this fails, every file write fails too and each URL reports a File error.
    let _ = fs::create_dir_all(out_dir);

    let workers = options.max_workers.max(1).min(urls.len());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(options.timeout)
        .max_idle_connections_per_host(workers.max(3))
        .build()
        .into();

    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<FileResult>>> = Mutex::new(vec![None; urls.len()]);
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&url) = urls.get(i) else { break };
                let result = download_one(&agent, i, url, out_dir, options);
                progress.finish_one(result.outcome.is_err());
                slots.lock().unwrap()[i] = Some(result);
            });
        }
    });

    let results: Vec<FileResult> = slots
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every URL was handled by a worker"))
        .collect();
    let succeeded = results.iter().filter(|r| r.outcome.is_ok()).count();
    let bytes = results.iter().filter_map(|r| r.outcome.as_ref().ok()).sum();
    Report {
        failed: results.len() - succeeded,
        succeeded,
        bytes,
        results,
        wall: started.elapsed(),
    }
}

/// One URL, with its retries.
fn download_one(
    agent: &ureq::Agent,
    index: usize,
    url: &str,
    out_dir: &Path,
    options: &Options,
) -> FileResult {
    let path = out_dir.join(file_name(index, url));
    let mut attempts: u32 = 0;
    let outcome = loop {
        attempts += 1;
        match attempt(agent, url, &path, options) {
            Err(e) if e.is_retryable() && attempts <= options.retries => {
                // backoff, 2 × backoff, 4 × backoff, ...
                let factor = 2u32.saturating_pow(attempts - 1);
                thread::sleep(options.backoff.saturating_mul(factor));
            }
            outcome => break outcome,
        }
    };
    FileResult {
        url: url.to_string(),
        path,
        attempts,
        outcome,
    }
}

/// The temporary name a body is written to before it is complete.
fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

/// One attempt: the body goes to a `.part` file, renamed when complete, removed on any error.
fn attempt(
    agent: &ureq::Agent,
    url: &str,
    path: &Path,
    options: &Options,
) -> Result<u64, DownloadError> {
    let partial = part_path(path);
    save(agent, url, path, &partial, options)
}

fn save(
    agent: &ureq::Agent,
    url: &str,
    path: &Path,
    partial: &Path,
    options: &Options,
) -> Result<u64, DownloadError> {
    let response = agent.get(url).call().map_err(from_ureq)?;
    let code = response.status().as_u16();
    if !(200..300).contains(&code) {
        return Err(DownloadError::Status(code));
    }
    if let (Some(limit), Some(length)) = (options.max_bytes, response.body().content_length()) {
        if length > limit {
            return Err(DownloadError::TooLarge { limit });
        }
    }

    let mut body = response.into_body().into_reader();
    let mut file = File::create(partial).map_err(file_error)?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = match body.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // The connection broke: throw away what we have so far.
                drop(file);
                let _ = fs::remove_file(partial);
                return Err(from_ureq(ureq::Error::from(e)));
            }
        };
        total += n as u64;
        options.progress.add_bytes(n as u64);
        if let Some(limit) = options.max_bytes {
            if total > limit {
                return Err(DownloadError::TooLarge { limit });
            }
        }
        if let Err(e) = file.write_all(&buffer[..n]) {
            drop(file);
            let _ = fs::remove_file(partial);
            return Err(file_error(e));
        }
    }
    file.flush().map_err(file_error)?;
    drop(file);
    fs::rename(partial, path).map_err(file_error)?;
    Ok(total)
}

fn file_error(e: io::Error) -> DownloadError {
    DownloadError::File(e.to_string())
}

/// ureq's errors as a [`DownloadError`].
fn from_ureq(e: ureq::Error) -> DownloadError {
    match e {
        ureq::Error::StatusCode(code) => DownloadError::Status(code),
        ureq::Error::Timeout(_) => DownloadError::Timeout,
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => DownloadError::Timeout,
        other => DownloadError::Transport(other.to_string()),
    }
}
