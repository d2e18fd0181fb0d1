//! Kernel security profiles: seccomp, AppArmor and SELinux, and "some Linux hardening at all".

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value, pointer};

use super::{CATEGORY, Inherit, Subject, Visit, require_in_linux_containers, visit};
use crate::settings::Settings;

/// Row 21: a container has no effective `seccompProfile.type` of `RuntimeDefault` or `Localhost`
/// (its own `seccompProfile`, else the pod's). Pods with `spec.os.name: windows` are skipped
/// ([`Visit::LinuxContainers`]).
pub(crate) const SECCOMP_PROFILE_REQUIRED: RuleDef = RuleDef {
    id: "seccomp-profile-required",
    title: "Container runs without a seccomp profile",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` (or `Localhost` with a `localhostProfile`) in the \
                  pod's `securityContext`.",
    standards: &[
        "pss:restricted/seccompProfile_restricted",
        "polaris:linuxHardening",
        "kube-score:container-seccomp-profile",
        "checkov:CKV_K8S_31",
        "kubescape:C-0210",
        "kubescape:C-0211",
        "cis:5.7.2",
    ],
    enabled_by_default: true,
};

/// Row 22: the pod or a container sets `seccompProfile` with a type other than `RuntimeDefault` or
/// `Localhost` (`Unconfined`), or the legacy annotation `seccomp.security.alpha.kubernetes.io/pod` /
/// `container.seccomp.security.alpha.kubernetes.io/<container>` names something other than
/// `runtime/default`, `docker/default` or `localhost/<profile>`.
pub(crate) const SECCOMP_NOT_UNCONFINED: RuleDef = RuleDef {
    id: "seccomp-not-unconfined",
    title: "Pod or container disables seccomp",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` (or `Localhost`) instead of `Unconfined`, and \
                  remove `unconfined` seccomp annotations.",
    standards: &["pss:baseline/seccompProfile_baseline", "polaris:linuxHardening"],
    enabled_by_default: true,
};

/// Row 31: the pod or a container sets `seLinuxOptions.type` outside `container_t`,
/// `container_init_t`, `container_kvm_t`, `container_engine_t` (or empty), or sets
/// `seLinuxOptions.user` or `seLinuxOptions.role`.
pub(crate) const SELINUX_OPTIONS_RESTRICTED: RuleDef = RuleDef {
    id: "selinux-options-restricted",
    title: "Pod or container sets a custom SELinux context",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove `securityContext.seLinuxOptions.user` and `role`, and use a container type such as \
                  `securityContext.seLinuxOptions.type: container_t` (or leave it unset).",
    standards: &["pss:baseline/seLinuxOptions"],
    enabled_by_default: true,
};

/// Row 32: the pod or a container sets `appArmorProfile` with a type other than `RuntimeDefault` or
/// `Localhost`, or the legacy annotation `container.apparmor.security.beta.kubernetes.io/<container>`
/// names something other than `runtime/default` or `localhost/<profile>` (or is empty).
pub(crate) const APPARMOR_PROFILE_ALLOWED: RuleDef = RuleDef {
    id: "apparmor-profile-allowed",
    title: "Pod or container disables AppArmor",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Set `securityContext.appArmorProfile.type: RuntimeDefault` (or `Localhost`) instead of `Unconfined`, and \
                  remove `unconfined` AppArmor annotations.",
    standards: &["pss:baseline/appArmorProfile"],
    enabled_by_default: true,
};

/// Row 36: none of these applies to a container: a seccomp profile that is not `Unconfined`
/// (effective field or legacy annotation), SELinux options (effective, non-empty), an AppArmor profile
/// that is not `Unconfined` (effective field or legacy annotation), a non-empty `capabilities.drop`.
/// Pods with `spec.os.name: windows` are skipped ([`Visit::LinuxContainers`]).
pub(crate) const LINUX_HARDENING_ANY: RuleDef = RuleDef {
    id: "linux-hardening-any",
    title: "Container has no Linux hardening at all",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod and `securityContext.capabilities.drop: \
                  [ALL]` on every container.",
    standards: &["polaris:linuxHardening", "kubescape:C-0055", "kubescape:C-0211"],
    enabled_by_default: true,
};

/// A kernel profile set by a `securityContext` field and, before it, by annotations.
struct Profile {
    /// The `securityContext` field (`seccompProfile`, `appArmorProfile`).
    field: &'static str,
    /// The pod-wide annotation, if there was one.
    pod_annotation: Option<&'static str>,
    /// The per-container annotation, before the container name.
    container_annotation: &'static str,
    /// Annotation values that confine (an empty value means "default" where the runtime allows it).
    allowed_annotation: fn(&str) -> bool,
}

const SECCOMP: Profile = Profile {
    field: "seccompProfile",
    pod_annotation: Some("seccomp.security.alpha.kubernetes.io/pod"),
    container_annotation: "container.seccomp.security.alpha.kubernetes.io/",
    allowed_annotation: |v| matches!(v, "runtime/default" | "docker/default") || v.starts_with("localhost/"),
};

const APPARMOR: Profile = Profile {
    field: "appArmorProfile",
    pod_annotation: None,
    container_annotation: "container.apparmor.security.beta.kubernetes.io/",
    allowed_annotation: |v| v.is_empty() || v == "runtime/default" || v.starts_with("localhost/"),
};

/// Whether a profile `type` confines (`RuntimeDefault` or `Localhost`).
fn confining_type(value: &Value) -> bool {
    matches!(value.as_str(), Some("RuntimeDefault" | "Localhost"))
}

impl Profile {
    /// The subject's own legacy annotation: its key, the pointer to it and its value.
    fn annotation<'a>(&self, s: &Subject<'_, 'a>) -> Option<(String, String, &'a str)> {
        let key = match s.container {
            Some(c) => format!("{}{}", self.container_annotation, c.name),
            None => self.pod_annotation?.to_string(),
        };
        let value = s.pod.annotation(&key)?;
        Some((pointer::join(s.pod.metadata_pointer, &["annotations", &key]), key, value))
    }

    /// Findings for a subject whose own field or annotation does not confine.
    fn forbid_unconfined(&self, rule: &RuleDef, s: &Subject<'_, '_>) -> Vec<Finding> {
        let set = s.get(&["securityContext", self.field]).is_some();
        let field =
            s.judge(rule, &["securityContext", self.field, "type"], Inherit::No, confining_type, set.then_some(""));
        let annotation =
            self.annotation(s).filter(|(_, _, value)| !(self.allowed_annotation)(value)).map(|(at, key, value)| {
                s.finding(rule, at, format_args!("has annotation {key}: {}", super::show(&Value::from(value))))
            });
        field.into_iter().chain(annotation).collect()
    }

    /// Whether the profile confines container `c` (field, its own annotation or the pod's).
    fn confines(&self, c: &Subject<'_, '_>) -> bool {
        if let Some(found) = c.resolve(&["securityContext", self.field, "type"], Inherit::Object) {
            return found.value.as_str().is_some_and(|t| t != "Unconfined");
        }
        let annotation = self.annotation(c).or_else(|| self.annotation(&Subject::pod(c.pod)));
        annotation.is_some_and(|(_, _, value)| !value.is_empty() && (self.allowed_annotation)(value))
    }
}

/// [`SECCOMP_PROFILE_REQUIRED`].
pub(crate) fn seccomp_profile_required(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_in_linux_containers(
        &SECCOMP_PROFILE_REQUIRED,
        resources,
        &["securityContext", "seccompProfile", "type"],
        Inherit::Object,
        confining_type,
        ": RuntimeDefault or Localhost",
    )
}

/// [`SECCOMP_NOT_UNCONFINED`].
pub(crate) fn seccomp_not_unconfined(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::PodsAndContainers, |s| SECCOMP.forbid_unconfined(&SECCOMP_NOT_UNCONFINED, s))
}

/// [`APPARMOR_PROFILE_ALLOWED`].
pub(crate) fn apparmor_profile_allowed(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::PodsAndContainers, |s| APPARMOR.forbid_unconfined(&APPARMOR_PROFILE_ALLOWED, s))
}

/// SELinux types a container may use.
const SELINUX_TYPES: [&str; 5] = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

/// [`SELINUX_OPTIONS_RESTRICTED`].
pub(crate) fn selinux_options_restricted(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::PodsAndContainers, |s| {
        let judge = |field, ok: fn(&Value) -> bool| {
            s.judge(&SELINUX_OPTIONS_RESTRICTED, &["securityContext", "seLinuxOptions", field], Inherit::No, ok, None)
        };
        [
            judge("type", |v| v.as_str().is_some_and(|t| SELINUX_TYPES.contains(&t))),
            judge("user", |v| v == ""),
            judge("role", |v| v == ""),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
    })
}

/// [`LINUX_HARDENING_ANY`].
pub(crate) fn linux_hardening_any(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::LinuxContainers, |c| {
        let selinux = c
            .resolve(&["securityContext", "seLinuxOptions"], Inherit::Object)
            .is_some_and(|found| found.value.as_object().is_some_and(|o| !o.is_empty()));
        let drops = c
            .get(&["securityContext", "capabilities", "drop"])
            .and_then(Value::as_array)
            .is_some_and(|d| !d.is_empty());
        let hardened = selinux || drops || SECCOMP.confines(c) || APPARMOR.confines(c);
        (!hardened).then(|| {
            c.report(
                &LINUX_HARDENING_ANY,
                &["securityContext", "seccompProfile"],
                "has no seccomp, SELinux or AppArmor profile and drops no capabilities",
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{annotated_pod, assert_findings, deployment, pod};
    use palisade_policy_sdk::json;

    #[test]
    fn seccomp_profile_required_judges_the_effective_type() {
        let doc = deployment(json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [
            {"name": "inherits"},
            {"name": "unconfined", "securityContext": {"seccompProfile": {"type": "Unconfined"}}},
            {"name": "local", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}}
        ]}));
        assert_findings(
            seccomp_profile_required,
            doc,
            &[(
                "seccomp-profile-required",
                "/spec/template/spec/containers/1/securityContext/seccompProfile/type",
                "container \"unconfined\" sets securityContext.seccompProfile.type: Unconfined",
            )],
        );
        let unset = pod(json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "initContainers": [{"name": "init"}],
            "containers": [{"name": "app", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]}));
        assert_findings(
            seccomp_profile_required,
            unset,
            &[(
                "seccomp-profile-required",
                "/spec/securityContext/seccompProfile/type",
                "init container \"init\" inherits securityContext.seccompProfile.type: Unconfined from the pod",
            )],
        );
        assert_findings(
            seccomp_profile_required,
            pod(json!({"containers": [{"name": "app"}]})),
            &[(
                "seccomp-profile-required",
                "/spec/containers/0/securityContext/seccompProfile/type",
                "container \"app\" does not set securityContext.seccompProfile.type: RuntimeDefault or Localhost, nor does the pod",
            )],
        );
        assert_findings(
            seccomp_profile_required,
            pod(json!({"os": {"name": "windows"}, "containers": [{"name": "app"}]})),
            &[],
        );
    }

    #[test]
    fn seccomp_not_unconfined_reports_fields_and_annotations() {
        let doc = annotated_pod(
            json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined", "container.seccomp.security.alpha.kubernetes.io/app": "docker/default",
                "container.seccomp.security.alpha.kubernetes.io/side": "localhost/../x", "container.seccomp.security.alpha.kubernetes.io/init": "other"}),
            json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
                "initContainers": [{"name": "init", "securityContext": {"seccompProfile": {}}}],
                "containers": [{"name": "app", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}, {"name": "side"}]}),
        );
        assert_findings(
            seccomp_not_unconfined,
            doc,
            &[
                (
                    "seccomp-not-unconfined",
                    "/spec/securityContext/seccompProfile/type",
                    "pod sets securityContext.seccompProfile.type: Unconfined",
                ),
                (
                    "seccomp-not-unconfined",
                    "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod",
                    "pod has annotation seccomp.security.alpha.kubernetes.io/pod: unconfined",
                ),
                (
                    "seccomp-not-unconfined",
                    "/spec/initContainers/0/securityContext/seccompProfile/type",
                    "init container \"init\" does not set securityContext.seccompProfile.type",
                ),
                (
                    "seccomp-not-unconfined",
                    "/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1init",
                    "init container \"init\" has annotation container.seccomp.security.alpha.kubernetes.io/init: other",
                ),
            ],
        );
        let ok =
            deployment(json!({"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p"}},
            "containers": [{"name": "app"}]}));
        assert_findings(seccomp_not_unconfined, ok, &[]);
    }

    #[test]
    fn apparmor_profile_allowed_reports_fields_and_annotations() {
        let doc = annotated_pod(
            json!({"container.apparmor.security.beta.kubernetes.io/app": "unconfined",
                "container.apparmor.security.beta.kubernetes.io/side": "localhost/k8s-nginx",
                "container.apparmor.security.beta.kubernetes.io/gone": "unconfined"}),
            json!({"containers": [
                {"name": "app"},
                {"name": "side", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}},
                {"name": "ok", "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}
            ]}),
        );
        assert_findings(
            apparmor_profile_allowed,
            doc,
            &[
                (
                    "apparmor-profile-allowed",
                    "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app",
                    "container \"app\" has annotation container.apparmor.security.beta.kubernetes.io/app: unconfined",
                ),
                (
                    "apparmor-profile-allowed",
                    "/spec/containers/1/securityContext/appArmorProfile/type",
                    "container \"side\" sets securityContext.appArmorProfile.type: Unconfined",
                ),
            ],
        );
        let ok = annotated_pod(
            json!({"container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}),
            json!({"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}}, "containers": [{"name": "app"}]}),
        );
        assert_findings(apparmor_profile_allowed, ok, &[]);
    }

    #[test]
    fn selinux_options_restricted_checks_type_user_and_role() {
        let doc = pod(
            json!({"securityContext": {"seLinuxOptions": {"role": "sysadm_r", "level": "s0:c123,c456"}}, "containers": [
                {"name": "spc", "securityContext": {"seLinuxOptions": {"type": "spc_t", "user": "system_u"}}},
                {"name": "ok", "securityContext": {"seLinuxOptions": {"type": "container_init_t", "user": ""}}}
            ]}),
        );
        assert_findings(
            selinux_options_restricted,
            doc,
            &[
                (
                    "selinux-options-restricted",
                    "/spec/securityContext/seLinuxOptions/role",
                    "pod sets securityContext.seLinuxOptions.role: sysadm_r",
                ),
                (
                    "selinux-options-restricted",
                    "/spec/containers/0/securityContext/seLinuxOptions/type",
                    "container \"spc\" sets securityContext.seLinuxOptions.type: spc_t",
                ),
                (
                    "selinux-options-restricted",
                    "/spec/containers/0/securityContext/seLinuxOptions/user",
                    "container \"spc\" sets securityContext.seLinuxOptions.user: system_u",
                ),
            ],
        );
        let ok = pod(json!({"securityContext": {"seLinuxOptions": {"level": "s0:c1"}}, "containers": [
            {"name": "app", "securityContext": {"seLinuxOptions": {"type": "container_t"}}}
        ]}));
        assert_findings(selinux_options_restricted, ok, &[]);
    }

    #[test]
    fn linux_hardening_any_accepts_any_one_mechanism() {
        let doc = annotated_pod(
            json!({"container.apparmor.security.beta.kubernetes.io/apparmor": "runtime/default",
                "container.apparmor.security.beta.kubernetes.io/bare": "unconfined"}),
            json!({"containers": [
                {"name": "bare", "securityContext": {"capabilities": {"drop": []}, "seccompProfile": {"type": "Unconfined"}}},
                {"name": "seccomp", "securityContext": {"seccompProfile": {"type": "Localhost"}}},
                {"name": "selinux", "securityContext": {"seLinuxOptions": {"level": "s0"}}},
                {"name": "apparmor"},
                {"name": "drops", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}
            ]}),
        );
        assert_findings(
            linux_hardening_any,
            doc,
            &[(
                "linux-hardening-any",
                "/spec/containers/0/securityContext/seccompProfile",
                "container \"bare\" has no seccomp, SELinux or AppArmor profile and drops no capabilities",
            )],
        );
        let pod_level = annotated_pod(
            json!({"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}),
            json!({"containers": [{"name": "app"}]}),
        );
        assert_findings(linux_hardening_any, pod_level, &[]);
        let pod_field = deployment(
            json!({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}, "containers": [{"name": "app"}]}),
        );
        assert_findings(linux_hardening_any, pod_field, &[]);
    }
}
