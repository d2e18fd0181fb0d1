//! Reading Kubernetes objects as JSON: fields, lists, names, namespaces and findings about whole
//! objects, shared by every area.
//!
//! Namespaces follow one convention everywhere: an object without `metadata.namespace` (or with an
//! empty one) lives in the release namespace, which the rendered manifests do not name. Such
//! objects are in namespace `None`, equal to each other and to nothing else, and a namespaced
//! reference resolves only among objects with the same namespace value.

use std::fmt::Display;

use palisade_policy_sdk::{Finding, Resource, RuleDef, Value, pointer};
use serde_json::Map;

/// `tokens` below `value`; `null` counts as absent.
pub(crate) fn lookup<'a>(value: &'a Value, tokens: &[&str]) -> Option<&'a Value> {
    tokens.iter().try_fold(value, |v, t| v.get(*t)).filter(|v| !v.is_null())
}

/// A value as it reads in YAML, for messages: strings bare (quoted when empty), arrays in flow
/// style, the rest as JSON.
pub(crate) fn show(value: &Value) -> String {
    match value {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// Runs `check` on every resource of `kind` (objects that carry no pod: Service, Namespace, ...).
pub(crate) fn each_of_kind<'a, I>(
    resources: &'a [Resource],
    kind: &str,
    check: impl FnMut(&'a Resource) -> I,
) -> Vec<Finding>
where
    I: IntoIterator<Item = Finding>,
{
    resources.iter().filter(|r| r.kind() == kind).flat_map(check).collect()
}

/// The elements of an array field, with their indexes as pointer tokens.
pub(crate) fn items(value: Option<&Value>) -> impl Iterator<Item = (String, &Value)> {
    value.and_then(Value::as_array).into_iter().flatten().enumerate().map(|(i, v)| (i.to_string(), v))
}

/// The string elements of an array field (other elements are skipped).
pub(crate) fn strings(value: Option<&Value>) -> Vec<&str> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect()
}

/// A string field below `value`, `""` when absent or not a string.
pub(crate) fn text<'a>(value: &'a Value, tokens: &[&str]) -> &'a str {
    lookup(value, tokens).and_then(Value::as_str).unwrap_or("")
}

/// An object field below `value`.
pub(crate) fn map<'a>(value: &'a Value, tokens: &[&str]) -> Option<&'a Map<String, Value>> {
    lookup(value, tokens).and_then(Value::as_object)
}

/// The namespace of an object: `metadata.namespace`, `None` when unset or empty (the release
/// namespace, see the module docs).
pub(crate) fn namespace(resource: &Resource) -> Option<&str> {
    resource.namespace().filter(|ns| !ns.is_empty())
}

/// The API group of an `apiVersion`: `apps` for `apps/v1`, `""` for the core `v1`.
pub(crate) fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// `Kind "name"`, for messages that name another object.
pub(crate) fn describe(resource: &Resource) -> String {
    format!("{} \"{}\"", resource.kind(), resource.name())
}

/// A finding about a whole object at `pointer`, whose message starts with the object's kind
/// (`Service sets spec.type: NodePort`), as the pod security rules start with `pod` or a container.
pub(crate) fn report(rule: &RuleDef, resource: &Resource, pointer: impl Into<String>, what: impl Display) -> Finding {
    rule.finding(resource.index, pointer, format!("{} {what}", resource.kind()))
}

/// Judges the field at `tokens` of a whole object, as `Subject::judge` does for pods: `None` when
/// `ok` accepts its value, or when it is unset and `missing` is `None`; otherwise `Kind sets a.b: v`
/// at the value, or `Kind does not set a.b<missing>` at the field to set.
pub(crate) fn judge(
    rule: &RuleDef,
    resource: &Resource,
    tokens: &[&str],
    ok: impl Fn(&Value) -> bool,
    missing: Option<&str>,
) -> Option<Finding> {
    let field = tokens.join(".");
    let at = pointer::join("", tokens);
    match lookup(resource.json(), tokens) {
        Some(value) if ok(value) => None,
        Some(value) => Some(report(rule, resource, at, format_args!("sets {field}: {}", show(value)))),
        None => missing.map(|wanted| report(rule, resource, at, format_args!("does not set {field}{wanted}"))),
    }
}

/// Kinds of cluster-scoped objects: their namespace is meaningless.
const CLUSTER_SCOPED: [&str; 28] = [
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "GatewayClass",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SecurityContextConstraints",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// Whether objects of `kind` are cluster-scoped.
pub(crate) fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    #[test]
    fn show_reads_like_yaml() {
        assert_eq!(show(&json!("Unconfined")), "Unconfined");
        assert_eq!(show(&json!("")), "\"\"");
        assert_eq!(show(&json!(0)), "0");
        assert_eq!(show(&json!(true)), "true");
        assert_eq!(show(&json!(["NET_RAW", 1, ""])), "[NET_RAW, 1, \"\"]");
        assert_eq!(show(&json!({})), "{}");
    }

    #[test]
    fn namespaces_groups_and_names() {
        let r = |json| Resource::new(0, json);
        assert_eq!(namespace(&r(json!({"metadata": {"namespace": "demo"}}))), Some("demo"));
        assert_eq!(namespace(&r(json!({"metadata": {"namespace": ""}}))), None);
        assert_eq!(namespace(&r(json!({"metadata": {}}))), None);
        assert_eq!((api_group("apps/v1"), api_group("v1"), api_group("")), ("apps", "", ""));
        assert_eq!(describe(&r(json!({"kind": "Service", "metadata": {"name": "web"}}))), "Service \"web\"");
        assert!(is_cluster_scoped("ClusterRole") && is_cluster_scoped("GatewayClass") && !is_cluster_scoped("Role"));
    }

    #[test]
    fn fields_read_leniently() {
        let v = json!({"a": {"b": "x", "n": null, "list": ["p", 1, "q"], "m": {"k": "v"}}});
        assert_eq!(text(&v, &["a", "b"]), "x");
        assert_eq!(text(&v, &["a", "n"]), "");
        assert_eq!(strings(lookup(&v, &["a", "list"])), ["p", "q"]);
        assert_eq!(map(&v, &["a", "m"]).map(Map::len), Some(1));
        assert_eq!(map(&v, &["a", "b"]), None);
    }
}
