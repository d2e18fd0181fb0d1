//! Availability and reliability (checks.md §1.8, area `availability`): probes, replicas and
//! autoscaling, disruption budgets, scheduling spread, and controller lifecycle settings.
//!
//! Shared vocabulary: [`REPLICATED`] kinds keep `spec.replicas` pods running; [`Autoscalers`] maps
//! each workload to the HorizontalPodAutoscalers that target it (`scaleTargetRef` kind, name, API
//! group when given, same namespace), so a workload's replica count is known with or without one.

pub(crate) mod disruption;
pub(crate) mod lifecycle;
pub(crate) mod probes;
pub(crate) mod scaling;
pub(crate) mod scheduling;

use std::collections::HashMap;

use palisade_policy_sdk::{Resource, Value};

use crate::objects::{api_group, lookup, namespace, text};

/// Catalog area of every rule here.
pub(crate) const CATEGORY: &str = "availability";

/// Kinds whose controller keeps `spec.replicas` pods running.
pub(crate) const REPLICATED: [&str; 6] =
    ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "DeploymentConfig", "Rollout"];

/// Kinds whose pods run to completion.
pub(crate) const BATCH: [&str; 2] = ["Job", "CronJob"];

/// An integer field of an object, if set.
pub(crate) fn int(value: &Value, tokens: &[&str]) -> Option<i64> {
    lookup(value, tokens).and_then(Value::as_i64)
}

/// `spec.replicas` of a workload (1 when unset, as Kubernetes defaults it).
pub(crate) fn replicas(workload: &Resource) -> i64 {
    int(workload.json(), &["spec", "replicas"]).unwrap_or(1)
}

/// `spec.minReplicas` of a HorizontalPodAutoscaler (1 when unset).
pub(crate) fn hpa_min(hpa: &Resource) -> i64 {
    int(hpa.json(), &["spec", "minReplicas"]).unwrap_or(1)
}

/// `spec.maxReplicas` of a HorizontalPodAutoscaler (0 when unset, which the API refuses).
pub(crate) fn hpa_max(hpa: &Resource) -> i64 {
    int(hpa.json(), &["spec", "maxReplicas"]).unwrap_or(0)
}

/// The HorizontalPodAutoscalers of the input, by the workload they scale.
pub(crate) struct Autoscalers<'a> {
    by_target: HashMap<(&'a str, Option<&'a str>, &'a str), Vec<&'a Resource>>,
}

impl<'a> Autoscalers<'a> {
    /// Indexes the HorizontalPodAutoscalers of `resources`.
    pub(crate) fn new(resources: &'a [Resource]) -> Self {
        let mut by_target: HashMap<_, Vec<_>> = HashMap::new();
        for hpa in Self::all(resources) {
            let (kind, name) = Self::target(hpa);
            by_target.entry((kind, namespace(hpa), name)).or_default().push(hpa);
        }
        Self { by_target }
    }

    /// Every HorizontalPodAutoscaler of `resources`.
    pub(crate) fn all(resources: &'a [Resource]) -> impl Iterator<Item = &'a Resource> {
        resources.iter().filter(|r| r.kind() == "HorizontalPodAutoscaler")
    }

    /// The `kind` and `name` of an autoscaler's `scaleTargetRef`.
    pub(crate) fn target(hpa: &'a Resource) -> (&'a str, &'a str) {
        (text(hpa.json(), &["spec", "scaleTargetRef", "kind"]), text(hpa.json(), &["spec", "scaleTargetRef", "name"]))
    }

    /// Whether the autoscaler's `scaleTargetRef.apiVersion`, when set, names the API group of
    /// `workload`.
    pub(crate) fn same_group(hpa: &Resource, workload: &Resource) -> bool {
        let wanted = text(hpa.json(), &["spec", "scaleTargetRef", "apiVersion"]);
        wanted.is_empty() || api_group(wanted) == api_group(workload.api_version())
    }

    /// The autoscalers that scale `workload`.
    pub(crate) fn of(&self, workload: &Resource) -> Vec<&'a Resource> {
        let key = (workload.kind(), namespace(workload), workload.name());
        self.by_target.get(&key).into_iter().flatten().copied().filter(|hpa| Self::same_group(hpa, workload)).collect()
    }

    /// The most pods `workload` runs: its `spec.replicas`, or the largest `maxReplicas` of its
    /// autoscalers.
    pub(crate) fn most_replicas(&self, workload: &Resource) -> i64 {
        let hpas = self.of(workload);
        if hpas.is_empty() { replicas(workload) } else { hpas.iter().map(|h| hpa_max(h)).max().unwrap_or(0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::with_spec;
    use palisade_policy_sdk::json;

    #[test]
    fn autoscalers_find_their_workloads() {
        let hpa = |name: &str, target: Value, min: Option<i64>, max: i64| {
            let mut spec = json!({"scaleTargetRef": target, "maxReplicas": max});
            if let Some(min) = min {
                spec["minReplicas"] = json!(min);
            }
            with_spec("autoscaling/v2", "HorizontalPodAutoscaler", name, spec)
        };
        let docs = [
            with_spec("apps/v1", "Deployment", "web", json!({"replicas": 3})),
            with_spec("apps/v1", "StatefulSet", "db", json!({})),
            with_spec("apps/v1", "Deployment", "lone", json!({})),
            hpa("web", json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}), Some(2), 10),
            hpa("web-2", json!({"kind": "Deployment", "name": "web"}), None, 4),
            hpa("db", json!({"apiVersion": "example.com/v1", "kind": "StatefulSet", "name": "db"}), None, 5),
        ];
        let resources: Vec<Resource> =
            docs.into_iter().zip(0..).map(|(json, index)| Resource::new(index, json)).collect();
        let hpas = Autoscalers::new(&resources);
        let names = |w: &Resource| hpas.of(w).iter().map(|h| h.name()).collect::<Vec<_>>();
        assert_eq!(names(&resources[0]), ["web", "web-2"]);
        assert_eq!(names(&resources[1]), Vec::<&str>::new(), "another API group");
        assert_eq!(hpas.most_replicas(&resources[0]), 10);
        assert_eq!(hpas.most_replicas(&resources[2]), 1);
        assert_eq!((replicas(&resources[0]), hpa_min(&resources[3]), hpa_max(&resources[4])), (3, 2, 4));
    }
}
