//! Hybrid scoped threads. `scope` hands its closure a `&Scope`, which borrows either `std`'s scope
//! or shuttle's for as long as the scope lasts. One type cannot be both, and a value of our own made
//! inside the scope would not live as long as the scoped threads that may use it; so [`Scope`] is a
//! trait object that both scopes coerce to, with `spawn` as its inherent method.

use super::super::{active, record};
use super::{Thread, ThreadKind};
use crate::log::Op;
use std::panic::Location;

mod sealed {
    /// Which scope a [`super::Scope`] is.
    #[allow(missing_debug_implementations)] // never leaves the crate
    pub enum Which<'scope, 'env> {
        Std(&'scope std::thread::Scope<'scope, 'env>),
        Checked(&'scope shuttle::thread::Scope<'scope, 'env>),
    }

    pub trait Sealed {}
}

/// What a [`Scope`] is: `std`'s scope or shuttle's. Only those two implement it.
pub trait AnyScope<'scope, 'env>: Sync + sealed::Sealed {
    #[doc(hidden)]
    fn which(&'scope self) -> sealed::Which<'scope, 'env>;
}

impl sealed::Sealed for std::thread::Scope<'_, '_> {}
impl sealed::Sealed for shuttle::thread::Scope<'_, '_> {}

impl<'scope, 'env> AnyScope<'scope, 'env> for std::thread::Scope<'scope, 'env> {
    fn which(&'scope self) -> sealed::Which<'scope, 'env> {
        sealed::Which::Std(self)
    }
}

impl<'scope, 'env> AnyScope<'scope, 'env> for shuttle::thread::Scope<'scope, 'env> {
    fn which(&'scope self) -> sealed::Which<'scope, 'env> {
        sealed::Which::Checked(self)
    }
}

/// A scope for borrowing threads, as `std::thread::Scope`: `std`'s outside a run, shuttle's in one.
pub type Scope<'scope, 'env> = dyn AnyScope<'scope, 'env> + 'scope;

/// `std::thread::scope`; shuttle's in a run, where the threads spawned in it are recorded.
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    if active() {
        shuttle::thread::scope(|s| f(s))
    } else {
        std::thread::scope(|s| f(s))
    }
}

impl<'scope, 'env> dyn AnyScope<'scope, 'env> + 'scope {
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        match self.which() {
            sealed::Which::Std(scope) => {
                let handle = scope.spawn(f);
                let thread = Thread(ThreadKind::Std(handle.thread().clone()));
                ScopedJoinHandle {
                    inner: Kind::Std(handle),
                    thread,
                }
            }
            sealed::Which::Checked(scope) => {
                record(Op::Spawn, None, Some(Location::caller()));
                let handle = scope.spawn(move || {
                    record(Op::Start, None, None);
                    f()
                });
                let thread = Thread(ThreadKind::Checked(handle.thread().clone()));
                ScopedJoinHandle {
                    inner: Kind::Checked(handle),
                    thread,
                }
            }
        }
    }
}

impl super::Builder {
    /// `std::thread::Builder::spawn_scoped`. In a run the thread is shuttle's, spawned in its scope
    /// without the name or the stack size (shuttle's scope has no builder); outside a run, std's,
    /// with both.
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> std::io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        match scope.which() {
            sealed::Which::Std(std_scope) => {
                let handle = self.into_std().spawn_scoped(std_scope, f)?;
                let thread = Thread(ThreadKind::Std(handle.thread().clone()));
                Ok(ScopedJoinHandle {
                    inner: Kind::Std(handle),
                    thread,
                })
            }
            sealed::Which::Checked(_) => Ok(scope.spawn(f)),
        }
    }
}

impl std::fmt::Debug for dyn AnyScope<'_, '_> + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scope { .. }")
    }
}

/// A scoped thread's handle; in a run, `join` is recorded.
pub struct ScopedJoinHandle<'scope, T> {
    inner: Kind<'scope, T>,
    thread: Thread,
}

enum Kind<'scope, T> {
    Std(std::thread::ScopedJoinHandle<'scope, T>),
    Checked(shuttle::thread::ScopedJoinHandle<'scope, T>),
}

impl<T> ScopedJoinHandle<'_, T> {
    #[track_caller]
    pub fn join(self) -> super::Result<T> {
        match self.inner {
            Kind::Std(handle) => handle.join(),
            Kind::Checked(handle) => {
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

    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Kind::Std(handle) => handle.is_finished(),
            Kind::Checked(handle) => handle.is_finished(),
        }
    }
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScopedJoinHandle { .. }")
    }
}
