//! 200 URLs that each take 50 ms, fetched with a thread per URL and with 1, 4, 16 and 64 workers
//! (scoped threads taking the next URL from an atomic index). The table shows the wall time, the ideal
//! time (`ceil(200 / workers) × 50 ms`) and the most requests the server had in flight at once:
//! workers trade a little time for a bound on threads, sockets and load on the server.
//!
//! It starts its own test server on 127.0.0.1:
//!
//! ```text
//! cargo run -p lesson09 --example workers --release
//! ```

use lesson09::sync::atomic::{AtomicUsize, Ordering};
use lesson09::thread;
use std::time::{Duration, Instant};
use threadlab_testserver::TestServer;

const URLS: usize = 200;
const DELAY_MS: u64 = 50;

fn fetch(agent: &ureq::Agent, url: &str) -> bool {
    agent.get(url).call().is_ok()
}

/// One thread per URL, all started before any is joined.
fn thread_per_url(agent: &ureq::Agent, urls: &[String]) -> usize {
    thread::scope(|s| {
        let all: Vec<_> = urls
            .iter()
            .map(|url| s.spawn(move || fetch(agent, url)))
            .collect();
        all.into_iter().map(|h| usize::from(h.join().unwrap())).sum()
    })
}

/// `workers` threads that each take the next URL until none is left.
fn with_workers(agent: &ureq::Agent, urls: &[String], workers: usize) -> usize {
    let next = AtomicUsize::new(0);
    let ok = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some(url) = urls.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if fetch(agent, url) {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    ok.into_inner()
}

fn main() {
    println!("{URLS} URLs that answer after {DELAY_MS} ms each\n");
    println!(
        "{:<16} {:>10} {:>10} {:>6} {:>16}",
        "workers", "wall", "ideal", "ok", "peak in flight"
    );
    for workers in [0, 1, 4, 16, 64] {
        let server = TestServer::start().expect("the test server starts on 127.0.0.1");
        let urls: Vec<String> = (0..URLS)
            .map(|i| server.url(&format!("/delay/{DELAY_MS}?i={i}")))
            .collect();
        // Keep a connection per worker alive between requests (ureq keeps 3 per host by default).
        let pool = if workers == 0 { URLS } else { workers };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .max_idle_connections(pool)
            .max_idle_connections_per_host(pool)
            .build()
            .into();
        let started = Instant::now();
        let ok = if workers == 0 {
            thread_per_url(&agent, &urls)
        } else {
            with_workers(&agent, &urls, workers)
        };
        let wall = started.elapsed().as_secs_f64() * 1000.0;
        let rounds = if workers == 0 { 1 } else { URLS.div_ceil(workers) };
        let label = if workers == 0 {
            "one per URL".to_owned()
        } else {
            workers.to_string()
        };
        println!(
            "{label:<16} {wall:>7.0} ms {:>7} ms {ok:>6} {:>16}",
            rounds as u64 * DELAY_MS,
            server.stats().peak_in_flight
        );
    }
}
