//! Host namespaces, host ports, and hosts named in probes and lifecycle handlers.

use palisade_policy_sdk::Severity;

use super::{Check, Revision, Violation, rule};
use crate::level::{Level, Version};
use crate::offenders::{Offenders, Offense, Scope, join_quote, pick_items, pluralize};
use crate::pod::{Pod, lookup, text};

/// `hostNamespaces` (`check_hostNamespaces.go`): `hostNetwork`, `hostPID` and `hostIPC` must not be
/// `true`.
pub(crate) const HOST_NAMESPACES: Check = Check {
    def: rule(
        "hostNamespaces",
        "Pod shares the host's network, PID or IPC namespace",
        Severity::Critical,
        "Remove `hostNetwork: true`, `hostPID: true` and `hostIPC: true` from the pod spec (or set them to `false`).",
        &["pss:baseline/hostNamespaces"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, host_namespaces)],
    overrides: None,
};

fn host_namespaces(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let shared: Vec<&str> = ["hostNetwork", "hostPID", "hostIPC"].into_iter().filter(|f| pod.is_true(&[f])).collect();
    let first = shared.first()?;
    let detail = shared.iter().map(|f| format!("{f}=true")).collect::<Vec<_>>().join(", ");
    Some(Violation::new("host namespaces", detail, pod.at(&[first])))
}

/// `hostPorts` (`check_hostPorts.go`): no container port may set a non-zero `hostPort`.
pub(crate) const HOST_PORTS: Check = Check {
    def: rule(
        "hostPorts",
        "Container binds a host port",
        Severity::High,
        "Remove `hostPort` from the container's `ports` and expose the port through a Service.",
        &["pss:baseline/hostPorts"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(0, host_ports)],
    overrides: None,
};

fn host_ports(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let offenders = Offenders::judge(pod, Scope::Containers, &["ports"], |ports| {
        pick_items(ports, |port| {
            let host = lookup(port, &["hostPort"]).filter(|v| v.as_f64() != Some(0.0))?;
            Some((Some("hostPort"), text(Some(host))))
        })
    });
    Violation::by(&offenders, "hostPort", |o| {
        let ports = o.values();
        format!(
            "{} {} {} {}",
            o.containers(),
            pluralize("uses", "use", o.container_count()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        )
    })
}

/// `hostProbesAndHostLifecycle` (`check_hostProbesAndhostLifecycle.go`, v1.34+): probes and
/// lifecycle handlers must not name a `host`.
pub(crate) const HOST_PROBES_AND_HOST_LIFECYCLE: Check = Check {
    def: rule(
        "hostProbesAndHostLifecycle",
        "Probe or lifecycle handler names a host",
        Severity::High,
        "Remove `host` from the `httpGet` and `tcpSocket` of the container's probes and lifecycle handlers; the kubelet \
         then targets the pod's own IP.",
        &["pss:baseline/hostProbesAndHostLifecycle"],
    ),
    level: Level::Baseline,
    revisions: &[Revision::since(34, host_probes_and_host_lifecycle)],
    overrides: None,
};

/// The handlers whose `httpGet.host` and `tcpSocket.host` are judged, in upstream's order.
const HANDLERS: [&[&str]; 5] = [
    &["livenessProbe"],
    &["readinessProbe"],
    &["startupProbe"],
    &["lifecycle", "postStart"],
    &["lifecycle", "preStop"],
];

fn host_probes_and_host_lifecycle(pod: &Pod<'_>, _: Version) -> Option<Violation> {
    let mut offenders = Offenders::judge(pod, Scope::Containers, &[], |container| {
        let mut hosts = HANDLERS.iter().flat_map(|handler| {
            ["httpGet", "tcpSocket"].into_iter().filter_map(move |action| {
                let at: Vec<&str> = handler.iter().copied().chain([action, "host"]).collect();
                let host = text(lookup(container?, &at));
                (!host.is_empty()).then_some((at, host))
            })
        });
        let (at, first) = hosts.next()?;
        Some(Offense::below(&at, std::iter::once(first).chain(hosts.map(|(_, host)| host))))
    });
    // Upstream collects the container names in a set: sorted, each once.
    offenders.sort_containers();
    Violation::by(&offenders, "probe or lifecycle host", |o| {
        let hosts = o.values();
        format!(
            "{} {} {} {}",
            o.containers(),
            pluralize("uses", "use", o.container_count()),
            pluralize("probe or lifecycle host", "probe or lifecycle hosts", hosts.len()),
            join_quote(&hosts)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Case, check_cases};
    use palisade_policy_sdk::json;

    #[test]
    fn host_namespaces_lists_every_shared_namespace() {
        check_cases(
            &HOST_NAMESPACES,
            &[
                Case::pass(
                    "none shared",
                    0,
                    json!({"hostNetwork": false, "hostPID": null, "containers": [{"name": "a"}]}),
                ),
                Case::fail(
                    "all three, in upstream's order",
                    0,
                    json!({"hostIPC": true, "hostPID": true, "hostNetwork": true}),
                    "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)",
                    "/spec/hostNetwork",
                ),
                Case::fail("one", 37, json!({"hostIPC": true}), "host namespaces (hostIPC=true)", "/spec/hostIPC"),
            ],
        );
    }

    #[test]
    fn host_ports_aggregates_containers_and_ports() {
        check_cases(
            &HOST_PORTS,
            &[
                Case::pass(
                    "zero is no host port",
                    0,
                    json!({"containers": [{"name": "a", "ports": [{"hostPort": 0}]}]}),
                ),
                Case::fail(
                    "one container",
                    0,
                    json!({"containers": [{"name": "a", "ports": [{"hostPort": 0}]}, {"name": "b", "ports": [{"hostPort": 0}, {"hostPort": 20}]}]}),
                    r#"hostPort (container "b" uses hostPort 20)"#,
                    "/spec/containers/1/ports/1/hostPort",
                ),
                Case::fail(
                    "ports sorted as text, each once",
                    0,
                    json!({"initContainers": [{"name": "i", "ports": [{"hostPort": 9}]}],
                        "containers": [{"name": "b", "ports": [{"hostPort": 10}, {"hostPort": 9}]}]}),
                    r#"hostPort (containers "i", "b" use hostPorts 10, 9)"#,
                    "/spec/initContainers/0/ports/0/hostPort",
                ),
            ],
        );
    }

    #[test]
    fn host_probes_name_every_host_from_v1_34() {
        let probing = json!({"containers": [
            {"name": "valid", "livenessProbe": {"httpGet": {"port": 80, "host": ""}}},
            {"name": "z", "lifecycle": {"preStop": {"tcpSocket": {"host": "b.com"}}}, "startupProbe": {"httpGet": {"host": "a.com"}}},
            {"name": "m", "livenessProbe": {"httpGet": {"host": "a.com"}}}
        ]});
        check_cases(
            &HOST_PROBES_AND_HOST_LIFECYCLE,
            &[
                Case::absent("not yet a check", 33, probing.clone()),
                Case::fail(
                    "containers sorted, hosts sorted",
                    34,
                    probing,
                    r#"probe or lifecycle host (containers "m", "z" use probe or lifecycle hosts "a.com", "b.com")"#,
                    "/spec/containers/2/livenessProbe/httpGet/host",
                ),
                Case::fail(
                    "one container, several hosts",
                    37,
                    json!({"containers": [{"name": "a", "livenessProbe": {"tcpSocket": {"host": "::1"}},
                        "readinessProbe": {"httpGet": {"host": "127.0.0.1"}}}]}),
                    r#"probe or lifecycle host (container "a" uses probe or lifecycle hosts "127.0.0.1", "::1")"#,
                    "/spec/containers/0/livenessProbe/tcpSocket/host",
                ),
                Case::pass(
                    "no host",
                    37,
                    json!({"containers": [{"name": "a", "readinessProbe": {"httpGet": {"port": 8080}}}]}),
                ),
            ],
        );
    }
}
