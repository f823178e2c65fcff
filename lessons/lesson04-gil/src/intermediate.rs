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
// TODO: import what you need (crate::sync, std::collections)

/// A global interpreter lock with drop requests and a switch interval.
#[derive(Debug)]
pub struct SwitchingGil {
    // TODO: the interval, and shared state (holder, waiters in order, steps held, drop request) behind a Mutex with a Condvar
}

// TODO: the state your lock keeps

impl SwitchingGil {
    /// A free lock whose holder gives way after `interval` steps (an interval of 0 counts as 1)
    /// once another thread has asked for it.
    pub fn new(interval: u64) -> Self {
        // TODO: a free lock, nobody waiting, no drop request
        todo!("a free lock, nobody waiting, no drop request")
    }
}

impl GilLock for SwitchingGil {
    /// Takes the free lock at once when nobody waits; otherwise joins the end of the queue, sets the
    /// drop request and blocks until the lock is handed to `me`.
    fn acquire(&self, me: Tid) {
        // TODO: take a free lock; otherwise queue, ask for a drop and wait for your turn
        todo!("take a free lock; otherwise queue, ask for a drop and wait for your turn")
    }

    /// Hands the lock to the longest waiter (or frees it); the drop request stays set only while
    /// others still wait.
    fn release(&self, me: Tid) {
        // TODO: if `me` holds it, hand it over and wake the waiters
        todo!("if `me` holds it, hand it over and wake the waiters")
    }

    /// Counts one step held. When a drop was requested and `me` has held the lock for at least the
    /// interval, hands it to the longest waiter, queues `me` at the end (asking for a drop), waits
    /// until it is `me`'s turn again and returns true; otherwise returns false. A thread alone never
    /// switches, however long it runs.
    fn switch_point(&self, me: Tid) -> bool {
        // TODO: count the step; give way only when asked and the interval has passed
        todo!("count the step; give way only when asked and the interval has passed")
    }

    fn holder(&self) -> Option<Tid> {
        // TODO: who holds the lock
        todo!("who holds the lock")
    }

    fn waiting(&self) -> usize {
        // TODO: how many threads are queued
        todo!("how many threads are queued")
    }

    fn drop_requested(&self) -> bool {
        // TODO: whether a drop was requested
        todo!("whether a drop was requested")
    }
}
