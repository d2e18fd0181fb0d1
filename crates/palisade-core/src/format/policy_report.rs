use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::meta_of;
use crate::report::{Finding, Report, RuleMeta};

/// wgpolicyk8s.io/v1alpha2 reports as a `kind: List`: one `PolicyReport` per namespace and one
/// `ClusterPolicyReport` for objects without a namespace, each result a failed rule on one object.
#[must_use]
pub fn render_policy_report(report: &Report, rules: &[RuleMeta], now_unix: u64) -> String {
    let mut by_ns: BTreeMap<Option<&str>, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_ns.entry(f.resource.namespace.as_deref()).or_default().push(f);
    }
    let items: Vec<Value> = by_ns
        .into_iter()
        .map(|(ns, findings)| {
            let results: Vec<Value> = findings
                .iter()
                .map(|f| {
                    let category = meta_of(rules, f).map_or("", |m| m.category.as_str());
                    json!({
                        "source": "palisade",
                        "policy": f.policy,
                        "rule": f.rule,
                        "category": category,
                        "severity": f.severity,
                        "result": "fail",
                        "scored": true,
                        "message": f.message,
                        "timestamp": { "seconds": now_unix, "nanos": 0 },
                        "resources": [{
                            "apiVersion": f.resource.api_version,
                            "kind": f.resource.kind,
                            "name": f.resource.name,
                            "namespace": f.resource.namespace,
                        }],
                        "properties": {
                            "file": f.file,
                            "line": f.line.to_string(),
                            "column": f.column.to_string(),
                            "path": f.path,
                        },
                    })
                })
                .collect();
            let summary = json!({ "pass": 0, "fail": results.len(), "warn": 0, "error": 0, "skip": 0 });
            match ns {
                Some(ns) => json!({
                    "apiVersion": "wgpolicyk8s.io/v1alpha2",
                    "kind": "PolicyReport",
                    "metadata": { "name": "palisade", "namespace": ns, "labels": { "app.kubernetes.io/managed-by": "palisade" } },
                    "summary": summary,
                    "results": results,
                }),
                None => json!({
                    "apiVersion": "wgpolicyk8s.io/v1alpha2",
                    "kind": "ClusterPolicyReport",
                    "metadata": { "name": "palisade", "labels": { "app.kubernetes.io/managed-by": "palisade" } },
                    "summary": summary,
                    "results": results,
                }),
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&json!({ "apiVersion": "v1", "kind": "List", "items": items }))
        .unwrap_or_default();
    out.push('\n');
    out
}
