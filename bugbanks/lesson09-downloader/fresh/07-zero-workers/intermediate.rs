// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: a URL checker with a fixed number of workers, reporting each URL as soon as it is
//! done: its status code or the error, and how long its request took.
//!
//! The README's sections "Bounded workers" and "Completion order" cover what you need.

use std::time::{Duration, Instant};

use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::mpsc;
use crate::thread;

/// What checking one URL found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlStatus {
    /// The URL, as given.
    pub url: String,
    /// The HTTP status code, when a response arrived (also for 404 or 503); `None` when none did
    /// (connection refused, timeout, invalid URL).
    pub status: Option<u16>,
    /// `None` when the status is 2xx; otherwise what went wrong, in words (for a 404, say
    /// `"HTTP status 404"`; for a refused connection, the error's message).
    pub error: Option<String>,
    /// How long this URL's request took, from sending it to its answer (time spent waiting for a free
    /// worker does not count).
    pub elapsed: Duration,
}

impl UrlStatus {
    /// Whether the URL answered with a 2xx status.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Checks every URL of `urls` with one `GET` each, on `max_workers` workers (0 counts as 1, and no
/// more workers than URLs are started): `max_workers` requests at a time while URLs are left, never
/// more. Each request is limited to `timeout`. Returns one [`UrlStatus`] per URL **in the order they
/// finished**, not the order of `urls`.
///
/// Use one `ureq::Agent` for every worker. A 4xx or 5xx answer is a failure that still has its code;
/// a refused connection or a timeout has no code and an error. No URLs: an empty `Vec`.
pub fn check_urls(urls: &[&str], max_workers: usize, timeout: Duration) -> Vec<UrlStatus> {
    if urls.is_empty() {
        return Vec::new();
    }
    let workers = max_workers.min(urls.len());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_idle_connections_per_host(workers.max(3))
        .build()
        .into();

    let next = AtomicUsize::new(0);
    let (finished, results) = mpsc::channel();
    thread::scope(|s| {
        for _ in 0..workers {
            let finished = finished.clone();
            let (agent, next) = (&agent, &next);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&url) = urls.get(i) else { break };
                let status = check_one(agent, url);
                // Sent the moment it is ready: the channel keeps the finishing order.
                finished.send(status).unwrap();
            });
        }
    });
    drop(finished);
    results.iter().collect()
}

/// One GET, timed from sending it to its answer.
fn check_one(agent: &ureq::Agent, url: &str) -> UrlStatus {
    let started = Instant::now();
    let answer = agent.get(url).call();
    let elapsed = started.elapsed();
    let (status, error) = match answer {
        Ok(response) => {
            let code = response.status().as_u16();
            if (200..300).contains(&code) {
                (Some(code), None)
            } else {
                (Some(code), Some(format!("HTTP status {code}")))
            }
        }
        Err(ureq::Error::StatusCode(code)) => (Some(code), Some(format!("HTTP status {code}"))),
        Err(e) => (None, Some(e.to_string())),
    };
    UrlStatus {
        url: url.to_string(),
        status,
        error,
        elapsed,
    }
}
