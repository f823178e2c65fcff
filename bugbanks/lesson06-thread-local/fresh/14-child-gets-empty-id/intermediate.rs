#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: a request id that log lines pick up without being passed around, the way a web
//! server tags every line it logs while handling one request.
//!
//! The README's sections "A context for log lines", "Restoring on every exit" and "Carrying the
//! context into a new thread" cover what you need.

use std::cell::RefCell;
use crate::thread::{self, JoinHandle};

crate::thread::thread_local! {
    static REQUEST: RefCell<Option<String>> = const { RefCell::new(None) };
}

struct Restore(Option<String>);

impl Drop for Restore {
    fn drop(&mut self) {
        REQUEST.set(self.0.take());
    }
}

/// Runs `f` with `id` as the calling thread's request id and returns what `f` returns.
pub fn with_request_id<R>(id: &str, f: impl FnOnce() -> R) -> R {
    let _restore = Restore(REQUEST.replace(Some(id.to_owned())));
    f()
}

/// The calling thread's current request id, or `None` outside of any request.
pub fn current_request_id() -> Option<String> {
    REQUEST.with_borrow(|id| id.clone())
}

/// A log line tagged with the calling thread's request id.
pub fn log_line(msg: &str) -> String {
    match current_request_id() {
        Some(id) => format!("[{id}] {msg}"),
        None => format!("[no-request] {msg}"),
    }
}

/// Starts `f` on a new thread that runs with the caller's current request id.
pub fn spawn_with_context<T, F>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // read it here, on the caller's thread
    let id = current_request_id().unwrap_or_default();
    thread::spawn(move || with_request_id(&id, f))
}
