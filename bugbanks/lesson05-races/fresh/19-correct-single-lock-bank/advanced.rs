//! Advanced: a bank whose accounts each have their own lock. Transfers must keep money from
//! vanishing, `total` must be a consistent snapshot, and opposite transfers must never deadlock.
//!
//! This version keeps every balance behind one lock: no lock order to get wrong.

use crate::sync::{Mutex, MutexGuard};

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
    /// The number of accounts never changes, so it is kept outside the lock.
    count: usize,
    balances: Mutex<Vec<u64>>,
}

impl Bank {
    /// A bank with one account per entry of `balances`; account `i` opens with `balances[i]`.
    pub fn new(balances: &[u64]) -> Self {
        Bank { count: balances.len(), balances: Mutex::new(balances.to_vec()) }
    }

    fn books(&self) -> MutexGuard<'_, Vec<u64>> {
        self.balances.lock().unwrap()
    }

    /// How many accounts there are.
    pub fn accounts(&self) -> usize {
        self.count
    }

    /// The balance of account `id`, or `None` when there is no such account.
    pub fn balance(&self, id: usize) -> Option<u64> {
        self.books().get(id).copied()
    }

    /// Moves `amount` from `from` to `to`. Checks, in this order: both ids exist (`from` first), the
    /// accounts differ, `from` holds enough. Money never appears or vanishes, even while other
    /// transfers and `total` run, and two opposite transfers never deadlock.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        for id in [from, to] {
            if id >= self.count {
                return Err(TransferError::NoSuchAccount(id));
            }
        }
        if from == to {
            return Err(TransferError::SameAccount);
        }
        let mut books = self.books();
        let available = books[from];
        if available < amount {
            return Err(TransferError::InsufficientFunds { needed: amount, available });
        }
        books[from] = available - amount;
        books[to] += amount;
        Ok(())
    }

    /// The sum of all balances: a consistent snapshot, equal to the opening total at every moment,
    /// even while transfers run.
    pub fn total(&self) -> u64 {
        self.books().iter().sum()
    }
}
