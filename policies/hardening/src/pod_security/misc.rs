//! Other pod settings: sysctls, probe hosts, presence of security contexts, `sudo` in entrypoints and
//! sandboxed runtime classes.

use crate::context::Ctx;
use palisade_policy_sdk::workload::{PodSpec, pod_spec};
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value};

use super::{CATEGORY, Inherit, Subject, Visit, items, lookup, visit};
use crate::settings::Settings;

/// Row 30: the pod sets a sysctl outside the Pod Security Standards safe set (latest version, v1.37).
pub(crate) const SYSCTLS_SAFE: RuleDef = RuleDef {
    id: "sysctls-safe",
    title: "Pod sets an unsafe sysctl",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove sysctls outside the safe set from `securityContext.sysctls`; set node-level kernel parameters on the \
                  node instead.",
    standards: &["pss:baseline/sysctls", "kube-linter:unsafe-sysctls", "kubescape:C-0211"],
    enabled_by_default: true,
};

/// Row 35: a probe or lifecycle handler sets `httpGet.host` or `tcpSocket.host` (anything but empty).
pub(crate) const PROBE_HOST_FIELD: RuleDef = RuleDef {
    id: "probe-host-field",
    title: "Probe or lifecycle hook targets another host",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `host` from the `httpGet` and `tcpSocket` handlers of probes and lifecycle hooks; they then target the \
                  pod's own IP.",
    standards: &["pss:baseline/hostProbesAndHostLifecycle"],
    enabled_by_default: true,
};

/// Row 37: the pod's `spec.securityContext` is absent or empty.
pub(crate) const POD_SECURITY_CONTEXT_PRESENT: RuleDef = RuleDef {
    id: "pod-security-context-present",
    title: "Pod has no security context",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set a pod `securityContext`, for example `securityContext: {runAsNonRoot: true, seccompProfile: {type: \
                  RuntimeDefault}}`.",
    standards: &["checkov:CKV_K8S_29", "kubescape:C-0211", "cis:5.7.3"],
    enabled_by_default: false,
};

/// Row 38: a container's `securityContext` is absent or empty.
pub(crate) const CONTAINER_SECURITY_CONTEXT_PRESENT: RuleDef = RuleDef {
    id: "container-security-context-present",
    title: "Container has no security context",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set a container `securityContext`, for example `securityContext: {allowPrivilegeEscalation: false, \
                  readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}`.",
    standards: &[
        "kube-score:container-security-context-user-group-id",
        "checkov:CKV_K8S_30",
        "kubescape:C-0211",
        "cis:5.7.3",
    ],
    enabled_by_default: false,
};

/// Row 41: a container's `command` or `args` calls `sudo`: an entry has a word (split at white space,
/// quotes and shell operators) that is `sudo` or a path ending in `/sudo`. Kubescape matches the
/// substring `sudo` in `command` only, which also flags `pseudo`.
pub(crate) const SUDO_IN_ENTRYPOINT: RuleDef = RuleDef {
    id: "sudo-in-entrypoint",
    title: "Container entrypoint calls sudo",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove `sudo` from the container's `command` and `args`; run as the user the process needs \
                  (`securityContext.runAsUser`) instead.",
    standards: &["kubescape:C-0062"],
    enabled_by_default: true,
};

/// Row 43: a workload's pod does not set `runtimeClassName` to one of the `hardenedRuntimeClasses`
/// setting (default `gvisor`; an empty list turns the rule off). Covers every pod-bearing kind and,
/// as Kubescape does, Agent Sandbox `Sandbox` and `SandboxTemplate` (`spec.podTemplate.spec`).
pub(crate) const HARDENED_RUNTIME_CLASS: RuleDef = RuleDef {
    id: "hardened-runtime-class",
    title: "Workload does not use a sandboxed runtime",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `runtimeClassName: gvisor` (or another approved sandboxed RuntimeClass, such as `kata`) in the pod spec.",
    standards: &["kubescape:C-0297"],
    enabled_by_default: false,
};

/// Sysctls of the Pod Security Standards safe set (v1.37).
const SAFE_SYSCTLS: [&str; 14] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// [`SYSCTLS_SAFE`].
pub(crate) fn sysctls_safe(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        items(pod.get(&["securityContext", "sysctls"]))
            .filter_map(|(i, sysctl)| {
                let name = lookup(sysctl, &["name"])?;
                (!name.as_str().is_some_and(|n| SAFE_SYSCTLS.contains(&n))).then(|| {
                    pod.report(
                        &SYSCTLS_SAFE,
                        &["securityContext", "sysctls", &i, "name"],
                        format_args!("sets securityContext.sysctls[{i}].name: {}", super::show(name)),
                    )
                })
            })
            .collect::<Vec<_>>()
    })
}

/// Where a probe or lifecycle handler may name a host, relative to the container.
const HANDLER_HOSTS: [[&str; 3]; 6] = [
    ["livenessProbe", "httpGet", "host"],
    ["livenessProbe", "tcpSocket", "host"],
    ["readinessProbe", "httpGet", "host"],
    ["readinessProbe", "tcpSocket", "host"],
    ["startupProbe", "httpGet", "host"],
    ["startupProbe", "tcpSocket", "host"],
];

/// The same below `lifecycle.postStart` and `lifecycle.preStop`.
const LIFECYCLE_HOSTS: [[&str; 4]; 4] = [
    ["lifecycle", "postStart", "httpGet", "host"],
    ["lifecycle", "postStart", "tcpSocket", "host"],
    ["lifecycle", "preStop", "httpGet", "host"],
    ["lifecycle", "preStop", "tcpSocket", "host"],
];

/// [`PROBE_HOST_FIELD`].
pub(crate) fn probe_host_field(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        let paths = HANDLER_HOSTS.iter().map(|p| &p[..]).chain(LIFECYCLE_HOSTS.iter().map(|p| &p[..]));
        paths
            .filter_map(|tokens| c.judge(&PROBE_HOST_FIELD, tokens, Inherit::No, |v| v == "", None))
            .collect::<Vec<_>>()
    })
}

/// Judges that `subject` has a non-empty `securityContext`.
fn require_security_context(rule: &RuleDef, subject: &Subject<'_, '_>) -> Option<Finding> {
    subject.judge(rule, &["securityContext"], Inherit::No, |v| v.as_object().is_some_and(|o| !o.is_empty()), Some(""))
}

/// [`POD_SECURITY_CONTEXT_PRESENT`].
pub(crate) fn pod_security_context_present(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| require_security_context(&POD_SECURITY_CONTEXT_PRESENT, pod))
}

/// [`CONTAINER_SECURITY_CONTEXT_PRESENT`].
pub(crate) fn container_security_context_present(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| require_security_context(&CONTAINER_SECURITY_CONTEXT_PRESENT, c))
}

/// Whether a command line calls `sudo` (see [`SUDO_IN_ENTRYPOINT`]).
fn calls_sudo(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || "\"'`;&|()<>$".contains(c))
        .any(|word| word == "sudo" || word.ends_with("/sudo"))
}

/// [`SUDO_IN_ENTRYPOINT`].
pub(crate) fn sudo_in_entrypoint(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        ["command", "args"]
            .into_iter()
            .flat_map(|field| {
                items(c.get(&[field])).filter(|(_, line)| line.as_str().is_some_and(calls_sudo)).map(move |(i, _)| {
                    c.report(&SUDO_IN_ENTRYPOINT, &[field, &i], format_args!("calls sudo in {field}[{i}]"))
                })
            })
            .collect::<Vec<_>>()
    })
}

/// The pod spec of an Agent Sandbox `Sandbox` or `SandboxTemplate`.
fn sandbox_pod_spec(resource: &Resource) -> Option<PodSpec<'_>> {
    if !matches!(resource.kind(), "Sandbox" | "SandboxTemplate") {
        return None;
    }
    let template = resource.json().pointer("/spec/podTemplate")?;
    Some(PodSpec {
        resource,
        spec: template.get("spec").filter(|s| s.is_object())?,
        pointer: "/spec/podTemplate/spec",
        metadata: template.get("metadata").filter(|m| m.is_object()),
        metadata_pointer: "/spec/podTemplate/metadata",
    })
}

/// [`HARDENED_RUNTIME_CLASS`].
pub(crate) fn hardened_runtime_class(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let allowed = &settings.hardened_runtime_classes;
    if allowed.is_empty() {
        return Vec::new();
    }
    let missing = format!(" to one of {}", allowed.join(", "));
    resources
        .iter()
        .filter_map(|r| pod_spec(r).or_else(|| sandbox_pod_spec(r)))
        .filter_map(|pod| {
            let ok = |v: &Value| v.as_str().is_some_and(|class| allowed.iter().any(|a| a == class));
            Subject::pod(&pod).judge(&HARDENED_RUNTIME_CLASS, &["runtimeClassName"], Inherit::No, ok, Some(&missing))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, deployment, pod};
    use palisade_policy_sdk::json;

    #[test]
    fn sysctls_safe_allows_the_pss_set() {
        let safe: Vec<Value> = SAFE_SYSCTLS.iter().map(|name| json!({"name": name, "value": "1"})).collect();
        assert_findings(
            sysctls_safe,
            pod(json!({"securityContext": {"sysctls": safe}, "containers": [{"name": "app"}]})),
            &[],
        );
        let doc = deployment(json!({"securityContext": {"sysctls": [
            {"name": "net.ipv4.tcp_syncookies", "value": "1"},
            {"name": "kernel.msgmax", "value": "65536"},
            {"name": "net.core.somaxconn", "value": "1024"}
        ]}, "containers": [{"name": "app"}]}));
        assert_findings(
            sysctls_safe,
            doc,
            &[
                (
                    "sysctls-safe",
                    "/spec/template/spec/securityContext/sysctls/1/name",
                    "pod sets securityContext.sysctls[1].name: kernel.msgmax",
                ),
                (
                    "sysctls-safe",
                    "/spec/template/spec/securityContext/sysctls/2/name",
                    "pod sets securityContext.sysctls[2].name: net.core.somaxconn",
                ),
            ],
        );
    }

    #[test]
    fn probe_host_field_reports_every_handler_host() {
        let doc = pod(
            json!({"initContainers": [{"name": "init", "restartPolicy": "Always", "readinessProbe": {"tcpSocket": {"host": "8.8.8.8", "port": 80}}}],
            "containers": [{"name": "app",
                "livenessProbe": {"httpGet": {"host": "::1", "port": 8080}},
                "startupProbe": {"httpGet": {"host": "", "port": 8080}},
                "lifecycle": {"preStop": {"httpGet": {"host": "example.com", "port": 80}}}}]}),
        );
        assert_findings(
            probe_host_field,
            doc,
            &[
                (
                    "probe-host-field",
                    "/spec/initContainers/0/readinessProbe/tcpSocket/host",
                    "init container \"init\" sets readinessProbe.tcpSocket.host: 8.8.8.8",
                ),
                (
                    "probe-host-field",
                    "/spec/containers/0/livenessProbe/httpGet/host",
                    "container \"app\" sets livenessProbe.httpGet.host: ::1",
                ),
                (
                    "probe-host-field",
                    "/spec/containers/0/lifecycle/preStop/httpGet/host",
                    "container \"app\" sets lifecycle.preStop.httpGet.host: example.com",
                ),
            ],
        );
        let ok = pod(
            json!({"containers": [{"name": "app", "livenessProbe": {"httpGet": {"port": 8080}}, "readinessProbe": {"grpc": {"port": 9090}}}]}),
        );
        assert_findings(probe_host_field, ok, &[]);
    }

    #[test]
    fn security_context_presence_rejects_absent_and_empty() {
        let doc = pod(json!({"securityContext": {}, "containers": [
            {"name": "none"},
            {"name": "empty", "securityContext": {}},
            {"name": "set", "securityContext": {"runAsNonRoot": true}}
        ]}));
        assert_findings(
            pod_security_context_present,
            doc.clone(),
            &[("pod-security-context-present", "/spec/securityContext", "pod sets securityContext: {}")],
        );
        assert_findings(
            container_security_context_present,
            doc,
            &[
                (
                    "container-security-context-present",
                    "/spec/containers/0/securityContext",
                    "container \"none\" does not set securityContext",
                ),
                (
                    "container-security-context-present",
                    "/spec/containers/1/securityContext",
                    "container \"empty\" sets securityContext: {}",
                ),
            ],
        );
        assert_findings(
            pod_security_context_present,
            pod(json!({"containers": [{"name": "app"}]})),
            &[("pod-security-context-present", "/spec/securityContext", "pod does not set securityContext")],
        );
        let ok = pod(
            json!({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "app", "securityContext": {"privileged": false}}]}),
        );
        assert_findings(pod_security_context_present, ok.clone(), &[]);
        assert_findings(container_security_context_present, ok, &[]);
    }

    #[test]
    fn calls_sudo_matches_words_only() {
        for line in
            ["sudo", "sudo -u app run", "/usr/bin/sudo x", "set -e; sudo make", "a&&sudo b", "$(sudo id)", "'sudo' x"]
        {
            assert!(calls_sudo(line), "{line}");
        }
        for line in ["pseudo", "sudoers", "echo sudo-less", "/bin/sh", ""] {
            assert!(!calls_sudo(line), "{line}");
        }
    }

    #[test]
    fn sudo_in_entrypoint_checks_command_and_args() {
        let doc = pod(json!({"containers": [
            {"name": "app", "command": ["/bin/sh", "-c"], "args": ["apt-get update && sudo apt-get install -y curl"]},
            {"name": "direct", "command": ["sudo", "-E", "run"]},
            {"name": "ok", "command": ["pseudo-run"], "args": ["--sudo-free"]}
        ]}));
        assert_findings(
            sudo_in_entrypoint,
            doc,
            &[
                ("sudo-in-entrypoint", "/spec/containers/0/args/0", "container \"app\" calls sudo in args[0]"),
                ("sudo-in-entrypoint", "/spec/containers/1/command/0", "container \"direct\" calls sudo in command[0]"),
            ],
        );
        assert_findings(sudo_in_entrypoint, pod(json!({"containers": [{"name": "app", "command": ["/app"]}]})), &[]);
    }

    #[test]
    fn hardened_runtime_class_checks_workloads_and_sandboxes() {
        let sandbox = json!({"apiVersion": "extensions.agents.x-k8s.io/v1alpha1", "kind": "SandboxTemplate", "metadata": {"name": "t"},
            "spec": {"podTemplate": {"spec": {"runtimeClassName": "runc", "containers": [{"name": "agent"}]}}}});
        assert_findings(
            hardened_runtime_class,
            sandbox,
            &[("hardened-runtime-class", "/spec/podTemplate/spec/runtimeClassName", "pod sets runtimeClassName: runc")],
        );
        let doc = deployment(json!({"containers": [{"name": "app"}]}));
        assert_findings(
            hardened_runtime_class,
            doc.clone(),
            &[(
                "hardened-runtime-class",
                "/spec/template/spec/runtimeClassName",
                "pod does not set runtimeClassName to one of gvisor",
            )],
        );
        assert_findings_with(hardened_runtime_class, doc, &json!({"hardenedRuntimeClasses": []}), &[]);
        let kata = pod(json!({"runtimeClassName": "kata", "containers": [{"name": "app"}]}));
        assert_findings_with(
            hardened_runtime_class,
            kata.clone(),
            &json!({"hardenedRuntimeClasses": ["gvisor", "kata"]}),
            &[],
        );
        assert_findings(
            hardened_runtime_class,
            kata,
            &[("hardened-runtime-class", "/spec/runtimeClassName", "pod sets runtimeClassName: kata")],
        );
        assert_findings(
            hardened_runtime_class,
            pod(json!({"runtimeClassName": "gvisor", "containers": [{"name": "app"}]})),
            &[],
        );
    }
}
