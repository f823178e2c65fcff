//! Ten URLs that each take 300 ms to answer, pinged three ways: one after another, with a thread per
//! URL that is joined inside the spawn loop, and with every thread started before any is joined. The
//! table shows each way's wall time and the most requests the test server had in flight at once.
//!
//! It starts its own test server on 127.0.0.1, so it needs no network:
//!
//! ```text
//! cargo run -p lesson09 --example ping_timings
//! ```

use lesson09::thread;
use std::time::{Duration, Instant};
use threadlab_testserver::TestServer;

const URLS: usize = 10;
const DELAY_MS: u64 = 300;

/// One way of pinging every URL; returns how many were up.
type Way = fn(&ureq::Agent, &[String]) -> usize;

fn urls(server: &TestServer) -> Vec<String> {
    (0..URLS)
        .map(|i| server.url(&format!("/delay/{DELAY_MS}?i={i}")))
        .collect()
}

fn up(agent: &ureq::Agent, url: &str) -> bool {
    agent.get(url).call().is_ok_and(|r| r.status().as_u16() == 200)
}

fn one_by_one(agent: &ureq::Agent, urls: &[String]) -> usize {
    urls.iter().filter(|url| up(agent, url)).count()
}

fn joined_in_the_loop(agent: &ureq::Agent, urls: &[String]) -> usize {
    let mut count = 0;
    for url in urls {
        let (agent, url) = (agent.clone(), url.clone());
        // Joined before the next one is spawned: only one request exists at a time.
        count += usize::from(thread::spawn(move || up(&agent, &url)).join().unwrap());
    }
    count
}

fn all_at_once(agent: &ureq::Agent, urls: &[String]) -> usize {
    let pings: Vec<_> = urls
        .iter()
        .map(|url| {
            let (agent, url) = (agent.clone(), url.clone());
            thread::spawn(move || up(&agent, &url))
        })
        .collect();
    pings.into_iter().map(|p| usize::from(p.join().unwrap())).sum()
}

fn main() {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    println!("{URLS} URLs that answer after {DELAY_MS} ms each\n");
    println!(
        "{:<28} {:>10} {:>6} {:>16}",
        "way", "wall", "up", "peak in flight"
    );
    let ways: [(&str, Way); 3] = [
        ("one after another", one_by_one),
        ("threads joined in the loop", joined_in_the_loop),
        ("all started, then joined", all_at_once),
    ];
    for (name, way) in ways {
        // A fresh server per way, so each peak is that way's own.
        let server = TestServer::start().expect("the test server starts on 127.0.0.1");
        let urls = urls(&server);
        let started = Instant::now();
        let count = way(&agent, &urls);
        let wall = started.elapsed();
        let peak = server.stats().peak_in_flight;
        println!(
            "{name:<28} {:>8.0} ms {count:>3}/{URLS} {peak:>16}",
            wall.as_secs_f64() * 1000.0
        );
    }
    println!(
        "\nOnly the last way overlaps the waits: about {DELAY_MS} ms in all instead of {URLS} × {DELAY_MS} ms."
    );
}
