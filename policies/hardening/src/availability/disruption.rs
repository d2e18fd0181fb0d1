//! PodDisruptionBudgets: presence for replicated workloads, a policy that allows evictions, and
//! agreement with autoscalers.
//!
//! A budget's `spec.selector` is read as the API does: unset selects no pod; `{}` selects every pod
//! of the namespace in `policy/v1` and none in `policy/v1beta1`.

use crate::context::Ctx;
use std::collections::HashSet;

use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value};

use super::{Autoscalers, CATEGORY, REPLICATED, hpa_min, replicas};
use crate::index::Pods;
use crate::objects::{describe, judge, lookup, namespace, report, show};
use crate::selector::Selector;
use crate::settings::Settings;

/// Row 133: a replicated workload that runs (or may scale to) two pods or more is selected by no
/// PodDisruptionBudget. Every replicated kind is checked (Deployment, StatefulSet, ReplicaSet,
/// ReplicationController, DeploymentConfig, Rollout), not only Deployments and StatefulSets: a
/// voluntary eviction takes down their pods just the same.
pub(crate) const PDB_PRESENT: RuleDef = RuleDef {
    id: "pdb-present",
    title: "Replicated workload has no PodDisruptionBudget",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Ship a PodDisruptionBudget that selects the workload's pods: `spec: {maxUnavailable: 1, selector: \
                  {matchLabels: {app: my-app}}}`.",
    standards: &[
        "polaris:missingPodDisruptionBudget",
        "kube-score:deployment-has-poddisruptionbudget",
        "kube-score:statefulset-has-poddisruptionbudget",
    ],
    enabled_by_default: true,
};

/// Row 134: a PodDisruptionBudget sets neither `minAvailable` nor `maxUnavailable`.
pub(crate) const PDB_HAS_POLICY: RuleDef = RuleDef {
    id: "pdb-has-policy",
    title: "PodDisruptionBudget sets no policy",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `spec.maxUnavailable: 1` (or `spec.minAvailable`) on the PodDisruptionBudget.",
    standards: &["kube-score:poddisruptionbudget-has-policy"],
    enabled_by_default: true,
};

/// Row 135: a PodDisruptionBudget can never allow an eviction: `maxUnavailable` is `0` or `0%`,
/// `minAvailable` is `100%`, or `minAvailable` is at least the `spec.replicas` of the workloads whose
/// pods it selects. Budgets over autoscaled workloads are left to [`PDB_MIN_AVAILABLE_VS_HPA`].
pub(crate) const PDB_ALLOWS_DISRUPTION: RuleDef = RuleDef {
    id: "pdb-allows-disruption",
    title: "PodDisruptionBudget never allows an eviction",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Let at least one pod go: `spec.maxUnavailable: 1`, or a `spec.minAvailable` below the replica count.",
    standards: &["kube-linter:pdb-max-unavailable", "kube-linter:pdb-min-available", "polaris:pdbDisruptionsIsZero"],
    enabled_by_default: true,
};

/// Row 136: a PodDisruptionBudget's integer `minAvailable` is at least the `minReplicas` of a
/// HorizontalPodAutoscaler that scales a workload whose pods it selects.
pub(crate) const PDB_MIN_AVAILABLE_VS_HPA: RuleDef = RuleDef {
    id: "pdb-min-available-vs-hpa",
    title: "PodDisruptionBudget blocks evictions at minimum scale",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set the PodDisruptionBudget's `spec.minAvailable` below the autoscaler's `spec.minReplicas`, or use \
                  `spec.maxUnavailable: 1`.",
    standards: &["polaris:pdbMinAvailableGreaterThanHPAMinReplicas"],
    enabled_by_default: true,
};

/// Row 137: a PodDisruptionBudget does not set `unhealthyPodEvictionPolicy`.
pub(crate) const PDB_UNHEALTHY_POD_EVICTION_POLICY: RuleDef = RuleDef {
    id: "pdb-unhealthy-pod-eviction-policy",
    title: "PodDisruptionBudget has no unhealthy pod eviction policy",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set `spec.unhealthyPodEvictionPolicy: AlwaysAllow` so that pods that never became ready do not block node \
                  drains.",
    standards: &["kube-linter:pdb-unhealthy-pod-eviction-policy"],
    enabled_by_default: true,
};

/// Every PodDisruptionBudget of the input.
fn budgets(resources: &[Resource]) -> impl Iterator<Item = &Resource> {
    resources.iter().filter(|r| r.kind() == "PodDisruptionBudget")
}

/// The selector of a budget, as the API reads it (see the module docs).
fn selector(pdb: &Resource) -> Option<Selector<'_>> {
    let selector = Selector::parse(lookup(pdb.json(), &["spec", "selector"])?)?;
    (!selector.is_empty() || pdb.api_version() != "policy/v1beta1").then_some(selector)
}

/// The replicated workloads whose pods a budget selects, in input order.
fn selected<'a>(pods: &Pods<'a>, pdb: &Resource) -> Vec<&'a Resource> {
    let Some(selector) = selector(pdb) else {
        return Vec::new();
    };
    let mut out: Vec<&Resource> = pods
        .select(namespace(pdb), &selector)
        .iter()
        .map(|pod| pod.resource())
        .filter(|r| REPLICATED.contains(&r.kind()))
        .collect();
    out.dedup_by_key(|r| r.index);
    out
}

/// [`PDB_PRESENT`].
pub(crate) fn pdb_present(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let pods = if budgets(resources).next().is_some() { Pods::new(resources) } else { Pods::default() };
    let hpas = Autoscalers::new(resources);
    let covered: HashSet<u32> = budgets(resources).flat_map(|pdb| selected(&pods, pdb)).map(|r| r.index).collect();
    resources
        .iter()
        .filter(|r| REPLICATED.contains(&r.kind()) && !covered.contains(&r.index))
        .filter_map(|workload| {
            let most = hpas.most_replicas(workload);
            (most >= 2).then(|| {
                report(
                    &PDB_PRESENT,
                    workload,
                    "/spec/selector",
                    format_args!("runs up to {most} replicas, but no PodDisruptionBudget selects its pods"),
                )
            })
        })
        .collect()
}

/// [`PDB_HAS_POLICY`].
pub(crate) fn pdb_has_policy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    budgets(resources)
        .filter(|pdb| ["minAvailable", "maxUnavailable"].iter().all(|f| lookup(pdb.json(), &["spec", f]).is_none()))
        .map(|pdb| {
            report(
                &PDB_HAS_POLICY,
                pdb,
                "/spec/maxUnavailable",
                "sets neither spec.minAvailable nor spec.maxUnavailable",
            )
        })
        .collect()
}

/// Whether an int-or-percent value is `n` or `n%`.
fn is(value: &Value, n: i64) -> bool {
    value.as_i64() == Some(n) || value.as_str() == Some(&format!("{n}%"))
}

/// [`PDB_ALLOWS_DISRUPTION`].
pub(crate) fn pdb_allows_disruption(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    if budgets(resources).next().is_none() {
        return Vec::new();
    }
    let pods = Pods::new(resources);
    let hpas = Autoscalers::new(resources);
    budgets(resources)
        .filter_map(|pdb| {
            if let Some(max) = lookup(pdb.json(), &["spec", "maxUnavailable"]).filter(|v| is(v, 0)) {
                let what = format!("sets spec.maxUnavailable: {}, which never allows an eviction", show(max));
                return Some(report(&PDB_ALLOWS_DISRUPTION, pdb, "/spec/maxUnavailable", what));
            }
            let min = lookup(pdb.json(), &["spec", "minAvailable"])?;
            if is(min, 100) {
                let what = "sets spec.minAvailable: 100%, which never allows an eviction";
                return Some(report(&PDB_ALLOWS_DISRUPTION, pdb, "/spec/minAvailable", what));
            }
            let min = min.as_i64()?;
            let workloads = selected(&pods, pdb);
            if workloads.is_empty() || workloads.iter().any(|w| !hpas.of(w).is_empty()) {
                return None;
            }
            let total: i64 = workloads.iter().map(|w| replicas(w)).sum();
            let names: Vec<String> = workloads.iter().map(|w| describe(w)).collect();
            (min >= total).then(|| {
                report(
                    &PDB_ALLOWS_DISRUPTION,
                    pdb,
                    "/spec/minAvailable",
                    format_args!(
                        "sets spec.minAvailable: {min}, but the pods it selects number {total} ({})",
                        names.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// [`PDB_MIN_AVAILABLE_VS_HPA`].
pub(crate) fn pdb_min_available_vs_hpa(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    if budgets(resources).next().is_none() {
        return Vec::new();
    }
    let pods = Pods::new(resources);
    let hpas = Autoscalers::new(resources);
    let mut out = Vec::new();
    for pdb in budgets(resources) {
        let Some(min) = lookup(pdb.json(), &["spec", "minAvailable"]).and_then(Value::as_i64) else {
            continue;
        };
        for hpa in selected(&pods, pdb).iter().flat_map(|w| hpas.of(w)) {
            if min >= hpa_min(hpa) {
                out.push(report(
                    &PDB_MIN_AVAILABLE_VS_HPA,
                    pdb,
                    "/spec/minAvailable",
                    format_args!(
                        "sets spec.minAvailable: {min}, not below the minReplicas {} of {}",
                        hpa_min(hpa),
                        describe(hpa)
                    ),
                ));
            }
        }
    }
    out
}

/// [`PDB_UNHEALTHY_POD_EVICTION_POLICY`].
pub(crate) fn pdb_unhealthy_pod_eviction_policy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    budgets(resources)
        .filter_map(|pdb| {
            judge(&PDB_UNHEALTHY_POD_EVICTION_POLICY, pdb, &["spec", "unhealthyPodEvictionPolicy"], |_| true, Some(""))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run, with_spec};
    use palisade_policy_sdk::json;

    fn workload(kind: &str, name: &str, replicas: Option<i64>) -> Value {
        let mut spec = json!({"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app"}]}}});
        if let Some(n) = replicas {
            spec["replicas"] = json!(n);
        }
        with_spec("apps/v1", kind, name, spec)
    }

    fn pdb(name: &str, selects: &str, policy: Value) -> Value {
        let mut spec = policy;
        spec["selector"] = json!({"matchLabels": {"app": selects}});
        with_spec("policy/v1", "PodDisruptionBudget", name, spec)
    }

    fn hpa(target: &str, min: i64, max: i64) -> Value {
        with_spec(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            target,
            json!({"scaleTargetRef": {"kind": "Deployment", "name": target}, "minReplicas": min, "maxReplicas": max}),
        )
    }

    #[test]
    fn pdb_present_covers_multi_replica_workloads() {
        let docs = vec![
            workload("Deployment", "web", Some(3)),
            workload("StatefulSet", "db", Some(2)),
            workload("Deployment", "single", None),
            workload("Deployment", "scaled", None),
            hpa("scaled", 1, 4),
            pdb("web", "web", json!({"maxUnavailable": 1})),
        ];
        let id = "pdb-present";
        assert_eq!(
            run(pdb_present, docs, &json!({})),
            vec![
                (
                    1,
                    id,
                    "/spec/selector".into(),
                    "StatefulSet runs up to 2 replicas, but no PodDisruptionBudget selects its pods".into()
                ),
                (
                    3,
                    id,
                    "/spec/selector".into(),
                    "Deployment runs up to 4 replicas, but no PodDisruptionBudget selects its pods".into()
                ),
            ]
        );
        let mut legacy = pdb("all", "x", json!({"maxUnavailable": 1}));
        legacy["apiVersion"] = json!("policy/v1beta1");
        legacy["spec"]["selector"] = json!({});
        assert_eq!(run(pdb_present, vec![workload("Deployment", "web", Some(2)), legacy], &json!({})).len(), 1);
        let mut all = pdb("all", "x", json!({"maxUnavailable": 1}));
        all["spec"]["selector"] = json!({});
        assert_eq!(run(pdb_present, vec![workload("Deployment", "web", Some(2)), all], &json!({})), vec![]);
    }

    #[test]
    fn pdb_has_policy_needs_one_field() {
        let docs = vec![pdb("none", "web", json!({})), pdb("max", "web", json!({"maxUnavailable": "25%"}))];
        assert_eq!(
            run(pdb_has_policy, docs, &json!({})),
            vec![(
                0,
                "pdb-has-policy",
                "/spec/maxUnavailable".into(),
                "PodDisruptionBudget sets neither spec.minAvailable nor spec.maxUnavailable".into()
            )]
        );
    }

    #[test]
    fn pdb_allows_disruption_reports_budgets_that_block() {
        let docs = vec![
            workload("Deployment", "web", Some(2)),
            workload("Deployment", "api", Some(3)),
            workload("Deployment", "scaled", Some(2)),
            hpa("scaled", 2, 4),
            pdb("zero", "web", json!({"maxUnavailable": "0%"})),
            pdb("full", "web", json!({"minAvailable": "100%"})),
            pdb("count", "web", json!({"minAvailable": 2})),
            pdb("fine", "api", json!({"minAvailable": 2})),
            pdb("hpa", "scaled", json!({"minAvailable": 2})),
            pdb("nothing", "gone", json!({"minAvailable": 5})),
        ];
        let id = "pdb-allows-disruption";
        assert_eq!(
            run(pdb_allows_disruption, docs, &json!({})),
            vec![
                (4, id, "/spec/maxUnavailable".into(), "PodDisruptionBudget sets spec.maxUnavailable: 0%, which never allows an eviction".into()),
                (5, id, "/spec/minAvailable".into(), "PodDisruptionBudget sets spec.minAvailable: 100%, which never allows an eviction".into()),
                (
                    6,
                    id,
                    "/spec/minAvailable".into(),
                    "PodDisruptionBudget sets spec.minAvailable: 2, but the pods it selects number 2 (Deployment \"web\")".into()
                ),
            ]
        );
    }

    #[test]
    fn pdb_min_available_vs_hpa_compares_with_min_replicas() {
        let docs = vec![
            workload("Deployment", "web", None),
            hpa("web", 2, 5),
            pdb("web", "web", json!({"minAvailable": 2})),
            pdb("ok", "web", json!({"minAvailable": 1})),
        ];
        assert_eq!(
            run(pdb_min_available_vs_hpa, docs, &json!({})),
            vec![(
                2,
                "pdb-min-available-vs-hpa",
                "/spec/minAvailable".into(),
                "PodDisruptionBudget sets spec.minAvailable: 2, not below the minReplicas 2 of HorizontalPodAutoscaler \"web\"".into()
            )]
        );
    }

    #[test]
    fn pdb_unhealthy_pod_eviction_policy_requires_the_field() {
        let docs = vec![
            pdb("unset", "web", json!({})),
            pdb("set", "web", json!({"unhealthyPodEvictionPolicy": "AlwaysAllow"})),
        ];
        assert_eq!(
            run(pdb_unhealthy_pod_eviction_policy, docs, &json!({})),
            vec![(
                0,
                "pdb-unhealthy-pod-eviction-policy",
                "/spec/unhealthyPodEvictionPolicy".into(),
                "PodDisruptionBudget does not set spec.unhealthyPodEvictionPolicy".into()
            )]
        );
    }
}
