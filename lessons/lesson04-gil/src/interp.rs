//! Course code (do not edit): a tiny simulated Python interpreter with a global interpreter lock.
//!
//! Time here is logical: one "bytecode" step is one tick of the interpreter's clock, and the switch
//! interval is counted in steps, not milliseconds. So what the tests check (who ran which step, how
//! many switches, how many threads were outside the lock together) is the same on every run, on one
//! CPU as on many.
//!
//! * [`Interpreter::with_gil`] attaches the calling OS thread as a new interpreter thread, takes the
//!   lock, runs the closure with a [`Py`] token and releases the lock.
//! * [`Py::step`] runs one bytecode step and then calls the lock's switch point, where a holder gives
//!   the lock up when another thread has asked for it and the interval has passed (CPython 3.2+).
//! * [`Py::allow_threads`] releases the lock around blocking or pure-Rust work and takes it back
//!   afterwards (the name PyO3 uses).
//!
//! The lock is any [`GilLock`]: [`CourseGil`] is the course's own; the intermediate tier writes one.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// An interpreter thread's id: 0 for the first thread that attached, then 1, 2, ...
pub type Tid = usize;

/// CPython's default switch interval is 5 ms; here the interval is counted in bytecode steps.
pub const DEFAULT_INTERVAL: u64 = 100;

/// A global interpreter lock, as the interpreter uses it.
pub trait GilLock: Send + Sync {
    /// Blocks until `me` holds the lock. When another thread holds it, `me` first asks that holder
    /// to drop it (a drop request), and waits its turn behind threads that asked earlier.
    fn acquire(&self, me: Tid);
    /// `me`, the holder, gives the lock up: to the thread that has waited longest, if any.
    fn release(&self, me: Tid);
    /// Called by the interpreter after each bytecode step of `me`, the holder. When another thread
    /// has asked for the lock and `me` has run at least the switch interval of steps since it got
    /// the lock, `me` hands it to the longest waiter, queues behind the other waiters, waits until it
    /// is its turn again and returns true. Otherwise returns false at once.
    fn switch_point(&self, me: Tid) -> bool;
    /// Who holds the lock now.
    fn holder(&self) -> Option<Tid>;
    /// How many threads wait for the lock.
    fn waiting(&self) -> usize;
    /// Whether a waiting thread has asked the holder to drop the lock.
    fn drop_requested(&self) -> bool;
}

/// One thing that happened in the interpreter, at the clock value (steps run so far) when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// `thread` got the lock (from `acquire`).
    Acquired { thread: Tid, clock: u64 },
    /// `thread` ran bytecode step number `clock` (counting from 1).
    Step { thread: Tid, clock: u64 },
    /// `thread` gave the lock up at a switch point and has it back.
    Switched { thread: Tid, clock: u64 },
    /// `thread` released the lock (at the end of `with_gil` or entering `allow_threads`).
    Released { thread: Tid, clock: u64 },
}

/// What a run looked like, from the interpreter's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Bytecode steps run in all.
    pub steps: u64,
    /// Interpreter threads that ran at least one step.
    pub threads: usize,
    /// Distinct OS threads that ran at least one step.
    pub os_threads: usize,
    /// Times the running thread changed between two consecutive steps.
    pub switches: u64,
    /// The most threads that ran bytecode at the same moment (1 when the lock works).
    pub peak_bytecode: usize,
    /// The most threads that were inside `allow_threads` at the same moment.
    pub peak_released: usize,
}

/// The simulated interpreter. Share it between threads by reference (`thread::scope`) or `Arc`.
#[derive(Debug)]
pub struct Interpreter<L: GilLock = CourseGil> {
    lock: L,
    next_tid: AtomicUsize,
    log: Mutex<Log>,
}

#[derive(Debug, Default)]
struct Log {
    events: Vec<Event>,
    clock: u64,
    os_threads: Vec<std::thread::ThreadId>,
    in_bytecode: usize,
    peak_bytecode: usize,
    released: usize,
    peak_released: usize,
}

impl Interpreter<CourseGil> {
    /// An interpreter with the course's lock and a switch interval of `interval` steps (at least 1).
    pub fn new(interval: u64) -> Self {
        Interpreter::with_lock(CourseGil::new(interval))
    }
}

impl Default for Interpreter<CourseGil> {
    fn default() -> Self {
        Interpreter::new(DEFAULT_INTERVAL)
    }
}

impl<L: GilLock> Interpreter<L> {
    /// An interpreter run by `lock`.
    pub fn with_lock(lock: L) -> Self {
        Interpreter {
            lock,
            next_tid: AtomicUsize::new(0),
            log: Mutex::new(Log::default()),
        }
    }

    /// The lock, to look at while threads run.
    pub fn lock(&self) -> &L {
        &self.lock
    }

    /// Attaches the calling OS thread as a new interpreter thread, takes the lock, runs `f` and
    /// releases the lock, also when `f` panics.
    pub fn with_gil<R>(&self, f: impl FnOnce(&mut Py<'_, L>) -> R) -> R {
        let me = self.next_tid.fetch_add(1, Ordering::SeqCst);
        let mut py = Py { interp: self, me };
        py.take();
        struct ReleaseOnDrop<'a, 'b, L: GilLock>(&'a mut Py<'b, L>);
        impl<L: GilLock> Drop for ReleaseOnDrop<'_, '_, L> {
            fn drop(&mut self) {
                self.0.give_up();
            }
        }
        let guard = ReleaseOnDrop(&mut py);
        f(&mut *guard.0)
    }

    /// Everything that happened so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.log().events.clone()
    }

    /// The thread of each step, in order.
    pub fn step_threads(&self) -> Vec<Tid> {
        self.log()
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Step { thread, .. } => Some(*thread),
                _ => None,
            })
            .collect()
    }

    /// Consecutive steps by one thread, as (thread, how many steps), in order.
    pub fn runs(&self) -> Vec<(Tid, u64)> {
        let mut runs: Vec<(Tid, u64)> = Vec::new();
        for thread in self.step_threads() {
            match runs.last_mut() {
                Some((last, n)) if *last == thread => *n += 1,
                _ => runs.push((thread, 1)),
            }
        }
        runs
    }

    /// A summary of the log.
    pub fn stats(&self) -> Stats {
        let runs = self.runs();
        let log = self.log();
        let mut threads: Vec<Tid> = runs.iter().map(|r| r.0).collect();
        threads.sort_unstable();
        threads.dedup();
        Stats {
            steps: log.clock,
            threads: threads.len(),
            os_threads: log.os_threads.len(),
            switches: runs.len().saturating_sub(1) as u64,
            peak_bytecode: log.peak_bytecode,
            peak_released: log.peak_released,
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, event: impl FnOnce(u64) -> Event) {
        let mut log = self.log();
        let clock = log.clock;
        log.events.push(event(clock));
    }
}

/// Proof that the current thread holds the lock: only a `Py` runs bytecode.
#[derive(Debug)]
pub struct Py<'a, L: GilLock = CourseGil> {
    interp: &'a Interpreter<L>,
    me: Tid,
}

impl<L: GilLock> Py<'_, L> {
    /// This interpreter thread's id.
    pub fn id(&self) -> Tid {
        self.me
    }

    /// Runs one bytecode step, then the switch point.
    pub fn step(&mut self) {
        let interp = self.interp;
        {
            let mut log = interp.log();
            log.in_bytecode += 1;
            log.peak_bytecode = log.peak_bytecode.max(log.in_bytecode);
            log.clock += 1;
            let clock = log.clock;
            log.events.push(Event::Step {
                thread: self.me,
                clock,
            });
            let os = std::thread::current().id();
            if !log.os_threads.contains(&os) {
                log.os_threads.push(os);
            }
        }
        // Between the two log updates another thread could run a step only if the lock let it in.
        std::thread::yield_now();
        interp.log().in_bytecode -= 1;
        if interp.lock.switch_point(self.me) {
            interp.record(|clock| Event::Switched {
                thread: self.me,
                clock,
            });
        }
    }

    /// Runs `n` bytecode steps.
    pub fn steps(&mut self, n: u64) {
        for _ in 0..n {
            self.step();
        }
    }

    /// Releases the lock, runs `f` (blocking I/O, or Rust work that needs no interpreter), and takes
    /// the lock back before returning `f`'s result. Other threads run bytecode meanwhile.
    pub fn allow_threads<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.give_up();
        {
            let mut log = self.interp.log();
            log.released += 1;
            log.peak_released = log.peak_released.max(log.released);
        }
        struct Retake<'p, 'a, L: GilLock>(&'p mut Py<'a, L>);
        impl<L: GilLock> Drop for Retake<'_, '_, L> {
            fn drop(&mut self) {
                self.0.interp.log().released -= 1;
                self.0.take();
            }
        }
        let _retake = Retake(self);
        f()
    }

    fn take(&mut self) {
        self.interp.lock.acquire(self.me);
        self.interp.record(|clock| Event::Acquired {
            thread: self.me,
            clock,
        });
    }

    fn give_up(&mut self) {
        self.interp.record(|clock| Event::Released {
            thread: self.me,
            clock,
        });
        self.interp.lock.release(self.me);
    }
}

/// A piece of Python work.
#[derive(Clone)]
pub enum Job {
    /// Pure computation: `steps` bytecode steps.
    Cpu { steps: u64 },
    /// A blocking wait, such as reading from a socket: `wait` returns when the "network" answers.
    Io { wait: Arc<dyn Fn() + Send + Sync> },
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Job::Cpu { steps } => write!(f, "Job::Cpu {{ steps: {steps} }}"),
            Job::Io { .. } => write!(f, "Job::Io"),
        }
    }
}

/// The course's lock: CPython 3.2+'s rules, with waiters served in the order they asked.
#[derive(Debug)]
pub struct CourseGil {
    interval: u64,
    state: Mutex<GilState>,
    turn: Condvar,
}

#[derive(Debug, Default)]
struct GilState {
    holder: Option<Tid>,
    queue: VecDeque<Tid>,
    held_steps: u64,
    drop_request: bool,
}

impl CourseGil {
    /// A lock whose holder gives way after `interval` steps (at least 1) once another thread asks.
    pub fn new(interval: u64) -> Self {
        CourseGil {
            interval: interval.max(1),
            state: Mutex::new(GilState::default()),
            turn: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, GilState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait_turn(&self, mut state: MutexGuard<'_, GilState>, me: Tid) {
        while state.holder != Some(me) {
            state = self.turn.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn hand_over(state: &mut GilState) {
        state.holder = state.queue.pop_front();
        state.held_steps = 0;
        state.drop_request = !state.queue.is_empty();
    }
}

impl GilLock for CourseGil {
    fn acquire(&self, me: Tid) {
        let mut state = self.state();
        if state.holder.is_none() && state.queue.is_empty() {
            state.holder = Some(me);
            state.held_steps = 0;
            return;
        }
        state.queue.push_back(me);
        state.drop_request = true;
        self.wait_turn(state, me);
    }

    fn release(&self, me: Tid) {
        let mut state = self.state();
        if state.holder == Some(me) {
            CourseGil::hand_over(&mut state);
            self.turn.notify_all();
        }
    }

    fn switch_point(&self, me: Tid) -> bool {
        let mut state = self.state();
        state.held_steps += 1;
        if !(state.drop_request && state.held_steps >= self.interval) {
            return false;
        }
        CourseGil::hand_over(&mut state);
        state.queue.push_back(me);
        state.drop_request = true;
        self.turn.notify_all();
        self.wait_turn(state, me);
        true
    }

    fn holder(&self) -> Option<Tid> {
        self.state().holder
    }

    fn waiting(&self) -> usize {
        self.state().queue.len()
    }

    fn drop_requested(&self) -> bool {
        self.state().drop_request
    }
}
