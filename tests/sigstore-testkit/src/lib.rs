//! Sigstore-format test artefacts made by our own throw-away CA and log.
//!
//! Real `cosign` and the public-good Sigstore instance are not available here (no binary
//! downloads, no network), so tests build what they would produce: a root + intermediate CA
//! issuing Fulcio-shaped leaf certificates (SAN identity, OIDC issuer extensions
//! 1.3.6.1.4.1.57264.1.1 and .1.8, code-signing EKU), a Rekor-shaped log (RFC 6962 Merkle tree,
//! `hashedrekord` 0.0.1 bodies, SETs over canonical JSON, signed checkpoints), a
//! `trusted_root.json` naming both, and bundles v0.1–v0.3. Keys are derived from fixed seeds, so
//! runs are reproducible; no private key is committed.

#![allow(
    missing_docs,
    clippy::missing_panics_doc,
    clippy::must_use_candidate,
    clippy::doc_markdown,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test helper: a panic is a test failure"
)]

use std::str::FromStr as _;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{
    ID_CE_BASIC_CONSTRAINTS, ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE, ID_CE_SUBJECT_ALT_NAME, ID_KP_CODE_SIGNING,
};
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384};
use der::asn1::{BitString, Ia5String, OctetString, UtcTime, Utf8StringRef};
use der::{Decode as _, Encode as _};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

pub const OIDC_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
pub const OIDC_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn pem(label: &str, der: &[u8]) -> String {
    let body = b64(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// A signing key of one of the supported kinds.
#[derive(Clone)]
pub enum Key {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl Key {
    pub fn p256(seed: u8) -> Self {
        Key::P256(p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap())
    }
    pub fn p384(seed: u8) -> Self {
        Key::P384(p384::ecdsa::SigningKey::from_slice(&[seed; 48]).unwrap())
    }
    pub fn ed25519(seed: u8) -> Self {
        Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
    }
    /// RSA keys take a while to generate: one per (bits, seed), cached.
    pub fn rsa(bits: usize, seed: u64) -> Self {
        static CACHE: OnceLock<std::sync::Mutex<Vec<(usize, u64, rsa::RsaPrivateKey)>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        let mut cache = cache.lock().unwrap();
        if let Some((_, _, k)) = cache.iter().find(|(b, s, _)| *b == bits && *s == seed) {
            return Key::Rsa(Box::new(k.clone()));
        }
        let mut rng = <rand_chacha::ChaCha8Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(seed);
        let k = rsa::RsaPrivateKey::new(&mut rng, bits).unwrap();
        cache.push((bits, seed, k.clone()));
        Key::Rsa(Box::new(k))
    }

    /// DER `SubjectPublicKeyInfo`.
    pub fn spki(&self) -> Vec<u8> {
        use p256::pkcs8::EncodePublicKey as _;
        match self {
            Key::P256(k) => k.verifying_key().to_public_key_der().unwrap().into_vec(),
            Key::P384(k) => k.verifying_key().to_public_key_der().unwrap().into_vec(),
            Key::Ed25519(k) => k.verifying_key().to_public_key_der().unwrap().into_vec(),
            Key::Rsa(k) => k.to_public_key().to_public_key_der().unwrap().into_vec(),
        }
    }

    pub fn public_pem(&self) -> String {
        pem("PUBLIC KEY", &self.spki())
    }

    /// Sign as cosign does: ECDSA (DER) over SHA-256 (P-256) / SHA-384 (P-384), Ed25519 over the
    /// message, RSA PKCS#1 v1.5 over SHA-256.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use signature_compat::Signer as _;
        match self {
            Key::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(message);
                s.to_der().as_bytes().to_vec()
            }
            Key::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(message);
                s.to_der().as_bytes().to_vec()
            }
            Key::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
            Key::Rsa(k) => k.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &sha256(message)).unwrap(),
        }
    }

    /// (algorithm identifier, signature) for signing a certificate with this key.
    fn sign_cert(&self, tbs: &[u8]) -> (AlgorithmIdentifierOwned, Vec<u8>) {
        let oid = match self {
            Key::P256(_) => ECDSA_WITH_SHA_256,
            Key::P384(_) => ECDSA_WITH_SHA_384,
            _ => panic!("test CAs use ECDSA keys"),
        };
        (AlgorithmIdentifierOwned { oid, parameters: None }, self.sign(tbs))
    }
}

mod signature_compat {
    pub use p256::ecdsa::signature::Signer;
}

fn time(unix: u64) -> Time {
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(unix)).unwrap())
}

fn ext(oid: ObjectIdentifier, critical: bool, value: Vec<u8>) -> Extension {
    Extension { extn_id: oid, critical, extn_value: OctetString::new(value).unwrap() }
}

/// Build and sign a certificate.
fn certificate(
    subject: &str,
    issuer: &str,
    key: &Key,
    signer: &Key,
    validity: (u64, u64),
    serial: u32,
    extensions: Vec<Extension>,
) -> Vec<u8> {
    let spki = SubjectPublicKeyInfoOwned::from_der(&key.spki()).unwrap();
    let (alg, _) = signer.sign_cert(b"");
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::from(serial),
        signature: alg.clone(),
        issuer: Name::from_str(issuer).unwrap(),
        validity: Validity { not_before: time(validity.0), not_after: time(validity.1) },
        subject: Name::from_str(subject).unwrap(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let (alg, sig) = signer.sign_cert(&tbs.to_der().unwrap());
    Certificate { tbs_certificate: tbs, signature_algorithm: alg, signature: BitString::from_bytes(&sig).unwrap() }
        .to_der()
        .unwrap()
}

fn ca_extensions() -> Vec<Extension> {
    vec![
        ext(ID_CE_BASIC_CONSTRAINTS, true, BasicConstraints { ca: true, path_len_constraint: None }.to_der().unwrap()),
        ext(ID_CE_KEY_USAGE, true, KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign).to_der().unwrap()),
    ]
}

/// A root + intermediate CA (ECDSA P-384 root, P-384 intermediate), like Fulcio's.
#[derive(Clone)]
pub struct Ca {
    pub name: String,
    pub root_key: Key,
    pub root: Vec<u8>,
    pub intermediate_key: Key,
    pub intermediate: Vec<u8>,
    pub validity: (u64, u64),
}

/// Everything a leaf certificate says.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// Email (contains `@` and no `:`) or URI SAN.
    pub identity: String,
    /// Extension .1.8 (DER UTF8String).
    pub issuer_v2: Option<String>,
    /// Extension .1.1 (raw string).
    pub issuer_v1: Option<String>,
    pub not_before: u64,
    pub not_after: u64,
    pub code_signing: bool,
}

impl Leaf {
    /// A 10-minute certificate as Fulcio issues, for `identity` from `issuer`, from `start`.
    pub fn new(identity: &str, issuer: &str, start: u64) -> Self {
        Leaf {
            identity: identity.into(),
            issuer_v2: Some(issuer.into()),
            issuer_v1: Some(issuer.into()),
            not_before: start,
            not_after: start + 600,
            code_signing: true,
        }
    }
}

impl Ca {
    pub fn new(name: &str, seed: u8, validity: (u64, u64)) -> Self {
        let root_key = Key::p384(seed);
        let intermediate_key = Key::p384(seed.wrapping_add(1));
        let root_dn = format!("CN={name} root,O={name}");
        let inter_dn = format!("CN={name} intermediate,O={name}");
        let root = certificate(&root_dn, &root_dn, &root_key, &root_key, validity, 1, ca_extensions());
        let intermediate = certificate(&inter_dn, &root_dn, &intermediate_key, &root_key, validity, 2, ca_extensions());
        Ca { name: name.into(), root_key, root, intermediate_key, intermediate, validity }
    }

    /// Issue a leaf for `key`.
    pub fn issue(&self, leaf: &Leaf, key: &Key) -> Vec<u8> {
        let mut exts = vec![ext(ID_CE_KEY_USAGE, true, KeyUsage(KeyUsages::DigitalSignature.into()).to_der().unwrap())];
        if leaf.code_signing {
            exts.push(ext(ID_CE_EXT_KEY_USAGE, false, ExtendedKeyUsage(vec![ID_KP_CODE_SIGNING]).to_der().unwrap()));
        }
        let name = if leaf.identity.contains('@') && !leaf.identity.contains(':') {
            GeneralName::Rfc822Name(Ia5String::new(&leaf.identity).unwrap())
        } else {
            GeneralName::UniformResourceIdentifier(Ia5String::new(&leaf.identity).unwrap())
        };
        exts.push(ext(ID_CE_SUBJECT_ALT_NAME, true, SubjectAltName(vec![name]).to_der().unwrap()));
        if let Some(i) = &leaf.issuer_v1 {
            exts.push(ext(OIDC_ISSUER_V1, false, i.as_bytes().to_vec()));
        }
        if let Some(i) = &leaf.issuer_v2 {
            exts.push(ext(OIDC_ISSUER_V2, false, Utf8StringRef::new(i).unwrap().to_der().unwrap()));
        }
        let inter_dn = format!("CN={} intermediate,O={}", self.name, self.name);
        certificate(
            "O=sigstore.dev",
            &inter_dn,
            key,
            &self.intermediate_key,
            (leaf.not_before, leaf.not_after),
            1000,
            exts,
        )
    }

    /// The `certificateAuthorities[]` entry: intermediate first, then root.
    pub fn trusted_root_entry(&self) -> Value {
        json!({
            "subject": {"organization": self.name, "commonName": self.name},
            "uri": format!("https://{}.test", self.name),
            "certChain": {"certificates": [{"rawBytes": b64(&self.intermediate)}, {"rawBytes": b64(&self.root)}]},
            "validFor": {"start": rfc3339(self.validity.0), "end": rfc3339(self.validity.1)},
        })
    }
}

/// Unix seconds → RFC 3339.
pub fn rfc3339(unix: u64) -> String {
    let days = i64::try_from(unix / 86_400).unwrap();
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A Rekor-shaped log with an ECDSA P-256 key.
pub struct Log {
    pub name: String,
    pub key: Key,
    pub leaves: Vec<[u8; 32]>,
    pub start: u64,
}

fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// RFC 6962 MTH over `leaves[lo..hi]`.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => sha256(b""),
        1 => leaves[0],
        n => {
            let k = n.next_power_of_two() / 2;
            node(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// RFC 6962 PATH(m, D[n]).
fn path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = n.next_power_of_two() / 2;
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

impl Log {
    pub fn new(name: &str, seed: u8, start: u64) -> Self {
        // Other leaves so proofs have depth.
        let leaves = (0u8..5).map(|i| sha256(&[0, i])).collect();
        Log { name: name.into(), key: Key::p256(seed), leaves, start }
    }

    pub fn id(&self) -> [u8; 32] {
        sha256(&self.key.spki())
    }

    pub fn trusted_root_entry(&self) -> Value {
        json!({
            "baseUrl": format!("https://{}.test", self.name),
            "hashAlgorithm": "SHA2_256",
            "publicKey": {"rawBytes": b64(&self.key.spki()), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                          "validFor": {"start": rfc3339(self.start)}},
            "logId": {"keyId": b64(&self.id())},
        })
    }

    /// Append a body; returns its index.
    pub fn append(&mut self, body: &[u8]) -> usize {
        let mut input = vec![0];
        input.extend_from_slice(body);
        self.leaves.push(sha256(&input));
        // A few leaves after it, so the proof is not trivially the right edge.
        for i in 0u8..2 {
            self.leaves.push(sha256(&[0, 100, i, u8::try_from(self.leaves.len() % 256).unwrap()]));
        }
        self.leaves.len() - 3
    }

    /// SET over the canonical JSON of body, integratedTime, logID, logIndex.
    pub fn set(&self, body: &[u8], index: u64, time: u64) -> Vec<u8> {
        let payload = json!({"body": b64(body), "integratedTime": time, "logID": hex(&self.id()), "logIndex": index});
        self.key.sign(payload.to_string().as_bytes())
    }

    /// Signed checkpoint of the current tree.
    pub fn checkpoint(&self, size: usize, root: &[u8; 32]) -> String {
        let text = format!("{} - 1234\n{size}\n{}\n", self.name, b64(root));
        let mut sig = self.id()[..4].to_vec();
        sig.extend(self.key.sign(text.as_bytes()));
        format!("{text}\n\u{2014} {} {}\n", self.name, b64(&sig))
    }

    /// `inclusionProof` JSON for leaf `index` in the current tree.
    pub fn proof(&self, index: usize) -> Value {
        let root = mth(&self.leaves);
        let hashes: Vec<String> = path(index, &self.leaves).iter().map(|h| b64(h)).collect();
        json!({
            "logIndex": index.to_string(),
            "rootHash": b64(&root),
            "treeSize": self.leaves.len().to_string(),
            "hashes": hashes,
            "checkpoint": {"envelope": self.checkpoint(self.leaves.len(), &root)},
        })
    }
}

/// `trusted_root.json` naming these CAs and logs.
pub fn trusted_root(cas: &[&Ca], logs: &[&Log]) -> String {
    serde_json::to_string_pretty(&json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": logs.iter().map(|l| l.trusted_root_entry()).collect::<Vec<_>>(),
        "certificateAuthorities": cas.iter().map(|c| c.trusted_root_entry()).collect::<Vec<_>>(),
        "ctlogs": [],
        "timestampAuthorities": [],
    }))
    .unwrap()
}

/// `hashedrekord` 0.0.1 body (canonical JSON) for a signature by `verifier_pem`.
pub fn hashedrekord(artifact: &[u8], signature: &[u8], verifier_pem: &str) -> Vec<u8> {
    json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex(&sha256(artifact))}},
            "signature": {"content": b64(signature), "publicKey": {"content": b64(verifier_pem.as_bytes())}},
        },
    })
    .to_string()
    .into_bytes()
}

/// Bundle versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleVersion {
    V01,
    V02,
    V03,
}

impl BundleVersion {
    pub fn media_type(self) -> &'static str {
        match self {
            BundleVersion::V01 => "application/vnd.dev.sigstore.bundle+json;version=0.1",
            BundleVersion::V02 => "application/vnd.dev.sigstore.bundle+json;version=0.2",
            BundleVersion::V03 => "application/vnd.dev.sigstore.bundle.v0.3+json",
        }
    }
}

/// Sign `artifact` with `key` (certified by `cert`, or key-based when `None`), log it in `log` at
/// `time`, and return the bundle JSON as a value (tests tamper with it before serialising).
pub fn bundle(
    version: BundleVersion,
    artifact: &[u8],
    key: &Key,
    cert: Option<&[u8]>,
    log: &mut Log,
    time: u64,
) -> Value {
    let signature = key.sign(artifact);
    let verifier_pem = cert.map_or_else(|| key.public_pem(), |c| pem("CERTIFICATE", c));
    let body = hashedrekord(artifact, &signature, &verifier_pem);
    let index = log.append(&body);
    let global_index = 1_000_000 + index as u64;
    let mut entry = json!({
        "logIndex": global_index.to_string(),
        "logId": {"keyId": b64(&log.id())},
        "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
        "integratedTime": time.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": b64(&log.set(&body, global_index, time))},
        "canonicalizedBody": b64(&body),
    });
    if version != BundleVersion::V01 {
        entry["inclusionProof"] = log.proof(index);
    }
    let material = match (cert, version) {
        (Some(c), BundleVersion::V03) => json!({"certificate": {"rawBytes": b64(c)}}),
        (Some(c), _) => json!({"x509CertificateChain": {"certificates": [{"rawBytes": b64(c)}]}}),
        (None, _) => json!({"publicKey": {"hint": b64(&sha256(&key.spki()))}}),
    };
    let mut vm = material;
    vm["tlogEntries"] = json!([entry]);
    json!({
        "mediaType": version.media_type(),
        "verificationMaterial": vm,
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": b64(&sha256(artifact))},
            "signature": b64(&signature),
        },
    })
}

/// A simple-signing payload for an image manifest digest, as `cosign sign` writes it.
pub fn simple_signing_payload(reference: &str, digest: &str) -> Vec<u8> {
    json!({
        "critical": {
            "identity": {"docker-reference": reference},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature",
        },
        "optional": null,
    })
    .to_string()
    .into_bytes()
}

/// Annotations of a legacy cosign signature layer over `payload`: the signature, and when
/// keyless the certificate; when `log` is given, the Rekor bundle annotation with a SET.
pub fn legacy_annotations(
    payload: &[u8],
    key: &Key,
    cert: Option<&[u8]>,
    log: Option<(&mut Log, u64)>,
) -> Vec<(String, String)> {
    let signature = key.sign(payload);
    let mut out = vec![("dev.cosignproject.cosign/signature".to_string(), b64(&signature))];
    let verifier_pem = cert.map_or_else(|| key.public_pem(), |c| pem("CERTIFICATE", c));
    if let Some(c) = cert {
        out.push(("dev.sigstore.cosign/certificate".into(), pem("CERTIFICATE", c)));
    }
    if let Some((log, time)) = log {
        let body = hashedrekord(payload, &signature, &verifier_pem);
        let index = 1_000_000 + log.append(&body) as u64;
        let bundle = json!({
            "SignedEntryTimestamp": b64(&log.set(&body, index, time)),
            "Payload": {"body": b64(&body), "integratedTime": time, "logIndex": index, "logID": hex(&log.id())},
        });
        out.push(("dev.sigstore.cosign/bundle".into(), bundle.to_string()));
    }
    out
}
