//! Intermediate: the `Blocked` state. The body receives a [`ThreadContext`] whose `sleep`, `wait`
//! and `lock` mark the thread `Blocked` while it waits and `Running` again afterwards, and every
//! change of state is recorded in a history that other threads can read.
//!
//! Take threads from `crate::thread` and locks from `crate::sync` (`std`'s, re-exported). [`Event`]
//! is given: you do not need to change it.

use crate::sync::{Condvar, LockResult, Mutex, MutexGuard};
use std::fmt;
use std::time::Duration;

// BEGIN SOLUTION (comment): import what you need from crate::sync and crate::thread (Arc, Builder, ...)
use crate::sync::{Arc, TryLockError};
use crate::thread::{self, Builder, JoinHandle};
use std::panic;
// END SOLUTION

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
    // BEGIN SOLUTION (comment): add what the context needs to update its thread's state and history
    shared: Arc<Shared>,
    // END SOLUTION
}

impl ThreadContext {
    /// Sleeps for `duration`, in state `Blocked`; `Running` again when it returns.
    pub fn sleep(&self, duration: Duration) {
        // BEGIN SOLUTION: mark Blocked, sleep, mark Running
        self.shared.set(ThreadState::Blocked);
        thread::sleep(duration);
        self.shared.set(ThreadState::Running);
        // END SOLUTION
    }

    /// Waits until `event` is set, in state `Blocked`; `Running` again when it returns. An event
    /// that is already set returns at once without entering `Blocked`.
    pub fn wait(&self, event: &Event) {
        // BEGIN SOLUTION: return at once if the event is set; else mark Blocked, wait, mark Running
        if event.is_set() {
            return;
        }
        self.shared.set(ThreadState::Blocked);
        event.wait();
        self.shared.set(ThreadState::Running);
        // END SOLUTION
    }

    /// Locks `mutex`, like `mutex.lock()`. Only if another thread holds it, the thread is `Blocked`
    /// until it gets the lock, and `Running` again before this returns. A free mutex is taken
    /// without entering `Blocked`.
    pub fn lock<'a, T>(&self, mutex: &'a Mutex<T>) -> LockResult<MutexGuard<'a, T>> {
        // BEGIN SOLUTION: try_lock first; only when it would block, mark Blocked, lock, mark Running
        match mutex.try_lock() {
            Ok(guard) => Ok(guard),
            Err(TryLockError::Poisoned(poisoned)) => Err(poisoned),
            Err(TryLockError::WouldBlock) => {
                self.shared.set(ThreadState::Blocked);
                let result = mutex.lock();
                self.shared.set(ThreadState::Running);
                result
            }
        }
        // END SOLUTION
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
    // BEGIN SOLUTION (comment): add fields for the state and history (shared with the thread) and the handle
    shared: Arc<Shared>,
    handle: Option<JoinHandle<T>>,
    // END SOLUTION
}

impl<T: Send + 'static> ManagedThread<T> {
    /// Records `f` as the body of a thread called `name`. Creates no OS thread: the state is `New`
    /// and the history is `[New]`.
    pub fn new(name: impl Into<String>, f: impl FnOnce(&ThreadContext) -> T + Send + 'static) -> Self {
        // BEGIN SOLUTION: keep the name and the body; start in New with the history [New]
        ManagedThread {
            name: name.into(),
            body: Some(Box::new(f)),
            shared: Arc::new(Shared {
                history: Mutex::new(vec![ThreadState::New]),
            }),
            handle: None,
        }
        // END SOLUTION
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
        // BEGIN SOLUTION: refuse a 2nd start; mark Running; spawn body(&context), then mark Terminated
        let body = self.body.take().ok_or(LifecycleError::AlreadyStarted)?;
        self.shared.set(ThreadState::Running); // before the spawn, so it never overwrites a later state
        let context = ThreadContext {
            shared: Arc::clone(&self.shared),
        };
        let handle = Builder::new()
            .name(self.name.clone())
            .spawn(move || {
                // Dropped after the body, also when it panics.
                let finished = MarkTerminated(Arc::clone(&context.shared));
                let value = body(&context);
                drop(finished);
                value
            })
            .expect("the OS could not create a thread");
        self.handle = Some(handle);
        Ok(())
        // END SOLUTION
    }

    /// Where the thread is now.
    pub fn state(&self) -> ThreadState {
        // BEGIN SOLUTION: the last recorded state
        *self.shared.lock().last().expect("the history starts with New")
        // END SOLUTION
    }

    /// Every state the thread has been in, oldest first, each change recorded once: for a body
    /// that waits once, `[New, Running, Blocked, Running, Terminated]` when it has finished.
    pub fn history(&self) -> Vec<ThreadState> {
        // BEGIN SOLUTION: a copy of the recorded history
        self.shared.lock().clone()
        // END SOLUTION
    }

    /// `true` from the moment `start` succeeds until the body has returned or panicked (also while
    /// it is `Blocked`); `false` before `start` and after the end.
    pub fn is_alive(&self) -> bool {
        // BEGIN SOLUTION: alive means Running or Blocked
        matches!(self.state(), ThreadState::Running | ThreadState::Blocked)
        // END SOLUTION
    }

    /// Waits for the body to end and returns its value. `Err(NotStarted)` before `start`,
    /// `Err(AlreadyJoined)` the second time. If the body panicked, `join` panics with the same payload.
    pub fn join(&mut self) -> Result<T, LifecycleError> {
        // BEGIN SOLUTION: NotStarted / AlreadyJoined, or join the handle (resume a panic)
        let Some(handle) = self.handle.take() else {
            return Err(match self.state() {
                ThreadState::New => LifecycleError::NotStarted,
                _ => LifecycleError::AlreadyJoined,
            });
        };
        match handle.join() {
            Ok(value) => Ok(value),
            // Re-raise on the joining thread with the body's own payload.
            Err(payload) => panic::resume_unwind(payload),
        }
        // END SOLUTION
    }
}

// BEGIN SOLUTION (comment): add helper types and functions here if you want them
/// What a thread and its owner share: the history, whose last entry is the current state.
#[derive(Debug)]
struct Shared {
    history: Mutex<Vec<ThreadState>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Vec<ThreadState>> {
        // The history is always a whole Vec, so a poisoned lock is still fine to use.
        self.history
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a change of state (a repeat of the current state is not a change).
    fn set(&self, state: ThreadState) {
        let mut history = self.lock();
        if history.last() != Some(&state) {
            history.push(state);
        }
    }
}

/// Records `Terminated` when dropped: after the body, or while a panic unwinds out of it.
struct MarkTerminated(Arc<Shared>);

impl Drop for MarkTerminated {
    fn drop(&mut self) {
        self.0.set(ThreadState::Terminated);
    }
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
