// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a thread object with Python's lifecycle. `new` only records what to run; `start`
//! creates the OS thread, exactly once; `state`, `is_alive` and `ident` report where the thread is.
//!
//! Take threads from `crate::thread` (a `Builder` to name the thread) and locks from `crate::sync`:
//! they are `std::thread` and `std::sync`, re-exported (see the crate docs for why).

use crate::thread::ThreadId;
use std::fmt;

use crate::sync::Arc;
use crate::sync::atomic::{AtomicU8, Ordering};
use crate::thread::{Builder, JoinHandle};
use std::panic::{self, AssertUnwindSafe};

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
    /// The state as one of the `NEW`, `RUNNING`, `TERMINATED` codes, shared with the thread.
    state: Arc<AtomicU8>,
    /// Where the OS thread is, from our side.
    phase: Phase<T>,
    /// The thread's id, recorded by `start`.
    id: Option<ThreadId>,
}

impl<T: Send + 'static> ManagedThread<T> {
    /// Records `f` as the body of a thread called `name`. Creates no OS thread: the state is `New`.
    pub fn new(name: impl Into<String>, f: impl FnOnce() -> T + Send + 'static) -> Self {
        ManagedThread {
            name: name.into(),
            body: Some(Box::new(f)),
            state: Arc::new(AtomicU8::new(NEW)),
            phase: Phase::NotStarted,
            id: None,
        }
    }

    /// The thread's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates the OS thread (named after this thread) and runs the body on it. When this returns
    /// `Ok`, the state is `Running`. A second call, at any time, returns
    /// `Err(LifecycleError::AlreadyStarted)` and starts nothing.
    ///
    /// # Panics
    ///
    /// If the OS cannot create a thread, like `thread::spawn`.
    pub fn start(&mut self) -> Result<(), LifecycleError> {
        let Some(body) = self.body.take() else {
            return Err(LifecycleError::AlreadyStarted);
        };
        self.state.store(RUNNING, Ordering::SeqCst);
        let state = Arc::clone(&self.state);
        let handle = Builder::new()
            .name(self.name.clone())
            .spawn(move || {
                let outcome = panic::catch_unwind(AssertUnwindSafe(body));
                state.store(TERMINATED, Ordering::SeqCst);
                match outcome {
                    Ok(value) => value,
                    Err(payload) => panic::resume_unwind(payload),
                }
            })
            .expect("the OS could not create a thread");
        self.id = Some(handle.thread().id());
        self.phase = Phase::Started(handle);
        Ok(())
    }

    /// Where the thread is now.
    pub fn state(&self) -> ThreadState {
        match self.state.load(Ordering::SeqCst) {
            NEW => ThreadState::New,
            RUNNING => ThreadState::Running,
            _ => ThreadState::Terminated,
        }
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
        match std::mem::replace(&mut self.phase, Phase::Joined) {
            Phase::NotStarted => {
                self.phase = Phase::NotStarted;
                Err(LifecycleError::NotStarted)
            }
            Phase::Joined => Err(LifecycleError::AlreadyJoined),
            Phase::Started(handle) => match handle.join() {
                Ok(value) => Ok(value),
                Err(payload) => panic::resume_unwind(payload),
            },
        }
    }
}

const NEW: u8 = 0;
const RUNNING: u8 = 1;
const TERMINATED: u8 = 2;

/// The OS thread as seen by its owner.
enum Phase<T> {
    /// `start` has not been called.
    NotStarted,
    /// Started; the handle waits to be joined.
    Started(JoinHandle<T>),
    /// `join` has handed out the result.
    Joined,
}

impl<T> fmt::Debug for ManagedThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedThread")
            .field("name", &self.name)
            .field("started", &self.body.is_none())
            .finish_non_exhaustive()
    }
}
