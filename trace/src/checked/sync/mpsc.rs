//! Hybrid channels: `channel` and `sync_channel` make `std`'s outside a run, and shuttle's in one,
//! where every send and receive is recorded with its thread and line (the values are the program's
//! own types, so they are not shown). Both ends keep the kind they were made with. In a run,
//! `recv_timeout` never times out (time is not modelled).

use super::super::{active, object, record};
use crate::log::{Object, Op};
use std::panic::Location;
use std::sync::mpsc as real;
use std::time::Duration;

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

enum Kind<S, C> {
    Std(S),
    Checked(C),
}

/// The channel's identity in the log: where it was made (shared by both ends).
fn channel_object(made_at: &'static Location<'static>) -> Object {
    object(made_at, "channel", made_at)
}

/// Records a send on the channel made at `made_at` and hands its result back.
#[track_caller]
fn sent<R>(made_at: &'static Location<'static>, result: Result<(), R>) -> Result<(), R> {
    record(
        Op::Send {
            delivered: result.is_ok(),
        },
        Some(channel_object(made_at)),
        Some(Location::caller()),
    );
    result
}

/// `std::sync::mpsc::channel`; shuttle's, recorded, in a run.
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let made_at = Location::caller();
    let (sender, receiver) = if active() {
        let (s, r) = shuttle::sync::mpsc::channel();
        (Kind::Checked(s), Kind::Checked(r))
    } else {
        let (s, r) = real::channel();
        (Kind::Std(s), Kind::Std(r))
    };
    (
        Sender {
            inner: sender,
            made_at,
        },
        Receiver {
            inner: receiver,
            made_at,
        },
    )
}

/// `std::sync::mpsc::sync_channel`; shuttle's, recorded, in a run.
#[track_caller]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let made_at = Location::caller();
    let (sender, receiver) = if active() {
        let (s, r) = shuttle::sync::mpsc::sync_channel(bound);
        (Kind::Checked(s), Kind::Checked(r))
    } else {
        let (s, r) = real::sync_channel(bound);
        (Kind::Std(s), Kind::Std(r))
    };
    (
        SyncSender {
            inner: sender,
            made_at,
        },
        Receiver {
            inner: receiver,
            made_at,
        },
    )
}

/// The sending end.
pub struct Sender<T> {
    inner: Kind<real::Sender<T>, shuttle::sync::mpsc::Sender<T>>,
    made_at: &'static Location<'static>,
}

impl<T> Sender<T> {
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        match &self.inner {
            Kind::Std(sender) => sender.send(value),
            Kind::Checked(sender) => sent(self.made_at, sender.send(value)),
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender {
            inner: match &self.inner {
                Kind::Std(sender) => Kind::Std(sender.clone()),
                Kind::Checked(sender) => Kind::Checked(sender.clone()),
            },
            made_at: self.made_at,
        }
    }
}

/// The sending end of a bounded channel: `send` blocks while it is full.
pub struct SyncSender<T> {
    inner: Kind<real::SyncSender<T>, shuttle::sync::mpsc::SyncSender<T>>,
    made_at: &'static Location<'static>,
}

impl<T> SyncSender<T> {
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        match &self.inner {
            Kind::Std(sender) => sender.send(value),
            Kind::Checked(sender) => sent(self.made_at, sender.send(value)),
        }
    }

    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let sender = match &self.inner {
            Kind::Std(sender) => return sender.try_send(value),
            Kind::Checked(sender) => sender,
        };
        let result = sender.try_send(value);
        if result.is_ok() {
            record(
                Op::Send { delivered: true },
                Some(channel_object(self.made_at)),
                Some(Location::caller()),
            );
        }
        result
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> SyncSender<T> {
        SyncSender {
            inner: match &self.inner {
                Kind::Std(sender) => Kind::Std(sender.clone()),
                Kind::Checked(sender) => Kind::Checked(sender.clone()),
            },
            made_at: self.made_at,
        }
    }
}

/// The receiving end.
pub struct Receiver<T> {
    inner: Kind<real::Receiver<T>, shuttle::sync::mpsc::Receiver<T>>,
    made_at: &'static Location<'static>,
}

impl<T> Receiver<T> {
    #[track_caller]
    fn note(&self, received: bool) {
        record(
            Op::Receive { received },
            Some(channel_object(self.made_at)),
            Some(Location::caller()),
        );
    }

    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        let receiver = match &self.inner {
            Kind::Std(receiver) => return receiver.recv(),
            Kind::Checked(receiver) => receiver,
        };
        let result = receiver.recv();
        self.note(result.is_ok());
        result
    }

    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let receiver = match &self.inner {
            Kind::Std(receiver) => return receiver.try_recv(),
            Kind::Checked(receiver) => receiver,
        };
        let result = receiver.try_recv();
        if result.is_ok() {
            self.note(true);
        }
        result
    }

    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let receiver = match &self.inner {
            Kind::Std(receiver) => return receiver.recv_timeout(timeout),
            Kind::Checked(receiver) => receiver,
        };
        let result = receiver.recv_timeout(timeout);
        self.note(result.is_ok());
        result
    }

    /// Receives until every sender is gone; each receive is recorded.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        std::iter::from_fn(move || self.recv().ok())
    }

    /// Receives what is waiting, without blocking.
    pub fn try_iter(&self) -> impl Iterator<Item = T> + '_ {
        std::iter::from_fn(move || self.try_recv().ok())
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Box<dyn Iterator<Item = T> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<T: 'static> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = Box<dyn Iterator<Item = T>>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(std::iter::from_fn(move || self.recv().ok()))
    }
}

impl<T> std::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sender { .. }")
    }
}

impl<T> std::fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncSender { .. }")
    }
}

impl<T> std::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Receiver { .. }")
    }
}
