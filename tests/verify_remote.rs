//! Remote evidence end to end (issue 6, fetching half): `palisade-evidence` against a real OCI
//! registry (Debian's `docker-registry`, started here on 127.0.0.1 and stopped at the end) and a
//! loopback HTTP server, and the CLI's `verify chart https://…|oci://…` and `verify image` on top.
//!
//! - Helm charts reach the registry through the real `helm push` (Helm v4 from
//!   `target/tools/bin/helm`, else `PALISADE_HELM`, else `PATH`); their provenance is the shared
//!   fixtures' real `helm package --sign` output. `helm push` stores `<chart>.tgz.prov` beside the
//!   chart as a provenance layer, which `verify chart oci://…` checks.
//! - Images, legacy cosign signatures (`sha256-<hex>.sig`) and Sigstore bundles (attached through the
//!   referrers tag schema, as cosign does on registries without the OCI 1.1 referrers API) are pushed
//!   with `oci-client` by the test itself: there is no `cosign` or `docker` binary here. In the
//!   `oci/…` trials the signature payloads are not valid signatures; they check what is fetched
//!   (the exact evidence list). `verify-image/…` and `chart-cosign/…` sign for real with the keys,
//!   CA and log of `palisade-sigstore-testkit` (`verify chart oci://…` with cosign signers, as
//!   Sveltos verifies charts: `verify_remote/chart_cosign.rs`).
//! - `cli/…` run the built `palisade` binary for exit codes, output and `DOCKER_CONFIG`, including
//!   a registry with a password (`verify_remote/auth.rs`).
//!
//! Without `docker-registry`, `helm` or the binary the trials that need them are reported as
//! ignored; when the `CI` environment variable is set, their absence is a failure instead.

#![expect(clippy::expect_used, reason = "test set-up: a panic is a test failure")]

#[path = "verify_remote/auth.rs"]
mod auth;
#[path = "verify_remote/chart_cosign.rs"]
mod chart_cosign;
#[path = "verify_remote/cli.rs"]
mod cli;
#[path = "verify_chart/gpg.rs"]
#[expect(dead_code, reason = "the attack suite's key material is not used here, only its gpg runner")]
mod gpg;
#[path = "verify_remote/http.rs"]
mod http;
#[path = "verify_remote/push.rs"]
mod push;
#[path = "verify_remote/registry.rs"]
mod registry;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use oci_client::secrets::RegistryAuth;
use palisade_cli::fetch::Remote;
use palisade_cli::verify::{Verdict, Verification};
use palisade_cli::verify_remote::{self, ImageVerdict, RemoteChart, Signers};
use palisade_engine::{Engine, Policy};
use palisade_evidence::{Evidence, EvidenceRequest, FetchConfig, Fetcher};

use push::{OCI_MANIFEST, Pusher};
use registry::Registry;

const RSA_FPR: &str = "CC092D10C66431CDB1B9A9ADC0F0D83E4F73AAD6";
const RSA_UID: &str = "Helm Test Signer <helm-signer@example.test>";
const DEMO_SHA256: &str = "sha256:fb626d9e7e62224130ba431ecf93e405c4b0ff3526db862bf8b6425a318544df";
const DEMO_SHA512: &str = "sha512:4ef28a5e50fa554aaa89e852173052b9cba0f99fd260fe1be5e1256b44e3c45be6c6b9318ca311d31a7ee13d8d77c6f590d17517f9d472600530ca9732435ec8";
const TAMPERED_SHA256: &str = "sha256:07e558fb3fb619c7a2771ee986a9c7432966a46f651cf4f340f1431b2acd0022";
/// When the shared fixture keys are valid.
const FIXTURE_NOW: i64 = 1_795_824_000; // 2026-11-28T00:00:00Z

/// What the trials share: one registry, the HTTP server and its directory, Helm.
struct Env {
    registry: Option<Registry>,
    helm: Option<PathBuf>,
    fixtures: PathBuf,
    web_root: tempfile::TempDir,
    web: http::Server,
}

impl Env {
    fn fixture(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.fixtures.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }
    fn registry(&self) -> &Registry {
        self.registry.as_ref().expect("trial runs only with a registry")
    }
    fn host(&self) -> &str {
        &self.registry().host
    }
    fn pusher(&self) -> Pusher {
        Pusher::new(self.host(), RegistryAuth::Anonymous)
    }
    /// `helm push DIR/<chart> oci://HOST/<repo>` (a `.prov` beside the chart is pushed too).
    fn helm_push(&self, dir: &Path, chart: &str, repo: &str) -> String {
        helm_push(self.helm.as_deref(), self.host(), dir, chart, repo, None)
    }
    /// A directory holding the demo chart (and its `.prov` when `signed`).
    fn demo_dir(&self, chart: &str, signed: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("chart dir");
        std::fs::write(dir.path().join("demo-0.1.0.tgz"), self.fixture(chart)).expect("write chart");
        if signed {
            std::fs::write(dir.path().join("demo-0.1.0.tgz.prov"), self.fixture("demo-0.1.0.tgz.prov")).expect("prov");
        }
        dir
    }
}

/// `helm push DIR/<chart> oci://HOST/<repo>`, with `--username`/`--password` when given; the
/// digest it reports.
fn helm_push(
    helm: Option<&Path>,
    host: &str,
    dir: &Path,
    chart: &str,
    repo: &str,
    login: Option<(&str, &str)>,
) -> String {
    let helm = helm.expect("trial runs only with helm");
    let home = tempfile::tempdir().expect("helm home");
    let mut args = vec!["push".to_string(), chart.to_string(), format!("oci://{host}/{repo}"), "--plain-http".into()];
    if let Some((user, pass)) = login {
        args.extend(["--username".into(), user.into(), "--password".into(), pass.into()]);
    }
    let out = Command::new(helm)
        .current_dir(dir)
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .args(&args)
        .output()
        .expect("helm runs");
    assert!(out.status.success(), "helm push failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    text.lines()
        .find_map(|l| l.strip_prefix("Digest: "))
        .map_or_else(|| panic!("no digest in helm push output: {text}"), str::to_string)
}

/// A fetcher without cache, short timeout.
fn fetcher(config: impl FnOnce(&mut FetchConfig)) -> Fetcher {
    let mut c = FetchConfig { cache_dir: None, timeout: Duration::from_secs(20), ..FetchConfig::default() };
    config(&mut c);
    Fetcher::new(c).expect("fetcher")
}

fn fetch(f: &Fetcher, subject: &str, kind: &str) -> Result<Vec<Evidence>, String> {
    f.fetch(&EvidenceRequest::new(subject, kind)).map_err(|e| e.to_string())
}

fn ev(subject: &str, kind: &str, media_type: &str, data: &[u8], annotations: &[(&str, &str)]) -> Evidence {
    Evidence {
        subject: subject.into(),
        kind: kind.into(),
        media_type: media_type.into(),
        data: data.to_vec(),
        annotations: annotations.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect(),
    }
}

/// The `oci-manifest` evidence of a pushed image fetched as `subject`, resolved to `reference`.
fn manifest_ev(subject: &str, image: &push::Pushed, reference: &str) -> Evidence {
    ev(subject, "oci-manifest", OCI_MANIFEST, &image.bytes, &[("digest", &image.digest), ("reference", reference)])
}

#[expect(clippy::needless_pass_by_value, reason = "callers pass fresh values; taking them keeps the trials short")]
fn same<T: PartialEq + std::fmt::Debug>(got: T, expected: T) -> Result<(), Failed> {
    if got == expected { Ok(()) } else { Err(format!("expected {expected:#?}\n     got {got:#?}").into()) }
}

fn policy() -> &'static Policy {
    static POLICY: OnceLock<(Engine, Policy)> = OnceLock::new();
    &POLICY
        .get_or_init(|| {
            let engine = Engine::new(palisade_cli::policy_set::engine_config()).expect("engine");
            let policy = palisade_cli::verify::load_policy(&engine).expect("supply-chain policy");
            (engine, policy)
        })
        .1
}

fn remote() -> Remote {
    Remote::new(FetchConfig { cache_dir: None, timeout: Duration::from_secs(20), ..FetchConfig::default() })
}

fn rsa_verified() -> Verdict {
    Verdict::Verified(Verification {
        signed_by: RSA_UID.into(),
        fingerprint: RSA_FPR.into(),
        subkey: None,
        digest: DEMO_SHA256.into(),
    })
}

// ---- OCI images and signatures ----

fn image_unsigned(env: &Env) -> Result<(), Failed> {
    let image = env.pusher().image("apps/plain", "1.0", b"layer of plain");
    let subject = format!("oci://{}/apps/plain:1.0", env.host());
    let got = fetch(&fetcher(|_| ()), &subject, "oci-signatures")?;
    let reference = format!("{}/apps/plain@{}", env.host(), image.digest);
    same(got, vec![manifest_ev(&subject, &image, &reference)])
}

fn image_signed(env: &Env) -> Result<(), Failed> {
    let p = env.pusher();
    let image = p.image("apps/signed", "2.0", b"layer of signed");
    let payload = |n: &str| {
        format!(
            r#"{{"critical":{{"identity":{{"docker-reference":"{}/apps/signed"}},"image":{{"docker-manifest-digest":"{}"}},"type":"cosign container image signature"}},"optional":{{"n":"{n}"}}}}"#,
            env.host(),
            image.digest
        )
        .into_bytes()
    };
    let (one, two) = (payload("1"), payload("2"));
    p.cosign_signatures(
        "apps/signed",
        &image,
        &[
            (one.clone(), vec![("dev.cosignproject.cosign/signature", "c2lnLTE=".into())]),
            (
                two.clone(),
                vec![
                    ("dev.cosignproject.cosign/signature", "c2lnLTI=".into()),
                    ("dev.sigstore.cosign/bundle", r#"{"SignedEntryTimestamp":"x"}"#.into()),
                ],
            ),
        ],
    );
    let bundle = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","placeholder":true}"#;
    let index =
        p.bundles("apps/signed", &image, &[bundle.to_vec()], &[("application/spdx+json", b"{\"sbom\":1}".to_vec())]);
    let index: serde_json::Value = serde_json::from_slice(&index.bytes)?;
    let referrer = index["manifests"][0]["digest"].as_str().unwrap_or_default().to_string();
    let subject = format!("oci://{}/apps/signed:2.0", env.host());
    let got = fetch(&fetcher(|_| ()), &subject, "oci-signatures")?;
    let d = image.digest.as_str();
    let reference = format!("{}/apps/signed@{d}", env.host());
    same(
        got,
        vec![
            manifest_ev(&subject, &image, &reference),
            ev(
                &subject,
                "cosign-signature",
                push::SIMPLE_SIGNING,
                &one,
                &[("dev.cosignproject.cosign/signature", "c2lnLTE="), ("digest", d)],
            ),
            ev(
                &subject,
                "cosign-signature",
                push::SIMPLE_SIGNING,
                &two,
                &[
                    ("dev.cosignproject.cosign/signature", "c2lnLTI="),
                    ("dev.sigstore.cosign/bundle", r#"{"SignedEntryTimestamp":"x"}"#),
                    ("digest", d),
                ],
            ),
            ev(&subject, "sigstore-bundle", push::BUNDLE_V03, bundle, &[("digest", d), ("referrer", &referrer)]),
        ],
    )
}

fn image_by_digest(env: &Env) -> Result<(), Failed> {
    let image = env.pusher().image("apps/pinned", "3.0", b"layer of pinned");
    let subject = format!("oci://{}/apps/pinned@{}", env.host(), image.digest);
    let got = fetch(&fetcher(|_| ()), &subject, "oci-signatures")?;
    let reference = format!("{}/apps/pinned@{}", env.host(), image.digest);
    same(got, vec![manifest_ev(&subject, &image, &reference)])
}

fn image_missing(env: &Env) -> Result<(), Failed> {
    let subject = format!("oci://{}/apps/none:1.0", env.host());
    let got = fetch(&fetcher(|_| ()), &subject, "oci-signatures");
    let host = env.host();
    same(
        got,
        Err(format!(
            "fetching manifest {host}/apps/none:1.0 of `{subject}`: Registry error: url http://{host}/v2/apps/none/manifests/1.0, envelope: OCI API errors: [OCI API error: manifest unknown]"
        )),
    )
}

fn registry_down(_: &Env) -> Result<(), Failed> {
    let host = format!("127.0.0.1:{}", registry::free_port());
    let subject = format!("oci://{host}/apps/x:1");
    let got = fetch(&fetcher(|_| ()), &subject, "oci-signatures").map_err(|e| e.replace(&host, "HOST"));
    same(
        got,
        Err("fetching manifest HOST/apps/x:1 of `oci://HOST/apps/x:1`: error sending request for url (http://HOST/v2/apps/x/manifests/1): client error (Connect): tcp connect error: Connection refused (os error 111)".into()),
    )
}

fn blob_too_large(env: &Env) -> Result<(), Failed> {
    let p = env.pusher();
    let image = p.image("apps/big", "1.0", &[7u8; 4096]);
    let payload = vec![b'x'; 2048];
    p.cosign_signatures("apps/big", &image, &[(payload, vec![])]);
    let subject = format!("oci://{}/apps/big:1.0", env.host());
    let got = fetch(&fetcher(|c| c.max_blob_bytes = 1024), &subject, "oci-signatures");
    same(
        got,
        Err(format!("blob {} of `{subject}` is larger than the limit of 1024 bytes", push::sha256(&[b'x'; 2048]))),
    )
}

// ---- Helm charts in the registry (helm push) ----

fn helm_oci_signed(env: &Env) -> Result<(), Failed> {
    let dir = env.demo_dir("demo-0.1.0.tgz", true);
    let digest = env.helm_push(dir.path(), "demo-0.1.0.tgz", "charts");
    let subject = format!("oci://{}/charts/demo:0.1.0", env.host());
    let f = fetcher(|_| ());
    let reference = format!("{}/charts/demo@{digest}", env.host());
    let annotations = [("digest", digest.as_str()), ("reference", reference.as_str()), ("file-name", "demo-0.1.0.tgz")];
    same(
        fetch(&f, &subject, "helm-chart")?,
        vec![ev(
            &subject,
            "helm-chart",
            "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
            &env.fixture("demo-0.1.0.tgz"),
            &annotations,
        )],
    )?;
    same(
        fetch(&f, &subject, "helm-provenance")?,
        vec![ev(
            &subject,
            "helm-provenance",
            "application/vnd.cncf.helm.chart.provenance.v1.prov",
            &env.fixture("demo-0.1.0.tgz.prov"),
            &annotations,
        )],
    )?;
    let verdict =
        verify_remote::verify_chart(policy(), &remote(), &subject, &[env.fixtures.join("pubring.gpg")], FIXTURE_NOW)
            .map_err(|e| format!("{e:#}"))?;
    same(verdict, rsa_verified())
}

fn helm_oci_unsigned(env: &Env) -> Result<(), Failed> {
    let dir = env.demo_dir("demo-0.1.0.tgz", false);
    env.helm_push(dir.path(), "demo-0.1.0.tgz", "unsigned");
    let subject = format!("oci://{}/unsigned/demo:0.1.0", env.host());
    same(fetch(&fetcher(|_| ()), &subject, "helm-provenance")?, vec![])?;
    let verdict =
        verify_remote::verify_chart(policy(), &remote(), &subject, &[env.fixtures.join("pubring.gpg")], FIXTURE_NOW)
            .map_err(|e| format!("{e:#}"))?;
    same(verdict, Verdict::NotVerified("chart demo-0.1.0.tgz is not signed: no provenance file (.prov)".into()))
}

fn helm_oci_tampered(env: &Env) -> Result<(), Failed> {
    let dir = env.demo_dir("tampered-chart/demo-0.1.0.tgz", true);
    env.helm_push(dir.path(), "demo-0.1.0.tgz", "tampered");
    let subject = format!("oci://{}/tampered/demo:0.1.0", env.host());
    let verdict =
        verify_remote::verify_chart(policy(), &remote(), &subject, &[env.fixtures.join("pubring.gpg")], FIXTURE_NOW)
            .map_err(|e| format!("{e:#}"))?;
    same(
        verdict,
        Verdict::NotVerified(format!(
            "sha256 digest of demo-0.1.0.tgz does not match the provenance: provenance has {DEMO_SHA256}, chart has {TAMPERED_SHA256}"
        )),
    )
}

fn helm_oci_not_a_chart(env: &Env) -> Result<(), Failed> {
    env.pusher().image("apps/notchart", "1.0", b"layer");
    let subject = format!("oci://{}/apps/notchart:1.0", env.host());
    same(
        fetch(&fetcher(|_| ()), &subject, "helm-chart"),
        Err(format!(
            "malformed manifest of `{subject}`: not a Helm chart (config media type application/vnd.oci.image.config.v1+json, expected application/vnd.cncf.helm.config.v1+json)"
        )),
    )
}

/// A chart pinned by digest is served from the cache once fetched: a second fetch works with the
/// registry gone, and the cache holds exactly the manifest, config and layers by digest.
fn helm_oci_cache(env: &Env) -> Result<(), Failed> {
    let own = Registry::start(None);
    let dir = env.demo_dir("demo-0.1.0.tgz", true);
    let mut env2 = Env { registry: Some(own), helm: env.helm.clone(), fixtures: env.fixtures.clone(), ..test_web() };
    let digest = env2.helm_push(dir.path(), "demo-0.1.0.tgz", "cached");
    let subject = format!("oci://{}/cached/demo@{digest}", env2.host());
    let cache = tempfile::tempdir()?;
    let f = fetcher(|c| c.cache_dir = Some(cache.path().to_path_buf()));
    let first = fetch(&f, &subject, "helm-chart")?;
    drop(env2.registry.take());
    let second = fetch(&f, &subject, "helm-chart")?;
    same(&second, &first)?;
    let names = |dir: &Path| -> std::io::Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        names.sort();
        Ok(names)
    };
    let blobs = cache.path().join("blobs/sha256");
    let hex = |d: &str| d.trim_start_matches("sha256:").to_string();
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(blobs.join(hex(&digest)))?)?;
    let config = manifest["config"]["digest"].as_str().unwrap_or_default().to_string();
    // Manifest, config and chart layer; the provenance layer is not needed for `helm-chart`.
    let mut expected = vec![hex(&digest), hex(&config), hex(DEMO_SHA256)];
    expected.sort();
    same(names(&blobs)?, expected)
}

/// End to end with nothing prepared: a throw-away gpg key, `helm create`, `helm package --sign`,
/// `helm push` (the `.prov` goes along), then `verify chart oci://…` and `verify chart http://…`.
fn helm_package_sign_live(env: &Env) -> Result<(), Failed> {
    let helm = env.helm.as_ref().expect("trial runs only with helm");
    let home = tempfile::tempdir()?;
    let g = gpg::Gpg { home: home.path() };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let fpr = g.key(&now.to_string(), "L", "ed25519");
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("secring.gpg"), g.run(&now.to_string(), &["--export-secret-keys", &fpr], b""))?;
    let pubring = dir.path().join("pubring.gpg");
    std::fs::write(&pubring, g.export(&fpr))?;
    let _ = Command::new("gpgconf").env("GNUPGHOME", home.path()).args(["--kill", "gpg-agent"]).status();
    let helm_home = dir.path().join("helm");
    let run = |args: &[&str]| -> Result<(), Failed> {
        let out = Command::new(helm)
            .current_dir(dir.path())
            .env("HELM_CONFIG_HOME", &helm_home)
            .env("HELM_CACHE_HOME", &helm_home)
            .env("HELM_DATA_HOME", &helm_home)
            .args(args)
            .output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("helm {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into())
        }
    };
    run(&["create", "live"])?;
    run(&["package", "--sign", "--key", "Signer L", "--keyring", "secring.gpg", "live"])?;
    let chart = std::fs::read(dir.path().join("live-0.1.0.tgz"))?;
    env.helm_push(dir.path(), "live-0.1.0.tgz", "live");
    let url = web(env, "live/live-0.1.0.tgz", &chart);
    web(env, "live/live-0.1.0.tgz.prov", &std::fs::read(dir.path().join("live-0.1.0.tgz.prov"))?);
    let expected = Verdict::Verified(Verification {
        signed_by: "Signer L <L@example.test>".into(),
        fingerprint: fpr,
        subkey: None,
        digest: push::sha256(&chart),
    });
    let at = i64::try_from(now)? + 60;
    for subject in [format!("oci://{}/live/live:0.1.0", env.host()), url] {
        let verdict = verify_remote::verify_chart(policy(), &remote(), &subject, std::slice::from_ref(&pubring), at)
            .map_err(|e| format!("{subject}: {e:#}"))?;
        same(verdict, expected.clone())?;
    }
    Ok(())
}

// ---- Helm HTTP repositories ----

fn web(env: &Env, path: &str, bytes: &[u8]) -> String {
    let file = env.web_root.path().join(path);
    std::fs::create_dir_all(file.parent().expect("parent")).expect("web dir");
    std::fs::write(&file, bytes).expect("web file");
    format!("{}/{path}", env.web.base)
}

fn http_signed(env: &Env) -> Result<(), Failed> {
    let url = web(env, "signed/demo-0.1.0.tgz", &env.fixture("demo-0.1.0.tgz"));
    web(env, "signed/demo-0.1.0.tgz.prov", &env.fixture("demo-0.1.0.tgz.prov"));
    let chart = verify_remote::fetch_chart(&remote(), &url).map_err(|e| format!("{e:#}"))?;
    same(
        chart,
        RemoteChart {
            name: "demo-0.1.0.tgz".into(),
            chart: env.fixture("demo-0.1.0.tgz"),
            provenance: Some(env.fixture("demo-0.1.0.tgz.prov")),
        },
    )?;
    let verdict =
        verify_remote::verify_chart(policy(), &remote(), &url, &[env.fixtures.join("pubring.gpg")], FIXTURE_NOW)
            .map_err(|e| format!("{e:#}"))?;
    same(verdict, rsa_verified())
}

fn http_evidence(env: &Env) -> Result<(), Failed> {
    let url = web(env, "ev/demo-0.1.0.tgz", &env.fixture("demo-0.1.0.tgz"));
    web(env, "ev/demo-0.1.0.tgz.prov", &env.fixture("demo-0.1.0.tgz.prov"));
    let f = fetcher(|_| ());
    let prov = env.fixture("demo-0.1.0.tgz.prov");
    let prov_digest = push::sha256(&prov);
    same(
        (fetch(&f, &url, "helm-chart")?, fetch(&f, &url, "helm-provenance")?),
        (
            vec![ev(
                &url,
                "helm-chart",
                "",
                &env.fixture("demo-0.1.0.tgz"),
                &[("url", &url), ("digest", DEMO_SHA256), ("file-name", "demo-0.1.0.tgz")],
            )],
            vec![ev(
                &url,
                "helm-provenance",
                "",
                &prov,
                &[("url", &format!("{url}.prov")), ("digest", &prov_digest), ("file-name", "demo-0.1.0.tgz")],
            )],
        ),
    )
}

fn http_unsigned(env: &Env) -> Result<(), Failed> {
    let url = web(env, "unsigned/demo-0.1.0.tgz", &env.fixture("demo-0.1.0.tgz"));
    same(fetch(&fetcher(|_| ()), &url, "helm-provenance")?, vec![])?;
    let verdict =
        verify_remote::verify_chart(policy(), &remote(), &url, &[env.fixtures.join("pubring.gpg")], FIXTURE_NOW)
            .map_err(|e| format!("{e:#}"))?;
    same(verdict, Verdict::NotVerified("chart demo-0.1.0.tgz is not signed: no provenance file (.prov)".into()))
}

fn http_missing_chart(env: &Env) -> Result<(), Failed> {
    let url = format!("{}/missing/demo-0.1.0.tgz", env.web.base);
    same(fetch(&fetcher(|_| ()), &url, "helm-chart"), Err(format!("fetching {url} of `{url}`: HTTP 404 Not Found")))
}

fn http_refused(_: &Env) -> Result<(), Failed> {
    let url = "http://charts.example.invalid/demo-0.1.0.tgz";
    same(
        fetch(&fetcher(|_| ()), url, "helm-chart"),
        Err(format!(
            "refusing plain HTTP to `charts.example.invalid` for `{url}` (only loopback hosts, unless plain HTTP is allowed explicitly)"
        )),
    )
}

fn offline(_: &Env) -> Result<(), Failed> {
    let url = "https://charts.example.invalid/demo-0.1.0.tgz";
    same(
        fetch(&fetcher(|c| c.offline = true), url, "helm-chart"),
        Err(format!("fetching `{url}` is not allowed offline")),
    )
}

// ---- verify image ----

fn verify_image_unsigned(env: &Env) -> Result<(), Failed> {
    let image = env.pusher().image("apps/unsigned", "1.0", b"layer of unsigned");
    let key = tempfile::NamedTempFile::new()?;
    std::fs::write(key.path(), b"-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")?;
    let signers = Signers { keys: vec![key.path().to_path_buf()], ..Signers::default() };
    let reference = format!("{}/apps/unsigned:1.0", env.host());
    let verdict = verify_remote::verify_image(policy(), &remote(), &reference, &signers, FIXTURE_NOW)
        .map_err(|e| format!("{e:#}"))?;
    same(
        verdict,
        ImageVerdict::NotVerified(vec![format!(
            "no cosign signature or Sigstore bundle is attached to {}",
            image.digest
        )]),
    )
}

fn verify_image_errors(env: &Env) -> Result<(), Failed> {
    let signers = Signers::default();
    let run = |r: &str, s: &Signers| {
        verify_remote::verify_image(policy(), &remote(), r, s, FIXTURE_NOW).map_err(|e| format!("{e:#}"))
    };
    same(
        run("nginx:1.27", &signers),
        Err("invalid image reference `nginx:1.27`: the registry must be explicit (e.g. ghcr.io/org/app:1.0)".into()),
    )?;
    let reference = format!("{}/apps/none:1.0", env.host());
    same(
        run(&reference, &signers),
        Err("no signer given: --key FILE, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp]"
            .into()),
    )?;
    let keyless = Signers {
        identity: Some("me@example.test".into()),
        issuer: Some("https://issuer.example".into()),
        ..Signers::default()
    };
    same(run(&reference, &keyless), Err("keyless verification needs --trusted-root FILE".into()))
}

/// A real key-based cosign signature (ECDSA P-256 over the simple-signing payload, DER, base64,
/// as `cosign sign --key` writes it without a transparency log) verifies through `verify image`.
/// Runs once the `supply-chain` component has the `image-signature` rule (the `sig` work);
/// ignored before.
fn verify_image_key_signed(env: &Env) -> Result<(), Failed> {
    use base64::Engine as _;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;
    let p = env.pusher();
    let image = p.image("apps/keysigned", "1.0", b"layer of keysigned");
    let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).map_err(|e| e.to_string())?;
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{}/apps/keysigned"}},"image":{{"docker-manifest-digest":"{}"}},"type":"cosign container image signature"}},"optional":null}}"#,
        env.host(),
        image.digest
    )
    .into_bytes();
    let signature: p256::ecdsa::Signature = key.sign(&payload);
    let encoded = base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes());
    p.cosign_signatures("apps/keysigned", &image, &[(payload, vec![("dev.cosignproject.cosign/signature", encoded)])]);
    let pem = key.verifying_key().to_public_key_pem(p256::pkcs8::LineEnding::LF).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir()?;
    let key_path = dir.path().join("cosign.pub");
    std::fs::write(&key_path, pem)?;
    let signers = Signers { keys: vec![key_path], ..Signers::default() };
    let reference = format!("{}/apps/keysigned:1.0", env.host());
    let verdict = verify_remote::verify_image(policy(), &remote(), &reference, &signers, FIXTURE_NOW)
        .map_err(|e| format!("{e:#}"))?;
    let details = format!(
        "Signature: cosign signature {}.sig layer 1\nVerified with key: {} (ECDSA P-256)",
        image.digest.replace(':', "-"),
        signers.keys[0].display()
    );
    same(verdict, ImageVerdict::Verified { digest: image.digest, details: vec![details] })
}

// ---- the runner ----

type TrialFn = fn(&Env) -> Result<(), Failed>;

/// Name, needs the registry, needs helm, body. Trials named `cli/…` also need the binary.
const TRIALS: &[(&str, bool, bool, TrialFn)] = &[
    ("oci/image-unsigned", true, false, image_unsigned),
    ("oci/image-cosign-signatures-and-bundles", true, false, image_signed),
    ("oci/image-by-digest", true, false, image_by_digest),
    ("oci/missing-tag-is-an-error", true, false, image_missing),
    ("oci/registry-down-is-an-error", false, false, registry_down),
    ("oci/blob-over-the-limit-is-an-error", true, false, blob_too_large),
    ("helm-oci/signed-chart-verifies", true, true, helm_oci_signed),
    ("helm-oci/unsigned-chart-is-not-verified", true, true, helm_oci_unsigned),
    ("helm-oci/tampered-chart-is-not-verified", true, true, helm_oci_tampered),
    ("helm-oci/image-is-not-a-chart", true, false, helm_oci_not_a_chart),
    ("helm-oci/helm-package-sign-push-verify", true, true, helm_package_sign_live),
    ("helm-oci/digest-pinned-chart-served-from-cache", true, true, helm_oci_cache),
    ("helm-http/signed-chart-verifies", false, false, http_signed),
    ("helm-http/evidence", false, false, http_evidence),
    ("helm-http/unsigned-chart-is-not-verified", false, false, http_unsigned),
    ("helm-http/missing-chart-is-an-error", false, false, http_missing_chart),
    ("helm-http/plain-http-to-a-remote-host-is-refused", false, false, http_refused),
    ("fetch/offline-refuses-every-fetch", false, false, offline),
    ("verify-image/unsigned-image-is-not-verified", true, false, verify_image_unsigned),
    ("verify-image/input-errors", true, false, verify_image_errors),
    ("verify-image/key-signed-image-verifies", true, false, verify_image_key_signed),
    ("chart-cosign/key-signed-chart-verifies", true, true, chart_cosign::key_signed),
    ("chart-cosign/keyless-signed-chart-verifies-with-exact-identity", true, true, chart_cosign::keyless_exact),
    ("chart-cosign/keyless-bundle-verifies-with-anchored-regexp", true, true, chart_cosign::keyless_bundle_regexp),
    ("chart-cosign/wrong-key-is-not-verified", true, true, chart_cosign::wrong_key),
    ("chart-cosign/signature-of-another-version-is-not-verified", true, true, chart_cosign::other_version),
    ("chart-cosign/unsigned-chart-is-not-verified", true, true, chart_cosign::unsigned),
    ("chart-cosign/chart-re-pushed-after-signing-is-not-verified", true, true, chart_cosign::retagged),
    ("chart-cosign/image-is-not-a-chart", true, false, chart_cosign::not_a_chart),
    ("cli/verify-chart-output-and-exit-codes", true, true, cli::chart_output),
    ("cli/registry-password-from-docker-config", true, true, auth::docker_config_credentials),
];

fn helm_binary() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/bin/helm");
    let candidates = [Some(local), std::env::var_os("PALISADE_HELM").map(PathBuf::from)];
    if let Some(found) = candidates.into_iter().flatten().find(|p| p.is_file()) {
        return Some(found);
    }
    Command::new("helm").arg("version").output().ok().filter(|o| o.status.success()).map(|_| PathBuf::from("helm"))
}

fn test_web() -> Env {
    let web_root = tempfile::tempdir().expect("web root");
    let web = http::Server::start(web_root.path().to_path_buf());
    Env { registry: None, helm: None, fixtures: PathBuf::new(), web_root, web }
}

fn main() {
    let args = Arguments::from_args();
    let in_ci = std::env::var_os("CI").is_some();
    let has_registry = registry::binary().is_some();
    let helm = helm_binary();
    let has_gpg = gpg::available();
    assert!(!in_ci || has_registry, "CI must have docker-registry (apt-get install docker-registry)");
    assert!(!in_ci || helm.is_some(), "CI must have helm (.ci/install-helm.sh)");
    let has_binary = cli::binary().is_some();
    assert!(!in_ci || has_binary, "CI must build the palisade binary first (cargo test --workspace does)");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/helm-prov");
    let env = Arc::new(Env {
        registry: has_registry.then(|| Registry::start(None)),
        helm: helm.clone(),
        fixtures,
        ..test_web()
    });
    let trials = TRIALS
        .iter()
        .map(|&(name, needs_registry, needs_helm, body)| {
            let env = Arc::clone(&env);
            let needs_image_rules = name == "verify-image/key-signed-image-verifies";
            let ignored = (needs_registry && !has_registry)
                || (name.starts_with("cli/") && !has_binary)
                || (needs_helm && (helm.is_none() || !has_gpg))
                || (needs_image_rules && policy().info().rule(verify_remote::IMAGE_SIGNATURE).is_none());
            Trial::test(name, move || body(&env)).with_ignored_flag(ignored)
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    drop(env);
    conclusion.exit();
}
