//! Robustness: the bundle, certificate, trusted-root, PEM, checkpoint and Merkle parsers return
//! a reason for any input and never panic (proptest), and no single-byte change of a valid
//! keyless bundle's certificate or log entry verifies (deterministic mutation test).

use palisade_sigstore_testkit::{self as kit, BundleVersion, Ca, Key, Leaf, Log};
use proptest::prelude::*;

use super::bundle::Bundle;
use super::cert::Certificate;
use super::keys::{PublicKey, base64_decode, base64_encode, pem_decode_all};
use super::trust::TrustedRoot;
use super::*;

const T0: u64 = 1_795_000_000;

struct Valid {
    bundle: serde_json::Value,
    root: TrustedRoot,
    cert: Vec<u8>,
}

fn valid() -> &'static Valid {
    static V: std::sync::OnceLock<Valid> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let ca = Ca::new("fulcio", 7, (T0 - 86_400, T0 + 365 * 86_400));
        let mut log = Log::new("rekor", 9, T0 - 86_400);
        let mut root = TrustedRoot::default();
        root.add("root", kit::trusted_root(&[&ca], &[&log]).as_bytes()).unwrap();
        let key = Key::p256(1);
        let cert = ca.issue(&Leaf::new("dev@example.test", "https://issuer.test", T0), &key);
        let bundle = kit::bundle(BundleVersion::V03, b"blob", &key, Some(&cert), &mut log, T0 + 60);
        Valid { bundle, root, cert }
    })
}

fn check(bundle: &[u8]) -> Result<Verified, String> {
    let v = valid();
    let ids = [Identity {
        subject: Matcher::Exact("dev@example.test".into()),
        issuer: Matcher::Exact("https://issuer.test".into()),
    }];
    verify_bundle(b"blob", bundle, &Trust { keys: &[], root: Some(&v.root), identities: &ids, now: T0 + 3600 })
}

#[test]
fn the_valid_bundle_verifies() {
    check(valid().bundle.to_string().as_bytes()).unwrap();
}

#[test]
fn no_single_byte_change_of_the_certificate_verifies() {
    let v = valid();
    for i in 0..v.cert.len() {
        let mut cert = v.cert.clone();
        cert[i] ^= 0x01;
        let mut b = v.bundle.clone();
        b["verificationMaterial"]["certificate"]["rawBytes"] = base64_encode(&cert).into();
        assert!(check(b.to_string().as_bytes()).is_err(), "certificate byte {i} flipped still verifies");
    }
}

#[test]
fn no_single_byte_change_of_the_log_entry_verifies() {
    let v = valid();
    let entry = &v.bundle["verificationMaterial"]["tlogEntries"][0];
    for field in
        ["canonicalizedBody", "/inclusionPromise/signedEntryTimestamp", "/inclusionProof/rootHash", "/logId/keyId"]
    {
        let pointer = if field.starts_with('/') { field.to_string() } else { format!("/{field}") };
        let bytes = base64_decode(entry.pointer(&pointer).and_then(serde_json::Value::as_str).unwrap()).unwrap();
        for i in 0..bytes.len() {
            let mut m = bytes.clone();
            m[i] ^= 0x01;
            let mut b = v.bundle.clone();
            *b.pointer_mut(&format!("/verificationMaterial/tlogEntries/0{pointer}")).unwrap() =
                base64_encode(&m).into();
            assert!(check(b.to_string().as_bytes()).is_err(), "{field} byte {i} flipped still verifies");
        }
    }
    let checkpoint = entry.pointer("/inclusionProof/checkpoint/envelope").and_then(serde_json::Value::as_str).unwrap();
    for i in 0..checkpoint.len() - 1 {
        let mut m = checkpoint.as_bytes().to_vec();
        m[i] ^= 0x01;
        let Ok(m) = String::from_utf8(m) else { continue };
        let mut b = v.bundle.clone();
        b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] = m.into();
        assert!(check(b.to_string().as_bytes()).is_err(), "checkpoint byte {i} flipped still verifies");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_bytes(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = Bundle::parse(&data);
        let _ = Certificate::from_der(&data);
        let _ = PublicKey::from_spki(&data);
        let _ = pem_decode_all(&data);
        let _ = TrustedRoot::default().add("fuzz", &data);
        let _ = check(&data);
    }

    #[test]
    fn mutated_bundles_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = valid().bundle.to_string().into_bytes();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = check(&bytes);
    }

    #[test]
    fn mutated_certificates_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut der = valid().cert.clone();
        for (at, value) in flips {
            let i = at.index(der.len());
            der[i] = value;
        }
        if let Ok(cert) = Certificate::from_der(&der) {
            let _ = cert.identity();
            let _ = cert.oidc_issuer();
            let _ = cert::verify_chain(&cert, &valid().root.authorities, T0 + 60);
        }
    }

    #[test]
    fn merkle_paths_never_panic(index in any::<u64>(), size in any::<u64>(), n in 0usize..70) {
        let path = vec![vec![7u8; 32]; n];
        let _ = tlog::merkle_root(index, size, &[0u8; 32], &path);
    }

    #[test]
    fn json_shaped_bundles_never_panic(s in r#"\{("[a-zA-Z]{1,20}": ?("[A-Za-z0-9+/=]{0,40}"|[0-9]{1,20}|\[\]|\{\}|null),? ?){0,6}\}"#) {
        let _ = Bundle::parse(s.as_bytes());
        let _ = TrustedRoot::default().add("fuzz", s.as_bytes());
    }
}
