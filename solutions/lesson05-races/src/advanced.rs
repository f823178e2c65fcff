//! Advanced: a bank whose accounts each have their own lock. Transfers must keep money from
//! vanishing, `total` must be a consistent snapshot, and opposite transfers must never deadlock.
//!
//! Take `Mutex` (and anything else you need) from `crate::sync`.

// BEGIN SOLUTION (comment): import what you need from crate::sync
use crate::sync::{Mutex, MutexGuard};
// END SOLUTION

/// Why a transfer was refused. A refused transfer changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferError {
    /// There is no account with this id (the first bad id: `from` is checked before `to`).
    NoSuchAccount(usize),
    /// `from` and `to` are the same account.
    SameAccount,
    /// `from` holds less than the amount.
    InsufficientFunds {
        /// The amount asked for.
        needed: u64,
        /// What `from` holds.
        available: u64,
    },
}

/// Accounts numbered from 0, each with its own balance.
#[derive(Debug)]
pub struct Bank {
    // BEGIN SOLUTION (comment): choose how to store the balances (one lock per account is the exercise)
    accounts: Vec<Mutex<u64>>,
    // END SOLUTION
}

impl Bank {
    /// A bank with one account per entry of `balances`; account `i` opens with `balances[i]`.
    pub fn new(balances: &[u64]) -> Self {
        // BEGIN SOLUTION: create one account per opening balance
        Self {
            accounts: balances.iter().map(|&b| Mutex::new(b)).collect(),
        }
        // END SOLUTION
    }

    /// How many accounts there are.
    pub fn accounts(&self) -> usize {
        // BEGIN SOLUTION: return the number of accounts
        self.accounts.len()
        // END SOLUTION
    }

    /// The balance of account `id`, or `None` when there is no such account.
    pub fn balance(&self, id: usize) -> Option<u64> {
        // BEGIN SOLUTION: return the balance of `id`, if it exists
        self.accounts.get(id).map(|account| *lock(account))
        // END SOLUTION
    }

    /// Moves `amount` from `from` to `to`. Checks, in this order: both ids exist (`from` first), the
    /// accounts differ, `from` holds enough. Money never appears or vanishes, even while other
    /// transfers and `total` run, and two opposite transfers never deadlock.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        // BEGIN SOLUTION: validate, then lock both accounts in one global order and move the money
        for id in [from, to] {
            if id >= self.accounts.len() {
                return Err(TransferError::NoSuchAccount(id));
            }
        }
        if from == to {
            return Err(TransferError::SameAccount);
        }
        // Every thread takes the lower-numbered lock first, so no two threads can each hold the lock
        // the other waits for: opposite transfers cannot deadlock.
        let (first, second) = (from.min(to), from.max(to));
        let mut low = lock(&self.accounts[first]);
        let mut high = lock(&self.accounts[second]);
        let (source, target) = if from < to {
            (&mut *low, &mut *high)
        } else {
            (&mut *high, &mut *low)
        };
        if *source < amount {
            return Err(TransferError::InsufficientFunds {
                needed: amount,
                available: *source,
            });
        }
        *source -= amount;
        *target += amount;
        Ok(())
        // END SOLUTION
    }

    /// The sum of all balances: a consistent snapshot, equal to the opening total at every moment,
    /// even while transfers run.
    pub fn total(&self) -> u64 {
        // BEGIN SOLUTION: hold every account's lock at once (in the global order) while summing
        // Summing one account at a time lets a transfer move money from an unread account to a read one
        // in between. Holding all the locks, taken in the same order as transfers take them, freezes
        // the whole bank for the moment of the sum.
        let guards: Vec<MutexGuard<'_, u64>> = self.accounts.iter().map(lock).collect();
        guards.iter().map(|balance| **balance).sum()
        // END SOLUTION
    }
}

// BEGIN SOLUTION (comment): add private helpers here if you want them
/// Locks one balance. A panic elsewhere cannot leave a `u64` half-written, so poisoning is ignored.
fn lock(account: &Mutex<u64>) -> MutexGuard<'_, u64> {
    account.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
// END SOLUTION
