//! A deliberately hostile policy, used only as a test fixture for the engine's sandbox.
//!
//! `evaluate` misbehaves as the `mode` setting says: `loop` (never returns), `alloc` (grows memory
//! without end), `trap` (executes `unreachable` through a panic), `recurse` (overflows the stack),
//! `error` (returns a policy error), or `ok` (one finding per resource).

use palisade_policy_sdk::{Finding, Input, Policy, PolicyMeta, RuleDef, Severity, Value, export_policy};

const ANY: RuleDef = RuleDef {
    id: "any",
    title: "Reports every resource",
    severity: Severity::Low,
    category: "testing",
    remediation: "none",
    standards: &[],
    enabled_by_default: true,
};

struct Hostile;

static META: PolicyMeta = PolicyMeta {
    name: "hostile",
    version: "0.1.0",
    description: "Misbehaves on purpose to test the sandbox",
    rules: &[ANY],
    settings_schema: r#"{"type": "object", "properties": {"mode": {"enum": ["ok", "loop", "alloc", "trap", "recurse", "error"]}}, "additionalProperties": false}"#,
};

/// Recursion that never bottoms out in practice; each frame lives on the wasm stack.
fn recurse(n: u64) -> u64 {
    if n == u64::MAX {
        return 0;
    }
    std::hint::black_box(recurse(n + 1)).wrapping_add(n)
}

impl Policy for Hostile {
    fn meta() -> &'static PolicyMeta {
        &META
    }

    fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
        match input.settings.get("mode").and_then(Value::as_str).unwrap_or("ok") {
            "loop" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "trap" => panic!("hostile policy traps on purpose"),
            "recurse" => Ok(vec![ANY.finding(0, "", format!("{}", recurse(0)))]),
            "error" => Err("hostile policy refuses to evaluate".into()),
            _ => Ok(input
                .resources
                .iter()
                .map(|r| ANY.finding(r.index, "/metadata/name", format!("saw {}", r.name())))
                .collect()),
        }
    }
}

export_policy!(Hostile);
