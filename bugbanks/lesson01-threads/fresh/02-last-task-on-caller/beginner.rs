// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: start several tasks at once, wait for all of them, and name a thread.
//!
//! The README's sections "Start them all, then join them all" and "Naming a thread" cover what you
//! need.

use crate::thread::{self, JoinHandle};
use std::panic;

/// Runs every task on a thread of its own, all at the same time, and returns their results in the
/// order of `tasks` (not in the order they finish).
///
/// Every task is started before any is waited for, so tasks that wait for each other all make
/// progress. An empty `tasks` gives an empty `Vec` and starts no thread. If a task panics,
/// `run_concurrently` panics too.
pub fn run_concurrently<T: Send + 'static>(tasks: Vec<Box<dyn FnOnce() -> T + Send>>) -> Vec<T> {
    let mut tasks = tasks;
    let Some(last) = tasks.pop() else {
        return Vec::new();
    };

    // start all the other tasks first
    let handles: Vec<JoinHandle<T>> = tasks.into_iter().map(|task| thread::spawn(task)).collect();

    // the current thread would only sit in join() anyway, so let it do the last task meanwhile
    let last_result = last();

    let mut results: Vec<T> = handles
        .into_iter()
        .map(|handle| match handle.join() {
            Ok(value) => value,
            Err(payload) => panic::resume_unwind(payload),
        })
        .collect();
    results.push(last_result);
    results
}

/// Starts `f` on a new thread called `name` and returns its handle.
///
/// Inside `f`, `crate::thread::current().name()` is `Some(name)`; the name also shows in panic
/// messages and in debuggers. Panics if the operating system cannot create the thread (as
/// `thread::spawn` does).
pub fn spawn_named<T, F>(name: &str, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .expect("the OS could not create a thread")
}
