//! The HTTP/1.1 side of a connection: read request heads one after another (keep-alive), hand each to
//! the routes, and write what they answer. Only what the fixture needs: GET without a body.

use crate::routes;
use crate::state::{InFlight, Shared};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// The longest request head accepted.
const MAX_HEAD: usize = 16 * 1024;

/// One parsed request.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    /// The path without its query string.
    pub path: String,
    pub query: Vec<(String, String)>,
    /// The client asked to close the connection after this request.
    pub close: bool,
}

impl Request {
    /// A query parameter parsed as a number.
    pub fn number(&self, name: &str) -> Option<u64> {
        self.text(name).and_then(|v| v.parse().ok())
    }

    /// A query parameter as text.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether the connection may carry another request after this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    KeepAlive,
    Close,
}

/// The writing side of one response. It also holds the request's place among those in flight, given
/// up by [`Out::finish`] just before the last piece of the response is written: a client can only send
/// its next request after it has read this one's end, so the server never counts one client's two
/// requests in flight at once.
#[derive(Debug)]
pub(crate) struct Out<'a, W: Write> {
    writer: &'a mut W,
    in_flight: Option<InFlight<'a>>,
}

impl<'a, W: Write> Out<'a, W> {
    fn new(writer: &'a mut W, in_flight: Option<InFlight<'a>>) -> Self {
        Out { writer, in_flight }
    }

    /// Counts the request out of those in flight (once; later calls do nothing).
    pub(crate) fn finish(&mut self) {
        self.in_flight = None;
    }
}

impl<W: Write> Write for Out<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Serves requests on `stream` until the client closes it, a route drops it, or the server stops.
pub(crate) fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut writer = writer;
    while !shared.stopping() {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(_) => {
                let mut out = Out::new(&mut writer, None);
                let _ = respond(&mut out, 400, "text/plain", b"bad request\n", true);
                return;
            }
        };
        let next = if request.path == "/stats" {
            let json = shared.stats().to_json();
            let mut out = Out::new(&mut writer, None);
            respond(&mut out, 200, "application/json", json.as_bytes(), request.close)
                .map(|()| close_if(request.close))
        } else {
            let in_flight = shared.begin_request(&request.path);
            routes::answer(&request, &mut Out::new(&mut writer, Some(in_flight)), shared)
        };
        match next {
            Ok(Next::KeepAlive) => {}
            Ok(Next::Close) | Err(_) => return,
        }
    }
}

fn close_if(close: bool) -> Next {
    if close { Next::Close } else { Next::KeepAlive }
}

/// Reads one request head. `Ok(None)`: the client closed the connection between requests.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("malformed request line"));
    };
    let (method, target, version) = (method.to_owned(), target.to_owned(), version.to_owned());
    let mut close = version == "HTTP/1.0";
    let mut body_length = 0usize;
    let mut head_size = line.len();
    loop {
        line.clear();
        let read = reader.read_line(&mut line)?;
        head_size += read;
        if read == 0 || head_size > MAX_HEAD {
            return Err(invalid("unterminated or oversized request head"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            } else if name.eq_ignore_ascii_case("content-length") {
                body_length = value.parse().map_err(|_| invalid("bad Content-Length"))?;
            }
        }
    }
    // GET bodies are ignored, but they must be read past to find the next request.
    io::copy(&mut Read::take(&mut *reader, body_length as u64), &mut io::sink())?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    Ok(Some(Request {
        method,
        path: path.to_owned(),
        query,
        close,
    }))
}

/// The reason phrase of a status code (empty when the code has none here; HTTP allows that).
pub(crate) fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Content Too Large",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// Writes a status line and headers. `length: None` means a chunked body follows.
pub(crate) fn write_head(
    out: &mut impl Write,
    code: u16,
    content_type: &str,
    length: Option<usize>,
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {code} {}\r\n", reason(code));
    if code != 204 && code != 304 {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
        match length {
            Some(n) => head.push_str(&format!("Content-Length: {n}\r\n")),
            None => head.push_str("Transfer-Encoding: chunked\r\n"),
        }
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

/// Writes a whole response with a small body.
pub(crate) fn respond<W: Write>(
    out: &mut Out<'_, W>,
    code: u16,
    content_type: &str,
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    out.finish();
    let body = if code == 204 || code == 304 { &[][..] } else { body };
    // Head and body in one write: one system call per small response.
    let mut whole = Vec::with_capacity(160 + body.len());
    write_head(&mut whole, code, content_type, Some(body.len()), close)?;
    whole.extend_from_slice(body);
    out.write_all(&whole)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_head_gives_path_query_and_connection() {
        let text = "GET /bytes/10?delay_ms=5&chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        let request = read_request(&mut text.as_bytes()).unwrap().unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/bytes/10");
        assert_eq!(request.number("delay_ms"), Some(5));
        assert_eq!(request.text("chunked"), Some(""));
        assert!(request.close);
        assert!(read_request(&mut "".as_bytes()).unwrap().is_none());
        assert!(read_request(&mut "GET\r\n\r\n".as_bytes()).is_err());
    }
}
