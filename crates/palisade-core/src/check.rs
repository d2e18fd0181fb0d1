//! The host-side steps of a check that every host shares (the CLI, the browser playground):
//! turning one policy's raw findings on one input into located findings, honoured skips and
//! warnings, and merging inputs into a [`Report`].

use crate::skips::{self, SkipDecision, SkipMode, Skipped};
use crate::{ErrorEntry, Finding, InputError, InputWarning, ParsedInput, Report, Resource, Severity};

/// A finding as a policy reported it, before the host locates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    /// Rule id.
    pub rule: String,
    /// Index of the resource in the evaluated input.
    pub resource: usize,
    /// JSON pointer into that resource.
    pub path: String,
    /// Message.
    pub message: String,
}

/// How findings are filtered by skip annotations.
#[derive(Debug, Clone, Copy, Default)]
pub struct SkipOptions {
    /// Which skip annotations are honoured.
    pub mode: SkipMode,
    /// The time skip expiries are judged at (Unix seconds).
    pub now_unix: i64,
}

/// What one or more inputs produced so far.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Objects read.
    pub resources: usize,
    /// Located findings.
    pub findings: Vec<Finding>,
    /// Inputs or policies that could not be processed.
    pub errors: Vec<ErrorEntry>,
    /// Readings worth a second look, and skips not honoured.
    pub warnings: Vec<InputWarning>,
    /// Honoured skips.
    pub skipped: Vec<Skipped>,
}

impl From<InputError> for ErrorEntry {
    fn from(e: InputError) -> Self {
        ErrorEntry { file: Some(e.file.to_string()), line: Some(e.line), policy: None, message: e.message }
    }
}

impl Outcome {
    /// Start the outcome of a parsed input: its object count, errors and warnings. Returns the
    /// objects to evaluate.
    #[must_use]
    pub fn start(parsed: ParsedInput) -> (Outcome, Vec<Resource>) {
        let outcome = Outcome {
            resources: parsed.resources.len(),
            errors: parsed.errors.into_iter().map(ErrorEntry::from).collect(),
            warnings: parsed.warnings,
            ..Outcome::default()
        };
        (outcome, parsed.resources)
    }

    /// Add one raw finding of `policy` on `resource`, reported at `severity` (the rule's
    /// effective one); `standards` are the rule's references (for foreign skip annotations).
    pub fn add_finding(
        &mut self,
        resource: &Resource,
        policy: &str,
        severity: Severity,
        standards: &[String],
        f: RawFinding,
        skips: SkipOptions,
    ) {
        match skips::decide(resource.node(), policy, &f.rule, standards, skips.mode, skips.now_unix) {
            SkipDecision::Report => self.findings.push(locate(resource, policy, severity, f)),
            SkipDecision::Skip { annotation, reason, expiry } => self.skipped.push(Skipped {
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
                self.warnings.push(InputWarning {
                    file: resource.file.clone(),
                    line: pos.line,
                    column: pos.column,
                    message,
                });
                self.findings.push(locate(resource, policy, severity, f));
            }
        }
    }

    /// Record that `policy` could not evaluate the input `file`.
    pub fn add_policy_error(&mut self, file: &str, policy: &str, message: String) {
        self.errors.push(ErrorEntry { file: Some(file.to_string()), line: None, policy: Some(policy.into()), message });
    }

    /// Append another outcome.
    pub fn merge(&mut self, other: Outcome) {
        self.resources += other.resources;
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
        self.skipped.extend(other.skipped);
    }

    /// The report (sorted, with its summary).
    #[must_use]
    pub fn into_report(self) -> Report {
        Report::new(self.resources, self.findings, self.errors, self.warnings, self.skipped)
    }
}

fn locate(resource: &Resource, policy: &str, severity: Severity, f: RawFinding) -> Finding {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::InputLimits;

    #[test]
    fn findings_are_located_skipped_or_warned() {
        let text = "# Source: app/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    palisade.dev/skip: skipped-rule\n    palisade.dev/skip-reason: known\nspec:\n  hostPID: true\n";
        let parsed = crate::manifest::parse(&Arc::from("p.yaml"), text, &InputLimits::default());
        let (mut out, resources) = Outcome::start(parsed);
        let raw = |rule: &str, path: &str| RawFinding {
            rule: rule.into(),
            resource: 0,
            path: path.into(),
            message: "m".into(),
        };
        let skips = SkipOptions { mode: SkipMode::Native, now_unix: 0 };
        out.add_finding(&resources[0], "x", Severity::High, &[], raw("host-pid", "/spec/hostPID"), skips);
        out.add_finding(&resources[0], "x", Severity::Low, &[], raw("skipped-rule", "/spec"), skips);
        out.add_policy_error("p.yaml", "y", "policy `y` crashed: boom".into());
        let report = out.into_report();
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "version": 1,
                "findings": [{"policy": "x", "rule": "host-pid", "severity": "high", "message": "m", "file": "p.yaml",
                  "line": 10, "column": 3, "path": "/spec/hostPID",
                  "resource": {"apiVersion": "v1", "kind": "Pod", "name": "p"}, "source": "app/templates/pod.yaml"}],
                "errors": [{"file": "p.yaml", "policy": "y", "message": "policy `y` crashed: boom"}],
                "warnings": [],
                "skipped": [{"policy": "x", "rule": "skipped-rule", "file": "p.yaml", "line": 2,
                  "resource": {"apiVersion": "v1", "kind": "Pod", "name": "p"}, "annotation": "palisade.dev/skip",
                  "reason": "known", "expiry": null}],
                "summary": {"resources": 1, "findings": 1, "skipped": 1,
                  "by_severity": {"info": 0, "low": 0, "medium": 0, "high": 1, "critical": 0}}
            })
        );
    }
}
