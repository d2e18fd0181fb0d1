//! End to end over real HTTPS: a server on 127.0.0.1 with a certificate made at test time, the
//! built-in policies and the hostile fixture component, and `AdmissionReview` bodies shaped like the
//! ones the Kubernetes API server sends (`tests/fixtures/`).

#![expect(clippy::unwrap_used, reason = "test set-up: a panic is a test failure")]

#[path = "webhook/mutate.rs"]
mod mutate;
#[path = "../../../tests/verify_remote/push.rs"]
#[expect(clippy::expect_used, reason = "test set-up: a panic is a test failure")]
#[expect(dead_code, reason = "only images are pushed here; signatures are the supply-chain tests' matter")]
mod push;
#[path = "../../../tests/verify_remote/registry.rs"]
#[expect(clippy::expect_used, reason = "test set-up: a panic is a test failure")]
mod registry;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use palisade_webhook::{ServeOptions, Server};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const HEAD: &str = "apiVersion: palisade.dev/v1alpha1\nkind: WebhookConfiguration\n";

/// Rules that judge a whole rendering (other objects of it): one admission request holds one object.
const RENDERING_RULES: &str = "[non-existent-service-account, pod-not-selected-by-networkpolicy, ingress-and-egress-policy, deprecated-service-account-field, pdb-present, dangling-service]";

fn config() -> String {
    format!(
        "{HEAD}webhookTimeoutSeconds: 10\nlimits:\n  policyTimeoutMs: 1000\n  maxRequestBytes: 65536\n  concurrency: 8\nprofiles:
  - name: hostile
    namespaces: [hostile-*]
    policies: [POLICY]
    settings: {{ hostile: {{ mode: loop }} }}
  - name: hostile-trap-ignored
    namespaces: [trap]
    policies: [POLICY]
    settings: {{ hostile: {{ mode: trap }} }}
    failurePolicy: Ignore
  - name: staging
    namespaces: [staging]
    mode: warn
    exclude: {RENDERING_RULES}
  - name: legacy
    namespaces: [legacy]
    mode: audit
    exclude: {RENDERING_RULES}
  - name: ratchet
    namespaces: [ratchet]
    failOn: high
    allowExistingViolations: true
    exclude: {RENDERING_RULES}
  - name: default
    excludeNamespaces: [kube-system]
    failOn: high
    exclude: {RENDERING_RULES}
"
    )
}

struct Harness {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    addr: SocketAddr,
    ca: Vec<u8>,
    reload: palisade_webhook::ReloadHandle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

fn cert(dir: &Path) -> Vec<u8> {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let pem = key.cert.pem();
    std::fs::write(dir.join("tls.crt"), &pem).unwrap();
    std::fs::write(dir.join("tls.key"), key.signing_key.serialize_pem()).unwrap();
    key.cert.der().to_vec()
}

/// A shared compilation cache, so each test does not compile the components again.
fn cache_dir() -> PathBuf {
    std::env::temp_dir().join("palisade-webhook-test-cache")
}

async fn start(config_text: &str) -> Harness {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::write(dir.join("hostile.wasm"), palisade_policies::fixtures::HOSTILE).unwrap();
    let text = config_text.replace("POLICY", &dir.join("hostile.wasm").display().to_string());
    std::fs::write(dir.join("config.yaml"), text).unwrap();
    let ca = cert(&dir);
    let server = Server::bind(ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        config: dir.join("config.yaml"),
        tls_cert: dir.join("tls.crt"),
        tls_key: dir.join("tls.key"),
        cache_dir: Some(cache_dir()),
        watch_interval: None,
        shutdown_grace: Duration::from_secs(5),
    })
    .await
    .unwrap();
    let addr = server.local_addr().unwrap();
    let reload = server.reload_handle();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server
            .run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Harness { _dir: tmp, dir, addr, ca, reload, stop: Some(tx), task }
}

impl Harness {
    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task).await.unwrap().unwrap();
    }

    async fn connect(&self) -> Client {
        Client::connect(self.addr, &self.ca).await.unwrap()
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> (u16, String) {
        self.connect().await.request("POST", path, body).await
    }

    async fn get(&self, path: &str) -> (u16, String) {
        self.connect().await.request("GET", path, Vec::new()).await
    }
}

/// A minimal HTTPS/1.1 client that trusts one certificate.
struct Client {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Client {
    async fn connect(addr: SocketAddr, ca: &[u8]) -> Result<Self, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(rustls_pki_types::CertificateDer::from(ca.to_vec())).map_err(|e| e.to_string())?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let name = rustls_pki_types::ServerName::try_from("localhost").map_err(|e| e.to_string())?;
        let tls = TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| e.to_string())?;
        let (sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        Ok(Client { sender })
    }

    async fn request(&mut self, method: &str, path: &str, body: Vec<u8>) -> (u16, String) {
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        self.sender.ready().await.unwrap();
        let resp = self.sender.send_request(req).await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }
}

/// The request, deny and audit counters of a `/metrics` text, sorted.
fn verdict_counters(metrics: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = metrics
        .lines()
        .filter(|l| {
            l.starts_with("palisade_webhook_denies_total")
                || l.starts_with("palisade_webhook_audit_findings_total")
                || l.starts_with("palisade_webhook_requests_total")
        })
        .collect();
    lines.sort_unstable();
    lines
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The fixture with its namespace (request and object) replaced.
fn in_namespace(name: &str, namespace: &str) -> Vec<u8> {
    let mut review = fixture(name);
    review["request"]["namespace"] = json!(namespace);
    for field in ["object", "oldObject"] {
        if review["request"][field].is_object() {
            review["request"][field]["metadata"]["namespace"] = json!(namespace);
        }
    }
    serde_json::to_vec(&review).unwrap()
}

fn response(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_deny_warn_audit() {
    let h = start(&config()).await;

    // A hardened Deployment: allowed, nothing to warn about.
    let (status, body) = h.post("/validate", in_namespace("deployment-create.json", "shop")).await;
    assert_eq!(status, 200);
    assert_eq!(
        response(&body),
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
               "response": {"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": true, "status": {}}})
    );

    // Privileged: denied, the message names each rule and field at or above failOn (high).
    let (status, body) = h.post("/validate", in_namespace("deployment-privileged-create.json", "shop")).await;
    assert_eq!(status, 200);
    assert_eq!(
        response(&body),
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {
            "uid": "8f2c6d1a-9b7e-4c3d-a1f0-5e6d7c8b9a01", "allowed": false,
            "status": {"status": "Failure", "code": 403, "reason": "Forbidden", "message":
                "palisade denied Deployment shop/web-debug: \
                 hardening/allow-privilege-escalation (high) at /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation: container \"web\" sets securityContext.allowPrivilegeEscalation: true; \
                 hardening/privileged-container (critical) at /spec/template/spec/containers/0/securityContext/privileged: container \"web\" sets securityContext.privileged: true; \
                 pod-security/privileged (critical) at /spec/template/spec/containers/0/securityContext/privileged: privileged (container \"web\" must not set securityContext.privileged=true)"},
            "auditAnnotations": {"profile": "default", "mode": "enforce",
                "findings": "hardening/allow-privilege-escalation,hardening/privileged-container,pod-security/privileged"}}})
    );

    // warn: allowed, every finding a warning.
    let (status, body) = h.post("/validate", in_namespace("deployment-privileged-create.json", "staging")).await;
    assert_eq!(status, 200);
    let r = response(&body);
    assert_eq!(r["response"]["allowed"], json!(true));
    assert_eq!(
        r["response"]["warnings"],
        json!([
            "hardening/allow-privilege-escalation (high) at /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation: container \"web\" sets securityContext.allowPrivilegeEscalation: true",
            "hardening/privileged-container (critical) at /spec/template/spec/containers/0/securityContext/privileged: container \"web\" sets securityContext.privileged: true",
            "pod-security/privileged (critical) at /spec/template/spec/containers/0/securityContext/privileged: privileged (container \"web\" must not set securityContext.privileged=true)"
        ])
    );

    // audit: allowed silently, recorded in metrics; a dry run is not recorded.
    let (status, body) = h.post("/validate", in_namespace("deployment-privileged-create.json", "legacy")).await;
    assert_eq!(
        (status, response(&body)["response"]["allowed"].clone(), response(&body)["response"].get("warnings").cloned()),
        (200, json!(true), None)
    );
    let mut dry = fixture("deployment-privileged-create.json");
    dry["request"]["namespace"] = json!("legacy");
    dry["request"]["dryRun"] = json!(true);
    let (status, body) = h.post("/validate", serde_json::to_vec(&dry).unwrap()).await;
    assert_eq!((status, response(&body)["response"]["allowed"].clone()), (200, json!(true)));

    // Namespaces no profile selects are allowed without evaluation.
    let (_, body) = h.post("/validate", in_namespace("deployment-privileged-create.json", "kube-system")).await;
    assert_eq!(
        response(&body)["response"],
        json!({"uid": "8f2c6d1a-9b7e-4c3d-a1f0-5e6d7c8b9a01", "allowed": true, "status": {}})
    );

    // DELETE: nothing is evaluated.
    let (_, body) = h.post("/validate", in_namespace("deployment-delete.json", "shop")).await;
    assert_eq!(
        response(&body)["response"],
        json!({"uid": "3c5e7a9b-1d3f-4a5c-9e7b-0d2f4a6c8e25", "allowed": true, "status": {}})
    );

    // UPDATE: strict by default; with allowExistingViolations, what the old object had already
    // is a warning, not a deny.
    let (_, body) = h.post("/validate", in_namespace("deployment-privileged-update.json", "shop")).await;
    assert_eq!(response(&body)["response"]["allowed"], json!(false));
    let (_, body) = h.post("/validate", in_namespace("deployment-privileged-update.json", "ratchet")).await;
    let r = response(&body);
    assert_eq!(r["response"]["allowed"], json!(true));
    assert_eq!(
        r["response"]["warnings"][1],
        json!(
            "hardening/privileged-container (critical) at /spec/template/spec/containers/0/securityContext/privileged: container \"web\" sets securityContext.privileged: true (already present before this update)"
        )
    );

    let (status, metrics) = h.get("/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(
        verdict_counters(&metrics),
        [
            "palisade_webhook_audit_findings_total{policy=\"hardening\",rule=\"allow-privilege-escalation\"} 1",
            "palisade_webhook_audit_findings_total{policy=\"hardening\",rule=\"privileged-container\"} 1",
            "palisade_webhook_audit_findings_total{policy=\"pod-security\",rule=\"privileged\"} 1",
            "palisade_webhook_denies_total{policy=\"hardening\",rule=\"allow-privilege-escalation\"} 2",
            "palisade_webhook_denies_total{policy=\"hardening\",rule=\"privileged-container\"} 2",
            "palisade_webhook_denies_total{policy=\"pod-security\",rule=\"privileged\"} 2",
            "palisade_webhook_requests_total{endpoint=\"validate\",result=\"allowed\"} 7",
            "palisade_webhook_requests_total{endpoint=\"validate\",result=\"denied\"} 2",
        ]
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutate_judges_as_validate_and_leaves_warnings_and_audit_to_it() {
    let h = start(&config()).await;
    // /mutate judges as /validate does (the API server calls it first): denied, so no patch.
    let (status, body) = h.post("/mutate", in_namespace("deployment-privileged-create.json", "shop")).await;
    assert_eq!(status, 200);
    let (_, validated) = h.post("/validate", in_namespace("deployment-privileged-create.json", "shop")).await;
    assert_eq!(response(&body), response(&validated));
    // warn: allowed; the warnings come from /validate only, the same ones twice would be noise.
    let (_, body) = h.post("/mutate", in_namespace("deployment-privileged-create.json", "staging")).await;
    assert_eq!(
        response(&body)["response"],
        json!({"uid": "8f2c6d1a-9b7e-4c3d-a1f0-5e6d7c8b9a01", "allowed": true, "status": {},
               "auditAnnotations": {"profile": "staging", "mode": "warn",
                   "findings": "hardening/allow-privilege-escalation,hardening/privileged-container,pod-security/privileged"}})
    );
    // A hardened Deployment with no image rules: allowed, no patch.
    let (_, body) = h.post("/mutate", in_namespace("deployment-create.json", "shop")).await;
    assert_eq!(
        response(&body)["response"],
        json!({"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": true, "status": {}})
    );

    // audit: allowed; the audit record is /validate's.
    let (_, body) = h.post("/mutate", in_namespace("deployment-privileged-create.json", "legacy")).await;
    assert_eq!(response(&body)["response"]["allowed"], json!(true));

    let (_, metrics) = h.get("/metrics").await;
    assert_eq!(
        verdict_counters(&metrics),
        [
            "palisade_webhook_denies_total{policy=\"hardening\",rule=\"allow-privilege-escalation\"} 2",
            "palisade_webhook_denies_total{policy=\"hardening\",rule=\"privileged-container\"} 2",
            "palisade_webhook_denies_total{policy=\"pod-security\",rule=\"privileged\"} 2",
            "palisade_webhook_requests_total{endpoint=\"mutate\",result=\"allowed\"} 3",
            "palisade_webhook_requests_total{endpoint=\"mutate\",result=\"denied\"} 1",
            "palisade_webhook_requests_total{endpoint=\"validate\",result=\"denied\"} 1",
        ]
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_rejected_with_a_reason() {
    let h = start(&config()).await;
    let (status, body) = h.post("/validate", b"{\"kind\": \"AdmissionReview\",".to_vec()).await;
    assert_eq!(
        (status, body.as_str()),
        (400, "malformed AdmissionReview: EOF while parsing a value at line 1 column 27\n")
    );

    let mut old = fixture("deployment-create.json");
    old["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let (status, body) = h.post("/validate", serde_json::to_vec(&old).unwrap()).await;
    assert_eq!(
        (status, body.as_str()),
        (
            400,
            "unsupported review `admission.k8s.io/v1beta1 AdmissionReview`: only admission.k8s.io/v1 AdmissionReview is served\n"
        )
    );

    let (status, body) =
        h.post("/validate", br#"{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}"#.to_vec()).await;
    assert_eq!((status, body.as_str()), (400, "AdmissionReview without a request\n"));

    // Over the 64 KiB limit of the configuration.
    let mut big = fixture("deployment-create.json");
    big["request"]["object"]["metadata"]["annotations"]["padding"] = json!("x".repeat(70_000));
    let (status, body) = h.post("/validate", serde_json::to_vec(&big).unwrap()).await;
    assert_eq!((status, body.as_str()), (413, "request body larger than the limit of 65536 bytes\n"));

    let (status, body) = h.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    let (status, body) = h.get("/readyz").await;
    assert_eq!((status, body.as_str()), (200, "ready\n"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_or_trapping_policy_follows_the_failure_policy() {
    let h = start(&config()).await;
    let started = std::time::Instant::now();
    let (status, body) = h.post("/validate", in_namespace("deployment-create.json", "hostile-loop")).await;
    let elapsed = started.elapsed();
    assert_eq!(status, 200);
    assert_eq!(
        response(&body)["response"],
        json!({"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": false, "status": {
            "status": "Failure", "code": 500, "reason": "InternalError",
            "message": "palisade could not evaluate Deployment hostile-loop/web: policy `hostile` exceeded its time limit of 1000 ms (failurePolicy: Fail)"}})
    );
    assert!(elapsed < Duration::from_secs(5), "the epoch deadline stops the loop: {elapsed:?}");

    let (status, body) = h.post("/validate", in_namespace("deployment-create.json", "trap")).await;
    assert_eq!(status, 200);
    assert_eq!(
        response(&body)["response"],
        json!({"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": true, "status": {},
               "warnings": ["palisade could not evaluate Deployment trap/web: policy `hostile` crashed: wasm trap: unreachable code reached (the policy panicked) (failurePolicy: Ignore)"]})
    );
    let (_, metrics) = h.get("/metrics").await;
    let errors: Vec<&str> = metrics.lines().filter(|l| l.starts_with("palisade_webhook_policy_errors_total")).collect();
    assert_eq!(errors, ["palisade_webhook_policy_errors_total{policy=\"hostile\"} 2"]);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_each_get_their_own_answer() {
    let h = start(&config()).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (addr, ca) = (h.addr, h.ca.clone());
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(addr, &ca).await.unwrap();
            let mut answers = Vec::new();
            for j in 0..12 {
                let privileged = (i + j) % 2 == 0;
                let name = if privileged { "deployment-privileged-create.json" } else { "deployment-create.json" };
                let mut review = fixture(name);
                let uid = format!("req-{i}-{j}");
                review["request"]["uid"] = json!(uid);
                let (status, body) = client.request("POST", "/validate", serde_json::to_vec(&review).unwrap()).await;
                let r = response(&body);
                answers.push((
                    status,
                    r["response"]["uid"].clone(),
                    r["response"]["allowed"].clone(),
                    json!(uid),
                    json!(!privileged),
                ));
            }
            answers
        }));
    }
    let mut count = 0;
    for t in tasks {
        for (status, uid, allowed, want_uid, want_allowed) in t.await.unwrap() {
            assert_eq!((status, uid, allowed), (200, want_uid, want_allowed));
            count += 1;
        }
    }
    assert_eq!(count, 96);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_swaps_configuration_and_certificate_without_dropping_requests() {
    let h = start(&config()).await;
    let privileged = || in_namespace("deployment-privileged-create.json", "shop");
    // A connection opened before the reload keeps working after it.
    let mut before = h.connect().await;
    let (_, body) = before.request("POST", "/validate", privileged()).await;
    assert_eq!(response(&body)["response"]["allowed"], json!(false));

    // Switch the default profile to warn and reload.
    let text = std::fs::read_to_string(h.dir.join("config.yaml")).unwrap();
    let warn = text.replace("  - name: default\n", "  - name: default\n    mode: warn\n");
    std::fs::write(h.dir.join("config.yaml"), warn).unwrap();
    assert!(h.reload.reload().await);
    let (_, body) = before.request("POST", "/validate", privileged()).await;
    assert_eq!(response(&body)["response"]["allowed"], json!(true));

    // An invalid configuration is refused; the previous one keeps serving.
    std::fs::write(h.dir.join("config.yaml"), format!("{HEAD}profiles: []\n")).unwrap();
    assert!(!h.reload.reload().await);
    let (_, body) = h.post("/validate", privileged()).await;
    assert_eq!(response(&body)["response"]["allowed"], json!(true));

    // A new certificate: new connections get it, the old certificate is no longer served.
    std::fs::write(h.dir.join("config.yaml"), text).unwrap();
    let new_ca = cert(&h.dir);
    assert!(h.reload.reload().await);
    assert!(Client::connect(h.addr, &h.ca).await.is_err());
    let mut after = Client::connect(h.addr, &new_ca).await.unwrap();
    let (_, body) = after.request("POST", "/validate", privileged()).await;
    assert_eq!(response(&body)["response"]["allowed"], json!(false));

    let (_, metrics) = after.request("GET", "/metrics", Vec::new()).await;
    let mut reloads: Vec<&str> = metrics.lines().filter(|l| l.starts_with("palisade_webhook_reloads_total")).collect();
    reloads.sort_unstable();
    assert_eq!(
        reloads,
        [
            "palisade_webhook_reloads_total{what=\"certificate\",result=\"ok\"} 3",
            "palisade_webhook_reloads_total{what=\"config\",result=\"error\"} 1",
            "palisade_webhook_reloads_total{what=\"config\",result=\"ok\"} 2",
        ]
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_request_in_flight_finish() {
    let h = start(&config()).await;
    let mut client = h.connect().await;
    // The looping policy holds this request for its 1 s deadline while the server is told to stop.
    let slow = tokio::spawn(async move {
        client.request("POST", "/validate", in_namespace("deployment-create.json", "hostile-a")).await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let addr = h.addr;
    h.stop().await;
    let (status, body) = slow.await.unwrap();
    assert_eq!((status, response(&body)["response"]["allowed"].clone()), (200, json!(false)));
    assert!(TcpStream::connect(addr).await.is_err(), "the listener is closed");
}
