//! Hybrid thread-locals: a key holds a `std` key (one value per OS thread, used outside a run) and a
//! shuttle key (one value per task, used in a run), both declared by [`thread_local!`](super::thread_local).

use super::super::active;
use std::cell::{Cell, RefCell};
use std::fmt;

/// `std::thread::LocalKey`'s API over both keys.
pub struct LocalKey<T: 'static> {
    std: &'static std::thread::LocalKey<T>,
    checked: &'static shuttle::thread::LocalKey<T>,
}

/// A thread-local read while its thread is being torn down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessError;

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("already destroyed")
    }
}

impl std::error::Error for AccessError {}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    pub const fn __new(
        std: &'static std::thread::LocalKey<T>,
        checked: &'static shuttle::thread::LocalKey<T>,
    ) -> LocalKey<T> {
        LocalKey { std, checked }
    }

    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        if active() {
            self.checked.with(f)
        } else {
            self.std.with(f)
        }
    }

    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        if active() {
            self.checked.try_with(f).map_err(|_| AccessError)
        } else {
            self.std.try_with(f).map_err(|_| AccessError)
        }
    }
}

impl<T: 'static> LocalKey<Cell<T>> {
    pub fn set(&'static self, value: T) {
        self.with(|cell| cell.set(value));
    }

    pub fn get(&'static self) -> T
    where
        T: Copy,
    {
        self.with(Cell::get)
    }

    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(Cell::take)
    }

    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

impl<T: 'static> LocalKey<RefCell<T>> {
    pub fn with_borrow<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.with(|cell| f(&cell.borrow()))
    }

    pub fn with_borrow_mut<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&mut T) -> R,
    {
        self.with(|cell| f(&mut cell.borrow_mut()))
    }

    pub fn set(&'static self, value: T) {
        self.with(|cell| *cell.borrow_mut() = value);
    }

    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(RefCell::take)
    }

    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalKey { .. }")
    }
}

/// The hybrid `thread_local!` (exported as `checked::thread::thread_local`).
#[macro_export]
#[doc(hidden)]
macro_rules! __checked_thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        $crate::__checked_thread_local_key!(const $(#[$attr])* $vis $name, $t, $init);
        $crate::__checked_thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }) => {
        $crate::__checked_thread_local_key!(const $(#[$attr])* $vis $name, $t, $init);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::__checked_thread_local_key!(lazy $(#[$attr])* $vis $name, $t, $init);
        $crate::__checked_thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $crate::__checked_thread_local_key!(lazy $(#[$attr])* $vis $name, $t, $init);
    };
}

/// One key of the hybrid `thread_local!`: both keys are declared inside its initialiser.
#[macro_export]
#[doc(hidden)]
macro_rules! __checked_thread_local_key {
    (const $(#[$attr:meta])* $vis:vis $name:ident, $t:ty, $init:expr) => {
        $(#[$attr])* $vis static $name: $crate::checked::thread::LocalKey<$t> = {
            ::std::thread_local!(static STD: $t = const { $init });
            $crate::checked::thread::__shuttle_thread_local!(static CHECKED: $t = $init);
            $crate::checked::thread::LocalKey::__new(&STD, &CHECKED)
        };
    };
    (lazy $(#[$attr:meta])* $vis:vis $name:ident, $t:ty, $init:expr) => {
        $(#[$attr])* $vis static $name: $crate::checked::thread::LocalKey<$t> = {
            ::std::thread_local!(static STD: $t = $init);
            $crate::checked::thread::__shuttle_thread_local!(static CHECKED: $t = $init);
            $crate::checked::thread::LocalKey::__new(&STD, &CHECKED)
        };
    };
}
