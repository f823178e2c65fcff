//! Per-thread word counts, merged at the end, collected two ways without a lock per word:
//! returned through `join`, and handed over by a thread-local's `Drop` as its thread exits.
//!
//! Run with `cargo run -p lesson06 --example word_counts`.

use lesson06::sync::mpsc::{self, Sender};
use lesson06::thread::{self, thread_local};
use std::cell::RefCell;
use std::collections::HashMap;

const TEXT: &str = "the quick brown fox jumps over the lazy dog the dog sleeps and the fox runs";

type Counts = HashMap<String, u64>;

fn merge(into: &mut Counts, from: Counts) {
    for (word, n) in from {
        *into.entry(word).or_insert(0) += n;
    }
}

/// Each scoped thread counts its share into a map of its own and returns it through `join`.
fn through_join(lines: &[&str]) -> Counts {
    thread::scope(|s| {
        let workers: Vec<_> = lines
            .iter()
            .map(|line| {
                s.spawn(move || {
                    let mut mine = Counts::new();
                    for word in line.split_whitespace() {
                        *mine.entry(word.to_owned()).or_insert(0) += 1;
                    }
                    mine
                })
            })
            .collect();
        let mut total = Counts::new();
        for worker in workers {
            merge(&mut total, worker.join().expect("a counting thread panicked"));
        }
        total
    })
}

/// The thread's counts, sent to `out` when the thread ends and this value is dropped.
struct Tally {
    counts: Counts,
    out: Option<Sender<Counts>>,
}

impl Drop for Tally {
    fn drop(&mut self) {
        if let Some(out) = self.out.take() {
            let _ = out.send(std::mem::take(&mut self.counts));
        }
    }
}

thread_local! {
    static TALLY: RefCell<Tally> = RefCell::new(Tally { counts: Counts::new(), out: None });
}

/// Code deep inside a worker counts into its thread-local tally without any handle to pass around;
/// the tally reaches the collector when the worker thread exits.
fn through_drop(lines: &[&str]) -> Counts {
    let (out, tallies) = mpsc::channel();
    thread::scope(|s| {
        for line in lines {
            let out = out.clone();
            s.spawn(move || {
                TALLY.with_borrow_mut(|t| t.out = Some(out));
                for word in line.split_whitespace() {
                    TALLY.with_borrow_mut(|t| *t.counts.entry(word.to_owned()).or_insert(0) += 1);
                }
            });
        }
    });
    drop(out);
    let mut total = Counts::new();
    for counts in tallies {
        merge(&mut total, counts);
    }
    total
}

fn show(label: &str, counts: &Counts) {
    let mut words: Vec<_> = counts.iter().collect();
    words.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = words.iter().take(4).map(|(w, n)| format!("{w}={n}")).collect();
    println!(
        "{label:>13}: {} words, top {}",
        counts.values().sum::<u64>(),
        top.join(" ")
    );
}

fn main() {
    let words: Vec<&str> = TEXT.split_whitespace().collect();
    let lines: Vec<String> = words.chunks(4).map(|c| c.join(" ")).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let a = through_join(&lines);
    let b = through_drop(&lines);
    show("through join", &a);
    show("through Drop", &b);
    assert_eq!(a, b, "both ways must count the same words");
}
