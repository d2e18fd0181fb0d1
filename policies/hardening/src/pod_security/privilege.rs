//! Privilege and escalation: privileged containers, `allowPrivilegeEscalation`, a writable root
//! filesystem and unmasked `/proc`.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{CATEGORY, Inherit, Visit, require_in_linux_containers, visit};
use crate::settings::Settings;

/// Row 1: any container sets `securityContext.privileged: true`.
pub(crate) const PRIVILEGED_CONTAINER: RuleDef = RuleDef {
    id: "privileged-container",
    title: "Container runs privileged",
    severity: Severity::Critical,
    category: CATEGORY,
    remediation: "Remove `securityContext.privileged: true` (or set `securityContext.privileged: false`) on every container.",
    standards: &[
        "pss:baseline/privileged",
        "kube-linter:privileged-container",
        "polaris:runAsPrivileged",
        "kube-score:container-security-context-privileged",
        "checkov:CKV_K8S_16",
        "kubescape:C-0057",
        "cis:5.2.2",
    ],
    enabled_by_default: true,
};

/// Row 12: a container does not set `allowPrivilegeEscalation: false` explicitly (the PSS restricted
/// variant, not kube-linter's "only explicit `true`"). Pods with `spec.os.name: windows` are skipped
/// ([`Visit::LinuxContainers`]).
pub(crate) const ALLOW_PRIVILEGE_ESCALATION: RuleDef = RuleDef {
    id: "allow-privilege-escalation",
    title: "Container may escalate privileges",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    standards: &[
        "pss:restricted/allowPrivilegeEscalation",
        "kube-linter:privilege-escalation-container",
        "polaris:privilegeEscalationAllowed",
        "checkov:CKV_K8S_20",
        "kubescape:C-0016",
        "cis:5.2.6",
    ],
    enabled_by_default: true,
};

/// Row 28: a container lacks `readOnlyRootFilesystem: true`. Pods with `spec.os.name: windows` are
/// skipped ([`Visit::LinuxContainers`]).
pub(crate) const READ_ONLY_ROOT_FILESYSTEM: RuleDef = RuleDef {
    id: "read-only-root-filesystem",
    title: "Container root filesystem is writable",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `securityContext.readOnlyRootFilesystem: true` on every container; mount an `emptyDir` where the \
                  application must write.",
    standards: &[
        "kube-linter:no-read-only-root-fs",
        "polaris:notReadOnlyRootFilesystem",
        "kube-score:container-security-context-readonlyrootfilesystem",
        "checkov:CKV_K8S_22",
        "kubescape:C-0017",
    ],
    enabled_by_default: true,
};

/// Row 29: a container sets `procMount` to anything but `Default`. This is the restricted variant:
/// the baseline exception for pods with `hostUsers: false` is not applied.
pub(crate) const PROC_MOUNT_DEFAULT: RuleDef = RuleDef {
    id: "proc-mount-default",
    title: "Container unmasks /proc",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `securityContext.procMount` or set `securityContext.procMount: Default` on every container.",
    standards: &[
        "pss:baseline/procMount",
        "pss:restricted/procMount_restricted",
        "kube-linter:unsafe-proc-mount",
        "polaris:procMount",
        "kubescape:C-0211",
    ],
    enabled_by_default: true,
};

/// [`PRIVILEGED_CONTAINER`].
pub(crate) fn privileged_container(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        c.forbid(&PRIVILEGED_CONTAINER, &["securityContext", "privileged"], &Value::Bool(true))
    })
}

/// [`ALLOW_PRIVILEGE_ESCALATION`].
pub(crate) fn allow_privilege_escalation(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_in_linux_containers(
        &ALLOW_PRIVILEGE_ESCALATION,
        resources,
        &["securityContext", "allowPrivilegeEscalation"],
        Inherit::No,
        |v| v == &Value::Bool(false),
        ": false",
    )
}

/// [`READ_ONLY_ROOT_FILESYSTEM`].
pub(crate) fn read_only_root_filesystem(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_in_linux_containers(
        &READ_ONLY_ROOT_FILESYSTEM,
        resources,
        &["securityContext", "readOnlyRootFilesystem"],
        Inherit::No,
        |v| v == &Value::Bool(true),
        ": true",
    )
}

/// [`PROC_MOUNT_DEFAULT`].
pub(crate) fn proc_mount_default(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        c.judge(&PROC_MOUNT_DEFAULT, &["securityContext", "procMount"], Inherit::No, |v| v == "Default", None)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, deployment, pod};
    use palisade_policy_sdk::json;

    #[test]
    fn privileged_container_reports_every_container_kind() {
        let doc = pod(json!({
            "initContainers": [{"name": "init", "securityContext": {"privileged": true}}],
            "containers": [{"name": "app", "securityContext": {"privileged": true}}, {"name": "ok", "securityContext": {"privileged": false}}],
            "ephemeralContainers": [{"name": "debug", "securityContext": {"privileged": true}}]
        }));
        assert_findings(
            privileged_container,
            doc,
            &[
                (
                    "privileged-container",
                    "/spec/initContainers/0/securityContext/privileged",
                    "init container \"init\" sets securityContext.privileged: true",
                ),
                (
                    "privileged-container",
                    "/spec/containers/0/securityContext/privileged",
                    "container \"app\" sets securityContext.privileged: true",
                ),
                (
                    "privileged-container",
                    "/spec/ephemeralContainers/0/securityContext/privileged",
                    "ephemeral container \"debug\" sets securityContext.privileged: true",
                ),
            ],
        );
    }

    #[test]
    fn privileged_container_passes_unset_and_false() {
        let doc = deployment(
            json!({"containers": [{"name": "app"}, {"name": "b", "securityContext": {"privileged": false}}]}),
        );
        assert_findings(privileged_container, doc, &[]);
    }

    #[test]
    fn allow_privilege_escalation_requires_explicit_false() {
        let doc = deployment(json!({"containers": [
            {"name": "unset"},
            {"name": "yes", "securityContext": {"allowPrivilegeEscalation": true}},
            {"name": "no", "securityContext": {"allowPrivilegeEscalation": false}}
        ]}));
        assert_findings(
            allow_privilege_escalation,
            doc,
            &[
                (
                    "allow-privilege-escalation",
                    "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation",
                    "container \"unset\" does not set securityContext.allowPrivilegeEscalation: false",
                ),
                (
                    "allow-privilege-escalation",
                    "/spec/template/spec/containers/1/securityContext/allowPrivilegeEscalation",
                    "container \"yes\" sets securityContext.allowPrivilegeEscalation: true",
                ),
            ],
        );
    }

    #[test]
    fn allow_privilege_escalation_passes_false_and_windows_pods() {
        let doc = pod(json!({"containers": [{"name": "app", "securityContext": {"allowPrivilegeEscalation": false}}]}));
        assert_findings(allow_privilege_escalation, doc, &[]);
        let windows = pod(json!({"os": {"name": "windows"}, "containers": [{"name": "app"}]}));
        assert_findings(allow_privilege_escalation, windows, &[]);
    }

    #[test]
    fn read_only_root_filesystem_requires_true() {
        let doc = pod(json!({"containers": [
            {"name": "unset", "securityContext": {}},
            {"name": "rw", "securityContext": {"readOnlyRootFilesystem": false}},
            {"name": "ro", "securityContext": {"readOnlyRootFilesystem": true}}
        ]}));
        assert_findings(
            read_only_root_filesystem,
            doc,
            &[
                (
                    "read-only-root-filesystem",
                    "/spec/containers/0/securityContext/readOnlyRootFilesystem",
                    "container \"unset\" does not set securityContext.readOnlyRootFilesystem: true",
                ),
                (
                    "read-only-root-filesystem",
                    "/spec/containers/1/securityContext/readOnlyRootFilesystem",
                    "container \"rw\" sets securityContext.readOnlyRootFilesystem: false",
                ),
            ],
        );
        let windows = pod(json!({"os": {"name": "windows"}, "containers": [{"name": "app"}]}));
        assert_findings(read_only_root_filesystem, windows, &[]);
    }

    #[test]
    fn proc_mount_default_flags_anything_but_default() {
        let doc = pod(json!({"hostUsers": false, "containers": [
            {"name": "unmasked", "securityContext": {"procMount": "Unmasked"}},
            {"name": "default", "securityContext": {"procMount": "Default"}},
            {"name": "unset"}
        ]}));
        assert_findings(
            proc_mount_default,
            doc,
            &[(
                "proc-mount-default",
                "/spec/containers/0/securityContext/procMount",
                "container \"unmasked\" sets securityContext.procMount: Unmasked",
            )],
        );
        let ok = pod(json!({"containers": [{"name": "default", "securityContext": {"procMount": "Default"}}]}));
        assert_findings(proc_mount_default, ok, &[]);
    }
}
