//! Chart verification for `palisade verify chart`: the host reads the chart, its `.prov` and the
//! keyrings as bytes and hands them, as evidence, to the built-in `supply-chain` component, which
//! does all parsing and cryptography inside the sandbox. The verdict is what that policy reports.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use palisade_engine::{Engine, Evidence, Policy};

/// Name of the built-in policy that verifies charts.
pub const POLICY: &str = "supply-chain";

/// One chart to verify, from local files.
#[derive(Debug, Clone)]
pub struct ChartRequest {
    /// The `.tgz`.
    pub chart: PathBuf,
    /// The `.prov`; `None` means `<chart>.prov` if it exists (a missing one is an unsigned chart).
    pub provenance: Option<PathBuf>,
    /// Keyrings (binary or armored); at least one.
    pub keyrings: Vec<PathBuf>,
    /// Verification time, Unix seconds.
    pub now_unix: i64,
}

/// A verified chart, as `helm verify` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// User ID of the signer.
    pub signed_by: String,
    /// Primary key fingerprint.
    pub fingerprint: String,
    /// Signing subkey fingerprint, when a subkey signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subkey: Option<String>,
    /// Chart digest, `sha256:<hex>`.
    pub digest: String,
}

/// Outcome of a verification that ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<T = Verification> {
    /// The signature verified.
    Verified(T),
    /// It did not; the reason, as the policy states it.
    NotVerified(String),
}

/// Load the built-in verifying policy.
///
/// # Errors
/// The component does not load (a build defect).
pub fn load_policy(engine: &Engine) -> anyhow::Result<Policy> {
    let builtin = palisade_policies::builtin(POLICY).context("the supply-chain policy is not built in")?;
    Ok(engine.load(&format!("builtin:{POLICY}"), builtin.wasm)?)
}

/// Verify a chart against its provenance and keyrings.
///
/// # Errors
/// Input errors (unreadable files, a chart name that is not UTF-8, a keyring that does not parse)
/// and evaluation errors; a failed verification is a [`Verdict::NotVerified`], not an error.
pub fn verify_chart(policy: &Policy, request: &ChartRequest) -> anyhow::Result<Verdict> {
    let name = file_name(&request.chart)?;
    let chart = read(&request.chart, "chart")?;
    let beside = || {
        let mut path = request.chart.clone().into_os_string();
        path.push(".prov");
        PathBuf::from(path)
    };
    let prov = request.provenance.clone().unwrap_or_else(beside);
    // An explicit --prov must exist; a missing `<chart>.prov` means the chart is unsigned.
    let provenance =
        if request.provenance.is_some() || prov.exists() { Some(read(&prov, "provenance")?) } else { None };
    let keyrings = read_keyrings(&request.keyrings)?;
    verify_chart_bytes(policy, name, chart, provenance, keyrings, request.now_unix)
}

/// Read keyring files as `(path, bytes)`; at least one.
///
/// # Errors
/// None given, or one cannot be read.
pub fn read_keyrings(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    if paths.is_empty() {
        bail!("no keyring given (--keyring FILE)");
    }
    paths.iter().map(|k| Ok((k.display().to_string(), read(k, "keyring")?))).collect()
}

/// Verify chart bytes named `name` (`<name>-<version>.tgz`) against provenance bytes (`None`:
/// unsigned) and keyrings `(name, bytes)`, wherever they came from.
///
/// # Errors
/// As [`verify_chart`].
pub fn verify_chart_bytes(
    policy: &Policy,
    name: &str,
    chart: Vec<u8>,
    provenance: Option<Vec<u8>>,
    keyrings: Vec<(String, Vec<u8>)>,
    now_unix: i64,
) -> anyhow::Result<Verdict> {
    let mut evidence = vec![Evidence::new(name, "helm-chart", chart)];
    if let Some(prov) = provenance {
        evidence.push(Evidence::new(name, "helm-provenance", prov));
    }
    if keyrings.is_empty() {
        bail!("no keyring given (--keyring FILE)");
    }
    for (keyring, bytes) in keyrings {
        evidence.push(Evidence::new(keyring, "openpgp-keyring", bytes));
    }
    let resource = serde_json::json!({
        "apiVersion": "palisade.dev/v1",
        "kind": "HelmChart",
        "metadata": {"name": name},
    });
    let now = u64::try_from(now_unix).context("--now must not be before 1970")?;
    let findings = policy.evaluate_with_evidence(&[resource.to_string()], &evidence, "{}", now, &[])?;
    if let Some(denied) = findings.iter().find(|f| f.rule == "chart-provenance") {
        return Ok(Verdict::NotVerified(denied.message.clone()));
    }
    match findings.iter().find(|f| f.rule == "chart-signer") {
        Some(verified) => Ok(Verdict::Verified(parse_signer(&verified.message)?)),
        None => bail!("the {POLICY} policy returned no verdict for {name}"),
    }
}

fn file_name(path: &Path) -> anyhow::Result<&str> {
    path.file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{}: the chart file name must be UTF-8", path.display()))
}

pub(crate) fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {what} {}", path.display()))
}

/// The `chart-signer` message: Helm's `Key: value` lines.
fn parse_signer(message: &str) -> anyhow::Result<Verification> {
    let field = |key: &str| {
        message.lines().find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix(": "))).map(str::to_string)
    };
    let (Some(signed_by), Some(fingerprint), Some(digest)) =
        (field("Signed by"), field("Using Key With Fingerprint"), field("Chart Hash Verified"))
    else {
        bail!("the {POLICY} policy reported a malformed verification: {message}");
    };
    Ok(Verification { signed_by, fingerprint, subkey: field("Using Subkey With Fingerprint"), digest })
}

impl Verification {
    /// `helm verify`'s wording.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = format!("Signed by: {}\nUsing Key With Fingerprint: {}\n", self.signed_by, self.fingerprint);
        if let Some(sub) = &self.subkey {
            let _ = writeln!(out, "Using Subkey With Fingerprint: {sub}");
        }
        let _ = writeln!(out, "Chart Hash Verified: {}", self.digest);
        out
    }
}
