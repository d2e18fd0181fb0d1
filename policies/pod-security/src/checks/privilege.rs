//! Privileged containers, Windows HostProcess, `/proc` masking and privilege escalation.

use palisade_policy_sdk::{Severity, Value};

use super::{Check, Revision, Skip, Violation, rule};
use crate::level::{Level, Version};
use crate::offenders::{Offenders, Offense, Scope, join_quote};
use crate::pod::{Pod, text};

/// Whether a value is the boolean `b`.
fn is(value: Option<&Value>, b: bool) -> bool {
    value == Some(&Value::Bool(b))
}

/// `privileged` (`check_privileged.go`): no container may set `securityContext.privileged: true`.
pub(crate) const PRIVILEGED: Check = Check {
    def: rule(
        "privileged",
        "Container runs privileged",
        Severity::Critical,
        "Remove `securityContext.privileged: true` from the container (grant only the capabilities it needs).",
        &["pss:baseline/privileged"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, privileged)],
    overrides: None,
};

fn privileged(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let offenders = Offenders::judge(pod, Scope::Containers, &["securityContext", "privileged"], |v| {
        is(v, true).then(Offense::default)
    });
    Violation::by(&offenders, "privileged", |o| {
        format!("{} must not set securityContext.privileged=true", o.containers())
    })
}

/// `windowsHostProcess` (`check_windowsHostProcess.go`): neither the pod nor a container may set
/// `securityContext.windowsOptions.hostProcess: true`.
pub(crate) const WINDOWS_HOST_PROCESS: Check = Check {
    def: rule(
        "windowsHostProcess",
        "Pod or container runs as a Windows HostProcess",
        Severity::Critical,
        "Remove `securityContext.windowsOptions.hostProcess: true` from the pod and its containers.",
        &["pss:baseline/windowsHostProcess"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, windows_host_process)],
    overrides: None,
};

fn windows_host_process(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let tokens = ["securityContext", "windowsOptions", "hostProcess"];
    let offenders = Offenders::judge(pod, Scope::PodAndContainers, &tokens, |v| is(v, true).then(Offense::default));
    Violation::by(&offenders, "hostProcess", |o| {
        format!("{} must not set securityContext.windowsOptions.hostProcess=true", o.who())
    })
}

/// `procMount` (`check_procMount.go`): containers must keep the `Default` `/proc` mask. From v1.35
/// a pod in its own user namespace (`hostUsers: false`) may unmask it.
pub(crate) const PROC_MOUNT: Check = Check {
    def: rule(
        "procMount",
        "Container unmasks /proc",
        Severity::High,
        "Remove `securityContext.procMount` from the container or set it to `Default`.",
        &["pss:baseline/procMount"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, proc_mount), Revision::since(35, proc_mount).skipping(Skip::OwnUserNamespace)],
    overrides: None,
};

/// `procMount_restricted` (`check_procMount_restricted.go`, v1.35+): at the restricted level the
/// `/proc` mask stays required in a user namespace too.
pub(crate) const PROC_MOUNT_RESTRICTED: Check = Check {
    def: rule(
        "procMount_restricted",
        "Container unmasks /proc (even in a user namespace)",
        Severity::High,
        "Remove `securityContext.procMount` from the container or set it to `Default`; `hostUsers: false` does not \
         lift this at the restricted level.",
        &["pss:restricted/procMount_restricted"],
    ),
    level: Level::Restricted,
    revisions: &[Revision::since(35, proc_mount)],
    overrides: Some("procMount"),
};

fn proc_mount(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let offenders = Offenders::judge(pod, Scope::Containers, &["securityContext", "procMount"], |v| {
        v.filter(|v| v.as_str() != Some("Default")).map(|v| Offense::here([text(Some(v))]))
    });
    Violation::by(&offenders, "procMount", |o| {
        format!("{} must not set securityContext.procMount to {}", o.containers(), join_quote(&o.values()))
    })
}

/// `allowPrivilegeEscalation` (`check_allowPrivilegeEscalation.go`, v1.8+): every container must set
/// `securityContext.allowPrivilegeEscalation: false`; Windows pods are exempt from v1.25.
pub(crate) const ALLOW_PRIVILEGE_ESCALATION: Check = Check {
    def: rule(
        "allowPrivilegeEscalation",
        "Container may gain more privileges than its parent",
        Severity::High,
        "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
        &["pss:restricted/allowPrivilegeEscalation"],
    ),
    level: Level::Restricted,
    revisions: &[
        Revision::since(8, allow_privilege_escalation),
        Revision::since(25, allow_privilege_escalation).skipping(Skip::WindowsPods),
    ],
    overrides: None,
};

fn allow_privilege_escalation(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let tokens = ["securityContext", "allowPrivilegeEscalation"];
    let offenders = Offenders::judge(pod, Scope::Containers, &tokens, |v| (!is(v, false)).then(Offense::default));
    Violation::by(&offenders, "allowPrivilegeEscalation != false", |o| {
        format!("{} must set securityContext.allowPrivilegeEscalation=false", o.containers())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Case, check_cases};
    use palisade_policy_sdk::json;

    #[test]
    fn privileged_names_every_privileged_container() {
        check_cases(
            &PRIVILEGED,
            &[
                Case::pass(
                    "false or unset",
                    0,
                    json!({"containers": [{"name": "a", "securityContext": {"privileged": false}}, {"name": "b"}]}),
                ),
                Case::fail(
                    "init and ephemeral too",
                    0,
                    json!({"initContainers": [{"name": "i", "securityContext": {"privileged": true}}],
                        "containers": [{"name": "a"}],
                        "ephemeralContainers": [{"name": "e", "securityContext": {"privileged": true}}]}),
                    r#"privileged (containers "i", "e" must not set securityContext.privileged=true)"#,
                    "/spec/initContainers/0/securityContext/privileged",
                ),
            ],
        );
    }

    #[test]
    fn windows_host_process_names_pod_and_containers() {
        let pod = |process: bool| {
            json!({"securityContext": {"windowsOptions": {"hostProcess": process}},
                "containers": [{"name": "a"}, {"name": "d", "securityContext": {"windowsOptions": {"hostProcess": false}}},
                    {"name": "e", "securityContext": {"windowsOptions": {"hostProcess": true}}},
                    {"name": "f", "securityContext": {"windowsOptions": {"hostProcess": true}}}]})
        };
        check_cases(
            &WINDOWS_HOST_PROCESS,
            &[
                Case::fail(
                    "pod and containers",
                    0,
                    pod(true),
                    r#"hostProcess (pod and containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true)"#,
                    "/spec/securityContext/windowsOptions/hostProcess",
                ),
                Case::fail(
                    "containers only",
                    37,
                    pod(false),
                    r#"hostProcess (containers "e", "f" must not set securityContext.windowsOptions.hostProcess=true)"#,
                    "/spec/containers/2/securityContext/windowsOptions/hostProcess",
                ),
                Case::pass(
                    "none",
                    37,
                    json!({"securityContext": {"windowsOptions": {}}, "containers": [{"name": "a"}]}),
                ),
            ],
        );
    }

    #[test]
    fn proc_mount_relaxes_for_user_namespaces_from_v1_35_at_baseline_only() {
        let unmasked = |host_users: bool| {
            json!({"hostUsers": host_users, "containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}},
                {"name": "b", "securityContext": {"procMount": "Default"}}]})
        };
        let message = r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#;
        let at = "/spec/containers/0/securityContext/procMount";
        check_cases(
            &PROC_MOUNT,
            &[
                Case::fail("user namespace before v1.35", 34, unmasked(false), message, at),
                Case::pass("user namespace from v1.35", 35, unmasked(false)),
                Case::fail("host users from v1.35", 35, unmasked(true), message, at),
            ],
        );
        check_cases(
            &PROC_MOUNT_RESTRICTED,
            &[
                Case::absent("not yet a check", 34, unmasked(false)),
                Case::fail("user namespace", 35, unmasked(false), message, at),
                Case::pass(
                    "default",
                    37,
                    json!({"containers": [{"name": "a", "securityContext": {"procMount": "Default"}}]}),
                ),
            ],
        );
    }

    #[test]
    fn allow_privilege_escalation_requires_false_except_on_windows_from_v1_25() {
        let pod = |os: &str| {
            json!({"os": {"name": os}, "containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false}},
                {"name": "b", "securityContext": {"allowPrivilegeEscalation": true}}, {"name": "c"}]})
        };
        let message = r#"allowPrivilegeEscalation != false (containers "b", "c" must set securityContext.allowPrivilegeEscalation=false)"#;
        let at = "/spec/containers/1/securityContext/allowPrivilegeEscalation";
        check_cases(
            &ALLOW_PRIVILEGE_ESCALATION,
            &[
                Case::absent("not yet a check", 7, pod("linux")),
                Case::fail("linux", 8, pod("linux"), message, at),
                Case::fail("windows before v1.25", 24, pod("windows"), message, at),
                Case::pass("windows from v1.25", 25, pod("windows")),
                Case::fail("linux from v1.25", 37, pod("linux"), message, at),
            ],
        );
    }
}
