//! Sysctls: only the namespaced, isolated "safe" set, which grows with the policy version.

use palisade_policy_sdk::Severity;

use super::{Check, Revision, Violation, rule};
use crate::level::{Level, Version};
use crate::pod::{Pod, items, lookup, text};

/// `sysctls` (`check_sysctls.go`): the pod may set only the safe sysctls of its policy version.
pub(crate) const SYSCTLS: Check = Check {
    def: rule(
        "sysctls",
        "Pod sets an unsafe sysctl",
        Severity::High,
        "Remove sysctls outside the safe set from `securityContext.sysctls` (for example `net.ipv4.ip_local_port_range` \
         and `net.ipv4.tcp_keepalive_time` are safe), or set them on the node.",
        &["pss:baseline/sysctls"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, sysctls)],
    overrides: None,
};

/// The safe sysctls, by the policy version that added them (upstream's revisions 1.0, 1.27, 1.29,
/// 1.32 and 1.37 each allow their own and all earlier ones).
const SAFE: [(u32, &[&str]); 5] = [
    (
        0,
        &[
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
        ],
    ),
    (27, &["net.ipv4.ip_local_reserved_ports"]),
    (
        29,
        &[
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        ],
    ),
    (32, &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
    (37, &["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"]),
];

/// Whether `name` is safe at `version`.
fn safe(name: &str, version: Version) -> bool {
    SAFE.iter().any(|(since, names)| Version::v1(*since) <= version && names.contains(&name))
}

fn sysctls(pod: &Pod<'_>, version: Version) -> Option<Violation> {
    let unsafe_ones: Vec<(String, String)> = items(pod.get(&["securityContext", "sysctls"]))
        .map(|(i, sysctl)| (i, text(lookup(sysctl, &["name"]))))
        .filter(|(_, name)| !safe(name, version))
        .collect();
    let (first, _) = unsafe_ones.first()?;
    let names: Vec<&str> = unsafe_ones.iter().map(|(_, name)| name.as_str()).collect();
    Some(Violation::new("forbidden sysctls", names.join(", "), pod.at(&["securityContext", "sysctls", first, "name"])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Case, check_cases};
    use palisade_policy_sdk::{Value, json};

    fn setting(names: &[&str]) -> Value {
        let sysctls: Vec<Value> = names.iter().map(|n| json!({"name": n, "value": "1"})).collect();
        json!({"securityContext": {"sysctls": sysctls}})
    }

    #[test]
    fn the_safe_set_grows_with_the_version() {
        let mut cases = Vec::new();
        for (since, names) in SAFE {
            if since > 0 {
                cases.push(Case::fail(
                    "before it was added",
                    since - 1,
                    setting(names),
                    &format!("forbidden sysctls ({})", names.join(", ")),
                    "/spec/securityContext/sysctls/0/name",
                ));
            }
            cases.push(Case::pass("from the version that added it", since, setting(names)));
            cases.push(Case::pass("and later", 37, setting(names)));
        }
        cases.push(Case::fail(
            "in order, repeats kept",
            37,
            setting(&["kernel.shm_rmid_forced", "vm.swappiness", "kernel.msgmax", "vm.swappiness"]),
            "forbidden sysctls (vm.swappiness, kernel.msgmax, vm.swappiness)",
            "/spec/securityContext/sysctls/1/name",
        ));
        check_cases(&SYSCTLS, &cases);
    }
}
