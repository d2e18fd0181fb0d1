//! Pod Security Standards policy: the baseline and restricted levels exactly as the upstream Pod
//! Security Admission library (`k8s.io/pod-security-admission`, `policy/check_*.go`) judges them,
//! for every policy version from v1.0 to v1.37 and `latest`.
//!
//! Every pod-bearing object (`Pod`, `PodTemplate`, `ReplicationController`, `ReplicaSet`,
//! `Deployment`, `StatefulSet`, `DaemonSet`, `Job`, `CronJob`) is judged at the level and version of the settings, or of
//! its Namespace's `pod-security.kubernetes.io/enforce` labels when the input holds that Namespace.
//! Each failed check is one finding under the upstream check id, worded as upstream words it
//! (`<reason> (<detail>)`), at the JSON pointer of the first offending or missing field.
//!
//! - [`checks`] holds the checks and their version revisions;
//! - [`evaluate`] runs the checks of a level and version over one pod;
//! - [`namespace`] decides the level and version of each pod; [`settings`] reads the settings.

use std::sync::LazyLock;

use palisade_policy_sdk::workload::pod_spec;
use palisade_policy_sdk::{Finding, Input, Policy, PolicyMeta, RuleDef, Value, export_policy};

mod checks;
mod evaluate;
mod level;
mod namespace;
mod offenders;
mod pod;
mod settings;
#[cfg(test)]
mod testing;

use namespace::Namespaces;
use pod::Pod;
use settings::Settings;

/// The rule of every check, in [`checks::CHECKS`] order.
static RULE_DEFS: LazyLock<Vec<RuleDef>> = LazyLock::new(|| checks::CHECKS.iter().map(|check| check.def).collect());

/// What the host is told about the policy.
static META: LazyLock<PolicyMeta> = LazyLock::new(|| PolicyMeta {
    name: "pod-security",
    version: env!("CARGO_PKG_VERSION"),
    description: "Pod Security Standards (baseline, restricted), as Pod Security Admission judges them, v1.0 to v1.37",
    rules: RULE_DEFS.as_slice(),
    settings_schema: settings::SCHEMA,
});

/// The policy, exported as the component's `policy` world.
struct PodSecurity;

impl Policy for PodSecurity {
    fn meta() -> &'static PolicyMeta {
        &META
    }

    fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
        let settings = Settings::parse(&input.settings)?;
        let namespaces = Namespaces::new(&input.resources, &settings);
        let mut findings = Vec::new();
        for resource in &input.resources {
            let Some(spec) = pod_spec(resource) else { continue };
            let runtime_class = spec.get("runtimeClassName").and_then(Value::as_str);
            if settings.exemptions.cover(resource.namespace(), runtime_class) {
                continue;
            }
            let policy = namespaces.policy(resource.namespace());
            findings.extend(evaluate::evaluate_pod(&Pod::new(spec), resource.index, policy));
        }
        Ok(findings)
    }
}

export_policy!(PodSecurity);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::{Resource, Severity, json};
    use std::collections::BTreeSet;

    /// The upstream check ids: 12 baseline, then 7 restricted.
    const IDS: [&str; 19] = [
        "hostNamespaces",
        "privileged",
        "capabilities_baseline",
        "hostPathVolumes",
        "hostPorts",
        "appArmorProfile",
        "seLinuxOptions",
        "procMount",
        "seccompProfile_baseline",
        "sysctls",
        "windowsHostProcess",
        "hostProbesAndHostLifecycle",
        "restrictedVolumes",
        "allowPrivilegeEscalation",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
        "capabilities_restricted",
        "procMount_restricted",
    ];

    const CRITICAL: [&str; 4] = ["hostNamespaces", "privileged", "hostPathVolumes", "windowsHostProcess"];

    #[test]
    fn rules_are_the_upstream_checks() {
        let ids: Vec<_> = META.rules.iter().map(|r| r.id).collect();
        assert_eq!(ids, IDS);
        for (i, rule) in META.rules.iter().enumerate() {
            let level = if i < 12 { "baseline" } else { "restricted" };
            assert_eq!(rule.standards, [format!("pss:{level}/{}", rule.id).as_str()], "{}", rule.id);
            assert!(rule.enabled_by_default, "{}", rule.id);
            assert_eq!(rule.category, "pod-security-standards", "{}", rule.id);
            let severity = if CRITICAL.contains(&rule.id) { Severity::Critical } else { Severity::High };
            assert_eq!(rule.severity, severity, "{}", rule.id);
            assert!(!rule.id.contains('/'), "{}", rule.id);
            assert!(!rule.title.is_empty() && rule.title.len() <= 60, "{}", rule.id);
            assert!(rule.remediation.contains('`') && !rule.remediation.contains("  "), "{}", rule.id);
        }
    }

    #[test]
    fn info_describes_the_policy() {
        assert_eq!((META.name, META.version), ("pod-security", "0.1.0"));
        let schema: Value = serde_json::from_str(META.settings_schema).unwrap();
        assert_eq!(schema["type"], json!("object"));
    }

    fn resources(docs: Vec<Value>) -> Vec<Resource> {
        docs.into_iter().zip(0..).map(|(json, index)| Resource::new(index, json)).collect()
    }

    fn run(docs: Vec<Value>, settings: Value) -> Result<Vec<(u32, &'static str, String)>, String> {
        let input = Input {
            resources: resources(docs),
            evidence: Vec::new(),
            settings,
            now_unix: 0,
            rules: std::collections::BTreeSet::new(),
        };
        Ok(PodSecurity::evaluate(&input)?.into_iter().map(|f| (f.resource, f.rule, f.path)).collect())
    }

    /// `kind` carrying a pod template with a privileged container, in namespace `ns`.
    fn workload(kind: &str, ns: &str) -> Value {
        let template = json!({"metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "app", "securityContext": {"privileged": true}}]}});
        let spec = match kind {
            "Pod" => template["spec"].clone(),
            "PodTemplate" => {
                return json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x", "namespace": ns}, "template": template});
            }
            "CronJob" => json!({"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}),
            _ => json!({"template": template}),
        };
        json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x", "namespace": ns}, "spec": spec})
    }

    #[test]
    fn every_pod_bearing_kind_is_judged() {
        let kinds = [
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "ReplicaSet",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "CronJob",
        ];
        let mut docs: Vec<Value> = kinds.iter().map(|k| workload(k, "apps")).collect();
        docs.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {}}));
        let got = run(docs, json!({})).unwrap();
        let expected: Vec<(u32, &str, String)> = [
            "/spec",
            "/template/spec",
            "/spec/template/spec",
            "/spec/template/spec",
            "/spec/template/spec",
            "/spec/template/spec",
            "/spec/template/spec",
            "/spec/template/spec",
            "/spec/jobTemplate/spec/template/spec",
        ]
        .into_iter()
        .zip(0..)
        .map(|(base, i)| (i, "privileged", format!("{base}/containers/0/securityContext/privileged")))
        .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn namespaces_labels_and_exemptions_choose_the_policy() {
        let labelled = |name: &str, level: &str| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"pod-security.kubernetes.io/enforce": level}}});
        let mut kata = workload("Pod", "apps");
        kata["spec"]["runtimeClassName"] = json!("kata");
        let docs = vec![
            labelled("open", "privileged"),
            workload("Pod", "open"),
            workload("Pod", "apps"),
            workload("Pod", "kube-system"),
            kata,
            labelled("strict", "restricted"),
            workload("Deployment", "strict"),
        ];
        let exempting = json!({"exemptions": {"namespaces": ["kube-system"], "runtimeClasses": ["kata"]}});
        let rules = |settings: Value| -> BTreeSet<(u32, &'static str)> {
            run(docs.clone(), settings).unwrap().into_iter().map(|(i, rule, _)| (i, rule)).collect()
        };
        let restricted: BTreeSet<_> = [
            "privileged",
            "allowPrivilegeEscalation",
            "runAsNonRoot",
            "seccompProfile_restricted",
            "capabilities_restricted",
        ]
        .into_iter()
        .map(|rule| (6, rule))
        .collect();
        let mut expected: BTreeSet<_> = [(2, "privileged")].into_iter().collect();
        expected.extend(restricted.iter().copied());
        assert_eq!(rules(exempting.clone()), expected);
        let ignoring = json!({"honorNamespaceLabels": false, "exemptions": exempting["exemptions"]});
        assert_eq!(rules(ignoring), [(1, "privileged"), (2, "privileged"), (6, "privileged")].into_iter().collect());
        assert_eq!(rules(json!({"level": "privileged", "honorNamespaceLabels": false})), BTreeSet::new());
    }

    #[test]
    fn bad_settings_are_an_error() {
        assert_eq!(
            run(vec![workload("Pod", "apps")], json!({"version": "v1.99"})),
            Err("invalid settings: unknown version `v1.99`, expected `latest` or v1.0 to v1.37".to_string())
        );
    }
}
