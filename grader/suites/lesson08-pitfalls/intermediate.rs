//! Hidden tests, intermediate tier: a bank with two locks, `accounts` and `log`.
//!
//! Built with `threadlab-check`: `explore` runs each body under many seeded thread schedules, and the
//! checker reports a deadlock the moment every thread is blocked (or a thread locks a Mutex it
//! already holds), so no test waits a deadlock out. Each test turns that report into what went wrong
//! in the bank's terms; the failing schedule is drawn under the message.
//!
//! The "slow work" of `export` is the test's own `write` callback, and it waits for a transfer made on
//! another thread: if `export` keeps `log` locked while it calls `write`, that transfer can never log
//! its line, so holding the guard across the slow work deadlocks by construction, on every schedule.

use lesson08::intermediate::{Audit, Bank, BankError};
use lesson08::thread;
use std::collections::BTreeSet;
use threadlab_harness::{catch_panic, expect, expect_eq, explore};

fn main() {
    threadlab_harness::main(&[
        (
            "transfer_moves_money_and_logs_it",
            transfer_moves_money_and_logs_it,
        ),
        (
            "audit_and_transfers_never_deadlock",
            audit_and_transfers_never_deadlock,
        ),
        (
            "pay_interest_does_not_lock_accounts_twice",
            pay_interest_does_not_lock_accounts_twice,
        ),
        (
            "export_lets_transfers_run_while_it_writes",
            export_lets_transfers_run_while_it_writes,
        ),
        (
            "audit_sees_interest_and_its_line_together",
            audit_sees_interest_and_its_line_together,
        ),
        ("bank_matches_the_reference", bank_matches_the_reference),
        (
            "every_history_is_the_log_replayed",
            every_history_is_the_log_replayed,
        ),
    ]);
}

/// Runs `body` under `explore`; when the checker reports a deadlock, fails with `deadlocked` (what
/// went wrong in the bank's terms) or, when a thread locked a Mutex it already held, with `relocked`.
/// Any other failure is reported as it is.
fn explore_reporting_deadlocks(
    iterations: usize,
    body: impl Fn() + Send + Sync + 'static,
    deadlocked: &str,
    relocked: &str,
) {
    if let Err(message) = catch_panic(|| explore(iterations, body)) {
        if message.contains("tried to acquire a Mutex it already holds") {
            panic!("{relocked}");
        } else if message.starts_with("deadlock!") {
            panic!("{deadlocked}");
        } else {
            panic!("{message}");
        }
    }
}

fn balances(bank: &Bank, accounts: usize) -> Vec<Option<u64>> {
    (0..accounts).map(|id| bank.balance(id)).collect()
}

fn exported(bank: &Bank) -> Vec<String> {
    let mut lines = Vec::new();
    bank.export(|line| lines.push(line.to_owned()));
    lines
}

const ONE_THREAD_RELOCK: &str = "a bank used by a single thread deadlocked: a method locked a Mutex (`accounts` or `log`) \
     that the same thread already held; Rust's Mutex is not re-entrant, so the thread waits for itself";

fn transfer_moves_money_and_logs_it() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Bank>();
    explore_reporting_deadlocks(
        1,
        || {
            let bank = Bank::new(&[10, 20]);
            expect_eq!(bank.total(), 30, "total() of Bank::new(&[10, 20])");
            expect_eq!(
                bank.balance(2),
                None,
                "balance(2) of a bank with accounts 0 and 1"
            );
            let refusals = [
                ((5, 9, 1), BankError::NoSuchAccount(5)),
                ((0, 9, 1), BankError::NoSuchAccount(9)),
                (
                    (0, 1, 11),
                    BankError::InsufficientFunds {
                        needed: 11,
                        available: 10,
                    },
                ),
            ];
            for ((from, to, amount), error) in refusals {
                expect_eq!(
                    bank.transfer(from, to, amount),
                    Err(error),
                    "transfer({from}, {to}, {amount}) on balances [10, 20]"
                );
            }
            expect_eq!(
                (balances(&bank, 2), exported(&bank)),
                (vec![Some(10), Some(20)], Vec::<String>::new()),
                "(balances, exported log) after three refused transfers"
            );
            expect_eq!(
                bank.transfer(0, 1, 10),
                Ok(()),
                "transfer(0, 1, 10) on balances [10, 20]"
            );
            expect_eq!(
                bank.transfer(1, 0, 5),
                Ok(()),
                "transfer(1, 0, 5) on balances [0, 30]"
            );
            expect_eq!(
                balances(&bank, 2),
                vec![Some(5), Some(25)],
                "balances after transfer(0, 1, 10) and transfer(1, 0, 5)"
            );
            expect_eq!(
                exported(&bank),
                vec!["0 -> 1: 10".to_owned(), "1 -> 0: 5".to_owned()],
                "the exported log after transfer(0, 1, 10) and transfer(1, 0, 5)"
            );
            expect_eq!(
                bank.audit(),
                Audit {
                    entries: 2,
                    total: 30
                },
                "audit() after two transfers"
            );
        },
        ONE_THREAD_RELOCK,
        ONE_THREAD_RELOCK,
    );
}

/// One thread transfers while another audits: with `accounts` then `log` in one method and `log`
/// then `accounts` in the other, some schedule has each thread holding the lock the other waits for.
fn audit_and_transfers_never_deadlock() {
    explore_reporting_deadlocks(
        300,
        || {
            let bank = Bank::new(&[100, 100]);
            thread::scope(|s| {
                s.spawn(|| {
                    bank.transfer(0, 1, 10).unwrap();
                    bank.transfer(1, 0, 5).unwrap();
                });
                s.spawn(|| {
                    for _ in 0..2 {
                        let audit = bank.audit();
                        expect!(
                            audit.total == 200 && audit.entries <= 2,
                            "audit() returned {audit:?} while transfers ran: the bank always holds 200, \
                             with at most 2 log lines"
                        );
                    }
                });
            });
            expect_eq!(
                bank.audit(),
                Audit {
                    entries: 2,
                    total: 200
                },
                "audit() after the two transfers"
            );
        },
        "the program deadlocked: a thread in transfer() held `accounts` and waited for `log`, while a \
         thread in audit() held `log` and waited for `accounts`, so neither could go on \
         (the schedule that did it is drawn below)",
        "audit() or transfer() locked a Mutex that the same thread already held (Rust's Mutex is not \
         re-entrant)",
    );
}

fn pay_interest_does_not_lock_accounts_twice() {
    explore_reporting_deadlocks(
        1,
        || {
            let bank = Bank::new(&[100, 250, 9]);
            expect_eq!(
                bank.pay_interest(10),
                394,
                "pay_interest(10) on balances [100, 250, 9] (returns the new total)"
            );
            expect_eq!(
                balances(&bank, 3),
                vec![Some(110), Some(275), Some(9)],
                "balances after pay_interest(10) on [100, 250, 9] (rounded down per account)"
            );
            expect_eq!(
                exported(&bank),
                vec!["interest 10%: total 394".to_owned()],
                "the exported log after pay_interest(10)"
            );
            expect_eq!(
                bank.audit(),
                Audit {
                    entries: 1,
                    total: 394
                },
                "audit() after pay_interest(10) (one log line)"
            );
        },
        "pay_interest() deadlocked on a single thread",
        "pay_interest() never returned on a single thread: it holds the `accounts` guard and calls a \
         method (total()) that locks `accounts` again; Rust's Mutex is not re-entrant (there is no \
         RLock), so the thread waits for itself forever",
    );
    // Interest and transfers side by side: pay_interest takes the locks in the same order as transfer.
    explore_reporting_deadlocks(
        100,
        || {
            let bank = Bank::new(&[100, 100]);
            thread::scope(|s| {
                s.spawn(|| bank.transfer(0, 1, 50).unwrap());
                s.spawn(|| {
                    bank.pay_interest(10);
                });
            });
            expect_eq!(bank.total(), 220, "total after a transfer and pay_interest(10)");
        },
        "pay_interest() and transfer() running together deadlocked: take `accounts` and `log` in the \
         same order in both",
        "pay_interest() never returned: it locks `accounts` while the same thread already holds it \
         (Rust's Mutex is not re-entrant)",
    );
}

/// `write` is the slow work; here it waits for a transfer made on another thread while the export
/// is under way. A transfer needs `log` to record its line.
fn export_lets_transfers_run_while_it_writes() {
    explore_reporting_deadlocks(
        20,
        || {
            let bank = Bank::new(&[50, 50]);
            bank.transfer(0, 1, 1).unwrap();
            bank.transfer(1, 0, 2).unwrap();
            let mut written = Vec::new();
            bank.export(|line| {
                written.push(line.to_owned());
                // While this line is being "written", another thread transfers and must get through.
                thread::scope(|s| {
                    s.spawn(|| bank.transfer(0, 1, 3).unwrap());
                });
            });
            expect_eq!(
                written,
                vec!["0 -> 1: 1".to_owned(), "1 -> 0: 2".to_owned()],
                "the lines export() handed to write (the log as it was when the export started)"
            );
            expect_eq!(
                (bank.audit().entries, balances(&bank, 2)),
                (4, vec![Some(45), Some(55)]),
                "(log lines, balances) after the export, during which two more transfers ran"
            );
        },
        "export() kept `log` locked while it called write (the slow work): a transfer started during the \
         export waited for `log`, and since this write waited for that transfer, the program deadlocked. \
         Every transfer would otherwise wait for the whole export to finish",
        "export() or transfer() locked a Mutex that the same thread already held (Rust's Mutex is not \
         re-entrant): does write run while the `log` guard is still alive?",
    );
}

/// `pay_interest` changes the total and adds a log line under both locks; an audit that reads one lock,
/// lets it go and then reads the other (a tempting way out of the deadlock) sees one without the other
/// in some schedule.
fn audit_sees_interest_and_its_line_together() {
    explore_reporting_deadlocks(
        300,
        || {
            let bank = Bank::new(&[100, 100]);
            thread::scope(|s| {
                s.spawn(|| {
                    bank.pay_interest(10);
                });
                s.spawn(|| {
                    let audit = bank.audit();
                    let before = Audit {
                        entries: 0,
                        total: 200,
                    };
                    let after = Audit {
                        entries: 1,
                        total: 220,
                    };
                    expect!(
                        audit == before || audit == after,
                        "audit() while pay_interest(10) ran on [100, 100] returned {audit:?}: expected \
                         {before:?} (before the payment) or {after:?} (after it), never a total without its \
                         log line or the other way round. Hold both locks (in the one order) while you read"
                    );
                });
            });
        },
        "audit() and pay_interest() running together deadlocked: take `accounts` and `log` in the same \
         order in both",
        "pay_interest() or audit() locked a Mutex that the same thread already held (Rust's Mutex is \
         not re-entrant)",
    );
}

/// One call on the bank, as a generated case describes it.
#[derive(Debug, Clone)]
enum Call {
    Transfer(usize, usize, u64),
    PayInterest(u64),
    Audit,
    Total,
    Balance(usize),
    Export,
}

/// What a call answered, as plain data (never through the learner's types).
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Transfer(Result<(), String>),
    PayInterest(u64),
    Audit { entries: usize, total: u64 },
    Total(u64),
    Balance(Option<u64>),
    Export(Vec<String>),
}

/// Calls `call` on `m::Bank` (the call site says which `m`) and returns its answer as plain data.
/// Only held-back tests use it, and a student copy has none of them: hence the `allow`.
#[allow(unused_macros)]
macro_rules! answer {
    ($bank:expr, $call:expr) => {
        match $call {
            Call::Transfer(from, to, amount) => {
                Answer::Transfer($bank.transfer(*from, *to, *amount).map_err(|e| match e {
                    m::BankError::NoSuchAccount(id) => format!("NoSuchAccount({id})"),
                    m::BankError::InsufficientFunds { needed, available } => {
                        format!("InsufficientFunds {{ needed: {needed}, available: {available} }}")
                    }
                }))
            }
            Call::PayInterest(percent) => Answer::PayInterest($bank.pay_interest(*percent)),
            Call::Audit => {
                let audit = $bank.audit();
                Answer::Audit {
                    entries: audit.entries,
                    total: audit.total,
                }
            }
            Call::Total => Answer::Total($bank.total()),
            Call::Balance(id) => Answer::Balance($bank.balance(*id)),
            Call::Export => {
                let mut lines = Vec::new();
                $bank.export(|line| lines.push(line.to_owned()));
                Answer::Export(lines)
            }
        }
    };
}

/// Generated sequences of calls on one thread (no accounts, one, several; amounts of 0, of the whole
/// balance, above it; ids just past the last account; interest of 0 %, 1 %, 100 % and more, rounded
/// down per account) give the same answers, the same log and the same balances as the reference, call
/// by call.
fn bank_matches_the_reference() {
    use threadlab_harness::generate::{Gen, differential};
    fn input(g: &mut Gen) -> (Vec<u64>, Vec<Call>) {
        // Round hundreds too: with them, a percent makes whole interest, where arithmetic in
        // floating point (100 at 15 % is 114.999…) rounds a cent away.
        let balances = g.vec(4, |g| match g.range(0, 5) {
            0 => 0,
            1 => 100 * g.range(1, 50),
            _ => g.range(1, 1_000_000),
        });
        let accounts = balances.len();
        let id = |g: &mut Gen| g.count_in(0, accounts + 1);
        let calls = g.vec(12, |g| match g.range(0, 7) {
            0 | 1 => {
                let (from, to) = (id(g), id(g));
                let amount = match g.range(0, 3) {
                    0 => 0,
                    1 => balances.get(from).copied().unwrap_or(1),
                    2 => balances.get(from).map_or(5, |b| b + 1),
                    _ => g.range(1, 2_000),
                };
                Call::Transfer(from, to, amount)
            }
            2 => Call::PayInterest(if g.one_in(2) {
                g.pick(&[0, 1, 3, 10, 15, 33, 57, 100, 250])
            } else {
                g.range(0, 300)
            }),
            3 => Call::Audit,
            4 => Call::Total,
            5 => Call::Balance(id(g)),
            _ => Call::Export,
        });
        (balances, calls)
    }
    explore_reporting_deadlocks(
        1,
        || {
            differential(
                11,
                200,
                "the answers of Bank::new(balances) then each call, and at the end the balances and the exported log",
                input,
                |(balances, calls)| {
                    use lesson08::intermediate as m;
                    let bank = m::Bank::new(balances);
                    let mut seen: Vec<Answer> = calls.iter().map(|call| answer!(bank, call)).collect();
                    seen.push(Answer::Balance(None));
                    seen.extend((0..balances.len()).map(|id| Answer::Balance(bank.balance(id))));
                    seen.push(answer!(bank, &Call::Export));
                    seen
                },
                |(balances, calls)| {
                    use reference::intermediate as m;
                    let bank = m::Bank::new(balances);
                    let mut seen: Vec<Answer> = calls.iter().map(|call| answer!(bank, call)).collect();
                    seen.push(Answer::Balance(None));
                    seen.extend((0..balances.len()).map(|id| Answer::Balance(bank.balance(id))));
                    seen.push(answer!(bank, &Call::Export));
                    seen
                },
            );
        },
        "a bank used by a single thread deadlocked",
        ONE_THREAD_RELOCK,
    );
}

/// A generated history: opening balances and the calls of each of two or three threads.
#[derive(Debug, Clone)]
struct History {
    balances: Vec<u64>,
    threads: Vec<Vec<Call>>,
}

/// Generated mixes of transfers, interest payments, audits, totals, balances and exports on two or
/// three threads, under many schedules: each history must be one the reference gives when the calls
/// run one at a time in the log's order (as a linearizability checker does). A transfer that logs its
/// line after letting go of `accounts` lets an interest payment in between: the payment's total then
/// counts the moved money, but its line comes before the transfer's.
fn every_history_is_the_log_replayed() {
    use threadlab_harness::generate::Gen;
    /// Histories already found to be the log replayed (a plain std lock: the checker runs one
    /// schedule at a time, on one thread).
    static CHECKED: std::sync::Mutex<BTreeSet<String>> = std::sync::Mutex::new(BTreeSet::new());
    /// Checks one history against the reference's sequential behaviour. The log is the order in which the
    /// money moved: every call that changes a balance logs its line in the same step, so replaying the log
    /// from the opening balances must give every interest line's total and the final balances, and every
    /// other call's answer must be what the bank held after some number of log lines, between the lines of
    /// its own thread's calls before and after it. Returns what broke, in the bank's terms.
    fn check_history(
        history: &History,
        answers: &[Vec<Answer>],
        log: &[String],
        finals: &[Option<u64>],
    ) -> Result<(), String> {
        use reference::intermediate as m;
        let shown = || {
            let calls: Vec<String> = history
                .threads
                .iter()
                .zip(answers)
                .enumerate()
                .map(|(t, (calls, answers))| format!("thread {t}: {calls:?} answered {answers:?}"))
                .collect();
            format!(
                "Bank::new(&{:?}), then at the same time {}; the log read {log:?} and the balances {finals:?}",
                history.balances,
                calls.join("; ")
            )
        };
        // The bank after the first k lines of the log, for every k.
        let replay = m::Bank::new(&history.balances);
        let accounts = history.balances.len();
        let snapshot =
            |bank: &m::Bank| -> Vec<u64> { (0..accounts).filter_map(|id| bank.balance(id)).collect() };
        let mut states = vec![snapshot(&replay)];
        for (k, line) in log.iter().enumerate() {
            let replayed = if let Some(rest) = line.strip_prefix("interest ") {
                let percent: Option<u64> = rest.split('%').next().and_then(|p| p.parse().ok());
                percent.map(|p| replay.pay_interest(p)).is_some()
            } else {
                let parts: Vec<u64> = line
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|p| !p.is_empty())
                    .filter_map(|p| p.parse().ok())
                    .collect();
                parts.len() == 3
                    && replay
                        .transfer(parts[0] as usize, parts[1] as usize, parts[2])
                        .is_ok()
            };
            let mut relogged = Vec::new();
            replay.export(|l| relogged.push(l.to_owned()));
            if !replayed || relogged.get(k) != Some(line) {
                return Err(format!(
                    "{}. Replayed in its order from the opening balances, line {k} ({line:?}) does not fit: at that \
                     point it reads {:?}. The log must be the order in which the money moved: a call that moves money \
                     logs its line in the same step, under the same lock",
                    shown(),
                    relogged.get(k)
                ));
            }
            states.push(snapshot(&replay));
        }
        let last = states.last().cloned().unwrap_or_default();
        if finals.iter().map(|b| b.unwrap_or(u64::MAX)).collect::<Vec<_>>() != last {
            return Err(format!(
                "{}. Replaying the log gives the balances {last:?}: money moved without its line",
                shown()
            ));
        }
        // Each thread's calls, in order, each placed at a point of the log no earlier than the previous one.
        for (t, (calls, answers)) in history.threads.iter().zip(answers).enumerate() {
            let mut earliest = 0usize;
            for (i, (call, answer)) in calls.iter().zip(answers).enumerate() {
                let logged_line = match (call, answer) {
                    (Call::Transfer(from, to, amount), Answer::Transfer(Ok(()))) => {
                        Some(format!("{from} -> {to}: {amount}"))
                    }
                    (Call::PayInterest(percent), Answer::PayInterest(total)) => {
                        Some(format!("interest {percent}%: total {total}"))
                    }
                    _ => None,
                };
                if let Some(line) = logged_line {
                    match (earliest..log.len()).find(|&k| log[k] == line) {
                        Some(k) => earliest = k + 1,
                        None => {
                            return Err(format!(
                                "{}. Thread {t}'s call {i} ({call:?}) answered {answer:?}, but the log has no line {line:?} \
                                 after that thread's earlier calls",
                                shown()
                            ));
                        }
                    }
                    continue;
                }
                // Not logged: the answer must be the bank's at some point from here to the thread's next
                // logged line.
                let next_logged = calls[i + 1..]
                    .iter()
                    .zip(&answers[i + 1..])
                    .find_map(|(c, a)| match (c, a) {
                        (Call::Transfer(from, to, amount), Answer::Transfer(Ok(()))) => {
                            Some(format!("{from} -> {to}: {amount}"))
                        }
                        (Call::PayInterest(percent), Answer::PayInterest(total)) => {
                            Some(format!("interest {percent}%: total {total}"))
                        }
                        _ => None,
                    })
                    .and_then(|line| (earliest..log.len()).find(|&k| log[k] == line))
                    .unwrap_or(log.len());
                let fits = |k: usize| -> bool {
                    let bank = m::Bank::new(&states[k]);
                    let mut want = answer!(bank, call);
                    match (&mut want, answer) {
                        (Answer::Audit { entries, .. }, _) => *entries = k,
                        (Answer::Export(lines), _) => *lines = log[..k].to_vec(),
                        _ => {}
                    }
                    &want == answer
                };
                match (earliest..=next_logged).find(|&k| fits(k)) {
                    Some(k) => earliest = k,
                    None => {
                        return Err(format!(
                            "{}. Thread {t}'s call {i} ({call:?}) answered {answer:?}, which the bank never held at any \
                             point between that thread's calls before and after it: it saw a change without its log line, \
                             or a log line without its change",
                            shown()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
    let mut g = Gen::new(17);
    let mut histories = Vec::new();
    for case in 0..10u64 {
        // Uneven balances, so that where a transfer falls against an interest payment changes how the
        // interest rounds; amounts and percents differ across the whole case, so each line is one call.
        let balances: Vec<u64> = vec![g.range(11, 19), g.range(1, 9), g.range(20, 40)];
        let mut amount = 1 + case % 3;
        let mut percent = 10 + case % 7;
        let threads = (0..2 + (case % 2) as usize)
            .map(|_| {
                (0..2)
                    .map(|_| match g.range(0, 6) {
                        0..=2 => {
                            amount += 1;
                            Call::Transfer(g.range(0, 2) as usize, g.range(0, 2) as usize, amount)
                        }
                        3 => {
                            percent += 7;
                            Call::PayInterest(percent)
                        }
                        4 => Call::Audit,
                        _ => {
                            let id = g.range(0, 2) as usize;
                            g.pick(&[Call::Total, Call::Balance(id), Call::Export])
                        }
                    })
                    .collect()
            })
            .collect();
        histories.push(History { balances, threads });
    }
    // The first case is the smallest that shows a transfer logged after it let go of `accounts`.
    histories[0].threads = vec![vec![Call::Transfer(0, 1, 5)], vec![Call::PayInterest(10)]];
    histories[0].balances = vec![15, 5];
    for history in histories {
        explore_reporting_deadlocks(
            100,
            move || {
                use lesson08::intermediate as m;
                let bank = m::Bank::new(&history.balances);
                let answers: Vec<Vec<Answer>> = thread::scope(|s| {
                    let workers: Vec<_> = history
                        .threads
                        .iter()
                        .map(|calls| {
                            let bank = &bank;
                            s.spawn(move || {
                                calls
                                    .iter()
                                    .map(|call| answer!(bank, call))
                                    .collect::<Vec<Answer>>()
                            })
                        })
                        .collect();
                    workers.into_iter().map(|w| w.join().unwrap()).collect()
                });
                let Answer::Export(log) = answer!(bank, &Call::Export) else {
                    unreachable!()
                };
                let finals = balances(&bank, history.balances.len());
                // Many schedules end in the same history: each distinct one is checked once.
                let key = format!("{history:?} {answers:?} {log:?} {finals:?}");
                if CHECKED.lock().unwrap().contains(&key) {
                    return;
                }
                if let Err(broken) = check_history(&history, &answers, &log, &finals) {
                    ::core::panic!("{broken}");
                }
                CHECKED.lock().unwrap().insert(key);
            },
            "the bank deadlocked while two or three threads used it: take `accounts` and `log` in one order in \
             every method",
            "a method locked a Mutex that the same thread already held (Rust's Mutex is not re-entrant)",
        );
    }
}
