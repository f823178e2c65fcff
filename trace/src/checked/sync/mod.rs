//! `std::sync`'s API, hybrid (see [`crate::checked`]): `std`'s outside a checker run; shuttle's,
//! recorded, in one. `Arc` and `Weak` are `std`'s in both.

mod atomics;
mod barrier;
mod condvar;
pub mod mpsc;
mod mutex;
mod once;
mod rwlock;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::{Condvar, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
pub use once::{LazyLock, Once, OnceLock, OnceState};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult, Weak};

/// Atomic types: `std`'s outside a run; in a run, every access is a scheduling point and is recorded
/// with the value it saw or wrote.
pub mod atomic {
    pub use super::atomics::*;
    pub use std::sync::atomic::{Ordering, compiler_fence};

    /// `std::sync::atomic::fence`; shuttle's in a run.
    pub fn fence(order: Ordering) {
        if super::super::active() {
            shuttle::sync::atomic::fence(order);
        } else {
            std::sync::atomic::fence(order);
        }
    }
}
