//! Hybrid atomics: `std`'s outside a run; in a run, every load, store and read-modify-write is first
//! the scheduling point shuttle's atomics make, and is recorded with the values it saw and wrote.

use super::super::{active, object, record};
use crate::log::Op;
use std::panic::Location;
use std::sync::atomic::Ordering;

/// Which scheduling point an access makes in a run: the one shuttle's own atomic makes for it.
#[derive(Clone, Copy)]
enum Access {
    Read,
    Write,
    Update,
}

macro_rules! recorded_atomic {
    ($name:ident, $value:ty, $kind:expr) => {
        /// The `std` atomic's API. The value is a `std` atomic; in a run, each access first makes
        /// its scheduling point on a shuttle atomic that holds nothing, and is recorded.
        pub struct $name {
            made_at: &'static Location<'static>,
            value: std::sync::atomic::$name,
            gate: shuttle::sync::atomic::AtomicBool,
        }

        impl $name {
            #[track_caller]
            pub const fn new(value: $value) -> $name {
                $name {
                    made_at: Location::caller(),
                    value: std::sync::atomic::$name::new(value),
                    gate: shuttle::sync::atomic::AtomicBool::new(false),
                }
            }

            /// In a run, the scheduling point of `access` (true then: the access is recorded).
            #[inline]
            fn point(&self, access: Access, order: Ordering) -> bool {
                if !active() {
                    return false;
                }
                match access {
                    Access::Read => {
                        self.gate.load(order);
                    }
                    Access::Write => self.gate.store(false, order),
                    Access::Update => {
                        self.gate.swap(false, order);
                    }
                }
                true
            }

            #[track_caller]
            fn note(&self, op: Op) {
                record(
                    op,
                    Some(object(self, $kind, self.made_at)),
                    Some(Location::caller()),
                );
            }

            #[track_caller]
            fn update(&self, name: &'static str, old: $value, new: $value) -> $value {
                self.note(Op::Update {
                    name,
                    old: format!("{old:?}"),
                    new: format!("{new:?}"),
                });
                old
            }

            #[track_caller]
            pub fn load(&self, order: Ordering) -> $value {
                let checked = self.point(Access::Read, order);
                let value = self.value.load(order);
                if checked {
                    self.note(Op::Load {
                        value: format!("{value:?}"),
                    });
                }
                value
            }

            #[track_caller]
            pub fn store(&self, value: $value, order: Ordering) {
                let checked = self.point(Access::Write, order);
                self.value.store(value, order);
                if checked {
                    self.note(Op::Store {
                        value: format!("{value:?}"),
                    });
                }
            }

            #[track_caller]
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                let checked = self.point(Access::Update, order);
                let old = self.value.swap(value, order);
                if checked {
                    self.update("swap", old, value);
                }
                old
            }

            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let checked = self.point(Access::Update, success);
                let result = self.value.compare_exchange(current, new, success, failure);
                if checked {
                    self.compared(current, new, result);
                }
                result
            }

            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let checked = self.point(Access::Update, success);
                let result = self
                    .value
                    .compare_exchange_weak(current, new, success, failure);
                if checked {
                    self.compared(current, new, result);
                }
                result
            }

            #[track_caller]
            fn compared(&self, current: $value, new: $value, result: Result<$value, $value>) {
                match result {
                    Ok(old) => {
                        self.update("compare_exchange", old, new);
                    }
                    Err(found) => self.note(Op::CompareFailed {
                        expected: format!("{current:?}"),
                        found: format!("{found:?}"),
                    }),
                }
            }

            #[track_caller]
            pub fn fetch_update<F>(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                mut f: F,
            ) -> Result<$value, $value>
            where
                F: FnMut($value) -> Option<$value>,
            {
                if !self.point(Access::Update, set_order) {
                    return self.value.fetch_update(set_order, fetch_order, f);
                }
                let mut new_value = None;
                let result = self.value.fetch_update(set_order, fetch_order, |v| {
                    new_value = f(v);
                    new_value
                });
                match (result, new_value) {
                    (Ok(old), Some(new)) => {
                        self.update("fetch_update", old, new);
                    }
                    (Err(value), _) | (Ok(value), None) => self.note(Op::Load {
                        value: format!("{value:?}"),
                    }),
                }
                result
            }

            pub fn get_mut(&mut self) -> &mut $value {
                self.value.get_mut()
            }

            pub fn into_inner(self) -> $value {
                self.value.into_inner()
            }
        }

        impl Default for $name {
            #[track_caller]
            fn default() -> $name {
                $name::new(Default::default())
            }
        }

        impl From<$value> for $name {
            #[track_caller]
            fn from(value: $value) -> $name {
                $name::new(value)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.value.fmt(f)
            }
        }
    };
}

/// Read-modify-write operations that take an operand, shared by the integers and `bool`. The value
/// written is computed from the one returned: reading it back would be one more scheduling point.
macro_rules! recorded_rmw {
    ($name:ident, $value:ty, $($op:ident => $apply:expr),+ $(,)?) => {
        impl $name {
            $(
                #[track_caller]
                pub fn $op(&self, operand: $value, order: Ordering) -> $value {
                    let checked = self.point(Access::Update, order);
                    let old = self.value.$op(operand, order);
                    if checked {
                        let apply: fn($value, $value) -> $value = $apply;
                        self.update(stringify!($op), old, apply(old, operand));
                    }
                    old
                }
            )+
        }
    };
}

macro_rules! recorded_int {
    ($($name:ident: $value:ty),+) => {
        $(
            recorded_atomic!($name, $value, stringify!($name));
            recorded_rmw!($name, $value,
                fetch_add => |a, b| a.wrapping_add(b),
                fetch_sub => |a, b| a.wrapping_sub(b),
                fetch_and => |a, b| a & b,
                fetch_nand => |a, b| !(a & b),
                fetch_or => |a, b| a | b,
                fetch_xor => |a, b| a ^ b,
                fetch_max => |a, b| a.max(b),
                fetch_min => |a, b| a.min(b),
            );
        )+
    };
}

recorded_int!(AtomicI8: i8, AtomicI16: i16, AtomicI32: i32, AtomicI64: i64, AtomicIsize: isize, AtomicU8: u8, AtomicU16: u16, AtomicU32: u32, AtomicU64: u64, AtomicUsize: usize);
recorded_atomic!(AtomicBool, bool, "AtomicBool");
recorded_rmw!(AtomicBool, bool,
    fetch_and => |a, b| a & b,
    fetch_nand => |a, b| !(a & b),
    fetch_or => |a, b| a | b,
    fetch_xor => |a, b| a ^ b,
);
