//! Public keys (PEM / SPKI DER) and signature checks: ECDSA P-256/P-384, Ed25519, RSA PKCS#1 v1.5.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP_256_R_1, SECP_384_R_1};
use der::Decode as _;
use ecdsa::signature::hazmat::PrehashVerifier as _;
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoRef;

/// `id-Ed25519` (RFC 8410).
pub const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// RSA keys smaller than this are refused.
pub const MIN_RSA_BITS: usize = 2048;

/// A verifying key.
#[derive(Debug, Clone)]
pub enum PublicKey {
    /// ECDSA on NIST P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA on NIST P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// RSA.
    Rsa(rsa::RsaPublicKey),
}

/// Digest a signature is made over (the message is hashed with it first, except for Ed25519).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(message).to_vec(),
            Hash::Sha384 => Sha384::digest(message).to_vec(),
            Hash::Sha512 => Sha512::digest(message).to_vec(),
        }
    }
}

impl PublicKey {
    /// A `-----BEGIN PUBLIC KEY-----` PEM block (SPKI).
    ///
    /// # Errors
    /// Not PEM, not a public key, or an unsupported algorithm.
    pub fn from_pem(text: &[u8]) -> Result<Self, String> {
        let (label, der) = pem_decode(text)?;
        if label != "PUBLIC KEY" {
            return Err(format!("PEM block is `{label}`, not `PUBLIC KEY`"));
        }
        Self::from_spki(&der)
    }

    /// DER `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    /// Malformed DER or an unsupported algorithm.
    pub fn from_spki(der: &[u8]) -> Result<Self, String> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| format!("not a DER public key: {e}"))?;
        let bits = spki.subject_public_key.as_bytes().ok_or("public key bit string has unused bits")?;
        let oid = spki.algorithm.oid;
        if oid == ID_EC_PUBLIC_KEY {
            let curve: ObjectIdentifier =
                spki.algorithm.parameters_oid().map_err(|_| "ECDSA public key does not name its curve".to_string())?;
            if curve == SECP_256_R_1 {
                return p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                    .map(PublicKey::P256)
                    .map_err(|_| "invalid P-256 public key point".into());
            }
            if curve == SECP_384_R_1 {
                return p384::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                    .map(PublicKey::P384)
                    .map_err(|_| "invalid P-384 public key point".into());
            }
            return Err(format!("unsupported ECDSA curve {curve} (accepted: P-256, P-384)"));
        }
        if oid == ED25519 {
            let bytes: [u8; 32] = bits.try_into().map_err(|_| "Ed25519 public key is not 32 bytes")?;
            return ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .map(PublicKey::Ed25519)
                .map_err(|_| "invalid Ed25519 public key".into());
        }
        if oid == RSA_ENCRYPTION {
            let key = rsa::RsaPublicKey::from_pkcs1_der(bits).map_err(|e| format!("invalid RSA public key: {e}"))?;
            if key.size() * 8 < MIN_RSA_BITS {
                return Err(format!(
                    "RSA-{} key is too weak (at least RSA-{MIN_RSA_BITS} is required)",
                    key.size() * 8
                ));
            }
            return Ok(PublicKey::Rsa(key));
        }
        Err(format!("unsupported public key algorithm {oid}"))
    }

    /// `ECDSA P-256`, `Ed25519`, `RSA-3072`.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            PublicKey::P256(_) => "ECDSA P-256".into(),
            PublicKey::P384(_) => "ECDSA P-384".into(),
            PublicKey::Ed25519(_) => "Ed25519".into(),
            PublicKey::Rsa(k) => format!("RSA-{}", k.size() * 8),
        }
    }

    /// The digest cosign uses with this key for artifacts: SHA-384 for P-384, SHA-256 otherwise
    /// (Ed25519 signs the message itself).
    #[must_use]
    pub fn default_hash(&self) -> Hash {
        match self {
            PublicKey::P384(_) => Hash::Sha384,
            _ => Hash::Sha256,
        }
    }

    /// Verify `signature` over `message` as cosign signs artifacts with this key.
    ///
    /// # Errors
    /// The signature does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), String> {
        self.verify_with(self.default_hash(), message, signature)
    }

    /// Verify with an explicit digest (X.509 signatures name theirs). ECDSA signatures are DER.
    ///
    /// # Errors
    /// The signature does not verify or is malformed.
    pub fn verify_with(&self, hash: Hash, message: &[u8], signature: &[u8]) -> Result<(), String> {
        let bad = || "signature does not verify".to_string();
        match self {
            PublicKey::P256(key) => {
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                key.verify_prehash(&hash.digest(message), &sig).map_err(|_| bad())
            }
            PublicKey::P384(key) => {
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
                key.verify_prehash(&hash.digest(message), &sig).map_err(|_| bad())
            }
            PublicKey::Ed25519(key) => {
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| bad())?;
                key.verify_strict(message, &sig).map_err(|_| bad())
            }
            PublicKey::Rsa(key) => {
                let scheme = match hash {
                    Hash::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                    Hash::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                    Hash::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
                };
                key.verify(scheme, &hash.digest(message), signature).map_err(|_| bad())
            }
        }
    }
}

/// Decode one PEM block: (label, DER). Text around the block is refused.
///
/// # Errors
/// Not exactly one well-formed PEM block.
pub fn pem_decode(text: &[u8]) -> Result<(String, Vec<u8>), String> {
    let blocks = pem_decode_all(text)?;
    match <[_; 1]>::try_from(blocks) {
        Ok([block]) => Ok(block),
        Err(blocks) => Err(format!("expected one PEM block, found {}", blocks.len())),
    }
}

/// Decode a sequence of PEM blocks (a certificate chain). Only whitespace may surround them.
///
/// # Errors
/// Malformed framing or base64.
pub fn pem_decode_all(text: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let text = std::str::from_utf8(text).map_err(|_| "PEM is not UTF-8 text".to_string())?;
    let mut out = Vec::new();
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    while let Some(line) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let label = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
            .ok_or_else(|| "text outside a PEM block".to_string())?;
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        loop {
            let line = lines.next().ok_or_else(|| format!("PEM block `{label}` has no end line"))?;
            if line == end {
                break;
            }
            body.push_str(line.trim());
        }
        let der = base64_decode(&body).map_err(|_| format!("PEM block `{label}` is not valid base64"))?;
        out.push((label.to_string(), der));
    }
    if out.is_empty() {
        return Err("no PEM block".into());
    }
    Ok(out)
}

/// Standard base64 with padding.
///
/// # Errors
/// Not base64.
pub fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text)
}

/// Standard base64 with padding.
#[must_use]
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
