//! One `palisade check`: read and parse inputs in parallel and evaluate each with the policy set
//! (`palisade_engine::check`), then build the report.

use palisade_core::{ErrorEntry, InputError, Report};
pub use palisade_engine::check::CheckOptions;
use palisade_engine::check::{self, EvidenceSource, NoFetch, Outcome};
use rayon::prelude::*;

use crate::inputs::{self, Source};
use crate::policy_set::PolicySet;

/// Check every source; `earlier` are errors found while collecting inputs. Evidence a policy
/// requests is an error here (see [`check_with_evidence`]).
#[must_use]
pub fn check(set: &PolicySet, sources: &[Source], earlier: Vec<InputError>, options: &CheckOptions) -> Report {
    check_with_evidence(set, sources, earlier, options, &NoFetch)
}

/// Check every source; evidence a policy requests for an input (`requests()`) comes from
/// `evidence`, and a failure to get it is an error of that policy on that input.
#[must_use]
pub fn check_with_evidence(
    set: &PolicySet,
    sources: &[Source],
    earlier: Vec<InputError>,
    options: &CheckOptions,
    evidence: &dyn EvidenceSource,
) -> Report {
    let limits = &options.limits;
    // Largest inputs first, each taken by the next free thread, so that no big file is left
    // for one thread at the end; the report keeps the order of `sources`.
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_cached_key(|&i| std::cmp::Reverse(inputs::size_hint(&sources[i])));
    let mut outcomes: Vec<(usize, Outcome)> = order
        .into_iter()
        .par_bridge()
        .map(|i| {
            let source = &sources[i];
            let name = source.name();
            let outcome = match inputs::read(source, limits)
                .and_then(|bytes| palisade_core::manifest::decode(&name, &bytes, limits))
            {
                Ok(text) => check::check_text(set, &name, &text, options, evidence),
                Err(e) => Outcome { errors: vec![ErrorEntry::from(e)], ..Outcome::default() },
            };
            (i, outcome)
        })
        .collect();
    outcomes.sort_unstable_by_key(|(i, _)| *i);
    let mut total = Outcome { errors: earlier.into_iter().map(ErrorEntry::from).collect(), ..Outcome::default() };
    for (_, o) in outcomes {
        total.merge(o);
    }
    total.into_report()
}
