// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: the lock itself, the way CPython 3.2+ does it. A thread that wants the lock asks the
//! holder to drop it; the holder checks at every switch point and gives way once the switch interval
//! has passed, so CPU-bound threads take turns instead of one running to the end.
//!
//! Run it with `Interpreter::with_lock(SwitchingGil::new(interval))`; the interpreter logs every
//! acquire, step, switch and release, which is what the tests read.
//!
//! Take `Mutex` and `Condvar` from `crate::sync`, not from `std::sync`: the grader runs your lock
//! under a checker that tries many thread schedules (see `src/sync.rs`).

use crate::interp::{GilLock, Tid};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;

/// A global interpreter lock with drop requests and a switch interval.
#[derive(Debug)]
pub struct SwitchingGil {
    interval: u64,
    inner: Mutex<Inner>,
}

/// A queued thread and the condvar only it sleeps on, so a hand-over wakes exactly that thread.
#[derive(Debug)]
struct Waiter {
    tid: Tid,
    wake: Arc<Condvar>,
}

/// The lock's state. There is no separate drop-request flag: a drop is requested exactly while
/// somebody is queued (every waiter asks when it queues, and the request goes when the queue empties).
#[derive(Debug)]
struct Inner {
    holder: Option<Tid>,
    queue: VecDeque<Waiter>,
    /// Steps the holder may still run before it has to give way (if asked).
    budget: u64,
}

impl SwitchingGil {
    /// A free lock whose holder gives way after `interval` steps (an interval of 0 counts as 1)
    /// once another thread has asked for it.
    pub fn new(interval: u64) -> Self {
        SwitchingGil {
            interval: interval.max(1),
            inner: Mutex::new(Inner {
                holder: None,
                queue: VecDeque::new(),
                budget: 0,
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives the lock to the front of the queue (and wakes just that thread), or frees it.
    fn pass_on(&self, inner: &mut Inner) {
        match inner.queue.pop_front() {
            Some(next) => {
                inner.holder = Some(next.tid);
                inner.budget = self.interval;
                next.wake.notify_all();
            }
            None => {
                inner.holder = None;
                inner.budget = self.interval;
            }
        }
    }

    /// Queues `me` at the back and sleeps on its own condvar until it holds the lock.
    fn queue_and_wait(&self, mut inner: MutexGuard<'_, Inner>, me: Tid) {
        let wake = Arc::new(Condvar::new());
        inner.queue.push_back(Waiter {
            tid: me,
            wake: Arc::clone(&wake),
        });
        while inner.holder != Some(me) {
            inner = wake.wait(inner).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl GilLock for SwitchingGil {
    /// Takes the free lock at once when nobody waits; otherwise joins the end of the queue, sets the
    /// drop request and blocks until the lock is handed to `me`.
    fn acquire(&self, me: Tid) {
        let mut inner = self.inner();
        if inner.holder.is_none() && inner.queue.is_empty() {
            inner.holder = Some(me);
            inner.budget = self.interval;
            return;
        }
        self.queue_and_wait(inner, me);
    }

    /// Hands the lock to the longest waiter (or frees it); the drop request stays set only while
    /// others still wait.
    fn release(&self, me: Tid) {
        let mut inner = self.inner();
        if inner.holder == Some(me) {
            self.pass_on(&mut inner);
        }
    }

    /// Counts one step held. When a drop was requested and `me` has held the lock for at least the
    /// interval, hands it to the longest waiter, queues `me` at the end (asking for a drop), waits
    /// until it is `me`'s turn again and returns true; otherwise returns false. A thread alone never
    /// switches, however long it runs.
    fn switch_point(&self, me: Tid) -> bool {
        let mut inner = self.inner();
        inner.budget = inner.budget.saturating_sub(1);
        if inner.budget > 0 || inner.queue.is_empty() {
            return false;
        }
        // hand over and queue again under the same guard
        self.pass_on(&mut inner);
        self.queue_and_wait(inner, me);
        true
    }

    fn holder(&self) -> Option<Tid> {
        self.inner().holder
    }

    fn waiting(&self) -> usize {
        self.inner().queue.len()
    }

    fn drop_requested(&self) -> bool {
        !self.inner().queue.is_empty()
    }
}
