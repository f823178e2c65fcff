//! Recorded atomics: every load, store and read-modify-write with the values it saw and wrote.

use super::super::{object, record};
use crate::log::Op;
use shuttle::sync::atomic::Ordering;
use std::panic::Location;

macro_rules! recorded_atomic {
    ($name:ident, $value:ty, $kind:expr) => {
        /// The `std` atomic's API over shuttle's, every access recorded.
        pub struct $name {
            made_at: &'static Location<'static>,
            inner: shuttle::sync::atomic::$name,
        }

        impl $name {
            #[track_caller]
            pub const fn new(value: $value) -> $name {
                $name {
                    made_at: Location::caller(),
                    inner: shuttle::sync::atomic::$name::new(value),
                }
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
                let value = self.inner.load(order);
                self.note(Op::Load {
                    value: format!("{value:?}"),
                });
                value
            }

            #[track_caller]
            pub fn store(&self, value: $value, order: Ordering) {
                self.inner.store(value, order);
                self.note(Op::Store {
                    value: format!("{value:?}"),
                });
            }

            #[track_caller]
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                let old = self.inner.swap(value, order);
                self.update("swap", old, value)
            }

            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let result = self.inner.compare_exchange(current, new, success, failure);
                self.compared(current, new, result)
            }

            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let result = self
                    .inner
                    .compare_exchange_weak(current, new, success, failure);
                self.compared(current, new, result)
            }

            #[track_caller]
            fn compared(
                &self,
                current: $value,
                new: $value,
                result: Result<$value, $value>,
            ) -> Result<$value, $value> {
                match result {
                    Ok(old) => {
                        self.update("compare_exchange", old, new);
                    }
                    Err(found) => self.note(Op::CompareFailed {
                        expected: format!("{current:?}"),
                        found: format!("{found:?}"),
                    }),
                }
                result
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
                let mut new_value = None;
                let result = self.inner.fetch_update(set_order, fetch_order, |v| {
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
                self.inner.get_mut()
            }

            pub fn into_inner(self) -> $value {
                self.inner.into_inner()
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
                self.inner.fmt(f)
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
                    let old = self.inner.$op(operand, order);
                    let apply: fn($value, $value) -> $value = $apply;
                    self.update(stringify!($op), old, apply(old, operand))
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
