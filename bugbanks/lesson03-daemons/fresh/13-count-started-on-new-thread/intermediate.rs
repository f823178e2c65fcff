//! Intermediate: a `Runtime` that follows Python's exit rules. `shutdown` waits for every non-daemon
//! thread (also those started by other threads while it waits) and abandons the daemons; a thread
//! started from a daemon is a daemon too.
//!
//! A thread's body receives a [`Context`]: its way to ask whether it is a daemon and to start
//! children of its own. That is how a body spawns, since Rust has no `threading.current_thread()`
//! that could carry a daemon flag around for us.

use std::panic::{self, AssertUnwindSafe};
use crate::sync::{Arc, Condvar, Mutex};
use crate::thread;

/// What [`Runtime::shutdown`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownReport {
    /// How many non-daemon threads shutdown joined: every one ever started, including those that
    /// panicked.
    pub joined: usize,
    /// How many of those ended with a panic.
    pub panicked: usize,
}

/// Book-keeping shared by the runtime and every context.
#[derive(Debug, Default)]
struct Books {
    /// non-daemon threads still running
    running: usize,
    /// non-daemon threads that have finished, and how many of them panicked
    finished: usize,
    panicked: usize,
}

#[derive(Debug, Default)]
struct Shared {
    books: Mutex<Books>,
    all_done: Condvar,
}

/// Starts threads under Python's exit rules: [`Runtime::shutdown`] joins every non-daemon thread
/// and leaves the daemons running (the process ending soon after kills them).
#[derive(Debug, Default)]
pub struct Runtime {
    shared: Arc<Shared>,
}

/// Given to every thread body: tells it whether its thread is a daemon and lets it start children.
#[derive(Debug, Clone)]
pub struct Context {
    shared: Arc<Shared>,
    daemon: bool,
}

impl Shared {
    fn books(&self) -> crate::sync::MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn start<F>(shared: &Arc<Shared>, daemon: bool, body: F)
where
    F: FnOnce(&Context) + Send + 'static,
{
    let context = Context { shared: Arc::clone(shared), daemon };
    // every thread is detached; the counters tell shutdown when the non-daemons are done
    thread::spawn(move || {
        if !context.daemon {
            context.shared.books().running += 1;
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(&context)));
        if !context.daemon {
            let mut books = context.shared.books();
            books.running -= 1;
            books.finished += 1;
            if outcome.is_err() {
                books.panicked += 1;
            }
            drop(books);
            context.shared.all_done.notify_all();
        }
        if let Err(payload) = outcome {
            panic::resume_unwind(payload);
        }
    });
}

impl Runtime {
    /// A runtime with no threads yet.
    pub fn new() -> Self {
        Runtime::default()
    }

    /// Starts a non-daemon thread running `body`: [`Runtime::shutdown`] waits for it.
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        start(&self.shared, false, body);
    }

    /// Starts a daemon thread running `body`: nobody waits for it.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        start(&self.shared, true, body);
    }

    /// Joins every non-daemon thread, including the ones that other non-daemon threads start while
    /// shutdown is waiting, and returns what it joined. Never waits for a daemon. A thread that
    /// panicked is counted in the report; it does not stop shutdown from joining the others.
    pub fn shutdown(self) -> ShutdownReport {
        let books = self.shared.books();
        let books = self
            .shared
            .all_done
            .wait_while(books, |books| books.running > 0)
            .unwrap_or_else(|e| e.into_inner());
        ShutdownReport { joined: books.finished, panicked: books.panicked }
    }
}

impl Context {
    /// Whether the thread running this body is a daemon.
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// Starts a child that inherits this thread's kind, as in Python: a daemon's child is a daemon,
    /// a non-daemon's child is a non-daemon (and shutdown waits for it).
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        start(&self.shared, self.daemon, body);
    }

    /// Starts a daemon child, whatever this thread is.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        start(&self.shared, true, body);
    }
}
