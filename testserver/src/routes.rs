//! What each path answers (the table in the crate docs).

use crate::http::{Next, Out, Request, respond, write_head};
use crate::state::{Shared, Waited};
use std::io::{self, Write};
use std::time::{Duration, Instant};

const TEXT: &str = "text/plain";
const BYTES: &str = "application/octet-stream";

/// Answers `request` on `out`; says whether the connection can serve another request.
pub(crate) fn answer<W: Write>(request: &Request, out: &mut Out<'_, W>, shared: &Shared) -> io::Result<Next> {
    let close = request.close;
    let next = if close { Next::Close } else { Next::KeepAlive };
    let delay = Duration::from_millis(request.number("delay_ms").unwrap_or(0));
    if !delay.is_zero() && shared.pause(delay) == Waited::Stopping {
        return Ok(Next::Close);
    }
    if request.method != "GET" {
        respond(out, 405, TEXT, b"only GET is served\n", close)?;
        return Ok(next);
    }
    let segments: Vec<&str> = request.path.split('/').skip(1).collect();
    let number = |s: &str| s.parse::<u64>().ok();
    match segments.as_slice() {
        [""] => respond(out, 200, TEXT, INDEX.as_bytes(), close)?,
        ["delay", ms] if number(ms).is_some() => {
            let ms = number(ms).unwrap_or_default();
            if shared.pause(Duration::from_millis(ms)) == Waited::Stopping {
                return Ok(Next::Close);
            }
            respond(out, 200, TEXT, format!("waited {ms} ms\n").as_bytes(), close)?;
        }
        ["bytes", n] if number(n).is_some() => {
            return body(
                request,
                out,
                shared,
                number(n).unwrap_or_default(),
                Duration::ZERO,
            );
        }
        ["drip", n] if number(n).is_some() => {
            let spread = Duration::from_millis(request.number("duration_ms").unwrap_or(1000));
            return body(request, out, shared, number(n).unwrap_or_default(), spread);
        }
        ["status", code] if number(code).is_some_and(|c| (200..=999).contains(&c)) => {
            let code = number(code).unwrap_or_default() as u16;
            respond(out, code, TEXT, format!("status {code}\n").as_bytes(), close)?;
        }
        ["flaky", k, key] if number(k).is_some() => {
            let attempt = shared.flaky_attempt(key);
            if attempt <= number(k).unwrap_or_default() {
                let hang = Duration::from_millis(request.number("hang_ms").unwrap_or(30_000));
                match request.text("fail") {
                    Some("hang") if shared.pause(hang) == Waited::Stopping => return Ok(Next::Close),
                    Some(how @ ("cut" | "stall")) => return half_a_body(out, shared, how == "stall", hang),
                    _ => {}
                }
                let text = format!("attempt {attempt}: failing on purpose\n");
                respond(out, 503, TEXT, text.as_bytes(), close)?;
            } else {
                let text = format!("attempt {attempt}: ok\n");
                respond(out, 200, TEXT, text.as_bytes(), close)?;
            }
        }
        ["close"] => return Ok(Next::Close),
        ["gate", n, key] if number(n).is_some_and(|n| n > 0) => {
            let n = number(n).unwrap_or(1) as usize;
            let limit = Duration::from_millis(request.number("wait_ms").unwrap_or(2_000));
            match shared.gate(key, n, limit) {
                Waited::Done => respond(out, 200, TEXT, b"the gate opened\n", close)?,
                Waited::GaveUp => {
                    let text = format!("{n} requests never met at gate {key}\n");
                    respond(out, 504, TEXT, text.as_bytes(), close)?;
                }
                Waited::Stopping => return Ok(Next::Close),
            }
        }
        ["hold", key] => {
            let limit = Duration::from_millis(request.number("wait_ms").unwrap_or(10_000));
            match shared.hold(key, limit) {
                Waited::Done => respond(out, 200, TEXT, b"released\n", close)?,
                Waited::GaveUp => respond(out, 504, TEXT, b"never released\n", close)?,
                Waited::Stopping => return Ok(Next::Close),
            }
        }
        ["release", key] => {
            shared.release(key);
            respond(out, 200, TEXT, format!("released {key}\n").as_bytes(), close)?;
        }
        _ => respond(out, 404, TEXT, b"no such path (GET / lists them)\n", close)?,
    }
    Ok(next)
}

/// A failing `/flaky` attempt that sends bytes first: `200` with `Content-Length: 1000` and the first
/// 500 bytes of [`crate::content`], then the connection drops, at once (`cut`) or after `hang`
/// (`stall`, for a client whose timeout must cover the body).
fn half_a_body<W: Write>(
    out: &mut Out<'_, W>,
    shared: &Shared,
    stall: bool,
    hang: Duration,
) -> io::Result<Next> {
    let mut buffer = Vec::new();
    write_head(&mut buffer, 200, BYTES, Some(FLAKY_BODY), true)?;
    crate::extend_content(&mut buffer, 0..FLAKY_BODY / 2);
    if !stall {
        out.finish();
    }
    out.write_all(&buffer)?;
    out.flush()?;
    if stall {
        let _ = shared.pause(hang);
    }
    Ok(Next::Close)
}

/// The length a `fail=cut` or `fail=stall` attempt of `/flaky` announces (it sends half of it).
const FLAKY_BODY: usize = 1000;

/// Sends `n` bytes of [`crate::content`], in pieces spread evenly over `spread` (all at once for
/// zero), honouring `chunked`, `close_after`, `pause_at` and `pause_key`.
fn body<W: Write>(
    request: &Request,
    out: &mut Out<'_, W>,
    shared: &Shared,
    n: u64,
    spread: Duration,
) -> io::Result<Next> {
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let chunked = request.text("chunked").is_some_and(|v| v != "0");
    let close_after = request
        .number("close_after")
        .map(|k| usize::try_from(k).unwrap_or(usize::MAX));
    let pause_at = request
        .number("pause_at")
        .map(|k| usize::try_from(k).unwrap_or(usize::MAX));
    let close = request.close || close_after.is_some();
    // The head goes out with the first piece of the body: one system call for a small body.
    let mut buffer = Vec::new();
    write_head(&mut buffer, 200, BYTES, (!chunked).then_some(n), close)?;

    // Where the body is cut into pieces: evenly for a drip, 64 KiB for a plain body, and also at
    // `pause_at` and `close_after`.
    let pieces = if spread.is_zero() {
        n.div_ceil(64 * 1024).max(1)
    } else {
        n.clamp(1, 50)
    };
    let mut cuts: Vec<usize> = (1..=pieces).map(|i| n * i / pieces).collect();
    cuts.extend(pause_at.filter(|&k| k < n));
    cuts.extend(close_after.filter(|&k| k < n));
    cuts.sort_unstable();
    cuts.dedup();

    let started = Instant::now();
    let mut sent = 0usize;
    for (i, &cut) in cuts.iter().enumerate() {
        if !spread.is_zero() {
            let due = spread.mul_f64((i + 1) as f64 / cuts.len() as f64);
            let wait = due.saturating_sub(started.elapsed());
            if !wait.is_zero() && shared.pause(wait) == Waited::Stopping {
                return Ok(Next::Close);
            }
        }
        if i + 1 == cuts.len() || close_after == Some(cut) {
            out.finish();
        }
        if chunked && cut > sent {
            write!(buffer, "{:x}\r\n", cut - sent)?;
        }
        crate::extend_content(&mut buffer, sent..cut);
        if chunked && cut > sent {
            buffer.extend_from_slice(b"\r\n");
        }
        if chunked && i + 1 == cuts.len() {
            buffer.extend_from_slice(b"0\r\n\r\n");
        }
        out.write_all(&buffer)?;
        out.flush()?;
        buffer.clear();
        sent = cut;
        if close_after == Some(sent) {
            return Ok(Next::Close);
        }
        if pause_at == Some(sent) {
            let key = request.text("pause_key").unwrap_or("pause");
            let limit = Duration::from_millis(request.number("wait_ms").unwrap_or(10_000));
            if shared.hold(key, limit) == Waited::Stopping {
                return Ok(Next::Close);
            }
        }
    }
    Ok(if close { Next::Close } else { Next::KeepAlive })
}

const INDEX: &str = "\
threadlab test server. Every path also takes ?delay_ms=D.
GET /delay/{ms}                  200 after ms milliseconds
GET /bytes/{n}                   n bytes (chunked=1, close_after=K, pause_at=K&pause_key=KEY)
GET /status/{code}               that status
GET /drip/{n}?duration_ms=D      n bytes spread over D ms
GET /flaky/{k}/{key}             503 for the first k requests with that key, then 200 (fail=hang: hang instead;
                                 fail=cut / fail=stall: 500 of 1000 announced bytes, then drop / hang)
GET /close                       the connection is dropped without a response
GET /gate/{n}/{key}              held until n requests with that key are held at once (wait_ms, default 2000)
GET /hold/{key}                  held until /release/{key} (wait_ms, default 10000)
GET /release/{key}               releases a hold
GET /stats                       requests, in_flight, peak_in_flight, paths (JSON)
";
