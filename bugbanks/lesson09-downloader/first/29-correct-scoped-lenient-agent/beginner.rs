// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: the parallel pinger. Ask every URL at once, each on a thread of its own, and collect who
//! answered `200 OK`.
//!
//! The README's sections "One request with ureq" and "A thread per URL" cover what you need.

use std::collections::HashMap;
use std::time::Duration;

use crate::sync::Mutex;
use crate::thread;

/// Sends one `GET` to every URL of `urls`, all at the same time (a thread per URL, every thread started
/// before any is joined), and returns a map from each URL to whether it answered with status 200
/// within `timeout`.
///
/// Only 200 counts as up: any other status (201, 404, 503, ...), a refused connection, an invalid URL
/// and a request that takes longer than `timeout` all give `false`. Use one `ureq::Agent`, built with
/// `timeout_global(Some(timeout))`, and clone it into the threads. The threads record their answers
/// in one `Mutex<HashMap<String, bool>>`. A URL listed twice appears once. No URLs: an empty map.
pub fn ping_hosts(urls: &[&str], timeout: Duration) -> HashMap<String, bool> {
    // Every status comes back as a response, so "up" is exactly "the status is 200".
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let up: Mutex<HashMap<String, bool>> = Mutex::new(HashMap::new());
    // Scoped threads may borrow the agent, the map and the URLs; the scope joins them all.
    thread::scope(|s| {
        let pings: Vec<_> = urls
            .iter()
            .map(|&url| {
                let (agent, up) = (&agent, &up);
                s.spawn(move || {
                    let status = agent.get(url).call().map(|response| response.status().as_u16());
                    let ok = matches!(status, Ok(200));
                    up.lock().unwrap().insert(url.to_owned(), ok);
                })
            })
            .collect();
        for ping in pings {
            ping.join().expect("a ping thread panicked");
        }
    });
    up.into_inner().unwrap()
}
