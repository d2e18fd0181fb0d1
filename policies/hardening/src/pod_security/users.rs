//! Users and groups: non-root, root UID/GID, high UID/GID, `fsGroup` and supplemental groups.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{CATEGORY, Inherit, Subject, Visit, items, require_in_linux_containers, visit};
use crate::settings::Settings;

/// Row 13: a container's effective `runAsNonRoot` (its own, else the pod's) is not `true`.
///
/// Variant: we also accept an effective `runAsUser` above 0, as Polaris, Checkov and kube-linter do:
/// such a container cannot run as root whatever `runAsNonRoot` says. Pod Security Admission accepts
/// only `runAsNonRoot: true`, so this rule is slightly more lenient than `pss:restricted/runAsNonRoot`.
pub(crate) const RUN_AS_NON_ROOT: RuleDef = RuleDef {
    id: "run-as-non-root",
    title: "Container may run as root",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Set `securityContext.runAsNonRoot: true` in the pod's `securityContext` (or on every container), and give the \
                  image a non-root `USER` or set `securityContext.runAsUser: 10001`.",
    standards: &[
        "pss:restricted/runAsNonRoot",
        "kube-linter:run-as-non-root",
        "polaris:runAsRootAllowed",
        "checkov:CKV_K8S_23",
        "kubescape:C-0013",
        "cis:5.2.7",
    ],
    enabled_by_default: true,
};

/// Row 14: the pod or a container sets `runAsUser: 0`. The message also names the contradiction when
/// `runAsNonRoot: true` applies to the same pod or container (the kubelet then refuses to start it).
pub(crate) const RUN_AS_USER_NOT_ZERO: RuleDef = RuleDef {
    id: "run-as-user-not-zero",
    title: "Pod or container runs as UID 0",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `securityContext.runAsUser: 0` from the pod and its containers, or set a non-root UID such as \
                  `securityContext.runAsUser: 10001`.",
    standards: &["pss:restricted/runAsUser", "kube-linter:run-as-non-root", "kubescape:C-0013"],
    enabled_by_default: true,
};

/// Row 15: a container's effective `runAsGroup` is 0.
pub(crate) const RUN_AS_GROUP_NOT_ZERO: RuleDef = RuleDef {
    id: "run-as-group-not-zero",
    title: "Container runs with GID 0",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set a non-root primary group, for example `securityContext.runAsGroup: 10001`, in the pod's `securityContext` \
                  and on containers that override it.",
    standards: &["kube-linter:run-as-non-root", "kubescape:C-0013"],
    enabled_by_default: true,
};

/// Row 16: a container's effective `runAsUser` is below `minRunAsUser` (default 10000) or unset.
/// Pods with `spec.os.name: windows` are skipped ([`Visit::LinuxContainers`]).
pub(crate) const RUN_AS_HIGH_UID: RuleDef = RuleDef {
    id: "run-as-high-uid",
    title: "Container UID may collide with host users",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `securityContext.runAsUser: 10001` (10000 or more) in the pod's `securityContext` or on every container.",
    standards: &["kube-score:container-security-context-user-group-id", "checkov:CKV_K8S_40"],
    enabled_by_default: false,
};

/// Row 17: a container's effective `runAsGroup` is below `minRunAsGroup` (default 10000) or unset.
/// Pods with `spec.os.name: windows` are skipped ([`Visit::LinuxContainers`]).
pub(crate) const RUN_AS_HIGH_GID: RuleDef = RuleDef {
    id: "run-as-high-gid",
    title: "Container GID may collide with host groups",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `securityContext.runAsGroup: 10001` (10000 or more) in the pod's `securityContext` or on every container.",
    standards: &["kube-score:container-security-context-user-group-id"],
    enabled_by_default: false,
};

/// Row 18: the pod's `securityContext.fsGroup` is unset or 0. Pods with `spec.os.name: windows` are
/// skipped ([`Visit::LinuxPods`]).
pub(crate) const FS_GROUP_SET: RuleDef = RuleDef {
    id: "fs-group-set",
    title: "Pod volumes are not owned by a non-root group",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `securityContext.fsGroup: 10001` (not 0) in the pod's `securityContext`.",
    standards: &["kubescape:C-0211"],
    enabled_by_default: false,
};

/// Row 19: the pod's `securityContext.fsGroupChangePolicy` is unset. Pods with
/// `spec.os.name: windows` are skipped ([`Visit::LinuxPods`]).
pub(crate) const FS_GROUP_CHANGE_POLICY: RuleDef = RuleDef {
    id: "fs-group-change-policy",
    title: "Pod does not choose an fsGroup change policy",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set `securityContext.fsGroupChangePolicy: OnRootMismatch` (or `Always`) in the pod's `securityContext`.",
    standards: &["kubescape:C-0211"],
    enabled_by_default: false,
};

/// Row 20: the pod's `securityContext.supplementalGroups` contains 0.
pub(crate) const SUPPLEMENTAL_GROUPS_NOT_ROOT: RuleDef = RuleDef {
    id: "supplemental-groups-not-root",
    title: "Pod adds the root group",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Remove `0` from `securityContext.supplementalGroups` in the pod's `securityContext`.",
    standards: &["kubescape:C-0211"],
    enabled_by_default: false,
};

/// Whether `value` is the integer 0.
fn is_zero(value: &Value) -> bool {
    value.as_i64() == Some(0)
}

/// [`RUN_AS_NON_ROOT`].
pub(crate) fn run_as_non_root(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        let uid = c.resolve(&["securityContext", "runAsUser"], Inherit::Object);
        if uid.is_some_and(|uid| uid.value.as_i64().is_some_and(|u| u > 0)) {
            return None;
        }
        c.judge(
            &RUN_AS_NON_ROOT,
            &["securityContext", "runAsNonRoot"],
            Inherit::Object,
            |v| v == &Value::Bool(true),
            Some(": true"),
        )
    })
}

/// [`RUN_AS_USER_NOT_ZERO`].
pub(crate) fn run_as_user_not_zero(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::PodsAndContainers, |s: &Subject<'_, '_>| {
        let mut finding =
            s.judge(&RUN_AS_USER_NOT_ZERO, &["securityContext", "runAsUser"], Inherit::No, |v| !is_zero(v), None)?;
        let non_root = s.resolve(&["securityContext", "runAsNonRoot"], Inherit::Object);
        if non_root.is_some_and(|n| n.value == &Value::Bool(true)) {
            finding.message.push_str(", contradicting runAsNonRoot: true");
        }
        Some(finding)
    })
}

/// [`RUN_AS_GROUP_NOT_ZERO`].
pub(crate) fn run_as_group_not_zero(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        c.judge(&RUN_AS_GROUP_NOT_ZERO, &["securityContext", "runAsGroup"], Inherit::Object, |v| !is_zero(v), None)
    })
}

/// Reports containers of non-Windows pods whose effective `securityContext.<field>` is below `min`.
fn require_high_id(rule: &RuleDef, resources: &Ctx<'_>, field: &str, min: i64) -> Vec<Finding> {
    require_in_linux_containers(
        rule,
        resources,
        &["securityContext", field],
        Inherit::Object,
        |v| v.as_i64().is_some_and(|id| id >= min),
        &format!(" to {min} or more"),
    )
}

/// [`RUN_AS_HIGH_UID`].
pub(crate) fn run_as_high_uid(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    require_high_id(&RUN_AS_HIGH_UID, resources, "runAsUser", settings.min_run_as_user)
}

/// [`RUN_AS_HIGH_GID`].
pub(crate) fn run_as_high_gid(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    require_high_id(&RUN_AS_HIGH_GID, resources, "runAsGroup", settings.min_run_as_group)
}

/// Reports non-Windows pods whose `securityContext.<field>` is unset or fails `ok`.
fn require_pod_field(rule: &RuleDef, resources: &Ctx<'_>, field: &str, ok: fn(&Value) -> bool) -> Vec<Finding> {
    visit(resources, Visit::LinuxPods, |pod| pod.judge(rule, &["securityContext", field], Inherit::No, ok, Some("")))
}

/// [`FS_GROUP_SET`].
pub(crate) fn fs_group_set(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_pod_field(&FS_GROUP_SET, resources, "fsGroup", |v| !is_zero(v))
}

/// [`FS_GROUP_CHANGE_POLICY`].
pub(crate) fn fs_group_change_policy(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_pod_field(&FS_GROUP_CHANGE_POLICY, resources, "fsGroupChangePolicy", |_| true)
}

/// [`SUPPLEMENTAL_GROUPS_NOT_ROOT`].
pub(crate) fn supplemental_groups_not_root(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        items(pod.get(&["securityContext", "supplementalGroups"]))
            .filter(|(_, gid)| is_zero(gid))
            .map(|(i, _)| {
                pod.report(
                    &SUPPLEMENTAL_GROUPS_NOT_ROOT,
                    &["securityContext", "supplementalGroups", &i],
                    format_args!("sets securityContext.supplementalGroups[{i}]: 0"),
                )
            })
            .collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, deployment, pod};
    use palisade_policy_sdk::json;

    #[test]
    fn run_as_non_root_judges_the_effective_value() {
        let doc = pod(json!({"securityContext": {"runAsNonRoot": false}, "containers": [
            {"name": "inherits"},
            {"name": "overrides", "securityContext": {"runAsNonRoot": true}},
            {"name": "uid", "securityContext": {"runAsUser": 1000}},
            {"name": "root-uid", "securityContext": {"runAsUser": 0}}
        ]}));
        assert_findings(
            run_as_non_root,
            doc,
            &[
                (
                    "run-as-non-root",
                    "/spec/securityContext/runAsNonRoot",
                    "container \"inherits\" inherits securityContext.runAsNonRoot: false from the pod",
                ),
                (
                    "run-as-non-root",
                    "/spec/securityContext/runAsNonRoot",
                    "container \"root-uid\" inherits securityContext.runAsNonRoot: false from the pod",
                ),
            ],
        );
        let unset = deployment(
            json!({"containers": [{"name": "app"}, {"name": "no", "securityContext": {"runAsNonRoot": false}}]}),
        );
        assert_findings(
            run_as_non_root,
            unset,
            &[
                (
                    "run-as-non-root",
                    "/spec/template/spec/containers/0/securityContext/runAsNonRoot",
                    "container \"app\" does not set securityContext.runAsNonRoot: true, nor does the pod",
                ),
                (
                    "run-as-non-root",
                    "/spec/template/spec/containers/1/securityContext/runAsNonRoot",
                    "container \"no\" sets securityContext.runAsNonRoot: false",
                ),
            ],
        );
    }

    #[test]
    fn run_as_non_root_passes_pod_level_true_or_uid() {
        let doc = pod(
            json!({"securityContext": {"runAsNonRoot": true}, "initContainers": [{"name": "i"}], "containers": [{"name": "app"}]}),
        );
        assert_findings(run_as_non_root, doc, &[]);
        let uid = pod(json!({"securityContext": {"runAsUser": 1001}, "containers": [{"name": "app"}]}));
        assert_findings(run_as_non_root, uid, &[]);
    }

    #[test]
    fn run_as_user_not_zero_reports_every_explicit_zero() {
        let doc = pod(json!({"securityContext": {"runAsUser": 0}, "containers": [
            {"name": "inherits"},
            {"name": "root", "securityContext": {"runAsUser": 0, "runAsNonRoot": true}},
            {"name": "user", "securityContext": {"runAsUser": 1000}}
        ]}));
        assert_findings(
            run_as_user_not_zero,
            doc,
            &[
                ("run-as-user-not-zero", "/spec/securityContext/runAsUser", "pod sets securityContext.runAsUser: 0"),
                (
                    "run-as-user-not-zero",
                    "/spec/containers/1/securityContext/runAsUser",
                    "container \"root\" sets securityContext.runAsUser: 0, contradicting runAsNonRoot: true",
                ),
            ],
        );
        let contradiction =
            pod(json!({"securityContext": {"runAsUser": 0, "runAsNonRoot": true}, "containers": [{"name": "app"}]}));
        assert_findings(
            run_as_user_not_zero,
            contradiction,
            &[(
                "run-as-user-not-zero",
                "/spec/securityContext/runAsUser",
                "pod sets securityContext.runAsUser: 0, contradicting runAsNonRoot: true",
            )],
        );
        let ok = pod(
            json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "app", "securityContext": {"runAsUser": 2000}}]}),
        );
        assert_findings(run_as_user_not_zero, ok, &[]);
    }

    #[test]
    fn run_as_group_not_zero_judges_the_effective_group() {
        let doc = pod(json!({"securityContext": {"runAsGroup": 0}, "containers": [
            {"name": "inherits"},
            {"name": "overrides", "securityContext": {"runAsGroup": 1000}},
            {"name": "root", "securityContext": {"runAsUser": 1001, "runAsGroup": 0}}
        ]}));
        assert_findings(
            run_as_group_not_zero,
            doc,
            &[
                (
                    "run-as-group-not-zero",
                    "/spec/securityContext/runAsGroup",
                    "container \"inherits\" inherits securityContext.runAsGroup: 0 from the pod",
                ),
                (
                    "run-as-group-not-zero",
                    "/spec/containers/2/securityContext/runAsGroup",
                    "container \"root\" sets securityContext.runAsGroup: 0",
                ),
            ],
        );
        assert_findings(run_as_group_not_zero, pod(json!({"containers": [{"name": "unset"}]})), &[]);
    }

    #[test]
    fn run_as_high_uid_requires_the_threshold() {
        let doc = pod(json!({"securityContext": {"runAsUser": 1000}, "containers": [
            {"name": "inherits"},
            {"name": "high", "securityContext": {"runAsUser": 10000}}
        ]}));
        assert_findings(
            run_as_high_uid,
            doc.clone(),
            &[(
                "run-as-high-uid",
                "/spec/securityContext/runAsUser",
                "container \"inherits\" inherits securityContext.runAsUser: 1000 from the pod",
            )],
        );
        assert_findings_with(run_as_high_uid, doc, &json!({"minRunAsUser": 1000}), &[]);
        assert_findings(
            run_as_high_uid,
            pod(json!({"containers": [{"name": "app"}]})),
            &[(
                "run-as-high-uid",
                "/spec/containers/0/securityContext/runAsUser",
                "container \"app\" does not set securityContext.runAsUser to 10000 or more, nor does the pod",
            )],
        );
        assert_findings(run_as_high_uid, pod(json!({"os": {"name": "windows"}, "containers": [{"name": "app"}]})), &[]);
    }

    #[test]
    fn run_as_high_gid_requires_the_threshold() {
        let doc = pod(json!({"containers": [
            {"name": "low", "securityContext": {"runAsGroup": 3000}},
            {"name": "high", "securityContext": {"runAsGroup": 20000}}
        ]}));
        assert_findings(
            run_as_high_gid,
            doc.clone(),
            &[(
                "run-as-high-gid",
                "/spec/containers/0/securityContext/runAsGroup",
                "container \"low\" sets securityContext.runAsGroup: 3000",
            )],
        );
        assert_findings_with(run_as_high_gid, doc, &json!({"minRunAsGroup": 3000}), &[]);
    }

    #[test]
    fn fs_group_set_rejects_unset_and_zero() {
        assert_findings(
            fs_group_set,
            pod(json!({"containers": [{"name": "app"}]})),
            &[("fs-group-set", "/spec/securityContext/fsGroup", "pod does not set securityContext.fsGroup")],
        );
        assert_findings(
            fs_group_set,
            deployment(json!({"securityContext": {"fsGroup": 0}, "containers": [{"name": "app"}]})),
            &[("fs-group-set", "/spec/template/spec/securityContext/fsGroup", "pod sets securityContext.fsGroup: 0")],
        );
        assert_findings(
            fs_group_set,
            pod(json!({"securityContext": {"fsGroup": 2000}, "containers": [{"name": "app"}]})),
            &[],
        );
    }

    #[test]
    fn fs_group_change_policy_requires_a_value() {
        assert_findings(
            fs_group_change_policy,
            pod(json!({"securityContext": {"fsGroup": 2000}, "containers": [{"name": "app"}]})),
            &[(
                "fs-group-change-policy",
                "/spec/securityContext/fsGroupChangePolicy",
                "pod does not set securityContext.fsGroupChangePolicy",
            )],
        );
        assert_findings(
            fs_group_change_policy,
            pod(json!({"securityContext": {"fsGroupChangePolicy": "OnRootMismatch"}, "containers": [{"name": "app"}]})),
            &[],
        );
    }

    #[test]
    fn supplemental_groups_not_root_reports_each_zero() {
        assert_findings(
            supplemental_groups_not_root,
            pod(json!({"securityContext": {"supplementalGroups": [1000, 0]}, "containers": [{"name": "app"}]})),
            &[(
                "supplemental-groups-not-root",
                "/spec/securityContext/supplementalGroups/1",
                "pod sets securityContext.supplementalGroups[1]: 0",
            )],
        );
        assert_findings(
            supplemental_groups_not_root,
            pod(json!({"securityContext": {"supplementalGroups": [1000]}, "containers": [{"name": "app"}]})),
            &[],
        );
    }
}
