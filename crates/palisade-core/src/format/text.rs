use std::fmt::Write as _;

use crate::report::{Report, Severity};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

fn color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;35m",
        Severity::High => "\x1b[1;31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
        Severity::Info => "\x1b[2m",
    }
}

/// Human-readable output: findings grouped by file, then a summary line. `ansi` adds colour.
#[must_use]
pub fn render_text(report: &Report, ansi: bool) -> String {
    let paint = |code: &str, text: &str| if ansi { format!("{code}{text}{RESET}") } else { text.to_string() };
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for f in &report.findings {
        if current != Some(f.file.as_str()) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", paint(BOLD, &f.file));
            current = Some(&f.file);
        }
        let object = match &f.resource.namespace {
            Some(ns) => format!("{} {ns}/{}", f.resource.kind, f.resource.name),
            None => format!("{} {}", f.resource.kind, f.resource.name),
        };
        let origin = f.source.as_ref().map_or(String::new(), |s| format!(", {s}"));
        let _ = writeln!(
            out,
            "  {:>4}:{:<3} {} {}/{}: {} {}",
            f.line,
            f.column,
            paint(color(f.severity), &format!("{:<8}", f.severity.as_str())),
            f.policy,
            f.rule,
            f.message,
            paint(DIM, &format!("({object}{origin})")),
        );
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    let s = &report.summary;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|sev| s.by_severity.get(sev).filter(|n| **n > 0).map(|n| format!("{n} {sev}")))
        .collect();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = plural(s.findings, "finding");
    if !counts.is_empty() {
        let _ = write!(line, " ({})", counts.join(", "));
    }
    let _ = write!(line, " in {}", plural(s.resources, "resource"));
    if !report.skipped.is_empty() {
        let _ = write!(line, "; {} skipped by annotation", report.skipped.len());
    }
    if !report.errors.is_empty() {
        let _ = write!(line, "; {}", plural(report.errors.len(), "error"));
    }
    if !report.warnings.is_empty() {
        let _ = write!(line, "; {}", plural(report.warnings.len(), "warning"));
    }
    let _ = writeln!(out, "{}", paint(BOLD, &line));
    out
}
