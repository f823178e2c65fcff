// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: a `Runtime` that follows Python's exit rules. `shutdown` waits for every non-daemon
//! thread (also those started by other threads while it waits) and abandons the daemons; a thread
//! started from a daemon is a daemon too.
//!
//! A thread's body receives a [`Context`]: its way to ask whether it is a daemon and to start
//! children of its own. That is how a body spawns, since Rust has no `threading.current_thread()`
//! that could carry a daemon flag around for us.

// TODO: import what you need (Arc, Mutex, thread, JoinHandle, ... from crate::sync and crate::thread)

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
    // TODO: what the runtime remembers (the handles to join), shared with every Context
}

/// Given to every thread body: tells it whether its thread is a daemon and lets it start children.
#[derive(Debug, Clone)]
pub struct Context {
    // TODO: what a body needs to spawn (the runtime's shared state, its daemon flag)
}

impl Runtime {
    /// A runtime with no threads yet.
    pub fn new() -> Self {
        // TODO: create an empty runtime
        todo!("create an empty runtime")
    }

    /// Starts a non-daemon thread running `body`: [`Runtime::shutdown`] waits for it.
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        // TODO: start a non-daemon thread
        todo!("start a non-daemon thread")
    }

    /// Starts a daemon thread running `body`: nobody waits for it.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        // TODO: start a daemon thread
        todo!("start a daemon thread")
    }

    /// Joins every non-daemon thread, including the ones that other non-daemon threads start while
    /// shutdown is waiting, and returns what it joined. Never waits for a daemon. A thread that
    /// panicked is counted in the report; it does not stop shutdown from joining the others.
    pub fn shutdown(self) -> ShutdownReport {
        // TODO: join non-daemon threads until none is left (joining one may reveal new ones)
        todo!("join non-daemon threads until none is left (joining one may reveal new ones)")
    }
}

impl Context {
    /// Whether the thread running this body is a daemon.
    pub fn is_daemon(&self) -> bool {
        // TODO: return this thread's daemon flag
        todo!("return this thread's daemon flag")
    }

    /// Starts a child that inherits this thread's kind, as in Python: a daemon's child is a daemon,
    /// a non-daemon's child is a non-daemon (and shutdown waits for it).
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        // TODO: start a child of the same kind as this thread
        todo!("start a child of the same kind as this thread")
    }

    /// Starts a daemon child, whatever this thread is.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        // TODO: start a daemon child
        todo!("start a daemon child")
    }
}

// TODO: add private types and helpers here if you want them
