//! References beyond the workload: ServiceMonitors that select no Service, and Nodes running an
//! unsupported kubelet.

use crate::context::Ctx;
use std::collections::HashMap;

use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value};

use super::CATEGORY;
use crate::objects::{api_group, lookup, namespace, report, strings, text};
use crate::selector::{Labels, Selector};
use crate::settings::Settings;
use crate::supply_chain::version;

/// Row 161: a Prometheus Operator `ServiceMonitor` selects no Service of the input: `spec.selector`
/// against Service labels, in the namespaces of `spec.namespaceSelector` (`any: true`, `matchNames`,
/// or by default its own). Monitors whose namespaces hold no Service of the input, while the input
/// has Services elsewhere, are skipped: they watch Services of other releases.
pub(crate) const DANGLING_SERVICEMONITOR: RuleDef = RuleDef {
    id: "dangling-servicemonitor",
    title: "ServiceMonitor selects no Service",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Fix `spec.selector` (and `spec.namespaceSelector`) so that they match the labels and namespace of the \
                  Service to scrape, for example `selector: {matchLabels: {app.kubernetes.io/name: my-app}}`.",
    standards: &["kube-linter:dangling-servicemonitor"],
    enabled_by_default: false,
};

/// Row 163: a Node reports a kubelet older than the oldest Kubernetes minor release still supported
/// upstream: 1.35, as of the catalog's snapshot (Kubernetes 1.37, with the three latest minors
/// supported).
pub(crate) const OUTDATED_KUBERNETES_VERSION: RuleDef = RuleDef {
    id: "outdated-kubernetes-version",
    title: "Node runs an unsupported kubelet",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Upgrade the node to a supported Kubernetes release (`status.nodeInfo.kubeletVersion` of 1.35 or later).",
    standards: &["kubescape:C-0273"],
    enabled_by_default: false,
};

/// The oldest supported Kubernetes minor release (see [`OUTDATED_KUBERNETES_VERSION`]).
const OLDEST_SUPPORTED: (u32, u32) = (1, 35);

/// [`DANGLING_SERVICEMONITOR`].
pub(crate) fn dangling_servicemonitor(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let monitors: Vec<&Resource> = resources
        .iter()
        .filter(|r| r.kind() == "ServiceMonitor" && api_group(r.api_version()) == "monitoring.coreos.com")
        .collect();
    if monitors.is_empty() {
        return Vec::new();
    }
    let mut services: HashMap<Option<&str>, Vec<Option<&Labels>>> = HashMap::new();
    for service in resources.iter().filter(|r| r.kind() == "Service") {
        let labels = lookup(service.metadata(), &["labels"]).and_then(Value::as_object);
        services.entry(namespace(service)).or_default().push(labels);
    }
    monitors
        .into_iter()
        .filter_map(|monitor| {
            let selector = Selector::parse(lookup(monitor.json(), &["spec", "selector"])?)?;
            let any = lookup(monitor.json(), &["spec", "namespaceSelector", "any"]) == Some(&Value::Bool(true));
            let names = strings(lookup(monitor.json(), &["spec", "namespaceSelector", "matchNames"]));
            let candidates: Vec<Option<&Labels>> = if any {
                services.values().flatten().copied().collect()
            } else if names.is_empty() {
                services.get(&namespace(monitor)).into_iter().flatten().copied().collect()
            } else {
                names.iter().filter_map(|n| services.get(&Some(*n))).flatten().copied().collect()
            };
            let judged = !candidates.is_empty() || services.is_empty();
            (judged && !candidates.iter().any(|labels| selector.matches(*labels))).then(|| {
                report(
                    &DANGLING_SERVICEMONITOR,
                    monitor,
                    "/spec/selector",
                    format_args!("selector {selector} matches no Service in the input"),
                )
            })
        })
        .collect()
}

/// [`OUTDATED_KUBERNETES_VERSION`].
pub(crate) fn outdated_kubernetes_version(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| r.kind() == "Node")
        .filter_map(|node| {
            let kubelet = text(node.json(), &["status", "nodeInfo", "kubeletVersion"]);
            let (major, minor, _) = version(kubelet)?;
            ((major, minor) < OLDEST_SUPPORTED).then(|| {
                report(
                    &OUTDATED_KUBERNETES_VERSION,
                    node,
                    "/status/nodeInfo/kubeletVersion",
                    format_args!(
                        "reports kubelet {kubelet}, older than Kubernetes {}.{}, the oldest supported release",
                        OLDEST_SUPPORTED.0, OLDEST_SUPPORTED.1
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{object, run, with_spec};
    use palisade_policy_sdk::json;

    fn service(name: &str, ns: Option<&str>, labels: &Value) -> Value {
        let mut doc = object("v1", "Service", name, json!({"metadata": {"labels": labels}}));
        if let Some(ns) = ns {
            doc["metadata"]["namespace"] = json!(ns);
        }
        doc
    }

    fn monitor(name: &str, app: &str, namespaces: Value) -> Value {
        let mut spec = json!({"selector": {"matchLabels": {"app": app}}, "endpoints": [{"port": "metrics"}]});
        if !namespaces.is_null() {
            spec["namespaceSelector"] = namespaces;
        }
        with_spec("monitoring.coreos.com/v1", "ServiceMonitor", name, spec)
    }

    #[test]
    fn dangling_servicemonitor_looks_in_the_selected_namespaces() {
        let docs = vec![
            service("web", None, &json!({"app": "web"})),
            service("db", Some("data"), &json!({"app": "db"})),
            monitor("web", "web", Value::Null),
            monitor("gone", "gone", Value::Null),
            monitor("db-any", "db", json!({"any": true})),
            monitor("db-named", "db", json!({"matchNames": ["data"]})),
            monitor("db-here", "db", Value::Null),
            monitor("system", "kube-dns", json!({"matchNames": ["kube-system"]})),
        ];
        let id = "dangling-servicemonitor";
        assert_eq!(
            run(dangling_servicemonitor, docs, &json!({})),
            vec![
                (
                    3,
                    id,
                    "/spec/selector".into(),
                    "ServiceMonitor selector app=gone matches no Service in the input".into()
                ),
                (
                    6,
                    id,
                    "/spec/selector".into(),
                    "ServiceMonitor selector app=db matches no Service in the input".into()
                ),
            ]
        );
    }

    #[test]
    fn outdated_kubernetes_version_reads_node_status() {
        let node =
            |version: &str| object("v1", "Node", "n", json!({"status": {"nodeInfo": {"kubeletVersion": version}}}));
        assert_eq!(
            run(outdated_kubernetes_version, vec![node("v1.27.3"), node("v1.35.0"), node("v1.36.2-eks-1")], &json!({})),
            vec![(
                0,
                "outdated-kubernetes-version",
                "/status/nodeInfo/kubeletVersion".into(),
                "Node reports kubelet v1.27.3, older than Kubernetes 1.35, the oldest supported release".into()
            )]
        );
    }
}
