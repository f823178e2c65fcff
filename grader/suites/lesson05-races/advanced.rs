//! Hidden tests, advanced tier: `Bank` with one lock per account.
//!
//! Built with `threadlab-check`: `explore` runs each body under many seeded thread schedules, so a
//! lock-order deadlock or a torn `total()` shows up on every run.

use lesson05::advanced::{Bank, TransferError};
use lesson05::thread;
use threadlab_harness::{expect, expect_eq, explore};

fn main() {
    threadlab_harness::main(&[
        (
            "new_bank_reports_accounts_and_balances",
            new_bank_reports_accounts_and_balances,
        ),
        (
            "transfer_checks_in_order_and_refusals_change_nothing",
            transfer_checks_in_order_and_refusals_change_nothing,
        ),
        (
            "opposite_transfers_never_deadlock",
            opposite_transfers_never_deadlock,
        ),
        (
            "total_stays_constant_while_transfers_run",
            total_stays_constant_while_transfers_run,
        ),
        (
            "concurrent_transfers_conserve_money",
            concurrent_transfers_conserve_money,
        ),
        (
            "bank_operations_match_the_reference",
            bank_operations_match_the_reference,
        ),
        (
            "bank_histories_have_a_sequential_order",
            bank_histories_have_a_sequential_order,
        ),
    ]);
}

fn assert_shareable<T: Send + Sync>() {}

fn balances(bank: &Bank) -> Vec<Option<u64>> {
    (0..bank.accounts()).map(|id| bank.balance(id)).collect()
}

fn new_bank_reports_accounts_and_balances() {
    assert_shareable::<Bank>();
    explore(1, || {
        let bank = Bank::new(&[10, 20, 30]);
        expect_eq!(bank.accounts(), 3, "Bank::new(&[10, 20, 30]).accounts()");
        expect_eq!(
            balances(&bank),
            vec![Some(10), Some(20), Some(30)],
            "balances of Bank::new(&[10, 20, 30])"
        );
        expect_eq!(bank.balance(3), None, "balance(3) of a bank with accounts 0..3");
        expect_eq!(bank.total(), 60, "total() of Bank::new(&[10, 20, 30])");
        let empty = Bank::new(&[]);
        expect_eq!(
            (empty.accounts(), empty.total()),
            (0, 0),
            "(accounts(), total()) of Bank::new(&[])"
        );
    });
}

// The refusals below are compared with `TransferError`'s own `PartialEq`: it must be the derived one.
threadlab_harness::derived_partial_eq!(TransferError = TransferError::SameAccount);

fn transfer_checks_in_order_and_refusals_change_nothing() {
    fn error_traits<T: std::fmt::Debug + Clone + PartialEq + Eq>() {}
    error_traits::<TransferError>();
    explore(1, || {
        let bank = Bank::new(&[10, 20]);
        let cases = [
            ((5, 9, 1), TransferError::NoSuchAccount(5)),
            ((0, 9, 1), TransferError::NoSuchAccount(9)),
            ((9, 9, 1), TransferError::NoSuchAccount(9)),
            ((2, 2, 0), TransferError::NoSuchAccount(2)),
            ((0, 7, 0), TransferError::NoSuchAccount(7)),
            ((1, 1, 1000), TransferError::SameAccount),
            ((1, 1, 0), TransferError::SameAccount),
            (
                (0, 1, 11),
                TransferError::InsufficientFunds {
                    needed: 11,
                    available: 10,
                },
            ),
        ];
        for ((from, to, amount), error) in cases {
            expect_eq!(
                bank.transfer(from, to, amount),
                Err(error),
                "transfer({from}, {to}, {amount}) on balances [10, 20]"
            );
            expect_eq!(
                balances(&bank),
                vec![Some(10), Some(20)],
                "balances after the refused transfer({from}, {to}, {amount})"
            );
        }
        expect_eq!(
            bank.transfer(0, 1, 10),
            Ok(()),
            "transfer(0, 1, 10) on balances [10, 20]"
        );
        expect_eq!(
            balances(&bank),
            vec![Some(0), Some(30)],
            "balances after transfer(0, 1, 10)"
        );
        expect_eq!(
            bank.transfer(1, 0, 0),
            Ok(()),
            "transfer(1, 0, 0) (zero is a valid amount)"
        );
    });
}

/// One thread moves money 0 → 1 while another moves it 1 → 0. Locking `from` then `to` lets each
/// thread hold the lock the other waits for.
fn opposite_transfers_never_deadlock() {
    explore(300, || {
        let bank = Bank::new(&[100, 100]);
        thread::scope(|s| {
            s.spawn(|| (0..3).for_each(|_| bank.transfer(0, 1, 1).unwrap()));
            s.spawn(|| (0..3).for_each(|_| bank.transfer(1, 0, 1).unwrap()));
        });
        expect_eq!(
            balances(&bank),
            vec![Some(100), Some(100)],
            "balances after 3 transfers each way of 1"
        );
    });
}

/// `total()` runs while money moves around a ring of accounts: it must never see a transfer half done.
fn total_stays_constant_while_transfers_run() {
    explore(300, || {
        let bank = Bank::new(&[50, 50, 50]);
        thread::scope(|s| {
            s.spawn(|| {
                for (from, to) in [(0, 1), (1, 2), (2, 0), (0, 2)] {
                    bank.transfer(from, to, 20).unwrap();
                }
            });
            s.spawn(|| {
                for _ in 0..3 {
                    let total = bank.total();
                    expect!(
                        total == 150,
                        "total() returned {total} while transfers ran; the bank always holds 150 \
                         (a total that reads one account at a time can miss or double-count a transfer)"
                    );
                }
            });
        });
        expect_eq!(bank.total(), 150, "total() after the transfers finished");
    });
}

/// Two threads each move 7 out of an account that holds 10: exactly one may succeed, and the other
/// is refused with what the account held after the first. Checking the funds before taking the locks
/// lets both pass the check.
fn two_withdrawals_that_overdraw_together() {
    explore(100, || {
        let bank = Bank::new(&[10, 0, 0]);
        let results: Vec<Result<(), TransferError>> = thread::scope(|s| {
            let a = s.spawn(|| bank.transfer(0, 1, 7));
            let b = s.spawn(|| bank.transfer(0, 2, 7));
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        let refused = TransferError::InsufficientFunds {
            needed: 7,
            available: 3,
        };
        expect!(
            results == vec![Ok(()), Err(refused.clone())] || results == vec![Err(refused), Ok(())],
            "two threads at once on Bank::new(&[10, 0, 0]): transfer(0, 1, 7) and transfer(0, 2, 7) \
             returned {results:?}; exactly one can succeed, the other must be refused with \
             InsufficientFunds {{ needed: 7, available: 3 }} (check the funds after taking the locks)"
        );
        expect_eq!(
            bank.total(),
            10,
            "total() after the two transfers (money never appears)"
        );
    });
}

/// Three threads transfer in different directions, some refused for lack of funds. Each thread
/// keeps the net effect of the transfers that succeeded; the final balances must match exactly.
fn concurrent_transfers_conserve_money() {
    two_withdrawals_that_overdraw_together();
    explore(100, || {
        let opening = [30u64, 5, 0];
        let bank = Bank::new(&opening);
        let plans: [&[(usize, usize, u64)]; 3] = [
            &[(0, 1, 10), (0, 2, 10), (0, 1, 10)],
            &[(1, 2, 5), (1, 0, 10), (1, 2, 3)],
            &[(2, 0, 4), (2, 1, 4)],
        ];
        let nets: Vec<[i64; 3]> = thread::scope(|s| {
            let workers: Vec<_> = plans
                .iter()
                .map(|plan| {
                    let bank = &bank;
                    s.spawn(move || {
                        let mut net = [0i64; 3];
                        for &(from, to, amount) in plan.iter() {
                            match bank.transfer(from, to, amount) {
                                Ok(()) => {
                                    net[from] -= amount as i64;
                                    net[to] += amount as i64;
                                }
                                Err(TransferError::InsufficientFunds { .. }) => {}
                                Err(other) => panic!("transfer({from}, {to}, {amount}) gave {other:?}"),
                            }
                        }
                        net
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let expected: Vec<Option<u64>> = (0..3)
            .map(|i| Some((opening[i] as i64 + nets.iter().map(|n| n[i]).sum::<i64>()) as u64))
            .collect();
        expect_eq!(
            balances(&bank),
            expected,
            "balances after concurrent transfers (opening [30, 5, 0] plus the transfers that succeeded)"
        );
        expect_eq!(bank.total(), 35, "total() after concurrent transfers");
    });
}

/// A `transfer` result as plain text, built by matching (never through the learner's own traits).
fn outcome(result: &Result<(), TransferError>) -> String {
    match result {
        Ok(()) => "Ok".to_owned(),
        Err(TransferError::NoSuchAccount(id)) => format!("NoSuchAccount({id})"),
        Err(TransferError::SameAccount) => "SameAccount".to_owned(),
        Err(TransferError::InsufficientFunds { needed, available }) => {
            format!("InsufficientFunds {{ needed: {needed}, available: {available} }}")
        }
    }
}

/// Generated banks (no accounts, one, up to a dozen; balances of 0, small ones, and `u64::MAX` in
/// one account) and sequences of transfers (ids that exist, the first unknown id, far-off ids and
/// `usize::MAX`, equal ids known and unknown; amounts of 0, 1, all of the balance, one more, and
/// `u64::MAX`) give the same result, balances (known and unknown ids), total and account count
/// after every call as the reference.
fn bank_operations_match_the_reference() {
    /// The same for the reference's error type.
    fn reference_outcome(result: &Result<(), reference::advanced::TransferError>) -> String {
        use reference::advanced::TransferError as E;
        match result {
            Ok(()) => "Ok".to_owned(),
            Err(E::NoSuchAccount(id)) => format!("NoSuchAccount({id})"),
            Err(E::SameAccount) => "SameAccount".to_owned(),
            Err(E::InsufficientFunds { needed, available }) => {
                format!("InsufficientFunds {{ needed: {needed}, available: {available} }}")
            }
        }
    }

    use threadlab_harness::generate::{Gen, differential};
    fn input(g: &mut Gen) -> (Vec<u64>, Vec<(usize, usize, u64)>) {
        let accounts = g.count(12);
        let mut balances: Vec<u64> = (0..accounts).map(|_| g.range(0, 40)).collect();
        if accounts > 0 && g.one_in(5) {
            // One account holds everything there can be; the total still fits in a u64.
            balances.iter_mut().for_each(|b| *b = 0);
            let rich = g.range(0, accounts as u64 - 1) as usize;
            balances[rich] = u64::MAX;
        }
        let ops = g.vec(8, |g| {
            let id = |g: &mut Gen| {
                if g.one_in(4) {
                    g.pick(&[accounts, accounts + 1, 1000, usize::MAX])
                } else if accounts == 0 {
                    g.pick(&[0, 1])
                } else {
                    g.range(0, accounts as u64 - 1) as usize
                }
            };
            let from = id(g);
            let to = if g.one_in(4) { from } else { id(g) };
            let amount = if g.one_in(3) {
                g.pick(&[0, 1, u64::MAX, u64::MAX - 1])
            } else {
                g.range(0, 45)
            };
            (from, to, amount)
        });
        (balances, ops)
    }
    explore(1, || {
        differential(
            7,
            150,
            "(result, balances of ids 0..accounts+1 and usize::MAX, total(), accounts()) after each \
             transfer(from, to, amount) on Bank::new(balances), for (balances, transfers)",
            input,
            |(balances, ops)| {
                let bank = Bank::new(balances);
                let n = balances.len();
                let look = |bank: &Bank| {
                    let mut seen: Vec<Option<u64>> = (0..=n).map(|id| bank.balance(id)).collect();
                    seen.push(bank.balance(usize::MAX));
                    (seen, bank.total(), bank.accounts())
                };
                let mut trail = vec![("new".to_owned(), look(&bank))];
                for &(from, to, amount) in ops {
                    let result = outcome(&bank.transfer(from, to, amount));
                    trail.push((result, look(&bank)));
                }
                trail
            },
            |(balances, ops)| {
                let bank = reference::advanced::Bank::new(balances);
                let n = balances.len();
                let look = |bank: &reference::advanced::Bank| {
                    let mut seen: Vec<Option<u64>> = (0..=n).map(|id| bank.balance(id)).collect();
                    seen.push(bank.balance(usize::MAX));
                    (seen, bank.total(), bank.accounts())
                };
                let mut trail = vec![("new".to_owned(), look(&bank))];
                for &(from, to, amount) in ops {
                    let result = reference_outcome(&bank.transfer(from, to, amount));
                    trail.push((result, look(&bank)));
                }
                trail
            },
        );
    });
}

/// A call in a concurrent history of the bank.
#[derive(Debug, Clone, Copy)]
enum Call {
    Transfer(usize, usize, u64),
    Total,
    Balance(usize),
}

/// One call of a history: what it was, what it returned (as text), and when it started and ended on a
/// clock that every thread of the history ticks.
#[derive(Debug, Clone)]
struct Done {
    call: Call,
    returned: String,
    start: u64,
    end: u64,
}

/// The bank's sequential behaviour (the reference's): the balances after `call`, and its result.
fn model(balances: &[u64], call: Call) -> (Vec<u64>, String) {
    let mut after = balances.to_vec();
    let returned = match call {
        Call::Transfer(from, to, amount) => {
            let n = balances.len();
            if from >= n {
                format!("NoSuchAccount({from})")
            } else if to >= n {
                format!("NoSuchAccount({to})")
            } else if from == to {
                "SameAccount".to_owned()
            } else if balances[from] < amount {
                format!(
                    "InsufficientFunds {{ needed: {amount}, available: {} }}",
                    balances[from]
                )
            } else {
                after[from] -= amount;
                after[to] += amount;
                "Ok".to_owned()
            }
        }
        Call::Total => balances.iter().sum::<u64>().to_string(),
        Call::Balance(id) => format!("{:?}", balances.get(id)),
    };
    (after, returned)
}

/// Whether the calls of `threads` (each thread's in its own order) can be put in one order, one
/// call at a time, that keeps every call that ended before another started ahead of it and gives
/// every call the result it returned (a linearization).
fn has_sequential_order(balances: &[u64], threads: &[Vec<Done>], next: &mut Vec<usize>) -> bool {
    if threads
        .iter()
        .zip(next.iter())
        .all(|(calls, &n)| n == calls.len())
    {
        return true;
    }
    for t in 0..threads.len() {
        let Some(done) = threads[t].get(next[t]) else {
            continue;
        };
        let overtakes = (0..threads.len()).any(|u| {
            u != t
                && threads[u]
                    .get(next[u])
                    .is_some_and(|other| other.end < done.start)
        });
        if overtakes {
            continue;
        }
        let (after, want) = model(balances, done.call);
        if want == done.returned {
            next[t] += 1;
            if has_sequential_order(&after, threads, next) {
                return true;
            }
            next[t] -= 1;
        }
    }
    false
}

/// Generated mixes of transfers (several out of one account that together overdraw it, opposite
/// ones, refused ones), `total()` and `balance()` on two or three threads at once, each under many
/// schedules: the results must be those of some one-at-a-time order of the same calls that respects
/// which call finished before which began. Money in flight, a funds check outside the locks, or a
/// total read one account at a time has no such order; a lock-order deadlock is reported as one.
fn bank_histories_have_a_sequential_order() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use threadlab_harness::generate::Gen;
    static PLAN: AtomicU64 = AtomicU64::new(0);
    explore(250, || {
        let mut g = Gen::new(0xba4c + PLAN.fetch_add(1, Ordering::SeqCst));
        let accounts = g.count_in(2, 3);
        let opening: Vec<u64> = (0..accounts).map(|_| g.range(0, 10)).collect();
        // Most transfers leave one account, for more than half of what it holds: two of them at
        // once cannot both be paid.
        let hot = g.range(0, accounts as u64 - 1) as usize;
        let threads = g.count_in(2, 3);
        let plans: Vec<Vec<Call>> = (0..threads)
            .map(|_| {
                (0..g.count_in(1, 3))
                    .map(|_| match g.range(0, 8) {
                        0..=2 => {
                            let to = (hot + 1 + g.range(0, accounts as u64 - 2) as usize) % accounts;
                            Call::Transfer(hot, to, opening[hot] / 2 + g.range(1, 2))
                        }
                        3 | 4 => {
                            let from = g.range(0, accounts as u64 - 1) as usize;
                            let to = g.range(0, accounts as u64 - 1) as usize;
                            Call::Transfer(from, to, g.range(0, 8))
                        }
                        5 => Call::Total,
                        _ => Call::Balance(g.range(0, accounts as u64) as usize),
                    })
                    .collect()
            })
            .collect();
        let bank = Bank::new(&opening);
        let clock = AtomicU64::new(0);
        let history: Vec<Vec<Done>> = thread::scope(|s| {
            let workers: Vec<_> = plans
                .iter()
                .map(|plan| {
                    let (bank, clock) = (&bank, &clock);
                    s.spawn(move || {
                        plan.iter()
                            .map(|&call| {
                                let start = clock.fetch_add(1, Ordering::SeqCst);
                                let returned = match call {
                                    Call::Transfer(from, to, amount) => {
                                        outcome(&bank.transfer(from, to, amount))
                                    }
                                    Call::Total => bank.total().to_string(),
                                    Call::Balance(id) => format!("{:?}", bank.balance(id)),
                                };
                                let end = clock.fetch_add(1, Ordering::SeqCst);
                                Done {
                                    call,
                                    returned,
                                    start,
                                    end,
                                }
                            })
                            .collect()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let closing = balances(&bank);
        let mut with_close = history.clone();
        // The balances read after every thread ended close the history.
        with_close.push(
            (0..accounts)
                .map(|id| Done {
                    call: Call::Balance(id),
                    returned: format!("{:?}", closing[id]),
                    start: u64::MAX - 1,
                    end: u64::MAX,
                })
                .collect(),
        );
        let mut next = vec![0; with_close.len()];
        if !has_sequential_order(&opening, &with_close, &mut next) {
            let shown: Vec<String> = history
                .iter()
                .enumerate()
                .map(|(t, calls)| {
                    let calls: Vec<String> = calls
                        .iter()
                        .map(|d| format!("{:?} -> {}", d.call, d.returned))
                        .collect();
                    format!("thread {}: {}", t + 1, calls.join(", "))
                })
                .collect();
            ::core::panic!(
                "Bank::new(&{opening:?}) used by {threads} threads at once gave results that no \
                 one-at-a-time order of the same calls gives (a transfer must check and move the money \
                 under both locks, and total() must see no transfer half done): {}; then the balances \
                 were {closing:?}",
                shown.join("; ")
            );
        }
    });
}
