#![allow(unused_imports, unused_variables, dead_code)]
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

use crate::sync::{Arc, Mutex, MutexGuard};
use crate::thread::{self, Builder};

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
    /// The live threads in spawn order, shared by every clone and by the threads themselves.
    threads: Arc<Mutex<Vec<ThreadInfo>>>,
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
        let name = name.into();
        let list = Arc::clone(&self.threads);
        let own_name = name.clone();
        let handle = Builder::new()
            .name(name.clone())
            .spawn(move || {
                let me = thread::current().id();
                // register ourselves, and leave again when the body is done (or panics)
                lock(&list).push(ThreadInfo { name: own_name, id: me });
                let _leave = Leave { threads: list, id: me };
                f()
            })
            .expect("failed to spawn thread");
        let info = ThreadInfo { name, id: handle.thread().id() };
        RegisteredThread { info, handle }
    }

    /// The threads of this registry that are still running, in the order they were spawned.
    pub fn enumerate(&self) -> Vec<ThreadInfo> {
        self.list().clone()
    }

    /// How many threads of this registry are still running.
    pub fn active_count(&self) -> usize {
        self.list().len()
    }

    /// The entry of the thread that calls this, if it is a running thread of this registry; `None`
    /// on any other thread (such as `main`).
    pub fn current(&self) -> Option<ThreadInfo> {
        let me = thread::current().id();
        self.list().iter().find(|info| info.id == me).cloned()
    }

    fn list(&self) -> MutexGuard<'_, Vec<ThreadInfo>> {
        lock(&self.threads)
    }
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
        let name = self.info.name;
        self.handle.join().map_err(|payload| ThreadPanicked {
            name,
            message: panic_message(payload),
        })
    }
}

/// The text of a panic payload: `panic!("literal")` gives a `&'static str`, `panic!("{x}")` a
/// `String`, and `std::panic::panic_any` anything at all.
pub fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}

/// Locks the list, also if a panic poisoned it (the list itself is always consistent).
fn lock(threads: &Mutex<Vec<ThreadInfo>>) -> MutexGuard<'_, Vec<ThreadInfo>> {
    threads.lock().unwrap_or_else(|e| e.into_inner())
}

/// Owned by a registered thread: takes it off the list when dropped, that is when the body has
/// returned or while a panic unwinds out of it.
struct Leave {
    threads: Arc<Mutex<Vec<ThreadInfo>>>,
    id: ThreadId,
}

impl Drop for Leave {
    fn drop(&mut self) {
        let mut threads = lock(&self.threads);
        if let Some(index) = threads.iter().position(|info| info.id == self.id) {
            threads.remove(index);
        }
    }
}
