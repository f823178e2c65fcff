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
    ]);
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
    let again = registry.spawn("doomed-again", || panic!("still no cheese"));
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
    let literal = registry.spawn("literal", || -> u8 { panic!("plain text panic") });
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
    let formatted = registry.spawn("formatted", move || -> u8 { panic!("disk {disk} is full") });
    expect_eq!(
        formatted.join(),
        Err(ThreadPanicked {
            name: "formatted".into(),
            message: "disk 3 is full".into()
        }),
        "join() of a body that ran panic!(\"disk {{disk}} is full\") with disk = 3 (a String payload)"
    );
    let odd = registry.spawn("odd", || -> u8 { std::panic::panic_any(42_i32) });
    expect_eq!(
        odd.join(),
        Err(ThreadPanicked {
            name: "odd".into(),
            message: "Box<dyn Any>".into()
        }),
        "join() of a body that ran std::panic::panic_any(42_i32) (neither &str nor String)"
    );
    expect_eq!(
        registry.spawn("fine", || 8_u8).join(),
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
    let outer = {
        let registry = registry.clone();
        registry.clone().spawn("outer", move || {
            let me = registry.current();
            let inner = registry.spawn("inner", {
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
