//! Beginner: a thread object with Python's lifecycle. `new` only records what to run; `start`
//! creates the OS thread, exactly once; `state`, `is_alive` and `ident` report where the thread is.
//!
//! Take threads from `crate::thread` (a `Builder` to name the thread) and locks from `crate::sync`:
//! they are `std::thread` and `std::sync`, re-exported (see the crate docs for why).

use crate::thread::ThreadId;
use std::fmt;

// BEGIN SOLUTION (comment): import what you need from crate::sync and crate::thread (Arc, Mutex, Builder, ...)
use crate::sync::{Arc, Mutex, MutexGuard};
use crate::thread::{Builder, JoinHandle};
use std::panic;
// END SOLUTION

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
    // BEGIN SOLUTION (comment): add fields for the state (shared with the thread), the handle, the id
    /// Shared with the running thread, which writes `Terminated` when the body ends.
    state: Arc<Mutex<ThreadState>>,
    /// `Some` from `start` until `join`.
    handle: Option<JoinHandle<T>>,
    /// The started thread's id; kept after `join`, like Python's `ident`.
    id: Option<ThreadId>,
    // END SOLUTION
}

impl<T: Send + 'static> ManagedThread<T> {
    /// Records `f` as the body of a thread called `name`. Creates no OS thread: the state is `New`.
    pub fn new(name: impl Into<String>, f: impl FnOnce() -> T + Send + 'static) -> Self {
        // BEGIN SOLUTION: keep the name and the body; start in the New state without spawning anything
        ManagedThread {
            name: name.into(),
            body: Some(Box::new(f)),
            state: Arc::new(Mutex::new(ThreadState::New)),
            handle: None,
            id: None,
        }
        // END SOLUTION
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
        // BEGIN SOLUTION: refuse a 2nd start; mark Running; spawn a named thread that marks Terminated
        let body = self.body.take().ok_or(LifecycleError::AlreadyStarted)?;
        // Running is written *before* the spawn: written after it, a body that finishes at once could
        // write Terminated first and then be overwritten, leaving a finished thread "alive" forever.
        *lock(&self.state) = ThreadState::Running;
        let finished = MarkTerminated(Arc::clone(&self.state));
        let handle = Builder::new()
            .name(self.name.clone())
            .spawn(move || {
                // Dropped when the body returns and also when it panics (the drop runs while unwinding).
                let _finished = finished;
                body()
            })
            .expect("the OS could not create a thread");
        self.id = Some(handle.thread().id());
        self.handle = Some(handle);
        Ok(())
        // END SOLUTION
    }

    /// Where the thread is now.
    pub fn state(&self) -> ThreadState {
        // BEGIN SOLUTION: read the shared state
        *lock(&self.state)
        // END SOLUTION
    }

    /// `true` from the moment `start` succeeds until the body has returned or panicked; `false`
    /// before `start` and after the end, whether or not anyone joined (Python's `is_alive()`).
    pub fn is_alive(&self) -> bool {
        // BEGIN SOLUTION: alive means started and not yet finished
        self.state() == ThreadState::Running
        // END SOLUTION
    }

    /// The OS thread's id (`thread::current().id()` inside the body): `None` before `start`, then
    /// `Some`, also after the thread has ended (Python's `ident`).
    pub fn ident(&self) -> Option<ThreadId> {
        // BEGIN SOLUTION: the id recorded by start
        self.id
        // END SOLUTION
    }

    /// Waits for the body to end and returns its value. `Err(NotStarted)` before `start`,
    /// `Err(AlreadyJoined)` the second time. If the body panicked, `join` panics with the same payload.
    /// Afterwards the state is `Terminated`.
    pub fn join(&mut self) -> Result<T, LifecycleError> {
        // BEGIN SOLUTION: NotStarted / AlreadyJoined, or join the handle for the value (resume a panic)
        let Some(handle) = self.handle.take() else {
            return Err(match self.state() {
                ThreadState::New => LifecycleError::NotStarted,
                _ => LifecycleError::AlreadyJoined,
            });
        };
        match handle.join() {
            Ok(value) => Ok(value),
            // Re-raise on the joining thread, payload unchanged, as `join().unwrap()` would not.
            Err(payload) => panic::resume_unwind(payload),
        }
        // END SOLUTION
    }
}

// BEGIN SOLUTION (comment): add helper types and functions here if you want them
/// Writes `Terminated` when dropped: at the end of the body, or while a panic unwinds out of it.
struct MarkTerminated(Arc<Mutex<ThreadState>>);

impl Drop for MarkTerminated {
    fn drop(&mut self) {
        *lock(&self.0) = ThreadState::Terminated;
    }
}

/// Locks the state. A `ThreadState` is always whole, so a poisoned lock is still fine to use.
fn lock(state: &Mutex<ThreadState>) -> MutexGuard<'_, ThreadState> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
// END SOLUTION

impl<T> fmt::Debug for ManagedThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedThread")
            .field("name", &self.name)
            .field("started", &self.body.is_none())
            .finish_non_exhaustive()
    }
}
