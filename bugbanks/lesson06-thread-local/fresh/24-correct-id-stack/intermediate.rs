#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: a request id that log lines pick up without being passed around, the way a web
//! server tags every line it logs while handling one request.
//!
//! The README's sections "A context for log lines", "Restoring on every exit" and "Carrying the
//! context into a new thread" cover what you need.

use std::cell::RefCell;
use crate::thread::{self, JoinHandle};

crate::thread::thread_local! {
    // The requests running on this thread, outermost first; the last one is current.
    static REQUESTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Ends a request: cuts this thread's stack back to the depth it had before the request started.
/// Runs on return and while a panic unwinds.
struct EndRequest {
    depth: usize,
}

impl Drop for EndRequest {
    fn drop(&mut self) {
        REQUESTS.with_borrow_mut(|stack| stack.truncate(self.depth));
    }
}

/// Runs `f` with `id` as the calling thread's request id and returns what `f` returns.
pub fn with_request_id<R>(id: &str, f: impl FnOnce() -> R) -> R {
    let depth = REQUESTS.with_borrow_mut(|stack| {
        let depth = stack.len();
        stack.push(id.to_owned());
        depth
    });
    let _end = EndRequest { depth };
    f()
}

/// The calling thread's current request id: the innermost running request, or `None`.
pub fn current_request_id() -> Option<String> {
    REQUESTS.with_borrow(|stack| stack.last().cloned())
}

/// A log line tagged with the calling thread's request id.
pub fn log_line(msg: &str) -> String {
    REQUESTS.with_borrow(|stack| match stack.last() {
        Some(id) => format!("[{id}] {msg}"),
        None => format!("[no-request] {msg}"),
    })
}

/// Starts `f` on a new thread that runs with the caller's current request id (if it has one).
pub fn spawn_with_context<T, F>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // Read on the caller's thread; the new thread's stack starts empty.
    let inherited: Vec<String> = current_request_id().into_iter().collect();
    thread::spawn(move || {
        REQUESTS.set(inherited);
        f()
    })
}
