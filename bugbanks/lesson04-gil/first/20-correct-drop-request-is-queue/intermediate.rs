// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: the lock itself, the way CPython 3.2+ does it. A thread that wants the lock asks the
//! holder to drop it; the holder checks at every switch point and gives way once the switch interval
//! has passed, so CPU-bound threads take turns instead of one running to the end.
//!
//! Run it with `Interpreter::with_lock(SwitchingGil::new(interval))`; the interpreter logs every
//! acquire, step, switch and release, which is what the tests read.

use crate::interp::{GilLock, Tid};
use std::collections::VecDeque;
use crate::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// A global interpreter lock with drop requests and a switch interval.
#[derive(Debug)]
pub struct SwitchingGil {
    interval: u64,
    line: Mutex<Line>,
    handed_over: Condvar,
}

/// The holder and the threads lined up behind it.
///
/// There is no separate drop-request flag: a thread that queues always asks for a drop, and the
/// request is answered exactly when the line is empty again, so "a drop is requested" and "somebody
/// is queued" are the same fact. Keeping it once means the two can never disagree.
#[derive(Debug, Default)]
struct Line {
    holder: Option<Tid>,
    queued: VecDeque<Tid>,
    /// Steps run by the current holder since it got the lock.
    turn_length: u64,
}

impl Line {
    fn drop_requested(&self) -> bool {
        !self.queued.is_empty()
    }

    /// The front of the line gets the lock (or nobody, when the line is empty), for a fresh turn.
    fn next_turn(&mut self) {
        self.holder = self.queued.pop_front();
        self.turn_length = 0;
    }
}

impl SwitchingGil {
    /// A free lock whose holder gives way after `interval` steps (an interval of 0 counts as 1)
    /// once another thread has asked for it.
    pub fn new(interval: u64) -> Self {
        SwitchingGil {
            interval: interval.max(1),
            line: Mutex::new(Line::default()),
            handed_over: Condvar::new(),
        }
    }

    fn line(&self) -> MutexGuard<'_, Line> {
        self.line.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins the end of the line (which asks the holder to drop the lock) and sleeps until the
    /// lock has been handed to `me`.
    fn queue_and_wait(&self, mut line: MutexGuard<'_, Line>, me: Tid) {
        line.queued.push_back(me);
        let _mine = self
            .handed_over
            .wait_while(line, |line| line.holder != Some(me))
            .unwrap_or_else(PoisonError::into_inner);
    }
}

impl GilLock for SwitchingGil {
    /// Takes the free lock at once when nobody waits; otherwise joins the end of the queue, sets the
    /// drop request and blocks until the lock is handed to `me`.
    fn acquire(&self, me: Tid) {
        let mut line = self.line();
        if line.holder.is_none() && line.queued.is_empty() {
            line.holder = Some(me);
            line.turn_length = 0;
            return;
        }
        self.queue_and_wait(line, me);
    }

    /// Hands the lock to the longest waiter (or frees it); the drop request stays set only while
    /// others still wait.
    fn release(&self, me: Tid) {
        let mut line = self.line();
        if line.holder != Some(me) {
            return;
        }
        line.next_turn();
        self.handed_over.notify_all();
    }

    /// Counts one step held. When a drop was requested and `me` has held the lock for at least the
    /// interval, hands it to the longest waiter, queues `me` at the end (asking for a drop), waits
    /// until it is `me`'s turn again and returns true; otherwise returns false. A thread alone never
    /// switches, however long it runs.
    fn switch_point(&self, me: Tid) -> bool {
        let mut line = self.line();
        line.turn_length += 1;
        if !line.drop_requested() || line.turn_length < self.interval {
            return false;
        }
        // Hand over and line up again under the same guard: nobody can run in between.
        line.next_turn();
        self.handed_over.notify_all();
        self.queue_and_wait(line, me);
        true
    }

    fn holder(&self) -> Option<Tid> {
        self.line().holder
    }

    fn waiting(&self) -> usize {
        self.line().queued.len()
    }

    fn drop_requested(&self) -> bool {
        self.line().drop_requested()
    }
}
