//! Legacy `PodSecurityPolicy` rules (checks.md §1.11, area `legacy-psp`): what a `PodSecurityPolicy`
//! (`policy/v1beta1`, removed in Kubernetes 1.25) admits, following Checkov's `CKV_K8S_1`…`CKV_K8S_36`
//! PSP checks, and whether the API server enables PSP admission at all (Kubescape C-0068, read from
//! a kube-apiserver static pod). All opt-in, for clusters that still run PSP.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use crate::control_plane::condition::Condition;
use crate::control_plane::{self, Target};
use crate::objects::{each_of_kind, items, lookup, report, show, strings, text};
use crate::settings::Settings;

/// Catalog area of every rule here.
pub(crate) const CATEGORY: &str = "legacy-psp";

/// What a `PodSecurityPolicy` must not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permits {
    /// `spec.<field>: true`.
    Flag(&'static str),
    /// `spec.allowPrivilegeEscalation` true or unset (PSP's default allows it).
    PrivilegeEscalation,
    /// `spec.runAsUser.rule` other than `MustRunAsNonRoot`, or `MustRunAs` with a range from 0 or
    /// no ranges.
    RootUser,
    /// `spec.requiredDropCapabilities` without `ALL` or `NET_RAW`.
    NetRaw,
    /// A non-empty `spec.allowedCapabilities`.
    AddedCapabilities,
    /// No `seccomp.security.alpha.kubernetes.io/defaultProfileName` of `runtime/default` or
    /// `docker/default`.
    NoDefaultSeccomp,
    /// An empty or unset `spec.requiredDropCapabilities`.
    NoRequiredDrop,
}

/// A rule of the area and what it checks.
pub(crate) struct PspRow {
    /// What the host is told about the rule.
    pub(crate) def: RuleDef,
    /// What fails.
    pub(crate) permits: Permits,
}

/// Rows 1–10 of §1.11, in catalog order.
pub(crate) const ROWS: [PspRow; 10] = [
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-host-pid",
            "PodSecurityPolicy allows the host PID namespace",
            Severity::High,
            "Remove `hostPID: true` from the PodSecurityPolicy spec.",
            &["checkov:CKV_K8S_1", "kubescape:C-0214"],
        ),
        permits: Permits::Flag("hostPID"),
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-privileged",
            "PodSecurityPolicy allows privileged containers",
            Severity::High,
            "Remove `privileged: true` from the PodSecurityPolicy spec.",
            &["checkov:CKV_K8S_2", "kubescape:C-0213"],
        ),
        permits: Permits::Flag("privileged"),
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-host-ipc",
            "PodSecurityPolicy allows the host IPC namespace",
            Severity::High,
            "Remove `hostIPC: true` from the PodSecurityPolicy spec.",
            &["checkov:CKV_K8S_3", "kubescape:C-0215"],
        ),
        permits: Permits::Flag("hostIPC"),
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-host-network",
            "PodSecurityPolicy allows the host network",
            Severity::High,
            "Remove `hostNetwork: true` from the PodSecurityPolicy spec.",
            &["checkov:CKV_K8S_4", "kubescape:C-0216"],
        ),
        permits: Permits::Flag("hostNetwork"),
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-allow-privilege-escalation",
            "PodSecurityPolicy allows privilege escalation",
            Severity::Medium,
            "Set `allowPrivilegeEscalation: false` in the PodSecurityPolicy spec (unset allows it).",
            &["checkov:CKV_K8S_5", "kubescape:C-0217"],
        ),
        permits: Permits::PrivilegeEscalation,
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-root-containers",
            "PodSecurityPolicy admits root containers",
            Severity::Medium,
            "Set `runAsUser: {rule: MustRunAsNonRoot}` in the PodSecurityPolicy spec (or `MustRunAs` with ranges from 1 up).",
            &["checkov:CKV_K8S_6", "kubescape:C-0218"],
        ),
        permits: Permits::RootUser,
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-net-raw",
            "PodSecurityPolicy does not drop NET_RAW",
            Severity::Medium,
            "Add `ALL` (or `NET_RAW`) to `requiredDropCapabilities` of the PodSecurityPolicy spec.",
            &["checkov:CKV_K8S_7"],
        ),
        permits: Permits::NetRaw,
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-allowed-capabilities",
            "PodSecurityPolicy allows added capabilities",
            Severity::Medium,
            "Remove `allowedCapabilities` from the PodSecurityPolicy spec (or set `allowedCapabilities: []`).",
            &["checkov:CKV_K8S_24", "kubescape:C-0219"],
        ),
        permits: Permits::AddedCapabilities,
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-default-seccomp",
            "PodSecurityPolicy sets no default seccomp profile",
            Severity::Low,
            "Annotate the PodSecurityPolicy with `seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default`.",
            &["checkov:CKV_K8S_32"],
        ),
        permits: Permits::NoDefaultSeccomp,
    },
    PspRow {
        def: RuleDef::opt_in(
            CATEGORY,
            "legacy-psp-required-drop-capabilities",
            "PodSecurityPolicy requires no capabilities dropped",
            Severity::Low,
            "Set `requiredDropCapabilities: [ALL]` in the PodSecurityPolicy spec.",
            &["checkov:CKV_K8S_36", "kubescape:C-0220"],
        ),
        permits: Permits::NoRequiredDrop,
    },
];

/// Row 11: the kube-apiserver does not enable `PodSecurityPolicy` admission.
pub(crate) const LEGACY_PSP_ENABLED: RuleDef = RuleDef::opt_in(
    CATEGORY,
    "legacy-psp-enabled",
    "API server does not enable PodSecurityPolicy admission",
    Severity::Low,
    "Include `PodSecurityPolicy` in `--enable-admission-plugins` of the kube-apiserver (Kubernetes before 1.25), or \
     enforce Pod Security Admission instead.",
    &["kubescape:C-0068"],
);

/// The check of row `I` of [`ROWS`].
pub(crate) fn check<const I: usize>(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let row = &ROWS[I];
    each_of_kind(resources, "PodSecurityPolicy", |r| {
        judge(row.permits, r.json()).map(|(at, what)| report(&row.def, r, at, what))
    })
}

/// [`LEGACY_PSP_ENABLED`]: `PodSecurityPolicy` is not default-enabled, so an unset
/// `--enable-admission-plugins` fails too.
pub(crate) fn legacy_psp_enabled(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let condition =
        Condition::Includes { flag: "enable-admission-plugins", any: &["PodSecurityPolicy"], missing_ok: false };
    control_plane::evaluate(&LEGACY_PSP_ENABLED, Target::Flags(&["kube-apiserver"], condition), resources)
}

/// The pointer and message of what `psp` permits, if it does.
fn judge(permits: Permits, psp: &Value) -> Option<(String, String)> {
    let spec = |tokens: &[&str]| lookup(psp, &[&["spec"], tokens].concat());
    let at = |tokens: &[&str]| format!("/spec/{}", tokens.join("/"));
    match permits {
        Permits::Flag(field) => {
            (spec(&[field]) == Some(&Value::Bool(true))).then(|| (at(&[field]), format!("allows {field}: true")))
        }
        Permits::PrivilegeEscalation => match spec(&["allowPrivilegeEscalation"]) {
            None => Some(("/spec".to_string(), "does not set allowPrivilegeEscalation: false".to_string())),
            Some(Value::Bool(false)) => None,
            Some(v) => {
                Some((at(&["allowPrivilegeEscalation"]), format!("allows allowPrivilegeEscalation: {}", show(v))))
            }
        },
        Permits::RootUser => {
            let rule = text(psp, &["spec", "runAsUser", "rule"]);
            let ranges = spec(&["runAsUser", "ranges"]);
            let from_root = items(ranges).find(|(_, r)| r.get("min").and_then(Value::as_i64) == Some(0));
            match (rule, from_root) {
                ("MustRunAsNonRoot", _) => None,
                ("MustRunAs", None) if items(ranges).next().is_some() => None,
                ("MustRunAs", Some((i, _))) => Some((
                    at(&["runAsUser", "ranges", &i, "min"]),
                    "admits user 0: a runAsUser range starts at 0".to_string(),
                )),
                ("", _) => Some(("/spec".to_string(), "does not set runAsUser.rule: MustRunAsNonRoot".to_string())),
                (other, _) => Some((at(&["runAsUser", "rule"]), format!("admits root: runAsUser.rule is {other}"))),
            }
        }
        Permits::NetRaw => {
            let drop = strings(spec(&["requiredDropCapabilities"]));
            (!drop.iter().any(|c| *c == "ALL" || *c == "NET_RAW"))
                .then(|| ("/spec".to_string(), "does not require dropping NET_RAW (or ALL)".to_string()))
        }
        Permits::AddedCapabilities => {
            spec(&["allowedCapabilities"]).and_then(Value::as_array).filter(|caps| !caps.is_empty()).map(|caps| {
                (
                    at(&["allowedCapabilities"]),
                    format!("allows adding capabilities {}", show(&Value::Array(caps.clone()))),
                )
            })
        }
        Permits::NoDefaultSeccomp => {
            let key = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
            let profile = lookup(psp, &["metadata", "annotations", key]).and_then(Value::as_str);
            (!matches!(profile, Some("runtime/default" | "docker/default"))).then(|| {
                let what = profile.map_or_else(
                    || format!("has no {key} annotation"),
                    |p| format!("sets the default seccomp profile to {p}"),
                );
                ("/metadata".to_string(), what)
            })
        }
        Permits::NoRequiredDrop => strings(spec(&["requiredDropCapabilities"]))
            .is_empty()
            .then(|| ("/spec".to_string(), "requires no capabilities to be dropped".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{object, run};
    use palisade_policy_sdk::json;

    fn psp(name: &str, spec: &Value) -> Value {
        object("policy/v1beta1", "PodSecurityPolicy", name, json!({"spec": spec}))
    }

    /// `(resource, path, message)` of `permits` over `docs`.
    fn judged(permits: Permits, docs: &[Value]) -> Vec<(usize, String, String)> {
        docs.iter().enumerate().filter_map(|(i, d)| judge(permits, d).map(|(p, m)| (i, p, m))).collect()
    }

    fn t(i: usize, path: &str, message: &str) -> (usize, String, String) {
        (i, path.to_string(), message.to_string())
    }

    #[test]
    fn flags_fail_only_when_true() {
        let docs = [psp("a", &json!({"hostPID": true})), psp("b", &json!({"hostPID": false})), psp("c", &json!({}))];
        assert_eq!(judged(Permits::Flag("hostPID"), &docs), vec![t(0, "/spec/hostPID", "allows hostPID: true")]);
    }

    #[test]
    fn privilege_escalation_defaults_to_allowed() {
        let docs = [
            psp("a", &json!({"allowPrivilegeEscalation": true})),
            psp("b", &json!({"allowPrivilegeEscalation": false})),
            psp("c", &json!({})),
        ];
        assert_eq!(
            judged(Permits::PrivilegeEscalation, &docs),
            vec![
                t(0, "/spec/allowPrivilegeEscalation", "allows allowPrivilegeEscalation: true"),
                t(2, "/spec", "does not set allowPrivilegeEscalation: false"),
            ]
        );
    }

    #[test]
    fn root_users_follow_the_run_as_user_rule() {
        let docs = [
            psp("a", &json!({"runAsUser": {"rule": "MustRunAsNonRoot"}})),
            psp("b", &json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 65535}]}})),
            psp(
                "c",
                &json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 100, "max": 200}, {"min": 0, "max": 10}]}}),
            ),
            psp("d", &json!({"runAsUser": {"rule": "RunAsAny"}})),
            psp("e", &json!({})),
            psp("f", &json!({"runAsUser": {"rule": "MustRunAs"}})),
        ];
        assert_eq!(
            judged(Permits::RootUser, &docs),
            vec![
                t(2, "/spec/runAsUser/ranges/1/min", "admits user 0: a runAsUser range starts at 0"),
                t(3, "/spec/runAsUser/rule", "admits root: runAsUser.rule is RunAsAny"),
                t(4, "/spec", "does not set runAsUser.rule: MustRunAsNonRoot"),
                t(5, "/spec/runAsUser/rule", "admits root: runAsUser.rule is MustRunAs"),
            ]
        );
    }

    #[test]
    fn capabilities_and_seccomp() {
        let docs = [
            psp("a", &json!({"requiredDropCapabilities": ["ALL"], "allowedCapabilities": []})),
            psp("b", &json!({"requiredDropCapabilities": ["NET_RAW"], "allowedCapabilities": ["NET_ADMIN"]})),
            psp("c", &json!({"requiredDropCapabilities": ["SYS_ADMIN"]})),
            psp("d", &json!({})),
        ];
        assert_eq!(
            judged(Permits::NetRaw, &docs),
            vec![
                t(2, "/spec", "does not require dropping NET_RAW (or ALL)"),
                t(3, "/spec", "does not require dropping NET_RAW (or ALL)")
            ]
        );
        assert_eq!(
            judged(Permits::AddedCapabilities, &docs),
            vec![t(1, "/spec/allowedCapabilities", "allows adding capabilities [NET_ADMIN]")]
        );
        assert_eq!(
            judged(Permits::NoRequiredDrop, &docs),
            vec![t(3, "/spec", "requires no capabilities to be dropped")]
        );
        let key = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
        let annotated = |p: &str| {
            object(
                "policy/v1beta1",
                "PodSecurityPolicy",
                "s",
                json!({"metadata": {"annotations": {key: p}}, "spec": {}}),
            )
        };
        let docs =
            [annotated("runtime/default"), annotated("docker/default"), annotated("unconfined"), psp("x", &json!({}))];
        assert_eq!(
            judged(Permits::NoDefaultSeccomp, &docs),
            vec![
                t(2, "/metadata", "sets the default seccomp profile to unconfined"),
                t(3, "/metadata", &format!("has no {key} annotation")),
            ]
        );
    }

    #[test]
    fn checks_report_psp_objects_only() {
        let docs = vec![
            psp("open", &json!({"privileged": true})),
            object("v1", "Pod", "p", json!({"spec": {"privileged": true, "containers": []}})),
        ];
        assert_eq!(
            run(check::<1>, docs, &json!({})),
            vec![(
                0,
                "legacy-psp-privileged",
                "/spec/privileged".to_string(),
                "PodSecurityPolicy allows privileged: true".to_string()
            )]
        );
    }

    #[test]
    fn psp_admission_must_be_enabled() {
        let apiserver = |argv: Value| {
            object(
                "v1",
                "Pod",
                "kube-apiserver",
                json!({"spec": {"containers": [{"name": "kube-apiserver", "command": argv}]}}),
            )
        };
        let docs = vec![
            apiserver(json!(["kube-apiserver", "--enable-admission-plugins=NodeRestriction,PodSecurityPolicy"])),
            apiserver(json!(["kube-apiserver", "--enable-admission-plugins=NodeRestriction"])),
            apiserver(json!(["kube-apiserver"])),
        ];
        assert_eq!(
            run(legacy_psp_enabled, docs, &json!({})),
            vec![
                (
                    1,
                    "legacy-psp-enabled",
                    "/spec/containers/0/command/1".to_string(),
                    "container \"kube-apiserver\" runs kube-apiserver with --enable-admission-plugins=NodeRestriction, which does not include PodSecurityPolicy".to_string()
                ),
                (
                    2,
                    "legacy-psp-enabled",
                    "/spec/containers/0/command".to_string(),
                    "container \"kube-apiserver\" runs kube-apiserver without --enable-admission-plugins including PodSecurityPolicy".to_string()
                ),
            ]
        );
    }
}
