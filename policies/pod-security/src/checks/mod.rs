//! The upstream checks (`k8s.io/pod-security-admission/policy/check_*.go`), one [`Check`] each,
//! under their upstream ids.
//!
//! A check has revisions, each applying from a minimum policy version up to the next one, exactly
//! as upstream's `VersionedCheck` list; a version before the first revision does not have the check
//! at all. A revision may skip Windows pods (`spec.os.name: windows`, v1.25+) or pods in their own
//! user namespace (`spec.hostUsers: false`, v1.35+) as a whole, which is how upstream's later
//! revisions relax the earlier ones.

pub(crate) mod capabilities;
pub(crate) mod host;
pub(crate) mod privilege;
pub(crate) mod profiles;
pub(crate) mod seccomp;
pub(crate) mod sysctls;
pub(crate) mod users;
pub(crate) mod volumes;

use palisade_policy_sdk::{RuleDef, Severity};

use crate::level::{Level, Version};
use crate::offenders::Offenders;
use crate::pod::Pod;

/// Catalog area of every rule here.
pub(crate) const CATEGORY: &str = "pod-security-standards";

/// What a check forbids in a pod: upstream's `CheckResult` when not allowed, plus where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    /// Upstream `ForbiddenReason`, e.g. `allowPrivilegeEscalation != false`.
    pub(crate) reason: String,
    /// Upstream `ForbiddenDetail`, e.g. `container "x" must set ...`; may be empty.
    pub(crate) detail: String,
    /// JSON pointer of the first offending (or missing) field.
    pub(crate) pointer: String,
}

impl Violation {
    /// A violation with `reason` and `detail`, at `pointer`.
    pub(crate) fn new(reason: impl Into<String>, detail: impl Into<String>, pointer: impl Into<String>) -> Self {
        Self { reason: reason.into(), detail: detail.into(), pointer: pointer.into() }
    }

    /// A violation by `offenders`, at their first offence; `None` when there are none.
    pub(crate) fn by(
        offenders: &Offenders<'_>,
        reason: &str,
        detail: impl FnOnce(&Offenders<'_>) -> String,
    ) -> Option<Self> {
        let pointer = offenders.pointer()?;
        Some(Self::new(reason, detail(offenders), pointer))
    }

    /// `<reason> (<detail>)`, as upstream prints one check's result.
    pub(crate) fn message(&self) -> String {
        if self.detail.is_empty() { self.reason.clone() } else { format!("{} ({})", self.reason, self.detail) }
    }
}

/// How one revision judges a pod at a version.
pub(crate) type Judge = fn(&Pod<'_>, Version) -> Option<Violation>;

/// Pods a revision allows without looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// None.
    Never,
    /// Pods with `spec.os.name: windows`.
    WindowsPods,
    /// Pods with `spec.hostUsers: false`.
    OwnUserNamespace,
}

/// One entry of upstream's `Versions` list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Revision {
    /// First policy version it applies to.
    pub(crate) since: Version,
    /// Pods it allows without looking.
    pub(crate) skip: Skip,
    /// How it judges the others.
    pub(crate) judge: Judge,
}

impl Revision {
    /// A revision from `v1.<minor>` on that judges every pod.
    pub(crate) const fn since(minor: u32, judge: Judge) -> Self {
        Self { since: Version::v1(minor), skip: Skip::Never, judge }
    }

    /// The same revision, allowing `skip` pods.
    pub(crate) const fn skipping(self, skip: Skip) -> Self {
        Self { skip, ..self }
    }
}

/// An upstream check and the rule it reports under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Check {
    /// The rule, whose id is the upstream check id.
    pub(crate) def: RuleDef,
    /// `Baseline` or `Restricted`; restricted includes baseline.
    pub(crate) level: Level,
    /// Revisions, by strictly increasing `since`.
    pub(crate) revisions: &'static [Revision],
    /// The baseline check this one replaces at the restricted level (upstream `OverrideCheckIDs`).
    pub(crate) overrides: Option<&'static str>,
}

/// What a check says of a pod at a policy version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The check does not exist yet at that version.
    Absent,
    /// It allows the pod.
    Allowed,
    /// It forbids the pod.
    Forbidden(Violation),
}

impl Check {
    /// The verdict at `version`, from the last revision that applies to it.
    pub(crate) fn judge(&self, pod: &Pod<'_>, version: Version) -> Verdict {
        let Some(revision) = self.revisions.iter().rev().find(|r| r.since <= version) else {
            return Verdict::Absent;
        };
        let skipped = match revision.skip {
            Skip::Never => false,
            Skip::WindowsPods => pod.is_windows(),
            Skip::OwnUserNamespace => pod.has_own_user_namespace(),
        };
        match (revision.judge)(pod, version) {
            Some(violation) if !skipped => Verdict::Forbidden(violation),
            _ => Verdict::Allowed,
        }
    }
}

/// A rule of this policy: on by default, in the `pod-security-standards` category, referring to
/// the upstream check under `standard` (`pss:restricted/runAsNonRoot`).
pub(crate) const fn rule(
    id: &'static str,
    title: &'static str,
    severity: Severity,
    remediation: &'static str,
    standards: &'static [&'static str],
) -> RuleDef {
    RuleDef { id, title, severity, category: CATEGORY, remediation, standards, enabled_by_default: true }
}

/// Every check, in the order of the Pod Security Standards page: baseline, then restricted.
pub(crate) const CHECKS: &[Check] = &[
    host::HOST_NAMESPACES,
    privilege::PRIVILEGED,
    capabilities::CAPABILITIES_BASELINE,
    volumes::HOST_PATH_VOLUMES,
    host::HOST_PORTS,
    profiles::APP_ARMOR_PROFILE,
    profiles::SE_LINUX_OPTIONS,
    privilege::PROC_MOUNT,
    seccomp::SECCOMP_PROFILE_BASELINE,
    sysctls::SYSCTLS,
    privilege::WINDOWS_HOST_PROCESS,
    host::HOST_PROBES_AND_HOST_LIFECYCLE,
    volumes::RESTRICTED_VOLUMES,
    privilege::ALLOW_PRIVILEGE_ESCALATION,
    users::RUN_AS_NON_ROOT,
    users::RUN_AS_USER,
    seccomp::SECCOMP_PROFILE_RESTRICTED,
    capabilities::CAPABILITIES_RESTRICTED,
    privilege::PROC_MOUNT_RESTRICTED,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{pod_of, resource};
    use palisade_policy_sdk::json;

    /// Forbids every pod that names its OS.
    fn with_os(pod: &Pod<'_>, version: Version) -> Option<Violation> {
        pod.get(&["os"])?;
        Some(Violation::new("seen", version.to_string(), pod.at(&["os"])))
    }

    const REVISED: Check = Check {
        def: rule("x", "x", Severity::High, "`x`", &[]),
        level: Level::Restricted,
        revisions: &[Revision::since(8, with_os), Revision::since(25, with_os).skipping(Skip::WindowsPods)],
        overrides: None,
    };

    #[test]
    fn revisions_apply_from_their_version_and_skip_what_they_say() {
        let linux = resource(json!({"kind": "Pod", "spec": {"os": {"name": "linux"}, "containers": []}}));
        let windows = resource(json!({"kind": "Pod", "spec": {"os": {"name": "windows"}, "containers": []}}));
        let verdict = |r, minor| REVISED.judge(&pod_of(r), Version::v1(minor));
        let seen = |version: &str| Verdict::Forbidden(Violation::new("seen", version, "/spec/os"));
        assert_eq!(verdict(&linux, 7), Verdict::Absent);
        assert_eq!(verdict(&linux, 8), seen("v1.8"));
        assert_eq!(verdict(&windows, 24), seen("v1.24"));
        assert_eq!(verdict(&windows, 25), Verdict::Allowed);
        assert_eq!(verdict(&linux, 37), seen("v1.37"));
    }

    #[test]
    fn messages_put_the_detail_in_parentheses() {
        assert_eq!(
            Violation::new("host namespaces", "hostPID=true", "/spec/hostPID").message(),
            "host namespaces (hostPID=true)"
        );
        assert_eq!(Violation::new("reason", "", "").message(), "reason");
    }

    #[test]
    fn checks_are_well_formed() {
        for check in CHECKS {
            let id = check.def.id;
            assert!(!check.revisions.is_empty(), "{id}");
            assert!(check.revisions.windows(2).all(|w| w[0].since < w[1].since), "{id} revisions out of order");
            assert!(matches!(check.level, Level::Baseline | Level::Restricted), "{id}");
            if let Some(overridden) = check.overrides {
                assert_eq!(check.level, Level::Restricted, "{id}");
                let target = CHECKS.iter().find(|c| c.def.id == overridden);
                assert_eq!(target.map(|c| c.level), Some(Level::Baseline), "{id} overrides {overridden}");
            }
        }
        let baseline = CHECKS.iter().filter(|c| c.level == Level::Baseline).count();
        assert_eq!((baseline, CHECKS.len() - baseline), (12, 7));
    }
}
