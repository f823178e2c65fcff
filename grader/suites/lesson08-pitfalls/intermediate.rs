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
