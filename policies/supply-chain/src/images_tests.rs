//! Image rules judged with evidence built by the test CA and log (`palisade-sigstore-testkit`;
//! real cosign is not available here, see that crate).

use palisade_policy_sdk::{Evidence, Input, Resource, json};
use palisade_sigstore_testkit::{self as kit, Ca, Key, Leaf, Log};
use sha2::{Digest as _, Sha256};

use super::*;
use crate::KIND_TRUSTED_ROOT;
use crate::sigstore::tlog::hex;

const T0: u64 = 1_795_000_000;
const IMAGE: &str = "ghcr.io/org/app:1.0";
const MANIFEST: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#;
const POINTER: &str = "/spec/template/spec/containers/0/image";

fn digest() -> String {
    format!("sha256:{}", hex(&Sha256::digest(MANIFEST)))
}

fn deployment(image: &str) -> Vec<Resource> {
    vec![Resource::new(
        0,
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}),
    )]
}

fn evidence(kind: &str, data: Vec<u8>, annotations: Vec<(String, String)>) -> Evidence {
    Evidence {
        subject: "oci://ghcr.io/org/app:1.0".into(),
        kind: kind.into(),
        media_type: String::new(),
        data,
        annotations,
    }
}

fn manifest() -> Evidence {
    evidence(KIND_OCI_MANIFEST, MANIFEST.to_vec(), vec![("digest".into(), digest())])
}

fn legacy(key: &Key, cert: Option<&[u8]>, log: Option<(&mut Log, u64)>, signed_digest: &str) -> Evidence {
    let payload = kit::simple_signing_payload("ghcr.io/org/app", signed_digest);
    let ann = kit::legacy_annotations(&payload, key, cert, log);
    evidence(KIND_COSIGN_SIGNATURE, payload, ann)
}

fn run(
    settings: Value,
    image: &str,
    evidence: Vec<Evidence>,
    extra: Vec<Evidence>,
) -> Result<Vec<(String, String)>, String> {
    run_rules(settings, image, evidence, extra, &[])
}

/// [`run`] with the host reporting only `rules` (none: all).
fn run_rules(
    settings: Value,
    image: &str,
    mut evidence: Vec<Evidence>,
    extra: Vec<Evidence>,
    rules: &[&str],
) -> Result<Vec<(String, String)>, String> {
    evidence.extend(extra);
    let input = Input {
        resources: deployment(image),
        evidence,
        settings,
        now_unix: T0 + 3600,
        rules: rules.iter().map(ToString::to_string).collect(),
    };
    let settings = Settings::parse(&input.settings)?;
    Ok(evaluate(&input, &settings)?.into_iter().map(|f| (f.rule.to_string(), f.message)).collect())
}

fn key_rule(key: &Key) -> Value {
    json!({"verifyImages": [{"imageReferences": ["ghcr.io/org/*"], "mutateDigest": false, "verifyDigest": false,
        "attestors": [{"entries": [{"keys": {"publicKeys": key.public_pem()}}]}]}]})
}

#[test]
fn requests_cover_matching_images_once() {
    let mut resources = deployment(IMAGE);
    resources.push(Resource::new(1, json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": IMAGE}, {"name": "b", "image": "nginx"}]}})));
    let settings = Settings::parse(&key_rule(&Key::p256(1))).unwrap();
    let subjects: Vec<(String, String)> =
        requests(&resources, &settings).into_iter().map(|r| (r.subject, r.kind)).collect();
    assert_eq!(subjects, vec![("oci://ghcr.io/org/app:1.0".to_string(), "oci-signatures".to_string())]);
}

#[test]
fn normalizes_and_globs() {
    assert_eq!(normalize("nginx"), "docker.io/library/nginx:latest");
    assert_eq!(normalize("bitnami/redis:7"), "docker.io/bitnami/redis:7");
    assert_eq!(normalize("localhost:5000/a@sha256:ab"), "localhost:5000/a@sha256:ab");
    assert!(glob("ghcr.io/org/*", "ghcr.io/org/app:1.0"));
    assert!(!glob("ghcr.io/org/*", "ghcr.io/orgx/app:1.0"));
    assert!(glob("*", "anything"));
    assert!(glob("docker.io/library/nginx:1.2?", "docker.io/library/nginx:1.25"));
}

/// The `image-signer` finding of a legacy signature verified with the settings' key.
fn signer_finding(extra_lines: &str) -> Vec<(String, String)> {
    vec![(
        "image-signer".to_string(),
        format!(
            "Signature: cosign signature {}.sig layer 1\nVerified with key: keys.publicKeys (ECDSA P-256){extra_lines}",
            digest().replace(':', "-")
        ),
    )]
}

#[test]
fn key_signed_image_verifies_and_wrong_key_does_not() {
    let key = Key::p256(1);
    let sig = legacy(&key, None, None, &digest());
    assert_eq!(run(key_rule(&key), IMAGE, vec![manifest(), sig.clone()], vec![]).unwrap(), signer_finding(""));
    // The signer report is opt-in: a host that does not report it does not get it.
    assert_eq!(
        run_rules(key_rule(&key), IMAGE, vec![manifest(), sig.clone()], vec![], &["image-signature"]).unwrap(),
        vec![]
    );
    let other = Key::p256(2);
    assert_eq!(
        run(key_rule(&other), IMAGE, vec![manifest(), sig], vec![]).unwrap(),
        vec![(
            "image-signature".to_string(),
            "container \"app\" image ghcr.io/org/app:1.0: 0 of the required 1 attestors verified (key keys.publicKeys: signature does not verify with key keys.publicKeys)".to_string()
        )]
    );
}

#[test]
fn signature_of_another_digest_is_refused() {
    let key = Key::p256(1);
    let other = format!("sha256:{}", "ab".repeat(32));
    let sig = legacy(&key, None, None, &other);
    assert_eq!(
        run(key_rule(&key), IMAGE, vec![manifest(), sig], vec![]).unwrap(),
        vec![(
            "image-signature".to_string(),
            format!(
                "container \"app\" image ghcr.io/org/app:1.0: 0 of the required 1 attestors verified (key keys.publicKeys: cosign signature payload signs {other}, not this image's {})",
                digest()
            )
        )]
    );
}

#[test]
fn unsigned_required_image_and_digest_findings() {
    let settings = json!({"verifyImages": [{"imageReferences": ["ghcr.io/*"], "attestors": [{"entries": [{"keys": {"publicKeys": Key::p256(1).public_pem()}}]}]}]});
    let d = digest();
    let patch = json!({"op": "replace", "path": POINTER, "value": format!("{IMAGE}@{d}")});
    assert_eq!(
        run(settings, IMAGE, vec![manifest()], vec![]).unwrap(),
        vec![
            ("image-signature".to_string(), "container \"app\" image ghcr.io/org/app:1.0: is not signed: no cosign signature or Sigstore bundle is attached".to_string()),
            ("image-digest-pinned".to_string(), format!("container \"app\" image ghcr.io/org/app:1.0 is not pinned by digest (it resolves to {d})")),
            ("image-digest".to_string(), format!("container \"app\" image ghcr.io/org/app:1.0 resolves to {d}\npatch: {patch}")),
        ]
    );
}

#[test]
fn pinned_image_with_other_manifest_is_refused() {
    let pinned = format!("ghcr.io/org/app@sha256:{}", "cd".repeat(32));
    let settings = key_rule(&Key::p256(1));
    let mut m = manifest();
    m.subject = format!("oci://{pinned}");
    let msg = run(settings, &pinned, vec![m], vec![]).unwrap();
    assert_eq!(
        msg,
        vec![(
            "image-signature".to_string(),
            format!(
                "container \"app\" image {pinned}: the registry served a manifest with digest {}, not the pinned sha256:{}",
                digest(),
                "cd".repeat(32)
            )
        )]
    );
}

#[test]
fn keyless_legacy_signature_with_rekor_bundle_and_count() {
    let ca = Ca::new("fulcio", 7, (T0 - 86_400, T0 + 365 * 86_400));
    let mut log = Log::new("rekor", 9, T0 - 86_400);
    let root = kit::trusted_root(&[&ca], &[&log]);
    let key = Key::p256(3);
    let cert = ca.issue(&Leaf::new("dev@example.test", "https://issuer.test", T0), &key);
    let sig = legacy(&key, Some(&cert), Some((&mut log, T0 + 60)), &digest());
    let root_ev = Evidence {
        subject: "root.json".into(),
        kind: KIND_TRUSTED_ROOT.into(),
        media_type: String::new(),
        data: root.into_bytes(),
        annotations: vec![],
    };
    let settings = |subject: &str, count: u64| {
        json!({"verifyImages": [{"imageReferences": ["ghcr.io/*"], "mutateDigest": false, "verifyDigest": false, "attestors": [{"count": count, "entries": [
            {"keyless": {"subjectRegExp": subject, "issuer": "https://issuer.test"}},
            {"keys": {"publicKeys": Key::p256(5).public_pem()}}
        ]}]}]})
    };
    assert_eq!(
        run(settings(r".*@example\.test", 1), IMAGE, vec![manifest(), sig.clone()], vec![root_ev.clone()]).unwrap(),
        vec![(
            "image-signer".to_string(),
            format!(
                "Signature: cosign signature {}.sig layer 1\nCertificate identity: dev@example.test\nCertificate OIDC issuer: https://issuer.test\nCertificate authority: https://fulcio.test\nTransparency log index: 1000005\nIntegrated time: 2026-11-18T11:07:40Z",
                digest().replace(':', "-")
            )
        )]
    );
    assert_eq!(
        run(settings(r".*@example\.test", 2), IMAGE, vec![manifest(), sig.clone()], vec![root_ev.clone()]).unwrap(),
        vec![("image-signature".to_string(), "container \"app\" image ghcr.io/org/app:1.0: 1 of the required 2 attestors verified (key keys.publicKeys: signature does not verify with key keys.publicKeys)".to_string())]
    );
    assert_eq!(
        run(settings(r"dev@example", 1), IMAGE, vec![manifest(), sig], vec![root_ev]).unwrap(),
        vec![("image-signature".to_string(), "container \"app\" image ghcr.io/org/app:1.0: 0 of the required 1 attestors verified (keyless ~dev@example / https://issuer.test: certificate identity `dev@example.test` does not match the expected regular expression `dev@example`; key keys.publicKeys: signature does not verify with key keys.publicKeys)".to_string())]
    );
}

#[test]
fn a_rule_without_attestors_is_refused() {
    assert_eq!(
        Settings::parse(&json!({"verifyImages": [{"imageReferences": ["*"]}]})).unwrap_err(),
        "setting `verifyImages[0]`: `attestors` must be a non-empty list"
    );
}

#[test]
fn missing_manifest_evidence_is_an_error() {
    assert_eq!(
        run(key_rule(&Key::p256(1)), IMAGE, vec![], vec![]).unwrap_err(),
        "image ghcr.io/org/app:1.0: no oci-manifest evidence for oci://ghcr.io/org/app:1.0 (was it fetched?)"
    );
}

#[test]
fn key_signed_legacy_signature_with_rekor_bundle_checks_the_log() {
    let ca = Ca::new("fulcio", 7, (T0 - 86_400, T0 + 365 * 86_400));
    let mut log = Log::new("rekor", 9, T0 - 86_400);
    let root = kit::trusted_root(&[&ca], &[&log]);
    let root_ev = Evidence {
        subject: "root.json".into(),
        kind: KIND_TRUSTED_ROOT.into(),
        media_type: String::new(),
        data: root.into_bytes(),
        annotations: vec![],
    };
    let key = Key::p256(1);
    let sig = legacy(&key, None, Some((&mut log, T0 + 60)), &digest());
    assert_eq!(
        run(key_rule(&key), IMAGE, vec![manifest(), sig.clone()], vec![root_ev.clone()]).unwrap(),
        signer_finding("\nTransparency log index: 1000005\nIntegrated time: 2026-11-18T11:07:40Z")
    );
    let mut forged = sig;
    for (k, v) in &mut forged.annotations {
        if k == "dev.sigstore.cosign/bundle" {
            *v = v.replacen("\"integratedTime\":", "\"integratedTime\":1", 1);
        }
    }
    assert_eq!(
        run(key_rule(&key), IMAGE, vec![manifest(), forged], vec![root_ev]).unwrap(),
        vec![(
            "image-signature".to_string(),
            "container \"app\" image ghcr.io/org/app:1.0: 0 of the required 1 attestors verified (key keys.publicKeys: signed entry timestamp (SET) does not verify with the log's key)".to_string()
        )]
    );
}

mod fuzz {
    //! Robustness of the image path: whatever bytes a registry serves as the manifest and the
    //! signature layer (payload and annotations), evaluation returns findings or an error and
    //! never panics, and nothing but the genuine signature of the served manifest verifies.
    use proptest::prelude::*;

    use super::*;

    fn verified(result: &Result<Vec<(String, String)>, String>) -> bool {
        result.as_ref().is_ok_and(|findings| findings.iter().all(|(rule, _)| rule != "image-signature"))
    }

    fn annotation_key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("dev.cosignproject.cosign/signature".to_string()),
            Just("dev.sigstore.cosign/certificate".to_string()),
            Just("dev.sigstore.cosign/chain".to_string()),
            Just("dev.sigstore.cosign/bundle".to_string()),
            "[a-z./]{1,30}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn served_bytes_never_panic_or_verify(
            manifest_bytes in proptest::collection::vec(any::<u8>(), 0..512),
            payload in proptest::collection::vec(any::<u8>(), 0..512),
            annotations in proptest::collection::vec((annotation_key(), "[ -~]{0,200}"), 0..5),
        ) {
            let key = Key::p256(1);
            let served = evidence(KIND_OCI_MANIFEST, manifest_bytes, vec![("digest".into(), digest())]);
            let sig = evidence(KIND_COSIGN_SIGNATURE, payload, annotations);
            let result = run(key_rule(&key), IMAGE, vec![served, sig], vec![]);
            prop_assert!(!verified(&result), "{result:?}");
        }

        #[test]
        fn damaged_genuine_signatures_never_verify(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255, any::<bool>()), 1..6),
        ) {
            let key = Key::p256(1);
            let genuine = legacy(&key, None, None, &digest());
            let mut damaged = genuine.clone();
            for (at, xor, in_payload) in flips {
                if in_payload || damaged.annotations.is_empty() {
                    let i = at.index(damaged.data.len());
                    damaged.data[i] ^= xor;
                } else {
                    let n = damaged.annotations.len();
                    let (_, value) = &mut damaged.annotations[at.index(n)];
                    let mut bytes = std::mem::take(value).into_bytes();
                    let i = at.index(bytes.len().max(1)).min(bytes.len().saturating_sub(1));
                    if let Some(b) = bytes.get_mut(i) {
                        *b ^= xor & 0x3f;
                    }
                    *value = String::from_utf8_lossy(&bytes).into_owned();
                }
            }
            prop_assume!(damaged.data != genuine.data || damaged.annotations != genuine.annotations);
            let result = run(key_rule(&key), IMAGE, vec![manifest(), damaged], vec![]);
            prop_assert!(!verified(&result), "{result:?}");
        }
    }
}
