//! Liveness, readiness and startup probes.
//!
//! Probes are judged on long-running containers: regular containers and sidecars (init containers
//! with `restartPolicy: Always`), in every pod-bearing kind but Jobs and CronJobs, whose pods run to
//! completion (Polaris' exclusions).

use crate::context::Ctx;
use palisade_policy_sdk::workload::ContainerKind;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{BATCH, CATEGORY};
use crate::objects::{items, show};
use crate::pod_security::{Inherit, Subject, Visit, visit};
use crate::settings::Settings;

/// Row 124: a long-running container has no `livenessProbe`.
pub(crate) const LIVENESS_PROBE: RuleDef = RuleDef {
    id: "liveness-probe",
    title: "Container has no liveness probe",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set a `livenessProbe` on every container, for example `livenessProbe: {httpGet: {path: /healthz, port: \
                  http}, periodSeconds: 10}`.",
    standards: &[
        "kube-linter:no-liveness-probe",
        "polaris:livenessProbeMissing",
        "kube-score:pod-probes",
        "checkov:CKV_K8S_8",
        "kubescape:C-0056",
    ],
    enabled_by_default: true,
};

/// Row 125: a long-running container has no `readinessProbe`.
pub(crate) const READINESS_PROBE: RuleDef = RuleDef {
    id: "readiness-probe",
    title: "Container has no readiness probe",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Set a `readinessProbe` on every container, for example `readinessProbe: {httpGet: {path: /ready, port: \
                  http}}`.",
    standards: &[
        "kube-linter:no-readiness-probe",
        "polaris:readinessProbeMissing",
        "kube-score:pod-probes",
        "checkov:CKV_K8S_9",
        "kubescape:C-0018",
    ],
    enabled_by_default: true,
};

/// Row 126: a container's liveness and readiness probes are identical (the whole probe, timings
/// included; probes that share an endpoint but differ in thresholds pass).
pub(crate) const PROBES_NOT_IDENTICAL: RuleDef = RuleDef {
    id: "probes-not-identical",
    title: "Liveness and readiness probes are identical",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Make the liveness probe less strict than the readiness probe (another endpoint, or a higher \
                  `failureThreshold`), so that a busy container is taken out of the Service instead of being restarted.",
    standards: &["kube-score:pod-probes-identical"],
    enabled_by_default: true,
};

/// Row 127: a liveness, readiness or startup probe (`httpGet`, `tcpSocket` or `grpc`) targets a port
/// the container does not declare: a name absent from `ports[].name`, or a number absent from
/// `ports[].containerPort`.
pub(crate) const PROBE_PORT_EXPOSED: RuleDef = RuleDef {
    id: "probe-port-exposed",
    title: "Probe targets a port the container does not declare",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Point the probe at a declared port (`port: http`) or declare it: `ports: [{name: http, containerPort: \
                  8080}]`.",
    standards: &["kube-linter:liveness-port", "kube-linter:readiness-port", "kube-linter:startup-port"],
    enabled_by_default: true,
};

/// Runs `check` on every long-running container (see the module docs).
fn each_long_running<I>(resources: &Ctx<'_>, check: impl Fn(&Subject<'_, '_>) -> I) -> Vec<Finding>
where
    I: IntoIterator<Item = Finding>,
{
    visit(resources, Visit::Containers, |c| {
        let Some(container) = c.container else {
            return Vec::new();
        };
        let long_running = match container.kind {
            ContainerKind::Regular => true,
            ContainerKind::Init => container.get("restartPolicy").and_then(Value::as_str) == Some("Always"),
            ContainerKind::Ephemeral => false,
        };
        if !long_running || BATCH.contains(&c.pod.resource.kind()) {
            return Vec::new();
        }
        check(c).into_iter().collect()
    })
}

/// [`LIVENESS_PROBE`].
pub(crate) fn liveness_probe(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_long_running(resources, |c| c.judge(&LIVENESS_PROBE, &["livenessProbe"], Inherit::No, |_| true, Some("")))
}

/// [`READINESS_PROBE`].
pub(crate) fn readiness_probe(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_long_running(resources, |c| c.judge(&READINESS_PROBE, &["readinessProbe"], Inherit::No, |_| true, Some("")))
}

/// [`PROBES_NOT_IDENTICAL`].
pub(crate) fn probes_not_identical(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_long_running(resources, |c| {
        let liveness = c.get(&["livenessProbe"])?;
        (c.get(&["readinessProbe"]) == Some(liveness)).then(|| {
            c.report(&PROBES_NOT_IDENTICAL, &["readinessProbe"], "has identical livenessProbe and readinessProbe")
        })
    })
}

/// [`PROBE_PORT_EXPOSED`].
pub(crate) fn probe_port_exposed(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_long_running(resources, |c| {
        let ports: Vec<&Value> = items(c.get(&["ports"])).map(|(_, p)| p).collect();
        let declared = |port: &Value| match port {
            Value::String(name) => ports.iter().any(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str())),
            Value::Number(_) => ports.iter().any(|p| p.get("containerPort") == Some(port)),
            _ => true,
        };
        let mut out = Vec::new();
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                let Some(port) = c.get(&[probe, handler, "port"]).filter(|p| !declared(p)) else {
                    continue;
                };
                out.push(c.report(
                    &PROBE_PORT_EXPOSED,
                    &[probe, handler, "port"],
                    format_args!("{probe} targets port {}, which the container does not declare", show(port)),
                ));
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, object, pod};
    use palisade_policy_sdk::json;

    #[test]
    fn probes_are_required_on_long_running_containers() {
        let doc = pod(json!({
            "initContainers": [{"name": "setup"}, {"name": "proxy", "restartPolicy": "Always", "readinessProbe": {"tcpSocket": {"port": 1}}}],
            "containers": [{"name": "app", "livenessProbe": {"httpGet": {"port": 8080}}}],
            "ephemeralContainers": [{"name": "debug"}]
        }));
        assert_findings(
            liveness_probe,
            doc.clone(),
            &[(
                "liveness-probe",
                "/spec/initContainers/1/livenessProbe",
                "init container \"proxy\" does not set livenessProbe",
            )],
        );
        assert_findings(
            readiness_probe,
            doc,
            &[(
                "readiness-probe",
                "/spec/containers/0/readinessProbe",
                "container \"app\" does not set readinessProbe",
            )],
        );
        let job = object(
            "batch/v1",
            "Job",
            "j",
            json!({"spec": {"template": {"spec": {"containers": [{"name": "task"}], "restartPolicy": "Never"}}}}),
        );
        assert_findings(liveness_probe, job.clone(), &[]);
        assert_findings(readiness_probe, job, &[]);
    }

    #[test]
    fn probes_not_identical_compares_whole_probes() {
        let probe = json!({"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 10});
        let mut stricter = probe.clone();
        stricter["failureThreshold"] = json!(6);
        let doc = pod(json!({"containers": [
            {"name": "same", "livenessProbe": probe, "readinessProbe": probe},
            {"name": "different", "livenessProbe": stricter, "readinessProbe": probe},
            {"name": "one", "readinessProbe": probe}
        ]}));
        assert_findings(
            probes_not_identical,
            doc,
            &[(
                "probes-not-identical",
                "/spec/containers/0/readinessProbe",
                "container \"same\" has identical livenessProbe and readinessProbe",
            )],
        );
    }

    #[test]
    fn probe_port_exposed_checks_names_and_numbers() {
        let doc = pod(json!({"containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080}],
            "livenessProbe": {"httpGet": {"port": "http"}},
            "readinessProbe": {"tcpSocket": {"port": 9090}},
            "startupProbe": {"grpc": {"port": 8080}}},
            {"name": "named", "livenessProbe": {"httpGet": {"port": "metrics"}}}]}));
        assert_findings(
            probe_port_exposed,
            doc,
            &[
                (
                    "probe-port-exposed",
                    "/spec/containers/0/readinessProbe/tcpSocket/port",
                    "container \"app\" readinessProbe targets port 9090, which the container does not declare",
                ),
                (
                    "probe-port-exposed",
                    "/spec/containers/1/livenessProbe/httpGet/port",
                    "container \"named\" livenessProbe targets port metrics, which the container does not declare",
                ),
            ],
        );
        assert_findings(
            probe_port_exposed,
            pod(json!({"containers": [{"name": "app", "livenessProbe": {"exec": {"command": ["true"]}}}]})),
            &[],
        );
    }
}
