//! Intermediate: a `Runtime` that follows Python's exit rules. `shutdown` waits for every non-daemon
//! thread (also those started by other threads while it waits) and abandons the daemons; a thread
//! started from a daemon is a daemon too.
//!
//! A thread's body receives a [`Context`]: its way to ask whether it is a daemon and to start
//! children of its own. That is how a body spawns, since Rust has no `threading.current_thread()`
//! that could carry a daemon flag around for us.

use crate::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use crate::sync::Mutex;
use crate::thread::{self, JoinHandle};

/// What [`Runtime::shutdown`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownReport {
    /// How many non-daemon threads shutdown joined: every one ever started, including those that
    /// panicked.
    pub joined: usize,
    /// How many of those ended with a panic.
    pub panicked: usize,
}

/// Starts threads under Python's exit rules: [`Runtime::shutdown`] joins every non-daemon thread
/// and leaves the daemons running (the process ending soon after kills them).
///
/// Every non-daemon thread's handle is mailed to the runtime over a channel. A non-daemon sends the
/// handles of its non-daemon children before it ends, so once shutdown has joined everything it
/// received and the mailbox is empty, no non-daemon is left that could send another.
#[derive(Debug)]
pub struct Runtime {
    mail: Sender<JoinHandle<()>>,
    mailbox: Mutex<Receiver<JoinHandle<()>>>,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::new()
    }
}

/// Given to every thread body: tells it whether its thread is a daemon and lets it start children.
#[derive(Debug, Clone)]
pub struct Context {
    /// `None` for a daemon: nothing it starts is ever waited for.
    mail: Option<Sender<JoinHandle<()>>>,
}

/// Starts `body` on a new thread; the handle goes to `mail` (non-daemon) or is dropped (daemon).
fn launch<F>(mail: Option<&Sender<JoinHandle<()>>>, body: F)
where
    F: FnOnce(&Context) + Send + 'static,
{
    let context = Context { mail: mail.cloned() };
    let handle = thread::spawn(move || body(&context));
    match mail {
        // fails only when the runtime is gone; the thread then simply runs on its own
        Some(mail) => {
            let _ = mail.send(handle);
        }
        None => drop(handle),
    }
}

impl Runtime {
    /// A runtime with no threads yet.
    pub fn new() -> Self {
        let (mail, mailbox) = mpsc::channel();
        Runtime { mail, mailbox: Mutex::new(mailbox) }
    }

    /// Starts a non-daemon thread running `body`: [`Runtime::shutdown`] waits for it.
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        launch(Some(&self.mail), body);
    }

    /// Starts a daemon thread running `body`: nobody waits for it.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        launch(None, body);
    }

    /// Joins every non-daemon thread, including the ones that other non-daemon threads start while
    /// shutdown is waiting, and returns what it joined. Never waits for a daemon. A thread that
    /// panicked is counted in the report; it does not stop shutdown from joining the others.
    pub fn shutdown(self) -> ShutdownReport {
        let mut report = ShutdownReport::default();
        let mailbox = self.mailbox.into_inner().unwrap_or_else(|e| e.into_inner());
        loop {
            match mailbox.try_recv() {
                Ok(handle) => {
                    report.joined += 1;
                    if handle.join().is_err() {
                        report.panicked += 1;
                    }
                }
                // Everything received has been joined, so no non-daemon is alive to send more.
                // (Disconnected cannot happen while `self.mail` lives, but means the same.)
                Err(TryRecvError::Empty) | Err(TryRecvError::Disconnected) => break,
            }
        }
        report
    }
}

impl Context {
    /// Whether the thread running this body is a daemon.
    pub fn is_daemon(&self) -> bool {
        self.mail.is_none()
    }

    /// Starts a child that inherits this thread's kind, as in Python: a daemon's child is a daemon,
    /// a non-daemon's child is a non-daemon (and shutdown waits for it).
    pub fn spawn<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        launch(self.mail.as_ref(), body);
    }

    /// Starts a daemon child, whatever this thread is.
    pub fn spawn_daemon<F>(&self, body: F)
    where
        F: FnOnce(&Context) + Send + 'static,
    {
        launch(None, body);
    }
}
