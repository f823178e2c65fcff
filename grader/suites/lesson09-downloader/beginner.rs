//! Hidden tests, beginner tier: `ping_hosts`.
//!
//! Every test starts its own local test server on 127.0.0.1 (so no two tests share its counters) and
//! drops it at the end, which stops it and joins its threads. That every URL is in flight at once is
//! proven by the server, not the clock: `/gate/{n}/{key}` holds each request until `n` of them are
//! held together, and the server counts the peak of requests in flight.

use lesson09::beginner::ping_hosts;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use threadlab_harness::{expect, expect_eq};
use threadlab_testserver::TestServer;

fn main() {
    threadlab_harness::main(&[
        (
            "ping_hosts_reports_only_200_as_up",
            ping_hosts_reports_only_200_as_up,
        ),
        (
            "ping_hosts_marks_refused_and_slow_urls_down",
            ping_hosts_marks_refused_and_slow_urls_down,
        ),
        (
            "ping_hosts_checks_every_url_at_once",
            ping_hosts_checks_every_url_at_once,
        ),
        ("ping_hosts_asks_each_url_once", ping_hosts_asks_each_url_once),
    ]);
}

fn server() -> TestServer {
    TestServer::start().expect("the test server starts on 127.0.0.1")
}

/// A URL on 127.0.0.1 where nothing listens (the port was just freed).
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/status/200")
}

/// Says which URLs got the wrong answer.
fn check_map(got: &HashMap<String, bool>, want: &HashMap<String, bool>, call: &str) {
    let mut wrong = Vec::new();
    for (url, up) in want {
        match got.get(url) {
            Some(g) if g == up => {}
            Some(g) => wrong.push(format!("{url}: expected {up}, got {g}")),
            None => wrong.push(format!("{url}: missing from the map")),
        }
    }
    for url in got.keys().filter(|u| !want.contains_key(*u)) {
        wrong.push(format!("{url}: in the map but not one of the URLs"));
    }
    expect!(wrong.is_empty(), "{call}: {}", wrong.join("; "));
}

fn ping_hosts_reports_only_200_as_up() {
    let server = server();
    let cases = [
        ("/status/200", true),
        ("/bytes/16", true),
        ("/delay/10", true),
        ("/status/201", false),
        ("/status/204", false),
        ("/status/404", false),
        ("/status/500", false),
        ("/status/503", false),
    ];
    let urls: Vec<String> = cases.iter().map(|(p, _)| server.url(p)).collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let got = ping_hosts(&refs, Duration::from_secs(5));
    let want: HashMap<String, bool> = cases.iter().map(|(p, up)| (server.url(p), *up)).collect();
    check_map(&got, &want, "ping_hosts(200, 201, 204, 404, 500 and 503 answers)");
    expect_eq!(
        ping_hosts(&[], Duration::from_secs(1)),
        HashMap::new(),
        "ping_hosts(&[], ..) (no URLs)"
    );
}

fn ping_hosts_marks_refused_and_slow_urls_down() {
    let server = server();
    let refused = refused_url();
    let slow = server.url("/delay/10000");
    let fine = server.url("/status/200");
    let invalid = "not a url".to_owned();
    let started = Instant::now();
    let got = ping_hosts(&[&refused, &slow, &fine, &invalid], Duration::from_millis(300));
    let took = started.elapsed();
    let want = HashMap::from([
        (refused, false),
        (slow.clone(), false),
        (fine, true),
        (invalid, false),
    ]);
    check_map(
        &got,
        &want,
        "ping_hosts(a refused port, a URL that answers after 10 s, a 200, \"not a url\") with a 300 ms timeout",
    );
    expect!(
        took < Duration::from_secs(3),
        "ping_hosts with a 300 ms timeout took {took:?}: expected it to give up on {slow} after about 300 ms. \
         Build the agent with timeout_global(Some(timeout))"
    );
}

fn ping_hosts_checks_every_url_at_once() {
    let server = server();
    let n = 8;
    // Every request waits at one gate until all 8 are there; alone, it gives up after 3 s (504).
    let urls: Vec<String> = (0..n)
        .map(|i| server.url(&format!("/gate/{n}/ping?wait_ms=3000&i={i}")))
        .collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let got = ping_hosts(&refs, Duration::from_secs(10));
    let peak = server.stats().peak_in_flight;
    expect!(
        peak == n,
        "expected all {n} requests to be in flight at the same time, but the server saw at most {peak} at once \
         (each waited for the others and gave up after 3 s). Start a thread per URL before joining any, and do \
         not hold the map's lock while a request runs"
    );
    let down: Vec<&String> = got.iter().filter(|(_, up)| !**up).map(|(u, _)| u).collect();
    expect!(
        got.len() == n as usize && down.is_empty(),
        "all {n} URLs answered 200 once they were in flight together, but the map has {} entries and these are \
         false: {down:?}",
        got.len()
    );
}

fn ping_hosts_asks_each_url_once() {
    let server = server();
    let up = server.url("/bytes/5");
    let missing = server.url("/status/404");
    let got = ping_hosts(&[&up, &missing, &up], Duration::from_secs(5));
    let want = HashMap::from([(up, true), (missing, false)]);
    check_map(&got, &want, "ping_hosts([/bytes/5, /status/404, /bytes/5])");
    expect_eq!(
        (server.hits("/bytes/5"), server.hits("/status/404")),
        (2, 1),
        "requests the server received for /bytes/5 (listed twice) and /status/404 (listed once)"
    );
}
