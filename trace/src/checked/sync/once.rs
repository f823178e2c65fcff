//! Hybrid `Once`, `OnceLock` and `LazyLock`: `std`'s outside a run. In a run, an initialisation is
//! serialised by a shuttle lock (recorded, so a deadlock through it is drawn): every task of a run
//! shares one OS thread, so a task that waited on `std`'s own lock while another task initialised
//! would block that thread, and the whole run with it.

use super::super::{active, lock_gate, object, record, switch};
use crate::log::{Object, Op};
use std::fmt;
use std::ops::Deref;
use std::panic::Location;

pub use std::sync::OnceState;

/// The gate held for one initialisation in a run; its release is recorded.
struct Held<'a> {
    lock: Object,
    _gate: shuttle::sync::MutexGuard<'a, ()>,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        record(Op::Unlock, Some(self.lock), None);
    }
}

/// Takes `gate` as a recorded lock of `lock`, in a run.
#[track_caller]
fn hold(gate: &shuttle::sync::Mutex<()>, lock: Object) -> Held<'_> {
    Held {
        _gate: lock_gate(gate, lock),
        lock,
    }
}

/// `std::sync::Once`'s API.
pub struct Once {
    made_at: &'static Location<'static>,
    gate: shuttle::sync::Mutex<()>,
    once: std::sync::Once,
}

impl Once {
    #[track_caller]
    #[allow(clippy::new_without_default)] // as `std::sync::Once`
    pub const fn new() -> Once {
        Once {
            made_at: Location::caller(),
            gate: shuttle::sync::Mutex::new(()),
            once: std::sync::Once::new(),
        }
    }

    #[track_caller]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if !active() {
            return self.once.call_once(f);
        }
        let _held = hold(&self.gate, object(self, "Once", self.made_at));
        self.once.call_once(f);
    }

    #[track_caller]
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        if !active() {
            return self.once.call_once_force(f);
        }
        let _held = hold(&self.gate, object(self, "Once", self.made_at));
        self.once.call_once_force(f);
    }

    /// In a run, a scheduling point first (as a load of an atomic flag would be).
    pub fn is_completed(&self) -> bool {
        if active() {
            switch();
        }
        self.once.is_completed()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.once.fmt(f)
    }
}

/// `std::sync::OnceLock`'s API.
pub struct OnceLock<T> {
    made_at: &'static Location<'static>,
    gate: shuttle::sync::Mutex<()>,
    cell: std::sync::OnceLock<T>,
}

impl<T> OnceLock<T> {
    #[track_caller]
    pub const fn new() -> OnceLock<T> {
        OnceLock {
            made_at: Location::caller(),
            gate: shuttle::sync::Mutex::new(()),
            cell: std::sync::OnceLock::new(),
        }
    }

    #[track_caller]
    fn hold(&self) -> Held<'_> {
        hold(&self.gate, object(self, "OnceLock", self.made_at))
    }

    /// In a run, a scheduling point first (as an atomic load).
    pub fn get(&self) -> Option<&T> {
        if active() {
            switch();
        }
        self.cell.get()
    }

    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.cell.get_mut()
    }

    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        if !active() {
            return self.cell.set(value);
        }
        let _held = self.hold();
        self.cell.set(value)
    }

    #[track_caller]
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        if !active() {
            return self.cell.get_or_init(f);
        }
        if let Some(value) = self.get() {
            return value;
        }
        let _held = self.hold();
        self.cell.get_or_init(f)
    }

    pub fn into_inner(self) -> Option<T> {
        self.cell.into_inner()
    }

    pub fn take(&mut self) -> Option<T> {
        self.cell.take()
    }
}

impl<T> Default for OnceLock<T> {
    #[track_caller]
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    #[track_caller]
    fn from(value: T) -> OnceLock<T> {
        OnceLock {
            made_at: Location::caller(),
            gate: shuttle::sync::Mutex::new(()),
            cell: std::sync::OnceLock::from(value),
        }
    }
}

impl<T: Clone> Clone for OnceLock<T> {
    #[track_caller]
    fn clone(&self) -> OnceLock<T> {
        OnceLock {
            made_at: Location::caller(),
            gate: shuttle::sync::Mutex::new(()),
            cell: self.cell.clone(),
        }
    }
}

impl<T: PartialEq> PartialEq for OnceLock<T> {
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.cell == other.cell
    }
}

impl<T: Eq> Eq for OnceLock<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.cell.fmt(f)
    }
}

/// `std::sync::LazyLock`'s API: a [`OnceLock`] and the function that fills it.
pub struct LazyLock<T, F = fn() -> T> {
    cell: OnceLock<T>,
    // Taken by the one call that initialises; `None` after, so a panic in it poisons the lock.
    init: std::sync::Mutex<Option<F>>,
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    #[track_caller]
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock {
            cell: OnceLock::new(),
            init: std::sync::Mutex::new(Some(f)),
        }
    }

    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        this.cell.get_or_init(|| {
            let f = this.init.lock().unwrap_or_else(|e| e.into_inner()).take();
            match f {
                Some(f) => f(),
                None => panic!("LazyLock instance has previously been poisoned"),
            }
        })
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;
    #[track_caller]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    #[track_caller]
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.cell.get() {
            Some(value) => f.debug_tuple("LazyLock").field(value).finish(),
            None => f.write_str("LazyLock(<uninit>)"),
        }
    }
}
