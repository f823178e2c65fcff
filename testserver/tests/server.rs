//! The test server seen from outside, through a minimal HTTP client on raw sockets: every path of the
//! contract, 200 clients at once, and a clean stop. Everything stays on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use threadlab_testserver::{TestServer, content};

/// A response as the client saw it.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `GET path` on a new connection (closed after it) and reads the answer; `Err` when the
/// connection ends before a whole answer arrived.
fn get(addr: SocketAddr, path: &str) -> Result<Answer, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    read_answer(&mut BufReader::new(stream))
}

fn read_answer(reader: &mut impl BufRead) -> Result<Answer, String> {
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line: {line:?}"))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (n, v) = header.split_once(':').ok_or("bad header")?;
        headers.push((n.trim().to_owned(), v.trim().to_owned()));
    }
    let mut answer = Answer {
        status,
        headers,
        body: Vec::new(),
    };
    if let Some(length) = answer.header("content-length") {
        let length: usize = length.parse().unwrap();
        answer.body = vec![0; length];
        reader
            .read_exact(&mut answer.body)
            .map_err(|e| format!("body cut short: {e}"))?;
    } else if answer.header("transfer-encoding") == Some("chunked") {
        loop {
            line.clear();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(line.trim(), 16).map_err(|e| e.to_string())?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).map_err(|e| e.to_string())?;
            if size == 0 {
                break;
            }
            answer.body.extend_from_slice(&chunk[..size]);
        }
    }
    Ok(answer)
}

fn stats_json(server: &TestServer) -> String {
    let answer = get(server.addr(), "/stats").unwrap();
    assert_eq!(answer.header("content-type"), Some("application/json"));
    String::from_utf8(answer.body).unwrap()
}

#[test]
fn bytes_status_and_delay_answer_as_documented() {
    let server = TestServer::start().unwrap();
    let answer = get(server.addr(), "/bytes/1000").unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-length"), Some("1000"));
    assert_eq!(answer.body, content(1000));
    assert_eq!(get(server.addr(), "/bytes/0").unwrap().body, b"");

    for code in [200, 201, 404, 418, 500, 503] {
        assert_eq!(
            get(server.addr(), &format!("/status/{code}")).unwrap().status,
            code
        );
    }
    let no_content = get(server.addr(), "/status/204").unwrap();
    assert_eq!((no_content.status, no_content.body.len()), (204, 0));
    assert_eq!(get(server.addr(), "/nowhere").unwrap().status, 404);

    let started = Instant::now();
    let delayed = get(server.addr(), "/delay/150").unwrap();
    assert_eq!(delayed.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(
        get(server.addr(), "/status/404?delay_ms=100").unwrap().status,
        404
    );
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(server.hits("/status/404"), 2);
}

#[test]
fn drip_spreads_the_body_over_its_duration() {
    let server = TestServer::start().unwrap();
    let started = Instant::now();
    let answer = get(server.addr(), "/drip/500?duration_ms=300").unwrap();
    let took = started.elapsed();
    assert_eq!(answer.body, content(500));
    assert!(took >= Duration::from_millis(300), "{took:?}");
    let chunked = get(server.addr(), "/drip/100?duration_ms=50&chunked=1").unwrap();
    assert_eq!(chunked.header("content-length"), None);
    assert_eq!(chunked.body, content(100));
}

#[test]
fn flaky_fails_k_times_per_key_then_succeeds() {
    let server = TestServer::start().unwrap();
    let codes: Vec<u16> = (0..4)
        .map(|_| get(server.addr(), "/flaky/2/a").unwrap().status)
        .collect();
    assert_eq!(codes, [503, 503, 200, 200]);
    assert_eq!(
        get(server.addr(), "/flaky/2/b").unwrap().status,
        503,
        "keys count apart"
    );
    assert_eq!(server.hits("/flaky/2/a"), 4);

    let mut hanging = TcpStream::connect(server.addr()).unwrap();
    hanging
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    write!(hanging, "GET /flaky/1/h?fail=hang HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut byte = [0u8; 1];
    assert!(hanging.read(&mut byte).is_err(), "the first request hangs");
    assert_eq!(get(server.addr(), "/flaky/1/h?fail=hang").unwrap().status, 200);
}

#[test]
fn flaky_cut_and_stall_send_half_a_body_before_failing() {
    let server = TestServer::start().unwrap();
    for _ in 0..2 {
        let cut = get(server.addr(), "/flaky/2/c?fail=cut").unwrap_err();
        assert!(cut.contains("body cut short"), "{cut}");
    }
    let whole = get(server.addr(), "/flaky/2/c?fail=cut").unwrap();
    assert_eq!((whole.status, whole.body), (200, b"attempt 3: ok\n".to_vec()));

    // The stalled attempt sends its head and 500 of 1000 bytes, then nothing until hang_ms is over.
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    write!(
        stalled,
        "GET /flaky/1/s?fail=stall&hang_ms=20000 HTTP/1.1\r\nHost: t\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stalled.try_clone().unwrap());
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        reader.read_line(&mut head).unwrap();
    }
    assert!(
        head.starts_with("HTTP/1.1 200 OK\r\n") && head.contains("Content-Length: 1000\r\n"),
        "{head}"
    );
    let mut half = vec![0; 500];
    reader.read_exact(&mut half).unwrap();
    assert_eq!(half, content(500));
    stalled
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(reader.read(&mut byte).is_err(), "the rest never comes");
    assert_eq!(server.stats().in_flight, 1, "a stalled attempt is in flight");
    assert_eq!(get(server.addr(), "/flaky/1/s?fail=stall").unwrap().status, 200);
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a stop ends the stall"
    );
}

#[test]
fn close_and_close_after_drop_the_connection() {
    let server = TestServer::start().unwrap();
    assert!(get(server.addr(), "/close").is_err());
    let cut = get(server.addr(), "/bytes/5000?close_after=1000").unwrap_err();
    assert!(cut.contains("body cut short"), "{cut}");
    assert!(get(server.addr(), "/bytes/5000?close_after=1000&chunked=1").is_err());
    assert_eq!(server.stats().in_flight, 0);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = TestServer::start().unwrap();
    let stream = TcpStream::connect(server.addr()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    for n in [10, 20, 30] {
        write!(writer, "GET /bytes/{n} HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        assert_eq!(read_answer(&mut reader).unwrap().body, content(n));
    }
    assert_eq!(server.stats().requests, 3);
}

#[test]
fn stats_count_requests_and_peak_concurrency() {
    let server = TestServer::start().unwrap();
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| get(server.addr(), "/gate/3/stats").unwrap());
        }
    });
    let stats = server.stats();
    assert_eq!((stats.requests, stats.in_flight, stats.peak_in_flight), (3, 0, 3));
    let json = stats_json(&server);
    assert!(
        json.starts_with(r#"{"requests":3,"in_flight":0,"peak_in_flight":3,"paths":{"#),
        "{json}"
    );
    assert_eq!(server.stats().requests, 3, "/stats itself is not counted");
}

#[test]
fn a_gate_nobody_else_reaches_gives_up() {
    let server = TestServer::start().unwrap();
    let started = Instant::now();
    assert_eq!(
        get(server.addr(), "/gate/2/alone?wait_ms=100").unwrap().status,
        504
    );
    assert!(started.elapsed() >= Duration::from_millis(100));
    let started = Instant::now();
    assert_eq!(
        get(server.addr(), "/gate/2/alone?wait_ms=5000").unwrap().status,
        504
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "later arrivals give up at once"
    );
}

#[test]
fn holds_and_pauses_wait_for_their_release() {
    let server = TestServer::start().unwrap();
    std::thread::scope(|s| {
        let held = s.spawn(|| get(server.addr(), "/hold/h").unwrap().status);
        let paused = s.spawn(|| get(server.addr(), "/bytes/300?pause_at=100&pause_key=p").unwrap());
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(server.stats().in_flight, 2);
        server.release("h");
        assert_eq!(get(server.addr(), "/release/p").unwrap().status, 200);
        assert_eq!(held.join().unwrap(), 200);
        assert_eq!(paused.join().unwrap().body, content(300));
    });
    assert_eq!(get(server.addr(), "/hold/x?wait_ms=50").unwrap().status, 504);
}

/// 200 clients at once, each held at one gate that opens only when all 200 are being served together:
/// a server that queued connections behind each other would answer 504.
#[test]
fn two_hundred_clients_are_served_at_once() {
    let server = TestServer::start().unwrap();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let clients: Vec<_> = (0..200)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(64 * 1024)
                    .spawn_scoped(s, || get(server.addr(), "/gate/200/crowd?wait_ms=8000"))
                    .unwrap()
            })
            .collect();
        clients
            .into_iter()
            .map(|c| c.join().unwrap().unwrap().status)
            .collect()
    });
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert_eq!(server.stats().peak_in_flight, 200);
}

#[test]
fn drop_stops_the_server_promptly_even_mid_response() {
    let server = TestServer::start().unwrap();
    let addr = server.addr();
    let mut slow = TcpStream::connect(addr).unwrap();
    write!(
        slow,
        "GET /drip/100?duration_ms=60000 HTTP/1.1\r\nHost: t\r\n\r\n"
    )
    .unwrap();
    let mut held = TcpStream::connect(addr).unwrap();
    write!(held, "GET /delay/60000 HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    while server.stats().in_flight < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(server.stats().in_flight, 2);
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        TcpStream::connect(addr).is_err(),
        "nothing listens after the drop"
    );
}
