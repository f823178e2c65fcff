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

use crate::sync::{Arc, TryLockError};
use crate::thread::{self, Builder, JoinHandle};

/// The history of one thread, shared by the `ManagedThread`, its thread and the context.
type History = Arc<Mutex<Vec<ThreadState>>>;

/// Appends a state to the history (the last entry is the current state).
fn record(history: &History, state: ThreadState) {
    history.lock().unwrap_or_else(|e| e.into_inner()).push(state);
}

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
    history: History,
}

impl ThreadContext {
    /// Sleeps for `duration`, in state `Blocked`; `Running` again when it returns.
    pub fn sleep(&self, duration: Duration) {
        record(&self.history, ThreadState::Blocked);
        thread::sleep(duration);
        record(&self.history, ThreadState::Running);
    }

    /// Waits until `event` is set, in state `Blocked`; `Running` again when it returns. An event
    /// that is already set returns at once without entering `Blocked`.
    pub fn wait(&self, event: &Event) {
        if event.is_set() {
            return;
        }
        record(&self.history, ThreadState::Blocked);
        event.wait();
        record(&self.history, ThreadState::Running);
    }

    /// Locks `mutex`, like `mutex.lock()`. Only if another thread holds it, the thread is `Blocked`
    /// until it gets the lock, and `Running` again before this returns. A free mutex is taken
    /// without entering `Blocked`.
    pub fn lock<'a, T>(&self, mutex: &'a Mutex<T>) -> LockResult<MutexGuard<'a, T>> {
        match mutex.try_lock() {
            Ok(guard) => Ok(guard),
            Err(TryLockError::Poisoned(poisoned)) => Err(poisoned),
            Err(TryLockError::WouldBlock) => {
                record(&self.history, ThreadState::Blocked);
                let result = mutex.lock();
                record(&self.history, ThreadState::Running);
                result
            }
        }
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
    /// Every state so far; the last one is the current state.
    history: History,
    /// The running thread, until `join` takes it.
    handle: Option<JoinHandle<T>>,
    /// Set once `join` has handed out the result.
    joined: bool,
}

impl<T: Send + 'static> ManagedThread<T> {
    /// Records `f` as the body of a thread called `name`. Creates no OS thread: the state is `New`
    /// and the history is `[New]`.
    pub fn new(name: impl Into<String>, f: impl FnOnce(&ThreadContext) -> T + Send + 'static) -> Self {
        ManagedThread {
            name: name.into(),
            body: Some(Box::new(f)),
            history: Arc::new(Mutex::new(vec![ThreadState::New])),
            handle: None,
            joined: false,
        }
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
        let body = self.body.take().ok_or(LifecycleError::AlreadyStarted)?;
        record(&self.history, ThreadState::Running);
        let context = ThreadContext { history: Arc::clone(&self.history) };
        let finished = Finished(Arc::clone(&self.history));
        let handle = Builder::new()
            .name(self.name.clone())
            .spawn(move || {
                let _finished = finished;
                body(&context)
            })
            .expect("failed to spawn thread");
        self.handle = Some(handle);
        Ok(())
    }

    /// Where the thread is now.
    pub fn state(&self) -> ThreadState {
        let history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        history.last().copied().unwrap_or(ThreadState::New)
    }

    /// Every state the thread has been in, oldest first, each change recorded once: for a body
    /// that waits once, `[New, Running, Blocked, Running, Terminated]` when it has finished.
    pub fn history(&self) -> Vec<ThreadState> {
        self.history.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `true` from the moment `start` succeeds until the body has returned or panicked (also while
    /// it is `Blocked`); `false` before `start` and after the end.
    pub fn is_alive(&self) -> bool {
        matches!(self.state(), ThreadState::Running | ThreadState::Blocked)
    }

    /// Waits for the body to end and returns its value. `Err(NotStarted)` before `start`,
    /// `Err(AlreadyJoined)` the second time. If the body panicked, `join` panics with the same payload.
    pub fn join(&mut self) -> Result<T, LifecycleError> {
        let Some(handle) = self.handle.take() else {
            return Err(if self.joined {
                LifecycleError::AlreadyJoined
            } else {
                LifecycleError::NotStarted
            });
        };
        match handle.join() {
            Ok(value) => {
                self.joined = true;
                Ok(value)
            }
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

/// Owned by the thread: records `Terminated` when dropped, after the body returned or while a
/// panic unwinds out of it.
struct Finished(History);

impl Drop for Finished {
    fn drop(&mut self) {
        record(&self.0, ThreadState::Terminated);
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
