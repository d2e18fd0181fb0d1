//! Finding the pod spec in every pod-bearing kind and visiting its containers.
//!
//! Kinds and locations follow `checks.md` §2 (the Pod Security Admission extractor plus
//! OpenShift `DeploymentConfig` and Argo `Rollout`). Init, regular and ephemeral containers are
//! all visited, in that order.

use serde_json::Value;

use crate::Resource;
use crate::pointer;

/// The pod spec of a workload.
#[derive(Debug, Clone)]
pub struct PodSpec<'a> {
    /// The object that carries it.
    pub resource: &'a Resource,
    /// The pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment, ...).
    pub spec: &'a Value,
    /// JSON pointer to `spec`.
    pub pointer: &'static str,
    /// Metadata of the pod (the Pod's own, or the template's), if present.
    pub metadata: Option<&'a Value>,
    /// JSON pointer to that metadata.
    pub metadata_pointer: &'static str,
}

/// Which list a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// `initContainers`.
    Init,
    /// `containers`.
    Regular,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field of the list.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod spec.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// Which list it is in.
    pub kind: ContainerKind,
    /// `name`, or `""`.
    pub name: &'a str,
    /// The container object.
    pub json: &'a Value,
    /// JSON pointer to the pod spec it is in.
    pub pod_pointer: &'static str,
    /// Position in its list.
    pub position: usize,
}

pub use palisade_core::kinds::pod_template_pointer as template_pointer;

/// Pointers to the pod spec and the pod metadata below a pod template pointer
/// ([`template_pointer`]); static, so that finding a pod spec allocates nothing.
fn spec_and_metadata_pointers(template: &str) -> Option<(&'static str, &'static str)> {
    Some(match template {
        "" => ("/spec", "/metadata"),
        "/template" => ("/template/spec", "/template/metadata"),
        "/spec/template" => ("/spec/template/spec", "/spec/template/metadata"),
        "/spec/jobTemplate/spec/template" => {
            ("/spec/jobTemplate/spec/template/spec", "/spec/jobTemplate/spec/template/metadata")
        }
        _ => return None,
    })
}

/// The pod spec of a pod-bearing object.
#[must_use]
pub fn pod_spec(resource: &Resource) -> Option<PodSpec<'_>> {
    let base = template_pointer(resource.kind())?;
    let (pointer, metadata_pointer) = spec_and_metadata_pointers(base)?;
    let template = resource.json().pointer(base)?;
    let spec = template.get("spec").filter(|s| s.is_object())?;
    Some(PodSpec {
        resource,
        spec,
        pointer,
        metadata: template.get("metadata").filter(|m| m.is_object()),
        metadata_pointer,
    })
}

/// Every pod spec in a set of resources.
pub fn pod_specs(resources: &[Resource]) -> impl Iterator<Item = PodSpec<'_>> {
    resources.iter().filter_map(pod_spec)
}

impl<'a> PodSpec<'a> {
    /// Init, regular and ephemeral containers, in that order.
    #[must_use]
    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for kind in [ContainerKind::Init, ContainerKind::Regular, ContainerKind::Ephemeral] {
            if let Some(Value::Array(items)) = self.spec.get(kind.field()) {
                out.extend(items.iter().enumerate().map(|(position, json)| Container {
                    kind,
                    name: json.get("name").and_then(Value::as_str).unwrap_or(""),
                    json,
                    pod_pointer: self.pointer,
                    position,
                }));
            }
        }
        out
    }

    /// A field of the pod spec.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.spec.get(field)
    }

    /// Pointer to a path below the pod spec.
    #[must_use]
    pub fn at(&self, tokens: &[&str]) -> String {
        pointer::join(self.pointer, tokens)
    }

    /// A field of the pod-level `securityContext`.
    #[must_use]
    pub fn security(&self, field: &str) -> Option<&'a Value> {
        self.spec.get("securityContext")?.get(field)
    }

    /// The value a container runs with for a `securityContext` field that exists at both levels
    /// (`runAsUser`, `runAsNonRoot`, `seccompProfile`, ...): the container's own, else the pod's.
    /// Returns the value and its pointer.
    #[must_use]
    pub fn effective(&self, container: &Container<'a>, field: &str) -> Option<(&'a Value, String)> {
        if let Some(v) = container.security(field).filter(|v| !v.is_null()) {
            return Some((v, container.at(&["securityContext", field])));
        }
        self.security(field).filter(|v| !v.is_null()).map(|v| (v, self.at(&["securityContext", field])))
    }

    /// An annotation of the pod (template).
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.metadata?.get("annotations")?.get(key)?.as_str()
    }
}

impl<'a> Container<'a> {
    /// `container "x"`, `init container "x"` or `ephemeral container "x"`.
    #[must_use]
    pub fn label(&self) -> String {
        let kind = match self.kind {
            ContainerKind::Init => "init container",
            ContainerKind::Regular => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        };
        format!("{kind} \"{}\"", self.name)
    }

    /// A field of the container's `securityContext`.
    #[must_use]
    pub fn security(&self, field: &str) -> Option<&'a Value> {
        self.json.get("securityContext")?.get(field)
    }

    /// A field of the container.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.json.get(field)
    }

    /// JSON pointer to the container (built on demand: most containers are never reported).
    #[must_use]
    pub fn pointer(&self) -> String {
        format!("{}/{}/{}", self.pod_pointer, self.kind.field(), self.position)
    }

    /// Pointer to a path below the container.
    #[must_use]
    pub fn at(&self, tokens: &[&str]) -> String {
        pointer::join(&self.pointer(), tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_pod_spec_in_every_kind() {
        let spec = json!({"containers": [{"name": "a"}], "initContainers": [{"name": "i"}], "ephemeralContainers": [{"name": "e"}]});
        let cases = [
            ("Pod", json!({"kind": "Pod", "spec": spec}), "/spec"),
            ("PodTemplate", json!({"kind": "PodTemplate", "template": {"spec": spec}}), "/template/spec"),
            ("Deployment", json!({"kind": "Deployment", "spec": {"template": {"spec": spec}}}), "/spec/template/spec"),
            (
                "CronJob",
                json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}),
                "/spec/jobTemplate/spec/template/spec",
            ),
        ];
        for (kind, json, pointer) in cases {
            let r = Resource::new(0, json);
            let pod = pod_spec(&r).unwrap_or_else(|| panic!("{kind}"));
            assert_eq!(pod.pointer, pointer);
            let names: Vec<_> = pod.containers().iter().map(|c| (c.label(), c.pointer())).collect();
            assert_eq!(
                names,
                vec![
                    ("init container \"i\"".to_string(), format!("{pointer}/initContainers/0")),
                    ("container \"a\"".to_string(), format!("{pointer}/containers/0")),
                    ("ephemeral container \"e\"".to_string(), format!("{pointer}/ephemeralContainers/0")),
                ]
            );
        }
        assert!(pod_spec(&Resource::new(0, json!({"kind": "Service", "spec": {}}))).is_none());
    }

    #[test]
    fn container_security_overrides_pod() {
        let r = Resource::new(
            0,
            json!({"kind": "Pod", "spec": {"securityContext": {"runAsUser": 1000, "runAsNonRoot": true},
                "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}]}}),
        );
        let pod = pod_spec(&r).unwrap();
        let c = &pod.containers()[0];
        assert_eq!(
            pod.effective(c, "runAsUser"),
            Some((&json!(0), "/spec/containers/0/securityContext/runAsUser".into()))
        );
        assert_eq!(pod.effective(c, "runAsNonRoot"), Some((&json!(true), "/spec/securityContext/runAsNonRoot".into())));
    }
}
