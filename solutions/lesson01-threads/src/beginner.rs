//! Beginner: start several tasks at once, wait for all of them, and name a thread.
//!
//! The README's sections "Start them all, then join them all" and "Naming a thread" cover what you
//! need.

use crate::thread::{self, JoinHandle};

// BEGIN SOLUTION (comment): import anything else you need (from crate::sync and crate::thread, not std)
// END SOLUTION

/// Runs every task on a thread of its own, all at the same time, and returns their results in the
/// order of `tasks` (not in the order they finish).
///
/// Every task is started before any is waited for, so tasks that wait for each other all make
/// progress. An empty `tasks` gives an empty `Vec` and starts no thread. If a task panics,
/// `run_concurrently` panics too.
pub fn run_concurrently<T: Send + 'static>(tasks: Vec<Box<dyn FnOnce() -> T + Send>>) -> Vec<T> {
    // BEGIN SOLUTION: spawn one thread per task, keep the handles in order, then join them all
    // Spawn everything first. Joining inside this loop would wait for each task before starting
    // the next one, and the tasks would run one by one.
    let handles: Vec<JoinHandle<T>> = tasks.into_iter().map(thread::spawn).collect();
    // The handles are in input order, so the results are too, whichever thread finished first.
    handles
        .into_iter()
        .map(|handle| match handle.join() {
            Ok(value) => value,
            // Re-raise the task's own panic, so the caller sees its message.
            Err(payload) => std::panic::resume_unwind(payload),
        })
        .collect()
    // END SOLUTION
}

/// Starts `f` on a new thread called `name` and returns its handle.
///
/// Inside `f`, `std::thread::current().name()` is `Some(name)`; the name also shows in panic
/// messages and in debuggers. Panics if the operating system cannot create the thread (as
/// `thread::spawn` does).
pub fn spawn_named<T, F>(name: &str, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // BEGIN SOLUTION: build the thread with thread::Builder, give it the name, and spawn `f`
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .expect("the operating system refused to create a thread")
    // END SOLUTION
}
