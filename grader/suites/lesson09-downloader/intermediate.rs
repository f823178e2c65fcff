//! Hidden tests, intermediate tier: `check_urls`.
//!
//! Each test has its own local test server on 127.0.0.1. "At most `max_workers` at once" is read from
//! the server's peak of requests in flight; "exactly `max_workers` at once" from a gate that only opens
//! when that many requests are held together. Completion order is forced by delays 450 ms apart.

use lesson09::intermediate::{UrlStatus, check_urls};
use std::time::{Duration, Instant};
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
    ]);
}

fn server() -> TestServer {
    TestServer::start().expect("the test server starts on 127.0.0.1")
}

fn refused_url() -> String {
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

fn check_urls_reports_codes_and_errors() {
    let server = server();
    let refused = refused_url();
    let urls = [
        server.url("/status/200"),
        server.url("/bytes/10"),
        server.url("/status/404"),
        server.url("/status/503"),
        refused.clone(),
    ];
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let results = check_urls(&refs, 2, Duration::from_secs(5));
    expect_eq!(
        results.len(),
        urls.len(),
        "number of results for {} URLs",
        urls.len()
    );
    for (url, code) in [(&urls[0], 200), (&urls[1], 200)] {
        let r = find(&results, url);
        expect!(
            r.status == Some(code) && r.error.is_none() && r.is_ok(),
            "{url}: expected status Some({code}) and error None, got status {:?} and error {:?}",
            r.status,
            r.error
        );
    }
    for (url, code) in [(&urls[2], 404), (&urls[3], 503)] {
        let r = find(&results, url);
        expect!(
            r.status == Some(code) && r.error.is_some() && !r.is_ok(),
            "{url}: expected a failure that keeps its code (status Some({code}), error Some(..)), got status {:?} \
             and error {:?}. ureq returns 4xx/5xx as Err(ureq::Error::StatusCode(code))",
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
    let started = Instant::now();
    let results = check_urls(&[&slow], 1, Duration::from_millis(300));
    let took = started.elapsed();
    expect_eq!(results.len(), 1, "number of results for one URL");
    let r = &results[0];
    expect!(
        r.status.is_none() && r.error.is_some(),
        "{slow} answers after 10 s and the timeout was 300 ms: expected status None and an error, got status {:?} \
         and error {:?}",
        r.status,
        r.error
    );
    expect!(
        r.elapsed >= Duration::from_millis(250) && r.elapsed < Duration::from_secs(3),
        "the timed-out request's elapsed: expected about 300 ms, got {:?}",
        r.elapsed
    );
    expect!(
        took < Duration::from_secs(3),
        "check_urls with a 300 ms timeout took {took:?}: build the agent with timeout_global(Some(timeout))"
    );
}

fn check_urls_keeps_max_workers_busy() {
    let server = server();
    // Each group of 3 requests opens the gate together; fewer than 3 at once give up after 3 s.
    let urls: Vec<String> = (0..6)
        .map(|i| server.url(&format!("/gate/3/busy?wait_ms=3000&i={i}")))
        .collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let results = check_urls(&refs, 3, Duration::from_secs(10));
    let peak = server.stats().peak_in_flight;
    expect!(
        peak >= 3,
        "check_urls(6 URLs, max_workers = 3): expected 3 requests in flight at once, the server saw at most {peak}"
    );
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.is_ok())
        .map(|r| r.url.as_str())
        .collect();
    expect!(
        results.len() == 6 && failed.is_empty(),
        "expected 6 successful results, got {} results and these failed: {failed:?}",
        results.len()
    );
}

fn check_urls_never_exceeds_max_workers() {
    let server = server();
    let urls: Vec<String> = (0..12)
        .map(|i| server.url(&format!("/delay/150?i={i}")))
        .collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let results = check_urls(&refs, 4, Duration::from_secs(10));
    let peak = server.stats().peak_in_flight;
    expect!(
        peak <= 4,
        "check_urls(12 URLs, max_workers = 4): expected at most 4 requests in flight at once, the server saw {peak}. \
         Start max_workers threads that each take the next URL, not a thread per URL"
    );
    expect_eq!(results.len(), 12, "number of results for 12 URLs");

    let zero = server.url("/bytes/1?zero_workers");
    let one = check_urls(&[&zero, &zero], 0, Duration::from_secs(5));
    expect_eq!(
        one.iter().filter(|r| r.is_ok()).count(),
        2,
        "successful results of check_urls([url, url], max_workers = 0) (0 counts as 1 worker)"
    );
}

fn check_urls_returns_results_in_completion_order() {
    let server = server();
    let urls = [
        server.url("/delay/900"),
        server.url("/delay/0"),
        server.url("/delay/450"),
    ];
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let results = check_urls(&refs, 3, Duration::from_secs(10));
    let order: Vec<&str> = results.iter().map(|r| r.url.as_str()).collect();
    let want = vec![urls[1].as_str(), urls[2].as_str(), urls[0].as_str()];
    expect_eq!(
        order,
        want,
        "order of the results of check_urls([900 ms, 0 ms, 450 ms], 3 workers) (completion order: fastest first)"
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
    expect!(
        quick_r.elapsed < Duration::from_millis(300),
        "{quick} answers at once but its elapsed is {:?}: with one worker it waited for the slow URL first, and \
         that wait must not count. Start the clock when its request is sent",
        quick_r.elapsed
    );
}
