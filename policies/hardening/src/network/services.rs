//! Services and what refers to them: forbidden Service types, selectors that match no pod, Ingress
//! and Gateway API backends that name missing Services, and port names.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value, pointer};

use super::{CATEGORY, service_has_port};
use crate::index::Pod;
use crate::index::{Named, Pods};
use crate::objects::{api_group, items, judge, lookup, namespace, report, show, text};
use crate::pod_security::{Visit, visit};
use crate::selector::Selector;
use crate::settings::Settings;

/// Row 83: a Service's `spec.type` is in the `forbiddenServiceTypes` setting (default `NodePort`, as
/// kube-score; kube-linter also forbids `LoadBalancer`).
pub(crate) const SERVICE_TYPE_FORBIDDEN: RuleDef = RuleDef {
    id: "service-type-forbidden",
    title: "Service uses a forbidden type",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Use `type: ClusterIP` and expose the Service through an Ingress or Gateway instead of a node port.",
    standards: &["kube-linter:exposed-services", "kube-score:service-type"],
    enabled_by_default: true,
};

/// Row 85: a Service's non-empty `spec.selector` matches no pod of the input in its namespace.
/// Services without a selector (endpoints managed elsewhere) and `ExternalName` Services are skipped,
/// and so are Services in a namespace where the input runs no pod while it runs some elsewhere: those
/// front pods of the cluster or of other releases (a chart's Services for `kube-system` components).
/// Labels that controllers add to their pods (`statefulset.kubernetes.io/pod-name`,
/// `pod-template-hash`, `job-name`, ...) count as present.
pub(crate) const DANGLING_SERVICE: RuleDef = RuleDef {
    id: "dangling-service",
    title: "Service selects no pod",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Fix `spec.selector` so that it matches the labels of the pod template it fronts \
                  (`spec.template.metadata.labels`).",
    standards: &["kube-linter:dangling-service", "kube-score:service-targets-pod", "kubescape:C-0293"],
    enabled_by_default: true,
};

/// Row 86: an Ingress backend (`defaultBackend`, `backend`, `rules[].http.paths[].backend`, in
/// `networking.k8s.io/v1` or `v1beta1` form) names a Service that is not in the input, or a port that
/// Service does not define. Resource backends are skipped.
pub(crate) const DANGLING_INGRESS_BACKEND: RuleDef = RuleDef {
    id: "dangling-ingress-backend",
    title: "Ingress routes to a missing Service",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Point the backend at a Service of the chart and one of its ports: `backend: {service: {name: my-app, \
                  port: {name: http}}}`.",
    standards: &["kube-linter:dangling-ingress", "kube-score:ingress-targets-service", "kubescape:C-0298"],
    enabled_by_default: true,
};

/// Row 87: a Gateway API route (`HTTPRoute`, `GRPCRoute`, `TCPRoute`, `TLSRoute`, `UDPRoute`) has a
/// Service `backendRefs` entry naming a Service that is not in the input (in the route's namespace, or
/// the one the reference names), or a port that Service does not define.
pub(crate) const DANGLING_GATEWAY_BACKEND: RuleDef = RuleDef {
    id: "dangling-gateway-backend",
    title: "Gateway route refers to a missing Service",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Point `backendRefs` at a Service of the chart and one of its ports: `backendRefs: [{name: my-app, port: \
                  80}]`.",
    standards: &["kubescape:C-0302"],
    enabled_by_default: false,
};

/// Row 88: a Service `targetPort` or a container port `name` is not a valid port (a number from 1 to
/// 65535, or an `IANA_SVC_NAME`: at most 15 lowercase letters, digits and single inner hyphens, with a
/// letter), or a named `targetPort` names no container port of the pods the Service selects.
pub(crate) const INVALID_TARGET_PORT: RuleDef = RuleDef {
    id: "invalid-target-port",
    title: "Port name or target port is invalid",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Name ports with at most 15 lowercase letters, digits and hyphens (`name: http-metrics`), and set \
                  `targetPort` to a number or to a port name the selected containers declare.",
    standards: &["kube-linter:invalid-target-ports"],
    enabled_by_default: true,
};

/// [`SERVICE_TYPE_FORBIDDEN`].
pub(crate) fn service_type_forbidden(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let forbidden = &settings.forbidden_service_types;
    resources
        .iter()
        .filter(|r| r.kind() == "Service")
        .filter_map(|service| {
            let ok = |v: &Value| !forbidden.iter().any(|f| v == f.as_str());
            judge(&SERVICE_TYPE_FORBIDDEN, service, &["spec", "type"], ok, None).map(|mut finding| {
                finding.message.push_str(", a forbidden type");
                finding
            })
        })
        .collect()
}

/// The selector of a Service that should match pods: non-empty, and not an `ExternalName` Service.
fn pod_selector(service: &Resource) -> Option<Selector<'_>> {
    if text(service.json(), &["spec", "type"]) == "ExternalName" {
        return None;
    }
    lookup(service.json(), &["spec", "selector"]).and_then(Selector::from_map).filter(|s| !s.is_empty())
}

/// [`DANGLING_SERVICE`].
pub(crate) fn dangling_service(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    if !resources.iter().any(|r| r.kind() == "Service") {
        return Vec::new();
    }
    let pods = Pods::new(resources);
    resources
        .iter()
        .filter(|r| r.kind() == "Service")
        .filter_map(|service| {
            let selector = pod_selector(service).filter(|_| pods.judges(namespace(service)))?;
            (!pods.any(namespace(service), &selector)).then(|| {
                report(
                    &DANGLING_SERVICE,
                    service,
                    "/spec/selector",
                    format_args!("selector {selector} matches no pod in the input"),
                )
            })
        })
        .collect()
}

/// A reference to a Service port from an Ingress or a route.
struct Backend<'a> {
    /// Where the reference is, for messages (`spec.rules[0].http.paths[1].backend`).
    at: String,
    /// The namespace the Service is looked up in.
    namespace: Option<&'a str>,
    /// The Service name, and its pointer.
    name: (&'a str, String),
    /// The port (number or name), and its pointer, if set.
    port: Option<(&'a Value, String)>,
}

/// The Service backends of an Ingress.
fn ingress_backends(ingress: &Resource) -> Vec<Backend<'_>> {
    let mut places: Vec<(String, String)> =
        ["defaultBackend", "backend"].iter().map(|field| (format!("spec.{field}"), format!("/spec/{field}"))).collect();
    for (i, rule) in items(ingress.json().pointer("/spec/rules")) {
        for (j, _) in items(lookup(rule, &["http", "paths"])) {
            places.push((
                format!("spec.rules[{i}].http.paths[{j}].backend"),
                format!("/spec/rules/{i}/http/paths/{j}/backend"),
            ));
        }
    }
    let field = |base: &str, tokens: &[&str]| {
        let at = pointer::join(base, tokens);
        ingress.json().pointer(&at).filter(|v| !v.is_null()).map(|v| (v, at))
    };
    places
        .into_iter()
        .filter_map(|(at, base)| {
            let (name, port) = match field(&base, &["service", "name"]) {
                Some(name) => (
                    name,
                    field(&base, &["service", "port", "number"]).or_else(|| field(&base, &["service", "port", "name"])),
                ),
                None => (field(&base, &["serviceName"])?, field(&base, &["servicePort"])),
            };
            Some(Backend { at, namespace: namespace(ingress), name: (name.0.as_str()?, name.1), port })
        })
        .collect()
}

/// Gateway API route kinds with `spec.rules[].backendRefs`.
const ROUTE_KINDS: [&str; 5] = ["HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"];

/// The Service `backendRefs` of a Gateway API route.
fn route_backends(route: &Resource) -> Vec<Backend<'_>> {
    let mut out = Vec::new();
    for (i, rule) in items(route.json().pointer("/spec/rules")) {
        for (j, reference) in items(lookup(rule, &["backendRefs"])) {
            let is_service =
                matches!(text(reference, &["kind"]), "" | "Service") && text(reference, &["group"]).is_empty();
            let name = text(reference, &["name"]);
            if !is_service || name.is_empty() {
                continue;
            }
            let base = format!("/spec/rules/{i}/backendRefs/{j}");
            out.push(Backend {
                at: format!("spec.rules[{i}].backendRefs[{j}]"),
                namespace: lookup(reference, &["namespace"]).and_then(Value::as_str).or_else(|| namespace(route)),
                name: (name, format!("{base}/name")),
                port: lookup(reference, &["port"]).map(|port| (port, format!("{base}/port"))),
            });
        }
    }
    out
}

/// Reports the backends of `referrer` that name a Service missing from `services`, or a port it
/// lacks.
fn dangling_backends(
    rule: &RuleDef,
    referrer: &Resource,
    backends: Vec<Backend<'_>>,
    services: &Named<'_>,
) -> Vec<Finding> {
    backends
        .into_iter()
        .filter_map(|backend| {
            let (name, name_at) = backend.name;
            let Some(service) = services.first("Service", backend.namespace, name) else {
                return Some(report(
                    rule,
                    referrer,
                    name_at,
                    format_args!("{} references Service \"{name}\", which is not in the input", backend.at),
                ));
            };
            let (port, port_at) = backend.port.filter(|(port, _)| !service_has_port(service, port))?;
            Some(report(
                rule,
                referrer,
                port_at,
                format_args!(
                    "{} references port {} of Service \"{name}\", which does not define it",
                    backend.at,
                    show(port)
                ),
            ))
        })
        .collect()
}

/// [`DANGLING_INGRESS_BACKEND`].
pub(crate) fn dangling_ingress_backend(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let services = Named::new(resources, &["Service"]);
    resources
        .iter()
        .filter(|r| r.kind() == "Ingress")
        .flat_map(|ingress| dangling_backends(&DANGLING_INGRESS_BACKEND, ingress, ingress_backends(ingress), &services))
        .collect()
}

/// [`DANGLING_GATEWAY_BACKEND`].
pub(crate) fn dangling_gateway_backend(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let services = Named::new(resources, &["Service"]);
    resources
        .iter()
        .filter(|r| ROUTE_KINDS.contains(&r.kind()) && api_group(r.api_version()) == "gateway.networking.k8s.io")
        .flat_map(|route| dangling_backends(&DANGLING_GATEWAY_BACKEND, route, route_backends(route), &services))
        .collect()
}

/// Whether `name` is a valid port name (`IANA_SVC_NAME`, RFC 6335).
pub(crate) fn is_port_name(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// Why a Service `targetPort` is not valid by itself, if it is not.
fn invalid_target_port(port: &Value) -> Option<&'static str> {
    match port {
        Value::Number(n) => {
            (!n.as_u64().is_some_and(|n| (1..=65535).contains(&n))).then_some("not a valid port number")
        }
        Value::String(name) => (!is_port_name(name)).then_some("not a valid port name"),
        _ => Some("not a port"),
    }
}

/// [`INVALID_TARGET_PORT`].
pub(crate) fn invalid_target_port_rule(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let services: Vec<&Resource> = resources.iter().filter(|r| r.kind() == "Service").collect();
    let pods = if services.is_empty() { Pods::default() } else { Pods::new(resources) };
    let mut out = Vec::new();
    for service in services {
        let selected = pod_selector(service).map(|s| pods.select(namespace(service), &s)).unwrap_or_default();
        for (i, port) in items(service.json().pointer("/spec/ports")) {
            let Some(target) = lookup(port, &["targetPort"]) else {
                continue;
            };
            let at = format!("/spec/ports/{i}/targetPort");
            if let Some(why) = invalid_target_port(target) {
                out.push(report(
                    &INVALID_TARGET_PORT,
                    service,
                    at,
                    format_args!("sets spec.ports[{i}].targetPort: {}, {why}", show(target)),
                ));
                continue;
            }
            let Some(name) = target.as_str() else {
                continue;
            };
            let declares = |pod: &&Pod<'_>| {
                pod.spec
                    .containers()
                    .iter()
                    .any(|c| items(c.get("ports")).any(|(_, p)| p.get("name").and_then(Value::as_str) == Some(name)))
            };
            if !selected.is_empty() && !selected.iter().any(declares) {
                out.push(report(
                    &INVALID_TARGET_PORT,
                    service,
                    at,
                    format_args!(
                        "sets spec.ports[{i}].targetPort: {name}, which no container of the selected pods declares"
                    ),
                ));
            }
        }
    }
    out.extend(visit(resources, Visit::Containers, |c| {
        items(c.get(&["ports"]))
            .filter_map(|(j, port)| {
                let name = lookup(port, &["name"])?;
                (!name.as_str().is_some_and(is_port_name)).then(|| {
                    c.report(
                        &INVALID_TARGET_PORT,
                        &["ports", &j, "name"],
                        format_args!("sets ports[{j}].name: {}, not a valid port name", show(name)),
                    )
                })
            })
            .collect::<Vec<_>>()
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, deployment, object, pod, run, with_spec};
    use palisade_policy_sdk::json;

    fn service(name: &str, spec: Value) -> Value {
        with_spec("v1", "Service", name, spec)
    }

    fn web() -> Value {
        deployment(json!({"containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080}]}]}))
    }

    #[test]
    fn service_type_forbidden_follows_the_setting() {
        let node_port = service("s", json!({"type": "NodePort", "ports": [{"port": 80}]}));
        assert_findings(
            service_type_forbidden,
            node_port.clone(),
            &[("service-type-forbidden", "/spec/type", "Service sets spec.type: NodePort, a forbidden type")],
        );
        assert_findings_with(
            service_type_forbidden,
            node_port,
            &json!({"forbiddenServiceTypes": ["LoadBalancer"]}),
            &[],
        );
        assert_findings(service_type_forbidden, service("s", json!({"ports": [{"port": 80}]})), &[]);
    }

    #[test]
    fn dangling_service_needs_a_matching_pod_in_the_namespace() {
        let mut elsewhere = service("other", json!({"selector": {"app": "web"}}));
        elsewhere["metadata"]["namespace"] = json!("demo");
        let mut system = service("coredns", json!({"selector": {"k8s-app": "kube-dns"}}));
        system["metadata"]["namespace"] = json!("kube-system");
        let mut demo = deployment(json!({"containers": []}));
        demo["metadata"]["namespace"] = json!("demo");
        demo["spec"]["template"]["metadata"]["labels"] = json!({"app": "api"});
        let mut stateful = with_spec(
            "apps/v1",
            "StatefulSet",
            "db",
            json!({"template": {"metadata": {"labels": {"app": "db"}}, "spec": {}}}),
        );
        stateful["spec"]["template"]["spec"]["containers"] = json!([]);
        let docs = vec![
            web(),
            service("web", json!({"selector": {"app": "web"}})),
            service("gone", json!({"selector": {"app": "gone", "tier": "x"}})),
            service(
                "external",
                json!({"type": "ExternalName", "externalName": "x.example.com", "selector": {"app": "x"}}),
            ),
            service("manual", json!({"ports": [{"port": 80}]})),
            elsewhere,
            system,
            demo,
            stateful,
            service("db-0", json!({"selector": {"app": "db", "statefulset.kubernetes.io/pod-name": "db-0"}})),
        ];
        let id = "dangling-service";
        assert_eq!(
            run(dangling_service, docs, &json!({})),
            vec![
                (2, id, "/spec/selector".into(), "Service selector app=gone,tier=x matches no pod in the input".into()),
                (5, id, "/spec/selector".into(), "Service selector app=web matches no pod in the input".into()),
            ]
        );
    }

    #[test]
    fn dangling_ingress_backend_checks_names_and_ports() {
        let ingress = object(
            "networking.k8s.io/v1",
            "Ingress",
            "i",
            json!({"spec": {
                "defaultBackend": {"service": {"name": "web", "port": {"name": "http"}}},
                "rules": [{"http": {"paths": [
                    {"path": "/", "backend": {"service": {"name": "web", "port": {"number": 8443}}}},
                    {"path": "/api", "backend": {"service": {"name": "api", "port": {"number": 80}}}},
                    {"path": "/static", "backend": {"resource": {"kind": "StorageBucket", "name": "b"}}}
                ]}}]
            }}),
        );
        let legacy = object(
            "extensions/v1beta1",
            "Ingress",
            "old",
            json!({"spec": {"backend": {"serviceName": "web", "servicePort": 80}, "rules": [{"http": {"paths": [
                {"backend": {"serviceName": "gone", "servicePort": "http"}}]}}]}}),
        );
        let docs = vec![service("web", json!({"ports": [{"name": "http", "port": 80}]})), ingress, legacy];
        let id = "dangling-ingress-backend";
        assert_eq!(
            run(dangling_ingress_backend, docs, &json!({})),
            vec![
                (
                    1,
                    id,
                    "/spec/rules/0/http/paths/0/backend/service/port/number".into(),
                    "Ingress spec.rules[0].http.paths[0].backend references port 8443 of Service \"web\", which does not \
                     define it"
                        .into()
                ),
                (
                    1,
                    id,
                    "/spec/rules/0/http/paths/1/backend/service/name".into(),
                    "Ingress spec.rules[0].http.paths[1].backend references Service \"api\", which is not in the input".into()
                ),
                (
                    2,
                    id,
                    "/spec/rules/0/http/paths/0/backend/serviceName".into(),
                    "Ingress spec.rules[0].http.paths[0].backend references Service \"gone\", which is not in the input".into()
                ),
            ]
        );
    }

    #[test]
    fn dangling_gateway_backend_checks_service_refs() {
        let mut other = service("shared", json!({"ports": [{"port": 80}]}));
        other["metadata"]["namespace"] = json!("infra");
        let route = object(
            "gateway.networking.k8s.io/v1",
            "HTTPRoute",
            "r",
            json!({"spec": {"rules": [{"backendRefs": [
                {"name": "web", "port": 80},
                {"name": "web", "port": 81},
                {"name": "shared", "namespace": "infra", "port": 80},
                {"name": "gone", "port": 80},
                {"group": "example.com", "kind": "Bucket", "name": "b"}
            ]}]}}),
        );
        let docs = vec![service("web", json!({"ports": [{"port": 80}]})), other, route];
        let id = "dangling-gateway-backend";
        assert_eq!(
            run(dangling_gateway_backend, docs, &json!({})),
            vec![
                (
                    2,
                    id,
                    "/spec/rules/0/backendRefs/1/port".into(),
                    "HTTPRoute spec.rules[0].backendRefs[1] references port 81 of Service \"web\", which does not define it"
                        .into()
                ),
                (
                    2,
                    id,
                    "/spec/rules/0/backendRefs/3/name".into(),
                    "HTTPRoute spec.rules[0].backendRefs[3] references Service \"gone\", which is not in the input".into()
                ),
            ]
        );
    }

    #[test]
    fn port_names_follow_iana_svc_name() {
        for name in ["http", "http-metrics", "h2c", "a1", "abcdefghijklmno"] {
            assert!(is_port_name(name), "{name}");
        }
        for name in ["", "8080", "HTTP", "http_port", "-http", "http-", "http--x", "abcdefghijklmnop"] {
            assert!(!is_port_name(name), "{name}");
        }
    }

    #[test]
    fn invalid_target_port_checks_syntax_and_resolution() {
        let docs = vec![
            web(),
            service(
                "web",
                json!({"selector": {"app": "web"}, "ports": [
                    {"port": 80, "targetPort": "http"},
                    {"port": 81, "targetPort": "metrics"},
                    {"port": 82, "targetPort": "Http_Port"},
                    {"port": 83, "targetPort": 70000},
                    {"port": 84, "targetPort": 8080}
                ]}),
            ),
            service("manual", json!({"ports": [{"port": 80, "targetPort": "anything"}]})),
        ];
        let id = "invalid-target-port";
        assert_eq!(
            run(invalid_target_port_rule, docs, &json!({})),
            vec![
                (
                    1,
                    id,
                    "/spec/ports/1/targetPort".into(),
                    "Service sets spec.ports[1].targetPort: metrics, which no container of the selected pods declares"
                        .into()
                ),
                (
                    1,
                    id,
                    "/spec/ports/2/targetPort".into(),
                    "Service sets spec.ports[2].targetPort: Http_Port, not a valid port name".into()
                ),
                (
                    1,
                    id,
                    "/spec/ports/3/targetPort".into(),
                    "Service sets spec.ports[3].targetPort: 70000, not a valid port number".into()
                ),
            ]
        );
        assert_findings(
            invalid_target_port_rule,
            pod(
                json!({"containers": [{"name": "app", "ports": [{"name": "http_metrics", "containerPort": 9090}, {"name": "ok", "containerPort": 1}]}]}),
            ),
            &[(
                "invalid-target-port",
                "/spec/containers/0/ports/0/name",
                "container \"app\" sets ports[0].name: http_metrics, not a valid port name",
            )],
        );
    }
}
