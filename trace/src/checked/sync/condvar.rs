//! A recorded `Condvar`: waits (which release the mutex), wake-ups and notifications.

use super::super::{object, record};
use super::mutex::{MutexGuard, wrap};
use crate::log::Op;
use std::panic::Location;
use std::sync::LockResult;
use std::time::Duration;

/// `std::sync::Condvar`'s API over shuttle's, recorded.
pub struct Condvar {
    made_at: &'static Location<'static>,
    inner: shuttle::sync::Condvar,
}

impl Condvar {
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            made_at: Location::caller(),
            inner: shuttle::sync::Condvar::new(),
        }
    }

    /// Takes shuttle's guard out of ours for the wait; the mutex is released meanwhile.
    fn release<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        at: &'static Location<'static>,
    ) -> (shuttle::sync::MutexGuard<'a, T>, crate::log::Object) {
        let lock = guard.lock;
        record(Op::Wait, Some(object(self, "Condvar", self.made_at)), Some(at));
        // The wait releases the mutex: the deadlock analysis must know it is free meanwhile.
        record(Op::Unlock, Some(lock), Some(at));
        (guard.inner.take().expect("a guard holds its lock"), lock)
    }

    fn woken(&self, lock: crate::log::Object, at: &'static Location<'static>) {
        record(Op::Woken, Some(object(self, "Condvar", self.made_at)), Some(at));
        record(Op::Lock, Some(lock), Some(at));
    }

    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let at = Location::caller();
        let (inner, lock) = self.release(guard, at);
        let result = self.inner.wait(inner);
        self.woken(lock, at);
        wrap(result, lock)
    }

    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let at = Location::caller();
        while condition(&mut *guard) {
            let (inner, lock) = self.release(guard, at);
            let result = self.inner.wait(inner);
            self.woken(lock, at);
            guard = wrap(result, lock)?;
        }
        Ok(guard)
    }

    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, shuttle::sync::WaitTimeoutResult)> {
        let at = Location::caller();
        let (inner, lock) = self.release(guard, at);
        let result = self.inner.wait_timeout(inner, timeout);
        self.woken(lock, at);
        wrap_timed(result, lock)
    }

    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, shuttle::sync::WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let at = Location::caller();
        let (inner, lock) = self.release(guard, at);
        let result = self.inner.wait_timeout_while(inner, timeout, &mut condition);
        self.woken(lock, at);
        wrap_timed(result, lock)
    }

    #[track_caller]
    pub fn notify_one(&self) {
        record(
            Op::Notify { all: false },
            Some(object(self, "Condvar", self.made_at)),
            Some(Location::caller()),
        );
        self.inner.notify_one();
    }

    #[track_caller]
    pub fn notify_all(&self) {
        record(
            Op::Notify { all: true },
            Some(object(self, "Condvar", self.made_at)),
            Some(Location::caller()),
        );
        self.inner.notify_all();
    }
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Condvar {
        Condvar::new()
    }
}

impl std::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Condvar { .. }")
    }
}

/// Wraps shuttle's guard of a timed wait (poisoned or not) in ours.
fn wrap_timed<'a, T>(
    result: LockResult<(shuttle::sync::MutexGuard<'a, T>, shuttle::sync::WaitTimeoutResult)>,
    lock: crate::log::Object,
) -> LockResult<(MutexGuard<'a, T>, shuttle::sync::WaitTimeoutResult)> {
    let ours = |(inner, timed_out)| {
        (
            MutexGuard {
                inner: Some(inner),
                lock,
            },
            timed_out,
        )
    };
    match result {
        Ok(pair) => Ok(ours(pair)),
        Err(p) => Err(std::sync::PoisonError::new(ours(p.into_inner()))),
    }
}
