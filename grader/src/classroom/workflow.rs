//! The GitHub Classroom workflow a student copy carries: on every push, each lesson's visible grade as
//! a runner result (`--format classroom`), base64-encoded into a step output and handed to
//! `classroom-resources/autograding-grading-reporter@v1` as `<RUNNER_ID>_RESULTS`.
//!
//! The reporter sums the runners' `max_score` into the total and fails as a whole on a result it
//! cannot decode, so every lesson's step must hand it a result out of that lesson's points whatever
//! went wrong before: the toolchain or grader build steps may fail without skipping the lessons
//! (`continue-on-error`), each lesson step and the reporter run unless the run was cancelled, and a
//! lesson whose grader printed nothing (it did not build, or died) reports an error result out of
//! the lesson's points, written into the workflow when the copy is exported.

use crate::course::Lesson;

/// A lesson as the workflow grades it.
#[derive(Debug, Clone, Copy)]
pub struct Runner<'a> {
    pub lesson: &'a Lesson,
    /// The points of the tests the copy holds (its visible tests).
    pub max_score: u32,
}

/// The runner result a lesson reports when its grader printed nothing.
fn fallback_result(runner: &Runner<'_>) -> String {
    serde_json::json!({
        "version": 1,
        "status": "error",
        "max_score": runner.max_score,
        "tests": [{
            "name": format!("{} grading", runner.lesson.id),
            "status": "error",
            "score": 0,
            "message": "the grader did not run: see the log of this step and of \"Build the grader\"",
        }],
    })
    .to_string()
}

/// `.github/workflows/classroom.yml` for `runners` (check name `Autograding Tests`).
pub fn classroom_yml(runners: &[Runner<'_>]) -> String {
    let mut steps = String::new();
    let mut env = String::new();
    for runner in runners {
        let id = &runner.lesson.id;
        // Single-quoted for the shell: the JSON holds no `'`.
        let fallback = fallback_result(runner);
        debug_assert!(!fallback.contains('\''));
        steps.push_str(&format!(
            "      - name: {id}\n        id: {id}\n        if: ${{{{ !cancelled() }}}}\n        run: |\n          \
             cargo xtask grade {id} --format classroom > {id}.json || true\n          \
             [ -s {id}.json ] || echo '{fallback}' > {id}.json\n          \
             echo \"result=$(base64 -w0 {id}.json)\" >> \"$GITHUB_OUTPUT\"\n"
        ));
        env.push_str(&format!(
            "          {}_RESULTS: \"${{{{ steps.{id}.outputs.result }}}}\"\n",
            id.to_ascii_uppercase()
        ));
    }
    let ids: Vec<&str> = runners.iter().map(|r| r.lesson.id.as_str()).collect();
    format!(
        "# Made by `cargo xtask export`: grades the visible tests on every push.\n\
         # The score covers the visible tests only, and it runs in the student's own repository, which the\n\
         # student can change: treat it as feedback, and grade with `cargo xtask grade --class`.\n\
         # Editing the tests on GitHub Classroom's assignment page replaces this file.\n\
         name: Autograding Tests\n\
         \"on\":\n  - push\n  - workflow_dispatch\n  - repository_dispatch\n\
         permissions:\n  checks: write\n  actions: read\n  contents: read\n\
         jobs:\n  run-autograding-tests:\n    runs-on: ubuntu-latest\n    \
         if: github.actor != 'github-classroom[bot]'\n    timeout-minutes: 30\n    steps:\n      \
         - name: Checkout code\n        uses: actions/checkout@v4\n      \
         - name: Rust toolchain\n        continue-on-error: true\n        \
         run: rustup toolchain install stable --profile minimal && rustup default stable\n      \
         - name: Build the grader\n        continue-on-error: true\n        run: cargo build -p xtask\n\
         {steps}      - name: Autograding Reporter\n        if: ${{{{ !cancelled() }}}}\n        \
         uses: classroom-resources/autograding-grading-reporter@v1\n        env:\n{env}        \
         with:\n          runners: {}\n",
        ids.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lessons() -> Vec<Lesson> {
        ["lesson01-threads", "lesson05-races"]
            .iter()
            .map(|d| Lesson::from_dir_name(d).unwrap())
            .collect()
    }

    fn yml(lessons: &[Lesson]) -> String {
        let runners: Vec<Runner<'_>> = lessons
            .iter()
            .zip([23, 45])
            .map(|(lesson, max_score)| Runner { lesson, max_score })
            .collect();
        classroom_yml(&runners)
    }

    #[test]
    fn every_lesson_is_a_runner_whose_result_reaches_the_reporter() {
        let yml = yml(&lessons());
        assert!(yml.starts_with("# Made by") && yml.contains("\nname: Autograding Tests\n"));
        for id in ["lesson01", "lesson05"] {
            assert!(yml.contains(&format!("        id: {id}\n")), "{yml}");
            assert!(yml.contains(&format!("cargo xtask grade {id} --format classroom > {id}.json")));
            let upper = id.to_ascii_uppercase();
            assert!(
                yml.contains(&format!(
                    "          {upper}_RESULTS: \"${{{{ steps.{id}.outputs.result }}}}\"\n"
                )),
                "{yml}"
            );
        }
        assert!(yml.contains("uses: classroom-resources/autograding-grading-reporter@v1"));
        assert!(yml.ends_with("          runners: lesson01,lesson05\n"), "{yml}");
        assert!(!yml.contains('\t'), "YAML indents with spaces");
    }

    #[test]
    fn a_failed_build_still_reaches_the_reporter_with_each_lessons_points() {
        let yml = yml(&lessons());
        let build = yml.find("- name: Build the grader").unwrap();
        assert!(
            yml[build..].starts_with("- name: Build the grader\n        continue-on-error: true\n"),
            "{yml}"
        );
        let reporter = yml.find("- name: Autograding Reporter").unwrap();
        assert!(yml[reporter..].contains("if: ${{ !cancelled() }}"), "{yml}");

        // Run lesson05's step as the runner would, with a `cargo` that fails and prints nothing.
        let start = yml.find("      - name: lesson05\n").unwrap();
        let step = &yml[start..reporter];
        let script: String = step
            .split_once("run: |\n")
            .unwrap()
            .1
            .lines()
            .map(|l| format!("{}\n", l.trim_start()))
            .collect();
        let work = tempfile::tempdir().unwrap();
        let bin = work.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let cargo = bin.join("cargo");
        std::fs::write(
            &cargo,
            "#!/bin/sh\necho 'error: could not compile' >&2\nexit 101\n",
        )
        .unwrap();
        std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let output_file = work.path().join("github_output");
        let status = std::process::Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(work.path())
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .env("GITHUB_OUTPUT", &output_file)
            .status()
            .unwrap();
        assert!(status.success(), "the step itself must not fail");
        let line = std::fs::read_to_string(&output_file).unwrap();
        let encoded = line.trim().strip_prefix("result=").unwrap();
        let decoded = std::process::Command::new("base64")
            .arg("-d")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(encoded.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        let result: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
        assert_eq!(result["status"], "error");
        assert_eq!(result["max_score"], 45, "{result}");
    }
}
