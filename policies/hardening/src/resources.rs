//! Resource requests and limits (checks.md §1.7, area `resources`).
//!
//! Init and regular containers are checked; ephemeral containers cannot set resources. A value set
//! in the pod-level `spec.resources` (Kubernetes 1.32+) stands for every container. Quantities are
//! compared as numbers (`1` equals `1000m`), and a value that is not a valid quantity, or zero,
//! counts as not set.

use crate::context::Ctx;
use std::collections::HashSet;

use palisade_policy_sdk::workload::ContainerKind;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use crate::index::{Pods, WorkloadNamespace};
use crate::objects::{namespace, show};
use crate::pod_security::{Inherit, Subject, Visit, visit};
use crate::quantity::{Quantity, Written};
use crate::settings::Settings;

/// Catalog area of every rule here.
const CATEGORY: &str = "resources";

/// Row 115: a container has no `resources.requests.cpu`. (Polaris skips init containers; kube-linter
/// and Checkov do not.)
pub(crate) const CPU_REQUESTS: RuleDef = RuleDef {
    id: "cpu-requests",
    title: "Container has no CPU request",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `resources.requests.cpu` on every container, for example `resources: {requests: {cpu: 100m}}`.",
    standards: &[
        "kube-linter:unset-cpu-requirements",
        "polaris:cpuRequestsMissing",
        "kube-score:container-resources",
        "checkov:CKV_K8S_10",
        "kubescape:C-0268",
        "kubescape:C-0050",
    ],
    enabled_by_default: true,
};

/// Row 116: a container has no `resources.limits.cpu`.
pub(crate) const CPU_LIMITS: RuleDef = RuleDef {
    id: "cpu-limits",
    title: "Container has no CPU limit",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `resources.limits.cpu` on every container, for example `resources: {limits: {cpu: 500m}}`.",
    standards: &[
        "kube-linter:unset-cpu-requirements",
        "polaris:cpuLimitsMissing",
        "kube-score:container-resources",
        "checkov:CKV_K8S_11",
        "kubescape:C-0270",
        "kubescape:C-0050",
        "kubescape:C-0009",
    ],
    enabled_by_default: true,
};

/// Row 117: a container has no `resources.requests.memory`.
pub(crate) const MEMORY_REQUESTS: RuleDef = RuleDef {
    id: "memory-requests",
    title: "Container has no memory request",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `resources.requests.memory` on every container, for example `resources: {requests: {memory: \
                  128Mi}}`.",
    standards: &[
        "kube-linter:unset-memory-requirements",
        "polaris:memoryRequestsMissing",
        "kube-score:container-resources",
        "checkov:CKV_K8S_12",
        "kubescape:C-0269",
        "kubescape:C-0004",
    ],
    enabled_by_default: true,
};

/// Row 118: a container has no `resources.limits.memory`.
pub(crate) const MEMORY_LIMITS: RuleDef = RuleDef {
    id: "memory-limits",
    title: "Container has no memory limit",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `resources.limits.memory` on every container, for example `resources: {limits: {memory: 256Mi}}`.",
    standards: &[
        "kube-linter:unset-memory-requirements",
        "polaris:memoryLimitsMissing",
        "kube-score:container-resources",
        "checkov:CKV_K8S_13",
        "kubescape:C-0271",
        "kubescape:C-0004",
        "kubescape:C-0009",
    ],
    enabled_by_default: true,
};

/// Row 119: a container's CPU or memory request differs from its limit (the pod is then not of the Guaranteed quality of service class). A
/// request without a limit differs; a limit without a request does not (the request defaults to it).
pub(crate) const REQUESTS_EQUAL_LIMITS: RuleDef = RuleDef {
    id: "requests-equal-limits",
    title: "Container requests differ from limits",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set `resources.requests` equal to `resources.limits` for cpu and memory, for example `resources: \
                  {requests: {cpu: 500m, memory: 256Mi}, limits: {cpu: 500m, memory: 256Mi}}`.",
    standards: &[
        "kube-score:container-resource-requests-equal-limits",
        "kube-score:container-cpu-requests-equal-limits",
        "kube-score:container-memory-requests-equal-limits",
    ],
    enabled_by_default: false,
};

/// Row 120: a container lacks an `ephemeral-storage` request or limit.
pub(crate) const EPHEMERAL_STORAGE_SET: RuleDef = RuleDef {
    id: "ephemeral-storage-set",
    title: "Container has no ephemeral-storage request or limit",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `resources: {requests: {ephemeral-storage: 1Gi}, limits: {ephemeral-storage: 2Gi}}` on every \
                  container.",
    standards: &["kube-score:container-ephemeral-storage-request-and-limit"],
    enabled_by_default: false,
};

/// Row 121: a container's `ephemeral-storage` request differs from its limit (as in row 119).
pub(crate) const EPHEMERAL_STORAGE_EQUAL: RuleDef = RuleDef {
    id: "ephemeral-storage-equal",
    title: "Container ephemeral-storage request differs from limit",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set `resources.requests.ephemeral-storage` equal to `resources.limits.ephemeral-storage`.",
    standards: &["kube-score:container-ephemeral-storage-request-equals-limit"],
    enabled_by_default: false,
};

/// Row 122: a container's CPU or memory request or limit lies outside the `resourceRanges` setting
/// (no bound is set by default, and unset bounds are not checked).
pub(crate) const RESOURCES_WITHIN_BOUNDS: RuleDef = RuleDef {
    id: "resources-within-bounds",
    title: "Container resources outside the allowed range",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Keep `resources.requests` and `resources.limits` within the ranges of the `resourceRanges` setting, for \
                  example `resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: \"1\", memory: 512Mi}}`.",
    standards: &["kubescape:C-0004", "kubescape:C-0050", "kubescape:C-0303"],
    enabled_by_default: false,
};

/// Row 123: a namespace with workloads has no LimitRange (defaults for containers without resources).
pub(crate) const LIMITRANGE_PRESENT: RuleDef = RuleDef {
    id: "limitrange-present",
    title: "Namespace has no LimitRange",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Ship a `kind: LimitRange` with `spec.limits: [{type: Container, default: {cpu: 500m, memory: 256Mi}, \
                  defaultRequest: {cpu: 100m, memory: 128Mi}}]` in the namespace.",
    standards: &["kubescape:C-0009"],
    enabled_by_default: false,
};

/// Runs `check` on every init and regular container.
fn each_container<I>(resources: &Ctx<'_>, check: impl Fn(&Subject<'_, '_>) -> I) -> Vec<Finding>
where
    I: IntoIterator<Item = Finding>,
{
    visit(resources, Visit::Containers, |c| {
        let ephemeral = c.container.is_some_and(|c| c.kind == ContainerKind::Ephemeral);
        if ephemeral { Vec::new() } else { check(c).into_iter().collect() }
    })
}

/// A usable quantity: valid and not zero.
fn usable(value: &Value) -> Option<Quantity> {
    Quantity::from_value(value).filter(|q| !q.is_zero())
}

/// The container's usable `resources.<kind>.<name>`, or the pod's, with its value.
fn amount<'a>(c: &Subject<'_, 'a>, kind: &str, name: &str) -> Option<(Quantity, &'a Value)> {
    let setting = c.resolve(&["resources", kind, name], Inherit::Field)?;
    usable(setting.value).map(|q| (q, setting.value))
}

/// Reports containers without a usable `resources.<kind>.<name>` (see [`amount`]).
fn require(rule: &RuleDef, resources: &Ctx<'_>, kind: &str, name: &str) -> Vec<Finding> {
    each_container(resources, |c| {
        let pod_level = Subject::pod(c.pod).get(&["resources", kind, name]).is_some_and(|v| usable(v).is_some());
        if pod_level {
            return None;
        }
        c.judge(rule, &["resources", kind, name], Inherit::No, |v| usable(v).is_some(), Some(""))
    })
}

/// [`CPU_REQUESTS`].
pub(crate) fn cpu_requests(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require(&CPU_REQUESTS, resources, "requests", "cpu")
}

/// [`CPU_LIMITS`].
pub(crate) fn cpu_limits(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require(&CPU_LIMITS, resources, "limits", "cpu")
}

/// [`MEMORY_REQUESTS`].
pub(crate) fn memory_requests(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require(&MEMORY_REQUESTS, resources, "requests", "memory")
}

/// [`MEMORY_LIMITS`].
pub(crate) fn memory_limits(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require(&MEMORY_LIMITS, resources, "limits", "memory")
}

/// Reports containers whose request of each of `names` differs from their limit.
fn require_equal(rule: &RuleDef, resources: &Ctx<'_>, names: &[&str]) -> Vec<Finding> {
    each_container(resources, |c| {
        names
            .iter()
            .filter_map(|name| {
                let (request, shown) = amount(c, "requests", name)?;
                match amount(c, "limits", name) {
                    Some((limit, _)) if limit == request => None,
                    Some((_, limit)) => Some(c.report(
                        rule,
                        &["resources", "requests", name],
                        format_args!("requests {name} {} but is limited to {}", show(shown), show(limit)),
                    )),
                    None => Some(c.report(
                        rule,
                        &["resources", "limits", name],
                        format_args!("requests {name} {} without a limit", show(shown)),
                    )),
                }
            })
            .collect::<Vec<_>>()
    })
}

/// [`REQUESTS_EQUAL_LIMITS`].
pub(crate) fn requests_equal_limits(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_equal(&REQUESTS_EQUAL_LIMITS, resources, &["cpu", "memory"])
}

/// [`EPHEMERAL_STORAGE_SET`].
pub(crate) fn ephemeral_storage_set(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = require(&EPHEMERAL_STORAGE_SET, resources, "requests", "ephemeral-storage");
    out.extend(require(&EPHEMERAL_STORAGE_SET, resources, "limits", "ephemeral-storage"));
    out.sort_by_key(|f| (f.resource, f.path.clone()));
    out
}

/// [`EPHEMERAL_STORAGE_EQUAL`].
pub(crate) fn ephemeral_storage_equal(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_equal(&EPHEMERAL_STORAGE_EQUAL, resources, &["ephemeral-storage"])
}

/// [`RESOURCES_WITHIN_BOUNDS`].
pub(crate) fn resources_within_bounds(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let r = &settings.resource_ranges;
    let bounds: [(&str, &str, &Option<Written>, &Option<Written>); 4] = [
        ("requests", "cpu", &r.cpu_request_min, &r.cpu_request_max),
        ("limits", "cpu", &r.cpu_limit_min, &r.cpu_limit_max),
        ("requests", "memory", &r.memory_request_min, &r.memory_request_max),
        ("limits", "memory", &r.memory_limit_min, &r.memory_limit_max),
    ];
    if bounds.iter().all(|(_, _, min, max)| min.is_none() && max.is_none()) {
        return Vec::new();
    }
    each_container(resources, |c| {
        bounds
            .iter()
            .filter_map(|(kind, name, min, max)| {
                let tokens = ["resources", kind, name];
                let setting = c.resolve(&tokens, Inherit::Field)?;
                let value = Quantity::from_value(setting.value)?;
                let (side, bound) = match (min, max) {
                    (Some(min), _) if value < min.value => ("below the minimum", min),
                    (_, Some(max)) if value > max.value => ("above the maximum", max),
                    _ => return None,
                };
                let verb = if *kind == "requests" { "requests" } else { "is limited to" };
                Some(c.finding(
                    &RESOURCES_WITHIN_BOUNDS,
                    c.pointer_to(&setting, &tokens),
                    format_args!("{verb} {name} {}, {side} {bound}", show(setting.value)),
                ))
            })
            .collect::<Vec<_>>()
    })
}

/// [`LIMITRANGE_PRESENT`].
pub(crate) fn limitrange_present(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let limited: HashSet<Option<&str>> = resources.iter().filter(|r| r.kind() == "LimitRange").map(namespace).collect();
    let pods = Pods::new(resources);
    WorkloadNamespace::all(resources, &pods)
        .iter()
        .filter(|ns| !limited.contains(&ns.name))
        .map(|ns| ns.finding(&LIMITRANGE_PRESENT, "has no LimitRange"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, deployment, object, pod, run};
    use palisade_policy_sdk::json;

    fn containers(list: Value) -> Value {
        let mut doc = pod(json!({}));
        doc["spec"]["containers"] = list;
        doc
    }

    #[test]
    fn cpu_and_memory_require_usable_values() {
        let doc = containers(json!([
            {"name": "none"},
            {"name": "zero", "resources": {"requests": {"cpu": "0", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "lots"}}},
            {"name": "ok", "resources": {"requests": {"cpu": 0.1, "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}}}
        ]));
        assert_findings(
            cpu_requests,
            doc.clone(),
            &[
                (
                    "cpu-requests",
                    "/spec/containers/0/resources/requests/cpu",
                    "container \"none\" does not set resources.requests.cpu",
                ),
                (
                    "cpu-requests",
                    "/spec/containers/1/resources/requests/cpu",
                    "container \"zero\" sets resources.requests.cpu: 0",
                ),
            ],
        );
        assert_findings(
            cpu_limits,
            doc.clone(),
            &[(
                "cpu-limits",
                "/spec/containers/0/resources/limits/cpu",
                "container \"none\" does not set resources.limits.cpu",
            )],
        );
        assert_findings(
            memory_requests,
            doc.clone(),
            &[(
                "memory-requests",
                "/spec/containers/0/resources/requests/memory",
                "container \"none\" does not set resources.requests.memory",
            )],
        );
        assert_findings(
            memory_limits,
            doc,
            &[
                (
                    "memory-limits",
                    "/spec/containers/0/resources/limits/memory",
                    "container \"none\" does not set resources.limits.memory",
                ),
                (
                    "memory-limits",
                    "/spec/containers/1/resources/limits/memory",
                    "container \"zero\" sets resources.limits.memory: lots",
                ),
            ],
        );
    }

    #[test]
    fn resources_checks_skip_ephemeral_containers_and_accept_pod_level_values() {
        let doc = pod(json!({"resources": {"requests": {"cpu": "1"}},
            "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "100m"}}}],
            "containers": [{"name": "app"}], "ephemeralContainers": [{"name": "debug"}]}));
        assert_findings(cpu_requests, doc.clone(), &[]);
        assert_findings(
            memory_requests,
            doc,
            &[
                (
                    "memory-requests",
                    "/spec/initContainers/0/resources/requests/memory",
                    "init container \"init\" does not set resources.requests.memory",
                ),
                (
                    "memory-requests",
                    "/spec/containers/0/resources/requests/memory",
                    "container \"app\" does not set resources.requests.memory",
                ),
            ],
        );
    }

    #[test]
    fn requests_equal_limits_compares_quantities() {
        let doc = containers(json!([
            {"name": "equal", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1000m", "memory": "1024Mi"}}},
            {"name": "burst", "resources": {"requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {"cpu": "200m"}}},
            {"name": "limit-only", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}
        ]));
        assert_findings(
            requests_equal_limits,
            doc,
            &[
                (
                    "requests-equal-limits",
                    "/spec/containers/1/resources/requests/cpu",
                    "container \"burst\" requests cpu 100m but is limited to 200m",
                ),
                (
                    "requests-equal-limits",
                    "/spec/containers/1/resources/limits/memory",
                    "container \"burst\" requests memory 1Gi without a limit",
                ),
            ],
        );
    }

    #[test]
    fn ephemeral_storage_rules() {
        let doc = containers(json!([
            {"name": "none"},
            {"name": "differs", "resources": {"requests": {"ephemeral-storage": "1Gi"}, "limits": {"ephemeral-storage": "2Gi"}}},
            {"name": "equal", "resources": {"requests": {"ephemeral-storage": "1Gi"}, "limits": {"ephemeral-storage": "1Gi"}}}
        ]));
        assert_findings(
            ephemeral_storage_set,
            doc.clone(),
            &[
                (
                    "ephemeral-storage-set",
                    "/spec/containers/0/resources/limits/ephemeral-storage",
                    "container \"none\" does not set resources.limits.ephemeral-storage",
                ),
                (
                    "ephemeral-storage-set",
                    "/spec/containers/0/resources/requests/ephemeral-storage",
                    "container \"none\" does not set resources.requests.ephemeral-storage",
                ),
            ],
        );
        assert_findings(
            ephemeral_storage_equal,
            doc,
            &[(
                "ephemeral-storage-equal",
                "/spec/containers/1/resources/requests/ephemeral-storage",
                "container \"differs\" requests ephemeral-storage 1Gi but is limited to 2Gi",
            )],
        );
    }

    #[test]
    fn resources_within_bounds_follows_the_ranges() {
        let doc = deployment(json!({"containers": [
            {"name": "small", "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"cpu": "4", "memory": "1Gi"}}},
            {"name": "fits", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}}
        ]}));
        assert_findings(resources_within_bounds, doc.clone(), &[]);
        let ranges = json!({"resourceRanges": {"cpuRequestMin": "50m", "cpuLimitMax": 2, "memoryRequestMin": "128Mi", "memoryLimitMax": "0.5Gi"}});
        assert_findings_with(
            resources_within_bounds,
            doc,
            &ranges,
            &[
                (
                    "resources-within-bounds",
                    "/spec/template/spec/containers/0/resources/requests/cpu",
                    "container \"small\" requests cpu 10m, below the minimum 50m",
                ),
                (
                    "resources-within-bounds",
                    "/spec/template/spec/containers/0/resources/limits/cpu",
                    "container \"small\" is limited to cpu 4, above the maximum 2",
                ),
                (
                    "resources-within-bounds",
                    "/spec/template/spec/containers/0/resources/requests/memory",
                    "container \"small\" requests memory 64Mi, below the minimum 128Mi",
                ),
                (
                    "resources-within-bounds",
                    "/spec/template/spec/containers/0/resources/limits/memory",
                    "container \"small\" is limited to memory 1Gi, above the maximum 0.5Gi",
                ),
            ],
        );
    }

    #[test]
    fn limitrange_present_looks_per_namespace() {
        let mut demo = deployment(json!({"containers": [{"name": "app"}]}));
        demo["metadata"]["namespace"] = json!("demo");
        let mut range = object("v1", "LimitRange", "limits", json!({"spec": {"limits": []}}));
        range["metadata"]["namespace"] = json!("demo");
        let docs = vec![deployment(json!({"containers": []})), demo, range];
        assert_eq!(
            run(limitrange_present, docs, &json!({})),
            vec![(
                0,
                "limitrange-present",
                "/metadata/namespace".into(),
                "Deployment runs in the release namespace, which has no LimitRange".into()
            )]
        );
    }
}
