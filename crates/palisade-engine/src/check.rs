//! The *prepare* step of one input: evaluate its objects with every policy of a set (an input —
//! one `helm template` release, one admission request — is the unit cross-resource rules see),
//! apply skip annotations, locate findings in the source. Shared by `palisade check` and the
//! admission webhook.

use std::sync::Arc;

use palisade_core::skips::{self, SkipDecision, SkipMode, Skipped};
use palisade_core::{ErrorEntry, Finding, InputError, InputLimits, InputWarning, Resource};

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

/// What one input produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Objects read.
    pub resources: usize,
    /// Findings of enabled rules, not skipped.
    pub findings: Vec<Finding>,
    /// Documents that could not be read and policies that could not evaluate.
    pub errors: Vec<ErrorEntry>,
    /// Readings worth a second look, and skips not honoured.
    pub warnings: Vec<InputWarning>,
    /// Findings skipped by annotations.
    pub skipped: Vec<Skipped>,
}

impl Outcome {
    /// Add another outcome to this one.
    pub fn extend(&mut self, other: Outcome) {
        self.resources += other.resources;
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
        self.skipped.extend(other.skipped);
    }
}

/// An input that could not be read, as a report error.
#[must_use]
pub fn input_error(e: InputError) -> ErrorEntry {
    ErrorEntry { file: Some(e.file.to_string()), line: Some(e.line), policy: None, message: e.message }
}

/// Parse one manifest text (YAML or JSON) and evaluate its objects.
#[must_use]
pub fn check_text(set: &PolicySet, name: &Arc<str>, text: &str, options: &CheckOptions) -> Outcome {
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
    let now = u64::try_from(options.now_unix).unwrap_or(0);
    for configured in &set.policies {
        if configured.rules.is_empty() {
            continue;
        }
        match configured.policy.evaluate_with_evidence(&json, &[], &configured.settings, now, &configured.enabled) {
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
            Err(e) => out.errors.push(ErrorEntry {
                file: Some(name.to_string()),
                line: None,
                policy: Some(configured.policy.name().into()),
                message: e.to_string(),
            }),
        }
    }
    out
}

fn locate(resource: &Resource, policy: &str, severity: palisade_core::Severity, f: crate::RawFinding) -> Finding {
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
