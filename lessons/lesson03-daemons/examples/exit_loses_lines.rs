//! Lines lost at exit: a detached log writer against a joined one.
//!
//! The program runs itself twice more, as child processes. Each child queues the same lines for a
//! writer thread, writes them to a file through a `BufWriter`, and returns from `main` right away:
//!
//! - `detached`: the writer's `JoinHandle` is dropped. Nobody waits for it, so when `main` returns the
//!   process ends under it (a Rust thread left alone behaves like a Python daemon thread).
//! - `joined`: `main` drops the `Sender` (so the writer's loop ends once the queue is empty) and joins
//!   the writer before returning (Python's non-daemon behaviour, built by hand).
//!
//! The parent then counts the lines each child left in its file. The detached count changes from run
//! to run and with the machine's load; it is usually far below the total, often 0. The joined count
//! is always the total.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p lesson03 --example exit_loses_lines
//! cargo run -p lesson03 --example exit_loses_lines -- LINES
//! ```

use lesson03::sync::mpsc;
use lesson03::thread;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// How many lines each child logs unless told otherwise.
const DEFAULT_LINES: usize = 200_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--child", mode, path, lines] => child(mode, Path::new(path), lines.parse().expect("a line count")),
        [] => parent(DEFAULT_LINES),
        [lines] => parent(lines.parse().expect("usage: exit_loses_lines [LINES]")),
        _ => panic!("usage: exit_loses_lines [LINES]"),
    }
}

fn parent(lines: usize) {
    let dir = std::env::temp_dir().join(format!("threadlab-lesson03-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    println!("each child queues {lines} lines for its writer thread, then returns from main\n");
    for mode in ["detached", "joined"] {
        let path: PathBuf = dir.join(format!("{mode}.log"));
        let status = Command::new(std::env::current_exe().expect("the example knows its own path"))
            .args(["--child", mode, &path.to_string_lossy(), &lines.to_string()])
            .status()
            .expect("start a child process");
        let kept = std::fs::read_to_string(&path)
            .map(|text| text.lines().count())
            .unwrap_or(0);
        println!(
            "{mode:>8} writer: {kept:>7} of {lines} lines in the file ({:.1}%), child exited with {status}",
            100.0 * kept as f64 / lines.max(1) as f64
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn child(mode: &str, path: &Path, lines: usize) {
    let (sender, queue) = mpsc::channel::<String>();
    let file = File::create(path).expect("create the log file");
    let writer = thread::spawn(move || {
        let mut out = BufWriter::new(file);
        for line in queue {
            writeln!(out, "{line}").expect("write a line");
        }
        out.flush().expect("flush the log");
    });
    for i in 0..lines {
        sender
            .send(format!("event {i}: something worth keeping happened"))
            .expect("the writer is alive");
    }
    match mode {
        // Dropping the handle detaches the thread: main returns now and the process ends under it.
        "detached" => drop(writer),
        // Close the channel first, then wait: the writer drains the queue, flushes and ends.
        "joined" => {
            drop(sender);
            writer.join().expect("the writer thread finished");
        }
        other => panic!("unknown mode {other}"),
    }
}
