//! `/mutate` pins image tags to the digests a real registry resolves (supply-chain
//! `verifyImages[].mutateDigest`). The registry is Debian's `docker-registry` on 127.0.0.1, started
//! and pushed to with the helpers of `tests/verify_remote` (shared, not copied). Without
//! `docker-registry` the test is skipped with a note; when `CI` is set, that is a failure.

use base64::Engine as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use serde_json::{Value, json};
use std::time::Duration;

use super::registry::{self, Registry};
use super::{push, response, start};

/// A P-256 public key: the rules need an attestor; these images are unsigned, so it never verifies.
const KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAOMHWA3DV8uVh/pB973SccIjj4YS
Vo5ISzSDEWqZNK+v9aiYELXz8MMVRLv5C2QcVtIyNZVrsQ355XGZYrbtJA==
-----END PUBLIC KEY-----
";

const UID: &str = "705ab4f5-6393-11e8-b7cc-42010a800002";

/// Profiles: `pin` (unsigned allowed, digests pinned), `pin-ignored` (the same with
/// `failurePolicy: Ignore`) and `signed` (a signature is required).
fn config() -> String {
    let rule = |required: bool| {
        json!({"supply-chain": {"verifyImages": [{
            "imageReferences": ["127.0.0.1:*"],
            "attestors": [{"entries": [{"keys": {"publicKeys": KEY}}]}],
            "required": required, "verifyDigest": false, "mutateDigest": true}]}})
    };
    let profile = |name: &str, required: bool| {
        json!({"name": name, "namespaces": [name], "failOn": "high", "policies": ["supply-chain"],
               "settings": rule(required)})
    };
    let mut ignored = profile("pin-ignored", false);
    ignored["failurePolicy"] = json!("Ignore");
    json!({
        "apiVersion": "palisade.dev/v1alpha1", "kind": "WebhookConfiguration",
        "webhookTimeoutSeconds": 10,
        "limits": {"policyTimeoutMs": 2000, "concurrency": 4},
        "registry": {"fetchTimeoutMs": 3000},
        "profiles": [profile("pin", false), ignored, profile("signed", true)]
    })
    .to_string()
}

/// The Deployment fixture in `namespace` with these container images.
fn review(namespace: &str, images: &[&str]) -> Value {
    let mut review = super::fixture("deployment-create.json");
    review["request"]["namespace"] = json!(namespace);
    review["request"]["object"]["metadata"]["namespace"] = json!(namespace);
    let spec = &mut review["request"]["object"]["spec"]["template"]["spec"];
    let first = spec["containers"][0].clone();
    spec["containers"] = images
        .iter()
        .enumerate()
        .map(|(i, image)| {
            let mut c = first.clone();
            c["name"] = json!(if i == 0 { "web".to_string() } else { format!("web{i}") });
            c["image"] = json!(image);
            c
        })
        .collect();
    review
}

fn body(review: &Value) -> Vec<u8> {
    serde_json::to_vec(review).unwrap()
}

/// The response an allowed review with this patch gets.
fn patched(patch: &Value) -> Value {
    let encoded = base64::engine::general_purpose::STANDARD.encode(patch.to_string());
    json!({"uid": UID, "allowed": true, "status": {}, "patch": encoded, "patchType": "JSONPatch"})
}

fn allowed() -> Value {
    json!({"uid": UID, "allowed": true, "status": {}})
}

/// The digest the registry reports for `host/repo:tag` (its `Docker-Content-Digest`).
async fn registry_digest(host: &str, repo: &str, tag: &str) -> String {
    let client = oci_client::Client::new(ClientConfig { protocol: ClientProtocol::Http, ..ClientConfig::default() });
    let reference = oci_client::Reference::with_tag(host.into(), repo.into(), tag.into());
    client.fetch_manifest_digest(&reference, &RegistryAuth::Anonymous).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutate_pins_tags_to_the_digests_the_registry_resolves() {
    if registry::binary().is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must have docker-registry (apt-get install docker-registry)");
        eprintln!("skipped: docker-registry is not installed");
        return;
    }
    // The pusher blocks on its own runtime: not on this one's threads.
    let (registry, latest, tagged) = tokio::task::spawn_blocking(|| {
        let registry = Registry::start(None);
        let pusher = push::Pusher::new(&registry.host, RegistryAuth::Anonymous);
        let latest = pusher.image("x", "latest", b"layer of x:latest");
        let tagged = pusher.image("x", "1.0", b"layer of x:1.0");
        (registry, latest, tagged)
    })
    .await
    .unwrap();
    let host = registry.host.clone();
    let digest = registry_digest(&host, "x", "latest").await;
    let digest_1_0 = registry_digest(&host, "x", "1.0").await;
    assert_eq!((&digest, &digest_1_0), (&latest.digest, &tagged.digest), "the registry serves what was pushed");
    let h = start(&config()).await;
    let image = format!("{host}/x");
    let path = "/spec/template/spec/containers/0/image";

    // A tag (here the implicit `latest`) is replaced by the digest the registry resolves.
    let started = std::time::Instant::now();
    let (status, text) = h.post("/mutate", body(&review("pin", &[&image]))).await;
    let first = started.elapsed();
    assert_eq!(status, 200);
    assert_eq!(
        response(&text)["response"],
        patched(&json!([{"op": "replace", "path": path, "value": format!("{host}/x@{digest}")}]))
    );
    let started = std::time::Instant::now();
    let (_, again) = h.post("/mutate", body(&review("pin", &[&image]))).await;
    eprintln!("/mutate with one tag to resolve: first {first:?} (fetch runtime start), then {:?}", started.elapsed());
    assert_eq!(again, text);

    // Several containers: one operation each, in path order; an explicit tag is kept, as
    // Kyverno's mutateDigest keeps it (`image:tag@digest`).
    let tagged_image = format!("{host}/x:1.0");
    let (_, text) = h.post("/mutate", body(&review("pin", &[&image, &tagged_image]))).await;
    assert_eq!(
        response(&text)["response"],
        patched(&json!([
            {"op": "replace", "path": path, "value": format!("{host}/x@{digest}")},
            {"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": format!("{host}/x:1.0@{digest_1_0}")},
        ]))
    );

    // A dry run gets the same patch (the API server applies it to the dry-run object).
    let mut dry = review("pin", &[&image]);
    dry["request"]["dryRun"] = json!(true);
    let (_, text) = h.post("/mutate", body(&dry)).await;
    assert_eq!(
        response(&text)["response"],
        patched(&json!([{"op": "replace", "path": path, "value": format!("{host}/x@{digest}")}]))
    );

    // Already pinned: nothing to patch.
    let (_, text) = h.post("/mutate", body(&review("pin", &[&format!("{host}/x@{digest}")]))).await;
    assert_eq!(response(&text)["response"], allowed());

    // /validate never patches, on the very request /mutate patched.
    let (_, text) = h.post("/validate", body(&review("pin", &[&image]))).await;
    assert_eq!(response(&text)["response"], allowed());

    // The registry cannot be reached: fail closed with the image named, or allow with Ignore.
    let dead = format!("127.0.0.1:{}/x:1.0", registry::free_port());
    let (_, text) = h.post("/mutate", body(&review("pin", &[&dead]))).await;
    let reason = unreachable(&dead);
    assert_eq!(
        response(&text)["response"],
        json!({"uid": UID, "allowed": false, "status": {"status": "Failure", "code": 500, "reason": "InternalError",
               "message": format!("palisade could not evaluate Deployment pin/web: {reason} (failurePolicy: Fail)")}})
    );
    let (_, text) = h.post("/mutate", body(&review("pin-ignored", &[&dead]))).await;
    assert_eq!(
        response(&text)["response"],
        json!({"uid": UID, "allowed": true, "status": {},
               "warnings": [format!("palisade could not evaluate Deployment pin-ignored/web: {reason} (failurePolicy: Ignore)")]})
    );

    // A registry that accepts the connection and never answers: the fetch budget (3 s) ends it,
    // well inside the webhook timeout (10 s).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stuck = format!("{}/x:1.0", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let (_, text) = h.post("/mutate", body(&review("pin", &[&stuck]))).await;
    let elapsed = started.elapsed();
    assert_eq!(
        response(&text)["response"],
        json!({"uid": UID, "allowed": false, "status": {"status": "Failure", "code": 500, "reason": "InternalError",
               "message": format!("palisade could not evaluate Deployment pin/web: policy `supply-chain` lacks evidence: \
                                   fetching `oci://{stuck}` did not finish within the fetch budget (failurePolicy: Fail)")}})
    );
    assert!(elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(5), "{elapsed:?}");
    drop(silent);

    // `required`: an unsigned image is denied, by /validate and by /mutate (which then does not patch).
    let denied = json!({"uid": UID, "allowed": false, "status": {"status": "Failure", "code": 403, "reason": "Forbidden",
        "message": format!("palisade denied Deployment signed/web: supply-chain/image-signature (high) at {path}: \
                            container \"web\" image {tagged_image}: is not signed: no cosign signature or Sigstore bundle is attached")},
        "auditAnnotations": {"profile": "signed", "mode": "enforce", "findings": "supply-chain/image-signature"}});
    for endpoint in ["/validate", "/mutate"] {
        let (_, text) = h.post(endpoint, body(&review("signed", &[&tagged_image]))).await;
        assert_eq!(response(&text)["response"], denied, "{endpoint}");
    }
    h.stop().await;
    drop(registry);
}

/// The policy error when nothing listens at `image`'s registry.
fn unreachable(image: &str) -> String {
    let (host, rest) = image.split_once('/').unwrap();
    let (repo, tag) = rest.split_once(':').unwrap();
    format!(
        "policy `supply-chain` lacks evidence: fetching manifest {image} of `oci://{image}`: error sending request \
         for url (http://{host}/v2/{repo}/manifests/{tag}): client error (Connect): tcp connect error: Connection \
         refused (os error 111)"
    )
}
