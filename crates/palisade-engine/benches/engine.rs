#![expect(clippy::expect_used, reason = "benchmark set-up: a panic is a failure")]
#![allow(missing_docs, reason = "criterion macros generate undocumented items")]

//! Criterion micro-benchmarks of the engine on the shared corpus (`../shared/corpus/bitnami`):
//! parsing (and the YAML reader alone, fast and `yaml-rust2`), loading a policy from the compilation cache, and evaluating the built-in hardening
//! policy on one chart and on the whole corpus.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use palisade_core::InputLimits;
use palisade_engine::{Engine, EngineConfig};

fn corpus() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/bitnami");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.sort();
    files.into_iter().filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t))).collect()
}

/// Resource JSON of one input, as the CLI hands it to policies.
fn resources(name: &Path, text: &str) -> Vec<String> {
    let name: Arc<str> = Arc::from(name.display().to_string());
    palisade_core::manifest::parse(&name, text, &InputLimits::default())
        .resources
        .iter()
        .map(|r| r.json.clone())
        .collect()
}

fn benches(c: &mut Criterion) {
    let files = corpus();
    assert!(!files.is_empty(), "the shared corpus must sit beside the repository");
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("corpus", |b| {
        b.iter(|| files.iter().map(|(p, t)| resources(p, t).len()).sum::<usize>());
    });
    // The YAML reader alone: the fast one (with yaml-rust2 for what it leaves) and yaml-rust2.
    let limits = palisade_core::yaml::Limits::default();
    g.bench_function("yaml", |b| {
        b.iter(|| files.iter().filter_map(|(_, t)| palisade_core::yaml::parse_stream(t, limits).ok()).count());
    });
    g.bench_function("yaml-events", |b| {
        b.iter(|| files.iter().filter(|(_, t)| palisade_core::yaml::fast_path_reads(t)).count());
    });
    g.bench_function("yaml-rust2", |b| {
        b.iter(|| {
            files.iter().filter_map(|(_, t)| palisade_core::yaml::parse_stream_reference(t, limits).ok()).count()
        });
    });
    g.finish();

    let cache = tempfile::tempdir().expect("temp dir");
    let config = EngineConfig { cache_dir: Some(cache.path().to_path_buf()), ..EngineConfig::default() };
    let engine = Engine::new(config).expect("engine");
    let wasm = palisade_policies::builtin("hardening").expect("hardening is built in").wasm;
    let policy = engine.load("builtin:hardening", wasm).expect("load");
    c.bench_function("load/hardening/cached", |b| b.iter(|| engine.load("builtin:hardening", wasm).expect("load")));

    let sets: Vec<Vec<String>> = files.iter().map(|(p, t)| resources(p, t)).collect();
    let objects: usize = sets.iter().map(Vec::len).sum();
    let largest = sets.iter().max_by_key(|s| s.len()).cloned().unwrap_or_default();
    let mut g = c.benchmark_group("evaluate/hardening");
    g.throughput(Throughput::Elements(largest.len() as u64));
    g.bench_function("largest-chart", |b| b.iter(|| policy.evaluate(&largest, "{}", 0).expect("evaluate")));
    g.throughput(Throughput::Elements(1));
    let one = vec![largest.first().cloned().unwrap_or_default()];
    g.bench_function("one-object", |b| b.iter(|| policy.evaluate(&one, "{}", 0).expect("evaluate")));
    g.throughput(Throughput::Elements(objects as u64));
    g.sample_size(20);
    g.bench_function("corpus-serial", |b| {
        b.iter(|| sets.iter().map(|s| policy.evaluate(s, "{}", 0).expect("evaluate").len()).sum::<usize>());
    });
    g.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
