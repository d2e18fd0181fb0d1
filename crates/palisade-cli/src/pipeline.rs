//! One `palisade check`: read and parse inputs in parallel (starting while the policies load)
//! and evaluate each with the policy set (`palisade_engine::check`), then build the report.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use palisade_core::manifest::ParsedInput;
use palisade_core::{ErrorEntry, InputError, InputLimits, Report};
pub use palisade_engine::check::CheckOptions;
use palisade_engine::check::{self, EvidenceSource, NoFetch, Outcome};
use rayon::prelude::*;

use crate::inputs::{self, Source};
use crate::policy_set::PolicySet;

/// Check every source; `earlier` are errors found while collecting inputs. Evidence a policy
/// requests is an error of that policy on that input (nothing is fetched; `palisade check` fetches
/// through [`check_loading`]).
#[must_use]
pub fn check(set: &PolicySet, sources: &[Source], earlier: Vec<InputError>, options: &CheckOptions) -> Report {
    evaluate(set, sources, &largest_first(sources), Vec::new(), earlier, options, &NoFetch)
}

/// Check every source with the policy set still to be loaded: while `load` runs (reading
/// compiled components, mostly), one more thread reads and parses inputs, largest first, and
/// stops when the set is ready. Evidence a policy requests for an input comes from `evidence`,
/// and a failure to get it is an error of that policy on that input. The set comes back with
/// the report.
///
/// # Errors
/// Those of `load`.
pub fn check_loading<E: Send>(
    load: impl FnOnce() -> Result<PolicySet, E> + Send,
    sources: &[Source],
    earlier: Vec<InputError>,
    options: &CheckOptions,
    evidence: &dyn EvidenceSource,
) -> Result<(PolicySet, Report), E> {
    let order = largest_first(sources);
    let ready = AtomicBool::new(false);
    let (set, ahead) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut ahead = Vec::new();
            for &i in &order {
                if ready.load(Ordering::Acquire) {
                    break;
                }
                ahead.push(read(&sources[i], &options.limits));
            }
            ahead
        });
        let set = load();
        ready.store(true, Ordering::Release);
        (set, reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let set = set?;
    let report = evaluate(&set, sources, &order, ahead, earlier, options, evidence);
    Ok((set, report))
}

/// Input indices, largest first: each is taken by the next free thread, so that no big file is
/// left for one thread at the end.
fn largest_first(sources: &[Source]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_cached_key(|&i| std::cmp::Reverse(inputs::size_hint(&sources[i])));
    order
}

/// One input read and parsed (its name with the objects), or why it could not be.
type Read = Result<(Arc<str>, ParsedInput), InputError>;

fn read(source: &Source, limits: &InputLimits) -> Read {
    let name = source.name();
    let text = inputs::read(source, limits).and_then(|bytes| palisade_core::manifest::decode(&name, &bytes, limits))?;
    let parsed = palisade_core::manifest::parse(&name, &text, limits);
    Ok((name, parsed))
}

/// Evaluate the inputs in `order` (the first `ahead.len()` of them already read); the report
/// keeps the order of `sources`.
fn evaluate(
    set: &PolicySet,
    sources: &[Source],
    order: &[usize],
    ahead: Vec<Read>,
    earlier: Vec<InputError>,
    options: &CheckOptions,
    evidence: &dyn EvidenceSource,
) -> Report {
    let mut ahead = ahead.into_iter();
    let work = order.iter().map(move |&i| (i, ahead.next()));
    let mut outcomes: Vec<(usize, Outcome)> = work
        .par_bridge()
        .map(|(i, done)| {
            let outcome = match done.unwrap_or_else(|| read(&sources[i], &options.limits)) {
                Ok((name, parsed)) => check::check_parsed(set, &name, parsed, options, evidence),
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
