//! Verdict agreement with other checkers on their own upstream fixtures
//! (`../shared/conformance/{polaris,kube-score,kube-linter,checkov}`).
//!
//! Each upstream check maps to the palisade rules that list it in `standards`
//! (`polaris:<id>`, `kube-score:<id>`, `kube-linter:<check>`, `checkov:<CKV id>`; many-to-many).
//! A case runs those rules (all enabled, default settings) on the fixture and compares the verdict
//! the upstream tool expects. Intentional divergences are listed, each with a reason, in
//! `conformance-divergences.txt`; an entry that no longer diverges fails too, so the list stays
//! honest. Cases whose check no palisade rule maps to are reported as ignored. A summary of
//! agreement per tool is printed at the end.

#![expect(clippy::expect_used, reason = "test set-up: a panic is a test failure")]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Failed, Trial};
use palisade_cli::inputs::Source;
use palisade_cli::pipeline::{self, CheckOptions};
use palisade_cli::policy_set::{PolicyOptions, PolicySet, PolicySource, RuleFilter, engine_config};
use palisade_core::Report;
use palisade_core::skips::SkipMode;
use palisade_engine::Engine;
use serde_json::Value;

const TOOLS: [&str; 4] = ["polaris", "kube-score", "kube-linter", "checkov"];

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

/// The thresholds each tool uses by default, as palisade settings (kube-linter wants three
/// replicas where palisade, Polaris and kube-score want two).
fn tool_settings(tool: &str) -> serde_json::Value {
    match tool {
        "kube-linter" => serde_json::json!({
            "minReplicas": 3,
            "hpaMinReplicas": 3,
            "acceptedPriorityClasses": ["system-cluster-critical", "system-node-critical"],
        }),
        _ => serde_json::json!({}),
    }
}

/// The hardening policy with every rule on, configured like `tool`.
fn policies(tool: &str) -> &'static PolicySet {
    static SETS: OnceLock<BTreeMap<&'static str, PolicySet>> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        let engine = Engine::new(engine_config()).expect("engine");
        TOOLS
            .iter()
            .map(|t| {
                let options = PolicyOptions {
                    sources: vec![PolicySource::Builtin("hardening".into())],
                    filter: RuleFilter::new(&["*".to_string()], &[]).expect("glob"),
                    settings: [("hardening".to_string(), tool_settings(t))].into_iter().collect(),
                };
                (*t, PolicySet::load(&engine, &options).expect("hardening loads"))
            })
            .collect()
    });
    &sets[tool]
}

/// Rule ids per foreign check id, from the rules' `standards`.
fn mapping(tool: &str) -> HashMap<String, BTreeSet<String>> {
    let mut map: HashMap<String, BTreeSet<String>> = HashMap::new();
    for p in &policies(tool).policies {
        for rule in &p.policy.info().rules {
            for s in &rule.standards {
                if let Some(id) = s.strip_prefix(tool).and_then(|r| r.strip_prefix(':')) {
                    map.entry(id.to_string()).or_default().insert(rule.id.clone());
                }
            }
        }
    }
    map
}

fn run(tool: &str, files: &[PathBuf], skips: SkipMode) -> Report {
    let sources: Vec<Source> = files.iter().cloned().map(Source::File).collect();
    let options = CheckOptions { skips, now_unix: 1_790_000_000, ..CheckOptions::default() };
    pipeline::check(policies(tool), &sources, Vec::new(), &options)
}

/// What a case expects and what palisade says, as comparable text.
struct Case {
    tool: &'static str,
    name: String,
    rules: BTreeSet<String>,
    files: Vec<PathBuf>,
    skips: SkipMode,
    expected: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// At least one finding.
    Fails,
    /// No finding.
    Passes,
    /// Exactly these failing objects (`Kind.namespace.name`).
    FailingObjects(BTreeSet<String>),
    /// This many failing objects.
    FailingCount(usize),
}

/// The verdict palisade gives, and the objects it fails (for messages).
fn observe(case: &Case) -> Result<(Verdict, BTreeSet<String>), String> {
    let report = run(case.tool, &case.files, case.skips);
    // Input that palisade cannot read is reported by it (exit 2) and covered by the CLI tests;
    // here only policy evaluation errors count.
    if let Some(e) = report.errors.iter().find(|e| e.policy.is_some()) {
        return Err(format!("evaluation error: {e:?}"));
    }
    let failing: Vec<_> = report.findings.iter().filter(|f| case.rules.contains(&f.rule)).collect();
    let objects: BTreeSet<String> = failing
        .iter()
        .map(|f| {
            format!("{}.{}.{}", f.resource.kind, f.resource.namespace.as_deref().unwrap_or("default"), f.resource.name)
        })
        .collect();
    let verdict = match case.expected {
        Verdict::Fails | Verdict::Passes => {
            if failing.is_empty() {
                Verdict::Passes
            } else {
                Verdict::Fails
            }
        }
        Verdict::FailingObjects(_) => Verdict::FailingObjects(objects.clone()),
        // Checkov counts an object once per file it appears in.
        Verdict::FailingCount(_) => {
            Verdict::FailingCount(failing.iter().map(|f| (&f.file, &f.resource)).collect::<BTreeSet<_>>().len())
        }
    };
    Ok((verdict, objects))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture readable")).expect("fixture is JSON")
}

fn polaris_cases() -> Vec<(String, String, PathBuf, Verdict)> {
    let dir = shared().join("polaris");
    let mut out = Vec::new();
    let checks = json(&dir.join("checks.json"));
    for check in checks.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(dir.join(&check)).expect("check dir").filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            let stem = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let expected = if stem.starts_with("failure") { Verdict::Fails } else { Verdict::Passes };
            out.push((check.clone(), stem, f, expected));
        }
    }
    out
}

fn cases() -> (Vec<Case>, Vec<(String, String)>) {
    let mut cases = Vec::new();
    let mut unmapped = Vec::new();
    let mut push = |tool: &'static str,
                    check: &str,
                    name: String,
                    files: Vec<PathBuf>,
                    skips: SkipMode,
                    expected: Verdict,
                    map: &HashMap<String, BTreeSet<String>>| {
        match map.get(check) {
            Some(rules) => cases.push(Case { tool, name, rules: rules.clone(), files, skips, expected }),
            None => unmapped.push((tool.to_string(), name)),
        }
    };

    let map = mapping("polaris");
    for (check, stem, file, expected) in polaris_cases() {
        push("polaris", &check, format!("polaris::{check}::{stem}"), vec![file], SkipMode::None, expected, &map);
    }

    let map = mapping("kube-score");
    let ks = json(&shared().join("kube-score/expectations.json"));
    for (i, c) in ks["cases"].as_array().into_iter().flatten().enumerate() {
        let check = c["check_id"].as_str().unwrap_or_default();
        let config = c["run_config"].as_object().cloned().unwrap_or_default();
        let expected = match c["expected"].as_str() {
            Some("critical" | "warning") => Verdict::Fails,
            Some("ok" | "almost_ok") => Verdict::Passes,
            _ => continue,
        };
        // Thresholds and per-container exemptions that palisade expresses as settings are not compared here.
        if config.keys().any(|k| k.starts_with("Ignore") || k.starts_with("MinReplicas")) {
            continue;
        }
        let skips = if config.get("UseIgnoreChecksAnnotation") == Some(&Value::Bool(true)) {
            SkipMode::All
        } else {
            SkipMode::None
        };
        let file = shared().join("kube-score/testdata").join(c["file"].as_str().unwrap_or_default());
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        push("kube-score", check, format!("kube-score::{check}::{stem}::{i}"), vec![file], skips, expected, &map);
    }

    let map = mapping("kube-linter");
    let kl = json(&shared().join("kube-linter/expectations.json"));
    for c in kl["cases"].as_array().into_iter().flatten() {
        let check = c["check"].as_str().unwrap_or_default();
        let expected = match c["expected_reports_count"].as_u64() {
            Some(0) => Verdict::Passes,
            Some(_) => Verdict::Fails,
            None if c["expected_exit_status"].as_u64() == Some(1) => Verdict::Fails,
            None => continue,
        };
        let file = shared().join("kube-linter/testdata").join(c["file"].as_str().unwrap_or_default());
        push("kube-linter", check, format!("kube-linter::{check}"), vec![file], SkipMode::None, expected, &map);
    }

    let map = mapping("checkov");
    let ck = json(&shared().join("checkov/expectations.json"));
    for c in ck["cases"].as_array().into_iter().flatten() {
        let check = c["check_id"].as_str().unwrap_or_default();
        let dir = shared().join("checkov/examples").join(c["dir"].as_str().unwrap_or_default());
        let files = walk(&dir);
        let expected = match c["failed_resources"].as_array() {
            Some(list) => Verdict::FailingObjects(list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
            None => Verdict::FailingCount(
                usize::try_from(c["expected_summary"]["failed"].as_u64().unwrap_or(0)).unwrap_or(0),
            ),
        };
        push("checkov", check, format!("checkov::{check}"), files, SkipMode::All, expected, &map);
    }
    (cases, unmapped)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// `tool::case: reason` lines.
fn divergences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance-divergences.txt"))
        .unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(": ").map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect()
}

struct Tally {
    agree: AtomicUsize,
    allowed: AtomicUsize,
    total: AtomicUsize,
}

fn main() {
    let args = Arguments::from_args();
    let (cases, unmapped) = cases();
    let allowed = Arc::new(divergences());
    let tallies: Arc<BTreeMap<&'static str, Tally>> = Arc::new(
        TOOLS
            .iter()
            .map(|t| {
                (*t, Tally { agree: AtomicUsize::new(0), allowed: AtomicUsize::new(0), total: AtomicUsize::new(0) })
            })
            .collect(),
    );
    let mut trials: Vec<Trial> = Vec::new();
    for case in cases {
        let allowed = allowed.clone();
        let tallies = tallies.clone();
        trials.push(Trial::test(case.name.clone(), move || {
            let tally = &tallies[case.tool];
            tally.total.fetch_add(1, Ordering::Relaxed);
            let (observed, objects) = observe(&case).map_err(Failed::from)?;
            let agrees = observed == case.expected;
            match (agrees, allowed.get(&case.name)) {
                (true, None) => {
                    tally.agree.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                (true, Some(_)) => Err(format!(
                    "listed as a divergence but now agrees; remove it from conformance-divergences.txt (rules {:?})",
                    case.rules
                )
                .into()),
                (false, Some(_)) => {
                    tally.allowed.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                (false, None) => Err(format!(
                    "expected {:?}, palisade rules {:?} gave {observed:?} (failing: {objects:?})",
                    case.expected, case.rules
                )
                .into()),
            }
        }));
    }
    for (tool, name) in &unmapped {
        trials.push(Trial::test(name.clone(), || Ok(())).with_ignored_flag(true).with_kind(format!("unmapped {tool}")));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    for (tool, t) in tallies.iter() {
        let total = t.total.load(Ordering::Relaxed);
        let agree = t.agree.load(Ordering::Relaxed);
        let unmapped = unmapped.iter().filter(|(u, _)| u == tool).count();
        if total > 0 || unmapped > 0 {
            eprintln!(
                "conformance {tool}: {agree}/{total} mapped cases agree ({} listed divergences), {unmapped} cases of unmapped checks",
                t.allowed.load(Ordering::Relaxed)
            );
        }
    }
    conclusion.exit();
}
