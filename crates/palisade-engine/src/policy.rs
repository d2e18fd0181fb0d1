//! A loaded policy: compiled component, its description, its settings schema.

use std::sync::{Arc, Mutex, PoisonError};

use wasmtime::component::{Component, Linker};
use wasmtime::{Store, Trap};

use crate::bindings::{PolicyPre, types};
use crate::error::{EngineError, EvalError};
use crate::evidence::{Evidence, EvidenceRequest};
use crate::info::{self, PolicyInfo};
use crate::sandbox::{Engine, MAX_REUSES, StoreState};
use crate::settings::SettingsValidator;

/// A finding as the guest reported it, before the host locates it in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    /// Rule id (checked to be one of the policy's rules).
    pub rule: String,
    /// Severity the guest gave.
    pub severity: palisade_core::Severity,
    /// Index of the resource in the evaluated slice.
    pub resource: usize,
    /// JSON pointer into that resource.
    pub path: String,
    /// Message.
    pub message: String,
}

/// A policy ready to evaluate. Cheap to clone and share across threads.
#[derive(Clone)]
pub struct Policy {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    pre: PolicyPre<StoreState>,
    info: PolicyInfo,
    settings: SettingsValidator,
    /// Instances that may serve another evaluation (only with `reuse_instances`).
    idle: Mutex<Vec<Warm>>,
}

/// An instance kept for reuse, with how many evaluations it has served.
struct Warm {
    store: Store<StoreState>,
    guest: crate::bindings::Policy,
    uses: u32,
}

impl Engine {
    /// Compile (or fetch from the cache) a component, check it implements the contract, and
    /// read its description. `origin` names it in errors (a path, or `builtin:hardening`).
    ///
    /// # Errors
    /// Not a component, wrong contract, imports something, or fails in `info()`.
    pub fn load(&self, origin: &str, bytes: &[u8]) -> Result<Policy, EngineError> {
        let not_policy = |reason: String| EngineError::NotAPolicy { origin: origin.into(), reason };
        match bytes.get(..8) {
            Some([0, b'a', b's', b'm', 0x0d, 0, 1, 0]) => {}
            Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => return Err(not_policy("a core module, not a component".into())),
            _ => return Err(not_policy("not a WebAssembly binary".into())),
        }
        let component = Component::new(&self.wasmtime, bytes).map_err(|e| not_policy(format!("{e:#}")))?;
        let linker: Linker<StoreState> = Linker::new(&self.wasmtime);
        let instance_pre = linker.instantiate_pre(&component).map_err(|e| not_policy(format!("{e:#}")))?;
        let pre = PolicyPre::new(instance_pre).map_err(|e| not_policy(format!("{e:#}")))?;

        let mut store = self.store();
        let raw = pre
            .instantiate(&mut store)
            .and_then(|p| p.call_info(&mut store))
            .map_err(|e| EngineError::Info { origin: origin.into(), reason: describe_trap(&store, &e, self) })?;
        let info = info::convert(raw).map_err(|reason| EngineError::Info { origin: origin.into(), reason })?;
        let settings = SettingsValidator::new(&info.name, &info.settings_schema)?;
        Ok(Policy {
            inner: Arc::new(Inner { engine: self.clone(), pre, info, settings, idle: Mutex::new(Vec::new()) }),
        })
    }
}

impl Policy {
    /// What the policy says about itself.
    #[must_use]
    pub fn info(&self) -> &PolicyInfo {
        &self.inner.info
    }

    /// Policy name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.info.name
    }

    /// Check settings against the policy's schema.
    ///
    /// # Errors
    /// Every violation, each naming the setting.
    pub fn check_settings(&self, settings: &serde_json::Value) -> Result<(), EngineError> {
        self.inner.settings.check(self.name(), settings)
    }

    /// Evaluate a set of resources (each a JSON object) with settings already checked by
    /// [`Policy::check_settings`], in a sandbox, without evidence.
    ///
    /// # Errors
    /// As [`Policy::evaluate_with_evidence`].
    pub fn evaluate(
        &self,
        resources: &[impl AsRef<str>],
        settings: &str,
        now_unix: u64,
    ) -> Result<Vec<RawFinding>, EvalError> {
        self.evaluate_with_evidence(resources, &[], settings, now_unix, &[])
    }

    /// The evidence this policy wants for these resources (e.g. signatures of the images they
    /// run), in a sandbox (see [`Policy::evaluate_with_evidence`]); sorted, without duplicates.
    ///
    /// # Errors
    /// As [`Policy::evaluate_with_evidence`] (timeout, memory, trap, the policy's own error).
    pub fn requests(&self, resources: &[impl AsRef<str>], settings: &str) -> Result<Vec<EvidenceRequest>, EvalError> {
        let input = wit_resources(resources);
        self.with_instance(|store, guest| self.call_requests(store, guest, &input, settings))
    }

    /// Evaluate resources together with evidence the host fetched (chart and provenance bytes,
    /// keyrings, signatures), in a sandbox: a fresh instance, or with
    /// `EngineConfig::reuse_instances` one whose previous call returned normally. `rules` are the
    /// ids the caller will report (empty: all); the policy may skip the others.
    ///
    /// # Errors
    /// Timeout, memory limit, trap, the policy's own error, or a contract violation (a finding
    /// naming an unknown rule or resource).
    pub fn evaluate_with_evidence(
        &self,
        resources: &[impl AsRef<str>],
        evidence: &[Evidence],
        settings: &str,
        now_unix: u64,
        rules: &[String],
    ) -> Result<Vec<RawFinding>, EvalError> {
        let input = evaluation(wit_resources(resources), evidence, settings, now_unix, rules);
        self.with_instance(|store, guest| self.call_evaluate(store, guest, &input, resources.len()))
    }

    /// Ask for evidence, get it from `fetch`, and evaluate, all in one instance (the guest parses
    /// the resources once). The time limit applies to each call
    /// into the guest, not to `fetch`.
    ///
    /// # Errors
    /// As [`Policy::evaluate_with_evidence`], and [`EvalError::Evidence`] when `fetch` fails.
    pub fn evaluate_fetching(
        &self,
        resources: &[impl AsRef<str>],
        settings: &str,
        now_unix: u64,
        rules: &[String],
        fetch: impl FnOnce(&[EvidenceRequest]) -> Result<Vec<Evidence>, String>,
    ) -> Result<Vec<RawFinding>, EvalError> {
        let wit = wit_resources(resources);
        self.with_instance(|store, guest| {
            let requests = self.call_requests(store, guest, &wit, settings)?;
            let evidence =
                fetch(&requests).map_err(|reason| EvalError::Evidence { policy: self.name().into(), reason })?;
            self.inner.engine.reset_deadline(store);
            let input = evaluation(wit, &evidence, settings, now_unix, rules);
            self.call_evaluate(store, guest, &input, resources.len())
        })
    }

    /// Run `f` on an instance: a fresh one, or with `reuse_instances` an idle one whose last use
    /// returned normally. The instance is kept for reuse only when `f` succeeds.
    fn with_instance<R>(
        &self,
        f: impl FnOnce(&mut Store<StoreState>, &crate::bindings::Policy) -> Result<R, EvalError>,
    ) -> Result<R, EvalError> {
        let engine = &self.inner.engine;
        let reuse = engine.config.reuse_instances;
        let idle = if reuse { self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).pop() } else { None };
        let mut warm = if let Some(mut warm) = idle {
            engine.reset_deadline(&mut warm.store);
            warm
        } else {
            let mut store = engine.store();
            let guest = self.inner.pre.instantiate(&mut store).map_err(|e| self.classify(&store, &e))?;
            Warm { store, guest, uses: 0 }
        };
        let result = f(&mut warm.store, &warm.guest);
        warm.uses += 1;
        if reuse && result.is_ok() && warm.uses < MAX_REUSES && !warm.store.data().hit_memory_limit {
            self.inner.idle.lock().unwrap_or_else(PoisonError::into_inner).push(warm);
        }
        result
    }

    fn call_requests(
        &self,
        store: &mut Store<StoreState>,
        guest: &crate::bindings::Policy,
        resources: &[types::Resource],
        settings: &str,
    ) -> Result<Vec<EvidenceRequest>, EvalError> {
        let mut requests: Vec<EvidenceRequest> = match guest.call_requests(&mut *store, resources, settings) {
            Ok(Ok(requests)) => {
                requests.into_iter().map(|r| EvidenceRequest { subject: r.subject, kind: r.kind }).collect()
            }
            Ok(Err(reason)) => return Err(EvalError::Policy { policy: self.name().into(), reason }),
            Err(e) => return Err(self.classify(store, &e)),
        };
        requests.sort();
        requests.dedup();
        Ok(requests)
    }

    fn call_evaluate(
        &self,
        store: &mut Store<StoreState>,
        guest: &crate::bindings::Policy,
        input: &types::Evaluation,
        count: usize,
    ) -> Result<Vec<RawFinding>, EvalError> {
        let findings = match guest.call_evaluate(&mut *store, input) {
            Ok(Ok(findings)) => findings,
            Ok(Err(reason)) => return Err(EvalError::Policy { policy: self.name().into(), reason }),
            Err(e) => return Err(self.classify(store, &e)),
        };
        findings.into_iter().map(|f| self.check_finding(f, count)).collect()
    }

    fn check_finding(&self, f: types::Finding, count: usize) -> Result<RawFinding, EvalError> {
        let contract = |reason: String| EvalError::Contract { policy: self.name().into(), reason };
        if self.inner.info.rule(&f.rule).is_none() {
            return Err(contract(format!("finding for unknown rule `{}`", f.rule)));
        }
        let resource = usize::try_from(f.resource).unwrap_or(usize::MAX);
        if resource >= count {
            return Err(contract(format!("finding for resource {} of {count}", f.resource)));
        }
        if !(f.path.is_empty() || f.path.starts_with('/')) {
            return Err(contract(format!("`{}` is not a JSON pointer", f.path)));
        }
        Ok(RawFinding {
            rule: f.rule,
            severity: info::severity(f.severity),
            resource,
            path: f.path,
            message: f.message,
        })
    }

    fn classify(&self, store: &Store<StoreState>, e: &wasmtime::Error) -> EvalError {
        let policy = self.name().to_string();
        let engine = &self.inner.engine;
        match e.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => EvalError::Timeout { policy, millis: engine.config.timeout.as_millis() },
            _ if store.data().hit_memory_limit => {
                EvalError::OutOfMemory { policy, limit_mib: engine.config.memory_limit >> 20 }
            }
            _ => EvalError::Trap { policy, reason: describe_trap(store, e, engine) },
        }
    }
}

/// The WIT input of `evaluate`.
fn evaluation(
    resources: Vec<types::Resource>,
    evidence: &[Evidence],
    settings: &str,
    now_unix: u64,
    rules: &[String],
) -> types::Evaluation {
    types::Evaluation {
        resources,
        evidence: evidence.iter().map(crate::evidence::to_wit).collect(),
        settings: settings.to_string(),
        now_unix,
        rules: rules.to_vec(),
    }
}

/// The WIT form of a resource list: each JSON text with its index.
fn wit_resources(resources: &[impl AsRef<str>]) -> Vec<types::Resource> {
    resources
        .iter()
        .enumerate()
        .map(|(i, json)| types::Resource {
            index: u32::try_from(i).unwrap_or(u32::MAX),
            json: json.as_ref().to_string(),
        })
        .collect()
}

/// One line for a trap: the trap kind, without wasm backtraces.
fn describe_trap(store: &Store<StoreState>, e: &wasmtime::Error, engine: &Engine) -> String {
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => format!("exceeded the time limit of {} ms", engine.config.timeout.as_millis()),
        Some(Trap::StackOverflow) => "stack overflow".into(),
        Some(Trap::UnreachableCodeReached) if store.data().hit_memory_limit => {
            format!("exceeded the memory limit of {} MiB", engine.config.memory_limit >> 20)
        }
        Some(Trap::UnreachableCodeReached) => "wasm trap: unreachable code reached (the policy panicked)".into(),
        Some(t) => format!("wasm trap: {t}"),
        None => format!("{e:#}").lines().next().unwrap_or_default().to_string(),
    }
}
