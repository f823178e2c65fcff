//! Recorded threads: who spawned whom where, when each started, and who joined whom.

use super::{current_thread, record};
use crate::log::Op;
use std::panic::Location;

pub use shuttle::thread::{
    AccessError, LocalKey, Result, Thread, ThreadId, current, panicking, park, park_timeout, sleep, yield_now,
};

/// Runs `f` as a new thread's body, recording its start.
fn started<F: FnOnce() -> T, T>(f: F) -> impl FnOnce() -> T {
    move || {
        record(Op::Start, None, None);
        f()
    }
}

/// `std::thread::spawn` over shuttle's, recorded.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    record(Op::Spawn, None, Some(Location::caller()));
    JoinHandle {
        inner: shuttle::thread::spawn(started(f)),
    }
}

/// A thread's handle; `join` is recorded.
#[derive(Debug)]
pub struct JoinHandle<T> {
    inner: shuttle::thread::JoinHandle<T>,
}

impl<T> JoinHandle<T> {
    #[track_caller]
    pub fn join(self) -> Result<T> {
        let child = self.inner.thread().id().into();
        let result = self.inner.join();
        record(Op::Join { child }, None, Some(Location::caller()));
        result
    }

    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }
}

/// `std::thread::scope` over shuttle's; threads spawned in it are recorded.
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    shuttle::thread::scope(|inner| f(Scope::wrap(inner)))
}

/// A scope for borrowing threads, as `std::thread::Scope`.
#[repr(transparent)]
pub struct Scope<'scope, 'env: 'scope> {
    inner: shuttle::thread::Scope<'scope, 'env>,
}

impl<'scope, 'env> Scope<'scope, 'env> {
    fn wrap(inner: &'scope shuttle::thread::Scope<'scope, 'env>) -> &'scope Scope<'scope, 'env> {
        // SAFETY: `Scope` is `repr(transparent)` over shuttle's scope, so the two references have the
        // same layout, and the lifetime is carried over unchanged.
        unsafe { &*(inner as *const shuttle::thread::Scope<'scope, 'env> as *const Scope<'scope, 'env>) }
    }

    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        record(Op::Spawn, None, Some(Location::caller()));
        ScopedJoinHandle {
            inner: self.inner.spawn(started(f)),
        }
    }
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scope { .. }")
    }
}

/// A scoped thread's handle; `join` is recorded.
pub struct ScopedJoinHandle<'scope, T> {
    inner: shuttle::thread::ScopedJoinHandle<'scope, T>,
}

impl<T> ScopedJoinHandle<'_, T> {
    #[track_caller]
    pub fn join(self) -> Result<T> {
        let child = self.inner.thread().id().into();
        let result = self.inner.join();
        record(Op::Join { child }, None, Some(Location::caller()));
        result
    }

    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }

    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScopedJoinHandle { .. }")
    }
}

/// `std::thread::Builder` over shuttle's; spawns are recorded.
#[derive(Debug)]
pub struct Builder {
    inner: shuttle::thread::Builder,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            inner: shuttle::thread::Builder::new(),
        }
    }

    pub fn name(self, name: String) -> Builder {
        Builder {
            inner: self.inner.name(name),
        }
    }

    pub fn stack_size(self, size: usize) -> Builder {
        Builder {
            inner: self.inner.stack_size(size),
        }
    }

    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        record(Op::Spawn, None, Some(Location::caller()));
        let inner = self.inner.spawn(started(f))?;
        Ok(JoinHandle { inner })
    }
}

/// The current thread's number in the recorded schedule (0 for the test's own thread).
pub fn number() -> usize {
    current_thread()
}
