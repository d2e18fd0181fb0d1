//! Rule definitions and findings.

use crate::bindings::palisade::policy::types as wit;

/// Severity of a rule or finding.
pub type Severity = wit::Severity;

/// A rule, declared as a `const`.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    /// Id, kebab-case.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Catalog area.
    pub category: &'static str,
    /// What to change, with the YAML to set.
    pub remediation: &'static str,
    /// References to standards and other tools' ids.
    pub standards: &'static [&'static str],
    /// On unless opted out.
    pub enabled_by_default: bool,
}

impl RuleDef {
    /// An opt-in rule of a catalog area, for the table-driven groups (control plane, legacy PSP).
    #[must_use]
    pub const fn opt_in(
        category: &'static str,
        id: &'static str,
        title: &'static str,
        severity: Severity,
        remediation: &'static str,
        standards: &'static [&'static str],
    ) -> Self {
        RuleDef { id, title, severity, category, remediation, standards, enabled_by_default: false }
    }

    pub(crate) fn to_wit(self) -> wit::Rule {
        wit::Rule {
            id: self.id.into(),
            title: self.title.into(),
            severity: self.severity,
            category: self.category.into(),
            remediation: self.remediation.into(),
            standards: self.standards.iter().map(|s| (*s).to_string()).collect(),
            enabled_by_default: self.enabled_by_default,
        }
    }

    /// A finding of this rule at its default severity.
    #[must_use]
    pub fn finding(&self, resource: u32, path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding { rule: self.id, severity: self.severity, resource, path: path.into(), message: message.into() }
    }
}

/// A violation.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Rule id.
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Resource index.
    pub resource: u32,
    /// JSON pointer into the resource.
    pub path: String,
    /// Message naming the container or field.
    pub message: String,
}

impl Finding {
    pub(crate) fn into_wit(self) -> wit::Finding {
        wit::Finding {
            rule: self.rule.into(),
            severity: self.severity,
            resource: self.resource,
            path: self.path,
            message: self.message,
        }
    }
}
