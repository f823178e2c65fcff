//! The reference downloader as a benchmark: downloads `--urls N` copies of
//! `/bytes/B?delay_ms=D` from the local test server into a temporary directory with `--workers W`,
//! shows a progress bar on a terminal, prints the summary, and as its last line one JSON object with
//! `succeeded`, `failed`, `bytes`, `wall_ms` (and the run's parameters and ideal time).
//!
//! ```text
//! cargo run --release -p lesson09-solution --example downloader -- --urls 50 --delay-ms 200 --workers 10
//! cargo run --release -p lesson09-solution --example downloader -- --server http://127.0.0.1:8080 ...
//! ```
//!
//! Without `--server` it starts its own test server on 127.0.0.1. The ideal wall time is
//! `ceil(N / W) × D`: every worker waits out the server's delay for its share of the URLs.

use indicatif::{ProgressBar, ProgressStyle};
use lesson09::advanced::{Options, Progress, download_all};
use std::process::ExitCode;
use std::time::Duration;
use threadlab_testserver::TestServer;

struct Args {
    server: Option<String>,
    urls: usize,
    delay_ms: u64,
    bytes: u64,
    workers: usize,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        server: None,
        urls: 50,
        delay_ms: 200,
        bytes: 1024,
        workers: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match flag.as_str() {
            "--server" => args.server = Some(value()?.trim_end_matches('/').to_owned()),
            "--urls" => args.urls = number(value()?)? as usize,
            "--delay-ms" => args.delay_ms = number(value()?)?,
            "--bytes" => args.bytes = number(value()?)?,
            "--workers" => args.workers = number(value()?)? as usize,
            _ => {
                return Err(format!(
                    "unknown flag {flag}; flags: --server URL --urls N --delay-ms D --bytes B --workers W"
                ));
            }
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    // Our own server unless one was named; it stops (and joins its threads) when dropped at the end.
    let own = match args.server {
        Some(_) => None,
        None => Some(TestServer::start().expect("the test server starts on 127.0.0.1")),
    };
    let base = args
        .server
        .clone()
        .or_else(|| own.as_ref().map(TestServer::base_url))
        .unwrap_or_default();
    let urls: Vec<String> = (0..args.urls)
        .map(|i| format!("{base}/bytes/{}?delay_ms={}&i={i}", args.bytes, args.delay_ms))
        .collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = Options {
        max_workers: args.workers,
        progress: Progress::new(),
        ..Options::default()
    };

    // The bar is drawn on stderr and only on a terminal; a thread copies the progress into it.
    let bar = ProgressBar::new(args.urls as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}").expect("a valid progress template"),
    );
    let progress = options.progress.clone();
    let report = lesson09::thread::scope(|s| {
        let (stop, stopped) = lesson09::sync::mpsc::channel::<()>();
        let (bar, progress) = (&bar, &progress);
        s.spawn(move || {
            loop {
                let now = progress.snapshot();
                bar.set_position(now.done as u64);
                let eta = now
                    .eta()
                    .map_or("?".to_owned(), |e| format!("{:.1} s", e.as_secs_f64()));
                bar.set_message(format!("{} bytes, ETA {eta}", now.bytes));
                if stopped.recv_timeout(Duration::from_millis(50)).is_ok() {
                    break;
                }
            }
        });
        let report = download_all(&refs, dir.path(), &options);
        let _ = stop.send(());
        report
    });
    bar.finish_and_clear();

    print!("{}", report.summary());
    let ideal_ms = args.urls.div_ceil(args.workers.max(1)) as u64 * args.delay_ms;
    let wall_ms = report.wall.as_secs_f64() * 1000.0;
    println!(
        "{{\"succeeded\":{},\"failed\":{},\"bytes\":{},\"wall_ms\":{:.1},\"ideal_ms\":{ideal_ms},\"urls\":{},\"workers\":{},\"delay_ms\":{},\"body_bytes\":{}}}",
        report.succeeded,
        report.failed,
        report.bytes,
        wall_ms,
        args.urls,
        args.workers,
        args.delay_ms,
        args.bytes
    );
    drop(own);
    if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
