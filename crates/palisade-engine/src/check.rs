//! The *prepare* step of one input: evaluate its objects with every policy of a set (an input —
//! one `helm template` release, one admission request — is the unit cross-resource rules see).
//! Locating findings, skip annotations and merging are `palisade_core::check`, which the browser
//! playground shares. Used by `palisade check` and the admission webhook.

use std::sync::Arc;

use palisade_core::InputLimits;
pub use palisade_core::check::Outcome;
use palisade_core::check::{RawFinding, SkipOptions};
pub use palisade_core::evidence::{EvidenceSource, NoFetch};
use palisade_core::manifest::ParsedInput;
use palisade_core::skips::SkipMode;

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

/// Evaluate the objects of one input, read by `palisade_core::manifest::parse` (text) or
/// `from_json` (an admission request's object); evidence a policy requests for them comes from
/// `evidence`, and a failure to get it is an error of that policy on that input.
#[must_use]
pub fn check_parsed(
    set: &PolicySet,
    name: &Arc<str>,
    parsed: ParsedInput,
    options: &CheckOptions,
    evidence: &dyn EvidenceSource,
) -> Outcome {
    let (mut out, resources) = Outcome::start(parsed);
    if resources.is_empty() {
        return out;
    }
    let json: Vec<&str> = resources.iter().map(|r| r.json.as_str()).collect();
    let skips = SkipOptions { mode: options.skips, now_unix: options.now_unix };
    let now = u64::try_from(options.now_unix).unwrap_or(0);
    for configured in &set.policies {
        if configured.rules.is_empty() {
            continue;
        }
        let policy = configured.policy.name();
        let evaluated =
            configured.policy.evaluate_fetching(&json, &configured.settings, now, &configured.enabled, |requests| {
                evidence.fetch_all(requests)
            });
        match evaluated {
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
