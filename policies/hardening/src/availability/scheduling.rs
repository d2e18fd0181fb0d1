//! Where and how pods are scheduled and updated: anti-affinity, topology spread, node affinity,
//! update strategies and priority classes.

use crate::context::Ctx;
use palisade_policy_sdk::workload::pod_spec;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{Autoscalers, CATEGORY, REPLICATED};
use crate::objects::{items, judge, lookup, show, text};
use crate::pod_security::{Inherit, Subject, Visit, visit};
use crate::selector::{Labels, Selector};
use crate::settings::Settings;

/// Row 138: a replicated workload that runs (or may scale to) two pods or more has no pod
/// anti-affinity term (required or preferred) on `kubernetes.io/hostname` whose selector matches its
/// own pods (kube-score's and kube-linter's test). A `topologySpreadConstraints` entry on
/// `kubernetes.io/hostname` that selects the pods spreads them as well and is accepted.
pub(crate) const POD_ANTI_AFFINITY: RuleDef = RuleDef {
    id: "pod-anti-affinity",
    title: "Replicas may all land on one node",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Spread the replicas over nodes: `affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: \
                  [{weight: 100, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: \
                  my-app}}}}]}}`.",
    standards: &[
        "kube-linter:no-anti-affinity",
        "kube-score:deployment-has-host-podantiaffinity",
        "kube-score:statefulset-has-host-podantiaffinity",
    ],
    enabled_by_default: true,
};

/// Row 139: the pod template of a replicated workload has no `topologySpreadConstraints` (Jobs,
/// CronJobs, DaemonSets and bare Pods have nothing to spread).
pub(crate) const TOPOLOGY_SPREAD_PRESENT: RuleDef = RuleDef {
    id: "topology-spread-present",
    title: "Pod template sets no topology spread constraints",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, \
                  whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: my-app}}}]`.",
    standards: &["polaris:topologySpreadConstraint"],
    enabled_by_default: false,
};

/// Row 140: a `topologySpreadConstraints` entry has no `labelSelector` or `topologyKey`, a
/// `maxSkew` below 1, a `minDomains` below 1, or a `whenUnsatisfiable` other than `DoNotSchedule` and
/// `ScheduleAnyway`.
pub(crate) const TOPOLOGY_SPREAD_VALID: RuleDef = RuleDef {
    id: "topology-spread-valid",
    title: "Topology spread constraint is invalid",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Give every constraint `maxSkew: 1` (or more), a `topologyKey`, `whenUnsatisfiable: DoNotSchedule` or \
                  `ScheduleAnyway` and a `labelSelector` that matches the pod's labels.",
    standards: &["kube-score:pod-topology-spread-constraints"],
    enabled_by_default: true,
};

/// Row 141: a pod has no `affinity.nodeAffinity`.
pub(crate) const NODE_AFFINITY: RuleDef = RuleDef {
    id: "node-affinity",
    title: "Pod sets no node affinity",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set `affinity.nodeAffinity` to place the pods on the nodes meant for them, for example \
                  `requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: \
                  node-role, operator: In, values: [apps]}]}]}`.",
    standards: &["kube-linter:no-node-affinity"],
    enabled_by_default: false,
};

/// Row 142: a Deployment's `spec.strategy.type`, or a DaemonSet's or StatefulSet's
/// `spec.updateStrategy.type`, is set to something other than `RollingUpdate` (unset defaults to it).
pub(crate) const ROLLING_UPDATE_STRATEGY: RuleDef = RuleDef {
    id: "rolling-update-strategy",
    title: "Workload does not roll updates out",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Use `strategy: {type: RollingUpdate}` on Deployments and `updateStrategy: {type: RollingUpdate}` on \
                  DaemonSets and StatefulSets.",
    standards: &["kube-linter:no-rolling-update-strategy", "kube-score:deployment-strategy", "kubescape:C-0305"],
    enabled_by_default: false,
};

/// Row 143: a pod does not set `priorityClassName`, or sets one outside the
/// `acceptedPriorityClasses` setting when that is not empty.
pub(crate) const PRIORITY_CLASS: RuleDef = RuleDef {
    id: "priority-class",
    title: "Pod has no accepted priority class",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `priorityClassName` in the pod spec to a PriorityClass of the cluster, for example \
                  `priorityClassName: business-critical`.",
    standards: &["kube-linter:priority-class-name", "polaris:priorityClassNotSet"],
    enabled_by_default: false,
};

/// The node topology key.
const HOSTNAME: &str = "kubernetes.io/hostname";

/// Whether a scheduling term (`podAffinityTerm` or spread constraint) is on `key` and selects `labels`.
fn spreads(term: &Value, key: &str, labels: Option<&Labels>) -> bool {
    text(term, &["topologyKey"]) == key
        && lookup(term, &["labelSelector"]).and_then(Selector::parse).is_some_and(|s| s.matches(labels))
}

/// Whether the pod's own replicas are kept off each other's node.
fn spread_over_nodes(pod: &Subject<'_, '_>, labels: Option<&Labels>) -> bool {
    let anti =
        |field: &str| items(pod.get(&["affinity", "podAntiAffinity", field])).map(|(_, t)| t).collect::<Vec<_>>();
    let required = anti("requiredDuringSchedulingIgnoredDuringExecution");
    let preferred = anti("preferredDuringSchedulingIgnoredDuringExecution");
    required.iter().any(|t| spreads(t, HOSTNAME, labels))
        || preferred.iter().filter_map(|t| t.get("podAffinityTerm")).any(|t| spreads(t, HOSTNAME, labels))
        || items(pod.get(&["topologySpreadConstraints"])).any(|(_, t)| spreads(t, HOSTNAME, labels))
}

/// The labels of the pod (template).
fn pod_labels<'a>(pod: &Subject<'_, 'a>) -> Option<&'a Labels> {
    crate::index::pod_labels(pod.pod)
}

/// [`POD_ANTI_AFFINITY`].
pub(crate) fn pod_anti_affinity(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let hpas = Autoscalers::new(resources);
    visit(resources, Visit::Pods, |pod| {
        let workload = pod.pod.resource;
        if !REPLICATED.contains(&workload.kind()) || spread_over_nodes(pod, pod_labels(pod)) {
            return None;
        }
        let most = hpas.most_replicas(workload);
        (most >= 2).then(|| {
            pod.report(
                &POD_ANTI_AFFINITY,
                &["affinity", "podAntiAffinity"],
                format_args!(
                    "has no podAntiAffinity on {HOSTNAME} for its own labels, and the {} runs up to {most} replicas",
                    workload.kind()
                ),
            )
        })
    })
}

/// [`TOPOLOGY_SPREAD_PRESENT`].
pub(crate) fn topology_spread_present(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        if !REPLICATED.contains(&pod.pod.resource.kind()) {
            return None;
        }
        let ok = |v: &Value| v.as_array().is_some_and(|list| !list.is_empty());
        pod.judge(&TOPOLOGY_SPREAD_PRESENT, &["topologySpreadConstraints"], Inherit::No, ok, Some(""))
    })
}

/// Values `whenUnsatisfiable` may take.
const WHEN_UNSATISFIABLE: [&str; 2] = ["DoNotSchedule", "ScheduleAnyway"];

/// [`TOPOLOGY_SPREAD_VALID`].
pub(crate) fn topology_spread_valid(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        let mut out = Vec::new();
        for (i, constraint) in items(pod.get(&["topologySpreadConstraints"])) {
            let field = |name: &str| lookup(constraint, &[name]);
            let mut problem = |name: &str, what: String| {
                let tokens = ["topologySpreadConstraints", &i, name];
                out.push(pod.report(
                    &TOPOLOGY_SPREAD_VALID,
                    &tokens,
                    format_args!("topologySpreadConstraints[{i}] {what}"),
                ));
            };
            if field("labelSelector").is_none() {
                problem("labelSelector", "has no labelSelector".into());
            }
            if field("topologyKey").and_then(Value::as_str).is_none_or(str::is_empty) {
                problem("topologyKey", "has no topologyKey".into());
            }
            match field("maxSkew") {
                None => problem("maxSkew", "has no maxSkew".into()),
                Some(skew) if skew.as_i64().is_none_or(|n| n < 1) => {
                    problem("maxSkew", format!("sets maxSkew: {}, below 1", show(skew)));
                }
                Some(_) => {}
            }
            if let Some(domains) = field("minDomains").filter(|d| d.as_i64().is_none_or(|n| n < 1)) {
                problem("minDomains", format!("sets minDomains: {}, below 1", show(domains)));
            }
            match field("whenUnsatisfiable") {
                None => problem("whenUnsatisfiable", "has no whenUnsatisfiable".into()),
                Some(when) if !when.as_str().is_some_and(|w| WHEN_UNSATISFIABLE.contains(&w)) => problem(
                    "whenUnsatisfiable",
                    format!("sets whenUnsatisfiable: {}, not DoNotSchedule or ScheduleAnyway", show(when)),
                ),
                Some(_) => {}
            }
        }
        out
    })
}

/// [`NODE_AFFINITY`].
pub(crate) fn node_affinity(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        pod.judge(&NODE_AFFINITY, &["affinity", "nodeAffinity"], Inherit::No, |_| true, Some(""))
    })
}

/// [`ROLLING_UPDATE_STRATEGY`].
pub(crate) fn rolling_update_strategy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter_map(|workload| {
            let field = match workload.kind() {
                "Deployment" => "strategy",
                "DaemonSet" | "StatefulSet" => "updateStrategy",
                _ => return None,
            };
            judge(&ROLLING_UPDATE_STRATEGY, workload, &["spec", field, "type"], |v| v == "RollingUpdate", None)
        })
        .collect()
}

/// [`PRIORITY_CLASS`].
pub(crate) fn priority_class(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let accepted = &settings.accepted_priority_classes;
    let missing = if accepted.is_empty() { String::new() } else { format!(" to one of {}", accepted.join(", ")) };
    resources
        .iter()
        .filter_map(pod_spec)
        .filter_map(|pod| {
            let ok = |v: &Value| {
                v.as_str().is_some_and(|c| !c.is_empty() && (accepted.is_empty() || accepted.iter().any(|a| a == c)))
            };
            Subject::pod(&pod).judge(&PRIORITY_CLASS, &["priorityClassName"], Inherit::No, ok, Some(&missing))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, deployment, pod, with_spec};
    use palisade_policy_sdk::json;

    fn replicated(replicas: i64, spec: Value) -> Value {
        let mut doc = deployment(spec);
        doc["spec"]["replicas"] = json!(replicas);
        doc
    }

    fn term(key: &str, app: &str) -> Value {
        json!({"topologyKey": key, "labelSelector": {"matchLabels": {"app": app}}})
    }

    #[test]
    fn pod_anti_affinity_needs_a_host_term_on_own_labels() {
        let message = "pod has no podAntiAffinity on kubernetes.io/hostname for its own labels, and the Deployment runs up to 3 replicas";
        let at = "/spec/template/spec/affinity/podAntiAffinity";
        for spec in [
            json!({"containers": []}),
            json!({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term("topology.kubernetes.io/zone", "web")]}}}),
            json!({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term(HOSTNAME, "other")]}}}),
        ] {
            assert_findings(pod_anti_affinity, replicated(3, spec), &[("pod-anti-affinity", at, message)]);
        }
        for spec in [
            json!({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term(HOSTNAME, "web")]}}}),
            json!({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": term(HOSTNAME, "web")}]}}}),
            json!({"topologySpreadConstraints": [term(HOSTNAME, "web")]}),
        ] {
            assert_findings(pod_anti_affinity, replicated(3, spec), &[]);
        }
        assert_findings(pod_anti_affinity, replicated(1, json!({"containers": []})), &[]);
        assert_findings(pod_anti_affinity, pod(json!({"containers": []})), &[]);
    }

    #[test]
    fn topology_spread_present_checks_replicated_workloads() {
        assert_findings(
            topology_spread_present,
            deployment(json!({"containers": []})),
            &[(
                "topology-spread-present",
                "/spec/template/spec/topologySpreadConstraints",
                "pod does not set topologySpreadConstraints",
            )],
        );
        assert_findings(topology_spread_present, pod(json!({"containers": []})), &[]);
        assert_findings(
            topology_spread_present,
            deployment(json!({"topologySpreadConstraints": [term("zone", "web")]})),
            &[],
        );
    }

    #[test]
    fn topology_spread_valid_reports_each_problem() {
        let doc = pod(json!({"topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {}},
            {"maxSkew": 0, "minDomains": 0, "whenUnsatisfiable": "Sometimes"}
        ]}));
        let at = |field: &str| format!("/spec/topologySpreadConstraints/1/{field}");
        let expected = [
            (at("labelSelector"), "pod topologySpreadConstraints[1] has no labelSelector"),
            (at("topologyKey"), "pod topologySpreadConstraints[1] has no topologyKey"),
            (at("maxSkew"), "pod topologySpreadConstraints[1] sets maxSkew: 0, below 1"),
            (at("minDomains"), "pod topologySpreadConstraints[1] sets minDomains: 0, below 1"),
            (
                at("whenUnsatisfiable"),
                "pod topologySpreadConstraints[1] sets whenUnsatisfiable: Sometimes, not DoNotSchedule or ScheduleAnyway",
            ),
        ];
        let expected: Vec<_> = expected.iter().map(|(p, m)| ("topology-spread-valid", p.as_str(), *m)).collect();
        assert_findings(topology_spread_valid, doc, &expected);
    }

    #[test]
    fn node_affinity_requires_the_field() {
        assert_findings(
            node_affinity,
            pod(json!({"nodeSelector": {"a": "b"}})),
            &[("node-affinity", "/spec/affinity/nodeAffinity", "pod does not set affinity.nodeAffinity")],
        );
        assert_findings(node_affinity, pod(json!({"affinity": {"nodeAffinity": {}}})), &[]);
    }

    #[test]
    fn rolling_update_strategy_per_kind() {
        assert_findings(
            rolling_update_strategy,
            with_spec("apps/v1", "Deployment", "d", json!({"strategy": {"type": "Recreate"}})),
            &[("rolling-update-strategy", "/spec/strategy/type", "Deployment sets spec.strategy.type: Recreate")],
        );
        assert_findings(
            rolling_update_strategy,
            with_spec("apps/v1", "StatefulSet", "s", json!({"updateStrategy": {"type": "OnDelete"}})),
            &[(
                "rolling-update-strategy",
                "/spec/updateStrategy/type",
                "StatefulSet sets spec.updateStrategy.type: OnDelete",
            )],
        );
        assert_findings(rolling_update_strategy, with_spec("apps/v1", "DaemonSet", "d", json!({})), &[]);
    }

    #[test]
    fn priority_class_follows_the_setting() {
        assert_findings(
            priority_class,
            pod(json!({"containers": []})),
            &[("priority-class", "/spec/priorityClassName", "pod does not set priorityClassName")],
        );
        let doc = pod(json!({"priorityClassName": "low"}));
        assert_findings(priority_class, doc.clone(), &[]);
        assert_findings_with(
            priority_class,
            doc,
            &json!({"acceptedPriorityClasses": ["high"]}),
            &[("priority-class", "/spec/priorityClassName", "pod sets priorityClassName: low")],
        );
    }
}
