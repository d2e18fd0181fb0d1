//! The wasmtime host for palisade policy components.
//!
//! Three steps, as in Spin: [`Engine::new`] once (wasmtime engine, on-disk compilation cache,
//! epoch ticker); [`Engine::load`] per policy (compile or fetch from the cache, read `info`,
//! compile the settings schema, keep an `InstancePre`); [`Policy::evaluate`] per evaluation (a
//! fresh `Store` with a memory limit and an epoch deadline, so no evaluation sees another's state
//! and a hostile guest ends in an error, never a hang). [`Policy::evaluate_with_evidence`] also
//! hands the guest [`Evidence`] the host fetched (chart and provenance bytes, keyrings).

mod bindings;
mod error;
mod evidence;
mod info;
mod policy;
mod sandbox;
mod settings;

pub use error::{EngineError, EvalError};
pub use evidence::{Evidence, EvidenceRequest};
pub use info::PolicyInfo;
pub use policy::{Policy, RawFinding};
pub use sandbox::{Engine, EngineConfig};
