//! `cargo xtask grade` on buggy versions of lessons 01 and 02: each bug the lessons warn about costs
//! points in its own tier only, with the same verdict on every run (each fixture forces the
//! interleaving that shows its bug, or checks only what holds every time).

mod common;

use common::*;

/// Grades the reference of `lesson_dir` with `edits` applied and checks that exactly `failing`
/// tests did not pass, all in tier `tier` (0 beginner, 1 intermediate, 2 advanced), which scores
/// `score` of 20 while the other tiers keep full marks.
fn costs(
    lesson: &str,
    lesson_dir: &str,
    edits: &[(&str, &str, &str)],
    tier: usize,
    score: u64,
    failing: &[&str],
) {
    let dir = submission(lesson_dir, edits);
    let report = grade_json(lesson, dir.path());
    let mut not_passed = not_passed(&report);
    not_passed.sort();
    assert_eq!(not_passed, failing, "{report}");
    for (index, (got, status)) in tiers(&report).into_iter().enumerate() {
        if index == tier {
            assert_eq!(
                (got, status.as_str()),
                (score, "partial"),
                "tier {index}: {report}"
            );
        } else {
            assert_eq!((got, status.as_str()), (20, "passed"), "tier {index}: {report}");
        }
    }
    for name in failing {
        let entry = test(&report, name);
        assert_eq!(entry["status"], "failed", "{entry}");
        assert!(!entry["message"].as_str().unwrap().is_empty(), "{entry}");
    }
}

/// `sum_chunks_with` calls `sum_chunk` on the caller's thread and only hands the partial sums to threads:
/// the sum is right, but no chunk is summed on a thread of its own.
#[test]
fn chunks_summed_on_the_calling_thread_cost_intermediate_points_only() {
    costs(
        "lesson01",
        "lesson01-threads",
        &[(
            "intermediate",
            r#"handles.push(s.spawn(move || sum_chunk(chunk)));"#,
            r#"let partial = sum_chunk(chunk);
            handles.push(s.spawn(move || partial));"#,
        )],
        1,
        13,
        // The differential test sees it too: each chunk on a new thread of its own; and the checker's
        // test, where the chunks wait for each other: one summed on the caller waits for ever.
        &[
            "chunks_and_checks_meet_in_any_schedule",
            "generated_inputs_match_the_reference",
            "sum_chunks_sums_every_chunk_on_its_own_thread",
        ],
    );
}

/// `run_concurrently` collects the results through a channel as the threads finish: the order then
/// depends on the scheduler, so it is forced (reverse finishing order) and fails on every run; a
/// panicking task just sends nothing, and is swallowed.
#[test]
fn results_in_finishing_order_cost_beginner_points_only() {
    costs(
        "lesson01",
        "lesson01-threads",
        &[(
            "beginner",
            r#"let handles: Vec<JoinHandle<T>> = tasks.into_iter().map(thread::spawn).collect();"#,
            r#"let (sender, finished) = crate::sync::mpsc::channel();
    let count = tasks.len();
    for task in tasks {
        let sender = sender.clone();
        thread::spawn(move || {
            let _ = sender.send(task());
        });
    }
    drop(sender);
    if count < usize::MAX {
        return finished.iter().take(count).collect();
    }
    let handles: Vec<JoinHandle<T>> = Vec::new();"#,
        )],
        0,
        12,
        // The checker's test sees the finishing order too.
        &[
            "a_panicking_task_is_not_swallowed",
            "generated_tasks_match_the_reference",
            "results_come_back_in_input_order",
            "tasks_that_wait_for_each_other_finish_in_any_schedule",
        ],
    );
}

/// `run_concurrently` spawns and joins in one lazy iterator chain, so each task is joined before the
/// next is spawned.
#[test]
fn spawn_and_join_in_one_lazy_chain_cost_beginner_points_only() {
    costs(
        "lesson01",
        "lesson01-threads",
        &[(
            "beginner",
            r#"let handles: Vec<JoinHandle<T>> = tasks.into_iter().map(thread::spawn).collect();"#,
            r#"let handles = tasks.into_iter().map(thread::spawn);"#,
        )],
        0,
        15,
        // The checker's test deadlocks on it too (tasks that wait for each other).
        &[
            "tasks_all_run_at_the_same_time",
            "tasks_that_wait_for_each_other_finish_in_any_schedule",
        ],
    );
}

/// `start` leaves `Running` for the new thread to write: right after `start` returns the state can
/// still be `New`.
#[test]
fn running_written_by_the_new_thread_costs_beginner_points_only() {
    costs(
        "lesson02",
        "lesson02-lifecycle",
        &[
            (
                "beginner",
                r#"*lock(&self.state) = ThreadState::Running;"#,
                r#"let running = Arc::clone(&self.state);"#,
            ),
            (
                "beginner",
                r#"let _finished = finished;
                body()"#,
                r#"*lock(&running) = ThreadState::Running;
                let _finished = finished;
                body()"#,
            ),
        ],
        0,
        13,
        &[
            "call_sequences_match_the_reference",
            "state_is_running_as_soon_as_start_returns",
        ],
    );
}

/// `ThreadContext::lock` turns a poisoned mutex into `Ok`, unlike `Mutex::lock`.
#[test]
fn a_poisoned_mutex_locked_as_ok_costs_intermediate_points_only() {
    costs(
        "lesson02",
        "lesson02-lifecycle",
        &[
            (
                "intermediate",
                r#"Err(TryLockError::Poisoned(poisoned)) => Err(poisoned),"#,
                r#"Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),"#,
            ),
            (
                "intermediate",
                r#"let result = mutex.lock();"#,
                r#"let result = Ok(mutex.lock().unwrap_or_else(|e| e.into_inner()));"#,
            ),
        ],
        1,
        15,
        // The differential test sees it too: ctx.lock's result like mutex.lock()'s.
        &[
            "generated_bodies_match_the_reference",
            "lock_reports_a_poisoned_mutex_like_mutex_lock",
        ],
    );
}

/// a thread that ends leaves the registry by `swap_remove`, so `enumerate()` loses spawn order.
#[test]
fn removal_by_swapping_costs_advanced_points_only() {
    costs(
        "lesson02",
        "lesson02-lifecycle",
        &[(
            "advanced",
            r#"self.registry.lock().retain(|info| info.id != self.id);"#,
            r#"let mut list = self.registry.lock();
        if let Some(i) = list.iter().position(|info| info.id == self.id) {
            list.swap_remove(i);
        }"#,
        )],
        2,
        16,
        &[
            "enumerate_keeps_spawn_order_when_threads_end",
            "operation_sequences_match_the_reference",
        ],
    );
}

/// `current()` finds the caller by name, so two live threads named alike get the same entry.
#[test]
fn current_found_by_name_costs_advanced_points_only() {
    costs(
        "lesson02",
        "lesson02-lifecycle",
        &[(
            "advanced",
            r#"let id = thread::current().id();
        self.lock().iter().find(|info| info.id == id).cloned()"#,
            r#"let name = thread::current().name().map(str::to_owned);
        self.lock().iter().find(|info| Some(&info.name) == name.as_ref()).cloned()"#,
        )],
        2,
        16,
        &[
            "current_names_the_calling_thread",
            "operation_sequences_match_the_reference",
        ],
    );
}

/// the new thread lists itself when it starts running, instead of `spawn` listing it before it
/// returns.
#[test]
fn listing_left_to_the_new_thread_costs_advanced_points_only() {
    costs(
        "lesson02",
        "lesson02-lifecycle",
        &[
            (
                "advanced",
                r#"                let _leave = Leave {"#,
                r#"                let me = thread::current();
                registry.lock().push(ThreadInfo {
                    name: me.name().unwrap_or_default().to_owned(),
                    id: me.id(),
                });
                let _leave = Leave {"#,
            ),
            ("advanced", r#"threads.push(info.clone());"#, r#""#),
        ],
        2,
        15,
        &[
            "listed_before_spawn_returns",
            "operation_sequences_match_the_reference",
        ],
    );
}
