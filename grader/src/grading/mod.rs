//! The grading pipeline, one module per step: [`course`] and [`suite`] find the lesson and its hidden
//! tests, [`stage`] writes a pristine workspace (a library and a test binary per tier), [`disallow`] says
//! what tier files may not use, [`compile`] builds one test binary per tier inside the compile
//! sandbox ([`compile_sandbox`]), [`run`] runs each test in
//! its own sandboxed process ([`sandbox`]), [`score`] turns [`outcome`]s into points, and [`grade`]
//! ties them together. [`interrupt`] kills every child of the grader on Ctrl-C or SIGTERM; [`reuse`]
//! keeps self-study verdicts of unchanged tiers; [`listing`] checks once per tests file that a
//! binary holds the manifest's tests; [`location`] rewrites places in messages for the
//! learner; [`starter`] generates starters from the solutions (staging uses it for a missing tier
//! file); [`read`] reads a subject's tier files as regular files only and [`place`] keys a
//! submission's stage by where it was found; [`provenance`] says what a grade was of (files' hash,
//! commit, time, grader version); [`prune`] keeps the shared build directory to the latest graded
//! submissions.

pub mod compile;
pub mod compile_sandbox;
pub mod course;
pub mod disallow;
pub mod grade;
pub mod interrupt;
pub mod listing;
pub mod location;
pub mod outcome;
pub mod place;
pub mod provenance;
pub mod prune;
pub mod read;
pub mod reads;
pub mod replay;
pub mod reuse;
pub mod run;
pub mod sandbox;
pub mod score;
pub mod soundness;
pub mod stage;
pub mod starter;
pub mod suite;
pub mod tier;
