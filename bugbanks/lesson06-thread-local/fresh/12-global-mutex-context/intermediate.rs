#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: a request id that log lines pick up without being passed around, the way a web
//! server tags every line it logs while handling one request.
//!
//! The README's sections "A context for log lines", "Restoring on every exit" and "Carrying the
//! context into a new thread" cover what you need.

use crate::sync::{Mutex, PoisonError};
use crate::thread::{self, JoinHandle};

// The current request id. Behind a Mutex so that any thread can read and set it safely.
static REQUEST: Mutex<Option<String>> = Mutex::new(None);

fn set_request(id: Option<String>) -> Option<String> {
    let mut slot = REQUEST.lock().unwrap_or_else(PoisonError::into_inner);
    std::mem::replace(&mut *slot, id)
}

struct Restore(Option<String>);

impl Drop for Restore {
    fn drop(&mut self) {
        set_request(self.0.take());
    }
}

/// Runs `f` with `id` as the calling thread's request id and returns what `f` returns.
pub fn with_request_id<R>(id: &str, f: impl FnOnce() -> R) -> R {
    let _restore = Restore(set_request(Some(id.to_owned())));
    f()
}

/// The calling thread's current request id, or `None` outside of any request.
pub fn current_request_id() -> Option<String> {
    REQUEST.lock().unwrap_or_else(PoisonError::into_inner).clone()
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
    let id = current_request_id();
    thread::spawn(move || match id {
        Some(id) => with_request_id(&id, f),
        None => f(),
    })
}

