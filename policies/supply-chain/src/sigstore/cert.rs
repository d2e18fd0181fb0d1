//! X.509 certificates as Fulcio issues them: signature algorithms, validity, SAN identities, the
//! OIDC issuer extensions and the chain to a trusted certificate authority.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{
    ID_CE_BASIC_CONSTRAINTS, ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE, ID_CE_SUBJECT_ALT_NAME, ID_KP_CODE_SIGNING,
};
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, SHA_256_WITH_RSA_ENCRYPTION, SHA_384_WITH_RSA_ENCRYPTION,
    SHA_512_WITH_RSA_ENCRYPTION,
};
use der::{Decode as _, Encode as _};
use x509_cert::Certificate as X509;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};

use super::keys::{ED25519, Hash, PublicKey};
use crate::time::rfc3339;

/// Fulcio's deprecated OIDC issuer extension (raw string value).
pub const OIDC_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
/// Fulcio's OIDC issuer extension (DER `UTF8String`).
pub const OIDC_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");

/// A parsed certificate with the fields verification needs.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The whole certificate, DER.
    pub der: Vec<u8>,
    cert: X509,
    /// Subject public key.
    pub key: PublicKey,
    /// Not before, Unix seconds.
    pub not_before: u64,
    /// Not after, Unix seconds.
    pub not_after: u64,
}

impl Certificate {
    /// Parse DER.
    ///
    /// # Errors
    /// Malformed DER or an unsupported key.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let cert = X509::from_der(der).map_err(|e| format!("certificate is not valid DER X.509: {e}"))?;
        let spki = cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| e.to_string())?;
        let key = PublicKey::from_spki(&spki).map_err(|e| format!("certificate key: {e}"))?;
        let validity = &cert.tbs_certificate.validity;
        Ok(Certificate {
            der: der.to_vec(),
            key,
            not_before: validity.not_before.to_unix_duration().as_secs(),
            not_after: validity.not_after.to_unix_duration().as_secs(),
            cert,
        })
    }

    /// Subject distinguished name, RFC 4514.
    #[must_use]
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate.subject.to_string()
    }

    fn extension(&self, oid: ObjectIdentifier) -> Option<&[u8]> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    }

    fn decode_extension<'a, T: der::Decode<'a>>(
        &'a self,
        oid: ObjectIdentifier,
        name: &str,
    ) -> Result<Option<T>, String> {
        self.extension(oid)
            .map(|v| T::from_der(v).map_err(|e| format!("certificate {name} extension is malformed: {e}")))
            .transpose()
    }

    /// The signing identity: the single email address or URI of the SAN extension.
    ///
    /// # Errors
    /// No SAN, a malformed one, or more than one email/URI (ambiguous identity).
    pub fn identity(&self) -> Result<String, String> {
        let san: SubjectAltName = self
            .decode_extension(ID_CE_SUBJECT_ALT_NAME, "subject alternative name")?
            .ok_or("certificate has no subject alternative name (no signer identity)")?;
        let names: Vec<String> = san
            .0
            .iter()
            .filter_map(|n| match n {
                GeneralName::Rfc822Name(s) | GeneralName::UniformResourceIdentifier(s) => Some(s.to_string()),
                _ => None,
            })
            .collect();
        match <[String; 1]>::try_from(names) {
            Ok([one]) => Ok(one),
            Err(names) if names.is_empty() => {
                Err("certificate subject alternative name holds no email address or URI".into())
            }
            Err(names) => {
                Err(format!("certificate names {} identities ({}); expected one", names.len(), names.join(", ")))
            }
        }
    }

    /// The OIDC issuer: extension 1.3.6.1.4.1.57264.1.8, else the deprecated 1.3.6.1.4.1.57264.1.1.
    /// Both present and different is refused.
    ///
    /// # Errors
    /// Neither extension, a malformed value, or two that disagree.
    pub fn oidc_issuer(&self) -> Result<String, String> {
        let v2 = self
            .extension(OIDC_ISSUER_V2)
            .map(|v| {
                der::asn1::Utf8StringRef::from_der(v).map(|s| s.as_str().to_string()).map_err(|_| {
                    "certificate OIDC issuer extension (1.3.6.1.4.1.57264.1.8) is not a UTF8String".to_string()
                })
            })
            .transpose()?;
        let v1 = self
            .extension(OIDC_ISSUER_V1)
            .map(|v| {
                std::str::from_utf8(v)
                    .map(str::to_string)
                    .map_err(|_| "certificate OIDC issuer extension (1.3.6.1.4.1.57264.1.1) is not UTF-8".to_string())
            })
            .transpose()?;
        match (v2, v1) {
            (Some(a), Some(b)) if a != b => Err(format!(
                "certificate names two different OIDC issuers: {a} (1.3.6.1.4.1.57264.1.8) and {b} (1.3.6.1.4.1.57264.1.1)"
            )),
            (Some(a), _) | (None, Some(a)) => Ok(a),
            (None, None) => Err("certificate has no OIDC issuer extension (1.3.6.1.4.1.57264.1.8 or .1.1)".into()),
        }
    }

    /// Whether `self` was signed by `issuer`'s key (names match and the signature verifies).
    fn signed_by(&self, issuer: &Certificate) -> Result<(), String> {
        if self.cert.tbs_certificate.issuer != issuer.cert.tbs_certificate.subject {
            return Err(format!("issuer `{}` is not `{}`", self.cert.tbs_certificate.issuer, issuer.subject()));
        }
        let alg = self.cert.signature_algorithm.oid;
        let hash = if alg == ECDSA_WITH_SHA_256 || alg == SHA_256_WITH_RSA_ENCRYPTION {
            Some(Hash::Sha256)
        } else if alg == ECDSA_WITH_SHA_384 || alg == SHA_384_WITH_RSA_ENCRYPTION {
            Some(Hash::Sha384)
        } else if alg == SHA_512_WITH_RSA_ENCRYPTION {
            Some(Hash::Sha512)
        } else if alg == ED25519 {
            None
        } else {
            return Err(format!("unsupported certificate signature algorithm {alg}"));
        };
        let is_ecdsa = alg == ECDSA_WITH_SHA_256 || alg == ECDSA_WITH_SHA_384;
        let is_rsa = !is_ecdsa && hash.is_some();
        let key_fits = match &issuer.key {
            PublicKey::P256(_) | PublicKey::P384(_) => is_ecdsa,
            PublicKey::Rsa(_) => is_rsa,
            PublicKey::Ed25519(_) => hash.is_none(),
        };
        if !key_fits {
            return Err(format!("signature algorithm {alg} does not fit the issuer's {} key", issuer.key.describe()));
        }
        let tbs = self.cert.tbs_certificate.to_der().map_err(|e| e.to_string())?;
        let sig = self.cert.signature.as_bytes().ok_or("certificate signature has unused bits")?;
        issuer
            .key
            .verify_with(hash.unwrap_or(Hash::Sha512), &tbs, sig)
            .map_err(|_| format!("signature by `{}` does not verify", issuer.subject()))
    }

    fn is_ca(&self) -> Result<bool, String> {
        let bc: Option<BasicConstraints> = self.decode_extension(ID_CE_BASIC_CONSTRAINTS, "basic constraints")?;
        let ku: Option<KeyUsage> = self.decode_extension(ID_CE_KEY_USAGE, "key usage")?;
        Ok(bc.is_some_and(|b| b.ca) && ku.is_none_or(|k| k.0.contains(KeyUsages::KeyCertSign)))
    }

    /// A leaf fit for code signing: not a CA, digital signature key usage, code-signing EKU.
    fn check_leaf_usage(&self) -> Result<(), String> {
        if self.is_ca()? {
            return Err("signing certificate is a CA certificate".into());
        }
        let ku: Option<KeyUsage> = self.decode_extension(ID_CE_KEY_USAGE, "key usage")?;
        if !ku.is_some_and(|k| k.0.contains(KeyUsages::DigitalSignature)) {
            return Err("signing certificate does not allow digital signatures (key usage)".into());
        }
        let eku: Option<ExtendedKeyUsage> = self.decode_extension(ID_CE_EXT_KEY_USAGE, "extended key usage")?;
        if !eku.is_some_and(|e| e.0.contains(&ID_KP_CODE_SIGNING)) {
            return Err("signing certificate is not for code signing (extended key usage)".into());
        }
        Ok(())
    }

    fn valid_at(&self, time: u64) -> bool {
        self.not_before <= time && time <= self.not_after
    }
}

/// A certificate authority of the trusted root: its chain, issuing certificate first, and the
/// window in which it may have issued.
#[derive(Debug, Clone)]
pub struct Authority {
    /// Where the trusted root names it (its `uri` or subject).
    pub name: String,
    /// Issuing certificate first, root last.
    pub chain: Vec<Certificate>,
    /// `validFor.start`, Unix seconds.
    pub start: u64,
    /// `validFor.end`, Unix seconds (open-ended if `None`).
    pub end: Option<u64>,
}

/// Verify that `leaf` chains to one of `authorities` and that every certificate of that chain is
/// valid at `signing_time`. Returns the authority's name.
///
/// # Errors
/// The reason, naming the leaf's issuer or the expired certificate.
pub fn verify_chain<'a>(
    leaf: &Certificate,
    authorities: &'a [Authority],
    signing_time: u64,
) -> Result<&'a str, String> {
    leaf.check_leaf_usage()?;
    if !leaf.valid_at(signing_time) {
        return Err(format!(
            "signing time {} is outside the certificate validity {} to {}",
            rfc3339(signing_time),
            rfc3339(leaf.not_before),
            rfc3339(leaf.not_after)
        ));
    }
    let issuer = leaf.cert.tbs_certificate.issuer.to_string();
    let mut last = None;
    for authority in authorities {
        let Some(first) = authority.chain.first() else { continue };
        if leaf.signed_by(first).is_err() {
            continue;
        }
        match check_authority(authority, signing_time) {
            Ok(()) => return Ok(&authority.name),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        format!("certificate issued by `{issuer}` does not chain to a trusted certificate authority")
    }))
}

fn check_authority(authority: &Authority, time: u64) -> Result<(), String> {
    if time < authority.start || authority.end.is_some_and(|end| time > end) {
        return Err(format!(
            "certificate authority {} was not valid at signing time {}",
            authority.name,
            rfc3339(time)
        ));
    }
    for (i, ca) in authority.chain.iter().enumerate() {
        if !ca.is_ca()? {
            return Err(format!("trusted certificate `{}` is not a CA certificate", ca.subject()));
        }
        if !ca.valid_at(time) {
            return Err(format!(
                "CA certificate `{}` is not valid at signing time {} (valid {} to {})",
                ca.subject(),
                rfc3339(time),
                rfc3339(ca.not_before),
                rfc3339(ca.not_after)
            ));
        }
        let parent = authority.chain.get(i + 1).unwrap_or(ca);
        ca.signed_by(parent)
            .map_err(|e| format!("trusted chain of {} is broken at `{}`: {e}", authority.name, ca.subject()))?;
    }
    Ok(())
}
