//! The pod a check judges: its spec, its containers in upstream's visiting order, its metadata.
//!
//! Values are read as the API server's Go types would hold them: `null` is an unset pointer, a
//! missing string is `""`, a missing boolean is unset.

use palisade_policy_sdk::workload::{Container, PodSpec};
use palisade_policy_sdk::{Value, pointer};

/// A pod spec with its containers: init, regular, then ephemeral, as upstream's `visitContainers`.
#[derive(Debug, Clone)]
pub(crate) struct Pod<'a> {
    /// The pod spec and its metadata.
    pub(crate) spec: PodSpec<'a>,
    /// Every container, in visiting order.
    pub(crate) containers: Vec<Container<'a>>,
}

impl<'a> Pod<'a> {
    /// The pod of `spec`.
    pub(crate) fn new(spec: PodSpec<'a>) -> Self {
        let containers = spec.containers();
        Self { spec, containers }
    }

    /// A field below the pod spec; `null` is unset.
    pub(crate) fn get(&self, tokens: &[&str]) -> Option<&'a Value> {
        lookup(self.spec.spec, tokens)
    }

    /// Pointer to a path below the pod spec.
    pub(crate) fn at(&self, tokens: &[&str]) -> String {
        self.spec.at(tokens)
    }

    /// Whether a boolean field below the pod spec is `true`.
    pub(crate) fn is_true(&self, tokens: &[&str]) -> bool {
        self.get(tokens) == Some(&Value::Bool(true))
    }

    /// The pod's string annotations, sorted by key.
    pub(crate) fn annotations(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        let mut found: Vec<_> = self
            .spec
            .metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
            .collect();
        found.sort_unstable();
        found.into_iter()
    }

    /// The pod annotation `key`, if it is a string.
    pub(crate) fn annotation(&self, key: &str) -> Option<&'a str> {
        self.spec.annotation(key)
    }

    /// Pointer to the pod annotation `key`.
    pub(crate) fn annotation_at(&self, key: &str) -> String {
        pointer::join(self.spec.metadata_pointer, &["annotations", key])
    }

    /// `spec.os.name: windows`: the API server then refuses Linux-only `securityContext` fields, and
    /// upstream (v1.25+) exempts the pod from the restricted checks that require them.
    pub(crate) fn is_windows(&self) -> bool {
        self.get(&["os", "name"]).and_then(Value::as_str) == Some("windows")
    }

    /// `spec.hostUsers: false`: the pod runs in its own user namespace.
    pub(crate) fn has_own_user_namespace(&self) -> bool {
        self.get(&["hostUsers"]) == Some(&Value::Bool(false))
    }
}

/// `tokens` below `value`; `null` counts as unset.
pub(crate) fn lookup<'v>(value: &'v Value, tokens: &[&str]) -> Option<&'v Value> {
    tokens.iter().try_fold(value, |v, t| v.get(*t)).filter(|v| !v.is_null())
}

/// A value as a Go string field holds it: unset is `""`, a non-string is its JSON text.
pub(crate) fn text(value: Option<&Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The elements of an array value, with their indexes as pointer tokens.
pub(crate) fn items(value: Option<&Value>) -> impl Iterator<Item = (String, &Value)> {
    value.and_then(Value::as_array).into_iter().flatten().enumerate().map(|(i, v)| (i.to_string(), v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{pod_of, resource};
    use palisade_policy_sdk::json;

    #[test]
    fn reads_fields_as_go_types_hold_them() {
        let r = resource(json!({"kind": "Deployment", "spec": {"template": {
            "metadata": {"annotations": {"b": "2", "a": "1", "n": 3, "x/y": "z"}},
            "spec": {"hostNetwork": true, "hostPID": "true", "hostIPC": null, "os": {"name": "windows"}, "hostUsers": false,
                "initContainers": [{"name": "i"}], "containers": [{"name": "c"}]}}}}));
        let pod = pod_of(&r);
        assert!(pod.is_true(&["hostNetwork"]) && !pod.is_true(&["hostPID"]) && !pod.is_true(&["hostIPC"]));
        assert_eq!(pod.get(&["hostIPC"]), None);
        assert_eq!(pod.annotations().collect::<Vec<_>>(), [("a", "1"), ("b", "2"), ("x/y", "z")]);
        assert_eq!(pod.annotation("x/y"), Some("z"));
        assert_eq!(pod.annotation_at("x/y"), "/spec/template/metadata/annotations/x~1y");
        assert_eq!(pod.at(&["os", "name"]), "/spec/template/spec/os/name");
        assert!(pod.is_windows() && pod.has_own_user_namespace());
        assert_eq!(pod.containers.iter().map(|c| c.name).collect::<Vec<_>>(), ["i", "c"]);
        assert_eq!([text(None), text(Some(&json!("x"))), text(Some(&json!(5)))], ["", "x", "5"]);
        assert_eq!(items(Some(&json!([1, 2]))).map(|(i, _)| i).collect::<Vec<_>>(), ["0", "1"]);
    }
}
