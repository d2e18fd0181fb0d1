//! Windows pods: HostProcess containers and `windowsOptions` identities.
//!
//! `windowsOptions` has no legacy annotation form for these fields (HostProcess was introduced as a
//! field, and the alpha GMSA annotations were removed before `windowsOptions` went GA), so only the
//! fields are read.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{CATEGORY, Inherit, Visit, lookup, visit};
use crate::settings::Settings;

/// Row 33: the pod or a container sets `windowsOptions.hostProcess: true`.
pub(crate) const WINDOWS_HOST_PROCESS: RuleDef = RuleDef {
    id: "windows-host-process",
    title: "Pod runs Windows HostProcess containers",
    severity: Severity::Critical,
    category: CATEGORY,
    remediation: "Remove `securityContext.windowsOptions.hostProcess: true` from the pod and its containers (and \
                  `hostNetwork: true` with it).",
    standards: &["pss:baseline/windowsHostProcess", "polaris:hostProcess", "kubescape:C-0211", "cis:5.2.11"],
    enabled_by_default: true,
};

/// Row 34: a container of a Windows pod has no effective `windowsOptions.runAsUserName`, or no
/// effective `windowsOptions.gmsaCredentialSpecName` (each field is the container's, else the pod's;
/// the kubelet merges `windowsOptions` field by field). A pod is a Windows pod when it sets
/// `spec.os.name: windows` or selects `kubernetes.io/os: windows` nodes (Kubescape's test).
pub(crate) const WINDOWS_OPTIONS_SET: RuleDef = RuleDef {
    id: "windows-options-set",
    title: "Windows container has no explicit identity",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Set `securityContext.windowsOptions.runAsUserName: ContainerUser` and \
                  `securityContext.windowsOptions.gmsaCredentialSpecName: <credential spec>` in the pod's `securityContext`.",
    standards: &["kubescape:C-0211"],
    enabled_by_default: false,
};

/// [`WINDOWS_HOST_PROCESS`].
pub(crate) fn windows_host_process(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::PodsAndContainers, |s| {
        s.forbid(&WINDOWS_HOST_PROCESS, &["securityContext", "windowsOptions", "hostProcess"], &Value::Bool(true))
    })
}

/// [`WINDOWS_OPTIONS_SET`].
pub(crate) fn windows_options_set(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        let targets = |tokens: &[&str]| lookup(c.pod.spec, tokens).and_then(Value::as_str) == Some("windows");
        if !targets(&["os", "name"]) && !targets(&["nodeSelector", "kubernetes.io/os"]) {
            return Vec::new();
        }
        ["runAsUserName", "gmsaCredentialSpecName"]
            .into_iter()
            .filter_map(|field| {
                c.judge(
                    &WINDOWS_OPTIONS_SET,
                    &["securityContext", "windowsOptions", field],
                    Inherit::Field,
                    |v| v.as_str().is_some_and(|s| !s.is_empty()),
                    Some(""),
                )
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, deployment, pod};
    use palisade_policy_sdk::json;

    #[test]
    fn windows_host_process_reports_pod_and_containers() {
        let doc = pod(
            json!({"securityContext": {"windowsOptions": {"hostProcess": true}}, "hostNetwork": true, "containers": [
                {"name": "app", "securityContext": {"windowsOptions": {"hostProcess": true}}},
                {"name": "off", "securityContext": {"windowsOptions": {"hostProcess": false}}}
            ]}),
        );
        assert_findings(
            windows_host_process,
            doc,
            &[
                (
                    "windows-host-process",
                    "/spec/securityContext/windowsOptions/hostProcess",
                    "pod sets securityContext.windowsOptions.hostProcess: true",
                ),
                (
                    "windows-host-process",
                    "/spec/containers/0/securityContext/windowsOptions/hostProcess",
                    "container \"app\" sets securityContext.windowsOptions.hostProcess: true",
                ),
            ],
        );
        assert_findings(windows_host_process, pod(json!({"containers": [{"name": "app"}]})), &[]);
    }

    #[test]
    fn windows_options_set_merges_fields_and_skips_linux_pods() {
        let doc = deployment(json!({"nodeSelector": {"kubernetes.io/os": "windows"},
        "securityContext": {"windowsOptions": {"gmsaCredentialSpecName": "webapp-gmsa"}},
        "containers": [
            {"name": "app", "securityContext": {"windowsOptions": {"runAsUserName": "ContainerUser"}}},
            {"name": "bare", "securityContext": {"windowsOptions": {"runAsUserName": ""}}}
        ]}));
        assert_findings(
            windows_options_set,
            doc,
            &[(
                "windows-options-set",
                "/spec/template/spec/containers/1/securityContext/windowsOptions/runAsUserName",
                "container \"bare\" sets securityContext.windowsOptions.runAsUserName: \"\"",
            )],
        );
        let unset = pod(json!({"os": {"name": "windows"}, "containers": [{"name": "app"}]}));
        assert_findings(
            windows_options_set,
            unset,
            &[
                (
                    "windows-options-set",
                    "/spec/containers/0/securityContext/windowsOptions/runAsUserName",
                    "container \"app\" does not set securityContext.windowsOptions.runAsUserName, nor does the pod",
                ),
                (
                    "windows-options-set",
                    "/spec/containers/0/securityContext/windowsOptions/gmsaCredentialSpecName",
                    "container \"app\" does not set securityContext.windowsOptions.gmsaCredentialSpecName, nor does the pod",
                ),
            ],
        );
        assert_findings(windows_options_set, pod(json!({"containers": [{"name": "linux"}]})), &[]);
    }
}
