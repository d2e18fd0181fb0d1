use crate::report::Report;

/// The report as one pretty-printed JSON document (format `version` 1), newline-terminated.
#[must_use]
pub fn render_json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
