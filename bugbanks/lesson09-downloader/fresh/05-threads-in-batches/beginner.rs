// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: the parallel pinger. Ask every URL at once, each on a thread of its own, and collect who
//! answered `200 OK`.
//!
//! The README's sections "One request with ureq" and "A thread per URL" cover what you need.

use std::collections::HashMap;
use std::time::Duration;

use crate::sync::{Arc, Mutex};
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
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .build()
        .into();
    let up: Arc<Mutex<HashMap<String, bool>>> = Arc::new(Mutex::new(HashMap::new()));

    // Don't start thousands of threads at once: go through the list in batches.
    const BATCH: usize = 64;
    for batch in urls.chunks(BATCH) {
        // Start every thread of the batch first...
        let handles: Vec<thread::JoinHandle<()>> = batch
            .iter()
            .map(|&url| {
                let agent = agent.clone();
                let up = Arc::clone(&up);
                let url = url.to_string();
                thread::spawn(move || {
                    let ok = match agent.get(&url).call() {
                        Ok(response) => response.status().as_u16() == 200,
                        Err(_) => false,
                    };
                    up.lock().unwrap().insert(url, ok);
                })
            })
            .collect();

        // ...then wait for all of them.
        for handle in handles {
            handle.join().unwrap();
        }
    }

    let mut map = up.lock().unwrap();
    std::mem::take(&mut *map)
}
