//! Round trips against artefacts of the test CA and log (`palisade-sigstore-testkit`).

use palisade_sigstore_testkit::{self as kit, BundleVersion, Ca, Key, Leaf, Log};

use super::*;

const T0: u64 = 1_795_000_000;
const ISSUER: &str = "https://issuer.test";
const WHO: &str = "dev@example.test";

fn setup() -> (Ca, Log, TrustedRoot) {
    let ca = Ca::new("fulcio", 7, (T0 - 86_400, T0 + 365 * 86_400));
    let log = Log::new("rekor", 9, T0 - 86_400);
    let mut root = TrustedRoot::default();
    root.add("trusted_root.json", kit::trusted_root(&[&ca], &[&log]).as_bytes()).unwrap();
    (ca, log, root)
}

fn identity() -> Vec<Identity> {
    vec![Identity { subject: Matcher::Exact(WHO.into()), issuer: Matcher::Exact(ISSUER.into()) }]
}

#[test]
fn keyless_bundles_verify_in_every_version() {
    let (ca, mut log, root) = setup();
    for version in [BundleVersion::V01, BundleVersion::V02, BundleVersion::V03] {
        let key = Key::p256(1);
        let cert = ca.issue(&Leaf::new(WHO, ISSUER, T0), &key);
        let bundle = kit::bundle(version, b"hello", &key, Some(&cert), &mut log, T0 + 60);
        let ids = identity();
        let trust = Trust { keys: &[], root: Some(&root), identities: &ids, now: T0 + 3600 };
        let verified = verify_bundle(b"hello", bundle.to_string().as_bytes(), &trust);
        let v = verified.unwrap_or_else(|e| panic!("{version:?}: {e}"));
        assert_eq!(
            v.signer,
            Signer::Certificate {
                identity: WHO.into(),
                issuer: ISSUER.into(),
                authority: "https://fulcio.test".into()
            }
        );
        let bad = verify_bundle(b"hellO", bundle.to_string().as_bytes(), &trust).unwrap_err();
        assert!(bad.starts_with("artifact digest sha256:"), "{bad}");
    }
}

#[test]
fn detached_signatures_verify_with_every_key_kind() {
    for key in [Key::p256(3), Key::p384(4), Key::ed25519(5), Key::rsa(2048, 6)] {
        let named = NamedKey::from_pem("k.pub", key.public_pem().as_bytes()).unwrap();
        let sig = kit::b64(&key.sign(b"blob"));
        let v = verify_detached(b"blob", sig.as_bytes(), std::slice::from_ref(&named)).unwrap();
        assert!(matches!(v.signer, Signer::Key { .. }));
        assert_eq!(
            verify_detached(b"blob!", sig.as_bytes(), &[named]).unwrap_err(),
            "signature does not verify with key k.pub"
        );
    }
}

#[test]
fn anchored_regex() {
    let m = Matcher::regex(".*@example\\.test").unwrap();
    assert!(m.matches("dev@example.test"));
    assert!(!m.matches("dev@example.test.evil"));
    let m = Matcher::regex("a|b").unwrap();
    assert!(!m.matches("ab") && m.matches("a"));
}
