//! Hidden tests, intermediate tier: `check_urls`.
//!
//! Each test has its own local test server on 127.0.0.1. "`max_workers` at once while URLs are left"
//! is proven by holding every request at the server and answering them one at a time, each only once
//! exactly `min(max_workers, URLs left)` are held; "never more than `max_workers`" by a gate of
//! `max_workers + 1`, which a solution with one request too many opens at once, while a right
//! one waits there for the harness's patience (then every request gets a 504): the server's peak of
//! requests in flight says which happened. Worker counts include 0, counts that do not divide the
//! URLs, and more than any cap a learner might hard-code. Completion order is forced by delays 300 ms
//! apart. A call that may never return (no timeout) runs on a helper thread, given up after the
//! patience with a message that names the missing timeout.

use lesson09::intermediate::{UrlStatus, check_urls};
use std::collections::BTreeMap;
use std::time::Duration;
use threadlab_harness::wait::{PATIENCE, eventually, within_patience};
use threadlab_harness::{expect, expect_eq};
use threadlab_testserver::TestServer;

fn main() {
    threadlab_harness::main(&[
        (
            "check_urls_reports_codes_and_errors",
            check_urls_reports_codes_and_errors,
        ),
        ("check_urls_times_out_slow_urls", check_urls_times_out_slow_urls),
        (
            "check_urls_keeps_max_workers_busy",
            check_urls_keeps_max_workers_busy,
        ),
        (
            "check_urls_never_exceeds_max_workers",
            check_urls_never_exceeds_max_workers,
        ),
        (
            "check_urls_returns_results_in_completion_order",
            check_urls_returns_results_in_completion_order,
        ),
        (
            "check_urls_times_each_request_alone",
            check_urls_times_each_request_alone,
        ),
        (
            "check_urls_matches_the_reference",
            check_urls_matches_the_reference,
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

fn find<'a>(results: &'a [UrlStatus], url: &str) -> &'a UrlStatus {
    let found: Vec<&UrlStatus> = results.iter().filter(|r| r.url == url).collect();
    expect!(
        found.len() == 1,
        "expected exactly one UrlStatus for {url}, found {}",
        found.len()
    );
    found[0]
}

/// `check_urls(urls, max_workers, timeout)` on a helper thread: its results, or a failure saying that
/// it had not returned after [`PATIENCE`] although every request was limited to `timeout`. Before it
/// says so, it checks that a call whose one URL answers at once does return: if not, that is what it
/// reports.
fn check_within_patience(
    urls: &[String],
    max_workers: usize,
    timeout: Duration,
    what: &str,
) -> Vec<UrlStatus> {
    let call = |urls: Vec<String>, max_workers, timeout| {
        within_patience(move || {
            let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
            check_urls(&refs, max_workers, timeout)
        })
    };
    if let Some(results) = call(urls.to_vec(), max_workers, timeout) {
        return results;
    }
    let server = server();
    let quick = server.url("/status/200");
    if call(vec![quick.clone()], 1, Duration::from_secs(5)).is_none() {
        ::core::panic!(
            "{what} had not returned after {PATIENCE:?}, and neither had check_urls([{quick}], 1 worker), whose one \
             URL answers at once: the workers must stop when no URL is left, and the loop that collects the results \
             must end (drop the original Sender once the workers have their clones)"
        );
    }
    ::core::panic!(
        "{what} with timeout {timeout:?} had not returned after {PATIENCE:?}: each request must give up once \
         `timeout` has passed (a request without a timeout waits as long as the server does). Build the agent with \
         timeout_global(Some(timeout))"
    )
}

fn check_urls_reports_codes_and_errors() {
    let server = server();
    let refused = refused_url();
    let ok = [200, 201, 204, 299];
    let failed = [304, 404, 418, 503, 599];
    let mut urls: Vec<String> = ok
        .iter()
        .chain(&failed)
        .map(|c| server.url(&format!("/status/{c}")))
        .collect();
    urls.push(server.url("/bytes/10"));
    urls.push(refused.clone());
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let results = check_urls(&refs, 2, Duration::from_secs(5));
    expect_eq!(
        results.len(),
        urls.len(),
        "number of results for {} URLs",
        urls.len()
    );
    let successes = ok
        .iter()
        .map(|&code| (server.url(&format!("/status/{code}")), code))
        .chain([(server.url("/bytes/10"), 200)]);
    for (url, code) in successes {
        let r = find(&results, &url);
        expect!(
            r.status == Some(code) && r.error.is_none() && r.is_ok(),
            "{url}: a 2xx answer is a success: expected status Some({code}) and error None, got status {:?} and \
             error {:?}",
            r.status,
            r.error
        );
    }
    for code in failed {
        let url = server.url(&format!("/status/{code}"));
        let r = find(&results, &url);
        expect!(
            r.status == Some(code) && r.error.is_some() && !r.is_ok(),
            "{url}: expected a failure that keeps its code (status Some({code}), error Some(..)), got status {:?} \
             and error {:?}. ureq returns 4xx/5xx as Err(ureq::Error::StatusCode(code)), and a 304 as Ok",
            r.status,
            r.error
        );
    }
    let r = find(&results, &refused);
    expect!(
        r.status.is_none() && r.error.is_some() && !r.is_ok(),
        "{refused} (nothing listens there): expected status None and an error, got status {:?} and error {:?}",
        r.status,
        r.error
    );
    let invalid = check_urls(&["not a url"], 1, Duration::from_secs(1));
    expect!(
        invalid.len() == 1 && invalid[0].status.is_none() && invalid[0].error.is_some(),
        "check_urls([\"not a url\"], ..): expected one result with status None and an error, got {invalid:?}"
    );
    expect_eq!(
        check_urls(&[], 4, Duration::from_secs(1)),
        Vec::<UrlStatus>::new(),
        "check_urls(&[], ..) (no URLs)"
    );
}

fn check_urls_times_out_slow_urls() {
    let server = server();
    let slow = server.url("/delay/10000");
    let stalled = server.url("/hold/never?wait_ms=20000");
    let what = "check_urls([a URL that answers after 10 s, one that never answers], 2 workers)";
    let results = check_within_patience(
        &[slow.clone(), stalled.clone()],
        2,
        Duration::from_millis(300),
        what,
    );
    expect_eq!(results.len(), 2, "number of results for two URLs");
    for url in [&slow, &stalled] {
        let r = find(&results, url);
        expect!(
            r.status.is_none() && r.error.is_some(),
            "{url} does not answer within the 300 ms timeout: expected status None and an error, got status {:?} \
             and error {:?}",
            r.status,
            r.error
        );
        expect!(
            r.elapsed >= Duration::from_millis(250) && r.elapsed < PATIENCE,
            "{url} timed out after 300 ms: expected its elapsed to be about 300 ms, got {:?}",
            r.elapsed
        );
    }
}

/// Runs `check_urls(n URLs, workers, ..)` for each `(n, workers)` at once, each against a server of its
/// own whose URLs all wait at `/gate/{gate(workers)}/..`; returns each run's results and server peak.
fn gated_runs(
    shapes: &[(usize, usize)],
    gate: impl Fn(usize) -> usize + Sync,
    wait: Duration,
) -> Vec<(Vec<UrlStatus>, u64)> {
    std::thread::scope(|s| {
        let runs: Vec<_> = shapes
            .iter()
            .map(|&(n, workers)| {
                let gate = &gate;
                s.spawn(move || {
                    let server = server();
                    let size = gate(workers);
                    let urls: Vec<String> = (0..n)
                        .map(|i| server.url(&format!("/gate/{size}/g?wait_ms={}&i={i}", wait.as_millis())))
                        .collect();
                    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
                    let results = check_urls(&refs, workers, Duration::from_secs(10));
                    (results, server.stats().peak_in_flight)
                })
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("check_urls panicked"))
            .collect()
    })
}

/// Runs `check_urls(n URLs, max_workers, ..)` on a helper thread against a server of its own, where
/// URL `i` is `/hold/u{i}`, held until the test releases it. Before each release the test waits until
/// exactly `min(max_workers, URLs left)` requests are held at the server and no more were sent: one per
/// worker while URLs are left, whichever order the workers take them in. It releases the request the
/// server saw last, so one worker keeps getting answers while the others wait: a worker with a share
/// of the list fixed up front runs out of URLs while the others still have some. Then every URL must
/// have succeeded.
fn released_one_at_a_time(n: usize, max_workers: usize) {
    let server = server();
    let urls: Vec<String> = (0..n)
        .map(|i| server.url(&format!("/hold/u{i}?wait_ms=20000")))
        .collect();
    let (done, results) = std::sync::mpsc::channel();
    // Not scoped: when a check fails, the test ends without waiting for the call, and dropping the
    // server ends every held request.
    std::thread::spawn(move || {
        let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
        let _ = done.send(check_urls(&refs, max_workers, Duration::from_secs(30)));
    });
    let what = format!("check_urls({n} URLs, max_workers = {max_workers})");
    let bound = max_workers.max(1);
    // Paths the server has seen, in the order it first saw them, and those still held.
    let (mut seen, mut held): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for answered in 0..n {
        let left = n - answered;
        let want = bound.min(left) as u64;
        let mut last = server.stats();
        let reached = eventually(|| {
            last = server.stats();
            for path in last.paths.keys() {
                if !seen.contains(path) {
                    seen.push(path.clone());
                    held.push(path.clone());
                }
            }
            last.in_flight == want && last.requests == answered as u64 + want
        });
        expect!(
            reached,
            "{what}: with {answered} URLs answered and {left} left, expected {want} requests at the server at \
             once (min(max_workers, URLs left)), but it had {} in flight and {} sent in all ({answered} answered). \
             Start max_workers workers, however many that is, that each take the next URL as soon as they are \
             done with one (a queue or an atomic index), instead of a share of the list per thread fixed up front",
            last.in_flight,
            last.requests
        );
        let newest = held.pop().expect("a request is held");
        server.release(newest.trim_start_matches("/hold/"));
    }
    let results = results.recv_timeout(PATIENCE).unwrap_or_else(|_| {
        ::core::panic!("{what} had not returned {PATIENCE:?} after the server answered its last URL")
    });
    let failed = results.iter().filter(|r| !r.is_ok()).count();
    expect!(
        results.len() == n && failed == 0,
        "{what}: expected {n} successful results, got {} results of which {failed} failed",
        results.len()
    );
}

fn check_urls_keeps_max_workers_busy() {
    // Counts that do not divide (5 URLs in fixed shares of 2 for 4 workers start only 3 threads; 7 in
    // shares of 3 for 3 leave a worker idle once its share is done while the others have URLs left),
    // and 17 workers, more than any cap a learner might hard-code (4, 8, 16).
    for (n, max_workers) in [(5, 4), (7, 3), (19, 17)] {
        released_one_at_a_time(n, max_workers);
    }
}

fn check_urls_never_exceeds_max_workers() {
    // Each run's URLs wait at a gate of max_workers + 1 (2 for max_workers = 0, which counts as 1): it
    // opens at once for one request too many; a bounded run waits there, gives up, and gets 504s.
    // Counts that do not divide, 0 workers, and more workers than any hard-coded cap.
    let shapes = [(10, 3), (7, 2), (3, 0), (4, 1), (40, 17)];
    let runs = gated_runs(&shapes, |workers| workers.max(1) + 1, PATIENCE);
    for (&(n, workers), (results, peak)) in shapes.iter().zip(&runs) {
        let bound = workers.max(1) as u64;
        expect!(
            *peak <= bound,
            "check_urls({n} URLs, max_workers = {workers}): the server saw {peak} requests in flight at once; at \
             most {bound} may be{}. Start max_workers workers that each take the next URL (a queue or an atomic \
             index), instead of a thread per URL or a share of the list per thread",
            if workers == 0 { " (0 counts as 1)" } else { "" }
        );
        expect_eq!(
            results.len(),
            n,
            "number of results of check_urls({n} URLs, max_workers = {workers})"
        );
    }
}

fn check_urls_returns_results_in_completion_order() {
    let server = server();
    let urls = [
        server.url("/delay/600"),
        server.url("/delay/0"),
        server.url("/delay/300"),
    ];
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let results = check_urls(&refs, 3, Duration::from_secs(10));
    let order: Vec<&str> = results.iter().map(|r| r.url.as_str()).collect();
    let want = vec![urls[1].as_str(), urls[2].as_str(), urls[0].as_str()];
    expect_eq!(
        order,
        want,
        "order of the results of check_urls([600 ms, 0 ms, 300 ms], 3 workers) (completion order: fastest first)"
    );
}

fn check_urls_times_each_request_alone() {
    let server = server();
    let slow = server.url("/delay/400");
    let quick = server.url("/delay/0");
    let results = check_urls(&[&slow, &quick], 1, Duration::from_secs(10));
    expect_eq!(results.len(), 2, "number of results for two URLs");
    let (slow_r, quick_r) = (find(&results, &slow), find(&results, &quick));
    expect!(
        slow_r.elapsed >= Duration::from_millis(400),
        "{slow} takes 400 ms, but its elapsed is {:?}",
        slow_r.elapsed
    );
    // Compared with the slow URL's own time, not with a fixed bound: a clock started before the wait
    // gives the quick URL the slow one's 400 ms and more, while a loaded machine (a class graded in
    // parallel) can stretch an answer that comes at once past any bound close to 400 ms.
    expect!(
        quick_r.elapsed < slow_r.elapsed,
        "{quick} answers at once but its elapsed is {:?}, not less than the {:?} of {slow}: with one worker it \
         waited for the slow URL first, and that wait must not count. Start the clock when its request is sent",
        quick_r.elapsed,
        slow_r.elapsed
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

/// A generated call. A case with a short timeout holds only URLs whose answer cannot depend on the
/// machine's speed (far slower than the timeout, or never answering); with a zero timeout nothing can
/// answer in time.
#[derive(Debug, Clone)]
struct Case {
    urls: Vec<Target>,
    max_workers: usize,
    timeout: Duration,
}

fn generate_case(g: &mut threadlab_harness::generate::Gen) -> Case {
    const CODES: [u16; 14] = [
        200, 200, 201, 202, 204, 206, 299, 304, 400, 404, 418, 500, 503, 599,
    ];
    const INVALID: [&str; 3] = ["not a url", "", "http://"];
    let class = g.range(0, 7);
    let (timeout, pool): (Duration, Vec<Target>) = match class {
        0 => (
            Duration::ZERO,
            vec![
                Target::Status(200),
                Target::Bytes(3),
                Target::Slow,
                Target::Refused,
            ],
        ),
        1 => (Duration::from_millis(20), vec![Target::Slow, Target::Stalled]),
        _ => {
            let pool = (0..g.count_in(1, 4))
                .map(|_| match g.range(0, 5) {
                    0 | 1 => Target::Status(g.pick(&CODES)),
                    // Bodies small enough to go out in one piece: the server counts a request
                    // in flight until its last piece is on its way, and a worker that never reads
                    // a long body is at its next URL before that.
                    2 => Target::Bytes(g.pick(&[0, 1, 100, 4000])),
                    3 => Target::Delay(g.range(0, 20)),
                    4 => Target::Refused,
                    _ => Target::Invalid(g.pick(&INVALID)),
                })
                .collect();
            (Duration::from_secs(5), pool)
        }
    };
    let urls = g.vec(if class == 1 { 3 } else { 9 }, |g| g.pick(&pool));
    // 0 (counts as 1), 1, 2, one fewer than the URLs, as many, one more, and more than any cap.
    let n = urls.len();
    let max_workers = g.pick(&[0, 1, 2, n.saturating_sub(1), n, n + 1, 70]);
    Case {
        urls,
        max_workers,
        timeout,
    }
}

/// One result as plain values: the URL (the server's address written as `http://SERVER`), the status
/// and whether there is an error.
type Row = (String, Option<u16>, bool);

/// What a call shows from outside: its results sorted (their order is the order they finished, which
/// no two runs need to share), and (when every URL answered or failed at once, so the server has seen
/// every request) the requests the server received per path.
#[derive(Debug, PartialEq)]
struct Seen {
    results: Vec<Row>,
    requests: Option<BTreeMap<String, u64>>,
}

/// Runs `check` on the case against a server of its own; returns what it shows and the server's peak
/// of requests in flight.
fn observe(
    case: &Case,
    refused: &str,
    check: impl FnOnce(Vec<String>, usize, Duration) -> Vec<Row>,
) -> (Seen, u64) {
    let server = server();
    let urls: Vec<String> = case.urls.iter().map(|t| t.url(&server, refused)).collect();
    let base = server.base_url();
    let mut results: Vec<Row> = check(urls, case.max_workers, case.timeout)
        .into_iter()
        .map(|(url, status, error)| (url.replace(&base, "http://SERVER"), status, error))
        .collect();
    results.sort();
    let requests = (case.timeout >= Duration::from_secs(1)).then(|| server.stats().paths);
    (Seen { results, requests }, server.stats().peak_in_flight)
}

/// Generated URL lists (every class of status, bodies, refused and invalid URLs, duplicates, no URLs),
/// worker counts (0, 1, around the number of URLs, above any cap) and timeouts (zero, shorter than a
/// URL's answer, generous) give the same results as the reference (status and whether there is an
/// error, per URL) and the same requests at the server, never with more than max_workers in flight.
fn check_urls_matches_the_reference() {
    use threadlab_harness::generate::differential;
    let refused = refused_url();
    differential(
        11,
        30,
        "check_urls(urls, max_workers, timeout): each URL's (status, has an error), sorted, and the requests per path",
        generate_case,
        |case| {
            let (seen, peak) = observe(case, &refused, |urls, workers, timeout| {
                check_within_patience(
                    &urls,
                    workers,
                    timeout,
                    &format!("check_urls({:?}, {workers})", case.urls),
                )
                .into_iter()
                .map(|r| (r.url, r.status, r.error.is_some()))
                .collect()
            });
            // A request that timed out is over for the client but still held at the server, so the
            // server's peak says something only when every request was answered.
            let bound = case.max_workers.max(1) as u64;
            expect!(
                peak <= bound || case.timeout < Duration::from_secs(1),
                "check_urls({:?}, max_workers = {}): the server saw {peak} requests in flight at once, more than \
                 max_workers (0 counts as 1)",
                case.urls,
                case.max_workers
            );
            seen
        },
        |case| {
            observe(case, &refused, |urls, workers, timeout| {
                let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
                reference::intermediate::check_urls(&refs, workers, timeout)
                    .into_iter()
                    .map(|r| (r.url, r.status, r.error.is_some()))
                    .collect()
            })
            .0
        },
    );
}
