//! `cargo xtask`: threadlab's command line. It only parses flags and dispatches; every rule lives in
//! the `grader` crate.

use clap::{Parser, Subcommand, ValueEnum};
use grader::frontend::{self, Format};
use grader::{Course, Request, Subject};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "threadlab: grade lessons and keep starters in sync"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Grade a lesson: your lessons/ code, a submission directory, or the reference solution
    Grade(GradeCmd),
    /// Regenerate the starter files in lessons/ from solutions/
    Sync(SyncCmd),
}

#[derive(clap::Args)]
struct GradeCmd {
    /// The lesson: `lesson05`, `5` or `races`
    lesson: String,
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
    #[arg(long, value_name = "PCT", value_parser = percent)]
    fail_under: Option<f64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Terminal,
    Json,
    /// Gradescope's results.json
    Gradescope,
}

#[derive(clap::Args)]
struct SyncCmd {
    /// Only compare; exit 1 when a starter differs from what its solution generates
    #[arg(long)]
    check: bool,
    /// Only this lesson
    lesson: Option<String>,
}

fn percent(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage between 0 and 100")),
    }
}

fn course() -> Course {
    // xtask lives at <root>/xtask.
    Course::new(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask has a parent")
            .to_owned(),
    )
}

impl GradeCmd {
    fn run(self) -> u8 {
        let subject = match (self.submission, self.reference) {
            (Some(dir), _) => Subject::Submission(dir),
            (None, true) => Subject::Reference,
            (None, false) => Subject::Learner,
        };
        let format = match self.format {
            FormatArg::Terminal => Format::Terminal,
            FormatArg::Json => Format::Json,
            FormatArg::Gradescope => Format::Gradescope,
        };
        frontend::grade_command(
            &course(),
            &Request {
                lesson: self.lesson,
                subject,
            },
            format,
            self.fail_under,
        )
    }
}

impl SyncCmd {
    fn run(self) -> u8 {
        frontend::sync_command(&course(), self.lesson.as_deref(), self.check)
    }
}

fn main() -> ExitCode {
    let code = match Cli::parse().cmd {
        Cmd::Grade(cmd) => cmd.run(),
        Cmd::Sync(cmd) => cmd.run(),
    };
    ExitCode::from(code)
}
