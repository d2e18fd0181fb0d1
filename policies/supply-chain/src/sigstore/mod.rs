//! cosign / Sigstore verification inside the sandbox, on `RustCrypto`, `x509-cert` and
//! `serde_json`.
//!
//! Why not `sigstore-verify`: it builds for `wasm32-unknown-unknown` with zero imports, but its
//! keyless path reads the wall clock (`jiff::Timestamp::now()` when checking a log entry's
//! integrated time), which panics on that target, and it would judge against the machine's clock
//! instead of the evaluation's `now`. The checks below follow it and cosign:
//!
//! - key-based: the signature verifies with one of the given keys (ECDSA P-256/SHA-256,
//!   P-384/SHA-384, Ed25519, RSA PKCS#1 v1.5/SHA-256, RSA-2048 or larger);
//! - bundles: the message digest matches the artifact, the signature verifies with the
//!   certificate's (or a given) key, a transparency-log entry of a trusted log describes exactly
//!   this artifact, signature and certificate, proven by a SET (v0.1) and by an inclusion proof
//!   with a signed checkpoint (v0.2, v0.3);
//! - keyless: the signing time is the integrated time vouched for by a SET, it is not after
//!   `now`, lies within the certificate's validity and the validity of every certificate of a
//!   trusted authority's chain (and of the authority itself); the certificate is a code-signing
//!   leaf; its single SAN identity and its OIDC issuer (1.3.6.1.4.1.57264.1.8, else .1.1) match an
//!   expected identity exactly or by a regular expression anchored at both ends.
//!
//! Not checked: SCTs (certificate transparency) and RFC 3161 timestamps; a bundle whose only
//! proof of time is an RFC 3161 timestamp is refused.

pub mod bundle;
pub mod cert;
pub mod keys;
pub mod legacy;
pub mod tlog;
pub mod trust;

use std::fmt::Write as _;

use sha2::{Digest as _, Sha256};

use bundle::{Bundle, Material, Version};
use cert::Certificate;
use keys::{PublicKey, base64_decode};
use tlog::{Expected, hex};
use trust::TrustedRoot;

use crate::time::rfc3339;

/// Matches a certificate field exactly, or by a regular expression anchored at both ends.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Equal to this string.
    Exact(String),
    /// Matches `^(?:source)$`.
    Regex {
        /// As the user wrote it.
        source: String,
        /// Compiled, anchored.
        regex: regex::Regex,
    },
}

impl Matcher {
    /// Compile `source` anchored at both ends.
    ///
    /// # Errors
    /// Not a valid regular expression.
    pub fn regex(source: &str) -> Result<Self, String> {
        let regex = regex::RegexBuilder::new(&format!("^(?:{source})$"))
            .size_limit(1 << 20)
            .build()
            .map_err(|e| format!("invalid regular expression `{source}`: {e}"))?;
        Ok(Matcher::Regex { source: source.to_string(), regex })
    }

    /// Whether `value` matches.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == value,
            Matcher::Regex { regex, .. } => regex.is_match(value),
        }
    }

    fn describe(&self) -> String {
        match self {
            Matcher::Exact(s) => format!("`{s}`"),
            Matcher::Regex { source, .. } => format!("regular expression `{source}`"),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Matcher::Exact(s) => f.write_str(s),
            Matcher::Regex { source, .. } => write!(f, "~{source}"),
        }
    }
}

/// An expected keyless signer.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The certificate's SAN (email or URI).
    pub subject: Matcher,
    /// The OIDC issuer.
    pub issuer: Matcher,
}

/// A trusted public key and its name.
#[derive(Debug, Clone)]
pub struct NamedKey {
    /// File name or settings name.
    pub name: String,
    /// The key.
    pub key: PublicKey,
    /// Its DER `SubjectPublicKeyInfo`, as given.
    pub spki: Vec<u8>,
}

impl NamedKey {
    /// A PEM public key file.
    ///
    /// # Errors
    /// Not a supported PEM public key.
    pub fn from_pem(name: &str, pem: &[u8]) -> Result<Self, String> {
        let (label, der) = keys::pem_decode(pem).map_err(|e| format!("public key {name}: {e}"))?;
        if label != "PUBLIC KEY" {
            return Err(format!("public key {name}: PEM block is `{label}`, not `PUBLIC KEY`"));
        }
        let key = PublicKey::from_spki(&der).map_err(|e| format!("public key {name}: {e}"))?;
        Ok(NamedKey { name: name.to_string(), key, spki: der })
    }
}

/// Who signed, once verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A given key.
    Key {
        /// Its name.
        name: String,
        /// `ECDSA P-256`, ...
        algorithm: String,
    },
    /// A certificate.
    Certificate {
        /// SAN identity.
        identity: String,
        /// OIDC issuer.
        issuer: String,
        /// The trusted authority.
        authority: String,
    },
}

/// A verified signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Signer.
    pub signer: Signer,
    /// Log index and integrated time (if any) of the verified log entry.
    pub log: Option<(u64, Option<u64>)>,
    /// `sha256:<hex>` of the artifact.
    pub digest: String,
}

impl Verified {
    /// `Key: value` lines (the `blob-signer` message): [`Verified::signer_lines`], then the digest.
    #[must_use]
    pub fn message(&self) -> String {
        let mut out = self.signer_lines();
        let _ = write!(out, "Digest: {}", self.digest);
        out
    }

    /// `Key: value` lines naming the signer and the log entry, each ending in a newline.
    #[must_use]
    pub fn signer_lines(&self) -> String {
        let mut out = match &self.signer {
            Signer::Key { name, algorithm } => format!("Verified with key: {name} ({algorithm})\n"),
            Signer::Certificate { identity, issuer, authority } => format!(
                "Certificate identity: {identity}\nCertificate OIDC issuer: {issuer}\nCertificate authority: {authority}\n"
            ),
        };
        if let Some((index, time)) = self.log {
            let _ = writeln!(out, "Transparency log index: {index}");
            if let Some(t) = time {
                let _ = writeln!(out, "Integrated time: {}", rfc3339(t));
            }
        }
        out
    }
}

/// Trust for one verification.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    /// Keys (key-based verification).
    pub keys: &'a [NamedKey],
    /// Trusted root (keyless, and logs for key-based bundles).
    pub root: Option<&'a TrustedRoot>,
    /// Expected keyless identities (any one suffices).
    pub identities: &'a [Identity],
    /// Verification time, Unix seconds.
    pub now: u64,
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// A detached cosign signature (base64 text as `cosign sign-blob` writes it, or raw bytes),
/// verified with the given keys. There is no log entry to check.
///
/// # Errors
/// The reason it does not verify.
pub fn verify_detached(artifact: &[u8], signature: &[u8], keys: &[NamedKey]) -> Result<Verified, String> {
    let text = std::str::from_utf8(signature).ok().map(str::trim).filter(|t| !t.is_empty());
    let sig = match text.map(base64_decode) {
        Some(Ok(bytes)) => bytes,
        Some(Err(_)) if signature.is_ascii() => return Err("signature file is neither base64 nor binary".into()),
        _ => signature.to_vec(),
    };
    if sig.is_empty() {
        return Err("signature is empty".into());
    }
    let key = verify_with_keys(artifact, &sig, keys)?;
    Ok(Verified {
        signer: Signer::Key { name: key.name.clone(), algorithm: key.key.describe() },
        log: None,
        digest: format!("sha256:{}", hex(&sha256(artifact))),
    })
}

fn verify_with_keys<'a>(artifact: &[u8], sig: &[u8], keys: &'a [NamedKey]) -> Result<&'a NamedKey, String> {
    keys.iter().find(|k| k.key.verify(artifact, sig).is_ok()).ok_or_else(|| match keys {
        [one] => format!("signature does not verify with key {}", one.name),
        _ => format!("signature does not verify with any of the {} keys", keys.len()),
    })
}

/// A Sigstore bundle over `artifact`.
///
/// # Errors
/// `Ok(Err(reason))` style is avoided: every failure is the reason it does not verify; a missing
/// trusted root or identity is reported the same way, so callers check their inputs first.
pub fn verify_bundle(artifact: &[u8], bundle_json: &[u8], trust: &Trust<'_>) -> Result<Verified, String> {
    let bundle = Bundle::parse(bundle_json)?;
    let digest = sha256(artifact);
    if let Some((alg, given)) = &bundle.digest {
        if alg != "SHA2_256" {
            return Err(format!("bundle message digest uses {alg}; only SHA2_256 is supported"));
        }
        if given.as_slice() != digest {
            return Err(format!(
                "artifact digest sha256:{} does not match the bundle's message digest sha256:{}",
                hex(&digest),
                hex(given)
            ));
        }
    }
    match &bundle.material {
        Material::Certificate(der) => verify_keyless(artifact, &bundle, der, trust),
        Material::PublicKey(_) => {
            let key = verify_with_keys(artifact, &bundle.signature, trust.keys)?;
            let log = verify_log(&bundle, &digest, &key.spki, trust)?;
            Ok(Verified {
                signer: Signer::Key { name: key.name.clone(), algorithm: key.key.describe() },
                log: Some((log.log_index, log.integrated_time)),
                digest: format!("sha256:{}", hex(&digest)),
            })
        }
    }
}

fn verify_log(
    bundle: &Bundle,
    digest: &[u8; 32],
    verifier_der: &[u8],
    trust: &Trust<'_>,
) -> Result<tlog::Proven, String> {
    let root = trust.root.ok_or("no trusted root to check the transparency log entry against")?;
    let expected = Expected { artifact_sha256: digest, signature: &bundle.signature, verifier_der };
    let mut first_error = None;
    for entry in &bundle.entries {
        match tlog::verify(entry, &expected, root, bundle.version >= Version::V02) {
            Ok(proven) => return Ok(proven),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| "bundle has no transparency log entry".into()))
}

fn verify_keyless(artifact: &[u8], bundle: &Bundle, der: &[u8], trust: &Trust<'_>) -> Result<Verified, String> {
    let root = trust.root.ok_or("no trusted root to verify the signing certificate against")?;
    let cert = Certificate::from_der(der)?;
    cert.key
        .verify(artifact, &bundle.signature)
        .map_err(|_| "signature does not verify with the signing certificate's key".to_string())?;
    let digest = sha256(artifact);
    let log = verify_log(bundle, &digest, der, trust)?;
    let time = log
        .integrated_time
        .ok_or("no verified signing time: the transparency log entry has no signed entry timestamp (SET)")?;
    if time > trust.now {
        return Err(format!("signing time {} is after the verification time {}", rfc3339(time), rfc3339(trust.now)));
    }
    let authority = cert::verify_chain(&cert, &root.authorities, time)?.to_string();
    let identity = cert.identity()?;
    let issuer = cert.oidc_issuer()?;
    check_identity(&identity, &issuer, trust.identities)?;
    Ok(Verified {
        signer: Signer::Certificate { identity, issuer, authority },
        log: Some((log.log_index, log.integrated_time)),
        digest: format!("sha256:{}", hex(&digest)),
    })
}

fn check_identity(identity: &str, issuer: &str, expected: &[Identity]) -> Result<(), String> {
    if expected.iter().any(|e| e.subject.matches(identity) && e.issuer.matches(issuer)) {
        return Ok(());
    }
    match expected {
        [] => Err("no certificate identity is expected, so no keyless signature can verify".into()),
        [one] if !one.subject.matches(identity) => {
            Err(format!("certificate identity `{identity}` does not match the expected {}", one.subject.describe()))
        }
        [one] => {
            Err(format!("certificate OIDC issuer `{issuer}` does not match the expected {}", one.issuer.describe()))
        }
        _ => Err(format!(
            "certificate identity `{identity}` from OIDC issuer `{issuer}` matches none of the {} expected identities",
            expected.len()
        )),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz_tests;
