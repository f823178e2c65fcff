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
use std::io::{self, Write};
use crate::sync::{Mutex, mpsc};
use crate::thread;

/// How [`download_all`] works.
#[derive(Debug, Clone)]
pub struct Options {
    /// At most this many downloads run at once (0 counts as 1).
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
        matches!(
            self,
            DownloadError::Status(500..=599) | DownloadError::Timeout | DownloadError::Transport(_)
        )
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
    shared: Arc<Mutex<Counts>>,
}

/// Every counter under one lock, so a snapshot is one consistent moment.
#[derive(Debug, Default)]
struct Counts {
    total: usize,
    done: usize,
    failed: usize,
    bytes: u64,
    started: Option<Instant>,
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
        let done = u32::try_from(self.done).ok().filter(|&done| done > 0)?;
        let left = u32::try_from(self.total.saturating_sub(self.done)).unwrap_or(u32::MAX);
        Some(self.elapsed * left / done)
    }
}

impl Progress {
    /// A progress with everything at zero, not started.
    pub fn new() -> Progress {
        Progress {
            shared: Arc::new(Mutex::new(Counts::default())),
        }
    }

    /// Starts a run of `total` URLs: sets the total, zeroes the other counters and starts the clock.
    pub fn start(&self, total: usize) {
        *self.shared.lock().unwrap() = Counts {
            total,
            started: Some(Instant::now()),
            ..Counts::default()
        };
    }

    /// Counts `n` more bytes received.
    pub fn add_bytes(&self, n: u64) {
        self.shared.lock().unwrap().bytes += n;
    }

    /// Counts one URL finished; `failed` when it ended with an error.
    pub fn finish_one(&self, failed: bool) {
        let mut counts = self.shared.lock().unwrap();
        counts.done += 1;
        counts.failed += usize::from(failed);
    }

    /// The counters now, and the time since [`Progress::start`] (zero before it).
    pub fn snapshot(&self) -> ProgressSnapshot {
        let counts = self.shared.lock().unwrap();
        ProgressSnapshot {
            total: counts.total,
            done: counts.done,
            failed: counts.failed,
            bytes: counts.bytes,
            elapsed: counts.started.map(|at| at.elapsed()).unwrap_or_default(),
        }
    }
}

/// Downloads every URL of `urls` into `out_dir` (created if missing), at most
/// `options.max_workers` at a time, and reports what happened to each.
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
    let clock = Instant::now();
    let progress = &options.progress;
    progress.start(urls.len());
    let _ = fs::create_dir_all(out_dir); // if this fails, every attempt reports a File error
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(options.timeout)
        .build()
        .into();

    // The work queue: every index, queued up front; the closed channel ends each worker's loop.
    let (queue, work) = mpsc::channel::<usize>();
    for index in 0..urls.len() {
        queue.send(index).expect("the receiver is alive");
    }
    drop(queue);
    let work = Mutex::new(work);
    let (report, reports) = mpsc::channel::<(usize, FileResult)>();

    thread::scope(|s| {
        for _ in 0..options.max_workers.max(1).min(urls.len()) {
            let (agent, work, report) = (&agent, &work, report.clone());
            s.spawn(move || {
                loop {
                    // The lock is released at the end of this statement, before the download.
                    let next = work.lock().unwrap().recv();
                    let Ok(index) = next else { break };
                    let result = fetch_with_retries(agent, index, urls[index], out_dir, options);
                    progress.finish_one(result.outcome.is_err());
                    let _ = report.send((index, result));
                }
            });
        }
    });
    drop(report);

    let mut slots: Vec<Option<FileResult>> = vec![None; urls.len()];
    for (index, result) in reports {
        slots[index] = Some(result);
    }
    let results: Vec<FileResult> = slots.into_iter().flatten().collect();
    let mut report = Report {
        results,
        succeeded: 0,
        failed: 0,
        bytes: 0,
        wall: Duration::ZERO,
    };
    for result in &report.results {
        match result.outcome {
            Ok(n) => {
                report.succeeded += 1;
                report.bytes += n;
            }
            Err(_) => report.failed += 1,
        }
    }
    report.wall = clock.elapsed();
    report
}

fn fetch_with_retries(
    agent: &ureq::Agent,
    index: usize,
    url: &str,
    out_dir: &Path,
    options: &Options,
) -> FileResult {
    let name = file_name(index, url);
    let path = out_dir.join(&name);
    let hidden = out_dir.join(format!(".{name}.download"));
    let mut attempts: u32 = 0;
    let outcome = loop {
        attempts += 1;
        let outcome = fetch_once(agent, url, &path, &hidden, options);
        if let Err(error) = &outcome {
            let _ = fs::remove_file(&hidden);
            let retries_done = attempts - 1;
            if error.is_retryable() && retries_done < options.retries {
                // backoff × 2^retries_done: backoff, 2 × backoff, 4 × backoff, ...
                thread::sleep(options.backoff * 2u32.saturating_pow(retries_done));
                continue;
            }
        }
        break outcome;
    };
    FileResult {
        url: url.to_owned(),
        path,
        attempts,
        outcome,
    }
}

/// A file that counts what is written to it into the progress, and remembers its own failure so
/// that `io::copy`'s single error can be told apart from the body's.
struct Counting<'a> {
    file: File,
    progress: &'a Progress,
    failure: Option<String>,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.write(buf) {
            Ok(n) => {
                self.progress.add_bytes(n as u64);
                Ok(n)
            }
            Err(error) => {
                self.failure = Some(error.to_string());
                Err(error)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

fn fetch_once(
    agent: &ureq::Agent,
    url: &str,
    path: &Path,
    hidden: &Path,
    options: &Options,
) -> Result<u64, DownloadError> {
    let response = agent.get(url).call().map_err(translate)?;
    if !response.status().is_success() {
        return Err(DownloadError::Status(response.status().as_u16()));
    }
    let limit = options.max_bytes;
    if let (Some(limit), Some(length)) = (limit, response.body().content_length()) {
        if length > limit {
            return Err(DownloadError::TooLarge { limit });
        }
    }
    // ureq's own limit catches a body without Content-Length that runs past the cap.
    let mut body = response
        .into_body()
        .into_with_config()
        .limit(limit.unwrap_or(u64::MAX))
        .reader();
    let file = File::create(hidden).map_err(|e| DownloadError::File(e.to_string()))?;
    let mut out = Counting {
        file,
        progress: &options.progress,
        failure: None,
    };
    let copied = io::copy(&mut body, &mut out);
    let n = match copied {
        Ok(n) => n,
        Err(error) => {
            return Err(match out.failure.take() {
                Some(message) => DownloadError::File(message),
                None => translate(ureq::Error::from(error)),
            });
        }
    };
    out.flush().map_err(|e| DownloadError::File(e.to_string()))?;
    drop(out);
    fs::rename(hidden, path).map_err(|e| DownloadError::File(e.to_string()))?;
    Ok(n)
}

fn translate(error: ureq::Error) -> DownloadError {
    match error {
        ureq::Error::StatusCode(code) => DownloadError::Status(code),
        ureq::Error::Timeout(_) => DownloadError::Timeout,
        ureq::Error::BodyExceedsLimit(limit) => DownloadError::TooLarge { limit },
        ureq::Error::Io(ref io) if io.kind() == io::ErrorKind::TimedOut => DownloadError::Timeout,
        other => DownloadError::Transport(other.to_string()),
    }
}
