//! Intermediate: a `Runtime` that follows Python's exit rules. `shutdown` waits for every non-daemon
//! thread (also those started by other threads while it waits) and abandons the daemons; a thread
//! started from a daemon is a daemon too.
//!
//! A thread's body receives a [`Context`]: its way to ask whether it is a daemon and to start
//! children of its own. That is how a body spawns, since Rust has no `threading.current_thread()`
//! that could carry a daemon flag around for us.

use crate::sync::{Arc, Mutex};
use crate::thread::{self, JoinHandle};

/// What [`Runtime::shutdown`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownReport {
    /// How many non-daemon threads shutdown joined: every one ever started, including those that
    /// panicked.
    pub joined: usize,
    /// How many of those ended with a panic.
    pub panicked: usize,
}

/// The handles of the non-daemon threads that nobody has joined yet.
type Handles = Arc<Mutex<Vec<JoinHandle<()>>>>;

/// Starts threads under Python's exit rules: [`Runtime::shutdown`] joins every non-daemon thread
/// and leaves the daemons running (the process ending soon after kills them).
#[derive(Debug, Default)]
pub struct Runtime {
    handles: Handles,
}

/// Given to every thread body: tells it whether its thread is a daemon and lets it start children.
#[derive(Debug, Clone)]
pub struct Context {
    handles: Handles,
    daemon: bool,
}

fn start<F>(handles: &Handles, daemon: bool, body: F)
where
    F: FnOnce(&Context) + Send + 'static,
{
    let context = Context { handles: Arc::clone(handles), daemon };
    let handle = thread::spawn(move || body(&context));
    if daemon {
        drop(handle); // detached: nobody waits for a daemon
    } else {
        handles.lock().unwrap_or_else(|e| e.into_inner()).push(handle);
    }
}

impl Runtime {
    /// A runtime with no threads yet.
    pub fn new() -> Self {
        Runtime { handles: Arc::new(Mutex::new(Vec::new())) }
    }

    /// Starts a non-daemon thread running `body`: [`Runtime::shutdown`] waits for it.
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        start(&self.handles, false, body);
    }

    /// Starts a daemon thread running `body`: nobody waits for it.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        start(&self.handles, true, body);
    }

    /// Joins every non-daemon thread, including the ones that other non-daemon threads start while
    /// shutdown is waiting, and returns what it joined. Never waits for a daemon. A thread that
    /// panicked is counted in the report; it does not stop shutdown from joining the others.
    pub fn shutdown(self) -> ShutdownReport {
        let mut report = ShutdownReport::default();
        let mut handles = self.handles.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(handle) = handles.pop() {
            report.joined += 1;
            if handle.join().is_err() {
                report.panicked += 1;
            }
        }
        report
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
        start(&self.handles, self.daemon, body);
    }

    /// Starts a daemon child, whatever this thread is.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        start(&self.handles, true, body);
    }
}
