//! What the server's threads share: the counters, the connections and threads to stop, and one lock
//! with one condition variable for everything a request can wait on (a delay, a gate, a hold), so
//! that stopping the server wakes every waiter at once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The server's counters. `/stats` requests are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests received so far.
    pub requests: u64,
    /// Requests whose response is not written yet.
    pub in_flight: u64,
    /// The most requests that were in flight at one time.
    pub peak_in_flight: u64,
    /// Requests per path (without the query string).
    pub paths: BTreeMap<String, u64>,
}

impl Stats {
    /// The JSON object `GET /stats` answers with.
    pub fn to_json(&self) -> String {
        let paths: Vec<String> = self
            .paths
            .iter()
            .map(|(path, n)| format!("{}:{n}", json_string(path)))
            .collect();
        format!(
            "{{\"requests\":{},\"in_flight\":{},\"peak_in_flight\":{},\"paths\":{{{}}}}}",
            self.requests,
            self.in_flight,
            self.peak_in_flight,
            paths.join(",")
        )
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A cyclic barrier for `/gate/{n}/{key}`.
#[derive(Debug, Default)]
struct Gate {
    waiting: usize,
    /// Goes up by one each time a group of `n` meets.
    generation: u64,
    gave_up: bool,
}

#[derive(Debug, Default)]
struct Waits {
    stopping: bool,
    gates: HashMap<String, Gate>,
    released: HashSet<String>,
}

/// How a request's wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    /// What it waited for happened (or the time ran out, for a plain delay).
    Done,
    /// It gave up after its time limit.
    GaveUp,
    /// The server is stopping.
    Stopping,
}

#[derive(Debug, Default)]
pub(crate) struct Shared {
    stopping: AtomicBool,
    stats: Mutex<Stats>,
    flaky: Mutex<HashMap<String, u64>>,
    waits: Mutex<Waits>,
    changed: Condvar,
    next_id: AtomicU64,
    connections: Mutex<HashMap<u64, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    pub(crate) fn begin_shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        lock(&self.waits).stopping = true;
        self.changed.notify_all();
    }

    pub(crate) fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    pub(crate) fn hits(&self, path: &str) -> u64 {
        lock(&self.stats).paths.get(path).copied().unwrap_or(0)
    }

    /// Counts a request for `path` as received and in flight; it stays in flight until the returned
    /// guard drops.
    pub(crate) fn begin_request(&self, path: &str) -> InFlight<'_> {
        let mut stats = lock(&self.stats);
        stats.requests += 1;
        stats.in_flight += 1;
        stats.peak_in_flight = stats.peak_in_flight.max(stats.in_flight);
        *stats.paths.entry(path.to_owned()).or_default() += 1;
        InFlight { shared: self }
    }

    /// The number of this request among those for flaky `key`, from 1.
    pub(crate) fn flaky_attempt(&self, key: &str) -> u64 {
        let mut flaky = lock(&self.flaky);
        let count = flaky.entry(key.to_owned()).or_default();
        *count += 1;
        *count
    }

    /// Waits for `duration`, or less when the server stops.
    pub(crate) fn pause(&self, duration: Duration) -> Waited {
        let waits = lock(&self.waits);
        let (waits, _) = self
            .changed
            .wait_timeout_while(waits, duration, |w| !w.stopping)
            .unwrap_or_else(|e| e.into_inner());
        if waits.stopping {
            Waited::Stopping
        } else {
            Waited::Done
        }
    }

    /// Waits at gate `key` until `n` requests are there at once, for at most `limit`.
    pub(crate) fn gate(&self, key: &str, n: usize, limit: Duration) -> Waited {
        let deadline = Instant::now() + limit;
        let mut waits = lock(&self.waits);
        let gate = waits.gates.entry(key.to_owned()).or_default();
        if gate.gave_up {
            return Waited::GaveUp;
        }
        gate.waiting += 1;
        if gate.waiting >= n {
            gate.waiting = 0;
            gate.generation += 1;
            self.changed.notify_all();
            return Waited::Done;
        }
        let generation = gate.generation;
        loop {
            if waits.stopping {
                return Waited::Stopping;
            }
            let gate = waits.gates.get_mut(key).expect("a gate is never removed");
            if gate.generation != generation {
                return Waited::Done;
            }
            if gate.gave_up {
                gate.waiting -= 1;
                return Waited::GaveUp;
            }
            let now = Instant::now();
            if now >= deadline {
                // Everyone still waiting at this gate gives up with us, and so does every later
                // arrival: a client that sends one request at a time pays one wait, not one each.
                gate.gave_up = true;
                gate.waiting -= 1;
                self.changed.notify_all();
                return Waited::GaveUp;
            }
            waits = self
                .changed
                .wait_timeout(waits, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Waits until `key` is released, for at most `limit`.
    pub(crate) fn hold(&self, key: &str, limit: Duration) -> Waited {
        let waits = lock(&self.waits);
        let (waits, timeout) = self
            .changed
            .wait_timeout_while(waits, limit, |w| !w.stopping && !w.released.contains(key))
            .unwrap_or_else(|e| e.into_inner());
        if waits.stopping {
            Waited::Stopping
        } else if timeout.timed_out() && !waits.released.contains(key) {
            Waited::GaveUp
        } else {
            Waited::Done
        }
    }

    pub(crate) fn release(&self, key: &str) {
        lock(&self.waits).released.insert(key.to_owned());
        self.changed.notify_all();
    }

    pub(crate) fn register(&self, stream: TcpStream) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.connections).insert(id, stream);
        id
    }

    pub(crate) fn unregister(&self, id: u64) {
        lock(&self.connections).remove(&id);
    }

    /// Keeps a connection's thread to join at shutdown, and joins those already finished.
    pub(crate) fn add_worker(&self, worker: JoinHandle<()>) {
        let mut workers = lock(&self.workers);
        let (finished, running): (Vec<_>, Vec<_>) = workers.drain(..).partition(|w| w.is_finished());
        *workers = running;
        workers.push(worker);
        drop(workers);
        for done in finished {
            let _ = done.join();
        }
    }

    pub(crate) fn take_connections(&self) -> Vec<TcpStream> {
        lock(&self.connections).drain().map(|(_, s)| s).collect()
    }

    pub(crate) fn take_workers(&self) -> Vec<JoinHandle<()>> {
        std::mem::take(&mut *lock(&self.workers))
    }
}

/// A request in flight; dropping it (also when the connection fails) counts it out.
#[derive(Debug)]
pub(crate) struct InFlight<'a> {
    shared: &'a Shared,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        lock(&self.shared.stats).in_flight -= 1;
    }
}

/// Polls `done` until it holds or two seconds pass (for this crate's tests).
#[cfg(test)]
pub(crate) fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    done()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_json_escapes_paths() {
        let mut stats = Stats {
            requests: 2,
            in_flight: 1,
            peak_in_flight: 2,
            ..Stats::default()
        };
        stats.paths.insert("/a\"b".into(), 2);
        assert_eq!(
            stats.to_json(),
            r#"{"requests":2,"in_flight":1,"peak_in_flight":2,"paths":{"/a\"b":2}}"#
        );
    }

    #[test]
    fn a_gate_opens_for_a_full_group_and_gives_up_on_a_lone_waiter() {
        let shared = Shared::default();
        let opened: Vec<Waited> = std::thread::scope(|s| {
            let waiters: Vec<_> = (0..3)
                .map(|_| s.spawn(|| shared.gate("g", 3, Duration::from_secs(5))))
                .collect();
            waiters.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_eq!(opened, vec![Waited::Done; 3]);
        let started = Instant::now();
        assert_eq!(shared.gate("lone", 2, Duration::from_millis(50)), Waited::GaveUp);
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert_eq!(shared.gate("lone", 2, Duration::from_secs(5)), Waited::GaveUp);
    }

    #[test]
    fn shutdown_ends_every_wait() {
        let shared = Shared::default();
        std::thread::scope(|s| {
            let pause = s.spawn(|| shared.pause(Duration::from_secs(30)));
            let hold = s.spawn(|| shared.hold("k", Duration::from_secs(30)));
            std::thread::sleep(Duration::from_millis(20));
            shared.begin_shutdown();
            assert_eq!(pause.join().unwrap(), Waited::Stopping);
            assert_eq!(hold.join().unwrap(), Waited::Stopping);
        });
    }
}
