//! The `palisade` binary itself, for what only a process shows: exit codes, stdout and stderr,
//! and the environment (`DOCKER_CONFIG`). The binary is the one Cargo built beside this test
//! (`target/<profile>/palisade`; `cargo test --workspace` builds it, `cargo test -p palisade-tests`
//! alone does not rebuild it: add `--test cli`, a test of `palisade-cli`, so Cargo does); without
//! it these trials are ignored, and fail in CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::Failed;
use palisade_sigstore_testkit::Key;

use super::chart_cosign::{key_details, key_file, push_demo, sign_legacy};
use super::{Env, same};

/// `target/<profile>/palisade`, if built.
pub fn binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("palisade");
    path.is_file().then_some(path)
}

/// What one run printed, and its exit code.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn new(code: i32, stdout: &str, stderr: &str) -> Run {
        Run { code: Some(code), stdout: stdout.into(), stderr: stderr.into() }
    }
}

/// Run `palisade ARGS --no-cache` with `DOCKER_CONFIG=docker_config` and an empty `HOME`.
pub fn palisade(args: &[&str], docker_config: &Path) -> Result<Run, Failed> {
    let bin = binary().ok_or("the palisade binary is not built")?;
    let home = tempfile::tempdir()?;
    let out = Command::new(bin)
        .args(args)
        .arg("--no-cache")
        .env("DOCKER_CONFIG", docker_config)
        .env("HOME", home.path())
        .env_remove("PALISADE_LOG")
        .output()?;
    Ok(Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// `verify chart oci://…` output, JSON and exit codes: cosign alone, `.prov` and cosign together
/// (both must verify), and the usage errors.
pub fn chart_output(env: &Env) -> Result<(), Failed> {
    let dir = env.demo_dir("demo-0.1.0.tgz", true);
    let digest = env.helm_push(dir.path(), "demo-0.1.0.tgz", "cli-chart");
    let chart = super::chart_cosign::chart(env.host(), "cli-chart", &digest, None);
    let key = Key::p256(31);
    sign_legacy(&env.pusher(), env.host(), &chart, &digest, &key, None);
    let keys = tempfile::tempdir()?;
    let good = key_file(keys.path(), "cosign.pub", &key);
    let bad = key_file(keys.path(), "other.pub", &Key::p256(32));
    let (good, bad) = (good.display().to_string(), bad.display().to_string());
    let subject = chart.subject.as_str();
    let none = tempfile::tempdir()?;
    let run = |args: &[&str]| palisade(args, none.path());
    let signature = key_details(&digest, Path::new(&good));

    same(
        run(&["verify", "chart", subject, "--key", &good])?,
        Run::new(0, &format!("{subject}: verified ({digest})\n{signature}\n"), ""),
    )?;
    let json = serde_json::json!({"chart": subject, "verified": true, "digest": digest, "details": [signature]});
    same(
        run(&["verify", "chart", subject, "--key", &good, "--format", "json"])?,
        Run::new(0, &format!("{}\n", serde_json::to_string_pretty(&json)?), ""),
    )?;
    let bad_reason =
        format!("0 of the required 1 attestors verified (key {bad}: signature does not verify with key {bad})");
    same(
        run(&["verify", "chart", subject, "--key", &bad])?,
        Run::new(1, &format!("{subject}: not verified: {bad_reason}\n"), ""),
    )?;
    let keyring = env.fixtures.join("pubring.gpg");
    let keyring = keyring.to_str().ok_or("fixture path")?;
    let now = super::FIXTURE_NOW.to_string();
    let prov = format!(
        "Signed by: {}\nUsing Key With Fingerprint: {}\nChart Hash Verified: {}\n",
        super::RSA_UID,
        super::RSA_FPR,
        super::DEMO_SHA256
    );
    same(
        run(&["verify", "chart", subject, "--keyring", keyring, "--key", &good, "--now", &now])?,
        Run::new(
            0,
            &format!(
                "{subject}: provenance verified\n{prov}{subject}: cosign signature verified ({digest})\n{signature}\n"
            ),
            "",
        ),
    )?;
    same(
        run(&["verify", "chart", subject, "--keyring", keyring, "--key", &bad, "--now", &now])?,
        Run::new(
            1,
            &format!("{subject}: provenance verified\n{prov}{subject}: cosign signature not verified: {bad_reason}\n"),
            "",
        ),
    )?;
    let json = serde_json::json!({
        "chart": subject,
        "verified": false,
        "provenance": {"verified": true, "signedBy": super::RSA_UID, "fingerprint": super::RSA_FPR, "digest": super::DEMO_SHA256},
        "cosign": {"verified": false, "reasons": [bad_reason]},
    });
    same(
        run(&["verify", "chart", subject, "--keyring", keyring, "--key", &bad, "--now", &now, "--format", "json"])?,
        Run::new(1, &format!("{}\n", serde_json::to_string_pretty(&json)?), ""),
    )?;
    usage_errors(&run, subject, &good)?;
    let unsigned = push_demo(env, "cli-unsigned", "demo-0.1.0.tgz");
    same(
        run(&["verify", "chart", &unsigned.subject, "--key", &good])?,
        Run::new(
            1,
            &format!(
                "{}: not verified: no cosign signature or Sigstore bundle is attached to {}\n",
                unsigned.subject, unsigned.manifest.digest
            ),
            "",
        ),
    )
}

/// The usage errors of `verify chart` with cosign signers (exit 2, nothing on stdout).
fn usage_errors(run: &dyn Fn(&[&str]) -> Result<Run, Failed>, subject: &str, good: &str) -> Result<(), Failed> {
    same(
        run(&["verify", "chart", subject])?,
        Run::new(
            2,
            "",
            &format!(
                "palisade: verify chart {subject}: no signer given; give --keyring FILE (its .prov) and/or cosign signers: --key FILE, or --trusted-root FILE with --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]\n"
            ),
        ),
    )?;
    same(
        run(&["verify", "chart", subject, "--key", good, "--prov", "demo-0.1.0.tgz.prov"])?,
        Run::new(
            2,
            "",
            &format!("palisade: --prov applies to local charts only; {subject} brings its own provenance\n"),
        ),
    )?;
    let url = "https://charts.example.invalid/demo-0.1.0.tgz";
    same(
        run(&["verify", "chart", url, "--key", good])?,
        Run::new(
            2,
            "",
            &format!(
                "palisade: verify chart {url}: cosign signers (--key, --trusted-root, --certificate-*) apply to oci:// charts only; verify this chart's .prov with --keyring FILE\n"
            ),
        ),
    )?;
    Ok(())
}
