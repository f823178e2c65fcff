//! Hidden tests, advanced tier: `Registry` (spawn/enumerate/active_count/current) and panics
//! reported through `RegisteredThread::join`.
//!
//! Bodies are held on channels the test owns while it reads the registry; a thread that has ended is
//! waited for with a deadline, never a blind sleep. Where the order of the list matters, each thread
//! is seen running before the next is spawned, so the order never depends on which new thread the OS
//! happens to run first; whether an entry is there *before* `spawn` returns is checked on its own,
//! while `lesson02::thread` holds the new threads back.

use lesson02::advanced::{Registry, ThreadInfo, ThreadPanicked, panic_message};
use lesson02::thread::hold;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};

use threadlab_harness::wait::{PATIENCE, eventually};
use threadlab_harness::{expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        (
            "running_threads_are_listed_in_spawn_order",
            running_threads_are_listed_in_spawn_order,
        ),
        ("listed_before_spawn_returns", listed_before_spawn_returns),
        (
            "enumerate_keeps_spawn_order_when_threads_end",
            enumerate_keeps_spawn_order_when_threads_end,
        ),
        (
            "finished_threads_leave_without_join",
            finished_threads_leave_without_join,
        ),
        (
            "panicked_threads_leave_the_registry",
            panicked_threads_leave_the_registry,
        ),
        ("join_reports_the_panic_message", join_reports_the_panic_message),
        (
            "current_names_the_calling_thread",
            current_names_the_calling_thread,
        ),
        ("registries_are_independent", registries_are_independent),
        (
            "operation_sequences_match_the_reference",
            operation_sequences_match_the_reference,
        ),
    ]);
}

/// `spawn` while `lesson02::thread` holds the new thread back, so the body runs only after `spawn`
/// returned: for tests about something else than that order, which would otherwise depend on whether
/// the new thread or the rest of `spawn` came first.
fn spawn_held<T: Send + 'static>(
    registry: &Registry,
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> lesson02::advanced::RegisteredThread<T> {
    let _held = hold::new_threads();
    registry.spawn(name, f)
}

fn names(infos: &[ThreadInfo]) -> Vec<String> {
    infos.iter().map(|info| info.name.clone()).collect()
}

/// A body that reports its own id, then waits until `release` says go (or 2 s pass).
fn held_body(
    ids: mpsc::Sender<(String, ThreadId)>,
    release: Arc<Mutex<Receiver<()>>>,
) -> impl FnOnce() -> usize + Send + 'static {
    move || {
        let me = thread::current();
        let name = me.name().unwrap_or("<unnamed>").to_owned();
        let _ = ids.send((name.clone(), me.id()));
        let _ = release.lock().unwrap().recv_timeout(PATIENCE);
        name.len()
    }
}

fn running_threads_are_listed_in_spawn_order() {
    let registry = Registry::new();
    expect_eq!(registry.active_count(), 0, "active_count() of a new Registry");
    expect_eq!(
        registry.enumerate(),
        Vec::<ThreadInfo>::new(),
        "enumerate() of a new Registry"
    );
    let (ids_tx, ids) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let release_rx = Arc::new(Mutex::new(release_rx));
    let mut workers = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        workers.push(registry.spawn(name, held_body(ids_tx.clone(), Arc::clone(&release_rx))));
        // Seen running before the next spawn: the order below is the spawn order, whatever the OS does.
        let (name, id) = ids
            .recv_timeout(PATIENCE)
            .expect("every spawned body starts within 2 s");
        let listed = workers.iter().find(|w| w.info().name == name);
        expect!(
            listed.is_some_and(|w| w.info().id == id),
            "the body of thread {name:?} should run on a thread named {name:?} whose id matches its \
             handle's info().id; handle: {:?}, body saw id {id:?}",
            listed.map(|w| w.info())
        );
    }
    expect_eq!(
        registry.active_count(),
        3,
        "active_count() while 3 spawned bodies are still running"
    );
    let listed = registry.enumerate();
    expect_eq!(
        names(&listed),
        ["alpha", "beta", "gamma"],
        "names in enumerate() (spawn order) while all 3 run"
    );
    let infos: Vec<ThreadInfo> = workers.iter().map(|w| w.info().clone()).collect();
    expect_eq!(listed, infos, "enumerate() compared with each handle's info()");
    for _ in 0..3 {
        let _ = release.send(());
    }
    let mut results = Vec::new();
    for worker in workers {
        results.push(worker.join());
    }
    expect_eq!(
        results,
        [Ok(5), Ok(4), Ok(5)],
        "join() of the 3 threads (each returns its name's length)"
    );
    expect_eq!(
        registry.active_count(),
        0,
        "active_count() after every thread was joined"
    );
    expect_eq!(
        registry.enumerate(),
        Vec::<ThreadInfo>::new(),
        "enumerate() after every thread was joined"
    );
}

/// The registry is read the instant `spawn` returns, while the course's `thread` module holds the
/// new thread back before it runs any of the learner's code: an entry the new thread was meant to
/// add itself is not there yet, on every run.
fn listed_before_spawn_returns() {
    let registry = Registry::new();
    let mut workers = Vec::new();
    let mut seen = Vec::new();
    {
        let _held = hold::new_threads();
        for (i, name) in ["first", "second", "third"].into_iter().enumerate() {
            let worker = registry.spawn(name, move || i);
            seen.push((registry.enumerate(), registry.active_count()));
            workers.push(worker);
        }
    } // the new threads go on from here
    for (i, (listed, count)) in seen.iter().enumerate() {
        let want: Vec<ThreadInfo> = workers[..=i].iter().map(|w| w.info().clone()).collect();
        expect!(
            *listed == want && *count == i + 1,
            "enumerate() and active_count() the instant spawn({:?}, ..) returned, before the new thread had run any \
             of your code: expected {:?} and {}, got {:?} and {count}. spawn() itself must list the thread \
             before it returns",
            want[i].name,
            names(&want),
            i + 1,
            names(listed)
        );
    }
    for (i, worker) in workers.into_iter().enumerate() {
        expect_eq!(worker.join(), Ok(i), "join() of a body returning its index");
    }
}

/// Threads leave from the front and the middle of the list; the others keep their spawn order.
fn enumerate_keeps_spawn_order_when_threads_end() {
    let registry = Registry::new();
    let mut releases = Vec::new();
    let mut workers = Vec::new();
    let (started_tx, started) = mpsc::channel();
    for name in ["first", "second", "third", "fourth", "fifth"] {
        let (release, release_rx) = mpsc::channel::<()>();
        let started_tx = started_tx.clone();
        workers.push(registry.spawn(name, move || {
            let _ = started_tx.send(());
            let _ = release_rx.recv_timeout(PATIENCE);
        }));
        releases.push(release);
        // Seen running before the next spawn, so the list's order is the spawn order.
        expect!(
            started.recv_timeout(PATIENCE).is_ok(),
            "the body of {name:?} did not start within 2 s"
        );
    }
    let mut workers: Vec<_> = workers.into_iter().map(Some).collect();
    let mut end = |index: usize, left: usize| {
        let _ = releases[index].send(());
        if let Some(worker) = workers[index].take() {
            expect_eq!(worker.join(), Ok(()), "join() of a held body");
        }
        expect_eq!(
            registry.active_count(),
            left,
            "active_count() after a thread ended and was joined"
        );
    };
    end(0, 4);
    expect_eq!(
        names(&registry.enumerate()),
        ["second", "third", "fourth", "fifth"],
        "enumerate() after the first of 5 threads ended (the others in spawn order)"
    );
    end(2, 3);
    expect_eq!(
        names(&registry.enumerate()),
        ["second", "fourth", "fifth"],
        "enumerate() after \"first\" and \"third\" ended (the others in spawn order)"
    );
    for (index, left) in [(1, 2), (3, 1), (4, 0)] {
        end(index, left);
    }

    // Two live threads with the same name: when the later one ends, the earlier one stays listed
    // (entries belong to threads, told apart by id; names need not be unique).
    let (started_tx, started) = mpsc::channel();
    let mut twins = Vec::new();
    let mut releases = Vec::new();
    for _ in 0..2 {
        let (release, release_rx) = mpsc::channel::<()>();
        let started_tx = started_tx.clone();
        twins.push(registry.spawn("twin", move || {
            let _ = started_tx.send(());
            let _ = release_rx.recv_timeout(PATIENCE);
        }));
        releases.push(release);
        expect!(
            started.recv_timeout(PATIENCE).is_ok(),
            "the body of a \"twin\" did not start within 2 s"
        );
    }
    let later = twins.pop().expect("two twins");
    let _ = releases[1].send(());
    expect_eq!(later.join(), Ok(()), "join() of the second \"twin\"");
    expect_eq!(
        registry.enumerate(),
        vec![twins[0].info().clone()],
        "enumerate() after the second of two live threads both named \"twin\" ended (the first twin's entry, \
         with its id, must stay: remove the entry of the thread that ended, found by its id, not the first one \
         with its name)"
    );
    let _ = releases[0].send(());
    expect_eq!(
        twins.pop().expect("the first twin").join(),
        Ok(()),
        "join() of the first \"twin\""
    );
}

fn finished_threads_leave_without_join() {
    let registry = Registry::new();
    let (release, release_rx) = mpsc::channel::<()>();
    let keeper = registry.spawn("keeper", move || {
        let _ = release_rx.recv_timeout(PATIENCE);
    });
    let (done_tx, done) = mpsc::channel();
    let quick = registry.spawn("quick", move || {
        let _ = done_tx.send(());
    });
    expect!(
        done.recv_timeout(PATIENCE).is_ok(),
        "the body of \"quick\" did not run within 2 s"
    );
    expect!(
        eventually(|| names(&registry.enumerate()) == ["keeper"]),
        "a thread should leave the registry as soon as its body returns, without join(): expected only \
         [\"keeper\"] in enumerate(), still {:?} after 2 s",
        names(&registry.enumerate())
    );
    drop(quick); // detached, already finished
    let (done_tx, done) = mpsc::channel();
    drop(registry.spawn("detached", move || {
        let _ = done_tx.send(());
    }));
    expect!(
        done.recv_timeout(PATIENCE).is_ok(),
        "the body of \"detached\" did not run within 2 s"
    );
    expect!(
        eventually(|| registry.active_count() == 1),
        "a thread whose handle was dropped must still leave the registry when its body returns: \
         active_count() is {} 2 s later, enumerate() is {:?}",
        registry.active_count(),
        names(&registry.enumerate())
    );

    // A body that ends before spawn() returns: `lesson02::thread` lets the new thread run its whole
    // body (and whatever spawn() gave it to run after the body) before spawn() goes on. Its entry
    // must not outlive it.
    let quick = {
        let _first = hold::run_first();
        registry.spawn("over-at-once", || 5)
    };
    expect!(
        eventually(|| names(&registry.enumerate()) == ["keeper"]),
        "a thread whose body ended before spawn() returned (its thread ran to the end first, as a quick body \
         can) must not stay listed: enumerate() is still {:?} 2 s later. If spawn() adds the entry after the \
         spawn without holding the list's lock across it, the thread's removal comes first and finds nothing",
        names(&registry.enumerate())
    );
    expect_eq!(quick.join(), Ok(5), "join() of \"over-at-once\"");

    let _ = release.send(());
    expect_eq!(keeper.join(), Ok(()), "join() of \"keeper\"");
    expect_eq!(
        registry.active_count(),
        0,
        "active_count() after the last thread was joined"
    );
}

fn panicked_threads_leave_the_registry() {
    let registry = Registry::new();
    let (go, go_rx) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel();
    let doomed = registry.spawn("doomed", move || -> u32 {
        let _ = started_tx.send(());
        let _ = go_rx.recv_timeout(PATIENCE);
        panic!("out of cheese");
    });
    expect!(
        started.recv_timeout(PATIENCE).is_ok(),
        "the body of \"doomed\" did not start within 2 s"
    );
    expect_eq!(
        names(&registry.enumerate()),
        ["doomed"],
        "enumerate() while the body waits to panic"
    );
    let _ = go.send(());
    expect!(
        eventually(|| registry.active_count() == 0),
        "a thread whose body panicked should leave the registry (without join()): active_count() is still \
         {} after 2 s, enumerate() is {:?}",
        registry.active_count(),
        names(&registry.enumerate())
    );
    let joined = doomed.join();
    expect!(
        joined.is_err(),
        "join() of a body that panicked should be Err, got {joined:?}"
    );
    expect_eq!(
        registry.active_count(),
        0,
        "active_count() after joining the panicked thread"
    );

    // And once more, joined straight away: the entry must be gone by the time join() returns.
    let again = spawn_held(&registry, "doomed-again", || panic!("still no cheese"));
    let joined = again.join();
    expect!(
        joined.is_err(),
        "join() of a body that panicked should be Err, got {joined:?}"
    );
    expect_eq!(
        names(&registry.enumerate()),
        Vec::<String>::new(),
        "enumerate() right after join() returned the panic of \"doomed-again\""
    );
}

fn join_reports_the_panic_message() {
    let registry = Registry::new();
    let literal = spawn_held(&registry, "literal", || -> u8 { panic!("plain text panic") });
    expect_eq!(
        literal.join(),
        Err(ThreadPanicked {
            name: "literal".into(),
            message: "plain text panic".into()
        }),
        "join() of a body that ran panic!(\"plain text panic\") (a &str payload)"
    );
    let shown = ThreadPanicked {
        name: "literal".into(),
        message: "plain text panic".into(),
    }
    .to_string();
    expect!(
        shown.contains("'literal'") && shown.contains("plain text panic"),
        "the Display of ThreadPanicked {{ name: \"literal\", message: \"plain text panic\" }} should name the \
         thread and give the message, got {shown:?}"
    );
    let disk = 3;
    let formatted = spawn_held(&registry, "formatted", move || -> u8 {
        panic!("disk {disk} is full")
    });
    expect_eq!(
        formatted.join(),
        Err(ThreadPanicked {
            name: "formatted".into(),
            message: "disk 3 is full".into()
        }),
        "join() of a body that ran panic!(\"disk {{disk}} is full\") with disk = 3 (a String payload)"
    );
    let odd = spawn_held(&registry, "odd", || -> u8 { std::panic::panic_any(42_i32) });
    expect_eq!(
        odd.join(),
        Err(ThreadPanicked {
            name: "odd".into(),
            message: "Box<dyn Any>".into()
        }),
        "join() of a body that ran std::panic::panic_any(42_i32) (neither &str nor String)"
    );
    expect_eq!(
        spawn_held(&registry, "fine", || 8_u8).join(),
        Ok(8),
        "join() of a body that returned 8"
    );
    expect_eq!(
        panic_message(Box::new("a str")),
        "a str",
        "panic_message(Box::new(\"a str\"))"
    );
    expect_eq!(
        panic_message(Box::new(String::from("a String"))),
        "a String",
        "panic_message of a boxed String"
    );
    expect_eq!(
        registry.active_count(),
        0,
        "active_count() after every thread was joined"
    );
}

fn current_names_the_calling_thread() {
    let registry = Registry::new();
    expect_eq!(
        registry.current(),
        None,
        "current() on the test's own thread (it was not spawned by the registry)"
    );
    let (seen_tx, seen) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    // Held back until spawn returned: this test is about current(), not about when spawn lists.
    let outer = {
        let through = registry.clone();
        let registry = registry.clone();
        spawn_held(&through, "outer", move || {
            let me = registry.current();
            let inner = spawn_held(&registry, "inner", {
                let registry = registry.clone();
                move || registry.current()
            });
            let inner_saw = inner.join();
            let _ = seen_tx.send((me, thread::current().id(), inner_saw));
            let _ = release_rx.recv_timeout(PATIENCE);
        })
    };
    let (outer_saw, outer_id, inner_saw) = seen
        .recv_timeout(PATIENCE)
        .expect("the outer body reports within 2 s");
    expect_eq!(
        outer_saw,
        Some(ThreadInfo {
            name: "outer".into(),
            id: outer_id
        }),
        "registry.current() inside the body of \"outer\""
    );
    let inner_saw = inner_saw.expect("the inner body returns normally");
    expect!(
        inner_saw
            .as_ref()
            .is_some_and(|info| info.name == "inner" && info.id != outer_id),
        "registry.current() inside \"inner\" (spawned from \"outer\" through a clone of the registry) \
         should be inner's own entry; got {inner_saw:?}"
    );
    expect_eq!(
        names(&registry.enumerate()),
        ["outer"],
        "enumerate() after \"inner\" was joined, \"outer\" still running"
    );
    expect_eq!(
        registry.current(),
        None,
        "current() on the test's own thread while \"outer\" runs"
    );
    let _ = release.send(());
    expect_eq!(outer.join(), Ok(()), "join() of \"outer\"");

    // Two live threads with the same name: each must get its own entry (names are not unique, ids are).
    let (go, go_rx) = mpsc::channel::<()>();
    let go_rx = Arc::new(Mutex::new(go_rx));
    let (seen_tx, seen) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(Mutex::new(release_rx));
    let twins: Vec<_> = (0..2)
        .map(|_| {
            let (registry, go_rx, seen_tx, release_rx) = (
                registry.clone(),
                Arc::clone(&go_rx),
                seen_tx.clone(),
                Arc::clone(&release_rx),
            );
            registry.clone().spawn("twin", move || {
                let _ = go_rx.lock().unwrap().recv_timeout(PATIENCE);
                let _ = seen_tx.send((thread::current().id(), registry.current()));
                let _ = release_rx.lock().unwrap().recv_timeout(PATIENCE);
            })
        })
        .collect();
    for _ in 0..2 {
        let _ = go.send(());
    }
    for _ in 0..2 {
        let (id, got) = seen
            .recv_timeout(PATIENCE)
            .expect("both \"twin\" bodies report within 2 s");
        expect_eq!(
            got,
            Some(ThreadInfo {
                name: "twin".into(),
                id
            }),
            "registry.current() inside one of two live threads both named \"twin\" (it must be the caller's own \
             entry: look it up by thread id, not by name)"
        );
    }
    for _ in 0..2 {
        let _ = release.send(());
    }
    for twin in twins {
        expect_eq!(twin.join(), Ok(()), "join() of a \"twin\"");
    }
}

fn registries_are_independent() {
    let first = Registry::new();
    let second = Registry::new();
    let (release, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(Mutex::new(release_rx));
    let (ids_tx, ids) = mpsc::channel();
    let mut spawned = Vec::new();
    for (registry, name) in [
        (&first, "in-first"),
        (&second, "in-second"),
        (&second, "also-in-second"),
    ] {
        spawned.push(registry.spawn(name, held_body(ids_tx.clone(), Arc::clone(&release_rx))));
        // Seen running before the next spawn, so the lists' order is the spawn order.
        ids.recv_timeout(PATIENCE)
            .expect("every spawned body starts within 2 s");
    }
    let [a, b, c]: [_; 3] = spawned.try_into().unwrap_or_else(|_| unreachable!());
    expect_eq!(
        names(&first.enumerate()),
        ["in-first"],
        "first.enumerate() (two Registry::new() values)"
    );
    expect_eq!(
        names(&second.enumerate()),
        ["in-second", "also-in-second"],
        "second.enumerate()"
    );
    expect_eq!(
        first.clone().active_count(),
        1,
        "first.clone().active_count() (a clone shares the list)"
    );
    for _ in 0..3 {
        let _ = release.send(());
    }
    for worker in [a, b, c] {
        expect!(
            worker.join().is_ok(),
            "join() of a held body that returned normally"
        );
    }
    expect_eq!(
        (first.active_count(), second.active_count()),
        (0, 0),
        "active counts after all were joined"
    );
}

/// One operation of the differential test.
#[derive(Debug, Clone)]
enum Op {
    /// `spawn` a thread with this name (through a clone of the registry every other time); `held`:
    /// while `lesson02::thread` holds it back, looking at the list the instant `spawn` returned.
    Spawn { name: &'static str, held: bool },
    /// `spawn` into a second registry.
    SpawnElsewhere(&'static str),
    /// The `nth` live thread (counting modulo how many there are) ends, returning or panicking;
    /// `join`ed, or left alone (the handle dropped) and awaited until its thread has exited.
    End { nth: usize, panics: bool, join: bool },
    /// `enumerate()` and `active_count()` of both registries, `current()` on the test's thread.
    Look,
    /// The `nth` live thread calls `current()` and reports it.
    AskCurrent(usize),
}

/// What a body is told to do.
enum Command {
    Current,
    End { panics: bool },
}

/// Names, with duplicates: names need not be unique, ids are.
const NAMES: [&str; 6] = ["twin", "twin", "a", "", "ünï", "long-name-over-fifteen-bytes"];

fn operations(g: &mut threadlab_harness::generate::Gen) -> Vec<Op> {
    let len = g.count_in(4, 24);
    (0..len)
        .map(|_| match g.range(0, 11) {
            0..=3 => Op::Spawn {
                name: g.pick(&NAMES),
                held: g.one_in(4),
            },
            4 => Op::SpawnElsewhere(g.pick(&NAMES)),
            5..=7 => Op::End {
                nth: g.range(0, 7) as usize,
                panics: g.one_in(3),
                join: !g.one_in(3),
            },
            8..=9 => Op::Look,
            _ => Op::AskCurrent(g.range(0, 7) as usize),
        })
        .collect()
}

thread_local! {
    /// Set by a body: tells the test when its thread has exited (thread-local destructors run after
    /// everything the thread was given, the registry's own bookkeeping included).
    static ON_EXIT: std::cell::RefCell<Option<Exited>> = const { std::cell::RefCell::new(None) };
}

struct Exited(mpsc::Sender<()>);

impl Drop for Exited {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// Runs generated operations on `$krate::advanced::Registry` (the learner's `lesson02` or
/// `reference`) and returns what each showed, as plain text: threads named by their name and the
/// position in which the test spawned them (`"twin#3"`), found through the ids the bodies report.
macro_rules! run_operations {
    ($krate:ident, $ops:expr) => {{
        use $krate::advanced::{Registry, ThreadInfo};
        use $krate::thread::hold;
        use std::collections::HashMap;
        let ops: &Vec<Op> = $ops;
        let registry = Registry::new();
        let elsewhere = Registry::new();
        let ids: Arc<Mutex<HashMap<ThreadId, usize>>> = Arc::default();
        let show = |info: &ThreadInfo| {
            let index = ids.lock().unwrap().get(&info.id).copied();
            match index {
                Some(index) => format!("{}#{index}", info.name),
                None => format!("{}#(an id no body has)", info.name),
            }
        };
        let list = |infos: Vec<ThreadInfo>| infos.iter().map(&show).collect::<Vec<_>>().join(", ");
        // The live threads of `registry`: the handle, the body's commands and answers, its exit.
        let mut live = Vec::new();
        let mut others = Vec::new();
        let mut seen = Vec::new();
        let mut spawned = 0;
        for op in ops {
            match op {
                Op::Spawn { name, .. } | Op::SpawnElsewhere(name) => {
                    let index = spawned;
                    spawned += 1;
                    let (command_tx, command_rx) = mpsc::channel::<Command>();
                    let (answer_tx, answer_rx) = mpsc::channel::<Option<ThreadInfo>>();
                    let (exit_tx, exit_rx) = mpsc::channel::<()>();
                    let (started_tx, started_rx) = mpsc::channel::<()>();
                    let target = if matches!(op, Op::SpawnElsewhere(_)) { &elsewhere } else { &registry };
                    let body = {
                        let (registry, ids) = (target.clone(), Arc::clone(&ids));
                        move || {
                            ids.lock().unwrap().insert(thread::current().id(), index);
                            ON_EXIT.with(|e| *e.borrow_mut() = Some(Exited(exit_tx)));
                            let _ = started_tx.send(());
                            loop {
                                match command_rx.recv_timeout(PATIENCE) {
                                    Ok(Command::Current) => {
                                        let _ = answer_tx.send(registry.current());
                                    }
                                    Ok(Command::End { panics: true }) if index % 2 == 0 => {
                                        panic!("body {index} panics")
                                    }
                                    Ok(Command::End { panics: true }) => panic!("a body panics"),
                                    Ok(Command::End { panics: false }) | Err(_) => return index,
                                }
                            }
                        }
                    };
                    let held = matches!(op, Op::Spawn { held: true, .. });
                    let (handle, at_once) = if held {
                        let _held = hold::new_threads();
                        let handle = target.spawn(*name, body);
                        let at_once = format!(
                            " (the instant it returned, the thread held back: [{}], count {})",
                            target.enumerate().iter().map(|i| i.name.clone()).collect::<Vec<_>>().join(", "),
                            target.active_count()
                        );
                        (handle, at_once)
                    } else if index % 2 == 0 {
                        (target.clone().spawn(*name, body), String::new())
                    } else {
                        (target.spawn(*name, body), String::new())
                    };
                    let ran = started_rx.recv_timeout(PATIENCE).is_ok();
                    seen.push(format!(
                        "spawn({name:?}): info {}{at_once}{}",
                        show(handle.info()),
                        if ran { "" } else { " (its body never ran)" }
                    ));
                    let thread = (handle, command_tx, answer_rx, exit_rx);
                    if matches!(op, Op::SpawnElsewhere(_)) {
                        others.push(thread);
                    } else {
                        live.push(thread);
                    }
                    seen.push(format!("then enumerate() [{}]", list(registry.enumerate())));
                }
                Op::End { nth, panics, join } => {
                    if live.is_empty() {
                        continue;
                    }
                    let (handle, commands, _, exit) = live.remove(nth % live.len());
                    let who = show(handle.info());
                    let _ = commands.send(Command::End { panics: *panics });
                    if *join {
                        let joined = match handle.join() {
                            Ok(value) => format!("Ok({value})"),
                            Err(error) => format!("Err({:?}: {:?})", error.name, error.message),
                        };
                        seen.push(format!("{who} ended, join(): {joined}"));
                    } else {
                        drop(handle);
                        let exited = exit.recv_timeout(PATIENCE).is_ok();
                        seen.push(format!(
                            "{who} ended, its handle dropped{}",
                            if exited { "" } else { " (its thread never exited)" }
                        ));
                    }
                    seen.push(format!(
                        "then enumerate() [{}], active_count() {}",
                        list(registry.enumerate()),
                        registry.active_count()
                    ));
                }
                Op::Look => {
                    seen.push(format!(
                        "enumerate() [{}], active_count() {}; the other registry [{}], {}; current() on the test's \
                         thread: {:?}",
                        list(registry.enumerate()),
                        registry.active_count(),
                        list(elsewhere.enumerate()),
                        elsewhere.active_count(),
                        registry.current().as_ref().map(&show)
                    ));
                }
                Op::AskCurrent(nth) => {
                    if live.is_empty() {
                        continue;
                    }
                    let (handle, commands, answers, _) = &live[nth % live.len()];
                    let _ = commands.send(Command::Current);
                    let answer = answers.recv_timeout(PATIENCE);
                    seen.push(format!(
                        "current() inside {}: {}",
                        show(handle.info()),
                        match answer {
                            Ok(info) => format!("{:?}", info.as_ref().map(&show)),
                            Err(_) => "no answer in 2 s".to_owned(),
                        }
                    ));
                }
            }
        }
        for (handle, commands, _, _) in live.into_iter().chain(others) {
            let _ = commands.send(Command::End { panics: false });
            let _ = handle.join();
        }
        seen.push(format!(
            "at the end, every thread joined: [{}] and [{}]",
            list(registry.enumerate()),
            list(elsewhere.enumerate())
        ));
        seen
    }};
}

/// Generated operations (spawns into two registries, names repeated, some held back before the
/// body runs; threads ending in any order, returning or panicking, joined or left alone; looks at
/// both lists and `current()` from the test and from inside bodies) show the same lists, counts,
/// entries and join results as the reference, operation by operation.
fn operation_sequences_match_the_reference() {
    threadlab_harness::generate::differential(
        23,
        50,
        "what each operation showed, for Registry::new() then these operations",
        operations,
        |ops| run_operations!(lesson02, ops),
        |ops| run_operations!(reference, ops),
    );
}
