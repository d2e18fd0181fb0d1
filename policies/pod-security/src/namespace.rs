//! Which level and version each pod is judged at: the settings' defaults, or the enforce labels of
//! its Namespace when the input holds one, read as upstream's `api.PolicyToEvaluate` reads them.

use std::collections::BTreeMap;

use palisade_policy_sdk::{Resource, Value};

use crate::level::{Level, Version};
use crate::pod::{lookup, text};
use crate::settings::Settings;

/// The label naming a namespace's enforced level.
pub(crate) const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";
/// The label naming a namespace's enforced version.
pub(crate) const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";

/// A level and the version of its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LevelVersion {
    /// The level.
    pub(crate) level: Level,
    /// The version.
    pub(crate) version: Version,
}

/// The policy of every namespace of the input.
#[derive(Debug, Clone)]
pub(crate) struct Namespaces<'a> {
    /// The settings' level and version.
    default: LevelVersion,
    /// Namespaces whose labels say otherwise.
    labelled: BTreeMap<&'a str, LevelVersion>,
}

impl<'a> Namespaces<'a> {
    /// Reads the Namespace objects of `resources`, unless `settings` ignore their labels.
    pub(crate) fn new(resources: &'a [Resource], settings: &Settings) -> Self {
        let default = LevelVersion { level: settings.level, version: settings.version };
        let labelled = resources
            .iter()
            .filter(|_| settings.honor_namespace_labels)
            .filter(|r| r.kind() == "Namespace" && r.api_version() == "v1")
            .filter_map(|r| Some((r.name(), from_labels(r.metadata().get("labels")?, default)?)))
            .collect();
        Self { default, labelled }
    }

    /// The policy for pods whose object names `namespace` (`metadata.namespace`).
    pub(crate) fn policy(&self, namespace: Option<&str>) -> LevelVersion {
        namespace.and_then(|n| self.labelled.get(n)).copied().unwrap_or(self.default)
    }
}

/// The policy the enforce labels set over `default`; `None` when neither label is there. An invalid
/// level reads as `restricted`, an invalid version as `latest` (fail closed); a valid level without
/// a version label means `latest`.
fn from_labels(labels: &Value, default: LevelVersion) -> Option<LevelVersion> {
    let label = |key: &str| lookup(labels, &[key]).map(|v| text(Some(v)));
    let (level, version) = (label(ENFORCE_LABEL), label(ENFORCE_VERSION_LABEL));
    if level.is_none() && version.is_none() {
        return None;
    }
    let parsed = level.as_deref().map(Level::parse);
    let version = match (version, parsed) {
        (Some(version), _) => Version::parse(&version).unwrap_or(Version::LATEST),
        (None, Some(Some(_))) => Version::LATEST,
        (None, _) => default.version,
    };
    let level = parsed.map_or(default.level, |l| l.unwrap_or(Level::Restricted));
    Some(LevelVersion { level, version })
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_policy_sdk::json;

    fn namespace(name: &str, labels: &Value) -> Resource {
        Resource::new(0, json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}))
    }

    #[test]
    fn labels_set_the_policy_as_upstream_reads_them() {
        let default = LevelVersion { level: Level::Baseline, version: Version::v1(20) };
        let read = |labels: Value| from_labels(&labels, default).map(|p| (p.level, p.version));
        let cases = [
            (json!({}), None),
            (json!({"other": "x"}), None),
            (json!({ENFORCE_LABEL: "restricted"}), Some((Level::Restricted, Version::LATEST))),
            (
                json!({ENFORCE_LABEL: "privileged", ENFORCE_VERSION_LABEL: "v1.25"}),
                Some((Level::Privileged, Version::v1(25))),
            ),
            (json!({ENFORCE_VERSION_LABEL: "v1.30"}), Some((Level::Baseline, Version::v1(30)))),
            (json!({ENFORCE_LABEL: "strict"}), Some((Level::Restricted, Version::v1(20)))),
            (
                json!({ENFORCE_LABEL: "baseline", ENFORCE_VERSION_LABEL: "1.25"}),
                Some((Level::Baseline, Version::LATEST)),
            ),
            (
                json!({ENFORCE_LABEL: "baseline", ENFORCE_VERSION_LABEL: "v1.99"}),
                Some((Level::Baseline, Version::LATEST)),
            ),
        ];
        for (labels, expected) in cases {
            assert_eq!(read(labels.clone()), expected, "{labels}");
        }
    }

    #[test]
    fn pods_take_their_namespace_policy_unless_labels_are_ignored() {
        let resources = [
            namespace("apps", &json!({ENFORCE_LABEL: "restricted", ENFORCE_VERSION_LABEL: "v1.24"})),
            namespace("plain", &json!({"team": "x"})),
            Resource::new(
                2,
                json!({"apiVersion": "v2", "kind": "Namespace", "metadata": {"name": "odd", "labels": {ENFORCE_LABEL: "privileged"}}}),
            ),
        ];
        let settings = Settings::default();
        let default = LevelVersion { level: Level::Baseline, version: Version::LATEST };
        let namespaces = Namespaces::new(&resources, &settings);
        assert_eq!(
            namespaces.policy(Some("apps")),
            LevelVersion { level: Level::Restricted, version: Version::v1(24) }
        );
        for other in [Some("plain"), Some("odd"), Some("missing"), None] {
            assert_eq!(namespaces.policy(other), default, "{other:?}");
        }
        let ignoring = Settings { honor_namespace_labels: false, ..Settings::default() };
        assert_eq!(Namespaces::new(&resources, &ignoring).policy(Some("apps")), default);
    }
}
