//! Threads for the exercises: take `Builder`, `JoinHandle`, `ThreadId`, `current` and the rest from
//! here, not from `std::thread`.
//!
//! In your own builds this is exactly `std::thread`. Under the grader's `threadlab-hold` feature,
//! [`Builder::spawn`] and [`spawn`] start a thread that waits, before it runs anything of yours,
//! while a test holds new threads back (`hold::new_threads()`). So a test can look at what your
//! `start` or `spawn` did *before* it returned, and never races your new thread for it: a state
//! that the new thread was meant to record has not been recorded yet, on every run.
//!
//! A test can also ask for the opposite order (`hold::run_first()`): then `spawn` returns only once
//! the new thread has run everything it was given, so a quick body has ended (and your code after
//! it has run) before your `start` or `spawn` goes on. Where the new thread waits for something its
//! spawner holds (a lock kept across the spawn, say), `spawn` returns after a moment anyway.
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

        /// As `std::thread::Builder::spawn`; a thread spawned while new threads are held first waits
        /// until they are released, and while new threads run first, this returns once the new
        /// thread has run `f`.
        pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            let ran = hold::Ran::default();
            let signal = ran.signal();
            let first = hold::runs_first();
            // Decided here, not when the new thread gets to run: a thread made before a hold began is
            // never held by it, however late the scheduler lets it start.
            let held = hold::closed();
            let handle = self.0.spawn(move || {
                if held {
                    hold::wait_while_held();
                }
                // Signals when dropped: after `f` returned (its locals dropped), or while a panic
                // unwinds out of it.
                let _signal = signal;
                f()
            })?;
            if first {
                ran.wait();
            }
            Ok(handle)
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

    /// Holding new threads back, or letting them run first, for the hidden tests.
    pub mod hold {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::{Arc, Condvar, Mutex};
        use std::time::{Duration, Instant};

        static HELD: Mutex<bool> = Mutex::new(false);
        static RELEASED: Condvar = Condvar::new();
        static FIRST: AtomicBool = AtomicBool::new(false);
        /// How many new threads have come to the gate while it was closed, ever.
        static ENTERED: AtomicUsize = AtomicUsize::new(0);

        /// A held thread goes on after this long anyway, so code that waits for its own new thread
        /// (a wrong `start`) fails a test instead of hanging it.
        const AT_MOST: Duration = Duration::from_secs(3);

        /// While new threads run first, `spawn` waits at most this long for the new thread: one that
        /// has not finished by then waits for something its spawner holds.
        const RUN_FIRST_AT_MOST: Duration = Duration::from_millis(500);

        /// Threads started through this module from now on run what they were given before `spawn`
        /// returns (or until [`RUN_FIRST_AT_MOST`] has passed), until the returned guard is dropped.
        pub fn run_first() -> RunFirst {
            FIRST.store(true, Ordering::SeqCst);
            RunFirst(())
        }

        /// Ends [`run_first`] when dropped.
        #[derive(Debug)]
        pub struct RunFirst(());

        impl Drop for RunFirst {
            fn drop(&mut self) {
                FIRST.store(false, Ordering::SeqCst);
            }
        }

        pub(super) fn runs_first() -> bool {
            FIRST.load(Ordering::SeqCst)
        }

        /// Whether a new thread has run what it was given.
        #[derive(Default)]
        pub(super) struct Ran(Arc<(Mutex<bool>, Condvar)>);

        /// Owned by the new thread; tells its [`Ran`] when dropped (so also while a panic unwinds).
        pub(super) struct RanSignal(Arc<(Mutex<bool>, Condvar)>);

        impl Ran {
            pub(super) fn signal(&self) -> RanSignal {
                RanSignal(Arc::clone(&self.0))
            }

            /// Waits until the thread has run, or [`RUN_FIRST_AT_MOST`].
            pub(super) fn wait(&self) {
                let (ran, changed) = &*self.0;
                let deadline = Instant::now() + RUN_FIRST_AT_MOST;
                let mut ran = ran.lock().unwrap_or_else(|e| e.into_inner());
                while !*ran {
                    let now = Instant::now();
                    if now >= deadline {
                        return;
                    }
                    ran = changed
                        .wait_timeout(ran, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }

        impl Drop for RanSignal {
            fn drop(&mut self) {
                let (ran, changed) = &*self.0;
                *ran.lock().unwrap_or_else(|e| e.into_inner()) = true;
                changed.notify_all();
            }
        }

        /// Threads started through this module from now on wait, before running anything, until
        /// the returned guard is dropped.
        pub fn new_threads() -> Held {
            *HELD.lock().unwrap_or_else(|e| e.into_inner()) = true;
            Held {
                entered: ENTERED.load(Ordering::SeqCst),
            }
        }

        /// Releases the held threads when dropped.
        #[derive(Debug)]
        pub struct Held {
            /// [`ENTERED`] when the hold began.
            entered: usize,
        }

        impl Held {
            /// Whether a thread has come to the gate since this hold began: a test can tell that
            /// the thread `start` made is there (and so has run nothing of its own yet).
            pub fn reached(&self) -> bool {
                ENTERED.load(Ordering::SeqCst) > self.entered
            }
        }

        impl Drop for Held {
            fn drop(&mut self) {
                *HELD.lock().unwrap_or_else(|e| e.into_inner()) = false;
                RELEASED.notify_all();
            }
        }

        /// Whether new threads are held at this moment.
        pub(super) fn closed() -> bool {
            *HELD.lock().unwrap_or_else(|e| e.into_inner())
        }

        pub(super) fn wait_while_held() {
            let deadline = Instant::now() + AT_MOST;
            let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
            if *held {
                ENTERED.fetch_add(1, Ordering::SeqCst);
            }
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
