//! The GitHub Classroom workflow a student copy carries: on every push, each lesson's visible grade as
//! a runner result (`--format classroom`), base64-encoded into a step output and handed to
//! `classroom-resources/autograding-grading-reporter@v1` as `<RUNNER_ID>_RESULTS`.

use crate::course::Lesson;

/// `.github/workflows/classroom.yml` for `lessons` (check name `Autograding Tests`).
pub fn classroom_yml(lessons: &[Lesson]) -> String {
    let mut steps = String::new();
    let mut env = String::new();
    for lesson in lessons {
        let id = &lesson.id;
        steps.push_str(&format!(
            "      - name: {id}\n        id: {id}\n        run: |\n          \
             cargo xtask grade {id} --format classroom > {id}.json || true\n          \
             echo \"result=$(base64 -w0 {id}.json)\" >> \"$GITHUB_OUTPUT\"\n"
        ));
        env.push_str(&format!(
            "          {}_RESULTS: \"${{{{ steps.{id}.outputs.result }}}}\"\n",
            id.to_ascii_uppercase()
        ));
    }
    let runners: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
    format!(
        "# Made by `cargo xtask export`: grades the visible tests on every push.\n\
         name: Autograding Tests\n\
         \"on\":\n  - push\n  - workflow_dispatch\n  - repository_dispatch\n\
         permissions:\n  checks: write\n  actions: read\n  contents: read\n\
         jobs:\n  run-autograding-tests:\n    runs-on: ubuntu-latest\n    \
         if: github.actor != 'github-classroom[bot]'\n    timeout-minutes: 30\n    steps:\n      \
         - name: Checkout code\n        uses: actions/checkout@v4\n      \
         - name: Rust toolchain\n        run: rustup toolchain install stable --profile minimal && rustup default stable\n      \
         - name: Build the grader\n        run: cargo build -p xtask\n\
         {steps}      - name: Autograding Reporter\n        \
         uses: classroom-resources/autograding-grading-reporter@v1\n        env:\n{env}        \
         with:\n          runners: {}\n",
        runners.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lesson_is_a_runner_whose_result_reaches_the_reporter() {
        let lessons: Vec<Lesson> = ["lesson01-threads", "lesson05-races"]
            .iter()
            .map(|d| Lesson::from_dir_name(d).unwrap())
            .collect();
        let yml = classroom_yml(&lessons);
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
}
