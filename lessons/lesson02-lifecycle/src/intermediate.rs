// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: the `Blocked` state. The body receives a [`ThreadContext`] whose `sleep`, `wait`
//! and `lock` mark the thread `Blocked` while it waits and `Running` again afterwards, and every
//! change of state is recorded in a history that other threads can read.
//!
//! Take threads from `crate::thread` and locks from `crate::sync` (`std`'s, re-exported). [`Event`]
//! is given: you do not need to change it.

use crate::sync::{Condvar, LockResult, Mutex, MutexGuard};
use std::fmt;
use std::time::Duration;

// TODO: import what you need from crate::sync and crate::thread (Arc, Builder, ...)

/// Where a [`ManagedThread`] is in its life. Runnable and Running are one state, `Running`: only the
/// OS scheduler knows whether a started thread is on a CPU at this instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadState {
    /// Created, not started: no OS thread exists yet.
    New,
    /// Started and not waiting in a [`ThreadContext`] call (runnable or running: the OS decides).
    Running,
    /// Waiting inside [`ThreadContext::sleep`], [`ThreadContext::wait`] or [`ThreadContext::lock`].
    Blocked,
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

/// A flag that threads can wait for, like Python's `threading.Event` (given: lesson 03 builds one).
#[derive(Debug, Default)]
pub struct Event {
    set: Mutex<bool>,
    changed: Condvar,
}

impl Event {
    /// An event that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag and wakes every thread waiting for it.
    pub fn set(&self) {
        *self.set.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.changed.notify_all();
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        *self.set.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks until the flag is set (returns at once if it already is).
    pub fn wait(&self) {
        let set = self.set.lock().unwrap_or_else(|e| e.into_inner());
        // The loop guards against spurious wake-ups: only a set flag ends the wait.
        let _set = self
            .changed
            .wait_while(set, |set| !*set)
            .unwrap_or_else(|e| e.into_inner());
    }
}

/// What the body of a [`ManagedThread`] receives: blocking calls that report `Blocked` while they wait.
#[derive(Debug)]
pub struct ThreadContext {
    // TODO: add what the context needs to update its thread's state and history
}

impl ThreadContext {
    /// Sleeps for `duration`, in state `Blocked`; `Running` again when it returns.
    pub fn sleep(&self, duration: Duration) {
        // TODO: mark Blocked, sleep, mark Running
        todo!("mark Blocked, sleep, mark Running")
    }

    /// Waits until `event` is set, in state `Blocked`; `Running` again when it returns. An event
    /// that is already set returns at once without entering `Blocked`.
    pub fn wait(&self, event: &Event) {
        // TODO: return at once if the event is set; else mark Blocked, wait, mark Running
        todo!("return at once if the event is set; else mark Blocked, wait, mark Running")
    }

    /// Locks `mutex`, like `mutex.lock()`. Only if another thread holds it, the thread is `Blocked`
    /// until it gets the lock, and `Running` again before this returns. A free mutex is taken
    /// without entering `Blocked`.
    pub fn lock<'a, T>(&self, mutex: &'a Mutex<T>) -> LockResult<MutexGuard<'a, T>> {
        // TODO: try_lock first; only when it would block, mark Blocked, lock, mark Running
        todo!("try_lock first; only when it would block, mark Blocked, lock, mark Running")
    }
}

/// The body of a [`ManagedThread`], boxed so that the struct needs no type parameter for it.
type Body<T> = Box<dyn FnOnce(&ThreadContext) -> T + Send + 'static>;

/// A thread that is created first and started later, whose body can block through a
/// [`ThreadContext`] and whose every change of state is recorded.
pub struct ManagedThread<T> {
    /// The name the OS thread gets.
    name: String,
    /// The body, until `start` takes it out to run it.
    body: Option<Body<T>>,
    // TODO: add fields for the state and history (shared with the thread) and the handle
}

impl<T: Send + 'static> ManagedThread<T> {
    /// Records `f` as the body of a thread called `name`. Creates no OS thread: the state is `New`
    /// and the history is `[New]`.
    pub fn new(name: impl Into<String>, f: impl FnOnce(&ThreadContext) -> T + Send + 'static) -> Self {
        // TODO: keep the name and the body; start in New with the history [New]
        todo!("keep the name and the body; start in New with the history [New]")
    }

    /// The thread's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates the OS thread and runs the body on it with a [`ThreadContext`]. When this returns
    /// `Ok`, the state is `Running` (or later). A second call returns `Err(AlreadyStarted)`.
    ///
    /// # Panics
    ///
    /// If the OS cannot create a thread, like `thread::spawn`.
    pub fn start(&mut self) -> Result<(), LifecycleError> {
        // TODO: refuse a 2nd start; mark Running; spawn body(&context), then mark Terminated
        todo!("refuse a 2nd start; mark Running; spawn body(&context), then mark Terminated")
    }

    /// Where the thread is now.
    pub fn state(&self) -> ThreadState {
        // TODO: the last recorded state
        todo!("the last recorded state")
    }

    /// Every state the thread has been in, oldest first, each change recorded once: for a body
    /// that waits once, `[New, Running, Blocked, Running, Terminated]` when it has finished.
    pub fn history(&self) -> Vec<ThreadState> {
        // TODO: a copy of the recorded history
        todo!("a copy of the recorded history")
    }

    /// `true` from the moment `start` succeeds until the body has returned or panicked (also while
    /// it is `Blocked`); `false` before `start` and after the end.
    pub fn is_alive(&self) -> bool {
        // TODO: alive means Running or Blocked
        todo!("alive means Running or Blocked")
    }

    /// Waits for the body to end and returns its value. `Err(NotStarted)` before `start`,
    /// `Err(AlreadyJoined)` the second time. If the body panicked, `join` panics with the same payload.
    pub fn join(&mut self) -> Result<T, LifecycleError> {
        // TODO: NotStarted / AlreadyJoined, or join the handle (resume a panic)
        todo!("NotStarted / AlreadyJoined, or join the handle (resume a panic)")
    }
}

// TODO: add helper types and functions here if you want them

impl<T> fmt::Debug for ManagedThread<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedThread")
            .field("name", &self.name)
            .field("started", &self.body.is_none())
            .finish_non_exhaustive()
    }
}
