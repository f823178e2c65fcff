// Starter file: this program compiles and runs, but it has the bugs this lesson is about. Find them,
// fix them, and run `cargo xtask grade` for this lesson to see which are left.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a word counter that starts one thread per page.
//!
//! Two functions, two classic mistakes: results read while the threads are still working, and a
//! worker's panic turned into a quiet zero.
//!
//! Both take their threads and lock from [`crate::thread`] and [`crate::sync`]. The grader checks
//! [`count_words`] under many thread schedules, and runs [`count_with`] on real threads, because a
//! panic crossing `join` is something only real threads show.

use crate::sync::{Arc, Mutex};
use crate::thread;

/// Counts the words (separated by whitespace) of every page, each page on a thread of its own, and
/// returns the total.
///
/// The total is complete when it returns: it counts every word of every page, whichever order the
/// threads run in.
pub fn count_words(pages: Vec<String>) -> usize {
    let total = Arc::new(Mutex::new(0));
    for page in pages {
        let total = Arc::clone(&total);
        thread::spawn(move || {
            let words = page.split_whitespace().count();
            *total.lock().unwrap() += words;
        });
    }
    *total.lock().unwrap()
}

/// A page whose counter panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    /// The page's index in the input.
    pub page: usize,
    /// The panic's message (what `panic!` was given, for a `&str` or a `String` message).
    pub message: String,
}

/// Counts every page with `counter`, each page on a thread of its own, and returns the sum.
///
/// When `counter` panics on a page, returns `Err` for the first such page (the lowest index) with
/// the panic's message, instead of counting that page as zero. Every thread has finished when it
/// returns, whether it returns `Ok` or `Err`.
pub fn count_with(pages: Vec<String>, counter: fn(&str) -> usize) -> Result<usize, PageError> {
    let workers: Vec<_> = pages
        .into_iter()
        .map(|page| thread::spawn(move || counter(&page)))
        .collect();
    let total = workers
        .into_iter()
        .map(|worker| worker.join().unwrap_or_default())
        .sum();
    Ok(total)
}
