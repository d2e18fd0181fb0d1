//! `trusted_root.json` (Sigstore `TrustedRoot`, media type
//! `application/vnd.dev.sigstore.trustedroot+json;version=0.1`): certificate authorities and
//! transparency logs the user trusts.

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::cert::{Authority, Certificate};
use super::keys::{PublicKey, base64_decode};

/// A transparency log (Rekor) the user trusts.
#[derive(Debug, Clone)]
pub struct Log {
    /// `baseUrl`.
    pub url: String,
    /// Log id: SHA-256 of the key's DER SPKI.
    pub id: [u8; 32],
    /// The key.
    pub key: PublicKey,
    /// `validFor.start`, Unix seconds.
    pub start: u64,
    /// `validFor.end`.
    pub end: Option<u64>,
}

/// Trust material of one `trusted_root.json`.
#[derive(Debug, Clone, Default)]
pub struct TrustedRoot {
    /// Fulcio-like certificate authorities.
    pub authorities: Vec<Authority>,
    /// Rekor-like logs.
    pub logs: Vec<Log>,
}

impl TrustedRoot {
    /// Parse a trusted root and merge it into `self`.
    ///
    /// # Errors
    /// Malformed JSON, an unknown media type, bad keys or certificates, or a log id that is not
    /// the SHA-256 of its key.
    pub fn add(&mut self, name: &str, json: &[u8]) -> Result<(), String> {
        let fail = |e: String| format!("trusted root {name}: {e}");
        let root: Value = serde_json::from_slice(json).map_err(|e| fail(format!("not JSON: {e}")))?;
        let media = root.get("mediaType").and_then(Value::as_str).unwrap_or("");
        if !media.starts_with("application/vnd.dev.sigstore.trustedroot") {
            return Err(fail(format!("media type is `{media}`, not application/vnd.dev.sigstore.trustedroot+json")));
        }
        for (i, log) in list(&root, "tlogs").iter().enumerate() {
            self.logs.push(parse_log(log).map_err(|e| fail(format!("tlogs[{i}]: {e}")))?);
        }
        for (i, ca) in list(&root, "certificateAuthorities").iter().enumerate() {
            self.authorities.push(parse_authority(ca).map_err(|e| fail(format!("certificateAuthorities[{i}]: {e}")))?);
        }
        Ok(())
    }

    /// The log with this id.
    #[must_use]
    pub fn log(&self, id: &[u8]) -> Option<&Log> {
        self.logs.iter().find(|l| l.id == id)
    }
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn b64_field(v: &Value, path: &str) -> Result<Vec<u8>, String> {
    let s = v.pointer(path).and_then(Value::as_str).ok_or_else(|| format!("missing {path}"))?;
    base64_decode(s).map_err(|_| format!("{path} is not base64"))
}

fn window(v: &Value) -> Result<(u64, Option<u64>), String> {
    let time = |p: &str| -> Result<Option<u64>, String> {
        v.pointer(p)
            .map(|t| {
                let s = t.as_str().ok_or_else(|| format!("{p} is not a string"))?;
                let secs = palisade_core::time::parse_time(s)?;
                u64::try_from(secs).map_err(|_| format!("{p} is before 1970"))
            })
            .transpose()
    };
    let start = time("/start")?.ok_or("validFor.start is missing")?;
    Ok((start, time("/end")?))
}

fn parse_log(log: &Value) -> Result<Log, String> {
    let der = b64_field(log, "/publicKey/rawBytes")?;
    let key = PublicKey::from_spki(&der)?;
    let id = b64_field(log, "/logId/keyId")?;
    let digest: [u8; 32] = Sha256::digest(&der).into();
    if id != digest {
        return Err("logId.keyId is not the SHA-256 of the log's public key".into());
    }
    let (start, end) = window(log.pointer("/publicKey/validFor").ok_or("publicKey.validFor is missing")?)?;
    let url = log.get("baseUrl").and_then(Value::as_str).unwrap_or("").to_string();
    Ok(Log { url, id: digest, key, start, end })
}

fn parse_authority(ca: &Value) -> Result<Authority, String> {
    let chain = ca
        .pointer("/certChain/certificates")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|c| Certificate::from_der(&b64_field(c, "/rawBytes")?))
        .collect::<Result<Vec<_>, _>>()?;
    if chain.is_empty() {
        return Err("certChain holds no certificate".into());
    }
    let (start, end) = window(ca.get("validFor").ok_or("validFor is missing")?)?;
    let name = ca
        .get("uri")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .map_or_else(|| chain[0].subject(), str::to_string);
    Ok(Authority { name, chain, start, end })
}
