//! Pure, I/O-free core of palisade: manifest parsing with source positions (Kubernetes' YAML 1.1
//! reading), the report model, and its output formats. Builds for `wasm32` too.

pub mod check;
pub mod evidence;
pub mod format;
pub mod kinds;
pub mod manifest;
pub mod report;
pub mod rules;
pub mod skips;
pub mod time;
pub mod yaml;

pub use evidence::{Evidence, EvidenceRequest};
pub use manifest::{InputError, InputLimits, InputWarning, ObjectRef, ParsedInput, Resource};
pub use report::{ErrorEntry, Finding, Report, RuleMeta, Severity, Summary};
