//! One `palisade check`: read and parse inputs in parallel, evaluate each input's objects with
//! every policy (an input — typically one `helm template` release — is the unit cross-resource
//! rules see), locate findings in the source, build the report.

use std::sync::Arc;

use palisade_core::skips::{self, SkipDecision, SkipMode, Skipped};
use palisade_core::{ErrorEntry, Finding, InputError, InputLimits, InputWarning, Report, Resource};
use rayon::prelude::*;

use crate::fetch::{EvidenceSource, NoFetch};
use crate::inputs::{self, Source};
use crate::policy_set::PolicySet;

/// What one input produced.
#[derive(Debug, Default)]
struct Outcome {
    resources: usize,
    findings: Vec<Finding>,
    errors: Vec<ErrorEntry>,
    warnings: Vec<InputWarning>,
    skipped: Vec<Skipped>,
}

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

fn input_error(e: InputError) -> ErrorEntry {
    ErrorEntry { file: Some(e.file.to_string()), line: Some(e.line), policy: None, message: e.message }
}

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
    let outcomes: Vec<Outcome> = sources
        .par_iter()
        .map(|source| {
            let name = source.name();
            match inputs::read(source, limits).and_then(|bytes| palisade_core::manifest::decode(&name, &bytes, limits))
            {
                Ok(text) => check_text(set, &name, &text, options, evidence),
                Err(e) => Outcome { errors: vec![input_error(e)], ..Outcome::default() },
            }
        })
        .collect();
    let mut total = Outcome { errors: earlier.into_iter().map(input_error).collect(), ..Outcome::default() };
    for o in outcomes {
        total.resources += o.resources;
        total.findings.extend(o.findings);
        total.errors.extend(o.errors);
        total.warnings.extend(o.warnings);
        total.skipped.extend(o.skipped);
    }
    Report::new(total.resources, total.findings, total.errors, total.warnings, total.skipped)
}

/// Check one manifest text.
fn check_text(
    set: &PolicySet,
    name: &Arc<str>,
    text: &str,
    options: &CheckOptions,
    evidence: &dyn EvidenceSource,
) -> Outcome {
    let parsed = palisade_core::manifest::parse(name, text, &options.limits);
    let mut out = Outcome {
        resources: parsed.resources.len(),
        errors: parsed.errors.into_iter().map(input_error).collect(),
        warnings: parsed.warnings,
        ..Outcome::default()
    };
    if parsed.resources.is_empty() {
        return out;
    }
    let json: Vec<String> = parsed.resources.iter().map(|r| r.json.clone()).collect();
    for configured in &set.policies {
        if configured.rules.is_empty() {
            continue;
        }
        let now = u64::try_from(options.now_unix).unwrap_or(0);
        let policy_error = |message: String| ErrorEntry {
            file: Some(name.to_string()),
            line: None,
            policy: Some(configured.policy.name().into()),
            message,
        };
        let fetched = configured
            .policy
            .requests(&json, &configured.settings)
            .map_err(|e| e.to_string())
            .and_then(|requests| evidence.fetch_all(&requests));
        let fetched = match fetched {
            Ok(fetched) => fetched,
            Err(message) => {
                out.errors.push(policy_error(message));
                continue;
            }
        };
        match configured.policy.evaluate_with_evidence(&json, &fetched, &configured.settings, now, &configured.enabled)
        {
            Ok(raw) => {
                for f in raw {
                    let Some(&severity) = configured.rules.get(&f.rule) else { continue };
                    let resource = &parsed.resources[f.resource];
                    let policy = configured.policy.name();
                    let standards = configured.policy.info().rule(&f.rule).map_or(&[][..], |r| r.standards.as_slice());
                    match skips::decide(resource.node(), policy, &f.rule, standards, options.skips, options.now_unix) {
                        SkipDecision::Report => out.findings.push(locate(resource, policy, severity, f)),
                        SkipDecision::Skip { annotation, reason, expiry } => out.skipped.push(Skipped {
                            policy: policy.to_string(),
                            rule: f.rule,
                            file: resource.file.to_string(),
                            line: resource.pos().line,
                            resource: resource.object.clone(),
                            annotation,
                            reason,
                            expiry,
                        }),
                        SkipDecision::Expired { message } => {
                            let pos = resource.pos();
                            out.warnings.push(InputWarning {
                                file: resource.file.clone(),
                                line: pos.line,
                                column: pos.column,
                                message,
                            });
                            out.findings.push(locate(resource, policy, severity, f));
                        }
                    }
                }
            }
            Err(e) => out.errors.push(policy_error(e.to_string())),
        }
    }
    out
}

fn locate(
    resource: &Resource,
    policy: &str,
    severity: palisade_core::Severity,
    f: palisade_engine::RawFinding,
) -> Finding {
    let pos = resource.locate(&f.path);
    Finding {
        policy: policy.to_string(),
        rule: f.rule,
        severity,
        message: f.message,
        file: resource.file.to_string(),
        line: pos.line,
        column: pos.column,
        path: f.path,
        resource: resource.object.clone(),
        source: resource.source.as_ref().map(ToString::to_string),
    }
}
