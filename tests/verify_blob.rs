//! Attack suite for `palisade verify blob` (issue 6, cosign / Sigstore half): every valid variant
//! (ECDSA P-256/P-384, Ed25519 and RSA keys; keyless with exact and regexp identities; bundles
//! v0.1, v0.2, v0.3; key-based bundles) verifies, and every hostile variant is denied with its
//! exact reason (or, for unusable trust material, refused as an input error).
//!
//! Real `cosign` and the public-good Sigstore instance are not available here (no binary
//! downloads, no network): the artefacts are Sigstore-format files produced by our own test CA
//! and log (`palisade-sigstore-testkit`: a root + intermediate CA issuing Fulcio-shaped leaf
//! certificates, a Rekor-shaped Merkle log signing SETs and checkpoints, a `trusted_root.json`
//! naming both). Keys come from fixed seeds; nothing secret is committed.
//!
//! `PALISADE_KEEP_CASES=1` keeps each case's directory (printed on stderr) to rerun it with
//! `palisade verify blob`.
//!
//! Each case runs the CLI's own verification (`palisade_cli::verify_blob::verify_blob`): the host
//! reads files, the embedded `supply-chain` component judges them.

#![expect(clippy::expect_used, reason = "test set-up: a panic is a test failure")]

use std::path::Path;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use palisade_cli::verify::Verdict;
use palisade_cli::verify_blob::{BlobRequest, BlobVerification, Match, Signature};
use palisade_engine::{Engine, Policy};
use palisade_sigstore_testkit::{self as kit, BundleVersion, Ca, Key, Leaf, Log, b64, hex, rfc3339, sha256};
use serde_json::{Value, json};

/// Certificates start here (2026-11-18T11:06:40Z); the log entry is integrated a minute later.
const T0: u64 = 1_795_000_000;
const SIGNED_AT: u64 = T0 + 60;
const NOW: u64 = T0 + 3600;
const WHO: &str = "dev@example.test";
const ISSUER: &str = "https://issuer.test";
const WORKFLOW: &str = "https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.0.0";
const GITHUB: &str = "https://token.actions.githubusercontent.com";
const BLOB: &[u8] = b"release artefact v1.0.0\n";
/// Index of the first entry our test log appends (it starts with 5 other leaves), plus the
/// global offset the testkit adds.
const FIRST_INDEX: u64 = 1_000_005;

/// The signature file of a case.
enum Sig {
    Detached(Vec<u8>),
    Bundle(Value),
    BundleText(String),
}

/// What one case puts on disk and passes on the command line.
struct Setup {
    blob: Vec<u8>,
    sig: Sig,
    /// PEM public keys, written to `key-0.pub`, `key-1.pub`, ...
    keys: Vec<String>,
    /// `trusted_root.json` contents.
    root: Option<String>,
    identity: Option<(Match, Match)>,
    now: u64,
}

/// The expected outcome; `{dir}` in strings is the case's temporary directory.
enum Expect {
    Verified(BlobVerification),
    Denied(String),
    InputError(String),
}

struct Case {
    name: &'static str,
    build: fn() -> (Setup, Expect),
}

/// The trusted CA and log, and a rogue CA and log that the trusted root does not name.
struct World {
    ca: Ca,
    rogue_ca: Ca,
    root: String,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let ca = Ca::new("fulcio", 7, (T0 - 86_400, T0 + 365 * 86_400));
        let rogue_ca = Ca::new("rogue", 40, (T0 - 86_400, T0 + 365 * 86_400));
        let root = kit::trusted_root(&[&ca], &[&log()]);
        World { ca, rogue_ca, root }
    })
}

/// A fresh copy of the trusted log (same key, same initial leaves).
fn log() -> Log {
    Log::new("rekor", 9, T0 - 86_400)
}

fn exact(s: &str) -> Match {
    Match::Exact(s.into())
}

fn regex(s: &str) -> Match {
    Match::Regex(s.into())
}

fn who() -> (Match, Match) {
    (exact(WHO), exact(ISSUER))
}

fn digest(blob: &[u8]) -> String {
    format!("sha256:{}", hex(&sha256(blob)))
}

fn keyless_ok(identity: &str, issuer: &str) -> Expect {
    Expect::Verified(BlobVerification {
        key: None,
        certificate_identity: Some(identity.into()),
        certificate_oidc_issuer: Some(issuer.into()),
        certificate_authority: Some("https://fulcio.test".into()),
        tlog_index: Some(FIRST_INDEX),
        integrated_time: Some(rfc3339(SIGNED_AT)),
        digest: digest(BLOB),
    })
}

fn key_ok(file: &str, algorithm: &str, tlog: bool) -> Expect {
    Expect::Verified(BlobVerification {
        key: Some(format!("{{dir}}/{file} ({algorithm})")),
        certificate_identity: None,
        certificate_oidc_issuer: None,
        certificate_authority: None,
        tlog_index: tlog.then_some(FIRST_INDEX),
        integrated_time: tlog.then(|| rfc3339(SIGNED_AT)),
        digest: digest(BLOB),
    })
}

fn denied(reason: &str) -> Expect {
    Expect::Denied(reason.into())
}

/// Signing key of the keyless cases.
fn signer() -> Key {
    Key::p256(1)
}

/// A keyless bundle for `leaf` issued by `ca`, logged in `log` at `time`.
fn keyless_with(version: BundleVersion, ca: &Ca, leaf: &Leaf, log: &mut Log, time: u64) -> Value {
    let key = signer();
    let cert = ca.issue(leaf, &key);
    kit::bundle(version, BLOB, &key, Some(&cert), log, time)
}

fn keyless(version: BundleVersion) -> Value {
    keyless_with(version, &world().ca, &Leaf::new(WHO, ISSUER, T0), &mut log(), SIGNED_AT)
}

fn keyless_setup(bundle: Value) -> Setup {
    Setup {
        blob: BLOB.to_vec(),
        sig: Sig::Bundle(bundle),
        keys: vec![],
        root: Some(world().root.clone()),
        identity: Some(who()),
        now: NOW,
    }
}

fn detached(key: &Key, blob: &[u8]) -> Setup {
    Setup {
        blob: blob.to_vec(),
        sig: Sig::Detached(b64(&key.sign(BLOB)).into_bytes()),
        keys: vec![key.public_pem()],
        root: None,
        identity: None,
        now: NOW,
    }
}

/// The v0.3 keyless bundle's single log entry, for tampering.
fn entry(bundle: &mut Value) -> &mut Value {
    &mut bundle["verificationMaterial"]["tlogEntries"][0]
}

fn root_hash_hex(bundle: &Value) -> String {
    let b = bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["rootHash"].as_str().expect("root");
    hex(&base64_decode(b))
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64")
}

const CASES: &[Case] = &[
    // ---- valid variants ----
    Case {
        name: "valid/key-ecdsa-p256",
        build: || (detached(&Key::p256(2), BLOB), key_ok("key-0.pub", "ECDSA P-256", false)),
    },
    Case {
        name: "valid/key-ecdsa-p384",
        build: || (detached(&Key::p384(3), BLOB), key_ok("key-0.pub", "ECDSA P-384", false)),
    },
    Case {
        name: "valid/key-ed25519",
        build: || (detached(&Key::ed25519(4), BLOB), key_ok("key-0.pub", "Ed25519", false)),
    },
    Case {
        name: "valid/key-rsa-3072",
        build: || (detached(&Key::rsa(3072, 5), BLOB), key_ok("key-0.pub", "RSA-3072", false)),
    },
    Case {
        name: "valid/key-raw-binary-signature",
        build: || {
            let key = Key::p256(2);
            let mut s = detached(&key, BLOB);
            s.sig = Sig::Detached(key.sign(BLOB));
            (s, key_ok("key-0.pub", "ECDSA P-256", false))
        },
    },
    Case {
        name: "valid/key-second-of-two-keys",
        build: || {
            let mut s = detached(&Key::ed25519(4), BLOB);
            s.keys.insert(0, Key::p256(2).public_pem());
            (s, key_ok("key-1.pub", "Ed25519", false))
        },
    },
    Case {
        name: "valid/key-bundle-v0.3",
        build: || {
            let key = Key::p256(2);
            let bundle = kit::bundle(BundleVersion::V03, BLOB, &key, None, &mut log(), SIGNED_AT);
            let s = Setup {
                blob: BLOB.to_vec(),
                sig: Sig::Bundle(bundle),
                keys: vec![key.public_pem()],
                root: Some(world().root.clone()),
                identity: None,
                now: NOW,
            };
            (s, key_ok("key-0.pub", "ECDSA P-256", true))
        },
    },
    Case {
        name: "valid/keyless-bundle-v0.1",
        build: || (keyless_setup(keyless(BundleVersion::V01)), keyless_ok(WHO, ISSUER)),
    },
    Case {
        name: "valid/keyless-bundle-v0.2",
        build: || (keyless_setup(keyless(BundleVersion::V02)), keyless_ok(WHO, ISSUER)),
    },
    Case {
        name: "valid/keyless-bundle-v0.3",
        build: || (keyless_setup(keyless(BundleVersion::V03)), keyless_ok(WHO, ISSUER)),
    },
    Case {
        name: "valid/keyless-regexp-identity-and-issuer",
        build: || {
            let mut s = keyless_setup(keyless(BundleVersion::V03));
            s.identity = Some((regex(r"[a-z]+@example\.test"), regex(r"https://(issuer|other)\.test")));
            (s, keyless_ok(WHO, ISSUER))
        },
    },
    Case {
        name: "valid/keyless-github-workflow-uri",
        build: || {
            let b =
                keyless_with(BundleVersion::V03, &world().ca, &Leaf::new(WORKFLOW, GITHUB, T0), &mut log(), SIGNED_AT);
            let mut s = keyless_setup(b);
            s.identity = Some((
                regex(r"https://github\.com/org/repo/\.github/workflows/release\.yml@refs/tags/v.*"),
                exact(GITHUB),
            ));
            (s, keyless_ok(WORKFLOW, GITHUB))
        },
    },
    Case {
        name: "valid/keyless-deprecated-issuer-extension-only",
        build: || {
            let leaf = Leaf { issuer_v2: None, ..Leaf::new(WHO, ISSUER, T0) };
            (
                keyless_setup(keyless_with(BundleVersion::V03, &world().ca, &leaf, &mut log(), SIGNED_AT)),
                keyless_ok(WHO, ISSUER),
            )
        },
    },
    Case {
        name: "valid/keyless-signed-at-last-second-of-validity",
        build: || {
            let b =
                keyless_with(BundleVersion::V03, &world().ca, &Leaf::new(WHO, ISSUER, T0 - 540), &mut log(), SIGNED_AT);
            (keyless_setup(b), keyless_ok(WHO, ISSUER))
        },
    },
    // ---- key-based, hostile ----
    Case {
        name: "hostile/key-tampered-blob",
        build: || {
            (
                detached(&Key::p256(2), b"release artefact v1.0.1\n"),
                denied("signature does not verify with key {dir}/key-0.pub"),
            )
        },
    },
    Case {
        name: "hostile/key-wrong-key",
        build: || {
            let mut s = detached(&Key::p256(2), BLOB);
            s.keys = vec![Key::p256(3).public_pem()];
            (s, denied("signature does not verify with key {dir}/key-0.pub"))
        },
    },
    Case {
        name: "hostile/key-wrong-key-of-two",
        build: || {
            let mut s = detached(&Key::p256(2), BLOB);
            s.keys = vec![Key::p256(3).public_pem(), Key::ed25519(4).public_pem()];
            (s, denied("signature does not verify with any of the 2 keys"))
        },
    },
    Case {
        name: "hostile/key-malformed-signature-not-base64",
        build: || {
            let mut s = detached(&Key::p256(2), BLOB);
            s.sig = Sig::Detached(b"MEUCIQ!!not base64\n".to_vec());
            (s, denied("signature file is neither base64 nor binary"))
        },
    },
    Case {
        name: "hostile/key-truncated-signature",
        build: || {
            let key = Key::p256(2);
            let mut s = detached(&key, BLOB);
            let sig = key.sign(BLOB);
            s.sig = Sig::Detached(b64(&sig[..sig.len() - 4]).into_bytes());
            (s, denied("signature does not verify with key {dir}/key-0.pub"))
        },
    },
    Case {
        name: "hostile/key-empty-signature",
        build: || {
            let mut s = detached(&Key::p256(2), BLOB);
            s.sig = Sig::Detached(Vec::new());
            (s, denied("signature is empty"))
        },
    },
    Case {
        name: "hostile/key-p384-signature-over-sha256",
        build: || {
            // cosign signs with SHA-384 for P-384 keys; a SHA-256 prehash must not verify.
            use p384::ecdsa::signature::hazmat::PrehashSigner as _;
            let Key::P384(k) = Key::p384(3) else { unreachable!() };
            let sig: p384::ecdsa::Signature = k.sign_prehash(&sha256(BLOB)).expect("sign");
            let mut s = detached(&Key::p384(3), BLOB);
            s.sig = Sig::Detached(b64(sig.to_der().as_bytes()).into_bytes());
            (s, denied("signature does not verify with key {dir}/key-0.pub"))
        },
    },
    Case {
        name: "hostile/key-rsa-1024-refused",
        build: || {
            (
                detached(&Key::rsa(1024, 8), BLOB),
                Expect::InputError(
                    "public key {dir}/key-0.pub: RSA-1024 key is too weak (at least RSA-2048 is required)".into(),
                ),
            )
        },
    },
    Case {
        name: "hostile/key-bundle-wrong-key",
        build: || {
            let bundle = kit::bundle(BundleVersion::V03, BLOB, &Key::p256(2), None, &mut log(), SIGNED_AT);
            let s = Setup {
                blob: BLOB.to_vec(),
                sig: Sig::Bundle(bundle),
                keys: vec![Key::p256(3).public_pem()],
                root: Some(world().root.clone()),
                identity: None,
                now: NOW,
            };
            (s, denied("signature does not verify with key {dir}/key-0.pub"))
        },
    },
    // ---- keyless, hostile ----
    Case {
        name: "hostile/keyless-tampered-blob",
        build: || {
            let mut s = keyless_setup(keyless(BundleVersion::V03));
            s.blob = b"release artefact v1.0.1\n".to_vec();
            let reason = format!(
                "artifact digest {} does not match the bundle's message digest {}",
                digest(&s.blob),
                digest(BLOB)
            );
            (s, Expect::Denied(reason))
        },
    },
    Case {
        name: "hostile/keyless-tampered-blob-no-message-digest",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            b["messageSignature"].as_object_mut().expect("object").remove("messageDigest");
            let mut s = keyless_setup(b);
            s.blob = b"release artefact v1.0.1\n".to_vec();
            (s, denied("signature does not verify with the signing certificate's key"))
        },
    },
    Case {
        name: "hostile/keyless-signature-of-another-blob",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            b["messageSignature"]["signature"] = json!(b64(&signer().sign(b"another blob")));
            (keyless_setup(b), denied("signature does not verify with the signing certificate's key"))
        },
    },
    Case {
        name: "hostile/keyless-identity-mismatch",
        build: || {
            let mut s = keyless_setup(keyless(BundleVersion::V03));
            s.identity = Some((exact("release@example.test"), exact(ISSUER)));
            (s, denied("certificate identity `dev@example.test` does not match the expected `release@example.test`"))
        },
    },
    Case {
        name: "hostile/keyless-issuer-mismatch",
        build: || {
            let mut s = keyless_setup(keyless(BundleVersion::V03));
            s.identity = Some((exact(WHO), exact(GITHUB)));
            (
                s,
                denied(
                    "certificate OIDC issuer `https://issuer.test` does not match the expected `https://token.actions.githubusercontent.com`",
                ),
            )
        },
    },
    Case {
        name: "hostile/keyless-identity-regexp-matches-only-unanchored",
        build: || {
            let b = keyless_with(
                BundleVersion::V03,
                &world().ca,
                &Leaf::new("attacker-dev@example.test.evil", ISSUER, T0),
                &mut log(),
                SIGNED_AT,
            );
            let mut s = keyless_setup(b);
            s.identity = Some((regex(r"dev@example\.test"), exact(ISSUER)));
            (
                s,
                denied(
                    r"certificate identity `attacker-dev@example.test.evil` does not match the expected regular expression `dev@example\.test`",
                ),
            )
        },
    },
    Case {
        name: "hostile/keyless-issuer-regexp-matches-only-unanchored",
        build: || {
            let b = keyless_with(
                BundleVersion::V03,
                &world().ca,
                &Leaf::new(WHO, "https://issuer.test.evil", T0),
                &mut log(),
                SIGNED_AT,
            );
            let mut s = keyless_setup(b);
            s.identity = Some((exact(WHO), regex(r"https://issuer\.test")));
            (
                s,
                denied(
                    r"certificate OIDC issuer `https://issuer.test.evil` does not match the expected regular expression `https://issuer\.test`",
                ),
            )
        },
    },
    Case {
        name: "hostile/keyless-alternation-regexp-unanchored-branch",
        build: || {
            // `^a|b$` unanchored would accept anything starting with `release`; ours wraps it in ^(?:…)$.
            let mut s = keyless_setup(keyless(BundleVersion::V03));
            s.identity = Some((regex(r"dev@example\.tes|release@example\.test"), exact(ISSUER)));
            (
                s,
                denied(
                    r"certificate identity `dev@example.test` does not match the expected regular expression `dev@example\.tes|release@example\.test`",
                ),
            )
        },
    },
    Case {
        name: "hostile/keyless-untrusted-ca",
        build: || {
            let b =
                keyless_with(BundleVersion::V03, &world().rogue_ca, &Leaf::new(WHO, ISSUER, T0), &mut log(), SIGNED_AT);
            (
                keyless_setup(b),
                denied(
                    "certificate issued by `CN=rogue intermediate,O=rogue` does not chain to a trusted certificate authority",
                ),
            )
        },
    },
    Case {
        name: "hostile/keyless-signed-after-certificate-expired",
        build: || {
            let b = keyless_with(BundleVersion::V03, &world().ca, &Leaf::new(WHO, ISSUER, T0), &mut log(), T0 + 601);
            let reason = format!(
                "signing time {} is outside the certificate validity {} to {}",
                rfc3339(T0 + 601),
                rfc3339(T0),
                rfc3339(T0 + 600)
            );
            (keyless_setup(b), Expect::Denied(reason))
        },
    },
    Case {
        name: "hostile/keyless-signed-before-certificate-valid",
        build: || {
            let b = keyless_with(BundleVersion::V03, &world().ca, &Leaf::new(WHO, ISSUER, T0), &mut log(), T0 - 1);
            let reason = format!(
                "signing time {} is outside the certificate validity {} to {}",
                rfc3339(T0 - 1),
                rfc3339(T0),
                rfc3339(T0 + 600)
            );
            (keyless_setup(b), Expect::Denied(reason))
        },
    },
    Case {
        name: "hostile/keyless-signed-after-verification-time",
        build: || {
            let mut s = keyless_setup(keyless(BundleVersion::V03));
            s.now = SIGNED_AT - 1;
            let reason = format!(
                "signing time {} is after the verification time {}",
                rfc3339(SIGNED_AT),
                rfc3339(SIGNED_AT - 1)
            );
            (s, Expect::Denied(reason))
        },
    },
    Case {
        name: "hostile/keyless-not-a-code-signing-certificate",
        build: || {
            let leaf = Leaf { code_signing: false, ..Leaf::new(WHO, ISSUER, T0) };
            (
                keyless_setup(keyless_with(BundleVersion::V03, &world().ca, &leaf, &mut log(), SIGNED_AT)),
                denied("signing certificate is not for code signing (extended key usage)"),
            )
        },
    },
    Case {
        name: "hostile/keyless-no-issuer-extension",
        build: || {
            let leaf = Leaf { issuer_v1: None, issuer_v2: None, ..Leaf::new(WHO, ISSUER, T0) };
            (
                keyless_setup(keyless_with(BundleVersion::V03, &world().ca, &leaf, &mut log(), SIGNED_AT)),
                denied("certificate has no OIDC issuer extension (1.3.6.1.4.1.57264.1.8 or .1.1)"),
            )
        },
    },
    Case {
        name: "hostile/keyless-conflicting-issuer-extensions",
        build: || {
            let leaf = Leaf { issuer_v1: Some(GITHUB.into()), ..Leaf::new(WHO, ISSUER, T0) };
            (
                keyless_setup(keyless_with(BundleVersion::V03, &world().ca, &leaf, &mut log(), SIGNED_AT)),
                denied(
                    "certificate names two different OIDC issuers: https://issuer.test (1.3.6.1.4.1.57264.1.8) and https://token.actions.githubusercontent.com (1.3.6.1.4.1.57264.1.1)",
                ),
            )
        },
    },
    Case {
        name: "hostile/keyless-certificate-swapped-same-key",
        build: || {
            // The log recorded the certificate for dev@; the bundle presents one for release@ with the same key.
            let mut b = keyless(BundleVersion::V03);
            let other = world().ca.issue(&Leaf::new("release@example.test", ISSUER, T0), &signer());
            b["verificationMaterial"]["certificate"]["rawBytes"] = json!(b64(&other));
            let mut s = keyless_setup(b);
            s.identity = Some((exact("release@example.test"), exact(ISSUER)));
            (s, denied("transparency log entry records a different certificate or key"))
        },
    },
    // ---- transparency log, hostile ----
    Case {
        name: "hostile/tlog-missing-entry",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            b["verificationMaterial"]["tlogEntries"] = json!([]);
            (keyless_setup(b), denied("bundle has no transparency log entry"))
        },
    },
    Case {
        name: "hostile/tlog-unknown-log-key",
        build: || {
            let mut rogue = Log::new("rogue-rekor", 50, T0 - 86_400);
            let id = hex(&rogue.id());
            let b = keyless_with(BundleVersion::V03, &world().ca, &Leaf::new(WHO, ISSUER, T0), &mut rogue, SIGNED_AT);
            (keyless_setup(b), Expect::Denied(format!("transparency log entry is from an unknown log (log id {id})")))
        },
    },
    Case {
        name: "hostile/tlog-broken-inclusion-proof-root",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            let computed = root_hash_hex(&b);
            entry(&mut b)["inclusionProof"]["rootHash"] = json!(b64(&[0u8; 32]));
            let reason = format!(
                "inclusion proof does not lead to the root hash (computed {computed}, proof states {})",
                hex(&[0u8; 32])
            );
            (keyless_setup(b), Expect::Denied(reason))
        },
    },
    Case {
        name: "hostile/tlog-inclusion-proof-missing-a-hash",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            entry(&mut b)["inclusionProof"]["hashes"].as_array_mut().expect("hashes").pop();
            (keyless_setup(b), denied("inclusion proof has fewer hashes than the tree is deep"))
        },
    },
    Case {
        name: "hostile/tlog-inclusion-proof-wrong-index",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            let computed = {
                // The same path applied at index 4 leads elsewhere; the reason names both roots.
                let e = &b["verificationMaterial"]["tlogEntries"][0];
                let body = base64_decode(e["canonicalizedBody"].as_str().expect("body"));
                let mut leaf_input = vec![0u8];
                leaf_input.extend(body);
                let hashes: Vec<Vec<u8>> = e["inclusionProof"]["hashes"]
                    .as_array()
                    .expect("hashes")
                    .iter()
                    .map(|h| base64_decode(h.as_str().expect("hash")))
                    .collect();
                hex(&root_at(4, 8, &sha256(&leaf_input), &hashes))
            };
            let stated = root_hash_hex(&b);
            entry(&mut b)["inclusionProof"]["logIndex"] = json!("4");
            (
                keyless_setup(b),
                Expect::Denied(format!(
                    "inclusion proof does not lead to the root hash (computed {computed}, proof states {stated})"
                )),
            )
        },
    },
    Case {
        name: "hostile/tlog-checkpoint-signed-by-another-log",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            let rogue = Log::new("rekor", 50, T0);
            let root: [u8; 32] = base64_decode(
                b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["rootHash"].as_str().expect("root"),
            )
            .try_into()
            .expect("32");
            entry(&mut b)["inclusionProof"]["checkpoint"]["envelope"] = json!(rogue.checkpoint(8, &root));
            (keyless_setup(b), denied("signed checkpoint is not signed by the log's key"))
        },
    },
    Case {
        name: "hostile/tlog-checkpoint-forged-signature",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            let env = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"]
                .as_str()
                .expect("envelope")
                .to_string();
            entry(&mut b)["inclusionProof"]["checkpoint"]["envelope"] =
                json!(env.replacen("rekor - 1234", "rekor - 1235", 1));
            (keyless_setup(b), denied("signed checkpoint signature does not verify with the log's key"))
        },
    },
    Case {
        name: "hostile/tlog-checkpoint-of-another-tree",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            entry(&mut b)["inclusionProof"]["checkpoint"]["envelope"] = json!(log().checkpoint(5, &[7u8; 32]));
            (
                keyless_setup(b),
                denied("signed checkpoint does not commit to the inclusion proof's tree (size or root differ)"),
            )
        },
    },
    Case {
        name: "hostile/tlog-v0.3-without-inclusion-proof",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            entry(&mut b).as_object_mut().expect("entry").remove("inclusionProof");
            (keyless_setup(b), denied("transparency log entry has no inclusion proof"))
        },
    },
    Case {
        name: "hostile/tlog-set-over-another-integrated-time",
        build: || {
            // Backdating the entry into the certificate's validity breaks the SET.
            let mut b = keyless(BundleVersion::V01);
            entry(&mut b)["integratedTime"] = json!((SIGNED_AT + 5).to_string());
            (keyless_setup(b), denied("signed entry timestamp (SET) does not verify with the log's key"))
        },
    },
    Case {
        name: "hostile/tlog-no-set-no-verified-time",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            entry(&mut b).as_object_mut().expect("entry").remove("inclusionPromise");
            (
                keyless_setup(b),
                denied("no verified signing time: the transparency log entry has no signed entry timestamp (SET)"),
            )
        },
    },
    Case {
        name: "hostile/tlog-entry-for-another-artifact",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            let cert = base64_decode(b["verificationMaterial"]["certificate"]["rawBytes"].as_str().expect("cert"));
            let other = kit::hashedrekord(b"another blob", &signer().sign(BLOB), &kit::pem("CERTIFICATE", &cert));
            entry(&mut b)["canonicalizedBody"] = json!(b64(&other));
            let reason = format!(
                "transparency log entry is for another artifact ({}, expected {})",
                digest(b"another blob"),
                digest(BLOB)
            );
            (keyless_setup(b), Expect::Denied(reason))
        },
    },
    // ---- malformed bundles ----
    Case {
        name: "hostile/bundle-not-json",
        build: || {
            let mut s = keyless_setup(Value::Null);
            s.sig = Sig::BundleText("{\"mediaType\": ".into());
            (s, denied("bundle is not JSON: EOF while parsing a value at line 1 column 14"))
        },
    },
    Case {
        name: "hostile/bundle-unknown-media-type",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            b["mediaType"] = json!("application/vnd.dev.sigstore.bundle.v0.9+json");
            (keyless_setup(b), denied("unsupported bundle media type `application/vnd.dev.sigstore.bundle.v0.9+json`"))
        },
    },
    Case {
        name: "hostile/bundle-dsse-envelope",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            b["dsseEnvelope"] = json!({"payload": "", "payloadType": "application/vnd.in-toto+json", "signatures": []});
            (keyless_setup(b), denied("bundle holds a DSSE envelope (an attestation), not a message signature"))
        },
    },
    Case {
        name: "hostile/bundle-certificate-not-der",
        build: || {
            let mut b = keyless(BundleVersion::V03);
            b["verificationMaterial"]["certificate"]["rawBytes"] = json!(b64(b"not a certificate"));
            (
                keyless_setup(b),
                denied(
                    "certificate is not valid DER X.509: unexpected ASN.1 DER tag: expected SEQUENCE, got APPLICATION [14] (constructed)",
                ),
            )
        },
    },
    Case {
        name: "hostile/keyless-without-identity-is-an-input-error",
        build: || {
            let mut s = keyless_setup(keyless(BundleVersion::V03));
            s.identity = None;
            (
                s,
                Expect::InputError(
                    "blob release.txt: a keyless bundle needs an expected certificate identity and OIDC issuer".into(),
                ),
            )
        },
    },
];

/// RFC 9162 root from a path, for the wrong-index case (independent of the guest's code).
fn root_at(index: u64, size: u64, leaf: &[u8; 32], path: &[Vec<u8>]) -> [u8; 32] {
    let node = |l: &[u8], r: &[u8]| {
        let mut v = vec![1u8];
        v.extend_from_slice(l);
        v.extend_from_slice(r);
        sha256(&v)
    };
    let (mut f, mut s, mut r) = (index, size - 1, *leaf);
    for p in path {
        if f & 1 == 1 || f == s {
            r = node(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    r
}

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let engine = Engine::new(palisade_cli::policy_set::engine_config()).expect("engine");
        palisade_cli::verify::load_policy(&engine).expect("the supply-chain policy loads")
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failed> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn run(case: &Case) -> Result<(), Failed> {
    let (setup, expect) = (case.build)();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let d = dir.path().display().to_string();
    let blob = dir.path().join("release.txt");
    write(&blob, &setup.blob)?;
    let sig_path = dir.path().join("release.sig");
    let signature = match &setup.sig {
        Sig::Detached(bytes) => {
            write(&sig_path, bytes)?;
            Signature::Detached(sig_path)
        }
        Sig::Bundle(v) => {
            write(&sig_path, v.to_string().as_bytes())?;
            Signature::Bundle(sig_path)
        }
        Sig::BundleText(t) => {
            write(&sig_path, t.as_bytes())?;
            Signature::Bundle(sig_path)
        }
    };
    let mut keys = Vec::new();
    for (i, k) in setup.keys.iter().enumerate() {
        let p = dir.path().join(format!("key-{i}.pub"));
        write(&p, k.as_bytes())?;
        keys.push(p);
    }
    let trusted_root = match &setup.root {
        Some(r) => {
            let p = dir.path().join("trusted_root.json");
            write(&p, r.as_bytes())?;
            Some(p)
        }
        None => None,
    };
    let now_unix = i64::try_from(setup.now).map_err(|e| e.to_string())?;
    let request = BlobRequest { blob, signature, keys, trusted_root, identity: setup.identity, now_unix };
    let result = palisade_cli::verify_blob::verify_blob(policy(), &request);
    if std::env::var_os("PALISADE_KEEP_CASES").is_some() {
        // Reproduce a case with the CLI: the directory holds release.txt, release.sig, keys, trusted_root.json.
        eprintln!("{}: {}", case.name, dir.keep().display());
    }
    let fill = |s: &str| s.replace("{dir}", &d);
    match (expect, result) {
        (Expect::Verified(mut v), Ok(got)) => {
            v.key = v.key.as_deref().map(fill);
            let want = Verdict::Verified(v);
            if got == want { Ok(()) } else { Err(format!("expected {want:?}\n     got {got:?}").into()) }
        }
        (Expect::Denied(reason), Ok(got)) => {
            let want = Verdict::NotVerified(fill(&reason));
            if got == want { Ok(()) } else { Err(format!("expected {want:?}\n     got {got:?}").into()) }
        }
        (Expect::InputError(msg), Err(e)) => {
            let (want, got) = (fill(&msg), format!("{e:#}"));
            if got.ends_with(&want) {
                Ok(())
            } else {
                Err(format!("expected an input error ending in {want:?}\n     got {got:?}").into())
            }
        }
        (Expect::InputError(msg), Ok(got)) => Err(format!("expected input error {msg:?}, got {got:?}").into()),
        (_, Err(e)) => Err(format!("unexpected error: {e:#}").into()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let hostile = CASES.iter().filter(|c| c.name.starts_with("hostile/")).count();
    assert!(hostile >= 20, "the cosign attack suite needs at least 20 hostile cases, has {hostile}");
    let trials = CASES.iter().map(|case| Trial::test(case.name, move || run(case))).collect();
    libtest_mimic::run(&args, trials).exit();
}
