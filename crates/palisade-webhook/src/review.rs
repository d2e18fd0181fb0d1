//! One `AdmissionReview`: parse and check the request, pick the profile for its namespace,
//! evaluate the object with that profile's policy set (evidence the policies request is fetched
//! within the configured budget), and turn the outcome into an `admission.k8s.io/v1` response
//! according to the mode and the failure policy.
//!
//! Both endpoints judge alike: `/mutate`, which the API server calls first, denies what `/validate`
//! would deny. `/mutate` adds the JSON patch the policies propose ([`patch`]) when the verdict
//! allows, and leaves finding warnings and audit records to `/validate`, which sees the patched object.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use kube_core::DynamicObject;
use kube_core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use kube_core::response::StatusSummary;
use palisade_core::Finding;
use palisade_engine::check::{self, CheckOptions, EvidenceSource, Outcome};
use palisade_evidence::Remote;

use crate::config::{FailurePolicy, Mode, Profile};
use crate::patch;
use crate::state::State;

/// The only review version served.
pub const API_VERSION: &str = "admission.k8s.io/v1";

/// Findings named in a deny message; the rest are counted.
const MAX_LISTED: usize = 10;

/// Which endpoint a review came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/validate`: evaluate and allow, warn or deny.
    Validate,
    /// `/mutate`: judge, and return the JSON patch the policies propose when allowed.
    Mutate,
}

impl Endpoint {
    /// Path segment, for metrics.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

/// A request body that is not an `admission.k8s.io/v1` `AdmissionReview` with a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadReview(pub String);

/// What was decided, with what metrics and logs need.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Request uid.
    pub uid: String,
    /// Allowed or denied.
    pub allowed: bool,
    /// The profile used (`None`: no profile matched, or nothing to evaluate).
    pub profile: Option<String>,
    /// Its mode.
    pub mode: Option<Mode>,
    /// Findings that were reported (any mode).
    pub findings: Vec<Finding>,
    /// Findings that caused the deny.
    pub denied_by: Vec<Finding>,
    /// Policies that could not evaluate, with the error.
    pub policy_errors: Vec<(String, String)>,
    /// The request was a dry run (nothing is recorded for it).
    pub dry_run: bool,
    /// The JSON response body.
    pub body: Vec<u8>,
}

/// Parse a request body.
///
/// # Errors
/// Malformed JSON, another API version or kind, or no `request`.
pub fn parse(body: &[u8]) -> Result<AdmissionRequest<DynamicObject>, BadReview> {
    let review: AdmissionReview<DynamicObject> =
        serde_json::from_slice(body).map_err(|e| BadReview(format!("malformed AdmissionReview: {e}")))?;
    if review.types.api_version != API_VERSION || review.types.kind != "AdmissionReview" {
        return Err(BadReview(format!(
            "unsupported review `{} {}`: only {API_VERSION} AdmissionReview is served",
            review.types.api_version, review.types.kind
        )));
    }
    let request: AdmissionRequest<DynamicObject> =
        review.try_into().map_err(|_| BadReview("AdmissionReview without a request".into()))?;
    let needs_object = matches!(request.operation, Operation::Create | Operation::Update);
    if needs_object && request.object.is_none() {
        return Err(BadReview(format!("{:?} request {} without an object", request.operation, request.uid)));
    }
    Ok(request)
}

/// Review one request with a loaded state, judging at `now_unix`.
#[must_use]
pub fn review(state: &State, endpoint: Endpoint, request: &AdmissionRequest<DynamicObject>, now_unix: i64) -> Verdict {
    let mut verdict =
        Verdict { uid: request.uid.clone(), allowed: true, dry_run: request.dry_run, ..Verdict::default() };
    let mut response = AdmissionResponse::from(request);
    let evaluated =
        matches!(request.operation, Operation::Create | Operation::Update) && request.sub_resource.is_none();
    let namespace = request.namespace.as_deref().unwrap_or_default();
    let selected = if evaluated { state.config.profile_for(namespace) } else { None };
    if let (Some((index, profile)), Some(object)) = (selected, request.object.as_ref()) {
        verdict.profile = Some(profile.name.clone());
        verdict.mode = Some(profile.mode);
        let options = CheckOptions { skips: profile.skips, now_unix, ..CheckOptions::default() };
        let set = &state.sets[index];
        // One budget for every fetch of this request, the old object's included.
        let deadline = Instant::now() + state.config.registry.fetch_timeout;
        let evidence = Remote::shared(Arc::clone(&state.evidence), Some(deadline));
        let json = serde_json::to_value(object);
        let mut outcome = evaluate(set, &request.uid, &json, &options, &evidence);
        let proposed = match &json {
            Ok(json) => patch::take(&mut outcome, json),
            Err(_) => None,
        };
        let existing = match (&request.old_object, &request.operation) {
            (Some(old), Operation::Update) if profile.allow_existing_violations => {
                let mut old = evaluate(set, &request.uid, &serde_json::to_value(old), &options, &evidence);
                patch::strip(&mut old);
                Some(old.findings.iter().map(key).collect::<HashSet<_>>())
            }
            _ => None,
        };
        response = judge(profile, endpoint, request, outcome, existing.as_ref(), response, &mut verdict);
        if endpoint == Endpoint::Mutate
            && response.allowed
            && let Some(patch) = proposed
        {
            response = match response.clone().with_patch(patch) {
                Ok(r) => r,
                Err(e) => deny(response, 500, "InternalError", format!("palisade could not encode its patch: {e}")),
            };
        }
    }
    verdict.allowed = response.allowed;
    verdict.body = render(response);
    verdict
}

/// Evaluate an object of the request (already turned into JSON; no text is parsed).
fn evaluate(
    set: &palisade_engine::policy_set::PolicySet,
    uid: &str,
    object: &Result<serde_json::Value, serde_json::Error>,
    options: &CheckOptions,
    evidence: &dyn EvidenceSource,
) -> Outcome {
    match object {
        Ok(json) => {
            let name = Arc::from(format!("request {uid}"));
            let parsed = palisade_core::manifest::from_json(&name, json);
            check::check_parsed(set, &name, parsed, options, evidence)
        }
        Err(e) => Outcome {
            errors: vec![palisade_core::ErrorEntry {
                file: None,
                line: None,
                policy: None,
                message: format!("cannot encode the object: {e}"),
            }],
            ..Outcome::default()
        },
    }
}

fn key(f: &Finding) -> (String, String, String, String) {
    (f.policy.clone(), f.rule.clone(), f.path.clone(), f.message.clone())
}

/// One finding in one line: `policy/rule (severity) at /path: message`.
#[must_use]
pub fn describe(f: &Finding) -> String {
    let path = if f.path.is_empty() { "/" } else { &f.path };
    format!("{}/{} ({}) at {path}: {}", f.policy, f.rule, f.severity, f.message)
}

fn subject(request: &AdmissionRequest<DynamicObject>) -> String {
    let name = request
        .object
        .as_ref()
        .and_then(|o| o.metadata.name.clone().or_else(|| o.metadata.generate_name.clone()))
        .unwrap_or_else(|| request.name.clone());
    match request.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => format!("{} {ns}/{name}", request.kind.kind),
        _ => format!("{} {name}", request.kind.kind),
    }
}

fn deny(mut response: AdmissionResponse, code: u16, reason: &str, message: String) -> AdmissionResponse {
    response = response.deny(message);
    response.result.code = code;
    response.result.reason = reason.into();
    response.result.status = Some(StatusSummary::Failure);
    response
}

fn judge(
    profile: &Profile,
    endpoint: Endpoint,
    request: &AdmissionRequest<DynamicObject>,
    mut outcome: Outcome,
    existing: Option<&HashSet<(String, String, String, String)>>,
    mut response: AdmissionResponse,
    verdict: &mut Verdict,
) -> AdmissionResponse {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for e in outcome.errors {
        let policy = e.policy.clone().unwrap_or_default();
        errors.push(e.message.clone());
        verdict.policy_errors.push((policy, e.message));
    }
    outcome
        .findings
        .sort_by(|a, b| (&a.path, &a.policy, &a.rule, &a.message).cmp(&(&b.path, &b.policy, &b.rule, &b.message)));
    let mut blocking = Vec::new();
    for f in &outcome.findings {
        let old = existing.is_some_and(|set| set.contains(&key(f)));
        match profile.mode {
            Mode::Enforce if f.severity >= profile.fail_on && !old => blocking.push(f.clone()),
            // /validate, called after /mutate, warns; the same warnings twice would be noise.
            Mode::Enforce | Mode::Warn if endpoint == Endpoint::Mutate => {}
            Mode::Enforce | Mode::Warn if old => {
                warnings.push(format!("{} (already present before this update)", describe(f)));
            }
            Mode::Enforce | Mode::Warn => warnings.push(describe(f)),
            Mode::Audit => {}
        }
    }
    if !outcome.findings.is_empty() {
        let mut ids: Vec<String> = outcome.findings.iter().map(|f| format!("{}/{}", f.policy, f.rule)).collect();
        ids.dedup();
        response.audit_annotations = BTreeMap::from([
            ("profile".to_string(), profile.name.clone()),
            ("mode".to_string(), profile.mode.as_str().to_string()),
            ("findings".to_string(), ids.join(",")),
        ])
        .into_iter()
        .collect();
    }
    verdict.findings = outcome.findings;
    if !errors.is_empty() {
        let message = format!("palisade could not evaluate {}: {}", subject(request), errors.join("; "));
        match profile.failure_policy {
            FailurePolicy::Fail => {
                response = deny(response, 500, "InternalError", format!("{message} (failurePolicy: Fail)"));
            }
            FailurePolicy::Ignore => warnings.insert(0, format!("{message} (failurePolicy: Ignore)")),
        }
    }
    if !blocking.is_empty() && response.allowed {
        let mut listed: Vec<String> = blocking.iter().take(MAX_LISTED).map(describe).collect();
        if blocking.len() > MAX_LISTED {
            listed.push(format!("and {} more", blocking.len() - MAX_LISTED));
        }
        let message = format!("palisade denied {}: {}", subject(request), listed.join("; "));
        response = deny(response, 403, "Forbidden", message);
    }
    verdict.denied_by = if response.allowed { Vec::new() } else { blocking };
    if !warnings.is_empty() {
        response.warnings = Some(warnings);
    }
    response
}

/// The response as an `admission.k8s.io/v1` `AdmissionReview`; a patch is a base64 string, as the
/// API server's `[]byte` field expects.
#[must_use]
pub fn render(response: AdmissionResponse) -> Vec<u8> {
    let patch = response.patch.clone();
    let mut value = match serde_json::to_value(response.into_review()) {
        Ok(v) => v,
        Err(e) => return format!("{{\"error\":\"cannot encode the response: {e}\"}}").into_bytes(),
    };
    if let (Some(patch), Some(r)) = (patch, value.get_mut("response").and_then(|r| r.as_object_mut())) {
        r.insert("patch".into(), base64::engine::general_purpose::STANDARD.encode(patch).into());
    }
    serde_json::to_vec(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REVIEW: &str = r#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"name":"p","namespace":"ns","operation":"CREATE","userInfo":{"username":"me"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}},"oldObject":null,"dryRun":false}}"#;

    /// The patch hook's encoding: a proposed patch reaches the API server as base64 `JSONPatch`.
    #[test]
    fn a_patch_is_rendered_as_base64_json_patch() {
        let request = parse(REVIEW.as_bytes()).unwrap();
        let patch: json_patch::Patch = serde_json::from_value(serde_json::json!([
            {"op": "replace", "path": "/spec/containers/0/image", "value": "nginx@sha256:abc"}
        ]))
        .unwrap();
        let response = AdmissionResponse::from(&request).with_patch(patch).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&render(response)).unwrap();
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(r#"[{"op":"replace","path":"/spec/containers/0/image","value":"nginx@sha256:abc"}]"#);
        assert_eq!(
            body,
            serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {
                "uid": "u1", "allowed": true, "status": {}, "patch": encoded, "patchType": "JSONPatch"}})
        );
    }

    #[test]
    fn create_without_object_is_a_bad_review() {
        let text = REVIEW.replace(r#""object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}},"#, "");
        assert_eq!(parse(text.as_bytes()).unwrap_err(), BadReview("Create request u1 without an object".into()));
    }
}
