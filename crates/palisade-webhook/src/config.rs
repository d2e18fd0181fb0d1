//! The webhook's configuration file (YAML): limits, failure policy, and profiles that select
//! policies, settings and a mode per namespace.
//!
//! ```yaml
//! apiVersion: palisade.dev/v1alpha1
//! kind: WebhookConfiguration
//! webhookTimeoutSeconds: 10     # the timeoutSeconds of the Validating/MutatingWebhookConfiguration
//! failurePolicy: Fail           # a policy that cannot evaluate: Fail (deny) or Ignore (allow, warn)
//! limits: { maxRequestBytes: 3145728, policyTimeoutMs: 2000, policyMemoryMiB: 256, concurrency: 16 }
//! profiles:                     # the first profile whose namespaces match is used
//!   - name: system
//!     namespaces: [kube-system]
//!     mode: audit
//!   - name: default
//!     mode: enforce             # enforce | warn | audit
//!     failOn: high              # enforce: findings at or above deny, the others are warnings
//!     policies: [hardening, pod-security]
//!     settings: { pod-security: { level: restricted } }
//! registry:                     # evidence for image rules (supply-chain `verifyImages`)
//!   fetchTimeoutMs: 3000        # every fetch of one request together; fits in the webhook timeout
//!   plainHttp: false            # plain HTTP to any registry (loopback registries always may)
//!   dockerConfig: /etc/palisade/docker/config.json  # `auths` credentials; default $DOCKER_CONFIG
//!   cacheDir: /var/cache/palisade/evidence          # digest-addressed content; default: no cache
//!   offline: false              # never fetch: rules that need evidence are policy errors
//!   maxBlobBytes: 67108864      # largest blob accepted
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use palisade_core::Severity;
use palisade_core::skips::SkipMode;
use palisade_evidence::{Credentials, FetchConfig};
use serde::Deserialize;

use crate::error::ConfigError;

/// The configuration file's `apiVersion`.
pub const API_VERSION: &str = "palisade.dev/v1alpha1";
/// The configuration file's `kind`.
pub const KIND: &str = "WebhookConfiguration";

/// The file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawConfig {
    api_version: String,
    kind: String,
    #[serde(default = "default_webhook_timeout")]
    webhook_timeout_seconds: u64,
    #[serde(default)]
    failure_policy: FailurePolicy,
    #[serde(default)]
    limits: RawLimits,
    profiles: Vec<RawProfile>,
    #[serde(default)]
    registry: RawRegistry,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct RawRegistry {
    fetch_timeout_ms: u64,
    plain_http: bool,
    docker_config: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    offline: bool,
    max_blob_bytes: u64,
}

impl Default for RawRegistry {
    fn default() -> Self {
        RawRegistry {
            fetch_timeout_ms: 3_000,
            plain_http: false,
            docker_config: None,
            cache_dir: None,
            offline: false,
            max_blob_bytes: 64 << 20,
        }
    }
}

fn default_webhook_timeout() -> u64 {
    10
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct RawLimits {
    max_request_bytes: usize,
    policy_timeout_ms: u64,
    /// Documented (README, chart) as `policyMemoryMiB`; camelCase would make it `policyMemoryMib`.
    #[serde(rename = "policyMemoryMiB", alias = "policyMemoryMib")]
    policy_memory_mib: usize,
    concurrency: u32,
}

impl Default for RawLimits {
    fn default() -> Self {
        RawLimits { max_request_bytes: 3 << 20, policy_timeout_ms: 2_000, policy_memory_mib: 256, concurrency: 16 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default = "all_namespaces")]
    namespaces: Vec<String>,
    #[serde(default)]
    exclude_namespaces: Vec<String>,
    #[serde(default)]
    mode: Mode,
    #[serde(default = "default_fail_on")]
    fail_on: Severity,
    #[serde(default)]
    policies: Vec<String>,
    #[serde(default)]
    settings: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    skip_annotations: SkipAnnotations,
    #[serde(default)]
    failure_policy: Option<FailurePolicy>,
    #[serde(default)]
    allow_existing_violations: bool,
}

fn all_namespaces() -> Vec<String> {
    vec!["*".into()]
}

fn default_fail_on() -> Severity {
    Severity::Low
}

/// What a profile does with findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Deny at or above `failOn`; findings below it are warnings.
    #[default]
    Enforce,
    /// Allow, and return every finding as an `AdmissionResponse` warning.
    Warn,
    /// Allow silently; findings are logged and counted.
    Audit,
}

impl Mode {
    /// Lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Warn => "warn",
            Mode::Audit => "audit",
        }
    }
}

/// What happens when a policy cannot evaluate (trap, timeout, memory limit, its own error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum FailurePolicy {
    /// Deny the request (fail closed).
    #[default]
    Fail,
    /// Allow it, with a warning naming the error.
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SkipAnnotations {
    None,
    #[default]
    Native,
    All,
}

/// Bounds on requests and evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes (larger: HTTP 413).
    pub max_request_bytes: usize,
    /// Epoch deadline of one policy call, in milliseconds.
    pub policy_timeout_ms: u64,
    /// Memory limit of one policy call, in MiB.
    pub policy_memory_mib: usize,
    /// Evaluations running at once (also the pooling allocator's slots).
    pub concurrency: u32,
}

/// How evidence (image manifests and signatures) is fetched for the policies that request it.
#[derive(Debug, Clone)]
pub struct Registry {
    /// Budget of every fetch of one admission request together (and of each HTTP request).
    pub fetch_timeout: Duration,
    /// The fetcher's configuration (credentials read, paths checked).
    pub fetch: FetchConfig,
}

/// One profile: which namespaces, which policies, what to do with findings.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Name, in logs and metrics.
    pub name: String,
    namespaces: GlobSet,
    exclude_namespaces: GlobSet,
    /// Mode.
    pub mode: Mode,
    /// Enforce: deny at or above this severity.
    pub fail_on: Severity,
    /// Policies (built-in names or component paths); empty: every built-in.
    pub policies: Vec<String>,
    /// Settings per policy name.
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Rule globs to run only.
    pub include: Vec<String>,
    /// Rule globs to drop.
    pub exclude: Vec<String>,
    /// Skip annotations honoured.
    pub skips: SkipMode,
    /// What a policy error does.
    pub failure_policy: FailurePolicy,
    /// On UPDATE, findings the old object already had do not deny (they become warnings).
    pub allow_existing_violations: bool,
}

impl Profile {
    /// Whether this profile applies to a namespace (`""` for cluster-scoped objects).
    #[must_use]
    pub fn matches(&self, namespace: &str) -> bool {
        self.namespaces.is_match(namespace) && !self.exclude_namespaces.is_match(namespace)
    }
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The admission webhook timeout the API server applies.
    pub webhook_timeout_seconds: u64,
    /// Limits.
    pub limits: Limits,
    /// Profiles, first match wins.
    pub profiles: Vec<Profile>,
    /// Evidence fetching.
    pub registry: Registry,
}

impl Config {
    /// Read and validate a configuration file.
    ///
    /// # Errors
    /// The file cannot be read, is not YAML of this shape, or is inconsistent.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::parse(path, &text)
    }

    /// Parse and validate configuration text; `path` names it in errors.
    ///
    /// # Errors
    /// Not YAML of this shape, or inconsistent.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid { path: path.to_path_buf(), reason };
        let raw: RawConfig = serde_yaml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if raw.api_version != API_VERSION || raw.kind != KIND {
            return Err(invalid(format!(
                "expected apiVersion {API_VERSION} and kind {KIND}, got {} {}",
                raw.api_version, raw.kind
            )));
        }
        let l = &raw.limits;
        if l.max_request_bytes == 0 || l.policy_timeout_ms == 0 || l.policy_memory_mib == 0 || l.concurrency == 0 {
            return Err(invalid("limits must be greater than zero".into()));
        }
        if raw.webhook_timeout_seconds == 0 || raw.webhook_timeout_seconds > 30 {
            return Err(invalid(format!(
                "webhookTimeoutSeconds must be 1 to 30 (the Kubernetes range), got {}",
                raw.webhook_timeout_seconds
            )));
        }
        if raw.profiles.is_empty() {
            return Err(invalid("at least one profile is required".into()));
        }
        let registry = registry(&raw.registry).map_err(|reason| invalid(format!("registry: {reason}")))?;
        let fetch_ms = if raw.registry.offline { 0 } else { raw.registry.fetch_timeout_ms };
        let mut profiles = Vec::new();
        for p in raw.profiles {
            if profiles.iter().any(|q: &Profile| q.name == p.name) {
                return Err(invalid(format!("profile `{}` is given twice", p.name)));
            }
            let in_profile = |reason: String| invalid(format!("profile `{}`: {reason}", p.name));
            // Every policy call of a request must fit in the webhook timeout, with room to answer.
            let policies = if p.policies.is_empty() { 3 } else { p.policies.len() };
            let calls = u64::try_from(policies).unwrap_or(u64::MAX);
            let calls = if p.allow_existing_violations { calls.saturating_mul(2) } else { calls };
            let budget = raw.webhook_timeout_seconds * 1000;
            if l.policy_timeout_ms.saturating_mul(calls) >= budget {
                return Err(in_profile(format!(
                    "{calls} policy calls of up to {} ms do not fit in webhookTimeoutSeconds {}; lower \
                     limits.policyTimeoutMs",
                    l.policy_timeout_ms, raw.webhook_timeout_seconds
                )));
            }
            // A profile that may fetch evidence also spends up to the fetch budget per request.
            if may_fetch(&p) && l.policy_timeout_ms.saturating_mul(calls).saturating_add(fetch_ms) >= budget {
                return Err(in_profile(format!(
                    "{calls} policy calls of up to {} ms and fetching evidence for up to {fetch_ms} ms do not fit \
                     in webhookTimeoutSeconds {}; lower limits.policyTimeoutMs or registry.fetchTimeoutMs",
                    l.policy_timeout_ms, raw.webhook_timeout_seconds
                )));
            }
            profiles.push(Profile {
                namespaces: globs(&p.namespaces).map_err(&in_profile)?,
                exclude_namespaces: globs(&p.exclude_namespaces).map_err(&in_profile)?,
                mode: p.mode,
                fail_on: p.fail_on,
                policies: p.policies,
                settings: p.settings,
                include: p.include,
                exclude: p.exclude,
                skips: match p.skip_annotations {
                    SkipAnnotations::None => SkipMode::None,
                    SkipAnnotations::Native => SkipMode::Native,
                    SkipAnnotations::All => SkipMode::All,
                },
                failure_policy: p.failure_policy.unwrap_or(raw.failure_policy),
                allow_existing_violations: p.allow_existing_violations,
                name: p.name,
            });
        }
        Ok(Config {
            webhook_timeout_seconds: raw.webhook_timeout_seconds,
            limits: Limits {
                max_request_bytes: l.max_request_bytes,
                policy_timeout_ms: l.policy_timeout_ms,
                policy_memory_mib: l.policy_memory_mib,
                concurrency: l.concurrency,
            },
            profiles,
            registry,
        })
    }

    /// The component files the profiles name (watched for changes).
    #[must_use]
    pub fn policy_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .profiles
            .iter()
            .flat_map(|p| &p.policies)
            .filter_map(|p| match palisade_engine::policy_set::PolicySource::parse(p) {
                palisade_engine::policy_set::PolicySource::File(f) => Some(f),
                palisade_engine::policy_set::PolicySource::Builtin(_) => None,
            })
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// The first profile that applies to a namespace.
    #[must_use]
    pub fn profile_for(&self, namespace: &str) -> Option<(usize, &Profile)> {
        self.profiles.iter().enumerate().find(|(_, p)| p.matches(namespace))
    }
}

/// Whether a profile's policies may request evidence: the supply-chain policy with image rules,
/// or a component from a file (its requests are unknown until it runs).
fn may_fetch(p: &RawProfile) -> bool {
    let images = p
        .settings
        .get("supply-chain")
        .and_then(|s| s.get("verifyImages"))
        .and_then(serde_json::Value::as_array)
        .is_some_and(|rules| !rules.is_empty());
    let files = p.policies.iter().any(|name| {
        matches!(
            palisade_engine::policy_set::PolicySource::parse(name),
            palisade_engine::policy_set::PolicySource::File(_)
        )
    });
    images || files
}

/// The fetcher configuration: credentials read now, so a broken docker config stops the load.
fn registry(raw: &RawRegistry) -> Result<Registry, String> {
    if raw.fetch_timeout_ms == 0 || raw.max_blob_bytes == 0 {
        return Err("fetchTimeoutMs and maxBlobBytes must be greater than zero".into());
    }
    let credentials = match &raw.docker_config {
        Some(path) if !path.is_file() => return Err(format!("dockerConfig {} is not a file", path.display())),
        Some(path) => Credentials::load(path).map_err(|e| e.to_string())?,
        None => match Credentials::default_path() {
            Some(path) => Credentials::load(&path).map_err(|e| e.to_string())?,
            None => Credentials::default(),
        },
    };
    if let Some(dir) = &raw.cache_dir
        && dir.as_os_str().is_empty()
    {
        return Err("cacheDir must not be empty".into());
    }
    let timeout = Duration::from_millis(raw.fetch_timeout_ms);
    Ok(Registry {
        fetch_timeout: timeout,
        fetch: FetchConfig {
            cache_dir: raw.cache_dir.clone(),
            plain_http: raw.plain_http,
            offline: raw.offline,
            max_blob_bytes: raw.max_blob_bytes,
            timeout,
            credentials,
        },
    })
}

fn globs(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for g in patterns {
        b.add(Glob::new(g).map_err(|e| format!("invalid namespace pattern `{g}`: {e}"))?);
    }
    b.build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("c.yaml"), text).map_err(|e| e.to_string())
    }

    const HEAD: &str = "apiVersion: palisade.dev/v1alpha1\nkind: WebhookConfiguration\n";

    #[test]
    fn defaults_and_first_match() {
        let c = parse(&format!(
            "{HEAD}profiles:\n  - name: sys\n    namespaces: [kube-*]\n    mode: audit\n  - name: all\n    excludeNamespaces: [scratch]\n"
        ))
        .unwrap();
        assert_eq!(c.webhook_timeout_seconds, 10);
        assert_eq!(
            c.limits,
            Limits { max_request_bytes: 3 << 20, policy_timeout_ms: 2000, policy_memory_mib: 256, concurrency: 16 }
        );
        assert_eq!(c.profile_for("kube-system").map(|(i, p)| (i, p.mode)), Some((0, Mode::Audit)));
        assert_eq!(c.profile_for("shop").map(|(i, p)| (i, p.mode, p.fail_on)), Some((1, Mode::Enforce, Severity::Low)));
        assert_eq!(c.profile_for("").map(|(i, _)| i), Some(1));
        assert!(c.profile_for("scratch").is_none());
        assert_eq!(c.profiles[1].failure_policy, FailurePolicy::Fail);
    }

    #[test]
    fn errors_name_file_and_field() {
        assert_eq!(
            parse(&format!("{HEAD}profiles:\n  - name: a\n    mode: block\n")).unwrap_err(),
            "invalid webhook configuration c.yaml: profiles[0].mode: unknown variant `block`, expected one of \
             `enforce`, `warn`, `audit` at line 5 column 11"
        );
        assert_eq!(
            parse(&format!("{HEAD}profile: []\n")).unwrap_err(),
            "invalid webhook configuration c.yaml: unknown field `profile`, expected one of `apiVersion`, `kind`, \
             `webhookTimeoutSeconds`, `failurePolicy`, `limits`, `profiles`, `registry` at line 3 column 1"
        );
        assert_eq!(
            parse("apiVersion: v1\nkind: ConfigMap\nprofiles: []\n").unwrap_err(),
            "invalid webhook configuration c.yaml: expected apiVersion palisade.dev/v1alpha1 and kind \
             WebhookConfiguration, got v1 ConfigMap"
        );
        assert_eq!(
            parse(&format!("{HEAD}webhookTimeoutSeconds: 2\nprofiles:\n  - name: a\n")).unwrap_err(),
            "invalid webhook configuration c.yaml: profile `a`: 3 policy calls of up to 2000 ms do not fit in \
             webhookTimeoutSeconds 2; lower limits.policyTimeoutMs"
        );
        assert_eq!(
            parse(&format!("{HEAD}profiles:\n  - name: a\n    namespaces: ['[']\n")).unwrap_err(),
            "invalid webhook configuration c.yaml: profile `a`: invalid namespace pattern `[`: error parsing glob \
             '[': unclosed character class; missing ']'"
        );
    }

    #[test]
    fn registry_options_are_checked() {
        let images = "    policies: [supply-chain]\n    settings: { supply-chain: { verifyImages: [{ imageReferences: ['*'], attestors: [{ entries: [{ keys: { name: k } }] }] }] } }\n";
        let c =
            parse(&format!("{HEAD}registry: {{ plainHttp: true, cacheDir: /c }}\nprofiles:\n  - name: a\n{images}"))
                .unwrap();
        assert_eq!(c.registry.fetch_timeout, Duration::from_secs(3));
        assert_eq!(
            (
                c.registry.fetch.plain_http,
                c.registry.fetch.offline,
                c.registry.fetch.cache_dir,
                c.registry.fetch.timeout
            ),
            (true, false, Some(PathBuf::from("/c")), Duration::from_secs(3))
        );
        assert_eq!(
            parse(&format!("{HEAD}registry: {{ plainHTTP: true }}\nprofiles:\n  - name: a\n")).unwrap_err(),
            "invalid webhook configuration c.yaml: registry: unknown field `plainHTTP`, expected one of \
             `fetchTimeoutMs`, `plainHttp`, `dockerConfig`, `cacheDir`, `offline`, `maxBlobBytes` at line 3 column 13"
        );
        assert_eq!(
            parse(&format!("{HEAD}registry: {{ dockerConfig: /nonexistent/config.json }}\nprofiles:\n  - name: a\n"))
                .unwrap_err(),
            "invalid webhook configuration c.yaml: registry: dockerConfig /nonexistent/config.json is not a file"
        );
        assert_eq!(
            parse(&format!("{HEAD}registry: {{ fetchTimeoutMs: 0 }}\nprofiles:\n  - name: a\n")).unwrap_err(),
            "invalid webhook configuration c.yaml: registry: fetchTimeoutMs and maxBlobBytes must be greater than zero"
        );
        // The fetch budget counts only for profiles that may fetch.
        let slow = format!(
            "{HEAD}limits: {{ policyTimeoutMs: 8000 }}\nregistry: {{ fetchTimeoutMs: 2000 }}\nprofiles:\n  - name: a\n"
        );
        assert!(parse(&format!("{slow}    policies: [hardening]\n")).is_ok());
        assert_eq!(
            parse(&format!("{slow}{images}")).unwrap_err(),
            "invalid webhook configuration c.yaml: profile `a`: 1 policy calls of up to 8000 ms and fetching evidence \
             for up to 2000 ms do not fit in webhookTimeoutSeconds 10; lower limits.policyTimeoutMs or \
             registry.fetchTimeoutMs"
        );
    }

    /// The chart's default configuration (`values.yaml` `config`) is one this webhook loads.
    #[test]
    fn the_chart_default_configuration_loads() {
        let values =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/chart/palisade/values.yaml")).unwrap();
        let values: serde_yaml::Value = serde_yaml::from_str(&values).unwrap();
        let c = Config::parse(Path::new("values.yaml"), &serde_yaml::to_string(&values["config"]).unwrap()).unwrap();
        assert_eq!(
            c.limits,
            Limits { max_request_bytes: 3 << 20, policy_timeout_ms: 2000, policy_memory_mib: 256, concurrency: 8 }
        );
        assert_eq!(
            (c.registry.fetch_timeout, c.registry.fetch.cache_dir),
            (Duration::from_secs(3), Some(PathBuf::from("/var/cache/palisade/evidence")))
        );
    }

    #[test]
    fn a_broken_docker_config_stops_the_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, "{\"auths\": {\"r.example\": {\"auth\": \"not base64!\"}}}").unwrap();
        let err = parse(&format!("{HEAD}registry: {{ dockerConfig: {} }}\nprofiles:\n  - name: a\n", path.display()))
            .unwrap_err();
        assert_eq!(
            err,
            format!(
                "invalid webhook configuration c.yaml: registry: docker config {}: auths.r.example.auth is not \
                 base64: Invalid symbol 32, offset 3.",
                path.display()
            )
        );
    }
}
