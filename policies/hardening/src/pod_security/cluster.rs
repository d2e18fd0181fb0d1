//! Admission settings in the manifests themselves: Pod Security Admission labels on Namespaces and
//! OpenShift `SecurityContextConstraints`.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value, pointer};

use super::{CATEGORY, each_of_kind, lookup, show};
use crate::settings::{PssLevel, Settings};

/// Row 42: a Namespace does not set `pod-security.kubernetes.io/enforce` to the
/// `namespaceEnforceLevel` setting (default `baseline`) or a stricter level.
pub(crate) const NAMESPACE_PSS_ENFORCE_LABEL: RuleDef = RuleDef {
    id: "namespace-pss-enforce-label",
    title: "Namespace does not enforce Pod Security Standards",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Label the Namespace with `pod-security.kubernetes.io/enforce: restricted` (or at least `baseline`).",
    standards: &[
        "kubescape:C-0192",
        "kubescape:C-0193",
        "kubescape:C-0194",
        "kubescape:C-0195",
        "kubescape:C-0196",
        "kubescape:C-0197",
        "kubescape:C-0198",
        "kubescape:C-0199",
        "kubescape:C-0200",
        "kubescape:C-0201",
        "kubescape:C-0202",
        "kubescape:C-0203",
        "kubescape:C-0204",
        "cis:5.2.1",
    ],
    enabled_by_default: false,
};

/// Row 44: an OpenShift `SecurityContextConstraints` sets `allowPrivilegedContainer: true`.
pub(crate) const SCC_PRIVILEGED: RuleDef = RuleDef {
    id: "scc-privileged",
    title: "SecurityContextConstraints allow privileged containers",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Set `allowPrivilegedContainer: false` in the SecurityContextConstraints.",
    standards: &["kube-linter:scc-deny-privileged-container"],
    enabled_by_default: true,
};

/// The Pod Security Admission enforce label.
const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

/// [`NAMESPACE_PSS_ENFORCE_LABEL`].
pub(crate) fn namespace_pss_enforce_label(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let minimum = settings.namespace_enforce_level;
    let accepted = if minimum == PssLevel::Restricted { "restricted" } else { "baseline or restricted" };
    each_of_kind(resources, "Namespace", |namespace| {
        let at = pointer::join("/metadata/labels", &[ENFORCE_LABEL]);
        let message = match lookup(namespace.metadata(), &["labels", ENFORCE_LABEL]) {
            None => format!("Namespace does not set label {ENFORCE_LABEL}"),
            Some(value) if value.as_str().and_then(PssLevel::from_label).is_some_and(|level| level >= minimum) => {
                return None;
            }
            Some(value) => format!("Namespace sets label {ENFORCE_LABEL}: {}, not {accepted}", show(value)),
        };
        Some(NAMESPACE_PSS_ENFORCE_LABEL.finding(namespace.index, at, message))
    })
}

/// [`SCC_PRIVILEGED`].
pub(crate) fn scc_privileged(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_of_kind(resources, "SecurityContextConstraints", |scc| {
        (lookup(scc.json(), &["allowPrivilegedContainer"]) == Some(&Value::Bool(true))).then(|| {
            SCC_PRIVILEGED.finding(
                scc.index,
                "/allowPrivilegedContainer",
                "SecurityContextConstraints sets allowPrivilegedContainer: true",
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, run};
    use palisade_policy_sdk::json;

    fn namespace(labels: &Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps", "labels": labels}})
    }

    #[test]
    fn namespace_pss_enforce_label_requires_the_minimum_level() {
        let docs = vec![
            namespace(&json!({"pod-security.kubernetes.io/warn": "restricted"})),
            namespace(&json!({"pod-security.kubernetes.io/enforce": "privileged"})),
            namespace(&json!({"pod-security.kubernetes.io/enforce": "Baseline"})),
            namespace(&json!({"pod-security.kubernetes.io/enforce": "baseline"})),
            namespace(&json!({"pod-security.kubernetes.io/enforce": "restricted"})),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "not-a-namespace"}}),
        ];
        let at = "/metadata/labels/pod-security.kubernetes.io~1enforce".to_string();
        let rule = "namespace-pss-enforce-label";
        assert_eq!(
            run(namespace_pss_enforce_label, docs.clone(), &json!({})),
            vec![
                (0, rule, at.clone(), "Namespace does not set label pod-security.kubernetes.io/enforce".to_string()),
                (
                    1,
                    rule,
                    at.clone(),
                    "Namespace sets label pod-security.kubernetes.io/enforce: privileged, not baseline or restricted"
                        .to_string()
                ),
                (
                    2,
                    rule,
                    at.clone(),
                    "Namespace sets label pod-security.kubernetes.io/enforce: Baseline, not baseline or restricted"
                        .to_string()
                ),
            ]
        );
        assert_eq!(
            run(namespace_pss_enforce_label, docs[3..].to_vec(), &json!({"namespaceEnforceLevel": "restricted"})),
            vec![(
                0,
                rule,
                at,
                "Namespace sets label pod-security.kubernetes.io/enforce: baseline, not restricted".to_string()
            )]
        );
        assert_findings_with(
            namespace_pss_enforce_label,
            namespace(&json!({"pod-security.kubernetes.io/enforce": "restricted"})),
            &json!({"namespaceEnforceLevel": "restricted"}),
            &[],
        );
    }

    #[test]
    fn scc_privileged_reports_allow_privileged_container() {
        let scc = |allow: bool| {
            json!({"apiVersion": "security.openshift.io/v1", "kind": "SecurityContextConstraints", "metadata": {"name": "s"},
                "allowPrivilegedContainer": allow})
        };
        assert_findings(
            scc_privileged,
            scc(true),
            &[(
                "scc-privileged",
                "/allowPrivilegedContainer",
                "SecurityContextConstraints sets allowPrivilegedContainer: true",
            )],
        );
        assert_findings(scc_privileged, scc(false), &[]);
    }
}
