// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: a URL checker with a fixed number of workers, reporting each URL as soon as it is
//! done: its status code or the error, and how long its request took.
//!
//! The README's sections "Bounded workers" and "Completion order" cover what you need.

use std::time::{Duration, Instant};

use crate::sync::mpsc;
use crate::sync::{Arc, Mutex};
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
    let workers = max_workers.max(1).min(urls.len());
    // Every status comes back as a response; we sort out 2xx from the rest ourselves.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();

    // The queue: every URL is put in up front, then the sender is closed so workers stop when it is empty.
    let (queue, jobs) = mpsc::channel::<String>();
    for url in urls {
        queue.send(url.to_string()).unwrap();
    }
    drop(queue);
    let jobs = Arc::new(Mutex::new(jobs));

    let (finished, results) = mpsc::channel::<UrlStatus>();
    let handles: Vec<thread::JoinHandle<()>> = (0..workers)
        .map(|_| {
            let (jobs, finished, agent) = (Arc::clone(&jobs), finished.clone(), agent.clone());
            thread::spawn(move || loop {
                // The lock is held only while taking the next URL, not during the request.
                let next = jobs.lock().unwrap().recv();
                let Ok(url) = next else { break };
                let status = probe(&agent, url);
                if finished.send(status).is_err() {
                    break;
                }
            })
        })
        .collect();
    drop(finished);

    let in_finish_order: Vec<UrlStatus> = results.iter().collect();
    for handle in handles {
        handle.join().unwrap();
    }
    in_finish_order
}

/// Asks one URL and times the request alone.
fn probe(agent: &ureq::Agent, url: String) -> UrlStatus {
    let sent = Instant::now();
    let answer = agent.get(&url).call();
    let elapsed = sent.elapsed();
    match answer {
        Ok(response) => {
            let code = response.status().as_u16();
            let error = match code {
                200..=299 => None,
                _ => Some(format!("HTTP status {code}")),
            };
            UrlStatus { url, status: Some(code), error, elapsed }
        }
        Err(ureq::Error::StatusCode(code)) => UrlStatus {
            url,
            status: Some(code),
            error: Some(format!("HTTP status {code}")),
            elapsed,
        },
        Err(e) => UrlStatus { url, status: None, error: Some(e.to_string()), elapsed },
    }
}
