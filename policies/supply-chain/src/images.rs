//! Image signature rules over rendered manifests, shaped like Kyverno `verifyImages`.

use palisade_policy_sdk::Value;

use crate::settings::Keyless;
use crate::sigstore::NamedKey;

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
            .map(|r| r.as_str().filter(|s| !s.is_empty()).map(str::to_string).ok_or("`imageReferences` holds a non-string"))
            .collect::<Result<_, _>>()?;
        if references.is_empty() {
            return Err("`imageReferences` must not be empty".into());
        }
        let flag = |key: &str| -> Result<bool, String> {
            v.get(key).map_or(Ok(true), |b| b.as_bool().ok_or_else(|| format!("`{key}` must be a boolean")))
        };
        let attestors = v
            .get("attestors")
            .map(|a| a.as_array().ok_or("`attestors` must be a list"))
            .transpose()?
            .map_or(&[][..], Vec::as_slice)
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
            (Some(k), None) => match (k.get("publicKeys").and_then(Value::as_str), k.get("name").and_then(Value::as_str)) {
                (Some(pem), None) => NamedKey::from_pem("keys.publicKeys", pem.as_bytes()).map(AttestorEntry::Key),
                (None, Some(name)) => Ok(AttestorEntry::KeyRef(name.to_string())),
                _ => Err("`keys` needs exactly one of `publicKeys` (PEM) or `name`".into()),
            },
            (None, Some(k)) => Keyless::parse(k).map(AttestorEntry::Keyless).map_err(|e| format!("keyless: {e}")),
            _ => Err("an entry needs exactly one of `keys` or `keyless`".into()),
        }
    }
}
