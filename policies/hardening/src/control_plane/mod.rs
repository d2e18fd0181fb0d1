//! Control-plane flag rules (checks.md §1.10, area `control-plane`): the command-line flags of
//! `kube-apiserver`, `kube-controller-manager`, `kube-scheduler`, `etcd` and `kubelet` containers in
//! static-pod manifests (CIS Kubernetes Benchmark §1–§4, Checkov's `CKV_K8S_68`…`CKV_K8S_151`).
//!
//! The rules are data: [`table::ROWS`] gives each one's definition and [`Target`]; one function,
//! [`evaluate`], checks any row, and [`check`] is that row's check for the rule table (one
//! instance per row index). Every rule is opt-in: application charts do not run these binaries.
//!
//! A finding names the container and the flag and points at the offending `command`/`args`
//! element, or at `command` when a flag is missing.
//!
//! Failing conditions follow Checkov's checks (and agree with all their upstream fixtures but one,
//! listed in `tests/conformance-divergences.txt`). Where Checkov reads a command line more
//! loosely than the component does, palisade reads it as the component would:
//! - flags come from `command` and `args`, as `--flag=value` or `--flag value` ([`flags`]); the
//!   last occurrence wins;
//! - list flags are matched item by item (`AlwaysPullImages` in `--enable-admission-plugins`, not
//!   as a substring), and `AlwaysAdmit` fails anywhere in the list, not only alone;
//! - "set" means set to a non-empty value, for every row that requires a file;
//! - key and CA files may have the extensions kubeadm uses (`sa.pub`, `sa.key`, `ca.crt`), where
//!   Checkov accepts `.pem` only;
//! - `etcd-peer-client-cert-auth` judges the etcd command line like the other etcd rows (Checkov's
//!   `CKV_K8S_121` reads the `args` of a Pod named `etcd`);
//! - `controller-manager-rotate-kubelet-server-cert` covers kube-controller-manager and kubelet,
//!   as Checkov's current `CKV_K8S_112` does.

pub(crate) mod condition;
pub(crate) mod flags;
pub(crate) mod table;

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef};

use crate::objects::{each_of_kind, items, report, text};
use crate::pod_security::{Visit, visit};
use crate::settings::Settings;
use condition::Condition;
use flags::{Flags, runs};

/// Catalog area of every rule here.
pub(crate) const CATEGORY: &str = "control-plane";

/// What a row checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Containers whose `command` runs one of the binaries, judged by the condition.
    Flags(&'static [&'static str], Condition),
    /// Every `AdmissionConfiguration`, which must configure the admission plugin.
    AdmissionPlugin(&'static str),
}

/// One rule of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// What the host is told about the rule.
    pub(crate) def: RuleDef,
    /// What it checks.
    pub(crate) target: Target,
}

/// The check of row `I` of [`table::ROWS`].
pub(crate) fn check<const I: usize>(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let row = &table::ROWS[I];
    evaluate(&row.def, row.target, resources)
}

/// Findings of `rule` checking `target` over `resources`.
pub(crate) fn evaluate(rule: &RuleDef, target: Target, resources: &Ctx<'_>) -> Vec<Finding> {
    match target {
        Target::Flags(binaries, condition) => visit(resources, Visit::Containers, |c| {
            let json = c.json();
            // Most containers run none of the binaries: parse their flags only when one does.
            let binary = binaries.iter().find(|b| runs(json, b))?;
            condition.judge(binary, &Flags::of(json)).map(|v| {
                let tokens: Vec<&str> = match &v.at {
                    Some([list, index]) => vec![list.as_str(), index.as_str()],
                    None => vec!["command"],
                };
                c.report(rule, &tokens, v.what)
            })
        }),
        Target::AdmissionPlugin(plugin) => each_of_kind(resources, "AdmissionConfiguration", |r| {
            let configured = items(r.json().get("plugins")).any(|(_, p)| text(p, &["name"]) == plugin);
            (!configured)
                .then(|| report(rule, r, "/plugins", format_args!("does not configure the {plugin} admission plugin")))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{object, pod};
    use palisade_policy_sdk::{Resource, json};
    use table::ROWS;

    fn row(id: &str) -> &'static Row {
        ROWS.iter().find(|r| r.def.id == id).unwrap()
    }

    fn findings(id: &str, docs: Vec<palisade_policy_sdk::Value>) -> Vec<(u32, &'static str, String, String)> {
        let r = row(id);
        let resources: Vec<Resource> =
            docs.into_iter().zip(0..).map(|(json, index)| Resource::new(index, json)).collect();
        evaluate(&r.def, r.target, &Ctx::new(&resources))
            .into_iter()
            .map(|f| (f.resource, f.rule, f.path, f.message))
            .collect()
    }

    #[test]
    fn reports_the_container_and_flag() {
        let apiserver = pod(json!({"containers": [
            {"name": "sidecar", "command": ["envoy", "--anonymous-auth=true"]},
            {"name": "kube-apiserver", "command": ["kube-apiserver", "--anonymous-auth=true"]},
            {"name": "args-only", "command": ["/usr/local/bin/kube-apiserver"], "args": ["--anonymous-auth=false"]},
            {"name": "missing", "command": ["kube-apiserver"]}
        ]}));
        assert_eq!(
            findings("apiserver-anonymous-auth", vec![apiserver]),
            vec![
                (
                    0,
                    "apiserver-anonymous-auth",
                    "/spec/containers/1/command/1".to_string(),
                    "container \"kube-apiserver\" runs kube-apiserver with --anonymous-auth=true".to_string()
                ),
                (
                    0,
                    "apiserver-anonymous-auth",
                    "/spec/containers/3/command".to_string(),
                    "container \"missing\" runs kube-apiserver without --anonymous-auth=false".to_string()
                ),
            ]
        );
    }

    #[test]
    fn rotate_kubelet_server_certificate_applies_to_two_components() {
        let docs = vec![
            pod(
                json!({"containers": [{"name": "kcm", "command": ["kube-controller-manager", "--feature-gates=RotateKubeletServerCertificate=false"]}]}),
            ),
            pod(
                json!({"containers": [{"name": "kubelet", "command": ["kubelet"], "args": ["--feature-gates", "RotateKubeletServerCertificate=false"]}]}),
            ),
        ];
        assert_eq!(
            findings("controller-manager-rotate-kubelet-server-cert", docs),
            vec![
                (
                    0,
                    "controller-manager-rotate-kubelet-server-cert",
                    "/spec/containers/0/command/1".to_string(),
                    "container \"kcm\" runs kube-controller-manager with RotateKubeletServerCertificate=false in --feature-gates"
                        .to_string()
                ),
                (
                    1,
                    "controller-manager-rotate-kubelet-server-cert",
                    "/spec/containers/0/args/0".to_string(),
                    "container \"kubelet\" runs kubelet with RotateKubeletServerCertificate=false in --feature-gates".to_string()
                ),
            ]
        );
    }

    #[test]
    fn admission_configuration_needs_event_rate_limit() {
        let api = "apiserver.config.k8s.io/v1";
        let docs = vec![
            object(
                api,
                "AdmissionConfiguration",
                "a",
                json!({"plugins": [{"name": "EventRateLimit", "path": "e.yaml"}]}),
            ),
            object(api, "AdmissionConfiguration", "b", json!({"plugins": [{"name": "PodSecurity"}]})),
            object(api, "AdmissionConfiguration", "c", json!({})),
        ];
        let message = "AdmissionConfiguration does not configure the EventRateLimit admission plugin".to_string();
        let id = "apiserver-admission-control-event-rate-limit";
        assert_eq!(
            findings(id, docs),
            vec![(1, id, "/plugins".to_string(), message.clone()), (2, id, "/plugins".to_string(), message)]
        );
    }

    /// A kubeadm-style control plane configured as the CIS benchmark asks passes every rule of the
    /// area and of `legacy-psp`, through the rule table.
    #[test]
    fn a_hardened_control_plane_passes() {
        let docs = crate::fixtures::control_plane_hardened();
        let resources: Vec<Resource> =
            docs.into_iter().zip(0..).map(|(json, index)| Resource::new(index, json)).collect();
        let rules: Vec<_> =
            crate::RULES.iter().filter(|r| [CATEGORY, crate::legacy_psp::CATEGORY].contains(&r.def.category)).collect();
        assert_eq!(rules.len(), 70);
        let all: Vec<_> = rules.iter().flat_map(|r| (r.check)(&Ctx::new(&resources), &Settings::default())).collect();
        assert_eq!(all, Vec::new());
    }
}
