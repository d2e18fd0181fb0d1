//! Helpers for the rule tests: manifests and exact finding assertions.

use crate::context::Ctx;
use palisade_policy_sdk::{Resource, Value, json};

use crate::Check;
use crate::settings::Settings;

/// A Pod named `web` with `spec`.
pub(crate) fn pod(spec: Value) -> Value {
    with(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"}}), "/spec", spec)
}

/// A Pod named `web` with pod `annotations` and `spec`.
pub(crate) fn annotated_pod(annotations: Value, spec: Value) -> Value {
    with(pod(spec), "/metadata/annotations", annotations)
}

/// A Deployment named `web` whose pod template has `spec`.
pub(crate) fn deployment(spec: Value) -> Value {
    let doc = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}});
    with(doc, "/spec/template/spec", spec)
}

/// An object of `kind` (`apiVersion` `api_version`) named `name`, with the top-level `fields` (and
/// `metadata` entries) merged in.
pub(crate) fn object(api_version: &str, kind: &str, name: &str, fields: Value) -> Value {
    let mut doc = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}});
    let Value::Object(fields) = fields else {
        return doc;
    };
    for (key, value) in fields {
        match (key.as_str(), value) {
            ("metadata", Value::Object(meta)) => {
                for (k, v) in meta {
                    doc["metadata"][k] = v;
                }
            }
            (_, value) => doc[key] = value,
        }
    }
    doc
}

/// A Role or ClusterRole (`kind`) named `r` with `rules`.
pub(crate) fn role(kind: &str, rules: Value) -> Value {
    let mut doc = object("rbac.authorization.k8s.io/v1", kind, "r", Value::Null);
    doc["rules"] = rules;
    doc
}

/// An object of `kind` named `name` with `spec`.
pub(crate) fn with_spec(api_version: &str, kind: &str, name: &str, spec: Value) -> Value {
    let mut doc = object(api_version, kind, name, Value::Null);
    doc["spec"] = spec;
    doc
}

/// One RBAC rule.
pub(crate) fn rbac_rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

/// `doc` with `value` moved in at `pointer`, whose parent must exist.
fn with(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, field) = pointer.rsplit_once('/').unwrap();
    doc.pointer_mut(parent).unwrap()[field] = value;
    doc
}

/// Runs `check` over `docs` (indexes 0, 1, ...) with `settings` and returns
/// `(resource, rule, path, message)` for every finding, in order.
pub(crate) fn run(check: Check, docs: Vec<Value>, settings: &Value) -> Vec<(u32, &'static str, String, String)> {
    let resources: Vec<Resource> = docs.into_iter().zip(0..).map(|(json, index)| Resource::new(index, json)).collect();
    let settings = Settings::parse(settings).unwrap();
    check(&Ctx::new(&resources), &settings).into_iter().map(|f| (f.resource, f.rule, f.path, f.message)).collect()
}

/// Asserts that `check` on the single resource `doc` with `settings` reports exactly `expected`
/// `(rule, path, message)` triples, in order.
pub(crate) fn assert_findings_with(check: Check, doc: Value, settings: &Value, expected: &[(&str, &str, &str)]) {
    let got = run(check, vec![doc], settings);
    let expected: Vec<_> = expected.iter().map(|(r, p, m)| (0, *r, (*p).to_string(), (*m).to_string())).collect();
    assert_eq!(got, expected);
}

/// [`assert_findings_with`] with default settings.
pub(crate) fn assert_findings(check: Check, doc: Value, expected: &[(&str, &str, &str)]) {
    assert_findings_with(check, doc, &json!({}), expected);
}
