//! Linux capabilities: the runtime's default set (baseline), `drop: [ALL]` and at most
//! `NET_BIND_SERVICE` added (restricted).

use palisade_policy_sdk::Severity;

use super::{Check, Revision, Skip, Violation, rule};
use crate::level::{Level, Version};
use crate::offenders::{Offenders, Offense, Scope, join_quote, pick_items};
use crate::pod::{Pod, items, lookup, text};

/// The container runtime's default capabilities, which baseline lets a container add
/// (space-separated).
const DEFAULT_SET: &str = "AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD NET_BIND_SERVICE SETFCAP SETGID SETPCAP \
                           SETUID SYS_CHROOT";

/// Where added capabilities are listed.
const ADD: [&str; 3] = ["securityContext", "capabilities", "add"];

/// `capabilities_baseline` (`check_capabilities_baseline.go`): containers may add only capabilities
/// of the default set.
pub(crate) const CAPABILITIES_BASELINE: Check = Check {
    def: rule(
        "capabilities_baseline",
        "Container adds a capability beyond the runtime's default set",
        Severity::High,
        "Remove capabilities other than `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, \
         `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID` and `SYS_CHROOT` from \
         `securityContext.capabilities.add`.",
        &["pss:baseline/capabilities_baseline"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, capabilities_baseline)],
    overrides: None,
};

fn capabilities_baseline(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let adding = adding(pod, |capability| !DEFAULT_SET.split_whitespace().any(|c| c == capability));
    Violation::by(&adding, "non-default capabilities", must_not_add)
}

/// `capabilities_restricted` (`check_capabilities_restricted.go`, v1.22+): containers must drop
/// `ALL` and may add only `NET_BIND_SERVICE`; Windows pods are exempt from v1.25. It replaces
/// `capabilities_baseline` at the restricted level.
pub(crate) const CAPABILITIES_RESTRICTED: Check = Check {
    def: rule(
        "capabilities_restricted",
        "Container does not drop ALL capabilities, or adds one",
        Severity::High,
        "Set `securityContext.capabilities.drop: [\"ALL\"]` on every container and add back at most \
         `NET_BIND_SERVICE`.",
        &["pss:restricted/capabilities_restricted"],
    ),
    level: Level::Restricted,
    revisions: &[
        Revision::since(22, capabilities_restricted),
        Revision::since(25, capabilities_restricted).skipping(Skip::WindowsPods),
    ],
    overrides: Some("capabilities_baseline"),
};

fn capabilities_restricted(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let keeping = Offenders::judge(pod, Scope::Containers, &["securityContext", "capabilities"], |capabilities| {
        let drops_all = items(capabilities.and_then(|c| lookup(c, &["drop"]))).any(|(_, c)| c.as_str() == Some("ALL"));
        (!drops_all).then(|| Offense::below(&["drop"], []))
    });
    let adding = adding(pod, |capability| capability != "NET_BIND_SERVICE");
    let mut details = Vec::new();
    if !keeping.is_empty() {
        details.push(format!(r#"{} must set securityContext.capabilities.drop=["ALL"]"#, keeping.containers()));
    }
    if !adding.is_empty() {
        details.push(must_not_add(&adding));
    }
    let pointer = keeping.pointer().or_else(|| adding.pointer())?;
    Some(Violation::new("unrestricted capabilities", details.join("; "), pointer))
}

/// The containers that add a capability `forbidden` flags.
fn adding<'a>(pod: &Pod<'a>, forbidden: impl Fn(&str) -> bool) -> Offenders<'a> {
    Offenders::judge(pod, Scope::Containers, &ADD, |add| {
        pick_items(add, |capability| {
            let capability = text(Some(capability));
            forbidden(&capability).then_some((None, capability))
        })
    })
}

/// `containers "a" must not include "X", "Y" in securityContext.capabilities.add`.
fn must_not_add(adding: &Offenders<'_>) -> String {
    format!(
        "{} must not include {} in securityContext.capabilities.add",
        adding.containers(),
        join_quote(&adding.values())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Case, check_cases};
    use palisade_policy_sdk::json;

    #[test]
    fn baseline_allows_the_default_set_only() {
        check_cases(
            &CAPABILITIES_BASELINE,
            &[
                Case::pass(
                    "default set",
                    0,
                    json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": DEFAULT_SET.split_whitespace().collect::<Vec<_>>()}}}]}),
                ),
                Case::fail(
                    "sorted, each once",
                    37,
                    json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["CHOWN", "SYS_ADMIN", "NET_RAW"]}}},
                        {"name": "b", "securityContext": {"capabilities": {"add": ["NET_RAW"]}}}, {"name": "c"}]}),
                    r#"non-default capabilities (containers "a", "b" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)"#,
                    "/spec/containers/0/securityContext/capabilities/add/1",
                ),
            ],
        );
    }

    #[test]
    fn restricted_requires_drop_all_and_adds_only_net_bind_service() {
        let upstream = json!({"containers": [
            {"name": "a", "securityContext": {"capabilities": {"add": ["FOO", "BAR"]}}},
            {"name": "b", "securityContext": {"capabilities": {"add": ["BAR", "BAZ"]}}},
            {"name": "c", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "FOO"]}}}
        ]});
        let windows = json!({"os": {"name": "windows"}, "containers": [{"name": "a"}]});
        let missing = r#"unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"])"#;
        check_cases(
            &CAPABILITIES_RESTRICTED,
            &[
                Case::absent("not yet a check", 21, upstream.clone()),
                Case::fail(
                    "upstream's example",
                    22,
                    upstream,
                    r#"unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add)"#,
                    "/spec/containers/0/securityContext/capabilities/drop",
                ),
                Case::fail(
                    "adding only",
                    22,
                    json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["CHOWN"], "drop": ["ALL"]}}}]}),
                    r#"unrestricted capabilities (container "a" must not include "CHOWN" in securityContext.capabilities.add)"#,
                    "/spec/containers/0/securityContext/capabilities/add/0",
                ),
                Case::pass(
                    "drop all, add net bind",
                    37,
                    json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}}]}),
                ),
                Case::fail(
                    "windows before v1.25",
                    24,
                    windows.clone(),
                    missing,
                    "/spec/containers/0/securityContext/capabilities/drop",
                ),
                Case::pass("windows from v1.25", 25, windows),
            ],
        );
    }
}
