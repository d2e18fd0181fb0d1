//! Volumes: `hostPath` volumes (any, writable, sensitive, runtime sockets, cloud credentials) and
//! volume types outside the restricted set.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use super::{CATEGORY, Subject, Visit, items, lookup, visit};
use crate::settings::Settings;

/// Row 6: any `spec.volumes[].hostPath` is present.
pub(crate) const HOST_PATH_VOLUME: RuleDef = RuleDef {
    id: "host-path-volume",
    title: "Pod mounts a host path",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Replace the `hostPath` volume with an `emptyDir`, `configMap`, `secret` or `persistentVolumeClaim` volume.",
    standards: &[
        "pss:baseline/hostPathVolumes",
        "pss:restricted/restrictedVolumes",
        "polaris:hostPathSet",
        "kubescape:C-0048",
        "cis:5.2.12",
    ],
    enabled_by_default: true,
};

/// Row 7: a container mounts a `hostPath` volume without `readOnly: true`.
pub(crate) const HOST_PATH_WRITABLE: RuleDef = RuleDef {
    id: "host-path-writable",
    title: "Container mounts a host path writable",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Set `readOnly: true` on every `volumeMounts` entry that mounts a `hostPath` volume.",
    standards: &["kube-linter:writable-host-mount", "kubescape:C-0045"],
    enabled_by_default: true,
};

/// Row 8: a `hostPath` is a sensitive host directory (`/`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`,
/// `/sys`, `/usr`) or lies below one (`/etc/ssl`, but not `/etcd`; `/` itself only exactly). Paths are
/// compared after lexical normalisation (`//`, `.`, `..`, trailing `/`).
pub(crate) const HOST_PATH_SENSITIVE: RuleDef = RuleDef {
    id: "host-path-sensitive",
    title: "Pod mounts a sensitive host directory",
    severity: Severity::Critical,
    category: CATEGORY,
    remediation: "Do not mount `/`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`, `/sys`, `/usr` or paths below them with `hostPath`; \
                  pass the data in through a `configMap`, `secret` or `persistentVolumeClaim` instead.",
    standards: &["kube-linter:sensitive-host-mounts"],
    enabled_by_default: true,
};

/// Row 9: a `hostPath` mounts a container runtime socket: a path whose last segment is
/// `docker.sock`, `containerd.sock`, `crio.sock`, `cri-dockerd.sock`, `dockershim.sock` or
/// `podman.sock`, or a directory holding one: `/run`, `/run/containerd`, `/run/crio`, `/run/k3s`,
/// `/run/k3s/containerd`, `/run/podman` and the same below `/var/run`. (`/` is left to
/// `host-path-sensitive`.)
pub(crate) const CONTAINER_RUNTIME_SOCKET: RuleDef = RuleDef {
    id: "container-runtime-socket",
    title: "Pod mounts the container runtime socket",
    severity: Severity::Critical,
    category: CATEGORY,
    remediation: "Remove the `hostPath` volume that mounts the container runtime socket (for example `/var/run/docker.sock`); \
                  build images with a daemonless builder and talk to the cluster through the Kubernetes API.",
    standards: &["kube-linter:docker-sock", "checkov:CKV_K8S_27", "kubescape:C-0074"],
    enabled_by_default: true,
};

/// Row 10: a `hostPath` mounts a cloud-credential location. Kubescape's lists (EKS, AKS, GKE),
/// matched in any home directory: at or below a `.aws` or `.azure` directory, at or below
/// `.config/gcloud`, a `.config` directory itself, at or below `/gcloud`, and
/// `/etc/kubernetes/azure.json` with its directory `/etc/kubernetes`. (`/etc` and `/` are left to
/// `host-path-sensitive`.)
pub(crate) const CLOUD_CREDENTIAL_HOST_PATH: RuleDef = RuleDef {
    id: "cloud-credential-host-path",
    title: "Pod mounts cloud credentials from the host",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Remove the `hostPath` volume that exposes cloud credentials (`~/.aws`, `~/.azure`, `~/.config/gcloud`, \
                  `/etc/kubernetes/azure.json`); use workload identity (IRSA, Azure Workload Identity, GKE Workload Identity) instead.",
    standards: &["kubescape:C-0020"],
    enabled_by_default: true,
};

/// Row 11: a volume uses a type outside configMap, csi, downwardAPI, emptyDir, ephemeral, image,
/// persistentVolumeClaim, projected and secret.
pub(crate) const RESTRICTED_VOLUME_TYPES: RuleDef = RuleDef {
    id: "restricted-volume-types",
    title: "Pod uses a volume type outside the restricted set",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Use only `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, \
                  `projected` or `secret` volumes; reach other storage through a `persistentVolumeClaim`.",
    standards: &["pss:restricted/restrictedVolumes"],
    enabled_by_default: true,
};

/// Volume sources the restricted profile allows.
const ALLOWED_VOLUME_TYPES: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Sensitive host directories (row 8), as path segments; `[]` is `/`.
const SENSITIVE_DIRS: [&[&str]; 8] = [&[], &["boot"], &["dev"], &["etc"], &["lib"], &["proc"], &["sys"], &["usr"]];

/// File names of container runtime sockets (row 9).
const RUNTIME_SOCKETS: [&str; 6] =
    ["docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock", "dockershim.sock", "podman.sock"];

/// Directories below `/run` (and `/var/run`) that hold a runtime socket (row 9); `[]` is `/run`.
const RUNTIME_SOCKET_DIRS: [&[&str]; 6] =
    [&[], &["containerd"], &["crio"], &["k3s"], &["k3s", "containerd"], &["podman"]];

/// `name` of a volume, or `""`.
fn volume_name(volume: &Value) -> &str {
    volume.get("name").and_then(Value::as_str).unwrap_or("")
}

/// The segments of an absolute path after lexical normalisation: empty and `.` segments dropped,
/// `..` going up (never above `/`). `None` for a relative path.
fn segments(path: &str) -> Option<Vec<&str>> {
    let rest = path.strip_prefix('/')?;
    let mut out = Vec::new();
    for segment in rest.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    Some(out)
}

/// Runs `classify` on the normalised path of every `hostPath` volume; when it returns a reason,
/// reports `pod mounts host path "<path>"<reason> as volume "<name>"` at the path.
fn each_host_path(rule: &RuleDef, resources: &Ctx<'_>, classify: impl Fn(&[&str]) -> Option<String>) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        items(pod.get(&["volumes"]))
            .filter_map(|(i, volume)| {
                let path = lookup(volume, &["hostPath", "path"])?.as_str()?;
                let why = classify(&segments(path)?)?;
                Some(pod.report(
                    rule,
                    &["volumes", &i, "hostPath", "path"],
                    format_args!("mounts host path \"{path}\"{why} as volume \"{}\"", volume_name(volume)),
                ))
            })
            .collect::<Vec<_>>()
    })
}

/// [`HOST_PATH_VOLUME`].
pub(crate) fn host_path_volume(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        items(pod.get(&["volumes"]))
            .filter_map(|(i, volume)| {
                let host_path = lookup(volume, &["hostPath"])?;
                let path = lookup(host_path, &["path"]).and_then(Value::as_str).unwrap_or("");
                Some(pod.report(
                    &HOST_PATH_VOLUME,
                    &["volumes", &i, "hostPath"],
                    format_args!("mounts host path \"{path}\" as volume \"{}\"", volume_name(volume)),
                ))
            })
            .collect::<Vec<_>>()
    })
}

/// Names of the pod's `hostPath` volumes.
fn host_path_volumes<'a>(pod: &Subject<'_, 'a>) -> Vec<&'a str> {
    items(pod.get(&["volumes"]))
        .filter(|(_, v)| lookup(v, &["hostPath"]).is_some())
        .map(|(_, v)| volume_name(v))
        .collect()
}

/// [`HOST_PATH_WRITABLE`].
pub(crate) fn host_path_writable(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        let host_paths = host_path_volumes(&Subject::pod(c.pod));
        items(c.get(&["volumeMounts"]))
            .filter(|(_, mount)| {
                host_paths.contains(&volume_name(mount)) && lookup(mount, &["readOnly"]) != Some(&Value::Bool(true))
            })
            .map(|(j, mount)| {
                c.report(
                    &HOST_PATH_WRITABLE,
                    &["volumeMounts", &j, "readOnly"],
                    format_args!("mounts hostPath volume \"{}\" without readOnly: true", volume_name(mount)),
                )
            })
            .collect::<Vec<_>>()
    })
}

/// [`HOST_PATH_SENSITIVE`].
pub(crate) fn host_path_sensitive(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_host_path(&HOST_PATH_SENSITIVE, resources, |path| {
        let dir =
            SENSITIVE_DIRS.iter().find(|dir| if dir.is_empty() { path.is_empty() } else { path.starts_with(dir) })?;
        Some(if path.len() == dir.len() {
            " (sensitive)".to_string()
        } else {
            format!(" (under sensitive /{})", dir.join("/"))
        })
    })
}

/// [`CONTAINER_RUNTIME_SOCKET`].
pub(crate) fn container_runtime_socket(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_host_path(&CONTAINER_RUNTIME_SOCKET, resources, |path| {
        if path.last().is_some_and(|name| RUNTIME_SOCKETS.contains(name)) {
            return Some(" (container runtime socket)".to_string());
        }
        let below_run = path.strip_prefix(&["run"][..]).or_else(|| path.strip_prefix(&["var", "run"][..]))?;
        RUNTIME_SOCKET_DIRS.contains(&below_run).then(|| " (holds the container runtime socket)".to_string())
    })
}

/// Whether normalised `path` exposes a cloud-credential location (see [`CLOUD_CREDENTIAL_HOST_PATH`]).
fn is_cloud_credential_path(path: &[&str]) -> bool {
    const AZURE_JSON: [&str; 3] = ["etc", "kubernetes", "azure.json"];
    path.iter().any(|s| matches!(*s, ".aws" | ".azure"))
        || path.windows(2).any(|w| w == [".config", "gcloud"])
        || path.last() == Some(&".config")
        || path.first() == Some(&"gcloud")
        || (path.len() >= 2 && AZURE_JSON.starts_with(path))
}

/// [`CLOUD_CREDENTIAL_HOST_PATH`].
pub(crate) fn cloud_credential_host_path(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_host_path(&CLOUD_CREDENTIAL_HOST_PATH, resources, |path| {
        is_cloud_credential_path(path).then(|| " (cloud credentials)".to_string())
    })
}

/// [`RESTRICTED_VOLUME_TYPES`].
pub(crate) fn restricted_volume_types(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        let mut out = Vec::new();
        for (i, volume) in items(pod.get(&["volumes"])) {
            let Some(fields) = volume.as_object() else {
                continue;
            };
            for (kind, value) in fields {
                if kind != "name" && !value.is_null() && !ALLOWED_VOLUME_TYPES.contains(&kind.as_str()) {
                    out.push(pod.report(
                        &RESTRICTED_VOLUME_TYPES,
                        &["volumes", &i, kind],
                        format_args!("uses restricted volume type {kind} for volume \"{}\"", volume_name(volume)),
                    ));
                }
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, deployment, pod};
    use palisade_policy_sdk::json;

    fn host_paths(paths: &[&str]) -> Value {
        let volumes: Vec<Value> =
            paths.iter().zip(0..).map(|(p, i)| json!({"name": format!("v{i}"), "hostPath": {"path": p}})).collect();
        pod(json!({"containers": [{"name": "app"}], "volumes": volumes}))
    }

    /// The paths among `paths` that `check` reports, in order.
    fn reported<'p>(check: crate::Check, paths: &[&'p str]) -> Vec<&'p str> {
        let found: Vec<String> = crate::testing::run(check, vec![host_paths(paths)], &json!({}))
            .into_iter()
            .map(|(_, _, pointer, _)| pointer)
            .collect();
        (0..)
            .zip(paths)
            .filter(|(i, _)| found.contains(&format!("/spec/volumes/{i}/hostPath/path")))
            .map(|(_, path)| *path)
            .collect()
    }

    #[test]
    fn segments_normalise_lexically() {
        assert_eq!(segments("/"), Some(vec![]));
        assert_eq!(segments("//etc/./ssl/"), Some(vec!["etc", "ssl"]));
        assert_eq!(segments("/var/../etc"), Some(vec!["etc"]));
        assert_eq!(segments("/../.."), Some(vec![]));
        assert_eq!(segments("etc"), None);
    }

    #[test]
    fn host_path_volume_reports_each_host_path() {
        let doc = deployment(json!({"containers": [{"name": "app"}], "volumes": [
            {"name": "tmp", "emptyDir": {}},
            {"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}}
        ]}));
        assert_findings(
            host_path_volume,
            doc,
            &[(
                "host-path-volume",
                "/spec/template/spec/volumes/1/hostPath",
                "pod mounts host path \"/var/log\" as volume \"logs\"",
            )],
        );
        let ok = pod(
            json!({"containers": [{"name": "app"}], "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "n", "hostPath": null}]}),
        );
        assert_findings(host_path_volume, ok, &[]);
    }

    #[test]
    fn host_path_writable_requires_read_only_mounts() {
        let doc = pod(json!({
            "volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}, {"name": "tmp", "emptyDir": {}}],
            "initContainers": [{"name": "init", "volumeMounts": [{"name": "logs", "mountPath": "/l", "readOnly": false}]}],
            "containers": [{"name": "app", "volumeMounts": [
                {"name": "tmp", "mountPath": "/tmp"},
                {"name": "logs", "mountPath": "/logs"},
                {"name": "logs", "mountPath": "/ro", "readOnly": true}
            ]}]
        }));
        assert_findings(
            host_path_writable,
            doc,
            &[
                (
                    "host-path-writable",
                    "/spec/initContainers/0/volumeMounts/0/readOnly",
                    "init container \"init\" mounts hostPath volume \"logs\" without readOnly: true",
                ),
                (
                    "host-path-writable",
                    "/spec/containers/0/volumeMounts/1/readOnly",
                    "container \"app\" mounts hostPath volume \"logs\" without readOnly: true",
                ),
            ],
        );
        let ok = pod(json!({"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}],
            "containers": [{"name": "app", "volumeMounts": [{"name": "logs", "mountPath": "/l", "readOnly": true}]}]}));
        assert_findings(host_path_writable, ok, &[]);
    }

    #[test]
    fn host_path_sensitive_matches_dirs_and_their_subpaths_only() {
        let doc = host_paths(&[
            "/etc",
            "/etc/ssl/certs",
            "/etcd",
            "/",
            "/var/log",
            "/usr/../proc/1",
            "/libexec",
            "/lib/modules/",
        ]);
        assert_findings(
            host_path_sensitive,
            doc,
            &[
                (
                    "host-path-sensitive",
                    "/spec/volumes/0/hostPath/path",
                    "pod mounts host path \"/etc\" (sensitive) as volume \"v0\"",
                ),
                (
                    "host-path-sensitive",
                    "/spec/volumes/1/hostPath/path",
                    "pod mounts host path \"/etc/ssl/certs\" (under sensitive /etc) as volume \"v1\"",
                ),
                (
                    "host-path-sensitive",
                    "/spec/volumes/3/hostPath/path",
                    "pod mounts host path \"/\" (sensitive) as volume \"v3\"",
                ),
                (
                    "host-path-sensitive",
                    "/spec/volumes/5/hostPath/path",
                    "pod mounts host path \"/usr/../proc/1\" (under sensitive /proc) as volume \"v5\"",
                ),
                (
                    "host-path-sensitive",
                    "/spec/volumes/7/hostPath/path",
                    "pod mounts host path \"/lib/modules/\" (under sensitive /lib) as volume \"v7\"",
                ),
            ],
        );
        assert_findings(host_path_sensitive, host_paths(&["/etcd", "/var/lib/app", "/data", "relative/etc"]), &[]);
    }

    #[test]
    fn container_runtime_socket_matches_sockets_and_their_dirs() {
        let paths = [
            "/var/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/var/run/crio/crio.sock",
            "/run/cri-dockerd.sock",
            "/run/containerd",
            "/var/run",
            "/run/k3s/containerd/",
            "/var/lib/docker",
            "/run/containerd/io.containerd.runtime.v2.task",
            "/var",
            "/run/xtables.lock",
        ];
        assert_eq!(reported(container_runtime_socket, &paths), paths[..7]);
        assert_findings(
            container_runtime_socket,
            host_paths(&["/var/run/docker.sock", "/run/containerd"]),
            &[
                (
                    "container-runtime-socket",
                    "/spec/volumes/0/hostPath/path",
                    "pod mounts host path \"/var/run/docker.sock\" (container runtime socket) as volume \"v0\"",
                ),
                (
                    "container-runtime-socket",
                    "/spec/volumes/1/hostPath/path",
                    "pod mounts host path \"/run/containerd\" (holds the container runtime socket) as volume \"v1\"",
                ),
            ],
        );
        assert_findings(container_runtime_socket, host_paths(&["/var/lib/docker/containers", "/run/cilium"]), &[]);
    }

    #[test]
    fn cloud_credential_host_path_matches_credential_locations() {
        let paths = [
            "/.aws",
            "/home/ubuntu/.aws/credentials",
            "/root/.azure",
            "/home/u/.config/gcloud/application_default_credentials.json",
            "/.config",
            "/gcloud",
            "/etc/kubernetes/azure.json",
            "/etc/kubernetes",
            "/etc",
            "/etc/kubernetes/manifests",
            "/home/u/.config/app",
            "/var/lib/aws",
        ];
        assert_eq!(reported(cloud_credential_host_path, &paths), paths[..8]);
        assert_findings(
            cloud_credential_host_path,
            host_paths(&["/root/.aws"]),
            &[(
                "cloud-credential-host-path",
                "/spec/volumes/0/hostPath/path",
                "pod mounts host path \"/root/.aws\" (cloud credentials) as volume \"v0\"",
            )],
        );
        assert_findings(cloud_credential_host_path, host_paths(&["/var/log"]), &[]);
    }

    #[test]
    fn restricted_volume_types_allow_the_restricted_set() {
        let doc = pod(json!({"containers": [{"name": "app"}], "volumes": [
            {"name": "defaulted"},
            {"name": "cm", "configMap": {"name": "x"}},
            {"name": "pvc", "persistentVolumeClaim": {"claimName": "x"}},
            {"name": "img", "image": {"reference": "x"}},
            {"name": "host", "hostPath": {"path": "/x"}},
            {"name": "nfs", "nfs": {"server": "s", "path": "/"}}
        ]}));
        assert_findings(
            restricted_volume_types,
            doc,
            &[
                (
                    "restricted-volume-types",
                    "/spec/volumes/4/hostPath",
                    "pod uses restricted volume type hostPath for volume \"host\"",
                ),
                (
                    "restricted-volume-types",
                    "/spec/volumes/5/nfs",
                    "pod uses restricted volume type nfs for volume \"nfs\"",
                ),
            ],
        );
        let ok = pod(json!({"containers": [{"name": "app"}], "volumes": [
            {"name": "a", "csi": {"driver": "d"}}, {"name": "b", "downwardAPI": {}}, {"name": "c", "emptyDir": {}},
            {"name": "d", "ephemeral": {}}, {"name": "e", "projected": {}}, {"name": "f", "secret": {"secretName": "s"}}
        ]}));
        assert_findings(restricted_volume_types, ok, &[]);
    }
}
