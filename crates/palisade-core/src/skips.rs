//! Skip annotations: a finding is not reported when the object (or its pod template) says so.
//!
//! Native: `palisade.dev/skip: <rule>[,<rule>]` (rule id, `policy/rule`, or `*`), with
//! `palisade.dev/skip-reason` and an optional `palisade.dev/skip-expiry` (RFC 3339; an expired or
//! malformed expiry is not honoured and is reported). Opt-in, the annotations of kube-linter,
//! Polaris, kube-score, Checkov and Kubescape are honoured through the ids a rule lists in its
//! `standards` (`kube-linter:<check>`, `polaris:<id>`, `kube-score:<id>`, `checkov:<CKV id>`,
//! `kubescape:<C-id>`): one foreign id may stand for several rules and the other way round.

use serde::Serialize;

use crate::kinds::pod_template_pointer;
use crate::yaml::{Node, Value};

/// Which skip annotations are honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SkipMode {
    /// None: every finding is reported (Polaris' `disallowAnnotationExemptions`).
    None,
    /// `palisade.dev/skip*` only.
    #[default]
    Native,
    /// Native plus the other tools' annotations.
    All,
}

/// A skip that was honoured, listed in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Policy of the skipped finding.
    pub policy: String,
    /// Rule of the skipped finding.
    pub rule: String,
    /// Input file.
    pub file: String,
    /// Line of the object.
    pub line: u32,
    /// The object.
    pub resource: crate::ObjectRef,
    /// The annotation that skipped it.
    pub annotation: String,
    /// Reason given, if any.
    pub reason: Option<String>,
    /// Expiry given (RFC 3339), if any.
    pub expiry: Option<String>,
}

/// Annotations of an object and of its pod template, object first.
fn annotations(root: &Node) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    let mut sources = vec![root.get("metadata")];
    if let Some(ptr) = pod_template_pointer(kind).filter(|p| !p.is_empty()) {
        sources.push(root.at(ptr).and_then(|t| t.get("metadata")));
    }
    for meta in sources.into_iter().flatten() {
        if let Some(Value::Map(entries)) = meta.get("annotations").map(|a| &a.value) {
            for e in entries {
                if let Some(v) = e.value.as_str() {
                    out.push((e.key.as_str(), v));
                }
            }
        }
    }
    out
}

/// The decision for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipDecision {
    /// Report the finding.
    Report,
    /// Skip it because of this annotation (with reason and expiry).
    Skip {
        /// Annotation key.
        annotation: String,
        /// Reason.
        reason: Option<String>,
        /// Expiry.
        expiry: Option<String>,
    },
    /// A matching native skip exists but has expired or has a malformed expiry: report, and warn.
    Expired {
        /// What is wrong with it.
        message: String,
    },
}

/// Decide whether a finding of `policy/rule` (whose rule lists `standards`) on the object `root`
/// is skipped at time `now_unix`.
#[must_use]
pub fn decide(
    root: &Node,
    policy: &str,
    rule: &str,
    standards: &[String],
    mode: SkipMode,
    now_unix: i64,
) -> SkipDecision {
    if mode == SkipMode::None {
        return SkipDecision::Report;
    }
    let ann = annotations(root);
    let get = |key: &str| ann.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_string());
    let qualified = format!("{policy}/{rule}");
    let native = ann.iter().any(|(k, v)| {
        *k == "palisade.dev/skip" && v.split(',').map(str::trim).any(|id| id == "*" || id == rule || id == qualified)
    });
    if native {
        let expiry = get("palisade.dev/skip-expiry");
        if let Some(exp) = &expiry {
            match crate::time::parse_time(exp) {
                Ok(t) if t <= now_unix => {
                    return SkipDecision::Expired {
                        message: format!(
                            "palisade.dev/skip for `{qualified}` expired at {exp}; the finding is reported"
                        ),
                    };
                }
                Ok(_) => {}
                Err(e) => {
                    return SkipDecision::Expired {
                        message: format!("palisade.dev/skip-expiry: {e}; the skip is not honoured"),
                    };
                }
            }
        }
        return SkipDecision::Skip {
            annotation: "palisade.dev/skip".into(),
            reason: get("palisade.dev/skip-reason"),
            expiry,
        };
    }
    if mode == SkipMode::All {
        for standard in standards {
            if let Some(annotation) = foreign_skip(&ann, standard, now_unix) {
                let reason =
                    if annotation.starts_with("kubescape.io/") { get("kubescape.io/skip-reason") } else { None };
                return SkipDecision::Skip { annotation, reason, expiry: None };
            }
        }
    }
    SkipDecision::Report
}

/// The annotation of another tool that skips the check `standard` names, if present.
fn foreign_skip(ann: &[(&str, &str)], standard: &str, now_unix: i64) -> Option<String> {
    let (tool, id) = standard.split_once(':')?;
    let has = |key: &str| ann.iter().any(|(k, _)| *k == key);
    let list_contains = |key: &str| ann.iter().any(|(k, v)| *k == key && v.split(',').any(|x| x.trim() == id));
    let truthy = |key: &str| ann.iter().any(|(k, v)| *k == key && v.eq_ignore_ascii_case("true"));
    match tool {
        "kube-linter" => {
            let key = format!("ignore-check.kube-linter.io/{id}");
            if has(&key) {
                return Some(key);
            }
            has("kube-linter.io/ignore-all").then(|| "kube-linter.io/ignore-all".into())
        }
        "polaris" => {
            let key = format!("polaris.fairwinds.com/{id}-exempt");
            if truthy(&key) {
                return Some(key);
            }
            truthy("polaris.fairwinds.com/exempt").then(|| "polaris.fairwinds.com/exempt".into())
        }
        "kube-score" => list_contains("kube-score/ignore").then(|| "kube-score/ignore".into()),
        "checkov" => ann
            .iter()
            .find(|(k, v)| {
                ["checkov.io/skip", "bridgecrew.io/skip", "cortex.io/skip"].iter().any(|p| k.starts_with(p))
                    && v.split('=').next().is_some_and(|x| x.trim() == id)
            })
            .map(|(k, _)| (*k).to_string()),
        "kubescape" => {
            if !list_contains("kubescape.io/skip-controls") {
                return None;
            }
            // Kubescape ignores the whole annotation when the expiry is malformed.
            match ann.iter().find(|(k, _)| *k == "kubescape.io/skip-expiry") {
                Some((_, exp)) if crate::time::parse_time(exp).map_or(true, |t| t <= now_unix) => None,
                _ => Some("kubescape.io/skip-controls".into()),
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_stream};

    fn root(text: &str) -> Node {
        parse_stream(text, Limits::default()).unwrap().remove(0).root.unwrap()
    }

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations:\n    palisade.dev/skip: run-as-non-root, hardening/host-pid\n    palisade.dev/skip-reason: vendor image\n    kube-score/ignore: container-resources\n    checkov.io/skip1: CKV_K8S_16=needs privileges\nspec:\n  template:\n    metadata:\n      annotations:\n        ignore-check.kube-linter.io/privileged-container: ok\n    spec: {}\n";

    #[test]
    fn native_skips_by_id_and_qualified_id() {
        let r = root(DEPLOY);
        let skip = SkipDecision::Skip {
            annotation: "palisade.dev/skip".into(),
            reason: Some("vendor image".into()),
            expiry: None,
        };
        assert_eq!(decide(&r, "hardening", "run-as-non-root", &[], SkipMode::Native, 0), skip);
        assert_eq!(decide(&r, "hardening", "host-pid", &[], SkipMode::Native, 0), skip);
        assert_eq!(decide(&r, "other", "host-pid", &[], SkipMode::Native, 0), SkipDecision::Report);
        assert_eq!(decide(&r, "hardening", "run-as-non-root", &[], SkipMode::None, 0), SkipDecision::Report);
    }

    #[test]
    fn foreign_skips_are_opt_in_and_mapped_through_standards() {
        let r = root(DEPLOY);
        let std = |s: &[&str]| s.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        let privileged = std(&["kube-linter:privileged-container", "checkov:CKV_K8S_16"]);
        assert_eq!(
            decide(&r, "hardening", "privileged-container", &privileged, SkipMode::Native, 0),
            SkipDecision::Report
        );
        assert_eq!(
            decide(&r, "hardening", "privileged-container", &privileged, SkipMode::All, 0),
            SkipDecision::Skip {
                annotation: "ignore-check.kube-linter.io/privileged-container".into(),
                reason: None,
                expiry: None
            }
        );
        assert_eq!(
            decide(&r, "hardening", "cpu-limits", &std(&["kube-score:container-resources"]), SkipMode::All, 0),
            SkipDecision::Skip { annotation: "kube-score/ignore".into(), reason: None, expiry: None }
        );
        assert_eq!(
            decide(&r, "hardening", "x", &std(&["checkov:CKV_K8S_16"]), SkipMode::All, 0),
            SkipDecision::Skip { annotation: "checkov.io/skip1".into(), reason: None, expiry: None }
        );
        assert_eq!(decide(&r, "hardening", "x", &std(&["checkov:CKV_K8S_1"]), SkipMode::All, 0), SkipDecision::Report);
    }

    #[test]
    fn expired_or_malformed_expiry_is_not_honoured() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    palisade.dev/skip: '*'\n    palisade.dev/skip-expiry: 2026-01-01T00:00:00Z\n";
        let r = root(text);
        let before = crate::time::parse_time("2025-12-31T00:00:00Z").unwrap();
        assert!(matches!(decide(&r, "p", "r", &[], SkipMode::Native, before), SkipDecision::Skip { .. }));
        assert_eq!(
            decide(&r, "p", "r", &[], SkipMode::Native, before + 86_400 * 2),
            SkipDecision::Expired {
                message: "palisade.dev/skip for `p/r` expired at 2026-01-01T00:00:00Z; the finding is reported".into()
            }
        );
    }
}
