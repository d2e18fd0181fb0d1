//! One `palisade check`: read and parse inputs in parallel, evaluate each input's objects with
//! every policy (an input — typically one `helm template` release — is the unit cross-resource
//! rules see), locate findings in the source, build the report.

use std::sync::Arc;

use palisade_core::check::{Outcome, RawFinding, SkipOptions};
use palisade_core::skips::SkipMode;
use palisade_core::{ErrorEntry, InputError, InputLimits, Report};
use rayon::prelude::*;

use crate::inputs::{self, Source};
use crate::policy_set::PolicySet;

/// How a check runs, beyond the policies.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Input limits.
    pub limits: InputLimits,
    /// Which skip annotations are honoured.
    pub skips: SkipMode,
    /// The time policies and skip expiries are judged at (Unix seconds).
    pub now_unix: i64,
}

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
                Ok(text) => check_text(set, &name, &text, options),
                Err(e) => Outcome { errors: vec![e.into()], ..Outcome::default() },
            }
        })
        .collect();
    let mut total = Outcome { errors: earlier.into_iter().map(ErrorEntry::from).collect(), ..Outcome::default() };
    for o in outcomes {
        total.merge(o);
    }
    total.into_report()
}

/// Check one manifest text.
fn check_text(set: &PolicySet, name: &Arc<str>, text: &str, options: &CheckOptions) -> Outcome {
    let parsed = palisade_core::manifest::parse(name, text, &options.limits);
    let (mut out, resources) = Outcome::start(parsed);
    if resources.is_empty() {
        return out;
    }
    let json: Vec<String> = resources.iter().map(|r| r.json.clone()).collect();
    let skips = SkipOptions { mode: options.skips, now_unix: options.now_unix };
    for configured in &set.policies {
        if configured.rules.is_empty() {
            continue;
        }
        let now = u64::try_from(options.now_unix).unwrap_or(0);
        let policy = configured.policy.name();
        match configured.policy.evaluate_with_evidence(&json, &[], &configured.settings, now, &configured.enabled) {
            Ok(raw) => {
                for f in raw {
                    let Some(&severity) = configured.rules.get(&f.rule) else { continue };
                    let standards = configured.policy.info().rule(&f.rule).map_or(&[][..], |r| r.standards.as_slice());
                    let f = RawFinding { rule: f.rule, resource: f.resource, path: f.path, message: f.message };
                    out.add_finding(&resources[f.resource], policy, severity, standards, f, skips);
                }
            }
            Err(e) => out.add_policy_error(name, policy, e.to_string()),
        }
    }
    out
}
