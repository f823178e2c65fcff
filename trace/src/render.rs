//! Drawing the schedule that broke a test: lanes, one column per thread, trimmed to the steps that
//! matter. For a deadlock, the cycle: who holds which lock and waits for which. Places name the
//! learner's file and line; a place inside a hidden test is shown as "(test)", never its path.

use crate::log::{Event, Object, Op, Place, Snapshot};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// How many steps a drawing shows at most.
pub const STEPS: usize = 12;

/// The marker of the line that carries the trace as JSON inside a failure message.
pub const JSON_MARKER: &str = "threadlab-trace-json ";

/// A drawing of `snapshot`: the text for the learner and the same as JSON. `None` when nothing was
/// recorded.
pub fn draw(snapshot: &Snapshot, deadlock: bool) -> Option<(String, String)> {
    if snapshot.events.is_empty() {
        return None;
    }
    let names = ObjectNames::new(&snapshot.events);
    let cycle = if deadlock {
        cycle(snapshot, &names)
    } else {
        Vec::new()
    };
    let mut story = None;
    let (focus, shown) = if deadlock {
        let involved: BTreeSet<usize> = snapshot.pending.keys().copied().collect();
        let locks: Vec<(usize, &Event)> = numbered(snapshot)
            .filter(|(_, e)| involved.contains(&e.thread) && is_lock_op(&e.op))
            .collect();
        if locks.is_empty() {
            // No thread waits for a lock: each waits for a message, a notification or a thread
            // that never comes (a channel's receiver whose senders are all alive but idle). Their
            // last steps say what each did before it blocked; without this the drawing was empty.
            story = Some(
                "Every thread was blocked, and none on a lock: each waits for a message, a \
                 notification or another thread that never comes."
                    .to_owned(),
            );
            (
                "every thread, before each blocked".to_owned(),
                tail(numbered(snapshot).collect()),
            )
        } else {
            ("the locks of the deadlocked threads".to_owned(), tail(locks))
        }
    } else {
        match focus_object(&snapshot.events) {
            Some(object) => {
                let on_object: Vec<(usize, &Event)> = numbered(snapshot)
                    .filter(|(_, e)| e.object.is_some_and(|o| o.address == object.address))
                    .collect();
                let shown = match stale_write(&on_object) {
                    Some(lost) => {
                        story = Some(lost.story());
                        window(&on_object, lost.first, lost.write)
                    }
                    None => tail(on_object),
                };
                (names.label(&object), shown)
            }
            None => (
                "the whole schedule".to_owned(),
                tail(numbered(snapshot).collect()),
            ),
        }
    };
    let threads: BTreeSet<usize> = shown.iter().map(|(_, e)| e.thread).collect();
    let threads: Vec<usize> = threads.into_iter().collect();

    let mut text = String::new();
    if let Some(story) = &story {
        let _ = writeln!(text, "{story}");
    }
    if !cycle.is_empty() {
        text.push_str("The deadlock, as the checker found it:\n");
        for link in &cycle {
            let _ = writeln!(
                text,
                "  {} holds {} and waits for {} (asked at {}), which {} holds",
                thread_name(link.thread),
                link.holds
                    .iter()
                    .map(|(o, at)| format!("{} (locked at {})", names.label(o), place(at)))
                    .collect::<Vec<_>>()
                    .join(" and "),
                names.label(&link.wants),
                place(&Some(link.asked_at)),
                link.held_by
                    .iter()
                    .map(|t| thread_name(*t))
                    .collect::<Vec<_>>()
                    .join(" and ")
            );
        }
    }
    let _ = writeln!(
        text,
        "The schedule that broke it, thread by thread ({} steps on {focus}):",
        shown.len()
    );
    let cells: Vec<String> = shown
        .iter()
        .map(|(_, e)| cell(e, &names, e.object.is_none_or(|o| Some(o) != focus_of(&shown))))
        .collect();
    let width = cells
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(12, 44)
        + 2;
    let _ = write!(text, "  step ");
    for thread in &threads {
        let _ = write!(text, "{:<width$}", thread_name(*thread));
    }
    text.push('\n');
    for ((step, event), cell) in shown.iter().zip(&cells) {
        let column = threads.iter().position(|t| *t == event.thread).unwrap_or(0);
        let _ = writeln!(text, "  {step:>4} {}{cell}", " ".repeat(column * width));
    }

    let mut json = String::from("{");
    let _ = write!(json, "\"focus\":{},\"threads\":[", quote(&focus));
    json.push_str(
        &threads
            .iter()
            .map(|t| quote(&thread_name(*t)))
            .collect::<Vec<_>>()
            .join(","),
    );
    json.push_str("],\"steps\":[");
    let steps: Vec<String> = shown
        .iter()
        .zip(&cells)
        .map(|((step, e), cell)| {
            format!(
                "{{\"step\":{step},\"thread\":{},\"op\":{},\"text\":{},\"object\":{},\"at\":{}}}",
                quote(&thread_name(e.thread)),
                quote(op_name(&e.op)),
                quote(cell),
                e.object.map_or("null".to_owned(), |o| quote(&names.label(&o))),
                e.at.filter(|p| !in_test(p))
                    .map_or("null".to_owned(), |p| quote(&format!("{}:{}", p.file, p.line)))
            )
        })
        .collect();
    json.push_str(&steps.join(","));
    json.push_str("],\"deadlock\":[");
    let links: Vec<String> = cycle
        .iter()
        .map(|link| {
            format!(
                "{{\"thread\":{},\"holds\":[{}],\"waits_for\":{},\"held_by\":[{}]}}",
                quote(&thread_name(link.thread)),
                link.holds
                    .iter()
                    .map(|(o, _)| quote(&names.label(o)))
                    .collect::<Vec<_>>()
                    .join(","),
                quote(&names.label(&link.wants)),
                link.held_by
                    .iter()
                    .map(|t| quote(&thread_name(*t)))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect();
    json.push_str(&links.join(","));
    json.push_str("]}");
    Some((text, json))
}

/// Events with their step number (1-based, counting events no longer kept).
fn numbered(snapshot: &Snapshot) -> impl Iterator<Item = (usize, &Event)> {
    snapshot
        .events
        .iter()
        .enumerate()
        .map(move |(i, e)| (snapshot.dropped + i + 1, e))
}

fn tail(mut events: Vec<(usize, &Event)>) -> Vec<(usize, &Event)> {
    let skip = events.len().saturating_sub(STEPS);
    events.drain(..skip);
    events
}

/// A write that overwrote another thread's write it never saw: the lost update.
struct StaleWrite {
    /// Indexes into the object's events: where the drawing starts (the first of the two reads) and the
    /// stale write.
    first: usize,
    write: usize,
    /// Step numbers of the read, the other thread's write, and the stale write.
    steps: [usize; 3],
    /// The thread whose write was stale, and the thread whose write it overwrote.
    threads: [usize; 2],
    /// The value read, the value the other thread wrote, the value written from the stale read.
    values: [String; 3],
}

impl StaleWrite {
    fn story(&self) -> String {
        let [read, other, write] = &self.values;
        let [loser, winner] = self.threads;
        let [read_step, other_step, write_step] = self.steps;
        let (loser, winner) = (thread_name(loser), thread_name(winner));
        format!(
            "A lost update: {loser} read {read} (step {read_step}), {winner} then wrote {other} (step \
             {other_step}), and {loser} wrote {write} (step {write_step}), computed from the {read} it had \
             read: {winner}'s update was overwritten."
        )
    }
}

fn written(op: &Op) -> Option<&String> {
    match op {
        Op::Store { value } | Op::Update { new: value, .. } => Some(value),
        _ => None,
    }
}

/// The first store that followed its own thread's load while another thread wrote in between.
fn stale_write(events: &[(usize, &Event)]) -> Option<StaleWrite> {
    let mut last_read: BTreeMap<usize, usize> = BTreeMap::new();
    let mut last_write: Option<usize> = None;
    for (index, (_, event)) in events.iter().enumerate() {
        if let Op::Load { .. } = event.op {
            last_read.insert(event.thread, index);
            continue;
        }
        let Some(value) = written(&event.op) else { continue };
        if let (Op::Store { .. }, Some(&read), Some(other)) =
            (&event.op, last_read.get(&event.thread), last_write)
        {
            let other_event = events[other].1;
            if other > read && other_event.thread != event.thread {
                // Start where the other thread read what it then wrote, when that came first.
                let winner_read = events[..other]
                    .iter()
                    .rposition(|(_, e)| e.thread == other_event.thread && matches!(e.op, Op::Load { .. }))
                    .filter(|r| *r < read);
                let read_value = match &events[read].1.op {
                    Op::Load { value } => value.clone(),
                    _ => String::new(),
                };
                return Some(StaleWrite {
                    first: winner_read.unwrap_or(read),
                    write: index,
                    steps: [events[read].0, events[other].0, events[index].0],
                    threads: [event.thread, other_event.thread],
                    values: [
                        read_value,
                        written(&other_event.op).cloned().unwrap_or_default(),
                        value.clone(),
                    ],
                });
            }
        }
        last_write = Some(index);
        last_read.remove(&event.thread);
    }
    None
}

/// The events from `first` to just after `last`, at most [`STEPS`]: the first kept, then the newest.
fn window<'a>(events: &[(usize, &'a Event)], first: usize, last: usize) -> Vec<(usize, &'a Event)> {
    let end = (last + 2).min(events.len());
    let span = &events[first..end];
    if span.len() <= STEPS {
        return span.to_vec();
    }
    let mut shown = vec![span[0]];
    shown.extend_from_slice(&span[span.len() - (STEPS - 1)..]);
    shown
}

/// The object every shown step touches, if they all touch one.
fn focus_of(shown: &[(usize, &Event)]) -> Option<Object> {
    let first = shown.first()?.1.object?;
    shown
        .iter()
        .all(|(_, e)| e.object == Some(first))
        .then_some(first)
}

/// The value that came out wrong, most likely: of the locks and atomics that two or more threads
/// touched, the one touched most (the latest on a tie).
fn focus_object(events: &[Event]) -> Option<Object> {
    let mut by_object: BTreeMap<usize, (Object, BTreeSet<usize>, usize, usize)> = BTreeMap::new();
    for (index, event) in events.iter().enumerate() {
        let Some(object) = event.object else { continue };
        if object.kind == "Condvar" {
            continue;
        }
        let entry = by_object
            .entry(object.address)
            .or_insert((object, BTreeSet::new(), 0, 0));
        entry.1.insert(event.thread);
        entry.2 += 1;
        entry.3 = index;
    }
    by_object
        .into_values()
        .filter(|(_, threads, _, _)| threads.len() >= 2)
        .max_by_key(|(_, _, count, last)| (*count, *last))
        .map(|(object, ..)| object)
}

/// One thread's part in a deadlock.
struct Link {
    thread: usize,
    holds: Vec<(Object, Option<Place>)>,
    wants: Object,
    asked_at: Place,
    held_by: Vec<usize>,
}

fn cycle(snapshot: &Snapshot, _names: &ObjectNames) -> Vec<Link> {
    // Replay the locks to learn who holds what at the end.
    let mut held: BTreeMap<usize, Vec<(Object, Option<Place>)>> = BTreeMap::new();
    for event in &snapshot.events {
        let Some(object) = event.object else { continue };
        let locks = held.entry(event.thread).or_default();
        match event.op {
            Op::Lock | Op::ReadLock | Op::WriteLock => locks.push((object, event.at)),
            Op::Unlock => {
                if let Some(i) = locks.iter().rposition(|(o, _)| o.address == object.address) {
                    locks.remove(i);
                }
            }
            _ => {}
        }
    }
    snapshot
        .pending
        .iter()
        .map(|(thread, (wants, asked_at))| {
            let mut holds = held.get(thread).cloned().unwrap_or_default();
            let mut held_by: Vec<usize> = held
                .iter()
                .filter(|(t, locks)| *t != thread && locks.iter().any(|(o, _)| o.address == wants.address))
                .map(|(t, _)| *t)
                .collect();
            // Nobody else holds it: the thread locked it itself (a Mutex is not re-entrant). The
            // checker's panic has already dropped that guard while unwinding, so the replay above
            // shows it released; name the thread's last lock of it instead.
            if held_by.is_empty() {
                let relocked = snapshot.events.iter().rev().find(|e| {
                    e.thread == *thread
                        && matches!(e.op, Op::Lock | Op::ReadLock | Op::WriteLock)
                        && e.object.is_some_and(|o| o.address == wants.address)
                });
                if let Some(event) = relocked {
                    if !holds.iter().any(|(o, _)| o.address == wants.address) {
                        holds.push((*wants, event.at));
                    }
                    held_by.push(*thread);
                }
            }
            Link {
                thread: *thread,
                holds,
                wants: *wants,
                asked_at: *asked_at,
                held_by,
            }
        })
        .collect()
}

fn is_lock_op(op: &Op) -> bool {
    matches!(op, Op::Lock | Op::Unlock | Op::ReadLock | Op::WriteLock)
}

/// Labels for objects: `AtomicU64 made at beginner.rs:14`, numbered when one line made several.
struct ObjectNames {
    ordinal: BTreeMap<usize, (usize, usize)>,
}

impl ObjectNames {
    fn new(events: &[Event]) -> ObjectNames {
        let mut per_site: BTreeMap<(&str, u32, &str), Vec<usize>> = BTreeMap::new();
        for object in events.iter().filter_map(|e| e.object) {
            let addresses = per_site
                .entry((object.made_at.file, object.made_at.line, object.kind))
                .or_default();
            if !addresses.contains(&object.address) {
                addresses.push(object.address);
            }
        }
        let mut ordinal = BTreeMap::new();
        for addresses in per_site.values() {
            for (i, address) in addresses.iter().enumerate() {
                ordinal.insert(*address, (i + 1, addresses.len()));
            }
        }
        ObjectNames { ordinal }
    }

    fn label(&self, object: &Object) -> String {
        let made = place(&Some(object.made_at));
        match self.ordinal.get(&object.address) {
            Some((n, of)) if *of > 1 => format!("{} #{n} made at {made}", object.kind),
            _ => format!("{} made at {made}", object.kind),
        }
    }
}

fn thread_name(thread: usize) -> String {
    if thread == 0 {
        "test".to_owned()
    } else {
        format!("thread {thread}")
    }
}

fn in_test(place: &Place) -> bool {
    place.file.starts_with("tests/") || place.file.contains("/tests/")
}

/// `beginner.rs:22`, or `test` for a hidden test's own line.
fn place(at: &Option<Place>) -> String {
    match at {
        Some(p) if in_test(p) => "the test".to_owned(),
        Some(p) => format!("{}:{}", p.file.rsplit('/').next().unwrap_or(p.file), p.line),
        None => "end of scope".to_owned(),
    }
}

fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Spawn => "spawn",
        Op::Start => "start",
        Op::Join { .. } => "join",
        Op::Lock => "lock",
        Op::Unlock => "unlock",
        Op::ReadLock => "read_lock",
        Op::WriteLock => "write_lock",
        Op::Load { .. } => "load",
        Op::Store { .. } => "store",
        Op::Update { .. } => "update",
        Op::CompareFailed { .. } => "compare_failed",
        Op::Wait => "wait",
        Op::Woken => "woken",
        Op::Notify { .. } => "notify",
        Op::Send { .. } => "send",
        Op::Receive { .. } => "receive",
    }
}

/// One step as a lane cell; `with_object` names the object when the lanes are not all about one.
fn cell(event: &Event, names: &ObjectNames, with_object: bool) -> String {
    let what = match &event.op {
        Op::Spawn => "spawns a thread".to_owned(),
        Op::Start => "starts".to_owned(),
        Op::Join { child } => format!("joins {}", thread_name(*child)),
        Op::Lock => "locks".to_owned(),
        Op::Unlock => "unlocks".to_owned(),
        Op::ReadLock => "read-locks".to_owned(),
        Op::WriteLock => "write-locks".to_owned(),
        Op::Load { value } => format!("load -> {value}"),
        Op::Store { value } => format!("store {value}"),
        Op::Update { name, old, new } => format!("{name} {old} -> {new}"),
        Op::CompareFailed { expected, found } => {
            format!("compare_exchange: wanted {expected}, found {found}")
        }
        Op::Wait => "waits".to_owned(),
        Op::Woken => "wakes up".to_owned(),
        Op::Notify { all: false } => "notify_one".to_owned(),
        Op::Notify { all: true } => "notify_all".to_owned(),
        Op::Send { delivered: true } => "sends".to_owned(),
        Op::Send { delivered: false } => "sends, but the receiver is gone".to_owned(),
        Op::Receive { received: true } => "receives".to_owned(),
        Op::Receive { received: false } => "receives nothing: the senders are gone".to_owned(),
    };
    let object = match event.object {
        Some(o) if with_object => format!(" [{}]", names.label(&o)),
        _ => String::new(),
    };
    match event.at {
        Some(at) if !matches!(event.op, Op::Start) => format!("{what}{object} ({})", place(&Some(at))),
        _ => format!("{what}{object}"),
    }
}

fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEARNER: Place = Place {
        file: "src/beginner.rs",
        line: 22,
    };
    const STORE: Place = Place {
        file: "src/beginner.rs",
        line: 23,
    };
    const TEST: Place = Place {
        file: "tests/beginner.rs",
        line: 60,
    };

    fn atomic(address: usize) -> Object {
        Object {
            address,
            kind: "AtomicU64",
            made_at: Place {
                file: "src/beginner.rs",
                line: 14,
            },
        }
    }

    fn mutex(address: usize) -> Object {
        Object {
            address,
            kind: "Mutex",
            made_at: Place {
                file: "src/advanced.rs",
                line: 40,
            },
        }
    }

    fn event(thread: usize, op: Op, object: Option<Object>, at: Option<Place>) -> Event {
        Event {
            thread,
            op,
            object,
            at,
        }
    }

    #[test]
    fn a_lost_update_is_drawn_in_lanes_on_the_value_that_came_out_wrong() {
        let hits = atomic(1);
        let load = |t, v: &str| event(t, Op::Load { value: v.into() }, Some(hits), Some(LEARNER));
        let store = |t, v: &str| event(t, Op::Store { value: v.into() }, Some(hits), Some(STORE));
        let snapshot = Snapshot {
            events: vec![
                event(0, Op::Spawn, None, Some(TEST)),
                event(1, Op::Start, None, None),
                load(1, "0"),
                load(2, "0"),
                store(1, "1"),
                store(2, "1"),
                event(0, Op::Load { value: "1".into() }, Some(hits), Some(TEST)),
            ],
            ..Snapshot::default()
        };
        let (text, json) = draw(&snapshot, false).unwrap();
        assert!(
            text.starts_with("A lost update: thread 2 read 0 (step 4), thread 1 then wrote 1 (step 5), and thread 2 wrote 1 (step 6)"),
            "{text}"
        );
        assert!(
            text.contains("(5 steps on AtomicU64 made at beginner.rs:14)"),
            "{text}"
        );
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert!(
            lines[1].contains("test") && lines[1].contains("thread 1") && lines[1].contains("thread 2"),
            "{text}"
        );
        let row = |step: usize| {
            lines
                .iter()
                .find(|l| l.trim_start().starts_with(&format!("{step} ")))
                .unwrap()
        };
        let column = |line: &str, needle: &str| line.find(needle).unwrap();
        assert!(
            column(row(3), "load -> 0") < column(row(4), "load -> 0"),
            "thread 2's lane is to the right:\n{text}"
        );
        assert!(row(5).contains("store 1 (beginner.rs:23)"), "{text}");
        assert!(
            row(7).contains("load -> 1 (the test)") && !text.contains("tests/"),
            "{text}"
        );
        assert!(
            json.contains("\"op\":\"store\"") && json.contains("\"at\":\"src/beginner.rs:23\""),
            "{json}"
        );
        assert!(
            json.contains("\"at\":null"),
            "a test's own place is never named: {json}"
        );
    }

    #[test]
    fn a_deadlock_names_the_cycle() {
        let (a, b) = (mutex(10), mutex(20));
        let lock = |t, o, line| {
            event(
                t,
                Op::Lock,
                Some(o),
                Some(Place {
                    file: "src/advanced.rs",
                    line,
                }),
            )
        };
        let mut pending = BTreeMap::new();
        pending.insert(
            1,
            (
                b,
                Place {
                    file: "src/advanced.rs",
                    line: 59,
                },
            ),
        );
        pending.insert(
            2,
            (
                a,
                Place {
                    file: "src/advanced.rs",
                    line: 59,
                },
            ),
        );
        let snapshot = Snapshot {
            events: vec![lock(1, a, 58), lock(2, b, 58)],
            dropped: 0,
            pending,
        };
        let (text, json) = draw(&snapshot, true).unwrap();
        assert!(
            text.contains("thread 1 holds Mutex #1 made at advanced.rs:40 (locked at advanced.rs:58) and waits for Mutex #2 made at advanced.rs:40 (asked at advanced.rs:59), which thread 2 holds"),
            "{text}"
        );
        assert!(text.contains("thread 2 holds Mutex #2"), "{text}");
        assert!(json.contains("\"deadlock\":[{\"thread\":\"thread 1\""), "{json}");
    }

    #[test]
    fn a_thread_that_locks_a_mutex_it_holds_is_named_as_its_holder() {
        let a = mutex(10);
        let at = |line| Place {
            file: "src/intermediate.rs",
            line,
        };
        let mut pending = BTreeMap::new();
        pending.insert(0, (a, at(56)));
        // The checker's panic dropped the guard while unwinding, after the second lock was asked for.
        let snapshot = Snapshot {
            events: vec![
                event(0, Op::Lock, Some(a), Some(at(99))),
                event(0, Op::Unlock, Some(a), None),
            ],
            dropped: 0,
            pending,
        };
        let (text, json) = draw(&snapshot, true).unwrap();
        assert!(
            text.contains("test holds Mutex made at advanced.rs:40 (locked at intermediate.rs:99) and waits for Mutex made at advanced.rs:40 (asked at intermediate.rs:56), which test holds"),
            "{text}"
        );
        assert!(json.contains("\"held_by\":[\"test\"]"), "{json}");
    }

    #[test]
    fn a_deadlock_without_a_lock_draws_the_last_steps() {
        // A journal's writer waits on a channel whose sender the test still holds: no lock, no
        // pending request, but every thread blocked.
        let channel = Object {
            address: 30,
            kind: "Receiver",
            made_at: Place {
                file: "src/advanced.rs",
                line: 12,
            },
        };
        let at = |line| {
            Some(Place {
                file: "src/advanced.rs",
                line,
            })
        };
        let snapshot = Snapshot {
            events: vec![
                event(0, Op::Spawn, None, at(20)),
                event(1, Op::Receive { received: true }, Some(channel), at(31)),
                event(0, Op::Send { delivered: true }, Some(channel), at(22)),
            ],
            dropped: 0,
            pending: BTreeMap::new(),
        };
        let (text, json) = draw(&snapshot, true).unwrap();
        assert!(text.contains("none on a lock"), "{text}");
        assert!(
            text.contains("(3 steps on every thread, before each blocked)"),
            "{text}"
        );
        assert!(text.contains("advanced.rs:31"), "{text}");
        assert!(json.contains("\"steps\":[{"), "{json}");
    }

    #[test]
    fn nothing_recorded_draws_nothing() {
        assert_eq!(draw(&Snapshot::default(), false), None);
    }
}
