//! Renderings of a [`Report`](crate::report::Report): one result model, many formats.

mod json;
mod junit;
mod policy_report;
mod sarif;
mod text;

pub use json::render_json;
pub use junit::render_junit;
pub use policy_report::render_policy_report;
pub use sarif::render_sarif;
pub use text::render_text;

use crate::report::{Finding, RuleMeta};

/// `policy/rule`, the id formats show.
fn qualified(policy: &str, rule: &str) -> String {
    format!("{policy}/{rule}")
}

/// The metadata of a finding's rule, if known.
fn meta_of<'a>(rules: &'a [RuleMeta], f: &Finding) -> Option<&'a RuleMeta> {
    rules.iter().find(|r| r.policy == f.policy && r.id == f.rule)
}

/// `Kind namespace/name` or `Kind name`.
fn object_label(f: &Finding) -> String {
    match &f.resource.namespace {
        Some(ns) => format!("{} {ns}/{}", f.resource.kind, f.resource.name),
        None => format!("{} {}", f.resource.kind, f.resource.name),
    }
}
