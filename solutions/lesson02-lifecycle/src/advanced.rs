//! Advanced: a registry of live threads, like Python's `threading.enumerate()`, `active_count()`
//! and `current_thread()`. A thread is listed from the moment it is spawned until its body returns
//! *or panics*; a panic is reported, with its message, by `join`.
//!
//! The registry is a value, not a global: every `Registry::new()` is a separate list, and clones of
//! one registry share its list. So tests (and libraries) that each make their own registry never
//! see each other's threads. Take threads from `crate::thread` and locks from `crate::sync` (`std`'s,
//! re-exported).

use crate::thread::{JoinHandle, ThreadId};
use std::any::Any;
use std::fmt;

// BEGIN SOLUTION (comment): import what you need from crate::sync and crate::thread (Arc, Builder, ...)
use crate::sync::{Arc, Mutex, MutexGuard};
use crate::thread::{self, Builder};
// END SOLUTION

/// One registered thread: its name and its id (`thread::current().id()` inside its body).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThreadInfo {
    /// The name given to [`Registry::spawn`]; the OS thread carries it too.
    pub name: String,
    /// The thread's id.
    pub id: ThreadId,
}

/// What `join` reports when the body panicked: which thread, and the panic's message. Its `Display`
/// (given) names both: `thread '<name>' panicked: <message>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThreadPanicked {
    /// The thread's name.
    pub name: String,
    /// The panic's message: the text given to `panic!` (a `&str` or a `String` payload), or
    /// `"Box<dyn Any>"` for any other payload.
    pub message: String,
}

impl fmt::Display for ThreadPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "thread '{}' panicked: {}", self.name, self.message)
    }
}

impl std::error::Error for ThreadPanicked {}

/// The threads started through it that are still running. Cloning gives another handle to the same
/// list (so a body can take a clone along); `Registry::new()` gives a new, empty list.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    // BEGIN SOLUTION (comment): add a field that clones share and that threads can update
    /// The live threads in the order they were spawned.
    threads: Arc<Mutex<Vec<ThreadInfo>>>,
    // END SOLUTION
}

impl Registry {
    /// A registry with no threads.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spawns a thread called `name` running `f`, listed in this registry before `spawn` returns,
    /// until `f` returns or panics (whether or not anyone joins it).
    ///
    /// # Panics
    ///
    /// If the OS cannot create a thread, like `thread::spawn`.
    pub fn spawn<T, F>(&self, name: impl Into<String>, f: F) -> RegisteredThread<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // BEGIN SOLUTION: list a named thread before returning; unlist it when its body returns or panics
        let name = name.into();
        let registry = self.clone();
        // Holding the list's lock across the spawn: the new thread cannot remove its entry (nor look
        // itself up) before the entry is in, even when its body ends at once.
        let mut threads = self.lock();
        let handle = Builder::new()
            .name(name.clone())
            .spawn(move || {
                // Dropped after the body, also while a panic unwinds out of it.
                let _leave = Leave {
                    registry,
                    id: thread::current().id(),
                };
                f()
            })
            .expect("the OS could not create a thread");
        let info = ThreadInfo {
            name,
            id: handle.thread().id(),
        };
        threads.push(info.clone());
        drop(threads);
        RegisteredThread { info, handle }
        // END SOLUTION
    }

    /// The threads of this registry that are still running, in the order they were spawned.
    pub fn enumerate(&self) -> Vec<ThreadInfo> {
        // BEGIN SOLUTION: a copy of the live threads
        self.lock().clone()
        // END SOLUTION
    }

    /// How many threads of this registry are still running.
    pub fn active_count(&self) -> usize {
        // BEGIN SOLUTION: the number of live threads
        self.lock().len()
        // END SOLUTION
    }

    /// The entry of the thread that calls this, if it is a running thread of this registry; `None`
    /// on any other thread (such as `main`).
    pub fn current(&self) -> Option<ThreadInfo> {
        // BEGIN SOLUTION: find the calling thread's id in the list
        let id = thread::current().id();
        self.lock().iter().find(|info| info.id == id).cloned()
        // END SOLUTION
    }

    // BEGIN SOLUTION (comment): add private helpers here if you want them
    fn lock(&self) -> MutexGuard<'_, Vec<ThreadInfo>> {
        // Entries are pushed and removed whole, so a poisoned list is still consistent.
        self.threads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    // END SOLUTION
}

/// A thread started by [`Registry::spawn`]. Dropping it detaches the thread; it still leaves the
/// registry when its body ends.
#[derive(Debug)]
pub struct RegisteredThread<T> {
    info: ThreadInfo,
    handle: JoinHandle<T>,
}

impl<T> RegisteredThread<T> {
    /// The thread's name and id, as the registry lists them.
    pub fn info(&self) -> &ThreadInfo {
        &self.info
    }

    /// Waits for the thread and returns the body's value, or the panic with its message.
    pub fn join(self) -> Result<T, ThreadPanicked> {
        // BEGIN SOLUTION: join the handle; turn a panic payload into a ThreadPanicked with its message
        self.handle.join().map_err(|payload| ThreadPanicked {
            name: self.info.name,
            message: panic_message(payload),
        })
        // END SOLUTION
    }
}

/// The text of a panic payload: `panic!("literal")` gives a `&'static str`, `panic!("{x}")` a
/// `String`, and `std::panic::panic_any` anything at all.
pub fn panic_message(payload: Box<dyn Any + Send>) -> String {
    // BEGIN SOLUTION: downcast to &str, then String; anything else is "Box<dyn Any>"
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(text) => (*text).to_owned(),
            Err(_) => "Box<dyn Any>".to_owned(),
        },
    }
    // END SOLUTION
}

// BEGIN SOLUTION (comment): add helper types here if you want them
/// Removes its thread from the registry when dropped: when the body returns or panics.
struct Leave {
    registry: Registry,
    id: ThreadId,
}

impl Drop for Leave {
    fn drop(&mut self) {
        self.registry.lock().retain(|info| info.id != self.id);
    }
}
// END SOLUTION
