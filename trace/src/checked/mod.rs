//! The checked facade: `sync` and `thread` with `std`'s API, *hybrid*. A lesson's `sync.rs` and
//! `thread.rs` re-export these under the grader's checking feature.
//!
//! Every operation decides, when it is called, whether it is checked:
//!
//! * Inside a checker run ([`active`]: the harness's `explore`, which runs its body under many seeded
//!   shuttle schedules), it is shuttle's: a point where the scheduler may switch threads, blocking
//!   as shuttle sees it (so a deadlock is found), and recorded in the [`crate::log`] with the thread,
//!   the value and the caller's line, so that a failing schedule can be drawn.
//! * Everywhere else it is exactly `std`'s: real OS threads, real time, nothing recorded.
//!
//! So a lesson graded with the facade still chooses per test: `explore` for shared-state histories,
//! plain real-thread tests for what only the operating system shows (a heartbeat every 10 ms, a
//! `wait_timeout` that times out, a socket).
//!
//! What `std` can build in a `const` (a `static` `Mutex`, `Condvar`, `RwLock`, atomic, `Once`,
//! `OnceLock`, `LazyLock`) holds both halves and picks one per operation, so one object can be used
//! outside a run, then inside one, then outside again: the value lives in `std`'s half, and shuttle's
//! half is the scheduling lock taken first in a run. What only a call builds (`channel`,
//! `Barrier::new`, `spawn`, `scope`, `current`) is one or the other, chosen at that call, and keeps
//! its kind afterwards: an object is meant for the mode it was made in.
//!
//! Differences to keep in mind:
//!
//! * In a run, time is not modelled: `Condvar::wait_timeout*`, `recv_timeout` and `park_timeout`
//!   never time out (a wait that only a timeout would end is a deadlock, which is how a lost
//!   wake-up is found), and `sleep` is only a scheduling point. Outside a run they use the real clock.
//! * A `static` keeps its value across the schedules of a run and after it, as it would in a process
//!   that ran the body many times: a `OnceLock` or `LazyLock` initialised by the first schedule is
//!   initialised in the others. A test that wants an initialisation race explored makes the cell
//!   inside the body.
//! * After a failing schedule, shuttle abandons the tasks that were still blocked, so a lock one of
//!   them held stays held. The test has failed by then; a `static` lock it used is not reusable.
//! * Locking from a real thread while a run holds the same lock (or the reverse) waits on `std`'s
//!   half as two real threads would; it is not checked.

pub mod sync;
pub mod thread;

pub use crate::active::{Active, active};

use crate::log::{self, Object, Op, Place};
use std::panic::Location;

/// The running task's number (0 is the test's own thread). Only in a run.
pub(crate) fn current_thread() -> usize {
    shuttle::thread::current().id().into()
}

pub(crate) fn record(op: Op, object: Option<Object>, at: Option<&'static Location<'static>>) {
    log::record(current_thread(), op, object, at.map(Place::from));
}

pub(crate) fn object<T: ?Sized>(
    value: &T,
    kind: &'static str,
    made_at: &'static Location<'static>,
) -> Object {
    Object {
        address: value as *const T as *const () as usize,
        kind,
        made_at: made_at.into(),
    }
}

/// One scheduling point, the one a shuttle atomic's load makes. Only in a run.
pub(crate) fn switch() {
    let point = shuttle::sync::atomic::AtomicBool::new(false);
    point.load(std::sync::atomic::Ordering::SeqCst);
}

/// Locks a gate (a shuttle lock that orders the tasks of a run) as a recorded lock of `lock`: the
/// wait is pending in the log while it blocks, so a deadlock on it is drawn.
#[track_caller]
pub(crate) fn lock_gate<'a>(
    gate: &'a shuttle::sync::Mutex<()>,
    lock: Object,
) -> shuttle::sync::MutexGuard<'a, ()> {
    let at = Location::caller();
    log::pending(current_thread(), Some((lock, Place::from(at))));
    // The gate holds no data: a panic while it was held is reported by `std`'s half.
    let guard = gate.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    log::pending(current_thread(), None);
    record(Op::Lock, Some(lock), Some(at));
    guard
}
