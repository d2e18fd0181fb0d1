//! Patches the policies propose. The contract has no patch output; the supply-chain policy's
//! `image-digest` finding (`verifyImages[].mutateDigest`) carries one instead, as the second line
//! of its message: `patch: <RFC 6902 operation>` that replaces a container's `image` with the
//! digest the registry resolved. Only that rule may patch, and only that field: a replace at the
//! finding's own path, of a string with a string pinned by `@sha256:`. Proposals are not
//! violations: they are taken out of the findings before judging.

use json_patch::{Patch, PatchOperation};
use palisade_core::{ErrorEntry, Finding};
use palisade_engine::check::Outcome;
use serde_json::Value;

/// (policy, rule) of the findings that propose patches.
const PROPOSERS: &[(&str, &str)] = &[("supply-chain", "image-digest")];

/// The line prefix that carries the operation.
const PREFIX: &str = "patch: ";

fn is_proposal(f: &Finding) -> bool {
    PROPOSERS.iter().any(|(policy, rule)| f.policy == *policy && f.rule == *rule)
}

/// Remove the proposals from `outcome`'s findings and return them as one patch of `object`, in
/// path order. A proposal that is malformed, or does not apply to `object`, is an error of its
/// policy (added to the outcome; the failure policy decides) and no patch is returned.
pub fn take(outcome: &mut Outcome, object: &Value) -> Option<Patch> {
    let (mut proposals, findings): (Vec<Finding>, Vec<Finding>) =
        std::mem::take(&mut outcome.findings).into_iter().partition(is_proposal);
    outcome.findings = findings;
    proposals.sort_by(|a, b| a.path.cmp(&b.path));
    proposals.dedup_by(|a, b| a.path == b.path && a.message == b.message);
    let mut operations = Vec::new();
    for f in &proposals {
        match operation(f, object) {
            Ok(op) => operations.push(op),
            Err(reason) => {
                outcome.errors.push(ErrorEntry {
                    file: None,
                    line: None,
                    policy: Some(f.policy.clone()),
                    message: format!("{}/{} proposed an unusable patch at {}: {reason}", f.policy, f.rule, f.path),
                });
                return None;
            }
        }
    }
    (!operations.is_empty()).then_some(Patch(operations))
}

/// Remove the proposals from `outcome`'s findings (the old object of an UPDATE).
pub fn strip(outcome: &mut Outcome) {
    outcome.findings.retain(|f| !is_proposal(f));
}

fn operation(f: &Finding, object: &Value) -> Result<PatchOperation, String> {
    let text = f.message.lines().nth(1).and_then(|l| l.strip_prefix(PREFIX)).ok_or("no `patch:` line")?;
    let op: PatchOperation = serde_json::from_str(text).map_err(|e| format!("not an RFC 6902 operation: {e}"))?;
    let PatchOperation::Replace(replace) = &op else {
        return Err(format!("only `replace` is allowed, got {text}"));
    };
    if replace.path.as_str() != f.path {
        return Err(format!("the operation's path {} is not the finding's", replace.path));
    }
    let Some(value) = replace.value.as_str().filter(|v| v.contains("@sha256:")) else {
        return Err(format!("the value {} is not an image pinned by digest", replace.value));
    };
    match object.pointer(&f.path) {
        Some(Value::String(current)) if value.starts_with(current.as_str()) => Ok(op),
        Some(Value::String(current)) => Err(format!("the value {value} does not pin the current image {current}")),
        _ => Err("the object has no image at that path".into()),
    }
}

#[cfg(test)]
mod tests {
    use palisade_core::Severity;
    use palisade_core::manifest::ObjectRef;
    use serde_json::json;

    use super::*;

    fn finding(policy: &str, rule: &str, path: &str, message: &str) -> Finding {
        Finding {
            policy: policy.into(),
            rule: rule.into(),
            severity: Severity::Info,
            message: message.into(),
            file: "request u1".into(),
            line: 1,
            column: 1,
            path: path.into(),
            resource: ObjectRef::default(),
            source: None,
        }
    }

    const PATH: &str = "/spec/containers/0/image";
    const PINNED: &str = "r.example/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000";

    fn pod() -> Value {
        json!({"spec": {"containers": [{"name": "c", "image": "r.example/app:1.0"}]}})
    }

    #[test]
    fn a_proposal_becomes_the_patch_and_leaves_the_findings() {
        let other = finding("hardening", "latest-tag", PATH, "uses a tag");
        let message = format!(
            "Container c image r.example/app:1.0 resolves to sha256:00\npatch: {}",
            json!({"op": "replace", "path": PATH, "value": PINNED})
        );
        let mut outcome = Outcome {
            findings: vec![finding("supply-chain", "image-digest", PATH, &message), other.clone()],
            ..Outcome::default()
        };
        let patch = take(&mut outcome, &pod()).unwrap();
        assert_eq!(serde_json::to_value(&patch).unwrap(), json!([{"op": "replace", "path": PATH, "value": PINNED}]));
        assert_eq!(outcome.findings, vec![other]);
        assert!(outcome.errors.is_empty());
    }

    #[test]
    fn only_the_image_digest_rule_may_patch_and_only_its_own_field() {
        let op = |path: &str, value: &str| json!({"op": "replace", "path": path, "value": value}).to_string();
        let cases = [
            (
                format!("x\npatch: {}", op("/spec/containers/0/name", PINNED)),
                "the operation's path /spec/containers/0/name is not the finding's",
            ),
            (
                format!("x\npatch: {}", op(PATH, "evil.example/app:1.0")),
                "the value \"evil.example/app:1.0\" is not an image pinned by digest",
            ),
            (
                format!("x\npatch: {}", op(PATH, "evil.example/app@sha256:00")),
                "the value evil.example/app@sha256:00 does not pin the current image r.example/app:1.0",
            ),
            (
                format!("x\npatch: {}", json!({"op": "remove", "path": PATH})),
                "only `replace` is allowed, got {\"op\":\"remove\",\"path\":\"/spec/containers/0/image\"}",
            ),
            ("x".to_string(), "no `patch:` line"),
        ];
        for (message, reason) in cases {
            let mut outcome = Outcome {
                findings: vec![finding("supply-chain", "image-digest", PATH, &message)],
                ..Outcome::default()
            };
            assert!(take(&mut outcome, &pod()).is_none());
            let errors: Vec<String> = outcome.errors.iter().map(|e| e.message.clone()).collect();
            assert_eq!(errors, [format!("supply-chain/image-digest proposed an unusable patch at {PATH}: {reason}")]);
        }
        // Another policy's finding with a patch line is just a finding.
        let message = format!("x\npatch: {}", op(PATH, PINNED));
        let mut outcome =
            Outcome { findings: vec![finding("third-party", "image-digest", PATH, &message)], ..Outcome::default() };
        assert!(take(&mut outcome, &pod()).is_none());
        assert_eq!(outcome.findings.len(), 1);
    }
}
