// Starter file: this program compiles and runs, but it has the bugs this lesson is about. Find them,
// fix them, and run `cargo xtask grade` for this lesson to see which are left.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a word counter that starts one thread per page.
//!
//! Two functions, two classic mistakes: results read while the threads are still working, and a
//! worker's panic turned into a quiet zero.
//!
//! [`count_words`] takes its threads and lock from [`crate::thread`] and [`crate::sync`] (the grader
//! checks it under many thread schedules); [`count_with`] takes them from [`crate::os`], because a
//! panic crossing `join` is something only real threads show.

use crate::thread;

/// Counts the words (separated by whitespace) of every page, each page on a thread of its own, and
/// returns the total.
///
/// The total is complete when it returns: it counts every word of every page, whichever order the
/// threads run in.
pub fn count_words(pages: Vec<String>) -> usize {
    // Each page's count comes back through its join; the scope cannot end before every thread has.
    thread::scope(|s| {
        let workers: Vec<_> = pages
            .iter()
            .map(|page| s.spawn(move || page.split_whitespace().count()))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("counting words does not panic"))
            .sum()
    })
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
        .map(|page| crate::thread::spawn(move || counter(&page)))
        .collect();
    // Join them all first (collecting forces every join), then look at the outcomes in page order.
    let outcomes: Vec<_> = workers.into_iter().map(|worker| worker.join()).collect();
    let mut total = 0;
    for (page, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(words) => total += words,
            Err(payload) => {
                return Err(PageError {
                    page,
                    message: describe(&*payload),
                });
            }
        }
    }
    Ok(total)
}

fn describe(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        String::from("a panic without a message")
    }
}
