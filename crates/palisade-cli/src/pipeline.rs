//! One `palisade check`: read and parse inputs in parallel, evaluate each input's objects with
//! every policy (an input — typically one `helm template` release — is the unit cross-resource
//! rules see), locate findings in the source, build the report.

use std::sync::Arc;

use palisade_core::{ErrorEntry, Finding, InputError, InputLimits, InputWarning, Report, Resource};
use rayon::prelude::*;

use crate::inputs::{self, Source};
use crate::policy_set::PolicySet;

/// What one input produced.
#[derive(Debug, Default)]
struct Outcome {
    resources: usize,
    findings: Vec<Finding>,
    errors: Vec<ErrorEntry>,
    warnings: Vec<InputWarning>,
}

fn input_error(e: InputError) -> ErrorEntry {
    ErrorEntry { file: Some(e.file.to_string()), line: Some(e.line), policy: None, message: e.message }
}

/// Check every source; `earlier` are errors found while collecting inputs.
#[must_use]
pub fn check(
    set: &PolicySet,
    sources: &[Source],
    earlier: Vec<InputError>,
    limits: &InputLimits,
    now_unix: u64,
) -> Report {
    let outcomes: Vec<Outcome> = sources
        .par_iter()
        .map(|source| {
            let name = source.name();
            match inputs::read(source, limits).and_then(|bytes| palisade_core::manifest::decode(&name, &bytes, limits))
            {
                Ok(text) => check_text(set, &name, &text, limits, now_unix),
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
    }
    Report::new(total.resources, total.findings, total.errors, total.warnings)
}

/// Check one manifest text.
fn check_text(set: &PolicySet, name: &Arc<str>, text: &str, limits: &InputLimits, now_unix: u64) -> Outcome {
    let parsed = palisade_core::manifest::parse(name, text, limits);
    let mut out = Outcome {
        resources: parsed.resources.len(),
        errors: parsed.errors.into_iter().map(input_error).collect(),
        warnings: parsed.warnings,
        findings: Vec::new(),
    };
    if parsed.resources.is_empty() {
        return out;
    }
    let json: Vec<String> = parsed.resources.iter().map(|r| r.json.clone()).collect();
    for configured in &set.policies {
        if configured.rules.is_empty() {
            continue;
        }
        match configured.policy.evaluate(&json, &configured.settings, now_unix) {
            Ok(raw) => {
                for f in raw {
                    let Some(&severity) = configured.rules.get(&f.rule) else { continue };
                    out.findings.push(locate(&parsed.resources[f.resource], configured.policy.name(), severity, f));
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
