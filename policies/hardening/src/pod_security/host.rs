//! Host namespaces and ports: `hostNetwork`, `hostPID`, `hostIPC`, host ports, privileged and SSH
//! ports.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{CATEGORY, Subject, Visit, each_of_kind, items, lookup, show, visit};
use crate::settings::Settings;

/// Row 2: the pod sets `spec.hostNetwork: true`.
pub(crate) const HOST_NETWORK: RuleDef = RuleDef {
    id: "host-network",
    title: "Pod shares the host network namespace",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `hostNetwork: true` from the pod spec (or set `hostNetwork: false`).",
    standards: &[
        "pss:baseline/hostNamespaces",
        "kube-linter:host-network",
        "polaris:hostNetworkSet",
        "checkov:CKV_K8S_19",
        "kubescape:C-0041",
        "cis:5.2.5",
    ],
    enabled_by_default: true,
};

/// Row 3: the pod sets `spec.hostPID: true`.
pub(crate) const HOST_PID: RuleDef = RuleDef {
    id: "host-pid",
    title: "Pod shares the host process namespace",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `hostPID: true` from the pod spec (or set `hostPID: false`).",
    standards: &[
        "pss:baseline/hostNamespaces",
        "kube-linter:host-pid",
        "polaris:hostPIDSet",
        "checkov:CKV_K8S_17",
        "kubescape:C-0038",
        "kubescape:C-0275",
        "cis:5.2.3",
    ],
    enabled_by_default: true,
};

/// Row 4: the pod sets `spec.hostIPC: true`.
pub(crate) const HOST_IPC: RuleDef = RuleDef {
    id: "host-ipc",
    title: "Pod shares the host IPC namespace",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `hostIPC: true` from the pod spec (or set `hostIPC: false`).",
    standards: &[
        "pss:baseline/hostNamespaces",
        "kube-linter:host-ipc",
        "polaris:hostIPCSet",
        "checkov:CKV_K8S_18",
        "kubescape:C-0038",
        "kubescape:C-0276",
        "cis:5.2.4",
    ],
    enabled_by_default: true,
};

/// Row 5: a container port has a non-zero `hostPort` (`hostPort: 0` means "none").
pub(crate) const HOST_PORT: RuleDef = RuleDef {
    id: "host-port",
    title: "Container binds a host port",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `hostPort` from the container's `ports` (or set `hostPort: 0`); expose the pod through a Service.",
    standards: &[
        "pss:baseline/hostPorts",
        "polaris:hostPortSet",
        "checkov:CKV_K8S_26",
        "kubescape:C-0044",
        "cis:5.2.13",
    ],
    enabled_by_default: true,
};

/// Row 39: a container declares a `containerPort` below 1024.
pub(crate) const PRIVILEGED_PORTS: RuleDef = RuleDef {
    id: "privileged-ports",
    title: "Container declares a privileged port",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Listen on a port of 1024 or above (for example `containerPort: 8080`) and map the well-known port in the Service \
                  (`port: 80`, `targetPort: 8080`).",
    standards: &["kube-linter:privileged-ports"],
    enabled_by_default: false,
};

/// Row 40: a container declares `containerPort: 22` over TCP (kube-linter), or a Service has `port`
/// or `targetPort` 22 or 2222 (Kubescape). A Service is reported itself, at its port; Kubescape instead
/// reports the workload the Service selects.
pub(crate) const SSH_PORT: RuleDef = RuleDef {
    id: "ssh-port",
    title: "SSH port exposed",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Do not run an SSH server in the container: remove the port 22 `containerPort` and the Service port; use \
                  `kubectl exec` or an ephemeral debug container instead.",
    standards: &["kube-linter:ssh-port", "kubescape:C-0042"],
    enabled_by_default: true,
};

/// Reports pods that set the boolean `field` of the pod spec to `true`.
fn host_namespace(rule: &RuleDef, resources: &Ctx<'_>, field: &str) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| pod.forbid(rule, &[field], &Value::Bool(true)))
}

/// [`HOST_NETWORK`].
pub(crate) fn host_network(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    host_namespace(&HOST_NETWORK, resources, "hostNetwork")
}

/// [`HOST_PID`].
pub(crate) fn host_pid(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    host_namespace(&HOST_PID, resources, "hostPID")
}

/// [`HOST_IPC`].
pub(crate) fn host_ipc(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    host_namespace(&HOST_IPC, resources, "hostIPC")
}

/// Runs `check` on `ports[i].<field>` of every container port that sets it; `check` gets the value
/// and returns the reason for a finding (`None`: fine).
fn each_port_field(
    rule: &RuleDef,
    resources: &Ctx<'_>,
    field: &str,
    check: impl Fn(&Value, &Value) -> Option<&'static str>,
) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c: &Subject<'_, '_>| {
        items(c.get(&["ports"]))
            .filter_map(|(i, port)| {
                let value = lookup(port, &[field])?;
                let why = check(port, value)?;
                Some(c.report(
                    rule,
                    &["ports", &i, field],
                    format_args!("sets ports[{i}].{field}: {}{why}", show(value)),
                ))
            })
            .collect::<Vec<_>>()
    })
}

/// [`HOST_PORT`].
pub(crate) fn host_port(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_port_field(&HOST_PORT, resources, "hostPort", |_, v| (v.as_i64() != Some(0)).then_some(""))
}

/// [`PRIVILEGED_PORTS`].
pub(crate) fn privileged_ports(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_port_field(&PRIVILEGED_PORTS, resources, "containerPort", |_, v| {
        v.as_i64().is_some_and(|p| p < 1024).then_some(", below 1024")
    })
}

/// Ports Kubescape takes for SSH on a Service.
const SERVICE_SSH_PORTS: [i64; 2] = [22, 2222];

/// [`SSH_PORT`].
pub(crate) fn ssh_port(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = each_port_field(&SSH_PORT, resources, "containerPort", |port, v| {
        let tcp = lookup(port, &["protocol"]).is_none_or(|p| p == "TCP");
        (tcp && v.as_i64() == Some(22)).then_some(", the SSH port")
    });
    out.extend(each_of_kind(resources, "Service", |service| {
        items(service.json().pointer("/spec/ports")).filter_map(move |(i, port)| {
            let (field, value) = ["port", "targetPort"].into_iter().find_map(|field| {
                lookup(port, &[field])
                    .filter(|v| v.as_i64().is_some_and(|n| SERVICE_SSH_PORTS.contains(&n)))
                    .map(|v| (field, v))
            })?;
            Some(SSH_PORT.finding(
                service.index,
                format!("/spec/ports/{i}/{field}"),
                format!("Service sets spec.ports[{i}].{field}: {value}, an SSH port"),
            ))
        })
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, deployment, pod, run};
    use palisade_policy_sdk::json;

    #[test]
    fn host_namespaces_report_true_only() {
        let doc =
            deployment(json!({"hostNetwork": true, "hostPID": true, "hostIPC": true, "containers": [{"name": "app"}]}));
        assert_findings(
            host_network,
            doc.clone(),
            &[("host-network", "/spec/template/spec/hostNetwork", "pod sets hostNetwork: true")],
        );
        assert_findings(
            host_pid,
            doc.clone(),
            &[("host-pid", "/spec/template/spec/hostPID", "pod sets hostPID: true")],
        );
        assert_findings(host_ipc, doc, &[("host-ipc", "/spec/template/spec/hostIPC", "pod sets hostIPC: true")]);
        let ok = pod(json!({"hostNetwork": false, "hostIPC": false, "containers": [{"name": "app"}]}));
        for check in [host_network, host_pid, host_ipc] {
            assert_findings(check, ok.clone(), &[]);
        }
    }

    #[test]
    fn host_port_ignores_zero() {
        let doc = pod(json!({"containers": [{"name": "app", "ports": [
            {"containerPort": 80, "hostPort": 8080},
            {"containerPort": 81, "hostPort": 0},
            {"containerPort": 82}
        ]}]}));
        assert_findings(
            host_port,
            doc,
            &[("host-port", "/spec/containers/0/ports/0/hostPort", "container \"app\" sets ports[0].hostPort: 8080")],
        );
        let ok = pod(
            json!({"initContainers": [{"name": "i", "ports": [{"containerPort": 81, "hostPort": 0}]}], "containers": [{"name": "app"}]}),
        );
        assert_findings(host_port, ok, &[]);
    }

    #[test]
    fn privileged_ports_flags_ports_below_1024() {
        let doc = pod(
            json!({"containers": [{"name": "app", "ports": [{"containerPort": 8080}, {"containerPort": 80}, {"containerPort": 1024}]}]}),
        );
        assert_findings(
            privileged_ports,
            doc,
            &[(
                "privileged-ports",
                "/spec/containers/0/ports/1/containerPort",
                "container \"app\" sets ports[1].containerPort: 80, below 1024",
            )],
        );
        let ok = pod(json!({"containers": [{"name": "app", "ports": [{"containerPort": 1024}]}]}));
        assert_findings(privileged_ports, ok, &[]);
    }

    #[test]
    fn ssh_port_checks_containers_and_services() {
        let workload = pod(json!({"containers": [{"name": "app", "ports": [
            {"containerPort": 22},
            {"containerPort": 22, "protocol": "UDP"},
            {"containerPort": 2222}
        ]}]}));
        let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ssh"}, "spec": {"ports": [
            {"port": 80, "targetPort": 8080},
            {"port": 2222, "targetPort": 22},
            {"port": 8022, "targetPort": 22},
            {"port": 8023, "targetPort": "ssh"}
        ]}});
        assert_eq!(
            run(ssh_port, vec![workload, service], &json!({})),
            vec![
                (
                    0,
                    "ssh-port",
                    "/spec/containers/0/ports/0/containerPort".into(),
                    "container \"app\" sets ports[0].containerPort: 22, the SSH port".into()
                ),
                (
                    1,
                    "ssh-port",
                    "/spec/ports/1/port".into(),
                    "Service sets spec.ports[1].port: 2222, an SSH port".into()
                ),
                (
                    1,
                    "ssh-port",
                    "/spec/ports/2/targetPort".into(),
                    "Service sets spec.ports[2].targetPort: 22, an SSH port".into()
                ),
            ]
        );
        let ok = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 443, "targetPort": 8443}]}});
        assert_findings(ssh_port, ok, &[]);
    }
}
