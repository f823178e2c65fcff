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
use crate::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;

/// A global interpreter lock with drop requests and a switch interval.
#[derive(Debug)]
pub struct SwitchingGil {
    interval: u64,
    state: Mutex<State>,
    turn: Condvar,
}

/// Who holds the lock, who waits (in order), how long the holder has had it, and whether someone
/// asked the holder to drop it.
#[derive(Debug, Default)]
struct State {
    holder: Option<Tid>,
    waiters: VecDeque<Tid>,
    held_steps: u64,
    drop_request: bool,
}

impl State {
    /// Gives the lock to the longest waiter, or frees it.
    fn hand_over(&mut self) {
        self.holder = self.waiters.pop_front();
        self.held_steps = 0;
    }
}

impl SwitchingGil {
    /// A free lock whose holder gives way after `interval` steps (an interval of 0 counts as 1)
    /// once another thread has asked for it.
    pub fn new(interval: u64) -> Self {
        SwitchingGil {
            interval: interval.max(1),
            state: Mutex::new(State::default()),
            turn: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    fn wait_for_turn(&self, mut state: MutexGuard<'_, State>, me: Tid) {
        while state.holder != Some(me) {
            state = self.turn.wait(state).unwrap();
        }
    }
}

impl GilLock for SwitchingGil {
    /// Takes the free lock at once when nobody waits; otherwise joins the end of the queue, sets the
    /// drop request and blocks until the lock is handed to `me`.
    fn acquire(&self, me: Tid) {
        let mut state = self.state();
        if state.holder.is_none() && state.waiters.is_empty() {
            state.holder = Some(me);
            state.held_steps = 0;
            return;
        }
        state.waiters.push_back(me);
        state.drop_request = true;
        self.wait_for_turn(state, me);
    }

    /// Hands the lock to the longest waiter (or frees it); the drop request stays set only while
    /// others still wait.
    fn release(&self, me: Tid) {
        let mut state = self.state();
        if state.holder == Some(me) {
            state.hand_over();
            self.turn.notify_all();
        }
    }

    /// Counts one step held. When a drop was requested and `me` has held the lock for at least the
    /// interval, hands it to the longest waiter, queues `me` at the end (asking for a drop), waits
    /// until it is `me`'s turn again and returns true; otherwise returns false. A thread alone never
    /// switches, however long it runs.
    fn switch_point(&self, me: Tid) -> bool {
        let mut state = self.state();
        state.held_steps += 1;
        if !(state.drop_request && !state.waiters.is_empty() && state.held_steps >= self.interval) {
            return false;
        }
        state.hand_over();
        state.waiters.push_back(me);
        state.drop_request = true;
        self.turn.notify_all();
        self.wait_for_turn(state, me);
        true
    }

    fn holder(&self) -> Option<Tid> {
        self.state().holder
    }

    fn waiting(&self) -> usize {
        self.state().waiters.len()
    }

    fn drop_requested(&self) -> bool {
        self.state().drop_request
    }
}
