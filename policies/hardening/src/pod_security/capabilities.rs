//! Linux capabilities: what containers drop and add.
//!
//! Rows that carry a Pod Security Standards id (`capabilities-drop-all`, `capabilities-add-restricted`,
//! `capabilities-add-baseline`) compare names exactly, as Pod Security Admission does: `all` or
//! `CAP_SYS_ADMIN` are not `ALL` or `SYS_ADMIN` there. The others (`capabilities-dangerous`,
//! `capabilities-drop-net-raw`) compare case-insensitively and ignore a `CAP_` prefix, so that no
//! spelling of a dangerous capability slips through.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{CATEGORY, Inherit, Visit, items, require_in_linux_containers, visit};
use crate::settings::Settings;

/// Row 23: a container's `capabilities.drop` does not contain `ALL`. Pods with
/// `spec.os.name: windows` are skipped ([`Visit::LinuxContainers`]).
pub(crate) const CAPABILITIES_DROP_ALL: RuleDef = RuleDef {
    id: "capabilities-drop-all",
    title: "Container does not drop all capabilities",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `securityContext.capabilities.drop: [ALL]` on every container and add back only what it needs \
                  (`capabilities.add: [NET_BIND_SERVICE]`).",
    standards: &[
        "pss:restricted/capabilities_restricted",
        "polaris:insecureCapabilities",
        "checkov:CKV_K8S_37",
        "cis:5.2.10",
    ],
    enabled_by_default: true,
};

/// Row 24: a container adds a capability other than `NET_BIND_SERVICE` (or one listed in the
/// `allowedCapabilities` setting).
pub(crate) const CAPABILITIES_ADD_RESTRICTED: RuleDef = RuleDef {
    id: "capabilities-add-restricted",
    title: "Container adds a capability beyond NET_BIND_SERVICE",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove every entry but `NET_BIND_SERVICE` from `securityContext.capabilities.add`.",
    standards: &["pss:restricted/capabilities_restricted", "checkov:CKV_K8S_25", "cis:5.2.9"],
    enabled_by_default: true,
};

/// Row 25: a container adds a capability outside the container runtime's default set (or the
/// `allowedCapabilities` setting).
pub(crate) const CAPABILITIES_ADD_BASELINE: RuleDef = RuleDef {
    id: "capabilities-add-baseline",
    title: "Container adds a capability beyond the runtime defaults",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Add only capabilities of the default set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, \
                  NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT) in `securityContext.capabilities.add`.",
    standards: &["pss:baseline/capabilities_baseline", "cis:5.2.9"],
    enabled_by_default: true,
};

/// Row 26: a container adds a dangerous capability: the `dangerousCapabilities` setting, by default
/// Kubescape's list (`ALL`, `BPF`, `MAC_ADMIN`, `MAC_OVERRIDE`, `NET_ADMIN`, `NET_RAW`, `PERFMON`,
/// `SETPCAP`, `SYS_ADMIN`, `SYS_BOOT`, `SYS_MODULE`, `SYS_PTRACE`, `SYS_RAWIO`), which contains Polaris'
/// and Checkov's.
pub(crate) const CAPABILITIES_DANGEROUS: RuleDef = RuleDef {
    id: "capabilities-dangerous",
    title: "Container adds a dangerous capability",
    severity: Severity::Critical,
    category: CATEGORY,
    remediation: "Remove dangerous capabilities such as `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE` or `ALL` from \
                  `securityContext.capabilities.add`.",
    standards: &["polaris:dangerousCapabilities", "checkov:CKV_K8S_39", "kubescape:C-0046"],
    enabled_by_default: true,
};

/// Row 27: a container's `capabilities.drop` contains neither `NET_RAW` nor `ALL`. Pods with
/// `spec.os.name: windows` are skipped ([`Visit::LinuxContainers`]).
pub(crate) const CAPABILITIES_DROP_NET_RAW: RuleDef = RuleDef {
    id: "capabilities-drop-net-raw",
    title: "Container keeps NET_RAW",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set `securityContext.capabilities.drop: [ALL]` (or at least `[NET_RAW]`) on every container.",
    standards: &["kube-linter:drop-net-raw-capability", "checkov:CKV_K8S_28", "kubescape:C-0211", "cis:5.2.8"],
    enabled_by_default: true,
};

/// Capabilities the baseline profile lets a container add (the container runtime's default set).
const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// A capability name in the form the non-PSS rows compare: upper case, without `CAP_`.
fn normalize(name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

/// Reports every `capabilities.add` entry that `allowed` rejects.
fn forbid_added(rule: &RuleDef, resources: &Ctx<'_>, allowed: impl Fn(&str) -> bool) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        items(c.get(&["securityContext", "capabilities", "add"]))
            .filter_map(|(i, cap)| {
                let name = cap.as_str().filter(|name| !allowed(name))?;
                Some(c.report(
                    rule,
                    &["securityContext", "capabilities", "add", &i],
                    format_args!("sets securityContext.capabilities.add[{i}]: {name}"),
                ))
            })
            .collect::<Vec<_>>()
    })
}

/// Reports containers of non-Windows pods whose `capabilities.drop` has no entry `drops` accepts.
fn require_dropped(rule: &RuleDef, resources: &Ctx<'_>, drops: fn(&str) -> bool, missing: &str) -> Vec<Finding> {
    let ok = |list: &Value| list.as_array().is_some_and(|l| l.iter().filter_map(Value::as_str).any(drops));
    let tokens = ["securityContext", "capabilities", "drop"];
    require_in_linux_containers(rule, resources, &tokens, Inherit::No, ok, missing)
}

/// [`CAPABILITIES_DROP_ALL`].
pub(crate) fn capabilities_drop_all(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_dropped(&CAPABILITIES_DROP_ALL, resources, |name| name == "ALL", ": [ALL]")
}

/// [`CAPABILITIES_DROP_NET_RAW`].
pub(crate) fn capabilities_drop_net_raw(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    require_dropped(
        &CAPABILITIES_DROP_NET_RAW,
        resources,
        |name| matches!(normalize(name).as_str(), "NET_RAW" | "ALL"),
        " with NET_RAW or ALL",
    )
}

/// [`CAPABILITIES_ADD_RESTRICTED`].
pub(crate) fn capabilities_add_restricted(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    forbid_added(&CAPABILITIES_ADD_RESTRICTED, resources, |name| {
        name == "NET_BIND_SERVICE" || settings.allowed_capabilities.iter().any(|a| a == name)
    })
}

/// [`CAPABILITIES_ADD_BASELINE`].
pub(crate) fn capabilities_add_baseline(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    forbid_added(&CAPABILITIES_ADD_BASELINE, resources, |name| {
        BASELINE_CAPABILITIES.contains(&name) || settings.allowed_capabilities.iter().any(|a| a == name)
    })
}

/// [`CAPABILITIES_DANGEROUS`].
pub(crate) fn capabilities_dangerous(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let dangerous: Vec<String> = settings.dangerous_capabilities.iter().map(|name| normalize(name)).collect();
    forbid_added(&CAPABILITIES_DANGEROUS, resources, |name| !dangerous.contains(&normalize(name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, pod};
    use palisade_policy_sdk::json;

    /// A pod whose containers have these `capabilities` objects, named c0, c1, ...
    fn with_capabilities(capabilities: &[Value]) -> Value {
        let containers: Vec<Value> = capabilities
            .iter()
            .zip(0..)
            .map(|(caps, i)| json!({"name": format!("c{i}"), "securityContext": {"capabilities": caps}}))
            .collect();
        pod(json!({"containers": containers}))
    }

    #[test]
    fn normalize_ignores_case_and_cap_prefix() {
        assert_eq!(normalize("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize("Net_Raw"), "NET_RAW");
        assert_eq!(normalize("CAPS"), "CAPS");
    }

    #[test]
    fn capabilities_drop_all_requires_exact_all() {
        let doc = pod(json!({"containers": [
            {"name": "none"},
            {"name": "some", "securityContext": {"capabilities": {"drop": ["NET_RAW", "all"]}}},
            {"name": "all", "securityContext": {"capabilities": {"drop": ["ALL"]}}}
        ]}));
        assert_findings(
            capabilities_drop_all,
            doc,
            &[
                (
                    "capabilities-drop-all",
                    "/spec/containers/0/securityContext/capabilities/drop",
                    "container \"none\" does not set securityContext.capabilities.drop: [ALL]",
                ),
                (
                    "capabilities-drop-all",
                    "/spec/containers/1/securityContext/capabilities/drop",
                    "container \"some\" sets securityContext.capabilities.drop: [NET_RAW, all]",
                ),
            ],
        );
        assert_findings(capabilities_drop_all, with_capabilities(&[json!({"drop": ["ALL"]})]), &[]);
        assert_findings(
            capabilities_drop_all,
            pod(json!({"os": {"name": "windows"}, "containers": [{"name": "app"}]})),
            &[],
        );
    }

    #[test]
    fn capabilities_drop_net_raw_accepts_net_raw_or_all_in_any_spelling() {
        let doc = with_capabilities(&[
            json!({"drop": ["CHOWN"]}),
            json!({"drop": ["cap_net_raw"]}),
            json!({"drop": ["all"]}),
            json!({}),
        ]);
        assert_findings(
            capabilities_drop_net_raw,
            doc,
            &[
                (
                    "capabilities-drop-net-raw",
                    "/spec/containers/0/securityContext/capabilities/drop",
                    "container \"c0\" sets securityContext.capabilities.drop: [CHOWN]",
                ),
                (
                    "capabilities-drop-net-raw",
                    "/spec/containers/3/securityContext/capabilities/drop",
                    "container \"c3\" does not set securityContext.capabilities.drop with NET_RAW or ALL",
                ),
            ],
        );
        assert_findings(capabilities_drop_net_raw, with_capabilities(&[json!({"drop": ["NET_RAW"]})]), &[]);
    }

    #[test]
    fn capabilities_add_restricted_allows_net_bind_service_only() {
        let doc = with_capabilities(&[json!({"add": ["NET_BIND_SERVICE", "CHOWN", "net_bind_service"]})]);
        assert_findings(
            capabilities_add_restricted,
            doc.clone(),
            &[
                (
                    "capabilities-add-restricted",
                    "/spec/containers/0/securityContext/capabilities/add/1",
                    "container \"c0\" sets securityContext.capabilities.add[1]: CHOWN",
                ),
                (
                    "capabilities-add-restricted",
                    "/spec/containers/0/securityContext/capabilities/add/2",
                    "container \"c0\" sets securityContext.capabilities.add[2]: net_bind_service",
                ),
            ],
        );
        assert_findings_with(
            capabilities_add_restricted,
            doc,
            &json!({"allowedCapabilities": ["CHOWN", "net_bind_service"]}),
            &[],
        );
        assert_findings(
            capabilities_add_restricted,
            with_capabilities(&[json!({"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]})]),
            &[],
        );
    }

    #[test]
    fn capabilities_add_baseline_allows_the_default_set() {
        let defaults = json!({"add": BASELINE_CAPABILITIES});
        let doc = with_capabilities(&[defaults.clone(), json!({"add": ["SYS_TIME", "CAP_CHOWN"]})]);
        assert_findings(
            capabilities_add_baseline,
            doc,
            &[
                (
                    "capabilities-add-baseline",
                    "/spec/containers/1/securityContext/capabilities/add/0",
                    "container \"c1\" sets securityContext.capabilities.add[0]: SYS_TIME",
                ),
                (
                    "capabilities-add-baseline",
                    "/spec/containers/1/securityContext/capabilities/add/1",
                    "container \"c1\" sets securityContext.capabilities.add[1]: CAP_CHOWN",
                ),
            ],
        );
        assert_findings(capabilities_add_baseline, with_capabilities(&[defaults]), &[]);
        assert_findings_with(
            capabilities_add_baseline,
            with_capabilities(&[json!({"add": ["SYS_TIME"]})]),
            &json!({"allowedCapabilities": ["SYS_TIME"]}),
            &[],
        );
    }

    #[test]
    fn capabilities_dangerous_matches_any_spelling_of_the_list() {
        let doc = with_capabilities(&[json!({"add": ["cap_sys_admin", "CHOWN", "Net_Raw", "all"]})]);
        assert_findings(
            capabilities_dangerous,
            doc.clone(),
            &[
                (
                    "capabilities-dangerous",
                    "/spec/containers/0/securityContext/capabilities/add/0",
                    "container \"c0\" sets securityContext.capabilities.add[0]: cap_sys_admin",
                ),
                (
                    "capabilities-dangerous",
                    "/spec/containers/0/securityContext/capabilities/add/2",
                    "container \"c0\" sets securityContext.capabilities.add[2]: Net_Raw",
                ),
                (
                    "capabilities-dangerous",
                    "/spec/containers/0/securityContext/capabilities/add/3",
                    "container \"c0\" sets securityContext.capabilities.add[3]: all",
                ),
            ],
        );
        assert_findings_with(
            capabilities_dangerous,
            doc,
            &json!({"dangerousCapabilities": ["CAP_CHOWN"]}),
            &[(
                "capabilities-dangerous",
                "/spec/containers/0/securityContext/capabilities/add/1",
                "container \"c0\" sets securityContext.capabilities.add[1]: CHOWN",
            )],
        );
        assert_findings(capabilities_dangerous, with_capabilities(&[json!({"add": ["NET_BIND_SERVICE"]})]), &[]);
    }
}
