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
use std::panic::{self, AssertUnwindSafe};

/// What a thread, its context and its `ManagedThread` share: the list of states it went through.
#[derive(Debug)]
struct Shared {
    states: Mutex<Vec<ThreadState>>,
}

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared { states: Mutex::new(vec![ThreadState::New]) })
    }

    fn states(&self) -> MutexGuard<'_, Vec<ThreadState>> {
        self.states.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn enter(&self, state: ThreadState) {
        self.states().push(state);
    }

    fn now(&self) -> ThreadState {
        *self.states().last().expect("the history starts with New")
    }

    /// Runs `wait` as `Blocked`, then marks `Running` again.
    fn blocked<R>(&self, wait: impl FnOnce() -> R) -> R {
        self.enter(ThreadState::Blocked);
        let result = wait();
        self.enter(ThreadState::Running);
        result
    }
}

/// Where the OS thread side of a `ManagedThread` is.
enum Stage<T> {
    Unstarted,
    Started(JoinHandle<T>),
    Joined,
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
    shared: Arc<Shared>,
}

impl ThreadContext {
    /// Sleeps for `duration`, in state `Blocked`; `Running` again when it returns.
    pub fn sleep(&self, duration: Duration) {
        self.shared.blocked(|| thread::sleep(duration));
    }

    /// Waits until `event` is set, in state `Blocked`; `Running` again when it returns. An event
    /// that is already set returns at once without entering `Blocked`.
    pub fn wait(&self, event: &Event) {
        if !event.is_set() {
            self.shared.blocked(|| event.wait());
        }
    }

    /// Locks `mutex`, like `mutex.lock()`. Only if another thread holds it, the thread is `Blocked`
    /// until it gets the lock, and `Running` again before this returns. A free mutex is taken
    /// without entering `Blocked`.
    pub fn lock<'a, T>(&self, mutex: &'a Mutex<T>) -> LockResult<MutexGuard<'a, T>> {
        match mutex.try_lock() {
            Err(TryLockError::WouldBlock) => self.shared.blocked(|| mutex.lock()),
            Err(TryLockError::Poisoned(poisoned)) => Err(poisoned),
            Ok(guard) => Ok(guard),
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
    shared: Arc<Shared>,
    stage: Stage<T>,
}

impl<T: Send + 'static> ManagedThread<T> {
    /// Records `f` as the body of a thread called `name`. Creates no OS thread: the state is `New`
    /// and the history is `[New]`.
    pub fn new(name: impl Into<String>, f: impl FnOnce(&ThreadContext) -> T + Send + 'static) -> Self {
        ManagedThread {
            name: name.into(),
            body: Some(Box::new(f)),
            shared: Shared::new(),
            stage: Stage::Unstarted,
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
        if !matches!(self.stage, Stage::Unstarted) {
            return Err(LifecycleError::AlreadyStarted);
        }
        let Some(body) = self.body.take() else {
            return Err(LifecycleError::AlreadyStarted);
        };
        self.shared.enter(ThreadState::Running);
        let shared = Arc::clone(&self.shared);
        let handle = Builder::new()
            .name(self.name.clone())
            .spawn(move || {
                let context = ThreadContext { shared };
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(&context)));
                context.shared.enter(ThreadState::Terminated);
                match outcome {
                    Ok(value) => value,
                    Err(payload) => panic::resume_unwind(payload),
                }
            })
            .expect("failed to spawn thread");
        self.stage = Stage::Started(handle);
        Ok(())
    }

    /// Where the thread is now.
    pub fn state(&self) -> ThreadState {
        self.shared.now()
    }

    /// Every state the thread has been in, oldest first, each change recorded once: for a body
    /// that waits once, `[New, Running, Blocked, Running, Terminated]` when it has finished.
    pub fn history(&self) -> Vec<ThreadState> {
        self.shared.states().to_vec()
    }

    /// `true` from the moment `start` succeeds until the body has returned or panicked (also while
    /// it is `Blocked`); `false` before `start` and after the end.
    pub fn is_alive(&self) -> bool {
        !matches!(self.state(), ThreadState::New | ThreadState::Terminated)
    }

    /// Waits for the body to end and returns its value. `Err(NotStarted)` before `start`,
    /// `Err(AlreadyJoined)` the second time. If the body panicked, `join` panics with the same payload.
    pub fn join(&mut self) -> Result<T, LifecycleError> {
        match std::mem::replace(&mut self.stage, Stage::Joined) {
            Stage::Unstarted => {
                self.stage = Stage::Unstarted;
                Err(LifecycleError::NotStarted)
            }
            Stage::Joined => Err(LifecycleError::AlreadyJoined),
            Stage::Started(handle) => match handle.join() {
                Ok(value) => Ok(value),
                Err(payload) => panic::resume_unwind(payload),
            },
        }
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
