//! One check in the browser: the `session` resource of `palisade:web/host`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use palisade_core::check::{Outcome, RawFinding, SkipOptions};
use palisade_core::skips::SkipMode;
use palisade_core::{InputLimits, Resource, RuleMeta, Severity};
use serde::Deserialize;

use crate::bindings::exports::palisade::web::host::GuestSession;

/// A policy's `info()` as jco hands it to JavaScript (camelCase fields, enums as strings).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Info {
    name: String,
    rules: Vec<RuleInfo>,
    settings_schema: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleInfo {
    id: String,
    title: String,
    severity: Severity,
    category: String,
    remediation: String,
    standards: Vec<String>,
    enabled_by_default: bool,
}

/// A finding as jco returns it from `evaluate`.
#[derive(Debug, Deserialize)]
struct JsFinding {
    rule: String,
    resource: u32,
    path: String,
    message: String,
}

/// A configured policy.
struct Policy {
    name: String,
    rules: Vec<RuleMeta>,
    /// Settings without `rules`, as JSON text.
    settings: String,
    /// Enabled rules and their effective severity.
    enabled: BTreeMap<String, Severity>,
}

/// One input: its objects and what was found in it.
struct Input {
    file: Arc<str>,
    resources: Vec<Resource>,
    outcome: Outcome,
}

struct State {
    skips: SkipOptions,
    policies: Vec<Policy>,
    inputs: Vec<Input>,
}

/// The `session` resource.
pub struct Session {
    state: RefCell<State>,
}

impl GuestSession for Session {
    fn new(skip_annotations: String, now_unix: i64) -> Self {
        // Anything but `none` and `all` is the CLI's default, `native`.
        let mode = match skip_annotations.as_str() {
            "none" => SkipMode::None,
            "all" => SkipMode::All,
            _ => SkipMode::Native,
        };
        let skips = SkipOptions { mode, now_unix };
        Session { state: RefCell::new(State { skips, policies: Vec::new(), inputs: Vec::new() }) }
    }

    fn add_policy(&self, info_json: String, settings_json: String) -> Result<u32, String> {
        let info: Info = serde_json::from_str(&info_json).map_err(|e| format!("policy info is malformed: {e}"))?;
        let mut settings: serde_json::Value =
            serde_json::from_str(&settings_json).map_err(|e| format!("settings for policy `{}`: {e}", info.name))?;
        let rules: Vec<RuleMeta> = info
            .rules
            .into_iter()
            .map(|r| RuleMeta {
                policy: info.name.clone(),
                id: r.id,
                title: r.title,
                severity: r.severity,
                category: r.category,
                remediation: r.remediation,
                standards: r.standards,
                enabled_by_default: r.enabled_by_default,
            })
            .collect();
        let name = info.name;
        let overrides =
            palisade_core::rules::take_overrides(&name, &rules, &mut settings).map_err(|e| e.to_string())?;
        check_schema(&name, &info.settings_schema, &settings)?;
        let mut enabled = BTreeMap::new();
        for rule in &rules {
            let (on, severity) = palisade_core::rules::state(&name, rule, &overrides).map_err(|e| e.to_string())?;
            if on {
                enabled.insert(rule.id.clone(), severity);
            }
        }
        let mut state = self.state.borrow_mut();
        if state.policies.iter().any(|p| p.name == name) {
            return Err(format!("policy `{name}` is given twice"));
        }
        state.policies.push(Policy { name, rules, settings: settings.to_string(), enabled });
        Ok(u32::try_from(state.policies.len() - 1).unwrap_or(u32::MAX))
    }

    fn settings(&self, policy: u32) -> String {
        self.with_policy(policy, |p| p.settings.clone()).unwrap_or_default()
    }

    fn enabled_rules(&self, policy: u32) -> Vec<String> {
        self.with_policy(policy, |p| p.enabled.keys().cloned().collect()).unwrap_or_default()
    }

    fn add_input(&self, file: String, text: String) -> Vec<String> {
        let file: Arc<str> = Arc::from(file);
        let limits = InputLimits::default();
        let (outcome, resources) = match palisade_core::manifest::decode(&file, text.as_bytes(), &limits) {
            Ok(text) => Outcome::start(palisade_core::manifest::parse(&file, &text, &limits)),
            Err(e) => (Outcome { errors: vec![e.into()], ..Outcome::default() }, Vec::new()),
        };
        let json = resources.iter().map(|r| r.json.clone()).collect();
        self.state.borrow_mut().inputs.push(Input { file, resources, outcome });
        json
    }

    fn add_findings(&self, input: u32, policy: u32, findings_json: String) {
        let mut state = self.state.borrow_mut();
        let State { skips, policies, inputs } = &mut *state;
        let (Some(input), Some(policy)) = (inputs.get_mut(input as usize), policies.get(policy as usize)) else {
            return;
        };
        let findings = match serde_json::from_str::<Vec<JsFinding>>(&findings_json) {
            Ok(f) => f,
            Err(e) => {
                let message = format!("policy `{}` broke the contract: malformed findings: {e}", policy.name);
                input.outcome.add_policy_error(&input.file, &policy.name, message);
                return;
            }
        };
        // As the CLI: a contract violation anywhere rejects the whole result of that policy.
        if let Some(reason) = findings.iter().find_map(|f| contract_violation(policy, f, input.resources.len())) {
            let message = format!("policy `{}` broke the contract: {reason}", policy.name);
            input.outcome.add_policy_error(&input.file, &policy.name, message);
            return;
        }
        for f in findings {
            let Some(&severity) = policy.enabled.get(&f.rule) else { continue };
            let standards = policy.rules.iter().find(|r| r.id == f.rule).map_or(&[][..], |r| r.standards.as_slice());
            let resource = f.resource as usize;
            let raw = RawFinding { rule: f.rule, resource, path: f.path, message: f.message };
            input.outcome.add_finding(&input.resources[resource], &policy.name, severity, standards, raw, *skips);
        }
    }

    fn add_error(&self, input: u32, policy: u32, kind: String, message: String) {
        let mut state = self.state.borrow_mut();
        let State { policies, inputs, .. } = &mut *state;
        let (Some(input), Some(policy)) = (inputs.get_mut(input as usize), policies.get(policy as usize)) else {
            return;
        };
        let name = &policy.name;
        let message = if kind == "policy" {
            format!("policy `{name}` could not evaluate: {message}")
        } else if kind == "timeout" {
            format!("policy `{name}` exceeded its time limit of {message} ms")
        } else if message.contains("unreachable") {
            format!("policy `{name}` crashed: wasm trap: unreachable code reached (the policy panicked)")
        } else {
            format!("policy `{name}` crashed: wasm trap: {message}")
        };
        input.outcome.add_policy_error(&input.file, name, message);
    }

    fn report(&self) -> String {
        let state = self.state.borrow();
        let mut total = Outcome::default();
        for input in &state.inputs {
            total.merge(input.outcome.clone());
        }
        palisade_core::format::render_json(&total.into_report())
    }
}

impl Session {
    fn with_policy<T>(&self, policy: u32, f: impl FnOnce(&Policy) -> T) -> Option<T> {
        self.state.borrow().policies.get(policy as usize).map(f)
    }
}

/// The engine's contract checks on one finding (`palisade-engine`'s `check_finding`).
fn contract_violation(policy: &Policy, f: &JsFinding, count: usize) -> Option<String> {
    if !policy.rules.iter().any(|r| r.id == f.rule) {
        return Some(format!("finding for unknown rule `{}`", f.rule));
    }
    if f.resource as usize >= count {
        return Some(format!("finding for resource {} of {count}", f.resource));
    }
    if !(f.path.is_empty() || f.path.starts_with('/')) {
        return Some(format!("`{}` is not a JSON pointer", f.path));
    }
    None
}

thread_local! {
    /// Compiled settings schemas by their text: the host instance outlives sessions, and
    /// compiling a schema costs more than checking settings against it.
    static VALIDATORS: RefCell<HashMap<String, Rc<jsonschema::Validator>>> = RefCell::new(HashMap::new());
}

/// Validate settings against the policy's JSON Schema, with the engine's wording.
fn check_schema(policy: &str, schema: &str, settings: &serde_json::Value) -> Result<(), String> {
    let cached = VALIDATORS.with(|v| v.borrow().get(schema).cloned());
    let validator = if let Some(v) = cached {
        v
    } else {
        let parsed: serde_json::Value = serde_json::from_str(schema)
            .map_err(|e| format!("policy `{policy}` failed in info(): settings schema is not JSON: {e}"))?;
        let compiled = Rc::new(
            jsonschema::validator_for(&parsed)
                .map_err(|e| format!("policy `{policy}` has an invalid settings schema: {e}"))?,
        );
        VALIDATORS.with(|v| v.borrow_mut().insert(schema.to_string(), compiled.clone()));
        compiled
    };
    let problems: Vec<String> = validator
        .iter_errors(settings)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() { e.to_string() } else { format!("{at}: {e}") }
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("invalid settings for policy `{policy}`: {}", problems.join("; ")))
    }
}
