//! Seccomp: never `Unconfined` (baseline; the alpha annotations before v1.19, the field since), and
//! `RuntimeDefault` or `Localhost` for every container (restricted, v1.19+).

use palisade_policy_sdk::{Severity, Value};

use super::{Check, Revision, Skip, Violation, rule};
use crate::level::{Level, Version};
use crate::offenders::{Offenders, Offense, Scope, go_quote, join_quote, pluralize};
use crate::pod::{Pod, lookup, text};

/// Where a seccomp profile is set.
const PROFILE: [&str; 2] = ["securityContext", "seccompProfile"];
/// The pod-wide seccomp annotation (before v1.19).
const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Prefix of the per-container seccomp annotations (before v1.19).
const CONTAINER_ANNOTATION: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// `seccompProfile_baseline` (`check_seccompProfile_baseline.go`): no seccomp profile may be
/// `Unconfined` (or any type but `RuntimeDefault` and `Localhost`).
pub(crate) const SECCOMP_PROFILE_BASELINE: Check = Check {
    def: rule(
        "seccompProfile_baseline",
        "Pod or container disables seccomp",
        Severity::High,
        "Set `securityContext.seccompProfile.type` to `RuntimeDefault` or `Localhost` (or leave it unset); before \
         v1.19 remove `unconfined` seccomp annotations.",
        &["pss:baseline/seccompProfile_baseline"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, seccomp_annotations), Revision::since(19, seccomp_fields)],
    overrides: None,
};

/// Whether an annotation value names an allowed profile.
fn allowed_annotation(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

/// v1.0: the alpha annotations, for the pod and for each container that exists.
fn seccomp_annotations(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let keys = std::iter::once(POD_ANNOTATION.to_string())
        .chain(pod.containers.iter().map(|c| format!("{CONTAINER_ANNOTATION}{}", c.name)));
    let mut forbidden: Vec<(String, String)> = keys
        .filter_map(|key| {
            let value = pod.annotation(&key).filter(|v| !allowed_annotation(v))?;
            Some((format!("{key}={}", go_quote(value)), pod.annotation_at(&key)))
        })
        .collect();
    let pointer = forbidden.first()?.1.clone();
    forbidden.sort();
    forbidden.dedup();
    let values: Vec<&str> = forbidden.iter().map(|(value, _)| value.as_str()).collect();
    let detail = format!("forbidden {} {}", pluralize("annotation", "annotations", values.len()), values.join(", "));
    Some(Violation::new("seccompProfile", detail, pointer))
}

/// A profile type that neither baseline nor restricted allows.
fn bad_type(profile: &Value) -> Option<String> {
    let kind = text(lookup(profile, &["type"]));
    (!matches!(kind.as_str(), "RuntimeDefault" | "Localhost")).then_some(kind)
}

/// The pod and containers whose own profile has a bad type.
fn explicitly_bad<'a>(pod: &Pod<'a>) -> Offenders<'a> {
    Offenders::judge(pod, Scope::PodAndContainers, &PROFILE, |profile| {
        bad_type(profile?).map(|kind| Offense::below(&["type"], [kind]))
    })
}

/// `pod must not set securityContext.seccompProfile.type to "Unconfined"`.
fn must_not_set(pod: &Pod<'_>) -> Option<Violation> {
    Violation::by(&explicitly_bad(pod), "seccompProfile", |o| {
        format!("{} must not set securityContext.seccompProfile.type to {}", o.who(), join_quote(&o.values()))
    })
}

/// v1.19: the `seccompProfile` fields.
fn seccomp_fields(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    must_not_set(pod)
}

/// `seccompProfile_restricted` (`check_seccompProfile_restricted.go`, v1.19+): every container must
/// run with `RuntimeDefault` or `Localhost`, its own or the pod's; Windows pods are exempt from
/// v1.25. It replaces `seccompProfile_baseline` at the restricted level.
pub(crate) const SECCOMP_PROFILE_RESTRICTED: Check = Check {
    def: rule(
        "seccompProfile_restricted",
        "Container runs without a seccomp profile",
        Severity::High,
        "Set `securityContext.seccompProfile.type: RuntimeDefault` (or `Localhost` with a `localhostProfile`) in the \
         pod's `securityContext`.",
        &["pss:restricted/seccompProfile_restricted"],
    ),
    level: Level::Restricted,
    revisions: &[
        Revision::since(19, seccomp_required),
        Revision::since(25, seccomp_required).skipping(Skip::WindowsPods),
    ],
    overrides: Some("seccompProfile_baseline"),
};

fn seccomp_required(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    if let Some(violation) = must_not_set(pod) {
        return Some(violation);
    }
    let pod_sets_one = pod.get(&PROFILE).is_some();
    let unset = Offenders::judge(pod, Scope::Containers, &PROFILE, |profile| {
        (profile.is_none() && !pod_sets_one).then(Offense::default)
    });
    unset.pointer()?;
    let detail = format!(
        r#"pod or {} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
        unset.containers()
    );
    Some(Violation::new("seccompProfile", detail, pod.at(&PROFILE)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Case, check_cases};
    use palisade_policy_sdk::json;

    fn containers(profiles: &[(&str, Option<&str>)]) -> Vec<Value> {
        profiles
            .iter()
            .map(|(name, kind)| match kind {
                Some(kind) => json!({"name": name, "securityContext": {"seccompProfile": {"type": kind}}}),
                None => json!({"name": name, "securityContext": {}}),
            })
            .collect()
    }

    #[test]
    fn baseline_reads_annotations_before_v1_19_and_fields_since() {
        let annotated = json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/b": "unknown",
            "container.seccomp.security.alpha.kubernetes.io/c": "docker/default",
            "container.seccomp.security.alpha.kubernetes.io/gone": "unconfined"});
        let names = json!({"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]});
        let fields = json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "containers": containers(&[("a", None), ("c", Some("Unconfined")), ("d", Some("Unconfined")), ("e", Some("RuntimeDefault"))])});
        check_cases(
            &SECCOMP_PROFILE_BASELINE,
            &[
                Case::fail(
                    "annotations, sorted",
                    18,
                    names.clone(),
                    r#"seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="unconfined", container.seccomp.security.alpha.kubernetes.io/b="unknown", seccomp.security.alpha.kubernetes.io/pod="unconfined")"#,
                    "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod",
                )
                .annotated(annotated.clone()),
                Case::pass("annotations are not read from v1.19", 19, names).annotated(annotated),
                Case::pass("fields are not read before v1.19", 18, fields.clone()),
                Case::fail(
                    "fields",
                    19,
                    fields,
                    r#"seccompProfile (pod and containers "c", "d" must not set securityContext.seccompProfile.type to "Unconfined")"#,
                    "/spec/securityContext/seccompProfile/type",
                ),
            ],
        );
    }

    #[test]
    fn restricted_requires_a_profile_for_every_container() {
        let unset = json!({"containers": containers(&[("a", None), ("b", None), ("d", Some("RuntimeDefault"))])});
        let windows = json!({"os": {"name": "windows"}, "containers": [{"name": "a"}]});
        let required = r#"seccompProfile (pod or containers "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#;
        check_cases(
            &SECCOMP_PROFILE_RESTRICTED,
            &[
                Case::absent("not yet a check", 18, unset.clone()),
                Case::fail("unset", 19, unset, required, "/spec/securityContext/seccompProfile"),
                Case::fail(
                    "explicitly bad wins",
                    37,
                    json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}),
                    r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#,
                    "/spec/securityContext/seccompProfile/type",
                ),
                Case::pass(
                    "the pod's profile covers the containers",
                    37,
                    json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": containers(&[("a", None), ("b", Some("Localhost"))])}),
                ),
                Case::fail(
                    "windows before v1.25",
                    24,
                    windows.clone(),
                    r#"seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
                    "/spec/securityContext/seccompProfile",
                ),
                Case::pass("windows from v1.25", 25, windows),
            ],
        );
    }
}
