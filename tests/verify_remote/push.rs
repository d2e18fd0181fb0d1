//! Pushes OCI artifacts to the test registry with `oci-client` itself. There is no `cosign` or
//! `docker` binary here, so the test builds what they would push: a small image (config + one
//! layer), a legacy cosign signature manifest tagged `sha256-<hex>.sig` whose layers are
//! simple-signing payloads with the signature annotations, and a Sigstore bundle attached the
//! way cosign attaches it to a registry without the OCI 1.1 referrers API (an artifact manifest
//! with `subject`, listed in an index tagged `sha256-<hex>`). Helm charts are pushed with the
//! real `helm push` instead (see the main file).

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use serde_json::json;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// One signature layer: the payload and its annotations.
pub type SignatureLayer<'a> = (Vec<u8>, Vec<(&'a str, String)>);

/// A pusher bound to one registry.
pub struct Pusher {
    runtime: tokio::runtime::Runtime,
    client: Client,
    host: String,
    auth: RegistryAuth,
}

/// A pushed manifest.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// `sha256:<hex>`.
    pub digest: String,
}

pub fn sha256(bytes: &[u8]) -> String {
    palisade_evidence::sha256(bytes)
}

fn descriptor(media_type: &str, bytes: &[u8]) -> serde_json::Value {
    json!({"mediaType": media_type, "digest": sha256(bytes), "size": bytes.len()})
}

impl Pusher {
    pub fn new(host: &str, auth: RegistryAuth) -> Pusher {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let client = Client::new(ClientConfig { protocol: ClientProtocol::Http, ..ClientConfig::default() });
        Pusher { runtime, client, host: host.to_string(), auth }
    }

    fn reference(&self, repo: &str, tag: &str) -> Reference {
        Reference::with_tag(self.host.clone(), repo.to_string(), tag.to_string())
    }

    /// Upload a blob.
    pub fn blob(&self, repo: &str, bytes: &[u8]) {
        let r = self.reference(repo, "unused");
        self.runtime.block_on(async {
            self.client.store_auth_if_needed(&self.host, &self.auth).await;
            self.client.push_blob(&r, bytes.to_vec(), &sha256(bytes)).await.expect("push blob");
        });
    }

    /// Upload a manifest under `tag`.
    pub fn manifest(&self, repo: &str, tag: &str, manifest: &serde_json::Value, media_type: &str) -> Pushed {
        let bytes = serde_json::to_vec(manifest).expect("manifest JSON");
        let r = self.reference(repo, tag);
        self.runtime.block_on(async {
            self.client.store_auth_if_needed(&self.host, &self.auth).await;
            self.client
                .push_manifest_raw(&r, bytes.clone(), media_type.parse().expect("header value"))
                .await
                .expect("push manifest");
        });
        Pushed { digest: sha256(&bytes), bytes }
    }

    /// A small image: an OCI config and one layer, tagged `tag`.
    pub fn image(&self, repo: &str, tag: &str, layer: &[u8]) -> Pushed {
        let config = serde_json::to_vec(&json!({
            "architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]}
        }))
        .expect("config");
        self.blob(repo, &config);
        self.blob(repo, layer);
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
            "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", layer)],
        });
        self.manifest(repo, tag, &manifest, OCI_MANIFEST)
    }

    /// A legacy cosign signature manifest for `image`: one layer per (payload, annotations).
    pub fn cosign_signatures(&self, repo: &str, image: &Pushed, layers: &[SignatureLayer<'_>]) -> Pushed {
        let config = b"{}".to_vec();
        self.blob(repo, &config);
        let mut descriptors = Vec::new();
        for (payload, annotations) in layers {
            self.blob(repo, payload);
            let mut d = descriptor(SIMPLE_SIGNING, payload);
            d["annotations"] = annotations.iter().map(|(k, v)| ((*k).to_string(), json!(v))).collect();
            descriptors.push(d);
        }
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
            "layers": descriptors,
        });
        let tag = format!("{}.sig", image.digest.replace(':', "-"));
        self.manifest(repo, &tag, &manifest, OCI_MANIFEST)
    }

    /// Attach Sigstore bundles to `image` through the referrers tag schema, plus `others`
    /// (artifact types that are not bundles, e.g. an SBOM), all in one index.
    pub fn bundles(&self, repo: &str, image: &Pushed, bundles: &[Vec<u8>], others: &[(&str, Vec<u8>)]) -> Pushed {
        let empty = b"{}".to_vec();
        self.blob(repo, &empty);
        let mut entries = Vec::new();
        let all = bundles.iter().map(|b| (BUNDLE_V03, b.clone())).chain(others.iter().map(|(t, b)| (*t, b.clone())));
        for (i, (artifact_type, blob)) in all.enumerate() {
            self.blob(repo, &blob);
            let manifest = json!({
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "artifactType": artifact_type,
                "config": descriptor("application/vnd.oci.empty.v1+json", &empty),
                "layers": [descriptor(artifact_type, &blob)],
                "subject": descriptor(OCI_MANIFEST, &image.bytes),
            });
            let pushed = self.manifest(repo, &format!("referrer-{i}"), &manifest, OCI_MANIFEST);
            let mut entry = descriptor(OCI_MANIFEST, &pushed.bytes);
            entry["artifactType"] = json!(artifact_type);
            entries.push(entry);
        }
        let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries});
        self.manifest(repo, &image.digest.replace(':', "-"), &index, OCI_INDEX)
    }
}
