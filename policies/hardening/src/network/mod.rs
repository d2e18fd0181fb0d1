//! Network exposure and references (checks.md §1.3, area `network`): NetworkPolicy coverage,
//! Services, Ingresses and Gateway API routes, and the references between them and the pods.
//!
//! Only `networking.k8s.io` NetworkPolicies are read for pod selection (Calico's and Cilium's use other
//! selector syntaxes); `namespace-without-networkpolicy` also counts those, as Kubescape does.

pub(crate) mod ingress;
pub(crate) mod policies;
pub(crate) mod services;

use palisade_policy_sdk::{Resource, Value};

use crate::objects::{api_group, lookup, namespace, strings};
use crate::selector::Selector;

/// Catalog area of every rule here.
pub(crate) const CATEGORY: &str = "network";

/// A `networking.k8s.io` NetworkPolicy.
#[derive(Debug, Clone)]
pub(crate) struct NetworkPolicy<'a> {
    /// The object.
    pub(crate) resource: &'a Resource,
    /// `spec.podSelector` (`{}` when absent); `None` when malformed, which selects nothing.
    pub(crate) selector: Option<Selector<'a>>,
    /// Whether the policy isolates ingress (`policyTypes` has `Ingress`, or is unset).
    pub(crate) ingress: bool,
    /// Whether it isolates egress (`policyTypes` has `Egress`, or is unset and `spec.egress` is set).
    pub(crate) egress: bool,
}

impl<'a> NetworkPolicy<'a> {
    /// Reads a NetworkPolicy; `None` for other objects.
    pub(crate) fn parse(resource: &'a Resource) -> Option<Self> {
        if resource.kind() != "NetworkPolicy" || api_group(resource.api_version()) != "networking.k8s.io" {
            return None;
        }
        let spec = resource.json().get("spec").unwrap_or(&Value::Null);
        let selector = match lookup(spec, &["podSelector"]) {
            Some(value) => Selector::parse(value),
            None => Some(Selector::default()),
        };
        let (ingress, egress) = match lookup(spec, &["policyTypes"]) {
            Some(types) => {
                let types = strings(Some(types));
                (types.contains(&"Ingress"), types.contains(&"Egress"))
            }
            None => (true, lookup(spec, &["egress"]).is_some()),
        };
        Some(Self { resource, selector, ingress, egress })
    }

    /// Every NetworkPolicy of the input.
    pub(crate) fn all(resources: &'a [Resource]) -> Vec<Self> {
        resources.iter().filter_map(Self::parse).collect()
    }

    /// The policy's namespace.
    pub(crate) fn namespace(&self) -> Option<&'a str> {
        namespace(self.resource)
    }

    /// A field of `spec`.
    pub(crate) fn spec(&self, field: &str) -> Option<&'a Value> {
        lookup(self.resource.json(), &["spec", field])
    }
}

/// Whether a Service port `spec.ports[]` list has a port matching an Ingress or route backend port: a
/// number against `port`, a name against `name`.
pub(crate) fn service_has_port(service: &Resource, port: &Value) -> bool {
    let ports = service.json().pointer("/spec/ports").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    ports.iter().any(|p| match port {
        Value::Number(_) => p.get("port") == Some(port),
        Value::String(name) => p.get("name").and_then(Value::as_str) == Some(name.as_str()),
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{object, with_spec};
    use palisade_policy_sdk::json;

    fn policy(spec: Value) -> Resource {
        Resource::new(0, with_spec("networking.k8s.io/v1", "NetworkPolicy", "p", spec))
    }

    #[test]
    fn policy_types_default_from_the_rules() {
        let types = |spec: Value| {
            let r = policy(spec);
            NetworkPolicy::parse(&r).map(|p| (p.ingress, p.egress, p.selector.map(|s| s.to_string())))
        };
        assert_eq!(types(json!({"podSelector": {}})), Some((true, false, Some("{}".into()))));
        assert_eq!(types(json!({"egress": []})), Some((true, true, Some("{}".into()))));
        assert_eq!(
            types(json!({"podSelector": {"matchLabels": {"app": "a"}}, "policyTypes": ["Egress"]})),
            Some((false, true, Some("app=a".into())))
        );
        assert_eq!(types(json!({"podSelector": "x"})), Some((true, false, None)));
        let calico = Resource::new(
            0,
            object("projectcalico.org/v3", "NetworkPolicy", "p", json!({"spec": {"selector": "all()"}})),
        );
        assert!(NetworkPolicy::parse(&calico).is_none());
    }

    #[test]
    fn service_ports_match_by_number_or_name() {
        let service = Resource::new(0, json!({"kind": "Service", "spec": {"ports": [{"name": "http", "port": 80}]}}));
        assert!(service_has_port(&service, &json!(80)) && service_has_port(&service, &json!("http")));
        assert!(!service_has_port(&service, &json!(8080)) && !service_has_port(&service, &json!("grpc")));
    }
}
