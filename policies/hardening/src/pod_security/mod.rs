//! Pod security rules (checks.md §1.1, area `pod-security`): the pod spec and the containers'
//! `securityContext`, in every pod-bearing kind the SDK knows (checks.md §2).
//!
//! The rules share one vocabulary:
//! - [`Subject`] is the pod or one of its containers (init, regular, ephemeral). It names itself in
//!   messages (`pod`, `container "app"`), builds JSON pointers below itself and judges a field.
//! - [`Inherit`] says how a container's value is found: its own only, or falling back to the pod's
//!   `securityContext` (whole object, as the kubelet does for `seccompProfile`, `seLinuxOptions`,
//!   `appArmorProfile`; or field by field, as it does for `windowsOptions`).
//! - [`visit`] hands the pods, the containers or both of every pod spec of the input to a check,
//!   leaving out Windows pods for rules that require Linux-only fields.
//!
//! Rules that forbid a value (`runAsUser: 0`, `seccompProfile.type: Unconfined`, ...) report every
//! place that sets it, pod and containers alike, as Pod Security Admission does; rules that require a
//! value judge what each container runs with, pod-level defaults included.

pub(crate) mod capabilities;
pub(crate) mod cluster;
pub(crate) mod host;
pub(crate) mod misc;
pub(crate) mod privilege;
pub(crate) mod profiles;
pub(crate) mod users;
pub(crate) mod volumes;
pub(crate) mod windows;

use crate::context::Ctx;
use std::fmt::Display;

use palisade_policy_sdk::workload::{Container, PodSpec};
use palisade_policy_sdk::{Finding, RuleDef, Value};

pub(crate) use crate::objects::{each_of_kind, items, lookup, show};

/// Catalog area of every rule here.
pub(crate) const CATEGORY: &str = "pod-security";

/// Which subjects of every pod spec [`visit`] hands to a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Visit {
    /// The pod spec itself.
    Pods,
    /// Every container: init, regular, ephemeral.
    Containers,
    /// The pod spec, then each of its containers.
    PodsAndContainers,
    /// Pod specs, except those of Windows pods ([`is_windows_os`]): for rules that require a
    /// Linux-only field.
    LinuxPods,
    /// Containers, except those of Windows pods ([`is_windows_os`]).
    LinuxContainers,
}

/// Runs `check` on the subjects `which` selects in every pod spec of `resources`, in order, and
/// collects the findings.
pub(crate) fn visit<'a, I>(cx: &Ctx<'a>, which: Visit, mut check: impl FnMut(&Subject<'_, 'a>) -> I) -> Vec<Finding>
where
    I: IntoIterator<Item = Finding>,
{
    let linux_only = matches!(which, Visit::LinuxPods | Visit::LinuxContainers);
    let pods = matches!(which, Visit::Pods | Visit::PodsAndContainers | Visit::LinuxPods);
    let containers = matches!(which, Visit::Containers | Visit::PodsAndContainers | Visit::LinuxContainers);
    let mut out = Vec::new();
    for pod in cx.pods() {
        if linux_only && is_windows_os(&pod.spec) {
            continue;
        }
        if pods {
            out.extend(check(&Subject::pod(&pod.spec)));
        }
        if containers {
            for container in &pod.containers {
                out.extend(check(&Subject::container(&pod.spec, container)));
            }
        }
    }
    out
}

/// Judges `tokens` ([`Subject::judge`]) in every container of every non-Windows pod
/// ([`Visit::LinuxContainers`]), reporting an unset value with `missing`.
pub(crate) fn require_in_linux_containers(
    rule: &RuleDef,
    resources: &Ctx<'_>,
    tokens: &[&str],
    inherit: Inherit,
    ok: impl Fn(&Value) -> bool,
    missing: &str,
) -> Vec<Finding> {
    visit(resources, Visit::LinuxContainers, |c| c.judge(rule, tokens, inherit, &ok, Some(missing)))
}

/// How a container's value for a field is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inherit {
    /// Only the subject's own field.
    No,
    /// `securityContext.<field>` of the container, else of the pod, as a whole object
    /// ([`PodSpec::effective`]); the rest of the path is looked up below it.
    Object,
    /// The container's value of the full path, else the pod's (`windowsOptions.*`).
    Field,
}

/// A value found for a subject; [`Subject::pointer_to`] says where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Setting<'a> {
    /// The value.
    pub(crate) value: &'a Value,
    /// Set on the pod, not on the container judged.
    pub(crate) inherited: bool,
}

/// The pod, or one of its containers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'p, 'a> {
    /// The pod spec.
    pub(crate) pod: &'p PodSpec<'a>,
    /// The container, or `None` for the pod itself.
    pub(crate) container: Option<&'p Container<'a>>,
}

impl<'p, 'a> Subject<'p, 'a> {
    /// The pod itself.
    pub(crate) fn pod(pod: &'p PodSpec<'a>) -> Self {
        Self { pod, container: None }
    }

    /// One container of the pod.
    pub(crate) fn container(pod: &'p PodSpec<'a>, container: &'p Container<'a>) -> Self {
        Self { pod, container: Some(container) }
    }

    /// The pod spec or container object.
    pub(crate) fn json(&self) -> &'a Value {
        self.container.map_or(self.pod.spec, |c| c.json)
    }

    /// `pod`, or the container's label (`init container "setup"`).
    pub(crate) fn label(&self) -> String {
        self.container.map_or_else(|| "pod".to_string(), Container::label)
    }

    /// A field below the subject; `null` counts as unset.
    pub(crate) fn get(&self, tokens: &[&str]) -> Option<&'a Value> {
        lookup(self.json(), tokens)
    }

    /// Pointer to a path below the subject.
    pub(crate) fn at(&self, tokens: &[&str]) -> String {
        self.container.map_or_else(|| self.pod.at(tokens), |c| c.at(tokens))
    }

    /// A finding at `pointer` whose message starts with the subject's label.
    pub(crate) fn finding(&self, rule: &RuleDef, pointer: String, what: impl Display) -> Finding {
        rule.finding(self.pod.resource.index, pointer, format!("{} {what}", self.label()))
    }

    /// A finding at `tokens` below the subject.
    pub(crate) fn report(&self, rule: &RuleDef, tokens: &[&str], what: impl Display) -> Finding {
        self.finding(rule, self.at(tokens), what)
    }

    /// The value the subject has for `tokens`, found as `inherit` says (the pod itself never inherits).
    /// Pointers are built only for findings ([`Subject::pointer_to`]).
    pub(crate) fn resolve(&self, tokens: &[&str], inherit: Inherit) -> Option<Setting<'a>> {
        let own = || self.get(tokens).map(|value| Setting { value, inherited: false });
        let Some(container) = self.container else {
            return own();
        };
        let from_pod = |value| Setting { value, inherited: true };
        match (inherit, tokens) {
            (Inherit::Object, ["securityContext", field, rest @ ..]) => {
                match container.security(field).filter(|v| !v.is_null()) {
                    Some(object) => lookup(object, rest).map(|value| Setting { value, inherited: false }),
                    None => lookup(self.pod.security(field).filter(|v| !v.is_null())?, rest).map(from_pod),
                }
            }
            (Inherit::Field, _) => own().or_else(|| Subject::pod(self.pod).get(tokens).map(from_pod)),
            _ => own(),
        }
    }

    /// Pointer to `tokens` where `setting` (found by [`Subject::resolve`] for them) is.
    pub(crate) fn pointer_to(&self, setting: &Setting<'_>, tokens: &[&str]) -> String {
        if setting.inherited { self.pod.at(tokens) } else { self.at(tokens) }
    }

    /// Judges the subject's value for `tokens`: `None` when `ok` accepts it, or when it is unset and
    /// `missing` is `None`. Otherwise a finding at the value (`sets x: v`, `inherits x: v from the
    /// pod`) or, when unset, at the field to set (`does not set x<missing>`, plus `, nor does the pod`
    /// when a container could have inherited it but the pod does not set it either).
    pub(crate) fn judge(
        &self,
        rule: &RuleDef,
        tokens: &[&str],
        inherit: Inherit,
        ok: impl Fn(&Value) -> bool,
        missing: Option<&str>,
    ) -> Option<Finding> {
        let field = || tokens.join(".");
        match self.resolve(tokens, inherit) {
            Some(found) if ok(found.value) => None,
            Some(found) => {
                let what = if found.inherited {
                    format!("inherits {}: {} from the pod", field(), show(found.value))
                } else {
                    format!("sets {}: {}", field(), show(found.value))
                };
                Some(self.finding(rule, self.pointer_to(&found, tokens), what))
            }
            None => missing.map(|wanted| {
                let field = field();
                let pod_unset =
                    inherit != Inherit::No && self.container.is_some() && Subject::pod(self.pod).get(tokens).is_none();
                let nor = if pod_unset { ", nor does the pod" } else { "" };
                self.report(rule, tokens, format_args!("does not set {field}{wanted}{nor}"))
            }),
        }
    }

    /// A finding when the subject's own `tokens` is set to `bad` (`sets x: v`).
    pub(crate) fn forbid(&self, rule: &RuleDef, tokens: &[&str], bad: &Value) -> Option<Finding> {
        self.judge(rule, tokens, Inherit::No, |v| v != bad, None)
    }
}

/// Whether the pod declares `spec.os.name: windows`. The API server then rejects Linux-only
/// `securityContext` fields (`allowPrivilegeEscalation`, `capabilities`, `seccompProfile`,
/// `readOnlyRootFilesystem`, `runAsUser`, `runAsGroup`, `fsGroup`, ...), and Pod Security Admission
/// (v1.25+) exempts such pods from the restricted checks that require them, so rules requiring one of
/// those fields skip these pods ([`Visit::LinuxPods`], [`Visit::LinuxContainers`]).
fn is_windows_os(pod: &PodSpec<'_>) -> bool {
    lookup(pod.spec, &["os", "name"]).and_then(Value::as_str) == Some("windows")
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::workload::pod_spec;
    use palisade_policy_sdk::{Resource, json};

    fn resource() -> Resource {
        Resource::new(
            3,
            json!({"kind": "Pod", "spec": {
            "securityContext": {"runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"},
                "windowsOptions": {"runAsUserName": "pod-user", "gmsaCredentialSpecName": "gmsa"}},
            "containers": [
                {"name": "a", "securityContext": {"seccompProfile": {"localhostProfile": "x"},
                    "windowsOptions": {"runAsUserName": "c-user"}, "privileged": null}},
                {"name": "b"}
            ]}}),
        )
    }

    #[test]
    fn resolve_follows_the_inheritance_mode() {
        let r = resource();
        let pod = pod_spec(&r).unwrap();
        let containers = pod.containers();
        let a = Subject::container(&pod, &containers[0]);
        let b = Subject::container(&pod, &containers[1]);
        let setting = |value: Value, pointer: &str, inherited: bool| (value, pointer.to_string(), inherited);
        let got = |s: &Subject<'_, '_>, tokens: &[&str], inherit| {
            s.resolve(tokens, inherit).map(|f| (f.value.clone(), s.pointer_to(&f, tokens), f.inherited))
        };
        // The container's seccompProfile object replaces the pod's, even without a type.
        assert_eq!(got(&a, &["securityContext", "seccompProfile", "type"], Inherit::Object), None);
        assert_eq!(
            got(&b, &["securityContext", "seccompProfile", "type"], Inherit::Object),
            Some(setting(json!("RuntimeDefault"), "/spec/securityContext/seccompProfile/type", true))
        );
        // windowsOptions merge field by field.
        assert_eq!(
            got(&a, &["securityContext", "windowsOptions", "gmsaCredentialSpecName"], Inherit::Field),
            Some(setting(json!("gmsa"), "/spec/securityContext/windowsOptions/gmsaCredentialSpecName", true))
        );
        assert_eq!(
            got(&a, &["securityContext", "windowsOptions", "runAsUserName"], Inherit::Field),
            Some(setting(json!("c-user"), "/spec/containers/0/securityContext/windowsOptions/runAsUserName", false))
        );
        assert_eq!(got(&b, &["securityContext", "runAsUser"], Inherit::No), None);
        assert_eq!(got(&a, &["securityContext", "privileged"], Inherit::No), None, "null counts as unset");
        assert_eq!(
            got(&Subject::pod(&pod), &["securityContext", "runAsUser"], Inherit::Object),
            Some(setting(json!(1000), "/spec/securityContext/runAsUser", false))
        );
    }

    #[test]
    fn judge_names_where_the_value_comes_from() {
        let r = resource();
        let pod = pod_spec(&r).unwrap();
        let containers = pod.containers();
        let b = Subject::container(&pod, &containers[1]);
        let rule = crate::pod_security::users::RUN_AS_HIGH_UID;
        let triple = |f: Option<Finding>| f.map(|f| (f.resource, f.path, f.message));
        assert_eq!(
            triple(b.judge(&rule, &["securityContext", "runAsUser"], Inherit::Object, |_| false, None)),
            Some((
                3,
                "/spec/securityContext/runAsUser".to_string(),
                "container \"b\" inherits securityContext.runAsUser: 1000 from the pod".to_string()
            ))
        );
        assert_eq!(
            triple(b.judge(&rule, &["securityContext", "runAsGroup"], Inherit::Object, |_| false, Some(" at all"))),
            Some((
                3,
                "/spec/containers/1/securityContext/runAsGroup".to_string(),
                "container \"b\" does not set securityContext.runAsGroup at all, nor does the pod".to_string()
            ))
        );
        assert_eq!(
            triple(b.judge(&rule, &["securityContext", "runAsGroup"], Inherit::No, |_| false, Some(""))),
            Some((
                3,
                "/spec/containers/1/securityContext/runAsGroup".to_string(),
                "container \"b\" does not set securityContext.runAsGroup".to_string()
            ))
        );
        assert_eq!(triple(b.judge(&rule, &["securityContext", "runAsGroup"], Inherit::Object, |_| false, None)), None);
    }
}
