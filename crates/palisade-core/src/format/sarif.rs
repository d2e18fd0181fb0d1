use serde_json::{Value, json};

use super::qualified;
use crate::report::{Report, RuleMeta, Severity};

/// SARIF result level for a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` (a CVSS-like score) for a severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// SARIF 2.1.0: one run, every rule of the loaded policies with its metadata, one result per
/// finding with its physical location (file, line, column) and the object as a logical location.
#[must_use]
pub fn render_sarif(report: &Report, rules: &[RuleMeta], tool_version: &str) -> String {
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": qualified(&r.policy, &r.id),
                "name": r.id,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": format!("{} ({})", r.title, r.category) },
                "help": { "text": r.remediation, "markdown": r.remediation },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": {
                    "tags": std::iter::once(r.category.clone()).chain(r.standards.iter().cloned()).collect::<Vec<_>>(),
                    "security-severity": security_severity(r.severity),
                    "precision": "high",
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = rules.iter().position(|r| r.policy == f.policy && r.id == f.rule);
            let mut result = json!({
                "ruleId": qualified(&f.policy, &f.rule),
                "level": level(f.severity),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.file) },
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) },
                    },
                    "logicalLocations": [{
                        "fullyQualifiedName": logical_name(f),
                        "kind": "object",
                    }],
                }],
                "properties": {
                    "severity": f.severity,
                    "path": f.path,
                    "source": f.source,
                    "security-severity": security_severity(f.severity),
                },
            });
            if let (Some(i), Some(obj)) = (rule_index, result.as_object_mut()) {
                obj.insert("ruleIndex".into(), json!(i));
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({ "level": "error", "message": { "text": e.message } });
            if let (Some(file), Some(obj)) = (&e.file, n.as_object_mut()) {
                let mut loc = json!({ "physicalLocation": { "artifactLocation": { "uri": uri(file) } } });
                if let Some(line) = e.line {
                    loc["physicalLocation"]["region"] = json!({ "startLine": line.max(1) });
                }
                obj.insert("locations".into(), json!([loc]));
            }
            n
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "palisade",
                "version": tool_version,
                "informationUri": "https://github.com/palisade-dev/palisade",
                "rules": descriptors,
            }},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// A relative URI reference for a display path (`<stdin>` has none; use `stdin`).
fn uri(file: &str) -> String {
    if file == "<stdin>" {
        return "stdin".into();
    }
    file.strip_prefix("./").unwrap_or(file).replace(' ', "%20")
}

fn logical_name(f: &crate::report::Finding) -> String {
    let r = &f.resource;
    match &r.namespace {
        Some(ns) => format!("{}/{}/{ns}/{}", r.api_version, r.kind, r.name),
        None => format!("{}/{}/{}", r.api_version, r.kind, r.name),
    }
}
