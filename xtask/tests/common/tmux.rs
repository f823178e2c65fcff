//! A command in a real terminal: tmux on a private socket, read through `capture-pane`, killed when
//! dropped (the grader's SIGHUP handler then ends every process it started).

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// tmux on a private socket, killed when dropped.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` (run by the shell) in a detached 160×60 terminal.
    pub fn start(command: &str) -> Tmux {
        // One socket per terminal, so two tests of one binary never share a server.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "threadlab-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "60",
                command,
            ])
            .status()
            .expect("tmux is needed for this test (`apt-get install tmux`)");
        assert!(status.success());
        Tmux { socket }
    }

    /// The text the terminal shows now.
    pub fn screen(&self) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits for the screen to satisfy `ready`; panics with the screen after `limit`.
    pub fn wait_for(&self, limit: Duration, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(start.elapsed() < limit, "timed out; the screen shows:\n{screen}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
