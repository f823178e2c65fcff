#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a thread object with Python's lifecycle. `new` only records what to run; `start`
//! creates the OS thread, exactly once; `state`, `is_alive` and `ident` report where the thread is.
//!
//! Take threads from `crate::thread` (a `Builder` to name the thread) and locks from `crate::sync`:
//! they are `std::thread` and `std::sync`, re-exported (see the crate docs for why).


use crate::thread::ThreadId;
use std::fmt;

use crate::sync::{Arc, Mutex, MutexGuard};
use crate::thread::{Builder, JoinHandle};

/// Where a [`ManagedThread`] is in its life.
///
/// Python's tutorials list five states: New, Runnable, Running, Blocked, Terminated. This tier
/// keeps three. Runnable and Running are one state, `Running`, because only the OS scheduler knows
/// whether a started thread is on a CPU at this instant; and nothing here can tell when a thread
/// waits (the intermediate tier adds `Blocked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadState {
    /// Created, not started: no OS thread exists yet.
    New,
    /// Started, and the body has not finished yet (runnable or running: the OS decides).
    Running,
    /// The body has returned or panicked.
    Terminated,
}

/// Why a lifecycle call was refused. Its `Display` (given) is a message for people, a different one
/// for each case, like Python's `RuntimeError("threads can only be started once")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifecycleError {
    /// `start` was called on a thread that was started before (Python raises `RuntimeError`).
    AlreadyStarted,
    /// `join` was called on a thread that was never started.
    NotStarted,
    /// `join` was called a second time: the result was already handed out.
    AlreadyJoined,
}

impl fmt::Display for LifecycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LifecycleError::AlreadyStarted => "threads can only be started once",
            LifecycleError::NotStarted => "cannot join a thread before it is started",
            LifecycleError::AlreadyJoined => "the thread was already joined",
        })
    }
}

impl std::error::Error for LifecycleError {}

/// A thread that is created first and started later, like Python's `threading.Thread`.
pub struct ManagedThread<T> {
    /// The name the OS thread gets (`thread::current().name()` inside the body).
    name: String,
    /// The body, until `start` takes it out to run it.
    body: Option<Box<dyn FnOnce() -> T + Send + 'static>>,
    /// Shared with the thread: it writes `Terminated` when the body ends.
    state: Arc<Mutex<ThreadState>>,
    /// The running thread, until `join` takes it.
    handle: Option<JoinHandle<T>>,
    /// The OS thread's id, once started.
    id: Option<ThreadId>,
}

impl<T: Send + 'static> ManagedThread<T> {
    /// Records `f` as the body of a thread called `name`. Creates no OS thread: the state is `New`.
    pub fn new(name: impl Into<String>, f: impl FnOnce() -> T + Send + 'static) -> Self {
        ManagedThread {
            name: name.into(),
            body: Some(Box::new(f)),
            state: Arc::new(Mutex::new(ThreadState::New)),
            handle: None,
            id: None,
        }
    }

    /// The thread's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates the OS thread (named after this thread) and runs the body on it. When this returns
    /// `Ok`, the state is `Running` (or already `Terminated`, when the body has ended that soon). A
    /// second call, at any time, returns `Err(LifecycleError::AlreadyStarted)` and starts nothing.
    ///
    /// # Panics
    ///
    /// If the OS cannot create a thread, like `thread::spawn`.
    pub fn start(&mut self) -> Result<(), LifecycleError> {
        let body = match self.body.take() {
            Some(body) => body,
            None => return Err(LifecycleError::AlreadyStarted),
        };
        let finished = Finished(Arc::clone(&self.state));
        let handle = Builder::new()
            .name(self.name.clone())
            .spawn(move || {
                let _finished = finished;
                body()
            })
            .expect("failed to spawn thread");
        self.id = Some(handle.thread().id());
        self.handle = Some(handle);
        // the thread is up now
        *lock(&self.state) = ThreadState::Running;
        Ok(())
    }

    /// Where the thread is now.
    pub fn state(&self) -> ThreadState {
        *lock(&self.state)
    }

    /// `true` from the moment `start` succeeds until the body has returned or panicked; `false`
    /// before `start` and after the end, whether or not anyone joined (Python's `is_alive()`).
    pub fn is_alive(&self) -> bool {
        self.state() == ThreadState::Running
    }

    /// The OS thread's id (`thread::current().id()` inside the body): `None` before `start`, then
    /// `Some`, also after the thread has ended (Python's `ident`).
    pub fn ident(&self) -> Option<ThreadId> {
        self.id
    }

    /// Waits for the body to end and returns its value. `Err(NotStarted)` before `start`,
    /// `Err(AlreadyJoined)` the second time. If the body panicked, `join` panics with the same payload.
    /// Afterwards the state is `Terminated`.
    pub fn join(&mut self) -> Result<T, LifecycleError> {
        if self.body.is_some() {
            return Err(LifecycleError::NotStarted);
        }
        let handle = match self.handle.take() {
            Some(handle) => handle,
            None => return Err(LifecycleError::AlreadyJoined),
        };
        match handle.join() {
            Ok(value) => Ok(value),
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

/// Locks the state, also after a panic elsewhere poisoned it (a state is always valid).
fn lock(state: &Mutex<ThreadState>) -> MutexGuard<'_, ThreadState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Owned by the thread: marks it `Terminated` when dropped, after the body returned or while a
/// panic unwinds out of it.
struct Finished(Arc<Mutex<ThreadState>>);

impl Drop for Finished {
    fn drop(&mut self) {
        *lock(&self.0) = ThreadState::Terminated;
    }
}

impl<T> fmt::Debug for ManagedThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedThread")
            .field("name", &self.name)
            .field("started", &self.body.is_none())
            .finish_non_exhaustive()
    }
}
