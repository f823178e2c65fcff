//! `std::thread`'s API, hybrid (see [`crate::checked`]): outside a checker run, real OS threads
//! (`std`'s); in a run, shuttle's tasks, with who spawned whom where, when each started, and who
//! joined whom recorded. A thread, a handle, a scope and an id are of the mode they were made in.

use super::{active, current_thread, record, switch};
use crate::log::Op;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use std::thread::{Result, available_parallelism, panicking};

mod local;
mod scope;

pub use local::{AccessError, LocalKey};
pub use scope::{AnyScope, Scope, ScopedJoinHandle, scope};

#[doc(hidden)]
pub use shuttle::thread_local as __shuttle_thread_local;

/// `std::thread_local!`, hybrid: each key holds a `std` thread-local, one per OS thread, used outside
/// a run, and a shuttle one, one per task, used in a run. The same forms as `std`'s: one or more
/// `static NAME: T = expr;`, with attributes and visibility, and `const { expr }` initialisers.
pub use crate::__checked_thread_local as thread_local;

/// A handle to a thread: a real one, or (made in a run) a task.
#[derive(Clone, Debug)]
pub struct Thread(ThreadKind);

#[derive(Clone, Debug)]
enum ThreadKind {
    Std(std::thread::Thread),
    Checked(shuttle::thread::Thread),
}

impl Thread {
    pub fn id(&self) -> ThreadId {
        ThreadId(match &self.0 {
            ThreadKind::Std(thread) => IdKind::Std(thread.id()),
            ThreadKind::Checked(thread) => IdKind::Checked(thread.id()),
        })
    }

    pub fn name(&self) -> Option<&str> {
        match &self.0 {
            ThreadKind::Std(thread) => thread.name(),
            ThreadKind::Checked(thread) => thread.name(),
        }
    }

    pub fn unpark(&self) {
        match &self.0 {
            ThreadKind::Std(thread) => thread.unpark(),
            ThreadKind::Checked(thread) => thread.unpark(),
        }
    }
}

/// A thread's identity: comparable with the ids of threads of the same mode (a real thread's with
/// real threads', a task's with the tasks' of the same run).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ThreadId(IdKind);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum IdKind {
    Std(std::thread::ThreadId),
    Checked(shuttle::thread::ThreadId),
}

impl std::fmt::Debug for ThreadId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            IdKind::Std(id) => id.fmt(f),
            IdKind::Checked(id) => write!(f, "ThreadId({})", usize::from(*id)),
        }
    }
}

/// The running thread: the real one outside a run, the task in one.
pub fn current() -> Thread {
    Thread(if active() {
        ThreadKind::Checked(shuttle::thread::current())
    } else {
        ThreadKind::Std(std::thread::current())
    })
}

/// `std::thread::sleep` outside a run; in a run, a scheduling point (time is not modelled).
pub fn sleep(duration: Duration) {
    if active() {
        shuttle::thread::sleep(duration);
    } else {
        std::thread::sleep(duration);
    }
}

pub fn yield_now() {
    if active() {
        shuttle::thread::yield_now();
    } else {
        std::thread::yield_now();
    }
}

pub fn park() {
    if active() {
        shuttle::thread::park();
    } else {
        std::thread::park();
    }
}

/// `std::thread::park_timeout` outside a run; in a run, `park` (the timeout never passes).
pub fn park_timeout(duration: Duration) {
    if active() {
        shuttle::thread::park_timeout(duration);
    } else {
        std::thread::park_timeout(duration);
    }
}

/// Runs `f` as a new task's body in a run, recording its start, and says when it has ended (returned
/// or unwound) for `is_finished`.
fn started<F: FnOnce() -> T, T>(f: F, finished: Arc<AtomicBool>) -> impl FnOnce() -> T {
    struct Ended(Arc<AtomicBool>);
    impl Drop for Ended {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    move || {
        let _ended = Ended(finished);
        record(Op::Start, None, None);
        f()
    }
}

/// `std::thread::spawn`; in a run, shuttle's, recorded.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// A thread's handle; in a run, `join` is recorded.
pub struct JoinHandle<T> {
    inner: HandleKind<T>,
    thread: Thread,
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

enum HandleKind<T> {
    Std(std::thread::JoinHandle<T>),
    Checked {
        handle: shuttle::thread::JoinHandle<T>,
        finished: Arc<AtomicBool>,
    },
}

impl<T> JoinHandle<T> {
    #[track_caller]
    pub fn join(self) -> Result<T> {
        match self.inner {
            HandleKind::Std(handle) => handle.join(),
            HandleKind::Checked { handle, .. } => {
                let child = handle.thread().id().into();
                let result = handle.join();
                record(Op::Join { child }, None, Some(Location::caller()));
                result
            }
        }
    }

    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Whether the thread has ended; in a run, a scheduling point first, so that a loop polling it
    /// lets the thread run.
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            HandleKind::Std(handle) => handle.is_finished(),
            HandleKind::Checked { finished, .. } => {
                switch();
                finished.load(Ordering::SeqCst)
            }
        }
    }
}

/// `std::thread::Builder`; its `spawn` picks the mode when it is called.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    pub fn name(self, name: String) -> Builder {
        Builder {
            name: Some(name),
            ..self
        }
    }

    pub fn stack_size(self, size: usize) -> Builder {
        Builder {
            stack_size: Some(size),
            ..self
        }
    }

    /// std's builder with this one's name and stack size, for a spawn outside a run.
    fn into_std(self) -> std::thread::Builder {
        let mut builder = std::thread::Builder::new();
        if let Some(name) = self.name {
            builder = builder.name(name);
        }
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        builder
    }

    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        if !active() {
            let handle = self.into_std().spawn(f)?;
            let thread = Thread(ThreadKind::Std(handle.thread().clone()));
            return Ok(JoinHandle {
                inner: HandleKind::Std(handle),
                thread,
            });
        }
        record(Op::Spawn, None, Some(Location::caller()));
        let mut builder = shuttle::thread::Builder::new();
        if let Some(name) = self.name {
            builder = builder.name(name);
        }
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        let finished = Arc::new(AtomicBool::new(false));
        let handle = builder.spawn(started(f, Arc::clone(&finished)))?;
        let thread = Thread(ThreadKind::Checked(handle.thread().clone()));
        Ok(JoinHandle {
            inner: HandleKind::Checked { handle, finished },
            thread,
        })
    }
}

/// The current task's number in the recorded schedule (0 for the test's own thread). Only in a run.
pub fn number() -> usize {
    current_thread()
}
