//! A hybrid `Mutex`: `std`'s outside a run; in a run, shuttle's scheduling lock first, recorded.

use super::super::{active, lock_gate, object, record};
use crate::log::{Object, Op};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// `std::sync::Mutex`'s API. The value lives in a `std` mutex, used alone outside a run. In a run,
/// every task takes shuttle's gate first (the scheduling point, the blocking and the deadlock
/// detection, recorded) and then the `std` mutex, which is then never contended. Poisoning is
/// `std`'s in both.
pub struct Mutex<T: ?Sized> {
    made_at: &'static Location<'static>,
    gate: shuttle::sync::Mutex<()>,
    data: std::sync::Mutex<T>,
}

/// The guard of a [`Mutex`]; the lock is released (and, in a run, recorded as such) when it drops.
pub struct MutexGuard<'a, T: ?Sized> {
    // Fields drop in this order. Shuttle's gate goes first: its release is a scheduling point *before*
    // the gate is free (shuttle's `BatchSemaphore::release` switches, then releases), and `std`'s
    // half must still be held there, as the data of shuttle's own mutex is: a task scheduled at that
    // point sees the mutex locked (its `Debug` shows `<locked>`). `std`'s half is unlocked right after
    // the gate is free, with no scheduling point in between, so no task can find the gate free and
    // `std`'s half taken.
    /// Shuttle's gate, held in a run (`None` outside, and during a `Condvar` wait).
    pub(super) gate: Option<shuttle::sync::MutexGuard<'a, ()>>,
    /// `None` only while a `Condvar` waits with the guard.
    pub(super) data: Option<std::sync::MutexGuard<'a, T>>,
    /// The lock as the log knows it, when the guard was taken in a run.
    pub(super) lock: Option<Object>,
    pub(super) mutex: &'a Mutex<T>,
}

impl<T> Mutex<T> {
    #[track_caller]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            made_at: Location::caller(),
            gate: shuttle::sync::Mutex::new(()),
            data: std::sync::Mutex::new(value),
        }
    }

    pub fn into_inner(self) -> LockResult<T> {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    pub(super) fn object(&self) -> Object {
        object(self, "Mutex", self.made_at)
    }

    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        if !active() {
            return self.wrap(self.data.lock(), None, None);
        }
        let lock = self.object();
        let gate = lock_gate(&self.gate, lock);
        self.wrap(self.data.lock(), Some(gate), Some(lock))
    }

    /// `std`'s half locked after the gate (in a run) or alone, as a guard of ours.
    pub(super) fn wrap<'a>(
        &'a self,
        data: LockResult<std::sync::MutexGuard<'a, T>>,
        gate: Option<shuttle::sync::MutexGuard<'a, ()>>,
        lock: Option<Object>,
    ) -> LockResult<MutexGuard<'a, T>> {
        let ours = |data| MutexGuard {
            data: Some(data),
            gate,
            lock,
            mutex: self,
        };
        match data {
            Ok(data) => Ok(ours(data)),
            Err(p) => Err(PoisonError::new(ours(p.into_inner()))),
        }
    }

    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let ours = |data, gate, lock| MutexGuard {
            data: Some(data),
            gate,
            lock,
            mutex: self,
        };
        if !active() {
            return match self.data.try_lock() {
                Ok(data) => Ok(ours(data, None, None)),
                Err(TryLockError::Poisoned(p)) => Err(TryLockError::Poisoned(PoisonError::new(ours(
                    p.into_inner(),
                    None,
                    None,
                )))),
                Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
            };
        }
        let lock = self.object();
        let gate = match self.gate.try_lock() {
            Ok(gate) => gate,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return Err(TryLockError::WouldBlock),
        };
        // Free unless a real thread outside the run holds it.
        let result = match self.data.try_lock() {
            Ok(data) => Ok(ours(data, Some(gate), Some(lock))),
            Err(TryLockError::Poisoned(p)) => Err(TryLockError::Poisoned(PoisonError::new(ours(
                p.into_inner(),
                Some(gate),
                Some(lock),
            )))),
            Err(TryLockError::WouldBlock) => return Err(TryLockError::WouldBlock),
        };
        record(Op::Lock, Some(lock), Some(Location::caller()));
        result
    }

    /// `std`'s half alone: after a `Condvar` wait in a run, whose gate is already held again.
    pub(super) fn data_lock(&self) -> LockResult<std::sync::MutexGuard<'_, T>> {
        self.data.lock()
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

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if let (Some(lock), Some(_)) = (self.lock, &self.data) {
            record(Op::Unlock, Some(lock), None);
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.data.as_deref().expect("a guard holds its lock")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data.as_deref_mut().expect("a guard holds its lock")
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
        self.data.fmt(f)
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
