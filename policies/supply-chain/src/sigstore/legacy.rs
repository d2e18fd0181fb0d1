//! The legacy cosign layout: a `sha256-<digest>.sig` manifest whose layers are simple-signing
//! payloads, with the signature, certificate and Rekor bundle in layer annotations. A layer is
//! turned into a v0.1 bundle over the payload (the Rekor bundle annotation becomes a log entry
//! with its SET) and verified like one; the payload must name the image's manifest digest.

use palisade_policy_sdk::{Evidence, Value, json};

use super::keys::{base64_decode, base64_encode, pem_decode_all};
use super::{Trust, Verified, verify_bundle, verify_detached};

/// Annotation holding the base64 signature over the payload.
pub const SIGNATURE: &str = "dev.cosignproject.cosign/signature";
/// Annotation holding the PEM signing certificate (keyless).
pub const CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
/// Annotation holding the Rekor bundle (`SignedEntryTimestamp` + `Payload`).
pub const BUNDLE: &str = "dev.sigstore.cosign/bundle";
/// `critical.type` of a simple-signing payload.
pub const PAYLOAD_TYPE: &str = "cosign container image signature";

/// Verify one legacy signature layer for the manifest with digest `digest` (`sha256:<hex>`).
///
/// # Errors
/// The reason it does not verify.
pub fn verify(layer: &Evidence, digest: &str, trust: &Trust<'_>) -> Result<Verified, String> {
    let annotation = |k: &str| layer.annotations.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    check_payload(&layer.data, digest)?;
    let signature =
        annotation(SIGNATURE).ok_or_else(|| format!("cosign signature layer has no {SIGNATURE} annotation"))?;
    let sig =
        base64_decode(signature.trim()).map_err(|_| format!("cosign signature layer: {SIGNATURE} is not base64"))?;
    let rekor = annotation(BUNDLE).map(log_entry).transpose()?;
    let certificate = annotation(CERTIFICATE).filter(|c| !c.trim().is_empty());
    let material = if trust.keys.is_empty() {
        let pem = certificate.ok_or("signature is key-based (no certificate), but the attestor is keyless")?;
        let blocks =
            pem_decode_all(pem.as_bytes()).map_err(|e| format!("cosign signature layer: {CERTIFICATE}: {e}"))?;
        let (_, der) = blocks.into_iter().next().ok_or("cosign signature layer: empty certificate")?;
        json!({"x509CertificateChain": {"certificates": [{"rawBytes": base64_encode(&der)}]}})
    } else {
        // A key attestor: the signature must verify with the key, whatever certificate is attached.
        if certificate.is_some() || trust.root.is_none() || rekor.is_none() {
            // Without a log entry for this key: the signature alone, as `cosign verify --insecure-ignore-tlog`.
            return verify_detached(&layer.data, base64_encode(&sig).as_bytes(), trust.keys);
        }
        json!({"publicKey": {"hint": ""}})
    };
    let mut vm = material;
    vm["tlogEntries"] = json!(rekor.into_iter().collect::<Vec<_>>());
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": vm,
        "messageSignature": {"signature": base64_encode(&sig)},
    });
    verify_bundle(&layer.data, bundle.to_string().as_bytes(), trust)
}

/// The simple-signing payload names this manifest digest.
fn check_payload(payload: &[u8], digest: &str) -> Result<(), String> {
    let v: Value = serde_json::from_slice(payload).map_err(|_| "cosign signature payload is not JSON".to_string())?;
    let typ = v.pointer("/critical/type").and_then(Value::as_str).unwrap_or("");
    if typ != PAYLOAD_TYPE {
        return Err(format!("cosign signature payload has type `{typ}`, not `{PAYLOAD_TYPE}`"));
    }
    let signed = v.pointer("/critical/image/docker-manifest-digest").and_then(Value::as_str).unwrap_or("");
    if signed != digest {
        return Err(format!("cosign signature payload signs {signed}, not this image's {digest}"));
    }
    Ok(())
}

/// Rekor bundle annotation → a bundle `tlogEntries[]` element.
fn log_entry(annotation: &str) -> Result<Value, String> {
    let bad = |why: &str| format!("cosign signature layer: {BUNDLE} annotation {why}");
    let v: Value = serde_json::from_str(annotation).map_err(|_| bad("is not JSON"))?;
    let p = v.get("Payload").ok_or_else(|| bad("has no Payload"))?;
    let log_id = p.get("logID").and_then(Value::as_str).ok_or_else(|| bad("has no logID"))?;
    let id = (0..log_id.len())
        .step_by(2)
        .map(|i| log_id.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| bad("has a logID that is not hex"))?;
    let int = |k: &str| p.get(k).and_then(Value::as_u64).ok_or_else(|| bad(&format!("has no integer {k}")));
    Ok(json!({
        "logIndex": int("logIndex")?.to_string(),
        "logId": {"keyId": base64_encode(&id)},
        "integratedTime": int("integratedTime")?.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": v.get("SignedEntryTimestamp").and_then(Value::as_str).ok_or_else(|| bad("has no SignedEntryTimestamp"))?},
        "canonicalizedBody": p.get("body").and_then(Value::as_str).ok_or_else(|| bad("has no body"))?,
    }))
}
