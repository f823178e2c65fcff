//! Hidden tests, advanced tier: `download_all`, `Progress` and `DownloadError::is_retryable`.
//!
//! Each test has its own local test server on 127.0.0.1 and its own temporary directory, both gone at
//! the end of the test. Retries are made deterministic by `/flaky/{k}/{key}` (fails exactly `k` times)
//! and counted by the server; progress "while it runs" is seen while one request is held by the server
//! until the test releases it, so a progress updated only at the end never shows it.

use lesson09::advanced::{
    DownloadError, FileResult, Options, Progress, ProgressSnapshot, Report, download_all, file_name,
};
use std::path::Path;
use std::time::{Duration, Instant};
use threadlab_harness::wait::{PATIENCE, eventually};
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
    ]);
}

fn server() -> TestServer {
    TestServer::start().expect("the test server starts on 127.0.0.1")
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn refused_url() -> String {
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

/// The result for `urls[i]`, checked to be in input order.
fn result<'a>(report: &'a Report, urls: &[String], i: usize) -> &'a FileResult {
    expect_eq!(
        report.results.len(),
        urls.len(),
        "number of results in the report for {} URLs",
        urls.len()
    );
    let r = &report.results[i];
    expect!(
        r.url == urls[i],
        "report.results[{i}] is for {}, expected {} (results follow the order of urls)",
        r.url,
        urls[i]
    );
    r
}

fn download_all_saves_every_body() {
    let server = server();
    let dir = temp_dir();
    let sizes = [0usize, 1000, 200_000, 3000];
    let urls = vec![
        server.url("/bytes/0"),
        server.url("/bytes/1000"),
        server.url("/bytes/200000"),
        server.url("/drip/3000?duration_ms=100"),
    ];
    // out_dir does not exist yet: download_all creates it.
    let out = dir.path().join("downloads");
    let report = run(&urls, &out, &options(2, 0));
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
    ];
    let report = run(&urls, dir.path(), &options(2, 0));
    let not_found = result(&report, &urls, 0);
    expect_eq!(
        not_found.outcome,
        Err(DownloadError::Status(404)),
        "outcome for {}",
        urls[0]
    );
    for i in [1, 2] {
        let r = result(&report, &urls, i);
        expect!(
            matches!(r.outcome, Err(DownloadError::Transport(_))),
            "{}: expected Err(Transport(..)) (no answer came), got {:?}",
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
        (1, 3, 100),
        "report (succeeded, failed, bytes)"
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
    // The first request hangs; the second answers at once.
    let urls = vec![
        server.url("/flaky/1/t?fail=hang&hang_ms=20000"),
        server.url("/delay/20000"),
    ];
    let opts = Options {
        timeout: Some(Duration::from_millis(300)),
        ..options(2, 1)
    };
    let report = run(&urls, dir.path(), &opts);
    let r = result(&report, &urls, 0);
    expect!(
        r.outcome.is_ok() && r.attempts == 2,
        "the first request to {} hangs, the second answers: with a 300 ms timeout and retries = 1 expected success \
         on attempt 2, got {:?} after {} attempts (a timeout is retryable)",
        urls[0],
        r.outcome,
        r.attempts
    );
    expect_eq!(server.hits("/flaky/1/t"), 2, "requests the server received");
    let never = result(&report, &urls, 1);
    expect!(
        never.outcome == Err(DownloadError::Timeout) && never.attempts == 2,
        "{} never answers in time: with a 300 ms timeout and retries = 1 expected Err(Timeout) after 2 attempts, \
         got {:?} after {} attempts",
        urls[1],
        never.outcome,
        never.attempts
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
    let server = server();
    let dir = temp_dir();
    let gated: Vec<String> = (0..6)
        .map(|i| server.url(&format!("/gate/3/dl?wait_ms=3000&i={i}")))
        .collect();
    let report = run(&gated, dir.path(), &options(3, 0));
    let peak = server.stats().peak_in_flight;
    expect!(
        peak >= 3 && report.succeeded == 6,
        "download_all(6 URLs, max_workers = 3): expected 3 downloads at once and 6 successes, the server saw at \
         most {peak} at once and {} succeeded",
        report.succeeded
    );

    let server = self::server();
    let delayed: Vec<String> = (0..10)
        .map(|i| server.url(&format!("/delay/150?i={i}")))
        .collect();
    let report = run(&delayed, dir.path(), &options(2, 0));
    let peak = server.stats().peak_in_flight;
    expect!(
        peak <= 2 && report.succeeded == 10,
        "download_all(10 URLs, max_workers = 2): expected at most 2 downloads at once and 10 successes, the \
         server saw {peak} at once and {} succeeded",
        report.succeeded
    );
    let two = vec![server.url("/bytes/3?zero"), server.url("/bytes/4?zero")];
    let report = run(&two, &dir.path().join("zero"), &options(0, 0));
    expect_eq!(
        report.succeeded,
        2,
        "successes of download_all(2 URLs, max_workers = 0) (0 counts as 1 worker)"
    );
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
