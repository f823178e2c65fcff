//! A recorded `Mutex`: who locked it where, and who unlocked it.

use super::super::{current_thread, object, record};
use crate::log::{self, Object, Op, Place};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// `std::sync::Mutex`'s API over shuttle's, recorded.
pub struct Mutex<T: ?Sized> {
    made_at: &'static Location<'static>,
    inner: shuttle::sync::Mutex<T>,
}

/// The guard of a [`Mutex`]; the lock is released (and recorded as such) when it drops.
pub struct MutexGuard<'a, T: ?Sized> {
    // `None` only while a `Condvar` holds the inner guard during a wait.
    pub(super) inner: Option<shuttle::sync::MutexGuard<'a, T>>,
    pub(super) lock: Object,
}

impl<T> Mutex<T> {
    #[track_caller]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            made_at: Location::caller(),
            inner: shuttle::sync::Mutex::new(value),
        }
    }

    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    pub(super) fn object(&self) -> Object {
        object(self, "Mutex", self.made_at)
    }

    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let at = Location::caller();
        let lock = self.object();
        log::pending(current_thread(), Some((lock, Place::from(at))));
        let result = self.inner.lock();
        log::pending(current_thread(), None);
        record(Op::Lock, Some(lock), Some(at));
        wrap(result, lock)
    }

    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let lock = self.object();
        match self.inner.try_lock() {
            Ok(guard) => {
                record(Op::Lock, Some(lock), Some(Location::caller()));
                Ok(MutexGuard {
                    inner: Some(guard),
                    lock,
                })
            }
            Err(TryLockError::Poisoned(p)) => {
                record(Op::Lock, Some(lock), Some(Location::caller()));
                Err(TryLockError::Poisoned(PoisonError::new(MutexGuard {
                    inner: Some(p.into_inner()),
                    lock,
                })))
            }
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        }
    }

    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    pub fn clear_poison(&self) {
        self.inner.clear_poison();
    }
}

/// Wraps shuttle's guard (poisoned or not) in ours.
pub(super) fn wrap<'a, T: ?Sized>(
    result: LockResult<shuttle::sync::MutexGuard<'a, T>>,
    lock: Object,
) -> LockResult<MutexGuard<'a, T>> {
    match result {
        Ok(guard) => Ok(MutexGuard {
            inner: Some(guard),
            lock,
        }),
        Err(p) => Err(PoisonError::new(MutexGuard {
            inner: Some(p.into_inner()),
            lock,
        })),
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            record(Op::Unlock, Some(self.lock), None);
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_deref().expect("a guard holds its lock")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_deref_mut().expect("a guard holds its lock")
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
