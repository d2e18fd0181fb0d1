//! OCI registries: manifests, legacy cosign signatures (`sha256-<hex>.sig`), Sigstore bundles
//! (OCI 1.1 referrers API, or the referrers tag fallback `sha256-<hex>`), and Helm charts stored
//! as OCI artifacts.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use futures_util::StreamExt as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use crate::{Ctx, Evidence, FetchConfig, FetchError, MAX_MANIFEST_BYTES, digest, kinds};

/// Manifest media types we accept.
const ACCEPT: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// Media types (layer or artifact type) of Sigstore bundles.
pub const BUNDLE_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
];

/// Helm's OCI media types.
pub const HELM_CONFIG: &str = "application/vnd.cncf.helm.config.v1+json";
/// The chart archive layer.
pub const HELM_CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// The chart archive layer, as Helm 3.0–3.7 pushed it.
const HELM_CHART_LAYER_LEGACY: &str = "application/tar+gzip";
/// The provenance layer (`helm push` adds it when `<chart>.tgz.prov` sits beside the chart).
pub const HELM_PROV_LAYER: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";

/// The parts of a manifest we read (image manifest or index).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    schema_version: Option<u32>,
    media_type: Option<String>,
    artifact_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
    subject: Option<Descriptor>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    media_type: String,
    digest: String,
    size: i64,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

impl Manifest {
    fn parse(ctx: &Ctx<'_>, what: &str, bytes: &[u8]) -> Result<Self, FetchError> {
        let m: Manifest = serde_json::from_slice(bytes).map_err(|e| ctx.malformed(what, e))?;
        if m.schema_version != Some(2) {
            return Err(ctx.malformed(what, format!("schemaVersion is {:?}, expected 2", m.schema_version)));
        }
        Ok(m)
    }

    /// The declared media type, else the one its shape implies.
    fn media_type(&self) -> String {
        match &self.media_type {
            Some(t) => t.clone(),
            None if !self.manifests.is_empty() => ACCEPT[1].to_string(),
            None => ACCEPT[0].to_string(),
        }
    }
}

/// Which part of an OCI Helm chart to return.
#[derive(Debug, Clone, Copy)]
pub enum ChartPart {
    /// The `.tgz`.
    Chart,
    /// The `.prov`, if pushed.
    Provenance,
}

/// One `oci-client` per registry (its protocol is per registry).
pub struct Registries {
    plain_http: bool,
    timeout: std::time::Duration,
    clients: Mutex<HashMap<String, Client>>,
    credentials: crate::Credentials,
}

impl Registries {
    pub fn new(config: &FetchConfig) -> Self {
        Registries {
            plain_http: config.plain_http,
            timeout: config.timeout,
            clients: Mutex::new(HashMap::new()),
            credentials: config.credentials.clone(),
        }
    }

    fn client(&self, registry: &str) -> Client {
        let mut clients = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        clients
            .entry(registry.to_string())
            .or_insert_with(|| {
                let protocol = if self.plain_http || crate::is_loopback(registry) {
                    ClientProtocol::Http
                } else {
                    ClientProtocol::Https
                };
                Client::new(ClientConfig {
                    protocol,
                    connect_timeout: Some(self.timeout),
                    read_timeout: Some(self.timeout),
                    platform_resolver: None,
                    user_agent: concat!("palisade/", env!("CARGO_PKG_VERSION")),
                    ..ClientConfig::default()
                })
            })
            .clone()
    }

    fn auth(&self, registry: &str) -> RegistryAuth {
        match self.credentials.get(registry) {
            Some(b) => RegistryAuth::Basic(b.username.clone(), b.password.clone()),
            None => RegistryAuth::Anonymous,
        }
    }

    /// The error for a failed registry request: [`FetchError::Auth`] when the registry refused
    /// access (HTTP 401, or a failed token exchange), naming the credentials tried.
    fn failure(&self, ctx: &Ctx<'_>, registry: &str, what: impl Into<String>, e: &OciDistributionError) -> FetchError {
        let refused = match e {
            OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => true,
            OciDistributionError::RegistryError { envelope, .. } => {
                envelope.errors.iter().any(|e| matches!(e.code, OciErrorCode::Unauthorized | OciErrorCode::Denied))
            }
            _ => false,
        };
        if !refused {
            return ctx.remote(what, describe(e));
        }
        let tried = match self.credentials.get(registry) {
            Some(b) => format!("the registry refused the credentials of user `{}` from the docker config", b.username),
            None => format!("the registry requires credentials and {}", self.credentials.missing(registry)),
        };
        FetchError::Auth {
            subject: ctx.subject.to_string(),
            registry: registry.to_string(),
            reason: format!("{tried} ({})", crate::one_line(&describe(e))),
        }
    }

    /// The manifest `reference` names, with its digest; `None` if the registry has no such
    /// manifest (only when `optional`).
    async fn manifest(
        &self,
        ctx: &Ctx<'_>,
        reference: &Reference,
        optional: bool,
    ) -> Result<Option<(Vec<u8>, String)>, FetchError> {
        let what = format!("manifest {reference}");
        if let (Some(d), Some(cache)) = (reference.digest(), ctx.cache)
            && let Some(bytes) = cache.get(d)
        {
            return Ok(Some((bytes, d.to_string())));
        }
        let client = self.client(reference.registry());
        let auth = self.auth(reference.registry());
        let pull = client.pull_manifest_raw(reference, &auth, ACCEPT);
        let (bytes, _) = match tokio::time::timeout(ctx.config.timeout, pull).await {
            Err(_) => return Err(ctx.timeout(what)),
            Ok(Err(e)) if optional && not_found(&e) => return Ok(None),
            Ok(Err(OciDistributionError::DigestError(e))) => return Err(ctx.malformed(what, e)),
            Ok(Err(e)) => return Err(self.failure(ctx, reference.registry(), what, &e)),
            Ok(Ok(found)) => found,
        };
        if bytes.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(ctx.too_large(what, MAX_MANIFEST_BYTES));
        }
        let actual = digest::sha256(&bytes);
        if let Some(expected) = reference.digest()
            && expected != actual
        {
            return Err(ctx.mismatch(what, expected, &actual));
        }
        if let Some(cache) = ctx.cache {
            cache.put(&actual, &bytes);
        }
        Ok(Some((bytes.to_vec(), actual)))
    }

    /// The blob `d` describes, bounded, digest-checked, cached.
    async fn blob(&self, ctx: &Ctx<'_>, repo: &Reference, d: &Descriptor) -> Result<Vec<u8>, FetchError> {
        let what = format!("blob {}", d.digest);
        if digest::sha256_hex(&d.digest).is_none() {
            return Err(ctx.malformed(what, "unsupported digest (expected sha256:<64 lowercase hex>)"));
        }
        if let Some(bytes) = ctx.cache.and_then(|c| c.get(&d.digest)) {
            return Ok(bytes);
        }
        let limit = ctx.config.max_blob_bytes;
        let size = u64::try_from(d.size).map_err(|_| ctx.malformed(&what, format!("negative size {}", d.size)))?;
        if size > limit {
            return Err(ctx.too_large(what, limit));
        }
        let desc = OciDescriptor {
            media_type: d.media_type.clone(),
            digest: d.digest.clone(),
            size: d.size,
            ..OciDescriptor::default()
        };
        let client = self.client(repo.registry());
        let read = async {
            let mut stream = client
                .pull_blob_stream(repo, &desc)
                .await
                .map_err(|e| self.failure(ctx, repo.registry(), &what, &e))?;
            let mut data = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| ctx.remote(&what, e))?;
                if (data.len() + chunk.len()) as u64 > size {
                    return Err(ctx.malformed(&what, format!("larger than the {size} bytes its descriptor states")));
                }
                data.extend_from_slice(&chunk);
            }
            Ok(data)
        };
        let data = tokio::time::timeout(ctx.config.timeout, read).await.map_err(|_| ctx.timeout(&what))??;
        let actual = digest::sha256(&data);
        if actual != d.digest {
            return Err(ctx.mismatch(what, &d.digest, &actual));
        }
        if data.len() as u64 != size {
            return Err(ctx.malformed(what, format!("{} bytes, its descriptor states {size}", data.len())));
        }
        if let Some(cache) = ctx.cache {
            cache.put(&actual, &data);
        }
        Ok(data)
    }

    /// `oci-signatures`: the manifest, then legacy cosign signatures, then Sigstore bundles.
    pub async fn signatures(&self, ctx: &Ctx<'_>, reference: &Reference) -> Result<Vec<Evidence>, FetchError> {
        let (bytes, manifest_digest) =
            self.manifest(ctx, reference, false).await?.ok_or_else(|| ctx.remote("manifest", "not found"))?;
        let manifest = Manifest::parse(ctx, "manifest", &bytes)?;
        let repo = |tag: String| Reference::with_tag(reference.registry().into(), reference.repository().into(), tag);
        let hex = digest::sha256_hex(&manifest_digest).unwrap_or_default().to_string();
        let mut out = vec![Evidence {
            subject: ctx.subject.to_string(),
            kind: kinds::OCI_MANIFEST.into(),
            media_type: manifest.media_type(),
            data: bytes,
            annotations: vec![
                ("digest".into(), manifest_digest.clone()),
                ("reference".into(), format!("{}/{}@{manifest_digest}", reference.registry(), reference.repository())),
            ],
        }];

        // Legacy cosign layout: one manifest tagged `sha256-<hex>.sig`, one layer per signature.
        let sig_ref = repo(format!("sha256-{hex}.sig"));
        if let Some((sig_bytes, sig_digest)) = self.manifest(ctx, &sig_ref, true).await? {
            let what = format!("signature manifest {sig_ref}");
            let sig = Manifest::parse(ctx, &what, &sig_bytes)?;
            tracing::debug!(%sig_digest, layers = sig.layers.len(), "cosign signature manifest");
            for layer in &sig.layers {
                let data = self.blob(ctx, &sig_ref, layer).await?;
                let mut annotations: Vec<(String, String)> = layer.annotations.clone().into_iter().collect();
                annotations.push(("digest".into(), manifest_digest.clone()));
                out.push(Evidence {
                    subject: ctx.subject.to_string(),
                    kind: kinds::COSIGN_SIGNATURE.into(),
                    media_type: layer.media_type.clone(),
                    data,
                    annotations,
                });
            }
        }

        // Sigstore bundles: referrers API, or its tag fallback (oci-client falls back on 404).
        let subject_ref =
            Reference::with_digest(reference.registry().into(), reference.repository().into(), manifest_digest.clone());
        let client = self.client(reference.registry());
        let what = format!("referrers of {subject_ref}");
        let index = match tokio::time::timeout(ctx.config.timeout, client.pull_referrers(&subject_ref, None)).await {
            Err(_) => return Err(ctx.timeout(what)),
            Ok(Err(e)) => return Err(self.failure(ctx, reference.registry(), what, &e)),
            Ok(Ok(index)) => index,
        };
        for entry in &index.manifests {
            let is_bundle = entry.artifact_type.as_deref().is_some_and(|t| BUNDLE_TYPES.contains(&t));
            if !is_bundle {
                continue;
            }
            let referrer = Reference::with_digest(
                reference.registry().into(),
                reference.repository().into(),
                entry.digest.clone(),
            );
            let what = format!("referrer manifest {referrer}");
            let Some((ref_bytes, _)) = self.manifest(ctx, &referrer, false).await? else { continue };
            let m = Manifest::parse(ctx, &what, &ref_bytes)?;
            if m.subject.as_ref().map(|s| s.digest.as_str()) != Some(manifest_digest.as_str()) {
                tracing::warn!(referrer = %entry.digest, "referrer does not name this manifest as its subject; skipped");
                continue;
            }
            tracing::debug!(artifact_type = ?m.artifact_type, "sigstore bundle referrer");
            for layer in m.layers.iter().filter(|l| BUNDLE_TYPES.contains(&l.media_type.as_str())) {
                let data = self.blob(ctx, &referrer, layer).await?;
                out.push(Evidence {
                    subject: ctx.subject.to_string(),
                    kind: kinds::SIGSTORE_BUNDLE.into(),
                    media_type: layer.media_type.clone(),
                    data,
                    annotations: vec![
                        ("digest".into(), manifest_digest.clone()),
                        ("referrer".into(), entry.digest.clone()),
                    ],
                });
            }
        }
        Ok(out)
    }

    /// `helm-chart` / `helm-provenance` for a chart pushed with `helm push`.
    pub async fn chart(
        &self,
        ctx: &Ctx<'_>,
        reference: &Reference,
        part: ChartPart,
    ) -> Result<Vec<Evidence>, FetchError> {
        let (bytes, manifest_digest) =
            self.manifest(ctx, reference, false).await?.ok_or_else(|| ctx.remote("manifest", "not found"))?;
        let manifest = Manifest::parse(ctx, "manifest", &bytes)?;
        let config = manifest.config.as_ref().filter(|c| c.media_type == HELM_CONFIG).ok_or_else(|| {
            let found = manifest.config.as_ref().map_or("none", |c| c.media_type.as_str());
            ctx.malformed("manifest", format!("not a Helm chart (config media type {found}, expected {HELM_CONFIG})"))
        })?;
        let chart_config = self.blob(ctx, reference, config).await?;
        let meta: ChartMeta = serde_json::from_slice(&chart_config).map_err(|e| ctx.malformed("chart config", e))?;
        let file_name = format!("{}-{}.tgz", meta.name, meta.version);
        let wanted: &[&str] = match part {
            ChartPart::Chart => &[HELM_CHART_LAYER, HELM_CHART_LAYER_LEGACY],
            ChartPart::Provenance => &[HELM_PROV_LAYER],
        };
        let layer = manifest.layers.iter().find(|l| wanted.contains(&l.media_type.as_str()));
        let Some(layer) = layer else {
            return match part {
                ChartPart::Chart => Err(ctx.malformed("manifest", format!("no layer of type {HELM_CHART_LAYER}"))),
                ChartPart::Provenance => Ok(Vec::new()),
            };
        };
        let data = self.blob(ctx, reference, layer).await?;
        let kind = match part {
            ChartPart::Chart => kinds::HELM_CHART,
            ChartPart::Provenance => kinds::HELM_PROVENANCE,
        };
        Ok(vec![Evidence {
            subject: ctx.subject.to_string(),
            kind: kind.into(),
            media_type: layer.media_type.clone(),
            data,
            annotations: vec![
                ("digest".into(), manifest_digest.clone()),
                ("reference".into(), format!("{}/{}@{manifest_digest}", reference.registry(), reference.repository())),
                ("file-name".into(), file_name),
            ],
        }])
    }
}

/// `Chart.yaml` as Helm stores it in the config blob.
#[derive(serde::Deserialize)]
struct ChartMeta {
    name: String,
    version: String,
}

/// Whether the registry said "no such manifest".
fn not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => {
            envelope.errors.iter().all(|e| matches!(e.code, OciErrorCode::ManifestUnknown | OciErrorCode::NotFound))
        }
        _ => false,
    }
}

/// An `oci-client` error with its sources, one line.
fn describe(e: &OciDistributionError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}
