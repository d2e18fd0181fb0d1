//! The HTTPS server: `/validate`, `/mutate`, `/healthz`, `/readyz`, `/metrics`; reload of
//! configuration, policies and certificate on SIGHUP or file change; graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use crate::config::Mode;
use crate::error::ServeError;
use crate::metrics::Metrics;
use crate::review::{self, Endpoint, Verdict};
use crate::state::State;
use crate::tls::CertStore;

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The configuration file.
    pub config: PathBuf,
    /// PEM certificate chain.
    pub tls_cert: PathBuf,
    /// PEM private key.
    pub tls_key: PathBuf,
    /// Compilation cache of the policy components (`None`: compile at every load).
    pub cache_dir: Option<PathBuf>,
    /// Poll the configuration, policy and certificate files this often (`None`: only on SIGHUP).
    pub watch_interval: Option<Duration>,
    /// Longest wait for open requests at shutdown.
    pub shutdown_grace: Duration,
}

/// A loaded state and the evaluations it may run at once.
struct Live {
    state: State,
    permits: Arc<Semaphore>,
}

struct Shared {
    live: RwLock<Arc<Live>>,
    metrics: Metrics,
    certs: Arc<CertStore>,
    ready: AtomicBool,
    options: ServeOptions,
}

impl Shared {
    fn live(&self) -> Option<Arc<Live>> {
        self.live.read().ok().map(|l| l.clone())
    }
}

/// A bound server, ready to [`Server::run`].
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
}

/// Triggers a reload of a running server (what SIGHUP does).
#[derive(Clone)]
pub struct ReloadHandle(Arc<Shared>);

impl ReloadHandle {
    /// Reload configuration, policies and certificate; returns whether everything reloaded.
    pub async fn reload(&self) -> bool {
        reload(&self.0, "request").await
    }
}

impl Server {
    /// Load the configuration, policies and certificate, and bind the address.
    ///
    /// # Errors
    /// Invalid configuration, a policy that does not load, an unusable certificate, or the
    /// address cannot be bound.
    pub async fn bind(options: ServeOptions) -> Result<Self, ServeError> {
        let (path, cache) = (options.config.clone(), options.cache_dir.clone());
        let state = tokio::task::spawn_blocking(move || State::load(&path, cache.as_deref()))
            .await
            .map_err(|e| ServeError::Internal(format!("loading task failed: {e}")))??;
        let certs = CertStore::load(&options.tls_cert, &options.tls_key)?;
        let acceptor = TlsAcceptor::from(certs.server_config()?);
        let listener = TcpListener::bind(options.listen)
            .await
            .map_err(|source| ServeError::Bind { addr: options.listen, source })?;
        let shared = Arc::new(Shared {
            live: RwLock::new(Arc::new(live(state))),
            metrics: Metrics::default(),
            certs,
            ready: AtomicBool::new(true),
            options,
        });
        Ok(Server { listener, shared, acceptor })
    }

    /// The bound address (useful with port 0).
    ///
    /// # Errors
    /// The socket has no local address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that reloads the running server.
    #[must_use]
    pub fn reload_handle(&self) -> ReloadHandle {
        ReloadHandle(self.shared.clone())
    }

    /// Serve until `shutdown` completes; then stop accepting, report not ready, and wait up to
    /// the grace period for open requests.
    ///
    /// # Errors
    /// SIGHUP cannot be watched.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), ServeError> {
        let Server { listener, shared, acceptor } = self;
        let router = router(shared.clone());
        let mut hangups =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).map_err(ServeError::Signals)?;
        let reloader = {
            let shared = shared.clone();
            tokio::spawn(async move { watch(shared, &mut hangups).await })
        };
        let graceful = GracefulShutdown::new();
        let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        tokio::pin!(shutdown);
        tracing::info!(address = %listener.local_addr().map_or_else(|e| e.to_string(), |a| a.to_string()), "palisade webhook serving");
        loop {
            let (tcp, peer) = tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let (acceptor, router, builder, watcher) =
                (acceptor.clone(), router.clone(), builder.clone(), graceful.watcher());
            tokio::spawn(async move {
                let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => return tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
                };
                let conn = builder.serve_connection(TokioIo::new(tls), TowerToHyperService::new(router)).into_owned();
                if let Err(e) = watcher.watch(conn).await {
                    tracing::debug!(%peer, error = %e, "connection closed with an error");
                }
            });
        }
        shared.ready.store(false, Ordering::SeqCst);
        reloader.abort();
        drop(listener);
        let grace = shared.options.shutdown_grace;
        tracing::info!(open_connections = graceful.count(), grace_ms = grace.as_millis(), "shutting down");
        if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
            tracing::warn!("open connections did not finish within the grace period");
        }
        Ok(())
    }
}

fn live(state: State) -> Live {
    let permits = Arc::new(Semaphore::new(usize::try_from(state.config.limits.concurrency).unwrap_or(1)));
    Live { state, permits }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(shared)
}

async fn readyz(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    if shared.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    }
}

async fn metrics(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], shared.metrics.render())
        .into_response()
}

async fn validate(AxumState(shared): AxumState<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    handle(&shared, Endpoint::Validate, &headers, body).await
}

async fn mutate(AxumState(shared): AxumState<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    handle(&shared, Endpoint::Mutate, &headers, body).await
}

fn plain(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
}

async fn handle(shared: &Arc<Shared>, endpoint: Endpoint, headers: &HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let reject = |status: StatusCode, message: String| {
        tracing::warn!(endpoint = endpoint.as_str(), status = status.as_u16(), error = %message, "request rejected");
        shared.metrics.request(endpoint.as_str(), "invalid", started.elapsed().as_secs_f64());
        plain(status, &message)
    };
    let Some(live) = shared.live() else {
        return reject(StatusCode::INTERNAL_SERVER_ERROR, "state unavailable".into());
    };
    let limit = live.state.config.limits.max_request_bytes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let too_large = || format!("request body larger than the limit of {limit} bytes");
    if declared.is_some_and(|n| n > drain_cap(limit) as u64) {
        return reject(StatusCode::PAYLOAD_TOO_LARGE, too_large());
    }
    let bytes = match read_body(body, limit).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return reject(StatusCode::PAYLOAD_TOO_LARGE, too_large()),
        Err(BodyError::Read(e)) => {
            return reject(StatusCode::BAD_REQUEST, format!("cannot read the request body: {e}"));
        }
    };
    let request = match review::parse(&bytes) {
        Ok(r) => r,
        Err(e) => return reject(StatusCode::BAD_REQUEST, e.0),
    };
    // Waiting for a free evaluation slot must leave time to evaluate before the API server gives up.
    let wait = Duration::from_secs(live.state.config.webhook_timeout_seconds) / 4;
    let Ok(Ok(permit)) = tokio::time::timeout(wait, live.permits.clone().acquire_owned()).await else {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "all evaluation slots are busy".into());
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let kind = request.kind.kind.clone();
    let (operation, namespace, name) =
        (format!("{:?}", request.operation), request.namespace.clone().unwrap_or_default(), request.name.clone());
    let evaluated = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        review::review(&live.state, endpoint, &request, now)
    })
    .await;
    let verdict = match evaluated {
        Ok(v) => v,
        Err(e) => return reject(StatusCode::INTERNAL_SERVER_ERROR, format!("review failed: {e}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    record(shared, endpoint, &verdict, seconds);
    tracing::info!(
        uid = %verdict.uid, endpoint = endpoint.as_str(), operation, kind, namespace, name,
        profile = verdict.profile.as_deref().unwrap_or(""), mode = verdict.mode.map_or("", Mode::as_str),
        allowed = verdict.allowed, findings = verdict.findings.len(), dry_run = verdict.dry_run,
        duration_ms = seconds * 1000.0, "review"
    );
    ([(header::CONTENT_TYPE, "application/json")], verdict.body).into_response()
}

fn record(shared: &Shared, endpoint: Endpoint, verdict: &Verdict, seconds: f64) {
    let m = &shared.metrics;
    m.request(endpoint.as_str(), if verdict.allowed { "allowed" } else { "denied" }, seconds);
    let mut rules: Vec<(&str, &str)> = verdict.denied_by.iter().map(|f| (f.policy.as_str(), f.rule.as_str())).collect();
    rules.sort_unstable();
    rules.dedup();
    for (policy, rule) in rules {
        m.deny(policy, rule);
    }
    for (policy, error) in &verdict.policy_errors {
        m.policy_error(if policy.is_empty() { "<input>" } else { policy });
        tracing::warn!(uid = %verdict.uid, policy, error, "policy could not evaluate");
    }
    // Audit records are side effects: none for dry runs; /validate records them (/mutate would
    // record the same object again).
    if verdict.mode == Some(Mode::Audit) && !verdict.dry_run && endpoint == Endpoint::Validate {
        for f in &verdict.findings {
            m.audit_finding(&f.policy, &f.rule);
            tracing::info!(
                uid = %verdict.uid, policy = f.policy, rule = f.rule, severity = f.severity.as_str(),
                path = f.path, message = f.message, kind = f.resource.kind,
                namespace = f.resource.namespace.as_deref().unwrap_or(""), name = f.resource.name, "audit finding"
            );
        }
    }
}

/// Reload on SIGHUP, and when a watched file changes.
async fn watch(shared: Arc<Shared>, hangups: &mut tokio::signal::unix::Signal) {
    let interval = shared.options.watch_interval;
    let mut seen = fingerprint(&shared);
    loop {
        let hangup = match interval {
            Some(every) => tokio::select! {
                s = hangups.recv() => s.is_some(),
                () = tokio::time::sleep(every) => false,
            },
            None => hangups.recv().await.is_some(),
        };
        let now = fingerprint(&shared);
        if hangup {
            reload(&shared, "SIGHUP").await;
        } else if now != seen {
            reload(&shared, "file change").await;
        }
        seen = fingerprint(&shared);
    }
}

/// Size and modification time of every watched file (symlinks followed, as Kubernetes swaps
/// mounted `ConfigMaps` and Secrets through a symlink).
fn fingerprint(shared: &Shared) -> Vec<Option<(u64, SystemTime)>> {
    let mut files = vec![shared.options.config.clone()];
    files.extend(shared.certs.files().iter().map(|p| p.to_path_buf()));
    if let Some(live) = shared.live() {
        files.extend(live.state.config.policy_files());
    }
    files.iter().map(|f| std::fs::metadata(f).ok().map(|m| (m.len(), m.modified().unwrap_or(UNIX_EPOCH)))).collect()
}

/// Reload configuration, policies and certificate. A part that fails keeps serving its old
/// version; requests in flight finish with the state they started with.
async fn reload(shared: &Arc<Shared>, why: &'static str) -> bool {
    let (path, cache) = (shared.options.config.clone(), shared.options.cache_dir.clone());
    let loaded = tokio::task::spawn_blocking(move || State::load(&path, cache.as_deref())).await;
    let config_ok = match loaded {
        Ok(Ok(state)) => {
            if let Ok(mut current) = shared.live.write() {
                *current = Arc::new(live(state));
            }
            shared.metrics.reload("config", "ok");
            tracing::info!(trigger = why, "configuration and policies reloaded");
            true
        }
        Ok(Err(e)) => {
            shared.metrics.reload("config", "error");
            tracing::error!(trigger = why, error = %e, "reload failed; serving the previous configuration");
            false
        }
        Err(e) => {
            shared.metrics.reload("config", "error");
            tracing::error!(trigger = why, error = %e, "reload task failed");
            false
        }
    };
    let cert_ok = match shared.certs.reload() {
        Ok(()) => {
            shared.metrics.reload("certificate", "ok");
            true
        }
        Err(e) => {
            shared.metrics.reload("certificate", "error");
            tracing::error!(trigger = why, error = %e, "certificate reload failed; serving the previous one");
            false
        }
    };
    config_ok && cert_ok
}

/// Why a request body was not read.
enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The connection failed mid-body.
    Read(String),
}

/// How much of an oversized body is read and discarded before answering 413: a client still
/// sending when the server answers and closes would see a reset connection instead of the answer.
/// Bodies declared larger than this are refused without reading.
fn drain_cap(limit: usize) -> usize {
    limit.saturating_mul(4).max(1 << 20)
}

/// The body, at most `limit` bytes; a longer one is drained up to [`drain_cap`] and refused.
async fn read_body(mut body: Body, limit: usize) -> Result<axum::body::Bytes, BodyError> {
    use http_body_util::BodyExt as _;
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        let Ok(data) = frame.into_data() else { continue };
        seen = seen.saturating_add(data.len());
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > drain_cap(limit) {
            break;
        }
    }
    if seen > limit { Err(BodyError::TooLarge) } else { Ok(kept.into()) }
}
