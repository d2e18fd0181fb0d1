//! Running as a non-root user: `runAsNonRoot: true` for every container, and never `runAsUser: 0`.
//! From v1.35 both are lifted for pods in their own user namespace (`hostUsers: false`), whose root
//! is not root on the node.

use palisade_policy_sdk::{Severity, Value};

use super::{Check, Revision, Skip, Violation, rule};
use crate::level::{Level, Version};
use crate::offenders::{Offenders, Offense, Scope};
use crate::pod::Pod;

/// Where `runAsNonRoot` is set.
const RUN_AS_NON_ROOT_FIELD: [&str; 2] = ["securityContext", "runAsNonRoot"];

/// `runAsNonRoot` (`check_runAsNonRoot.go`): every container must run with `runAsNonRoot: true`, its
/// own or the pod's, and nothing may set it to `false`.
pub(crate) const RUN_AS_NON_ROOT: Check = Check {
    def: rule(
        "runAsNonRoot",
        "Container may run as root",
        Severity::High,
        "Set `securityContext.runAsNonRoot: true` in the pod's `securityContext` and do not set it to `false` on a \
         container.",
        &["pss:restricted/runAsNonRoot"],
    ),
    level: Level::Restricted,
    revisions: &[
        Revision::since(0, run_as_non_root),
        Revision::since(35, run_as_non_root).skipping(Skip::OwnUserNamespace),
    ],
    overrides: None,
};

fn run_as_non_root(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let flag = |value: Option<&Value>| value.and_then(Value::as_bool);
    let explicit = Offenders::judge(pod, Scope::PodAndContainers, &RUN_AS_NON_ROOT_FIELD, |v| {
        (flag(v) == Some(false)).then(Offense::default)
    });
    if let Some(violation) = Violation::by(&explicit, "runAsNonRoot != true", |o| {
        format!("{} must not set securityContext.runAsNonRoot=false", o.who())
    }) {
        return Some(violation);
    }
    let pod_non_root = flag(pod.get(&RUN_AS_NON_ROOT_FIELD)) == Some(true);
    let implicit = Offenders::judge(pod, Scope::Containers, &RUN_AS_NON_ROOT_FIELD, |v| {
        (flag(v).is_none() && !pod_non_root).then(Offense::default)
    });
    implicit.pointer()?;
    let detail = format!("pod or {} must set securityContext.runAsNonRoot=true", implicit.containers());
    Some(Violation::new("runAsNonRoot != true", detail, pod.at(&RUN_AS_NON_ROOT_FIELD)))
}

/// `runAsUser` (`check_runAsUser.go`, v1.23+): neither the pod nor a container may set
/// `runAsUser: 0`.
pub(crate) const RUN_AS_USER: Check = Check {
    def: rule(
        "runAsUser",
        "Pod or container runs as UID 0",
        Severity::High,
        "Remove `securityContext.runAsUser: 0` from the pod and its containers, or set a non-zero UID.",
        &["pss:restricted/runAsUser"],
    ),
    level: Level::Restricted,
    revisions: &[Revision::since(23, run_as_user), Revision::since(35, run_as_user).skipping(Skip::OwnUserNamespace)],
    overrides: None,
};

fn run_as_user(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let root = Offenders::judge(pod, Scope::PodAndContainers, &["securityContext", "runAsUser"], |v| {
        (v.and_then(Value::as_f64) == Some(0.0)).then(Offense::default)
    });
    Violation::by(&root, "runAsUser=0", |o| format!("{} must not set runAsUser=0", o.who()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Case, check_cases};
    use palisade_policy_sdk::json;

    #[test]
    fn run_as_non_root_follows_upstream() {
        let containers = |pod: Value| {
            json!({"securityContext": {"runAsNonRoot": pod}, "containers": [
                {"name": "a"}, {"name": "b", "securityContext": {}},
                {"name": "c", "securityContext": {"runAsNonRoot": false}}, {"name": "d", "securityContext": {"runAsNonRoot": false}},
                {"name": "e", "securityContext": {"runAsNonRoot": true}}]})
        };
        let unset = json!({"hostUsers": false, "containers": [{"name": "a"}, {"name": "b", "securityContext": {}},
            {"name": "e", "securityContext": {"runAsNonRoot": true}}]});
        let required =
            r#"runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true)"#;
        check_cases(
            &RUN_AS_NON_ROOT,
            &[
                Case::fail(
                    "containers set false",
                    0,
                    containers(json!(true)),
                    r#"runAsNonRoot != true (containers "c", "d" must not set securityContext.runAsNonRoot=false)"#,
                    "/spec/containers/2/securityContext/runAsNonRoot",
                ),
                Case::fail(
                    "pod and containers set false",
                    37,
                    containers(json!(false)),
                    r#"runAsNonRoot != true (pod and containers "c", "d" must not set securityContext.runAsNonRoot=false)"#,
                    "/spec/securityContext/runAsNonRoot",
                ),
                Case::fail(
                    "unset, before v1.35 even in a user namespace",
                    34,
                    unset.clone(),
                    required,
                    "/spec/securityContext/runAsNonRoot",
                ),
                Case::pass("user namespace from v1.35", 35, unset.clone()),
                Case::fail(
                    "host users from v1.35",
                    35,
                    json!({"hostUsers": true, "containers": [{"name": "a"}]}),
                    r#"runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true)"#,
                    "/spec/securityContext/runAsNonRoot",
                ),
                Case::pass(
                    "pod sets true",
                    0,
                    json!({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}]}),
                ),
            ],
        );
    }

    #[test]
    fn run_as_user_forbids_zero_from_v1_23() {
        let root = json!({"securityContext": {"runAsUser": 0}, "initContainers": [{"name": "i", "securityContext": {"runAsUser": 0}}],
            "containers": [{"name": "a", "securityContext": {"runAsUser": 1000}}]});
        let message = r#"runAsUser=0 (pod and container "i" must not set runAsUser=0)"#;
        check_cases(
            &RUN_AS_USER,
            &[
                Case::absent("not yet a check", 22, root.clone()),
                Case::fail("pod and init container", 23, root.clone(), message, "/spec/securityContext/runAsUser"),
                Case::fail("host users from v1.35", 35, root.clone(), message, "/spec/securityContext/runAsUser"),
                Case::pass("user namespace from v1.35", 35, {
                    let mut spec = root;
                    spec["hostUsers"] = json!(false);
                    spec
                }),
                Case::pass(
                    "non-zero",
                    37,
                    json!({"securityContext": {"runAsUser": 1000}, "containers": [{"name": "a"}]}),
                ),
            ],
        );
    }
}
