//! Supply chain and known-bad components (checks.md §1.6, area `supply-chain`).
//!
//! Rows 105–107 (image signatures, chart provenance) need evidence the manifests do not carry:
//! signatures fetched from registries and the chart's `.prov` file. They are rules of palisade's
//! `supply-chain` policy, which requests that evidence from the host (`image-signature` for rows
//! 105–106, `chart-provenance` for row 107), not of this one. The rows here recognise components by
//! image and labels.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value, pointer};

use crate::images::{ImageRef, each_image};
use crate::index::pod_labels;
use crate::objects::{items, lookup, report, strings, text};
use crate::pod_security::{Visit, visit};
use crate::settings::Settings;

/// Catalog area of every rule here.
const CATEGORY: &str = "supply-chain";

/// Row 108: a workload runs the Kubernetes dashboard: an image of `kubernetesui/` or a
/// `kubernetes-dashboard` repository, or pods labelled `app`, `k8s-app` or `app.kubernetes.io/name`
/// `kubernetes-dashboard`.
pub(crate) const KUBERNETES_DASHBOARD_DEPLOYED: RuleDef = RuleDef {
    id: "kubernetes-dashboard-deployed",
    title: "Kubernetes dashboard is deployed",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Remove the Kubernetes dashboard (`kubernetesui/dashboard`); use `kubectl` or a dashboard behind single \
                  sign-on with read-only RBAC instead.",
    standards: &["checkov:CKV_K8S_33", "kubescape:C-0014"],
    enabled_by_default: true,
};

/// Row 109: a workload runs Helm v2 Tiller: an image whose repository ends in `tiller`, or pods
/// labelled `app: helm` and `name: tiller`.
pub(crate) const TILLER_DEPLOYED: RuleDef = RuleDef {
    id: "tiller-deployed",
    title: "Helm v2 Tiller is deployed",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove Tiller (`gcr.io/kubernetes-helm/tiller`) and migrate to Helm 3, which needs no in-cluster component.",
    standards: &["checkov:CKV_K8S_34"],
    enabled_by_default: true,
};

/// Row 110: a Service selects Tiller pods (`app: helm` or `name: tiller` in `spec.selector`).
pub(crate) const TILLER_SERVICE: RuleDef = RuleDef {
    id: "tiller-service",
    title: "Service exposes Helm v2 Tiller",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Delete the Tiller Service (the one with `selector: {app: helm, name: tiller}`) and migrate to Helm 3.",
    standards: &["checkov:CKV_K8S_44"],
    enabled_by_default: true,
};

/// Row 111: a Tiller container does not restrict Tiller to localhost: no `--listen=localhost:<port>`
/// (or `127.0.0.1`) in its `command` or `args`.
pub(crate) const TILLER_LISTENING: RuleDef = RuleDef {
    id: "tiller-listening",
    title: "Tiller listens beyond localhost",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Pass `--listen=localhost:44134` in the Tiller container's `args` (better: remove Tiller and use Helm 3).",
    standards: &["checkov:CKV_K8S_45"],
    enabled_by_default: true,
};

/// Row 112: a container sets `GITSYNC_GIT` (git-sync v4; `GIT_SYNC_GIT` in v3) in its environment,
/// which lets whoever controls it run any command.
pub(crate) const GIT_SYNC_CODE_INJECTION: RuleDef = RuleDef {
    id: "git-sync-code-injection",
    title: "git-sync runs a configurable git binary",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove the `GITSYNC_GIT` (and `GIT_SYNC_GIT`) variable from the git-sync container's `env`.",
    standards: &["checkov:CKV_K8S_159"],
    enabled_by_default: true,
};

/// Row 113: a container runs the ingress-nginx controller (`ingress-nginx/controller`,
/// `nginx-ingress-controller`), which reached end of life. F5's `nginx/nginx-ingress` is another,
/// maintained project and passes.
pub(crate) const INGRESS_NGINX_EOL: RuleDef = RuleDef {
    id: "ingress-nginx-eol",
    title: "ingress-nginx controller is end of life",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Migrate from ingress-nginx (`registry.k8s.io/ingress-nginx/controller`) to a maintained controller, for \
                  example a Gateway API implementation.",
    standards: &["kubescape:C-0292"],
    enabled_by_default: true,
};

/// Row 114: a known-vulnerable component version: Argo CD before 2.1.9 or 2.2.0–2.2.3
/// (CVE-2022-24348), Kyverno 1.8.3–1.8.4 (CVE-2022-47633), Grafana 9.2.0–9.2.3 (CVE-2022-39328),
/// recognised by image repository and tag; and an ingress-nginx ConfigMap with
/// `allow-snippet-annotations: "true"` (CVE-2021-25742).
pub(crate) const VULNERABLE_COMPONENT_VERSION: RuleDef = RuleDef {
    id: "vulnerable-component-version",
    title: "Component version with a known vulnerability",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Upgrade the component (Argo CD 2.3.0+, Kyverno 1.8.5+, Grafana 9.2.4+), and set \
                  `allow-snippet-annotations: \"false\"` in the ingress-nginx ConfigMap.",
    standards: &["kubescape:C-0081", "kubescape:C-0091", "kubescape:C-0059", "kubescape:C-0090"],
    enabled_by_default: true,
};

/// Reports each pod whose containers run `component` (by image, at the first such image) or whose
/// labels carry one of `labels` (at the labels), once per pod.
fn component_pods(
    rule: &RuleDef,
    resources: &Ctx<'_>,
    component: &str,
    image: impl Fn(&ImageRef<'_>) -> bool,
    labels: &[&[(&str, &str)]],
) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        let containers = pod.pod.containers();
        let by_image = containers.iter().find_map(|c| {
            let reference = c.get("image").and_then(Value::as_str)?;
            image(&ImageRef::parse(reference)).then_some((c, reference))
        });
        if let Some((container, reference)) = by_image {
            let message = format!("{} runs {component} (image {reference})", container.label());
            return Some(rule.finding(pod.pod.resource.index, container.at(&["image"]), message));
        }
        let own = pod_labels(pod.pod);
        let label = |(key, value): &(&str, &str)| own.and_then(|l| l.get(*key)).and_then(Value::as_str) == Some(*value);
        let set = labels.iter().find(|set| set.iter().all(label))?;
        let shown: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        Some(rule.finding(
            pod.pod.resource.index,
            format!("{}/labels", pod.pod.metadata_pointer),
            format!("pod runs {component} (labels {})", shown.join(",")),
        ))
    })
}

/// The name of the Kubernetes dashboard.
const DASHBOARD: &str = "kubernetes-dashboard";

/// [`KUBERNETES_DASHBOARD_DEPLOYED`].
pub(crate) fn kubernetes_dashboard_deployed(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let image = |i: &ImageRef<'_>| i.repository.starts_with("kubernetesui/") || i.base().starts_with(DASHBOARD);
    let labels: [&[(&str, &str)]; 3] =
        [&[("app", DASHBOARD)], &[("k8s-app", DASHBOARD)], &[("app.kubernetes.io/name", DASHBOARD)]];
    component_pods(&KUBERNETES_DASHBOARD_DEPLOYED, resources, "the Kubernetes dashboard", image, &labels)
}

/// Whether an image is Tiller.
fn is_tiller(image: &ImageRef<'_>) -> bool {
    image.base() == "tiller"
}

/// [`TILLER_DEPLOYED`].
pub(crate) fn tiller_deployed(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    component_pods(&TILLER_DEPLOYED, resources, "Helm v2 Tiller", is_tiller, &[&[("app", "helm"), ("name", "tiller")]])
}

/// [`TILLER_SERVICE`].
pub(crate) fn tiller_service(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| r.kind() == "Service")
        .filter_map(|service| {
            let (key, value) = [("app", "helm"), ("name", "tiller")]
                .into_iter()
                .find(|(k, v)| text(service.json(), &["spec", "selector", k]) == *v)?;
            Some(report(
                &TILLER_SERVICE,
                service,
                pointer::join("/spec/selector", &[key]),
                format_args!("selects Tiller pods ({key}={value})"),
            ))
        })
        .collect()
}

/// [`TILLER_LISTENING`].
pub(crate) fn tiller_listening(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_image(resources, |c, _, image| {
        if !is_tiller(image) {
            return None;
        }
        let local = ["command", "args"].iter().flat_map(|f| strings(c.get(&[f]))).any(|arg| {
            let listen = arg.strip_prefix("--listen=").unwrap_or_default();
            listen.starts_with("localhost:") || listen.starts_with("127.0.0.1:")
        });
        (!local).then(|| {
            c.report(&TILLER_LISTENING, &["args"], "does not restrict Tiller to localhost (--listen=localhost:44134)")
        })
    })
}

/// Variables that choose the git binary of git-sync.
const GIT_SYNC_GIT: [&str; 2] = ["GITSYNC_GIT", "GIT_SYNC_GIT"];

/// [`GIT_SYNC_CODE_INJECTION`].
pub(crate) fn git_sync_code_injection(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        items(c.get(&["env"]))
            .filter(|(_, var)| GIT_SYNC_GIT.contains(&text(var, &["name"])))
            .map(|(j, var)| {
                c.report(
                    &GIT_SYNC_CODE_INJECTION,
                    &["env", &j, "name"],
                    format_args!("sets env var {}, which chooses the command git-sync runs", text(var, &["name"])),
                )
            })
            .collect::<Vec<_>>()
    })
}

/// [`INGRESS_NGINX_EOL`].
pub(crate) fn ingress_nginx_eol(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_image(resources, |c, reference, image| {
        let controller = image.repository.ends_with("ingress-nginx/controller")
            || image.repository.ends_with("ingress-nginx/controller-chroot")
            || image.base() == "nginx-ingress-controller";
        controller.then(|| {
            c.report(
                &INGRESS_NGINX_EOL,
                &["image"],
                format_args!("runs the end-of-life ingress-nginx controller ({reference})"),
            )
        })
    })
}

/// The leading `major.minor.patch` of a tag (`v2.2.3`, `9.2.3-debian-11-r0`); missing parts are 0.
pub(crate) fn version(tag: &str) -> Option<(u32, u32, u32)> {
    let numeric = tag.strip_prefix('v').unwrap_or(tag);
    let end = numeric.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(numeric.len());
    let mut parts = numeric[..end].split('.').map(str::parse::<u32>);
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some((major, minor, patch))
}

/// Known-vulnerable versions: image repository bases, the component, whether a version is affected,
/// and the CVE.
type Vulnerable = (&'static [&'static str], &'static str, fn((u32, u32, u32)) -> bool, &'static str);

/// The components of row 114 recognised by image.
const VULNERABLE: [Vulnerable; 3] = [
    (&["argocd", "argo-cd"], "Argo CD", |v| v < (2, 1, 9) || ((2, 2, 0)..(2, 2, 4)).contains(&v), "CVE-2022-24348"),
    (&["kyverno"], "Kyverno", |v| ((1, 8, 3)..=(1, 8, 4)).contains(&v), "CVE-2022-47633"),
    (&["grafana", "grafana-enterprise"], "Grafana", |v| ((9, 2, 0)..(9, 2, 4)).contains(&v), "CVE-2022-39328"),
];

/// [`VULNERABLE_COMPONENT_VERSION`].
pub(crate) fn vulnerable_component_version(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let mut out = each_image(resources, |c, reference, image| {
        let v = version(image.tag?)?;
        let (_, component, _, cve) =
            VULNERABLE.iter().find(|(bases, _, affected, _)| bases.contains(&image.base()) && affected(v))?;
        Some(c.report(
            &VULNERABLE_COMPONENT_VERSION,
            &["image"],
            format_args!("runs {component} {}.{}.{} ({reference}), vulnerable to {cve}", v.0, v.1, v.2),
        ))
    });
    for configmap in resources.iter().filter(|r| r.kind() == "ConfigMap") {
        let key = "allow-snippet-annotations";
        if lookup(configmap.json(), &["data", key]).and_then(Value::as_str) == Some("true") {
            out.push(report(
                &VULNERABLE_COMPONENT_VERSION,
                configmap,
                format!("/data/{key}"),
                format_args!("sets data.{key}: \"true\", which exposes ingress-nginx to CVE-2021-25742"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, deployment, object, pod, run};
    use palisade_policy_sdk::json;

    fn running(images: &[&str]) -> Value {
        let containers: Vec<Value> =
            images.iter().zip(0..).map(|(image, i)| json!({"name": format!("c{i}"), "image": image})).collect();
        let mut doc = pod(json!({}));
        doc["spec"]["containers"] = Value::Array(containers);
        doc
    }

    #[test]
    fn kubernetes_dashboard_by_image_or_label() {
        assert_findings(
            kubernetes_dashboard_deployed,
            running(&["nginx", "docker.io/kubernetesui/dashboard:v2.7.0"]),
            &[(
                "kubernetes-dashboard-deployed",
                "/spec/containers/1/image",
                "container \"c1\" runs the Kubernetes dashboard (image docker.io/kubernetesui/dashboard:v2.7.0)",
            )],
        );
        let mut labelled = deployment(json!({"containers": [{"name": "ui", "image": "example/ui:1"}]}));
        labelled["spec"]["template"]["metadata"]["labels"] = json!({"k8s-app": "kubernetes-dashboard"});
        assert_findings(
            kubernetes_dashboard_deployed,
            labelled,
            &[(
                "kubernetes-dashboard-deployed",
                "/spec/template/metadata/labels",
                "pod runs the Kubernetes dashboard (labels k8s-app=kubernetes-dashboard)",
            )],
        );
        assert_findings(kubernetes_dashboard_deployed, running(&["grafana/grafana:10.0.0"]), &[]);
    }

    #[test]
    fn tiller_rules() {
        let tiller = running(&["gcr.io/kubernetes-helm/tiller:v2.16.12"]);
        assert_findings(
            tiller_deployed,
            tiller.clone(),
            &[(
                "tiller-deployed",
                "/spec/containers/0/image",
                "container \"c0\" runs Helm v2 Tiller (image gcr.io/kubernetes-helm/tiller:v2.16.12)",
            )],
        );
        assert_findings(
            tiller_listening,
            tiller.clone(),
            &[(
                "tiller-listening",
                "/spec/containers/0/args",
                "container \"c0\" does not restrict Tiller to localhost (--listen=localhost:44134)",
            )],
        );
        let mut local = tiller;
        local["spec"]["containers"][0]["args"] = json!(["--listen=localhost:44134"]);
        assert_findings(tiller_listening, local, &[]);
        assert_findings(tiller_deployed, running(&["nginx:1"]), &[]);
        let service =
            object("v1", "Service", "tiller-deploy", json!({"spec": {"selector": {"app": "helm", "name": "tiller"}}}));
        assert_findings(
            tiller_service,
            service,
            &[("tiller-service", "/spec/selector/app", "Service selects Tiller pods (app=helm)")],
        );
        assert_findings(
            tiller_service,
            object("v1", "Service", "web", json!({"spec": {"selector": {"app": "web"}}})),
            &[],
        );
    }

    #[test]
    fn git_sync_code_injection_reports_the_variable() {
        let doc = pod(
            json!({"containers": [{"name": "sync", "env": [{"name": "GITSYNC_REPO", "value": "x"}, {"name": "GITSYNC_GIT", "value": "/bin/sh"}]}]}),
        );
        assert_findings(
            git_sync_code_injection,
            doc,
            &[(
                "git-sync-code-injection",
                "/spec/containers/0/env/1/name",
                "container \"sync\" sets env var GITSYNC_GIT, which chooses the command git-sync runs",
            )],
        );
    }

    #[test]
    fn ingress_nginx_eol_spares_f5_nginx() {
        let doc = running(&[
            "registry.k8s.io/ingress-nginx/controller:v1.11.2",
            "nginx/nginx-ingress:3.6.0",
            "bitnami/nginx-ingress-controller:1.11",
        ]);
        assert_findings(
            ingress_nginx_eol,
            doc,
            &[
                (
                    "ingress-nginx-eol",
                    "/spec/containers/0/image",
                    "container \"c0\" runs the end-of-life ingress-nginx controller (registry.k8s.io/ingress-nginx/controller:v1.11.2)",
                ),
                (
                    "ingress-nginx-eol",
                    "/spec/containers/2/image",
                    "container \"c2\" runs the end-of-life ingress-nginx controller (bitnami/nginx-ingress-controller:1.11)",
                ),
            ],
        );
    }

    #[test]
    fn versions_parse_from_tags() {
        assert_eq!(version("v2.2.3"), Some((2, 2, 3)));
        assert_eq!(version("9.2.3-debian-11-r0"), Some((9, 2, 3)));
        assert_eq!(version("10"), Some((10, 0, 0)));
        assert_eq!(version("latest"), None);
    }

    #[test]
    fn vulnerable_component_version_by_image_and_configmap() {
        let doc = running(&[
            "quay.io/argoproj/argocd:v2.2.3",
            "quay.io/argoproj/argocd:v2.2.4",
            "ghcr.io/kyverno/kyverno:v1.8.4",
            "grafana/grafana:9.2.3",
            "docker.io/bitnami/grafana:9.2.4-debian-11-r0",
        ]);
        let configmap = object(
            "v1",
            "ConfigMap",
            "ingress-nginx-controller",
            json!({"data": {"allow-snippet-annotations": "true"}}),
        );
        let id = "vulnerable-component-version";
        assert_eq!(
            run(vulnerable_component_version, vec![doc, configmap], &json!({})),
            vec![
                (0, id, "/spec/containers/0/image".into(), "container \"c0\" runs Argo CD 2.2.3 (quay.io/argoproj/argocd:v2.2.3), vulnerable to CVE-2022-24348".into()),
                (0, id, "/spec/containers/2/image".into(), "container \"c2\" runs Kyverno 1.8.4 (ghcr.io/kyverno/kyverno:v1.8.4), vulnerable to CVE-2022-47633".into()),
                (0, id, "/spec/containers/3/image".into(), "container \"c3\" runs Grafana 9.2.3 (grafana/grafana:9.2.3), vulnerable to CVE-2022-39328".into()),
                (
                    1,
                    id,
                    "/data/allow-snippet-annotations".into(),
                    "ConfigMap sets data.allow-snippet-annotations: \"true\", which exposes ingress-nginx to CVE-2021-25742".into()
                ),
            ]
        );
    }
}
