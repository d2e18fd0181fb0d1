//! API versions and well-formedness: removed API versions, a structural subset of schema validation,
//! key order, and objects defined twice.

use crate::context::Ctx;
use std::collections::{HashMap, HashSet};

use palisade_policy_sdk::workload::pod_spec;
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value};

use super::CATEGORY;
use crate::index::scope;
use crate::objects::{api_group, items, lookup, report, show, text};
use crate::settings::Settings;

/// Row 156: an object uses an API version that Kubernetes has removed (see [`REMOVED`]; every
/// entry was deprecated first, and all are gone by Kubernetes 1.32).
pub(crate) const DEPRECATED_API_VERSION: RuleDef = RuleDef {
    id: "deprecated-api-version",
    title: "Object uses a removed API version",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Move the object to its current API version, for example `apiVersion: apps/v1` for Deployments or \
                  `apiVersion: networking.k8s.io/v1` for Ingresses (`kubectl convert` helps).",
    standards: &["kube-linter:no-extensions-v1beta", "kube-score:stable-version"],
    enabled_by_default: true,
};

/// Row 157: an object breaks the structural rules of the Kubernetes API that can be checked without
/// the OpenAPI documents, which are not bundled: a name (`metadata.name` or `generateName`) that is a
/// valid DNS subdomain (a path segment for RBAC kinds), a namespace that is a DNS label, labels and
/// annotations that map to strings, and containers with a unique DNS-label `name`, an `image` and
/// integer `containerPort`s from 1 to 65535. Full OpenAPI and CRD schema validation is left to a
/// schema-aware policy.
pub(crate) const SCHEMA_VALIDATION: RuleDef = RuleDef {
    id: "schema-validation",
    title: "Object is structurally invalid",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Fix the field so that the API server accepts the object, for example `metadata.name: my-app` (lowercase \
                  letters, digits, `-` and `.`) and a `name` and `image` on every container.",
    standards: &["kube-linter:schema-validation"],
    enabled_by_default: false,
};

/// Row 158: YAML mapping keys are not sorted. Objects reach policies as parsed JSON, whose key order
/// is not kept, so this rule cannot be judged here and reports nothing; it needs the host to pass
/// source order (a YAML linter over the chart output does this better).
pub(crate) const SORTED_KEYS: RuleDef = RuleDef {
    id: "sorted-keys",
    title: "Mapping keys are not sorted",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Sort the keys of each mapping alphabetically (for example with `yq -P 'sort_keys(..)'`). The hardening \
                  policy sees objects without key order and reports nothing for this rule.",
    standards: &["kube-linter:sorted-keys"],
    enabled_by_default: false,
};

/// A palisade addition: two objects with the same API group, kind, namespace and name. The later
/// one silently replaces the earlier when applied, so one of them is dead configuration (often a
/// copy-paste slip between templates).
pub(crate) const DUPLICATE_OBJECT: RuleDef = RuleDef {
    id: "duplicate-object",
    title: "Object is defined more than once",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove one of the definitions, or give them different `metadata.name`s.",
    standards: &[],
    enabled_by_default: true,
};

/// Removed API versions: `apiVersion`, the kinds it applies to (all when empty), the Kubernetes
/// version that removed it, and what to use instead.
const REMOVED: [(&str, &[&str], &str, &str); 32] = [
    ("extensions/v1beta1", &["Deployment", "DaemonSet", "ReplicaSet"], "1.16", "apps/v1"),
    ("extensions/v1beta1", &["NetworkPolicy"], "1.16", "networking.k8s.io/v1"),
    ("extensions/v1beta1", &["PodSecurityPolicy"], "1.16", "Pod Security Admission"),
    ("extensions/v1beta1", &["Ingress"], "1.22", "networking.k8s.io/v1"),
    ("apps/v1beta1", &[], "1.16", "apps/v1"),
    ("apps/v1beta2", &[], "1.16", "apps/v1"),
    ("networking.k8s.io/v1beta1", &[], "1.22", "networking.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1alpha1", &[], "1.22", "rbac.authorization.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1beta1", &[], "1.22", "rbac.authorization.k8s.io/v1"),
    ("admissionregistration.k8s.io/v1beta1", &[], "1.22", "admissionregistration.k8s.io/v1"),
    ("apiextensions.k8s.io/v1beta1", &[], "1.22", "apiextensions.k8s.io/v1"),
    ("apiregistration.k8s.io/v1beta1", &[], "1.22", "apiregistration.k8s.io/v1"),
    ("authentication.k8s.io/v1beta1", &[], "1.22", "authentication.k8s.io/v1"),
    ("authorization.k8s.io/v1beta1", &[], "1.22", "authorization.k8s.io/v1"),
    ("certificates.k8s.io/v1beta1", &[], "1.22", "certificates.k8s.io/v1"),
    ("coordination.k8s.io/v1beta1", &[], "1.22", "coordination.k8s.io/v1"),
    ("scheduling.k8s.io/v1alpha1", &[], "1.22", "scheduling.k8s.io/v1"),
    ("scheduling.k8s.io/v1beta1", &[], "1.22", "scheduling.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", &["CSIStorageCapacity"], "1.27", "storage.k8s.io/v1"),
    (
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        "1.22",
        "storage.k8s.io/v1",
    ),
    ("policy/v1beta1", &["PodDisruptionBudget"], "1.25", "policy/v1"),
    ("policy/v1beta1", &["PodSecurityPolicy"], "1.25", "Pod Security Admission"),
    ("batch/v1beta1", &[], "1.25", "batch/v1"),
    ("batch/v2alpha1", &[], "1.21", "batch/v1"),
    ("autoscaling/v2beta1", &[], "1.25", "autoscaling/v2"),
    ("autoscaling/v2beta2", &[], "1.26", "autoscaling/v2"),
    ("discovery.k8s.io/v1beta1", &[], "1.25", "discovery.k8s.io/v1"),
    ("events.k8s.io/v1beta1", &[], "1.25", "events.k8s.io/v1"),
    ("node.k8s.io/v1beta1", &[], "1.25", "node.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", &[], "1.26", "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", &[], "1.29", "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", &[], "1.32", "flowcontrol.apiserver.k8s.io/v1"),
];

/// [`DEPRECATED_API_VERSION`].
pub(crate) fn deprecated_api_version(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter_map(|object| {
            let (version, kind) = (object.api_version(), object.kind());
            let (_, _, removed, instead) =
                REMOVED.iter().find(|(v, kinds, _, _)| *v == version && (kinds.is_empty() || kinds.contains(&kind)))?;
            Some(report(
                &DEPRECATED_API_VERSION,
                object,
                "/apiVersion",
                format_args!("uses apiVersion {version}, removed in Kubernetes {removed}; use {instead}"),
            ))
        })
        .collect()
}

/// Whether `name` has at most `max` lowercase letters, digits and `-`, starting and ending with a
/// letter or digit.
fn is_dns_word(name: &str, max: usize) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (1..=max).contains(&name.len())
        && alnum(name.chars().next())
        && alnum(name.chars().last())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Whether `name` is a DNS-1123 label (at most 63 characters).
fn is_dns_label(name: &str) -> bool {
    is_dns_word(name, 63)
}

/// Whether `name` is a DNS-1123 subdomain: at most 253 characters of dot-separated parts made like
/// labels (Kubernetes does not limit the length of each part).
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(|part| is_dns_word(part, 253))
}

/// Whether `name` is a valid name for an object of `kind`: a path segment for RBAC kinds (which allow
/// `system:` names), a DNS subdomain otherwise.
fn is_object_name(kind: &str, name: &str) -> bool {
    if matches!(kind, "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding") {
        !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '%'])
    } else {
        is_dns_subdomain(name)
    }
}

/// The structural problems of an object's metadata, as `(pointer, problem)`.
fn metadata_problems(object: &Resource) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let name = object.name();
    let generate = text(object.metadata(), &["generateName"]);
    if name.is_empty() && generate.is_empty() {
        out.push(("/metadata/name".into(), "does not set metadata.name".into()));
    } else if !name.is_empty() && !is_object_name(object.kind(), name) {
        out.push(("/metadata/name".into(), format!("sets metadata.name: {name}, not a valid name")));
    }
    if let Some(ns) = lookup(object.metadata(), &["namespace"])
        && !ns.as_str().is_some_and(|ns| ns.is_empty() || is_dns_label(ns))
    {
        out.push((
            "/metadata/namespace".into(),
            format!("sets metadata.namespace: {}, not a valid namespace", show(ns)),
        ));
    }
    for field in ["labels", "annotations"] {
        match lookup(object.metadata(), &[field]) {
            None => {}
            Some(Value::Object(entries)) => {
                for (key, value) in entries.iter().filter(|(_, v)| !v.is_string()) {
                    let at = palisade_policy_sdk::pointer::join("/metadata", &[field, key]);
                    out.push((at, format!("sets metadata.{field}.{key} to {}, not a string", show(value))));
                }
            }
            Some(other) => {
                out.push((
                    format!("/metadata/{field}"),
                    format!("sets metadata.{field} to {}, not a map", show(other)),
                ));
            }
        }
    }
    out
}

/// `containers[2]` for a pointer ending in `/containers/2`.
fn position(pointer: &str) -> String {
    let mut tokens = pointer.rsplit('/');
    let (index, list) = (tokens.next().unwrap_or_default(), tokens.next().unwrap_or_default());
    format!("{list}[{index}]")
}

/// The structural problems of an object's containers, as `(pointer, problem)`.
fn container_problems(object: &Resource) -> Vec<(String, String)> {
    let Some(pod) = pod_spec(object) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen: HashMap<&str, String> = HashMap::new();
    for container in pod.containers() {
        let label = container.label();
        match container.get("name").and_then(Value::as_str) {
            None => {
                out.push((container.at(&["name"]), format!("sets {} without a name", position(&container.pointer()))));
            }
            Some(name) if !is_dns_label(name) => {
                out.push((container.at(&["name"]), format!("{label} has an invalid name")));
            }
            Some(name) => {
                if let Some(first) = seen.insert(name, position(&container.pointer())) {
                    out.push((container.at(&["name"]), format!("{label} reuses the name of {first}")));
                }
            }
        }
        if container.get("image").and_then(Value::as_str).is_none_or(str::is_empty) {
            out.push((container.at(&["image"]), format!("{label} has no image")));
        }
        for (j, port) in items(container.get("ports")) {
            let number = lookup(port, &["containerPort"]);
            if !number.and_then(Value::as_u64).is_some_and(|n| (1..=65535).contains(&n)) {
                let shown = number.map_or_else(|| "nothing".to_string(), show);
                out.push((
                    container.at(&["ports", &j, "containerPort"]),
                    format!("{label} sets ports[{j}].containerPort to {shown}, not a port number"),
                ));
            }
        }
    }
    out
}

/// [`SCHEMA_VALIDATION`].
pub(crate) fn schema_validation(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .flat_map(|object| {
            let mut problems = metadata_problems(object);
            problems.extend(container_problems(object));
            problems.into_iter().map(move |(at, what)| report(&SCHEMA_VALIDATION, object, at, what))
        })
        .collect()
}

/// [`SORTED_KEYS`]: key order is not visible here; see the rule's docs.
pub(crate) fn sorted_keys(_: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    Vec::new()
}

/// [`DUPLICATE_OBJECT`].
pub(crate) fn duplicate_object(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut seen: HashSet<(&str, &str, Option<&str>, &str)> = HashSet::new();
    resources
        .iter()
        .filter(|r| !r.name().is_empty())
        .filter_map(|object| {
            let key = (api_group(object.api_version()), object.kind(), scope(object), object.name());
            (!seen.insert(key)).then(|| {
                let place = scope(object).map_or_else(String::new, |ns| format!(" in namespace \"{ns}\""));
                report(
                    &DUPLICATE_OBJECT,
                    object,
                    "/metadata/name",
                    format_args!(
                        "\"{}\"{place} is defined more than once; this definition replaces an earlier one",
                        object.name()
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, object, pod, run};
    use palisade_policy_sdk::json;

    #[test]
    fn deprecated_api_version_knows_removed_versions() {
        let docs = vec![
            object("extensions/v1beta1", "Ingress", "a", json!({})),
            object("extensions/v1beta1", "Deployment", "b", json!({})),
            object("policy/v1beta1", "PodDisruptionBudget", "c", json!({})),
            object("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "d", json!({})),
            object("apps/v1", "Deployment", "e", json!({})),
            object("networking.k8s.io/v1", "Ingress", "f", json!({})),
        ];
        let id = "deprecated-api-version";
        let at = || "/apiVersion".to_string();
        assert_eq!(
            run(deprecated_api_version, docs, &json!({})),
            vec![
                (
                    0,
                    id,
                    at(),
                    "Ingress uses apiVersion extensions/v1beta1, removed in Kubernetes 1.22; use networking.k8s.io/v1"
                        .into()
                ),
                (
                    1,
                    id,
                    at(),
                    "Deployment uses apiVersion extensions/v1beta1, removed in Kubernetes 1.16; use apps/v1".into()
                ),
                (
                    2,
                    id,
                    at(),
                    "PodDisruptionBudget uses apiVersion policy/v1beta1, removed in Kubernetes 1.25; use policy/v1"
                        .into()
                ),
                (
                    3,
                    id,
                    at(),
                    "FlowSchema uses apiVersion flowcontrol.apiserver.k8s.io/v1beta2, removed in Kubernetes 1.29; use \
                     flowcontrol.apiserver.k8s.io/v1"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn names_follow_dns_rules() {
        assert!(is_dns_label("web-1") && !is_dns_label("Web") && !is_dns_label("-a") && !is_dns_label(&"a".repeat(64)));
        assert!(is_dns_subdomain("a.b-c.d") && !is_dns_subdomain("a..b") && !is_dns_subdomain("a.B"));
        assert!(is_dns_subdomain(&"a".repeat(100)) && !is_dns_subdomain(&"a".repeat(254)));
        assert!(is_object_name("ClusterRole", "system:metrics") && !is_object_name("ConfigMap", "system:metrics"));
    }

    #[test]
    fn schema_validation_reports_structural_problems() {
        let mut doc = pod(json!({"containers": [
            {"name": "app", "image": "nginx:1", "ports": [{"containerPort": 8080}, {"containerPort": "http"}]},
            {"name": "app", "image": ""},
            {"image": "nginx:1"},
            {"name": "Bad_Name", "image": "nginx:1"}
        ]}));
        doc["metadata"]["name"] = json!("Web");
        doc["metadata"]["namespace"] = json!("my_ns");
        doc["metadata"]["labels"] = json!({"version": 2});
        let id = "schema-validation";
        let expected = [
            ("/metadata/name", "Pod sets metadata.name: Web, not a valid name"),
            ("/metadata/namespace", "Pod sets metadata.namespace: my_ns, not a valid namespace"),
            ("/metadata/labels/version", "Pod sets metadata.labels.version to 2, not a string"),
            (
                "/spec/containers/0/ports/1/containerPort",
                "Pod container \"app\" sets ports[1].containerPort to http, not a port number",
            ),
            ("/spec/containers/1/name", "Pod container \"app\" reuses the name of containers[0]"),
            ("/spec/containers/1/image", "Pod container \"app\" has no image"),
            ("/spec/containers/2/name", "Pod sets containers[2] without a name"),
            ("/spec/containers/3/name", "Pod container \"Bad_Name\" has an invalid name"),
        ];
        let expected: Vec<_> = expected.iter().map(|(p, m)| (id, *p, *m)).collect();
        assert_findings(schema_validation, doc, &expected);
        let ok = pod(json!({"containers": [{"name": "app", "image": "nginx:1", "ports": [{"containerPort": 80}]}]}));
        assert_findings(schema_validation, ok, &[]);
        let generated = object("batch/v1", "Job", "", json!({"metadata": {"generateName": "job-"}}));
        assert_findings(schema_validation, generated, &[]);
    }

    #[test]
    fn sorted_keys_reports_nothing() {
        assert_findings(sorted_keys, object("v1", "ConfigMap", "c", json!({"data": {"b": "1", "a": "2"}})), &[]);
    }

    #[test]
    fn duplicate_object_compares_group_kind_namespace_and_name() {
        let mut other_ns = object("v1", "ConfigMap", "cfg", json!({}));
        other_ns["metadata"]["namespace"] = json!("demo");
        let docs = vec![
            object("v1", "ConfigMap", "cfg", json!({})),
            object("v1", "Secret", "cfg", json!({})),
            other_ns.clone(),
            object("apps/v1", "Deployment", "web", json!({})),
            object("apps/v1beta2", "Deployment", "web", json!({})),
            object("v1", "ConfigMap", "cfg", json!({})),
            other_ns,
        ];
        let id = "duplicate-object";
        let at = || "/metadata/name".to_string();
        assert_eq!(
            run(duplicate_object, docs, &json!({})),
            vec![
                (4, id, at(), "Deployment \"web\" is defined more than once; this definition replaces an earlier one".into()),
                (5, id, at(), "ConfigMap \"cfg\" is defined more than once; this definition replaces an earlier one".into()),
                (
                    6,
                    id,
                    at(),
                    "ConfigMap \"cfg\" in namespace \"demo\" is defined more than once; this definition replaces an earlier one"
                        .into()
                ),
            ]
        );
    }
}
