//! The one result model every output format renders.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::manifest::{InputWarning, ObjectRef};
use crate::skips::Skipped;

/// How bad a finding is, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] =
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// Lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity `{s}` (expected info, low, medium, high or critical)"))
    }
}

/// What a rule is: as a policy describes it, and for formats that describe rules (SARIF) or
/// group by category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleMeta {
    /// Policy the rule belongs to.
    pub policy: String,
    /// Rule id within the policy.
    pub id: String,
    /// Title.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// Catalog area.
    pub category: String,
    /// How to fix.
    pub remediation: String,
    /// References to standards and other tools.
    pub standards: Vec<String>,
    /// On unless opted out.
    pub enabled_by_default: bool,
}

/// One violation, located in its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Policy that reported it.
    pub policy: String,
    /// Rule id within the policy.
    pub rule: String,
    /// Effective severity (after overrides).
    pub severity: Severity,
    /// What is wrong, naming the container or field.
    pub message: String,
    /// Input the object came from.
    pub file: String,
    /// Line of the offending field (or its nearest existing ancestor).
    pub line: u32,
    /// Column of that field.
    pub column: u32,
    /// JSON pointer into the object.
    pub path: String,
    /// The object.
    pub resource: ObjectRef,
    /// Chart template the object was rendered from, if known.
    pub source: Option<String>,
}

/// Something that could not be read or evaluated. Always fails the run (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorEntry {
    /// Input concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line in that input, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Policy concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// What went wrong.
    pub message: String,
}

/// Totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Objects evaluated.
    pub resources: usize,
    /// Findings reported.
    pub findings: usize,
    /// Findings per severity (every severity present, zero included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings skipped by annotations.
    pub skipped: usize,
}

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Format version of this document.
    pub version: u32,
    /// Findings, ordered by file, line, column, policy, rule.
    pub findings: Vec<Finding>,
    /// Inputs or policies that could not be processed.
    pub errors: Vec<ErrorEntry>,
    /// Legal input that Kubernetes may read differently from what was meant, and skips that
    /// were not honoured.
    pub warnings: Vec<InputWarning>,
    /// Findings not reported because an annotation skipped them.
    pub skipped: Vec<Skipped>,
    /// Totals.
    pub summary: Summary,
}

impl Report {
    /// Build a report: sorts findings and errors and computes the summary.
    #[must_use]
    pub fn new(
        resources: usize,
        mut findings: Vec<Finding>,
        mut errors: Vec<ErrorEntry>,
        warnings: Vec<InputWarning>,
        mut skipped: Vec<Skipped>,
    ) -> Self {
        findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.policy, &a.rule, &a.message)
                .cmp(&(&b.file, b.line, b.column, &b.policy, &b.rule, &b.message))
        });
        skipped.sort_by(|a, b| (&a.file, a.line, &a.policy, &a.rule).cmp(&(&b.file, b.line, &b.policy, &b.rule)));
        errors.sort_by(|a, b| (&a.file, a.line, &a.policy).cmp(&(&b.file, b.line, &b.policy)));
        let mut by_severity: BTreeMap<Severity, usize> = Severity::ALL.into_iter().map(|s| (s, 0)).collect();
        for f in &findings {
            *by_severity.entry(f.severity).or_default() += 1;
        }
        let summary = Summary { resources, findings: findings.len(), by_severity, skipped: skipped.len() };
        Report { version: 1, findings, errors, warnings, skipped, summary }
    }

    /// grep-style exit code: 2 on any error, 1 on a finding at or above `fail_on`, else 0.
    #[must_use]
    pub fn exit_code(&self, fail_on: Severity) -> i32 {
        if self.errors.is_empty() { i32::from(self.findings.iter().any(|f| f.severity >= fail_on)) } else { 2 }
    }
}
