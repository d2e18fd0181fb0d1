//! One `palisade check`: read and parse inputs in parallel and evaluate each with the policy set
//! (`palisade_engine::check`), then build the report.

use palisade_core::{ErrorEntry, InputError, Report};
pub use palisade_engine::check::CheckOptions;
use palisade_engine::check::{self, Outcome};
use rayon::prelude::*;

use crate::inputs::{self, Source};
use crate::policy_set::PolicySet;

/// Check every source; `earlier` are errors found while collecting inputs.
#[must_use]
pub fn check(set: &PolicySet, sources: &[Source], earlier: Vec<InputError>, options: &CheckOptions) -> Report {
    let limits = &options.limits;
    let outcomes: Vec<Outcome> = sources
        .par_iter()
        .map(|source| {
            let name = source.name();
            match inputs::read(source, limits).and_then(|bytes| palisade_core::manifest::decode(&name, &bytes, limits))
            {
                Ok(text) => check::check_text(set, &name, &text, options),
                Err(e) => Outcome { errors: vec![ErrorEntry::from(e)], ..Outcome::default() },
            }
        })
        .collect();
    let mut total = Outcome { errors: earlier.into_iter().map(ErrorEntry::from).collect(), ..Outcome::default() };
    for o in outcomes {
        total.merge(o);
    }
    total.into_report()
}
