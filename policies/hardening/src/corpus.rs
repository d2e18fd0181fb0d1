//! A survey of the rules over a real corpus, for reading the findings as a user would.
//!
//! `cargo test -p palisade-policy-hardening --release -- --ignored --nocapture corpus` renders nothing
//! itself: it reads every file of `PALISADE_CORPUS` (default `../../../shared/corpus/bitnami`, rendered
//! `helm template` output, one release per file), evaluates every rule on each file as one input, and
//! prints per-rule finding counts with a few sample messages (all of them for the rule ids listed in
//! `PALISADE_SURVEY_RULES`, comma-separated).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use palisade_policy_sdk::{Resource, Value};
use serde::Deserialize;

use crate::RULES;
use crate::context::Ctx;
use crate::settings::Settings;

/// Every Kubernetes object of a multi-document YAML text.
fn objects(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .filter_map(|doc| Value::deserialize(doc).ok())
        .flat_map(|doc| match doc.get("kind").and_then(Value::as_str) {
            Some("List") => doc.get("items").and_then(Value::as_array).cloned().unwrap_or_default(),
            Some(_) => vec![doc],
            None => Vec::new(),
        })
        .collect()
}

/// Runs of each rule per file; the fastest counts, to keep a busy machine out of the timings.
const RUNS: usize = 5;

#[test]
#[ignore = "reads the shared corpus; run explicitly"]
fn survey() {
    let root = std::env::var_os("PALISADE_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/bitnami"),
        PathBuf::from,
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let settings = Settings::default();
    let verbose = std::env::var("PALISADE_SURVEY_RULES").unwrap_or_default();
    let mut counts: BTreeMap<usize, (usize, usize, Vec<String>)> = BTreeMap::new();
    let mut times = vec![Duration::ZERO; RULES.len()];
    let (mut total_objects, mut elapsed) = (0, Duration::ZERO);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let resources: Vec<Resource> =
            objects(&text).into_iter().zip(0..).map(|(json, index)| Resource::new(index, json)).collect();
        total_objects += resources.len();
        let chart = file.file_stem().unwrap().to_string_lossy().to_string();
        for (i, rule) in RULES.iter().enumerate() {
            let mut findings = Vec::new();
            let mut fastest = Duration::MAX;
            for _ in 0..RUNS {
                let start = Instant::now();
                findings = (rule.check)(&Ctx::new(&resources), &settings);
                fastest = fastest.min(start.elapsed());
            }
            elapsed += fastest;
            times[i] += fastest;
            let entry = counts.entry(i).or_default();
            entry.0 += findings.len();
            entry.1 += usize::from(!findings.is_empty());
            let all = verbose.split(',').any(|id| id == rule.def.id);
            for f in findings.iter().take(if all { usize::MAX } else { 2 }) {
                if all || entry.2.len() < 4 {
                    let r = &resources[f.resource as usize];
                    entry.2.push(format!("{chart}: {} {} {} — {}", r.kind(), r.name(), f.path, f.message));
                }
            }
        }
    }
    println!(
        "{} files, {total_objects} objects, all rules evaluated in {elapsed:?} (fastest of {RUNS} runs per rule and file)",
        files.len()
    );
    let mut areas: BTreeMap<&str, Duration> = BTreeMap::new();
    for (time, rule) in times.iter().zip(RULES) {
        *areas.entry(rule.def.category).or_default() += *time;
    }
    println!("  by area: {areas:?}");
    let mut slowest: Vec<_> = times.iter().zip(RULES).collect();
    slowest.sort_by_key(|(t, _)| std::cmp::Reverse(**t));
    for (time, rule) in slowest.iter().take(8) {
        println!("  {time:?} {}", rule.def.id);
    }
    for (i, (count, charts, samples)) in &counts {
        let def = &RULES[*i].def;
        let default = if def.enabled_by_default { "on " } else { "opt" };
        println!("{count:6} {charts:4} {default} {}", def.id);
        for sample in samples {
            println!("              {sample}");
        }
    }
}

#[test]
#[ignore = "profiling aid"]
fn profile_loop() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/bitnami");
    let mut inputs = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        inputs.push(objects(&text).iter().map(|v| serde_json::to_string(v).unwrap()).collect::<Vec<_>>());
    }
    let settings = Settings::default();
    let (mut parse, mut rules) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..10 {
        for input in &inputs {
            let t = Instant::now();
            let resources: Vec<Resource> = input
                .iter()
                .zip(0..)
                .map(|(s, index)| Resource::new(index, serde_json::from_str(s).unwrap()))
                .collect();
            parse += t.elapsed();
            let t = Instant::now();
            let cx = Ctx::new(&resources);
            let n: usize = RULES.iter().map(|r| (r.check)(&cx, &settings).len()).sum();
            rules += t.elapsed();
            std::hint::black_box(n);
        }
    }
    println!("parse {:?} rules {:?} per corpus pass", parse / 10, rules / 10);
}
