//! The Pod Security Admission conformance fixtures (`../shared/conformance/pod-security-admission`,
//! from kubernetes/pod-security-admission `test/testdata`) against the built-in `pod-security`
//! policy.
//!
//! Every `<level>/<version>/<pass|fail>/<check><n>.yaml` is one trial, named
//! `psa::<level>::<version>::<outcome>::<check><n>` with the check written as its rule id. The
//! policy is loaded once and evaluated directly with the fixture's level and version as settings.
//! A `pass` fixture must produce no finding; a `fail` fixture must produce a finding of the rule
//! whose id is the check named by the file (file names are the lowercased check ids). There is no
//! allow-list. A summary of agreement per level and outcome is printed at the end.

#![expect(clippy::expect_used, reason = "test set-up: a panic is a test failure")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use libtest_mimic::{Arguments, Failed, Trial};
use palisade_cli::inputs::{self, Source};
use palisade_cli::policy_set::{PolicyOptions, PolicySet, PolicySource, engine_config};
use palisade_core::{InputLimits, manifest};
use palisade_engine::{Engine, Policy, RawFinding};

/// Number of fixture files in the shared folder; a different count means fixtures went missing.
const FIXTURES: usize = 2966;
/// Levels, in the folder's spelling.
const LEVELS: [&str; 2] = ["baseline", "restricted"];
/// Outcomes, in the folder's spelling.
const OUTCOMES: [&str; 2] = ["pass", "fail"];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/pod-security-admission")
}

/// The built-in pod-security policy, loaded once.
fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let engine = Engine::new(engine_config()).expect("engine");
        let options =
            PolicyOptions { sources: vec![PolicySource::Builtin("pod-security".into())], ..PolicyOptions::default() };
        let set = PolicySet::load(&engine, &options).expect("the pod-security policy loads");
        set.policies.into_iter().next().expect("one policy").policy
    })
}

/// One fixture file and what it expects.
#[derive(Debug, Clone)]
struct Fixture {
    /// `baseline` or `restricted`.
    level: &'static str,
    /// `v1.0` … `v1.37`.
    version: String,
    /// `pass` or `fail`.
    outcome: &'static str,
    /// The file name without `.yaml`, e.g. `runasnonroot1`.
    stem: String,
    /// The check the name starts with (the stem without its trailing digits).
    check: String,
    /// The file.
    path: PathBuf,
}

impl Fixture {
    /// `psa::restricted::v1.30::fail::runAsNonRoot1`: the check spelt as its rule id when one matches.
    fn trial_name(&self) -> String {
        let rule = policy().info().rules.iter().find(|r| r.id.eq_ignore_ascii_case(&self.check));
        let stem = rule.map_or_else(|| self.stem.clone(), |r| format!("{}{}", r.id, &self.stem[self.check.len()..]));
        format!("psa::{}::{}::{}::{stem}", self.level, self.version, self.outcome)
    }
}

/// Sorted entries of a directory.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e} (the shared folder must sit beside the repository)", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    found.sort();
    found
}

/// The minor of `v1.<minor>`, for ordering.
fn minor(version: &str) -> u32 {
    version.strip_prefix("v1.").and_then(|m| m.parse().ok()).unwrap_or(u32::MAX)
}

/// Every fixture, by level, version, outcome and file name.
fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for level in LEVELS {
        let mut versions = entries(&fixtures_dir().join(level));
        versions.sort_by_key(|v| minor(&v.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()));
        for version_dir in versions {
            let version = version_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            for outcome in OUTCOMES {
                for path in entries(&version_dir.join(outcome)) {
                    if path.extension().is_none_or(|e| e != "yaml") {
                        continue;
                    }
                    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    let check = stem.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
                    out.push(Fixture { level, version: version.clone(), outcome, stem, check, path });
                }
            }
        }
    }
    out
}

/// The fixture's single object as JSON, read and decoded as `palisade check` reads a file.
fn object(path: &Path) -> Result<String, Failed> {
    let source = Source::File(path.to_path_buf());
    let limits = InputLimits::default();
    let text = inputs::read(&source, &limits)
        .and_then(|bytes| manifest::decode(&source.name(), &bytes, &limits))
        .map_err(|e| e.to_string())?;
    let parsed = manifest::parse(&source.name(), &text, &limits);
    match (parsed.errors.first(), parsed.resources.as_slice()) {
        (Some(e), _) => Err(e.to_string().into()),
        (None, [resource]) => Ok(resource.json.clone()),
        (None, other) => Err(format!("expected exactly one object, found {}", other.len()).into()),
    }
}

/// `rule: message` per finding, one a line.
fn describe(findings: &[RawFinding]) -> String {
    findings.iter().fold(String::new(), |mut out, f| {
        let _ = write!(out, "\n  {} at {}: {}", f.rule, f.path, f.message);
        out
    })
}

/// Agreement counters: `[level][outcome]` → (agreed, total).
static AGREED: [[AtomicUsize; 2]; 2] = [const { [const { AtomicUsize::new(0) }; 2] }; 2];
static TOTAL: [[AtomicUsize; 2]; 2] = [const { [const { AtomicUsize::new(0) }; 2] }; 2];

fn judge(fixture: &Fixture) -> Result<(), Failed> {
    let object = object(&fixture.path)?;
    let settings = format!(r#"{{"level": "{}", "version": "{}"}}"#, fixture.level, fixture.version);
    let findings = policy().evaluate(&[object], &settings, 0).map_err(|e| e.to_string())?;
    let agreed = match fixture.outcome {
        "pass" => findings.is_empty(),
        _ => findings.iter().any(|f| f.rule.eq_ignore_ascii_case(&fixture.check)),
    };
    if agreed {
        Ok(())
    } else if fixture.outcome == "pass" {
        Err(format!("expected no finding, got:{}", describe(&findings)).into())
    } else {
        Err(format!("expected a `{}` finding, got:{}", fixture.check, describe(&findings)).into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let all = fixtures();
    let mut trials = vec![{
        let count = all.len();
        Trial::test("psa::fixture_count", move || {
            if count == FIXTURES { Ok(()) } else { Err(format!("found {count} fixtures, expected {FIXTURES}").into()) }
        })
    }];
    for fixture in all {
        let name = fixture.trial_name();
        trials.push(Trial::test(name, move || {
            let slot = |counters: &'static [[AtomicUsize; 2]; 2]| {
                let level = LEVELS.iter().position(|l| *l == fixture.level).unwrap_or(0);
                let outcome = OUTCOMES.iter().position(|o| *o == fixture.outcome).unwrap_or(0);
                &counters[level][outcome]
            };
            slot(&TOTAL).fetch_add(1, Ordering::Relaxed);
            let verdict = judge(&fixture);
            if verdict.is_ok() {
                slot(&AGREED).fetch_add(1, Ordering::Relaxed);
            }
            verdict
        }));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    for (l, level) in LEVELS.iter().enumerate() {
        for (o, outcome) in OUTCOMES.iter().enumerate() {
            let (agreed, total) = (AGREED[l][o].load(Ordering::Relaxed), TOTAL[l][o].load(Ordering::Relaxed));
            if total > 0 {
                println!("pod-security agreement: {level} {outcome}: {agreed}/{total}");
            }
        }
    }
    conclusion.exit();
}
