//! A recorded `RwLock`: read and write locks with their lines.

use super::super::{current_thread, object, record};
use crate::log::{self, Object, Op, Place};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// `std::sync::RwLock`'s API over shuttle's, recorded.
pub struct RwLock<T: ?Sized> {
    made_at: &'static Location<'static>,
    inner: shuttle::sync::RwLock<T>,
}

/// A read guard; its release is recorded when it drops.
pub struct RwLockReadGuard<'a, T: ?Sized> {
    inner: shuttle::sync::RwLockReadGuard<'a, T>,
    lock: Object,
}

/// A write guard; its release is recorded when it drops.
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    inner: shuttle::sync::RwLockWriteGuard<'a, T>,
    lock: Object,
}

impl<T> RwLock<T> {
    #[track_caller]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            made_at: Location::caller(),
            inner: shuttle::sync::RwLock::new(value),
        }
    }

    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

/// Maps a guard inside a lock result.
fn map<G, H>(result: LockResult<G>, f: impl FnOnce(G) -> H) -> LockResult<H> {
    match result {
        Ok(guard) => Ok(f(guard)),
        Err(p) => Err(PoisonError::new(f(p.into_inner()))),
    }
}

fn map_try<G, H>(result: TryLockResult<G>, f: impl FnOnce(G) -> H) -> TryLockResult<H> {
    match result {
        Ok(guard) => Ok(f(guard)),
        Err(TryLockError::Poisoned(p)) => Err(TryLockError::Poisoned(PoisonError::new(f(p.into_inner())))),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
    }
}

impl<T: ?Sized> RwLock<T> {
    fn object(&self) -> Object {
        object(self, "RwLock", self.made_at)
    }

    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let (at, lock) = (Location::caller(), self.object());
        log::pending(current_thread(), Some((lock, Place::from(at))));
        let result = self.inner.read();
        log::pending(current_thread(), None);
        record(Op::ReadLock, Some(lock), Some(at));
        map(result, |inner| RwLockReadGuard { inner, lock })
    }

    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let (at, lock) = (Location::caller(), self.object());
        log::pending(current_thread(), Some((lock, Place::from(at))));
        let result = self.inner.write();
        log::pending(current_thread(), None);
        record(Op::WriteLock, Some(lock), Some(at));
        map(result, |inner| RwLockWriteGuard { inner, lock })
    }

    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let (at, lock) = (Location::caller(), self.object());
        let result = map_try(self.inner.try_read(), |inner| RwLockReadGuard { inner, lock });
        if !matches!(result, Err(TryLockError::WouldBlock)) {
            record(Op::ReadLock, Some(lock), Some(at));
        }
        result
    }

    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let (at, lock) = (Location::caller(), self.object());
        let result = map_try(self.inner.try_write(), |inner| RwLockWriteGuard { inner, lock });
        if !matches!(result, Err(TryLockError::WouldBlock)) {
            record(Op::WriteLock, Some(lock), Some(at));
        }
        result
    }

    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        record(Op::Unlock, Some(self.lock), None);
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        record(Op::Unlock, Some(self.lock), None);
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
