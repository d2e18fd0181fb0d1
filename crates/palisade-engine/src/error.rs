//! Errors of loading and evaluating policies.

/// A policy could not be loaded or configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The wasmtime engine could not be set up.
    #[error("cannot set up the WebAssembly engine: {0}")]
    Setup(String),
    /// The bytes are not a component implementing `palisade:policy/policy@0.1.0`.
    #[error("`{origin}` is not a palisade policy component: {reason}")]
    NotAPolicy {
        /// Where the bytes came from.
        origin: String,
        /// Why.
        reason: String,
    },
    /// The policy failed while describing itself.
    #[error("policy `{origin}` failed in info(): {reason}")]
    Info {
        /// Where the policy came from.
        origin: String,
        /// Why.
        reason: String,
    },
    /// The policy's settings schema is not a valid JSON Schema.
    #[error("policy `{policy}` has an invalid settings schema: {reason}")]
    Schema {
        /// Policy name.
        policy: String,
        /// Why.
        reason: String,
    },
    /// Settings do not match the policy's schema.
    #[error("invalid settings for policy `{policy}`: {}", .problems.join("; "))]
    InvalidSettings {
        /// Policy name.
        policy: String,
        /// One message per violation, each naming the setting.
        problems: Vec<String>,
    },
}

/// An evaluation did not produce a result. Always reported; never a silent pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The policy ran past its deadline.
    #[error("policy `{policy}` exceeded its time limit of {millis} ms")]
    Timeout {
        /// Policy name.
        policy: String,
        /// The limit.
        millis: u128,
    },
    /// The policy tried to grow its memory past the limit.
    #[error("policy `{policy}` exceeded its memory limit of {limit_mib} MiB")]
    OutOfMemory {
        /// Policy name.
        policy: String,
        /// The limit.
        limit_mib: usize,
    },
    /// The guest trapped (panic, stack overflow, invalid operation).
    #[error("policy `{policy}` crashed: {reason}")]
    Trap {
        /// Policy name.
        policy: String,
        /// The trap.
        reason: String,
    },
    /// The policy itself said it cannot evaluate this input.
    #[error("policy `{policy}` could not evaluate: {reason}")]
    Policy {
        /// Policy name.
        policy: String,
        /// The policy's message.
        reason: String,
    },
    /// Evidence the policy requested could not be fetched.
    #[error("policy `{policy}` lacks evidence: {reason}")]
    Evidence {
        /// Policy name.
        policy: String,
        /// Which request failed, and why.
        reason: String,
    },
    /// The policy returned something that breaks the contract.
    #[error("policy `{policy}` broke the contract: {reason}")]
    Contract {
        /// Policy name.
        policy: String,
        /// What was wrong.
        reason: String,
    },
}

/// A policy set could not be assembled: a policy not found, unreadable, given twice, or settings
/// that do not fit it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetError {
    /// No built-in policy has this name.
    #[error("unknown policy `{name}` (built-in: {known}; or give a path to a .wasm component)")]
    UnknownPolicy {
        /// The name asked for.
        name: String,
        /// The built-in names, comma-separated.
        known: String,
    },
    /// A policy file could not be read.
    #[error("reading policy {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Loading or checking a policy failed.
    #[error(transparent)]
    Load(#[from] EngineError),
    /// The same policy appears twice.
    #[error("policy `{name}` is given twice")]
    Duplicate {
        /// Policy name.
        name: String,
    },
    /// Settings name a policy that is not part of the set.
    #[error("settings given for policy `{name}`, which is not loaded")]
    NotLoaded {
        /// Policy name.
        name: String,
    },
    /// The host-owned part of the settings (`rules`) is wrong.
    #[error(transparent)]
    Rules(#[from] palisade_core::rules::RulesError),
    /// An include/exclude pattern is not a glob.
    #[error("invalid rule pattern `{pattern}`: {reason}")]
    RulePattern {
        /// The pattern.
        pattern: String,
        /// Why.
        reason: String,
    },
}
