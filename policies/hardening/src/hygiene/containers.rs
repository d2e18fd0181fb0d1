//! Container and pod settings: duplicate environment variables, port declarations, DNS options,
//! and the ConfigMaps and PersistentVolumeClaims pods mount.

use crate::context::Ctx;
use std::collections::HashMap;

use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::CATEGORY;
use crate::objects::{items, lookup, report, show, text};
use crate::pod_security::{Visit, visit};
use crate::secrets::report_mounts;
use crate::settings::Settings;

/// Row 159: a container defines the same environment variable name twice (the later wins
/// silently).
pub(crate) const DUPLICATE_ENV_VAR: RuleDef = RuleDef {
    id: "duplicate-env-var",
    title: "Container defines an environment variable twice",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Keep one `env` entry per name; remove or rename the duplicate.",
    standards: &[
        "kube-linter:duplicate-env-var",
        "kube-score:environment-variable-key-duplication",
        "kubescape:C-0295",
    ],
    enabled_by_default: true,
};

/// Row 160: a container port has no `containerPort`, a `name` longer than 15 characters, or the same
/// `name` as an earlier port of the container.
pub(crate) const CONTAINER_PORTS_VALID: RuleDef = RuleDef {
    id: "container-ports-valid",
    title: "Container port declaration is invalid",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Give every port a `containerPort` and a unique `name` of at most 15 characters, for example `ports: [{name: \
                  http, containerPort: 8080}]`.",
    standards: &["kube-score:container-ports-check"],
    enabled_by_default: false,
};

/// Row 162: a pod's `dnsConfig.options` lacks an entry of the `dnsConfigOptions` setting (default
/// `ndots: 2`, as kube-linter).
pub(crate) const DNS_CONFIG_OPTIONS: RuleDef = RuleDef {
    id: "dns-config-options",
    title: "Pod lacks a required DNS option",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set the option in the pod spec: `dnsConfig: {options: [{name: ndots, value: \"2\"}]}`.",
    standards: &["kube-linter:dnsconfig-options"],
    enabled_by_default: false,
};

/// Row 164: a workload mounts a ConfigMap volume (`configMap`, or a `projected` source).
pub(crate) const WORKLOAD_CONFIGMAP_ACCESS: RuleDef = RuleDef {
    id: "workload-configmap-access",
    title: "Workload mounts a ConfigMap",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Review that the workload needs the ConfigMap; mount only the keys it reads with `items: [{key: app.conf, \
                  path: app.conf}]`.",
    standards: &["kubescape:C-0258"],
    enabled_by_default: false,
};

/// Row 165: a workload mounts a PersistentVolumeClaim, or a StatefulSet claims one per pod through
/// `volumeClaimTemplates`.
pub(crate) const WORKLOAD_PVC_ACCESS: RuleDef = RuleDef {
    id: "workload-pvc-access",
    title: "Workload mounts a PersistentVolumeClaim",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Review that the workload needs the volume; mount it `readOnly: true` where it only reads.",
    standards: &["kubescape:C-0257"],
    enabled_by_default: false,
};

/// [`DUPLICATE_ENV_VAR`].
pub(crate) fn duplicate_env_var(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        let mut seen: HashMap<&str, String> = HashMap::new();
        items(c.get(&["env"]))
            .filter_map(|(j, var)| {
                let name = text(var, &["name"]);
                let first = seen.insert(name, j.clone())?;
                Some(c.report(
                    &DUPLICATE_ENV_VAR,
                    &["env", &j, "name"],
                    format_args!("sets env var {name} twice (env[{first}] and env[{j}])"),
                ))
            })
            .collect::<Vec<_>>()
    })
}

/// The longest port name Kubernetes accepts.
const PORT_NAME_MAX: usize = 15;

/// [`CONTAINER_PORTS_VALID`].
pub(crate) fn container_ports_valid(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        let mut out = Vec::new();
        let mut seen: HashMap<&str, String> = HashMap::new();
        for (j, port) in items(c.get(&["ports"])) {
            if lookup(port, &["containerPort"]).is_none() {
                out.push(c.report(
                    &CONTAINER_PORTS_VALID,
                    &["ports", &j],
                    format_args!("declares ports[{j}] without containerPort"),
                ));
            }
            let Some(name) = lookup(port, &["name"]).and_then(Value::as_str) else {
                continue;
            };
            if name.len() > PORT_NAME_MAX {
                let what = format_args!("names ports[{j}] {name}, longer than {PORT_NAME_MAX} characters");
                out.push(c.report(&CONTAINER_PORTS_VALID, &["ports", &j, "name"], what));
            }
            if let Some(first) = seen.insert(name, j.clone()) {
                let what = format_args!("names ports[{first}] and ports[{j}] both {name}");
                out.push(c.report(&CONTAINER_PORTS_VALID, &["ports", &j, "name"], what));
            }
        }
        out
    })
}

/// [`DNS_CONFIG_OPTIONS`].
pub(crate) fn dns_config_options(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        let options: Vec<&Value> = items(pod.get(&["dnsConfig", "options"])).map(|(_, o)| o).collect();
        settings
            .dns_config_options
            .iter()
            .filter(|wanted| {
                !options.iter().any(|o| {
                    text(o, &["name"]) == wanted.name
                        && wanted
                            .value
                            .as_ref()
                            .is_none_or(|v| lookup(o, &["value"]).is_some_and(|have| show(have) == *v))
                })
            })
            .map(|wanted| {
                let entry =
                    wanted.value.as_ref().map_or_else(|| wanted.name.clone(), |v| format!("{}: {v}", wanted.name));
                pod.report(
                    &DNS_CONFIG_OPTIONS,
                    &["dnsConfig", "options"],
                    format_args!("does not set dnsConfig.options entry {entry}"),
                )
            })
            .collect::<Vec<_>>()
    })
}

/// [`WORKLOAD_CONFIGMAP_ACCESS`].
pub(crate) fn workload_configmap_access(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_mounts(&WORKLOAD_CONFIGMAP_ACCESS, resources, "configMap", "name", "ConfigMap")
}

/// [`WORKLOAD_PVC_ACCESS`].
pub(crate) fn workload_pvc_access(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out =
        report_mounts(&WORKLOAD_PVC_ACCESS, resources, "persistentVolumeClaim", "claimName", "PersistentVolumeClaim");
    for set in resources.iter().filter(|r| r.kind() == "StatefulSet") {
        for (i, template) in items(set.json().pointer("/spec/volumeClaimTemplates")) {
            let name = text(template, &["metadata", "name"]);
            out.push(report(
                &WORKLOAD_PVC_ACCESS,
                set,
                format!("/spec/volumeClaimTemplates/{i}"),
                format_args!("claims a PersistentVolumeClaim \"{name}\" for each pod"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, pod, with_spec};
    use palisade_policy_sdk::json;

    #[test]
    fn duplicate_env_var_reports_the_repeat() {
        let doc = pod(json!({"containers": [{"name": "app", "env": [
            {"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "A", "value": "3"}
        ]}]}));
        assert_findings(
            duplicate_env_var,
            doc,
            &[(
                "duplicate-env-var",
                "/spec/containers/0/env/2/name",
                "container \"app\" sets env var A twice (env[0] and env[2])",
            )],
        );
        assert_findings(
            duplicate_env_var,
            pod(json!({"containers": [{"name": "app", "env": [{"name": "A", "value": "1"}]}]})),
            &[],
        );
    }

    #[test]
    fn container_ports_valid_checks_each_port() {
        let doc = pod(json!({"containers": [{"name": "app", "ports": [
            {"name": "http", "containerPort": 8080},
            {"name": "http", "containerPort": 8081},
            {"name": "metrics-exporter-port", "containerPort": 9090},
            {"name": "grpc"}
        ]}]}));
        let id = "container-ports-valid";
        assert_findings(
            container_ports_valid,
            doc,
            &[
                (id, "/spec/containers/0/ports/1/name", "container \"app\" names ports[0] and ports[1] both http"),
                (
                    id,
                    "/spec/containers/0/ports/2/name",
                    "container \"app\" names ports[2] metrics-exporter-port, longer than 15 characters",
                ),
                (id, "/spec/containers/0/ports/3", "container \"app\" declares ports[3] without containerPort"),
            ],
        );
    }

    #[test]
    fn dns_config_options_follows_the_setting() {
        let doc = pod(
            json!({"dnsConfig": {"options": [{"name": "ndots", "value": "5"}, {"name": "single-request-reopen"}]}}),
        );
        assert_findings(
            dns_config_options,
            doc.clone(),
            &[("dns-config-options", "/spec/dnsConfig/options", "pod does not set dnsConfig.options entry ndots: 2")],
        );
        assert_findings_with(
            dns_config_options,
            doc,
            &json!({"dnsConfigOptions": [{"name": "single-request-reopen"}]}),
            &[],
        );
    }

    #[test]
    fn mounts_of_configmaps_and_claims() {
        let doc = pod(json!({"containers": [], "volumes": [
            {"name": "cfg", "configMap": {"name": "app"}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}
        ]}));
        assert_findings(
            workload_configmap_access,
            doc.clone(),
            &[(
                "workload-configmap-access",
                "/spec/volumes/0/configMap",
                "pod mounts ConfigMap \"app\" as volume \"cfg\"",
            )],
        );
        assert_findings(
            workload_pvc_access,
            doc,
            &[(
                "workload-pvc-access",
                "/spec/volumes/1/persistentVolumeClaim",
                "pod mounts PersistentVolumeClaim \"data\" as volume \"data\"",
            )],
        );
        let set = with_spec(
            "apps/v1",
            "StatefulSet",
            "db",
            json!({"template": {"spec": {"containers": []}}, "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}),
        );
        assert_findings(
            workload_pvc_access,
            set,
            &[(
                "workload-pvc-access",
                "/spec/volumeClaimTemplates/0",
                "StatefulSet claims a PersistentVolumeClaim \"data\" for each pod",
            )],
        );
    }
}
