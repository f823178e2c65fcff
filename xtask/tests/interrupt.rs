//! Interrupts end everything (issue 20): SIGINT (Ctrl-C), SIGTERM or SIGHUP sent to the grader while
//! a hidden test spins (in `grade --repeat`, Gradescope's format, `watch` in a real terminal),
//! while a process the test started spins outside its process group, while cargo builds, and in the
//! middle of a class batch. The grader must die of the signal within seconds (a shell then shows 130,
//! 143 or 129), print no report, publish no gradebook, and leave no process of the grade behind: a
//! process counts as one when its working directory is one of this grader's test directories (or,
//! for the build, its staged crate), when its command line holds the fixture's marker, or when its
//! environment holds this test's marker (cargo, the compile sandbox and a namespace's init inherit
//! the grader's).
//!
//! The fixtures live at fixed paths under `target/` (the grader stages a submission by its path), so
//! only the first run builds them; the build test alone takes a fresh directory, since its build must
//! really run to be interrupted.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const LESSON: &str = "lesson01-threads";
/// The hidden test that calls `spawn_named`, whose body the fixtures replace.
const SPINNING_TEST: &str = "spawn_named_sets_the_thread_name";
/// The start of `spawn_named`'s body in the reference.
const BODY: &str = "    thread::Builder::new()\n        .name(name.to_owned())";
/// `spawn_named` spins on the CPU for ever.
const BUSY_LOOP: &str =
    "    loop {\n        std::hint::spin_loop();\n    }\n    #[allow(unreachable_code)]\n";
/// How long the grader may take to die after the signal. It takes milliseconds; this is room for a
/// loaded machine with one CPU.
const PROMPTLY: Duration = Duration::from_secs(10);
/// How long to wait for the moment to interrupt (a first run builds the fixtures).
const READY: Duration = Duration::from_secs(180);
/// The variable that marks the grader's environment (and so its build processes).
const MARKER_VAR: &str = "THREADLAB_INTERRUPT_TEST";

/// A fixed directory for this file's fixtures.
fn fixtures() -> PathBuf {
    root().join("target/threadlab-tests/interrupt")
}

/// Writes the reference's `src/` into `dir/src`, with `prefix` put at the start of `spawn_named`'s
/// body (nothing for the reference itself).
fn write_submission(dir: &Path, prefix: &str) {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    for entry in std::fs::read_dir(root().join("solutions").join(LESSON).join("src")).unwrap() {
        let entry = entry.unwrap();
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        if entry.file_name() == "beginner.rs" && !prefix.is_empty() {
            assert!(text.contains(BODY), "spawn_named's body not found in beginner.rs");
            text = text.replacen(BODY, &format!("{prefix}{BODY}"), 1);
        }
        std::fs::write(src.join(entry.file_name()), text).unwrap();
    }
}

/// A process as `/proc` shows it.
#[derive(Debug)]
struct Process {
    pid: u32,
    cwd: PathBuf,
    /// Arguments joined by spaces.
    cmdline: String,
    environ: String,
    comm: String,
    /// CPU time used so far, in clock ticks (usually 1/100 s).
    cpu_ticks: u64,
}

/// Every process that is not a zombie (those run nothing; their parent reaps them).
fn live_processes() -> Vec<Process> {
    let read = |pid: &str, file: &str| {
        let bytes = std::fs::read(format!("/proc/{pid}/{file}")).unwrap_or_default();
        String::from_utf8_lossy(&bytes).replace('\0', " ")
    };
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid: u32 = name.parse().ok()?;
            let stat = read(&name, "stat");
            // The fields after the command name, which may itself hold parentheses: state is the
            // first, user and system CPU time the 12th and 13th.
            let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
            let state = *fields.first()?;
            let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
            let cpu_ticks = ticks(11) + ticks(12);
            (state != "Z" && state != "X").then(|| Process {
                pid,
                cwd: std::fs::read_link(format!("/proc/{name}/cwd")).unwrap_or_default(),
                cmdline: read(&name, "cmdline"),
                environ: read(&name, "environ"),
                comm: read(&name, "comm").trim().to_owned(),
                cpu_ticks,
            })
        })
        .collect()
}

/// How the grader was started: as a child of this test, or in a terminal (tmux) where Ctrl-C is
/// the terminal's, sent to the whole foreground process group.
enum Runner {
    Child {
        child: Child,
        /// Holds `stdout` and `stderr`, the grader's.
        output_dir: tempfile::TempDir,
    },
    Terminal {
        socket: String,
        pid: u32,
    },
}

impl Runner {
    fn child(args: &[&str], env: &[(&str, &str)]) -> Runner {
        let output_dir = tempfile::tempdir().unwrap();
        let file = |name: &str| std::fs::File::create(output_dir.path().join(name)).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(file("stdout"))
            .stderr(file("stderr"));
        Runner::Child {
            child: command.spawn().unwrap(),
            output_dir,
        }
    }

    /// Runs the grader in a tmux pane that stays after it ends, so its end can be read.
    fn terminal(name: &str, args: &[&str], env: &[(&str, &str)]) -> Runner {
        let socket = format!("threadlab-interrupt-{name}-{}", std::process::id());
        let mut command = vec!["env".to_owned()];
        command.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        command.push(env!("CARGO_BIN_EXE_xtask").to_owned());
        command.extend(args.iter().map(|a| a.to_string()));
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "50",
            ])
            .args(&command)
            .args([";", "set-option", "-w", "remain-on-exit", "on"])
            .status()
            .expect("tmux is needed for this test (`apt-get install tmux`)");
        assert!(status.success());
        let pid = Runner::tmux(&socket, &["display-message", "-p", "#{pane_pid}"])
            .parse()
            .expect("the pane's process id");
        Runner::Terminal { socket, pid }
    }

    fn tmux(socket: &str, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .args(["-L", socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).trim_end().to_owned()
    }

    fn pid(&self) -> u32 {
        match self {
            Runner::Child { child, .. } => child.id(),
            Runner::Terminal { pid, .. } => *pid,
        }
    }

    /// `None` while the grader runs; then the signal it died of, if it did.
    fn ended(&mut self) -> Option<Option<i32>> {
        match self {
            Runner::Child { child, .. } => child.try_wait().unwrap().map(died_of),
            Runner::Terminal { socket, pid } => {
                // tmux now and then leaves the ended grader unreaped (seen about once in 15 runs):
                // a zombie's wait status is in its stat, so that is read first.
                if let Some(status) = zombie_status(*pid) {
                    return Some((status & 0x7f != 0).then_some(status & 0x7f));
                }
                // tmux may mark the pane dead (its terminal closed) before it has the wait status:
                // until status or signal is there, it has not ended yet.
                let end = Runner::tmux(
                    socket,
                    &[
                        "display-message",
                        "-p",
                        "#{pane_dead},#{pane_dead_status},#{pane_dead_signal}",
                    ],
                );
                match end.split(',').collect::<Vec<_>>()[..] {
                    ["1", "", ""] => None,
                    ["1", _, signal] => Some(signal.parse().ok()),
                    _ => None,
                }
            }
        }
    }

    /// What the grader printed on stderr (on the terminal: the screen).
    fn output(&self) -> String {
        match self {
            Runner::Child { output_dir, .. } => {
                std::fs::read_to_string(output_dir.path().join("stderr")).unwrap_or_default()
            }
            Runner::Terminal { socket, .. } => {
                let state = "dead #{pane_dead}, status #{pane_dead_status}, signal #{pane_dead_signal}";
                let state = Runner::tmux(socket, &["display-message", "-p", state]);
                format!("{}\n[{state}]", Runner::tmux(socket, &["capture-pane", "-p"]))
            }
        }
    }

    fn send(&self, signal: &str) {
        let status = match (self, signal) {
            (Runner::Terminal { socket, .. }, "INT") => Command::new("tmux")
                .args(["-L", socket, "send-keys", "C-c"])
                .status(),
            _ => Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(self.pid().to_string())
                .status(),
        };
        assert!(status.unwrap().success(), "sending SIG{signal} failed");
    }

    /// Ends the grader (a failing test must not leave it running): SIGTERM first, so that it takes
    /// its tests with it where it can, then SIGKILL.
    fn stop(&mut self) {
        match self {
            Runner::Child { child, .. } => {
                if child.try_wait().is_ok_and(|s| s.is_none()) {
                    let _ = Command::new("kill").arg(child.id().to_string()).status();
                    let deadline = Instant::now() + PROMPTLY;
                    while child.try_wait().is_ok_and(|s| s.is_none()) && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
                let _ = child.kill();
                let _ = child.wait();
            }
            Runner::Terminal { socket, .. } => {
                let _ = Command::new("tmux").args(["-L", socket, "kill-server"]).status();
            }
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One grader run, with the markers that tell its processes.
struct Grade {
    runner: Runner,
    pid: u32,
    /// The course's directory of test directories.
    runs: PathBuf,
    /// In the environment of the grader and of what inherits it.
    env_marker: String,
    /// In the command line of a process the fixture starts, if it starts one.
    argv_marker: Option<String>,
    /// A directory only this grade works in (its staged crate, once known): the compiler runs
    /// there, with an environment the compile sandbox reduced.
    own_dir: Option<PathBuf>,
}

impl Grade {
    fn start(name: &str, args: &[&str], env: &[(&str, &str)], argv_marker: Option<String>) -> Grade {
        let env_marker = format!("threadlab-interrupt-{name}-{}", std::process::id());
        let mut env = env.to_vec();
        env.extend([("NO_COLOR", "1"), (MARKER_VAR, env_marker.as_str())]);
        Grade::new(Runner::child(args, &env), root(), env_marker, argv_marker)
    }

    fn new(runner: Runner, course: PathBuf, env_marker: String, argv_marker: Option<String>) -> Grade {
        Grade {
            pid: runner.pid(),
            runner,
            runs: course.join("target/threadlab/runs"),
            env_marker,
            argv_marker,
            own_dir: None,
        }
    }

    /// What the grader printed on stdout (a report), once it ended.
    fn stdout(&self) -> String {
        let Runner::Child { output_dir, .. } = &self.runner else {
            unreachable!("only a grader started as a child has its stdout kept")
        };
        std::fs::read_to_string(output_dir.path().join("stdout")).unwrap()
    }

    /// Whether `process` belongs to this grade (the grader itself aside).
    fn owns(&self, process: &Process) -> bool {
        let pid = self.pid.to_string();
        let in_a_test_dir = process.cwd.starts_with(&self.runs)
            && process.cwd.components().any(|c| c.as_os_str() == pid.as_str());
        process.pid != self.pid
            && (in_a_test_dir
                || self.own_dir.as_ref().is_some_and(|d| process.cwd.starts_with(d))
                || process.environ.contains(&self.env_marker)
                || self
                    .argv_marker
                    .as_ref()
                    .is_some_and(|m| process.cmdline.contains(m)))
    }

    /// Waits until a process of this grade matches `what` and returns it; panics if the grader
    /// ends first.
    fn wait_for(&mut self, description: &str, what: impl Fn(&Process) -> bool) -> Process {
        let deadline = Instant::now() + READY;
        loop {
            if let Some(found) = live_processes().into_iter().find(|p| self.owns(p) && what(p)) {
                return found;
            }
            if let Some(signal) = self.runner.ended() {
                panic!(
                    "the grader ended ({signal:?}) before {description}: {}",
                    self.runner.output()
                );
            }
            if Instant::now() > deadline {
                let output = self.runner.output();
                self.runner.stop();
                panic!("no {description} within {READY:?}: {output}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signals` (a name each, as `kill` takes them; `INT` on a terminal is its Ctrl-C) a few
    /// milliseconds apart, then checks that the grader died of the first within [`PROMPTLY`] and that
    /// nothing of its grade is left.
    fn interrupt(&mut self, signals: &[&str]) {
        let started = Instant::now();
        for signal in signals {
            self.runner.send(signal);
            std::thread::sleep(Duration::from_millis(5));
        }
        let signal = loop {
            if let Some(signal) = self.runner.ended() {
                break signal;
            }
            if started.elapsed() > PROMPTLY {
                let output = self.runner.output();
                self.runner.stop();
                panic!(
                    "the grader was still running {PROMPTLY:?} after SIG{}: {output}",
                    signals[0]
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = started.elapsed();
        let left: Vec<Process> = live_processes().into_iter().filter(|p| self.owns(p)).collect();
        // Stop what is left before failing: a spinning leftover would slow every test after this one.
        for process in &left {
            let _ = Command::new("kill")
                .args(["-KILL", &process.pid.to_string()])
                .status();
        }
        assert!(
            left.is_empty(),
            "processes of the grade outlived the grader: {left:#?}"
        );
        assert_eq!(
            signal,
            Some(signal_number(signals[0])),
            "{}",
            self.runner.output()
        );
        eprintln!("SIG{} ended the grade in {took:?}", signals[0]);
    }
}

/// The wait status of `pid` if it is a zombie: the 52nd field of its stat (Linux 3.5 and later).
fn zombie_status(pid: u32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    // Counted from the state, the third field.
    (*fields.first()? == "Z").then(|| fields.get(49)?.parse().ok())?
}

fn died_of(status: ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

fn signal_number(name: &str) -> i32 {
    match name {
        "INT" => 2,
        "TERM" => 15,
        "HUP" => 1,
        other => panic!("no number for SIG{other}"),
    }
}

/// The test that runs `spawn_named`, once it has used a fifth of a second of CPU: the reference's
/// run of it takes a millisecond, so this one is spinning.
fn is_spinning_test(process: &Process) -> bool {
    process.cmdline.contains(&format!("--run {SPINNING_TEST}")) && process.cpu_ticks >= 20
}

#[test]
fn ctrl_c_while_a_test_spins_ends_the_test_too() {
    let dir = fixtures().join("busy-loop");
    write_submission(&dir, BUSY_LOOP);
    // `--repeat` grades in a loop: the first grade's spinning test is where the interrupt lands.
    let mut grade = Grade::start(
        "busy",
        &[
            "grade",
            "lesson01",
            "--repeat",
            "2",
            "--submission",
            dir.to_str().unwrap(),
        ],
        &[],
        None,
    );
    let _ = grade.wait_for("spinning test", is_spinning_test);
    grade.interrupt(&["INT"]);
    assert_eq!(grade.stdout(), "", "an interrupted grade printed a summary");
}

/// Gradescope's format, and SIGTERM: what a container's time limit sends.
#[test]
fn sigterm_ends_a_child_the_test_started_outside_its_process_group() {
    let dir = fixtures().join("spinning-child");
    // Unique to this checkout, fixed across runs (so the fixture is built once).
    let marker = format!("threadlab-spinning-child:{}", dir.display());
    let capabilities = grader::sandbox::capabilities();
    let own_user =
        capabilities.root && grader::sandbox::reachable_by_others(&root().join("target/threadlab"));
    // As root, without the PID namespace, so that the kill of the test's own user id is what must
    // find the child; elsewhere with the namespace where there is one.
    let env: &[(&str, &str)] = if own_user {
        &[
            ("THREADLAB_NO_LANDLOCK", "1"),
            ("THREADLAB_NO_PID_NAMESPACE", "1"),
        ]
    } else {
        &[("THREADLAB_NO_LANDLOCK", "1")]
    };
    // With neither, the process group is all there is (SECURITY.md): the child stays in it.
    let leaves_the_group = own_user || capabilities.namespace_flags.is_some();
    let program = if leaves_the_group {
        r#""setsid").args(["sh", "#
    } else {
        r#""sh").args(["#
    };
    // Landlock would refuse to execute `sh` at all: it is off (above) for the test to show what
    // happens to a child on a kernel without Landlock.
    let prefix = format!(
        "    let _child = std::process::Command::new({program}\"-c\", \"while :; do :; done\", {marker:?}]).spawn();\n    \
         loop {{\n        crate::thread::sleep(std::time::Duration::from_millis(50));\n    }}\n    \
         #[allow(unreachable_code)]\n"
    );
    write_submission(&dir, &prefix);
    let mut grade = Grade::start(
        "child",
        &[
            "grade",
            "lesson01",
            "--format",
            "gradescope",
            "--submission",
            dir.to_str().unwrap(),
        ],
        env,
        Some(marker.clone()),
    );
    let _ = grade.wait_for("spinning child", |p| p.cmdline.contains(&marker));
    grade.interrupt(&["TERM"]);
    assert_eq!(grade.stdout(), "", "an interrupted grade printed results.json");
}

#[test]
fn sighup_during_the_build_ends_cargo_and_rustc() {
    // A directory the grader has never staged, so cargo must compile it.
    std::fs::create_dir_all(fixtures()).unwrap();
    let dir = tempfile::tempdir_in(fixtures()).unwrap();
    write_submission(dir.path(), "");
    let mut grade = Grade::start(
        "build",
        &[
            "grade",
            "lesson01",
            "--format",
            "json",
            "--submission",
            dir.path().to_str().unwrap(),
        ],
        &[],
        None,
    );
    // cargo hands the staged crates to the compile sandbox (this grader's executable, with its
    // environment), which runs rustc in the staged directory with a reduced one: that directory
    // then marks the compiler.
    let compiling = grade.wait_for("compiler of a staged crate", |p| {
        p.cmdline.contains("--crate-name threadlab_stage")
    });
    grade.own_dir = Some(compiling.cwd);
    grade.wait_for("rustc", |p| p.comm == "rustc");
    grade.interrupt(&["HUP"]);
}

#[test]
fn an_interrupted_batch_leaves_the_last_gradebook_and_reports_even_when_ctrl_c_is_pressed_twice() {
    let class = fixtures().join("class");
    write_submission(&class.join("ada"), "");
    write_submission(&class.join("bob"), BUSY_LOOP);
    std::fs::create_dir_all(class.join("cyd/notes")).unwrap();
    // The outputs of an earlier batch, which must stay as they are, together.
    let out = tempfile::tempdir().unwrap();
    let gradebook = out.path().join("gradebook.csv");
    let earlier = format!(
        "{}\nada,20,20,20,60,60,graded\n",
        grader::classroom::batch::HEADER
    );
    std::fs::write(&gradebook, &earlier).unwrap();
    std::fs::create_dir_all(out.path().join("reports")).unwrap();
    std::fs::write(out.path().join("reports/ada.json"), "{}\n").unwrap();
    let mut grade = Grade::start(
        "batch",
        &[
            "grade",
            "lesson01",
            "--class",
            class.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
        ],
        &[],
        None,
    );
    // By then ada may be graded in full: her new report must still not be published.
    let _ = grade.wait_for("spinning test of bob", is_spinning_test);
    grade.interrupt(&["INT", "INT"]);
    assert_eq!(
        std::fs::read_to_string(&gradebook).unwrap(),
        earlier,
        "an interrupted batch changed the gradebook"
    );
    let reports: Vec<String> = std::fs::read_dir(out.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(reports, ["ada.json"], "an interrupted batch changed the reports");
    assert_eq!(
        std::fs::read_to_string(out.path().join("reports/ada.json")).unwrap(),
        "{}\n"
    );
}

#[test]
fn ctrl_c_in_the_terminal_ends_watch_and_the_test_it_runs() {
    // `watch` grades the learner's own lessons/, so it gets a course of its own (sharing the real
    // course's build directory), whose learner's spawn_named spins.
    let course = tempfile::tempdir().unwrap();
    let lesson = format!("lessons/{LESSON}");
    for part in [
        lesson.clone(),
        format!("solutions/{LESSON}"),
        format!("grader/suites/{LESSON}"),
        "harness".to_owned(),
        // The lesson crate depends (under its checking feature) on the checked facade.
        "trace".to_owned(),
    ] {
        copy_dir(&root().join(&part), &course.path().join(&part));
    }
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(root().join(file), course.path().join(file)).unwrap();
    }
    share_build_cache(course.path());
    write_submission(&course.path().join(&lesson), BUSY_LOOP);
    let env_marker = format!("threadlab-interrupt-watch-{}", std::process::id());
    let root_var = course.path().display().to_string();
    let runner = Runner::terminal(
        "watch",
        &["watch", "lesson01"],
        &[
            ("THREADLAB_ROOT", &root_var),
            ("NO_COLOR", "1"),
            (MARKER_VAR, &env_marker),
        ],
    );
    let mut grade = Grade::new(runner, course.path().to_owned(), env_marker, None);
    let _ = grade.wait_for("spinning test", is_spinning_test);
    grade.interrupt(&["INT"]);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
