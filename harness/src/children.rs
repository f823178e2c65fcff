//! Child scenarios: a test that needs a whole program's ending (threads still running when `main`
//! returns) runs a scenario in a child process, `BINARY --child NAME` (see [`crate::main_with_children`]).
//!
//! Why a launcher thread: Landlock gives the right to execute a file only with the right to read it,
//! and the test binary's strings hold the held-back tests' messages. A test process allowed to
//! re-execute its binary could read it, and learner code could print those messages in a visible
//! test's output before the due date (an attack pass did). So the test process is never allowed to
//! execute anything. Instead the harness starts one thread before it confines the test (Landlock
//! confines the calling thread and the threads and processes it starts later, never a thread that
//! already runs), and that thread starts each child:
//! * it takes requests only through [`run`], which learner code cannot name (the harness is a
//!   dependency of the hidden tests, never of the learner's library);
//! * it starts the binary it found before the test was confined, with the environment the test
//!   started with (learner code may change the test's own, to point `LD_PRELOAD` at a library it
//!   wrote), in the directory the test asked for, which must lie in the test's own directory;
//! * the child confines itself before its scenario runs, as a test does, to the test's own
//!   directory as the launcher found it before learner code ran, never to the directory it runs in
//!   (learner code in the test can move the test's working directory, or put a link where the test
//!   makes a directory, and an attack pass had a child confined to the binary's directory read it);
//!   it may neither execute nor read the binary; its Landlock domain is not inside the test's, so
//!   neither can signal or trace the other;
//! * the launcher waits for the child, stops it at the test's time limit (the test itself could not
//!   signal it) and hands back what it printed.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

/// What a child may print on each of stdout and stderr that the test gets to see; the rest is read
/// and dropped, so a child that floods its output neither blocks nor fills the test's memory.
const OUTPUT_CAP: u64 = 1 << 20;

struct Request {
    name: String,
    dir: PathBuf,
    limit: Duration,
    reply: mpsc::Sender<std::io::Result<Output>>,
}

static LAUNCHER: OnceLock<Mutex<mpsc::Sender<Request>>> = OnceLock::new();

/// Starts the launcher thread. Called by the harness before the test is confined and before any
/// learner code runs.
pub(crate) fn start_launcher() {
    let exe = std::env::current_exe();
    let env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    // The test's own directory: its working directory before any learner code ran.
    let root = std::env::current_dir().and_then(|d| d.canonicalize());
    let (requests, inbox) = mpsc::channel::<Request>();
    let spawned = std::thread::Builder::new()
        .name("threadlab-launcher".to_owned())
        .spawn(move || {
            for request in inbox {
                let output = match (&exe, &root) {
                    (Ok(exe), Ok(root)) => launch(exe, root, &env, &request),
                    (Err(e), _) => Err(std::io::Error::new(
                        e.kind(),
                        format!("cannot find the test binary: {e}"),
                    )),
                    (_, Err(e)) => Err(std::io::Error::new(
                        e.kind(),
                        format!("cannot find the test's directory: {e}"),
                    )),
                };
                let _ = request.reply.send(output);
            }
        });
    if spawned.is_ok() {
        let _ = LAUNCHER.set(Mutex::new(requests));
    }
}

/// Runs child scenario `name` in `dir` and returns its exit status and what it printed; a child still
/// running after `limit` is killed (its status then says so).
pub fn run(name: &str, dir: &Path, limit: Duration) -> std::io::Result<Output> {
    let unavailable = || {
        std::io::Error::other(
            "this test binary starts no child processes: its main must be threadlab_harness::main_with_children",
        )
    };
    let launcher = LAUNCHER.get().ok_or_else(unavailable)?;
    let (reply, answer) = mpsc::channel();
    let request = Request {
        name: name.to_owned(),
        dir: dir.to_owned(),
        limit,
        reply,
    };
    launcher
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send(request)
        .map_err(|_| unavailable())?;
    answer.recv().map_err(|_| unavailable())?
}

/// Starts the child in `request.dir`, which must lie in `root` (the child is confined to `root`
/// whatever directory it runs in; this only makes a test that asked for another one fail clearly).
fn launch(
    exe: &Path,
    root: &Path,
    env: &[(OsString, OsString)],
    request: &Request,
) -> std::io::Result<Output> {
    let dir = request.dir.canonicalize()?;
    if !dir.starts_with(root) {
        return Err(std::io::Error::other(format!(
            "a child scenario runs in the test's own directory {} or beneath it, not in {}",
            root.display(),
            dir.display()
        )));
    }
    let mut child = Command::new(exe)
        .arg("--child")
        .arg(&request.name)
        .arg(root)
        .current_dir(&dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let status = wait(&mut child, request.limit)?;
    let collect = |reader: Option<std::thread::JoinHandle<Vec<u8>>>| {
        reader.and_then(|r| r.join().ok()).unwrap_or_default()
    };
    Ok(Output {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    })
}

/// Reads a pipe to its end on a thread of its own, keeping the first [`OUTPUT_CAP`] bytes.
fn drain(pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut pipe = pipe;
        let mut kept = Vec::new();
        let _ = (&mut pipe).take(OUTPUT_CAP).read_to_end(&mut kept);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        kept
    })
}

/// Waits for `child`, killing it once `limit` has passed.
fn wait(child: &mut std::process::Child, limit: Duration) -> std::io::Result<ExitStatus> {
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            return child.wait();
        }
        std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A shell script in a fresh directory standing in for the test binary: it gets `--child NAME`.
    fn script(body: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "threadlab-children-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("binary");
        std::fs::write(&exe, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir.canonicalize().unwrap(), exe)
    }

    fn request(dir: &Path, limit: Duration) -> Request {
        Request {
            name: "a_scenario".to_owned(),
            dir: dir.to_owned(),
            limit,
            reply: mpsc::channel().0,
        }
    }

    #[test]
    fn a_child_gets_its_name_the_directory_and_only_the_environment_it_was_given() {
        let (dir, exe) = script(
            r#"echo "$1 $2 $(pwd) ${GIVEN:-none} ${CARGO_MANIFEST_DIR:-none}"; echo oops >&2; exit 3"#,
        );
        // cargo sets it for the tests' process; the child must not inherit it.
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let env = vec![
            (OsString::from("GIVEN"), OsString::from("yes")),
            (OsString::from("PATH"), OsString::from("/usr/bin:/bin")),
        ];
        let real = dir.canonicalize().unwrap();
        let output = launch(&exe, &real, &env, &request(&dir, Duration::from_secs(10))).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            format!("--child a_scenario {} yes none\n", real.display())
        );
        assert_eq!(String::from_utf8_lossy(&output.stderr), "oops\n");
        assert_eq!(output.status.code(), Some(3));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_child_past_its_limit_is_killed_and_what_it_printed_is_kept() {
        let (dir, exe) = script("echo started; exec sleep 30");
        let began = Instant::now();
        let output = launch(&exe, &dir, &[], &request(&dir, Duration::from_millis(300))).unwrap();
        assert!(began.elapsed() < Duration::from_secs(10), "{:?}", began.elapsed());
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(output.status.signal(), Some(9), "{:?}", output.status);
        assert_eq!(String::from_utf8_lossy(&output.stdout), "started\n");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_flood_of_output_is_cut_at_the_cap_and_the_child_still_ends() {
        let (dir, exe) = script("head -c 3000000 /dev/zero");
        let output = launch(&exe, &dir, &[], &request(&dir, Duration::from_secs(20))).unwrap();
        assert!(output.status.success(), "{:?}", output.status);
        assert_eq!(output.stdout.len() as u64, OUTPUT_CAP);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_child_runs_only_in_the_tests_own_directory() {
        let (dir, exe) = script("echo ran");
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("below")).unwrap();
        std::os::unix::fs::symlink(&dir, root.join("away")).unwrap();
        let below = launch(
            &exe,
            &root,
            &[],
            &request(&root.join("below"), Duration::from_secs(10)),
        );
        assert_eq!(below.unwrap().stdout, b"ran\n");
        for elsewhere in [dir.clone(), root.join("away"), root.join("below/../..")] {
            let error = launch(&exe, &root, &[], &request(&elsewhere, Duration::from_secs(10))).unwrap_err();
            assert!(
                error.to_string().contains("runs in the test's own directory"),
                "{error}"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn without_the_launcher_a_test_is_told_how_to_get_one() {
        // The unit tests' process never starts the launcher.
        let error = run("anything", Path::new("."), Duration::from_secs(1)).unwrap_err();
        assert!(error.to_string().contains("main_with_children"), "{error}");
    }
}
