//! `cargo xtask`: threadlab's command line. It only parses flags and dispatches; every rule lives in
//! the `grader` crate.

use clap::{Parser, Subcommand, ValueEnum};
use grader::authoring::mutants::command as mutants;
use grader::frontend::{self, Format, GradeOptions};
use grader::{Course, Request, Subject, Tier, authoring, classroom, study};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "threadlab: a Rust course on threads that grades itself",
    after_help = "Learners: list, grade, hint, watch, reset, serve, book. Teachers: export, gradescope, grade --class, gradebook. \
                  Course authors: sync, mutants, bench, grade --repeat."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Grade a lesson: your lessons/ code, a submission directory, or the reference solution
    Grade(GradeCmd),
    /// Every lesson, with your last and best score per tier, and what to do next
    List,
    /// A hint for a test that failed in your last grade, one level more each time
    Hint(HintCmd),
    /// Grade again every time you save a file of the lesson
    Watch(WatchCmd),
    /// Put a lesson's starter files back (your versions are saved first)
    Reset(ResetCmd),
    /// Course authors: regenerate the starter files in lessons/ from solutions/
    Sync(SyncCmd),
    /// Teachers: write a student copy (starters, READMEs, grader, visible tests only)
    Export(ExportCmd),
    /// Teachers: write a Gradescope autograder zip for one lesson
    Gradescope(GradescopeCmd),
    /// Teachers: one gradebook over several lessons, from the --out folders of `grade LESSON --class`
    Gradebook(GradebookCmd),
    /// Course authors: time the re-grade, the first result line and a batch (median and spread)
    Bench(BenchCmd),
    /// Course authors: grade every cargo-mutants mutant of a lesson's solution, to see how many wrong
    /// solutions the hidden suite rejects (slow: see AUTHORING.md)
    Mutants(MutantsCmd),
    /// Run lesson09's local HTTP test server on 127.0.0.1 until Ctrl-C
    Serve(ServeCmd),
    /// Build the course as an mdBook site in target/book/ (needs `mdbook` on PATH)
    Book(BookCmd),
}

#[derive(clap::Args)]
struct BookCmd {
    /// Open the built book in a browser
    #[arg(long)]
    open: bool,
    /// Also check every link of the READMEs and of the built pages; exit 1 on a broken one
    #[arg(long)]
    check: bool,
}

#[derive(clap::Args)]
struct MutantsCmd {
    /// The lesson: `lesson05`, `5` or `races`
    lesson: String,
    /// Exit with code 1 when the mutation score (caught of viable) is below this percentage
    #[arg(long, value_name = "PCT", value_parser = percent)]
    min: Option<f64>,
    /// Mutate only this tier's file (repeatable; default: all three)
    #[arg(long, value_enum, value_name = "TIER")]
    tier: Vec<TierArg>,
    /// Output format
    #[arg(long, value_enum, default_value_t = MutantsFormatArg::Terminal)]
    format: MutantsFormatArg,
    /// Use this recorded `cargo mutants --list --json` output instead of running cargo-mutants
    #[arg(long, value_name = "FILE")]
    mutants_file: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum MutantsFormatArg {
    Terminal,
    Json,
}

#[derive(clap::Args)]
struct BenchCmd {
    /// The lesson to measure
    #[arg(default_value = "lesson05")]
    lesson: String,
    /// Runs of each measure
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Students in the batch measure
    #[arg(long, default_value_t = 10)]
    students: usize,
    /// Also time a first grade in a fresh clone (builds everything: about a minute)
    #[arg(long)]
    cold: bool,
}

#[derive(clap::Args)]
struct GradescopeCmd {
    /// The lesson: `lesson05`, `5` or `races`
    lesson: String,
    /// The zip file to write
    #[arg(long, value_name = "FILE.zip")]
    out: PathBuf,
}

#[derive(clap::Args)]
struct GradebookCmd {
    /// The combined gradebook to write (a CSV file)
    #[arg(long, value_name = "FILE.csv")]
    out: PathBuf,
    /// The --out folders of `grade LESSON --class DIR --out OUT`, one per lesson
    #[arg(value_name = "OUT", required = true)]
    inputs: Vec<PathBuf>,
}

#[derive(clap::Args)]
struct ExportCmd {
    /// A new or empty directory for the student copy
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only these lessons, comma-separated (`01,05` or `threads,races`); default: every lesson
    #[arg(long, value_delimiter = ',', value_name = "LESSONS")]
    lessons: Option<Vec<String>>,
    /// Add --lessons to the student copy already in DIR (its other lessons are left as they are)
    #[arg(long, requires = "lessons")]
    add: bool,
}

#[derive(clap::Args)]
struct ServeCmd {
    /// The port to listen on (default: one the system picks)
    #[arg(long)]
    port: Option<u16>,
}

#[derive(clap::Args)]
struct GradeCmd {
    /// The lesson: `lesson05`, `5` or `races` (without one, the lessons are listed)
    lesson: Option<String>,
    /// Grade this directory (a crate holding src/, or src/ itself) instead of lessons/
    #[arg(long, value_name = "DIR", conflicts_with = "reference")]
    submission: Option<PathBuf>,
    /// Grade the reference solution (a full-marks run)
    #[arg(long)]
    reference: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = FormatArg::Terminal)]
    format: FormatArg,
    /// Exit with code 1 when the score is below this percentage
    #[arg(long, value_name = "PCT", value_parser = percent, conflicts_with = "repeat")]
    fail_under: Option<f64>,
    /// Grade N times and name every test whose verdict changed (exit 1 if any did); with --class,
    /// grade the whole class N times into OUT/run-K and name every student whose grade changed
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(2..))]
    repeat: Option<u16>,
    /// Run every test again, even those of tiers unchanged since the last grade (whose verdicts are
    /// otherwise re-used when you grade your own lessons/)
    #[arg(long, conflicts_with_all = ["submission", "reference", "repeat"])]
    fresh: bool,
    /// Teachers: grade every folder in DIR as one student's work (needs --out)
    #[arg(long, value_name = "DIR", requires = "out", conflicts_with_all = ["submission", "reference", "fail_under"])]
    class: Option<PathBuf>,
    /// Where --class writes gradebook.csv, reports/ and feedback/ (a Markdown page per student)
    #[arg(long, value_name = "OUT", requires = "class")]
    out: Option<PathBuf>,
    /// Teachers: show the held-back tests (names, messages, points) and the full score in each
    /// student's feedback/ page; without it a page shows the visible tests only, as before the due
    /// date
    #[arg(long, requires = "class")]
    release_held_back: bool,
    /// Teachers: grade each git clone in --class at its last commit before TIME (RFC 3339, e.g.
    /// 2026-12-06T23:59:00+01:00); the commit's date is the one the student's machine wrote
    #[arg(long, value_name = "TIME", requires = "class")]
    deadline: Option<String>,
    /// Teachers: re-grade only this student folder of --class into the existing gradebook, reports
    /// and feedback in --out
    #[arg(long, value_name = "STUDENT", requires = "class", conflicts_with = "repeat")]
    only: Option<String>,
    /// Teachers: a CSV (header: folder or github_username, id or identifier, name, email) whose id,
    /// name and email end each gradebook row, for an LMS import; roster students without a folder
    /// get a no_submission row
    #[arg(long, value_name = "FILE.csv", requires = "class")]
    roster: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Terminal,
    Json,
    /// Gradescope's results.json
    Gradescope,
    /// GitHub Classroom's runner result (for autograding-grading-reporter)
    Classroom,
    /// JUnit XML (GitLab, Jenkins)
    Junit,
}

#[derive(clap::Args)]
struct HintCmd {
    /// The lesson: `lesson05`, `5` or `races`
    lesson: String,
    /// The test (default: the first that did not pass in your last grade)
    test: Option<String>,
}

#[derive(clap::Args)]
struct WatchCmd {
    /// The lesson: `lesson05`, `5` or `races`
    lesson: String,
}

#[derive(clap::Args)]
struct ResetCmd {
    /// The lesson: `lesson05`, `5` or `races`
    lesson: String,
    /// Only this tier's exercise file
    #[arg(long, value_enum)]
    tier: Option<TierArg>,
    /// Do not ask for confirmation
    #[arg(long, short)]
    yes: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum TierArg {
    Beginner,
    Intermediate,
    Advanced,
}

impl TierArg {
    fn tier(self) -> Tier {
        match self {
            TierArg::Beginner => Tier::Beginner,
            TierArg::Intermediate => Tier::Intermediate,
            TierArg::Advanced => Tier::Advanced,
        }
    }
}

impl MutantsCmd {
    fn run(self) -> u8 {
        let format = match self.format {
            MutantsFormatArg::Terminal => mutants::Format::Terminal,
            MutantsFormatArg::Json => mutants::Format::Json,
        };
        mutants::command(
            &course(),
            &mutants::Options {
                lesson: self.lesson,
                tiers: self.tier.iter().map(|t| t.tier()).collect(),
                min: self.min,
                format,
                mutants_file: self.mutants_file,
            },
        )
    }
}

#[derive(clap::Args)]
struct SyncCmd {
    /// Only compare; exit 1 when a starter differs from what its solution generates
    #[arg(long)]
    check: bool,
    /// With no lesson named, also replace starters that have uncommitted edits (saved first)
    #[arg(long)]
    force: bool,
    /// Only this lesson
    lesson: Option<String>,
}

fn percent(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage between 0 and 100")),
    }
}

/// The course this xtask belongs to (it lives at `<root>/xtask`), or the one `THREADLAB_ROOT` names:
/// the CLI tests run the learner's commands on a copy of the course, never on your own files.
///
/// Where the course is now is asked of cargo first: `cargo xtask` (`cargo run`) sets
/// `CARGO_MANIFEST_DIR` when it runs the binary, while the path compiled in is where the course was
/// when xtask was built, and cargo does not always rebuild after the folder is copied or moved (a
/// copy then graded, and wrote progress into, the original).
fn course() -> Course {
    let root = std::env::var_os("THREADLAB_ROOT").map_or_else(
        || {
            let at_run = std::env::var_os("CARGO_MANIFEST_DIR")
                .map(PathBuf::from)
                .and_then(|xtask| xtask.parent().map(PathBuf::from))
                .filter(|root| root.join("grader/suites").is_dir());
            at_run.unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .parent()
                    .expect("xtask has a parent")
                    .to_owned()
            })
        },
        // Absolute, so staged manifests can name the course's path dependencies from anywhere.
        |given| std::path::absolute(PathBuf::from(given)).unwrap_or_default(),
    );
    Course::new(root)
}

impl GradeCmd {
    fn run(self) -> u8 {
        let course = course();
        let Some(lesson) = self.lesson else {
            return frontend::grade_without_lesson(&course);
        };
        if let (Some(class), Some(out)) = (&self.class, &self.out) {
            let options = classroom::batch::BatchOptions {
                release_held_back: self.release_held_back,
                deadline: self.deadline,
                only: self.only,
                roster: None,
            };
            let options = match self.roster.as_deref().map(classroom::roster::Roster::load) {
                None => options,
                Some(Ok(roster)) => classroom::batch::BatchOptions {
                    roster: Some(roster),
                    ..options
                },
                Some(Err(error)) => return frontend::report_error(&error),
            };
            if let Some(runs) = self.repeat {
                return authoring::repeat_class::command(
                    &course,
                    &lesson,
                    class,
                    out,
                    &options,
                    usize::from(runs),
                );
            }
            return classroom::batch::command(&course, &lesson, class, out, &options);
        }
        let subject = match (self.submission, self.reference) {
            (Some(dir), _) => Subject::Submission(dir),
            (None, true) => Subject::Reference,
            (None, false) => Subject::Learner,
        };
        // Re-used verdicts are for the learner's own loop only: a teacher's format, a submission or
        // the reference always runs every test.
        let reuse = subject == Subject::Learner
            && !self.fresh
            && matches!(self.format, FormatArg::Terminal | FormatArg::Json);
        let request = Request {
            lesson,
            subject,
            reuse,
        };
        if let Some(runs) = self.repeat {
            let json = self.format == FormatArg::Json;
            return authoring::repeat::command(&course, &request, usize::from(runs), json);
        }
        let format = match self.format {
            FormatArg::Terminal => Format::Terminal,
            FormatArg::Json => Format::Json,
            FormatArg::Gradescope => Format::Gradescope,
            FormatArg::Classroom => Format::Classroom,
            FormatArg::Junit => Format::Junit,
        };
        let options = GradeOptions {
            format,
            fail_under: self.fail_under,
        };
        frontend::grade_command(&course, &request, options)
    }
}

fn main() -> ExitCode {
    // cargo runs this executable as the compile sandbox around every staged crate's rustc
    // (grader/src/grading/compile_sandbox.rs); in that role it compiles and exits here.
    grader::compile_sandbox::wrap_if_asked();
    if let Ok(exe) = std::env::current_exe() {
        grader::compile_sandbox::set_wrapper(exe);
    }
    let cli = Cli::parse();
    // Build and test processes run in process groups of their own, which the terminal's Ctrl-C
    // does not reach: the grader kills them itself before it exits.
    if let Err(error) = grader::interrupt::install() {
        eprintln!("warning: cannot handle Ctrl-C ({error}): an interrupted grade may leave tests running");
    }
    let code = match cli.cmd {
        Cmd::Grade(cmd) => cmd.run(),
        Cmd::List => study::list::command(&course()),
        Cmd::Hint(cmd) => study::hint::command(&course(), &cmd.lesson, cmd.test.as_deref()),
        Cmd::Watch(cmd) => study::watch::watch_command(&course(), &cmd.lesson),
        Cmd::Reset(cmd) => {
            study::reset::command(&course(), &cmd.lesson, cmd.tier.map(TierArg::tier), cmd.yes)
        }
        Cmd::Mutants(cmd) => cmd.run(),
        Cmd::Bench(cmd) => authoring::bench::command(
            &course(),
            &authoring::bench::BenchOptions {
                lesson: cmd.lesson,
                runs: cmd.runs,
                students: cmd.students,
                cold: cmd.cold,
            },
        ),
        Cmd::Gradescope(cmd) => classroom::gradescope::command(&course(), &cmd.lesson, &cmd.out),
        Cmd::Gradebook(cmd) => classroom::combine::command(&cmd.out, &cmd.inputs),
        Cmd::Export(cmd) => classroom::export::command(&course(), &cmd.out, cmd.lessons.as_deref(), cmd.add),
        Cmd::Sync(cmd) => frontend::sync_command(&course(), cmd.lesson.as_deref(), cmd.check, cmd.force),
        Cmd::Serve(cmd) => grader::fixtures::serve_command(cmd.port),
        Cmd::Book(cmd) => grader::book::command(course().root(), cmd.open, cmd.check),
    };
    ExitCode::from(code)
}
