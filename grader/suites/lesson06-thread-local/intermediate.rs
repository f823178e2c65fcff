//! Hidden tests, intermediate tier: the request context (`with_request_id`, `current_request_id`,
//! `log_line`) and `spawn_with_context`.
//!
//! Each test calls the learner's code on its own thread first, so a `todo!()` is reported as not
//! started before any helper thread waits at a barrier. Two threads that must hold requests "at the
//! same time" both set their id before either reads it back (a `Barrier` in between), so a context
//! shared by the whole process is caught on every run.

use lesson06::intermediate::{current_request_id, log_line, spawn_with_context, with_request_id};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use threadlab_harness::wait::{PATIENCE, within_patience};
use threadlab_harness::{catch_panic, expect, expect_eq};

fn main() {
    threadlab_harness::main(&[
        (
            "log_line_tags_the_current_request",
            log_line_tags_the_current_request,
        ),
        (
            "nested_requests_restore_the_outer_id",
            nested_requests_restore_the_outer_id,
        ),
        (
            "a_panic_restores_the_previous_id",
            a_panic_restores_the_previous_id,
        ),
        ("request_ids_are_per_thread", request_ids_are_per_thread),
        (
            "spawn_with_context_carries_the_id",
            spawn_with_context_carries_the_id,
        ),
        (
            "spawn_with_context_returns_at_once",
            spawn_with_context_returns_at_once,
        ),
        (
            "request_programs_match_the_reference",
            request_programs_match_the_reference,
        ),
        (
            "request_ids_stay_per_thread_on_every_schedule",
            request_ids_stay_per_thread_on_every_schedule,
        ),
    ]);
}

fn some(id: &str) -> Option<String> {
    Some(id.to_owned())
}

fn log_line_tags_the_current_request() {
    expect_eq!(
        current_request_id(),
        None,
        "current_request_id() outside of any request"
    );
    expect_eq!(
        log_line("starting up"),
        "[no-request] starting up",
        "log_line(\"starting up\") outside of any request"
    );
    let inside = with_request_id("req-42", || (current_request_id(), log_line("saved")));
    expect_eq!(
        inside,
        (some("req-42"), "[req-42] saved".to_owned()),
        "current_request_id() and log_line(\"saved\") inside with_request_id(\"req-42\", ..)"
    );
    expect_eq!(
        with_request_id("req-1", || 6 * 7),
        42,
        "the value returned by with_request_id(\"req-1\", || 6 * 7)"
    );
    expect_eq!(
        (current_request_id(), log_line("done")),
        (None, "[no-request] done".to_owned()),
        "current_request_id() and log_line(\"done\") after with_request_id returned"
    );
}

fn nested_requests_restore_the_outer_id() {
    let seen = with_request_id("outer", || {
        let inner = with_request_id("inner", current_request_id);
        let after_inner = current_request_id();
        let deeper = with_request_id("a", || with_request_id("b", || log_line("deep")));
        let after_deeper = log_line("back");
        (inner, after_inner, deeper, after_deeper)
    });
    let (inner, after_inner, deeper, after_deeper) = seen;
    expect_eq!(
        inner,
        some("inner"),
        "current_request_id() inside with_request_id(\"inner\", ..) nested in \"outer\""
    );
    expect!(
        after_inner == some("outer"),
        "expected the outer request's id Some(\"outer\") to be current again after the nested \
         with_request_id(\"inner\", ..) returned, got {after_inner:?}"
    );
    expect_eq!(
        deeper,
        "[b] deep",
        "log_line(\"deep\") inside \"b\" nested in \"a\" nested in \"outer\""
    );
    expect!(
        after_deeper == "[outer] back",
        "expected log_line(\"back\") to give \"[outer] back\" after two nested requests ended \
         inside \"outer\", got {after_deeper:?}"
    );
    expect_eq!(
        current_request_id(),
        None,
        "current_request_id() after the outer request ended"
    );
}

fn a_panic_restores_the_previous_id() {
    expect_eq!(
        with_request_id("warm-up", current_request_id),
        some("warm-up"),
        "current_request_id() inside with_request_id(\"warm-up\", ..)"
    );
    let (caught, after) = with_request_id("outer", || {
        let caught = catch_panic(|| with_request_id("inner", || panic!("handler failed")));
        (caught, current_request_id())
    });
    expect!(
        caught.as_ref().is_err_and(|m| m.contains("handler failed")),
        "expected the panic inside with_request_id(\"inner\", ..) to reach the caller, but \
         with_request_id returned normally"
    );
    expect!(
        after == some("outer"),
        "after a panic inside with_request_id(\"inner\", ..) nested in \"outer\", expected \
         Some(\"outer\") to be current again, got {after:?} (the previous id must be put back \
         while the panic unwinds)"
    );
    let caught = catch_panic(|| with_request_id("lonely", || -> () { panic!("boom") }));
    expect!(
        caught.is_err(),
        "expected the panic inside with_request_id(\"lonely\", ..) to reach the caller"
    );
    let now = current_request_id();
    expect!(
        now.is_none(),
        "after a panic inside with_request_id(\"lonely\", ..) outside any request, expected no \
         request id, got {now:?}"
    );
}

fn request_ids_are_per_thread() {
    expect_eq!(
        with_request_id("main", current_request_id),
        some("main"),
        "current_request_id() inside with_request_id(\"main\", ..)"
    );
    let both_set = Arc::new(Barrier::new(2));
    let handles: Vec<_> = ["req-a", "req-b"]
        .into_iter()
        .map(|id| {
            let both_set = Arc::clone(&both_set);
            thread::spawn(move || {
                with_request_id(id, || {
                    // Both threads are inside their request before either reads its id.
                    both_set.wait();
                    let seen = (current_request_id(), log_line("working"));
                    both_set.wait();
                    seen
                })
            })
        })
        .collect();
    for (handle, id) in handles.into_iter().zip(["req-a", "req-b"]) {
        let seen = handle.join();
        expect!(
            seen.is_ok(),
            "a thread inside with_request_id(\"{id}\", ..) panicked"
        );
        let (current, line) = seen.unwrap();
        expect!(
            current == some(id) && line == format!("[{id}] working"),
            "two threads ran with_request_id at the same time, one with \"req-a\" and one with \
             \"req-b\": the \"{id}\" thread saw current_request_id() = {current:?} and \
             log_line(\"working\") = {line:?}, expected Some({id:?}) and \"[{id}] working\" \
             (the request id must be per thread)"
        );
    }
    expect_eq!(
        current_request_id(),
        None,
        "current_request_id() on the test's thread, which had no request while the others ran"
    );
    let plain = with_request_id("req-9", || thread::spawn(|| log_line("plain")).join());
    expect!(
        matches!(plain.as_deref(), Ok("[no-request] plain")),
        "expected a thread started with plain thread::spawn inside with_request_id(\"req-9\", ..) \
         to log \"[no-request] plain\" (thread-locals are not inherited), got {plain:?}"
    );
}

fn spawn_with_context_carries_the_id() {
    let bare = spawn_with_context(|| (current_request_id(), log_line("bare"))).join();
    expect!(
        bare.is_ok(),
        "the thread started by spawn_with_context outside any request panicked"
    );
    expect_eq!(
        bare.unwrap(),
        (None, "[no-request] bare".to_owned()),
        "what a thread from spawn_with_context outside any request sees"
    );
    // Joined only after the request ended: the child must have its own copy of the id.
    let handle = with_request_id("req-7", || {
        spawn_with_context(|| (current_request_id(), log_line("child")))
    });
    let seen = handle.join();
    expect!(
        seen.is_ok(),
        "the thread started by spawn_with_context inside \"req-7\" panicked"
    );
    let (current, line) = seen.unwrap();
    expect!(
        current == some("req-7") && line == "[req-7] child",
        "a thread started by spawn_with_context inside with_request_id(\"req-7\", ..) saw \
         current_request_id() = {current:?} and log_line(\"child\") = {line:?}; expected \
         Some(\"req-7\") and \"[req-7] child\" (read the id on the caller's thread, before spawning)"
    );
    expect_eq!(
        current_request_id(),
        None,
        "current_request_id() on the caller after the request ended and the child was joined"
    );
    let (child, after) = with_request_id("outer", || {
        let child = spawn_with_context(|| with_request_id("child-own", current_request_id)).join();
        (child.ok().flatten(), current_request_id())
    });
    expect_eq!(
        (child, after),
        (some("child-own"), some("outer")),
        "(the child's own nested id, the caller's id after joining it) when the child of \"outer\" \
         starts a request of its own"
    );
    let caller = thread::current().id();
    let ran_on = with_request_id("req-8", || spawn_with_context(|| thread::current().id()).join());
    expect!(
        ran_on.as_ref().is_ok_and(|id| *id != caller),
        "spawn_with_context inside with_request_id(\"req-8\", ..) ran f on {ran_on:?}, the caller being \
         {caller:?}: f must run on a new thread of its own"
    );
}

fn spawn_with_context_returns_at_once() {
    expect_eq!(
        spawn_with_context(|| 5).join().ok(),
        Some(5),
        "spawn_with_context(|| 5).join()"
    );
    let (go, wait_for_go) = mpsc::channel::<()>();
    // The child waits until the caller has its handle, so a spawn_with_context that waits for the
    // child before returning never returns.
    let handle = within_patience(move || {
        with_request_id("req-3", || spawn_with_context(move || wait_for_go.recv().is_ok()))
    });
    expect!(
        handle.is_some(),
        "spawn_with_context did not return within {PATIENCE:?} while the thread it started was still \
         running: it must hand back the JoinHandle without waiting for the thread"
    );
    let _ = go.send(());
    expect_eq!(
        handle.unwrap().join().ok(),
        Some(true),
        "the result of the thread started by spawn_with_context"
    );
}

/// One step of a generated program for the request-context functions.
#[derive(Debug, Clone)]
enum Step {
    /// Reads `current_request_id()` and `log_line(msg)`.
    Log(&'static str),
    /// `with_request_id(id, ..)` around the inner steps; the closure returns how many lines it saw.
    Request(String, Vec<Step>),
    /// The same, but the closure panics after its steps; the panic is caught around the call.
    Failing(String, Vec<Step>),
    /// `spawn_with_context` running the inner steps on the new thread, joined at once.
    Spawn(Vec<Step>),
}

/// Runs `steps` with crate `$krate`'s functions and writes down everything they show.
macro_rules! program_runner {
    ($name:ident, $krate:ident) => {
        fn $name(steps: &[Step], seen: &mut Vec<String>) {
            use $krate::intermediate::{current_request_id, log_line, spawn_with_context, with_request_id};
            for step in steps {
                match step {
                    Step::Log(msg) => {
                        seen.push(format!("{:?} {:?}", current_request_id(), log_line(msg)));
                    }
                    Step::Request(id, inner) => {
                        let returned = with_request_id(id, || {
                            let mut lines = Vec::new();
                            $name(inner, &mut lines);
                            lines
                        });
                        seen.push(format!("request {id:?} returned {} lines", returned.len()));
                        seen.extend(returned);
                        seen.push(format!("after {:?}", current_request_id()));
                    }
                    Step::Failing(id, inner) => {
                        let mut lines = Vec::new();
                        let caught = catch_panic(|| {
                            with_request_id(id, || {
                                $name(inner, &mut lines);
                                ::core::panic!("the request failed on purpose")
                            })
                        });
                        seen.extend(lines);
                        seen.push(format!(
                            "failing {id:?}: the panic {}; now {:?}",
                            if caught.is_err() {
                                "reached the caller"
                            } else {
                                "was lost"
                            },
                            current_request_id()
                        ));
                    }
                    Step::Spawn(inner) => {
                        let inner = inner.clone();
                        let lines = spawn_with_context(move || {
                            let mut lines = Vec::new();
                            $name(&inner, &mut lines);
                            lines
                        })
                        .join();
                        match lines {
                            Ok(lines) => {
                                seen.push(format!("child saw {} lines", lines.len()));
                                seen.extend(lines);
                            }
                            Err(_) => seen.push("child panicked".to_owned()),
                        }
                        seen.push(format!("after child {:?}", current_request_id()));
                    }
                }
            }
        }
    };
}

program_runner!(run_learner_program, lesson06);

/// Generated programs of nested requests (three deep and more), failing requests, threads started
/// with `spawn_with_context` inside and outside requests, and log lines, with ids of every kind (an
/// empty one, repeated ones, one that looks like the `no-request` tag, brackets, spaces, a newline,
/// non-ASCII letters, a long one) show the same ids and log lines at every step, and return the
/// same values, as the reference.
fn request_programs_match_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    program_runner!(run_reference_program, reference);
    fn id(g: &mut Gen) -> String {
        let long = "r".repeat(300);
        g.pick(&[
            "req-42",
            "req-42",
            "req-1",
            "",
            "no-request",
            "[req-7]",
            "a b",
            "line\nbreak",
            "ünïcödé",
            long.as_str(),
        ])
        .to_owned()
    }
    fn steps(g: &mut Gen, depth: usize) -> Vec<Step> {
        g.vec(4, |g| match g.range(0, 5) {
            0 | 1 => Step::Log(g.pick(&["saved", "", "[no-request] x", "two words"])),
            2 if depth < 4 => Step::Request(id(g), steps(g, depth + 1)),
            3 if depth < 4 => Step::Failing(id(g), steps(g, depth + 1)),
            4 if depth < 3 => Step::Spawn(steps(g, depth + 1)),
            _ => Step::Log("leaf"),
        })
    }
    differential(
        31,
        150,
        "what current_request_id() and log_line showed, and what the calls returned, step by step, \
         for the program",
        |g| steps(g, 0),
        |program| {
            let mut seen = Vec::new();
            run_learner_program(program, &mut seen);
            seen
        },
        |program| {
            let mut seen = Vec::new();
            run_reference_program(program, &mut seen);
            seen
        },
    );
}

/// Requests on several threads while the checker picks who runs (in an `explore` body every spawn,
/// join, lock and atomic access is a point where it may switch threads, and each thread yields
/// inside its requests): on every schedule, each thread sees its own id and nobody else's, nested
/// requests put the outer id back, a thread started with `spawn_with_context` runs with its parent's
/// id, and the test's thread is outside any request at the end.
fn request_ids_stay_per_thread_on_every_schedule() {
    threadlab_harness::explore(40, || {
        let workers: Vec<_> = ["req-a", "req-b"]
            .into_iter()
            .map(|id| {
                lesson06::thread::spawn(move || {
                    let mut seen = Vec::new();
                    with_request_id(id, || {
                        lesson06::thread::yield_now();
                        seen.push(log_line("start"));
                        with_request_id("inner", || {
                            lesson06::thread::yield_now();
                            seen.push(log_line("nested"));
                        });
                        lesson06::thread::yield_now();
                        seen.push(log_line("end"));
                        let child = spawn_with_context(|| {
                            lesson06::thread::yield_now();
                            log_line("child")
                        });
                        seen.push(child.join().expect("the child thread panicked"));
                    });
                    seen.push(log_line("after"));
                    (id, seen)
                })
            })
            .collect();
        let mine = with_request_id("req-main", || {
            lesson06::thread::yield_now();
            log_line("main")
        });
        for worker in workers {
            let (id, seen) = worker.join().expect("a request thread panicked");
            let want = vec![
                format!("[{id}] start"),
                "[inner] nested".to_owned(),
                format!("[{id}] end"),
                format!("[{id}] child"),
                "[no-request] after".to_owned(),
            ];
            expect_eq!(
                seen,
                want,
                "log lines of the thread handling {id:?} (start, a nested \"inner\" request, end, a child from spawn_with_context, then after the request) while another thread and the test's thread handled requests too"
            );
        }
        expect_eq!(
            mine,
            "[req-main] main".to_owned(),
            "log_line(\"main\") inside with_request_id(\"req-main\", ..) on the test's thread, while two other threads handled requests"
        );
        expect_eq!(
            current_request_id(),
            None,
            "current_request_id() on the test's thread after its request ended"
        );
    });
}
