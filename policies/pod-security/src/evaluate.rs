//! Judging one pod at one level and version: upstream's `EvaluatePod`, one finding per failed check.
//!
//! Upstream runs, at the restricted level, a restricted check *instead of* the baseline check it
//! overrides (`OverrideCheckIDs`: `restrictedVolumes` over `hostPathVolumes`,
//! `seccompProfile_restricted` over `seccompProfile_baseline`, `capabilities_restricted` over
//! `capabilities_baseline`; `procMount_restricted` is treated the same way over `procMount`, which
//! gives the same verdict either way since it is the stricter of the two). Here both run, and the
//! baseline finding is kept only when the overriding check fails too. The verdict is therefore
//! upstream's, and a pod that breaks a baseline control at the restricted level is still reported
//! under that control's rule (a hostPath volume is `hostPathVolumes` at every level), beside the
//! restricted finding upstream prints.

use palisade_policy_sdk::Finding;

use crate::checks::{CHECKS, Check, Verdict};
use crate::level::Level;
use crate::namespace::LevelVersion;
use crate::pod::Pod;

/// The findings of every check that applies to `pod` at `policy`, in rule order, against resource
/// `index`.
pub(crate) fn evaluate_pod(pod: &Pod<'_>, index: u32, policy: LevelVersion) -> Vec<Finding> {
    if policy.level == Level::Privileged {
        return Vec::new();
    }
    let verdicts: Vec<(&Check, Verdict)> = CHECKS
        .iter()
        .filter(|check| check.level <= policy.level)
        .map(|check| (check, check.judge(pod, policy.version)))
        .collect();
    let allowed_by_override =
        |id: &str| verdicts.iter().any(|(check, verdict)| check.overrides == Some(id) && *verdict == Verdict::Allowed);
    verdicts
        .iter()
        .filter_map(|(check, verdict)| {
            let Verdict::Forbidden(violation) = verdict else { return None };
            if allowed_by_override(check.def.id) {
                return None;
            }
            Some(check.def.finding(index, violation.pointer.clone(), violation.message()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::Version;
    use crate::testing::{pod_of, resource};
    use palisade_policy_sdk::{Value, json};

    fn rules(spec: &Value, level: Level, minor: u32) -> Vec<(&'static str, String)> {
        let r = resource(json!({"kind": "Pod", "metadata": {"name": "p"}, "spec": spec.clone()}));
        let policy = LevelVersion { level, version: Version::v1(minor) };
        evaluate_pod(&pod_of(&r), 0, policy).into_iter().map(|f| (f.rule, f.message)).collect()
    }

    /// A pod that passes every restricted check of every version.
    fn restricted_pod() -> Value {
        json!({"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "app", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]})
    }

    #[test]
    fn levels_select_their_checks() {
        let mut spec = restricted_pod();
        spec["hostPID"] = json!(true);
        spec["securityContext"]["runAsNonRoot"] = json!(false);
        assert_eq!(rules(&spec, Level::Privileged, 37), []);
        assert_eq!(rules(&spec, Level::Baseline, 37), [("hostNamespaces", "host namespaces (hostPID=true)".into())]);
        assert_eq!(
            rules(&spec, Level::Restricted, 37),
            [
                ("hostNamespaces", "host namespaces (hostPID=true)".into()),
                ("runAsNonRoot", "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)".into())
            ]
        );
        assert_eq!(rules(&restricted_pod(), Level::Restricted, 37), []);
    }

    #[test]
    fn overridden_baseline_findings_follow_the_restricted_verdict() {
        let mut host_path = restricted_pod();
        host_path["volumes"] = json!([{"name": "root", "hostPath": {"path": "/"}}]);
        assert_eq!(
            rules(&host_path, Level::Restricted, 37),
            [
                ("hostPathVolumes", r#"hostPath volumes (volume "root")"#.into()),
                (
                    "restrictedVolumes",
                    r#"restricted volume types (volume "root" uses restricted volume type "hostPath")"#.into()
                )
            ]
        );
        // Windows pods are exempt from the restricted capability and seccomp checks from v1.25, and
        // the baseline checks they override then allow the pod too, as upstream does.
        let windows = json!({"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": true,
            "seccompProfile": {"type": "Unconfined"}},
            "containers": [{"name": "w", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]});
        assert_eq!(rules(&windows, Level::Restricted, 25), []);
        assert_eq!(
            rules(&windows, Level::Baseline, 25).into_iter().map(|(rule, _)| rule).collect::<Vec<_>>(),
            ["capabilities_baseline", "seccompProfile_baseline"]
        );
    }
}
