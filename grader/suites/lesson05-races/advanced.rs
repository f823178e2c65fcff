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

fn transfer_checks_in_order_and_refusals_change_nothing() {
    fn error_traits<T: std::fmt::Debug + Clone + PartialEq + Eq>() {}
    error_traits::<TransferError>();
    explore(1, || {
        let bank = Bank::new(&[10, 20]);
        let cases = [
            ((5, 9, 1), TransferError::NoSuchAccount(5)),
            ((0, 9, 1), TransferError::NoSuchAccount(9)),
            ((1, 1, 1000), TransferError::SameAccount),
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

/// Three threads transfer in different directions, some refused for lack of funds. Each thread
/// keeps the net effect of the transfers that succeeded; the final balances must match exactly.
fn concurrent_transfers_conserve_money() {
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
