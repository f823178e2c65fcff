//! A hybrid `RwLock`: `std`'s outside a run; in a run, shuttle's scheduling lock first, its read and
//! write locks recorded with their lines.

use super::super::{active, current_thread, object, record};
use crate::log::{self, Object, Op, Place};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// `std::sync::RwLock`'s API. The value lives in a `std` lock, used alone outside a run; in a run,
/// shuttle's `RwLock<()>` is taken first in the same mode (scheduling, blocking, deadlocks,
/// recording), so `std`'s is then never contended. Poisoning is `std`'s.
pub struct RwLock<T: ?Sized> {
    made_at: &'static Location<'static>,
    gate: shuttle::sync::RwLock<()>,
    data: std::sync::RwLock<T>,
}

/// A read guard; in a run, its release is recorded when it drops.
pub struct RwLockReadGuard<'a, T: ?Sized> {
    // The gate is released first, `std`'s half right after (see `MutexGuard`): at the scheduling
    // point of the gate's release, the lock is still held.
    _gate: Option<shuttle::sync::RwLockReadGuard<'a, ()>>,
    data: std::sync::RwLockReadGuard<'a, T>,
    lock: Option<Object>,
}

/// A write guard; in a run, its release is recorded when it drops.
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    _gate: Option<shuttle::sync::RwLockWriteGuard<'a, ()>>,
    data: std::sync::RwLockWriteGuard<'a, T>,
    lock: Option<Object>,
}

impl<T> RwLock<T> {
    #[track_caller]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            made_at: Location::caller(),
            gate: shuttle::sync::RwLock::new(()),
            data: std::sync::RwLock::new(value),
        }
    }

    pub fn into_inner(self) -> LockResult<T> {
        self.data.into_inner()
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

/// A gate's own poisoning says nothing (it holds no data): `std`'s half reports it.
fn gate<G>(result: TryLockResult<G>) -> Option<G> {
    match result {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

impl<T: ?Sized> RwLock<T> {
    fn object(&self) -> Object {
        object(self, "RwLock", self.made_at)
    }

    /// Takes shuttle's gate with `take`, the wait pending in the log meanwhile, and records `op`.
    #[track_caller]
    fn enter<G>(&self, take: impl FnOnce() -> LockResult<G>, op: Op) -> (G, Object) {
        let (at, lock) = (Location::caller(), self.object());
        log::pending(current_thread(), Some((lock, Place::from(at))));
        let gate = take().unwrap_or_else(PoisonError::into_inner);
        log::pending(current_thread(), None);
        record(op, Some(lock), Some(at));
        (gate, lock)
    }

    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        if !active() {
            return map(self.data.read(), |data| RwLockReadGuard {
                data,
                _gate: None,
                lock: None,
            });
        }
        let (gate, lock) = self.enter(|| self.gate.read(), Op::ReadLock);
        map(self.data.read(), |data| RwLockReadGuard {
            data,
            _gate: Some(gate),
            lock: Some(lock),
        })
    }

    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        if !active() {
            return map(self.data.write(), |data| RwLockWriteGuard {
                data,
                _gate: None,
                lock: None,
            });
        }
        let (gate, lock) = self.enter(|| self.gate.write(), Op::WriteLock);
        map(self.data.write(), |data| RwLockWriteGuard {
            data,
            _gate: Some(gate),
            lock: Some(lock),
        })
    }

    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        if !active() {
            return map_try(self.data.try_read(), |data| RwLockReadGuard {
                data,
                _gate: None,
                lock: None,
            });
        }
        let (at, lock) = (Location::caller(), self.object());
        let Some(gate) = gate(self.gate.try_read()) else {
            return Err(TryLockError::WouldBlock);
        };
        let result = map_try(self.data.try_read(), |data| RwLockReadGuard {
            data,
            _gate: Some(gate),
            lock: Some(lock),
        });
        if !matches!(result, Err(TryLockError::WouldBlock)) {
            record(Op::ReadLock, Some(lock), Some(at));
        }
        result
    }

    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        if !active() {
            return map_try(self.data.try_write(), |data| RwLockWriteGuard {
                data,
                _gate: None,
                lock: None,
            });
        }
        let (at, lock) = (Location::caller(), self.object());
        let Some(gate) = gate(self.gate.try_write()) else {
            return Err(TryLockError::WouldBlock);
        };
        let result = map_try(self.data.try_write(), |data| RwLockWriteGuard {
            data,
            _gate: Some(gate),
            lock: Some(lock),
        });
        if !matches!(result, Err(TryLockError::WouldBlock)) {
            record(Op::WriteLock, Some(lock), Some(at));
        }
        result
    }

    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.data.get_mut()
    }

    pub fn is_poisoned(&self) -> bool {
        self.data.is_poisoned()
    }

    pub fn clear_poison(&self) {
        self.data.clear_poison();
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(lock) = self.lock {
            record(Op::Unlock, Some(lock), None);
        }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(lock) = self.lock {
            record(Op::Unlock, Some(lock), None);
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.data.fmt(f)
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
