//! `cargo xtask gradescope LESSON --out FILE.zip`: an autograder bundle in Gradescope's format.
//! `setup.sh` and `run_autograder` sit at the zip's root beside a copy of the course made for grading
//! (every test of the lesson, no solutions). Gradescope unzips it into `/autograder/source`, runs
//! `setup.sh` once when it builds the image, and `run_autograder` for each submission, which must
//! write `/autograder/results/results.json`. Every `/autograder` path comes from `AUTOGRADER_ROOT`
//! when it is set, so the bundle can be run end to end on any machine.

use super::export::{Tests, export_with};
use crate::course::Course;
use crate::error::{Error, Result, io};
use crate::frontend::{exit, report_error};
use std::io::Write;
use std::path::Path;
use zip::write::SimpleFileOptions;

/// Gradescope's base image has no recent Rust: setup installs one (rustup, minimal profile), then
/// builds the grader and grades the pristine starters once so that every submission is graded warm.
fn setup_sh(lesson: &str, dir_name: &str) -> String {
    format!(
        "#!/usr/bin/env bash\n\
         # Gradescope runs this once, as root, while it builds the autograder image.\n\
         set -euo pipefail\n\
         ROOT=\"${{AUTOGRADER_ROOT:-/autograder}}\"\n\
         cd \"$ROOT/source\"\n\
         if ! command -v cargo >/dev/null 2>&1; then\n  \
           apt-get update -qq\n  \
           apt-get install -y -qq curl build-essential\n  \
           curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain stable\n\
         fi\n\
         [ -f \"$HOME/.cargo/env\" ] && . \"$HOME/.cargo/env\"\n\
         cargo build -p xtask\n\
         # Build the lesson's dependencies and hidden tests once: grading the starters warms the cache.\n\
         cargo xtask grade {lesson} --submission grader/course/{dir_name} --format json > /dev/null\n"
    )
}

/// Grades `/autograder/submission` (any layout a student hands in) into `results.json`; when grading
/// cannot run, the results say why with a score of 0.
fn run_autograder(lesson: &str) -> String {
    format!(
        "#!/usr/bin/env bash\n\
         # Gradescope runs this for every submission.\n\
         set -uo pipefail\n\
         ROOT=\"${{AUTOGRADER_ROOT:-/autograder}}\"\n\
         [ -f \"$HOME/.cargo/env\" ] && . \"$HOME/.cargo/env\"\n\
         mkdir -p \"$ROOT/results\"\n\
         cd \"$ROOT/source\"\n\
         cargo xtask grade {lesson} --submission \"$ROOT/submission\" --format gradescope > \"$ROOT/results/results.json\"\n\
         status=$?\n\
         # 0: graded; 3: could not grade (results.json says why). Either way Gradescope reads the file.\n\
         [ \"$status\" -eq 0 ] || [ \"$status\" -eq 3 ]\n"
    )
}

/// Writes the bundle for `lesson` to `zip_path`.
pub fn bundle(course: &Course, lesson: &str, zip_path: &Path) -> Result<()> {
    let lesson = course.resolve(lesson)?;
    let staging = tempfile::tempdir().map_err(io("create", std::env::temp_dir()))?;
    let tree = staging.path().join("source");
    export_with(course, &tree, Some(std::slice::from_ref(&lesson.id)), Tests::All)?;
    let file = std::fs::File::create(zip_path).map_err(io("create", zip_path))?;
    let mut zip = zip::ZipWriter::new(file);
    let zip_error = |e: zip::result::ZipError| Error::Io {
        action: "write",
        path: zip_path.to_owned(),
        source: std::io::Error::other(e),
    };
    let executable = SimpleFileOptions::default().unix_permissions(0o755);
    for (name, text) in [
        ("setup.sh", setup_sh(&lesson.id, &lesson.dir_name)),
        ("run_autograder", run_autograder(&lesson.id)),
    ] {
        zip.start_file(name, executable).map_err(zip_error)?;
        zip.write_all(text.as_bytes()).map_err(io("write", zip_path))?;
    }
    let mut files = Vec::new();
    walk(&tree, &mut files)?;
    files.sort();
    for path in files {
        let relative = path
            .strip_prefix(&tree)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        zip.start_file(relative, SimpleFileOptions::default().unix_permissions(0o644))
            .map_err(zip_error)?;
        let bytes = std::fs::read(&path).map_err(io("read", &path))?;
        zip.write_all(&bytes).map_err(io("write", zip_path))?;
    }
    zip.finish().map_err(zip_error)?;
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(io("read", dir))? {
        let path = entry.map_err(io("read", dir))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// `cargo xtask gradescope`; returns the exit code.
pub fn command(course: &Course, lesson: &str, out: &Path) -> u8 {
    match bundle(course, lesson, out) {
        Ok(()) => {
            let _ = writeln!(
                anstream::stdout(),
                "Gradescope autograder written to {}: upload it as the assignment's autograder (Ubuntu \
                 base image); setup.sh installs Rust and builds the grader",
                out.display()
            );
            exit::REPORTED
        }
        Err(error) => report_error(&error),
    }
}
