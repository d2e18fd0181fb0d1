//! Verification of one chart against its provenance, in this order (the first failure is the
//! reason reported):
//!
//! 1. framing of the clear-signed message ([`crate::cleartext`]);
//! 2. the `Hash:` header names only strong digests;
//! 3. each signature: canonical text type, strong hash algorithm declared in the header, made by a
//!    key in the keyring that is strong enough, cryptographically valid, naming no other issuer,
//!    dated no later than `now`, not expired, made by a key that is bound, signing-capable,
//!    unrevoked and unexpired at signing time and `now`;
//! 4. the signed body ([`crate::body`]) names the chart file, with an accepted digest that matches;
//! 5. the chart file name is `<name>-<version>.tgz` of the signed metadata.

use std::fmt::Write as _;

use pgp::composed::{Deserializable, DetachedSignature};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{Signature, SignatureType};
use sha2::{Digest as _, Sha256, Sha512};

use crate::body::{self, Digest};
use crate::cleartext;
use crate::keyring::{self, Keyring};
use crate::settings::Settings;
use crate::time::rfc3339;

/// Signature digests accepted, by their `Hash:` header names.
const STRONG: &[(HashAlgorithm, &str)] = &[
    (HashAlgorithm::Sha256, "SHA256"),
    (HashAlgorithm::Sha384, "SHA384"),
    (HashAlgorithm::Sha512, "SHA512"),
    (HashAlgorithm::Sha3_256, "SHA3-256"),
    (HashAlgorithm::Sha3_512, "SHA3-512"),
];

/// A verified chart, in Helm's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// User ID of the signing certificate.
    pub signed_by: String,
    /// Primary key fingerprint.
    pub fingerprint: String,
    /// Signing subkey fingerprint, when a subkey signed.
    pub subkey: Option<String>,
    /// `sha256:<hex>` (or sha512) of the chart, as the provenance states and the bytes match.
    pub digest: String,
}

impl Verified {
    /// Helm's `helm verify` output, one `Key: value` per line.
    #[must_use]
    pub fn message(&self) -> String {
        let mut out = format!("Signed by: {}\nUsing Key With Fingerprint: {}\n", self.signed_by, self.fingerprint);
        if let Some(sub) = &self.subkey {
            let _ = writeln!(out, "Using Subkey With Fingerprint: {sub}");
        }
        let _ = write!(out, "Chart Hash Verified: {}", self.digest);
        out
    }
}

/// One chart to verify.
#[derive(Debug, Clone, Copy)]
pub struct Chart<'a> {
    /// File name, `<name>-<version>.tgz`.
    pub file_name: &'a str,
    /// The `.tgz` bytes.
    pub bytes: &'a [u8],
    /// The `.prov` bytes.
    pub provenance: &'a [u8],
}

/// Verify a chart's provenance.
///
/// # Errors
/// The reason the chart is not verified.
pub fn verify(chart: &Chart<'_>, keyring: &Keyring, settings: &Settings, now: u64) -> Result<Verified, String> {
    let message = cleartext::parse(chart.provenance)?;
    let declared = declared_hashes(&message.hashes)?;
    let signatures = decode_signatures(&message.signature)?;
    let mut signer = None;
    for (i, sig) in signatures.iter().enumerate() {
        let prefix =
            if signatures.len() > 1 { format!("signature {} of {}: ", i + 1, signatures.len()) } else { String::new() };
        let verified = check_signature(sig, &declared, &message.text, keyring, now).map_err(|e| prefix + &e)?;
        signer.get_or_insert(verified);
    }
    let (signed_by, fingerprint, subkey) = signer.ok_or("provenance signature block holds no signature")?;
    let body = body::parse(&message.text)?;
    let digest = check_digest(chart, &body.files, settings)?;
    let expected = format!("{}-{}.tgz", body.name, body.version);
    if chart.file_name != expected {
        return Err(format!(
            "chart file name {} does not match the signed chart metadata (name {}, version {}: expected {expected})",
            chart.file_name, body.name, body.version
        ));
    }
    Ok(Verified { signed_by, fingerprint, subkey, digest: digest.to_string() })
}

/// `Hash:` header values, each a strong digest.
fn declared_hashes(names: &[String]) -> Result<Vec<HashAlgorithm>, String> {
    names
        .iter()
        .map(|name| {
            STRONG.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)).map(|(alg, _)| *alg).ok_or_else(|| {
                format!("provenance declares hash `{name}` in its `Hash:` header; accepted: {}", accepted())
            })
        })
        .collect()
}

fn accepted() -> String {
    STRONG.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
}

fn decode_signatures(block: &str) -> Result<Vec<Signature>, String> {
    // rPGP's messages quote the whole input; the framing was checked already, so name the layer.
    let bad =
        |_: pgp::errors::Error| "provenance signature block does not decode to OpenPGP signature packets".to_string();
    let (sigs, _) = DetachedSignature::from_armor_many(block.as_bytes()).map_err(bad)?;
    let sigs = sigs.map(|s| s.map(|d| d.signature).map_err(bad)).collect::<Result<Vec<_>, _>>()?;
    if sigs.is_empty() {
        return Err("provenance signature block holds no signature".into());
    }
    Ok(sigs)
}

/// One signature; returns (user id, primary fingerprint, subkey fingerprint).
fn check_signature(
    sig: &Signature,
    declared: &[HashAlgorithm],
    text: &str,
    keyring: &Keyring,
    now: u64,
) -> Result<(String, String, Option<String>), String> {
    if sig.typ() != Some(SignatureType::Text) {
        return Err(format!(
            "signature is of type {}, not a canonical text signature (0x01) as a clear-signed message requires",
            sig.typ().map_or_else(|| "unknown".into(), |t| format!("{t:?} (0x{:02x})", u8::from(t)))
        ));
    }
    let Some(hash) = sig.hash_alg() else { return Err("signature has an unknown format".into()) };
    if !STRONG.iter().any(|(alg, _)| *alg == hash) {
        return Err(format!("signature uses weak or unsupported hash algorithm {hash}; accepted: {}", accepted()));
    }
    if !declared.is_empty() && !declared.contains(&hash) {
        return Err(format!("signature hash algorithm {hash} is not declared in the provenance's `Hash:` header"));
    }
    let signer = keyring
        .find(sig)
        .ok_or_else(|| format!("signature was made by key {}, which is not in the keyring", keyring::issuer(sig)))?;
    signer.check_strength()?;
    signer.verify(sig, text.as_bytes())?;
    signer.check_issuers(sig)?;
    let created = sig.created().map(|t| u64::from(t.as_secs())).ok_or("signature has no creation time")?;
    if created > now {
        return Err(format!(
            "signature was made at {}, after the verification time {}",
            rfc3339(created),
            rfc3339(now)
        ));
    }
    let lifetime = sig.signature_expiration_time().map_or(0, |d| u64::from(d.as_secs()));
    if lifetime > 0 && now >= created + lifetime {
        return Err(format!(
            "signature expired at {} (verification time {})",
            rfc3339(created + lifetime),
            rfc3339(now)
        ));
    }
    signer.check_validity(created, now)?;
    let subkey = signer.subkey.map(|_| signer.signing_fingerprint());
    Ok((signer.user_id(), signer.primary_fingerprint(), subkey))
}

/// The `files:` entry for the chart: accepted algorithm, matching the bytes.
fn check_digest<'a>(
    chart: &Chart<'_>,
    files: &'a [(String, Digest)],
    settings: &Settings,
) -> Result<&'a Digest, String> {
    let Some((_, digest)) = files.iter().find(|(name, _)| name == chart.file_name) else {
        let named: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        return Err(format!(
            "provenance does not contain a digest for a file named {} (it names {})",
            chart.file_name,
            named.join(", ")
        ));
    };
    if !settings.allowed_hashes.contains(&digest.algorithm) {
        return Err(format!(
            "provenance gives a {} digest for {}; accepted: {}",
            digest.algorithm,
            chart.file_name,
            settings.allowed_hashes.join(", ")
        ));
    }
    let actual = match digest.algorithm.as_str() {
        "sha256" => hex(&Sha256::digest(chart.bytes)),
        _ => hex(&Sha512::digest(chart.bytes)),
    };
    if !digest.hex.eq_ignore_ascii_case(&actual) {
        return Err(format!(
            "{} digest of {} does not match the provenance: provenance has {digest}, chart has {}:{actual}",
            digest.algorithm, chart.file_name, digest.algorithm
        ));
    }
    Ok(digest)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    //! Zero false allows under mutation: every one-byte change or deletion of a valid provenance
    //! must fail (with a reason, never a panic), and the untouched one must verify.
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/helm-prov/");
        std::fs::read(format!("{dir}{path}")).unwrap()
    }

    #[test]
    fn no_single_byte_mutation_verifies() {
        let chart = fixture("eddsa-subkey-gpg/demo-0.1.0.tgz");
        let prov = fixture("eddsa-subkey-gpg/demo-0.1.0.tgz.prov");
        let mut keyring = Keyring::default();
        keyring.add("eddsa", &fixture("eddsa/pubring.gpg")).unwrap();
        let settings = Settings::default();
        let now = 1_795_910_400; // 2026-11-28
        let check = |provenance: &[u8]| {
            verify(&Chart { file_name: "demo-0.1.0.tgz", bytes: &chart, provenance }, &keyring, &settings, now)
        };
        assert!(check(&prov).is_ok());
        let end = prov.len() - 1; // the final line break belongs to no line
        let text = std::str::from_utf8(&prov).unwrap();
        let data_start = text.find("-----BEGIN PGP SIGNATURE-----\n\n").unwrap() + 31;
        let data_end = text.rfind("\n=").unwrap();
        let base64 = data_start..data_end;
        // RFC 9580 §6.1: a CRC24 footer that disagrees MUST NOT cause a rejection.
        let crc = data_end + 2..data_end + 6;
        for i in (0..end).filter(|i| !crc.contains(i)) {
            let mut flipped = prov.clone();
            flipped[i] ^= 0x01;
            assert!(check(&flipped).is_err(), "byte {i} flipped still verifies");
            // Joining two base64 lines re-wraps the armor without changing a decoded byte.
            if prov[i] == b'\n' && (base64.contains(&i)) {
                continue;
            }
            let mut deleted = prov.clone();
            deleted.remove(i);
            assert!(check(&deleted).is_err(), "byte {i} deleted still verifies");
        }
    }
}
