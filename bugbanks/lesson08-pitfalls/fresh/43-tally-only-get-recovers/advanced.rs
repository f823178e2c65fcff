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
use crate::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use crate::thread::{self, JoinHandle};
use std::collections::HashMap;
use std::io::Write;

/// Lines written to a sink by a thread of their own, so that writing a line never waits for the sink.
#[derive(Debug)]
pub struct Journal {
    lines: Sender<String>,
    writer: JoinHandle<()>,
}

impl Journal {
    /// Starts the writer thread: it writes every line, each followed by `\n`, to `sink`, in the order
    /// they were written, and flushes the sink at the end.
    pub fn start(sink: impl Write + Send + 'static) -> Journal {
        let (lines, queue) = mpsc::channel::<String>();
        let writer = thread::spawn(move || {
            let mut sink = sink;
            for line in queue {
                // A failed write loses that line only; the journal keeps going.
                let _ = writeln!(sink, "{line}");
            }
            let _ = sink.flush();
        });
        Journal { lines, writer }
    }

    /// Queues one line for the writer thread and returns at once.
    pub fn write(&self, line: impl Into<String>) {
        // The writer only stops after `close`, which consumes the journal, so this cannot fail.
        let _ = self.lines.send(line.into());
    }

    /// Stops the journal: when `close` returns, every line written before it is in the sink, so the
    /// program may end right after it without losing any.
    pub fn close(self) {
        let Journal { lines, writer } = self;
        // The writer's loop ends once every sender is gone and the queue is empty.
        drop(lines);
        // Wait until it has written (and flushed) every line that was queued.
        writer.join().expect("the journal's writer thread panicked");
    }
}

/// The most threads [`process_all`] starts in all, however many items it gets.
pub const WORKERS: usize = 4;

/// Runs `work` on every item and returns the results in the items' order. The items are shared out
/// among at most [`WORKERS`] threads, each working through its share, so ten thousand items cost
/// four threads, not ten thousand (nor ten thousand threads four at a time).
pub fn process_all(items: Vec<u64>, work: fn(u64) -> u64) -> Vec<u64> {
    // At least one item per share, so that `chunks` never gets 0 (an empty input).
    let share = items.len().div_ceil(WORKERS).max(1);
    thread::scope(|s| {
        let workers: Vec<_> = items
            .chunks(share)
            .map(|part| s.spawn(move || part.iter().map(|&item| work(item)).collect::<Vec<u64>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a worker panicked"))
            .collect()
    })
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
        // Written only once `change` has returned, so a panic in it leaves the map as it was.
        let next = change(now);
        counts.insert(key.to_owned(), next);
    }

    /// The count of `key` (0 for a key never updated).
    pub fn get(&self, key: &str) -> u64 {
        // Reading is safe even after a panic: `update` never leaves the map half-changed.
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    fn counts(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.counts.lock().unwrap()
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

    /// Takes a permit, first waiting until one is free. While it waits, the thread sleeps until a
    /// permit is given back: it uses no CPU time and is not woken up to look again and again.
    pub fn acquire(&self) -> Permit<'_> {
        let permits = self.permits.lock().unwrap();
        let mut permits = self.freed.wait_while(permits, |free| *free == 0).unwrap();
        *permits -= 1;
        Permit { semaphore: self }
    }

    /// How many permits are free right now.
    pub fn available(&self) -> usize {
        *self.permits.lock().unwrap()
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.semaphore.permits.lock().unwrap() += 1;
        self.semaphore.freed.notify_one();
    }
}
