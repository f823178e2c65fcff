//! Hidden tests, beginner tier: `ping_hosts`.
//!
//! Every test starts its own local test server on 127.0.0.1 (so no two tests share its counters) and
//! drops it at the end, which stops it and joins its threads. That every URL is in flight at once is
//! proven by the server, not the clock: `/gate/{n}/{key}` holds each request until `n` of them are
//! held together (more than any number of threads a learner might hard-code), and the server counts
//! the peak of requests in flight. A call that may never return (no timeout) runs on a helper thread
//! and is given up after the harness's patience, so the message names the missing timeout.

use lesson09::beginner::ping_hosts;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use threadlab_harness::wait::{PATIENCE, within_patience};
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
        (
            "ping_hosts_matches_the_reference",
            ping_hosts_matches_the_reference,
        ),
    ]);
}

fn server() -> TestServer {
    TestServer::start().expect("the test server starts on 127.0.0.1")
}

/// A URL on 127.0.0.1 where nothing listens.
fn refused_url() -> String {
    // Port 1 is below the range the system hands out, so no test server of this process can get it
    // (a port freed a moment ago could be handed to the next server); checked to refuse first.
    if std::net::TcpStream::connect("127.0.0.1:1").is_err() {
        return "http://127.0.0.1:1/status/200".to_owned();
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/status/200")
}

/// `ping_hosts(urls, timeout)` on a helper thread: its answer, or a failure saying that it had not
/// returned after [`PATIENCE`] although every request was limited to `timeout`. Before it says so, it
/// checks that a call whose one URL answers at once does return: if not, that is what it reports.
fn ping_within_patience(urls: &[String], timeout: Duration, what: &str) -> HashMap<String, bool> {
    let call = |urls: Vec<String>, timeout| {
        within_patience(move || {
            let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
            ping_hosts(&refs, timeout)
        })
    };
    if let Some(map) = call(urls.to_vec(), timeout) {
        return map;
    }
    let server = server();
    let quick = server.url("/status/200");
    if call(vec![quick.clone()], Duration::from_secs(5)).is_none() {
        ::core::panic!(
            "{what} had not returned after {PATIENCE:?}, and neither had ping_hosts([{quick}]), whose one URL \
             answers at once: join every thread you spawned, and never wait for a lock inside a thread that holds it"
        );
    }
    ::core::panic!(
        "{what} with timeout {timeout:?} had not returned after {PATIENCE:?}: each request must give up once \
         `timeout` has passed (a request without a timeout waits as long as the server does). Build the agent with \
         timeout_global(Some(timeout))"
    )
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
        ("/status/202", false),
        ("/status/204", false),
        ("/status/304", false),
        ("/status/404", false),
        ("/status/500", false),
        ("/status/503", false),
    ];
    let urls: Vec<String> = cases.iter().map(|(p, _)| server.url(p)).collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let got = ping_hosts(&refs, Duration::from_secs(5));
    let want: HashMap<String, bool> = cases.iter().map(|(p, up)| (server.url(p), *up)).collect();
    check_map(
        &got,
        &want,
        "ping_hosts(200, 201, 202, 204, 304, 404, 500 and 503 answers) (only 200 counts as up)",
    );
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
    let stalled = server.url("/hold/never?wait_ms=20000");
    let fine = server.url("/status/200");
    let invalid = "not a url".to_owned();
    let urls = [
        refused.clone(),
        slow.clone(),
        stalled.clone(),
        fine.clone(),
        invalid.clone(),
    ];
    let what = "ping_hosts(a refused port, a URL that answers after 10 s, one that never answers, a 200, \"not a url\")";
    let got = ping_within_patience(&urls, Duration::from_millis(300), what);
    let want = HashMap::from([
        (refused, false),
        (slow, false),
        (stalled, false),
        (fine, true),
        (invalid, false),
    ]);
    check_map(&got, &want, &format!("{what} with a 300 ms timeout"));
}

fn ping_hosts_checks_every_url_at_once() {
    let server = server();
    // More URLs than any thread cap a learner might hard-code (8, 16, 64): a thread per URL.
    let n = 65;
    // Every request waits at one gate until all of them are there; alone, it gives up after 3 s (504).
    let urls: Vec<String> = (0..n)
        .map(|i| server.url(&format!("/gate/{n}/ping?wait_ms=3000&i={i}")))
        .collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let got = ping_hosts(&refs, Duration::from_secs(10));
    let peak = server.stats().peak_in_flight;
    expect!(
        peak == n,
        "ping_hosts({n} URLs): expected all {n} requests to be in flight at the same time, but the server saw at \
         most {peak} at once (each waited for the others and gave up after 3 s). Start a thread per URL (no cap) \
         before joining any, and do not hold the map's lock while a request runs"
    );
    let down: Vec<&String> = got.iter().filter(|(_, up)| !**up).map(|(u, _)| u).collect();
    expect!(
        got.len() == n as usize && down.is_empty(),
        "all {n} URLs answered 200 once they were in flight together, but the map has {} entries and {} are \
         false, such as {:?}",
        got.len(),
        down.len(),
        down.first()
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

/// A URL of a generated case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `/status/{code}` (2xx, 304, 4xx and 5xx).
    Status(u16),
    /// `/bytes/{n}` (200 with a body).
    Bytes(u64),
    /// `/delay/{ms}`, a few milliseconds (200).
    Delay(u64),
    /// `/delay/10000`: far slower than any timeout of a case it is in.
    Slow,
    /// `/hold/never`: never answers while the case runs.
    Stalled,
    /// A port where nothing listens.
    Refused,
    /// Not a URL at all.
    Invalid(&'static str),
}

impl Target {
    fn url(self, server: &TestServer, refused: &str) -> String {
        match self {
            Target::Status(code) => server.url(&format!("/status/{code}")),
            Target::Bytes(n) => server.url(&format!("/bytes/{n}")),
            Target::Delay(ms) => server.url(&format!("/delay/{ms}")),
            Target::Slow => server.url("/delay/10000"),
            Target::Stalled => server.url("/hold/never?wait_ms=20000"),
            Target::Refused => refused.to_owned(),
            Target::Invalid(text) => text.to_owned(),
        }
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Status(code) => write!(f, "/status/{code}"),
            Target::Bytes(n) => write!(f, "/bytes/{n}"),
            Target::Delay(ms) => write!(f, "/delay/{ms}"),
            Target::Slow => write!(f, "/delay/10000"),
            Target::Stalled => write!(f, "/hold/never (never answers)"),
            Target::Refused => write!(f, "a refused port"),
            Target::Invalid(text) => write!(f, "{text:?}"),
        }
    }
}

/// A generated call: URLs (duplicates likely) and a timeout. A case with a short timeout holds only
/// URLs whose answer cannot depend on the machine's speed (far slower than the timeout, or never
/// answering); with a zero timeout nothing can answer in time.
#[derive(Debug, Clone)]
struct Case {
    urls: Vec<Target>,
    timeout: Duration,
}

fn generate_case(g: &mut threadlab_harness::generate::Gen) -> Case {
    const CODES: [u16; 14] = [
        200, 200, 201, 202, 204, 206, 299, 304, 400, 404, 418, 500, 503, 599,
    ];
    const INVALID: [&str; 3] = ["not a url", "", "http://"];
    let class = g.range(0, 7);
    let (timeout, pool): (Duration, Vec<Target>) = match class {
        // Nothing answers within no time at all.
        0 => (
            Duration::ZERO,
            vec![
                Target::Status(200),
                Target::Bytes(3),
                Target::Slow,
                Target::Refused,
            ],
        ),
        // Only URLs that cannot answer within 20 ms, however fast the machine.
        1 => (Duration::from_millis(20), vec![Target::Slow, Target::Stalled]),
        _ => {
            let pool = (0..g.count_in(1, 4))
                .map(|_| match g.range(0, 5) {
                    0 | 1 => Target::Status(g.pick(&CODES)),
                    2 => Target::Bytes(g.pick(&[0, 1, 100, 70_000])),
                    3 => Target::Delay(g.range(0, 20)),
                    4 => Target::Refused,
                    _ => Target::Invalid(g.pick(&INVALID)),
                })
                .collect();
            (Duration::from_secs(5), pool)
        }
    };
    // Drawn from a small pool: the same URL often comes twice or more.
    let urls = g.vec(if class <= 1 { 3 } else { 9 }, |g| g.pick(&pool));
    Case { urls, timeout }
}

/// What a call shows from outside, with the server's address written as `http://SERVER`: the map,
/// and (when every URL answered or failed at once, so the server has seen every request) the
/// requests the server received per path.
#[derive(Debug, PartialEq)]
struct Seen {
    up: BTreeMap<String, bool>,
    requests: Option<BTreeMap<String, u64>>,
}

fn observe(
    case: &Case,
    refused: &str,
    ping: impl FnOnce(Vec<String>, Duration) -> HashMap<String, bool>,
) -> Seen {
    let server = server();
    let urls: Vec<String> = case.urls.iter().map(|t| t.url(&server, refused)).collect();
    let map = ping(urls, case.timeout);
    let base = server.base_url();
    let up = map
        .into_iter()
        .map(|(url, up)| (url.replace(&base, "http://SERVER"), up))
        .collect();
    let requests = (case.timeout >= Duration::from_secs(1)).then(|| server.stats().paths);
    Seen { up, requests }
}

/// Generated URL lists (every class of status, bodies, refused and invalid URLs, duplicates, no URLs)
/// and timeouts (zero, shorter than a URL's answer, generous) give the same map as the reference, and
/// the same requests at the server.
fn ping_hosts_matches_the_reference() {
    use threadlab_harness::generate::differential;
    let refused = refused_url();
    differential(
        9,
        30,
        "ping_hosts(urls, timeout): the map (URL -> answered 200 within timeout) and the requests per path",
        generate_case,
        |case| {
            observe(case, &refused, |urls, timeout| {
                ping_within_patience(&urls, timeout, &format!("ping_hosts({:?})", case.urls))
            })
        },
        |case| {
            observe(case, &refused, |urls, timeout| {
                let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
                reference::beginner::ping_hosts(&refs, timeout)
            })
        },
    );
}
