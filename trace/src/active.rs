//! Whether a checker run is active on this OS thread.
//!
//! Shuttle runs every task of an execution as a coroutine on the OS thread that called
//! `Runner::run` (`shuttle-engine`'s `runtime/thread/continuation.rs`), so a `std` thread-local seen
//! by the runner is seen by every task of the run, and by no real thread. The harness's `explore`
//! holds an [`Active`] around the whole `Runner::run` call, not just the body of each schedule: the
//! threads a body spawns go on running after the body returns, and shuttle tears an execution down
//! after that, and all of it must still be checked.

use std::cell::Cell;
use std::marker::PhantomData;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// True while this OS thread runs a checker run: the checked facade is shuttle's and recorded.
/// False everywhere else, where the facade is exactly `std`.
#[inline]
pub fn active() -> bool {
    ACTIVE.with(Cell::get)
}

/// Marks a checker run on this OS thread until it is dropped (also when a failing schedule panics
/// out of the run).
#[derive(Debug)]
#[must_use = "the run is marked only while this guard lives"]
pub struct Active {
    previous: bool,
    // Bound to the OS thread whose flag it set.
    _here: PhantomData<*const ()>,
}

impl Active {
    /// Marks this OS thread as running a checker run.
    pub fn enter() -> Active {
        Active {
            previous: ACTIVE.with(|a| a.replace(true)),
            _here: PhantomData,
        }
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(self.previous));
    }
}
