//! Image references (checks.md §1.5, area `images`): mutable tags, digests, pull policies and
//! registries.
//!
//! References are read as the container runtime does ([`ImageRef`]): `nginx` is
//! `docker.io/library/nginx` with no tag, `registry:5000/app:1` has registry `registry:5000` and tag
//! `1`, and a digest (`@sha256:...`) pins the image whatever the tag says. Every container is
//! checked: init, regular and ephemeral.

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, RuleDef, Severity, Value};

use crate::index::Named;
use crate::objects::{namespace, show};
use crate::pod_security::{Inherit, Subject, Visit, visit};
use crate::settings::Settings;

/// Catalog area of every rule here.
const CATEGORY: &str = "images";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// The registry host (`docker.io` when implicit; `index.docker.io` is read as `docker.io`).
    pub(crate) registry: &'a str,
    /// The repository path, `library/` added for official Docker Hub images.
    pub(crate) repository: String,
    /// The tag, if any.
    pub(crate) tag: Option<&'a str>,
    /// The digest (`sha256:...`), if any.
    pub(crate) digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Parses a reference (`[registry/]path[:tag][@digest]`).
    pub(crate) fn parse(reference: &'a str) -> Self {
        let (name, digest) = match reference.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (reference, None),
        };
        let (path, tag) = match name.rsplit_once(':') {
            Some((path, tag)) if !tag.contains('/') => (path, Some(tag)),
            _ => (name, None),
        };
        let (registry, repository) = match path.split_once('/') {
            Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => (host, rest.to_string()),
            _ => ("docker.io", path.to_string()),
        };
        let registry = if registry == "index.docker.io" { "docker.io" } else { registry };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        Self { registry, repository, tag, digest }
    }

    /// `registry/repository`.
    pub(crate) fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Whether a digest of the form `sha256:<64 hex digits>` pins the image.
    pub(crate) fn is_pinned(&self) -> bool {
        self.digest
            .and_then(|d| d.strip_prefix("sha256:"))
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    }

    /// Whether the reference names a tag that moves: none (`latest` implied) or `latest`, without a
    /// digest.
    pub(crate) fn is_mutable(&self) -> bool {
        self.digest.is_none() && self.tag.is_none_or(|t| t == "latest")
    }

    /// The last path segment of the repository (`controller` for `ingress-nginx/controller`).
    pub(crate) fn base(&self) -> &str {
        self.repository.rsplit('/').next().unwrap_or_default()
    }

    /// Whether the image lies under `prefix` (`docker.io/bitnami`, `registry.k8s.io`), matched at a
    /// path boundary against [`ImageRef::name`].
    pub(crate) fn is_under(&self, prefix: &str) -> bool {
        let prefix = prefix.trim_end_matches('/');
        let prefix = prefix
            .strip_prefix("index.docker.io")
            .map_or_else(|| prefix.to_string(), |rest| format!("docker.io{rest}"));
        let name = self.name();
        name == prefix || name.strip_prefix(&prefix).is_some_and(|rest| rest.starts_with('/'))
    }
}

/// Runs `check` on the image of every container that names one.
pub(crate) fn each_image<I>(
    resources: &Ctx<'_>,
    check: impl Fn(&Subject<'_, '_>, &str, &ImageRef<'_>) -> I,
) -> Vec<Finding>
where
    I: IntoIterator<Item = Finding>,
{
    visit(resources, Visit::Containers, |c| {
        let Some(reference) = c.get(&["image"]).and_then(Value::as_str) else {
            return Vec::new();
        };
        check(c, reference, &ImageRef::parse(reference)).into_iter().collect()
    })
}

/// Row 97: an image has no tag, or the tag `latest`, and no digest (Checkov passes any digest).
pub(crate) const IMAGE_TAG_MUTABLE: RuleDef = RuleDef {
    id: "image-tag-mutable",
    title: "Image uses a mutable tag",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Pin the image to a version tag or a digest: `image: nginx:1.27.2` or `image: nginx@sha256:<digest>`.",
    standards: &[
        "kube-linter:latest-tag",
        "polaris:tagNotSpecified",
        "kube-score:container-image-tag",
        "checkov:CKV_K8S_14",
        "kubescape:C-0304",
    ],
    enabled_by_default: true,
};

/// Row 98: an image is not pinned by a `@sha256:<64 hex digits>` digest.
pub(crate) const IMAGE_DIGEST_PINNED: RuleDef = RuleDef {
    id: "image-digest-pinned",
    title: "Image is not pinned by digest",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Reference the image by digest: `image: nginx:1.27.2@sha256:<64 hex digits>`.",
    standards: &["checkov:CKV_K8S_43", "kubescape:C-0306"],
    enabled_by_default: false,
};

/// Row 99: a container's `imagePullPolicy` is not `Always`. Following Checkov, an unset policy passes
/// when Kubernetes defaults it to `Always` (no tag, or `latest`) and when a digest pins the image;
/// Polaris and kube-score also report those.
pub(crate) const IMAGE_PULL_POLICY_ALWAYS: RuleDef = RuleDef {
    id: "image-pull-policy-always",
    title: "Image pull policy is not Always",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `imagePullPolicy: Always` on the container, or pin the image by digest.",
    standards: &["polaris:pullPolicyNotAlways", "kube-score:container-image-pull-policy", "checkov:CKV_K8S_15"],
    enabled_by_default: false,
};

/// Row 100: an image with no tag or `latest` (and no digest) is pulled with an explicit
/// `imagePullPolicy` other than `Always` (unset defaults to `Always` for such images).
pub(crate) const LATEST_REQUIRES_PULL_ALWAYS: RuleDef = RuleDef {
    id: "latest-requires-pull-always",
    title: "Latest image is not always pulled",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Pin the image to a version tag, or set `imagePullPolicy: Always` so that nodes do not run stale `latest` \
                  images.",
    standards: &["kubescape:C-0075"],
    enabled_by_default: true,
};

/// Row 101: an image lies outside the `allowedRegistries` setting (an empty list turns the rule off).
pub(crate) const IMAGE_REGISTRY_ALLOWLIST: RuleDef = RuleDef {
    id: "image-registry-allowlist",
    title: "Image comes from a registry outside the allow-list",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Pull the image from an allowed registry (mirror it there), for example `image: \
                  registry.example.com/library/nginx:1.27.2`.",
    standards: &["kubescape:C-0078", "kubescape:C-0304"],
    enabled_by_default: false,
};

/// Row 102: an image lies under an entry of the `deniedRegistries` setting.
pub(crate) const IMAGE_REGISTRY_DENYLIST: RuleDef = RuleDef {
    id: "image-registry-denylist",
    title: "Image comes from a denied registry",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Pull the image from a trusted registry instead, for example `image: registry.example.com/library/nginx:1.27.2`.",
    standards: &["kubescape:C-0001"],
    enabled_by_default: false,
};

/// Row 103: an image is pulled from the frozen `k8s.gcr.io` registry.
pub(crate) const DEPRECATED_K8S_REGISTRY: RuleDef = RuleDef {
    id: "deprecated-k8s-registry",
    title: "Image comes from the frozen k8s.gcr.io",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Pull Kubernetes images from `registry.k8s.io` instead of `k8s.gcr.io`, for example `image: \
                  registry.k8s.io/pause:3.10`.",
    standards: &["kubescape:C-0253"],
    enabled_by_default: true,
};

/// Row 104: a pod pulls an image from a registry that is not a well-known public one (see
/// [`PUBLIC_REGISTRIES`]; others are taken for private) but sets no `imagePullSecrets`, nor does its
/// ServiceAccount when that is in the input.
pub(crate) const IMAGE_PULL_SECRETS: RuleDef = RuleDef {
    id: "image-pull-secrets",
    title: "Pod pulls from a private registry without credentials",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Set `imagePullSecrets: [{name: registry-credentials}]` in the pod spec or on its ServiceAccount.",
    standards: &[],
    enabled_by_default: false,
};

/// [`IMAGE_TAG_MUTABLE`].
pub(crate) fn image_tag_mutable(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_image(resources, |c, reference, image| {
        let what = match image.tag {
            _ if !image.is_mutable() => return None,
            Some(tag) => format!("with tag {tag}"),
            None => "without a tag".to_string(),
        };
        Some(c.report(&IMAGE_TAG_MUTABLE, &["image"], format_args!("uses image {reference} {what}")))
    })
}

/// [`IMAGE_DIGEST_PINNED`].
pub(crate) fn image_digest_pinned(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_image(resources, |c, reference, image| {
        (!image.is_pinned()).then(|| {
            c.report(&IMAGE_DIGEST_PINNED, &["image"], format_args!("uses image {reference}, not pinned by digest"))
        })
    })
}

/// [`IMAGE_PULL_POLICY_ALWAYS`].
pub(crate) fn image_pull_policy_always(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_image(resources, |c, _, image| {
        let defaults_to_always = image.is_mutable() || image.digest.is_some();
        let missing =
            if defaults_to_always { None } else { Some(": Always (it defaults to IfNotPresent for a version tag)") };
        c.judge(&IMAGE_PULL_POLICY_ALWAYS, &["imagePullPolicy"], Inherit::No, |v| v == "Always", missing)
    })
}

/// [`LATEST_REQUIRES_PULL_ALWAYS`].
pub(crate) fn latest_requires_pull_always(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_image(resources, |c, reference, image| {
        let policy = c.get(&["imagePullPolicy"]).filter(|p| *p != "Always")?;
        image.is_mutable().then(|| {
            c.report(
                &LATEST_REQUIRES_PULL_ALWAYS,
                &["imagePullPolicy"],
                format_args!("uses image {reference} with imagePullPolicy: {}", show(policy)),
            )
        })
    })
}

/// Reports images under (`inside`) or outside (`!inside`) the prefixes of `list`; an empty list
/// reports nothing.
fn registry_list(rule: &RuleDef, resources: &Ctx<'_>, list: &[String], inside: bool, why: &str) -> Vec<Finding> {
    if list.is_empty() {
        return Vec::new();
    }
    each_image(resources, |c, reference, image| {
        (list.iter().any(|prefix| image.is_under(prefix)) == inside)
            .then(|| c.report(rule, &["image"], format_args!("uses image {reference} ({}), {why}", image.name())))
    })
}

/// [`IMAGE_REGISTRY_ALLOWLIST`].
pub(crate) fn image_registry_allowlist(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let why = "outside the allowed registries";
    registry_list(&IMAGE_REGISTRY_ALLOWLIST, resources, &settings.allowed_registries, false, why)
}

/// [`IMAGE_REGISTRY_DENYLIST`].
pub(crate) fn image_registry_denylist(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let why = "from a denied registry";
    registry_list(&IMAGE_REGISTRY_DENYLIST, resources, &settings.denied_registries, true, why)
}

/// [`DEPRECATED_K8S_REGISTRY`].
pub(crate) fn deprecated_k8s_registry(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    each_image(resources, |c, reference, image| {
        (image.registry == "k8s.gcr.io").then(|| {
            c.report(
                &DEPRECATED_K8S_REGISTRY,
                &["image"],
                format_args!("uses image {reference} from the frozen k8s.gcr.io registry"),
            )
        })
    })
}

/// Registries [`IMAGE_PULL_SECRETS`] takes for public.
pub(crate) const PUBLIC_REGISTRIES: [&str; 13] = [
    "docker.io",
    "registry-1.docker.io",
    "registry.k8s.io",
    "k8s.gcr.io",
    "gcr.io",
    "quay.io",
    "ghcr.io",
    "mcr.microsoft.com",
    "public.ecr.aws",
    "registry.gitlab.com",
    "docker.elastic.co",
    "cgr.dev",
    "registry.access.redhat.com",
];

/// [`IMAGE_PULL_SECRETS`].
pub(crate) fn image_pull_secrets(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let accounts = Named::new(resources, &["ServiceAccount"]);
    visit(resources, Visit::Pods, |pod| {
        if pod.get(&["imagePullSecrets"]).and_then(Value::as_array).is_some_and(|s| !s.is_empty()) {
            return None;
        }
        let name = pod.get(&["serviceAccountName"]).and_then(Value::as_str).unwrap_or("default");
        let account = accounts.first("ServiceAccount", namespace(pod.pod.resource), name);
        if account
            .and_then(|sa| sa.json().get("imagePullSecrets"))
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty())
        {
            return None;
        }
        let private: Vec<String> = pod
            .pod
            .containers()
            .iter()
            .filter_map(|c| c.get("image").and_then(Value::as_str))
            .map(ImageRef::parse)
            .filter(|image| !PUBLIC_REGISTRIES.contains(&image.registry))
            .map(|image| image.registry.to_string())
            .collect();
        let first = private.first()?;
        Some(pod.report(
            &IMAGE_PULL_SECRETS,
            &["imagePullSecrets"],
            format_args!("pulls from the private registry {first} but sets no imagePullSecrets"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, object, pod, run};
    use palisade_policy_sdk::json;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn images(list: &[(&str, Option<&str>)]) -> Value {
        let containers: Vec<Value> = list
            .iter()
            .zip(0..)
            .map(|((image, policy), i)| {
                let mut c = json!({"name": format!("c{i}"), "image": image});
                if let Some(policy) = policy {
                    c["imagePullPolicy"] = json!(policy);
                }
                c
            })
            .collect();
        let mut doc = pod(json!({}));
        doc["spec"]["containers"] = Value::Array(containers);
        doc
    }

    #[test]
    fn references_parse_like_the_runtime() {
        let parse = |r| {
            let i = ImageRef::parse(r);
            (i.name(), i.tag, i.digest.is_some())
        };
        assert_eq!(parse("nginx"), ("docker.io/library/nginx".into(), None, false));
        assert_eq!(parse("bitnami/redis:7.2"), ("docker.io/bitnami/redis".into(), Some("7.2"), false));
        assert_eq!(parse("index.docker.io/nginx:latest"), ("docker.io/library/nginx".into(), Some("latest"), false));
        assert_eq!(parse("registry:5000/team/app"), ("registry:5000/team/app".into(), None, false));
        assert_eq!(parse("localhost/app:1"), ("localhost/app".into(), Some("1"), false));
        assert_eq!(parse("ghcr.io/org/app:1.0@sha256:abc"), ("ghcr.io/org/app".into(), Some("1.0"), true));
        let pinned = format!("quay.io/a/b@{DIGEST}");
        assert!(ImageRef::parse(&pinned).is_pinned() && !ImageRef::parse("quay.io/a/b@sha256:abc").is_pinned());
        assert!(ImageRef::parse("nginx").is_mutable() && ImageRef::parse("nginx:latest").is_mutable());
        assert!(!ImageRef::parse("nginx:1.27").is_mutable() && !ImageRef::parse("nginx@sha256:abc").is_mutable());
        let image = ImageRef::parse("docker.io/bitnami/redis:7");
        assert!(
            image.is_under("docker.io/bitnami") && image.is_under("docker.io/") && image.is_under("index.docker.io")
        );
        assert!(!image.is_under("docker.io/bit") && !image.is_under("bitnami"));
        assert_eq!(ImageRef::parse("registry.k8s.io/ingress-nginx/controller:v1").base(), "controller");
    }

    #[test]
    fn image_tag_mutable_reports_untagged_and_latest() {
        let pinned = format!("nginx@{DIGEST}");
        let doc = images(&[("nginx", None), ("nginx:latest", None), ("nginx:1.27", None), (&pinned, None)]);
        assert_findings(
            image_tag_mutable,
            doc,
            &[
                ("image-tag-mutable", "/spec/containers/0/image", "container \"c0\" uses image nginx without a tag"),
                (
                    "image-tag-mutable",
                    "/spec/containers/1/image",
                    "container \"c1\" uses image nginx:latest with tag latest",
                ),
            ],
        );
    }

    #[test]
    fn image_digest_pinned_requires_sha256() {
        let pinned = format!("nginx:1.27@{DIGEST}");
        let doc = images(&[("nginx:1.27", None), (&pinned, None)]);
        assert_findings(
            image_digest_pinned,
            doc,
            &[(
                "image-digest-pinned",
                "/spec/containers/0/image",
                "container \"c0\" uses image nginx:1.27, not pinned by digest",
            )],
        );
    }

    #[test]
    fn pull_policies() {
        let pinned = format!("nginx@{DIGEST}");
        let doc = images(&[
            ("nginx:1.27", None),
            ("nginx:1.27", Some("IfNotPresent")),
            ("nginx:latest", Some("Never")),
            ("nginx", None),
            (&pinned, None),
            ("nginx:1.27", Some("Always")),
        ]);
        assert_findings(
            image_pull_policy_always,
            doc.clone(),
            &[
                (
                    "image-pull-policy-always",
                    "/spec/containers/0/imagePullPolicy",
                    "container \"c0\" does not set imagePullPolicy: Always (it defaults to IfNotPresent for a version tag)",
                ),
                (
                    "image-pull-policy-always",
                    "/spec/containers/1/imagePullPolicy",
                    "container \"c1\" sets imagePullPolicy: IfNotPresent",
                ),
                (
                    "image-pull-policy-always",
                    "/spec/containers/2/imagePullPolicy",
                    "container \"c2\" sets imagePullPolicy: Never",
                ),
            ],
        );
        assert_findings(
            latest_requires_pull_always,
            doc,
            &[(
                "latest-requires-pull-always",
                "/spec/containers/2/imagePullPolicy",
                "container \"c2\" uses image nginx:latest with imagePullPolicy: Never",
            )],
        );
    }

    #[test]
    fn registry_lists_follow_the_settings() {
        let doc = images(&[("bitnami/redis:7", None), ("quay.io/org/app:1", None)]);
        assert_findings(image_registry_allowlist, doc.clone(), &[]);
        assert_findings(image_registry_denylist, doc.clone(), &[]);
        assert_findings_with(
            image_registry_allowlist,
            doc.clone(),
            &json!({"allowedRegistries": ["docker.io/bitnami"]}),
            &[(
                "image-registry-allowlist",
                "/spec/containers/1/image",
                "container \"c1\" uses image quay.io/org/app:1 (quay.io/org/app), outside the allowed registries",
            )],
        );
        assert_findings_with(
            image_registry_denylist,
            doc,
            &json!({"deniedRegistries": ["docker.io"]}),
            &[(
                "image-registry-denylist",
                "/spec/containers/0/image",
                "container \"c0\" uses image bitnami/redis:7 (docker.io/bitnami/redis), from a denied registry",
            )],
        );
    }

    #[test]
    fn deprecated_k8s_registry_reports_k8s_gcr_io() {
        let doc = images(&[("k8s.gcr.io/pause:3.2", None), ("registry.k8s.io/pause:3.10", None)]);
        assert_findings(
            deprecated_k8s_registry,
            doc,
            &[(
                "deprecated-k8s-registry",
                "/spec/containers/0/image",
                "container \"c0\" uses image k8s.gcr.io/pause:3.2 from the frozen k8s.gcr.io registry",
            )],
        );
    }

    #[test]
    fn image_pull_secrets_for_private_registries() {
        let private = images(&[("nginx:1", None), ("registry.example.com/app:1", None)]);
        let mut with_secret = private.clone();
        with_secret["spec"]["imagePullSecrets"] = json!([{"name": "creds"}]);
        let mut via_account = private.clone();
        via_account["spec"]["serviceAccountName"] = json!("puller");
        let account = object("v1", "ServiceAccount", "puller", json!({"imagePullSecrets": [{"name": "creds"}]}));
        assert_eq!(
            run(
                image_pull_secrets,
                vec![private, with_secret, images(&[("nginx:1", None)]), via_account, account],
                &json!({})
            ),
            vec![(
                0,
                "image-pull-secrets",
                "/spec/imagePullSecrets".into(),
                "pod pulls from the private registry registry.example.com but sets no imagePullSecrets".into()
            )]
        );
    }
}
