//! Hidden tests, advanced tier: `download_all`, `Progress` and `DownloadError::is_retryable`.
//!
//! Each test has its own local test server on 127.0.0.1 and its own temporary directory, both gone at
//! the end of the test. Retries are made deterministic by `/flaky/{k}/{key}` (fails exactly `k` times,
//! with a 503, a hang, or half a body) and counted by the server; progress "while it runs" is seen
//! while one request is held by the server until the test releases it, so a progress updated only at
//! the end never shows it. The worker count is proven by gates, as in the intermediate tier: one of
//! `max_workers` must open, one of `max_workers + 1` must not. `Progress` shared by several threads is
//! checked by counted turns between them (this lesson has no checked facade), and
//! a differential test compares generated runs with the reference's.

use lesson09::advanced::{
    DownloadError, FileResult, Options, Progress, ProgressSnapshot, Report, download_all, file_name,
};
use std::path::Path;
use std::time::{Duration, Instant};
use threadlab_harness::wait::{PATIENCE, eventually, within_patience};
use threadlab_harness::{expect, expect_eq};
use threadlab_testserver::{TestServer, content};

fn main() {
    threadlab_harness::main(&[
        ("download_all_saves_every_body", download_all_saves_every_body),
        (
            "download_all_streams_bodies_over_10_mib",
            download_all_streams_bodies_over_10_mib,
        ),
        ("download_all_isolates_failures", download_all_isolates_failures),
        (
            "download_all_retries_5xx_with_backoff",
            download_all_retries_5xx_with_backoff,
        ),
        ("download_all_retries_timeouts", download_all_retries_timeouts),
        (
            "download_all_never_retries_final_errors",
            download_all_never_retries_final_errors,
        ),
        (
            "download_all_enforces_the_size_cap",
            download_all_enforces_the_size_cap,
        ),
        (
            "download_all_leaves_no_partial_file",
            download_all_leaves_no_partial_file,
        ),
        ("download_all_bounds_its_workers", download_all_bounds_its_workers),
        (
            "progress_moves_while_downloading",
            progress_moves_while_downloading,
        ),
        (
            "progress_counts_bytes_as_they_stream",
            progress_counts_bytes_as_they_stream,
        ),
        ("progress_counters_and_eta", progress_counters_and_eta),
        (
            "progress_counters_are_safe_to_share",
            progress_counters_are_safe_to_share,
        ),
        (
            "download_all_matches_the_reference",
            download_all_matches_the_reference,
        ),
    ]);
}

fn server() -> TestServer {
    TestServer::start().expect("the test server starts on 127.0.0.1")
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// A URL on 127.0.0.1 where nothing listens.
fn refused_url() -> String {
    // Port 1 is below the range the system hands out, so no test server of this process can get it
    // (a port freed a moment ago could be handed to the next server); checked to refuse first.
    if std::net::TcpStream::connect("127.0.0.1:1").is_err() {
        return "http://127.0.0.1:1/bytes/10".to_owned();
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/bytes/10")
}

fn options(workers: usize, retries: u32) -> Options {
    Options {
        max_workers: workers,
        timeout: Some(Duration::from_secs(10)),
        retries,
        backoff: Duration::from_millis(10),
        max_bytes: None,
        progress: Progress::new(),
    }
}

fn run(urls: &[String], dir: &Path, options: &Options) -> Report {
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    download_all(&refs, dir, options)
}

/// `download_all(urls, dir, options)` on a helper thread: its report, or a failure saying that it had
/// not returned after [`PATIENCE`] although every attempt was limited to `options.timeout`. Before it
/// says so, it checks that a run of one URL that answers at once does return: if not, that is what it
/// reports.
fn download_within_patience(urls: &[String], dir: &Path, options: &Options, what: &str) -> Report {
    let call = |urls: Vec<String>, dir: std::path::PathBuf, opts: Options| {
        within_patience(move || run(&urls, &dir, &opts))
    };
    if let Some(report) = call(urls.to_vec(), dir.to_owned(), options.clone()) {
        return report;
    }
    let server = server();
    let quick = server.url("/bytes/10");
    let probe = temp_dir();
    if call(vec![quick.clone()], probe.path().to_owned(), self::options(1, 0)).is_none() {
        ::core::panic!(
            "{what} had not returned after {PATIENCE:?}, and neither had download_all([{quick}]) with 1 worker, \
             whose one URL answers at once: the workers must stop when no URL is left, and download_all must not \
             wait for anything after that"
        );
    }
    ::core::panic!(
        "{what} had not returned after {PATIENCE:?} although every attempt was limited to {:?}: Options::timeout \
         limits one attempt from sending the request to the last byte of the body, so an answer that never comes and \
         a body that stops halfway must both fail with Timeout (timeout_global covers the body; \
         timeout_recv_response does not)",
        options.timeout
    )
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The result for `urls[i]` (the URLs of a test are distinct), found by its URL: that results follow
/// the order of `urls` is checked once, by `download_all_saves_every_body`, where the order they
/// finish in is forced to differ from it; elsewhere that order is left to chance, so a test there
/// must not depend on it.
fn result<'a>(report: &'a Report, urls: &[String], i: usize) -> &'a FileResult {
    expect_eq!(
        report.results.len(),
        urls.len(),
        "number of results in the report for {} URLs",
        urls.len()
    );
    let found: Vec<&FileResult> = report.results.iter().filter(|r| r.url == urls[i]).collect();
    expect!(
        found.len() == 1,
        "expected exactly one result for {} in report.results, found {}",
        urls[i],
        found.len()
    );
    found[0]
}

fn download_all_saves_every_body() {
    let server = server();
    let dir = temp_dir();
    let sizes = [3000usize, 0, 1000, 200_000];
    // The first URL drips for 200 ms while the other worker saves the rest in a few: they finish
    // first, and the results must still follow the order of urls.
    let urls = vec![
        server.url("/drip/3000?duration_ms=200"),
        server.url("/bytes/0"),
        server.url("/bytes/1000"),
        server.url("/bytes/200000"),
    ];
    // out_dir does not exist yet: download_all creates it.
    let out = dir.path().join("downloads");
    let report = run(&urls, &out, &options(2, 0));
    let order: Vec<&str> = report.results.iter().map(|r| r.url.as_str()).collect();
    expect_eq!(
        order,
        urls.iter().map(String::as_str).collect::<Vec<_>>(),
        "the URLs of report.results (one result per URL, in the order of urls, although the first one finished \
         last)"
    );
    let mut expected_files = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        let r = result(&report, &urls, i);
        expect_eq!(r.outcome, Ok(size as u64), "outcome for {}", urls[i]);
        expect_eq!(
            r.attempts,
            1,
            "attempts for {} (it succeeded the first time)",
            urls[i]
        );
        let want_path = out.join(file_name(i, &urls[i]));
        expect_eq!(r.path, want_path, "path for {}", urls[i]);
        let saved = std::fs::read(&r.path).unwrap_or_default();
        expect!(
            saved == content(size),
            "{} holds {} bytes that differ from the {size} bytes the server sent",
            r.path.display(),
            saved.len()
        );
        expected_files.push(file_name(i, &urls[i]));
    }
    expected_files.sort();
    expect_eq!(
        listing(&out),
        expected_files,
        "files in the output directory (download_all creates it when it is missing)"
    );
    expect_eq!(
        (report.succeeded, report.failed, report.bytes),
        (4, 0, 204_000),
        "report (succeeded, failed, bytes)"
    );
    expect!(report.wall > Duration::ZERO, "report.wall is zero");
    check_summary_and_file_names();
}

fn download_all_streams_bodies_over_10_mib() {
    let server = server();
    let dir = temp_dir();
    let size = 11 * 1024 * 1024;
    let urls = vec![server.url(&format!("/bytes/{size}"))];
    let report = run(&urls, dir.path(), &options(1, 0));
    let r = result(&report, &urls, 0);
    expect!(
        r.outcome == Ok(size as u64),
        "an 11 MiB body: expected Ok({size}), got {:?}. read_to_vec stops at 10 MiB: stream the body to the \
         file with into_body().into_reader()",
        r.outcome
    );
    let saved = std::fs::read(&r.path).unwrap_or_default();
    expect!(
        saved == content(size),
        "the saved 11 MiB file differs from the body sent"
    );
}

fn download_all_isolates_failures() {
    let server = server();
    let dir = temp_dir();
    let urls = vec![
        server.url("/status/404"),
        refused_url(),
        server.url("/close"),
        server.url("/bytes/100"),
        server.url("/bytes/100000?close_after=30000"),
    ];
    let opts = options(2, 0);
    let report = run(&urls, dir.path(), &opts);
    let not_found = result(&report, &urls, 0);
    expect_eq!(
        not_found.outcome,
        Err(DownloadError::Status(404)),
        "outcome for {}",
        urls[0]
    );
    for i in [1, 2, 4] {
        let r = result(&report, &urls, i);
        expect!(
            matches!(r.outcome, Err(DownloadError::Transport(_))),
            "{}: expected Err(Transport(..)) (no answer came, or it broke off), got {:?}",
            urls[i],
            r.outcome
        );
    }
    expect_eq!(
        result(&report, &urls, 3).outcome,
        Ok(100),
        "outcome for {}",
        urls[3]
    );
    expect_eq!(
        (report.succeeded, report.failed, report.bytes),
        (1, 4, 100),
        "report (succeeded, failed, bytes) (bytes counts what was saved: the 30 000 bytes received of the body \
         that broke off are not)"
    );
    expect_eq!(
        opts.progress.snapshot().bytes,
        30_100,
        "progress bytes at the end (every byte received, also the 30 000 of the body that broke off)"
    );
    expect_eq!(
        listing(dir.path()),
        vec![file_name(3, &urls[3])],
        "files in the output directory"
    );

    // An out_dir that is a regular file: nothing can be written, every URL fails with File(..).
    let blocked = dir.path().join("not-a-directory");
    std::fs::write(&blocked, b"x").unwrap();
    let urls = vec![server.url("/bytes/10")];
    let report = run(&urls, &blocked, &options(1, 2));
    let r = result(&report, &urls, 0);
    expect!(
        matches!(r.outcome, Err(DownloadError::File(_))) && r.attempts == 1,
        "download_all into a path that is a file: expected Err(File(..)) after one attempt, got {:?} after {} \
         attempts",
        r.outcome,
        r.attempts
    );
}

fn download_all_retries_5xx_with_backoff() {
    let server = server();
    let dir = temp_dir();
    let urls = vec![server.url("/flaky/2/a"), server.url("/flaky/9/b")];
    let opts = Options {
        backoff: Duration::from_millis(300),
        ..options(2, 2)
    };
    let started = Instant::now();
    let report = run(&urls, dir.path(), &opts);
    let took = started.elapsed();
    let recovered = result(&report, &urls, 0);
    expect!(
        recovered.outcome.is_ok() && recovered.attempts == 3,
        "{} fails twice with 503, then answers: with retries = 2 expected success on attempt 3, got {:?} after \
         {} attempts",
        urls[0],
        recovered.outcome,
        recovered.attempts
    );
    let hopeless = result(&report, &urls, 1);
    expect!(
        hopeless.outcome == Err(DownloadError::Status(503)) && hopeless.attempts == 3,
        "{} always fails with 503: with retries = 2 expected Err(Status(503)) after 3 attempts, got {:?} after {} \
         attempts",
        urls[1],
        hopeless.outcome,
        hopeless.attempts
    );
    expect_eq!(
        (server.hits("/flaky/2/a"), server.hits("/flaky/9/b")),
        (3, 3),
        "requests the server received for the two flaky URLs"
    );
    expect!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(1400),
        "with backoff = 300 ms the two retries of a URL wait 300 ms and then 600 ms (doubling): expected \
         download_all to return after 900 ms and well before 1.4 s, but it took {took:?}"
    );
}

fn download_all_retries_timeouts() {
    let server = server();
    let dir = temp_dir();
    // The first request of each flaky URL hangs, or stops halfway through its body; the second
    // answers at once. The other two never end within the timeout: an answer after 20 s, and a body
    // that stops after 40 000 of its 100 000 bytes.
    let urls = vec![
        server.url("/flaky/1/t?fail=hang&hang_ms=20000"),
        server.url("/flaky/1/s?fail=stall&hang_ms=20000"),
        server.url("/delay/20000"),
        server.url("/bytes/100000?pause_at=40000&pause_key=stall&wait_ms=20000"),
    ];
    let opts = Options {
        timeout: Some(Duration::from_millis(300)),
        ..options(4, 1)
    };
    let report = run(&urls, dir.path(), &opts);
    server.release("stall");
    for (i, path) in [(0, "/flaky/1/t"), (1, "/flaky/1/s")] {
        let r = result(&report, &urls, i);
        expect!(
            r.outcome.is_ok() && r.attempts == 2,
            "the first request to {} {}, the second answers: with a 300 ms timeout and retries = 1 expected \
             success on attempt 2, got {:?} after {} attempts (a timeout is retryable)",
            urls[i],
            if i == 0 {
                "hangs"
            } else {
                "stops halfway through its body"
            },
            r.outcome,
            r.attempts
        );
        expect_eq!(server.hits(path), 2, "requests the server received for {path}");
    }
    for (i, what) in [
        (2, "it answers after 20 s"),
        (3, "its body stops after 40 000 of 100 000 bytes"),
    ] {
        let r = result(&report, &urls, i);
        expect!(
            r.outcome == Err(DownloadError::Timeout) && r.attempts == 2,
            "{} ({what}): with a 300 ms timeout and retries = 1 expected Err(Timeout) after 2 attempts, got {:?} \
             after {} attempts{}",
            urls[i],
            r.outcome,
            r.attempts,
            if i == 3 {
                " (a timeout while the body streams is a Timeout too: the reader's io::Error carries ureq's, and \
                 ureq::Error::from(io_error) gives it back)"
            } else {
                ""
            }
        );
    }
    let mut saved = vec![file_name(0, &urls[0]), file_name(1, &urls[1])];
    saved.sort();
    expect_eq!(
        listing(dir.path()),
        saved,
        "files in the output directory (nothing for the two URLs that timed out)"
    );
}

fn download_all_never_retries_final_errors() {
    let server = server();
    let dir = temp_dir();
    let urls = vec![server.url("/status/404"), server.url("/bytes/5000")];
    let opts = Options {
        max_bytes: Some(1000),
        ..options(2, 3)
    };
    let report = run(&urls, dir.path(), &opts);
    for (i, path, want) in [
        (0, "/status/404", DownloadError::Status(404)),
        (1, "/bytes/5000", DownloadError::TooLarge { limit: 1000 }),
    ] {
        let r = result(&report, &urls, i);
        expect!(
            r.outcome == Err(want.clone()) && r.attempts == 1 && server.hits(path) == 1,
            "{}: expected Err({want:?}) after a single attempt (it would fail the same way again), got {:?} after \
             {} attempts and {} requests",
            urls[i],
            r.outcome,
            r.attempts,
            server.hits(path)
        );
    }
    for (error, retry) in [
        (DownloadError::Status(500), true),
        (DownloadError::Status(599), true),
        (DownloadError::Timeout, true),
        (DownloadError::Transport("reset".into()), true),
        (DownloadError::Status(404), false),
        (DownloadError::Status(499), false),
        (DownloadError::Status(600), false),
        (DownloadError::TooLarge { limit: 1 }, false),
        (DownloadError::File("disk full".into()), false),
    ] {
        expect_eq!(error.is_retryable(), retry, "{error:?}.is_retryable()");
    }
}

fn download_all_enforces_the_size_cap() {
    let server = server();
    let dir = temp_dir();
    let urls = vec![
        server.url("/bytes/1000"),
        server.url("/bytes/1001"),
        server.url("/bytes/5000?chunked=1"),
        server.url("/drip/5000?duration_ms=200&chunked=1"),
        server.url("/bytes/10"),
    ];
    let opts = Options {
        max_bytes: Some(1000),
        ..options(2, 0)
    };
    let report = run(&urls, dir.path(), &opts);
    expect_eq!(
        result(&report, &urls, 0).outcome,
        Ok(1000),
        "a body of exactly max_bytes = 1000 is allowed: outcome for {}",
        urls[0]
    );
    expect_eq!(
        result(&report, &urls, 4).outcome,
        Ok(10),
        "a body under max_bytes = 1000: outcome for {}",
        urls[4]
    );
    for i in 1..4 {
        let r = result(&report, &urls, i);
        expect!(
            r.outcome == Err(DownloadError::TooLarge { limit: 1000 }),
            "{} sends more than max_bytes = 1000: expected Err(TooLarge {{ limit: 1000 }}), got {:?}{}",
            urls[i],
            r.outcome,
            if i >= 2 {
                " (a chunked body has no Content-Length: count the bytes as they stream)"
            } else {
                ""
            }
        );
    }
    let mut kept = vec![file_name(0, &urls[0]), file_name(4, &urls[4])];
    kept.sort();
    expect_eq!(
        listing(dir.path()),
        kept,
        "files in the output directory (a body over the cap leaves nothing behind)"
    );

    // The server announces 5000 bytes, then sends nothing for 3 s: Content-Length alone must refuse it.
    let announced = vec![server.url("/bytes/5000?pause_at=0&pause_key=never&wait_ms=3000")];
    let started = Instant::now();
    let report = run(&announced, dir.path(), &opts);
    let took = started.elapsed();
    expect!(
        result(&report, &announced, 0).outcome == Err(DownloadError::TooLarge { limit: 1000 })
            && took < Duration::from_millis(1500),
        "{} announces Content-Length: 5000 and then stalls: with max_bytes = 1000 expected Err(TooLarge) at once, \
         got {:?} after {took:?}. Check response.body().content_length() before reading the body",
        announced[0],
        result(&report, &announced, 0).outcome
    );
}

fn download_all_leaves_no_partial_file() {
    let server = server();
    let dir = temp_dir();
    let urls = vec![
        server.url("/bytes/100000?close_after=30000"),
        server.url("/bytes/100000?close_after=30000&chunked=1"),
    ];
    let report = run(&urls, dir.path(), &options(2, 0));
    for i in 0..2 {
        let r = result(&report, &urls, i);
        expect!(
            matches!(r.outcome, Err(DownloadError::Transport(_))),
            "{}: the connection drops after 30 000 of 100 000 bytes: expected Err(Transport(..)), got {:?}",
            urls[i],
            r.outcome
        );
    }
    expect_eq!(
        listing(dir.path()),
        Vec::<String>::new(),
        "files left in the output directory after two downloads that broke off halfway (write to a temporary \
         file and remove it on error; rename it only when the body is complete)"
    );
}

fn download_all_bounds_its_workers() {
    // Every run has a server of its own whose URLs wait at one gate, and all runs go at once. A gate
    // of max_workers opens for each group of max_workers downloads at once (17 is above any cap a
    // learner might hard-code); a gate of max_workers + 1 opens at once for one download too many,
    // while a bounded run waits there for the patience and gets 504s. Counts that do not divide, and
    // 0 workers (which counts as 1).
    let busy = [(6, 3), (34, 17)];
    let bounded = [(10, 3), (7, 2), (3, 0), (4, 1), (40, 17)];
    let runs: Vec<(usize, usize, usize, usize, u64)> = std::thread::scope(|s| {
        let runs: Vec<_> = busy
            .iter()
            .map(|&(n, workers)| (n, workers, workers, Duration::from_secs(3)))
            .chain(
                bounded
                    .iter()
                    .map(|&(n, workers)| (n, workers, workers.max(1) + 1, PATIENCE)),
            )
            .map(|(n, workers, gate, wait)| {
                s.spawn(move || {
                    let server = server();
                    let dir = temp_dir();
                    let urls: Vec<String> = (0..n)
                        .map(|i| server.url(&format!("/gate/{gate}/g?wait_ms={}&i={i}", wait.as_millis())))
                        .collect();
                    let report = run(&urls, dir.path(), &options(workers, 0));
                    (
                        n,
                        workers,
                        report.succeeded,
                        report.results.len(),
                        server.stats().peak_in_flight,
                    )
                })
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("download_all panicked"))
            .collect()
    });
    for &(n, workers, succeeded, _, peak) in &runs[..busy.len()] {
        expect!(
            peak >= workers as u64 && succeeded == n,
            "download_all({n} URLs, max_workers = {workers}): expected {workers} downloads at once (one per worker) \
             and {n} successes, the server saw at most {peak} at once and {succeeded} succeeded. Start max_workers \
             workers, however many that is"
        );
    }
    for &(n, workers, _, results, peak) in &runs[busy.len()..] {
        let bound = workers.max(1) as u64;
        expect!(
            peak <= bound,
            "download_all({n} URLs, max_workers = {workers}): the server saw {peak} downloads at once; at most \
             {bound} may be{}. Start max_workers workers that each take the next URL, instead of a thread per URL or \
             a share of the list per thread",
            if workers == 0 { " (0 counts as 1)" } else { "" }
        );
        expect_eq!(
            results,
            n,
            "number of results of download_all({n} URLs, max_workers = {workers})"
        );
    }
}

fn progress_moves_while_downloading() {
    let server = server();
    let dir = temp_dir();
    let urls = vec![
        server.url("/bytes/1000"),
        server.url("/bytes/2000"),
        server.url("/hold/last"),
    ];
    let opts = options(3, 0);
    let progress = opts.progress.clone();
    let out = dir.path().to_owned();
    let download = std::thread::spawn(move || run(&urls, &out, &opts));
    let seen = eventually(|| {
        let s = progress.snapshot();
        s.total == 3 && s.done == 2 && s.bytes == 3000
    });
    let during = progress.snapshot();
    server.release("last");
    let report = download.join().expect("download_all panicked");
    expect!(
        seen,
        "while the third URL was still being held by the server, expected the progress to show total 3, done 2 and \
         3000 bytes; after {PATIENCE:?} it showed {during:?}. Update the progress as each URL finishes, not at the end"
    );
    let after = progress.snapshot();
    expect!(
        after.done == 3 && after.failed == 0 && after.bytes == report.bytes && report.succeeded == 3,
        "after download_all returned: expected done 3, failed 0 and bytes equal to report.bytes ({}), got {after:?}",
        report.bytes
    );
}

fn progress_counts_bytes_as_they_stream() {
    let server = server();
    let dir = temp_dir();
    let urls = vec![server.url("/bytes/100000?pause_at=40000&pause_key=half")];
    let opts = options(1, 0);
    let progress = opts.progress.clone();
    let out = dir.path().to_owned();
    let download = std::thread::spawn(move || run(&urls, &out, &opts));
    let seen = eventually(|| {
        let s = progress.snapshot();
        s.bytes == 40_000 && s.done == 0
    });
    let during = progress.snapshot();
    server.release("half");
    let report = download.join().expect("download_all panicked");
    expect!(
        seen,
        "the server sent 40 000 of 100 000 bytes and then paused: expected the progress to show 40000 bytes and \
         done 0 during the pause; after {PATIENCE:?} it showed {during:?}. Count bytes as each piece is written"
    );
    expect_eq!(
        (progress.snapshot().bytes, report.bytes),
        (100_000, 100_000),
        "(progress bytes, report bytes) at the end"
    );
}

fn progress_counters_and_eta() {
    let progress = Progress::new();
    expect_eq!(
        progress.snapshot(),
        ProgressSnapshot::default(),
        "Progress::new().snapshot() (everything zero before start)"
    );
    let other = progress.clone();
    other.start(5);
    std::thread::sleep(Duration::from_millis(20));
    other.add_bytes(10);
    other.add_bytes(5);
    other.finish_one(true);
    other.finish_one(false);
    let s = progress.snapshot();
    expect!(
        (s.total, s.done, s.failed, s.bytes) == (5, 2, 1, 15) && s.elapsed >= Duration::from_millis(20),
        "after start(5), add_bytes(10), add_bytes(5), finish_one(true), finish_one(false) on a clone, 20 ms later: \
         expected total 5, done 2, failed 1, bytes 15 and elapsed >= 20 ms, got {s:?} (clones share the counters)"
    );
    progress.start(3);
    let s = progress.snapshot();
    expect!(
        (s.total, s.done, s.failed, s.bytes) == (3, 0, 0, 0),
        "start(3) begins a new run: expected total 3 and the other counters at 0, got {s:?}"
    );

    let snapshot = |total, done, ms| ProgressSnapshot {
        total,
        done,
        failed: 0,
        bytes: 0,
        elapsed: Duration::from_millis(ms),
    };
    expect_eq!(
        snapshot(10, 4, 2000).eta(),
        Some(Duration::from_millis(3000)),
        "eta of 4 of 10 done in 2 s"
    );
    expect_eq!(
        snapshot(3, 1, 500).eta(),
        Some(Duration::from_millis(1000)),
        "eta of 1 of 3 done in 0.5 s"
    );
    expect_eq!(snapshot(10, 0, 2000).eta(), None, "eta before any URL is done");
    expect_eq!(
        snapshot(4, 4, 2000).eta(),
        Some(Duration::ZERO),
        "eta when every URL is done"
    );
}

/// What one thread does with its clone of a `Progress`, in order.
#[derive(Debug, Clone, Copy)]
enum ProgressUse {
    /// `add_bytes(n)`.
    Bytes(u64),
    /// `finish_one(failed)`.
    Finish(bool),
}

fn progress_mixes() -> Vec<Vec<Vec<ProgressUse>>> {
    let mut g = threadlab_harness::generate::Gen::new(71);
    (0..5)
        .map(|i| {
            // The first mix is the plainest race: two threads count one piece of a body each.
            if i == 0 {
                return vec![vec![ProgressUse::Bytes(1)], vec![ProgressUse::Bytes(1)]];
            }
            (0..g.count_in(2, 3))
                .map(|_| {
                    (0..g.count_in(1, 3))
                        .map(|_| {
                            if g.one_in(2) {
                                ProgressUse::Bytes(g.range(1, 500))
                            } else {
                                ProgressUse::Finish(g.one_in(3))
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The mix in the learner's terms, threads numbered from 1 as the drawn schedule numbers them.
fn describe_progress_mix(mix: &[Vec<ProgressUse>], total: usize) -> String {
    let threads: Vec<String> = mix
        .iter()
        .enumerate()
        .map(|(t, uses)| {
            let uses: Vec<String> = uses
                .iter()
                .map(|u| match u {
                    ProgressUse::Bytes(n) => format!("add_bytes({n})"),
                    ProgressUse::Finish(failed) => format!("finish_one({failed})"),
                })
                .collect();
            format!("thread {}: {}", t + 1, uses.join("; "))
        })
        .collect();
    format!(
        "a Progress started with start({total}), its clones used by {} threads at once ({}) while thread {} \
         read snapshot() twice",
        mix.len(),
        threads.join(" | "),
        mix.len() + 1
    )
}

/// Schedules tried per mix. Measured on the banks' load-then-store counters (first/22, fresh/19): with
/// 5 schedules per mix each still fails, in a later mix; with 50, in the first.
const PROGRESS_SCHEDULES: usize = 50;

/// Clones of one `Progress` updated by several threads at once, under the checker: generated mixes of
/// `add_bytes` and `finish_one` on two or three threads while another reads `snapshot()`, each mix
/// under many schedules. An update made in two steps (a load, then a store) loses another thread's
/// update whenever the scheduler runs that one between the steps; the checker tries such schedules
/// on every run, on one CPU as on many. A snapshot taken meanwhile never shows more than was counted,
/// nor a counter going back.
fn progress_counters_are_safe_to_share() {
    for mix in progress_mixes() {
        let total = mix
            .iter()
            .flatten()
            .filter(|u| matches!(u, ProgressUse::Finish(_)))
            .count();
        let described = describe_progress_mix(&mix, total);
        let deadlocked = format!(
            "{described}: every thread was stuck. Do add_bytes, finish_one or snapshot wait for something, or \
             lock a Mutex that the same thread already holds?"
        );
        let body = {
            let described = described.clone();
            move || run_progress_mix(&mix, total, &described)
        };
        // Shut out of files and sockets: a counter kept there changes where the checker cannot look,
        // and would pass whatever its race.
        if let Err(message) = threadlab_harness::catch_panic(|| {
            threadlab_harness::without_outside_state(|| threadlab_harness::explore(PROGRESS_SCHEDULES, body))
        }) {
            if message.contains("Permission denied") || message.contains("os error 13") {
                panic!(
                    "{described}: Progress reached for a file or a socket ({message}); while this test runs \
                     there are none: keep its counters in memory, behind crate::sync, where the checker \
                     sees every change"
                );
            }
            if message.starts_with("deadlock!")
                || message.contains("tried to acquire a Mutex it already holds")
            {
                panic!("{deadlocked}");
            }
            panic!("{message}");
        }
    }
}

fn run_progress_mix(mix: &[Vec<ProgressUse>], total: usize, described: &str) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let progress = Progress::new();
    progress.start(total);
    // The test's own bookkeeping is `std`'s: no scheduling point, and not drawn in a failing schedule.
    let finished: Arc<Vec<AtomicBool>> = Arc::new((0..=mix.len()).map(|_| AtomicBool::new(false)).collect());
    let mut threads: Vec<lesson09::thread::JoinHandle<Vec<ProgressSnapshot>>> = mix
        .iter()
        .enumerate()
        .map(|(t, uses)| {
            let (progress, finished, uses) = (progress.clone(), Arc::clone(&finished), uses.clone());
            lesson09::thread::spawn(move || {
                for use_ in uses {
                    match use_ {
                        ProgressUse::Bytes(n) => progress.add_bytes(n),
                        ProgressUse::Finish(failed) => progress.finish_one(failed),
                    }
                }
                finished[t].store(true, Ordering::SeqCst);
                Vec::new()
            })
        })
        .collect();
    threads.push({
        let (progress, finished, reader) = (progress.clone(), Arc::clone(&finished), mix.len());
        lesson09::thread::spawn(move || {
            let seen = vec![progress.snapshot(), progress.snapshot()];
            finished[reader].store(true, Ordering::SeqCst);
            seen
        })
    });
    // Never join a thread not seen finished: a call that waits forever is reported by name.
    let mut spins = 0;
    while !finished.iter().all(|f| f.load(Ordering::SeqCst)) && spins < 20_000 {
        lesson09::thread::yield_now();
        spins += 1;
    }
    let stuck: Vec<String> = (0..finished.len())
        .filter(|&t| !finished[t].load(Ordering::SeqCst))
        .map(|t| format!("thread {}", t + 1))
        .collect();
    expect!(
        stuck.is_empty(),
        "{described}: {} never returned from its calls while the others had finished",
        stuck.join(" and ")
    );
    let seen = threads
        .pop()
        .expect("the reader thread")
        .join()
        .expect("the reader thread ended");
    for worker in threads {
        worker.join().expect("a worker thread ended");
    }
    let bytes: u64 = mix
        .iter()
        .flatten()
        .map(|u| if let ProgressUse::Bytes(n) = u { *n } else { 0 })
        .sum();
    let failed = mix
        .iter()
        .flatten()
        .filter(|u| matches!(u, ProgressUse::Finish(true)))
        .count();
    let now = progress.snapshot();
    expect!(
        (now.total, now.done, now.failed, now.bytes) == (total, total, failed, bytes),
        "{described}: snapshot() once every thread had finished: expected total {total}, done {total}, failed \
         {failed} and bytes {bytes}, got total {}, done {}, failed {} and bytes {}. An update was lost: a counter \
         read by one thread and written back later overwrites what another thread added in between",
        now.total,
        now.done,
        now.failed,
        now.bytes
    );
    let counters = |s: &ProgressSnapshot| [s.done as u64, s.failed as u64, s.bytes];
    let limits = [total as u64, failed as u64, bytes];
    for s in &seen {
        expect!(
            s.total == total && counters(s).iter().zip(limits).all(|(got, most)| *got <= most),
            "{described}: a snapshot() taken while they ran showed total {}, done {}, failed {} and bytes {}: more \
             than was ever counted (expected total {total}, at most {total} done, {failed} failed and {bytes} bytes)",
            s.total,
            s.done,
            s.failed,
            s.bytes
        );
    }
    expect!(
        counters(&seen[0])
            .iter()
            .zip(counters(&seen[1]))
            .all(|(first, second)| *first <= second),
        "{described}: two snapshot() calls in a row on one thread went back: first {:?}, then {:?} (a counter \
         only ever grows during a run)",
        seen[0],
        seen[1]
    );
}

/// The given `Report::summary` and `file_name`, checked after a real run in
/// `download_all_saves_every_body` (a learner who edits them loses that test's points).
fn check_summary_and_file_names() {
    let report = |succeeded, failed, bytes, ms| Report {
        results: Vec::new(),
        succeeded,
        failed,
        bytes,
        wall: Duration::from_millis(ms),
    };
    let text = report(3, 1, 2048, 2000).summary();
    for part in [
        "4 total, 3 succeeded, 1 failed",
        "2048 bytes (2.0 KiB)",
        "2.00 s",
        "Throughput",
    ] {
        expect!(
            text.contains(part),
            "summary() of 3 succeeded, 1 failed, 2048 bytes in 2 s: expected it to contain {part:?}, got:\n{text}"
        );
    }
    let instant = report(0, 0, 0, 0).summary();
    expect!(
        instant.contains("0 total") && !instant.contains("Throughput"),
        "summary() of a run that took no time: expected \"0 total\" and no throughput line, got:\n{instant}"
    );
    for (index, url, want) in [
        (3, "https://example.org/img/photo.jpg", "003-photo.jpg"),
        (0, "http://127.0.0.1:8080/bytes/10?delay_ms=5", "000-10"),
        (12, "http://example.org/", "012-index"),
        (7, "http://example.org/a%20b/", "007-a_20b"),
    ] {
        expect_eq!(file_name(index, url), want, "file_name({index}, {url:?})");
    }
}

/// A URL of a generated case (its flaky keys are made from its place in the list, so no two places
/// share a count).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `/bytes/{n}`, with `Content-Length` or chunked.
    Bytes { n: u64, chunked: bool },
    /// `/drip/{n}` over a few milliseconds, chunked.
    Drip(u64),
    /// `/status/{code}` (2xx with a short body, 304, 4xx, 5xx).
    Status(u16),
    /// `/flaky/{k}/..`: 503 `k` times, or (`cut`) 500 of 1000 announced bytes and a dropped
    /// connection `k` times; then 200 with a 14-byte body.
    Flaky { k: u64, cut: bool },
    /// `/bytes/{n}?close_after={at}`: the connection drops after `at` bytes.
    Cut { n: u64, at: u64, chunked: bool },
    /// `/close`: dropped without an answer.
    Close,
    /// A port where nothing listens.
    Refused,
    /// Not a URL at all.
    Invalid(&'static str),
    /// `/delay/20000`: far slower than any timeout of a case it is in.
    Slow,
    /// `/bytes/100000?pause_at={at}`: sends `at` bytes, then nothing while the case runs.
    Stall { at: u64 },
    /// `/flaky/9/..?fail=stall`: 500 of 1000 announced bytes, then nothing while the case runs.
    FlakyStall,
}

impl Target {
    /// Its path on the test server (`None` for a refused port or an invalid URL).
    fn path(self, place: usize) -> Option<String> {
        Some(match self {
            Target::Bytes { n, chunked } => format!("/bytes/{n}{}", if chunked { "?chunked=1" } else { "" }),
            Target::Drip(n) => format!("/drip/{n}?duration_ms=5&chunked=1"),
            Target::Status(code) => format!("/status/{code}"),
            Target::Flaky { k, cut } => format!("/flaky/{k}/u{place}{}", if cut { "?fail=cut" } else { "" }),
            Target::Cut { n, at, chunked } => {
                format!(
                    "/bytes/{n}?close_after={at}{}",
                    if chunked { "&chunked=1" } else { "" }
                )
            }
            Target::Close => "/close".to_owned(),
            Target::Refused | Target::Invalid(_) => return None,
            Target::Slow => "/delay/20000".to_owned(),
            Target::Stall { at } => format!("/bytes/100000?pause_at={at}&pause_key=never&wait_ms=20000"),
            Target::FlakyStall => format!("/flaky/9/u{place}?fail=stall&hang_ms=20000"),
        })
    }

    fn url(self, place: usize, server: &TestServer, refused: &str) -> String {
        match (self, self.path(place)) {
            (_, Some(path)) => server.url(&path),
            (Target::Invalid(text), None) => text.to_owned(),
            (_, None) => refused.to_owned(),
        }
    }

    /// The most body bytes an attempt can stream (what a size cap is measured against).
    fn largest(self) -> u64 {
        match self {
            Target::Bytes { n, .. } | Target::Drip(n) | Target::Cut { n, .. } => n,
            Target::Status(_) => 20,
            Target::Flaky { .. } | Target::FlakyStall => 1000,
            Target::Stall { .. } => 100_000,
            Target::Close | Target::Refused | Target::Invalid(_) | Target::Slow => 0,
        }
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Refused => write!(f, "a refused port"),
            Target::Invalid(text) => write!(f, "{text:?}"),
            Target::Flaky { k, cut } => write!(f, "/flaky/{k}/..{}", if *cut { "?fail=cut" } else { "" }),
            Target::FlakyStall => write!(f, "/flaky/9/..?fail=stall (stops after 500 of 1000 bytes)"),
            Target::Stall { at } => write!(f, "/bytes/100000 stopping after {at} bytes"),
            other => write!(f, "{}", other.path(0).unwrap_or_default()),
        }
    }
}

/// A generated run. A case with a short timeout holds only URLs whose outcome cannot depend on the
/// machine's speed (far slower than the timeout, or stopping halfway), and no size cap.
#[derive(Debug, Clone)]
struct Case {
    urls: Vec<Target>,
    max_workers: usize,
    timeout: Option<Duration>,
    retries: u32,
    backoff: Duration,
    max_bytes: Option<u64>,
    /// Whether out_dir exists before the run (otherwise download_all creates it).
    out_dir_exists: bool,
}

fn generate_case(g: &mut threadlab_harness::generate::Gen) -> Case {
    const CODES: [u16; 10] = [200, 201, 204, 299, 304, 404, 410, 500, 503, 599];
    const INVALID: [&str; 2] = ["not a url", ""];
    const SIZES: [u64; 7] = [0, 1, 999, 1000, 1001, 5000, 70_000];
    let tight = g.one_in(7);
    let pool: Vec<Target> = if tight {
        (0..g.count_in(1, 2))
            .map(|_| match g.range(0, 2) {
                0 => Target::Slow,
                1 => Target::Stall {
                    at: g.pick(&[0, 40_000]),
                },
                _ => Target::FlakyStall,
            })
            .collect()
    } else {
        (0..g.count_in(1, 4))
            .map(|_| match g.range(0, 9) {
                0 | 1 => Target::Bytes {
                    n: g.pick(&SIZES),
                    chunked: g.one_in(3),
                },
                2 => Target::Drip(g.pick(&SIZES[..6])),
                3 | 4 => Target::Status(g.pick(&CODES)),
                5 => Target::Flaky {
                    k: g.range(1, 3),
                    cut: g.one_in(2),
                },
                6 => {
                    let n = g.pick(&[1000, 70_000]);
                    Target::Cut {
                        n,
                        at: g.pick(&[0, 1, 500, 999]).min(n - 1),
                        chunked: g.one_in(2),
                    }
                }
                7 => Target::Close,
                8 => Target::Refused,
                _ => Target::Invalid(g.pick(&INVALID)),
            })
            .collect()
    };
    let urls = g.vec(if tight { 2 } else { 8 }, |g| g.pick(&pool));
    let n = urls.len();
    let max_workers = g.pick(&[0, 1, 2, n.saturating_sub(1), n, n + 1, 70]);
    let retries = g.range(0, if tight { 1 } else { 2 }) as u32;
    let backoff = Duration::from_millis(g.pick(&[0, 1, 3]));
    let max_bytes = if tight || g.one_in(2) || urls.is_empty() {
        None
    } else {
        // At, just below and just above one of the sizes in the case, or 0.
        let size = g.pick(&urls).largest();
        Some(g.pick(&[0, size.saturating_sub(1), size, size + 1]))
    };
    let timeout = if tight {
        Some(Duration::from_millis(20))
    } else if g.one_in(3) {
        None
    } else {
        Some(Duration::from_secs(10))
    };
    Case {
        urls,
        max_workers,
        timeout,
        retries,
        backoff,
        max_bytes,
        out_dir_exists: g.one_in(2),
    }
}

/// An outcome as plain values (a transport error's text is not compared).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Saved(u64),
    Status(u16),
    TooLarge(u64),
    Timeout,
    Transport,
    File,
}

/// One `FileResult` as plain values: the URL (the server's address written as `http://SERVER`), its
/// path relative to out_dir (when it was saved; empty otherwise), the attempts and the outcome.
type Row = (String, String, u32, Outcome);

/// What a run returned and left behind, as plain values.
#[derive(Debug, PartialEq)]
struct Seen {
    /// Sorted.
    results: Vec<Row>,
    /// `(succeeded, failed, bytes)` of the report.
    report: (usize, usize, u64),
    /// Every file in out_dir afterwards: name, length and a hash of its content.
    files: Vec<(String, usize, u64)>,
    /// The progress at the end, `(total, done, failed)`, where at most one worker ran: with more, a
    /// counter that loses concurrent updates would lose them only now and then, and this test's
    /// verdict would depend on timing; concurrent updates are judged under the checker
    /// (`progress_counters_are_safe_to_share`), on every run.
    progress: Option<(usize, usize, usize)>,
    /// Its bytes, where at most one worker ran and every valid solution counts the same (no timeout
    /// cut an attempt short at a moment of its own, and no body went over the cap, where solutions
    /// may stop at different pieces).
    progress_bytes: Option<u64>,
}

/// What one run gives back, as plain values: the results (URL, path, attempts, outcome), the report's
/// `(succeeded, failed, bytes)`, and the progress's `(total, done, failed, bytes)`.
type Ran = (
    Vec<(String, std::path::PathBuf, u32, Outcome)>,
    (usize, usize, u64),
    (usize, usize, usize, u64),
);

/// Runs `download` on the case against a server and an out_dir of its own, and reads what it left.
fn observe(case: &Case, refused: &str, download: impl FnOnce(Vec<String>, &Path) -> Ran) -> Seen {
    let server = server();
    let dir = temp_dir();
    let out = dir.path().join("out");
    if case.out_dir_exists {
        std::fs::create_dir(&out).unwrap();
    }
    let urls: Vec<String> = case
        .urls
        .iter()
        .enumerate()
        .map(|(place, t)| t.url(place, &server, refused))
        .collect();
    let (results, report, (total, done, failed, bytes)) = download(urls, &out);
    let base = server.base_url();
    // Sorted: that results follow the order of urls is checked where the order they finish in is
    // forced (download_all_saves_every_body), not left to chance here. The path is compared where a
    // body was saved (the docs say where it is then, not what a failed URL's path holds).
    let mut results: Vec<Row> = results
        .into_iter()
        .map(|(url, path, attempts, outcome)| {
            let path = match (&outcome, path.strip_prefix(&out)) {
                (Outcome::Saved(_), Ok(relative)) => relative.display().to_string(),
                (Outcome::Saved(_), Err(_)) => format!("(not in out_dir) {}", path.display()),
                _ => String::new(),
            };
            (url.replace(&base, "http://SERVER"), path, attempts, outcome)
        })
        .collect();
    results.sort();
    let files = listing(&out)
        .into_iter()
        .map(|name| {
            let data = std::fs::read(out.join(&name)).unwrap_or_default();
            // FNV-1a: equal contents give equal hashes, and the message stays short.
            let hash = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            (name, data.len(), hash)
        })
        .collect();
    let over_cap = case
        .max_bytes
        .is_some_and(|cap| case.urls.iter().any(|t| t.largest() > cap));
    let one_at_a_time = case.max_workers <= 1;
    let exact_bytes = one_at_a_time && case.timeout != Some(Duration::from_millis(20)) && !over_cap;
    Seen {
        results,
        report,
        files,
        progress: one_at_a_time.then_some((total, done, failed)),
        progress_bytes: exact_bytes.then_some(bytes),
    }
}

/// Generated runs (bodies of 0 B to 70 KB with and without `Content-Length`, every class of status,
/// URLs that fail a few times with 503 or after half a body and then answer, bodies cut off, refused
/// and invalid URLs, duplicates, no URLs; worker counts 0, 1, around the number of URLs and above any
/// cap; retries 0 to 2; size caps at, just below and just above a body's size; timeouts none,
/// generous, or far shorter than the slow URLs and stalled bodies of the case; out_dir missing or
/// there) give the same results (path, attempts, outcome), report counts, files left, and, where at
/// most one worker ran, progress counts as the reference.
fn download_all_matches_the_reference() {
    use threadlab_harness::generate::differential;
    macro_rules! plain {
        ($report:expr, $progress:expr, $error:ident) => {{
            let report = $report;
            let results = report
                .results
                .into_iter()
                .map(|r| {
                    let outcome = match r.outcome {
                        Ok(n) => Outcome::Saved(n),
                        Err($error::Status(code)) => Outcome::Status(code),
                        Err($error::TooLarge { limit }) => Outcome::TooLarge(limit),
                        Err($error::Timeout) => Outcome::Timeout,
                        Err($error::Transport(_)) => Outcome::Transport,
                        Err($error::File(_)) => Outcome::File,
                    };
                    (r.url, r.path, r.attempts, outcome)
                })
                .collect();
            let s = $progress.snapshot();
            (
                results,
                (report.succeeded, report.failed, report.bytes),
                (s.total, s.done, s.failed, s.bytes),
            )
        }};
    }
    let refused = refused_url();
    differential(
        13,
        30,
        "download_all(urls, out_dir, options): each result's (URL, path in out_dir when saved, attempts, outcome), the \
         report's (succeeded, failed, bytes), the files in out_dir (name, length, content hash) and, where at \
         most one worker ran, the progress at the end",
        generate_case,
        |case| {
            observe(case, &refused, |urls, out| {
                let options = Options {
                    max_workers: case.max_workers,
                    timeout: case.timeout,
                    retries: case.retries,
                    backoff: case.backoff,
                    max_bytes: case.max_bytes,
                    progress: Progress::new(),
                };
                let what = format!(
                    "download_all({:?}, max_workers {}, timeout {:?}, retries {}, backoff {:?}, max_bytes {:?})",
                    case.urls, case.max_workers, case.timeout, case.retries, case.backoff, case.max_bytes
                );
                plain!(
                    download_within_patience(&urls, out, &options, &what),
                    options.progress,
                    DownloadError
                )
            })
        },
        |case| {
            observe(case, &refused, |urls, out| {
                use reference::advanced::{DownloadError as ReferenceError, Options, Progress, download_all};
                let options = Options {
                    max_workers: case.max_workers,
                    timeout: case.timeout,
                    retries: case.retries,
                    backoff: case.backoff,
                    max_bytes: case.max_bytes,
                    progress: Progress::new(),
                };
                let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
                plain!(
                    download_all(&refs, out, &options),
                    options.progress,
                    ReferenceError
                )
            })
        },
    );
}
