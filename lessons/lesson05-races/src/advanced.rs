// Starter file: fill in every `todo!()`, then run `cargo xtask grade` for this lesson.
// (To start a file over: `cargo xtask reset LESSON --tier TIER`, which keeps a copy of your version.)
#![allow(unused_imports, unused_variables, dead_code)]
//! Advanced: a bank whose accounts each have their own lock. Transfers must keep money from
//! vanishing, `total` must be a consistent snapshot, and opposite transfers must never deadlock.
//!
//! Take `Mutex` (and anything else you need) from `crate::sync`.

// TODO: import what you need from crate::sync

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
    // TODO: choose how to store the balances (one lock per account is the exercise)
}

impl Bank {
    /// A bank with one account per entry of `balances`; account `i` opens with `balances[i]`.
    pub fn new(balances: &[u64]) -> Self {
        // TODO: create one account per opening balance
        todo!("create one account per opening balance")
    }

    /// How many accounts there are.
    pub fn accounts(&self) -> usize {
        // TODO: return the number of accounts
        todo!("return the number of accounts")
    }

    /// The balance of account `id`, or `None` when there is no such account.
    pub fn balance(&self, id: usize) -> Option<u64> {
        // TODO: return the balance of `id`, if it exists
        todo!("return the balance of `id`, if it exists")
    }

    /// Moves `amount` from `from` to `to`. Checks, in this order: both ids exist (`from` first), the
    /// accounts differ, `from` holds enough. Money never appears or vanishes, even while other
    /// transfers and `total` run, and two opposite transfers never deadlock.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        // TODO: validate, then lock both accounts in one global order and move the money
        todo!("validate, then lock both accounts in one global order and move the money")
    }

    /// The sum of all balances: a consistent snapshot, equal to the opening total at every moment,
    /// even while transfers run.
    pub fn total(&self) -> u64 {
        // TODO: hold every account's lock at once (in the global order) while summing
        todo!("hold every account's lock at once (in the global order) while summing")
    }
}

// TODO: add private helpers here if you want them
