//! Supply-chain policy: Helm chart provenance (`.prov`, OpenPGP), cosign / Sigstore signatures
//! of blobs and images, and image digest pinning, all verified inside the sandbox.
//!
//! # How the host talks to this policy: charts
//!
//! Chart verification is driven by **evidence**, not by manifests. For each chart the host passes:
//!
//! | evidence `kind`     | `subject`               | `data`                                        |
//! |---------------------|-------------------------|-----------------------------------------------|
//! | `helm-chart`        | chart file name         | the `.tgz` bytes                              |
//! | `helm-provenance`   | chart file name         | the `.prov` bytes (absent: the chart is unsigned) |
//! | `openpgp-keyring`   | anything (e.g. a path)  | a keyring, binary (`gpg --export`) or armored; several keyrings are merged |
//!
//! and one synthetic resource per chart, which findings point at:
//!
//! ```json
//! {"apiVersion": "palisade.dev/v1", "kind": "HelmChart", "metadata": {"name": "demo-0.1.0.tgz"}}
//! ```
//!
//! Without `helm-chart` evidence the policy reports nothing, so `palisade check` over ordinary
//! manifests is unaffected. Evidence of other kinds is ignored.
//!
//! # Blobs (`palisade verify blob`)
//!
//! | evidence `kind`         | `subject`       | `data`                                                   |
//! |-------------------------|-----------------|----------------------------------------------------------|
//! | `blob`                  | file name       | the bytes                                                |
//! | `cosign-signature`      | same file name  | detached signature, base64 or raw (media type `application/vnd.dev.cosign.signature`) |
//! | `sigstore-bundle`       | same file name  | Sigstore bundle JSON, v0.1–v0.3                          |
//! | `cosign-public-key`     | a name (path)   | PEM public key: ECDSA P-256/P-384, Ed25519, RSA-2048+    |
//! | `sigstore-trusted-root` | a name (path)   | `trusted_root.json`                                      |
//!
//! with one synthetic `{"apiVersion": "palisade.dev/v1", "kind": "Blob", "metadata": {"name": …}}`
//! resource per blob and the expected keyless signers in the setting `identities`. Rules
//! `blob-signature` (high, the reason) and `blob-signer` (info, `Key: value` lines) as for charts.
//!
//! # Images (settings `verifyImages`)
//!
//! `requests()` returns, for every container image of the rendered pod specs that a rule's
//! `imageReferences` glob covers (as written or normalized, `nginx` → `docker.io/library/nginx:latest`),
//! one request (`oci://<normalized>`, `oci-signatures`). The host answers with evidence of that
//! subject: one `oci-manifest` (the manifest bytes as served; the digest is recomputed here), zero
//! or more `cosign-signature` (legacy `sha256-<hex>.sig` layers: the simple-signing payload, the
//! layer annotations verbatim) and zero or more `sigstore-bundle` (referrers; the signed artifact
//! is the manifest; an annotation `referrer`, the referrer's digest, is quoted by `image-signer`).
//! Keys and trusted roots come as for blobs. A covered image without `oci-manifest` evidence is
//! an evaluation error (fail closed). Findings point at the container's `image`:
//! `image-signature`, `image-signer` (info, opt-in: per satisfied rule, a `Signature: …` line
//! naming each signature that verified, the `.sig` layer or the bundle's referrer, then the
//! signer's `Key: value` lines), `image-digest-pinned` (`verifyDigest`) and `image-digest`
//! (`mutateDigest`; its message is `… resolves to sha256:…` then a line
//! `patch: <RFC 6902 replace operation>` that pins
//! the image; the webhook applies it). See [`images`] and [`sigstore`].
//!
//! # Chart rules
//!
//! - `chart-provenance` (high): the chart has no valid provenance. Exactly one finding per chart,
//!   naming the first check that failed (see [`verify`] for the order).
//! - `chart-signer` (info, opt-in): a chart whose provenance verified, with the signer, the key
//!   fingerprint and the chart digest in Helm's wording. `palisade verify chart` turns it on to
//!   print who signed; it is not a violation.
//!
//! # Strictness compared to `helm verify`
//!
//! Everything `helm verify` refuses is refused here too. In addition this policy refuses:
//! text before or after the clear-signed block, armor headers other than `Hash:`, unescaped lines
//! starting with `-` and lines ending in whitespace (both unsigned ambiguity), a `Hash:` header or
//! signature digest other than SHA-256/384/512 (or SHA3-256/512), signatures of any type but
//! canonical text (0x01), several signatures of which any fails (each must come from the
//! keyring), a signature dated after the verification time or before its key, an expired
//! signature, unhashed subpackets other than issuer hints and issuers that disagree with the
//! signing key, armor lines that are not base64, revoked keys and subkeys (any reason, any time;
//! only revocations that verify count), signing subkeys without a valid binding and
//! back-signature, `files:` digests other than `sha256`/`sha512`, and a chart file name that
//! differs from `<name>-<version>.tgz` of the signed metadata. It also accepts armored keyrings,
//! which Helm cannot read, and — as RFC 9580 §6.1 requires — ignores the armor's CRC24 line.
//! Signing keys must be RSA-2048 or larger, ECDSA or EdDSA (DSA is refused). Not handled:
//! third-party (designated revoker) revocations.
//!
//! Key expiry is judged like Helm (go-crypto): at the signature's creation time **and** at the
//! verification time `now`. A key that has expired since it signed therefore no longer verifies
//! (the fixture subkey expiring 2027-11-22 stops verifying then; tests pass `--now`).

mod blob;
mod body;
mod chart;
mod cleartext;
pub mod images;
mod keyring;
#[cfg(test)]
mod provenance_fuzz_tests;
pub mod settings;
pub mod sigstore;
mod time;
pub mod verify;

use palisade_policy_sdk::{
    EvidenceRequest, Finding, Input, Policy, PolicyMeta, Resource, RuleDef, Severity, Value, export_policy,
};

/// `chart-provenance`, row 107 of the check catalog.
pub const CHART_PROVENANCE: RuleDef = RuleDef {
    id: "chart-provenance",
    title: "Helm chart has no valid provenance",
    severity: Severity::High,
    category: "supply-chain",
    remediation: "Package the chart with `helm package --sign`, publish the `.prov` beside the `.tgz`, and verify \
                  against the publisher's keyring.",
    standards: &["helm:verify"],
    enabled_by_default: false,
};

/// `chart-signer`: reports who signed a verified chart (informational).
pub const CHART_SIGNER: RuleDef = RuleDef {
    id: "chart-signer",
    title: "Helm chart provenance verified (signer report)",
    severity: Severity::Info,
    category: "supply-chain",
    remediation: "Nothing to change; this reports the signer of a verified chart.",
    standards: &[],
    enabled_by_default: false,
};

/// `blob-signature`: a blob (`palisade verify blob`) has no valid cosign / Sigstore signature.
pub const BLOB_SIGNATURE: RuleDef = RuleDef {
    id: "blob-signature",
    title: "Blob has no valid cosign / Sigstore signature",
    severity: Severity::High,
    category: "supply-chain",
    remediation: "Sign the file with `cosign sign-blob` (a key, or keyless with a bundle) and verify against the \
                  signer's key or identity and a trusted root.",
    standards: &["cosign:verify-blob"],
    enabled_by_default: false,
};

/// `blob-signer`: reports who signed a verified blob (informational).
pub const BLOB_SIGNER: RuleDef = RuleDef {
    id: "blob-signer",
    title: "Blob signature verified (signer report)",
    severity: Severity::Info,
    category: "supply-chain",
    remediation: "Nothing to change; this reports the signer of a verified blob.",
    standards: &[],
    enabled_by_default: false,
};

/// `image-signature`: an image a `verifyImages` rule covers is unsigned, or its signatures do
/// not satisfy the rule's attestors.
pub const IMAGE_SIGNATURE: RuleDef = RuleDef {
    id: "image-signature",
    title: "Image signature does not satisfy the verifyImages rule",
    severity: Severity::High,
    category: "supply-chain",
    remediation: "Sign the image with cosign (a key, or keyless) as the rule's attestors require, or use a signed image.",
    standards: &["kyverno:verifyImages", "cosign:verify"],
    enabled_by_default: true,
};

/// `image-signer`: which signature of a covered image verified, and who signed it
/// (informational, opt-in; `palisade verify image` / `verify chart oci://` turn it on).
pub const IMAGE_SIGNER: RuleDef = RuleDef {
    id: "image-signer",
    title: "Image signature verified (signer report)",
    severity: Severity::Info,
    category: "supply-chain",
    remediation: "Nothing to change; this reports the signature and signer of a verified image.",
    standards: &[],
    enabled_by_default: false,
};

/// `image-digest-pinned`: a covered image is referenced by tag, not by digest (`verifyDigest`).
pub const IMAGE_DIGEST_PINNED: RuleDef = RuleDef {
    id: "image-digest-pinned",
    title: "Image is not pinned by digest",
    severity: Severity::Medium,
    category: "supply-chain",
    remediation: "Reference the image as `name@sha256:<digest>` (the finding names the digest the tag resolves to).",
    standards: &["kyverno:verifyImages.verifyDigest"],
    enabled_by_default: true,
};

/// `image-digest`: the digest a covered tag resolves to, with the JSON patch that pins it
/// (`mutateDigest`). The message's second line is `patch: <RFC 6902 operation>`; the webhook
/// applies it.
pub const IMAGE_DIGEST: RuleDef = RuleDef {
    id: "image-digest",
    title: "Resolved image digest (pinning patch)",
    severity: Severity::Info,
    category: "supply-chain",
    remediation: "Nothing to change; apply the patch to pin the image by digest.",
    standards: &["kyverno:verifyImages.mutateDigest"],
    enabled_by_default: true,
};

/// Kind of a request: the manifest of an OCI artifact and every signature attached to it.
pub const KIND_OCI_SIGNATURES: &str = "oci-signatures";
/// Kind of the evidence holding a manifest as served.
pub const KIND_OCI_MANIFEST: &str = "oci-manifest";

/// Kind of the evidence holding a blob to verify.
pub const KIND_BLOB: &str = "blob";
/// Kind of a cosign signature: a detached signature file, or a legacy `.sig` layer.
pub const KIND_COSIGN_SIGNATURE: &str = "cosign-signature";
/// Kind of a Sigstore bundle.
pub const KIND_BUNDLE: &str = "sigstore-bundle";
/// Kind of a PEM public key.
pub const KIND_PUBLIC_KEY: &str = "cosign-public-key";
/// Kind of a `trusted_root.json`.
pub const KIND_TRUSTED_ROOT: &str = "sigstore-trusted-root";

/// Kind of the evidence holding chart bytes.
pub const KIND_CHART: &str = "helm-chart";
/// Kind of the evidence holding provenance bytes.
pub const KIND_PROVENANCE: &str = "helm-provenance";
/// Kind of the evidence holding a keyring.
pub const KIND_KEYRING: &str = "openpgp-keyring";

static META: PolicyMeta = PolicyMeta {
    name: "supply-chain",
    version: "0.1.0",
    description: "Supply chain: Helm provenance (OpenPGP), cosign / Sigstore signatures of blobs and images, digest pinning",
    rules: &[
        CHART_PROVENANCE,
        CHART_SIGNER,
        BLOB_SIGNATURE,
        BLOB_SIGNER,
        IMAGE_SIGNATURE,
        IMAGE_SIGNER,
        IMAGE_DIGEST_PINNED,
        IMAGE_DIGEST,
    ],
    settings_schema: settings::SCHEMA,
};

struct SupplyChain;

impl Policy for SupplyChain {
    fn meta() -> &'static PolicyMeta {
        &META
    }

    fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
        let settings = settings::Settings::parse(&input.settings)?;
        let mut findings = chart::evaluate(input, &settings)?;
        findings.extend(blob::evaluate(input, &settings)?);
        findings.extend(images::evaluate(input, &settings)?);
        Ok(findings)
    }

    const REQUESTS_EVIDENCE: bool = true;

    fn requests(resources: &[Resource], settings: &Value) -> Result<Vec<EvidenceRequest>, String> {
        let settings = settings::Settings::parse(settings)?;
        Ok(images::requests(resources, &settings))
    }
}

export_policy!(SupplyChain);

/// rPGP pulls in getrandom 0.2 (through `rand_core`), which on `wasm32-unknown-unknown` needs a
/// registered source. Verification never draws randomness, so the source refuses: the component
/// keeps zero imports, and any accidental use fails loudly instead of being predictable.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod entropy {
    fn unsupported(_: &mut [u8]) -> Result<(), getrandom::Error> {
        Err(getrandom::Error::UNSUPPORTED)
    }
    getrandom::register_custom_getrandom!(unsupported);
}
