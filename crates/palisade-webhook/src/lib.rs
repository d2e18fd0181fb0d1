//! The palisade admission webhook: `admission.k8s.io/v1` `AdmissionReview` over HTTPS (axum,
//! rustls), evaluated by the same policy components and policy-set code as `palisade check`.
//!
//! [`config`] reads the YAML configuration (profiles per namespace: policies, settings, mode
//! enforce/warn/audit, failure policy); [`state`] loads it into one engine with the pooling
//! allocator and one configured policy set per profile; [`review`] turns one request into a
//! response (each policy call in a fresh `Store` with a memory limit and an epoch deadline below
//! the webhook timeout); [`server`] serves `/validate`, `/mutate`, `/healthz`, `/readyz` and
//! `/metrics`, reloads on SIGHUP or file change and shuts down gracefully.

pub mod config;
mod error;
pub mod metrics;
pub mod patch;
pub mod review;
pub mod server;
pub mod state;
pub mod tls;

pub use error::{ConfigError, ServeError};
pub use server::{ReloadHandle, ServeOptions, Server};
