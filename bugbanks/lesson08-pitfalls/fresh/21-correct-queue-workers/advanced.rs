// Starter file: this program compiles and runs, but it has the bugs this lesson is about. Find them,
// fix them, and run `cargo xtask grade` for this lesson to see which are left.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: the parts of a small service that only go wrong on real threads.
//!
//! A journal whose writer thread is left behind when the program ends, a batch job that starts one
//! thread per item, a shared tally that stops working after one panic, and a semaphore whose waiters
//! keep waking up to look.
//!
//! Everything here takes threads and locks from [`crate::os`] (plain `std`): what these mistakes cost
//! (lines lost at exit, thousands of threads, a poisoned lock, CPU time and wake-ups while waiting)
//! is what the operating system does, and the tests measure exactly that.

use crate::sync::mpsc::{self, Sender};
use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use crate::thread::{self, JoinHandle};
use std::collections::HashMap;
use std::io::Write;

/// Lines written to a sink by a thread of their own, so that writing a line never waits for the sink.
///
/// Closing is also done when a journal is dropped, so a forgotten `close` does not lose lines either.
#[derive(Debug)]
pub struct Journal {
    lines: Option<Sender<String>>,
    writer: Option<JoinHandle<()>>,
}

impl Journal {
    /// Starts the writer thread: it writes every line, each followed by `\n`, to `sink`, in the order
    /// they were written, and flushes the sink at the end.
    pub fn start(sink: impl Write + Send + 'static) -> Journal {
        let (lines, queue) = mpsc::channel::<String>();
        let writer = thread::spawn(move || {
            let mut sink = sink;
            while let Ok(line) = queue.recv() {
                // A failed write loses that line only; the journal keeps going.
                let _ = sink.write_all(line.as_bytes());
                let _ = sink.write_all(b"\n");
            }
            let _ = sink.flush();
        });
        Journal {
            lines: Some(lines),
            writer: Some(writer),
        }
    }

    /// Queues one line for the writer thread and returns at once.
    pub fn write(&self, line: impl Into<String>) {
        if let Some(lines) = &self.lines {
            let _ = lines.send(line.into());
        }
    }

    /// Stops the journal: when `close` returns, every line written before it is in the sink, so the
    /// program may end right after it without losing any.
    pub fn close(mut self) {
        self.finish();
    }

    /// Ends the writer's loop (no sender left) and waits until it has written and flushed everything.
    fn finish(&mut self) {
        drop(self.lines.take());
        if let Some(writer) = self.writer.take() {
            let result = writer.join();
            if let Err(payload) = result {
                if !thread::panicking() {
                    std::panic::resume_unwind(payload);
                }
            }
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The most threads [`process_all`] starts in all, however many items it gets.
pub const WORKERS: usize = 4;

/// Runs `work` on every item and returns the results in the items' order. The items are shared out
/// among at most [`WORKERS`] threads, each working through its share, so ten thousand items cost
/// four threads, not ten thousand (nor ten thousand threads four at a time).
pub fn process_all(items: Vec<u64>, work: fn(u64) -> u64) -> Vec<u64> {
    let count = items.len();
    let workers = WORKERS.min(count);
    // the workers pull the next index from a shared counter until the items run out
    let next = AtomicUsize::new(0);
    let mut results = vec![0u64; count];
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let items = &items;
                let next = &next;
                s.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= items.len() {
                            break done;
                        }
                        done.push((index, work(items[index])));
                    }
                })
            })
            .collect();
        for handle in handles {
            for (index, result) in handle.join().expect("a worker panicked") {
                results[index] = result;
            }
        }
    });
    results
}

/// Counts per key, shared by many threads. `Tally` is `Send + Sync`.
#[derive(Debug, Default)]
pub struct Tally {
    counts: Mutex<HashMap<String, u64>>,
}

impl Tally {
    /// An empty tally: every key counts 0.
    pub fn new() -> Tally {
        Tally::default()
    }

    /// Replaces the count of `key` with `change(count)`.
    ///
    /// When `change` panics, the panic goes on in the caller, the count stays what it was, and the
    /// tally keeps working for every later call, on any thread.
    pub fn update(&self, key: &str, change: impl FnOnce(u64) -> u64) {
        let mut counts = self.counts();
        let now = counts.get(key).copied().unwrap_or(0);
        // computed first, stored last: a panic in `change` leaves the map untouched
        let next = change(now);
        counts.insert(key.to_owned(), next);
    }

    /// The count of `key` (0 for a key never updated).
    pub fn get(&self, key: &str) -> u64 {
        self.counts().get(key).copied().unwrap_or(0)
    }

    fn counts(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        match self.counts.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                // the only panic possible under this lock is in `change`, before anything is
                // written: the data is whole, so take it back and forget the poison
                let guard = poisoned.into_inner();
                self.counts.clear_poison();
                guard
            }
        }
    }
}

/// A counting semaphore: at most `permits` holders at once; the others wait.
#[derive(Debug)]
pub struct Semaphore {
    permits: Mutex<usize>,
    freed: Condvar,
}

/// A permit taken from a [`Semaphore`]; dropping it gives the permit back.
#[derive(Debug)]
pub struct Permit<'a> {
    semaphore: &'a Semaphore,
}

impl Semaphore {
    /// A semaphore with `permits` free permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            permits: Mutex::new(permits),
            freed: Condvar::new(),
        }
    }

    fn free(&self) -> MutexGuard<'_, usize> {
        // the count is changed in one step: a poisoned lock still holds a good count
        self.permits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a permit, first waiting until one is free. While it waits, the thread sleeps until a
    /// permit is given back: it uses no CPU time and is not woken up to look again and again.
    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self.free();
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Permit { semaphore: self }
    }

    /// How many permits are free right now.
    pub fn available(&self) -> usize {
        *self.free()
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        {
            let mut free = self.semaphore.free();
            *free += 1;
        }
        self.semaphore.freed.notify_one();
    }
}
