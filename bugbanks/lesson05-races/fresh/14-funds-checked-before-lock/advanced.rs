//! Advanced: a bank whose accounts each have their own lock. Transfers must keep money from
//! vanishing, `total` must be a consistent snapshot, and opposite transfers must never deadlock.

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
    accounts: Vec<Mutex<u64>>,
}

impl Bank {
    /// A bank with one account per entry of `balances`; account `i` opens with `balances[i]`.
    pub fn new(balances: &[u64]) -> Self {
        Bank { accounts: balances.iter().map(|&b| Mutex::new(b)).collect() }
    }

    fn lock(&self, id: usize) -> MutexGuard<'_, u64> {
        self.accounts[id].lock().unwrap()
    }

    /// How many accounts there are.
    pub fn accounts(&self) -> usize {
        self.accounts.len()
    }

    /// The balance of account `id`, or `None` when there is no such account.
    pub fn balance(&self, id: usize) -> Option<u64> {
        self.accounts.get(id).map(|account| *account.lock().unwrap())
    }

    /// Moves `amount` from `from` to `to`. Checks, in this order: both ids exist (`from` first), the
    /// accounts differ, `from` holds enough. Money never appears or vanishes, even while other
    /// transfers and `total` run, and two opposite transfers never deadlock.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        if from >= self.accounts.len() {
            return Err(TransferError::NoSuchAccount(from));
        }
        if to >= self.accounts.len() {
            return Err(TransferError::NoSuchAccount(to));
        }
        if from == to {
            return Err(TransferError::SameAccount);
        }
        let available = self.balance(from).unwrap_or(0);
        if available < amount {
            return Err(TransferError::InsufficientFunds { needed: amount, available });
        }
        let (low, high) = if from < to { (from, to) } else { (to, from) };
        let mut low_guard = self.lock(low);
        let mut high_guard = self.lock(high);
        let (source, target) = if from < to {
            (&mut *low_guard, &mut *high_guard)
        } else {
            (&mut *high_guard, &mut *low_guard)
        };
        // saturating so a balance can never wrap around below zero
        *source = source.saturating_sub(amount);
        *target += amount;
        Ok(())
    }

    /// The sum of all balances: a consistent snapshot, equal to the opening total at every moment,
    /// even while transfers run.
    pub fn total(&self) -> u64 {
        // take every lock in index order and keep all the guards until the sum is done
        let guards: Vec<MutexGuard<'_, u64>> = self.accounts.iter().map(|a| a.lock().unwrap()).collect();
        guards.iter().map(|g| **g).sum()
    }
}
