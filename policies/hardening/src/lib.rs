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
#[cfg(test)]
mod scratch_conformance;

use pod_security::{
    capabilities, cluster, host, misc, privilege, profiles, users, volumes, windows,
};
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

/// Every rule, in catalog order.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        def: privilege::PRIVILEGED_CONTAINER,
        check: privilege::privileged_container,
    },
    Rule {
        def: host::HOST_NETWORK,
        check: host::host_network,
    },
    Rule {
        def: host::HOST_PID,
        check: host::host_pid,
    },
    Rule {
        def: host::HOST_IPC,
        check: host::host_ipc,
    },
    Rule {
        def: host::HOST_PORT,
        check: host::host_port,
    },
    Rule {
        def: volumes::HOST_PATH_VOLUME,
        check: volumes::host_path_volume,
    },
    Rule {
        def: volumes::HOST_PATH_WRITABLE,
        check: volumes::host_path_writable,
    },
    Rule {
        def: volumes::HOST_PATH_SENSITIVE,
        check: volumes::host_path_sensitive,
    },
    Rule {
        def: volumes::CONTAINER_RUNTIME_SOCKET,
        check: volumes::container_runtime_socket,
    },
    Rule {
        def: volumes::CLOUD_CREDENTIAL_HOST_PATH,
        check: volumes::cloud_credential_host_path,
    },
    Rule {
        def: volumes::RESTRICTED_VOLUME_TYPES,
        check: volumes::restricted_volume_types,
    },
    Rule {
        def: privilege::ALLOW_PRIVILEGE_ESCALATION,
        check: privilege::allow_privilege_escalation,
    },
    Rule {
        def: users::RUN_AS_NON_ROOT,
        check: users::run_as_non_root,
    },
    Rule {
        def: users::RUN_AS_USER_NOT_ZERO,
        check: users::run_as_user_not_zero,
    },
    Rule {
        def: users::RUN_AS_GROUP_NOT_ZERO,
        check: users::run_as_group_not_zero,
    },
    Rule {
        def: users::RUN_AS_HIGH_UID,
        check: users::run_as_high_uid,
    },
    Rule {
        def: users::RUN_AS_HIGH_GID,
        check: users::run_as_high_gid,
    },
    Rule {
        def: users::FS_GROUP_SET,
        check: users::fs_group_set,
    },
    Rule {
        def: users::FS_GROUP_CHANGE_POLICY,
        check: users::fs_group_change_policy,
    },
    Rule {
        def: users::SUPPLEMENTAL_GROUPS_NOT_ROOT,
        check: users::supplemental_groups_not_root,
    },
    Rule {
        def: profiles::SECCOMP_PROFILE_REQUIRED,
        check: profiles::seccomp_profile_required,
    },
    Rule {
        def: profiles::SECCOMP_NOT_UNCONFINED,
        check: profiles::seccomp_not_unconfined,
    },
    Rule {
        def: capabilities::CAPABILITIES_DROP_ALL,
        check: capabilities::capabilities_drop_all,
    },
    Rule {
        def: capabilities::CAPABILITIES_ADD_RESTRICTED,
        check: capabilities::capabilities_add_restricted,
    },
    Rule {
        def: capabilities::CAPABILITIES_ADD_BASELINE,
        check: capabilities::capabilities_add_baseline,
    },
    Rule {
        def: capabilities::CAPABILITIES_DANGEROUS,
        check: capabilities::capabilities_dangerous,
    },
    Rule {
        def: capabilities::CAPABILITIES_DROP_NET_RAW,
        check: capabilities::capabilities_drop_net_raw,
    },
    Rule {
        def: privilege::READ_ONLY_ROOT_FILESYSTEM,
        check: privilege::read_only_root_filesystem,
    },
    Rule {
        def: privilege::PROC_MOUNT_DEFAULT,
        check: privilege::proc_mount_default,
    },
    Rule {
        def: misc::SYSCTLS_SAFE,
        check: misc::sysctls_safe,
    },
    Rule {
        def: profiles::SELINUX_OPTIONS_RESTRICTED,
        check: profiles::selinux_options_restricted,
    },
    Rule {
        def: profiles::APPARMOR_PROFILE_ALLOWED,
        check: profiles::apparmor_profile_allowed,
    },
    Rule {
        def: windows::WINDOWS_HOST_PROCESS,
        check: windows::windows_host_process,
    },
    Rule {
        def: windows::WINDOWS_OPTIONS_SET,
        check: windows::windows_options_set,
    },
    Rule {
        def: misc::PROBE_HOST_FIELD,
        check: misc::probe_host_field,
    },
    Rule {
        def: profiles::LINUX_HARDENING_ANY,
        check: profiles::linux_hardening_any,
    },
    Rule {
        def: misc::POD_SECURITY_CONTEXT_PRESENT,
        check: misc::pod_security_context_present,
    },
    Rule {
        def: misc::CONTAINER_SECURITY_CONTEXT_PRESENT,
        check: misc::container_security_context_present,
    },
    Rule {
        def: host::PRIVILEGED_PORTS,
        check: host::privileged_ports,
    },
    Rule {
        def: host::SSH_PORT,
        check: host::ssh_port,
    },
    Rule {
        def: misc::SUDO_IN_ENTRYPOINT,
        check: misc::sudo_in_entrypoint,
    },
    Rule {
        def: cluster::NAMESPACE_PSS_ENFORCE_LABEL,
        check: cluster::namespace_pss_enforce_label,
    },
    Rule {
        def: misc::HARDENED_RUNTIME_CLASS,
        check: misc::hardened_runtime_class,
    },
    Rule {
        def: cluster::SCC_PRIVILEGED,
        check: cluster::scc_privileged,
    },
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
    description: "Workload hardening checks for rendered Kubernetes manifests",
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
        Ok(RULES
            .iter()
            .flat_map(|rule| (rule.check)(&input.resources, &settings))
            .collect())
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
            assert_eq!(
                rule.enabled_by_default,
                !OPT_IN.contains(&rule.id),
                "{}",
                rule.id
            );
            assert_eq!(rule.category, "pod-security", "{}", rule.id);
            assert!(
                !rule.title.is_empty() && rule.title.len() <= 60,
                "{}",
                rule.id
            );
            assert!(
                rule.remediation.contains('`'),
                "{} remediation shows no YAML",
                rule.id
            );
            assert!(
                !rule.remediation.contains("  "),
                "{} remediation has a double space",
                rule.id
            );
            for standard in rule.standards {
                assert!(
                    STANDARDS.iter().any(|p| standard.starts_with(p)),
                    "{}: {standard}",
                    rule.id
                );
            }
            let unique: BTreeSet<_> = rule.standards.iter().collect();
            assert_eq!(
                unique.len(),
                rule.standards.len(),
                "{} repeats a standard",
                rule.id
            );
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
        let namespace =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}});
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
            assert!(
                !findings.is_empty(),
                "{} finds nothing in the kitchen sink",
                rule.def.id
            );
            for finding in findings {
                assert_eq!(
                    (finding.rule, finding.severity),
                    (rule.def.id, rule.def.severity)
                );
                assert!(
                    finding.path.starts_with('/'),
                    "{}: {}",
                    rule.def.id,
                    finding.path
                );
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
        let input = |settings: Value| Input {
            resources: kitchen_sink(),
            evidence: Vec::new(),
            settings,
            now_unix: 0,
        };
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
        let resources = vec![
            Resource {
                index: 0,
                json: clean,
            },
            Resource {
                index: 1,
                json: namespace,
            },
        ];
        let findings: Vec<_> = RULES
            .iter()
            .flat_map(|rule| (rule.check)(&resources, &Settings::default()))
            .collect();
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
