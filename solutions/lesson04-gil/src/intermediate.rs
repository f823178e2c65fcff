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
// BEGIN SOLUTION (comment): import what you need (crate::sync, std::collections)
use crate::sync::{Condvar, Mutex, MutexGuard};
use std::collections::VecDeque;
// END SOLUTION

/// A global interpreter lock with drop requests and a switch interval.
#[derive(Debug)]
pub struct SwitchingGil {
    // BEGIN SOLUTION (comment): the interval, and shared state (holder, waiters in order, steps held, drop request) behind a Mutex with a Condvar
    interval: u64,
    state: Mutex<State>,
    turn: Condvar,
    // END SOLUTION
}

// BEGIN SOLUTION (comment): the state your lock keeps
#[derive(Debug, Default)]
struct State {
    holder: Option<Tid>,
    /// Waiting threads, longest waiter first: serving them in this order is what stops starvation.
    queue: VecDeque<Tid>,
    /// Steps the holder has run since it got the lock.
    held_steps: u64,
    drop_request: bool,
}

impl SwitchingGil {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait_turn(&self, mut state: MutexGuard<'_, State>, me: Tid) {
        while state.holder != Some(me) {
            state = self.turn.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Gives the lock to the longest waiter (or to nobody); the new holder starts counting from 0.
    fn hand_over(state: &mut State) {
        state.holder = state.queue.pop_front();
        state.held_steps = 0;
        state.drop_request = !state.queue.is_empty();
    }
}
// END SOLUTION

impl SwitchingGil {
    /// A free lock whose holder gives way after `interval` steps (an interval of 0 counts as 1)
    /// once another thread has asked for it.
    pub fn new(interval: u64) -> Self {
        // BEGIN SOLUTION: a free lock, nobody waiting, no drop request
        SwitchingGil {
            interval: interval.max(1),
            state: Mutex::new(State::default()),
            turn: Condvar::new(),
        }
        // END SOLUTION
    }
}

impl GilLock for SwitchingGil {
    /// Takes the free lock at once when nobody waits; otherwise joins the end of the queue, sets the
    /// drop request and blocks until the lock is handed to `me`.
    fn acquire(&self, me: Tid) {
        // BEGIN SOLUTION: take a free lock; otherwise queue, ask for a drop and wait for your turn
        let mut state = self.state();
        if state.holder.is_none() && state.queue.is_empty() {
            state.holder = Some(me);
            state.held_steps = 0;
            return;
        }
        state.queue.push_back(me);
        state.drop_request = true;
        self.wait_turn(state, me);
        // END SOLUTION
    }

    /// Hands the lock to the longest waiter (or frees it); the drop request stays set only while
    /// others still wait.
    fn release(&self, me: Tid) {
        // BEGIN SOLUTION: if `me` holds it, hand it over and wake the waiters
        let mut state = self.state();
        if state.holder == Some(me) {
            SwitchingGil::hand_over(&mut state);
            self.turn.notify_all();
        }
        // END SOLUTION
    }

    /// Counts one step held. When a drop was requested and `me` has held the lock for at least the
    /// interval, hands it to the longest waiter, queues `me` at the end (asking for a drop), waits
    /// until it is `me`'s turn again and returns true; otherwise returns false. A thread alone never
    /// switches, however long it runs.
    fn switch_point(&self, me: Tid) -> bool {
        // BEGIN SOLUTION: count the step; give way only when asked and the interval has passed
        let mut state = self.state();
        state.held_steps += 1;
        if !(state.drop_request && state.held_steps >= self.interval) {
            return false;
        }
        SwitchingGil::hand_over(&mut state);
        state.queue.push_back(me);
        state.drop_request = true;
        self.turn.notify_all();
        self.wait_turn(state, me);
        true
        // END SOLUTION
    }

    fn holder(&self) -> Option<Tid> {
        // BEGIN SOLUTION: who holds the lock
        self.state().holder
        // END SOLUTION
    }

    fn waiting(&self) -> usize {
        // BEGIN SOLUTION: how many threads are queued
        self.state().queue.len()
        // END SOLUTION
    }

    fn drop_requested(&self) -> bool {
        // BEGIN SOLUTION: whether a drop was requested
        self.state().drop_request
        // END SOLUTION
    }
}
