//! NetworkPolicy coverage of the pods, default-deny policies, unrestricted egress and selectors
//! that select nothing.

use crate::context::Ctx;
use std::collections::HashSet;

use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{CATEGORY, NetworkPolicy};
use crate::index::{Pod, Pods, WorkloadNamespace};
use crate::objects::{items, lookup, namespace, report, strings};
use crate::selector::Selector;
use crate::settings::Settings;

/// Row 76: a workload's pods are selected by no NetworkPolicy of their namespace. Pods with
/// `hostNetwork: true` are skipped: NetworkPolicies do not apply to them (`host-network` reports
/// them).
pub(crate) const POD_NOT_SELECTED_BY_NETWORKPOLICY: RuleDef = RuleDef {
    id: "pod-not-selected-by-networkpolicy",
    title: "Pod is not selected by any NetworkPolicy",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Ship a NetworkPolicy whose `spec.podSelector.matchLabels` selects the pod's labels and that allows only \
                  the traffic the workload needs.",
    standards: &[
        "kube-linter:non-isolated-pod",
        "polaris:missingNetworkPolicy",
        "kube-score:pod-networkpolicy",
        "checkov:CKV2_K8S_6",
        "kubescape:C-0260",
    ],
    enabled_by_default: true,
};

/// Row 77: the NetworkPolicies that select a workload's pods do not isolate both ingress and egress
/// (pods selected by none lack both). `hostNetwork` pods are skipped as for
/// [`POD_NOT_SELECTED_BY_NETWORKPOLICY`].
pub(crate) const INGRESS_AND_EGRESS_POLICY: RuleDef = RuleDef {
    id: "ingress-and-egress-policy",
    title: "Pod is not isolated for both ingress and egress",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Select the pod with NetworkPolicies that together set `policyTypes: [Ingress, Egress]`, with `ingress` \
                  and `egress` rules for the traffic the workload needs.",
    standards: &["polaris:missingNetworkPolicy", "kube-score:pod-networkpolicy", "kubescape:C-0030"],
    enabled_by_default: true,
};

/// Row 78: a namespace with workloads has no default-deny NetworkPolicy: `podSelector: {}` with
/// `Ingress` in `policyTypes` and no `ingress` rules, and likewise for egress (one policy may deny
/// both, or two policies one each).
pub(crate) const NAMESPACE_DEFAULT_DENY: RuleDef = RuleDef {
    id: "namespace-default-deny",
    title: "Namespace has no default-deny NetworkPolicy",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` and no rules to the \
                  namespace, then allow the traffic each workload needs with further policies.",
    standards: &[],
    enabled_by_default: false,
};

/// Row 79: a namespace with workloads has no network policy at all: a NetworkPolicy of any API group
/// (Kubernetes, Calico) or a `CiliumNetworkPolicy`.
pub(crate) const NAMESPACE_WITHOUT_NETWORKPOLICY: RuleDef = RuleDef {
    id: "namespace-without-networkpolicy",
    title: "Namespace has no NetworkPolicy",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Ship at least one NetworkPolicy (`kind: NetworkPolicy`, `spec.podSelector: {}`) in every namespace that \
                  runs workloads.",
    standards: &["kubescape:C-0054", "kubescape:C-0049", "kubescape:C-0206", "cis:5.3.2"],
    enabled_by_default: false,
};

/// Row 80: an egress rule allows every destination: it has no `to` (or an empty one), or a peer
/// `ipBlock.cidr` of `0.0.0.0/0` or `::/0` without `except`.
pub(crate) const EGRESS_UNRESTRICTED: RuleDef = RuleDef {
    id: "egress-unrestricted",
    title: "NetworkPolicy allows egress anywhere",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "List the destinations of each egress rule: `to: [{podSelector: {matchLabels: {app: db}}}]`, or an \
                  `ipBlock` narrower than `0.0.0.0/0` (or with `except` ranges).",
    standards: &["kubescape:C-0301"],
    enabled_by_default: false,
};

/// Row 81: a NetworkPolicy's non-empty `podSelector` selects no pod of the input in its namespace.
/// An empty selector (every pod, now and later) is never dangling, and policies in a namespace where
/// the input runs no pod while it runs some elsewhere are skipped (as for `dangling-service`).
pub(crate) const DANGLING_NETWORKPOLICY: RuleDef = RuleDef {
    id: "dangling-networkpolicy",
    title: "NetworkPolicy selects no pod",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Fix `spec.podSelector` so that it selects the labels of the pods the policy is meant for, or remove the \
                  policy.",
    standards: &["kube-linter:dangling-networkpolicy", "kube-score:networkpolicy-targets-pod", "kubescape:C-0299"],
    enabled_by_default: false,
};

/// Row 82: an `ingress[].from[]` or `egress[].to[]` peer with a non-empty `podSelector` and no
/// `namespaceSelector` (so: the policy's namespace) selects no pod of the input.
pub(crate) const DANGLING_NETWORKPOLICY_PEER: RuleDef = RuleDef {
    id: "dangling-networkpolicy-peer",
    title: "NetworkPolicy peer selects no pod",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Fix the peer's `podSelector` so that it selects the labels of the pods meant, or add a \
                  `namespaceSelector` when they live in another namespace.",
    standards: &["kube-linter:dangling-networkpolicypeer-podselector"],
    enabled_by_default: false,
};

/// The pods NetworkPolicies can isolate: all but `hostNetwork` ones.
fn isolatable<'p>(pods: &'p Pods<'_>) -> impl Iterator<Item = (usize, &'p Pod<'p>)> {
    pods.all().iter().enumerate().filter(|(_, pod)| lookup(pod.spec.spec, &["hostNetwork"]) != Some(&Value::Bool(true)))
}

/// For every pod of `pods`: whether some policy selects it, and whether those isolate ingress and
/// egress.
fn coverage(pods: &Pods<'_>, policies: &[NetworkPolicy<'_>]) -> Vec<(bool, bool, bool)> {
    let mut covered = vec![(false, false, false); pods.all().len()];
    for policy in policies {
        let Some(selector) = &policy.selector else {
            continue;
        };
        for i in pods.positions(policy.namespace(), selector) {
            let (selected, ingress, egress) = &mut covered[i];
            *selected = true;
            *ingress |= policy.ingress;
            *egress |= policy.egress;
        }
    }
    covered
}

/// [`POD_NOT_SELECTED_BY_NETWORKPOLICY`].
pub(crate) fn pod_not_selected_by_networkpolicy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let pods = Pods::new(resources);
    let covered = coverage(&pods, &NetworkPolicy::all(resources));
    isolatable(&pods)
        .filter(|(i, _)| !covered[*i].0)
        .map(|(_, pod)| {
            POD_NOT_SELECTED_BY_NETWORKPOLICY.finding(
                pod.resource().index,
                pod.labels_pointer(),
                "pod is not selected by any NetworkPolicy",
            )
        })
        .collect()
}

/// [`INGRESS_AND_EGRESS_POLICY`].
pub(crate) fn ingress_and_egress_policy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let pods = Pods::new(resources);
    let covered = coverage(&pods, &NetworkPolicy::all(resources));
    isolatable(&pods)
        .filter_map(|(i, pod)| {
            let missing = match covered[i] {
                (_, true, true) => return None,
                (_, false, false) => "Ingress and Egress",
                (_, true, false) => "Egress",
                (_, false, true) => "Ingress",
            };
            Some(INGRESS_AND_EGRESS_POLICY.finding(
                pod.resource().index,
                pod.labels_pointer(),
                format!("pod is selected by no NetworkPolicy with policyTypes {missing}"),
            ))
        })
        .collect()
}

/// What a policy denies by default: every pod, and no rules for a direction it isolates.
fn denies(policy: &NetworkPolicy<'_>) -> (bool, bool) {
    let everyone = policy.selector.as_ref().is_some_and(Selector::is_empty);
    let no_rules = |field| policy.spec(field).and_then(Value::as_array).is_none_or(Vec::is_empty);
    (everyone && policy.ingress && no_rules("ingress"), everyone && policy.egress && no_rules("egress"))
}

/// [`NAMESPACE_DEFAULT_DENY`].
pub(crate) fn namespace_default_deny(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut ingress = HashSet::new();
    let mut egress = HashSet::new();
    for policy in NetworkPolicy::all(resources) {
        let (denies_ingress, denies_egress) = denies(&policy);
        if denies_ingress {
            ingress.insert(policy.namespace());
        }
        if denies_egress {
            egress.insert(policy.namespace());
        }
    }
    let pods = Pods::new(resources);
    WorkloadNamespace::all(resources, &pods)
        .iter()
        .filter_map(|ns| {
            let what = match (ingress.contains(&ns.name), egress.contains(&ns.name)) {
                (true, true) => return None,
                (false, false) => "ingress and egress",
                (true, false) => "egress",
                (false, true) => "ingress",
            };
            Some(ns.finding(&NAMESPACE_DEFAULT_DENY, &format!("has no default-deny NetworkPolicy for {what}")))
        })
        .collect()
}

/// Kinds of network policies Kubescape counts (row 79), of any API group.
const POLICY_KINDS: [&str; 2] = ["NetworkPolicy", "CiliumNetworkPolicy"];

/// [`NAMESPACE_WITHOUT_NETWORKPOLICY`].
pub(crate) fn namespace_without_networkpolicy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let with_policy: HashSet<Option<&str>> =
        resources.iter().filter(|r| POLICY_KINDS.contains(&r.kind())).map(namespace).collect();
    let pods = Pods::new(resources);
    WorkloadNamespace::all(resources, &pods)
        .iter()
        .filter(|ns| !with_policy.contains(&ns.name))
        .map(|ns| ns.finding(&NAMESPACE_WITHOUT_NETWORKPOLICY, "has no NetworkPolicy"))
        .collect()
}

/// CIDRs that stand for every address.
const EVERYWHERE: [&str; 2] = ["0.0.0.0/0", "::/0"];

/// [`EGRESS_UNRESTRICTED`].
pub(crate) fn egress_unrestricted(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = Vec::new();
    for policy in NetworkPolicy::all(resources).iter().filter(|p| p.egress) {
        for (i, rule) in items(policy.spec("egress")) {
            let peers: Vec<_> = items(lookup(rule, &["to"])).collect();
            if peers.is_empty() {
                out.push(report(
                    &EGRESS_UNRESTRICTED,
                    policy.resource,
                    format!("/spec/egress/{i}"),
                    format_args!("egress[{i}] has no `to` and allows every destination"),
                ));
            }
            for (j, peer) in peers {
                let cidr = lookup(peer, &["ipBlock", "cidr"]).and_then(Value::as_str).unwrap_or_default();
                if EVERYWHERE.contains(&cidr) && strings(lookup(peer, &["ipBlock", "except"])).is_empty() {
                    out.push(report(
                        &EGRESS_UNRESTRICTED,
                        policy.resource,
                        format!("/spec/egress/{i}/to/{j}/ipBlock/cidr"),
                        format_args!("egress[{i}].to[{j}] allows every address ({cidr})"),
                    ));
                }
            }
        }
    }
    out
}

/// [`DANGLING_NETWORKPOLICY`].
pub(crate) fn dangling_networkpolicy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let policies = NetworkPolicy::all(resources);
    if policies.is_empty() {
        return Vec::new();
    }
    let pods = Pods::new(resources);
    policies
        .iter()
        .filter_map(|policy| {
            let selector = policy.selector.as_ref().filter(|s| !s.is_empty() && pods.judges(policy.namespace()))?;
            (!pods.any(policy.namespace(), selector)).then(|| {
                report(
                    &DANGLING_NETWORKPOLICY,
                    policy.resource,
                    "/spec/podSelector",
                    format_args!("podSelector {selector} selects no pod in the input"),
                )
            })
        })
        .collect()
}

/// [`DANGLING_NETWORKPOLICY_PEER`].
pub(crate) fn dangling_networkpolicy_peer(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let policies = NetworkPolicy::all(resources);
    if policies.is_empty() {
        return Vec::new();
    }
    let pods = Pods::new(resources);
    let mut out = Vec::new();
    for policy in policies {
        for (direction, peers) in [("ingress", "from"), ("egress", "to")] {
            for (i, rule) in items(policy.spec(direction)) {
                for (j, peer) in items(lookup(rule, &[peers])) {
                    if lookup(peer, &["namespaceSelector"]).is_some() {
                        continue;
                    }
                    let Some(selector) = lookup(peer, &["podSelector"]).and_then(Selector::parse) else {
                        continue;
                    };
                    if !selector.is_empty()
                        && pods.judges(policy.namespace())
                        && !pods.any(policy.namespace(), &selector)
                    {
                        out.push(report(
                            &DANGLING_NETWORKPOLICY_PEER,
                            policy.resource,
                            format!("/spec/{direction}/{i}/{peers}/{j}/podSelector"),
                            format_args!(
                                "{direction}[{i}].{peers}[{j}].podSelector {selector} selects no pod in the input"
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{deployment, object, run, with_spec};
    use palisade_policy_sdk::json;

    fn policy(name: &str, spec: Value) -> Value {
        with_spec("networking.k8s.io/v1", "NetworkPolicy", name, spec)
    }

    fn app(name: &str) -> Value {
        let mut doc = deployment(json!({"containers": [{"name": "app"}]}));
        doc["metadata"]["name"] = json!(name);
        doc["spec"]["template"]["metadata"]["labels"] = json!({"app": name});
        doc
    }

    fn selects(app: &str) -> Value {
        json!({"matchLabels": {"app": app}})
    }

    const LABELS: &str = "/spec/template/metadata/labels";

    #[test]
    fn pod_not_selected_by_networkpolicy_matches_selectors_per_namespace() {
        let mut other_ns = app("api");
        other_ns["metadata"]["namespace"] = json!("other");
        let mut host = app("agent");
        host["spec"]["template"]["spec"]["hostNetwork"] = json!(true);
        let docs = vec![
            app("web"),
            app("db"),
            other_ns,
            host,
            policy("web", json!({"podSelector": selects("web")})),
            policy("api", json!({"podSelector": selects("api")})),
        ];
        let id = "pod-not-selected-by-networkpolicy";
        let message = "pod is not selected by any NetworkPolicy".to_string();
        assert_eq!(
            run(pod_not_selected_by_networkpolicy, docs, &json!({})),
            vec![(1, id, LABELS.into(), message.clone()), (2, id, LABELS.into(), message)]
        );
        let everything = vec![app("web"), policy("all", json!({"podSelector": {}}))];
        assert_eq!(run(pod_not_selected_by_networkpolicy, everything, &json!({})), vec![]);
    }

    #[test]
    fn ingress_and_egress_policy_combines_the_selecting_policies() {
        let docs = vec![
            app("web"),
            app("db"),
            app("cache"),
            policy("in", json!({"podSelector": {}})),
            policy("web-out", json!({"podSelector": selects("web"), "egress": [{}]})),
            policy("db-out", json!({"podSelector": selects("db"), "policyTypes": ["Egress"]})),
        ];
        let mut lone = app("lone");
        lone["metadata"]["namespace"] = json!("elsewhere");
        let id = "ingress-and-egress-policy";
        assert_eq!(
            run(ingress_and_egress_policy, docs, &json!({})),
            vec![(2, id, LABELS.into(), "pod is selected by no NetworkPolicy with policyTypes Egress".into())]
        );
        assert_eq!(
            run(ingress_and_egress_policy, vec![lone], &json!({})),
            vec![(
                0,
                id,
                LABELS.into(),
                "pod is selected by no NetworkPolicy with policyTypes Ingress and Egress".into()
            )]
        );
    }

    #[test]
    fn namespace_default_deny_requires_both_directions() {
        let mut demo = app("demo");
        demo["metadata"]["namespace"] = json!("demo");
        let mut deny_ingress = policy("deny-in", json!({"podSelector": {}, "policyTypes": ["Ingress"]}));
        deny_ingress["metadata"]["namespace"] = json!("demo");
        let docs = vec![
            app("web"),
            demo,
            deny_ingress,
            policy("not-deny", json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "egress": [{}]})),
        ];
        let id = "namespace-default-deny";
        assert_eq!(
            run(namespace_default_deny, docs, &json!({})),
            vec![
                (
                    0,
                    id,
                    "/metadata/namespace".into(),
                    "Deployment runs in the release namespace, which has no default-deny NetworkPolicy for egress"
                        .into()
                ),
                (
                    1,
                    id,
                    "/metadata/namespace".into(),
                    "Deployment runs in namespace \"demo\", which has no default-deny NetworkPolicy for egress".into()
                ),
            ]
        );
        let ok = vec![app("web"), policy("deny", json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}))];
        assert_eq!(run(namespace_default_deny, ok, &json!({})), vec![]);
    }

    #[test]
    fn namespace_without_networkpolicy_counts_any_policy_kind() {
        let mut demo = app("demo");
        demo["metadata"]["namespace"] = json!("demo");
        let mut cilium = object("cilium.io/v2", "CiliumNetworkPolicy", "c", json!({"spec": {}}));
        cilium["metadata"]["namespace"] = json!("demo");
        let docs = vec![app("web"), demo.clone(), cilium.clone()];
        assert_eq!(
            run(namespace_without_networkpolicy, docs, &json!({})),
            vec![(
                0,
                "namespace-without-networkpolicy",
                "/metadata/namespace".into(),
                "Deployment runs in the release namespace, which has no NetworkPolicy".into()
            )]
        );
        assert_eq!(run(namespace_without_networkpolicy, vec![demo, cilium], &json!({})), vec![]);
    }

    #[test]
    fn egress_unrestricted_reports_open_rules_and_cidrs() {
        let doc = policy(
            "p",
            json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [
                {},
                {"ports": [{"port": 53, "protocol": "UDP"}]},
                {"to": [{"podSelector": {}}, {"ipBlock": {"cidr": "0.0.0.0/0"}}]},
                {"to": [{"ipBlock": {"cidr": "::/0", "except": ["fd00::/8"]}}, {"ipBlock": {"cidr": "10.0.0.0/8"}}]}
            ]}),
        );
        let id = "egress-unrestricted";
        assert_eq!(
            run(egress_unrestricted, vec![doc], &json!({})),
            vec![
                (
                    0,
                    id,
                    "/spec/egress/0".into(),
                    "NetworkPolicy egress[0] has no `to` and allows every destination".into()
                ),
                (
                    0,
                    id,
                    "/spec/egress/1".into(),
                    "NetworkPolicy egress[1] has no `to` and allows every destination".into()
                ),
                (
                    0,
                    id,
                    "/spec/egress/2/to/1/ipBlock/cidr".into(),
                    "NetworkPolicy egress[2].to[1] allows every address (0.0.0.0/0)".into()
                ),
            ]
        );
        let ingress_only = policy("p", json!({"podSelector": {}, "policyTypes": ["Ingress"], "egress": [{}]}));
        assert_eq!(run(egress_unrestricted, vec![ingress_only], &json!({})), vec![]);
    }

    #[test]
    fn dangling_networkpolicy_reports_selectors_without_pods() {
        let docs = vec![
            app("web"),
            policy("web", json!({"podSelector": selects("web")})),
            policy("gone", json!({"podSelector": selects("gone")})),
            policy("all", json!({"podSelector": {}})),
        ];
        assert_eq!(
            run(dangling_networkpolicy, docs, &json!({})),
            vec![(
                2,
                "dangling-networkpolicy",
                "/spec/podSelector".into(),
                "NetworkPolicy podSelector app=gone selects no pod in the input".into()
            )]
        );
    }

    #[test]
    fn dangling_networkpolicy_peer_checks_same_namespace_peers() {
        let doc = policy(
            "web",
            json!({"podSelector": selects("web"),
                "ingress": [{"from": [{"podSelector": selects("web")}, {"podSelector": selects("gone")},
                    {"podSelector": selects("gone"), "namespaceSelector": {}}, {"podSelector": {}}]}],
                "egress": [{"to": [{"podSelector": selects("db")}]}]}),
        );
        let id = "dangling-networkpolicy-peer";
        assert_eq!(
            run(dangling_networkpolicy_peer, vec![app("web"), doc], &json!({})),
            vec![
                (
                    1,
                    id,
                    "/spec/ingress/0/from/1/podSelector".into(),
                    "NetworkPolicy ingress[0].from[1].podSelector app=gone selects no pod in the input".into()
                ),
                (
                    1,
                    id,
                    "/spec/egress/0/to/0/podSelector".into(),
                    "NetworkPolicy egress[0].to[0].podSelector app=db selects no pod in the input".into()
                ),
            ]
        );
    }
}
