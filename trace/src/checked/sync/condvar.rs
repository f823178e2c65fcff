//! A hybrid `Condvar`: `std`'s outside a run; in a run, shuttle's, its waits (which release the
//! mutex), wake-ups and notifications recorded.

use super::super::{active, object, record};
use super::mutex::MutexGuard;
use crate::log::{Object, Op};
use std::panic::Location;
use std::sync::{LockResult, PoisonError};
use std::time::Duration;

/// `std::sync::Condvar`'s API. A wait takes the mode of its guard: a guard locked outside a run
/// waits on `std`'s condition variable, with real timeouts; one locked in a run releases both halves
/// of the mutex and waits on shuttle's, where a timeout never passes (time is not modelled, so a wait
/// that only its timeout would end is reported as a deadlock). A notification goes to the condition
/// variable of the mode it is made in.
pub struct Condvar {
    made_at: &'static Location<'static>,
    std: std::sync::Condvar,
    checked: shuttle::sync::Condvar,
}

/// Whether a timed wait ended because its time passed (never in a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

type TimedResult<'a, T> = LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>;

impl Condvar {
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            made_at: Location::caller(),
            std: std::sync::Condvar::new(),
            checked: shuttle::sync::Condvar::new(),
        }
    }

    fn object(&self) -> Object {
        object(self, "Condvar", self.made_at)
    }

    /// In a run: unlocks both halves of the mutex for the wait (recorded) and hands over the gate.
    fn release<'a, T>(
        &self,
        guard: &mut MutexGuard<'a, T>,
        lock: Object,
        at: &'static Location<'static>,
    ) -> shuttle::sync::MutexGuard<'a, ()> {
        record(Op::Wait, Some(self.object()), Some(at));
        // The wait releases the mutex: the deadlock analysis must know it is free meanwhile.
        record(Op::Unlock, Some(lock), Some(at));
        guard.data = None;
        guard.gate.take().expect("a guard locked in a run holds the gate")
    }

    /// In a run: the gate is back after the wait; takes `std`'s half again (recorded).
    fn woken<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        gate: shuttle::sync::MutexGuard<'a, ()>,
        lock: Object,
        at: &'static Location<'static>,
    ) -> LockResult<MutexGuard<'a, T>> {
        record(Op::Woken, Some(self.object()), Some(at));
        record(Op::Lock, Some(lock), Some(at));
        guard.gate = Some(gate);
        let relocked = guard.mutex.data_lock();
        put_back(guard, relocked)
    }

    #[track_caller]
    pub fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let at = Location::caller();
        match guard.lock {
            Some(lock) => {
                let gate = self.release(&mut guard, lock, at);
                let gate = self.checked.wait(gate).unwrap_or_else(PoisonError::into_inner);
                self.woken(guard, gate, lock, at)
            }
            None => {
                let data = guard.data.take().expect("a guard holds its lock");
                let waited = self.std.wait(data);
                put_back(guard, waited)
            }
        }
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
        if guard.lock.is_none() {
            let data = guard.data.take().expect("a guard holds its lock");
            let waited = self.std.wait_while(data, condition);
            return put_back(guard, waited);
        }
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    #[track_caller]
    pub fn wait_timeout<'a, T>(&self, mut guard: MutexGuard<'a, T>, timeout: Duration) -> TimedResult<'a, T> {
        let at = Location::caller();
        match guard.lock {
            Some(lock) => {
                let gate = self.release(&mut guard, lock, at);
                let (gate, timed_out) = self
                    .checked
                    .wait_timeout(gate, timeout)
                    .unwrap_or_else(PoisonError::into_inner);
                let timed_out = WaitTimeoutResult(timed_out.timed_out());
                with_timeout(self.woken(guard, gate, lock, at), timed_out)
            }
            None => {
                let data = guard.data.take().expect("a guard holds its lock");
                put_back_timed(guard, self.std.wait_timeout(data, timeout))
            }
        }
    }

    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: Duration,
        mut condition: F,
    ) -> TimedResult<'a, T>
    where
        F: FnMut(&mut T) -> bool,
    {
        if guard.lock.is_none() {
            let data = guard.data.take().expect("a guard holds its lock");
            return put_back_timed(guard, self.std.wait_timeout_while(data, timeout, condition));
        }
        // In a run no time passes, so every wait gets the whole timeout (and none ever ends by it).
        while condition(&mut *guard) {
            let (woken, timed_out) = self.wait_timeout(guard, timeout)?;
            guard = woken;
            if timed_out.timed_out() {
                return Ok((guard, timed_out));
            }
        }
        Ok((guard, WaitTimeoutResult(false)))
    }

    #[track_caller]
    pub fn notify_one(&self) {
        if !active() {
            return self.std.notify_one();
        }
        record(
            Op::Notify { all: false },
            Some(self.object()),
            Some(Location::caller()),
        );
        self.checked.notify_one();
    }

    #[track_caller]
    pub fn notify_all(&self) {
        if !active() {
            return self.std.notify_all();
        }
        record(
            Op::Notify { all: true },
            Some(self.object()),
            Some(Location::caller()),
        );
        self.checked.notify_all();
    }
}

/// Puts `std`'s half, back from a wait or a re-lock (poisoned or not), into our guard.
fn put_back<'a, T>(
    mut guard: MutexGuard<'a, T>,
    data: LockResult<std::sync::MutexGuard<'a, T>>,
) -> LockResult<MutexGuard<'a, T>> {
    match data {
        Ok(data) => {
            guard.data = Some(data);
            Ok(guard)
        }
        Err(p) => {
            guard.data = Some(p.into_inner());
            Err(PoisonError::new(guard))
        }
    }
}

fn put_back_timed<'a, T>(
    guard: MutexGuard<'a, T>,
    waited: LockResult<(std::sync::MutexGuard<'a, T>, std::sync::WaitTimeoutResult)>,
) -> TimedResult<'a, T> {
    let (data, timed_out) = match waited {
        Ok((data, timed_out)) => (Ok(data), timed_out),
        Err(p) => {
            let (data, timed_out) = p.into_inner();
            (Err(PoisonError::new(data)), timed_out)
        }
    };
    with_timeout(put_back(guard, data), WaitTimeoutResult(timed_out.timed_out()))
}

fn with_timeout<'a, T>(
    guard: LockResult<MutexGuard<'a, T>>,
    timed_out: WaitTimeoutResult,
) -> TimedResult<'a, T> {
    match guard {
        Ok(guard) => Ok((guard, timed_out)),
        Err(p) => Err(PoisonError::new((p.into_inner(), timed_out))),
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
