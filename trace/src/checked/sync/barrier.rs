//! A hybrid `Barrier`: `Barrier::new` is a call, so it picks its kind there, `std`'s outside a run
//! and shuttle's in one.

/// `std::sync::Barrier`'s API; of the mode it was made in.
pub struct Barrier(Kind);

enum Kind {
    Std(std::sync::Barrier),
    Checked(shuttle::sync::Barrier),
}

/// What [`Barrier::wait`] returns: whether this thread is the one leader of the round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    pub fn new(n: usize) -> Barrier {
        Barrier(if super::super::active() {
            Kind::Checked(shuttle::sync::Barrier::new(n))
        } else {
            Kind::Std(std::sync::Barrier::new(n))
        })
    }

    pub fn wait(&self) -> BarrierWaitResult {
        BarrierWaitResult(match &self.0 {
            Kind::Std(barrier) => barrier.wait().is_leader(),
            Kind::Checked(barrier) => barrier.wait().is_leader(),
        })
    }
}

impl std::fmt::Debug for Barrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Barrier { .. }")
    }
}
