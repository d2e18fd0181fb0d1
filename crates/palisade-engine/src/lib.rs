//! The wasmtime host for palisade policy components.
//!
//! Three steps, as in Spin: [`Engine::new`] once (wasmtime engine, on-disk compilation cache,
//! epoch ticker); [`Engine::load`] per policy (compile or fetch from the cache, read `info`,
//! compile the settings schema, keep an `InstancePre`); [`Policy::evaluate`] per evaluation (a
//! fresh `Store` with a memory limit and an epoch deadline, so no evaluation sees another's state
//! and a hostile guest ends in an error, never a hang; with `EngineConfig::reuse_instances`, as
//! in `palisade check`, an instance whose call returned normally serves the next input). [`Policy::evaluate_with_evidence`] also
//! hands the guest [`Evidence`] the host fetched (chart and provenance bytes, keyrings).
//!
//! [`policy_set::PolicySet`] is a configured set (components, settings checked against their
//! schemas, rule selection); [`check::check_parsed`] evaluates one input with it. Both are shared
//! by `palisade check` and the admission webhook.

mod bindings;
pub mod check;
mod error;
mod evidence;
mod info;
mod policy;
pub mod policy_set;
mod sandbox;
mod settings;

pub use error::{EngineError, EvalError, SetError};
pub use evidence::{Evidence, EvidenceRequest};
pub use info::PolicyInfo;
pub use policy::{Policy, RawFinding};
pub use sandbox::{Engine, EngineConfig};
