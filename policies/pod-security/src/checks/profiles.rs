//! AppArmor profiles and SELinux options.

use palisade_policy_sdk::Severity;

use super::{Check, Revision, Violation, rule};
use crate::level::{Level, Version};
use crate::offenders::{Offenders, Offense, Scope, go_quote, join_quote, pluralize};
use crate::pod::{Pod, lookup, text};

/// `appArmorProfile` (`check_appArmorProfile.go`): the pod and its containers must not override the
/// default AppArmor profile with anything but `RuntimeDefault` or `Localhost`, in the
/// `appArmorProfile` field or the deprecated `container.apparmor.security.beta.kubernetes.io/*`
/// annotations.
pub(crate) const APP_ARMOR_PROFILE: Check = Check {
    def: rule(
        "appArmorProfile",
        "Pod or container disables or overrides AppArmor",
        Severity::High,
        "Set `securityContext.appArmorProfile.type` to `RuntimeDefault` or `Localhost` (or leave it unset), and \
         remove `unconfined` `container.apparmor.security.beta.kubernetes.io/*` annotations.",
        &["pss:baseline/appArmorProfile"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, app_armor_profile)],
    overrides: None,
};

/// Prefix of the deprecated per-container AppArmor annotations.
const APP_ARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

fn app_armor_profile(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let fields = Offenders::judge(pod, Scope::PodAndContainers, &["securityContext", "appArmorProfile"], |profile| {
        let kind = text(lookup(profile?, &["type"]));
        (!matches!(kind.as_str(), "RuntimeDefault" | "Localhost")).then(|| Offense::below(&["type"], [kind]))
    });
    let mut annotations: Vec<(String, String)> = pod
        .annotations()
        .filter(|(key, value)| {
            key.starts_with(APP_ARMOR_ANNOTATION)
                && !(value.is_empty() || *value == "runtime/default" || value.starts_with("localhost/"))
        })
        .map(|(key, value)| (format!("{key}={}", go_quote(value)), pod.annotation_at(key)))
        .collect();
    annotations.sort();
    let mut setters = Vec::new();
    if !fields.is_empty() {
        setters.push(fields.who());
    }
    if !annotations.is_empty() {
        setters.push(pluralize("annotation", "annotations", annotations.len()).to_string());
    }
    let values: Vec<&str> =
        fields.values().into_iter().chain(annotations.iter().map(|(value, _)| value.as_str())).collect();
    let pointer = fields.pointer().or_else(|| annotations.first().map(|(_, at)| at.clone()))?;
    Some(Violation::new(
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", values.len()),
        format!("{} must not set AppArmor profile type to {}", setters.join(" and "), join_quote(&values)),
        pointer,
    ))
}

/// `seLinuxOptions` (`check_seLinuxOptions.go`): the pod and its containers may set only an allowed
/// SELinux `type` (`container_engine_t` from v1.31) and never a `user` or `role`.
pub(crate) const SE_LINUX_OPTIONS: Check = Check {
    def: rule(
        "seLinuxOptions",
        "Pod or container sets a custom SELinux type, user or role",
        Severity::High,
        "Remove `user` and `role` from `securityContext.seLinuxOptions`, and set its `type` only to `container_t`, \
         `container_init_t`, `container_kvm_t` or `container_engine_t`.",
        &["pss:baseline/seLinuxOptions"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, se_linux_options)],
    overrides: None,
};

/// SELinux types allowed from v1.0 (`""` is unset).
const SE_LINUX_TYPES: [&str; 4] = ["", "container_t", "container_init_t", "container_kvm_t"];

fn se_linux_options(pod: &Pod<'_>, version: Version) -> Option<Violation> {
    let allowed =
        |kind: &str| SE_LINUX_TYPES.contains(&kind) || (version >= Version::v1(31) && kind == "container_engine_t");
    let (mut sets_user, mut sets_role) = (false, false);
    let offenders = Offenders::judge(pod, Scope::PodAndContainers, &["securityContext", "seLinuxOptions"], |options| {
        let options = options?;
        let kind = text(lookup(options, &["type"]));
        let set = |field: &str| !text(lookup(options, &[field])).is_empty();
        let (bad_type, user, role) = (!allowed(&kind), set("user"), set("role"));
        sets_user |= user;
        sets_role |= role;
        let (_, field) = [(bad_type, "type"), (user, "user"), (role, "role")].into_iter().find(|(bad, _)| *bad)?;
        Some(Offense::below(&[field], bad_type.then_some(kind)))
    });
    let types = offenders.values();
    let mut data = Vec::new();
    if !types.is_empty() {
        data.push(format!("{} {}", pluralize("type", "types", types.len()), join_quote(&types)));
    }
    if sets_user {
        data.push("user may not be set".to_string());
    }
    if sets_role {
        data.push("role may not be set".to_string());
    }
    Violation::by(&offenders, "seLinuxOptions", |o| {
        format!("{} set forbidden securityContext.seLinuxOptions: {}", o.who(), data.join("; "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Case, check_cases};
    use palisade_policy_sdk::json;

    #[test]
    fn app_armor_judges_fields_and_annotations() {
        let annotations = json!({
            "container.apparmor.security.beta.kubernetes.io/": "bogus",
            "container.apparmor.security.beta.kubernetes.io/a": "",
            "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
            "container.apparmor.security.beta.kubernetes.io/c": "localhost/",
            "container.apparmor.security.beta.kubernetes.io/e": "unconfined",
            "container.apparmor.security.beta.kubernetes.io/f": "unknown",
            "other": "unconfined"
        });
        check_cases(
            &APP_ARMOR_PROFILE,
            &[
                Case::fail(
                    "upstream's annotation example",
                    0,
                    json!({"containers": [{"name": "a"}]}),
                    r#"forbidden AppArmor profiles (annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="bogus"", "container.apparmor.security.beta.kubernetes.io/e="unconfined"", "container.apparmor.security.beta.kubernetes.io/f="unknown"")"#,
                    "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1",
                )
                .annotated(annotations),
                Case::fail(
                    "field on the pod and a container, and an annotation",
                    37,
                    json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}},
                        "containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "x"}}},
                            {"name": "b", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]}),
                    r#"forbidden AppArmor profiles (pod and container "b" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/b="unconfined"")"#,
                    "/spec/securityContext/appArmorProfile/type",
                )
                .annotated(json!({"container.apparmor.security.beta.kubernetes.io/b": "unconfined"})),
                Case::fail(
                    "a container field",
                    37,
                    json!({"containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]}),
                    r#"forbidden AppArmor profile (container "a" must not set AppArmor profile type to "Unconfined")"#,
                    "/spec/containers/0/securityContext/appArmorProfile/type",
                ),
                Case::pass("runtime default", 37, json!({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}))
                    .annotated(json!({"container.apparmor.security.beta.kubernetes.io/a": "localhost/x"})),
            ],
        );
    }

    #[test]
    fn se_linux_options_report_types_users_and_roles() {
        let options = |kind: &str| json!({"securityContext": {"seLinuxOptions": {"type": kind}}});
        check_cases(
            &SE_LINUX_OPTIONS,
            &[
                Case::fail(
                    "upstream's example",
                    37,
                    json!({"securityContext": {"seLinuxOptions": {"type": "foo", "user": "bar", "role": "baz"}},
                        "containers": [
                            {"name": "a", "securityContext": {"seLinuxOptions": {"type": "container_t"}}},
                            {"name": "d", "securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}},
                            {"name": "e", "securityContext": {"seLinuxOptions": {"type": "bar"}}},
                            {"name": "f", "securityContext": {"seLinuxOptions": {"user": "bar"}}},
                            {"name": "g", "securityContext": {"seLinuxOptions": {"role": "baz"}}}]}),
                    r#"seLinuxOptions (pod and containers "e", "f", "g" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set)"#,
                    "/spec/securityContext/seLinuxOptions/type",
                ),
                Case::fail(
                    "role only",
                    0,
                    json!({"securityContext": {"seLinuxOptions": {"role": "x"}}, "containers": [{"name": "a", "securityContext": {"seLinuxOptions": {}}}]}),
                    "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: role may not be set)",
                    "/spec/securityContext/seLinuxOptions/role",
                ),
                Case::fail(
                    "container_engine_t before v1.31",
                    30,
                    options("container_engine_t"),
                    r#"seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "container_engine_t")"#,
                    "/spec/securityContext/seLinuxOptions/type",
                ),
                Case::pass("container_engine_t from v1.31", 31, options("container_engine_t")),
                Case::pass("level may be set", 0, json!({"securityContext": {"seLinuxOptions": {"level": "s0:c1"}}})),
            ],
        );
    }
}
