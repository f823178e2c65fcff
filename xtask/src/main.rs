//! `cargo xtask`: threadlab's command line. It only parses flags and dispatches; every rule lives in
//! the `grader` crate.

use clap::{Parser, Subcommand, ValueEnum};
use grader::authoring::mutants::command as mutants;
use grader::frontend::{self, Format};
use grader::{Course, Request, Subject, Tier};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "threadlab: grade lessons, keep starters in sync, measure hidden suites"
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
    /// Grade every cargo-mutants mutant of a lesson's solution: how many wrong solutions the hidden
    /// suite rejects (slow: see AUTHORING.md)
    Mutants(MutantsCmd),
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
enum TierArg {
    Beginner,
    Intermediate,
    Advanced,
}

#[derive(Clone, Copy, ValueEnum)]
enum MutantsFormatArg {
    Terminal,
    Json,
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

impl MutantsCmd {
    fn run(self) -> u8 {
        let tiers = self
            .tier
            .iter()
            .map(|t| match t {
                TierArg::Beginner => Tier::Beginner,
                TierArg::Intermediate => Tier::Intermediate,
                TierArg::Advanced => Tier::Advanced,
            })
            .collect();
        let format = match self.format {
            MutantsFormatArg::Terminal => mutants::Format::Terminal,
            MutantsFormatArg::Json => mutants::Format::Json,
        };
        mutants::command(
            &course(),
            &mutants::Options {
                lesson: self.lesson,
                tiers,
                min: self.min,
                format,
                mutants_file: self.mutants_file,
            },
        )
    }
}

fn main() -> ExitCode {
    let code = match Cli::parse().cmd {
        Cmd::Grade(cmd) => cmd.run(),
        Cmd::Sync(cmd) => cmd.run(),
        Cmd::Mutants(cmd) => cmd.run(),
    };
    ExitCode::from(code)
}
