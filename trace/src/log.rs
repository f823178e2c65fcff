//! The log of the schedule being run: one global, cleared when a schedule starts. Shuttle runs every
//! task of a schedule on one OS thread, so a plain `std` mutex around the log never contends and
//! never becomes a scheduling point.

use std::collections::{BTreeMap, VecDeque};
use std::panic::Location;
use std::sync::Mutex;

/// Only the newest events are kept: a test can run many operations per schedule.
const KEEP: usize = 4096;

/// A place in the source: the learner's line, or a test's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub file: &'static str,
    pub line: u32,
}

impl From<&'static Location<'static>> for Place {
    fn from(location: &'static Location<'static>) -> Place {
        Place {
            file: location.file(),
            line: location.line(),
        }
    }
}

/// A lock, an atomic or a condition variable: where it lives and where it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    /// Its address: tells apart objects made at the same line (the accounts of a bank).
    pub address: usize,
    pub kind: &'static str,
    pub made_at: Place,
}

/// What a thread did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Spawn,
    Start,
    Join {
        child: usize,
    },
    Lock,
    Unlock,
    ReadLock,
    WriteLock,
    Load {
        value: String,
    },
    Store {
        value: String,
    },
    /// A read-modify-write: `fetch_add`, `swap`, a successful `compare_exchange`, ...
    Update {
        name: &'static str,
        old: String,
        new: String,
    },
    /// A `compare_exchange` that found another value.
    CompareFailed {
        expected: String,
        found: String,
    },
    Wait,
    Woken,
    Notify {
        all: bool,
    },
    /// A send; `delivered` is false when the receiver was gone.
    Send {
        delivered: bool,
    },
    /// A receive; `received` is false when every sender was gone (or a timeout passed).
    Receive {
        received: bool,
    },
}

/// One recorded operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub thread: usize,
    pub op: Op,
    pub object: Option<Object>,
    /// Where it was called; `None` for what no caller names (a guard dropped at the end of a scope).
    pub at: Option<Place>,
}

#[derive(Debug, Default)]
struct Log {
    events: VecDeque<Event>,
    /// How many events were dropped from the front.
    dropped: usize,
    /// The lock each thread is waiting for, if it is blocked on one.
    pending: BTreeMap<usize, (Object, Place)>,
}

static LOG: Mutex<Option<Log>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Log) -> R) -> R {
    let mut log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    f(log.get_or_insert_with(Log::default))
}

/// Starts a new schedule's log.
pub fn clear() {
    with(|log| *log = Log::default());
}

/// Records one operation; does nothing outside a checker run (see [`crate::active`]), where the
/// facade is `std` and real threads would contend for the log.
pub fn record(thread: usize, op: Op, object: Option<Object>, at: Option<Place>) {
    if !crate::active() {
        return;
    }
    with(|log| {
        if log.events.len() == KEEP {
            log.events.pop_front();
            log.dropped += 1;
        }
        log.events.push_back(Event {
            thread,
            op,
            object,
            at,
        });
    });
}

/// `thread` is about to block on `lock` (asked for at `at`); `None` once it holds it. Does nothing
/// outside a checker run.
pub fn pending(thread: usize, lock: Option<(Object, Place)>) {
    if !crate::active() {
        return;
    }
    with(|log| match lock {
        Some(wanted) => {
            log.pending.insert(thread, wanted);
        }
        None => {
            log.pending.remove(&thread);
        }
    });
}

/// What the current schedule's log holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub events: Vec<Event>,
    /// Events before `events[0]` that were not kept.
    pub dropped: usize,
    /// Threads blocked on a lock: thread → (lock, where it asked).
    pub pending: BTreeMap<usize, (Object, Place)>,
}

/// A copy of the log.
pub fn snapshot() -> Snapshot {
    with(|log| Snapshot {
        events: log.events.iter().cloned().collect(),
        dropped: log.dropped,
        pending: log.pending.clone(),
    })
}
