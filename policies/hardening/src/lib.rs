//! Workload hardening policy: checks of the palisade catalog (`checks.md` §1) over rendered
//! Kubernetes manifests.
//!
//! Every rule is a [`RuleDef`] constant beside its check function, in a module per theme; [`RULES`]
//! lists them all in catalog order. `evaluate` runs every rule on every call: the host filters
//! findings by the rules enabled in its configuration, so opt-in rules are evaluated too.

use palisade_policy_sdk::{Finding, Input, Policy, PolicyMeta, Resource, RuleDef, export_policy};

mod pod_security;
mod settings;
#[cfg(test)]
mod testing;

use pod_security::{capabilities, cluster, host, misc, privilege, profiles, users, volumes, windows};
use settings::Settings;

/// A rule's check: findings over the whole resource set.
pub(crate) type Check = fn(&[Resource], &Settings) -> Vec<Finding>;

/// A rule and its check.
pub(crate) struct Rule {
    /// What the host is told about the rule.
    pub(crate) def: RuleDef,
    /// How it is checked.
    pub(crate) check: Check,
}

impl Rule {
    const fn new(def: RuleDef, check: Check) -> Self {
        Self { def, check }
    }
}

/// Every rule, in catalog order.
pub(crate) const RULES: &[Rule] = &[
    Rule::new(privilege::PRIVILEGED_CONTAINER, privilege::privileged_container),
    Rule::new(host::HOST_NETWORK, host::host_network),
    Rule::new(host::HOST_PID, host::host_pid),
    Rule::new(host::HOST_IPC, host::host_ipc),
    Rule::new(host::HOST_PORT, host::host_port),
    Rule::new(volumes::HOST_PATH_VOLUME, volumes::host_path_volume),
    Rule::new(volumes::HOST_PATH_WRITABLE, volumes::host_path_writable),
    Rule::new(volumes::HOST_PATH_SENSITIVE, volumes::host_path_sensitive),
    Rule::new(volumes::CONTAINER_RUNTIME_SOCKET, volumes::container_runtime_socket),
    Rule::new(volumes::CLOUD_CREDENTIAL_HOST_PATH, volumes::cloud_credential_host_path),
    Rule::new(volumes::RESTRICTED_VOLUME_TYPES, volumes::restricted_volume_types),
    Rule::new(privilege::ALLOW_PRIVILEGE_ESCALATION, privilege::allow_privilege_escalation),
    Rule::new(users::RUN_AS_NON_ROOT, users::run_as_non_root),
    Rule::new(users::RUN_AS_USER_NOT_ZERO, users::run_as_user_not_zero),
    Rule::new(users::RUN_AS_GROUP_NOT_ZERO, users::run_as_group_not_zero),
    Rule::new(users::RUN_AS_HIGH_UID, users::run_as_high_uid),
    Rule::new(users::RUN_AS_HIGH_GID, users::run_as_high_gid),
    Rule::new(users::FS_GROUP_SET, users::fs_group_set),
    Rule::new(users::FS_GROUP_CHANGE_POLICY, users::fs_group_change_policy),
    Rule::new(users::SUPPLEMENTAL_GROUPS_NOT_ROOT, users::supplemental_groups_not_root),
    Rule::new(profiles::SECCOMP_PROFILE_REQUIRED, profiles::seccomp_profile_required),
    Rule::new(profiles::SECCOMP_NOT_UNCONFINED, profiles::seccomp_not_unconfined),
    Rule::new(capabilities::CAPABILITIES_DROP_ALL, capabilities::capabilities_drop_all),
    Rule::new(capabilities::CAPABILITIES_ADD_RESTRICTED, capabilities::capabilities_add_restricted),
    Rule::new(capabilities::CAPABILITIES_ADD_BASELINE, capabilities::capabilities_add_baseline),
    Rule::new(capabilities::CAPABILITIES_DANGEROUS, capabilities::capabilities_dangerous),
    Rule::new(capabilities::CAPABILITIES_DROP_NET_RAW, capabilities::capabilities_drop_net_raw),
    Rule::new(privilege::READ_ONLY_ROOT_FILESYSTEM, privilege::read_only_root_filesystem),
    Rule::new(privilege::PROC_MOUNT_DEFAULT, privilege::proc_mount_default),
    Rule::new(misc::SYSCTLS_SAFE, misc::sysctls_safe),
    Rule::new(profiles::SELINUX_OPTIONS_RESTRICTED, profiles::selinux_options_restricted),
    Rule::new(profiles::APPARMOR_PROFILE_ALLOWED, profiles::apparmor_profile_allowed),
    Rule::new(windows::WINDOWS_HOST_PROCESS, windows::windows_host_process),
    Rule::new(windows::WINDOWS_OPTIONS_SET, windows::windows_options_set),
    Rule::new(misc::PROBE_HOST_FIELD, misc::probe_host_field),
    Rule::new(profiles::LINUX_HARDENING_ANY, profiles::linux_hardening_any),
    Rule::new(misc::POD_SECURITY_CONTEXT_PRESENT, misc::pod_security_context_present),
    Rule::new(misc::CONTAINER_SECURITY_CONTEXT_PRESENT, misc::container_security_context_present),
    Rule::new(host::PRIVILEGED_PORTS, host::privileged_ports),
    Rule::new(host::SSH_PORT, host::ssh_port),
    Rule::new(misc::SUDO_IN_ENTRYPOINT, misc::sudo_in_entrypoint),
    Rule::new(cluster::NAMESPACE_PSS_ENFORCE_LABEL, cluster::namespace_pss_enforce_label),
    Rule::new(misc::HARDENED_RUNTIME_CLASS, misc::hardened_runtime_class),
    Rule::new(cluster::SCC_PRIVILEGED, cluster::scc_privileged),
];

/// The definitions of [`RULES`], for [`PolicyMeta`].
static RULE_DEFS: [RuleDef; RULES.len()] = {
    let mut defs = [RULES[0].def; RULES.len()];
    let mut i = 1;
    while i < RULES.len() {
        defs[i] = RULES[i].def;
        i += 1;
    }
    defs
};

static META: PolicyMeta = PolicyMeta {
    name: "hardening",
    version: env!("CARGO_PKG_VERSION"),
    description: "Workload hardening",
    rules: &RULE_DEFS,
    settings_schema: settings::SCHEMA,
};

struct Hardening;

impl Policy for Hardening {
    fn meta() -> &'static PolicyMeta {
        &META
    }

    fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
        let settings = Settings::parse(&input.settings)?;
        Ok(RULES.iter().flat_map(|rule| (rule.check)(&input.resources, &settings)).collect())
    }
}

export_policy!(Hardening);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::{Value, json};
    use std::collections::BTreeSet;

    /// The rule ids of checks.md §1.1, in catalog order.
    const CATALOG: [&str; 44] = [
        "privileged-container",
        "host-network",
        "host-pid",
        "host-ipc",
        "host-port",
        "host-path-volume",
        "host-path-writable",
        "host-path-sensitive",
        "container-runtime-socket",
        "cloud-credential-host-path",
        "restricted-volume-types",
        "allow-privilege-escalation",
        "run-as-non-root",
        "run-as-user-not-zero",
        "run-as-group-not-zero",
        "run-as-high-uid",
        "run-as-high-gid",
        "fs-group-set",
        "fs-group-change-policy",
        "supplemental-groups-not-root",
        "seccomp-profile-required",
        "seccomp-not-unconfined",
        "capabilities-drop-all",
        "capabilities-add-restricted",
        "capabilities-add-baseline",
        "capabilities-dangerous",
        "capabilities-drop-net-raw",
        "read-only-root-filesystem",
        "proc-mount-default",
        "sysctls-safe",
        "selinux-options-restricted",
        "apparmor-profile-allowed",
        "windows-host-process",
        "windows-options-set",
        "probe-host-field",
        "linux-hardening-any",
        "pod-security-context-present",
        "container-security-context-present",
        "privileged-ports",
        "ssh-port",
        "sudo-in-entrypoint",
        "namespace-pss-enforce-label",
        "hardened-runtime-class",
        "scc-privileged",
    ];

    /// Rule ids that are opt-in (`opt` in checks.md).
    const OPT_IN: [&str; 11] = [
        "run-as-high-uid",
        "run-as-high-gid",
        "fs-group-set",
        "fs-group-change-policy",
        "supplemental-groups-not-root",
        "windows-options-set",
        "pod-security-context-present",
        "container-security-context-present",
        "privileged-ports",
        "namespace-pss-enforce-label",
        "hardened-runtime-class",
    ];

    /// Reference prefixes a `standards` entry may use.
    const STANDARDS: [&str; 8] = [
        "pss:baseline/",
        "pss:restricted/",
        "kube-linter:",
        "polaris:",
        "kube-score:",
        "checkov:",
        "kubescape:",
        "cis:",
    ];

    #[test]
    fn rules_follow_the_catalog() {
        let ids: Vec<_> = META.rules.iter().map(|r| r.id).collect();
        assert_eq!(ids, CATALOG);
        for rule in META.rules {
            assert_eq!(rule.enabled_by_default, !OPT_IN.contains(&rule.id), "{}", rule.id);
            assert_eq!(rule.category, "pod-security", "{}", rule.id);
            assert!(!rule.title.is_empty() && rule.title.len() <= 60, "{}", rule.id);
            assert!(rule.remediation.contains('`'), "{} remediation shows no YAML", rule.id);
            assert!(!rule.remediation.contains("  "), "{} remediation has a double space", rule.id);
            for standard in rule.standards {
                assert!(STANDARDS.iter().any(|p| standard.starts_with(p)), "{}: {standard}", rule.id);
            }
            let unique: BTreeSet<_> = rule.standards.iter().collect();
            assert_eq!(unique.len(), rule.standards.len(), "{} repeats a standard", rule.id);
        }
    }

    /// Objects that together break every rule at least once.
    fn kitchen_sink() -> Vec<Resource> {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "bad"}, "spec": {"template": {
            "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}},
            "spec": {
                "hostNetwork": true, "hostPID": true, "hostIPC": true,
                "nodeSelector": {"kubernetes.io/os": "windows"},
                "securityContext": {"runAsUser": 0, "runAsGroup": 0, "fsGroup": 0, "supplementalGroups": [0],
                    "seccompProfile": {"type": "Unconfined"}, "sysctls": [{"name": "kernel.msgmax", "value": "1"}]},
                "volumes": [
                    {"name": "root", "hostPath": {"path": "/"}},
                    {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}},
                    {"name": "aws", "hostPath": {"path": "/root/.aws"}}
                ],
                "containers": [{
                    "name": "app",
                    "command": ["sudo", "/app"],
                    "ports": [{"containerPort": 22, "hostPort": 22}],
                    "livenessProbe": {"httpGet": {"host": "169.254.169.254", "port": 80}},
                    "securityContext": {"privileged": true, "allowPrivilegeEscalation": true, "runAsNonRoot": false,
                        "procMount": "Unmasked", "capabilities": {"add": ["SYS_ADMIN"]},
                        "seLinuxOptions": {"type": "spc_t"}, "windowsOptions": {"hostProcess": true}},
                    "volumeMounts": [{"name": "root", "mountPath": "/host"}]
                }, {"name": "bare"}]
            }
        }}});
        let bare_pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare"}, "spec": {"containers": [{"name": "x"}]}});
        let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
        let scc = json!({"apiVersion": "security.openshift.io/v1", "kind": "SecurityContextConstraints", "metadata": {"name": "anyuid"},
            "allowPrivilegedContainer": true});
        [deployment, bare_pod, namespace, scc]
            .into_iter()
            .zip(0..)
            .map(|(json, index)| Resource { index, json })
            .collect()
    }

    #[test]
    fn every_rule_reports_under_its_own_id() {
        let resources = kitchen_sink();
        let settings = Settings::default();
        for rule in RULES {
            let findings = (rule.check)(&resources, &settings);
            assert!(!findings.is_empty(), "{} finds nothing in the kitchen sink", rule.def.id);
            for finding in findings {
                assert_eq!((finding.rule, finding.severity), (rule.def.id, rule.def.severity));
                assert!(finding.path.starts_with('/'), "{}: {}", rule.def.id, finding.path);
                assert!(
                    !finding.message.is_empty() && !finding.message.contains('\n'),
                    "{}: {}",
                    rule.def.id,
                    finding.message
                );
            }
        }
    }

    #[test]
    fn evaluate_runs_every_rule_and_checks_settings() {
        let input = |settings: Value| Input { resources: kitchen_sink(), evidence: Vec::new(), settings, now_unix: 0 };
        let findings = Hardening::evaluate(&input(json!({}))).unwrap();
        let rules: BTreeSet<_> = findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, CATALOG.into_iter().collect());
        assert_eq!(
            Hardening::evaluate(&input(json!({"minRunAsUser": "high"}))).map(|f| f.len()),
            Err("invalid settings: invalid type: string \"high\", expected i64".to_string())
        );
    }

    #[test]
    fn a_hardened_workload_passes_every_rule() {
        let clean = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "good"}, "spec": {"template": {"spec": {
            "runtimeClassName": "gvisor",
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": [{"name": "tmp", "emptyDir": {}}],
            "containers": [{
                "name": "app",
                "command": ["/app"],
                "ports": [{"containerPort": 8080}],
                "readinessProbe": {"httpGet": {"port": 8080, "path": "/ready"}},
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
            }]
        }}}});
        let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps",
            "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}});
        let resources = vec![Resource { index: 0, json: clean }, Resource { index: 1, json: namespace }];
        let findings: Vec<_> = RULES.iter().flat_map(|rule| (rule.check)(&resources, &Settings::default())).collect();
        assert_eq!(findings, Vec::new());
    }

    #[test]
    fn info_describes_the_policy() {
        let info = &META;
        assert_eq!((info.name, info.version), ("hardening", "0.1.0"));
        assert_eq!(info.rules.len(), RULES.len());
        let schema: Value = serde_json::from_str(info.settings_schema).unwrap();
        assert_eq!(schema["type"], json!("object"));
    }
}
