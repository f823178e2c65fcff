#![allow(unused_imports, unused_variables, dead_code)]
//! Beginner: a word counter that starts one thread per page.
//!
//! Two functions, two classic mistakes: results read while the threads are still working, and a
//! worker's panic turned into a quiet zero.
//!
//! [`count_words`] takes its threads and lock from [`crate::thread`] and [`crate::sync`] (the grader
//! checks it under many thread schedules); [`count_with`] takes them from [`crate::os`], because a
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
    let mut workers = Vec::new();
    for page in pages {
        let total = Arc::clone(&total);
        workers.push(thread::spawn(move || {
            let words = page.split_whitespace().count();
            *total.lock().unwrap() += words;
        }));
    }
    // Wait for every page before reading the total.
    for worker in workers {
        worker.join().unwrap();
    }
    let words = *total.lock().unwrap();
    words
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
    let mut total = 0;
    let mut failed = None;
    // Join every worker, so that none is left running.
    for (page, worker) in workers.into_iter().enumerate() {
        match worker.join() {
            Ok(words) => total += words,
            Err(payload) => {
                failed = Some(PageError {
                    page,
                    message: panic_message(payload),
                });
            }
        }
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(total),
    }
}

/// The text a panic was given: `panic!("literal")` carries a `&str`, `panic!("{x}")` a `String`.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<&str>() {
        Ok(text) => text.to_string(),
        Err(payload) => match payload.downcast::<String>() {
            Ok(text) => *text,
            Err(_) => String::from("a panic without a message"),
        },
    }
}
