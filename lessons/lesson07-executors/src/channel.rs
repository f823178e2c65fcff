//! Channels for the exercises: crossbeam-channel's `bounded` and `unbounded`. Import them from here,
//! not from `crossbeam_channel`.
//!
//! In your own builds this module *is* `crossbeam_channel` (the part this lesson uses). The grader
//! compiles the crate with the `threadlab-check` feature, where a channel is instead a queue built
//! from [`crate::sync`]'s `Mutex` and `Condvar`: then every `send` and `recv` is a point where the
//! checker may switch threads, and a worker that waits for a task waits where the checker sees it. (A
//! crossbeam channel blocks the real thread, out of the checker's sight.) The same API in both:
//! `send`, `try_send`, `recv`, `try_recv`, `recv_timeout`, `iter`, `try_iter`, `len`, `is_empty`,
//! `for x in receiver`, `Clone` on both ends, and crossbeam's own error types. `select!` and the timer
//! channels (`after`, `tick`) are not here: the exercises do not need them.
//!
//! This file is course code: the grader always uses the course's copy, not yours.

#[cfg(not(feature = "threadlab-check"))]
pub use crossbeam_channel::{
    IntoIter, Iter, Receiver, RecvError, RecvTimeoutError, SendError, Sender, TryIter, TryRecvError,
    TrySendError, bounded, unbounded,
};

#[cfg(feature = "threadlab-check")]
pub use checked::{IntoIter, Iter, Receiver, Sender, TryIter, bounded, unbounded};
#[cfg(feature = "threadlab-check")]
pub use crossbeam_channel::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

/// A multi-producer, multi-consumer queue over the checked `Mutex` and `Condvar`, with
/// crossbeam-channel's behaviour: `bounded(n)` makes `send` wait while `n` messages are queued,
/// `bounded(0)` makes it wait until a receiver has taken its message, and either end fails once the
/// other end is gone (receivers still get what was queued first).
#[cfg(feature = "threadlab-check")]
mod checked {
    use crate::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
    use crossbeam_channel::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
    use std::collections::VecDeque;
    use std::fmt;
    use std::time::{Duration, Instant};

    struct State<T> {
        queue: VecDeque<T>,
        senders: usize,
        receivers: usize,
        /// Messages ever taken by a receiver: a rendezvous `send` waits until its own is taken.
        taken: u64,
        /// Messages ever queued: the number of the next one.
        queued: u64,
        /// Receivers blocked in `recv`: a rendezvous `try_send` succeeds only when one is waiting.
        waiting: usize,
    }

    struct Channel<T> {
        state: Mutex<State<T>>,
        /// Notified on every change (a message in or out, an end dropped): waiters check again.
        changed: Condvar,
        /// `None` for an unbounded channel.
        cap: Option<usize>,
    }

    impl<T> Channel<T> {
        // The channel runs no code of its users while it holds its lock, so a poisoned lock can
        // only come from a panic in the checker itself; the state is still whole.
        fn lock(&self) -> MutexGuard<'_, State<T>> {
            self.state.lock().unwrap_or_else(PoisonError::into_inner)
        }

        fn wait<'a>(&self, state: MutexGuard<'a, State<T>>) -> MutexGuard<'a, State<T>> {
            self.changed.wait(state).unwrap_or_else(PoisonError::into_inner)
        }

        fn push(&self, state: &mut State<T>, msg: T) -> u64 {
            state.queue.push_back(msg);
            let number = state.queued;
            state.queued += 1;
            self.changed.notify_all();
            number
        }

        fn pop(&self, state: &mut State<T>) -> Option<T> {
            let msg = state.queue.pop_front()?;
            state.taken += 1;
            self.changed.notify_all();
            Some(msg)
        }
    }

    fn new<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
        let channel = Arc::new(Channel {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                senders: 1,
                receivers: 1,
                taken: 0,
                queued: 0,
                waiting: 0,
            }),
            changed: Condvar::new(),
            cap,
        });
        (
            Sender {
                channel: Arc::clone(&channel),
            },
            Receiver { channel },
        )
    }

    /// `crossbeam_channel::unbounded`: `send` never waits.
    pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
        new(None)
    }

    /// `crossbeam_channel::bounded`: `send` waits while `cap` messages are queued; with `cap == 0`
    /// every `send` waits until a receiver takes its message.
    pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
        new(Some(cap))
    }

    /// The sending end, as `crossbeam_channel::Sender`.
    pub struct Sender<T> {
        channel: Arc<Channel<T>>,
    }

    impl<T> Sender<T> {
        /// Queues `msg`, waiting while a bounded channel is full (for `bounded(0)`: until a receiver
        /// has taken it). `Err` gives `msg` back when every receiver is gone.
        pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
            let channel = &*self.channel;
            let mut state = channel.lock();
            match channel.cap {
                None => {}
                Some(0) => {
                    if state.receivers == 0 {
                        return Err(SendError(msg));
                    }
                    let number = channel.push(&mut state, msg);
                    while state.taken <= number && state.receivers > 0 {
                        state = channel.wait(state);
                    }
                    if state.taken <= number {
                        // Every receiver left before taking it: take it back, as crossbeam never
                        // handed it over. Messages are taken in order, so it sits at this position.
                        let at = (number - state.taken) as usize;
                        let msg = state
                            .queue
                            .remove(at)
                            .expect("an untaken message is still queued");
                        return Err(SendError(msg));
                    }
                    return Ok(());
                }
                Some(cap) => {
                    while state.queue.len() >= cap && state.receivers > 0 {
                        state = channel.wait(state);
                    }
                }
            }
            if state.receivers == 0 {
                return Err(SendError(msg));
            }
            channel.push(&mut state, msg);
            Ok(())
        }

        /// Queues `msg` only if that needs no waiting: `Full` when a bounded channel has no room
        /// (for `bounded(0)`: when no receiver is waiting in `recv`), `Disconnected` when every
        /// receiver is gone.
        pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
            let channel = &*self.channel;
            let mut state = channel.lock();
            if state.receivers == 0 {
                return Err(TrySendError::Disconnected(msg));
            }
            let room = match channel.cap {
                None => true,
                Some(0) => state.waiting > state.queue.len(),
                Some(cap) => state.queue.len() < cap,
            };
            if !room {
                return Err(TrySendError::Full(msg));
            }
            channel.push(&mut state, msg);
            Ok(())
        }

        /// How many messages are queued.
        pub fn len(&self) -> usize {
            self.channel.lock().queue.len()
        }

        /// Whether no message is queued.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// The channel's capacity: `None` when unbounded.
        pub fn capacity(&self) -> Option<usize> {
            self.channel.cap
        }
    }

    impl<T> Clone for Sender<T> {
        fn clone(&self) -> Sender<T> {
            self.channel.lock().senders += 1;
            Sender {
                channel: Arc::clone(&self.channel),
            }
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            let mut state = self.channel.lock();
            state.senders -= 1;
            if state.senders == 0 {
                self.channel.changed.notify_all();
            }
        }
    }

    impl<T> fmt::Debug for Sender<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.pad("Sender { .. }")
        }
    }

    /// The receiving end, as `crossbeam_channel::Receiver`: clones take from the same queue, each
    /// message going to exactly one of them.
    pub struct Receiver<T> {
        channel: Arc<Channel<T>>,
    }

    impl<T> Receiver<T> {
        /// Takes the oldest message, waiting for one; `Err` once the queue is empty and every sender
        /// is gone.
        pub fn recv(&self) -> Result<T, RecvError> {
            let channel = &*self.channel;
            let mut state = channel.lock();
            loop {
                if let Some(msg) = channel.pop(&mut state) {
                    return Ok(msg);
                }
                if state.senders == 0 {
                    return Err(RecvError);
                }
                state.waiting += 1;
                state = channel.wait(state);
                state.waiting -= 1;
            }
        }

        /// Takes the oldest message if there is one.
        pub fn try_recv(&self) -> Result<T, TryRecvError> {
            let channel = &*self.channel;
            let mut state = channel.lock();
            match channel.pop(&mut state) {
                Some(msg) => Ok(msg),
                None if state.senders == 0 => Err(TryRecvError::Disconnected),
                None => Err(TryRecvError::Empty),
            }
        }

        /// As [`Receiver::recv`], giving up with `Timeout` after `timeout`.
        pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
            let channel = &*self.channel;
            let deadline = Instant::now().checked_add(timeout);
            let mut state = channel.lock();
            loop {
                if let Some(msg) = channel.pop(&mut state) {
                    return Ok(msg);
                }
                if state.senders == 0 {
                    return Err(RecvTimeoutError::Disconnected);
                }
                state.waiting += 1;
                state = match deadline {
                    None => channel.wait(state),
                    Some(deadline) => {
                        let now = Instant::now();
                        if now >= deadline {
                            state.waiting -= 1;
                            return Err(RecvTimeoutError::Timeout);
                        }
                        channel
                            .changed
                            .wait_timeout(state, deadline - now)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    }
                };
                state.waiting -= 1;
            }
        }

        /// Messages as they come, until the queue is empty and every sender is gone.
        pub fn iter(&self) -> Iter<'_, T> {
            Iter { receiver: self }
        }

        /// The messages queued now, without waiting.
        pub fn try_iter(&self) -> TryIter<'_, T> {
            TryIter { receiver: self }
        }

        /// How many messages are queued.
        pub fn len(&self) -> usize {
            self.channel.lock().queue.len()
        }

        /// Whether no message is queued.
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// The channel's capacity: `None` when unbounded.
        pub fn capacity(&self) -> Option<usize> {
            self.channel.cap
        }
    }

    impl<T> Clone for Receiver<T> {
        fn clone(&self) -> Receiver<T> {
            self.channel.lock().receivers += 1;
            Receiver {
                channel: Arc::clone(&self.channel),
            }
        }
    }

    impl<T> Drop for Receiver<T> {
        fn drop(&mut self) {
            let mut state = self.channel.lock();
            state.receivers -= 1;
            if state.receivers == 0 {
                self.channel.changed.notify_all();
            }
        }
    }

    impl<T> fmt::Debug for Receiver<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.pad("Receiver { .. }")
        }
    }

    /// [`Receiver::iter`]'s iterator.
    pub struct Iter<'a, T> {
        receiver: &'a Receiver<T>,
    }

    impl<T> Iterator for Iter<'_, T> {
        type Item = T;
        fn next(&mut self) -> Option<T> {
            self.receiver.recv().ok()
        }
    }

    impl<T> fmt::Debug for Iter<'_, T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.pad("Iter { .. }")
        }
    }

    /// [`Receiver::try_iter`]'s iterator.
    pub struct TryIter<'a, T> {
        receiver: &'a Receiver<T>,
    }

    impl<T> Iterator for TryIter<'_, T> {
        type Item = T;
        fn next(&mut self) -> Option<T> {
            self.receiver.try_recv().ok()
        }
    }

    impl<T> fmt::Debug for TryIter<'_, T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.pad("TryIter { .. }")
        }
    }

    /// A receiver turned into an iterator (`for msg in receiver`).
    pub struct IntoIter<T> {
        receiver: Receiver<T>,
    }

    impl<T> Iterator for IntoIter<T> {
        type Item = T;
        fn next(&mut self) -> Option<T> {
            self.receiver.recv().ok()
        }
    }

    impl<T> fmt::Debug for IntoIter<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.pad("IntoIter { .. }")
        }
    }

    impl<T> IntoIterator for Receiver<T> {
        type Item = T;
        type IntoIter = IntoIter<T>;
        fn into_iter(self) -> IntoIter<T> {
            IntoIter { receiver: self }
        }
    }

    impl<'a, T> IntoIterator for &'a Receiver<T> {
        type Item = T;
        type IntoIter = Iter<'a, T>;
        fn into_iter(self) -> Iter<'a, T> {
            self.iter()
        }
    }
}
