//! Hidden tests, intermediate tier: `sum_chunks`, `sum_chunks_with` and `check_all`.
//!
//! `sum_chunks` is fed powers of two, so a sum that drops or repeats any element is wrong in a way
//! the message can name. The chunks themselves are seen through `sum_chunks_with`'s callback: where
//! each starts, how long it is, and which thread handled it. The chunk callbacks, like `check_all`'s
//! checks, meet at a rendezvous that only opens when all of them are running at the same moment;
//! calls made one by one (or all on the caller's thread) give up after a short wait instead of hanging.

use lesson01::intermediate::{check_all, sum_chunks, sum_chunks_with};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::thread::{self, ThreadId};

use threadlab_harness::wait::{PATIENCE, Rendezvous};
use threadlab_harness::{catch_panic, count_spawns, expect, expect_eq, explore};

fn main() {
    threadlab_harness::main(&[
        ("sum_chunks_even_splits", sum_chunks_even_splits),
        (
            "sum_chunks_sums_every_chunk_on_its_own_thread",
            sum_chunks_sums_every_chunk_on_its_own_thread,
        ),
        ("sum_chunks_uneven_splits", sum_chunks_uneven_splits),
        (
            "sum_chunks_zero_threads_and_more_threads_than_items",
            sum_chunks_zero_threads_and_more_threads_than_items,
        ),
        ("check_all_reports_every_host", check_all_reports_every_host),
        (
            "check_all_runs_the_checks_concurrently",
            check_all_runs_the_checks_concurrently,
        ),
        (
            "generated_inputs_match_the_reference",
            generated_inputs_match_the_reference,
        ),
        (
            "chunks_and_checks_meet_in_any_schedule",
            chunks_and_checks_meet_in_any_schedule,
        ),
    ]);
}

/// `[1, 2, 4, 8, ...]`: every subset has its own sum, so the sum tells which elements were added.
fn powers(len: usize) -> Vec<u64> {
    (0..len).map(|i| 1u64 << i).collect()
}

/// Calls `sum_chunks` and explains a wrong answer in terms of the elements it missed or added twice.
fn check_sum(data: &[u64], threads: usize) {
    let call = format!("sum_chunks(&data, {threads}) with data.len() == {}", data.len());
    let got = match catch_panic(|| sum_chunks(data, threads)) {
        Ok(got) => got,
        Err(message) => panic!(
            "{call}: expected {}, but it panicked: {message}",
            data.iter().sum::<u64>()
        ),
    };
    let want: u64 = data.iter().sum();
    if got == want {
        return;
    }
    let mut message = format!("{call}: expected {want}, got {got}");
    if got < want && data.iter().all(|v| v.is_power_of_two()) && (want - got) & got == 0 {
        let missing: Vec<usize> = (0..data.len()).filter(|&i| (want - got) >> i & 1 == 1).collect();
        message.push_str(&format!(
            " (the elements at indices {missing:?} were never added)"
        ));
    } else if got > want {
        message.push_str(" (some elements were added more than once)");
    }
    panic!("{message}");
}

/// The chunks `sum_chunks_with(data, threads, ..)` hands to its callback, as `(start index, length)`
/// sorted by start; the callback itself returns the plain sum, so the total is checked too.
fn chunks_seen(data: &[u64], threads: usize) -> Vec<(usize, usize)> {
    let seen = Mutex::new(Vec::new());
    let call = format!(
        "sum_chunks_with(&data, {threads}, ..) with data.len() == {}",
        data.len()
    );
    let got = match catch_panic(|| {
        sum_chunks_with(data, threads, |chunk| {
            // Where the chunk starts inside `data` (it must be a piece of `data`, not a copy).
            let start = (chunk.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize) / size_of::<u64>();
            seen.lock().unwrap().push((start, chunk.len()));
            chunk.iter().sum()
        })
    }) {
        Ok(got) => got,
        Err(message) => panic!("{call}: panicked: {message}"),
    };
    let want: u64 = data.iter().sum();
    expect!(
        got == want,
        "{call} with a callback that sums its chunk: expected {want}, got {got}"
    );
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    seen
}

/// Checks the split promised by the doc comment: `min(max(threads, 1), data.len())` chunks of
/// contiguous elements, covering `data` in order, lengths differing by at most one, none empty.
fn check_split(data: &[u64], threads: usize) {
    let chunks = chunks_seen(data, threads);
    let call = format!(
        "sum_chunks_with(&data, {threads}, ..) with data.len() == {}",
        data.len()
    );
    let workers = threads.max(1).min(data.len());
    expect!(
        chunks.len() == workers,
        "{call}: expected the callback to be called for {workers} chunk(s), one per thread, but it was called \
         {} time(s), with the chunks (start, length) {chunks:?}",
        chunks.len()
    );
    let mut next = 0;
    for &(start, len) in &chunks {
        expect!(
            start == next && len > 0,
            "{call}: expected non-empty chunks that follow each other and cover every element once, got \
             the chunks (start, length) {chunks:?} (each chunk must be a piece of `data` itself)"
        );
        next += len;
    }
    expect!(
        next == data.len(),
        "{call}: the chunks (start, length) {chunks:?} cover {next} of {} elements",
        data.len()
    );
    let (shortest, longest) = (
        chunks.iter().map(|c| c.1).min().unwrap_or(0),
        chunks.iter().map(|c| c.1).max().unwrap_or(0),
    );
    expect!(
        longest - shortest <= 1,
        "{call}: expected chunk lengths that differ by at most one, got the chunks (start, length) {chunks:?}"
    );
}

fn sum_chunks_even_splits() {
    let data = powers(12);
    for threads in [1, 2, 3, 4, 6, 12] {
        check_sum(&data, threads);
        check_split(&data, threads);
    }
    let big: Vec<u64> = (1..=100_000).collect();
    for threads in [1, 2, 4, 8] {
        check_sum(&big, threads);
    }
}

fn sum_chunks_uneven_splits() {
    for len in 1..=20 {
        let data = powers(len);
        for threads in 1..=len {
            check_sum(&data, threads);
            check_split(&data, threads);
        }
    }
    let big: Vec<u64> = (1..=100_003).collect();
    for threads in [3, 7, 16] {
        check_sum(&big, threads);
    }
}

fn sum_chunks_zero_threads_and_more_threads_than_items() {
    check_sum(&[], 0);
    check_sum(&[], 1);
    check_sum(&[], 4);
    check_sum(&[7], 0);
    check_sum(&powers(5), 0);
    for len in 1..=6 {
        let data = powers(len);
        for threads in [len + 1, len + 2, 2 * len + 1, 64] {
            check_sum(&data, threads);
            check_split(&data, threads);
        }
    }
    check_split(&powers(5), 0);
    for threads in [0, 1, 4] {
        expect_eq!(
            chunks_seen(&[], threads),
            Vec::<(usize, usize)>::new(),
            "chunks passed to the callback by sum_chunks_with(&[], {threads}, ..) (empty data: no thread, no call)"
        );
    }
}

/// Every chunk's callback waits at a meeting point until all of them are running at once, and
/// records the thread it runs on.
fn sum_chunks_sums_every_chunk_on_its_own_thread() {
    let caller = thread::current().id();
    // Up to more chunks than any fixed number of worker threads would cover, and more threads than
    // elements (then one chunk per element).
    for (len, threads) in [(8, 4), (10, 3), (3, 3), (100, 33), (5, 40)] {
        let data: Vec<u64> = (1..=len as u64).collect();
        let workers = threads.min(len);
        let meeting = Rendezvous::new(workers);
        let ran_on = Mutex::new(Vec::<ThreadId>::new());
        let call = format!("sum_chunks_with(&data, {threads}, ..) with data.len() == {len}");
        let got = sum_chunks_with(&data, threads, |chunk| {
            ran_on.lock().unwrap().push(thread::current().id());
            meeting.arrive();
            chunk.iter().sum()
        });
        let ran_on = ran_on.into_inner().unwrap();
        expect!(
            !ran_on.contains(&caller),
            "{call}: a chunk was summed on the thread that called sum_chunks_with; each chunk must be summed \
             on a scoped thread of its own"
        );
        let mut distinct = ran_on.clone();
        distinct.sort_by_key(|id| format!("{id:?}"));
        distinct.dedup();
        expect!(
            distinct.len() == workers && ran_on.len() == workers,
            "{call}: expected {workers} chunks summed on {workers} different threads, but the callback ran {} \
             time(s) on {} thread(s)",
            ran_on.len(),
            distinct.len()
        );
        let peak = meeting.peak();
        expect!(
            peak == workers,
            "{call}: expected all {workers} chunks to be summed at the same time (each waits for the others), \
             but at most {peak} were being summed at once, and they gave up after {PATIENCE:?}. Spawn every \
             chunk's thread before joining any"
        );
        expect_eq!(got, data.iter().sum::<u64>(), "{call}'s result");
    }
}

/// A map's entries in key order: two equal `HashMap`s may show them in different orders, and
/// `expect_eq!` compares what the values show as well.
fn sorted(map: &HashMap<String, bool>) -> BTreeMap<String, bool> {
    map.iter().map(|(host, up)| (host.clone(), *up)).collect()
}

fn check_all_reports_every_host() {
    let hosts = [
        "example.org",
        "down.invalid",
        "rust-lang.org",
        "timeout.invalid",
        "python.org",
    ];
    let got = check_all(&hosts, |host| !host.ends_with(".invalid"));
    let want: HashMap<String, bool> = hosts
        .iter()
        .map(|h| (h.to_string(), !h.ends_with(".invalid")))
        .collect();
    expect_eq!(
        sorted(&got),
        sorted(&want),
        "check_all(&{hosts:?}, |host| !host.ends_with(\".invalid\"))"
    );

    let calls = Mutex::new(Vec::new());
    let one = check_all(&["solo.example"], |host| {
        calls.lock().unwrap().push(host.to_owned());
        false
    });
    expect_eq!(
        one,
        HashMap::from([("solo.example".to_owned(), false)]),
        "check_all(&[\"solo.example\"], |_| false)"
    );
    expect_eq!(
        *calls.lock().unwrap(),
        vec!["solo.example".to_owned()],
        "hosts passed to check by check_all(&[\"solo.example\"], ..)"
    );

    // A host listed twice is checked twice and has one entry.
    let calls = Mutex::new(Vec::new());
    let twice = check_all(&["dup.example", "other.example", "dup.example"], |host| {
        calls.lock().unwrap().push(host.to_owned());
        host.starts_with("dup")
    });
    expect_eq!(
        sorted(&twice),
        sorted(&HashMap::from([
            ("dup.example".to_owned(), true),
            ("other.example".to_owned(), false)
        ])),
        "check_all(&[\"dup.example\", \"other.example\", \"dup.example\"], ..) (a host listed twice)"
    );
    let mut calls = calls.into_inner().unwrap();
    calls.sort();
    expect_eq!(
        calls,
        ["dup.example", "dup.example", "other.example"],
        "hosts passed to check (sorted) when \"dup.example\" is listed twice: it is checked twice"
    );

    let empty = check_all(&[], |_| {
        panic!("check must not be called when there are no hosts")
    });
    expect_eq!(empty, HashMap::new(), "check_all(&[], ..) (no hosts)");
}

/// Every check waits at a meeting point until all of them are inside `check` at once: more hosts
/// than any fixed number of worker threads would cover, each checked on a new thread of its own.
fn check_all_runs_the_checks_concurrently() {
    let names: Vec<String> = (0..37)
        .map(|i| format!("{}.example", (b'a' + i % 26) as char))
        .collect();
    let hosts: Vec<&str> = names.iter().map(String::as_str).collect();
    let meeting = Rendezvous::new(hosts.len());
    let caller = thread::current().id();
    let ran_on = Mutex::new(Vec::new());
    let got = check_all(&hosts, |host| {
        ran_on.lock().unwrap().push(thread::current().id());
        meeting.arrive();
        host.starts_with(['a', 'c', 'e'])
    });
    let ran_on = ran_on.into_inner().unwrap();
    let mut distinct: Vec<String> = ran_on.iter().map(|id| format!("{id:?}")).collect();
    distinct.sort();
    distinct.dedup();
    expect!(
        distinct.len() == hosts.len() && !ran_on.contains(&caller),
        "check_all with {} hosts: expected each check on a new thread of its own, but the checks ran on {} \
         thread(s){}",
        hosts.len(),
        distinct.len(),
        if ran_on.contains(&caller) {
            ", one of them the caller's"
        } else {
            ""
        }
    );
    let peak = meeting.peak();
    expect!(
        peak == hosts.len(),
        "expected all {} checks to be running at the same time (each check waits for the others), but at most \
         {peak} ran at once and they gave up after {PATIENCE:?}. Start a thread per host before waiting for any, \
         and do not hold the map's lock while `check` runs",
        hosts.len()
    );
    let want: HashMap<String, bool> = hosts
        .iter()
        .map(|h| (h.to_string(), h.starts_with(['a', 'c', 'e'])))
        .collect();
    expect_eq!(
        sorted(&got),
        sorted(&want),
        "the map returned by check_all after the concurrent checks"
    );
}

/// One generated input: data and a thread count for the sums, hosts for `check_all`.
#[derive(Debug)]
struct Input {
    data: Vec<u64>,
    threads: usize,
    hosts: Vec<&'static str>,
}

fn input(g: &mut threadlab_harness::generate::Gen) -> Input {
    // Values far from overflow: what overflow does is no part of the exercise.
    let data = g.vec(120, |g| match g.range(0, 4) {
        0 => g.pick(&[0, 1, 1 << 40]),
        _ => g.range(0, 1 << 20),
    });
    let len = data.len();
    let threads = match g.range(0, 5) {
        0 => g.pick(&[0, 1, 2, 3, 7]),
        1 => g.pick(&[len.saturating_sub(1), len, len + 1, 2 * len + 1]),
        2 => g.pick(&[64, 1000]),
        _ => g.count(len + 2),
    };
    let hosts = g.vec(40, |g| {
        g.pick(&[
            "a.example",
            "b.example",
            "",
            "ünïcödé.example",
            "down.invalid",
            "a.example",
        ])
    });
    Input { data, threads, hosts }
}

/// Runs an [`Input`] through `$krate::intermediate` (the learner's `lesson01` or `reference`) and
/// returns plain values: the sums, what `sum_chunks_with`'s callback saw of the chunks (how many,
/// their lengths sorted, whether they cover `data` in order, on which threads), and `check_all`'s
/// map and calls.
macro_rules! run_input {
    ($krate:ident, $input:expr) => {{
        let input: &Input = $input;
        let data = &input.data[..];
        let caller = thread::current().id();
        let sum = $krate::intermediate::sum_chunks(data, input.threads);
        let seen = Mutex::new(Vec::new());
        let returned = Mutex::new(0u64);
        let with = $krate::intermediate::sum_chunks_with(data, input.threads, |chunk| {
            let start = (chunk.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize) / size_of::<u64>();
            // Not a plain sum: the result must be the sum of what the calls returned.
            let value = chunk.len() as u64 * 1_000_003 + chunk.iter().sum::<u64>() % 97;
            seen.lock()
                .unwrap()
                .push((start, chunk.len(), thread::current().id()));
            *returned.lock().unwrap() += value;
            value
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort_by_key(|c| c.0);
        let mut lengths: Vec<usize> = seen.iter().map(|c| c.1).collect();
        lengths.sort_unstable();
        let mut next = 0;
        let covers = seen.iter().all(|&(start, len, _)| {
            let ok = start == next && len > 0;
            next += len;
            ok
        }) && next == data.len();
        let mut threads: Vec<String> = seen.iter().map(|c| format!("{:?}", c.2)).collect();
        threads.sort();
        threads.dedup();
        let calls = Mutex::new(Vec::new());
        let map = $krate::intermediate::check_all(&input.hosts, |host| {
            calls
                .lock()
                .unwrap()
                .push((host.to_owned(), thread::current().id()));
            host.len() % 2 == 0
        });
        let mut map: Vec<(String, bool)> = map.into_iter().collect();
        map.sort();
        let calls = calls.into_inner().unwrap();
        let mut checked: Vec<String> = calls.iter().map(|c| c.0.clone()).collect();
        checked.sort();
        let mut check_threads: Vec<String> = calls.iter().map(|c| format!("{:?}", c.1)).collect();
        check_threads.sort();
        check_threads.dedup();
        vec![
            format!("sum_chunks: {sum}"),
            format!(
                "sum_chunks_with: the sum of what the calls returned: {}",
                with == returned.into_inner().unwrap()
            ),
            format!("sum_chunks_with: chunk lengths (sorted) {lengths:?}"),
            format!("sum_chunks_with: the chunks cover data in order, none empty: {covers}"),
            format!(
                "sum_chunks_with: each chunk on a new thread of its own: {}",
                threads.len() == seen.len() && seen.iter().all(|c| c.2 != caller)
            ),
            format!("check_all: {map:?}"),
            format!("check_all: hosts checked (sorted) {checked:?}"),
            format!(
                "check_all: each check on a new thread of its own: {}",
                check_threads.len() == calls.len() && calls.iter().all(|c| c.1 != caller)
            ),
        ]
    }};
}

/// Generated inputs (empty data, one element, lengths that do not divide, thread counts 0, 1,
/// `len - 1`, `len`, `len + 1`, far above `len`; hosts none, one, dozens, empty, non-ASCII,
/// repeated) give the same sums, the same chunk lengths, chunks that cover the data in order on
/// threads of their own, and the same `check_all` map and calls as the reference.
fn generated_inputs_match_the_reference() {
    threadlab_harness::generate::differential(
        12,
        60,
        "what sum_chunks(data, threads), sum_chunks_with(data, threads, ..) and check_all(hosts, ..) gave",
        input,
        |i| run_input!(lesson01, i),
        |i| run_input!(reference, i),
    );
}

/// Under the checker (`explore`: threads and barriers from `lesson01::thread` and `lesson01::sync`
/// are the checker's, and the body runs under many seeded schedules). Every chunk's `sum_chunk`, and
/// every host's `check`, waits at a barrier until all of them are running, so all must be started
/// before any is waited for, each on a thread of its own, and `check` must run without the map's
/// lock. In every order the threads finish: the sum is exact, and the map has every host's answer
/// (a host listed twice is checked twice and kept once).
fn chunks_and_checks_meet_in_any_schedule() {
    let body = || {
        for (len, threads) in [(5, 2), (3, 3), (7, 3)] {
            let data: Vec<u64> = (1..=len).map(|x| x * x).collect();
            let workers = threads.min(data.len());
            let meeting = lesson01::sync::Barrier::new(workers);
            let (sum, spawned) = count_spawns(|| {
                sum_chunks_with(&data, threads, |chunk| {
                    meeting.wait();
                    chunk.iter().sum()
                })
            });
            expect_eq!(
                (sum, spawned),
                (data.iter().sum::<u64>(), workers),
                "(the sum, threads started) for sum_chunks_with of {data:?} with {threads} threads, where each chunk's \
                 sum_chunk waits until all {workers} are running"
            );
        }
        let hosts = ["a.example", "b.example", "a.example", "c.example"];
        let meeting = lesson01::sync::Barrier::new(hosts.len());
        let (got, spawned) = count_spawns(|| {
            check_all(&hosts, |host| {
                meeting.wait();
                host != "b.example"
            })
        });
        let want: HashMap<String, bool> = hosts.iter().map(|h| (h.to_string(), *h != "b.example")).collect();
        expect_eq!(
            (sorted(&got), spawned),
            (sorted(&want), hosts.len()),
            "(the map, threads started) for check_all of {hosts:?}, where each check waits until all {} are \
             running",
            hosts.len()
        );
    };
    if let Err(message) = catch_panic(|| explore(40, body)) {
        if message.starts_with("deadlock!") {
            ::core::panic!(
                "sum_chunks_with or check_all never returned in one of the schedules the checker tried: every thread \
                 was blocked. Each chunk (each host) waits for all the others, so start a thread for every one before \
                 you join any, and call check without holding the map's lock"
            );
        }
        ::core::panic!("{message}");
    }
}
