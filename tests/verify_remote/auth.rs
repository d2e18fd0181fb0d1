//! A registry with a password: `docker-registry` with htpasswd basic authentication (bcrypt hash
//! made here). Distribution accepts basic authentication over plain HTTP (it only logs a warning
//! that TLS should be used), and palisade uses plain HTTP only to loopback registries, so no TLS
//! is needed on 127.0.0.1. Credentials reach palisade the way they reach the docker CLI: a
//! `config.json` with `auths.<registry>.auth` = base64 `user:password`, in the directory
//! `DOCKER_CONFIG` names.

use std::path::Path;

use base64::Engine as _;
use libtest_mimic::Failed;
use oci_client::secrets::RegistryAuth;
use palisade_sigstore_testkit::Key;

use super::chart_cosign::{chart, key_details, key_file, sign_legacy};
use super::cli::{Run, palisade};
use super::push::Pusher;
use super::registry::Registry;
use super::{Env, same};

const USER: &str = "palisade";
const PASSWORD: &str = "s3cret pass:word";

/// An htpasswd line with a bcrypt (`$2y$`, cost 4) hash.
fn htpasswd(user: &str, password: &str) -> Result<String, Failed> {
    let hash = bcrypt::hash_with_result(password, 4).map_err(|e| e.to_string())?;
    Ok(format!("{user}:{}", hash.format_for_version(bcrypt::Version::TwoY)))
}

/// A directory holding a docker `config.json` with `user:password` for `registry`.
fn docker_config(registry: &str, user: &str, password: &str) -> Result<tempfile::TempDir, Failed> {
    let dir = tempfile::tempdir()?;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let config = serde_json::json!({"auths": {registry: {"auth": auth}}});
    std::fs::write(dir.path().join("config.json"), serde_json::to_vec_pretty(&config)?)?;
    Ok(dir)
}

/// `verify image` and `verify chart oci://` fetch from a registry with a password when the docker
/// config has it; without it, or with a wrong password, the error names the registry and says
/// authentication failed (exit 2).
pub fn docker_config_credentials(env: &Env) -> Result<(), Failed> {
    let registry = Registry::start(Some(&htpasswd(USER, PASSWORD)?));
    let host = registry.host.as_str();
    let pusher = Pusher::new(host, RegistryAuth::Basic(USER.into(), PASSWORD.into()));
    let key = Key::p256(41);

    let image = pusher.image("apps/private", "1.0", b"layer of private");
    let payload = palisade_sigstore_testkit::simple_signing_payload(&format!("{host}/apps/private"), &image.digest);
    let annotations = palisade_sigstore_testkit::legacy_annotations(&payload, &key, None, None);
    let layer = (payload, annotations.iter().map(|(k, v)| (k.as_str(), v.clone())).collect());
    pusher.cosign_signatures("apps/private", &image, &[layer]);

    let dir = env.demo_dir("demo-0.1.0.tgz", true);
    let digest =
        super::helm_push(env.helm.as_deref(), host, dir.path(), "demo-0.1.0.tgz", "private", Some((USER, PASSWORD)));
    let chart = chart(host, "private", &digest, Some((USER, PASSWORD)));
    sign_legacy(&pusher, host, &chart, &digest, &key, None);

    let keys = tempfile::tempdir()?;
    let pub_key = key_file(keys.path(), "cosign.pub", &key);
    let k = pub_key.to_str().ok_or("key path")?;
    let image_ref = format!("{host}/apps/private:1.0");
    let image_subject = format!("oci://{image_ref}");
    let verified = |d: &str| key_details(d, &pub_key);

    let good = docker_config(host, USER, PASSWORD)?;
    same(
        palisade(&["verify", "image", &image_ref, "--key", k], good.path())?,
        Run::new(0, &format!("{image_ref}: verified ({})\n{}\n", image.digest, verified(&image.digest)), ""),
    )?;
    same(
        palisade(&["verify", "chart", &chart.subject, "--key", k], good.path())?,
        Run::new(0, &format!("{}: verified ({digest})\n{}\n", chart.subject, verified(&digest)), ""),
    )?;
    // The `.prov` layer and the chart layer come through the same authenticated client.
    let keyring = env.fixtures.join("pubring.gpg");
    let now = super::FIXTURE_NOW.to_string();
    let args = ["verify", "chart", &chart.subject, "--keyring", keyring.to_str().ok_or("path")?, "--now", &now];
    same(
        palisade(&args, good.path())?,
        Run::new(
            0,
            &format!(
                "Signed by: {}\nUsing Key With Fingerprint: {}\nChart Hash Verified: {}\n",
                super::RSA_UID,
                super::RSA_FPR,
                super::DEMO_SHA256
            ),
            "",
        ),
    )?;

    let missing = tempfile::tempdir()?;
    let wrong = docker_config(host, USER, "not the password")?;
    let helper = tempfile::tempdir()?;
    let helper_file = helper.path().join("config.json");
    std::fs::write(&helper_file, serde_json::to_vec(&serde_json::json!({"credHelpers": {host: "secretservice"}}))?)?;
    let cases = [
        (missing.path(), format!("there is no docker config at {}", missing.path().join("config.json").display())),
        (
            helper.path(),
            format!(
                "the docker config {} has no `auths` entry for it; it names the credential helper `secretservice`, which palisade does not run (store the credentials inline in `auths`)",
                helper_file.display()
            ),
        ),
    ];
    let refused = |subject: &str, path: &str, config: &Path, reason: &str| -> Result<(), Failed> {
        let stderr = format!(
            "palisade: authentication to registry `{host}` failed for `{subject}`: {reason} (Not authorized: url http://{host}/v2/{path}/manifests/{})\n",
            if path == "apps/private" { "1.0" } else { "0.1.0" }
        );
        let args: Vec<&str> = if path == "apps/private" {
            vec!["verify", "image", &image_ref, "--key", k]
        } else {
            vec!["verify", "chart", subject, "--key", k]
        };
        same(palisade(&args, config)?, Run::new(2, "", &stderr))
    };
    for (config, missing) in &cases {
        let reason = format!("the registry requires credentials and {missing}");
        refused(&image_subject, "apps/private", config, &reason)?;
        refused(&chart.subject, "private/demo", config, &reason)?;
    }
    let reason = format!("the registry refused the credentials of user `{USER}` from the docker config");
    refused(&image_subject, "apps/private", wrong.path(), &reason)?;
    refused(&chart.subject, "private/demo", wrong.path(), &reason)
}
