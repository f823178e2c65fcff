//! Threads for the exercises: take `Builder`, `JoinHandle`, `ThreadId`, `current` and the rest from
//! here, not from `std::thread`.
//!
//! In your own builds this is exactly `std::thread`. Under the grader's `threadlab-hold` feature,
//! [`Builder::spawn`] and [`spawn`] start a thread that waits, before it runs anything of yours,
//! while a test holds new threads back (`hold::new_threads()`). So a test can look at what your
//! `start` or `spawn` did *before* it returned, and never races your new thread for it: a state
//! that the new thread was meant to record has not been recorded yet, on every run.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-hold"))]
pub use std::thread::{Builder, spawn};

pub use std::thread::{JoinHandle, Thread, ThreadId, current, panicking, park, sleep, yield_now};

#[cfg(feature = "threadlab-hold")]
pub use held::{Builder, hold, spawn};

#[cfg(feature = "threadlab-hold")]
mod held {
    use super::JoinHandle;

    /// `std::thread::Builder`, whose threads wait while new threads are held.
    #[derive(Debug)]
    pub struct Builder(std::thread::Builder);

    impl Default for Builder {
        fn default() -> Builder {
            Builder::new()
        }
    }

    impl Builder {
        /// As `std::thread::Builder::new`.
        pub fn new() -> Builder {
            Builder(std::thread::Builder::new())
        }

        /// As `std::thread::Builder::name`.
        pub fn name(self, name: String) -> Builder {
            Builder(self.0.name(name))
        }

        /// As `std::thread::Builder::stack_size`.
        pub fn stack_size(self, size: usize) -> Builder {
            Builder(self.0.stack_size(size))
        }

        /// As `std::thread::Builder::spawn`; the new thread first waits while new threads are held.
        pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            self.0.spawn(move || {
                hold::wait_while_held();
                f()
            })
        }
    }

    /// As `std::thread::spawn`; the new thread first waits while new threads are held.
    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Builder::new().spawn(f).expect("failed to spawn thread")
    }

    /// Holding new threads back, for the hidden tests.
    pub mod hold {
        use std::sync::{Condvar, Mutex};
        use std::time::{Duration, Instant};

        static HELD: Mutex<bool> = Mutex::new(false);
        static RELEASED: Condvar = Condvar::new();

        /// A held thread goes on after this long anyway, so code that waits for its own new thread
        /// (a wrong `start`) fails a test instead of hanging it.
        const AT_MOST: Duration = Duration::from_secs(3);

        /// Threads started through this module from now on wait, before running anything, until
        /// the returned guard is dropped.
        pub fn new_threads() -> Held {
            *HELD.lock().unwrap_or_else(|e| e.into_inner()) = true;
            Held(())
        }

        /// Releases the held threads when dropped.
        #[derive(Debug)]
        pub struct Held(());

        impl Drop for Held {
            fn drop(&mut self) {
                *HELD.lock().unwrap_or_else(|e| e.into_inner()) = false;
                RELEASED.notify_all();
            }
        }

        pub(super) fn wait_while_held() {
            let deadline = Instant::now() + AT_MOST;
            let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
            while *held {
                let now = Instant::now();
                if now >= deadline {
                    return;
                }
                held = RELEASED
                    .wait_timeout(held, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
    }
}
