//! threadlab's local HTTP/1.1 test server: an httpbin-like fixture on 127.0.0.1 that tests start
//! in-process (one per test, so no two tests share a counter) and that `cargo xtask serve` runs in the
//! foreground.
//!
//! Why a server of our own, with `std` only: no well-kept synchronous server crate fits. tiny_http has
//! been dormant since 2023, and mockito, httpmock and wiremock all pull in tokio (20–30 s of cold
//! build for every learner). A thread per connection is plenty at the scale of a lesson (hundreds of
//! connections), and it keeps the code small enough to read.
//!
//! # Paths (every one also takes `?delay_ms=D`: wait `D` ms before answering)
//!
//! | path | answer |
//! |---|---|
//! | `GET /delay/{ms}` | 200 after `ms` milliseconds, a short text body |
//! | `GET /bytes/{n}` | 200 with exactly `n` bytes of [`content`] and a `Content-Length` |
//! | `GET /status/{code}` | that status (200–999), a short body (none for 204 and 304) |
//! | `GET /drip/{n}?duration_ms=D` | `n` bytes of [`content`], sent in pieces spread over `D` ms |
//! | `GET /flaky/{k}/{key}` | 503 for the first `k` requests with that key, then 200 |
//! | `GET /close` | the connection is dropped without a response |
//! | `GET /gate/{n}/{key}` | held until `n` requests with that key are held at once, then 200 for all of them (a cyclic barrier); 504 after `wait_ms` (default 2000) if they never meet, and at once for later requests with that key |
//! | `GET /hold/{key}` | held until the key is released ([`TestServer::release`] or `GET /release/{key}`), then 200; 504 after `wait_ms` (default 10000) |
//! | `GET /release/{key}` | releases a hold key; 200 |
//! | `GET /stats` | JSON: `requests`, `in_flight`, `peak_in_flight`, and `paths` (requests per path) |
//!
//! Options of `/bytes` and `/drip`: `chunked=1` sends the body with `Transfer-Encoding: chunked` (no
//! `Content-Length`, so a client cannot know the size up front); `close_after=K` drops the connection
//! after `K` bytes of the body; `pause_at=K&pause_key=KEY` sends `K` bytes, then waits until `KEY` is
//! released before sending the rest. `/flaky/{k}/{key}?fail=hang` makes the first `k` requests hang
//! (for `hang_ms`, default 30000, or until the server stops) instead of answering 503: a timeout that
//! goes away on retry. `fail=cut` makes them answer 200 with `Content-Length: 1000`, send the first 500
//! bytes of [`content`] and drop the connection; `fail=stall` sends the same 500 bytes, then hangs
//! (`hang_ms`) before dropping it: a failure after part of a body arrived, that goes away on retry.
//!
//! `/stats` is not counted in the statistics. A request counts as in flight from the moment its
//! request line has been read until just before the last piece of its response is written (or the
//! connection is dropped): a client can send its next request only after reading the end of this
//! one, so one client's requests one after another never count as two in flight.
//!
//! ```
//! use std::io::{Read, Write};
//!
//! let server = threadlab_testserver::TestServer::start().unwrap();
//! let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
//! stream.write_all(b"GET /bytes/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer).unwrap();
//! assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(answer.ends_with("\r\n\r\n00000"));
//! assert_eq!(server.stats().requests, 1);
//! drop(server); // stops the server and joins every one of its threads
//! ```

#![forbid(unsafe_code)]

mod http;
mod routes;
mod state;

use state::Shared;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

pub use state::Stats;

/// The deterministic body of `/bytes/{n}` and `/drip/{n}`: 16-byte lines, each its own offset in hex
/// (`"000000000000000\n"`, `"000000000000010\n"`, ...), cut to `n` bytes. Any lost, repeated or shifted
/// piece of a body changes it.
pub fn content(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    extend_content(&mut out, 0..n);
    out
}

/// Appends bytes `range` of [`content`] to `out`, a line at a time (byte by byte, an unoptimized build
/// takes most of a second for 11 MiB; tests run unoptimized).
pub(crate) fn extend_content(out: &mut Vec<u8>, range: std::ops::Range<usize>) {
    let mut at = range.start;
    while at < range.end {
        let offset = at - at % 16;
        let mut line = [b'\n'; 16];
        let mut rest = offset;
        for digit in line[..15].iter_mut().rev() {
            *digit = b"0123456789abcdef"[rest & 0xf];
            rest >>= 4;
        }
        let end = range.end.min(offset + 16);
        out.extend_from_slice(&line[at - offset..end - offset]);
        at = end;
    }
}

/// Byte `i` of [`content`].
pub fn content_byte(i: usize) -> u8 {
    let offset = i - i % 16;
    match i % 16 {
        15 => b'\n',
        column => {
            let digit = (offset >> (4 * (14 - column))) & 0xf;
            b"0123456789abcdef"[digit]
        }
    }
}

/// A running test server. Dropping it stops it: the listening socket closes, every connection is shut
/// down, every wait (delays, drips, gates, holds) ends, and every server thread is joined.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1 with a port chosen by the system.
    pub fn start() -> io::Result<TestServer> {
        TestServer::start_on(0)
    }

    /// Starts a server on 127.0.0.1:`port` (0: a port chosen by the system).
    pub fn start_on(port: u16) -> io::Result<TestServer> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("testserver-accept".into())
                .spawn(move || accept_loop(&listener, &shared))?
        };
        Ok(TestServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of `path` (which starts with `/`), e.g. `server.url("/bytes/10")`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The counters so far (the same as `GET /stats`).
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// How many requests for `path` (without its query string) the server has received.
    pub fn hits(&self, path: &str) -> u64 {
        self.shared.hits(path)
    }

    /// Releases every `/hold/{key}` request and `pause_key=KEY` body waiting on `key`, now and later.
    pub fn release(&self, key: &str) {
        self.shared.release(key);
    }

    /// Blocks the calling thread for as long as the server runs (for `cargo xtask serve`).
    pub fn run_forever(&self) -> ! {
        loop {
            thread::park();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.begin_shutdown();
        // The acceptor is blocked in accept(): a connection of our own wakes it to see the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // No connection is registered after the acceptor ended: shut every one down (a read blocked on
        // an idle keep-alive connection returns), then join their threads.
        for stream in self.shared.take_connections() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        for worker in self.shared.take_workers() {
            let _ = worker.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let Ok(stream) = stream else {
            // Out of file descriptors, or a connection reset before accept: go on with the next one.
            continue;
        };
        let Ok(watch) = stream.try_clone() else {
            continue;
        };
        let id = shared.register(watch);
        let worker = {
            let shared = Arc::clone(shared);
            thread::Builder::new()
                .name("testserver-conn".into())
                .stack_size(256 * 1024)
                .spawn(move || {
                    http::serve_connection(stream, &shared);
                    shared.unregister(id);
                })
        };
        match worker {
            Ok(worker) => shared.add_worker(worker),
            Err(_) => shared.unregister(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_lines_name_their_offsets() {
        let body = content(40);
        assert_eq!(&body[..16], b"000000000000000\n");
        assert_eq!(&body[16..32], b"000000000000010\n");
        assert_eq!(&body[32..], b"00000000");
        assert_eq!(content_byte(0xabc0 + 12), b'b');
        for n in [0, 1, 15, 16, 17, 100, 1000] {
            let by_byte: Vec<u8> = (0..n).map(content_byte).collect();
            assert_eq!(content(n), by_byte, "{n}");
            let mut part = Vec::new();
            extend_content(&mut part, n / 3..n);
            assert_eq!(part, by_byte[n / 3..], "{n}");
        }
    }

    #[test]
    fn drop_joins_every_thread() {
        let server = TestServer::start().unwrap();
        let weak = Arc::downgrade(&server.shared);
        // An idle keep-alive connection and a request held at a gate keep their threads busy.
        let _idle = TcpStream::connect(server.addr()).unwrap();
        let mut held = TcpStream::connect(server.addr()).unwrap();
        io::Write::write_all(&mut held, b"GET /hold/never HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert!(state::eventually(|| server.stats().in_flight == 1));
        let started = std::time::Instant::now();
        drop(server);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(weak.strong_count(), 0, "a server thread outlived the drop");
    }
}
