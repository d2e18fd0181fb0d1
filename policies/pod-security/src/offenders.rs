//! Who breaks a check and how upstream words it.
//!
//! Upstream checks aggregate: one result per pod, naming every offending container
//! (`containers "a", "b" must ...`), and the pod itself first when its own `securityContext` is at
//! fault (`pod and container "a" must ...`). [`Offenders`] collects exactly that, plus the values
//! they set (a sorted set, as Go's `sets.String.List()`) and the JSON pointer of the first offence.

use std::collections::BTreeSet;

use palisade_policy_sdk::workload::Container;
use palisade_policy_sdk::{Value, pointer};

use crate::pod::{Pod, items, lookup};

/// `singular` for one, `plural` otherwise (upstream `pluralize`).
pub(crate) fn pluralize<'s>(singular: &'s str, plural: &'s str, count: usize) -> &'s str {
    if count == 1 { singular } else { plural }
}

/// `"a", "b"`; empty for no items (upstream `joinQuote`).
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    items.iter().map(|s| format!("\"{}\"", s.as_ref())).collect::<Vec<_>>().join(", ")
}

/// A string as Go's `%q` writes it (printable text; quotes and backslashes escaped).
pub(crate) fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

/// Which subjects a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every container.
    Containers,
    /// The pod spec, then every container.
    PodAndContainers,
}

/// What a subject gets wrong: the field (below the one judged) and the values to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Offense {
    /// Tokens below the judged field where the offence is (empty: the field itself).
    pub(crate) at: Vec<String>,
    /// Values to name in the message.
    pub(crate) values: Vec<String>,
}

impl Offense {
    /// The judged field itself, naming `values`.
    pub(crate) fn here(values: impl IntoIterator<Item = String>) -> Self {
        Self { at: Vec::new(), values: values.into_iter().collect() }
    }

    /// `tokens` below the judged field, naming `values`.
    pub(crate) fn below<S: ToString>(tokens: &[S], values: impl IntoIterator<Item = String>) -> Self {
        Self { at: tokens.iter().map(ToString::to_string).collect(), values: values.into_iter().collect() }
    }
}

/// The pod and containers that break a check, in upstream's order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Offenders<'a> {
    /// Where the pod breaks it, if it does.
    pod: Option<String>,
    /// Offending containers by name, with where each breaks it, in visiting order.
    containers: Vec<(&'a str, String)>,
    /// The offending values, sorted and distinct.
    values: BTreeSet<String>,
}

impl<'a> Offenders<'a> {
    /// Judges `tokens` of the subjects `scope` selects (the value is `None` when unset) and records
    /// every subject `test` flags.
    pub(crate) fn judge(
        pod: &Pod<'a>,
        scope: Scope,
        tokens: &[&str],
        mut test: impl FnMut(Option<&'a Value>) -> Option<Offense>,
    ) -> Self {
        let mut out = Self::default();
        if scope == Scope::PodAndContainers
            && let Some(offense) = test(pod.get(tokens))
        {
            out.values.extend(offense.values);
            out.pod = Some(below(&pod.at(tokens), &offense.at));
        }
        for container in &pod.containers {
            if let Some(offense) = test(lookup(container.json, tokens)) {
                out.add(container, below(&container.at(tokens), &offense.at), offense.values);
            }
        }
        out
    }

    /// Records `container` as an offender at `at`, naming `values`.
    pub(crate) fn add(&mut self, container: &Container<'a>, at: String, values: impl IntoIterator<Item = String>) {
        self.containers.push((container.name, at));
        self.values.extend(values);
    }

    /// No subject breaks the check.
    pub(crate) fn is_empty(&self) -> bool {
        self.pod.is_none() && self.containers.is_empty()
    }

    /// Names each container once, sorted, as upstream does where it collects names in a set.
    pub(crate) fn sort_containers(&mut self) {
        self.containers.sort_by(|a, b| a.0.cmp(b.0));
        self.containers.dedup_by(|a, b| a.0 == b.0);
    }

    /// Number of offending containers.
    pub(crate) fn container_count(&self) -> usize {
        self.containers.len()
    }

    /// `container "a"` or `containers "a", "b"`.
    pub(crate) fn containers(&self) -> String {
        let names: Vec<&str> = self.containers.iter().map(|(name, _)| *name).collect();
        format!("{} {}", pluralize("container", "containers", names.len()), join_quote(&names))
    }

    /// `pod`, the containers, or `pod and <containers>` (upstream's `badSetters` joined).
    pub(crate) fn who(&self) -> String {
        match (self.pod.is_some(), self.containers.is_empty()) {
            (true, true) => "pod".to_string(),
            (true, false) => format!("pod and {}", self.containers()),
            (false, _) => self.containers(),
        }
    }

    /// The offending values, sorted and distinct.
    pub(crate) fn values(&self) -> Vec<&str> {
        self.values.iter().map(String::as_str).collect()
    }

    /// Where the first offence is: the pod's, else the first container's.
    pub(crate) fn pointer(&self) -> Option<String> {
        self.pod.clone().or_else(|| self.containers.first().map(|(_, at)| at.clone()))
    }
}

/// An offence for the items of an array that `pick` flags: at the first one (and the field `pick`
/// names below it), naming every value `pick` returns.
pub(crate) fn pick_items(
    list: Option<&Value>,
    mut pick: impl FnMut(&Value) -> Option<(Option<&'static str>, String)>,
) -> Option<Offense> {
    let mut picked = items(list).filter_map(|(i, item)| pick(item).map(|(field, value)| (i, field, value)));
    let (index, field, first) = picked.next()?;
    let at: Vec<&str> = std::iter::once(index.as_str()).chain(field).collect();
    Some(Offense::below(&at, std::iter::once(first).chain(picked.map(|(_, _, value)| value))))
}

/// `base` + `/token` for each of `tokens`, escaped.
fn below(base: &str, tokens: &[String]) -> String {
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    pointer::join(base, &tokens)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{pod_of, resource};
    use palisade_policy_sdk::json;

    #[test]
    fn words_like_upstream() {
        assert_eq!([pluralize("volume", "volumes", 1), pluralize("volume", "volumes", 2)], ["volume", "volumes"]);
        assert_eq!(join_quote(&["a", "b"]), r#""a", "b""#);
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(go_quote("un\"con\\fined"), r#""un\"con\\fined""#);
    }

    #[test]
    fn judges_pod_then_containers_in_visiting_order() {
        let r = resource(json!({"kind": "Pod", "spec": {
            "securityContext": {"runAsUser": 0},
            "containers": [{"name": "b", "securityContext": {"runAsUser": 0}}, {"name": "c"}],
            "initContainers": [{"name": "a", "securityContext": {"runAsUser": 0}}]}}));
        let pod = pod_of(&r);
        let zero = |v: Option<&Value>| (v == Some(&json!(0))).then(|| Offense::here(["0".to_string()]));
        let all = Offenders::judge(&pod, Scope::PodAndContainers, &["securityContext", "runAsUser"], zero);
        assert_eq!(all.who(), r#"pod and containers "a", "b""#);
        assert_eq!(all.pointer().as_deref(), Some("/spec/securityContext/runAsUser"));
        assert_eq!(all.values(), ["0"]);
        let containers = Offenders::judge(&pod, Scope::Containers, &["securityContext", "runAsUser"], zero);
        assert_eq!(containers.who(), r#"containers "a", "b""#);
        assert_eq!(containers.pointer().as_deref(), Some("/spec/initContainers/0/securityContext/runAsUser"));
        let unset = Offenders::judge(&pod, Scope::Containers, &["securityContext", "runAsUser"], |v| {
            v.is_none().then(|| Offense::below(&["x/y"], []))
        });
        assert_eq!(unset.who(), r#"container "c""#);
        assert_eq!(unset.container_count(), 1);
        assert_eq!(unset.pointer().as_deref(), Some("/spec/containers/1/securityContext/runAsUser/x~1y"));
        let none = Offenders::judge(&pod, Scope::PodAndContainers, &["hostPID"], |_| None);
        assert!(none.is_empty() && none.pointer().is_none());
    }

    #[test]
    fn sorting_names_each_container_once() {
        let r = resource(json!({"kind": "Pod", "spec": {"containers": [{"name": "z"}, {"name": "a"}]}}));
        let pod = pod_of(&r);
        let mut offenders = Offenders::default();
        for container in [&pod.containers[0], &pod.containers[1], &pod.containers[0]] {
            offenders.add(container, container.at(&["x"]), ["v".to_string()]);
        }
        offenders.sort_containers();
        assert_eq!(offenders.who(), r#"containers "a", "z""#);
        assert_eq!(offenders.pointer().as_deref(), Some("/spec/containers/1/x"));
    }
}
