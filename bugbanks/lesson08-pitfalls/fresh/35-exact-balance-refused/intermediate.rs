#![allow(unused_imports, unused_variables, dead_code)]
//! Intermediate: a bank with two locks, `accounts` (the balances) and `log` (one line per transfer).
//!
//! Three lock mistakes live here: two locks taken in opposite orders, a `Mutex` locked again by the
//! thread that already holds it, and a guard kept while slow work runs.
//!
//! Locks and threads come from [`crate::sync`] and [`crate::thread`]: the grader runs this file under
//! a checker that tries many thread schedules, so a deadlock is found on every run.

use crate::sync::Mutex;

/// Why a transfer was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankError {
    /// There is no account with this id.
    NoSuchAccount(usize),
    /// The source account holds less than the amount.
    InsufficientFunds { needed: u64, available: u64 },
}

/// What [`Bank::audit`] saw, taken at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audit {
    /// How many lines the log holds (transfers and interest payments).
    pub entries: usize,
    /// The sum of every balance.
    pub total: u64,
}

/// A bank whose accounts are numbered from 0. `Bank` is `Send + Sync`: share it between threads.
#[derive(Debug)]
pub struct Bank {
    accounts: Mutex<Vec<u64>>,
    log: Mutex<Vec<String>>,
}

impl Bank {
    /// A bank with one account per opening balance (account ids are indices) and an empty log.
    pub fn new(balances: &[u64]) -> Bank {
        Bank {
            accounts: Mutex::new(balances.to_vec()),
            log: Mutex::new(Vec::new()),
        }
    }

    /// The balance of account `id`, or `None` when there is no such account.
    pub fn balance(&self, id: usize) -> Option<u64> {
        self.accounts.lock().unwrap().get(id).copied()
    }

    /// The sum of every balance.
    pub fn total(&self) -> u64 {
        self.accounts.lock().unwrap().iter().sum()
    }

    /// Moves `amount` from account `from` to account `to` and adds the line `"{from} -> {to}: {amount}"`
    /// to the log. Checks `from`, then `to`, then the funds; a refused transfer changes nothing.
    /// The money moves and its line is logged in one step: no audit sees one without the other.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), BankError> {
        // Lock order, everywhere in this file: `accounts`, then `log`.
        let mut accounts = self.accounts.lock().unwrap();
        for id in [from, to] {
            if id >= accounts.len() {
                return Err(BankError::NoSuchAccount(id));
            }
        }
        let available = accounts[from];
        if available <= amount {
            return Err(BankError::InsufficientFunds {
                needed: amount,
                available,
            });
        }
        let mut log = self.log.lock().unwrap();
        accounts[from] -= amount;
        accounts[to] += amount;
        log.push(format!("{from} -> {to}: {amount}"));
        Ok(())
    }

    /// How many lines the log holds and the total of the balances, both taken at the same moment:
    /// never a payment's new total without its log line, nor the line without the new total. Safe to
    /// call while other threads transfer or pay interest: it never deadlocks with them.
    pub fn audit(&self) -> Audit {
        let accounts = self.accounts.lock().unwrap();
        let log = self.log.lock().unwrap();
        Audit {
            entries: log.len(),
            total: accounts.iter().sum(),
        }
    }

    /// Adds `percent` % interest to every balance (rounded down per account), logs the line
    /// `"interest {percent}%: total {total}"` and returns the new total.
    pub fn pay_interest(&self, percent: u64) -> u64 {
        let mut accounts = self.accounts.lock().unwrap();
        for balance in accounts.iter_mut() {
            *balance += *balance * percent / 100;
        }
        // Computed from the guard we hold: `self.total()` would lock `accounts` again.
        let total: u64 = accounts.iter().sum();
        self.log
            .lock()
            .unwrap()
            .push(format!("interest {percent}%: total {total}"));
        total
    }

    /// Hands every log line, oldest first, to `write` (which may be slow: a file, the network).
    /// Transfers go on while `write` runs: the export shows the log as it was when it started.
    pub fn export(&self, mut write: impl FnMut(&str)) {
        // Copy the lines, let the lock go, then do the slow part.
        let lines = self.log.lock().unwrap().clone();
        for line in &lines {
            write(line);
        }
    }
}
