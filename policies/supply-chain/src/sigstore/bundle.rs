//! Sigstore bundle JSON, v0.1 to v0.3 (message signatures; DSSE attestations are refused).

use serde_json::Value;

use super::keys::base64_decode;
use super::tlog::Entry;

/// Bundle versions by media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`.
    V01,
    /// `...;version=0.2`.
    V02,
    /// `application/vnd.dev.sigstore.bundle.v0.3+json` (or `+json;version=0.3`).
    V03,
}

/// What signed: a certificate (keyless), or a key the verifier supplies (`publicKey.hint`).
#[derive(Debug, Clone)]
pub enum Material {
    /// Signing certificate DER (the leaf; intermediates in a v0.1/v0.2 chain are ignored: trust
    /// comes from the trusted root only).
    Certificate(Vec<u8>),
    /// A public key identified by a hint.
    PublicKey(String),
}

/// A parsed bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Version.
    pub version: Version,
    /// Verification material.
    pub material: Material,
    /// Transparency log entries.
    pub entries: Vec<Entry>,
    /// `messageSignature.messageDigest` (algorithm, digest), if given.
    pub digest: Option<(String, Vec<u8>)>,
    /// `messageSignature.signature`.
    pub signature: Vec<u8>,
}

impl Bundle {
    /// Parse bundle JSON.
    ///
    /// # Errors
    /// Not a bundle, an unknown version, missing or malformed fields.
    pub fn parse(json: &[u8]) -> Result<Self, String> {
        let v: Value = serde_json::from_slice(json).map_err(|e| format!("bundle is not JSON: {e}"))?;
        let media = v.get("mediaType").and_then(Value::as_str).ok_or("bundle has no mediaType")?;
        let version = match media {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => Version::V01,
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => Version::V02,
            "application/vnd.dev.sigstore.bundle.v0.3+json"
            | "application/vnd.dev.sigstore.bundle+json;version=0.3" => Version::V03,
            other => return Err(format!("unsupported bundle media type `{other}`")),
        };
        let vm = v.get("verificationMaterial").ok_or("bundle has no verificationMaterial")?;
        let raw = |p: &str| -> Result<Option<Vec<u8>>, String> {
            vm.pointer(p)
                .map(|s| {
                    s.as_str().and_then(|s| base64_decode(s).ok()).ok_or_else(|| format!("bundle {p} is not base64"))
                })
                .transpose()
        };
        let material = if let Some(cert) = raw("/certificate/rawBytes")? {
            Material::Certificate(cert)
        } else if let Some(cert) = raw("/x509CertificateChain/certificates/0/rawBytes")? {
            if version == Version::V03 {
                return Err("bundle v0.3 must carry `certificate`, not `x509CertificateChain`".into());
            }
            Material::Certificate(cert)
        } else if let Some(hint) = vm.pointer("/publicKey/hint").and_then(Value::as_str) {
            Material::PublicKey(hint.to_string())
        } else if vm.get("publicKey").is_some() {
            Material::PublicKey(String::new())
        } else {
            return Err("bundle has no certificate or public key".into());
        };
        let entries = vm
            .get("tlogEntries")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .enumerate()
            .map(|(i, e)| Entry::parse(e).map_err(|err| format!("bundle tlogEntries[{i}]: {err}")))
            .collect::<Result<Vec<_>, _>>()?;
        if v.get("dsseEnvelope").is_some() {
            return Err("bundle holds a DSSE envelope (an attestation), not a message signature".into());
        }
        let ms = v.get("messageSignature").ok_or("bundle has no messageSignature")?;
        let signature = ms
            .get("signature")
            .and_then(Value::as_str)
            .and_then(|s| base64_decode(s).ok())
            .filter(|s| !s.is_empty())
            .ok_or("bundle messageSignature.signature is missing or not base64")?;
        let digest = ms
            .get("messageDigest")
            .map(|d| -> Result<(String, Vec<u8>), String> {
                let alg = d.get("algorithm").and_then(Value::as_str).unwrap_or("").to_string();
                let bytes = d
                    .get("digest")
                    .and_then(Value::as_str)
                    .and_then(|s| base64_decode(s).ok())
                    .ok_or("bundle messageDigest.digest is not base64")?;
                Ok((alg, bytes))
            })
            .transpose()?;
        Ok(Bundle { version, material, entries, digest, signature })
    }
}
