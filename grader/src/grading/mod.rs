//! The grading pipeline, one module per step: [`course`] and [`suite`] find the lesson and its hidden
//! tests, [`stage`] writes a pristine workspace (one package per tier), [`lint`] keeps tier files
//! inside the checked facade, [`compile`] builds one test binary per tier, [`run`] runs each test in
//! its own sandboxed process ([`sandbox`]), [`score`] turns [`outcome`]s into points, and [`grade`]
//! ties them together. [`reuse`] keeps self-study verdicts of unchanged tiers; [`location`] rewrites
//! places in messages for the learner; [`starter`] generates starters from the solutions (staging
//! uses it for a missing tier file).

pub mod compile;
pub mod course;
pub mod grade;
pub mod lint;
pub mod location;
pub mod outcome;
pub mod replay;
pub mod reuse;
pub mod run;
pub mod sandbox;
pub mod score;
pub mod stage;
pub mod starter;
pub mod suite;
pub mod tier;
