//! Image signature rules over rendered manifests, shaped like Kyverno `verifyImages`.

use palisade_policy_sdk::{Evidence, EvidenceRequest, Finding, Input, Resource, RuleDef, Value, json, workload};
use sha2::{Digest as _, Sha256};

use crate::blob::{TrustMaterial, trust_material};
use crate::settings::{Keyless, Settings};
use crate::sigstore::tlog::hex;
use crate::sigstore::{self, NamedKey, Trust, legacy};
use crate::{
    IMAGE_DIGEST, IMAGE_DIGEST_PINNED, IMAGE_SIGNATURE, IMAGE_SIGNER, KIND_BUNDLE, KIND_COSIGN_SIGNATURE,
    KIND_OCI_MANIFEST, KIND_OCI_SIGNATURES,
};

/// One `verifyImages[]` rule.
#[derive(Debug, Clone)]
pub struct ImageRule {
    /// Image reference globs (`*` matches any run of characters, `?` one character).
    pub references: Vec<String>,
    /// Attestor sets; every set must be satisfied.
    pub attestors: Vec<Attestor>,
    /// An unsigned image is a finding.
    pub required: bool,
    /// The image must be pinned by digest.
    pub verify_digest: bool,
    /// Report the resolved digest with a JSON patch that pins it.
    pub mutate_digest: bool,
}

/// `attestors[]`: at least `count` of `entries` must verify (all when `count` is absent).
#[derive(Debug, Clone)]
pub struct Attestor {
    /// Required number of verified entries.
    pub count: Option<usize>,
    /// The entries.
    pub entries: Vec<AttestorEntry>,
}

/// One attestor entry.
#[derive(Debug, Clone)]
pub enum AttestorEntry {
    /// A public key, inline PEM.
    Key(NamedKey),
    /// A public key given as `cosign-public-key` evidence with this subject.
    KeyRef(String),
    /// A keyless identity.
    Keyless(Keyless),
}

impl ImageRule {
    /// Parse one rule (already validated against the schema; re-checked).
    ///
    /// # Errors
    /// Wrong shapes, bad PEM keys, bad regular expressions.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let references: Vec<String> = v
            .get("imageReferences")
            .and_then(Value::as_array)
            .ok_or("`imageReferences` must be a list")?
            .iter()
            .map(|r| {
                r.as_str().filter(|s| !s.is_empty()).map(str::to_string).ok_or("`imageReferences` holds a non-string")
            })
            .collect::<Result<_, _>>()?;
        if references.is_empty() {
            return Err("`imageReferences` must not be empty".into());
        }
        let flag = |key: &str| -> Result<bool, String> {
            v.get(key).map_or(Ok(true), |b| b.as_bool().ok_or_else(|| format!("`{key}` must be a boolean")))
        };
        // Without attestors any attached signature would pass unverified: refuse the rule.
        let attestors: Vec<Attestor> = v
            .get("attestors")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or("`attestors` must be a non-empty list")?
            .iter()
            .enumerate()
            .map(|(i, a)| Attestor::parse(a).map_err(|e| format!("attestors[{i}]: {e}")))
            .collect::<Result<_, _>>()?;
        Ok(ImageRule {
            references,
            attestors,
            required: flag("required")?,
            verify_digest: flag("verifyDigest")?,
            mutate_digest: flag("mutateDigest")?,
        })
    }
}

impl Attestor {
    fn parse(v: &Value) -> Result<Self, String> {
        let entries: Vec<AttestorEntry> = v
            .get("entries")
            .and_then(Value::as_array)
            .ok_or("`entries` must be a list")?
            .iter()
            .enumerate()
            .map(|(i, e)| AttestorEntry::parse(e).map_err(|err| format!("entries[{i}]: {err}")))
            .collect::<Result<_, _>>()?;
        if entries.is_empty() {
            return Err("`entries` must not be empty".into());
        }
        let count = match v.get("count") {
            None => None,
            Some(c) => {
                let n = c.as_u64().filter(|n| *n >= 1).ok_or("`count` must be a positive integer")?;
                let n = usize::try_from(n).map_err(|_| "`count` is too large")?;
                if n > entries.len() {
                    return Err(format!("`count` {n} exceeds the {} entries", entries.len()));
                }
                Some(n)
            }
        };
        Ok(Attestor { count, entries })
    }

    /// Entries that must verify.
    #[must_use]
    pub fn required(&self) -> usize {
        self.count.unwrap_or(self.entries.len())
    }
}

impl AttestorEntry {
    fn parse(v: &Value) -> Result<Self, String> {
        match (v.get("keys"), v.get("keyless")) {
            (Some(k), None) => {
                match (k.get("publicKeys").and_then(Value::as_str), k.get("name").and_then(Value::as_str)) {
                    (Some(pem), None) => NamedKey::from_pem("keys.publicKeys", pem.as_bytes()).map(AttestorEntry::Key),
                    (None, Some(name)) => Ok(AttestorEntry::KeyRef(name.to_string())),
                    _ => Err("`keys` needs exactly one of `publicKeys` (PEM) or `name`".into()),
                }
            }
            (None, Some(k)) => Keyless::parse(k).map(AttestorEntry::Keyless).map_err(|e| format!("keyless: {e}")),
            _ => Err("an entry needs exactly one of `keys` or `keyless`".into()),
        }
    }
}

/// A container image found in a pod spec.
#[derive(Debug, Clone)]
pub struct Found {
    /// Resource index.
    pub resource: u32,
    /// JSON pointer to the `image` field.
    pub pointer: String,
    /// The image as written.
    pub image: String,
    /// Its normalized form, `registry/repository[:tag][@digest]`.
    pub normalized: String,
    /// `container "x"` etc.
    pub label: String,
}

/// Every container image of the rendered manifests.
#[must_use]
pub fn images(resources: &[Resource]) -> Vec<Found> {
    let mut out = Vec::new();
    for pod in workload::pod_specs(resources) {
        for c in pod.containers() {
            if let Some(image) = c.get("image").and_then(Value::as_str) {
                out.push(Found {
                    resource: pod.resource.index,
                    pointer: c.at(&["image"]),
                    image: image.to_string(),
                    normalized: normalize(image),
                    label: c.label(),
                });
            }
        }
    }
    out
}

/// Docker's normalization: `nginx` → `docker.io/library/nginx:latest`,
/// `ghcr.io/a/b@sha256:..` unchanged.
#[must_use]
pub fn normalize(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let first = name.split('/').next().unwrap_or("");
    let has_registry = name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut full = if has_registry {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    let last = full.rsplit('/').next().unwrap_or("");
    if !last.contains(':') && digest.is_none() {
        full.push_str(":latest");
    }
    if let Some(d) = digest {
        full.push('@');
        full.push_str(d);
    }
    full
}

/// The digest an image reference pins, if any.
#[must_use]
pub fn pinned_digest(image: &str) -> Option<&str> {
    image.split_once('@').map(|(_, d)| d)
}

/// Glob match: `*` any run of characters (including `/`), `?` one character.
#[must_use]
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl ImageRule {
    /// Whether this rule covers `found` (its reference as written or normalized).
    #[must_use]
    pub fn matches(&self, found: &Found) -> bool {
        self.references.iter().any(|r| glob(r, &found.image) || glob(r, &found.normalized))
    }
}

/// The evidence subject for an image: `oci://<normalized>`.
#[must_use]
pub fn subject(found: &Found) -> String {
    format!("oci://{}", found.normalized)
}

/// `oci-signatures` requests for every image a rule covers, once each.
#[must_use]
pub fn requests(resources: &[Resource], settings: &Settings) -> Vec<EvidenceRequest> {
    if settings.images.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<EvidenceRequest> = Vec::new();
    for found in images(resources) {
        if settings.images.iter().any(|r| r.matches(&found)) {
            let subject = subject(&found);
            if !out.iter().any(|r| r.subject == subject) {
                out.push(EvidenceRequest { subject, kind: KIND_OCI_SIGNATURES.into() });
            }
        }
    }
    out
}

/// Findings for every covered image.
///
/// # Errors
/// Input errors: a covered image without fetched manifest evidence, unusable trust material.
pub fn evaluate(input: &Input, settings: &Settings) -> Result<Vec<Finding>, String> {
    if settings.images.is_empty() {
        return Ok(Vec::new());
    }
    let material = trust_material(&input.evidence)?;
    let mut findings = Vec::new();
    for found in images(&input.resources) {
        let rules: Vec<&ImageRule> = settings.images.iter().filter(|r| r.matches(&found)).collect();
        if rules.is_empty() {
            continue;
        }
        let subject = subject(&found);
        let of =
            |kind: &str| input.evidence.iter().filter(|e| e.subject == subject && e.kind == kind).collect::<Vec<_>>();
        let manifest = match of(KIND_OCI_MANIFEST).as_slice() {
            [m] => *m,
            [] => {
                return Err(format!(
                    "image {}: no {KIND_OCI_MANIFEST} evidence for {subject} (was it fetched?)",
                    found.image
                ));
            }
            _ => {
                return Err(format!("image {}: more than one {KIND_OCI_MANIFEST} evidence for {subject}", found.image));
            }
        };
        let digest = format!("sha256:{}", hex(&Sha256::digest(&manifest.data)));
        let at = |rule: RuleDef, message: String| rule.finding(found.resource, found.pointer.clone(), message);
        if let Some(pinned) = pinned_digest(&found.image)
            && pinned != digest
        {
            findings.push(at(
                IMAGE_SIGNATURE,
                format!(
                    "{} image {}: the registry served a manifest with digest {digest}, not the pinned {pinned}",
                    found.label, found.image
                ),
            ));
            continue;
        }
        let signatures = Signatures {
            legacy: of(KIND_COSIGN_SIGNATURE),
            bundles: of(KIND_BUNDLE),
            manifest: &manifest.data,
            digest: &digest,
        };
        for rule in &rules {
            match judge(rule, &signatures, &material, input.now_unix)? {
                Err(reason) => {
                    findings.push(at(IMAGE_SIGNATURE, format!("{} image {}: {reason}", found.label, found.image)));
                }
                Ok(accepted) if !accepted.is_empty() && input.runs(IMAGE_SIGNER.id) => {
                    let lines: Vec<String> = accepted.iter().map(Accepted::message).collect();
                    findings.push(at(IMAGE_SIGNER, lines.join("\n")));
                }
                Ok(_) => {}
            }
        }
        let unpinned = pinned_digest(&found.image).is_none();
        if unpinned && rules.iter().any(|r| r.verify_digest) {
            findings.push(at(
                IMAGE_DIGEST_PINNED,
                format!("{} image {} is not pinned by digest (it resolves to {digest})", found.label, found.image),
            ));
        }
        if unpinned && rules.iter().any(|r| r.mutate_digest) {
            let pinned = format!("{}@{digest}", found.image);
            let patch = json!({"op": "replace", "path": found.pointer, "value": pinned});
            findings.push(at(
                IMAGE_DIGEST,
                format!("{} image {} resolves to {digest}\npatch: {patch}", found.label, found.image),
            ));
        }
    }
    Ok(findings)
}

/// Signatures attached to one image.
struct Signatures<'a> {
    legacy: Vec<&'a Evidence>,
    bundles: Vec<&'a Evidence>,
    manifest: &'a [u8],
    digest: &'a str,
}

/// A signature that satisfied an attestor entry: which one, and what it proved.
struct Accepted {
    /// `cosign signature sha256-<hex>.sig layer N` or `Sigstore bundle …`.
    which: String,
    verified: sigstore::Verified,
}

impl Accepted {
    /// `Signature: <which>`, then the signer's `Key: value` lines.
    fn message(&self) -> String {
        format!("Signature: {}\n{}", self.which, self.verified.signer_lines().trim_end())
    }
}

/// The signatures that satisfied the rule (empty: an unsigned image the rule does not require
/// to be signed), else the reason it is not satisfied. Outer `Err`: input error.
fn judge(
    rule: &ImageRule,
    sigs: &Signatures<'_>,
    material: &TrustMaterial,
    now: u64,
) -> Result<Result<Vec<Accepted>, String>, String> {
    if sigs.legacy.is_empty() && sigs.bundles.is_empty() {
        if rule.required {
            return Ok(Err("is not signed: no cosign signature or Sigstore bundle is attached".to_string()));
        }
        return Ok(Ok(Vec::new()));
    }
    let mut accepted = Vec::new();
    for (i, attestor) in rule.attestors.iter().enumerate() {
        let mut verified = 0;
        let mut reasons = Vec::new();
        for entry in &attestor.entries {
            match verify_entry(entry, sigs, material, now)? {
                Ok(a) => {
                    verified += 1;
                    accepted.push(a);
                }
                Err(reason) => reasons.push(reason),
            }
        }
        if verified < attestor.required() {
            let prefix = if rule.attestors.len() > 1 { format!("attestors[{i}]: ") } else { String::new() };
            return Ok(Err(format!(
                "{prefix}{verified} of the required {} attestors verified ({})",
                attestor.required(),
                reasons.join("; ")
            )));
        }
    }
    Ok(Ok(accepted))
}

/// The first attached signature that verifies for this attestor entry. Outer `Err`: input error.
fn verify_entry(
    entry: &AttestorEntry,
    sigs: &Signatures<'_>,
    material: &TrustMaterial,
    now: u64,
) -> Result<Result<Accepted, String>, String> {
    let (keys, identities, root) = match entry {
        AttestorEntry::Key(k) => (vec![k.clone()], Vec::new(), material.root(None)?),
        AttestorEntry::KeyRef(name) => {
            let k = material
                .keys
                .iter()
                .find(|k| &k.name == name)
                .ok_or_else(|| format!("public key `{name}` is not given"))?;
            (vec![k.clone()], Vec::new(), material.root(None)?)
        }
        AttestorEntry::Keyless(k) => {
            let root = material.root(k.trusted_root.as_deref())?;
            if root.is_none() {
                return Err("a keyless attestor needs a trusted root (sigstore-trusted-root evidence)".into());
            }
            (Vec::new(), vec![k.identity.clone()], root)
        }
    };
    let trust = Trust { keys: &keys, root: root.as_ref(), identities: &identities, now };
    let mut first = None;
    for (i, sig) in sigs.legacy.iter().enumerate() {
        match legacy::verify(sig, sigs.digest, &trust) {
            Ok(verified) => {
                let which = format!("cosign signature {}.sig layer {}", sigs.digest.replace(':', "-"), i + 1);
                return Ok(Ok(Accepted { which, verified }));
            }
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    for (i, bundle) in sigs.bundles.iter().enumerate() {
        match sigstore::verify_bundle(sigs.manifest, &bundle.data, &trust) {
            Ok(verified) => {
                let referrer = bundle.annotations.iter().find(|(k, _)| k == "referrer").map(|(_, v)| v.as_str());
                let which = match referrer {
                    Some(d) => format!("Sigstore bundle in referrer {d}"),
                    None => format!("Sigstore bundle {}", i + 1),
                };
                return Ok(Ok(Accepted { which, verified }));
            }
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    let who = match entry {
        AttestorEntry::Key(k) => format!("key {}", k.name),
        AttestorEntry::KeyRef(n) => format!("key {n}"),
        AttestorEntry::Keyless(k) => format!("keyless {} / {}", k.identity.subject, k.identity.issuer),
    };
    Ok(Err(format!("{who}: {}", first.unwrap_or_default())))
}

#[cfg(test)]
#[path = "images_tests.rs"]
mod tests;
