//! Intermediate: a URL checker with a fixed number of workers, reporting each URL as soon as it is
//! done: its status code or the error, and how long its request took.
//!
//! The README's sections "Bounded workers" and "Completion order" cover what you need.

use std::time::{Duration, Instant};

// BEGIN SOLUTION (comment): import what you need from crate::sync and crate::thread
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::mpsc;
use crate::thread;
// END SOLUTION

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
    // BEGIN SOLUTION: max_workers threads take the next URL until none is left; send each result as it finishes
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .build()
        .into();
    let workers = max_workers.max(1).min(urls.len());
    let next = AtomicUsize::new(0);
    let (done, finished) = mpsc::channel();
    thread::scope(|s| {
        for _ in 0..workers {
            let (agent, next, done) = (&agent, &next, done.clone());
            s.spawn(move || {
                // Each worker takes the next unclaimed URL; fetch_add hands every index out once.
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(url) = urls.get(i) else { break };
                    let _ = done.send(check_one(agent, url));
                }
            });
        }
    });
    drop(done);
    // The channel holds the results in the order the workers sent them: completion order.
    finished.into_iter().collect()
    // END SOLUTION
}

// BEGIN SOLUTION (comment): a helper that checks one URL and times its request
fn check_one(agent: &ureq::Agent, url: &str) -> UrlStatus {
    let started = Instant::now();
    let (status, error) = match agent.get(url).call() {
        Ok(response) => {
            let code = response.status().as_u16();
            let error = (!(200..300).contains(&code)).then(|| format!("HTTP status {code}"));
            (Some(code), error)
        }
        Err(ureq::Error::StatusCode(code)) => (Some(code), Some(format!("HTTP status {code}"))),
        Err(other) => (None, Some(other.to_string())),
    };
    UrlStatus {
        url: url.to_owned(),
        status,
        error,
        elapsed: started.elapsed(),
    }
}
// END SOLUTION
