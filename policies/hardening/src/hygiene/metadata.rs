//! Object metadata: namespaces, required and recommended labels, the instance label, required
//! annotations, and the syntax of label values.

use crate::context::Ctx;
use std::collections::HashSet;

use palisade_policy_sdk::workload::pod_spec;
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value, pointer};

use super::{CATEGORY, workloads};
use crate::index::pod_labels;
use crate::objects::{is_cluster_scoped, lookup, map, report, show};
use crate::settings::Settings;

/// Row 150: a namespaced object has no `metadata.namespace`, or `default`. Cluster-scoped kinds are
/// skipped, including the kinds of cluster-scoped CustomResourceDefinitions of the input.
pub(crate) const DEFAULT_NAMESPACE: RuleDef = RuleDef {
    id: "default-namespace",
    title: "Object is not in a dedicated namespace",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `metadata.namespace: my-app` (in Helm: `namespace: {{ .Release.Namespace }}`) and install into a \
                  dedicated namespace instead of `default`.",
    standards: &[
        "kube-linter:use-namespace",
        "checkov:CKV_K8S_21",
        "kubescape:C-0061",
        "kubescape:C-0212",
        "cis:5.7.4",
    ],
    enabled_by_default: true,
};

/// Row 151: a workload lacks a label of the `requiredLabels` setting (default `owner`, as
/// kube-linter).
pub(crate) const REQUIRED_LABELS: RuleDef = RuleDef {
    id: "required-labels",
    title: "Workload lacks a required label",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set the required labels in the workload's `metadata.labels`, for example `owner: team-a`.",
    standards: &["kube-linter:required-label-owner", "kubescape:C-0076"],
    enabled_by_default: false,
};

/// Row 152: a workload lacks `app.kubernetes.io/name` or `app.kubernetes.io/instance`, the
/// recommended labels that identify the application and its release (Kubescape accepts any one
/// `app.kubernetes.io/*` label).
pub(crate) const RECOMMENDED_K8S_LABELS: RuleDef = RuleDef {
    id: "recommended-k8s-labels",
    title: "Workload lacks the recommended app.kubernetes.io labels",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set `app.kubernetes.io/name: my-app` and `app.kubernetes.io/instance: my-release` in the workload's \
                  `metadata.labels`.",
    standards: &["kubescape:C-0077"],
    enabled_by_default: false,
};

/// Row 153: a workload's `app.kubernetes.io/instance` label differs from its `metadata.name`.
pub(crate) const INSTANCE_LABEL_MATCHES_NAME: RuleDef = RuleDef {
    id: "instance-label-matches-name",
    title: "Instance label differs from the name",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set `app.kubernetes.io/instance` to the workload's `metadata.name`.",
    standards: &["polaris:metadataAndInstanceMismatched"],
    enabled_by_default: false,
};

/// Row 154: a workload lacks an annotation of the `requiredAnnotations` setting (default `email`, as
/// kube-linter), or has it empty; an `email` annotation must hold an e-mail address.
pub(crate) const REQUIRED_ANNOTATIONS: RuleDef = RuleDef {
    id: "required-annotations",
    title: "Workload lacks a required annotation",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set the required annotations in the workload's `metadata.annotations`, for example `email: \
                  team-a@example.com`.",
    standards: &["kube-linter:required-annotation-email"],
    enabled_by_default: false,
};

/// Row 155: a label value of an object or of its pod template is not a valid label value: a string
/// of at most 63 characters, empty or starting and ending with a letter or digit, with `-`, `_` and
/// `.` inside.
pub(crate) const LABEL_VALUES_VALID: RuleDef = RuleDef {
    id: "label-values-valid",
    title: "Label value is invalid",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Use label values of at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or \
                  digit, and quote numbers in YAML (`version: \"1.0\"`).",
    standards: &["kube-score:label-values"],
    enabled_by_default: true,
};

/// Kinds the input's CustomResourceDefinitions declare cluster-scoped.
fn cluster_scoped_custom_kinds(resources: &[Resource]) -> HashSet<&str> {
    resources
        .iter()
        .filter(|r| r.kind() == "CustomResourceDefinition" && r.string_at(&["spec", "scope"]) == Some("Cluster"))
        .map(|crd| crd.string_at(&["spec", "names", "kind"]).unwrap_or_default())
        .collect()
}

/// [`DEFAULT_NAMESPACE`].
pub(crate) fn default_namespace(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let custom = cluster_scoped_custom_kinds(resources);
    resources
        .iter()
        .filter(|r| !is_cluster_scoped(r.kind()) && !custom.contains(r.kind()))
        .filter_map(|object| {
            let what = match object.namespace() {
                None | Some("") => "does not set metadata.namespace and lands in whatever namespace it is applied to",
                Some("default") => "sets metadata.namespace: default",
                Some(_) => return None,
            };
            Some(report(&DEFAULT_NAMESPACE, object, "/metadata/namespace", what))
        })
        .collect()
}

/// A label of an object.
fn label<'a>(object: &'a Resource, key: &str) -> Option<&'a Value> {
    lookup(object.metadata(), &["labels", key])
}

/// Reports every workload that lacks one of `keys` among its labels.
fn require_labels(rule: &RuleDef, resources: &Ctx<'_>, keys: &[&str]) -> Vec<Finding> {
    workloads(resources)
        .flat_map(|workload| {
            keys.iter().copied().filter(|key| label(workload, key).is_none()).map(move |key| {
                report(
                    rule,
                    workload,
                    pointer::join("/metadata/labels", &[key]),
                    format_args!("does not set label {key}"),
                )
            })
        })
        .collect()
}

/// [`REQUIRED_LABELS`].
pub(crate) fn required_labels(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let keys: Vec<&str> = settings.required_labels.iter().map(String::as_str).collect();
    require_labels(&REQUIRED_LABELS, resources, &keys)
}

/// The recommended labels [`RECOMMENDED_K8S_LABELS`] requires.
const RECOMMENDED: [&str; 2] = ["app.kubernetes.io/name", "app.kubernetes.io/instance"];

/// [`RECOMMENDED_K8S_LABELS`].
pub(crate) fn recommended_k8s_labels(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_labels(&RECOMMENDED_K8S_LABELS, resources, &RECOMMENDED)
}

/// [`INSTANCE_LABEL_MATCHES_NAME`].
pub(crate) fn instance_label_matches_name(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let key = "app.kubernetes.io/instance";
    workloads(resources)
        .filter_map(|workload| {
            let value = label(workload, key)?;
            (value.as_str() != Some(workload.name())).then(|| {
                report(
                    &INSTANCE_LABEL_MATCHES_NAME,
                    workload,
                    pointer::join("/metadata/labels", &[key]),
                    format_args!("sets label {key}: {}, not its name {}", show(value), workload.name()),
                )
            })
        })
        .collect()
}

/// Whether a text looks like an e-mail address: `local@domain.tld`, without spaces.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !text.contains(char::is_whitespace)
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

/// [`REQUIRED_ANNOTATIONS`].
pub(crate) fn required_annotations(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let mut out = Vec::new();
    for workload in workloads(resources) {
        for key in &settings.required_annotations {
            let at = pointer::join("/metadata/annotations", &[key]);
            let value = lookup(workload.metadata(), &["annotations", key]).and_then(Value::as_str).unwrap_or_default();
            let what = if value.is_empty() {
                format!("does not set annotation {key}")
            } else if key == "email" && !is_email(value) {
                format!("sets annotation {key}: {value}, not an e-mail address")
            } else {
                continue;
            };
            out.push(report(&REQUIRED_ANNOTATIONS, workload, at, what));
        }
    }
    out
}

/// Whether a label value is valid (see [`LABEL_VALUES_VALID`]).
pub(crate) fn is_label_value(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.is_empty()
        || (text.len() <= 63
            && alnum(text.chars().next())
            && alnum(text.chars().last())
            && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
}

/// [`LABEL_VALUES_VALID`].
pub(crate) fn label_values_valid(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = Vec::new();
    for object in resources {
        let template = pod_spec(object).filter(|p| !p.metadata_pointer.starts_with("/metadata"));
        let mut places = vec![("/metadata/labels".to_string(), "label", map(object.metadata(), &["labels"]))];
        if let Some(pod) = template {
            let labels = pod_labels(&pod);
            places.push((format!("{}/labels", pod.metadata_pointer), "pod template label", labels));
        }
        for (base, what, labels) in places {
            for (key, value) in labels.into_iter().flatten().filter(|(_, v)| !is_label_value(v)) {
                let kind = if value.is_string() { "" } else { " (not a string)" };
                out.push(report(
                    &LABEL_VALUES_VALID,
                    object,
                    pointer::join(&base, &[key]),
                    format_args!("sets {what} {key}: {}{kind}, not a valid label value", show(value)),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, deployment, object, run};
    use palisade_policy_sdk::json;

    #[test]
    fn default_namespace_skips_cluster_scoped_kinds() {
        let mut in_default = object("v1", "ConfigMap", "b", json!({}));
        in_default["metadata"]["namespace"] = json!("default");
        let mut placed = object("v1", "ConfigMap", "c", json!({}));
        placed["metadata"]["namespace"] = json!("apps");
        let crd = object(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "widgets.example.com",
            json!({"spec": {"scope": "Cluster", "names": {"kind": "Widget"}}}),
        );
        let docs = vec![
            object("v1", "ConfigMap", "a", json!({})),
            in_default,
            placed,
            object("rbac.authorization.k8s.io/v1", "ClusterRole", "r", json!({})),
            crd,
            object("example.com/v1", "Widget", "w", json!({})),
        ];
        let id = "default-namespace";
        assert_eq!(
            run(default_namespace, docs, &json!({})),
            vec![
                (
                    0,
                    id,
                    "/metadata/namespace".into(),
                    "ConfigMap does not set metadata.namespace and lands in whatever namespace it is applied to".into()
                ),
                (1, id, "/metadata/namespace".into(), "ConfigMap sets metadata.namespace: default".into()),
            ]
        );
    }

    fn labelled(labels: Value, annotations: Value) -> Value {
        let mut doc = deployment(json!({"containers": []}));
        doc["metadata"]["labels"] = labels;
        doc["metadata"]["annotations"] = annotations;
        doc
    }

    #[test]
    fn required_and_recommended_labels() {
        let doc = labelled(json!({"app.kubernetes.io/name": "web"}), json!({}));
        assert_findings(
            required_labels,
            doc.clone(),
            &[("required-labels", "/metadata/labels/owner", "Deployment does not set label owner")],
        );
        assert_findings_with(required_labels, doc.clone(), &json!({"requiredLabels": ["app.kubernetes.io/name"]}), &[]);
        assert_findings(
            recommended_k8s_labels,
            doc,
            &[(
                "recommended-k8s-labels",
                "/metadata/labels/app.kubernetes.io~1instance",
                "Deployment does not set label app.kubernetes.io/instance",
            )],
        );
        let config = object("v1", "ConfigMap", "c", json!({}));
        assert_findings(required_labels, config, &[]);
    }

    #[test]
    fn instance_label_matches_name_when_set() {
        assert_findings(
            instance_label_matches_name,
            labelled(json!({"app.kubernetes.io/instance": "rel"}), json!({})),
            &[(
                "instance-label-matches-name",
                "/metadata/labels/app.kubernetes.io~1instance",
                "Deployment sets label app.kubernetes.io/instance: rel, not its name web",
            )],
        );
        assert_findings(
            instance_label_matches_name,
            labelled(json!({"app.kubernetes.io/instance": "web"}), json!({})),
            &[],
        );
        assert_findings(instance_label_matches_name, labelled(json!({}), json!({})), &[]);
    }

    #[test]
    fn required_annotations_and_email_addresses() {
        let id = "required-annotations";
        assert_findings(
            required_annotations,
            labelled(json!({}), json!({})),
            &[(id, "/metadata/annotations/email", "Deployment does not set annotation email")],
        );
        assert_findings(
            required_annotations,
            labelled(json!({}), json!({"email": "team a"})),
            &[(id, "/metadata/annotations/email", "Deployment sets annotation email: team a, not an e-mail address")],
        );
        assert_findings(required_annotations, labelled(json!({}), json!({"email": "team-a@example.com"})), &[]);
        assert!(
            !is_email("a@b") && !is_email("@example.com") && !is_email("a@@example.com") && is_email("a.b@c.example")
        );
    }

    #[test]
    fn label_values_valid_checks_object_and_template_labels() {
        let mut doc =
            labelled(json!({"ok": "web-1.0_a", "empty": "", "version": 1.0, "spaces": "a b", "dash": "-a"}), json!({}));
        doc["spec"]["template"]["metadata"]["labels"] = json!({"app": "web", "long": "x".repeat(64)});
        let id = "label-values-valid";
        let long = format!("Deployment sets pod template label long: {}, not a valid label value", "x".repeat(64));
        assert_findings(
            label_values_valid,
            doc,
            &[
                (id, "/metadata/labels/dash", "Deployment sets label dash: -a, not a valid label value"),
                (id, "/metadata/labels/spaces", "Deployment sets label spaces: a b, not a valid label value"),
                (
                    id,
                    "/metadata/labels/version",
                    "Deployment sets label version: 1.0 (not a string), not a valid label value",
                ),
                (id, "/spec/template/metadata/labels/long", &long),
            ],
        );
    }
}
