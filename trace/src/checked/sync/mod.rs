//! `Mutex`, `RwLock`, `Condvar` and the atomics, recorded; the rest of `sync` is shuttle's as it is.

mod atomics;
mod condvar;
pub mod mpsc;
mod mutex;
mod rwlock;

pub use condvar::Condvar;
pub use mutex::{Mutex, MutexGuard};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use shuttle::sync::{Arc, Barrier, BarrierWaitResult, Once, OnceState, WaitTimeoutResult, Weak};
pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// Atomic types whose every access is recorded with the value it saw or wrote.
pub mod atomic {
    pub use super::atomics::*;
    pub use shuttle::sync::atomic::{Ordering, compiler_fence, fence};
}
