//! Intermediate: a `Runtime` that follows Python's exit rules. `shutdown` waits for every non-daemon
//! thread (also those started by other threads while it waits) and abandons the daemons; a thread
//! started from a daemon is a daemon too.
//!
//! A thread's body receives a [`Context`]: its way to ask whether it is a daemon and to start
//! children of its own. That is how a body spawns, since Rust has no `threading.current_thread()`
//! that could carry a daemon flag around for us.

// BEGIN SOLUTION (comment): import what you need (Arc, Mutex, thread, JoinHandle, ... from crate::sync and crate::thread)
use crate::sync::{Arc, Mutex, MutexGuard, PoisonError};
use crate::thread::{self, JoinHandle};
// END SOLUTION

/// What [`Runtime::shutdown`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownReport {
    /// How many non-daemon threads shutdown joined: every one ever started, including those that
    /// panicked.
    pub joined: usize,
    /// How many of those ended with a panic.
    pub panicked: usize,
}

/// Starts threads under Python's exit rules: [`Runtime::shutdown`] joins every non-daemon thread
/// and leaves the daemons running (the process ending soon after kills them).
#[derive(Debug, Default)]
pub struct Runtime {
    // BEGIN SOLUTION (comment): what the runtime remembers (the handles to join), shared with every Context
    shared: Arc<Shared>,
    // END SOLUTION
}

/// Given to every thread body: tells it whether its thread is a daemon and lets it start children.
#[derive(Debug, Clone)]
pub struct Context {
    // BEGIN SOLUTION (comment): what a body needs to spawn (the runtime's shared state, its daemon flag)
    shared: Arc<Shared>,
    daemon: bool,
    // END SOLUTION
}

impl Runtime {
    /// A runtime with no threads yet.
    pub fn new() -> Self {
        // BEGIN SOLUTION: create an empty runtime
        Self::default()
        // END SOLUTION
    }

    /// Starts a non-daemon thread running `body`: [`Runtime::shutdown`] waits for it.
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        // BEGIN SOLUTION: start a non-daemon thread
        launch(&self.shared, false, body);
        // END SOLUTION
    }

    /// Starts a daemon thread running `body`: nobody waits for it.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        // BEGIN SOLUTION: start a daemon thread
        launch(&self.shared, true, body);
        // END SOLUTION
    }

    /// Joins every non-daemon thread, including the ones that other non-daemon threads start while
    /// shutdown is waiting, and returns what it joined. Never waits for a daemon. A thread that
    /// panicked is counted in the report; it does not stop shutdown from joining the others.
    pub fn shutdown(self) -> ShutdownReport {
        // BEGIN SOLUTION: join non-daemon threads until none is left (joining one may reveal new ones)
        let mut report = ShutdownReport::default();
        loop {
            // Take the handles out and release the lock before joining: a thread being joined may
            // need the lock to register a child.
            let batch = std::mem::take(&mut *self.shared.lock());
            if batch.is_empty() {
                // Every non-daemon thread has finished, so none is left that could start another.
                return report;
            }
            for handle in batch {
                report.joined += 1;
                if handle.join().is_err() {
                    report.panicked += 1;
                }
            }
        }
        // END SOLUTION
    }
}

impl Context {
    /// Whether the thread running this body is a daemon.
    pub fn is_daemon(&self) -> bool {
        // BEGIN SOLUTION: return this thread's daemon flag
        self.daemon
        // END SOLUTION
    }

    /// Starts a child that inherits this thread's kind, as in Python: a daemon's child is a daemon,
    /// a non-daemon's child is a non-daemon (and shutdown waits for it).
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        // BEGIN SOLUTION: start a child of the same kind as this thread
        launch(&self.shared, self.daemon, body);
        // END SOLUTION
    }

    /// Starts a daemon child, whatever this thread is.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        // BEGIN SOLUTION: start a daemon child
        launch(&self.shared, true, body);
        // END SOLUTION
    }
}

// BEGIN SOLUTION (comment): add private types and helpers here if you want them
/// The state every `Context` shares with its `Runtime`: the non-daemon threads still to be joined.
#[derive(Debug, Default)]
struct Shared {
    non_daemons: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    /// A `Vec` of handles is whole after any panic, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.non_daemons.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts `body` on a new thread of the given kind. A daemon's handle is dropped on the spot, which
/// detaches the thread: that is all a daemon is in Rust. A non-daemon's handle is kept for shutdown.
fn launch<F>(shared: &Arc<Shared>, daemon: bool, body: F)
where
    F: FnOnce(&Context) + Send + 'static,
{
    let context = Context {
        shared: Arc::clone(shared),
        daemon,
    };
    let handle = thread::spawn(move || body(&context));
    if !daemon {
        // Registered before `launch` returns, so before the parent can finish: when shutdown joins
        // the parent, the child's handle is already in the list.
        shared.lock().push(handle);
    }
}
// END SOLUTION
