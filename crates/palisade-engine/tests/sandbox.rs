//! The sandbox against hostile guests: every misbehaviour ends in a clear per-policy error.

#![expect(clippy::unwrap_used, reason = "test set-up: a panic is a test failure")]

use std::time::{Duration, Instant};

use palisade_engine::{Engine, EngineConfig, EngineError, EvalError, Policy};
use palisade_policies::fixtures::HOSTILE;

fn engine(timeout: Duration, memory_limit: usize) -> Engine {
    engine_with(timeout, memory_limit, false)
}

fn engine_with(timeout: Duration, memory_limit: usize, reuse_instances: bool) -> Engine {
    Engine::new(EngineConfig { cache_dir: None, memory_limit, timeout, pooled_instances: None, reuse_instances })
        .unwrap()
}

fn hostile(engine: &Engine) -> Policy {
    engine.load("fixture:hostile", HOSTILE).unwrap()
}

fn run(policy: &Policy, mode: &str) -> Result<Vec<palisade_engine::RawFinding>, EvalError> {
    let settings = serde_json::json!({ "mode": mode });
    policy.check_settings(&settings).unwrap();
    let resources = vec![r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"#.to_string()];
    policy.evaluate(&resources, &settings.to_string(), 0)
}

#[test]
fn well_behaved_mode_reports_findings() {
    let policy = hostile(&engine(Duration::from_secs(10), 64 << 20));
    let findings = run(&policy, "ok").unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (findings[0].rule.as_str(), findings[0].resource, findings[0].path.as_str(), findings[0].message.as_str()),
        ("any", 0, "/metadata/name", "saw p")
    );
}

#[test]
fn infinite_loop_times_out() {
    let policy = hostile(&engine(Duration::from_millis(200), 64 << 20));
    let started = Instant::now();
    let err = run(&policy, "loop").unwrap_err();
    assert_eq!(err, EvalError::Timeout { policy: "hostile".into(), millis: 200 });
    assert!(started.elapsed() < Duration::from_secs(5), "deadline fired late: {:?}", started.elapsed());
}

#[test]
fn unbounded_allocation_hits_the_memory_limit() {
    let policy = hostile(&engine(Duration::from_secs(10), 32 << 20));
    assert_eq!(run(&policy, "alloc").unwrap_err(), EvalError::OutOfMemory { policy: "hostile".into(), limit_mib: 32 });
}

#[test]
fn panic_is_a_trap() {
    let policy = hostile(&engine(Duration::from_secs(10), 64 << 20));
    assert_eq!(
        run(&policy, "trap").unwrap_err(),
        EvalError::Trap {
            policy: "hostile".into(),
            reason: "wasm trap: unreachable code reached (the policy panicked)".into()
        }
    );
}

#[test]
fn stack_overflow_is_a_trap() {
    let policy = hostile(&engine(Duration::from_secs(10), 512 << 20));
    assert_eq!(
        run(&policy, "recurse").unwrap_err(),
        EvalError::Trap { policy: "hostile".into(), reason: "stack overflow".into() }
    );
}

#[test]
fn policy_error_is_reported_as_such() {
    let policy = hostile(&engine(Duration::from_secs(10), 64 << 20));
    assert_eq!(
        run(&policy, "error").unwrap_err(),
        EvalError::Policy { policy: "hostile".into(), reason: "hostile policy refuses to evaluate".into() }
    );
}

#[test]
fn a_trap_does_not_poison_later_evaluations() {
    let policy = hostile(&engine(Duration::from_secs(10), 64 << 20));
    assert!(run(&policy, "trap").is_err());
    assert_eq!(run(&policy, "ok").unwrap().len(), 1);
}

#[test]
fn settings_are_validated_against_the_schema() {
    let policy = hostile(&engine(Duration::from_secs(10), 64 << 20));
    let err = policy.check_settings(&serde_json::json!({ "mode": "bogus", "extra": 1 })).unwrap_err();
    let EngineError::InvalidSettings { policy, problems } = err else { panic!("{err}") };
    assert_eq!(policy, "hostile");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("/mode: ")), "{problems:?}");
}

#[test]
fn wrong_binaries_are_refused_with_a_reason() {
    let engine = engine(Duration::from_secs(10), 64 << 20);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not wasm at all".to_vec(), "`x` is not a palisade policy component: not a WebAssembly binary"),
        (wat::parse_str("(module)").unwrap(), "`x` is not a palisade policy component: a core module, not a component"),
    ];
    for (bytes, expected) in cases {
        assert_eq!(engine.load("x", &bytes).err().map(|e| e.to_string()).as_deref(), Some(expected));
    }
    // A component that exports nothing does not implement the world.
    let empty = wat::parse_str("(component)").unwrap();
    let err = engine.load("empty", &empty).err().expect("empty component must be refused");
    assert!(matches!(err, EngineError::NotAPolicy { .. }), "{err}");
    // A component that imports something is refused: policies must import nothing.
    let importing = wat::parse_str(r#"(component (import "wasi:cli/environment@0.2.0" (instance)))"#).unwrap();
    let err = engine.load("importing", &importing).err().expect("importing component must be refused");
    assert!(matches!(err, EngineError::NotAPolicy { .. }), "{err}");
}

#[test]
fn compiled_components_are_cached_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let config = EngineConfig { cache_dir: Some(dir.path().to_path_buf()), ..EngineConfig::default() };
    let cold = Engine::new(config.clone()).unwrap();
    cold.load("fixture:hostile", HOSTILE).unwrap();
    let files = walk(dir.path());
    assert!(!files.is_empty(), "nothing cached in {}", dir.path().display());
    // A second engine (a second run) loads from the cache and still works.
    let warm = Engine::new(config).unwrap();
    let policy = warm.load("fixture:hostile", HOSTILE).unwrap();
    assert_eq!(run(&policy, "ok").unwrap().len(), 1);
}

#[test]
fn pooled_engine_keeps_the_limits() {
    let engine = Engine::new(EngineConfig {
        cache_dir: None,
        memory_limit: 32 << 20,
        timeout: Duration::from_millis(200),
        pooled_instances: Some(4),
        reuse_instances: false,
    })
    .unwrap();
    let policy = hostile(&engine);
    assert_eq!(run(&policy, "alloc").unwrap_err(), EvalError::OutOfMemory { policy: "hostile".into(), limit_mib: 32 });
    assert_eq!(run(&policy, "loop").unwrap_err(), EvalError::Timeout { policy: "hostile".into(), millis: 200 });
    // Slots are reused: many more evaluations than slots, four at a time.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..10 {
                    assert_eq!(run(&policy, "ok").unwrap().len(), 1);
                }
            });
        }
    });
}

#[test]
fn evaluations_run_concurrently() {
    let policy = hostile(&engine(Duration::from_secs(10), 64 << 20));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| run(&policy, "ok").unwrap().len())).collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 1);
        }
    });
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

/// With instance reuse (the CLI), an instance that trapped, ran out of time or hit the memory
/// limit is never reused: each failure is reported as with fresh instances, and the next
/// evaluation answers as the first did.
#[test]
fn reused_instances_recover_from_every_failure() {
    let policy = hostile(&engine_with(Duration::from_millis(200), 32 << 20, true));
    let first = run(&policy, "ok").unwrap();
    assert_eq!(first.len(), 1);
    for (mode, expected) in [
        (
            "trap",
            EvalError::Trap {
                policy: "hostile".into(),
                reason: "wasm trap: unreachable code reached (the policy panicked)".into(),
            },
        ),
        ("loop", EvalError::Timeout { policy: "hostile".into(), millis: 200 }),
        ("alloc", EvalError::OutOfMemory { policy: "hostile".into(), limit_mib: 32 }),
        ("error", EvalError::Policy { policy: "hostile".into(), reason: "hostile policy refuses to evaluate".into() }),
    ] {
        assert_eq!(run(&policy, mode).unwrap_err(), expected, "{mode}");
        assert_eq!(run(&policy, "ok").unwrap(), first, "after {mode}");
    }
    // Many evaluations on few instances give the same answer every time.
    for _ in 0..300 {
        assert_eq!(run(&policy, "ok").unwrap(), first);
    }
}
