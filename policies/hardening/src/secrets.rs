//! Secrets handling (checks.md §1.4, area `secrets`): credentials in plain sight, Secrets in the
//! environment, references to missing Secrets and ConfigMaps, Secrets shipped with the chart, and
//! Secret volumes.
//!
//! Names of environment variables and ConfigMap keys are matched against the `sensitiveKeyPatterns`
//! setting ([`glob`]). A literal value under such a name is taken for a credential unless the name or
//! the value says otherwise ([`names_no_secret`], [`is_plain_value`]): `*_FILE`, `*_PATH` and the
//! like name where a secret is, not the secret (Bitnami's `POSTGRES_PASSWORD_FILE`), and booleans,
//! numbers, paths and plain URLs are settings (`ALLOW_EMPTY_PASSWORD: "no"`).

use crate::context::Ctx;
use palisade_policy_sdk::{Finding, Resource, RuleDef, Severity, Value, pointer};

use crate::index::Named;
use crate::objects::{items, lookup, map, namespace, report, text};
use crate::pod_security::{Subject, Visit, visit};
use crate::settings::Settings;

/// Catalog area of every rule here.
const CATEGORY: &str = "secrets";

/// Row 91: an environment variable whose name looks like a credential has a literal `value`.
pub(crate) const ENV_LITERAL_SECRET: RuleDef = RuleDef {
    id: "env-literal-secret",
    title: "Credential in a literal environment variable",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Read the value from a Secret instead: `env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: \
                  password}}}]`, or mount the Secret as a file.",
    standards: &[
        "kube-linter:env-var-secret",
        "polaris:sensitiveContainerEnvVar",
        "kubescape:C-0012",
        "kubescape:C-0259",
    ],
    enabled_by_default: true,
};

/// Row 92: a ConfigMap key looks like a credential and holds a literal value, or a value holds
/// credential material whatever its key: a PEM private key, a JSON Web Token, an AWS access key id,
/// or a GitHub or Slack token.
pub(crate) const CONFIGMAP_SENSITIVE_CONTENT: RuleDef = RuleDef {
    id: "configmap-sensitive-content",
    title: "ConfigMap holds a credential",
    severity: Severity::High,
    category: CATEGORY,
    remediation: "Move the credential into a Secret (`kind: Secret`, `stringData: {password: ...}`) and reference it from \
                  the workload.",
    standards: &["polaris:sensitiveConfigmapContent", "kubescape:C-0012"],
    enabled_by_default: true,
};

/// Row 93: a container reads a Secret into its environment (`env[].valueFrom.secretKeyRef`,
/// `envFrom[].secretRef`).
pub(crate) const SECRET_AS_ENV: RuleDef = RuleDef {
    id: "secret-as-env",
    title: "Container reads a Secret into its environment",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Mount the Secret as files instead: `volumes: [{name: creds, secret: {secretName: db}}]` with a matching \
                  `volumeMounts` entry.",
    standards: &["kube-linter:read-secret-from-env-var", "checkov:CKV_K8S_35", "kubescape:C-0207", "cis:5.4.1"],
    enabled_by_default: false,
};

/// Row 94: `env[].valueFrom` or `envFrom[]` references a Secret or ConfigMap that is not in the
/// input (in the pod's namespace), or a key the object does not define; references marked
/// `optional: true` pass.
pub(crate) const ENV_REF_MISSING: RuleDef = RuleDef {
    id: "env-ref-missing",
    title: "Environment references a missing Secret or ConfigMap",
    severity: Severity::Low,
    category: CATEGORY,
    remediation: "Ship the referenced Secret or ConfigMap with the chart, fix the name or key, or mark the reference \
                  `optional: true`.",
    standards: &["kube-linter:env-value-from"],
    enabled_by_default: false,
};

/// Row 95: the chart output contains a Secret with `data` or `stringData` (credentials rendered from
/// values), other than a ServiceAccount token Secret (which the token controller fills).
pub(crate) const SECRET_DATA_IN_CHART: RuleDef = RuleDef {
    id: "secret-data-in-chart",
    title: "Chart ships Secret data",
    severity: Severity::Medium,
    category: CATEGORY,
    remediation: "Let the chart reference an existing Secret (`existingSecret: my-secret`) or one an operator manages \
                  (External Secrets, Sealed Secrets) instead of rendering credentials from values.",
    standards: &[],
    enabled_by_default: false,
};

/// Row 96: a workload mounts a Secret volume (`secret`, or a `projected` source).
pub(crate) const WORKLOAD_SECRET_ACCESS: RuleDef = RuleDef {
    id: "workload-secret-access",
    title: "Workload mounts a Secret",
    severity: Severity::Info,
    category: CATEGORY,
    remediation: "Review that the workload needs the Secret; mount only the keys it reads with `items: [{key: password, \
                  path: password}]`.",
    standards: &["kubescape:C-0255"],
    enabled_by_default: false,
};

/// Whether `name` matches the case-insensitive glob `pattern`, where `*` matches any run of
/// characters and everything else matches itself.
pub(crate) fn glob(pattern: &str, name: &str) -> bool {
    let (pattern, name) = (pattern.as_bytes(), name.as_bytes());
    let parts: Vec<&[u8]> = pattern.split(|&b| b == b'*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern.eq_ignore_ascii_case(name);
    };
    if name.len() < first.len() || !name[..first.len()].eq_ignore_ascii_case(first) {
        return false;
    }
    let mut rest = &name[first.len()..];
    for part in middle {
        let found =
            if part.is_empty() { Some(0) } else { rest.windows(part.len()).position(|w| w.eq_ignore_ascii_case(part)) };
        match found {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest[rest.len() - last.len()..].eq_ignore_ascii_case(last)
}

/// Name endings that point at a credential (a file, a command, a location) or name an identity,
/// rather than hold a secret. (etcd's `ETCD_INITIAL_CLUSTER_TOKEN` only tells clusters apart during
/// bootstrap; etcd documents it as no secret.)
const NON_SECRET_SUFFIXES: [&str; 11] =
    ["_FILE", "_FILES", "_PATH", "_DIR", "_CMD", "_COMMAND", "_URL", "_URI", "_USERNAME", "_NAME", "_CLUSTER_TOKEN"];

/// Whether a credential-like name still holds no secret by its ending (see [`NON_SECRET_SUFFIXES`]).
pub(crate) fn names_no_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace(['-', '.'], "_");
    NON_SECRET_SUFFIXES.iter().any(|suffix| upper.ends_with(suffix))
}

/// Whether a literal value is a setting rather than a credential: empty, a boolean word, a number, an
/// absolute path, a `$(VAR)` or `${VAR}` reference, a URL without user information, or a list of
/// settings naming a path (`jwt,priv-key=/certs/key.pem,ttl=10m`).
pub(crate) fn is_plain_value(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let url =
        lower.split_once("://").is_some_and(|(_, rest)| !rest.split('/').next().unwrap_or_default().contains('@'));
    value.is_empty()
        || matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "enabled" | "disabled")
        || value.parse::<f64>().is_ok()
        || value.starts_with('/')
        || (value.starts_with("$(") && value.ends_with(')'))
        || (value.starts_with("${") && value.ends_with('}'))
        || url
        || value.contains("=/")
}

/// Whether a literal `value` under `name` is taken for a credential.
fn literal_secret(settings: &Settings, name: &str, value: &str) -> bool {
    settings.sensitive_key_patterns.iter().any(|p| glob(p, name)) && !names_no_secret(name) && !is_plain_value(value)
}

/// [`ENV_LITERAL_SECRET`].
pub(crate) fn env_literal_secret(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        items(c.get(&["env"]))
            .filter_map(|(j, var)| {
                let name = text(var, &["name"]);
                let value = lookup(var, &["value"]).and_then(Value::as_str)?;
                literal_secret(settings, name, value).then(|| {
                    c.report(
                        &ENV_LITERAL_SECRET,
                        &["env", &j, "value"],
                        format_args!("sets env var {name} to a literal value that looks like a credential"),
                    )
                })
            })
            .collect::<Vec<_>>()
    })
}

/// Credential material recognisable by its shape, whatever its key: what it is, if anything.
fn credential_material(value: &str) -> Option<&'static str> {
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY-----") {
        return Some("a PEM private key");
    }
    // One pass over the value for all hints (a `contains` per hint read it ten times).
    let hints = ["eyJ", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox"];
    let firsts = hints.map(|hint| hint.as_bytes()[0]);
    let bytes = value.as_bytes();
    let hinted = (0..bytes.len())
        .any(|i| firsts.contains(&bytes[i]) && hints.iter().any(|hint| bytes[i..].starts_with(hint.as_bytes())));
    if !hinted {
        return None;
    }
    let words = || value.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')));
    let is_jwt = |w: &str| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3 && parts[0].starts_with("eyJ") && parts[1].starts_with("eyJ") && parts[2].len() >= 16
    };
    let aws = |w: &str| {
        (w.starts_with("AKIA") || w.starts_with("ASIA"))
            && w.len() == 20
            && w.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let github = |w: &str| {
        ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].iter().any(|p| w.strip_prefix(p).is_some_and(|rest| rest.len() >= 36))
            || w.strip_prefix("github_pat_").is_some_and(|rest| rest.len() >= 40)
    };
    let slack =
        |w: &str| ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"].iter().any(|p| w.starts_with(p) && w.len() > 20);
    words().find_map(|w| {
        if is_jwt(w) {
            Some("a JSON Web Token")
        } else if aws(w) {
            Some("an AWS access key id")
        } else if github(w) {
            Some("a GitHub token")
        } else if slack(w) {
            Some("a Slack token")
        } else {
            None
        }
    })
}

/// [`CONFIGMAP_SENSITIVE_CONTENT`].
pub(crate) fn configmap_sensitive_content(resources: &Ctx<'_>, settings: &Settings) -> Vec<Finding> {
    let mut out = Vec::new();
    for configmap in resources.iter().filter(|r| r.kind() == "ConfigMap") {
        for (key, value) in map(configmap.json(), &["data"]).into_iter().flatten() {
            let value = value.as_str().unwrap_or_default();
            let at = pointer::join("/data", &[key]);
            if let Some(what) = credential_material(value) {
                out.push(report(&CONFIGMAP_SENSITIVE_CONTENT, configmap, at, format_args!("key {key} holds {what}")));
            } else if literal_secret(settings, key, value) {
                let what = format_args!("key {key} holds a literal value under a credential-like name");
                out.push(report(&CONFIGMAP_SENSITIVE_CONTENT, configmap, at, what));
            }
        }
    }
    out
}

/// A Secret or ConfigMap reference of a container's environment.
struct EnvRef<'a> {
    /// Pointer tokens to the reference, below the container.
    at: Vec<String>,
    /// `Secret` or `ConfigMap`.
    kind: &'static str,
    /// What refers: `env var X` or `envFrom[0]`.
    from: String,
    /// The reference object (`name`, `key`, `optional`).
    reference: &'a Value,
}

/// The Secret and ConfigMap references of a container's `env` and `envFrom`.
fn env_refs<'a>(c: &Subject<'_, 'a>) -> Vec<EnvRef<'a>> {
    let mut out = Vec::new();
    for (j, var) in items(c.get(&["env"])) {
        for (field, kind) in [("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")] {
            if let Some(reference) = lookup(var, &["valueFrom", field]) {
                let at = vec!["env".into(), j.clone(), "valueFrom".into(), field.into()];
                out.push(EnvRef { at, kind, from: format!("env var {}", text(var, &["name"])), reference });
            }
        }
    }
    for (j, source) in items(c.get(&["envFrom"])) {
        for (field, kind) in [("secretRef", "Secret"), ("configMapRef", "ConfigMap")] {
            if let Some(reference) = lookup(source, &[field]) {
                let at = vec!["envFrom".into(), j.clone(), field.into()];
                out.push(EnvRef { at, kind, from: format!("envFrom[{j}]"), reference });
            }
        }
    }
    out
}

impl EnvRef<'_> {
    /// The pointer tokens.
    fn tokens(&self) -> Vec<&str> {
        self.at.iter().map(String::as_str).collect()
    }
}

/// [`SECRET_AS_ENV`].
pub(crate) fn secret_as_env(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    visit(resources, Visit::Containers, |c| {
        env_refs(c)
            .into_iter()
            .filter(|r| r.kind == "Secret")
            .map(|r| {
                let name = text(r.reference, &["name"]);
                c.report(&SECRET_AS_ENV, &r.tokens(), format_args!("reads Secret \"{name}\" into {}", r.from))
            })
            .collect::<Vec<_>>()
    })
}

/// Whether a Secret or ConfigMap defines `key`.
fn defines(object: &Resource, key: &str) -> bool {
    ["data", "stringData", "binaryData"]
        .iter()
        .any(|field| map(object.json(), &[field]).is_some_and(|m| m.contains_key(key)))
}

/// [`ENV_REF_MISSING`].
pub(crate) fn env_ref_missing(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    let objects = Named::new(resources, &["Secret", "ConfigMap"]);
    visit(resources, Visit::Containers, |c| {
        let ns = namespace(c.pod.resource);
        env_refs(c)
            .into_iter()
            .filter(|r| lookup(r.reference, &["optional"]) != Some(&Value::Bool(true)))
            .filter_map(|r| {
                let name = text(r.reference, &["name"]);
                let key = lookup(r.reference, &["key"]).and_then(Value::as_str);
                let (what, token) = match (objects.first(r.kind, ns, name), key) {
                    (None, _) => (format!("references {} \"{name}\", which is not in the input", r.kind), "name"),
                    (Some(object), Some(key)) if !defines(object, key) => {
                        (format!("references key {key} of {} \"{name}\", which does not define it", r.kind), "key")
                    }
                    _ => return None,
                };
                let mut tokens = r.tokens();
                tokens.push(token);
                Some(c.report(&ENV_REF_MISSING, &tokens, format_args!("{} {what}", r.from)))
            })
            .collect::<Vec<_>>()
    })
}

/// [`SECRET_DATA_IN_CHART`].
pub(crate) fn secret_data_in_chart(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    resources
        .iter()
        .filter(|r| r.kind() == "Secret" && text(r.json(), &["type"]) != "kubernetes.io/service-account-token")
        .filter_map(|secret| {
            let field =
                ["stringData", "data"].into_iter().find(|f| map(secret.json(), &[f]).is_some_and(|m| !m.is_empty()))?;
            let keys: Vec<&str> = map(secret.json(), &[field]).into_iter().flatten().map(|(k, _)| k.as_str()).collect();
            Some(report(
                &SECRET_DATA_IN_CHART,
                secret,
                format!("/{field}"),
                format_args!("carries {field} keys {} in the chart output", keys.join(", ")),
            ))
        })
        .collect()
}

/// A volume source of the pod, or a `projected` volume source, that mounts an object of one kind:
/// pointer tokens below the pod spec, the object name and the volume name.
pub(crate) fn mounted<'a>(
    pod: &Subject<'_, 'a>,
    field: &str,
    name_field: &str,
) -> Vec<(Vec<String>, &'a str, &'a str)> {
    let mut out = Vec::new();
    for (i, volume) in items(pod.get(&["volumes"])) {
        let volume_name = text(volume, &["name"]);
        if let Some(source) = lookup(volume, &[field]) {
            out.push((vec!["volumes".into(), i.clone(), field.into()], text(source, &[name_field]), volume_name));
        }
        for (j, projected) in items(lookup(volume, &["projected", "sources"])) {
            if let Some(source) = lookup(projected, &[field]) {
                let tokens = vec!["volumes".into(), i.clone(), "projected".into(), "sources".into(), j, field.into()];
                out.push((tokens, text(source, &["name"]), volume_name));
            }
        }
    }
    out
}

/// Reports every volume of `field` (`secret`, `configMap`, ...) that a pod mounts.
pub(crate) fn report_mounts(
    rule: &RuleDef,
    resources: &Ctx<'_>,
    field: &str,
    name_field: &str,
    kind: &str,
) -> Vec<Finding> {
    visit(resources, Visit::Pods, |pod| {
        mounted(pod, field, name_field)
            .into_iter()
            .map(|(tokens, name, volume)| {
                let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
                pod.report(rule, &tokens, format_args!("mounts {kind} \"{name}\" as volume \"{volume}\""))
            })
            .collect::<Vec<_>>()
    })
}

/// [`WORKLOAD_SECRET_ACCESS`].
pub(crate) fn workload_secret_access(resources: &Ctx<'_>, _: &Settings) -> Vec<Finding> {
    report_mounts(&WORKLOAD_SECRET_ACCESS, resources, "secret", "secretName", "Secret")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_findings, assert_findings_with, object, pod, run};
    use palisade_policy_sdk::json;

    #[test]
    fn globs_match_whole_names_case_insensitively() {
        assert!(
            glob("*password*", "DB_PASSWORD") && glob("*password*", "password") && glob("*PASSWORD", "db_password")
        );
        assert!(glob("api_*_key", "API_SECRET_KEY") && glob("token", "TOKEN") && glob("*", ""));
        assert!(!glob("*password", "PASSWORD_HINT") && !glob("token", "TOKENS") && !glob("a*b*c", "acb"));
        assert!(glob("a*a", "aa") && !glob("a*a", "a"));
    }

    #[test]
    fn plain_values_and_pointer_names() {
        for value in
            ["", "no", "TRUE", "3600", "0.5", "/opt/secrets/password", "$(DB_PASS)", "${PASS}", "http://core/token"]
        {
            assert!(is_plain_value(value), "{value}");
        }
        assert!(is_plain_value("jwt,priv-key=/certs/key.pem,ttl=10m") && names_no_secret("ETCD_INITIAL_CLUSTER_TOKEN"));
        for value in ["hunter2", "https://user:pa55@host/db", "notasecret", "a=b"] {
            assert!(!is_plain_value(value), "{value}");
        }
        assert!(
            names_no_secret("POSTGRES_PASSWORD_FILE") && names_no_secret("secret-name") && names_no_secret("TOKEN_URL")
        );
        assert!(!names_no_secret("DB_PASSWORD") && !names_no_secret("API_TOKEN"));
    }

    #[test]
    fn env_literal_secret_reports_literal_credentials() {
        let doc = pod(json!({"containers": [{"name": "app", "env": [
            {"name": "DB_PASSWORD", "value": "hunter2"},
            {"name": "ALLOW_EMPTY_PASSWORD", "value": "no"},
            {"name": "DB_PASSWORD_FILE", "value": "/secrets/db"},
            {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}},
            {"name": "LOG_LEVEL", "value": "debug"}
        ]}]}));
        assert_findings(
            env_literal_secret,
            doc.clone(),
            &[(
                "env-literal-secret",
                "/spec/containers/0/env/0/value",
                "container \"app\" sets env var DB_PASSWORD to a literal value that looks like a credential",
            )],
        );
        assert_findings_with(env_literal_secret, doc, &json!({"sensitiveKeyPatterns": ["*pin*"]}), &[]);
    }

    #[test]
    fn configmap_sensitive_content_checks_keys_and_values() {
        let doc = object(
            "v1",
            "ConfigMap",
            "cfg",
            json!({"data": {
                "password": "hunter2",
                "tls.key": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
                "tls.crt": "-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----",
                "app.conf": "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
                "jwt": "token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
                "github": "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
                "password_file": "/run/secrets/password",
                "token_ttl": "3600"
            }}),
        );
        let id = "configmap-sensitive-content";
        assert_findings(
            configmap_sensitive_content,
            doc,
            &[
                (id, "/data/app.conf", "ConfigMap key app.conf holds an AWS access key id"),
                (id, "/data/github", "ConfigMap key github holds a GitHub token"),
                (id, "/data/jwt", "ConfigMap key jwt holds a JSON Web Token"),
                (id, "/data/password", "ConfigMap key password holds a literal value under a credential-like name"),
                (id, "/data/tls.key", "ConfigMap key tls.key holds a PEM private key"),
            ],
        );
    }

    fn env_pod() -> Value {
        pod(json!({"containers": [{"name": "app",
            "env": [
                {"name": "A", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                {"name": "B", "valueFrom": {"secretKeyRef": {"name": "db", "key": "user"}}},
                {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}},
                {"name": "D", "valueFrom": {"secretKeyRef": {"name": "maybe", "key": "x", "optional": true}}}
            ],
            "envFrom": [{"secretRef": {"name": "all"}}, {"configMapRef": {"name": "cfg"}}]}]}))
    }

    #[test]
    fn secret_as_env_reports_each_reference() {
        let at = |s: &str| format!("/spec/containers/0/{s}");
        let expected = [
            (at("env/0/valueFrom/secretKeyRef"), "container \"app\" reads Secret \"db\" into env var A"),
            (at("env/1/valueFrom/secretKeyRef"), "container \"app\" reads Secret \"db\" into env var B"),
            (at("env/3/valueFrom/secretKeyRef"), "container \"app\" reads Secret \"maybe\" into env var D"),
            (at("envFrom/0/secretRef"), "container \"app\" reads Secret \"all\" into envFrom[0]"),
        ];
        let expected: Vec<_> = expected.iter().map(|(p, m)| ("secret-as-env", p.as_str(), *m)).collect();
        assert_findings(secret_as_env, env_pod(), &expected);
        assert_findings(
            secret_as_env,
            pod(json!({"containers": [{"name": "app", "env": [{"name": "A", "value": "1"}]}]})),
            &[],
        );
    }

    #[test]
    fn env_ref_missing_checks_names_and_keys() {
        let docs = vec![
            env_pod(),
            object("v1", "Secret", "db", json!({"stringData": {"password": "x"}})),
            object("v1", "ConfigMap", "cfg", json!({"data": {"mode": "fast"}})),
        ];
        let id = "env-ref-missing";
        assert_eq!(
            run(env_ref_missing, docs, &json!({})),
            vec![
                (
                    0,
                    id,
                    "/spec/containers/0/env/1/valueFrom/secretKeyRef/key".into(),
                    "container \"app\" env var B references key user of Secret \"db\", which does not define it".into()
                ),
                (
                    0,
                    id,
                    "/spec/containers/0/envFrom/0/secretRef/name".into(),
                    "container \"app\" envFrom[0] references Secret \"all\", which is not in the input".into()
                ),
            ]
        );
    }

    #[test]
    fn secret_data_in_chart_reports_rendered_secrets() {
        let docs = vec![
            object("v1", "Secret", "creds", json!({"data": {"password": "aHVudGVyMg==", "user": "YQ=="}})),
            object("v1", "Secret", "empty", json!({"data": {}})),
            object(
                "v1",
                "Secret",
                "token",
                json!({"type": "kubernetes.io/service-account-token", "data": {"token": "eA=="}}),
            ),
        ];
        assert_eq!(
            run(secret_data_in_chart, docs, &json!({})),
            vec![(
                0,
                "secret-data-in-chart",
                "/data".into(),
                "Secret carries data keys password, user in the chart output".into()
            )]
        );
    }

    #[test]
    fn workload_secret_access_reports_secret_volumes() {
        let doc = pod(json!({"containers": [], "volumes": [
            {"name": "creds", "secret": {"secretName": "db"}},
            {"name": "tmp", "emptyDir": {}},
            {"name": "all", "projected": {"sources": [{"configMap": {"name": "cfg"}}, {"secret": {"name": "tls"}}]}}
        ]}));
        assert_findings(
            workload_secret_access,
            doc,
            &[
                ("workload-secret-access", "/spec/volumes/0/secret", "pod mounts Secret \"db\" as volume \"creds\""),
                (
                    "workload-secret-access",
                    "/spec/volumes/2/projected/sources/1/secret",
                    "pod mounts Secret \"tls\" as volume \"all\"",
                ),
            ],
        );
    }
}
