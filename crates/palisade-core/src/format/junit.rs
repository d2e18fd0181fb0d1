use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{object_label, qualified};
use crate::report::{Finding, Report};

/// JUnit XML: one `<testsuite>` per input file, one failing `<testcase>` per finding, a passing
/// test case for a file without findings, and an `<error>` test case per error.
#[must_use]
pub fn render_junit(report: &Report) -> String {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_file.entry(f.file.as_str()).or_default().push(f);
    }
    let mut errors_by_file: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &report.errors {
        errors_by_file.entry(e.file.as_deref().unwrap_or("palisade")).or_default().push(&e.message);
    }
    let files: std::collections::BTreeSet<&str> = by_file.keys().chain(errors_by_file.keys()).copied().collect();
    let failures = report.findings.len();
    let errors = report.errors.len();
    let tests: usize =
        files.iter().map(|f| by_file.get(f).map_or(1, Vec::len) + errors_by_file.get(f).map_or(0, Vec::len)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ =
        writeln!(out, "<testsuites name=\"palisade\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">");
    for file in files {
        let findings = by_file.get(file).map_or(&[][..], Vec::as_slice);
        let errs = errors_by_file.get(file).map_or(&[][..], Vec::as_slice);
        let count = findings.len().max(1) + errs.len();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{count}\" failures=\"{}\" errors=\"{}\">",
            xml(file),
            findings.len(),
            errs.len()
        );
        if findings.is_empty() && errs.is_empty() {
            let _ = writeln!(out, "    <testcase name=\"no findings\" classname=\"{}\"/>", xml(file));
        }
        for f in findings {
            let name = format!("{} {}", qualified(&f.policy, &f.rule), object_label(f));
            let _ = writeln!(out, "    <testcase name=\"{}\" classname=\"{}\">", xml(&name), xml(file));
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}:{}:{} {}</failure>",
                f.severity,
                xml(&f.message),
                xml(&f.file),
                f.line,
                f.column,
                xml(&f.path)
            );
            out.push_str("    </testcase>\n");
        }
        for message in errs {
            let _ = writeln!(out, "    <testcase name=\"error\" classname=\"{}\">", xml(file));
            let _ = writeln!(out, "      <error message=\"{}\"/>", xml(message));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escape text for XML attributes and content; drop characters XML 1.0 cannot carry.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
