//! Open-loop load generator for the webhook, on loopback only: starts the server on 127.0.0.1
//! with a throw-away certificate and the default policy set (the chart's profile), sends a typical
//! Deployment review at a fixed rate over HTTPS/1.1 keep-alive connections, and prints latency
//! percentiles (measured from each request's scheduled send time, so a stalled server cannot hide
//! its queue), errors, and the process's resident memory over the run.
//!
//! `cargo run --release -p palisade-webhook --example loadgen -- [--rate 1000] [--seconds 10] [--warmup 0] [--connections 32] [--mutate 1]`
//! Bounded: at most 5,000 requests/s for at most 120 s, after at most 60 s of warm-up at the same
//! rate (not counted; memory is sampled from its end).
//!
//! `--mutate 1` measures `/mutate` with digest pinning instead: it starts Debian's
//! `docker-registry` on 127.0.0.1 (the helpers of `tests/verify_remote`), pushes an image, and
//! every review resolves its tag there (tags are never remembered across requests) and must come
//! back allowed with a `JSONPatch`.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark tool: a panic is a failed run")]
#![expect(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "statistics")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use palisade_webhook::{ServeOptions, Server};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};

#[path = "../../../tests/verify_remote/push.rs"]
#[expect(dead_code, reason = "only an image is pushed here")]
mod push;
#[path = "../../../tests/verify_remote/registry.rs"]
mod registry;

const REVIEW: &str = include_str!("../tests/fixtures/deployment-create.json");

const CONFIG: &str = "apiVersion: palisade.dev/v1alpha1
kind: WebhookConfiguration
limits: { concurrency: 8 }
profiles:
  - name: default
    failOn: high
    exclude: [non-existent-service-account, pod-not-selected-by-networkpolicy, ingress-and-egress-policy, deprecated-service-account-field, pdb-present, dangling-service]
";

struct Args {
    rate: u64,
    seconds: u64,
    /// Seconds of load before the measured ones (not counted; RSS is measured from their end).
    warmup: u64,
    connections: usize,
    mutate: bool,
}

/// What each request sends and expects.
#[derive(Clone)]
struct Load {
    path: &'static str,
    body: Bytes,
    patched: bool,
}

/// `/mutate` with a `verifyImages` rule that pins the registry's images.
fn mutate_config(host: &str) -> String {
    let key = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAOMHWA3DV8uVh/pB973SccIjj4YS\nVo5ISzSDEWqZNK+v9aiYELXz8MMVRLv5C2QcVtIyNZVrsQ355XGZYrbtJA==\n-----END PUBLIC KEY-----\n";
    serde_json::json!({
        "apiVersion": "palisade.dev/v1alpha1", "kind": "WebhookConfiguration",
        "limits": {"concurrency": 8},
        "profiles": [{"name": "default", "failOn": "high", "policies": ["supply-chain"],
            "settings": {"supply-chain": {"verifyImages": [{"imageReferences": [format!("{host}/*")],
                "attestors": [{"entries": [{"keys": {"publicKeys": key}}]}],
                "required": false, "verifyDigest": false, "mutateDigest": true}]}}}]
    })
    .to_string()
}

fn args() -> Args {
    let mut a = Args { rate: 1000, seconds: 10, warmup: 0, connections: 32, mutate: false };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value: u64 = it.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{flag} needs a number"));
        match flag.as_str() {
            "--rate" => a.rate = value.clamp(1, 5000),
            "--seconds" => a.seconds = value.clamp(1, 120),
            "--warmup" => a.warmup = value.clamp(0, 60),
            "--connections" => a.connections = usize::try_from(value.clamp(1, 256)).unwrap(),
            "--mutate" => a.mutate = value != 0,
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr, ca: &[u8]) -> Sender {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls_pki_types::CertificateDer::from(ca.to_vec())).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.unwrap();
    tokio::spawn(conn);
    sender
}

/// One review; `Ok` only for HTTP 200 with `allowed: true`, the request's uid, and a patch when
/// one is expected.
async fn review(sender: &mut Sender, load: &Load) -> Result<(), String> {
    let req = hyper::Request::post(load.path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(load.body.clone()))
        .map_err(|e| e.to_string())?;
    sender.ready().await.map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let ok = status == 200
        && v["response"]["allowed"] == serde_json::json!(true)
        && v["response"]["uid"] == serde_json::json!("705ab4f5-6393-11e8-b7cc-42010a800002")
        && (v["response"]["patchType"] == serde_json::json!("JSONPatch")) == load.patched;
    if ok { Ok(()) } else { Err(format!("{status}: {}", String::from_utf8_lossy(&body))) }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread")]
#[expect(clippy::too_many_lines, reason = "one linear benchmark: set up, drive, report")]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(dir.path().join("tls.crt"), key.cert.pem()).unwrap();
    std::fs::write(dir.path().join("tls.key"), key.signing_key.serialize_pem()).unwrap();
    // The registry (with --mutate) lives until the end of the run.
    let (_registry, config, load) = if a.mutate {
        let registry = tokio::task::spawn_blocking(|| {
            let registry = registry::Registry::start(None);
            let pusher = push::Pusher::new(&registry.host, oci_client::secrets::RegistryAuth::Anonymous);
            pusher.image("shop/web", "1.0", b"loadgen layer");
            registry
        })
        .await
        .unwrap();
        let mut review: serde_json::Value = serde_json::from_str(REVIEW).unwrap();
        review["request"]["object"]["spec"]["template"]["spec"]["containers"][0]["image"] =
            serde_json::json!(format!("{}/shop/web:1.0", registry.host));
        let body = Bytes::from(serde_json::to_vec(&review).unwrap());
        let config = mutate_config(&registry.host);
        (Some(registry), config, Load { path: "/mutate", body, patched: true })
    } else {
        (
            None,
            CONFIG.to_string(),
            Load { path: "/validate", body: Bytes::from_static(REVIEW.as_bytes()), patched: false },
        )
    };
    std::fs::write(dir.path().join("config.yaml"), config).unwrap();
    let server = Server::bind(ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        config: dir.path().join("config.yaml"),
        tls_cert: dir.path().join("tls.crt"),
        tls_key: dir.path().join("tls.key"),
        cache_dir: Some(std::env::temp_dir().join("palisade-loadgen-cache")),
        watch_interval: None,
        shutdown_grace: Duration::from_secs(5),
    })
    .await
    .expect("server starts");
    let addr = server.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async {
        let _ = stop_rx.await;
    }));
    let ca = key.cert.der().to_vec();

    // Warm-up: a few requests on each connection as it opens (instance pool, caches, allocator).
    let mut senders = Vec::new();
    for _ in 0..a.connections {
        let mut s = connect(addr, &ca).await;
        for _ in 0..5 {
            review(&mut s, &load).await.expect("warm-up review");
        }
        senders.push(s);
    }
    let measured = a.rate * a.seconds;
    let total = a.rate * (a.warmup + a.seconds);
    let (tx, rx) = mpsc::unbounded_channel::<Instant>();
    let rx = Arc::new(Mutex::new(rx));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<(Instant, Result<Duration, String>)>();
    for mut sender in senders {
        let (rx, done, load) = (rx.clone(), done_tx.clone(), load.clone());
        tokio::spawn(async move {
            loop {
                let Some(scheduled) = rx.lock().await.recv().await else { break };
                let result = review(&mut sender, &load).await.map(|()| scheduled.elapsed());
                if done.send((scheduled, result)).is_err() {
                    break;
                }
            }
        });
    }
    drop(done_tx);
    let started = Instant::now();
    let interval = Duration::from_nanos(1_000_000_000 / a.rate);
    let scheduler = tokio::spawn(async move {
        for i in 0..total {
            let at = started + interval * u32::try_from(i).unwrap();
            tokio::time::sleep_until(at.into()).await;
            if tx.send(at).is_err() {
                break;
            }
        }
    });
    let measure_from = started + Duration::from_secs(a.warmup);
    let mut rss_samples = Vec::new();
    let mut next_sample = measure_from;
    // Written once now, so that filling it is not counted as growth of the server's RSS.
    let mut latencies = vec![Duration::ZERO; measured as usize];
    latencies.clear();
    let (mut errors, mut first_error, mut received) = (0u64, None, 0u64);
    while received < total {
        let Ok(Some((sent_at, result))) = tokio::time::timeout(Duration::from_secs(30), done_rx.recv()).await else {
            break;
        };
        received += 1;
        if Instant::now() >= next_sample {
            rss_samples.push(rss_kib());
            next_sample += Duration::from_secs(1);
        }
        if sent_at < measure_from {
            continue;
        }
        match result {
            Ok(d) => latencies.push(d),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let wall = measure_from.elapsed();
    scheduler.abort();
    rss_samples.push(rss_kib());
    latencies.sort_unstable();
    let completed = latencies.len() as u64;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "target: {} req/s for {} s after {} s of warm-up, over {} connections ({} requests to {}), loopback HTTPS/1.1",
        a.rate, a.seconds, a.warmup, a.connections, measured, load.path
    );
    println!(
        "completed: {completed} ok, {errors} errors, {} missing; achieved {:.0} req/s",
        measured - completed - errors,
        (completed + errors) as f64 / wall.as_secs_f64()
    );
    println!(
        "latency (from scheduled send): p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.90)),
        ms(percentile(&latencies, 0.99)),
        ms(percentile(&latencies, 0.999)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    let (min, max) = (rss_samples.iter().min().unwrap(), rss_samples.iter().max().unwrap());
    println!(
        "RSS (server + load generator): start {} MiB, end {} MiB, min {} MiB, max {} MiB over {} samples",
        rss_samples[0] / 1024,
        rss_samples.last().unwrap() / 1024,
        min / 1024,
        max / 1024,
        rss_samples.len()
    );
    let every_10s: Vec<String> = rss_samples.iter().step_by(10).map(|k| (k / 1024).to_string()).collect();
    println!("RSS every 10 s, MiB: {}", every_10s.join(" "));
    if let Some(e) = first_error {
        println!("first error: {e}");
    }
    let _ = stop_tx.send(());
    let _ = serving.await;
}
