//! Beginner: the parallel pinger. Ask every URL at once, each on a thread of its own, and collect who
//! answered `200 OK`.
//!
//! The README's sections "One request with ureq" and "A thread per URL" cover what you need.

use std::collections::HashMap;
use std::time::Duration;

// BEGIN SOLUTION (comment): import what you need from crate::sync and crate::thread
use crate::sync::{Arc, Mutex};
use crate::thread;
// END SOLUTION

/// Sends one `GET` to every URL of `urls`, all at the same time (a thread per URL, every thread started
/// before any is joined), and returns a map from each URL to whether it answered with status 200
/// within `timeout`.
///
/// Only 200 counts as up: any other status (201, 404, 503, ...), a refused connection, an invalid URL
/// and a request that takes longer than `timeout` all give `false`. Use one `ureq::Agent`, built with
/// `timeout_global(Some(timeout))`, and clone it into the threads. The threads record their answers
/// in one `Mutex<HashMap<String, bool>>`. A URL listed twice appears once. No URLs: an empty map.
pub fn ping_hosts(urls: &[&str], timeout: Duration) -> HashMap<String, bool> {
    // BEGIN SOLUTION: one Agent with a timeout, a thread per URL (spawn all, then join all), a Mutex<HashMap>
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .build()
        .into();
    let results = Arc::new(Mutex::new(HashMap::with_capacity(urls.len())));
    let pings: Vec<_> = urls
        .iter()
        .map(|&url| {
            // Each thread owns its clone of the agent (they share one connection pool) and of the map.
            let (agent, results, url) = (agent.clone(), Arc::clone(&results), url.to_owned());
            thread::spawn(move || {
                // 4xx and 5xx arrive as Err(StatusCode), so only an Ok with 200 is up.
                let up = agent
                    .get(&url)
                    .call()
                    .is_ok_and(|response| response.status().as_u16() == 200);
                results.lock().unwrap().insert(url, up);
            })
        })
        .collect();
    for ping in pings {
        ping.join().expect("a ping thread panicked");
    }
    let results = Arc::try_unwrap(results).expect("every thread was joined");
    results.into_inner().unwrap()
    // END SOLUTION
}
