//! One lazily opened "connection" per worker thread: 4 workers run 40 queries through 4 connections,
//! and the threads that never query open none.
//!
//! Run with `cargo run -p lesson06 --example per_thread_connections`.

use lesson06::sync::atomic::{AtomicUsize, Ordering};
use lesson06::thread::{self, thread_local};
use std::cell::RefCell;
use std::time::Duration;

static OPENED: AtomicUsize = AtomicUsize::new(0);

/// Stands in for a database connection: opening it is slow, and it must stay on its thread.
struct Connection {
    id: usize,
    queries: u32,
}

impl Connection {
    fn open() -> Connection {
        thread::sleep(Duration::from_millis(20)); // the handshake we want to pay only once per thread
        let id = OPENED.fetch_add(1, Ordering::SeqCst);
        println!("  {:>9}: opened connection {id}", thread_name());
        Connection { id, queries: 0 }
    }

    fn query(&mut self, sql: &str) -> String {
        self.queries += 1;
        format!("connection {} answered {sql:?}", self.id)
    }
}

impl Drop for Connection {
    // Runs when the owning thread exits: the per-thread clean-up.
    fn drop(&mut self) {
        println!(
            "  {:>9}: closing connection {} after {} queries",
            thread_name(),
            self.id,
            self.queries
        );
    }
}

thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("unnamed").to_owned()
}

/// Runs `sql` on this thread's connection, opening it on the thread's first query.
fn query(sql: &str) -> String {
    CONNECTION.with_borrow_mut(|slot| slot.get_or_insert_with(Connection::open).query(sql))
}

fn main() {
    println!("4 workers, 10 queries each, plus 2 threads that never query:");
    let workers: Vec<_> = (0..6)
        .map(|w| {
            thread::Builder::new()
                .name(format!("worker-{w}"))
                .spawn(move || {
                    if w >= 4 {
                        return Vec::new(); // never touches CONNECTION: nothing is opened
                    }
                    (0..10).map(|i| query(&format!("SELECT {i}"))).collect()
                })
                .expect("spawn a worker")
        })
        .collect();
    let answers: Vec<Vec<String>> = workers
        .into_iter()
        .map(|w| w.join().expect("a worker panicked"))
        .collect();
    let total: usize = answers.iter().map(Vec::len).sum();
    println!(
        "{total} queries answered through {} connections (one per thread that queried)",
        OPENED.load(Ordering::SeqCst)
    );
    println!(
        "worker-0's last answer: {}",
        answers[0].last().map_or("-", |a| a.as_str())
    );
}
