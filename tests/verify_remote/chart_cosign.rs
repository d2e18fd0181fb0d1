//! `verify chart oci://…` with cosign signers, as Sveltos verifies charts: the chart is pushed
//! with the real `helm push`, and its manifest is signed exactly like an image's, with the test
//! keys, CA and log of `palisade-sigstore-testkit` (real `cosign` cannot run here). Signatures
//! are attached as cosign attaches them: a legacy `sha256-<hex>.sig` manifest, or a Sigstore
//! bundle through the referrers tag schema (distribution 2.8 has no referrers API).

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::Failed;
use palisade_cli::verify_remote::{self, ImageVerdict, Signers};
use palisade_sigstore_testkit::{self as kit, BundleVersion, Ca, Key, Leaf, Log};

use super::push::{Pushed, Pusher};
use super::{Env, fetch, fetcher, policy, remote, same};

/// Certificates start here; the log entry is integrated a minute later; verified an hour later.
const T0: u64 = 1_795_000_000;
const SIGNED_AT: u64 = T0 + 60;
const NOW: i64 = 1_795_003_600;
const WHO: &str = "dev@example.test";
const ISSUER: &str = "https://issuer.test";
/// The first entry the test log appends (after its 5 leaves), with the testkit's offset.
const FIRST_INDEX: u64 = 1_000_005;

/// The trusted CA, and a fresh copy of the trusted log (same key, same first leaves).
fn ca() -> Ca {
    Ca::new("fulcio", 7, (T0 - 86_400, T0 + 365 * 86_400))
}
fn log() -> Log {
    Log::new("rekor", 9, T0 - 86_400)
}

/// A pushed chart: its `oci://` subject and manifest.
pub struct Chart {
    pub subject: String,
    pub repo: String,
    pub manifest: Pushed,
}

/// `helm push` the demo chart (`fixture`) as `<repo>/demo:0.1.0`.
pub fn push_demo(env: &Env, repo: &str, fixture: &str) -> Chart {
    let dir = env.demo_dir(fixture, false);
    let digest = env.helm_push(dir.path(), "demo-0.1.0.tgz", repo);
    chart(env.host(), repo, &digest, None)
}

/// The chart `<repo>/demo:0.1.0` in the registry at `host`, read back with credentials `login`.
pub fn chart(host: &str, repo: &str, digest: &str, login: Option<(&str, &str)>) -> Chart {
    let subject = format!("oci://{host}/{repo}/demo:0.1.0");
    let f = fetcher(|c| {
        if let Some((user, pass)) = login {
            let config = format!(r#"{{"auths": {{"{host}": {{"username": "{user}", "password": "{pass}"}}}}}}"#);
            c.credentials = palisade_evidence::Credentials::parse(config.as_bytes()).expect("credentials");
        }
    });
    let evidence = fetch(&f, &subject, "oci-signatures").expect("chart manifest");
    let manifest = evidence.into_iter().find(|e| e.kind == "oci-manifest").expect("oci-manifest evidence");
    assert_eq!(palisade_evidence::sha256(&manifest.data), digest, "helm push digest");
    Chart { subject, repo: format!("{repo}/demo"), manifest: Pushed { bytes: manifest.data, digest: digest.into() } }
}

/// Attach a legacy cosign signature to `chart` whose payload names `signed_digest`.
pub fn sign_legacy(
    pusher: &Pusher,
    host: &str,
    chart: &Chart,
    signed_digest: &str,
    key: &Key,
    keyless: Option<(&[u8], &mut Log)>,
) {
    let payload = kit::simple_signing_payload(&format!("{host}/{}", chart.repo), signed_digest);
    let annotations = match keyless {
        Some((cert, log)) => kit::legacy_annotations(&payload, key, Some(cert), Some((log, SIGNED_AT))),
        None => kit::legacy_annotations(&payload, key, None, None),
    };
    let layer = (payload, annotations.iter().map(|(k, v)| (k.as_str(), v.clone())).collect());
    pusher.cosign_signatures(&chart.repo, &chart.manifest, &[layer]);
}

/// Write `key`'s public PEM to `dir/name`.
pub fn key_file(dir: &Path, name: &str, key: &Key) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, key.public_pem()).expect("public key");
    path
}

fn key_signers(path: &Path) -> Signers {
    Signers { keys: vec![path.to_path_buf()], ..Signers::default() }
}

fn verify(subject: &str, signers: &Signers) -> Result<ImageVerdict, Failed> {
    verify_remote::verify_chart_signatures(policy(), &remote(), subject, signers, NOW)
        .map_err(|e| Failed::from(format!("{e:#}")))
}

/// `Signature: cosign signature sha256-<hex>.sig layer 1` for `digest`.
pub fn legacy_line(digest: &str) -> String {
    format!("Signature: cosign signature {}.sig layer 1", digest.replace(':', "-"))
}

fn keyless_lines() -> String {
    format!(
        "Certificate identity: {WHO}\nCertificate OIDC issuer: {ISSUER}\nCertificate authority: https://fulcio.test\nTransparency log index: {FIRST_INDEX}\nIntegrated time: {}",
        kit::rfc3339(SIGNED_AT)
    )
}

pub fn key_signed(env: &Env) -> Result<(), Failed> {
    let chart = push_demo(env, "cosign-key", "demo-0.1.0.tgz");
    let key = Key::p256(21);
    sign_legacy(&env.pusher(), env.host(), &chart, &chart.manifest.digest, &key, None);
    let dir = tempfile::tempdir()?;
    let pub_key = key_file(dir.path(), "cosign.pub", &key);
    same(verify(&chart.subject, &key_signers(&pub_key))?, key_verified(&chart.manifest.digest, &pub_key))
}

/// The verdict for a chart with digest `d` verified by a legacy signature with the P-256 key `key`.
pub fn key_verified(d: &str, key: &Path) -> ImageVerdict {
    ImageVerdict::Verified { details: vec![key_details(d, key)], digest: d.to_string() }
}

/// The `image-signer` detail of that verdict.
pub fn key_details(d: &str, key: &Path) -> String {
    format!("{}\nVerified with key: {} (ECDSA P-256)", legacy_line(d), key.display())
}

pub fn keyless_exact(env: &Env) -> Result<(), Failed> {
    let chart = push_demo(env, "cosign-keyless", "demo-0.1.0.tgz");
    let (ca, key) = (ca(), Key::p256(1));
    let cert = ca.issue(&Leaf::new(WHO, ISSUER, T0), &key);
    sign_legacy(&env.pusher(), env.host(), &chart, &chart.manifest.digest, &key, Some((&cert, &mut log())));
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("trusted_root.json");
    std::fs::write(&root, kit::trusted_root(&[&ca], &[&log()]))?;
    let signers = Signers {
        trusted_roots: vec![root],
        identity: Some(WHO.into()),
        issuer: Some(ISSUER.into()),
        ..Signers::default()
    };
    let d = chart.manifest.digest.clone();
    same(
        verify(&chart.subject, &signers)?,
        ImageVerdict::Verified { details: vec![format!("{}\n{}", legacy_line(&d), keyless_lines())], digest: d },
    )
}

/// A Sigstore bundle over the chart manifest, attached as a referrer; identity and issuer given as
/// regular expressions, which are anchored: a pattern matching only part of the identity fails.
pub fn keyless_bundle_regexp(env: &Env) -> Result<(), Failed> {
    let chart = push_demo(env, "cosign-bundle", "demo-0.1.0.tgz");
    let (ca, key) = (ca(), Key::p256(1));
    let cert = ca.issue(&Leaf::new(WHO, ISSUER, T0), &key);
    let bundle = kit::bundle(BundleVersion::V03, &chart.manifest.bytes, &key, Some(&cert), &mut log(), SIGNED_AT);
    let index = env.pusher().bundles(&chart.repo, &chart.manifest, &[serde_json::to_vec(&bundle)?], &[]);
    let index: serde_json::Value = serde_json::from_slice(&index.bytes)?;
    let referrer = index["manifests"][0]["digest"].as_str().unwrap_or_default().to_string();
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("trusted_root.json");
    std::fs::write(&root, kit::trusted_root(&[&ca], &[&log()]))?;
    let signers = |identity: &str| Signers {
        trusted_roots: vec![root.clone()],
        identity_regexp: Some(identity.into()),
        issuer_regexp: Some(r"https://issuer\.(test|example)".into()),
        ..Signers::default()
    };
    let d = chart.manifest.digest.clone();
    same(
        verify(&chart.subject, &signers(r"[a-z]+@example\.test"))?,
        ImageVerdict::Verified {
            details: vec![format!("Signature: Sigstore bundle in referrer {referrer}\n{}", keyless_lines())],
            digest: d,
        },
    )?;
    same(
        verify(&chart.subject, &signers(r"example\.test"))?,
        ImageVerdict::NotVerified(vec![format!(
            r"0 of the required 1 attestors verified (keyless ~example\.test / ~https://issuer\.(test|example): certificate identity `{WHO}` does not match the expected regular expression `example\.test`)"
        )]),
    )
}

pub fn wrong_key(env: &Env) -> Result<(), Failed> {
    let chart = push_demo(env, "cosign-wrongkey", "demo-0.1.0.tgz");
    sign_legacy(&env.pusher(), env.host(), &chart, &chart.manifest.digest, &Key::p256(21), None);
    let dir = tempfile::tempdir()?;
    let other = key_file(dir.path(), "other.pub", &Key::p256(22));
    let k = other.display();
    same(
        verify(&chart.subject, &key_signers(&other))?,
        ImageVerdict::NotVerified(vec![format!(
            "0 of the required 1 attestors verified (key {k}: signature does not verify with key {k})"
        )]),
    )
}

/// The signature of version 0.2.0, copied to 0.1.0's signature tag: it names the other digest.
pub fn other_version(env: &Env) -> Result<(), Failed> {
    let helm = env.helm.as_deref().expect("trial runs only with helm");
    let dir = tempfile::tempdir()?;
    let run = |args: &[&str]| -> Result<(), Failed> {
        let out = Command::new(helm).current_dir(dir.path()).env("HELM_CONFIG_HOME", dir.path()).args(args).output()?;
        if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned().into()) }
    };
    run(&["create", "demo"])?;
    run(&["package", "demo", "--version", "0.1.0"])?;
    run(&["package", "demo", "--version", "0.2.0"])?;
    let v1 = env.helm_push(dir.path(), "demo-0.1.0.tgz", "cosign-versions");
    let v2 = env.helm_push(dir.path(), "demo-0.2.0.tgz", "cosign-versions");
    let chart = chart(env.host(), "cosign-versions", &v1, None);
    let key = Key::p256(21);
    sign_legacy(&env.pusher(), env.host(), &chart, &v2, &key, None);
    let keys = tempfile::tempdir()?;
    let pub_key = key_file(keys.path(), "cosign.pub", &key);
    same(
        verify(&chart.subject, &key_signers(&pub_key))?,
        ImageVerdict::NotVerified(vec![format!(
            "0 of the required 1 attestors verified (key {}: cosign signature payload signs {v2}, not this image's {v1})",
            pub_key.display()
        )]),
    )
}

pub fn unsigned(env: &Env) -> Result<(), Failed> {
    let chart = push_demo(env, "cosign-unsigned", "demo-0.1.0.tgz");
    let dir = tempfile::tempdir()?;
    let pub_key = key_file(dir.path(), "cosign.pub", &Key::p256(21));
    same(
        verify(&chart.subject, &key_signers(&pub_key))?,
        ImageVerdict::NotVerified(vec![format!(
            "no cosign signature or Sigstore bundle is attached to {}",
            chart.manifest.digest
        )]),
    )
}

/// Signed, then another chart pushed under the same tag: the tag names a manifest nobody signed.
pub fn retagged(env: &Env) -> Result<(), Failed> {
    let chart = push_demo(env, "cosign-retag", "demo-0.1.0.tgz");
    let key = Key::p256(21);
    sign_legacy(&env.pusher(), env.host(), &chart, &chart.manifest.digest, &key, None);
    let dir = tempfile::tempdir()?;
    let pub_key = key_file(dir.path(), "cosign.pub", &key);
    same(verify(&chart.subject, &key_signers(&pub_key))?, key_verified(&chart.manifest.digest, &pub_key))?;
    let tampered = push_demo(env, "cosign-retag", "tampered-chart/demo-0.1.0.tgz");
    if tampered.manifest.digest == chart.manifest.digest {
        return Err("the tampered chart has the same manifest digest".into());
    }
    same(
        verify(&chart.subject, &key_signers(&pub_key))?,
        ImageVerdict::NotVerified(vec![format!(
            "no cosign signature or Sigstore bundle is attached to {}",
            tampered.manifest.digest
        )]),
    )
}

/// An image is not a chart.
pub fn not_a_chart(env: &Env) -> Result<(), Failed> {
    let image = env.pusher().image("apps/notachart", "1.0", b"layer of an image");
    let dir = tempfile::tempdir()?;
    let pub_key = key_file(dir.path(), "cosign.pub", &Key::p256(21));
    let subject = format!("oci://{}/apps/notachart:1.0", env.host());
    let got = verify_remote::verify_chart_signatures(policy(), &remote(), &subject, &key_signers(&pub_key), NOW)
        .map_err(|e| format!("{e:#}"));
    same(
        got,
        Err(format!(
            "{subject} ({}) is not a Helm chart (config media type application/vnd.oci.image.config.v1+json, expected application/vnd.cncf.helm.config.v1+json)",
            image.digest
        )),
    )
}
