//! OpenPGP keyrings: parsing (binary or armored, several keys), finding the key that made a
//! signature, and judging whether that key may sign at a given time.
//!
//! Every self-signature, binding and revocation counted here is verified cryptographically; a
//! signature that does not verify is ignored, as if it were absent.

use std::fmt::Write as _;

use pgp::composed::{Deserializable, SignedPublicKey, SignedPublicSubKey};
use pgp::packet::{Signature, SignatureType, SubpacketData};
use pgp::types::{KeyDetails, PublicParams, Tag};

use crate::time::rfc3339;

/// Smallest RSA modulus accepted for a signing key.
const MIN_RSA_BITS: usize = 2048;

/// The keys trusted for verification.
#[derive(Debug, Default)]
pub struct Keyring {
    keys: Vec<SignedPublicKey>,
}

/// The key that made a signature: a certificate and, if a subkey signed, that subkey.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    /// The certificate (primary key and its bindings).
    pub cert: &'a SignedPublicKey,
    /// The signing subkey, when not the primary key.
    pub subkey: Option<&'a SignedPublicSubKey>,
}

impl Keyring {
    /// Add every key of one keyring file, binary (`gpg --export`) or ASCII-armored.
    ///
    /// # Errors
    /// The bytes are not an OpenPGP keyring; `origin` names them.
    pub fn add(&mut self, origin: &str, bytes: &[u8]) -> Result<(), String> {
        let bad = |e: pgp::errors::Error| format!("keyring {origin} is not an OpenPGP keyring: {e}");
        let before = self.keys.len();
        let text = std::str::from_utf8(bytes).ok().filter(|t| t.trim_start().starts_with("-----BEGIN "));
        if let Some(text) = text {
            for block in text.split("-----BEGIN ").skip(1) {
                let armored = format!("-----BEGIN {block}");
                let (keys, _) = SignedPublicKey::from_armor_many(armored.as_bytes()).map_err(bad)?;
                for key in keys {
                    self.keys.push(key.map_err(bad)?);
                }
            }
        } else {
            for key in SignedPublicKey::from_bytes_many(bytes).map_err(bad)? {
                self.keys.push(key.map_err(bad)?);
            }
        }
        if self.keys.len() == before {
            return Err(format!("keyring {origin} holds no public key"));
        }
        Ok(())
    }

    /// The key named by the signature's issuer fingerprint (or, lacking one, its issuer key id).
    #[must_use]
    pub fn find(&self, sig: &Signature) -> Option<Signer<'_>> {
        let fingerprints = sig.issuer_fingerprint();
        let ids = sig.issuer_key_id();
        let matches = |key: &dyn KeyDetails| {
            if fingerprints.is_empty() {
                ids.iter().any(|id| **id == key.legacy_key_id())
            } else {
                fingerprints.iter().any(|f| **f == key.fingerprint())
            }
        };
        self.keys.iter().find_map(|cert| {
            if matches(&cert.primary_key) {
                return Some(Signer { cert, subkey: None });
            }
            cert.public_subkeys.iter().find(|s| matches(&s.key)).map(|s| Signer { cert, subkey: Some(s) })
        })
    }
}

/// Uppercase hex fingerprint.
#[must_use]
pub fn fingerprint(key: &impl KeyDetails) -> String {
    format!("{:X}", key.fingerprint())
}

/// How a signature names its issuer, for "unknown key" messages.
#[must_use]
pub fn issuer(sig: &Signature) -> String {
    if let Some(f) = sig.issuer_fingerprint().first() {
        return format!("{f:X}");
    }
    sig.issuer_key_id().first().map_or_else(|| "(no issuer)".into(), |id| hex_upper(id.as_ref()))
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02X}");
        out
    })
}

impl Signer<'_> {
    /// The primary user ID (or the first one with a valid self-signature), as Helm prints it.
    #[must_use]
    pub fn user_id(&self) -> String {
        let primary = &self.cert.primary_key;
        let valid: Vec<_> = self
            .cert
            .details
            .users
            .iter()
            .filter(|u| u.signatures.iter().any(|s| s.verify_certification(primary, Tag::UserId, &u.id).is_ok()))
            .collect();
        valid
            .iter()
            .find(|u| u.is_primary())
            .or_else(|| valid.first())
            .map_or_else(String::new, |u| String::from_utf8_lossy(u.id.id()).into_owned())
    }

    /// Fingerprint of the certificate's primary key.
    #[must_use]
    pub fn primary_fingerprint(&self) -> String {
        fingerprint(&self.cert.primary_key)
    }

    /// Fingerprint of the key that signed (subkey or primary).
    #[must_use]
    pub fn signing_fingerprint(&self) -> String {
        self.subkey.map_or_else(|| self.primary_fingerprint(), |s| fingerprint(&s.key))
    }

    /// Every issuer the signature names (key IDs and fingerprints, hashed or not) is the signing
    /// key, and the unhashed area holds nothing but issuer hints: it is not covered by the
    /// signature, so anything else there is refused rather than ignored.
    ///
    /// # Errors
    /// The first unhashed subpacket that is not an issuer, or the first issuer naming another key.
    pub fn check_issuers(&self, sig: &Signature) -> Result<(), String> {
        let unhashed = sig.config().map_or(&[][..], |c| c.unhashed_subpackets.as_slice());
        if let Some(p) = unhashed
            .iter()
            .find(|p| !matches!(p.data, SubpacketData::IssuerKeyId(_) | SubpacketData::IssuerFingerprint(_)))
        {
            return Err(format!(
                "signature carries an unhashed {:?} subpacket, which the signature does not cover",
                p.typ()
            ));
        }
        let (id, fp) = match self.subkey {
            Some(sub) => (sub.key.legacy_key_id(), sub.key.fingerprint()),
            None => (self.cert.primary_key.legacy_key_id(), self.cert.primary_key.fingerprint()),
        };
        if let Some(other) = sig.issuer_key_id().into_iter().find(|i| **i != id) {
            return Err(format!(
                "signature names issuer key ID {}, which is not its signing key {}",
                hex_upper(other.as_ref()),
                self.signing_fingerprint()
            ));
        }
        if let Some(other) = sig.issuer_fingerprint().into_iter().find(|f| **f != fp) {
            return Err(format!(
                "signature names issuer {other:X}, which is not its signing key {}",
                self.signing_fingerprint()
            ));
        }
        Ok(())
    }

    /// The signing key's algorithm and size are acceptable: RSA of at least 2048 bits, ECDSA,
    /// EdDSA (legacy or RFC 9580) or Ed448; DSA and anything else is refused.
    ///
    /// # Errors
    /// A reason naming the key and its algorithm.
    pub fn check_strength(&self) -> Result<(), String> {
        use rsa::traits::PublicKeyParts as _;
        let params = match self.subkey {
            Some(sub) => sub.key.public_params(),
            None => self.cert.primary_key.public_params(),
        };
        match params {
            PublicParams::RSA(rsa) if rsa.key.n().bits() < MIN_RSA_BITS => Err(format!(
                "key {} is too weak: RSA-{} (at least RSA-{MIN_RSA_BITS} is required)",
                self.signing_fingerprint(),
                rsa.key.n().bits()
            )),
            PublicParams::RSA(_)
            | PublicParams::ECDSA(_)
            | PublicParams::EdDSALegacy(_)
            | PublicParams::Ed25519(_)
            | PublicParams::Ed448(_) => Ok(()),
            _ => Err(format!(
                "key {} uses {:?}, which is not accepted for signing charts",
                self.signing_fingerprint(),
                self.subkey.map_or_else(|| self.cert.primary_key.algorithm(), |s| s.key.algorithm())
            )),
        }
    }

    /// Check the signature cryptographically against the signing key.
    ///
    /// # Errors
    /// A reason naming the key.
    pub fn verify(&self, sig: &Signature, text: &[u8]) -> Result<(), String> {
        let result = match self.subkey {
            Some(sub) => sig.verify(&sub.key, text),
            None => sig.verify(&self.cert.primary_key, text),
        };
        result.map_err(|_| {
            format!("bad signature: the signed text does not match the signature of key {}", self.signing_fingerprint())
        })
    }

    /// The key may sign at `created` (the signature's time) and is still valid at `now`:
    /// not revoked, bound, signing-capable, created before `created`, not expired at either time.
    ///
    /// # Errors
    /// A reason naming the key and the time.
    pub fn check_validity(&self, created: u64, now: u64) -> Result<(), String> {
        let primary = &self.cert.primary_key;
        let pfp = self.primary_fingerprint();
        if let Some(rev) = self.cert.details.revocation_signatures.iter().find(|s| s.verify_key(primary).is_ok()) {
            return Err(format!("key {pfp} is revoked{}", reason(rev)));
        }
        let self_sig = self.latest_self_signature().ok_or_else(|| format!("key {pfp} has no valid self-signature"))?;
        check_times(&pfp, u64::from(primary.created_at().as_secs()), self_sig, created, now)?;
        let Some(sub) = self.subkey else {
            if has_key_flags(self_sig) && !self_sig.key_flags().sign() {
                return Err(format!("key {pfp} is not allowed to sign (its key flags lack the signing flag)"));
            }
            return Ok(());
        };
        let sfp = fingerprint(&sub.key);
        if let Some(rev) = sub
            .signatures
            .iter()
            .filter(|s| s.typ() == Some(SignatureType::SubkeyRevocation))
            .find(|s| s.verify_subkey_binding(primary, &sub.key).is_ok())
        {
            return Err(format!("subkey {sfp} of key {pfp} is revoked{}", reason(rev)));
        }
        let binding = latest(sub.signatures.iter().filter(|s| {
            s.typ() == Some(SignatureType::SubkeyBinding)
                && s.key_flags().sign()
                && s.verify_subkey_binding(primary, &sub.key).is_ok()
                && s.embedded_signature().is_some_and(|back| back.verify_primary_key_binding(&sub.key, primary).is_ok())
        }))
        .ok_or_else(|| {
            format!("subkey {sfp} of key {pfp} has no valid signing binding (signing flag and back-signature)")
        })?;
        check_times(&format!("subkey {sfp}"), u64::from(sub.key.created_at().as_secs()), binding, created, now)
    }

    /// The newest valid direct-key or user ID self-signature of the primary key.
    fn latest_self_signature(&self) -> Option<&Signature> {
        let primary = &self.cert.primary_key;
        let direct = self.cert.details.direct_signatures.iter().filter(|s| s.verify_key(primary).is_ok());
        let users = self.cert.details.users.iter().flat_map(|u| {
            u.signatures.iter().filter(move |s| {
                s.typ() != Some(SignatureType::CertRevocation)
                    && s.verify_certification(primary, Tag::UserId, &u.id).is_ok()
            })
        });
        latest(direct.chain(users))
    }
}

fn latest<'a>(sigs: impl Iterator<Item = &'a Signature>) -> Option<&'a Signature> {
    sigs.max_by_key(|s| s.created().map_or(0, pgp::types::Timestamp::as_secs))
}

fn has_key_flags(sig: &Signature) -> bool {
    sig.config().is_some_and(|c| c.hashed_subpackets().any(|p| matches!(p.data, SubpacketData::KeyFlags(_))))
}

fn reason(rev: &Signature) -> String {
    rev.revocation_reason_string()
        .map(|r| String::from_utf8_lossy(r).trim().to_string())
        .filter(|r| !r.is_empty())
        .map_or_else(String::new, |r| format!(" ({r})"))
}

/// Key created before the signature; not expired at the signature's time nor at `now`. `name`
/// is a fingerprint (primary key) or `subkey <fingerprint>`.
fn check_times(name: &str, key_created: u64, binding: &Signature, created: u64, now: u64) -> Result<(), String> {
    let name = if name.starts_with("subkey ") { name.to_string() } else { format!("key {name}") };
    if key_created > created {
        return Err(format!(
            "signature was made at {}, before {name} was created at {}",
            rfc3339(created),
            rfc3339(key_created)
        ));
    }
    let lifetime = binding.key_expiration_time().map_or(0, |d| u64::from(d.as_secs()));
    if lifetime == 0 {
        return Ok(());
    }
    let expires = key_created + lifetime;
    if created >= expires {
        return Err(format!(
            "{name} expired at {}, before the signature was made at {}",
            rfc3339(expires),
            rfc3339(created)
        ));
    }
    if now >= expires {
        return Err(format!("{name} expired at {} (verification time {})", rfc3339(expires), rfc3339(now)));
    }
    Ok(())
}
